"""Candidate pairs by MinHash LSH banding, done by sorting instead of hash tables.

Banding: a signature of ``bands * rows`` values is cut into ``bands`` slices; two
sets become candidates when any slice is equal. datasketch's ``MinHashLSH`` does this
with one dict per band (~6k inserts/s, ~11 KB per set); sorting each band's keys
and pairing equal neighbours gives the same pairs at ~200k sets/s in a few bytes
per set. Only pairs with at least one *new* member are emitted, which is what
makes incremental scans cheap while finding exactly the pairs a full run would.
"""

from __future__ import annotations

import itertools
import math
import os
import tempfile
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

import numpy as np

from .engine import Engine, local_cores, sizes
from .engine.memory import return_free_memory
from .errors import TracerError


@dataclass(frozen=True)
class Anchors:
    """Which pairs a run of equal band keys makes: every pair of its first ``beyond`` members,
    and each later member with the ``first`` members only. Near copies of one sentence (a
    template's slots, a story each paper edits) then cost pairs in proportion to their number.

    Members are in index order, the oldest units first, and a scan adds units after the
    others: a member's rank never changes, so an incremental scan makes the pairs a full one
    would."""

    beyond: int
    first: int

    def __post_init__(self) -> None:
        if not 1 <= self.first <= self.beyond:
            raise TracerError(
                f"anchors need 1 <= first <= beyond, got first={self.first}, beyond={self.beyond}"
            )


@dataclass(frozen=True)
class Banding:
    bands: int = 32
    rows: int = 2

    def __post_init__(self) -> None:
        if self.bands < 1 or self.rows < 1:
            raise TracerError(f"bands and rows must be positive, got {self.bands}x{self.rows}")

    @property
    def num_perm(self) -> int:
        return self.bands * self.rows

    def band_keys(self, sigs: np.ndarray, bands: int | None = None) -> np.ndarray:
        """``(n, bands)`` uint64 keys: each band's ``rows`` values mixed into one."""
        bands = self.bands if bands is None else bands
        if sigs.shape[1] < bands * self.rows:
            raise TracerError(
                f"signatures have {sigs.shape[1]} values, banding needs {bands * self.rows}",
                "use as many permutations as bands x rows",
            )
        view = sigs[:, : bands * self.rows].astype(np.uint64).reshape(len(sigs), bands, self.rows)
        keys = view[:, :, 0].copy()
        for r in range(1, self.rows):
            # Exact for rows=2 (two 32-bit values side by side); a mix beyond that.
            keys = (keys << np.uint64(32)) ^ (keys >> np.uint64(32)) ^ view[:, :, r]
        return keys

    def column(self, sigs: np.ndarray, band: int) -> np.ndarray:
        """Band ``band``'s key of each signature, folded to 32 bits (``uint32``).

        32 bits keep stored keys small; two different keys then meet by chance in about
        one pair in 4 billion, and such pairs fail the signature check like any stranger.
        """
        rows = self.rows
        keys = self.band_keys(sigs[:, band * rows : (band + 1) * rows], bands=1)[:, 0]
        return fold32(keys)

    def columns_by_perm(self, sigs_t: np.ndarray, block: int = 4096) -> np.ndarray:
        """``(bands, n)``: :meth:`column` of every band at once (row ``b`` is band ``b``'s keys),
        from signatures laid out ``(num_perm, n)`` (:meth:`~tracer.signatures.MinHasher.signatures_by_perm`).

        Worked ``block`` signatures at a time, in place where numpy allows: the
        temporaries of the key mixing then stay in cache (81 k signatures: 19 ms against
        31-39 ms for whole arrays).
        """
        if sigs_t.shape[0] < self.num_perm:
            raise TracerError(
                f"signatures have {sigs_t.shape[0]} values, banding needs {self.num_perm}",
                "use as many permutations as bands x rows",
            )
        n = sigs_t.shape[1]
        out = np.empty((self.bands, n), dtype=np.uint32)
        view = sigs_t[: self.num_perm].reshape(self.bands, self.rows, n)
        for lo in range(0, n, block):
            part = view[:, :, lo : lo + block]
            keys = part[:, 0, :].astype(np.uint64)
            for r in range(1, self.rows):  # as band_keys
                keys = (keys << np.uint64(32)) ^ (keys >> np.uint64(32)) ^ part[:, r, :]
            out[:, lo : lo + block] = _fold32_inplace(keys)
        return out


def fold32(keys: np.ndarray) -> np.ndarray:
    """64-bit keys mixed (MurmurHash3's fmix64) and cut to their top 32 bits."""
    return _fold32_inplace(keys.astype(np.uint64))  # astype copies: the caller's keys stay


def _fold32_inplace(k: np.ndarray) -> np.ndarray:
    """:func:`fold32` of a uint64 array it may overwrite."""
    shifted = k >> np.uint64(33)
    k ^= shifted
    k *= np.uint64(0xFF51AFD7ED558CCD)
    np.right_shift(k, np.uint64(33), out=shifted)
    k ^= shifted
    k *= np.uint64(0xC4CEB9FE1A85EC53)
    np.right_shift(k, np.uint64(33), out=shifted)
    k ^= shifted
    k >>= np.uint64(32)
    return k.astype(np.uint32)


def iter_candidate_pairs(
    keys: np.ndarray,
    max_run: int,
    group: np.ndarray,
    is_new: np.ndarray,
    chunk: int | None = None,
    anchors: Anchors | None = None,
) -> Iterator[np.ndarray]:
    """The pairs of :func:`iter_pairs_in_equal_runs` from different groups (``group[i] !=
    group[j]``) with a new member (``is_new[i] | is_new[j]``), packed ``i << 32 | j`` and sorted,
    a chunk at a time. A run's members' groups and flags are looked up once each, not once per
    pair they are in (the band joins at 10^5 simulated articles: ~10% less CPU).

    ``anchors``: in a long run, only the pairs with one of its first members (:class:`Anchors`)."""
    for members, run_len in _runs_in_chunks(keys, max_run, chunk, anchors):
        g, new = group[members], is_new[members]
        found = []
        for pos, other in _pairs_in_runs(run_len, anchors):
            keep = (g[pos] != g[other]) & (new[pos] | new[other])
            # Ties are in index order in a run, so members[pos] < members[other]: i < j.
            found.append(members[pos[keep]] << 32 | members[other[keep]])
        if found:
            yield np.sort(np.concatenate(found))


def _runs_in_chunks(
    keys: np.ndarray, max_run: int, chunk: int | None, anchors: Anchors | None = None
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Runs of equal keys (members, int64, and lengths) in consecutive groups of about ``chunk``
    pairs (default ``sizes.PAIRS_CHUNK``; ``anchors``: as :func:`_pairs_in_runs` counts them); a
    longer run is a group of its own."""
    chunk = sizes.PAIRS_CHUNK if chunk is None else chunk
    for members, run_len in _runs_by_key_range(keys, max_run):
        made = np.cumsum(_pairs_made(run_len, anchors))
        cuts = np.searchsorted(made, np.arange(chunk, int(made[-1]) if len(made) else 0, chunk), side="right")
        bounds = unique_sorted(np.concatenate(([0], cuts, [len(run_len)])))
        first_member = np.concatenate(([0], np.cumsum(run_len)))
        for lo, hi in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
            if hi > lo:
                yield members[first_member[lo] : first_member[hi]].astype(np.int64), run_len[lo:hi]


def _runs_by_key_range(keys: np.ndarray, max_run: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """:func:`_equal_runs` of ``keys``, a range of key values at a time when there are many
    (``sizes.KEYS_SORTED_AT_ONCE``): equal keys share a range, so runs and pairs are the same."""
    n = len(keys)
    if n <= sizes.KEYS_SORTED_AT_ONCE or keys.dtype != np.uint32:
        yield _equal_runs(keys, max_run)
        return
    bits = min(16, math.ceil(math.log2(n / sizes.KEYS_SORTED_AT_ONCE)))
    top = (keys >> np.uint32(32 - bits)).astype(np.uint8 if bits <= 8 else np.uint16)
    index_type = np.uint32 if n < 1 << 32 else np.int64
    for r in range(1 << bits):
        ids = np.flatnonzero(top == r).astype(index_type)
        members, run_len = _equal_runs(keys[ids], max_run)
        yield ids[members], run_len


def _equal_runs(keys: np.ndarray, max_run: int) -> tuple[np.ndarray, np.ndarray]:
    """The indices of the keys in each run of equal keys (runs of two or more, at most ``max_run``
    if > 0), runs one after another, each in index order; and the runs' lengths.

    Only these leave the function: the sorted keys (8 bytes each) are gone before any pair is made.
    """
    n = len(keys)
    index_type = np.uint32 if n < 1 << 32 else np.int64
    if n < 2:
        return np.empty(0, dtype=index_type), np.empty(0, dtype=np.int64)
    low = np.uint64(0xFFFFFFFF)
    if keys.dtype.itemsize <= 4 and n < 1 << 32:
        # Key and index packed into one uint64 and sorted: numpy's vectorised sort of plain
        # integers is ~4x faster than argsort, and ties come out in index order. Built and
        # compared in place: at 8 M keys a whole-array temporary costs as much as a third
        # of the sort.
        packed = keys.astype(np.uint64)
        packed <<= np.uint64(32)
        packed |= np.arange(n, dtype=np.uint64)
        packed.sort()
        # Neighbours with equal keys differ in their low (index) halves only. Compared a slice
        # at a time: a whole-array difference would be as large as the keys (0.6 GB at 10^6).
        found = []
        for lo in range(0, n - 1, sizes.COMPARE_SLICE):
            hi = min(lo + sizes.COMPARE_SLICE, n - 1)
            found.append(np.flatnonzero((packed[lo + 1 : hi + 1] ^ packed[lo:hi]) <= low) + lo)
        same = np.concatenate(found)

        def index_at(positions: np.ndarray) -> np.ndarray:
            return (packed[positions] & low).astype(index_type)

    else:
        order = np.argsort(keys, kind="stable")
        sorted_keys = keys[order]
        same = np.flatnonzero(sorted_keys[1:] == sorted_keys[:-1])
        del sorted_keys

        def index_at(positions: np.ndarray) -> np.ndarray:
            return order[positions].astype(index_type)

    # Positions i with equal keys at i and i + 1; consecutive ones form a run.
    if len(same) == 0:
        return np.empty(0, dtype=index_type), np.empty(0, dtype=np.int64)
    first = np.concatenate(([True], np.diff(same) != 1))
    run_start = same[first]
    run_len = np.diff(np.append(np.flatnonzero(first), len(same))) + 1
    del same, first
    if max_run > 0:
        keep = run_len <= max_run
        run_start, run_len = run_start[keep], run_len[keep]
    return index_at(np.repeat(run_start, run_len) + _ranges(run_len)), run_len


def _run_pairs(member: np.ndarray, run_len: np.ndarray) -> np.ndarray:
    """Every pair of members of each run: ``member`` holds the runs one after another."""
    # Ties are in index order (both sorts above keep it), so member[pos] < member[other]: i < j.
    found = [np.stack((member[pos], member[other]), axis=1) for pos, other in _pairs_in_runs(run_len)]
    return np.concatenate(found) if found else np.empty((0, 2), dtype=member.dtype)  # no run of two


def _pairs_made(run_len: np.ndarray, anchors: Anchors | None = None) -> np.ndarray:
    """How many pairs :func:`_pairs_in_runs` makes of each run."""
    all_pairs = run_len * (run_len - 1) // 2
    if anchors is None:
        return all_pairs
    b = np.minimum(run_len, anchors.beyond)
    return b * (b - 1) // 2 + (run_len - b) * np.minimum(b, anchors.first)


def _pairs_in_runs(
    run_len: np.ndarray, anchors: Anchors | None = None
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Positions ``(pos, other)`` of every pair of members of runs laid one after another
    (``run_len`` each), ``pos < other`` in the same run: the pairs ``d`` apart for d = 1, 2, ...
    ``anchors``: only the pairs :class:`Anchors` makes."""
    end = np.repeat(np.cumsum(run_len), run_len)  # the end of each member's run
    pos, d = np.arange(len(end)), 1
    # Rank in the run; past `beyond`, only an anchor (rank < `first`) pairs on.
    rank = pos - (end - np.repeat(run_len, run_len))
    beyond, first = (len(end), len(end)) if anchors is None else (anchors.beyond, anchors.first)
    while len(pos):
        ok = (pos + d < end) & ((rank + d < beyond) | (rank < first))
        pos, end, rank = pos[ok], end[ok], rank[ok]
        if len(pos) == 0:
            break
        yield pos, pos + d
        d += 1


def _ranges(lengths: np.ndarray) -> np.ndarray:
    """``[0..l0-1, 0..l1-1, ...]`` without a Python loop."""
    total = int(lengths.sum())
    offsets = np.repeat(np.cumsum(lengths) - lengths, lengths)
    return np.arange(total) - offsets


def banded_pairs(
    band_column: Callable[[int], np.ndarray],
    bands: int,
    group: np.ndarray,
    is_new: np.ndarray,
    max_run: int = 0,
    accept: Callable[[np.ndarray], np.ndarray] | None = None,
    threads: int = 1,
    spill: PairSpill | None = None,
    anchors: Anchors | None = None,
) -> np.ndarray:
    """Unit index pairs with an equal key in some band, from different groups, with a new member
    (``anchors``: as :func:`iter_candidate_pairs`).

    ``band_column(b)`` gives band ``b``'s key of every unit: bands are read and joined
    one at a time, so memory holds one band's keys, not all of them. ``accept(pairs)``
    (a mask) filters each band's pairs as they come, and what is kept is deduplicated
    as it grows: memory holds the pairs worth verifying, not every collision of every
    band (which ran a 10^5-article scan out of memory). With ``spill``, each band's pairs
    go to it unchecked instead (``accept`` is not used) and what it keeps is returned.
    Returns the unique pairs packed ``i << 32 | j`` (``i < j``), sorted (:func:`unpack_pairs`).

    ``threads`` > 1 joins that many bands at once in threads (numpy's sorts and array
    arithmetic run without the GIL); ``band_column`` is always called from the calling
    thread, so it may read from a connection bound to it. The result does not depend on it.
    """

    def band_pairs(keys: np.ndarray) -> np.ndarray:
        # A chunk of the band's pairs at a time: what is kept of each is far smaller.
        found = []
        # Sorted by first unit, ``accept`` reads its per-unit data (check bytes) in one
        # forward sweep on one side: 25% faster at 10^5 articles, sort included.
        for packed in iter_candidate_pairs(keys, max_run, group, is_new, anchors=anchors):
            if spill is not None:
                spill.add(packed)  # chunk by chunk: a band's unchecked pairs run to gigabytes at 10^6
                continue
            if accept is not None:
                packed = packed[accept(unpack_pairs(packed))]
            found.append(packed)
        return np.concatenate(found) if found else np.empty(0, dtype=np.int64)  # collect sorts

    kept = UniqueInts()  # packed i << 32 | j
    collect = kept.add
    if threads <= 1:
        for band in range(bands):
            collect(band_pairs(band_column(band)))
    else:
        with ThreadPoolExecutor(threads) as pool:
            in_flight: deque[Future[np.ndarray]] = deque()
            for band in range(bands):
                in_flight.append(pool.submit(band_pairs, band_column(band)))
                if len(in_flight) >= threads:  # at most `threads` bands' keys in memory
                    collect(in_flight.popleft().result())
            while in_flight:
                collect(in_flight.popleft().result())
    return kept.values() if spill is None else spill.checked()


def engine_pairs(
    engine: Engine,
    band_column: Callable[[int], np.ndarray],
    bands: int,
    group: np.ndarray,
    is_new: np.ndarray,
    max_run: int = 0,
    accept: Callable[[np.ndarray], np.ndarray] | None = None,
    spill: PairSpill | None = None,
    anchors: Anchors | None = None,
) -> np.ndarray:
    """The banding stage on ``engine``: what :func:`banded_pairs` returns for these arguments.

    One algorithm (pairs of equal keys, :func:`iter_candidate_pairs`), two ways to cut it: on
    this machine, a band at a time, bands joined at once in threads (:func:`banded_pairs`); on a
    cluster, a few bands at a time cut into buckets by key, each bucket a task
    (:func:`bucketed_pairs`).
    """
    if engine.on_this_machine or len(group) < 2:
        threads = engine.workers if engine.on_this_machine else 1
        return banded_pairs(band_column, bands, group, is_new, max_run, accept, threads, spill, anchors)
    return bucketed_pairs(engine, band_column, bands, group, is_new, max_run, accept, spill, anchors)


def bucketed_pairs(
    engine: Engine,
    band_column: Callable[[int], np.ndarray],
    bands: int,
    group: np.ndarray,
    is_new: np.ndarray,
    max_run: int = 0,
    accept: Callable[[np.ndarray], np.ndarray] | None = None,
    spill: PairSpill | None = None,
    anchors: Anchors | None = None,
) -> np.ndarray:
    """:func:`banded_pairs`, the keys of ``sizes.BANDS_PER_ROUND`` bands at a time cut into buckets
    by key (:func:`band_buckets`) and each bucket's pairs made by a task of ``engine.map``. The
    pairs of each round pass ``accept`` here before the next (or go to ``spill``), so memory holds
    one round's keys and pairs."""
    n_buckets = engine.pieces(len(group), sizes.BUCKET_UNITS)
    kept = np.empty(0, dtype=np.int64)
    for first in range(0, bands, sizes.BANDS_PER_ROUND):
        last = min(first + sizes.BANDS_PER_ROUND, bands)
        keys = np.stack([band_column(b) for b in range(first, last)], axis=1)
        buckets = band_buckets(keys, group, is_new, n_buckets, first)
        del keys
        found = unique_sorted(
            np.concatenate(
                [np.empty(0, dtype=np.int64), *engine.map(bucket_pairs, buckets, max_run, anchors)]
            )
        )
        del buckets
        if spill is not None:
            spill.add(found)
            continue
        if accept is not None and len(found):
            # Here, on this machine's cores: the check bytes are not where the tasks ran.
            found = found[accept_in_threads(accept, unpack_pairs(found), local_cores())]
        kept = unique_sorted(np.concatenate((kept, found)))
    return kept if spill is None else spill.checked()


_MIX1 = np.uint64(0xFF51AFD7ED558CCD)
_GOLDEN64 = 0x9E3779B97F4A7C15
_MASK64 = (1 << 64) - 1
_S32 = np.uint64(32)

# One bucket of band keys: entries per band, then the keys, units, their groups and new flags,
# band by band.
Bucket = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def band_buckets(
    keys: np.ndarray, group: np.ndarray, is_new: np.ndarray, n_buckets: int, first_band: int = 0
) -> list[Bucket]:
    """Band keys of every unit (``(n, bands)``), split into ``n_buckets`` buckets by key hash.

    ``first_band``: the band number of the first column (bands are hashed by number). Every
    (band, key) lands in one bucket, so a bucket holds every unit sharing a band key that
    hashes there, and its pairs are those of the whole band's: each bucket is a task of its own
    (:func:`bucket_pairs`), carrying the groups and new flags of its units.
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
    units = np.tile(np.arange(n, dtype=np.uint32), bands)[order]
    del order
    ends = np.cumsum(per.sum(axis=1))
    starts = ends - per.sum(axis=1)
    return [
        (per[j], flat[lo:hi], units[lo:hi], group[units[lo:hi]], is_new[units[lo:hi]])
        for j, lo, hi in zip(range(n_buckets), starts.tolist(), ends.tolist(), strict=True)
    ]


def bucket_pairs(bucket: Bucket, max_run: int = 0, anchors: Anchors | None = None) -> np.ndarray:
    """Packed unit pairs ``i << 32 | j`` (unique, sorted) sharing a band key in one bucket of
    :func:`band_buckets`: those of :func:`iter_candidate_pairs`, band by band."""
    per, keys, units, group, is_new = bucket
    bounds = np.concatenate(([0], np.cumsum(per))).tolist()
    found = [np.empty(0, dtype=np.int64)]
    for lo, hi in itertools.pairwise(bounds):
        unit = units[lo:hi].astype(np.int64)
        pairs = iter_candidate_pairs(keys[lo:hi], max_run, group[lo:hi], is_new[lo:hi], anchors=anchors)
        for packed in pairs:
            i, j = unit[packed >> 32], unit[packed & 0xFFFFFFFF]
            found.append(np.minimum(i, j) << 32 | np.maximum(i, j))
    return unique_sorted(np.concatenate(found))


def unpack_pairs(packed: np.ndarray) -> np.ndarray:
    """Packed pairs ``i << 32 | j`` as an ``(m, 2)`` array of ``(i, j)`` rows."""
    out = np.empty((len(packed), 2), dtype=np.int64)
    np.right_shift(packed, 32, out=out[:, 0])
    np.bitwise_and(packed, 0xFFFFFFFF, out=out[:, 1])
    return out


class UniqueInts:
    """A set of int64 values grown by arrays: deduplicated as it grows, so memory holds the
    distinct values (and at most as many again pending), not every value added."""

    def __init__(self) -> None:
        self._kept = np.empty(0, dtype=np.int64)  # unique and sorted
        self._pending: list[np.ndarray] = []
        self._pending_size = 0

    def add(self, values: np.ndarray) -> None:
        self._pending.append(values)
        self._pending_size += len(values)
        if self._pending_size > max(len(self._kept), 1 << 20):
            self._kept = unique_sorted(np.concatenate([self._kept, *self._pending]))
            self._pending, self._pending_size = [], 0

    def values(self) -> np.ndarray:
        """The distinct values, sorted."""
        return unique_sorted(np.concatenate([self._kept, *self._pending]))


def jaccard_at_least(
    sigs: np.ndarray,
    pairs: np.ndarray,
    threshold: float,
    chunk: int = 1 << 16,
    other: np.ndarray | None = None,
) -> np.ndarray:
    """Mask of the ``pairs`` whose signatures agree on at least ``threshold`` of their values.

    ``pairs[:, 0]`` are rows of ``sigs``, ``pairs[:, 1]`` rows of ``other`` (default: ``sigs``).
    """
    other = sigs if other is None else other
    n = sigs.shape[1]
    need = math.ceil(threshold * n)  # the fewest equal values whose share reaches the threshold
    while need > 0 and (need - 1) / n >= threshold:
        need -= 1
    while need <= n and need / n < threshold:
        need += 1
    keep = np.zeros(len(pairs), dtype=bool)
    # Check bytes (uint8, a multiple of 8 a row): the equal-byte flags of a row are summed as
    # uint64 words, eight byte lanes at once, and the lanes added up by one multiplication into
    # the top byte; with n < 256 no lane and no partial sum carries into the next byte. Rows are
    # gathered with np.take, faster than fancy indexing (figures: docs/performance.md history).
    by_words = sigs.dtype == np.uint8 and n % 8 == 0 and n < 256
    for lo in range(0, len(pairs), chunk):  # chunks bound the memory of the comparison
        part = pairs[lo : lo + chunk]
        equal = np.take(sigs, part[:, 0], axis=0) == np.take(other, part[:, 1], axis=0)
        if by_words:
            lanes = equal.view(np.uint64).sum(axis=1, dtype=np.uint64)
            count = (lanes * np.uint64(0x0101010101010101)) >> np.uint64(56)
        else:
            count = np.count_nonzero(equal, axis=1)
        keep[lo : lo + len(part)] = count >= need
    return keep


def accept_in_threads(
    accept: Callable[[np.ndarray], np.ndarray], pairs: np.ndarray, threads: int
) -> np.ndarray:
    """``accept(pairs)``, the pairs cut in ``threads`` slices checked at once (numpy's gathers and
    comparisons run without the GIL); the mask is the same."""
    if threads <= 1 or len(pairs) < threads * (1 << 16):
        return accept(pairs)
    bounds = np.linspace(0, len(pairs), threads + 1).astype(np.int64).tolist()
    with ThreadPoolExecutor(threads) as pool:
        masks = list(pool.map(lambda lo, hi: accept(pairs[lo:hi]), bounds[:-1], bounds[1:]))
    return np.concatenate(masks)


def partition_bounds(n: int, row_bytes: int, max_bytes: int) -> list[int]:
    """Bounds of the fewest equal partitions of ``n`` rows of ``row_bytes`` each, none over ``max_bytes``."""
    if max_bytes < row_bytes:
        raise TracerError(f"a partition of {max_bytes} bytes cannot hold a row of {row_bytes}")
    parts = max(1, -(-n * row_bytes // max_bytes))
    return np.linspace(0, n, parts + 1).astype(np.int64).tolist()


class PairSpill:
    """Unit pairs kept on disk until checked, in buckets by the partitions of their two units.

    The check bytes of every unit do not fit in memory at scale (96 bytes a unit: 7.7 GB at
    10^6 simulated articles), and a colliding pair's two units can be anywhere. So pairs
    wait here, unchecked, until the end; then each bucket is checked with the check bytes
    of its two partitions only, read by ``read_checks(lo, hi)`` (rows ``lo..hi-1``): memory
    holds two partitions' check bytes and one bucket's pairs. The pairs kept are those
    :func:`jaccard_at_least` keeps, whatever the partitions.

    ``bounds``: partition ``p`` holds units ``bounds[p] <= u < bounds[p + 1]``. Files go in a
    temporary directory under ``directory`` (default: the system's), removed on :meth:`close`.
    :meth:`add` may be called from several threads; the check runs in ``threads`` (default: this
    machine's cores). ``release()`` is called before the check (default: what the band joins
    freed goes back to the system).
    """

    def __init__(
        self,
        bounds: Sequence[int],
        read_checks: Callable[[int, int], np.ndarray],
        min_jaccard: float,
        directory: str | Path | None = None,
        threads: int | None = None,
        release: Callable[[], object] | None = return_free_memory,
    ) -> None:
        if len(bounds) < 2 or bounds[0] != 0 or any(b < a for a, b in itertools.pairwise(bounds)):
            raise TracerError(f"partition bounds must rise from 0, got {list(bounds)[:5]}...")
        self._bounds = np.asarray(bounds, dtype=np.int64)
        self._read = read_checks
        self._min_jaccard = min_jaccard
        self._threads = threads if threads is not None else local_cores()
        self._release = release  # called once the bands are joined: what they freed can go
        self._dir = tempfile.TemporaryDirectory(prefix="tracer-pairs-", dir=directory)
        self._files: dict[tuple[int, int], BinaryIO] = {}
        self._lock = threading.Lock()  # pairs come from the threads joining bands
        self.spilled = 0  # pairs written, repeats across bands included

    def _path(self, bucket: tuple[int, int]) -> str:
        return os.path.join(self._dir.name, f"{bucket[0]}-{bucket[1]}.i64")

    def add(self, packed: np.ndarray) -> None:
        """Keep packed pairs ``i << 32 | j`` (``i < j``) for the check."""
        if len(packed) == 0:
            return
        inner = self._bounds[1:-1]
        part_i = np.searchsorted(inner, packed >> 32, side="right")
        part_j = np.searchsorted(inner, packed & 0xFFFFFFFF, side="right")
        bucket = part_i * len(self._bounds) + part_j
        order = np.argsort(bucket, kind="stable")
        bucket = bucket[order]
        starts = np.flatnonzero(np.concatenate(([True], bucket[1:] != bucket[:-1])))
        ends = np.append(starts[1:], len(bucket))
        with self._lock:
            for lo, hi in zip(starts.tolist(), ends.tolist(), strict=True):
                key = (int(part_i[order[lo]]), int(part_j[order[lo]]))
                if key not in self._files:
                    self._files[key] = open(self._path(key), "wb")  # noqa: SIM115 (closed in checked/close)
                self._files[key].write(packed[order[lo:hi]].tobytes())
            self.spilled += len(packed)

    def checked(self) -> np.ndarray:
        """The distinct pairs kept whose check bytes pass, packed and sorted; the buckets are used up."""
        for f in self._files.values():
            f.close()
        buckets = sorted(self._files)
        self._files = {}
        if self._release is not None:
            self._release()
        kept = []
        mine: tuple[int, np.ndarray] | None = None  # the first partition's check bytes, while in use
        for p, q in buckets:
            pairs = unique_sorted(np.fromfile(self._path((p, q)), dtype=np.int64))
            os.remove(self._path((p, q)))
            lo_p, hi_p, lo_q, hi_q = (int(x) for x in (*self._bounds[p : p + 2], *self._bounds[q : q + 2]))
            if mine is None or mine[0] != p:
                mine = None  # freed before the next is read
                mine = (p, self._read(lo_p, hi_p))
            theirs = mine[1] if q == p else self._read(lo_q, hi_q)
            local = unpack_pairs(pairs)
            local[:, 0] -= lo_p
            local[:, 1] -= lo_q

            def accept(
                part: np.ndarray, mine: np.ndarray = mine[1], theirs: np.ndarray = theirs
            ) -> np.ndarray:
                return jaccard_at_least(mine, part, self._min_jaccard, other=theirs)

            kept.append(pairs[accept_in_threads(accept, local, self._threads)])
            del accept, theirs, local  # nothing holds a partition's check bytes past its use
        out = np.concatenate(kept) if kept else np.empty(0, dtype=np.int64)
        out.sort()  # buckets are disjoint: sorting is all that is left
        return out

    def close(self) -> None:
        for f in self._files.values():
            f.close()
        self._files = {}
        self._dir.cleanup()

    def __enter__(self) -> PairSpill:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def isin(x: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``np.isin(x, values)`` for integer arrays, by sorting both and searching.

    numpy 2.4's ``np.isin`` took 3.6 s for 3.4 M ids among 3.1 M (this: 0.3 s).
    """
    return in_sorted_levels(x, [np.sort(values)])


def in_sorted_levels(x: np.ndarray, levels: list[np.ndarray]) -> np.ndarray:
    """Which of ``x`` are in any of the sorted arrays ``levels``.

    ``x`` is sorted once and looked up in sorted order: each search starts where the last one
    ended, in memory still cached (25 k ids in 2.5 M: 4.9 instead of 11.5 ms).
    """
    order = np.argsort(x)
    sorted_x = x[order]
    found = np.zeros(len(x), dtype=bool)
    for level in levels:
        if len(level):
            pos = np.searchsorted(level, sorted_x)
            pos[pos == len(level)] = 0
            found |= level[pos] == sorted_x
    out = np.empty(len(x), dtype=bool)
    out[order] = found
    return out


def unique_sorted(values: np.ndarray) -> np.ndarray:
    """``np.unique`` of a 1-d integer array, by sorting.

    numpy 2.3+ answers ``np.unique`` of integers through a hash table, measured
    30-60x slower than a sort on tens of millions of values.
    """
    if len(values) == 0:
        return values.copy()
    out = np.sort(values)
    keep = np.empty(len(out), dtype=bool)
    keep[0] = True
    np.not_equal(out[1:], out[:-1], out=keep[1:])
    return out[keep]
