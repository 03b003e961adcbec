"""Where a scan's partitioned work runs: in this machine's processes, or on a Dask cluster.

A scan has three stages whose work splits into independent pieces:

* ``map_batches``: a pure function over batches of articles (sentences, signatures);
* ``candidate_pairs``: MinHash LSH banding over every stored signature;
* ``verify``: aligning each candidate pair of sentences.

An :class:`Engine` runs them; the scan keeps everything that touches the store in
this process. :class:`LocalEngine` is what a scan has always done (a process pool,
or inline for small inputs). :class:`DaskEngine` sends the same work to a Dask
cluster: a local one it starts, or a running one given by its scheduler's address.
Whichever engine runs, the answers are identical, so a store's matches, claims and
ids do not depend on it.

``dask`` and ``distributed`` are imported only when a Dask engine is made.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import ctypes
import dataclasses
import functools
import gc
import importlib.util
import itertools
import multiprocessing
import os
import shutil
import sys
import tempfile
import threading
import weakref
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from types import TracebackType
from typing import Any, Protocol, TypeVar

import numpy as np

from .candidates import (
    PairSpill,
    accept_in_threads,
    banded_pairs,
    iter_pairs_in_equal_runs,
    unique_sorted,
    unpack_pairs,
)
from .errors import Terminated, TracerError
from .pools import fork_pool, stop_pool
from .text import TokensOnDemand
from .verify import (
    Prepared,
    VerifyParams,
    align_prepared,
    key_codes,
    may_share_many,
    prepare,
    prepare_keys,
    prepare_texts,
)

R = TypeVar("R")
NearRow = tuple[
    int, int, int, int, int, int, float, str
]  # (a, b, a_start, a_end, b_start, b_end, score, kind)
VerifyProgress = Callable[[int, int], None]

ENGINES = ("local", "dask")
DASK_HINT = "install the dask extra: pip install 'tracer[dask]'"
BATCH_SIZE = 500  # articles per batch of map_batches
VERIFY_CHUNK = 5000  # candidate pairs per task of verify
# Sentences whose texts verify_pairs prepares in one batch (a task has at most 2 * VERIFY_CHUNK);
# more, as when one process is given every pair, are prepared one by one as they are needed.
PREPARED_AT_ONCE = 20_000


class Engine(Protocol):
    """Runs a scan's partitioned work. Results never depend on the engine."""

    name: str
    batch_size: int  # articles per batch the scan hands to map_batches

    def map_batches(
        self, func: Callable[..., R], batches: Iterable[Any], *args: Any
    ) -> Generator[R, None, None]:
        """``func(batch, *args)`` for each batch, in input order."""
        ...

    def candidate_pairs(
        self,
        band_column: Callable[[int], np.ndarray],
        bands: int,
        group: np.ndarray,
        is_new: np.ndarray,
        max_run: int = 0,
        accept: Callable[[np.ndarray], np.ndarray] | None = None,
        spill: PairSpill | None = None,
    ) -> np.ndarray:
        """What :func:`tracer.candidates.banded_pairs` returns for these arguments: packed pairs
        that ``accept`` (or ``spill``'s check) keeps; the caller does not check them again."""
        ...

    def verify(
        self,
        pairs: np.ndarray,
        token_of: Mapping[int, list[str]],
        params: VerifyParams,
        progress: VerifyProgress | None = None,
    ) -> list[NearRow]:
        """:func:`verify_pairs` over all ``pairs``: the rows of pairs that align, in pair order."""
        ...

    def submit(self, func: Callable[..., R], *args: Any) -> Callable[[], R]:
        """Start ``func(*args)`` where a worker is free, and return what waits for its result (call
        it once): work begun now and read later, while this process does something else. The
        worker gives back the memory the work used once it is done. Where there are no workers,
        the work runs when its result is asked for."""
        ...

    def release_memory(self) -> None:
        """Between stages: workers give the memory they keep for reuse back to the system."""
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
        return LocalEngine(workers)
    return DaskEngine.start(scheduler=scheduler, workers=workers)


class _Closing:
    """``with engine:`` closes it."""

    def close(self) -> None:
        pass

    def __enter__(self: Any) -> Any:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


# --- the work itself: pure functions, shared by both engines ---------------------------------


def verify_pairs(
    pairs: Sequence[Sequence[int]],
    token_of: Mapping[int, list[str]],
    params: VerifyParams,
    progress: VerifyProgress | None = None,
    every: int = 5000,
) -> list[NearRow]:
    """Align each pair of distinct sentences (norm ids); rows of those that share a region."""
    rows: list[NearRow] = []
    total = len(pairs)
    key_codes.use(params.frequent)  # before anything is prepared: which keys are content
    # A sentence is in several pairs: its keys are made once. A chunk's texts are prepared all
    # at once (tokens found in numpy: 590 k sentences at 10^5 simulated articles).
    prepared: dict[int, Prepared] = {}
    if isinstance(token_of, TokensOnDemand) and len(token_of) <= PREPARED_AT_ONCE:
        prepared = prepare_texts(token_of.all_texts())

    def of(norm: int) -> Prepared:
        got = prepared.get(norm)
        if got is None:
            got = prepared[norm] = prepare(token_of[norm])
        return got

    def both(a: int, b: int) -> tuple[Prepared, Prepared]:
        for _ in range(2):
            start = key_codes.generation
            pa, pb = of(a), of(b)
            if key_codes.generation == start:
                if isinstance(pa[0], str) == isinstance(pb[0], str):
                    return pa, pb
                break  # one is too long to be coded: the other as lists too
            prepared.clear()  # keys were numbered anew while these were made: what was made is void
        # Two sentences with more keys than there are characters: as lists of keys.
        return prepare_keys(token_of[a]), prepare_keys(token_of[b])

    # Most pairs share too few content words to align (align_prepared's first test): for a
    # chunk prepared together, that test is made for all its pairs in one call.
    passes = None
    if prepared and all(a in prepared and b in prepared for a, b in pairs):
        passes = may_share_many(
            [prepared[a][1] for a, _ in pairs], [prepared[b][1] for _, b in pairs], params
        )
    for n, (a, b) in enumerate(pairs):
        if passes is None or passes[n]:
            if a > b:
                a, b = b, a
            al = align_prepared(*both(a, b), params)
            if al is not None:
                rows.append((a, b, al.a_start, al.a_end, al.b_start, al.b_end, al.score, al.kind))
        if progress and (n + 1) % every == 0:
            progress(n + 1, total)
    return rows


_MIX1 = np.uint64(0xFF51AFD7ED558CCD)
_GOLDEN64 = 0x9E3779B97F4A7C15
_MASK64 = (1 << 64) - 1
_S32 = np.uint64(32)

BucketPart = tuple[np.ndarray, np.ndarray, np.ndarray]  # (entries per band, keys, unit indices)


def band_buckets(keys: np.ndarray, offset: int, n_buckets: int, first_band: int = 0) -> list[BucketPart]:
    """Band keys of a block of units (``(n, bands)``, units ``offset..``), split into buckets by key hash.

    ``first_band``: the band number of the first column (bands are hashed by number).

    Every (band, key) lands in one bucket, whichever block it comes from, so bucket
    ``j`` of all blocks together holds every unit sharing any band key that hashes there.
    Bucket ``j``'s part: entries per band, then keys and unit indices band by band.
    """
    n, bands = keys.shape
    if n_buckets >= 1 << 16:
        raise TracerError(f"at most {(1 << 16) - 1} buckets, got {n_buckets}")
    flat = np.ascontiguousarray(keys.T).reshape(-1)  # band-major: band 0's n keys first
    bucket = np.empty(n * bands, dtype=np.uint16)
    per = np.empty((n_buckets, bands), dtype=np.int64)
    for b in range(bands):
        k = flat[b * n : (b + 1) * n].astype(np.uint64)
        # Multiplicative hash of (band, key); its top 32 bits scaled to 0..n_buckets-1.
        h = (k ^ np.uint64((first_band + b) * _GOLDEN64 & _MASK64)) * _MIX1
        h >>= _S32
        h *= np.uint64(n_buckets)
        h >>= _S32
        bucket[b * n : (b + 1) * n] = h
        per[:, b] = np.bincount(bucket[b * n : (b + 1) * n], minlength=n_buckets)
    order = np.argsort(bucket, kind="stable")  # radix sort; stable: band-major within each bucket
    del bucket
    flat = flat[order]
    units = np.tile(np.arange(offset, offset + n, dtype=np.uint32), bands)[order]
    ends = np.cumsum(per.sum(axis=1))
    starts = ends - per.sum(axis=1)
    return [(per[j], flat[starts[j] : ends[j]], units[starts[j] : ends[j]]) for j in range(n_buckets)]


def bucket_pairs(
    parts: Sequence[BucketPart], group: np.ndarray, is_new: np.ndarray, max_run: int = 0
) -> np.ndarray:
    """Packed unit pairs ``i << 32 | j`` (unique, sorted) sharing a band key in one bucket.

    ``parts``: the same bucket from every block. Same rules as
    :func:`tracer.candidates.candidate_pairs`: different groups, at least one new member.
    """
    bands = len(parts[0][0]) if parts else 0
    offsets = [np.concatenate(([0], np.cumsum(p[0]))) for p in parts]
    found = []
    for b in range(bands):
        keys = np.concatenate([p[1][o[b] : o[b + 1]] for p, o in zip(parts, offsets, strict=True)])
        units = np.concatenate([p[2][o[b] : o[b + 1]] for p, o in zip(parts, offsets, strict=True)])
        for pairs in iter_pairs_in_equal_runs(keys, max_run):  # a bounded chunk of pairs at a time
            i, j = units[pairs[:, 0]].astype(np.int64), units[pairs[:, 1]].astype(np.int64)
            ok = (group[i] != group[j]) & (is_new[i] | is_new[j])
            i, j = i[ok], j[ok]
            found.append(np.minimum(i, j) << 32 | np.maximum(i, j))
    if not found:
        return np.empty(0, dtype=np.int64)
    return unique_sorted(np.concatenate(found))


def _pick(parts: Sequence[Any], j: int) -> Any:
    return parts[j]


# --- local ----------------------------------------------------------------------------------


def keep_large_arrays_on_the_heap() -> bool:
    """Ask glibc to serve large allocations from the heap and keep freed memory for reuse.

    By default each array over 32 MiB is a fresh ``mmap`` whose pages are faulted in
    anew every time: at 10^5 articles a band's key arrays (60 MB each) spent more time
    in page faults than in sorting (0.55 s vs 0.02 s for one unpacking step). Freed arrays
    stay with the process for reuse (not measured apart: peak memory may be somewhat higher),
    and go back to the system when it ends. Returns
    whether the setting took (glibc only; elsewhere nothing is changed).
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


# The cyclic garbage collector's thresholds while tracer works. By default it runs after every
# 700 new container objects, and every tenth of every tenth run walks all of them: stages that
# make millions of short-lived lists and tuples (freed by reference counting, no cycles among
# them) spent much of their time there. Aligning 120,000 candidate pairs of the 10^5-article
# scan: 18.6-19.8 us a pair with the defaults, 11.0-14.2 with these, 10.5-11.3 with the
# collector off; the 10^5 scan 62.6/61.6 -> 53.0/56.2 s (two alternating runs).
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


def local_cores() -> int:
    """Processes or threads to use on this machine by default: its CPUs, at most 4."""
    return min(os.cpu_count() or 1, 4)


_barrier: Any = None  # in a pool worker: the pool's barrier, for release_memory


def _start_worker(barrier: Any) -> None:
    """A pool worker's set-up: the pool's barrier; the collector's thresholds of a scan (a
    worker runs only tracer's tasks, so they stay for its life)."""
    global _barrier
    _barrier = barrier
    gc.set_threshold(*GC_THRESHOLDS)


def _then_trim(func: Callable[..., R], *args: Any) -> R:
    """``func(*args)``, then the memory its temporaries took given back: for a one-off task, whose
    worker goes on to other work (a batch task's memory is kept for the next batch)."""
    result = func(*args)
    return_free_memory()
    return result


def _trim_worker() -> None:
    """Wait (at most 10 s) until every worker of the pool runs this task, then trim."""
    with contextlib.suppress(threading.BrokenBarrierError):  # a worker missing: trim this one anyway
        _barrier.wait(timeout=10)
    return_free_memory()


# A pool worker's result crosses to this process through the pool's pipe, pickled: each byte of
# its arrays is copied ~4 times (pickled, written, read, unpickled). Arrays this large cross as
# files in a directory in memory instead, written once and read once: 100 batch-sized results
# (1 GB; a 10^5-article scan has 2 GB of band keys and check bytes) took 0.49-0.54 s of this
# process's CPU through /dev/shm against 0.85-1.03 s piped, and 0.49-0.64 s against 0.77-1.95 s
# of the worker's.
SPILL_MIN_BYTES = 1 << 20


@dataclasses.dataclass(frozen=True)
class _SpilledArray:
    """Where a worker left one array of its result, for :func:`_unspill`."""

    path: str
    dtype: np.dtype[Any]
    shape: tuple[int, ...]

    def load(self) -> np.ndarray:
        # Mapped, not read: the array is the file's pages in memory, not a copy of them in fresh
        # memory (the first touch of which is what costs here); copy-on-write, so it may be
        # changed like any array. The name goes at once; the pages go when the array does.
        values = np.asarray(np.memmap(self.path, dtype=self.dtype, mode="c", shape=self.shape))
        os.remove(self.path)
        return values


def spill_directory_root() -> str:
    """Where a local engine's workers leave large results: ``/dev/shm`` (memory) where there is
    one, else the system's temporary directory."""
    shm = "/dev/shm"
    return shm if os.path.isdir(shm) and os.access(shm, os.W_OK) else tempfile.gettempdir()


_SPILL_PREFIX = "tracer-results-"


def _remove_orphaned_spills(root: str) -> None:
    """Remove the spill directories in ``root`` of local engines whose process is gone (a scan
    killed before it could clean up: what it left would hold memory in /dev/shm until reboot).
    POSIX only: elsewhere ``os.kill(pid, 0)`` is not a question but a signal."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        for name in os.listdir(root):
            pid = name[len(_SPILL_PREFIX) :].split("-", 1)[0]
            if not (name.startswith(_SPILL_PREFIX) and pid.isdigit()):
                continue
            try:
                os.kill(int(pid), 0)  # signal 0: only asks whether the process exists
            except ProcessLookupError:
                shutil.rmtree(os.path.join(root, name), ignore_errors=True)
            except OSError:
                pass  # it exists (another user's, say): leave it


def _spilling(directory: str | None, func: Callable[..., R], *args: Any) -> R:
    """``func(*args)`` in a worker, its result's large arrays left in files in ``directory``
    (a dataclass's array fields; anything else, or with no directory, is returned as it is)."""
    result = func(*args)
    return result if directory is None else _spill_result(directory, result)


class _SpilledParts(list[Any]):
    """An iterator field of a worker's result (parts of it, made as asked for): each part spilled
    as it was made, and read back as it is asked for."""


def _spill_result(directory: str, result: R) -> R:
    """:func:`_spilling`'s ``result`` with its large arrays in files (and those of the parts an
    iterator field gives: one part at a time in memory, not all of them)."""
    if not dataclasses.is_dataclass(result) or isinstance(result, type):
        return result
    spilled: dict[str, Any] = {}
    for f in dataclasses.fields(result):
        value = getattr(result, f.name)
        if isinstance(value, np.ndarray) and value.nbytes >= SPILL_MIN_BYTES:
            path = _write_array(directory, value)
            if path is not None:
                spilled[f.name] = _SpilledArray(path, value.dtype, value.shape)
        elif isinstance(value, Iterator):
            spilled[f.name] = _SpilledParts(_spill_result(directory, part) for part in value)
    return dataclasses.replace(result, **spilled) if spilled else result  # type: ignore[type-var]


def _write_array(directory: str, values: np.ndarray) -> str | None:
    """A file in ``directory`` holding ``values``; None where it could not be written (no room:
    a container's /dev/shm is often 64 MB), and the array goes through the pipe after all."""
    fd, path = -1, ""
    try:
        fd, path = tempfile.mkstemp(prefix="result-", dir=directory)
        with os.fdopen(fd, "wb") as out:
            fd = -1  # closed with ``out``
            np.ascontiguousarray(values).tofile(out)
        return path
    except OSError:
        if fd >= 0:
            os.close(fd)
        if path:
            with contextlib.suppress(OSError):
                os.remove(path)
        return None


def _unspill(result: R) -> R:
    """The result :func:`_spilling` was given, its arrays read back (and their files removed)."""
    if not dataclasses.is_dataclass(result) or isinstance(result, type):
        return result
    loaded: dict[str, Any] = {}
    for f in dataclasses.fields(result):
        value = getattr(result, f.name)
        if isinstance(value, _SpilledArray):
            loaded[f.name] = value.load()
        elif isinstance(value, _SpilledParts):
            loaded[f.name] = map(_unspill, value)  # each part read back when asked for
    return dataclasses.replace(result, **loaded) if loaded else result  # type: ignore[type-var]


def _each(head: list[Any], rest: Iterator[Any]) -> Iterator[Any]:
    """The items of ``head``, then of ``rest``, ``head`` holding none once given."""
    head.reverse()
    while head:
        yield head.pop()
    yield from rest


class LocalEngine(_Closing):
    """This machine: a process pool for batches (inline when there are few), the rest in-process.

    Making one tunes this process's allocator (:func:`keep_large_arrays_on_the_heap`).
    """

    name = "local"

    def __init__(self, workers: int | None = None, batch_size: int = BATCH_SIZE) -> None:
        self.workers = workers if workers is not None else local_cores()
        self.batch_size = batch_size
        self._pool: ProcessPoolExecutor | None = None
        self._spill: str | None = None  # the workers' directory for large results, made with the pool
        keep_large_arrays_on_the_heap()

    def _get_pool(self) -> ProcessPoolExecutor:
        # One pool for the engine's life, forked at its first use, while this process is still
        # small: a pool forked later (for alignment) would start as a copy of every array
        # the scan holds by then.
        if self._pool is None:
            # fork: workers start at once and inherit the loaded modules.
            barrier = multiprocessing.get_context("fork").Barrier(self.workers)
            self._pool = fork_pool(self.workers, _start_worker, (barrier,))
            root = spill_directory_root()
            _remove_orphaned_spills(root)
            self._spill = tempfile.mkdtemp(prefix=f"{_SPILL_PREFIX}{os.getpid()}-", dir=root)
            # Removed on close, or when an engine never closed is collected or the program ends.
            self._remove_spill = weakref.finalize(self, shutil.rmtree, self._spill, ignore_errors=True)
        return self._pool

    def release_memory(self) -> None:
        # Workers inherit this process's allocator settings and keep freed memory for reuse
        # (analysing 4,000 articles: 1.71-1.83 s of CPU, 2.08-2.27 s with glibc's defaults, best
        # of 3 in two runs each); idle between stages, they held their busiest
        # moment's heap beside the next stage's peak. One task per worker: each waits at a
        # barrier until all have started, so every worker gets one.
        if self._pool is not None:
            for future in [self._pool.submit(_trim_worker) for _ in range(self.workers)]:
                future.result()

    def close(self, at_once: bool = False) -> None:
        """Stop the pool: running tasks are waited for (none writes after), or with ``at_once``
        (the process is ending: :func:`~tracer.pools.stop_pool`) ended."""
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
        if self._pool is None or self.workers <= 1:
            # No pool yet (a small scan's batches ran inline): forking one now, from a process
            # that holds the scan's arrays, costs more than the work it would take.
            return functools.partial(func, *args)
        future = self._pool.submit(_spilling, self._spill, _then_trim, func, *args)
        return lambda: _unspill(future.result())

    def map_batches(
        self, func: Callable[..., R], batches: Iterable[Any], *args: Any
    ) -> Generator[R, None, None]:
        it = iter(batches)
        head = list(itertools.islice(it, 3))
        if self.workers <= 1 or len(head) < 3:  # a pool pays off from three batches on
            # Each batch let go of once analysed: a long article's text goes as soon as its
            # result has no more use of it, not when the next batch comes.
            for batch in _each(head, it):
                result = func(batch, *args)
                del batch
                yield result
            return
        pool = self._get_pool()
        yield from _ordered(
            lambda batch: pool.submit(_spilling, self._spill, func, batch, *args),
            itertools.chain(head, it),
            in_flight=4 * self.workers,
            result=lambda future: _unspill(future.result()),
            cancel=lambda futures: [f.cancel() for f in futures],
        )

    def candidate_pairs(
        self,
        band_column: Callable[[int], np.ndarray],
        bands: int,
        group: np.ndarray,
        is_new: np.ndarray,
        max_run: int = 0,
        accept: Callable[[np.ndarray], np.ndarray] | None = None,
        spill: PairSpill | None = None,
    ) -> np.ndarray:
        return banded_pairs(band_column, bands, group, is_new, max_run, accept, self.workers, spill)

    def verify(
        self,
        pairs: np.ndarray,
        token_of: Mapping[int, list[str]],
        params: VerifyParams,
        progress: VerifyProgress | None = None,
    ) -> list[NearRow]:
        total = len(pairs)
        if self.workers <= 1 or total < 3 * VERIFY_CHUNK:
            # The texts of all the pairs read at once (texts on demand would be read one by one).
            return verify_pairs(*_verify_chunk(pairs, token_of), params, progress)
        # Chunks in the pool, each sent with the tokens it needs, or with where to read their
        # texts (the workers read them: 590 k sentences at 10^5 simulated articles, which this
        # process read, decoded and pickled while the workers aligned); results come in order.
        chunks = (
            _local_verify_chunk(pairs[lo : lo + VERIFY_CHUNK], token_of)
            for lo in range(0, total, VERIFY_CHUNK)
        )
        rows: list[NearRow] = []
        done = 0
        for part in self.map_batches(_verify_payload, chunks, params):
            rows.extend(part)
            done = min(done + VERIFY_CHUNK, total)
            if progress:
                progress(done, total)
        return rows


def _ordered(
    submit: Callable[[Any], Any],
    items: Iterable[Any],
    in_flight: int,
    result: Callable[[Any], Any],
    cancel: Callable[[list[Any]], Any],
) -> Generator[Any, None, None]:
    """Submit ``items`` one by one, at most ``in_flight`` at a time; yield results in input order.

    Bounded, so only a few batches' inputs and outputs are held at once.
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


# --- dask -----------------------------------------------------------------------------------

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


class DaskEngine(_Closing):
    """A Dask cluster: batches, banding buckets and verify chunks run as tasks on its workers.

    ``client``: a ``distributed.Client``; closing the engine closes it only if the
    engine made it (:meth:`start`), and closes ``cluster`` if given. ``partitions``:
    how many row blocks and key buckets banding uses, and how many chunks verify
    splits pairs into (default: from the cluster's threads and the input size).
    ``batch_size``: articles per batch; ``bands_per_round``: LSH bands whose keys are sent to the
    cluster at once. They change only how work is cut, never the answer.
    """

    name = "dask"

    def __init__(
        self,
        client: Any,
        cluster: Any = None,
        partitions: int | None = None,
        batch_size: int = BATCH_SIZE,
        rows_per_partition: int = 100_000,
        pairs_per_partition: int = 20_000,
        own_client: bool = False,
        bands_per_round: int = 8,
    ) -> None:
        if partitions is not None and partitions < 1:
            raise TracerError(f"partitions must be positive, got {partitions}")
        self.client = client
        self.own_client = own_client
        self.cluster = cluster  # ours to close, or None for a cluster given by its scheduler
        self.partitions = partitions
        self.batch_size = batch_size
        self.rows_per_partition = rows_per_partition
        self.pairs_per_partition = pairs_per_partition
        if bands_per_round < 1:
            raise TracerError(f"bands_per_round must be positive, got {bands_per_round}")
        self.bands_per_round = bands_per_round

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

    def _threads(self) -> int:
        return max(1, sum(self.client.nthreads().values()))

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
        future = self.client.submit(_then_trim, func, *args, pure=False)
        return lambda: self._result(future)

    def map_batches(
        self, func: Callable[..., R], batches: Iterable[Any], *args: Any
    ) -> Generator[R, None, None]:
        client = self.client
        yield from _ordered(
            lambda batch: client.submit(func, batch, *args, pure=False),
            batches,
            in_flight=2 * self._threads(),
            result=self._result,
            cancel=client.cancel,
        )

    def candidate_pairs(
        self,
        band_column: Callable[[int], np.ndarray],
        bands: int,
        group: np.ndarray,
        is_new: np.ndarray,
        max_run: int = 0,
        accept: Callable[[np.ndarray], np.ndarray] | None = None,
        spill: PairSpill | None = None,
    ) -> np.ndarray:
        # The cluster gets the keys of a few bands at a time, in row blocks; the pairs of each
        # round pass ``accept`` here before the next (or go to ``spill``), so memory holds one
        # round's keys and pairs.
        n = len(group)
        if n < 2:
            return banded_pairs(band_column, bands, group, is_new, max_run, accept, spill=spill)
        client = self.client
        parts = self.partitions or max(2 * self._threads(), -(-n // self.rows_per_partition))
        parts = min(parts, n)
        bounds = np.linspace(0, n, parts + 1).astype(np.int64).tolist()
        group_f, is_new_f = client.scatter([group, is_new], broadcast=True, hash=False)
        kept = np.empty(0, dtype=np.int64)
        for first in range(0, bands, self.bands_per_round):
            last = min(first + self.bands_per_round, bands)
            keys = np.stack([band_column(b) for b in range(first, last)], axis=1)
            blocks = client.scatter([keys[lo:hi] for lo, hi in itertools.pairwise(bounds)], hash=False)
            del keys
            split = [
                client.submit(band_buckets, block, lo, parts, first, pure=False)
                for block, lo in zip(blocks, bounds[:-1], strict=True)
            ]
            del blocks
            buckets = []
            for j in range(parts):
                pieces = [client.submit(_pick, s, j, pure=False) for s in split]
                buckets.append(client.submit(bucket_pairs, pieces, group_f, is_new_f, max_run, pure=False))
            del split
            found = unique_sorted(np.concatenate([self._result(f) for f in buckets]))
            if spill is not None:
                spill.add(found)
                continue
            if accept is not None and len(found):
                # Here, on this machine's cores: the check bytes are not on the cluster.
                found = found[accept_in_threads(accept, unpack_pairs(found), local_cores())]
            kept = unique_sorted(np.concatenate((kept, found)))
        return kept if spill is None else spill.checked()

    def verify(
        self,
        pairs: np.ndarray,
        token_of: Mapping[int, list[str]],
        params: VerifyParams,
        progress: VerifyProgress | None = None,
    ) -> list[NearRow]:
        total = len(pairs)
        if total == 0:
            return []
        client = self.client
        parts = self.partitions or max(2 * self._threads(), -(-total // self.pairs_per_partition))
        parts = min(parts, total)
        bounds = np.linspace(0, total, parts + 1).astype(np.int64).tolist()
        futures = []
        for lo, hi in itertools.pairwise(bounds):
            [payload] = client.scatter([_verify_chunk(pairs[lo:hi], token_of)], hash=False)
            futures.append(client.submit(_verify_payload, payload, params, pure=False))
        rows: list[NearRow] = []
        for f, hi in zip(futures, bounds[1:], strict=True):
            rows.extend(self._result(f))
            if progress:
                progress(hi, total)
        return rows


def _verify_chunk(
    chunk: np.ndarray, token_of: Mapping[int, list[str]]
) -> tuple[list[list[int]], Mapping[int, list[str]]]:
    pairs = chunk.tolist()
    needed = {x for pair in pairs for x in pair}
    if isinstance(token_of, TokensOnDemand):  # the texts go, and are tokenised where they arrive
        return pairs, token_of.subset(needed)
    return pairs, {k: token_of[k] for k in needed}


def _local_verify_chunk(
    chunk: np.ndarray, token_of: Mapping[int, list[str]]
) -> tuple[np.ndarray | list[list[int]], Mapping[int, list[str]]]:
    if isinstance(token_of, TokensOnDemand):
        return chunk, token_of.on_this_machine(unique_sorted(chunk.ravel()))
    return _verify_chunk(chunk, token_of)


def _verify_payload(
    payload: tuple[list[list[int]] | np.ndarray, Mapping[int, list[str]]], params: VerifyParams
) -> list[NearRow]:
    pairs, token_of = payload
    return verify_pairs(pairs.tolist() if isinstance(pairs, np.ndarray) else pairs, token_of, params)
