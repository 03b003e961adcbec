"""A Dask cluster's engine: a local cluster it starts, or a running one given by its scheduler.

``dask`` and ``distributed`` are imported only when one is made.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import importlib.util
from collections.abc import Callable, Generator, Iterable
from types import TracebackType
from typing import Any, TypeVar

from ..errors import Terminated, TracerError
from . import DASK_HINT, sizes
from .base import EngineBase, ordered
from .memory import return_free_memory, then_trim

R = TypeVar("R")

# Dask's nannies give workers MALLOC_TRIM_THRESHOLD_=65536, which turns off glibc's
# dynamic mmap threshold: every large numpy temporary is then mmap'ed and faulted in
# anew (a sort-heavy kernel ran 3-4x slower). Setting the mmap threshold as well keeps
# large temporaries on the heap, where they are reused.
WORKER_ENVIRON = {"MALLOC_TRIM_THRESHOLD_": "65536", "MALLOC_MMAP_THRESHOLD_": str(32 * 1024 * 1024)}


def _tracer_version() -> str | None:
    """On a worker: the tracer version it can import, or None."""
    try:
        import tracer

        return str(tracer.__version__)
    except ImportError:
        return None


class DaskEngine(EngineBase):
    """A Dask cluster: each task of a map, or one-off task, runs on one of its workers.

    ``client``: a ``distributed.Client``; closing the engine closes it only if the engine made it
    (:meth:`start`), and closes ``cluster`` if given. ``partitions``: how many tasks a stage's work
    is cut into (default: from the cluster's threads and the input size); ``batch_size``: articles
    per batch. They change only how work is cut, never the answer.
    """

    name = "dask"
    on_this_machine = False  # its workers may be other machines: tasks carry what they need

    def __init__(
        self,
        client: Any,
        cluster: Any = None,
        partitions: int | None = None,
        batch_size: int | None = None,
        own_client: bool = False,
    ) -> None:
        if partitions is not None and partitions < 1:
            raise TracerError(f"partitions must be positive, got {partitions}")
        self.client = client
        self.own_client = own_client
        self.cluster = cluster  # ours to close, or None for a cluster given by its scheduler
        self.partitions = partitions
        self.batch_size = batch_size if batch_size is not None else sizes.BATCH_SIZE

    @property
    def workers(self) -> int:  # type: ignore[override]
        return max(1, sum(self.client.nthreads().values()))

    @classmethod
    def start(cls, scheduler: str | None = None, workers: int | None = None, **kwargs: Any) -> DaskEngine:
        """Connect to ``scheduler``, or start a local cluster of ``workers`` processes (default 2)."""
        if importlib.util.find_spec("dask") is None or importlib.util.find_spec("distributed") is None:
            raise TracerError(
                "the dask engine needs dask and distributed, which are not installed", DASK_HINT
            )
        import dask
        from distributed import Client, LocalCluster

        cluster = None
        try:
            if scheduler is None:
                with dask.config.set({"distributed.nanny.pre-spawn-environ": WORKER_ENVIRON}):
                    cluster = LocalCluster(
                        n_workers=workers or 2, threads_per_worker=1, processes=True, dashboard_address=None
                    )
                client = Client(cluster)
            else:
                client = Client(scheduler, timeout=10)
        except (OSError, TimeoutError, ValueError) as exc:
            if cluster is not None:
                cluster.close()
            if scheduler is None:
                raise TracerError(f"cannot start a local Dask cluster: {exc}") from exc
            raise TracerError(
                f"cannot reach the Dask scheduler at {scheduler}: {exc}",
                "is `dask scheduler` running there? check the address and port",
            ) from exc
        engine = cls(client, cluster, own_client=True, **kwargs)
        try:
            engine._check_workers(scheduler)
        except BaseException:
            engine.close()
            raise
        return engine

    def _check_workers(self, scheduler: str | None) -> None:
        import tracer

        try:
            self.client.wait_for_workers(1, timeout=10)
        except TimeoutError as exc:
            raise TracerError(
                f"no Dask workers are connected to {scheduler or 'the local cluster'}",
                "start workers with `dask worker ADDRESS` on machines with tracer installed",
            ) from exc
        hint = "install the same tracer on every worker machine"
        try:
            versions = self.client.run(_tracer_version)
        except Exception as exc:  # a worker that cannot import tracer cannot unpickle the check
            raise TracerError(f"a Dask worker cannot run tracer: {exc}", hint) from exc
        bad = sorted(w for w, v in versions.items() if v != tracer.__version__)
        if bad:
            raise TracerError(
                f"Dask worker {bad[0]} has tracer {versions[bad[0]] or 'missing'}, "
                f"this machine has {tracer.__version__}",
                hint,
            )

    def release_memory(self) -> None:
        if self.client is not None:
            self.client.run(return_free_memory)  # on every worker

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        # Ending the process (Terminated): a local cluster's worker processes exit with it
        # (distributed's own watch on their parent); closing it mid-work first takes seconds and
        # fills stderr with its workers' complaints.
        if not isinstance(exc, Terminated):
            self.close()

    def close(self) -> None:
        if self.client is not None and self.own_client:
            self.client.close()
        self.client = None
        if self.cluster is not None:
            self.cluster.close()
            self.cluster = None

    def _result(self, future: Any) -> Any:
        from distributed.scheduler import KilledWorker

        try:
            return future.result()
        except (KilledWorker, asyncio.CancelledError, concurrent.futures.CancelledError) as exc:
            raise TracerError(
                f"the Dask cluster lost the work: {exc}",
                "check the workers' logs (a worker may have run out of memory)",
            ) from exc

    def submit(self, func: Callable[..., R], *args: Any) -> Callable[[], R]:
        future = self.client.submit(then_trim, func, *args, pure=False)
        return lambda: self._result(future)

    def pieces(self, total: int, per_task: int) -> int:
        # Enough for every thread to have two, so that none waits on a slow one.
        parts = self.partitions or max(2 * self.workers, -(-total // per_task))
        return min(parts, total)

    def map(self, func: Callable[..., R], items: Iterable[Any], *args: Any) -> Generator[R, None, None]:
        client = self.client

        def submit(item: Any) -> Any:
            # Scattered first: a large item in the task itself is sent through the scheduler.
            [data] = client.scatter([item], hash=False)
            return client.submit(func, data, *args, pure=False)

        yield from ordered(
            submit, items, in_flight=2 * self.workers, result=self._result, cancel=client.cancel
        )
