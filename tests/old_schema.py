"""Stores as older tracers left them, made from stores this tracer wrote (for upgrade tests)."""

from __future__ import annotations

import sqlite3


def as_schema_7(conn: sqlite3.Connection) -> None:
    """Schema 7 kept whether an article was scanned as a flag in its row, with no ``scanned``
    table, and had no index of the articles' metadata; the caller may set an older version."""
    conn.execute("ALTER TABLE articles ADD COLUMN scanned INTEGER NOT NULL DEFAULT 0")
    conn.execute("UPDATE articles SET scanned = 1 WHERE seq IN (SELECT seq FROM scanned)")
    conn.execute("DROP TABLE scanned")
    conn.execute("DROP INDEX articles_meta")
    conn.execute("UPDATE meta SET value = '7' WHERE key = 'schema_version'")
