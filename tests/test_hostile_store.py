"""A store under stress: read while a scan writes, a second writer, a full disk, a read-only
file, a damaged file. Each gets its own message; readers get the last committed state."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from tracer import store as store_module
from tracer.cli import cli

from .conftest import RUMOUR

AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
NEEDS_A_USER = pytest.mark.skipif(AS_ROOT, reason="root writes to read-only files and directories")

# A scan paused in its transaction (at its first progress call after the sentences stage, once
# sentences and signatures are written), with a cache of 2 pages so that its writes leave the
# cache for the store's files as a large scan's do. It prints "ready" and waits for stdin to close.
PAUSED_SCAN = """
import sys
from tracer.scan import scan
from tracer.store import Store

store = Store.open(sys.argv[1], create=False)
store.conn.execute("PRAGMA cache_size=2")

def pause(stage, done, total):
    if stage != "sentences":
        print("ready", flush=True)
        sys.stdin.read()

scan(store, progress=pause, workers=1)
print("finished", flush=True)
"""


def _invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


def _ok(*args: str) -> str:
    result = _invoke(*args)
    assert result.exit_code == 0, result.output
    return result.stdout


def _fails(*args: str) -> str:
    """A command that must fail with a one-line message: its output."""
    result = _invoke(*args)
    assert result.exit_code != 0, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    return result.output


def _articles(db: str | Path) -> int:
    conn = sqlite3.connect(db)
    try:
        return int(conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0])
    finally:
        conn.close()


def _journal_mode(db: str | Path) -> str:
    conn = sqlite3.connect(db)
    try:
        return str(conn.execute("PRAGMA journal_mode").fetchone()[0])
    finally:
        conn.close()


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The rumour fixture ingested and scanned (do not change it: copy it)."""
    db = tmp_path_factory.mktemp("scanned") / "t.db"
    _ok("run", str(RUMOUR / "articles"), "--db", str(db), "--quiet")
    return db


@pytest.fixture
def copy(scanned: Path, tmp_path: Path) -> Path:
    db = tmp_path / "copy.db"
    shutil.copy(scanned, db)
    return db


@pytest.fixture(scope="module")
def more(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """40 simulated articles with reuse among them, not yet in any store."""
    out = tmp_path_factory.mktemp("more") / "more.jsonl"
    _ok("simulate", "40", "-o", str(out), "--seed", "3", "--quiet")
    return out


@pytest.fixture(scope="module")
def paused(tmp_path_factory: pytest.TempPathFactory, scanned: Path, more: Path) -> Iterator[dict]:
    """A scanned store with new articles, a scan of them paused in its transaction in another
    process, and what the readers said before it started."""
    db = tmp_path_factory.mktemp("paused") / "t.db"
    shutil.copy(scanned, db)
    _ok("ingest", str(more), "--db", str(db), "--quiet")
    article = json.loads(_ok("matches", "--db", str(db), "--format", "json"))[0]["target_id"]
    html = tmp_path_factory.mktemp("report") / "before.html"
    before = {
        "stats": _ok("stats", "--db", str(db), "--format", "json"),
        "matches": _ok("matches", "--db", str(db), "--format", "json"),
        "origin": _ok("origin", article, "--db", str(db), "--format", "json"),
    }
    _ok("report", "--db", str(db), "-o", str(html), "--quiet")
    holder = subprocess.Popen(
        [sys.executable, "-c", PAUSED_SCAN, str(db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        yield {"db": db, "holder": holder, "before": before, "article": article, "html": html}
    finally:
        if holder.poll() is None:
            holder.kill()
        holder.wait()


# -- reading while a scan runs -----------------------------------------------------------------


def test_readers_get_the_last_committed_state_while_a_scan_writes(paused, tmp_path, monkeypatch):
    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_S", 0.5, raising=False)
    db, before = str(paused["db"]), paused["before"]
    assert json.loads(_ok("stats", "--db", db, "--format", "json"))["unscanned"] == 40
    assert _ok("stats", "--db", db, "--format", "json") == before["stats"]
    assert _ok("matches", "--db", db, "--format", "json") == before["matches"]
    assert _ok("origin", paused["article"], "--db", db, "--format", "json") == before["origin"]
    html = tmp_path / "during.html"
    _ok("report", "--db", db, "-o", str(html), "--quiet")
    assert html.read_bytes() == paused["html"].read_bytes()
    assert _ok("check", "--db", db) == "ok\n"


def test_a_second_ingest_during_a_scan_says_which_process_scans(paused, more, monkeypatch):
    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_S", 0.5, raising=False)
    db = str(paused["db"])
    out = _fails("ingest", str(RUMOUR / "articles" / "01_daily-bugle.txt"), "--outlet", "X", "--db", db)
    assert f"a scan is running in this store: pid {paused['holder'].pid}" in out
    assert "since " in out and "wait for it or use another --db" in out
    assert "not a tracer store" not in out and "new store" not in out
    out = _fails("scan", "--db", db)
    assert f"a scan is running in this store: pid {paused['holder'].pid}" in out


def test_a_killed_scan_leaves_the_store_as_it_was_and_its_record_blocks_nothing(paused, monkeypatch):
    # Runs after the tests above (same module fixture): kills the paused scan.
    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_S", 0.5, raising=False)
    db = str(paused["db"])
    holder = paused["holder"]
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    assert _ok("stats", "--db", db, "--format", "json") == paused["before"]["stats"]
    # Its record is left behind; another writer holding the lock is not taken for the dead scan.
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    try:
        out = _fails("ingest", str(RUMOUR / "articles"), "--outlet", "X", "--db", db)
    finally:
        conn.execute("ROLLBACK")
        conn.close()
    assert "another process is writing to this store" in out and str(holder.pid) not in out
    _ok("scan", "--db", db, "--quiet")
    assert json.loads(_ok("stats", "--db", db, "--format", "json"))["unscanned"] == 0
    assert not Path(f"{db}-writer").exists()


def test_a_finished_write_leaves_no_record(copy):
    _ok("ingest", str(RUMOUR / "articles"), "--outlet", "Another", "--db", str(copy), "--quiet")
    assert not Path(f"{copy}-writer").exists()


def test_a_store_with_a_rollback_journal_switches_to_wal_on_open(tmp_path):
    db = tmp_path / "old.db"
    _ok("ingest", str(RUMOUR / "articles"), "--db", str(db), "--quiet")
    conn = sqlite3.connect(db, isolation_level=None)
    assert conn.execute("PRAGMA journal_mode=TRUNCATE").fetchone()[0] == "truncate"
    conn.close()
    assert Path(f"{db}-journal").exists()  # as stores made before WAL are
    assert json.loads(_ok("stats", "--db", str(db), "--format", "json"))["articles"] == 16
    assert _journal_mode(db) == "wal"
    assert not Path(f"{db}-journal").exists()
    _ok("scan", "--db", str(db), "--quiet")
    assert json.loads(_ok("stats", "--db", str(db), "--format", "json"))["matches"] > 0


# -- each error says what is true ---------------------------------------------------------------


def _connect_with(monkeypatch, setup) -> None:
    """Every connection tracer opens gets ``setup(conn, path)`` first."""
    real = sqlite3.connect

    def connect(path, *args, **kwargs):
        conn = real(path, *args, **kwargs)
        setup(conn, str(path))
        return conn

    monkeypatch.setattr(sqlite3, "connect", connect)


def _full(conn: sqlite3.Connection, path: str) -> None:
    # The disk is full: the store cannot grow by a page.
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count={max(pages, 1)}")


def _many_articles(folder: Path, n: int = 40) -> Path:
    folder.mkdir()
    for i in range(n):
        words = " ".join(f"word{i}x{j}" for j in range(2000))
        (folder / f"{i:03}.txt").write_text(f"outlet: O{i}\n\nTitle {i}\n\n{words}.\n", encoding="utf-8")
    return folder


def test_a_full_disk_during_an_ingest_says_so_and_keeps_the_store(copy, tmp_path, monkeypatch):
    folder = _many_articles(tmp_path / "in")
    before = copy.read_bytes()
    _connect_with(monkeypatch, _full)
    out = _fails("ingest", str(folder), "--db", str(copy))
    assert "the disk is full" in out and "database or disk is full" in out and "free space" in out
    assert "new store" not in out and "no transaction is active" not in out
    monkeypatch.undo()
    assert _articles(copy) == 16 and copy.read_bytes() == before


def test_a_full_disk_during_a_scan_says_so_and_keeps_the_store(copy, more, monkeypatch):
    _ok("ingest", str(more), "--db", str(copy), "--quiet")
    stats = _ok("stats", "--db", str(copy), "--format", "json")
    _connect_with(monkeypatch, _full)
    out = _fails("scan", "--db", str(copy))
    assert "the disk is full" in out and "new store" not in out
    monkeypatch.undo()
    assert _ok("stats", "--db", str(copy), "--format", "json") == stats


def test_a_read_only_store_is_read_and_a_write_says_it_is_read_only(copy, monkeypatch):
    real = sqlite3.connect

    def read_only(path, *args, **kwargs):
        # A file this process may not write, whatever its user (root ignores file modes).
        if str(path).startswith("file:"):
            return real(path, *args, **kwargs)
        kwargs["uri"] = True
        return real(f"file:{Path(path).resolve()}?mode=ro", *args, **kwargs)

    before = _ok("stats", "--db", str(copy), "--format", "json")
    monkeypatch.setattr(sqlite3, "connect", read_only)
    assert _ok("stats", "--db", str(copy), "--format", "json") == before
    out = _fails("ingest", str(RUMOUR / "articles"), "--outlet", "X", "--db", str(copy))
    assert "read-only" in out and "writable" in out and "new store" not in out
    monkeypatch.undo()
    assert _ok("stats", "--db", str(copy), "--format", "json") == before


@NEEDS_A_USER
def test_a_store_file_without_write_permission(copy):
    before = _ok("stats", "--db", str(copy), "--format", "json")
    copy.chmod(0o444)
    assert _ok("stats", "--db", str(copy), "--format", "json") == before
    out = _fails("ingest", str(RUMOUR / "articles"), "--outlet", "X", "--db", str(copy))
    assert "read-only" in out and "new store" not in out


@NEEDS_A_USER
def test_a_store_in_a_directory_without_write_permission(copy):
    before = _ok("stats", "--db", str(copy), "--format", "json")
    copy.parent.chmod(0o555)
    try:
        assert _ok("stats", "--db", str(copy), "--format", "json") == before
        assert _ok("check", "--db", str(copy)) == "ok\n"
        out = _fails("ingest", str(RUMOUR / "articles"), "--outlet", "X", "--db", str(copy))
        assert "read-only" in out and "new store" not in out
    finally:
        copy.parent.chmod(0o755)


# Run in a mount namespace of its own (unshare: no root needed where user namespaces are
# allowed), where SRC is mounted read-only at MNT: SQLite then meets EROFS, as on an archive or
# a read-only share, which no file mode can stand in for (root ignores modes). It runs the CLI
# on each command line (JSON list) and prints their exit codes and outputs as JSON.
READ_ONLY_MOUNT = """
import json, subprocess, sys
from click.testing import CliRunner
from tracer.cli import cli

src, mnt, commands = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
subprocess.run(["mount", "--bind", src, mnt], check=True)
subprocess.run(["mount", "-o", "remount,bind,ro", mnt], check=True)
results = []
for args in commands:
    result = CliRunner().invoke(cli, args)
    results.append([result.exit_code, result.output, repr(result.exception)])
print(json.dumps(results))
"""


def _on_a_read_only_mount(src: Path, mnt: Path, commands: list[list[str]]) -> list[tuple[int, str]]:
    """Each command's exit code and output, run with ``src`` mounted read-only at ``mnt``."""
    mnt.mkdir()
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.skip("no unshare: cannot mount a read-only file system")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).parents[1]), *sys.path])}
    done = subprocess.run(
        [unshare, "--mount", "--map-root-user", sys.executable, "-c", READ_ONLY_MOUNT, str(src), str(mnt)]
        + [json.dumps(commands)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    if done.returncode != 0 and "mount" in done.stderr:
        pytest.skip(f"cannot mount a read-only file system here: {done.stderr.strip()[-200:]}")
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)
    for _, output, exception in results:
        assert "Traceback" not in output and exception in ("None", "SystemExit(0)", "SystemExit(1)"), output
    return [(code, output) for code, output, _ in results]


def test_a_store_on_a_read_only_file_system_is_read_and_a_write_says_it_is_read_only(copy, tmp_path):
    """A read-only mount (an archive, a share): SQLite cannot make the WAL's -shm file beside the
    store, and said "unable to open" to every command, reading ones too."""
    db = str(copy).replace(str(tmp_path), str(tmp_path / "ro"))
    reads = [
        ["stats", "--format", "json"],
        ["claims", "--format", "json"],
        ["matches", "--format", "json"],
        ["check"],
        ["report", "-o", str(tmp_path / "r.html"), "--quiet"],
    ]
    expected = [_ok(*args, "--db", str(copy)) for args in reads[:4]]
    writes = [["scan"], ["ingest", str(RUMOUR / "articles"), "--outlet", "X"]]
    results = _on_a_read_only_mount(tmp_path, tmp_path / "ro", [[*a, "--db", db] for a in reads + writes])
    for (code, output), want in zip(results[:4], expected, strict=True):
        assert code == 0 and output == want, output
    assert results[4][0] == 0 and (tmp_path / "r.html").read_bytes().startswith(b"<!DOCTYPE")
    for code, output in results[5:]:
        assert code == 1 and output.count("\n") == 1, output
        assert (
            "the store is read-only (on a read-only file system)" in output and "unable to open" not in output
        )


@pytest.mark.parametrize("with_shm", [True, False])
def test_a_read_only_store_with_commits_left_in_its_log_is_read_with_them(copy, tmp_path, with_shm):
    """A writer that did not close (killed, or the files copied while it ran) leaves commits in
    the -wal file that the store file lacks: read as an immutable file, they would be lost."""
    folder = tmp_path / "left"
    folder.mkdir()
    conn = sqlite3.connect(copy, isolation_level=None)
    try:
        conn.execute("PRAGMA wal_autocheckpoint=0")
        conn.execute(
            "UPDATE articles SET outlet = 'Left In The Log' WHERE seq = (SELECT MIN(seq) FROM articles)"
        )
        for suffix in ("", "-wal", "-shm") if with_shm else ("", "-wal"):
            shutil.copy(f"{copy}{suffix}", folder / f"copy.db{suffix}")
    finally:
        conn.close()
    assert (folder / "copy.db-wal").stat().st_size > 0
    db = str(tmp_path / "ro" / "copy.db")
    [(code, output)] = _on_a_read_only_mount(
        folder, tmp_path / "ro", [["articles", "--db", db, "--format", "json"]]
    )
    assert code == 0, output
    assert "Left In The Log" in output and output == _ok("articles", "--db", str(copy), "--format", "json")


def _page_of(db: Path, table: str) -> tuple[int, int]:
    """The byte offset of ``table``'s root page, and the page size."""
    conn = sqlite3.connect(db)
    try:
        root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
        size = conn.execute("PRAGMA page_size").fetchone()[0]
    finally:
        conn.close()
    return (root - 1) * size, size


def _garble(db: Path, offset: int, n: int, pattern: bytes | None = None) -> None:
    garbage = (pattern * n)[:n] if pattern else bytes((i * 151 + 7) % 256 for i in range(n))
    with open(db, "r+b") as f:
        f.seek(offset)
        f.write(garbage)


def _damaged(out: str, db: Path) -> None:
    assert "the store is damaged" in out and f"tracer check --db {db}" in out, out
    assert "not a tracer store" not in out


def test_a_store_with_a_garbled_page_is_reported_damaged_by_readers_and_check(copy):
    offset, _ = _page_of(copy, "matches")
    _garble(copy, offset, 300)  # the page's header and cell pointers
    for args in (["matches"], ["stats"], ["report", "-o", str(copy.parent / "r.html")]):
        _damaged(_fails(*args, "--db", str(copy)), copy)
    assert "table matches cannot be read: database disk image is malformed" in _fails(
        "check", "--db", str(copy)
    )


def test_a_store_with_garbled_text_is_reported_damaged(copy):
    conn = sqlite3.connect(copy)
    article, text = conn.execute("SELECT id, text FROM articles ORDER BY id LIMIT 1").fetchone()
    conn.close()
    data = copy.read_bytes()
    # 40 bytes of its text found nowhere else in the file
    words = next(w for i in range(len(text) - 40) if data.count(w := text[i : i + 40].encode("utf-8")) == 1)
    _garble(copy, data.index(words), 40, b"\xff\xfe")  # bytes no UTF-8 text has
    _damaged(_fails("show", article, "--db", str(copy)), copy)
    assert f"article {article}: its text is not valid UTF-8" in _fails("check", "--db", str(copy))


def test_a_truncated_store_is_damaged_not_foreign(copy):
    os.truncate(copy, copy.stat().st_size // 2)
    _damaged(_fails("stats", "--db", str(copy)), copy)
    out = _fails("check", "--db", str(copy))
    assert "truncated" in out


def test_a_store_with_a_garbled_header_is_damaged(copy):
    _garble(copy, 16, 84)  # the header after "SQLite format 3"
    _damaged(_fails("stats", "--db", str(copy)), copy)
    assert _fails("check", "--db", str(copy)).strip() != "ok"


def test_a_file_that_is_not_sqlite_is_still_not_a_tracer_store(tmp_path):
    bogus = tmp_path / "notes.db"
    bogus.write_bytes(b"this is not sqlite" * 100)
    assert "not a tracer store" in _fails("stats", "--db", str(bogus))
    assert "not an SQLite file" in _fails("check", "--db", str(bogus))


def test_an_unknown_sqlite_error_does_not_send_users_to_a_new_store(copy, monkeypatch):
    from tracer import summary

    def broken(store, top):
        store.conn.execute("SELECT no_such_column FROM articles")

    monkeypatch.setattr(summary, "corpus_summary", broken)
    out = _fails("stats", "--db", str(copy))
    assert "no such column" in out and "new store" not in out and "tracer check" in out


# -- tracer check ---------------------------------------------------------------------------------


def test_check_says_ok_for_a_healthy_store(copy):
    result = _invoke("check", "--db", str(copy))
    assert result.exit_code == 0 and result.stdout == "ok\n"
    assert _ok("check", "--quick", "--db", str(copy)) == "ok\n"


def test_check_reports_a_store_of_another_schema(copy):
    conn = sqlite3.connect(copy)
    conn.execute("UPDATE meta SET value = '999' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()
    assert "schema 999" in _fails("check", "--db", str(copy))


def test_check_reports_missing_tables_and_meta(copy, tmp_path):
    conn = sqlite3.connect(copy)
    conn.execute("DROP TABLE claims")
    conn.commit()
    conn.close()
    assert "table claims is missing" in _fails("check", "--db", str(copy))
    plain = tmp_path / "plain.db"
    conn = sqlite3.connect(plain)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    assert "not a tracer store" in _fails("check", "--db", str(plain))


def test_check_without_a_store(tmp_path):
    assert "no store here" in _fails("check", "--db", str(tmp_path / "missing.db"))
    assert not (tmp_path / "missing.db").exists()


def test_check_is_a_documented_command():
    assert "check" in _ok("--help")
    assert "integrity" in _ok("check", "--help")


def test_a_store_locked_by_an_older_tracers_scan_is_busy_not_foreign_nor_damaged(copy, monkeypatch):
    # Tracers before WAL scanned with a rollback journal, locking readers out once they spilled.
    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_S", 0.3, raising=False)
    conn = sqlite3.connect(copy, isolation_level=None)
    conn.execute("PRAGMA journal_mode=TRUNCATE")
    conn.execute("BEGIN EXCLUSIVE")
    try:
        for args in (["stats"], ["check"], ["ingest", str(RUMOUR / "articles")]):
            out = _fails(*args, "--db", str(copy))
            assert "another process is writing to this store (database is locked)" in out
            assert "not a tracer store" not in out and "damaged" not in out and "new store" not in out
    finally:
        conn.execute("ROLLBACK")
        conn.close()
    assert _ok("check", "--db", str(copy)) == "ok\n"


def test_a_write_removes_its_own_record_only(tmp_path):
    # A scan's COMMIT goes on (checkpointing) after the lock is released: by then the next
    # writer may have written its record, which must stay.
    db = str(tmp_path / "s.db")
    ours = store_module._claim_writer(db, "a scan")
    theirs = store_module._claim_writer(db, "an ingest")
    store_module._release_writer(ours)
    assert json.loads(Path(f"{db}-writer").read_text())["activity"] == "an ingest"
    store_module._release_writer(theirs)
    assert not Path(f"{db}-writer").exists()
