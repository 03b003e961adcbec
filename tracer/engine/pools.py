"""Pools of forked worker processes that never outlive the process that made them.

When tracer's main process dies without closing its pool (``kill -9``, the out-of-memory killer,
a signal with no handler), its workers would wait forever under PID 1 for work that never comes,
each holding a copy of the parent's memory. :func:`fork_pool` makes a pool whose workers end
with their parent; :func:`stop_pool` closes one, without waiting where the process is ending.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from ..errors import Terminated

PARENT_POLL_SECONDS = 1.0  # how often a worker without Linux's parent-death signal checks its parent
_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
_STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}


def fork_pool(
    workers: int, initializer: Callable[..., Any] | None = None, initargs: tuple[Any, ...] = ()
) -> ProcessPoolExecutor:
    """A :class:`ProcessPoolExecutor` of ``workers`` forked processes (they start at once with
    this process's modules) that exit when this process is gone; ``initializer(*initargs)`` runs
    in each after that is set up."""
    pool = ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context("fork"),
        initializer=_start_worker,
        initargs=(os.getpid(), threading.main_thread().ident, initializer, initargs),
    )
    # Forked now, with SIGINT and SIGTERM blocked: one arriving before a worker has set its own
    # handlers is held until it has, not run with the parent's (a traceback from each worker).
    # A fork pool starts all its workers at its first submit, in the submitting thread.
    held = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
    try:
        pool.submit(int).result()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
    return pool


def stop_pool(pool: ProcessPoolExecutor, at_once: bool = False) -> None:
    """Shut ``pool`` down; pending work is cancelled and running tasks are waited for. With
    ``at_once`` (the process is ending: :class:`~tracer.errors.Terminated`) its workers are
    terminated and nothing is waited for: a worker ended while sending its result leaves the
    pool's thread waiting for the rest of it, for ever."""
    if at_once:
        # No public way to end running tasks: the executor's own map of its worker processes.
        for process in list(getattr(pool, "_processes", {}).values()):
            with contextlib.suppress(OSError, ValueError):  # already ended, or already closed
                process.terminate()
    pool.shutdown(wait=not at_once, cancel_futures=True)


@contextlib.contextmanager
def forked_pool(workers: int) -> Iterator[ProcessPoolExecutor]:
    """:func:`fork_pool` for a block: stopped on leaving it, at once if the process is ending."""
    pool = fork_pool(workers)
    at_once = False
    try:
        yield pool
    except Terminated:
        at_once = True
        raise
    finally:
        stop_pool(pool, at_once)


def _start_worker(
    parent: int,
    parent_main_thread: int | None,
    initializer: Callable[..., Any] | None,
    initargs: tuple[Any, ...],
) -> None:
    # SIGTERM ends a worker: the handler it was forked with is the parent's (the CLI's raises
    # an exception, which here would be sent back to a parent that is going away).
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    # Ctrl-C reaches the whole process group: the parent decides what it means (a worker would
    # print a KeyboardInterrupt traceback of its own); the worker ends with the parent.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)  # blocked by fork_pool around the fork
    exit_with_parent(parent, parent_main_thread)
    if initializer is not None:
        initializer(*initargs)


def exit_with_parent(parent: int, parent_main_thread: int | None) -> None:
    """In a worker forked by process ``parent``: end this process when the parent ends.

    On Linux, when the fork came from the parent's main thread, the kernel sends SIGKILL the
    moment the parent dies, even while this worker is busy in C code. Linux sends it when the
    *thread* that forked ends, and the pool forks from whichever thread first submits work:
    from any other thread a watchdog thread checks every second instead (and on other systems).
    A fork keeps the thread's identity, so the parent's main thread's ident tells which it was.
    """
    if not (threading.get_ident() == parent_main_thread and _kill_when_parent_dies()):
        threading.Thread(
            target=_watch_parent, args=(parent,), name="tracer-parent-watch", daemon=True
        ).start()
    if os.getppid() != parent:  # the parent died before the above was in place
        os._exit(1)


def _kill_when_parent_dies() -> bool:
    """Ask Linux for SIGKILL when the thread that forked this process ends. Whether it took."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(_PR_SET_PDEATHSIG, ctypes.c_ulong(signal.SIGKILL))) == 0
    except (OSError, AttributeError):
        return False


def _watch_parent(parent: int) -> None:
    # An orphan is adopted by init (or a subreaper): its parent pid changes.
    while os.getppid() == parent:
        time.sleep(PARENT_POLL_SECONDS)
    os._exit(1)
