"""This machine's engine: a pool of forked processes that end with this one, or inline."""

from __future__ import annotations

import functools
import gc
import itertools
import os
import shutil
import tempfile
import weakref
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from types import TracebackType
from typing import Any, TypeVar

from ..errors import Terminated
from . import sizes
from .base import EngineBase, local_cores, ordered
from .memory import GC_THRESHOLDS, keep_large_arrays_on_the_heap, then_trim
from .pools import fork_pool, stop_pool
from .spill import SPILL_PREFIX, remove_orphaned_spills, spill_directory_root, spilling, unspill

R = TypeVar("R")


def _start_worker() -> None:
    """A pool worker's set-up: the collector's thresholds of a scan (a worker runs only
    tracer's tasks, so they stay for its life), and the objects it was forked with left out of
    its collections: a collection writes to every object it looks at, and each page of them
    written is a copy of the main process's page, kept while the worker lives."""
    gc.set_threshold(*GC_THRESHOLDS)
    gc.freeze()


def _each(head: list[Any], rest: Iterator[Any]) -> Iterator[Any]:
    """The items of ``head``, then of ``rest``, ``head`` holding none once given."""
    head.reverse()
    while head:
        yield head.pop()
    yield from rest


class LocalEngine(EngineBase):
    """This machine: a pool of forked processes for maps of three items or more (inline for
    fewer), and for one-off tasks once it runs.

    Making one tunes this process's allocator (:func:`keep_large_arrays_on_the_heap`).
    """

    name = "local"
    on_this_machine = True

    def __init__(self, workers: int | None = None, batch_size: int | None = None) -> None:
        self.workers = workers if workers is not None else local_cores()
        self.batch_size = batch_size if batch_size is not None else sizes.BATCH_SIZE
        self._pool: ProcessPoolExecutor | None = None
        self._spill: str | None = None  # the workers' directory for large results, made with the pool
        self._forked = False  # a pool ran: work after release_memory forks another
        keep_large_arrays_on_the_heap()

    def _get_pool(self) -> ProcessPoolExecutor:
        # Forked at its first use, while this process is small (a pool forked later, for
        # alignment, would start as a copy of every array the scan holds by then), and again
        # at the first use after release_memory.
        if self._pool is None:
            self._forked = True
            # fork: workers start at once and inherit the loaded modules.
            self._pool = fork_pool(self.workers, _start_worker)
            root = spill_directory_root()
            remove_orphaned_spills(root)
            self._spill = tempfile.mkdtemp(prefix=f"{SPILL_PREFIX}{os.getpid()}-", dir=root)
            # Removed on close, or when an engine never closed is collected or the program ends.
            self._remove_spill = weakref.finalize(self, shutil.rmtree, self._spill, ignore_errors=True)
        return self._pool

    def release_memory(self) -> None:
        # Idle between stages, workers held their busiest task's heap and, once this process had
        # freed or rewritten its copy, the pages it had when they were forked: both beside the
        # next stage's peak; trimming gave back only the first. Workers forked again at once
        # would hold this process's memory as it was between stages, through a stage where
        # none works (matches): they are forked when next needed.
        if self._pool is not None:
            self.close()

    def close(self, at_once: bool = False) -> None:
        """Stop the pool: running tasks are waited for (none writes after), or with ``at_once``
        (the process is ending: :func:`~tracer.engine.pools.stop_pool`) ended."""
        if self._pool is not None:
            stop_pool(self._pool, at_once)
            self._pool = None
        if self._spill is not None:
            self._remove_spill()  # with any results never read back (a failed scan)
            self._spill = None

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close(at_once=isinstance(exc, Terminated))

    def submit(self, func: Callable[..., R], *args: Any) -> Callable[[], R]:
        if (self._pool is None and not self._forked) or self.workers <= 1:
            # No pool yet (a small scan's batches ran inline): forking one now, from a process
            # that holds the scan's arrays, costs more than the work it would take.
            return functools.partial(func, *args)
        future = self._get_pool().submit(spilling, self._spill, then_trim, func, *args)
        return lambda: unspill(future.result())

    def map(self, func: Callable[..., R], items: Iterable[Any], *args: Any) -> Generator[R, None, None]:
        it = iter(items)
        head = list(itertools.islice(it, 3))
        if self.workers <= 1 or len(head) < 3:  # a pool pays off from three items on
            # Each item let go of once done: a long article's text goes as soon as its result
            # has no more use of it, not when the next item comes.
            for item in _each(head, it):
                result = func(item, *args)
                del item
                yield result
            return
        pool = self._get_pool()
        yield from ordered(
            lambda item: pool.submit(spilling, self._spill, func, item, *args),
            itertools.chain(head, it),
            in_flight=4 * self.workers,
            result=lambda future: unspill(future.result()),
            cancel=lambda futures: [f.cancel() for f in futures],
        )
