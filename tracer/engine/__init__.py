"""Where a run's work runs: in this machine's processes, or on a Dask cluster.

The stages (:mod:`tracer.scan` lists them) say what is computed; an :class:`Engine` runs the
pieces they cut their work into, with a few generic primitives: an ordered, bounded
:meth:`~Engine.map`, a one-off :meth:`~Engine.submit`, and a :meth:`~Engine.stage` block that
times a stage and owns the process's memory and collector settings. Whichever engine runs, the
answers are identical, so a store's matches, claims and ids do not depend on it.

Modules: ``local`` (a pool of forked processes, or inline), ``dask_engine`` (a Dask cluster),
``spill`` (large results through files in memory), ``pools`` (workers that die with their
parent), ``memory`` (allocator and collector tuning), ``numpy_tuning`` (numpy's sort on Zen 4),
``sizes`` (every size threshold). This package imports no stage module, and nothing heavy at
import time (numpy_tuning must run before numpy loads): engines are made by :func:`get_engine`.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable
from contextlib import AbstractContextManager
from types import TracebackType
from typing import Any, Protocol, TypeVar

from ..errors import TracerError, extra_hint
from .base import StageTimes, local_cores

R = TypeVar("R")

ENGINES = ("local", "dask")
DASK_HINT = extra_hint("dask")

__all__ = ["DASK_HINT", "ENGINES", "Engine", "StageTimes", "get_engine", "local_cores"]


class Engine(Protocol):
    """Runs a run's partitioned work. Results never depend on the engine."""

    name: str
    batch_size: int  # articles per batch the scan hands to map
    on_this_machine: bool  # whether its tasks run here, where they may read this machine's files

    @property
    def workers(self) -> int:
        """Tasks run at once."""
        ...

    def map(self, func: Callable[..., R], items: Iterable[Any], *args: Any) -> Generator[R, None, None]:
        """``func(item, *args)`` for each item, in input order, a few items in flight at a time.
        Closing the generator ends the work not yet done."""
        ...

    def submit(self, func: Callable[..., R], *args: Any) -> Callable[[], R]:
        """Start ``func(*args)`` where a worker is free, and return what waits for its result (call
        it once): work begun now and read later, while this process does something else. The
        worker gives back the memory the work used once it is done. Where there are no workers,
        the work runs when its result is asked for."""
        ...

    def pieces(self, total: int, per_task: int) -> int:
        """How many tasks to cut ``total`` items of about ``per_task`` into (0 for none)."""
        ...

    def stage(
        self, name: str, times: StageTimes, release_workers: bool = False
    ) -> AbstractContextManager[None]:
        """A block that is one stage of a run: see :meth:`tracer.engine.base.EngineBase.stage`."""
        ...

    def release_memory(self) -> None:
        """Between stages: workers give their memory back (see :meth:`EngineBase.release_memory`)."""
        ...

    def step_done(self) -> None:
        """Inside a stage, after a step: this process gives back the memory it keeps for reuse."""
        ...

    def close(self) -> None: ...

    def __enter__(self) -> Engine: ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...


def get_engine(name: str = "local", scheduler: str | None = None, workers: int | None = None) -> Engine:
    """An engine by name: ``"local"`` or ``"dask"``.

    ``workers``: local: processes (default: the CPU count, at most 4); dask without
    ``scheduler``: workers of the local cluster it starts (default 2). ``scheduler``
    (``tcp://host:8786``, dask only): use that running cluster instead; it is left
    running when the engine closes. Close the engine (or use it in a ``with``) when done.
    """
    if name not in ENGINES:
        raise TracerError(f"unknown engine {name!r}", f"use one of: {', '.join(ENGINES)}")
    if workers is not None and (not isinstance(workers, int) or isinstance(workers, bool) or workers < 1):
        raise TracerError(f"workers must be a positive integer, got {workers!r}")
    if scheduler is not None:
        if not isinstance(scheduler, str) or not scheduler.strip():
            raise TracerError(f"scheduler must be an address such as tcp://host:8786, got {scheduler!r}")
        if name != "dask":
            raise TracerError(
                "a scheduler address needs the dask engine", "use --engine dask, or drop --scheduler"
            )
        if workers is not None:
            raise TracerError(
                "workers sets the size of a local Dask cluster; a scheduler's cluster has its own workers",
                "drop --workers, or drop --scheduler to start a local cluster",
            )
    if name == "local":
        from .local import LocalEngine

        return LocalEngine(workers)
    from .dask_engine import DaskEngine

    return DaskEngine.start(scheduler=scheduler, workers=workers)
