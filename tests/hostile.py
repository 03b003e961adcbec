"""Harness for the hostile-input sweep: run the CLI on bad input and check the store is as it was.

A store's content is compared table by table (a hash of every row), so "nothing already stored
changed" covers the blobs and claims as well as the articles.
"""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from tracer.cli import cli

TRACEBACK = "Traceback (most recent call last)"
# What every command's output must avoid: a Python error escaping the CLI's error handling.
CRASH_MARKERS = (TRACEBACK, "unexpected error")


def tables(db: str | os.PathLike[str]) -> dict[str, str]:
    """Table name -> sha256 of its rows (sorted by every column, so insertion order does not count),
    the matching index's beside the store's as ``ix.NAME``."""
    out = _tables(db, "")
    index = Path(f"{os.fspath(db)}-index")
    return {**out, **_tables(index, "ix.")} if index.exists() else out


def _tables(db: str | os.PathLike[str], prefix: str) -> dict[str, str]:
    conn = sqlite3.connect(db)
    try:
        names = [
            r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")
        ]
        out = {}
        for name in names:
            width = len(conn.execute(f'SELECT * FROM "{name}" LIMIT 0').description)
            order = ", ".join(str(i) for i in range(1, width + 1))
            digest = hashlib.sha256()
            count = 0
            for row in conn.execute(f'SELECT * FROM "{name}" ORDER BY {order}'):
                digest.update(repr(row).encode("utf-8", "surrogatepass"))
                count += 1
            out[prefix + name] = f"{count}:{digest.hexdigest()}"
        return out
    finally:
        conn.close()


_SCANNED = "seq IN (SELECT seq FROM scanned) AS scanned"  # kept apart from the rows (schema 8)


def article_rows(db: str | os.PathLike[str]) -> dict[str, tuple[Any, ...]]:
    """Article id -> its whole stored row, and last whether it was scanned."""
    conn = sqlite3.connect(db)
    try:
        return {r[0]: tuple(r) for r in conn.execute(f"SELECT *, {_SCANNED} FROM articles")}
    finally:
        conn.close()


def stored(db: str | os.PathLike[str], where: str = "1", args: Sequence[Any] = ()) -> list[dict[str, Any]]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return [
            dict(r)
            for r in conn.execute(f"SELECT *, {_SCANNED} FROM articles WHERE {where} ORDER BY seq", args)
        ]
    finally:
        conn.close()


def assert_no_crash(text: str) -> None:
    for marker in CRASH_MARKERS:
        assert marker not in text, text[-3000:]


def invoke(*args: str | os.PathLike[str], code: int | None = 0) -> Result:
    """Run the CLI in-process; no exception may escape it, and ``code`` (if given) is its exit status."""
    result = CliRunner().invoke(cli, [os.fspath(a) for a in args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"tracer {' '.join(map(str, args))} raised") from result.exception
    assert_no_crash(result.output)
    if code is not None:
        assert result.exit_code == code, result.output
    return result


def run_tracer(
    *args: str | os.PathLike[str], timeout: float = 60, cwd: str | os.PathLike[str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m tracer`` in a process of its own (a hang fails the test instead of blocking it);
    its output must hold no traceback."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tracer", *map(os.fspath, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_group(proc)
        raise AssertionError(f"tracer {' '.join(map(str, args))} still running after {timeout} s") from None
    assert_no_crash(out + err)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def kill_group(proc: subprocess.Popen[Any]) -> None:
    """SIGKILL a process started with ``start_new_session`` and everything it started."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def write_bytes(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path
