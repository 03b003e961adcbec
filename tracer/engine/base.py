"""What every engine shares: closing, a scan's stages (timing, memory, collector), ordered maps."""

from __future__ import annotations

import contextlib
import os
import time
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from .memory import fewer_collections, peak_mb, return_free_memory


def local_cores() -> int:
    """Processes or threads to use on this machine by default: its CPUs, at most 4."""
    return min(os.cpu_count() or 1, 4)


@dataclass
class StageTimes:
    """Wall time and peak memory of each stage. A stage's time runs from the end of the one before
    (or from when these times began), so the times of a run add up to its whole."""

    seconds: dict[str, float] = field(default_factory=dict)
    peak_mb: dict[str, int] = field(default_factory=dict)
    clock: float = field(default_factory=time.perf_counter)

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.seconds[name] = round(now - self.clock, 3)
        self.peak_mb[name] = peak_mb()
        self.clock = now


class EngineBase:
    """``with engine:`` closes it; :meth:`stage` for every engine."""

    workers: int = 1

    def close(self) -> None:
        pass

    def release_memory(self) -> None:
        """Between stages: workers give their memory back to the system (a Dask worker what its
        allocator keeps for reuse; the local engine's workers are ended, and forked again for
        the next task)."""

    def step_done(self) -> None:
        """Inside a stage, once a step's large temporaries are gone: this process gives the memory
        its allocator keeps for reuse back (:func:`return_free_memory`). Steps whose arrays differ
        in size would otherwise grow the heap far past what is alive (docs/performance.md)."""
        return_free_memory()

    @contextlib.contextmanager
    def stage(self, name: str, times: StageTimes, release_workers: bool = False) -> Iterator[None]:
        """A stage of a run: the collector runs less often inside (:func:`fewer_collections`);
        once it is done, the memory it freed goes back to the system (the workers' too with
        ``release_workers``: their idle heaps would stand beside the next stage's peak), and
        its time and this process's peak memory are noted in ``times``."""
        with fewer_collections():
            yield
            return_free_memory()
            if release_workers:
                self.release_memory()
        times.lap(name)

    def pieces(self, total: int, per_task: int) -> int:
        """Tasks to cut ``total`` items into, about ``per_task`` each: one where there are no
        workers or too few items for a pool to pay off (three tasks)."""
        if total == 0:
            return 0
        if self.workers <= 1 or total < 3 * per_task:
            return 1
        return -(-total // per_task)

    def __enter__(self: Any) -> Any:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def ordered(
    submit: Callable[[Any], Any],
    items: Iterable[Any],
    in_flight: int,
    result: Callable[[Any], Any],
    cancel: Callable[[list[Any]], Any],
) -> Generator[Any, None, None]:
    """Submit ``items`` one by one, at most ``in_flight`` at a time; yield results in input order.

    Bounded, so only a few items' inputs and outputs are held at once.
    """
    pending: deque[Any] = deque()
    try:
        for item in items:
            pending.append(submit(item))
            if len(pending) >= in_flight:
                yield result(pending.popleft())
        while pending:
            yield result(pending.popleft())
    finally:
        if pending:
            cancel(list(pending))
