"""The store: band keys read back as written, which articles were scanned, and stores of older
schemas upgraded in place."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from tracer.errors import StoreError
from tracer.matches import query
from tracer.params import ScanParams
from tracer.pipeline import ingest, run
from tracer.store import SCHEMA_VERSION, SENTENCE_DTYPE, Store

from .conftest import RUMOUR, rumour_halves
from .old_schema import as_schema_7


def test_band_columns_are_the_keys_written(store):
    rng = np.random.default_rng(0)
    written = []
    for n_units in (5, 0, 7):  # an empty batch stores nothing
        keys = rng.integers(0, 2**32, (4, n_units), dtype=np.uint32)
        checks = rng.integers(0, 256, (n_units, 8), dtype=np.uint8)
        norms = np.arange(n_units, dtype=np.int64) + 100 * len(written)
        store.add_signatures(norms, np.ones(n_units, dtype=np.int64), keys, checks)
        written.append((keys, checks))
    for band in range(4):
        assert np.array_equal(store.band_column(band), np.concatenate([k[band] for k, _ in written]))
    whole = np.concatenate([c for _, c in written])
    assert np.array_equal(store.checks(8), whole)
    for lo, hi in [(0, 12), (0, 5), (3, 9), (5, 12), (6, 6), (11, 40)]:  # across the batches' bounds
        assert np.array_equal(store.checks(8, lo, hi), whole[lo:hi]), (lo, hi)
    assert len(store.band_column(4)) == 0


def test_signature_columns_are_the_norms_and_units_written_in_order(store):
    assert len(store.signature_column("norms")) == 0
    written = [(np.array([7, 3, 9]), np.array([1, 2, 1])), (np.array([4]), np.array([3]))]
    for norms, units in written:
        n_units = int(units.sum())
        keys = np.zeros((2, n_units), dtype=np.uint32)
        store.add_signatures(norms, units, keys, np.zeros((n_units, 8), dtype=np.uint8))
    assert store.signature_column("norms").tolist() == [7, 3, 9, 4]  # stored order, not sorted
    assert store.signature_column("units").tolist() == [1, 2, 1, 3]
    norms, units = store.signature_index()
    assert norms.tolist() == [7, 3, 9, 4] and units.tolist() == [1, 2, 1, 3]
    with pytest.raises(ValueError, match="'norms' or 'units'"):
        store.signature_column("checks")


def _as_schema_2(db: Path) -> None:
    """Rewrite a store the way schema 2 kept band keys: one band-major blob per signatures row."""
    conn = sqlite3.connect(db)
    as_schema_7(conn)
    conn.execute("ALTER TABLE signatures ADD COLUMN keys BLOB")
    for (batch,) in conn.execute("SELECT batch FROM signatures").fetchall():
        blobs = conn.execute("SELECT keys FROM band_keys WHERE batch = ? ORDER BY band", (batch,)).fetchall()
        conn.execute("UPDATE signatures SET keys = ? WHERE batch = ?", (b"".join(b for (b,) in blobs), batch))
    conn.execute("DROP TABLE band_keys")
    conn.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()


@pytest.fixture
def scanned_copy(tmp_path: Path) -> Path:
    db = tmp_path / "tracer.db"
    with Store.open(db) as s:
        run(s, [RUMOUR / "articles"])
    return db


def test_schema_2_store_is_upgraded_with_the_same_keys(scanned_copy: Path, tmp_path: Path):
    p = ScanParams()
    with Store.open(scanned_copy) as s:
        bands = [s.band_column(b) for b in range(p.bands)]
        checks = s.checks(p.num_perm)
        matches = [m.as_dict() for m in query(s)]
    assert sum(len(b) for b in bands) > 0
    old = tmp_path / "old.db"
    shutil.copy(scanned_copy, old)
    shutil.copy(f"{scanned_copy}-index", f"{old}-index")
    _as_schema_2(old)
    with Store.open(old) as s:
        assert s.get_meta("schema_version") == str(SCHEMA_VERSION)
        for band in range(p.bands):
            assert np.array_equal(s.band_column(band), bands[band])
        assert np.array_equal(s.checks(p.num_perm), checks)
        assert [m.as_dict() for m in query(s)] == matches


def test_failed_upgrade_leaves_the_schema_2_store_as_it_was(scanned_copy: Path):
    _as_schema_2(scanned_copy)
    conn = sqlite3.connect(scanned_copy)
    conn.execute("UPDATE signatures SET keys = x'0102' WHERE batch = (SELECT MAX(batch) FROM signatures)")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="could not upgrade the store from schema 2"):
        Store.open(scanned_copy)
    conn = sqlite3.connect(scanned_copy)
    assert conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == ("2",)
    assert "band_keys" not in {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    assert conn.execute("SELECT COUNT(keys) FROM signatures").fetchone()[0] > 0
    conn.close()


def _as_schema_3(db: Path, corrupt: bool = False) -> None:
    """Give the stored sentences other line ids and no promo flags, as schema 3 (which hashed a
    line's text) had them, and mark the store schema 3; ``corrupt``: one block of the wrong size."""
    conn = sqlite3.connect(db)
    as_schema_7(conn)
    for batch, blob in conn.execute("SELECT batch, rows FROM sentence_blocks").fetchall():
        rows = np.frombuffer(blob, dtype=SENTENCE_DTYPE).copy()
        rows["line"] = rows["line"] * 7 + 1
        rows["promo"] = 0
        conn.execute(
            "UPDATE sentence_blocks SET rows = ? WHERE batch = ?",
            (rows.tobytes()[: -1 if corrupt else None], batch),
        )
    conn.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()


def test_schema_3_store_gets_the_line_ids_a_scan_gives(scanned_copy: Path):
    with Store.open(scanned_copy) as s:
        rows = s.sentences()
        matches = [m.as_dict() for m in query(s)]
    assert len(np.unique(rows["line"])) > 100 and rows["promo"].any()
    _as_schema_3(scanned_copy)
    with Store.open(scanned_copy) as s:
        assert s.get_meta("schema_version") == str(SCHEMA_VERSION)
        assert np.array_equal(s.sentences(), rows)
        assert [m.as_dict() for m in query(s)] == matches


def test_failed_upgrade_leaves_the_schema_3_store_as_it_was(scanned_copy: Path):
    _as_schema_3(scanned_copy, corrupt=True)
    before = scanned_copy.read_bytes()
    with pytest.raises(StoreError, match="could not upgrade the store from schema 3"):
        Store.open(scanned_copy)
    assert scanned_copy.read_bytes() == before


def test_new_stores_have_large_pages(tmp_path):
    # Scans write gigabytes of blobs: 64 KiB pages make their overflow chains 16x shorter.
    from tracer.store import PAGE_SIZE, Store

    with Store.open(tmp_path / "s.db") as store:
        assert store.conn.execute("PRAGMA page_size").fetchone()[0] == PAGE_SIZE == 65536


def _indexes(s: Store) -> list[tuple[str, str]]:
    return s.conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name").fetchall()


def test_indexes_rebuilt_drops_the_tables_indexes_and_makes_them_again(store):
    before = _indexes(store)
    made = [name for name, sql in before if sql is not None]
    assert {"matches_source", "matches_target", "pieces_match"} <= set(made)
    with store.transaction():
        with store.indexes_rebuilt(("matches", "pieces")):
            inside = {name for name, _ in _indexes(store)}
            assert not inside & {"matches_source", "matches_target", "pieces_match"}
            assert "claim_members_article" in inside  # another table's: kept
    assert _indexes(store) == before


def test_indexes_rebuilt_leaves_them_to_the_rollback_on_an_error(store):
    before = _indexes(store)
    with pytest.raises(RuntimeError), store.transaction():
        with store.indexes_rebuilt(("matches",)):
            raise RuntimeError("failed while filling")
    assert _indexes(store) == before


def test_a_scan_keeps_the_stores_indexes(store):
    before = _indexes(store)
    run(store, [RUMOUR / "articles"])
    assert _indexes(store) == before
    assert store.conn.execute("SELECT COUNT(*) FROM matches").fetchone()[0] > 0


def test_a_scan_writes_no_article_row(tmp_path: Path):
    # A flag in the rows made each scan write every new article again, text and all.
    first, rest = rumour_halves(tmp_path)
    with Store.open(tmp_path / "t.db") as s:
        s.conn.execute("CREATE TEMP TABLE updated (id TEXT)")
        s.conn.execute(
            "CREATE TEMP TRIGGER noted AFTER UPDATE ON articles BEGIN INSERT INTO updated VALUES (new.id); END"
        )
        run(s, [first])
        ingest(s, [rest])
        assert s.any_scanned() and 0 < len(s.unscanned()) == s.counts()["unscanned"] < s.article_count()
        run(s, [])
        assert s.unscanned() == [] and s.counts()["unscanned"] == 0
        assert s.conn.execute("SELECT COUNT(*) FROM updated").fetchone()[0] == 0


def test_schema_7_store_keeps_which_articles_were_scanned(tmp_path: Path):
    first, rest = rumour_halves(tmp_path)
    db = tmp_path / "old.db"
    with Store.open(db) as s:
        run(s, [first])
        ingest(s, [rest])
        waiting = s.unscanned()
    assert waiting
    conn = sqlite3.connect(db)
    as_schema_7(conn)
    conn.commit()
    conn.close()
    with Store.open(db) as s:
        assert s.get_meta("schema_version") == str(SCHEMA_VERSION)
        assert s.unscanned() == waiting and s.counts()["unscanned"] == len(waiting)
        run(s, [])  # scans the articles left: the results of one store of everything
        found = [m.as_dict() for m in query(s)]
    with Store.open(tmp_path / "whole.db") as s:
        run(s, [first, rest])
        assert [m.as_dict() for m in query(s)] == found


def test_a_pass_over_the_articles_for_their_ids_does_not_read_their_texts(store):
    # The texts are in the rows: without the index, each such pass read every text.
    for sql in (
        "SELECT seq, id FROM articles ORDER BY seq",
        "SELECT seq, id, outlet, published FROM articles",
        "SELECT DISTINCT outlet FROM articles WHERE outlet IS NOT NULL",
    ):
        plan = " ".join(str(row[-1]) for row in store.conn.execute(f"EXPLAIN QUERY PLAN {sql}"))
        assert "COVERING INDEX" in plan, (sql, plan)


def test_an_article_ingested_after_the_last_was_removed_is_not_taken_as_scanned(tmp_path: Path):
    # A new article takes the highest seq again once the article that had it is removed.
    first, rest = rumour_halves(tmp_path)
    with Store.open(tmp_path / "t.db") as s:
        run(s, [first])
        ((last_seq, last_id),) = s.conn.execute("SELECT seq, id FROM articles ORDER BY seq DESC LIMIT 1")
        assert s.remove_articles([last_id]) == 1
        ingest(s, [rest])
        waiting = s.unscanned()
        assert waiting and waiting[0][0] == last_seq and last_id not in {i for _, i in waiting}
