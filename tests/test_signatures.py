"""MinHash signatures equal datasketch's; banding finds the pairs brute force finds."""

from __future__ import annotations

import collections
import random
from itertools import combinations

import numpy as np
import pytest
from datasketch import MinHash

from tracer import candidates
from tracer.candidates import Anchors, Banding
from tracer.engine import sizes as engine_sizes
from tracer.errors import TracerError
from tracer.signatures import MinHasher, hash32

from .reference import candidate_pairs, iter_pairs_in_equal_runs, pairs_in_equal_runs


def _flat(sets):
    hashes, starts = [], []
    for s in sets:
        starts.append(len(hashes))
        hashes.extend(hash32(k) for k in s)
    return np.array(hashes, dtype=np.uint32), np.array(starts, dtype=np.int64)


@pytest.mark.parametrize("num_perm,seed", [(64, 1), (128, 7), (16, 42)])
def test_signatures_equal_datasketch(num_perm, seed):
    rng = random.Random(seed)
    words = [f"w{i}" for i in range(300)] + ["parkinson", "café", "leak"]
    sets = [rng.sample(words, rng.randint(1, 40)) for _ in range(50)]
    got = MinHasher(num_perm, seed).signatures(*_flat(sets), chunk=64)
    for row, keys in zip(got, sets, strict=True):
        m = MinHash(num_perm=num_perm, seed=seed)
        for k in keys:
            m.update(k.encode("utf-8"))
        assert np.array_equal(row, m.hashvalues)
        assert MinHash(hashvalues=row, seed=seed, scheme="affine32").jaccard(m) == 1.0


def test_signatures_of_sets_of_very_different_sizes_equal_datasketch():
    # Sets of similar sizes take the padded kernel, one huge set among small ones the other.
    words = [f"w{i}" for i in range(400)]
    for sets in ([words[i : i + 12] for i in range(0, 360, 12)], [words, *([w] for w in words[:20])]):
        got = MinHasher(32, 3).signatures(*_flat(sets))
        for row, keys in zip(got, sets, strict=True):
            m = MinHash(num_perm=32, seed=3)
            for k in keys:
                m.update(k.encode("utf-8"))
            assert np.array_equal(row, m.hashvalues)


def test_bad_parameters_say_what_to_do():
    with pytest.raises(TracerError, match="num_perm"):
        MinHasher(0)
    with pytest.raises(TracerError):
        Banding(0, 2)


@pytest.mark.parametrize("dtype", [np.uint32, np.uint64])  # packed sort / stable argsort
@pytest.mark.parametrize("max_run", [0, 12])
@pytest.mark.parametrize("compare_slice", [3, 1 << 22])  # sorted keys compared in slices or at once
@pytest.mark.parametrize("at_once", [1 << 24, 100])  # keys sorted whole or in ranges of key values
def test_pairs_in_equal_runs_matches_brute_force(dtype, max_run, compare_slice, at_once, monkeypatch):
    monkeypatch.setattr(engine_sizes, "COMPARE_SLICE", compare_slice)
    monkeypatch.setattr(engine_sizes, "KEYS_SORTED_AT_ONCE", at_once)
    rng = np.random.default_rng(3)
    # 40 values spread over the 32 bits, so that ranges of the top bits hold different keys.
    keys = (rng.integers(0, 40, 500) * 104_729_993 % (1 << 32)).astype(dtype)
    rows = pairs_in_equal_runs(keys, max_run).tolist()
    if at_once == 100:
        monkeypatch.setattr(engine_sizes, "KEYS_SORTED_AT_ONCE", 1 << 24)
        assert sorted(rows) == sorted(pairs_in_equal_runs(keys, max_run).tolist())
    got = {tuple(p) for p in rows}
    assert len(got) == len(rows)
    sizes = collections.Counter(keys.tolist())
    want = {
        (i, j)
        for i, j in combinations(range(len(keys)), 2)
        if keys[i] == keys[j] and (max_run == 0 or sizes[keys[i]] <= max_run)
    }
    assert got == want  # each pair once, as (i, j) with i < j


@pytest.mark.parametrize("dtype", [np.uint32, np.uint64])
@pytest.mark.parametrize("chunk", [1, 7, 100, 1 << 22])
def test_pairs_in_equal_runs_in_chunks(dtype, chunk):
    # Pieces of whole runs, each within chunk + one run's pairs: the same pairs in all.
    rng = np.random.default_rng(5)
    keys = rng.integers(0, 60, 700).astype(dtype)
    largest = int(np.bincount(keys.astype(np.int64)).max())
    pieces = list(iter_pairs_in_equal_runs(keys, 0, chunk))
    assert all(len(p) <= chunk + largest * (largest - 1) // 2 for p in pieces)
    if chunk < 100:
        assert len(pieces) > 1
    whole = pairs_in_equal_runs(keys, 0)
    got = np.concatenate(pieces)
    assert np.array_equal(got[np.lexsort(got.T[::-1])], whole[np.lexsort(whole.T[::-1])])


@pytest.mark.parametrize("chunk", [1, 7, 1 << 22])
@pytest.mark.parametrize("max_run", [0, 5])
@pytest.mark.parametrize("anchors", [None, Anchors(1, 1), Anchors(3, 1), Anchors(4, 2)])
def test_candidate_pairs_of_runs_are_the_filtered_pairs_of_runs(chunk, max_run, anchors):
    # Groups and new flags looked up per member give what filtering every pair gives.
    rng = np.random.default_rng(9)
    keys = rng.integers(0, 150, 600).astype(np.uint32)
    group = np.sort(rng.integers(0, 250, 600))  # a group's units are neighbours, as in a scan
    is_new = rng.random(600) < 0.4
    pairs = pairs_in_equal_runs(keys, max_run, anchors)
    i, j = pairs[:, 0], pairs[:, 1]
    pairs = pairs[(group[i] != group[j]) & (is_new[i] | is_new[j])]
    want = np.sort(pairs[:, 0] << 32 | pairs[:, 1])
    pieces = list(candidates.iter_candidate_pairs(keys, max_run, group, is_new, chunk, anchors))
    assert all(np.array_equal(p, np.sort(p)) for p in pieces)
    got = np.sort(np.concatenate(pieces))
    assert len(want) > 100 and np.array_equal(got, want)


@pytest.mark.parametrize("threads", [1, 2])
def test_banding_in_small_chunks_finds_the_same_pairs(threads, monkeypatch):
    # Chunk edges fall inside every band: filtering, the check and deduplication across chunks
    # and bands must give the pairs of whole bands.
    rng = np.random.default_rng(8)
    n = 400
    sigs = rng.integers(0, 6, (n, 64)).astype(np.uint32)  # few values: many colliding pairs
    group = np.arange(n) // 2
    is_new = np.arange(n) % 3 != 0
    banding = Banding(32, 2)
    whole = candidate_pairs(banding, sigs, group, is_new, min_jaccard=0.3)
    monkeypatch.setattr(engine_sizes, "PAIRS_CHUNK", 7)
    assert len(list(iter_pairs_in_equal_runs(banding.column(sigs, 0)))) > 10
    chunked = candidates.unpack_pairs(
        candidates.banded_pairs(
            lambda band: banding.column(sigs, band),
            banding.bands,
            group,
            is_new,
            accept=lambda pairs: candidates.jaccard_at_least(sigs, pairs, 0.3),
            threads=threads,
        )
    )
    assert len(whole) > 100
    assert np.array_equal(chunked, whole)


def test_candidates_need_a_new_member_and_two_groups():
    sigs = np.array([[1, 5], [1, 5], [1, 5], [2, 5]], dtype=np.uint32)
    group = np.array([0, 0, 1, 2])
    is_new = np.array([False, False, True, False])
    got = candidate_pairs(Banding(1, 2), sigs, group, is_new).tolist()
    assert got == [[0, 2], [1, 2]]


def test_similar_sets_become_candidates():
    rng = random.Random(5)
    base = [f"w{i}" for i in range(12)]
    near = base[:10] + ["x1", "x2"]
    others = [[f"o{rng.randint(0, 10**6)}" for _ in range(12)] for _ in range(200)]
    sigs = MinHasher(64, 1).signatures(*_flat([base, near, *others]))
    n = len(sigs)
    pairs = candidate_pairs(Banding(32, 2), sigs, np.arange(n), np.ones(n, dtype=bool))
    assert [0, 1] in pairs.tolist()
    assert len(pairs) < 50  # unrelated sets rarely collide


@pytest.mark.parametrize("bigrams", [True, False])
def test_sentence_unit_signatures_equal_datasketch_with_our_hashfunc(bigrams):
    from tracer.shingles import unit_shingles

    from .reference import shingle_hash32, shingles

    rng = random.Random(11)
    words = [f"k{i}" for i in range(60)]
    sentences = [[rng.choice(words) for _ in range(rng.randint(1, 25))] for _ in range(30)]
    flat = np.array([hash32(k) for s in sentences for k in s], dtype=np.uint32)
    hashes, starts, per_sentence = unit_shingles(flat, np.array([len(s) for s in sentences]), 8, bigrams)
    got = MinHasher(96, 1).signatures(hashes, starts)
    unit = 0
    for keys, n in zip(sentences, per_sentence.tolist(), strict=True):
        step, over = 4, max(len(keys) - 8, 0)
        window_starts = [min(k * step, over) for k in range(n)]
        assert window_starts[-1] + min(len(keys), 8) == len(keys)  # the last window reaches the end
        for ws in window_starts:
            m = MinHash(num_perm=96, seed=1, hashfunc=shingle_hash32)
            for sh in shingles(keys[ws : ws + 8], bigrams):
                m.update(sh)
            assert np.array_equal(got[unit], m.hashvalues)
            unit += 1
    assert unit == len(got)


@pytest.mark.parametrize("rows", [1, 2, 3])
def test_all_band_columns_at_once_equal_one_at_a_time(rows):
    banding = Banding(7, rows)
    sigs = (
        np.random.default_rng(rows).integers(0, 2**32, (50, 7 * rows + 2), dtype=np.uint64).astype(np.uint32)
    )
    want = np.stack([banding.column(sigs, b) for b in range(7)])
    got = banding.columns_by_perm(sigs.T)  # a transposed view, as well as contiguous rows below
    assert got.dtype == np.uint32 and got.flags.c_contiguous
    assert np.array_equal(got, want)
    # In blocks smaller than n (and one not dividing it).
    for block in (7, 50, 4096):
        assert np.array_equal(banding.columns_by_perm(np.ascontiguousarray(sigs.T), block=block), want)


def test_signatures_by_perm_are_the_signatures_transposed():
    sets = [["a", "b", "c"], ["d"], [f"w{i}" for i in range(40)], ["x", "x", "y"]]
    hashes, starts = _flat(sets)
    hasher = MinHasher(16, 5)
    by_perm = hasher.signatures_by_perm(hashes, starts)
    assert by_perm.shape == (16, 4)
    assert np.array_equal(by_perm.T, hasher.signatures(hashes, starts))
    assert hasher.signatures_by_perm(hashes[:0], starts[:0]).shape == (16, 0)


def test_isin_is_numpy_isin():
    import numpy as np

    from tracer.candidates import isin

    rng = np.random.default_rng(5)
    for n, m in [(0, 5), (5, 0), (1, 1), (1000, 300), (300, 1000)]:
        x = rng.integers(-50, 50, n)
        values = rng.integers(-50, 50, m)
        assert isin(x, values).tolist() == np.isin(x, values).tolist()
    big = rng.integers(-(2**62), 2**62, 10_000)
    assert isin(big, big[::3]).tolist() == np.isin(big, big[::3]).tolist()
    assert isin(big, np.array([big.max(), big.min() - 1])).sum() == 1  # past either end of values


def test_vocabulary_ids_of_keys_over_batches_and_shared_slots():
    # Keys are looked up in a direct-mapped table, then by binary search, then added: every
    # token's id must be the one its text was given, whichever way it was found.
    import random

    import numpy as np

    from tracer.shingles import Vocabulary

    rng = random.Random(11)
    vocab = Vocabulary()
    words = [f"w{i}" for i in range(3000)]
    key_of = {w: np.uint64(rng.getrandbits(64)) for w in words}
    # Keys that share their low 22 bits (so their table slot, at any table size) with others.
    for w in words[:200]:
        key_of[w] = np.uint64((rng.getrandbits(42) << 22) | 12345)
    for _ in range(6):
        batch = [rng.choice(words[: rng.randint(1, 3000)]) for _ in range(rng.randint(0, 5000))]
        keys = np.array([key_of[w] for w in batch], dtype=np.uint64)
        ids = vocab.ids_of_keys(keys, batch.__getitem__)
        assert ids.tolist() == [vocab.index[w] for w in batch]
