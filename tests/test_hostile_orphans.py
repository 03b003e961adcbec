"""No orphans: when a scan's or an ingest's main process dies (``kill -9``, the out-of-memory
killer, SIGTERM), its worker processes exit too, and the store stays usable.

Each test runs a real ``tracer run`` in a subprocess, waits until its worker processes exist,
kills the main process and watches the workers' pids in ``/proc`` (Linux only).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux") or (os.cpu_count() or 1) < 2,
    reason="reads processes from /proc (Linux); the pools need two CPUs",
)

ARTICLES = 1500  # three batches of 500 or more: the scan forks its pool
INGEST_ARTICLES = 4000  # over 16 MB of JSON Lines: `run --workers 2` parses it in a pool


def _tracer(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tracer", *args], capture_output=True, text=True, timeout=120, **kwargs
    )


def _start(*args: str) -> subprocess.Popen:
    # A session of its own: Ctrl-C reaches a terminal's whole process group, workers included.
    # Ctrl-C as a terminal's foreground job gets it: a job a shell starts in the background
    # (CI run with `&`) inherits SIGINT ignored, and tracer keeps what its caller chose.
    return subprocess.Popen(
        [sys.executable, "-m", "tracer", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def _stat(pid: int) -> tuple[int, str, str] | None:
    """(parent pid, state, start time) of a process, or None where it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()  # after the command name, which may hold spaces
    return int(fields[1]), fields[0], fields[19]


def _descendants(pid: int) -> dict[int, str]:
    """The processes below ``pid`` in the tree: pid -> start time (a reused pid is not the same)."""
    parents: dict[int, list[tuple[int, str]]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (st := _stat(int(entry))) is not None:
            parents.setdefault(st[0], []).append((int(entry), st[2]))
    found: dict[int, str] = {}
    todo = [pid]
    while todo:
        for child, start in parents.get(todo.pop(), []):
            found[child] = start
            todo.append(child)
    return found


def _alive(procs: dict[int, str]) -> list[int]:
    """Those of ``procs`` still running (a zombie waiting to be reaped has ended)."""
    return [pid for pid, start in procs.items() if (st := _stat(pid)) and st[2] == start and st[1] != "Z"]


def _wait_for_workers(proc: subprocess.Popen, count: int = 2, timeout: float = 60) -> dict[int, str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"tracer ended before its workers were seen: {proc.communicate()}")
        workers = _descendants(proc.pid)
        if len(workers) >= count:
            return workers
        time.sleep(0.02)
    proc.kill()
    pytest.fail("no worker processes appeared")


def _wait_for_articles(proc: subprocess.Popen, db: Path, count: int, timeout: float = 60) -> None:
    """Until the store holds ``count`` articles (the ingest committed)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        with contextlib.suppress(sqlite3.Error):
            with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)) as conn:
                if conn.execute("SELECT count(*) FROM articles").fetchone()[0] >= count:
                    return
        time.sleep(0.05)
    pytest.fail(f"the store never held {count} articles")


def _gone_within(procs: dict[int, str], seconds: float) -> list[int]:
    deadline = time.monotonic() + seconds
    while (left := _alive(procs)) and time.monotonic() < deadline:
        time.sleep(0.05)
    for pid in left:  # do not leave them behind for the rest of the suite
        os.kill(pid, signal.SIGKILL)
    return left


def _ended(proc: subprocess.Popen, workers: dict[int, str]) -> str:
    """Wait for tracer to end; assert its workers end within 5 s of it. Its stderr."""
    proc.wait(timeout=30)
    left = _gone_within(workers, 5)
    _, err = proc.communicate(timeout=30)  # after: workers left running hold its pipes open
    assert not left, f"worker processes {left} outlived tracer"
    return err


def _stats(db: Path) -> dict:
    result = _tracer("stats", "--db", str(db), "--format", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """A simulated corpus, and the counts an uninterrupted run of it stores."""
    folder = tmp_path_factory.mktemp("orphans")
    path = folder / "corpus.jsonl"
    assert _tracer("simulate", str(ARTICLES), "-o", str(path)).returncode == 0
    db = folder / "reference.db"
    assert _tracer("run", str(path), "--db", str(db), "--workers", "2", "--quiet").returncode == 0
    return path, _stats(db)


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["kill-9", "sigterm"])
def test_scan_workers_exit_with_the_main_process(corpus, tmp_path, sig):
    path, reference = corpus
    db = tmp_path / "t.db"
    proc = _start("run", str(path), "--db", str(db), "--workers", "2")
    workers = _wait_for_workers(proc)
    os.kill(proc.pid, sig)
    err = _ended(proc, workers)
    if sig == signal.SIGTERM:
        assert proc.returncode == 128 + signal.SIGTERM
        assert "Traceback" not in err
        assert "stopped by SIGTERM" in err and "rolled back" in err
    # The ingest was done and stays; the scan was rolled back, and a new one does all of it.
    assert _stats(db)["matches"] == 0
    rescan = _tracer("scan", "--db", str(db), "--workers", "2", "--quiet")
    assert rescan.returncode == 0, rescan.stderr
    assert _stats(db) == reference


def test_ctrl_c_stops_a_scan_without_a_traceback(corpus, tmp_path):
    path, reference = corpus
    db = tmp_path / "t.db"
    proc = _start("run", str(path), "--db", str(db), "--workers", "2")
    workers = _wait_for_workers(proc)
    os.killpg(proc.pid, signal.SIGINT)  # as a terminal sends it: to tracer and its workers
    err = _ended(proc, workers)
    assert proc.returncode == 128 + signal.SIGINT, err  # (what tracer said, if it went on)
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert "stopped by Ctrl-C" in err and "rolled back" in err
    rescan = _tracer("scan", "--db", str(db), "--workers", "2", "--quiet")
    assert rescan.returncode == 0, rescan.stderr
    assert _stats(db) == reference


@pytest.fixture(scope="module")
def big_jsonl(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("orphans-ingest") / "big.jsonl"
    assert _tracer("simulate", str(INGEST_ARTICLES), "-o", str(path)).returncode == 0
    assert path.stat().st_size >= 16 << 20
    return path


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["kill-9", "sigterm"])
def test_ingest_workers_exit_with_the_main_process(big_jsonl, tmp_path, sig):
    db = tmp_path / "t.db"
    proc = _start("ingest", str(big_jsonl), "--db", str(db))
    workers = _wait_for_workers(proc)
    os.kill(proc.pid, sig)
    err = _ended(proc, workers)
    if sig == signal.SIGTERM:
        assert proc.returncode == 128 + signal.SIGTERM
        assert "Traceback" not in err and "stopped by SIGTERM" in err
    assert _stats(db)["articles"] == 0  # the ingest was one transaction, rolled back


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["kill-9", "sigterm"])
def test_dask_local_cluster_exits_with_the_main_process(corpus, tmp_path, sig):
    # distributed's worker processes watch their parent themselves; on SIGTERM tracer leaves
    # them to that rather than closing the cluster mid-work (slow, and loud on stderr).
    pytest.importorskip("distributed")
    path, reference = corpus
    db = tmp_path / "t.db"
    proc = _start("run", str(path), "--db", str(db), "--engine", "dask", "--workers", "2")
    workers = _wait_for_workers(proc, count=3)  # two workers, multiprocessing's resource tracker
    _wait_for_articles(proc, db, ARTICLES)  # the cluster starts before the ingest: now it scans
    os.kill(proc.pid, sig)
    err = _ended(proc, workers)
    if sig == signal.SIGTERM:
        assert proc.returncode == 128 + signal.SIGTERM
        assert "Traceback" not in err and "stopped by SIGTERM" in err
        assert "distributed." not in err  # no log of the workers' and scheduler's complaints
    assert _stats(db)["matches"] == 0


FORK_FROM_A_THREAD = """
import os, sys, threading, time
from tracer.engine.pools import fork_pool

pool = fork_pool(2)
thread = threading.Thread(target=lambda: pool.submit(os.getpid).result())  # the pool forks here
thread.start()
thread.join()
time.sleep(0.5)
pool.submit(os.getpid).result(timeout=10)  # its workers outlived the thread that forked them
print("ready", flush=True)
time.sleep(60)
"""


def test_workers_forked_from_a_thread_outlive_it_not_the_process():
    # Linux's parent-death signal follows the thread that forked: a pool forked from another
    # thread must not lose its workers when that thread ends, and must still lose them with the
    # process (a watchdog thread notices, within a second or so).
    proc = subprocess.Popen([sys.executable, "-c", FORK_FROM_A_THREAD], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline() == "ready\n"
    workers = _descendants(proc.pid)
    assert len(workers) == 2
    proc.kill()
    _ended(proc, workers)


def test_a_worker_whose_parent_died_before_it_was_set_up_exits():
    from tracer.engine.pools import exit_with_parent

    pid = os.fork()
    if pid == 0:  # as if the parent had died between the fork and the set-up
        exit_with_parent(os.getppid() + 1, None)
        os._exit(0)
    assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 1


def test_a_threads_error_after_a_stop_signal_is_not_shown():
    """Once SIGTERM or Ctrl-C came, a thread failing as the workers are ended under it (a pool's
    own thread) prints no traceback: the command's one line says why it stopped."""
    code = (
        "import signal, threading\n"
        "from tracer import cli\n"
        "from tracer.errors import Terminated\n"
        "try:\n"
        "    cli._on_signal(signal.SIGTERM, None)\n"
        "except Terminated:\n"
        "    failing = threading.Thread(target=lambda: 1 / 0)\n"
        "    failing.start()\n"
        "    failing.join()\n"
        "    print('ended')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "ended"
    assert "Traceback" not in done.stderr and "ZeroDivisionError" not in done.stderr
