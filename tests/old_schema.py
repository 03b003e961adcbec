"""Stores as older tracers left them, made from stores this tracer wrote (for upgrade tests)."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def as_schema_8(conn: sqlite3.Connection) -> None:
    """Schema 8 kept the matching index (signatures, band keys) in the store, with no
    ``STORE-index`` file beside it; the caller may set an older version."""
    attached = {row[1]: row[2] for row in conn.execute("PRAGMA database_list")}
    index = Path(f"{attached['main']}-index")
    conn.execute(
        "CREATE TABLE signatures (batch INTEGER PRIMARY KEY, count INTEGER NOT NULL, n_units INTEGER "
        "NOT NULL, norms BLOB NOT NULL, units BLOB NOT NULL, checks BLOB NOT NULL)"
    )
    conn.execute(
        "CREATE TABLE band_keys (batch INTEGER NOT NULL, band INTEGER NOT NULL, keys BLOB NOT NULL, "
        "PRIMARY KEY (band, batch))"
    )
    if index.exists():
        conn.commit()
        if "ix" not in attached:
            conn.execute("ATTACH DATABASE ? AS ix", (str(index),))
        conn.execute("INSERT INTO main.signatures SELECT * FROM ix.signatures")
        conn.execute("INSERT INTO main.band_keys SELECT * FROM ix.band_keys")
        conn.commit()
        conn.execute("DETACH DATABASE ix")
        index.unlink()
    conn.execute("DELETE FROM meta WHERE key = 'index'")
    conn.execute("UPDATE meta SET value = '8' WHERE key = 'schema_version'")


def as_schema_7(conn: sqlite3.Connection) -> None:
    """Schema 7 kept whether an article was scanned as a flag in its row, with no ``scanned``
    table, and had no index of the articles' metadata; the caller may set an older version."""
    as_schema_8(conn)
    conn.execute("ALTER TABLE articles ADD COLUMN scanned INTEGER NOT NULL DEFAULT 0")
    conn.execute("UPDATE articles SET scanned = 1 WHERE seq IN (SELECT seq FROM scanned)")
    conn.execute("DROP TABLE scanned")
    conn.execute("DROP INDEX articles_meta")
    conn.execute("UPDATE meta SET value = '7' WHERE key = 'schema_version'")
