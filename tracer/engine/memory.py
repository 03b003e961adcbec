"""This process's memory and garbage collector, tuned for a scan's large numpy arrays.

glibc's allocator is asked to keep large arrays on its heap (:func:`keep_large_arrays_on_the_heap`)
and to give free pages back between stages (:func:`return_free_memory`); the cyclic collector runs
less often while stages make millions of short-lived containers (:func:`fewer_collections`).
Nothing here changes a result. Figures: docs/performance.md.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import sys
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

R = TypeVar("R")


def keep_large_arrays_on_the_heap() -> bool:
    """Ask glibc to serve large allocations from the heap and keep freed memory for reuse.

    By default each array over 32 MiB is a fresh ``mmap`` whose pages are faulted in anew every
    time, which cost more than the sorting done with them. Freed arrays stay with the process for
    reuse, and go back to the system when it ends (or :func:`return_free_memory`). Returns whether
    the setting took (glibc only; elsewhere nothing is changed).
    """
    if sys.platform != "linux":
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        m_trim_threshold, m_mmap_threshold = -1, -3
        ok = libc.mallopt(m_mmap_threshold, 1 << 30) == 1
        return ok and libc.mallopt(m_trim_threshold, 1 << 31) == 1
    except (OSError, AttributeError):
        return False


def return_free_memory() -> bool:
    """Give the heap's free pages back to the system (glibc's ``malloc_trim``).

    With :func:`keep_large_arrays_on_the_heap` freed arrays stay with the process; between
    stages whose arrays differ in size that memory would only add to the next stage's peak.
    Returns whether anything could be asked (glibc only).
    """
    if sys.platform != "linux":
        return False
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
        return True
    except (OSError, AttributeError):
        return False


def then_trim(func: Callable[..., R], *args: Any) -> R:
    """``func(*args)``, then the memory its temporaries took given back: for a one-off task, whose
    worker goes on to other work (a batch task's memory is kept for the next batch)."""
    result = func(*args)
    return_free_memory()
    return result


# The cyclic garbage collector's thresholds while tracer works. By default it runs after every
# 700 new container objects, and walks all of them often: stages that make millions of
# short-lived lists and tuples (freed by reference counting, no cycles) spent much time there.
GC_THRESHOLDS = (100_000, 50, 100)


@contextlib.contextmanager
def fewer_collections() -> Iterator[None]:
    """Run this process's cyclic garbage collector less often (:data:`GC_THRESHOLDS`) inside
    the block; the thresholds it had are restored after. Processes forked inside inherit it."""
    before = gc.get_threshold()
    gc.set_threshold(*GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def peak_mb() -> int:
    """Peak resident memory of this process so far, in MB (0 where the platform cannot tell)."""
    try:
        import resource
    except ImportError:  # not on Windows
        return 0
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(kb / 1024 / (1024 if sys.platform == "darwin" else 1))  # bytes on macOS, KB elsewhere
