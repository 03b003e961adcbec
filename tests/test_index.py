"""The matching index beside a store (``STORE-index``): scans go on from it, and one that is
missing, left by another store or damaged never makes a scan compare with the wrong sentences."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from .conftest import RUMOUR, rumour_halves
from .hostile import invoke, tables

RESULTS = ("near", "matches", "pieces", "passages", "occurrences", "passage_links", "claims", "claim_members",
           "citations")  # fmt: skip


def _results(db: Path) -> dict[str, str]:
    """What a scan found (how its sentences were batched aside)."""
    found = tables(db)
    return {name: found[name] for name in RESULTS}


def _first_half_scanned(tmp_path: Path) -> tuple[Path, Path, Path]:
    """The rumour fixture's second half, a store of the whole fixture scanned half by half
    with its index (what later scans must equal), and a store of the first half alone."""
    first, rest = rumour_halves(tmp_path)
    whole = tmp_path / "whole.db"
    invoke("run", first, "--db", whole)
    invoke("run", rest, "--db", whole)
    db = tmp_path / "a.db"
    invoke("run", first, "--db", db)
    return rest, whole, db


def test_a_store_copied_without_its_index_is_scanned_anew_with_the_same_results(tmp_path: Path):
    rest, whole, db = _first_half_scanned(tmp_path)
    moved = tmp_path / "moved"
    moved.mkdir()
    shutil.copy(db, moved / "a.db")  # the store alone, as a user might copy it
    invoke("ingest", rest, "--db", moved / "a.db")
    out = invoke("scan", "--db", moved / "a.db").output
    assert "matching index" in out and "scanned again" in out
    assert (moved / "a.db-index").exists()
    assert _results(moved / "a.db") == _results(whole)
    out = invoke("scan", "--db", moved / "a.db").output  # made again: the next scan goes on from it
    assert "scanned again" not in out


def test_an_index_left_by_another_store_is_not_used(tmp_path: Path):
    first, rest = rumour_halves(tmp_path)
    clean = tmp_path / "clean.db"
    invoke("run", rest, "--db", clean)
    db = tmp_path / "a.db"
    invoke("run", first, "--db", db)
    db.unlink()  # the store deleted, its index left behind
    for log in tmp_path.glob("a.db-*"):
        if not log.name.endswith("-index"):
            log.unlink()
    out = invoke("run", rest, "--db", db).output
    assert "scanned again" not in out  # nothing had been scanned in this store
    assert _results(db) == _results(clean)
    assert tables(db)["ix.signatures"] == tables(clean)["ix.signatures"]


def test_an_index_behind_its_store_makes_the_scan_start_over(tmp_path: Path):
    """A scan whose store committed but whose index did not (killed between the two files'
    commits) leaves an index that holds less than the store says."""
    rest, whole, db = _first_half_scanned(tmp_path)
    conn = sqlite3.connect(f"{db}-index")
    conn.execute("DELETE FROM signatures WHERE batch = (SELECT MAX(batch) FROM signatures)")
    conn.commit()
    conn.close()
    out = invoke("run", rest, "--db", db).output
    assert "scanned again" in out
    assert _results(db) == _results(whole)


def test_check_reads_the_index_too(tmp_path: Path):
    db = tmp_path / "a.db"
    invoke("run", RUMOUR / "articles", "--db", db)
    assert invoke("check", "--db", db).output.strip() == "ok"
    conn = sqlite3.connect(f"{db}-index")
    conn.execute("UPDATE band_keys SET keys = x'0102' WHERE band = 0")
    conn.commit()
    conn.close()
    out = invoke("check", "--db", db, code=1).output
    assert "matching index" in out and "band_keys batch" in out and "delete it" in out
    Path(f"{db}-index").write_bytes(b"not a database")
    assert "not an SQLite file" in invoke("check", "--db", db, code=1).output
    Path(f"{db}-index").unlink()
    assert invoke("check", "--db", db).output.strip() == "ok"  # missing is not damage


def test_an_index_that_is_not_an_sqlite_file_is_made_again(tmp_path: Path):
    rest, whole, db = _first_half_scanned(tmp_path)
    Path(f"{db}-index").write_bytes(b"garbage, not a database")
    out = invoke("run", rest, "--db", db).output
    assert "scanned again" in out
    assert _results(db) == _results(whole)
    assert invoke("check", "--db", db).output.strip() == "ok"
