"""The store: one SQLite file holding articles and everything derived from them.

Tables
  meta       schema version and the matching parameters a store was scanned with
  articles   the articles, text exactly as decoded, and how each metadata value was obtained;
             indexed on what a scan reads of each but its text (the rows hold the texts: a pass
             over them for ids and dates read every text)
  scanned    the articles a scan has done, by ``seq``: kept apart from the article rows, whose
             texts a flag among them made every scan write again
  sentence_blocks
             sentence spans of each article, the id of their normalised text (``norm``), the
             id of the line they start on (``line``) and whether that line is a promo: one
             row per scanned batch of articles, a numpy record array (``SENTENCE_DTYPE``).
             Millions of small rows cost more to insert than everything else a scan does;
             one blob per batch is written in one step and read back as columns.
  ix.signatures, ix.band_keys
             the matching index, in a file of its own beside the store (``STORE-index``, attached
             as ``ix`` by a scan): for each distinct normalised sentence, once, its units' check
             bytes (a row per scanned batch: norm ids, unit counts, one byte per MinHash value)
             and LSH band keys (a row per batch and band, so that banding reads a band without
             walking past the others). Most of what a scan writes, and read by scans only: with a
             rollback journal its pages are written once, where the WAL store would write them
             twice (log, then file). The store's meta ``index`` records what it should hold; an
             index that is missing or does not match makes the next scan do every article anew.
  near       verified near pairs of distinct sentences, with token spans of the shared region
  matches    reused passages between two articles, rebuilt from the above after each scan: every
             pair of articles sharing a sentence few articles print, and for a sentence many
             print, each of its occurrences with the one it most likely came from (``linked``)
  pieces     the sentence-level alignments each match is made of (claims are built from these)
  passages, occurrences, passage_links
             each sentence printed alike by two articles or more (or near a widely printed
             one), every place it is printed, and the near copies of widely printed ones: what
             a passage carried by N articles is, in N rows rather than N(N-1)/2 pairs
  claims, claim_members, citations
             recurring statements, their members with parent/lag/credit/confidence, and credits found

Every write happens inside a transaction (the index's with the store's, when attached), so a
failed call leaves the store as it was. The store
is in WAL mode: readers see the last committed state while a scan writes. One process writes at a
time; while it does, ``STORE-writer`` (JSON) says which, so that another is told who holds it.
"""

from __future__ import annotations

import codecs
import itertools
import json
import operator
import os
import shlex
import socket
import sqlite3
import sys
import time
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np

from .boilerplate import pack_flags, sentence_lines, sentence_shapes
from .errors import StoreBusyError, StoreDamagedError, StoreError, StoreFullError, StoreReadOnlyError
from .model import Article
from .text import fold, token_table

SCHEMA_VERSION = 9
INDEX_SUFFIX = "-index"  # the matching index's file: the store's path and this
INDEX_KEY = "index"  # meta: what the index holds (rows:sentences:last batch)
PAGE_SIZE = 1 << 16  # of new stores (SQLite's largest); stores made with other sizes work as they are
# How long a write waits for another process's write before saying who holds the store: a scan
# holds it for minutes or hours, so waiting it out silently would look like a hang.
BUSY_TIMEOUT_S = 5.0
WAL_SIZE_LIMIT = 64 << 20  # bytes of log kept once checkpointed (a scan's log is the size of what it adds)

# One sentence: the article's ``seq``, its position, span and counts, its normalised
# text's id and its line's id. Fixed-width, so a batch of them is one blob.
SENTENCE_DTYPE = np.dtype(
    [
        ("article", "<i8"),
        ("norm", "<i8"),
        ("line", "<i8"),
        ("idx", "<i4"),
        ("start", "<i4"),
        ("end", "<i4"),
        ("ntok", "<i4"),
        ("ncontent", "<i4"),
        ("promo", "<i4"),
    ]
)

# Passages: each distinct sentence printed by two articles or more (``head``, ``part``: the
# passage is the run of ``sentences`` sentences its carriers print one after another, from the
# part 0 one), or near one printed by more than the scan's ``fanout`` (``linked``: its carriers'
# pairs are not stored, only links); its occurrences; and the near copies of linked ones.
# ``boilerplate`` holds the matches table's flags (tracer.banality): boilerplate wherever it is
# printed, or banal.
PASSAGE_SCHEMA = """
CREATE TABLE IF NOT EXISTS passages (
    id INTEGER PRIMARY KEY, norm INTEGER NOT NULL, head INTEGER NOT NULL, part INTEGER NOT NULL,
    sentences INTEGER NOT NULL, carriers INTEGER NOT NULL, occurrences INTEGER NOT NULL,
    boilerplate INTEGER NOT NULL, linked INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS occurrences (
    passage_id INTEGER NOT NULL, article_id TEXT NOT NULL, idx INTEGER NOT NULL,
    start INTEGER NOT NULL, end INTEGER NOT NULL, boilerplate INTEGER NOT NULL,
    PRIMARY KEY (passage_id, article_id, idx)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS passage_links (
    a_id INTEGER NOT NULL, b_id INTEGER NOT NULL, a_start INTEGER NOT NULL, a_end INTEGER NOT NULL,
    b_start INTEGER NOT NULL, b_end INTEGER NOT NULL, score REAL NOT NULL, kind TEXT NOT NULL,
    boilerplate INTEGER NOT NULL, PRIMARY KEY (a_id, b_id)
) WITHOUT ROWID;
"""

_SCHEMA = (
    """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL UNIQUE,
    outlet TEXT, outlet_source TEXT NOT NULL,
    published TEXT, published_source TEXT NOT NULL,
    title TEXT, title_source TEXT NOT NULL,
    url TEXT, source_path TEXT NOT NULL, source_line INTEGER, encoding TEXT NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS articles_meta ON articles (seq, id, outlet, published);
CREATE TABLE IF NOT EXISTS scanned (seq INTEGER PRIMARY KEY);
CREATE TABLE IF NOT EXISTS sentence_blocks (
    batch INTEGER PRIMARY KEY, count INTEGER NOT NULL, rows BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS near (
    norm_a INTEGER NOT NULL, norm_b INTEGER NOT NULL,
    a_start INTEGER NOT NULL, a_end INTEGER NOT NULL, b_start INTEGER NOT NULL, b_end INTEGER NOT NULL,
    score REAL NOT NULL, kind TEXT NOT NULL,
    PRIMARY KEY (norm_a, norm_b)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS matches (
    id INTEGER PRIMARY KEY,
    source_id TEXT NOT NULL, target_id TEXT NOT NULL, direction TEXT NOT NULL,
    source_start INTEGER NOT NULL, source_end INTEGER NOT NULL,
    target_start INTEGER NOT NULL, target_end INTEGER NOT NULL,
    score REAL NOT NULL, kind TEXT NOT NULL, scope TEXT NOT NULL, boilerplate INTEGER NOT NULL,
    sentences INTEGER NOT NULL, linked INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS pieces (
    match_id INTEGER NOT NULL, a_id TEXT NOT NULL, a_start INTEGER NOT NULL, a_end INTEGER NOT NULL,
    b_id TEXT NOT NULL, b_start INTEGER NOT NULL, b_end INTEGER NOT NULL, score REAL NOT NULL, kind TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS pieces_match ON pieces (match_id);
"""
    + PASSAGE_SCHEMA
    + """
CREATE TABLE IF NOT EXISTS claims (
    id TEXT PRIMARY KEY, rank INTEGER NOT NULL, text TEXT NOT NULL, terms TEXT NOT NULL,
    first_seen TEXT, last_seen TEXT, articles INTEGER NOT NULL, outlets INTEGER NOT NULL, origin_id TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS claim_members (
    claim_id TEXT NOT NULL, member INTEGER NOT NULL, article_id TEXT NOT NULL,
    start INTEGER NOT NULL, end INTEGER NOT NULL, role TEXT NOT NULL,
    parent_id TEXT, parent_start INTEGER, lag_days REAL, similarity REAL,
    credited INTEGER NOT NULL, credits_parent INTEGER NOT NULL, confidence REAL, evidence TEXT,
    credit_to TEXT NOT NULL, date_unknown INTEGER NOT NULL,
    PRIMARY KEY (claim_id, member)
);
CREATE INDEX IF NOT EXISTS claim_members_article ON claim_members (article_id);
CREATE TABLE IF NOT EXISTS citations (
    article_id TEXT NOT NULL, outlet TEXT NOT NULL, phrase TEXT NOT NULL, start INTEGER NOT NULL,
    end INTEGER NOT NULL, pattern TEXT NOT NULL, external INTEGER NOT NULL,
    PRIMARY KEY (article_id, outlet, start)
);
CREATE INDEX IF NOT EXISTS matches_source ON matches (source_id);
CREATE INDEX IF NOT EXISTS matches_target ON matches (target_id);
"""
)

# The matching index (``ix``, a file of its own: see the module's docstring).
_INDEX_SCHEMA = """
CREATE TABLE IF NOT EXISTS ix.signatures (
    batch INTEGER PRIMARY KEY, count INTEGER NOT NULL, n_units INTEGER NOT NULL,
    norms BLOB NOT NULL, units BLOB NOT NULL, checks BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS ix.band_keys (
    batch INTEGER NOT NULL, band INTEGER NOT NULL, keys BLOB NOT NULL, PRIMARY KEY (band, batch)
)
"""
# The index's page cache: its pages are written once, in order, and read a band at a time.
INDEX_CACHE_KIB = 16384

# The semantic stage's sentence vectors, by model and normalised-sentence id (made by the stage:
# a store scanned without it has none).
_VECTORS = (
    "CREATE TABLE IF NOT EXISTS semantic_vectors (model TEXT NOT NULL, norm INTEGER NOT NULL, "
    "vec BLOB NOT NULL, PRIMARY KEY (model, norm))"
)

_ARTICLES_BATCH = 500  # articles looked up and inserted at once
# Spans sliced at a time by Store.span_texts: bounds the whole texts it holds at once.
SPAN_BATCH = 500
# Characters into an article beyond which Store.cut_texts reads it a piece at a time.
LONG_TEXT = 1 << 22


def cut_pieces(pieces: Iterator[str], starts: list[int], ends: list[int]) -> Iterator[str]:
    """``text[start:end]`` of each span (in order of ``starts``) of a text given as consecutive
    pieces, read only as far as the spans reach; a piece before a span is not kept."""
    held, at = "", 0  # held: text[at : at + len(held)]
    for start, end in zip(starts, ends, strict=True):
        if at + len(held) < end:
            if start < at + len(held):
                parts, at = [held[start - at :]], start
            else:
                parts, at = [], at + len(held)
            reach = at + sum(map(len, parts))
            while reach < end and (piece := next(pieces, None)) is not None:
                if reach + len(piece) <= start:  # wholly before the span
                    at = reach = reach + len(piece)
                    continue
                parts.append(piece)
                reach += len(piece)
            held = "".join(parts)
        yield held[start - at : end - at]


_CLAIM_TABLES = ("claims", "claim_members", "citations")
# The columns of a stored match after its id, in the order tracer.matches makes them.
MATCH_COLUMNS = (
    "source_id target_id direction source_start source_end target_start target_end score kind scope "
    "boilerplate sentences linked"
).split()
# Claims staged by tracer.provenance: each (claim row, member rows, citation rows).
StagedClaims = list[tuple[tuple[Any, ...], list[tuple[Any, ...]], list[tuple[Any, ...]]]]


def _marks(values: Sequence[Any]) -> str:
    return ", ".join("?" * len(values))


def _in_batches(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    it = iter(items)
    while batch := list(itertools.islice(it, size)):
        yield batch


ARTICLE_FIELDS = (
    "id outlet outlet_source published published_source title title_source url source_path source_line "
    "encoding text"
).split()


class Store:
    """A tracer store in one SQLite file."""

    def __init__(self, conn: sqlite3.Connection, path: str) -> None:
        # For the store's methods, tracer.queries and tests only: every other module asks them
        # (tests/test_sql_in_one_place.py).
        self.conn = conn
        self.path = path
        self._index_attached = False
        # Why the store was opened read-only (its folder cannot be written), else None: a write
        # then stops before it starts, saying so, rather than at whichever file it cannot make.
        self.read_only: str | None = None

    @classmethod
    def open(cls, path: str | Path, create: bool = True) -> Store:
        """Open (and with ``create``, create) the store at ``path``."""
        path = str(path)
        exists = path == ":memory:" or Path(path).exists()
        if not exists and not create:
            raise StoreError(f"{path}: no store here", "run `tracer ingest PATH` first or pass --db")
        if exists and path != ":memory:" and Path(path).is_dir():
            raise StoreError(f"{path}: is a directory, not a store file", "pass a file path with --db")
        if not exists:
            _make_folder(Path(path).parent)
        try:
            conn, tables, read_only = _connect(path)
        except sqlite3.Error as exc:
            raise _open_error(exc, path) from exc
        try:
            _configure(conn, new=not tables)
        except sqlite3.Error as exc:
            conn.close()
            raise _open_error(exc, path) from exc
        store = cls(conn, path)
        store.read_only = read_only
        if tables and "meta" not in tables:
            conn.close()
            raise StoreError(f"{path}: an SQLite file but not a tracer store", "pass another --db path")
        try:
            if "meta" in tables:
                store._upgrade()
            else:
                with store.transaction("a set-up"):
                    for statement in _SCHEMA.split(";"):
                        if statement.strip():
                            conn.execute(statement)
                    conn.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        except BaseException:
            conn.close()
            raise
        return store

    def _upgrade(self) -> None:
        """Bring the store up to SCHEMA_VERSION, or say it cannot be read."""
        with mapped_errors(self.path):
            row = self.conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        version = int(row[0]) if row else None
        # Each step is one transaction: a failure leaves the store at the schema it had reached.
        while version is not None and version in _MIGRATIONS:
            try:
                _MIGRATIONS[version](self)
            except StoreError as exc:  # busy, full, read-only, damaged
                raise type(exc)(
                    f"{exc.message}; could not upgrade the store from schema {version}; it was left at "
                    "that schema",
                    exc.hint,
                ) from exc
            except (sqlite3.DatabaseError, ValueError) as exc:  # ValueError: a blob of the wrong size
                raise StoreError(
                    f"{self.path}: could not upgrade the store from schema {version} ({exc}); it was left at "
                    "that schema",
                    "make the file writable and run again, or ingest into a new store with --db NEW.db",
                ) from exc
            version += 1
        if version != SCHEMA_VERSION:
            raise StoreError(
                f"{self.path}: store written by an incompatible tracer (schema {version}, this tracer reads "
                f"{SCHEMA_VERSION})",
                "ingest into a new store with --db NEW.db, or use the tracer version that wrote it",
            )

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self, activity: str = "a write") -> Iterator[sqlite3.Connection]:
        """All or nothing: commit on success, roll back on any exception. ``activity`` ("a scan")
        is what a process that finds the store busy meanwhile is told is running. SQLite's errors
        come out as the :class:`StoreError` that says what happened (disk full, read-only, ...)."""
        self._check_writable()
        with mapped_errors(self.path):
            self.conn.execute("BEGIN IMMEDIATE")
        record = _claim_writer(self.path, activity)
        try:
            try:
                yield self.conn
            except BaseException as exc:
                self._rollback()
                mapped = store_error(exc, self.path) if isinstance(exc, sqlite3.Error) else None
                if mapped is None:
                    raise
                raise mapped from exc
            try:
                self.conn.execute("COMMIT")  # a scan's COMMIT writes out its cache: the record stays
            except sqlite3.Error as exc:
                self._rollback()
                mapped = store_error(exc, self.path)
                if mapped is None:
                    raise
                raise mapped from exc
        finally:
            _release_writer(record)

    def _check_writable(self) -> None:
        if self.read_only is not None:
            raise StoreReadOnlyError(
                f"{self.path}: the store is read-only ({self.read_only})", _READ_ONLY_HINT
            )

    def _rollback(self) -> None:
        # SQLite has rolled back already after some errors (SQLITE_FULL, SQLITE_IOERR, ...): a
        # ROLLBACK then fails with "no transaction is active" and would hide what happened.
        if self.conn.in_transaction:
            try:
                self.conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass  # the error being raised says more; closing the connection rolls back

    @contextmanager
    def indexes_rebuilt(self, tables: Sequence[str]) -> Iterator[None]:
        """Drop the indexes made on ``tables`` (not their keys) and make them again on leaving:
        filling a table and then indexing it costs less than keeping its indexes up to date row
        by row (the matches at 10^5 simulated articles: 6.69/5.81/5.95 -> 4.93/5.58/5.42 s,
        three alternating runs). The caller holds the transaction; on an error the indexes are left to
        its rollback."""
        made = self.conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            f"AND tbl_name IN ({_marks(tables)}) ORDER BY name",
            tuple(tables),
        ).fetchall()
        for name, _ in made:
            self.conn.execute(f'DROP INDEX "{name}"')
        yield
        for _, sql in made:
            self.conn.execute(sql)

    def forget_scans(self) -> None:
        """Drop what scans stored of the articles (sentences, signatures, verified pairs) and
        mark every article unscanned: the next scan does them all anew. Matches and claims are
        rebuilt by that scan. The caller has opened the index and holds the transaction."""
        self._attach_index()
        for table in ("sentence_blocks", "ix.signatures", "ix.band_keys", "near"):
            self.conn.execute(f"DELETE FROM {table}")
        self.conn.execute("DELETE FROM scanned")
        self._record_index()

    # -- the matching index (a file of its own, attached as ``ix``) -------------
    def index_path(self) -> str:
        return index_file(self.path)

    def open_index(self) -> bool:
        """Attach the matching index (made if missing), outside any transaction, as a scan
        does before it writes. True when it holds what the store's scans stored; False when it
        is missing, belongs to another store or was left behind by a scan that did not finish:
        the scan then does every article anew (:meth:`forget_scans` empties it)."""
        self._attach_index()
        return self.index_fresh()

    def _attach_index(self) -> None:
        """Attach the index once per connection (outside a transaction: SQLite attaches no
        file inside one)."""
        if not self._index_attached:
            self._check_writable()  # (only writes attach it: a scan, an upgrade)
            _drop_if_not_sqlite(self.index_path())
            # (errors as the store's: a scan running elsewhere is one that holds its index)
            with mapped_errors(self.path):
                self.conn.execute("ATTACH DATABASE ? AS ix", (self.index_path(),))
                self._index_attached = True
                # (set before its first table, as for the store; a no-op on a made index)
                self.conn.execute(f"PRAGMA ix.page_size={PAGE_SIZE}")
                # A rollback journal: only scans read it, one at a time, so WAL would only
                # write its pages twice.
                self.conn.execute("PRAGMA ix.journal_mode=DELETE")
                self.conn.execute("PRAGMA ix.synchronous=NORMAL")
                self.conn.execute(f"PRAGMA ix.cache_size=-{INDEX_CACHE_KIB}")
                for statement in _INDEX_SCHEMA.split(";"):
                    self.conn.execute(statement)

    def index_fresh(self) -> bool:
        """Whether the attached index holds what the store's scans stored."""
        with mapped_errors(self.path):
            return self._index_record() == self._index_state()

    def _index_state(self) -> tuple[int, int, int]:
        """What the index holds: its rows, distinct sentences and last batch."""
        rows, sentences, last = self.conn.execute(
            "SELECT COUNT(*), COALESCE(SUM(count), 0), COALESCE(MAX(batch), 0) FROM ix.signatures"
        ).fetchone()
        return int(rows), int(sentences), int(last)

    def _index_record(self) -> tuple[int, int, int]:
        """What the store says its index holds (:meth:`_index_state` when they agree)."""
        rows, sentences, last = (self.get_meta(INDEX_KEY) or "0:0:0").split(":")
        return int(rows), int(sentences), int(last)

    def _record_index(self, state: tuple[int, int, int] | None = None) -> None:
        """Note in the store what the index now holds (in the same transaction as both)."""
        self.set_meta(INDEX_KEY, ":".join(map(str, state or self._index_state())))

    # -- matches, pieces, passages (made by tracer.matches) ---------------------
    def article_rows(self) -> list[tuple[Any, ...]]:
        """``(seq, id, outlet, published)`` of every article."""
        return self.conn.execute("SELECT seq, id, outlet, published FROM articles").fetchall()

    def near_rows(self) -> Iterator[tuple[Any, ...]]:
        """The verified pairs (``near`` table) by ``norm_a, norm_b``, read as they are taken."""
        return iter(self.conn.execute("SELECT * FROM near ORDER BY norm_a, norm_b"))

    def clear_matches(self) -> None:
        self.conn.execute("DELETE FROM matches")
        self.conn.execute("DELETE FROM pieces")

    def add_matches(self, matches: Iterable[Sequence[Any]], pieces: Iterable[Sequence[Any]]) -> None:
        """Insert matches (id first, then each column of :data:`MATCH_COLUMNS`) and their pieces,
        indexes rebuilt after (quicker than kept up row by row)."""
        with self.indexes_rebuilt(("matches", "pieces")):
            self.conn.executemany(
                f"INSERT INTO matches (id, {', '.join(MATCH_COLUMNS)}) VALUES ({_marks(range(len(MATCH_COLUMNS) + 1))})",
                matches,
            )
            self.conn.executemany(f"INSERT INTO pieces VALUES ({_marks(range(9))})", pieces)

    def replace_passages(
        self,
        passages: Iterable[Sequence[Any]],
        occurrences: Iterable[Sequence[Any]],
        links: Iterable[Sequence[Any]],
    ) -> None:
        """Replace the stored passages, their occurrences and the passage links by these rows."""
        for table in ("passages", "occurrences", "passage_links"):
            self.conn.execute(f"DELETE FROM {table}")
        self.conn.executemany(f"INSERT INTO passages VALUES ({_marks(range(9))})", passages)
        self.conn.executemany(f"INSERT INTO occurrences VALUES ({_marks(range(6))})", occurrences)
        self.conn.executemany(f"INSERT INTO passage_links VALUES ({_marks(range(9))})", links)

    def link_piece_batches(
        self, size: int = 1 << 16
    ) -> Iterator[list[tuple[str, int, int, str, int, int, float]]]:
        """``(a_id, a_start, a_end, b_id, b_start, b_end, score)`` of the pieces of stored matches
        that are neither boilerplate, banal nor linked, in stored order, ``size`` at a time."""
        cursor = self.conn.execute(
            "SELECT p.a_id, p.a_start, p.a_end, p.b_id, p.b_start, p.b_end, p.score FROM pieces p "
            "JOIN matches m ON m.id = p.match_id WHERE m.boilerplate = 0 AND m.linked = 0 ORDER BY p.rowid"
        )
        while rows := cursor.fetchmany(size):
            yield rows

    def unit_passages(self) -> list[tuple[int, int]]:
        """``(id, internal)`` by norm of each passage that is ``internal`` (linked, neither
        boilerplate nor banal, printed twice or more) or a side of a passage link."""
        internal = "linked = 1 AND boilerplate = 0 AND carriers >= 2"
        return self.conn.execute(
            f"SELECT id, {internal} FROM passages WHERE ({internal}) "
            "OR id IN (SELECT a_id FROM passage_links UNION SELECT b_id FROM passage_links) ORDER BY norm"
        ).fetchall()

    def unit_occurrences(self, passage_id: int) -> list[tuple[str, int, int]]:
        """``(article_id, start, end)`` of a passage's occurrences that are not boilerplate, by
        article and place."""
        return self.conn.execute(
            "SELECT article_id, start, end FROM occurrences WHERE passage_id = ? AND boilerplate = 0 "
            "ORDER BY article_id, idx",
            (passage_id,),
        ).fetchall()

    def unit_links(self) -> list[tuple[int, int, float]]:
        """``(a_id, b_id, score)`` of the passage links that are neither boilerplate nor banal."""
        return self.conn.execute(
            "SELECT a_id, b_id, score FROM passage_links WHERE boilerplate = 0"
        ).fetchall()

    # -- claims, members, citations (made by tracer.provenance) ---------------
    def known_outlets(self) -> list[str]:
        """The outlets some article names, sorted."""
        return sorted(
            r[0] for r in self.conn.execute("SELECT DISTINCT outlet FROM articles WHERE outlet IS NOT NULL")
        )

    def replace_claims(
        self,
        claims: Iterable[Sequence[Any]],
        members: Iterable[Sequence[Any]],
        citations: Iterable[Sequence[Any]],
    ) -> None:
        """Replace the stored claims, members and citations by these rows, inserted in the order
        given (of equal citations the first is kept). The caller holds the transaction."""
        for table in _CLAIM_TABLES:
            self.conn.execute(f"DELETE FROM {table}")
        self.conn.executemany(f"INSERT INTO claims VALUES ({_marks(range(9))})", claims)
        self.conn.executemany(f"INSERT INTO claim_members VALUES ({_marks(range(16))})", members)
        self.conn.executemany(f"INSERT OR IGNORE INTO citations VALUES ({_marks(range(7))})", citations)

    @contextmanager
    def staged_claims(self) -> Iterator[Callable[[StagedClaims], None]]:
        """Temporary tables where claims wait, a batch at a time, to be stored in claim order by
        :meth:`store_staged_claims`; yields the function that stages a batch. Each staged claim
        is ``(claim row after its order columns by_articles, by_first; member rows; citation
        rows after claim id, member and credit number)``."""
        self.conn.execute(
            "CREATE TEMP TABLE staged_claims (by_articles INTEGER, by_first TEXT, id TEXT PRIMARY KEY, "
            "rank INTEGER, text TEXT, terms TEXT, first_seen TEXT, last_seen TEXT, articles INTEGER, "
            "outlets INTEGER, origin_id TEXT)"
        )
        self.conn.execute(f"CREATE TEMP TABLE staged_members ({', '.join(f'c{k}' for k in range(16))})")
        self.conn.execute(
            f"CREATE TEMP TABLE staged_citations (claim_id, member, credit, {', '.join(f'c{k}' for k in range(7))})"
        )
        try:
            yield self._stage_claims
        finally:
            for table in ("staged_claims", "staged_members", "staged_citations"):
                self.conn.execute(f"DROP TABLE IF EXISTS temp.{table}")

    def _stage_claims(self, staged: StagedClaims) -> None:
        self.conn.executemany(
            f"INSERT INTO staged_claims VALUES ({_marks(range(11))})", (c[0] for c in staged)
        )
        self.conn.executemany(
            f"INSERT INTO staged_members VALUES ({_marks(range(16))})", (row for c in staged for row in c[1])
        )
        self.conn.executemany(
            f"INSERT INTO staged_citations VALUES ({_marks(range(10))})",
            (row for c in staged for row in c[2]),
        )

    def store_staged_claims(self) -> int:
        """Replace the stored claims, members and citations by the staged ones: claims ranked by
        their order columns (then id), members and citations by claim, member and credit.
        Returns the number of claims. The caller holds the transaction."""
        for table in _CLAIM_TABLES:
            self.conn.execute(f"DELETE FROM {table}")
        self.conn.execute(
            "INSERT INTO claims SELECT id, ROW_NUMBER() OVER (ORDER BY by_articles, by_first, id), text, "
            "terms, first_seen, last_seen, articles, outlets, origin_id FROM staged_claims "
            "ORDER BY by_articles, by_first, id"
        )
        self.conn.execute(
            "INSERT INTO claim_members SELECT m.* FROM staged_members m JOIN claims c ON c.id = m.c0 "
            "ORDER BY c.rank, m.c1"
        )
        self.conn.execute(
            f"INSERT OR IGNORE INTO citations SELECT {', '.join(f's.c{k}' for k in range(7))} "
            "FROM staged_citations s JOIN claims c ON c.id = s.claim_id ORDER BY c.rank, s.member, s.credit"
        )
        return int(self.conn.execute("SELECT COUNT(*) FROM claims").fetchone()[0])

    # -- what a scan reads and writes of the articles (tracer.scan) ---------------
    def unscanned(self) -> list[tuple[int, str]]:
        """``(seq, id)`` of the articles no scan has done yet, by seq."""
        return [
            (r[0], r[1])
            for r in self.conn.execute(
                "SELECT seq, id FROM articles WHERE seq NOT IN (SELECT seq FROM scanned) ORDER BY seq"
            )
        ]

    def first_seqs(self, n: int) -> list[int]:
        """The seqs of the first ``n`` articles stored (fewer where there are fewer)."""
        return [s for (s,) in self.conn.execute("SELECT seq FROM articles ORDER BY seq LIMIT ?", (n,))]

    def is_scanned(self, article_id: str) -> bool:
        """Whether a scan has done the article ``article_id`` (a full id)."""
        query = "SELECT 1 FROM articles WHERE id = ? AND seq IN (SELECT seq FROM scanned)"
        return self.conn.execute(query, (article_id,)).fetchone() is not None

    def any_scanned(self) -> bool:
        return self.conn.execute("SELECT 1 FROM scanned LIMIT 1").fetchone() is not None

    def mark_scanned(self) -> None:
        """Every article counts as scanned (the caller holds the scan's transaction)."""
        self.conn.execute(
            "INSERT INTO scanned SELECT seq FROM articles WHERE seq NOT IN (SELECT seq FROM scanned)"
        )

    def add_near(self, rows: Iterable[Sequence[Any]]) -> None:
        """Store verified pairs (rows of the ``near`` table; a pair stored already is replaced)."""
        self.conn.executemany(f"INSERT OR REPLACE INTO near VALUES ({_marks(range(8))})", rows)

    # -- meta ---------------------------------------------------------------
    # -- the semantic stage (tracer.semantic) ---------------------------------------
    def drop_paraphrases(self) -> None:
        """Drop the semantic stage's pairs (``near`` rows of kind ``paraphrase``)."""
        self.conn.execute("DELETE FROM near WHERE kind = 'paraphrase'")

    def near_pairs(self) -> set[tuple[int, int]]:
        """``(norm_a, norm_b)`` of every stored near pair."""
        return {(int(a), int(b)) for a, b in self.conn.execute("SELECT norm_a, norm_b FROM near")}

    def article_order(self) -> list[tuple[int, str, str, int]]:
        """``(seq, published or "", outlet or "", scanned)`` of every article."""
        return self.conn.execute(
            "SELECT seq, COALESCE(published, ''), COALESCE(outlet, ''), "
            "seq IN (SELECT seq FROM scanned) FROM articles"
        ).fetchall()

    def sentence_vectors(self, model: str, norms: Sequence[int]) -> dict[int, bytes]:
        """``norm -> vector bytes`` kept by :meth:`add_sentence_vectors` for ``model``."""
        self.conn.execute(_VECTORS)
        out: dict[int, bytes] = {}
        for chunk in _in_batches(norms, 900):
            rows = self.conn.execute(
                f"SELECT norm, vec FROM semantic_vectors WHERE model = ? AND norm IN ({_marks(chunk)})",
                (model, *chunk),
            )
            out.update((int(n), bytes(v)) for n, v in rows)
        return out

    def add_sentence_vectors(self, model: str, rows: Iterable[tuple[int, bytes]]) -> None:
        """Keep sentence vectors (``norm``, bytes) of ``model`` for later scans."""
        self.conn.execute(_VECTORS)
        self.conn.executemany(
            "INSERT OR REPLACE INTO semantic_vectors VALUES (?, ?, ?)", ((model, n, v) for n, v in rows)
        )

    def get_meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        self.conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    # -- articles -----------------------------------------------------------
    def add_articles(
        self,
        articles: Iterable[Article],
        updated: list[ArticleChange] | None = None,
        taken: Callable[[Article], object] | None = None,
    ) -> tuple[int, int]:
        """Insert articles not stored yet; an article stored already takes the outlet, date and
        title this ingest states more firmly (:func:`_overrides`), each change appended to
        ``updated``. Returns ``(added, skipped_as_already_stored)`` (updated ones not counted).

        An article whose id a stored article has with another text, or another outlet both
        inputs state, is not that article: where ``taken`` is given, it is called with it and
        gives it another id (else it is skipped as stored)."""
        added = skipped = 0
        changes: list[ArticleChange] = []
        insert = (
            f"INSERT INTO articles ({', '.join(ARTICLE_FIELDS)}, seq) VALUES ({_marks(ARTICLE_FIELDS)}, ?)"
        )
        values = operator.attrgetter(*ARTICLE_FIELDS)
        with self.transaction("an ingest") as conn:
            seq = conn.execute("SELECT COALESCE(MAX(seq), 0) FROM articles").fetchone()[0]
            was_empty = seq == 0
            added_ids: set[str] = set()  # those of this call
            # A batch at a time: which ids are stored is asked once (not at all in a new store),
            # and the rows are inserted at once.
            for batch in _in_batches(articles, _ARTICLES_BATCH):
                stored: set[str] = set()
                if not was_empty:
                    stored = _stored_ids(conn, batch, taken)
                rows = []
                for art in batch:
                    if art.id in added_ids:
                        skipped += 1
                        continue
                    if art.id in stored:
                        change = _update_from(conn, art)
                        if change is None:
                            skipped += 1
                        else:
                            changes.append(change)
                        continue
                    added_ids.add(art.id)
                    seq += 1
                    rows.append((*values(art), seq))
                conn.executemany(insert, rows)
                added += len(rows)
            _invalidate(conn, [c.id for c in changes if c.invalidates], "edited")
        if updated is not None:
            updated.extend(changes)
        return added, skipped

    def edit_article(
        self,
        article_id: str,
        outlet: str | None = None,
        published: str | None = None,
        title: str | None = None,
    ) -> ArticleChange:
        """Set an article's outlet, date (stored form, :func:`tracer.dates.normalise`) or title by
        hand (``edit``: no later ingest overrides them but an option). A changed outlet or date
        clears the article's matches and claims, rebuilt by the next scan; its sentences stay."""
        with self.transaction("an edit") as conn:
            row = conn.execute(f"SELECT {_META_COLUMNS} FROM articles WHERE id = ?", (article_id,)).fetchone()
            if row is None:
                raise StoreError(f"no article with id {article_id!r}", "list ids with `tracer articles`")
            given = {"outlet": outlet, "published": published, "title": title}
            change = ArticleChange(article_id)
            for k, name in enumerate(_META_NAMES):
                value = given[name]
                if value is not None and (value != row[2 * k] or row[2 * k + 1] != "edit"):
                    change.fields[name] = (row[2 * k], value, "edit")
            _apply(conn, change)
            if change.invalidates:
                _invalidate(conn, [article_id], "edited")
        return change

    def remove_articles(self, ids: Sequence[str]) -> int:
        """Remove these articles with their sentences, matches, passage occurrences and the claims
        they are in (the next scan rebuilds the claims of the others). Distinct sentences' signatures
        and verified pairs stay: they depend on no one article, and are reused if the text returns."""
        with self.transaction("a removal") as conn:
            return _remove(conn, list(ids))

    def changes_since_scan(self) -> dict[str, int]:
        """How many articles were edited (outlet or date) or removed since the last scan: its
        matches and claims do not show those changes until the next scan."""
        return _changes(self.conn)

    def clear_changes(self) -> dict[str, int]:
        """:meth:`changes_since_scan`, and forget them (a scan that rebuilds matches and claims
        calls it in its transaction)."""
        counts = _changes(self.conn)
        self.conn.execute("DELETE FROM meta WHERE key = ?", (CHANGES_KEY,))
        return counts

    def iter_articles(
        self,
        outlet: str | None = None,
        undated: bool = False,
        unknown_outlet: bool = False,
        limit: int | None = None,
    ) -> Iterator[dict[str, Any]]:
        """The articles in the order they were ingested, with how each value was obtained; only
        ``outlet``'s (case-insensitive), the undated, those of unknown outlet, at most ``limit``."""
        where, args = [], []  # type: ignore[var-annotated]
        if outlet is not None:
            where.append("lower(outlet) = lower(?)")
            args.append(outlet)
        if undated:
            where.append("published IS NULL")
        if unknown_outlet:
            where.append("outlet IS NULL")
        sql = (
            "SELECT id, outlet, outlet_source, published, published_source, title, title_source, url, "
            "source_path, source_line, seq IN (SELECT seq FROM scanned) FROM articles"
            + (f" WHERE {' AND '.join(where)}" if where else "")
            + " ORDER BY seq"
            + (" LIMIT ?" if limit is not None else "")
        )
        names = ("id outlet outlet_source published published_source title title_source url source_path "
                 "source_line scanned").split()  # fmt: skip
        for row in self.conn.execute(sql, (*args, *([limit] if limit is not None else []))):
            item = dict(zip(names, row, strict=True))
            item["scanned"] = bool(item["scanned"])
            yield item

    def has_outlet(self, outlet: str) -> bool:
        """Whether an article of ``outlet`` (compared without case) is stored."""
        query = "SELECT 1 FROM articles WHERE lower(outlet) = lower(?) LIMIT 1"
        return self.conn.execute(query, (outlet,)).fetchone() is not None

    def article(self, article_id: str) -> Article | None:
        row = self.conn.execute(
            f"SELECT {', '.join(ARTICLE_FIELDS)} FROM articles WHERE id=?", (article_id,)
        ).fetchone()
        return None if row is None else Article(**dict(zip(ARTICLE_FIELDS, row, strict=True)))

    def find_article_ids(self, prefix: str) -> list[str]:
        """Ids equal to ``prefix``, else starting with it (so users can type short ids)."""
        if self.conn.execute("SELECT 1 FROM articles WHERE id=?", (prefix,)).fetchone():
            return [prefix]
        rows = self.conn.execute(
            "SELECT id FROM articles WHERE substr(id, 1, ?) = ? ORDER BY id LIMIT 10", (len(prefix), prefix)
        )
        return [r[0] for r in rows]

    def article_meta(self, ids: Iterable[str] | None = None) -> dict[str, tuple[str | None, str | None]]:
        """``id -> (outlet, published)`` for every article (those of ``ids`` only, if given)."""
        if ids is None:
            return {
                r[0]: (r[1], r[2]) for r in self.conn.execute("SELECT id, outlet, published FROM articles")
            }
        out: dict[str, tuple[str | None, str | None]] = {}
        for chunk in _in_batches(sorted(set(ids)), 500):
            rows = self.conn.execute(
                f"SELECT id, outlet, published FROM articles WHERE id IN ({_marks(chunk)})", chunk
            )
            out.update((r[0], (r[1], r[2])) for r in rows)
        return out

    def texts(self, ids: Iterable[str]) -> dict[str, str]:
        """``id -> text`` of these articles."""
        return self._texts_by("id", ids)

    def texts_by_seq(self, seqs: Iterable[int]) -> dict[int, str]:
        """``seq -> text`` of the articles with these internal numbers."""
        return self._texts_by("seq", seqs)

    def _texts_by(self, column: str, keys: Iterable[Any]) -> dict[Any, str]:
        out: dict[Any, str] = {}
        key_list = sorted(set(keys))
        for i in range(0, len(key_list), 500):
            chunk = key_list[i : i + 500]
            rows = self.conn.execute(
                f"SELECT {column}, text FROM articles WHERE {column} IN ({','.join('?' * len(chunk))})", chunk
            )
            out.update(rows.fetchall())
        return out

    def text_pieces(self, seq: int, size: int = 1 << 22) -> Generator[str, None, None]:
        """The text of the article numbered ``seq``, as consecutive pieces of about ``size``
        bytes of it: read from the store as they are asked for, never the whole text at once."""
        (rowid,) = self.conn.execute("SELECT rowid FROM articles WHERE seq = ?", (seq,)).fetchone()
        (encoding,) = self.conn.execute("PRAGMA encoding").fetchone()
        decoder = codecs.getincrementaldecoder(encoding.replace("le", "-le").replace("be", "-be"))()
        with self.conn.blobopen("articles", "text", rowid, readonly=True) as blob:
            while data := blob.read(size):
                yield decoder.decode(data)
        yield decoder.decode(b"", final=True)

    def cut_texts(self, seqs: list[int], starts: list[int], ends: list[int]) -> list[str]:
        """``text[start:end]`` of each span of the article numbered ``seq``, in the order given.
        Each article is read once; one whose spans reach beyond ``LONG_TEXT`` characters a piece
        at a time, as far as they reach (read whole, a 100 MB article took ~300 MB while it was:
        its UTF-8 bytes and a string of two bytes a character)."""
        reach: dict[int, int] = {}
        for seq, end in zip(seqs, ends, strict=True):
            reach[seq] = max(reach.get(seq, 0), end)
        whole = [seq for seq, end in reach.items() if end <= LONG_TEXT]
        texts = self.texts_by_seq(whole) if whole else {}
        out = [texts[q][a:b] if q in texts else "" for q, a, b in zip(seqs, starts, ends, strict=True)]
        del texts
        for seq in sorted(set(reach) - set(whole)):
            on = sorted((k for k, q in enumerate(seqs) if q == seq), key=starts.__getitem__)
            with closing(self.text_pieces(seq)) as pieces:
                cut = cut_pieces(pieces, [starts[k] for k in on], [ends[k] for k in on])
                for k, text in zip(on, cut, strict=True):
                    out[k] = text
        return out

    def span_texts(self, spans: Sequence[tuple[str, int, int]]) -> list[str]:
        """The text of each ``(article_id, start, end)`` span, sliced from the stored texts (read
        for ``SPAN_BATCH`` spans at a time). Not SQLite's substr(): it stops at a NUL character,
        which a stored text may hold."""
        out: list[str] = []
        for i in range(0, len(spans), SPAN_BATCH):
            batch = spans[i : i + SPAN_BATCH]
            texts = self.texts({aid for aid, _, _ in batch})
            out += [texts[aid][start:end] for aid, start, end in batch]
        return out

    def article_count(self) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0])

    def counts(self) -> dict[str, Any]:
        q = self.conn.execute
        # One pass over the articles' index (their rows hold their texts: a pass over them reads all).
        articles, outlets, undated, unscanned, unknown = q(
            "SELECT COUNT(*), COUNT(DISTINCT outlet), COALESCE(SUM(published IS NULL), 0), "
            "COALESCE(SUM(seq NOT IN (SELECT seq FROM scanned)), 0), COALESCE(SUM(outlet IS NULL), 0) "
            "FROM articles"
        ).fetchone()
        return {
            "articles": articles,
            "outlets": outlets,
            "undated": undated,
            "unscanned": unscanned,
            "sentences": q("SELECT COALESCE(SUM(count), 0) FROM sentence_blocks").fetchone()[0],
            "distinct_sentences": self._index_record()[1],
            "matches": q("SELECT COUNT(*) FROM matches WHERE boilerplate=0").fetchone()[0],
            "cross_outlet_matches": q(
                "SELECT COUNT(*) FROM matches WHERE boilerplate=0 AND scope='cross-outlet'"
            ).fetchone()[0],
            "same_outlet_matches": q(
                "SELECT COUNT(*) FROM matches WHERE boilerplate=0 AND scope='same-outlet'"
            ).fetchone()[0],
            # (the column's bits: 1 boilerplate, 2 banal, tracer.banality)
            "boilerplate_matches": q("SELECT COUNT(*) FROM matches WHERE boilerplate & 1").fetchone()[0],
            "banal_matches": q("SELECT COUNT(*) FROM matches WHERE boilerplate & 2").fetchone()[0],
            "claims": q("SELECT COUNT(*) FROM claims").fetchone()[0],
            "unknown_outlet": unknown,
            "changed": sum(_changes(self.conn).values()),
        }

    # -- sentences and signatures (numpy blobs, one row per scanned batch) ----
    def add_sentences(self, rows: np.ndarray) -> None:
        """Store a batch of sentence records (``SENTENCE_DTYPE``)."""
        if len(rows):
            rows = np.ascontiguousarray(rows, dtype=SENTENCE_DTYPE)
            self.conn.execute(
                "INSERT INTO sentence_blocks (count, rows) VALUES (?, ?)", (len(rows), _blob(rows))
            )

    def sentences(self) -> np.ndarray:
        """Every stored sentence record, in the order the batches were stored."""
        blocks = list(self.sentence_blocks())
        return np.concatenate(blocks) if blocks else np.empty(0, dtype=SENTENCE_DTYPE)

    def sentence_blocks(self) -> Iterator[np.ndarray]:
        """The stored sentence records a batch at a time (read-only arrays), in stored order."""
        for (blob,) in self.conn.execute("SELECT rows FROM sentence_blocks ORDER BY batch"):
            yield np.frombuffer(blob, dtype=SENTENCE_DTYPE)

    def add_signatures(
        self, norms: np.ndarray, units: np.ndarray, keys: np.ndarray, checks: np.ndarray
    ) -> None:
        """Store the signatures of distinct sentences new to the store.

        ``norms``, ``units``: each sentence's id and number of units; ``keys``: ``(bands,
        n_units)`` uint32 band keys; ``checks``: ``(n_units, num_perm)`` uint8.
        """
        self._attach_index()
        if len(norms):
            batch = self.conn.execute(
                "INSERT INTO ix.signatures (count, n_units, norms, units, checks) VALUES (?,?,?,?,?)",
                (
                    len(norms),
                    int(checks.shape[0]),
                    _blob(np.asarray(norms, dtype=np.int64)),
                    _blob(np.asarray(units, dtype=np.int64)),
                    _blob(np.asarray(checks, dtype=np.uint8)),
                ),
            ).lastrowid
            _insert_band_keys(self.conn, batch, keys)
            # Counted on, not counted again: a scan adds a row a part, thousands at 10^6 articles.
            rows, sentences, _ = self._index_record()
            self._record_index((rows + 1, sentences + len(norms), int(batch or 0)))

    def signature_index(self) -> tuple[np.ndarray, np.ndarray]:
        """Norm ids of every distinct sentence with signatures, and their numbers of units,
        in stored order (the sentences a scan finds new come after those stored before it)."""
        return self.signature_column("norms"), self.signature_column("units")

    def signature_column(self, column: str) -> np.ndarray:
        """``norms`` or ``units`` of :meth:`signature_index` alone, filled a stored batch at a
        time (not every batch's blob and the joined column at once: 34 M sentences at 10^6
        simulated articles, 271 MB a column)."""
        self._attach_index()
        if column not in ("norms", "units"):
            raise ValueError(f"no signature column {column!r}: use 'norms' or 'units'")
        total = self.conn.execute("SELECT COALESCE(SUM(count), 0) FROM ix.signatures").fetchone()[0]
        out = np.empty(total, dtype=np.int64)
        row = 0
        for (blob,) in self.conn.execute(f"SELECT {column} FROM ix.signatures ORDER BY batch"):
            block = np.frombuffer(blob, dtype=np.int64)
            out[row : row + len(block)] = block
            row += len(block)
        return out

    def scratch_directory(self) -> str | None:
        """Where a scan's temporary files go: beside the store, which has room for the store
        (``None``, the system's temporary directory, for a store in memory)."""
        return None if self.path == ":memory:" else os.path.dirname(os.path.abspath(self.path))

    def band_column(self, band: int) -> np.ndarray:
        """Band ``band``'s key of every stored unit (uint32), in unit order."""
        self._attach_index()
        total = sum(n for _, n in self._signature_batches())
        out = np.empty(total, dtype=np.uint32)
        row = 0
        # Filled a batch at a time, as checks are: never all blobs and the column at once.
        for (blob,) in self.conn.execute(
            "SELECT keys FROM ix.band_keys WHERE band = ? ORDER BY batch", (band,)
        ):
            block = np.frombuffer(blob, dtype=np.uint32)
            out[row : row + len(block)] = block
            row += len(block)
        return out[:row]  # empty for a band that was never stored

    def checks(self, num_perm: int, start: int = 0, stop: int | None = None) -> np.ndarray:
        """``(n_units, num_perm)`` uint8 check bytes of the stored units ``start..stop-1``
        (default: all), in unit order."""
        self._attach_index()
        batches = self._signature_batches()
        total = sum(n for _, n in batches)
        stop = total if stop is None else min(stop, total)
        start = min(max(start, 0), stop)
        out = np.empty((stop - start, num_perm), dtype=np.uint8)
        first = 0  # the first unit of each batch
        # Filled one batch at a time, reading only the batches in range: memory holds the
        # matrix once, never all blobs beside it.
        for batch, n in batches:
            lo, hi = max(start, first), min(stop, first + n)
            if lo < hi:
                (blob,) = self.conn.execute(
                    "SELECT checks FROM ix.signatures WHERE batch = ?", (batch,)
                ).fetchone()
                block = np.frombuffer(blob, dtype=np.uint8).reshape(-1, num_perm)
                out[lo - start : hi - start] = block[lo - first : hi - first]
            first += n
        return out

    def _signature_batches(self) -> list[tuple[int, int]]:
        """``(batch, units)`` of each signature row, in order."""
        self._attach_index()
        return self.conn.execute("SELECT batch, n_units FROM ix.signatures ORDER BY batch").fetchall()


def _migrate_2_to_3(store: Store) -> None:
    """Schema 2 kept every band key of a batch in one blob of ``signatures``: one row a band now.

    One transaction, like every write: a failure leaves the store at schema 2.
    """
    conn = store.conn
    with store.transaction("an upgrade"):
        conn.execute(
            "CREATE TABLE band_keys (batch INTEGER NOT NULL, band INTEGER NOT NULL, keys BLOB NOT NULL, "
            "PRIMARY KEY (band, batch))"
        )
        batches = conn.execute("SELECT batch, n_units FROM signatures ORDER BY batch").fetchall()
        for batch, n_units in batches:
            (blob,) = conn.execute("SELECT keys FROM signatures WHERE batch = ?", (batch,)).fetchone()
            _insert_band_keys(conn, batch, np.frombuffer(blob, dtype=np.uint32).reshape(-1, n_units), "main")
        # A new table rather than ALTER TABLE ... DROP COLUMN, which SQLite before 3.35 lacks.
        conn.execute(
            "CREATE TABLE signatures_3 (batch INTEGER PRIMARY KEY, count INTEGER NOT NULL, "
            "n_units INTEGER NOT NULL, norms BLOB NOT NULL, units BLOB NOT NULL, checks BLOB NOT NULL)"
        )
        conn.execute(
            "INSERT INTO signatures_3 SELECT batch, count, n_units, norms, units, checks FROM signatures ORDER BY batch"
        )
        conn.execute("DROP TABLE signatures")
        conn.execute("ALTER TABLE signatures_3 RENAME TO signatures")
        conn.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")


def _migrate_3_to_4(store: Store) -> None:
    """Schema 3 identified a line by a hash of its text, schema 4 by its tokens: the stored
    sentences get the ids (and promo flags) of their lines anew from their articles' texts, so
    lines of later scans compare with theirs. One transaction; a batch at a time in memory."""
    _relabel_sentences(store, 4)


def _migrate_4_to_5(store: Store) -> None:
    """Schema 5 reads promos sentence by sentence on long lines and stores each sentence's shape
    beside its promo flag (:func:`~tracer.boilerplate.sentence_shapes`): the stored sentences get
    both anew from their articles' texts, so templates are found in them as in later scans'."""
    _relabel_sentences(store, 5)


def _relabel_sentences(store: Store, version: int) -> None:
    """Line ids, promo flags and shapes of every stored sentence made anew from its article's text,
    and the store marked as at schema ``version``."""
    conn = store.conn
    with store.transaction("an upgrade"):
        batches = [b for (b,) in conn.execute("SELECT batch FROM sentence_blocks ORDER BY batch")]
        for batch in batches:
            (blob,) = conn.execute("SELECT rows FROM sentence_blocks WHERE batch = ?", (batch,)).fetchone()
            rows = np.frombuffer(blob, dtype=SENTENCE_DTYPE).copy()
            seqs = np.unique(rows["article"])
            texts = store.texts_by_seq(seqs.tolist())
            folded = [fold(texts[seq]) for seq in seqs.tolist()]
            lengths = np.array([len(t) + 1 for t in folded], dtype=np.int64)
            offsets = np.cumsum(lengths) - lengths
            batch_text = "\n".join(folded)
            tok_at, tok_end, tok_key = token_table(batch_text)
            article_of = np.searchsorted(seqs, rows["article"])
            starts = offsets[article_of] + rows["start"]
            rows["line"], promo = sentence_lines(
                batch_text, offsets, tok_at, tok_key, article_of, starts, offsets[article_of] + rows["end"]
            )
            first = np.searchsorted(tok_at, starts)
            shapes = sentence_shapes(
                "\n".join(texts[seq] for seq in seqs.tolist()), tok_at, tok_end, tok_key, first, rows["ntok"]
            )
            rows["promo"] = pack_flags(promo, shapes)
            conn.execute("UPDATE sentence_blocks SET rows = ? WHERE batch = ?", (_blob(rows), batch))
        conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(version),))


# -- article metadata: how firmly each value is known -----------------------------------------

_META_NAMES = ("outlet", "published", "title")
_META_COLUMNS = "outlet, outlet_source, published, published_source, title, title_source"
# A value from a firmer source replaces a stored one on a later ingest: `tracer edit` is kept
# against everything but an option given on a later command line; what the input states (a
# header line, a record's field, HTML metadata, a URL) replaces a guess.
SOURCE_RANK = {"edit": 4, "option": 3, "header": 2, "field": 2, "html": 2, "url": 2, "dateline": 2,
               "file-name": 1, "text": 1, "first-line": 1, "unknown": 0}  # fmt: skip
CHANGES_KEY = "changed_since_scan"  # meta: {"edited": n, "removed": n} since the last scan


@dataclass
class ArticleChange:
    """What an edit or a re-ingest changed in one article: ``name -> (old, new, source)``."""

    id: str
    fields: dict[str, tuple[str | None, str, str]] = dataclass_field(default_factory=dict)

    @property
    def invalidates(self) -> bool:
        """Whether the article's matches and claims are stale: their direction, scope and
        provenance depend on its outlet and date (not on its title)."""
        return any(name in self.fields for name in ("outlet", "published"))


def _overrides(new_source: str, old_source: str) -> bool:
    if new_source == "option":
        return True
    return SOURCE_RANK.get(new_source, 0) >= SOURCE_RANK.get(old_source, 0)


def _stored_ids(
    conn: sqlite3.Connection, batch: list[Article], taken: Callable[[Article], object] | None
) -> set[str]:
    """Which ids of ``batch`` are stored, once those stored with another text, or with another
    outlet where both the stored article's input and this one state theirs, have been given
    other ids by ``taken`` (where given). An outlet set by an option, an edit or a guess is a
    correction of the same article, not another's."""
    ids = [art.id for art in batch]
    stored = {
        row[0]: row[1:]
        for row in conn.execute(
            f"SELECT id, text, outlet, outlet_source, source_path FROM articles WHERE id IN ({_marks(ids)})",
            ids,
        )
    }
    known = set(stored)
    if taken is None:
        return known
    from .ingest import as_stored

    moved = []
    for art in batch:
        found = stored.get(art.id)
        if found is None:
            continue
        text, outlet, source, path = found
        other_outlet = source in _STATED and art.stated_outlet is not None and art.stated_outlet != outlet
        # Another file's header names another outlet: another paper's copy (the same file's header
        # corrected is the same article)
        other_outlet |= (
            source == "header" and art.file_outlet not in (None, outlet) and path != art.source_path
        )
        # (a text an older tracer stored, its line endings as they came, is this one's)
        if (text != art.text and as_stored(text) != art.text) or other_outlet:
            taken(art)
            moved.append(art.id)
    if not moved:
        return known
    again = {r[0] for r in conn.execute(f"SELECT id FROM articles WHERE id IN ({_marks(moved)})", moved)}
    return {art.id for art in batch if art.id in known or art.id in again}


_STATED = ("field", "html", "url")  # outlet sources an input states of itself (an id is made of them)


def _update_from(conn: sqlite3.Connection, art: Article) -> ArticleChange | None:
    """Apply to the stored ``art.id`` the values ``art`` states more firmly; None if none."""
    row = conn.execute(f"SELECT {_META_COLUMNS} FROM articles WHERE id = ?", (art.id,)).fetchone()
    change = ArticleChange(art.id)
    for k, name in enumerate(_META_NAMES):
        value, source = getattr(art, name), getattr(art, f"{name}_source")
        old, old_source = row[2 * k], row[2 * k + 1]
        if value is not None and value != old and _overrides(source, old_source):
            change.fields[name] = (old, value, source)
    if not change.fields:
        return None
    _apply(conn, change)
    return change


def _apply(conn: sqlite3.Connection, change: ArticleChange) -> None:
    for name, (_, value, source) in change.fields.items():
        conn.execute(
            f"UPDATE articles SET {name} = ?, {name}_source = ? WHERE id = ?", (value, source, change.id)
        )


def _changes(conn: sqlite3.Connection) -> dict[str, int]:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (CHANGES_KEY,)).fetchone()
    counts = {"edited": 0, "removed": 0}
    if row is not None:
        try:
            stored = json.loads(row[0])
            counts.update({k: int(stored.get(k, 0)) for k in counts})
        except (ValueError, TypeError, AttributeError):
            pass  # unreadable: counted from here
    return counts


def _note_changes(conn: sqlite3.Connection, what: str, n: int) -> None:
    counts = _changes(conn)
    counts[what] += n
    conn.execute(
        "INSERT OR REPLACE INTO meta VALUES (?, ?)", (CHANGES_KEY, json.dumps(counts, sort_keys=True))
    )


def _claims_of(conn: sqlite3.Connection, ids: list[str]) -> list[str]:
    found: set[str] = set()
    for chunk in _in_batches(ids, _ARTICLES_BATCH):
        found.update(
            r[0]
            for r in conn.execute(
                f"SELECT DISTINCT claim_id FROM claim_members WHERE article_id IN ({_marks(chunk)}) "
                f"OR parent_id IN ({_marks(chunk)})",
                (*chunk, *chunk),
            )
        )
    return sorted(found)


_SCANNED_FLAG = "scanned = 1"  # how schema 7 and before marked a scanned article (upgrades call _remove)


def _scanned_row(conn: sqlite3.Connection) -> str:
    """SQL true for an article row a scan has done: by the ``scanned`` table, or in a store still
    being upgraded from schema 7 or before, by the flag its rows had."""
    has = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'scanned'").fetchone()
    return "seq IN (SELECT seq FROM scanned)" if has else _SCANNED_FLAG


def _invalidate(conn: sqlite3.Connection, ids: list[str], what: str) -> None:
    """Clear the matches and claims of these articles (what their outlet or date decided): the
    next scan rebuilds them from the stored sentences and pairs, which do not depend on either."""
    if not ids:
        return
    # Only what a scan has seen is stale: an unscanned article is done whole by the next scan.
    seen, scanned = 0, _scanned_row(conn)
    for chunk in _in_batches(ids, _ARTICLES_BATCH):
        seen += conn.execute(
            f"SELECT COUNT(*) FROM articles WHERE {scanned} AND id IN ({_marks(chunk)})", chunk
        ).fetchone()[0]
    for chunk in _in_batches(_claims_of(conn, ids), _ARTICLES_BATCH):
        for table, column in (("claim_members", "claim_id"), ("claims", "id")):
            conn.execute(f"DELETE FROM {table} WHERE {column} IN ({_marks(chunk)})", chunk)
    for chunk in _in_batches(ids, _ARTICLES_BATCH):
        marks = _marks(chunk)
        conn.execute(f"DELETE FROM pieces WHERE a_id IN ({marks}) OR b_id IN ({marks})", (*chunk, *chunk))
        conn.execute(
            f"DELETE FROM matches WHERE source_id IN ({marks}) OR target_id IN ({marks})", (*chunk, *chunk)
        )
    if seen:
        _note_changes(conn, what, seen)


def _remove(conn: sqlite3.Connection, ids: list[str]) -> int:
    """:meth:`Store.remove_articles` in the caller's transaction."""
    seqs: list[int] = []
    for chunk in _in_batches(ids, _ARTICLES_BATCH):
        seqs += [r[0] for r in conn.execute(f"SELECT seq FROM articles WHERE id IN ({_marks(chunk)})", chunk)]
    if not seqs:
        return 0
    _invalidate(conn, ids, "removed")
    for chunk in _in_batches(ids, _ARTICLES_BATCH):
        for table in ("occurrences", "citations", "articles"):
            conn.execute(f"DELETE FROM {table} WHERE {'id' if table == 'articles' else 'article_id'} "
                         f"IN ({_marks(chunk)})", chunk)  # fmt: skip
    if _scanned_row(conn) != _SCANNED_FLAG:
        for chunk in _in_batches(seqs, _ARTICLES_BATCH):
            conn.execute(f"DELETE FROM scanned WHERE seq IN ({_marks(chunk)})", chunk)  # seqs are reused
    gone = np.sort(np.array(seqs, dtype=np.int64))
    # An article's sentences are in one stored batch: the batches holding any are written anew.
    for batch, blob in conn.execute("SELECT batch, rows FROM sentence_blocks ORDER BY batch").fetchall():
        rows = np.frombuffer(blob, dtype=SENTENCE_DTYPE)
        at = np.minimum(np.searchsorted(gone, rows["article"]), len(gone) - 1)
        drop = gone[at] == rows["article"]
        if not drop.any():
            continue
        keep = rows[~drop]
        if len(keep):
            conn.execute(
                "UPDATE sentence_blocks SET count = ?, rows = ? WHERE batch = ?",
                (len(keep), _blob(keep), batch),
            )
        else:
            conn.execute("DELETE FROM sentence_blocks WHERE batch = ?", (batch,))
    return len(seqs)


def _migrate_5_to_6(store: Store) -> None:
    """Schema 6 keeps passages with their occurrences, and marks the matches that link an
    occurrence of a widely printed sentence to one other (``linked``). The next scan fills them;
    until then the store reads as before."""
    conn = store.conn
    with store.transaction("an upgrade"):
        if "linked" not in {r[1] for r in conn.execute("PRAGMA table_info(matches)")}:
            conn.execute("ALTER TABLE matches ADD COLUMN linked INTEGER NOT NULL DEFAULT 0")
        for sql in _statements(PASSAGE_SCHEMA):
            conn.execute(sql)
        conn.execute("UPDATE meta SET value = '6' WHERE key = 'schema_version'")


def _statements(script: str) -> list[str]:
    """The statements of a script of CREATE statements (``executescript`` would commit first)."""
    return [part.strip() for part in script.split(";") if part.strip()]


def _migrate_6_to_7(store: Store) -> None:
    """Schema 7 identifies an article by its text and the outlet its input states, not by an outlet
    given with --outlet or guessed (:func:`tracer.ingest.article_id`), so that correcting the outlet
    keeps the id. Ids made the old way are made anew; two articles that then share an id (one text
    ingested twice, once with --outlet) become one, keeping the firmer values. Where ids change,
    matches and claims (which name articles) are cleared for the next scan to rebuild; sentences,
    signatures and pairs, which name no article id, stay."""
    from .ingest import article_id, stated_outlet

    conn = store.conn
    with store.transaction("an upgrade"):
        renamed: dict[str, str] = {}
        for art_id, outlet, source, url, path, text in conn.execute(
            "SELECT id, outlet, outlet_source, url, source_path, text FROM articles ORDER BY seq"
        ).fetchall():
            if art_id == article_id(outlet, text):  # made from the outlet, not given
                new = article_id(
                    stated_outlet(path, outlet if source in ("field", "html") else None, url), text
                )
                if new != art_id:
                    renamed[art_id] = new
        if renamed:
            _rename_articles(conn, renamed)
        conn.execute("UPDATE meta SET value = '7' WHERE key = 'schema_version'")


def _migrate_7_to_8(store: Store) -> None:
    """Schema 7 kept whether an article was scanned in its row, so every scan wrote every new
    article row again, text and all (the whole table, the first time). Schema 8 keeps the seqs of
    the scanned articles in a table of their own. The old column stays, never read: dropping it
    would write every article once more. Schema 8 also indexes what a scan reads of every article
    but its text (``articles_meta``)."""
    conn = store.conn
    with store.transaction("an upgrade"):
        conn.execute("CREATE TABLE scanned (seq INTEGER PRIMARY KEY)")
        conn.execute("INSERT INTO scanned SELECT seq FROM articles WHERE scanned = 1")
        conn.execute("CREATE INDEX articles_meta ON articles (seq, id, outlet, published)")
        conn.execute("UPDATE meta SET value = '8' WHERE key = 'schema_version'")


def _migrate_8_to_9(store: Store) -> None:
    """Schema 8 kept the matching index (signatures, band keys) in the store, which WAL wrote
    twice; schema 9 keeps it in a file of its own beside it (``STORE-index``). It is moved
    there in one transaction with the store's change."""
    conn = store.conn
    store._attach_index()
    with store.transaction("an upgrade"):
        for table in ("signatures", "band_keys"):
            conn.execute(f"DELETE FROM ix.{table}")  # an index left by another store of this name
            conn.execute(f"INSERT INTO ix.{table} SELECT * FROM main.{table}")
            conn.execute(f"DROP TABLE main.{table}")
        store._record_index()
        conn.execute("UPDATE meta SET value = '9' WHERE key = 'schema_version'")


def _rename_articles(conn: sqlite3.Connection, renamed: dict[str, str]) -> None:
    """Give articles new ids; where one is taken, merge into the stored article (its firmer values
    kept) and remove the other. Every table naming articles by id is cleared for the next scan."""
    merged: list[str] = []
    for old, new in renamed.items():
        if conn.execute("SELECT 1 FROM articles WHERE id = ?", (new,)).fetchone() is None:
            conn.execute("UPDATE articles SET id = ? WHERE id = ?", (new, old))
            continue
        row = conn.execute(f"SELECT {_META_COLUMNS} FROM articles WHERE id = ?", (old,)).fetchone()
        twin = Article(id=new, text="")
        for k, name in enumerate(_META_NAMES):
            setattr(twin, name, row[2 * k])
            setattr(twin, f"{name}_source", row[2 * k + 1])
        _update_from(conn, twin)
        merged.append(old)
    _remove(conn, merged)
    for table in ("matches", "pieces", "occurrences", "passages", "passage_links", "claims", "claim_members",
                  "citations"):  # fmt: skip
        conn.execute(f"DELETE FROM {table}")
    _note_changes(conn, "edited", len(renamed) - len(merged))


# The upgrade from schema k is _MIGRATIONS[k]; a store is brought up to SCHEMA_VERSION step by step.
_MIGRATIONS: dict[int, Callable[[Store], None]] = {
    2: _migrate_2_to_3,
    3: _migrate_3_to_4,
    4: _migrate_4_to_5,
    5: _migrate_5_to_6,
    6: _migrate_6_to_7,
    7: _migrate_7_to_8,
    8: _migrate_8_to_9,
}


def _blob(values: np.ndarray) -> memoryview:
    """An array's bytes for SQLite to copy from where they are (``tobytes`` would copy them
    first: 2 GB of band keys and check bytes a 10^5-article scan)."""
    return np.ascontiguousarray(values).reshape(-1).view(np.uint8).data


def _insert_band_keys(
    conn: sqlite3.Connection, batch: int | None, keys: np.ndarray, schema: str = "ix"
) -> None:
    """One ``band_keys`` row per band of a batch's ``(bands, n_units)`` keys (in the index; in
    the store itself before schema 9)."""
    keys = np.ascontiguousarray(keys, dtype=np.uint32)
    conn.executemany(
        f"INSERT INTO {schema}.band_keys VALUES (?, ?, ?)",
        [(batch, b, _blob(keys[b])) for b in range(len(keys))],
    )


# -- connecting ------------------------------------------------------------


def _connect(path: str) -> tuple[sqlite3.Connection, set[str], str | None]:
    """A connection to ``path``, the names of its tables, and why it was opened read-only
    (``None`` when it was not).

    A WAL store reads and writes an -shm file beside it, which SQLite cannot make in a folder
    this process cannot write (a read-only mount, an archive, a colleague's share): such a store
    is opened read-only instead, so that commands that only read it work.
    """
    conn = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_S)
    try:
        return conn, _tables(conn), None
    except sqlite3.Error as exc:
        conn.close()
        reason = _unwritable_folder(path, exc)
        if reason is None:
            raise
        try:
            conn = _connect_read_only(path)
        except sqlite3.Error:
            raise exc from None  # the first error says more about the store than the second
    try:
        return conn, _tables(conn), reason
    except BaseException:
        conn.close()
        raise


def _unwritable_folder(path: str, exc: sqlite3.Error) -> str | None:
    """Why SQLite could not open the readable store at ``path`` for want of a writable folder, or
    ``None`` when ``exc`` came from something else. As root, only a read-only file system makes a
    folder unwritable; SQLite then says "unable to open", without the code it gives a user."""
    name = _errorname(exc)
    if name != "SQLITE_READONLY_DIRECTORY" and _code(exc) != "CANTOPEN":
        return None
    folder = os.path.dirname(os.path.abspath(path))
    if path == ":memory:" or not os.access(path, os.R_OK) or os.access(folder, os.W_OK):
        return None
    try:
        on_read_only_fs = bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):  # AttributeError: no statvfs (Windows)
        on_read_only_fs = False
    return "on a read-only file system" if on_read_only_fs else f"its folder {folder} cannot be written"


def _connect_read_only(path: str) -> sqlite3.Connection:
    """``path`` opened read-only in a folder this process cannot write.

    Without a log beside it the file holds every commit (a clean close checkpoints the log into
    it and deletes it; a writer leaves one while it writes): it is read as an immutable file.
    A log with frames is what a writer that did not close left (with no -shm beside it, else
    SQLite would have read both): its last commits are there, so it is read with the file, its
    index kept in memory (exclusive locking mode), with no locks, as no process can hold it.
    """
    where = quote(os.path.abspath(path))
    if not _has_log(path):
        return sqlite3.connect(
            f"file:{where}?mode=ro&immutable=1", uri=True, isolation_level=None, timeout=BUSY_TIMEOUT_S
        )
    conn = sqlite3.connect(
        f"file:{where}?mode=ro&vfs=unix-none", uri=True, isolation_level=None, timeout=BUSY_TIMEOUT_S
    )
    try:
        conn.execute("PRAGMA locking_mode=EXCLUSIVE")  # before the first read: no -shm then
    except BaseException:
        conn.close()
        raise
    return conn


def _tables(conn: sqlite3.Connection) -> set[str]:
    return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def _has_log(path: str) -> bool:
    log = Path(f"{path}-wal")
    return log.exists() and log.stat().st_size > 0


def _configure(conn: sqlite3.Connection, new: bool) -> None:
    if new:
        # A new store: its page size is set first, since it cannot change once the first table
        # exists (nor in WAL mode) and cache_size below (in KiB) becomes a number of pages of the
        # size then in force (set after it, the cache would hold 16 times the memory). A scan
        # writes gigabytes of blobs, kept as chains of overflow pages: large pages make them short
        # (docs/architecture.md, the store).
        conn.execute(f"PRAGMA page_size={PAGE_SIZE}")
    # WAL, so that readers see the last committed state while a scan writes: with a rollback
    # journal, a scan that spills its cache into the file locks every reader out until it
    # commits. WAL writes a scan's new pages twice (log, then checkpoint into the file).
    try:
        conn.execute("PRAGMA journal_mode=WAL")  # stores made with a rollback journal switch here
    except sqlite3.OperationalError as exc:
        if not _errorname(exc).startswith("SQLITE_READONLY"):
            raise
        # A store this process cannot write is read in the mode it has.
    conn.execute(f"PRAGMA journal_size_limit={WAL_SIZE_LIMIT}")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA cache_size=-131072")  # 128 MiB: sentence ids arrive in random order
    conn.execute("PRAGMA foreign_keys=ON")


# -- errors: what SQLite says, as what happened --------------------------------------------

# SQLite's primary result code (from ``sqlite_errorname``) for errors that come without one
# (raised by Python's sqlite3 module itself, or by older versions of it).
_CODE_BY_TEXT = (
    ("database is locked", "BUSY"),
    ("database table is locked", "LOCKED"),
    ("disk is full", "FULL"),
    ("readonly database", "READONLY"),
    ("malformed", "CORRUPT"),
    ("Could not decode to UTF-8", "CORRUPT"),  # text bytes a damaged page garbled
    ("file is not a database", "NOTADB"),
    ("disk I/O error", "IOERR"),
    ("unable to open database file", "CANTOPEN"),
)

_SQLITE_MAGIC = b"SQLite format 3\x00"
_READ_ONLY_HINT = (
    "make the file and its directory writable, or copy the store somewhere writable; "
    "commands that only read it work as it is"
)


def _errorname(exc: BaseException) -> str:
    return getattr(exc, "sqlite_errorname", None) or ""


def _code(exc: sqlite3.Error) -> str:
    name = _errorname(exc)
    if name.startswith("SQLITE_"):
        return name.removeprefix("SQLITE_").split("_")[0]
    text = str(exc)
    return next((code for part, code in _CODE_BY_TEXT if part in text), "")


def store_error(exc: sqlite3.Error, path: str) -> StoreError | None:
    """The :class:`StoreError` that says what ``exc`` means for the store at ``path``: busy
    (another process writes; which one, since when), disk full, read-only, damaged, not a store,
    an I/O error, cannot open. ``None`` for other errors (a bug, not the store's state)."""
    code = _code(exc)
    if code in ("BUSY", "LOCKED"):
        return _busy_error(exc, path)
    if code == "FULL":
        return StoreFullError(
            f"{path}: the disk is full ({exc}); the store was left as it was",
            "free space on the disk that holds the store (a scan needs room for about as much again as "
            "it adds) or in the temporary directory, then run again",
        )
    if code == "READONLY":
        return StoreReadOnlyError(f"{path}: the store is read-only ({exc})", _READ_ONLY_HINT)
    if code == "NOTADB" and not _is_sqlite_file(path):
        return StoreError(
            f"{path}: not a tracer store ({exc})", "pass another --db path; this file was left untouched"
        )
    if code in ("CORRUPT", "NOTADB"):
        return StoreDamagedError(
            f"{path}: the store is damaged ({exc})",
            f"`tracer check --db {shlex.quote(path)}` lists what is wrong; restore the store from a backup, "
            "or ingest the articles again into a new store with --db NEW.db",
        )
    if code == "IOERR":
        return StoreError(
            f"{path}: the store could not be read or written ({exc})",
            "check the disk or network file system it is on, then run again; the store was left as it was",
        )
    if code == "CANTOPEN":
        return StoreError(
            f"{path}: cannot open the store file ({exc})",
            "check that its directory exists and that this user may read and write there",
        )
    return None


@contextmanager
def mapped_errors(path: str) -> Iterator[None]:
    """Raise SQLite's errors about the store at ``path`` as :func:`store_error` says (others as they are)."""
    try:
        yield
    except sqlite3.Error as exc:
        mapped = store_error(exc, path)
        if mapped is None:
            raise
        raise mapped from exc


def _make_folder(folder: Path) -> None:
    """The folder a new store goes in, made where missing (`--db results/june.db`), as output files'
    folders are; one that cannot be made is named with the reason."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(
            f"{folder}: cannot make the store's folder: {exc.strerror or exc}", "pass another --db path"
        ) from exc


def _open_error(exc: sqlite3.Error, path: str) -> StoreError:
    return store_error(exc, path) or StoreError(
        f"{path}: cannot open the store ({exc})",
        f"`tracer check --db {shlex.quote(path)}` says what is wrong",
    )


def index_file(path: str | Path) -> str:
    """The matching index's file beside the store at ``path``."""
    return ":memory:" if str(path) == ":memory:" else f"{path}{INDEX_SUFFIX}"


def _drop_if_not_sqlite(index: str) -> None:
    """Remove an index file that is not an SQLite file (and any journal beside it): it is made
    from the store alone, so the scan makes it again rather than stop at it."""
    target = Path(index)
    if index != ":memory:" and target.is_file() and target.stat().st_size and not _is_sqlite_file(index):
        target.unlink()
        Path(f"{index}-journal").unlink(missing_ok=True)


def _is_sqlite_file(path: str) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(len(_SQLITE_MAGIC)) == _SQLITE_MAGIC
    except OSError:
        return False


# -- who writes the store ------------------------------------------------------


def _writer_path(path: str) -> str:
    return f"{path}-writer"


def _claim_writer(path: str, activity: str) -> tuple[str, str] | None:
    """Write beside the store which process writes it, since when, doing what (once it holds the
    write lock: only the holder writes it). Its path and token, or ``None`` where it cannot be
    written."""
    if path == ":memory:":
        return None
    token = os.urandom(8).hex()
    command = " ".join([_program(), shlex.join(sys.argv[1:])]).strip()
    record = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "since": time.time(),
        "activity": activity,
        "command": command[:200],
        "token": token,
    }
    target = _writer_path(path)
    try:
        Path(target).write_text(json.dumps(record), encoding="utf-8")
    except OSError:
        return None  # the write goes on; a process that finds the store busy is told less
    return target, token


def _program() -> str:
    """How this process was started: ``tracer``, ``python -m tracer``, a script's name."""
    if not sys.argv or not sys.argv[0]:
        return "python"
    start = Path(sys.argv[0])
    return f"python -m {start.parent.name}" if start.name == "__main__.py" else start.name


def _release_writer(claim: tuple[str, str] | None) -> None:
    """Remove this write's record, unless the next writer has written its own since the lock
    was released (a scan's COMMIT goes on checkpointing after that)."""
    if claim is None:
        return
    target, token = claim
    try:
        if json.loads(Path(target).read_text(encoding="utf-8")).get("token") == token:
            os.unlink(target)
    except (OSError, ValueError, AttributeError):
        pass


def _writer(path: str) -> dict[str, Any] | None:
    """The record of the process writing the store, if it is still running (a process killed
    while writing leaves its record behind: it says nothing about who holds the store now)."""
    try:
        record = json.loads(Path(_writer_path(path)).read_text(encoding="utf-8"))
        pid, host, since = int(record["pid"]), str(record["host"]), float(record["since"])
        activity, command = str(record["activity"]), str(record["command"])
    except (OSError, ValueError, TypeError, KeyError):
        return None
    if host == socket.gethostname() and not _running(pid):
        return None
    return {"pid": pid, "host": host, "since": since, "activity": activity, "command": command}


def _running(pid: int) -> bool:
    if sys.platform == "win32":
        return True  # os.kill(pid, 0) would stop it there
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # someone else's process
    return True


def _busy_error(exc: sqlite3.Error, path: str) -> StoreBusyError:
    hint = "wait for it or use another --db"
    record = _writer(path)
    if record is None:
        return StoreBusyError(f"{path}: another process is writing to this store ({exc})", hint)
    since = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(record["since"]))
    host = "" if record["host"] == socket.gethostname() else f" on {record['host']}"
    return StoreBusyError(
        f"{path}: {record['activity']} is running in this store: pid {record['pid']}{host} "
        f"({record['command']}), since {since}",
        hint,
    )


# -- checking a store --------------------------------------------------------------

_MAX_LISTED = 20  # articles or blobs named one by one before "and N more"


def check(path: str | Path, quick: bool = False) -> list[str]:
    """What is wrong with the store at ``path``; empty when nothing is.

    SQLite's integrity check (``quick``: its quick check, which does not compare indexes with
    their tables), the file's length against its header, tracer's schema and parameters, and
    what SQLite cannot see: texts that are not UTF-8 and blobs of the wrong length. It only
    reads: the store is neither upgraded nor switched to WAL.
    """
    path = str(path)
    if not Path(path).exists():
        raise StoreError(f"{path}: no store here", "pass the store's path with --db")
    if Path(path).is_dir():
        raise StoreError(f"{path}: is a directory, not a store file", "pass a file path with --db")
    if not _is_sqlite_file(path):
        return ["not an SQLite file: not a tracer store"]
    problems = _header_problems(path)
    try:
        conn, tables, _ = _connect(path)
    except sqlite3.Error as exc:
        _raise_unless_damage(exc, path)
        return [*problems, f"cannot read the store: {exc}"]
    try:
        problems += _run_check(path, "integrity", lambda: _integrity(conn, quick))
        schema = _run_check(path, "schema", lambda: _schema_problems(conn, tables))
        problems += schema
        if not schema and "articles" in tables:
            problems += _run_check(path, "content", lambda: _content_problems(conn))
    finally:
        conn.close()
    return problems + _index_problems(path, quick)


def _run_check(path: str, what: str, step: Callable[[], list[str]]) -> list[str]:
    try:
        return step()
    except sqlite3.Error as exc:
        _raise_unless_damage(exc, path)
        return [f"the {what} check could not finish: {exc}"]


def _raise_unless_damage(exc: sqlite3.Error, path: str) -> None:
    """A store that is busy, or cannot be opened, is not found damaged: that is said instead."""
    if _code(exc) in ("BUSY", "LOCKED", "CANTOPEN", "READONLY"):
        raise store_error(exc, path) or exc


def _header_problems(path: str) -> list[str]:
    """A file shorter than its header says (the header's page count is valid when its change
    counter matches the one at offset 92). A WAL with frames may hold the missing pages."""
    with open(path, "rb") as f:
        header = f.read(100)
    if len(header) < 100:
        return [f"the file is truncated: {len(header)} bytes, shorter than an SQLite header"]
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    if page_size < 512 or page_size & (page_size - 1):
        return [f"the header is damaged: page size {page_size}"]
    pages = int.from_bytes(header[28:32], "big")
    valid = pages > 0 and header[24:28] == header[92:96]
    size = os.path.getsize(path)
    if valid and size < pages * page_size and not _has_log(path):
        return [
            f"the file is truncated: {size} bytes, its header says {pages} pages of {page_size} bytes "
            f"({pages * page_size} bytes)"
        ]
    return []


def _integrity(conn: sqlite3.Connection, quick: bool) -> list[str]:
    pragma = "quick_check" if quick else "integrity_check"
    try:
        return _check_lines(conn.execute(f"PRAGMA {pragma}").fetchall())
    except sqlite3.DatabaseError:
        pass  # a page it cannot go past (a table's root): then table by table, to say which
    names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
    problems = []
    for name in names:
        try:
            problems += _check_lines(conn.execute(f'PRAGMA {pragma}("{name}")').fetchall())
        except sqlite3.DatabaseError as exc:
            problems.append(f"table {name} cannot be read: {exc}")
    return problems or [f"the {pragma} could not finish, though each table can be read"]


def _check_lines(rows: list[tuple[Any, ...]]) -> list[str]:
    lines = [line for (text,) in rows for line in str(text).splitlines()]
    return [] if lines == ["ok"] else [line for line in lines if not line.startswith("*** in database")]


def _schema_problems(conn: sqlite3.Connection, tables: set[str]) -> list[str]:
    if "meta" not in tables:
        return ["an SQLite file but not a tracer store: it has no meta table"]
    row = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
    if row is None:
        return ["the meta table has no schema_version"]
    try:
        version = int(row[0])
    except ValueError:
        return [f"the meta table's schema_version is not a number: {row[0]!r}"]
    if version < SCHEMA_VERSION and all(v in _MIGRATIONS for v in range(version, SCHEMA_VERSION)):
        return []  # an older store: the next command that opens it upgrades it
    if version != SCHEMA_VERSION:
        return [
            f"schema {version}: written by an incompatible tracer (this tracer reads schema {SCHEMA_VERSION})"
        ]
    problems = []
    for table, columns in _expected_columns().items():
        if table not in tables:
            problems.append(f"table {table} is missing")
            continue
        have = {r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')}
        if missing := [c for c in columns if c not in have]:
            problems.append(f"table {table} lacks the columns {', '.join(missing)}")
    stored = conn.execute("SELECT value FROM meta WHERE key='scan_params'").fetchone()
    if stored is not None:
        from .params import ScanParams

        if ScanParams.from_fingerprint(stored[0]) is None:
            problems.append(f"the meta table's scan_params are not ones this tracer knows: {stored[0]!r}")
    return problems


def _expected_columns() -> dict[str, list[str]]:
    """Each table of the current schema and its columns."""
    conn = sqlite3.connect(":memory:")
    try:
        conn.executescript(_SCHEMA)
        return {
            t: [r[1] for r in conn.execute(f'PRAGMA table_info("{t}")')]
            for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")
        }
    finally:
        conn.close()


def _content_problems(conn: sqlite3.Connection) -> list[str]:
    """Damage inside rows, which SQLite's checks do not read: texts that are not UTF-8 (tracer
    stores decoded text only) and blobs whose length does not fit their counts."""
    bad = []
    for art_id, text in conn.execute(
        "SELECT CAST(id AS BLOB), CAST(text AS BLOB) FROM articles ORDER BY seq"
    ):
        try:
            bytes(text).decode("utf-8")
        except UnicodeDecodeError:
            bad.append(f"article {bytes(art_id).decode('utf-8', 'replace')}: its text is not valid UTF-8")
    item = SENTENCE_DTYPE.itemsize
    for (batch,) in conn.execute(f"SELECT batch FROM sentence_blocks WHERE length(rows) != count * {item}"):
        bad.append(f"sentence_blocks batch {batch}: its rows are not {item} bytes a sentence")
    if len(bad) > _MAX_LISTED:
        bad[_MAX_LISTED:] = [f"... and {len(bad) - _MAX_LISTED} more like these"]
    return bad


def _index_problems(path: str, quick: bool) -> list[str]:
    """What is wrong with the matching index beside the store at ``path``, if there is one (a
    missing one is not damage: the next scan does every article anew and makes it again)."""
    index = index_file(path)
    if not Path(index).exists():
        return []
    if not _is_sqlite_file(index):
        return [f"{index}: not an SQLite file (the next scan makes the index anew)"]
    try:
        conn, tables, _ = _connect(index)
    except sqlite3.Error as exc:
        _raise_unless_damage(exc, index)
        return [f"cannot read the matching index {index}: {exc}"]
    try:
        problems = _run_check(index, "integrity", lambda: _integrity(conn, quick))
        if not problems and {"signatures", "band_keys"} <= tables:
            problems = _run_check(index, "content", lambda: _index_content_problems(conn))
    finally:
        conn.close()
    # (a damaged index is made again by the next scan once the file is deleted)
    return [f"matching index {index} (delete it: the next scan makes it anew): {p}" for p in problems]


def _index_content_problems(conn: sqlite3.Connection) -> list[str]:
    bad = []
    for (batch,) in conn.execute(
        "SELECT batch FROM signatures WHERE length(norms) != count * 8 OR length(units) != count * 8 "
        "OR length(checks) % MAX(n_units, 1) != 0"
    ):
        bad.append(f"signatures batch {batch}: its arrays do not have its counts' lengths")
    for batch, band in conn.execute(
        "SELECT k.batch, k.band FROM band_keys k JOIN signatures s ON s.batch = k.batch "
        "WHERE length(k.keys) != s.n_units * 4"
    ):
        bad.append(f"band_keys batch {batch} band {band}: not 4 bytes a unit")
    if len(bad) > _MAX_LISTED:
        bad[_MAX_LISTED:] = [f"... and {len(bad) - _MAX_LISTED} more like these"]
    return bad
