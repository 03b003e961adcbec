"""Shingle sets of sentences, built in numpy.

A sentence's *units* are its content words (stopwords dropped, light stemming),
cut into windows of ``window`` words that overlap by half, so a clause copied into
a longer sentence is a near copy of one window. Each unit's shingles are its words
plus each pair of neighbouring words: pairs make two sets that share only common
words (a topic word found in a third of all sentences) rarely collide in a band.

Per token, Python does one dictionary lookup (token -> vocabulary id); everything
after that is array arithmetic.

Hashes: a word is ``hash32(key)`` (datasketch's ``sha1_hash32`` of its UTF-8
bytes); a pair is ``pair_hash(h1, h2)``. ``shingle_hash32`` computes the same from
a shingle's bytes (``b"word"`` or ``b"word1 word2"``), so
``datasketch.MinHash(num_perm, seed, hashfunc=shingle_hash32)`` fed with
``shingles(...)`` gives exactly our signatures.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .signatures import _fmix32, hash32
from .text import STOPWORDS, match_key, token_hash

_GOLDEN = np.uint32(0x9E3779B1)


def pair_hash(h1: np.ndarray, h2: np.ndarray) -> np.ndarray:
    """Hash of a pair of neighbouring words from the words' hashes (uint32 arithmetic)."""
    return _fmix32((h1.astype(np.uint32) * _GOLDEN) ^ h2.astype(np.uint32))


class Vocabulary:
    """Token -> id, with each id's match key hash and stopword flag in arrays."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self._hash: list[int] = []
        self._exact: list[int] = []
        self.exact_hash = np.zeros(0, dtype=np.uint64)  # token_hash of each token, for sentence ids
        self._stop: list[bool] = []
        self._key: list[str] = []  # each id's match key
        self._frequent: frozenset[str] = frozenset()  # the learned words _learned_stop is for
        self._learned_stop = np.zeros(0, dtype=bool)
        self.key_hash = np.zeros(0, dtype=np.uint32)
        self.is_stop = np.zeros(0, dtype=bool)
        self._keys = np.zeros(0, dtype=np.uint64)  # token_table keys seen, sorted, and their ids
        self._key_ids = np.zeros(0, dtype=np.int64)
        self._fill_slots()

    def ids_of_keys(self, keys: np.ndarray, token: Callable[[int], str]) -> np.ndarray:
        """Ids of tokens given by their :func:`~tracer.text.token_table` keys.

        ``token(i)`` is the text of the ``i``-th token; it is asked only for tokens the
        vocabulary has not seen, so Python touches each distinct token once, not each token.
        """
        # Every token looked up in a direct-mapped table of the keys seen so far (keys are
        # mixed hashes: their low bits are the slot), the few misses in the sorted keys, and
        # only unknown keys sorted: np.unique (a stable argsort) or a binary search of every
        # key cost more than the whole lookup.
        ids = self._slot_id[keys & self._mask]
        hit = (self._slot_key[keys & self._mask] == keys) & (ids >= 0)
        miss = np.flatnonzero(~hit)
        if len(miss) and len(self._keys):
            pos = np.searchsorted(self._keys, keys[miss]).clip(max=len(self._keys) - 1)
            found = self._keys[pos] == keys[miss]
            ids[miss[found]] = self._key_ids[pos[found]]
            miss = miss[~found]
        if len(miss):  # tokens never seen: added in the order of their keys
            distinct, first = np.unique(keys[miss], return_index=True)
            new_ids = [self._add(token(i)) for i in miss[first].tolist()]
            self.key_hash = np.array(self._hash, dtype=np.uint32)
            self.exact_hash = np.array(self._exact, dtype=np.uint64)
            self.is_stop = np.array(self._stop, dtype=bool)
            all_keys = np.concatenate((self._keys, distinct))
            all_ids = np.concatenate((self._key_ids, np.array(new_ids, dtype=np.int64)))
            order = np.argsort(all_keys)
            self._keys, self._key_ids = all_keys[order], all_ids[order]
            self._fill_slots()
            ids[miss] = self._key_ids[np.searchsorted(self._keys, keys[miss])]
        return ids

    def _fill_slots(self) -> None:
        """The direct-mapped table: four to eight slots a key, at most 2^22 (64 MiB); of keys
        sharing a slot, one holds it and the others are found by binary search."""
        size = 1 << min(max(int(4 * len(self._keys)).bit_length(), 10), 22)
        self._mask = np.uint64(size - 1)
        self._slot_key = np.zeros(size, dtype=np.uint64)
        self._slot_id = np.full(size, -1, dtype=np.int64)
        slot = self._keys & self._mask
        self._slot_key[slot] = self._keys
        self._slot_id[slot] = self._key_ids

    def _add(self, token: str) -> int:
        known = self.index.get(token)
        if known is not None:
            return known
        key = match_key(token)
        self.index[token] = len(self._hash)
        self._hash.append(hash32(key))
        self._exact.append(token_hash(token))
        self._stop.append(key in STOPWORDS)
        self._key.append(key)
        return len(self._hash) - 1

    def stop_flags(self, frequent: frozenset[str]) -> np.ndarray:
        """Whether each id's key is not a content word: an English stopword or one of the
        ``frequent`` words learned from the corpus. The learned part is worked out once per id
        (and again only when ``frequent`` changes), not once per token."""
        if not frequent:
            return self.is_stop
        if frequent is not self._frequent and frequent != self._frequent:
            self._frequent, self._learned_stop = frequent, np.zeros(0, dtype=bool)
        done = len(self._learned_stop)
        if done < len(self._key):
            more = np.fromiter(
                (k in frequent for k in self._key[done:]), dtype=bool, count=len(self._key) - done
            )
            self._learned_stop = np.concatenate((self._learned_stop, more))
        return self.is_stop | self._learned_stop


def _ranges(lengths: np.ndarray) -> np.ndarray:
    """``[0..l0-1, 0..l1-1, ...]`` without a Python loop."""
    lengths = np.asarray(lengths, dtype=np.int64)
    return np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)


def unit_shingles(
    content_hashes: np.ndarray, lengths: np.ndarray, window: int, bigrams: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Shingles of every unit of many sentences at once.

    ``content_hashes`` holds the content word hashes of all sentences back to back,
    ``lengths`` how many belong to each (all > 0). Returns ``(hashes, starts,
    units_per_sentence)``: unit ``u``'s shingles are ``hashes[starts[u]:starts[u+1]]``,
    units in sentence order.
    """
    lengths = np.asarray(lengths, dtype=np.int64)
    step = max(window // 2, 1)
    over = np.maximum(lengths - window, 0)
    per_sentence = np.where(lengths <= window, 1, over // step + 1 + (over % step != 0))
    sentence = np.repeat(np.arange(len(lengths)), per_sentence)
    k = _ranges(per_sentence)
    offset = np.cumsum(lengths) - lengths
    start = offset[sentence] + np.minimum(k * step, over[sentence])
    size = np.minimum(lengths[sentence], window)
    uni = content_hashes[np.repeat(start, size) + _ranges(size)]
    if not bigrams:
        return uni.astype(np.uint32), np.cumsum(size) - size, per_sentence
    pairs = size - 1
    pos = np.repeat(start, pairs) + _ranges(pairs)
    bi = pair_hash(content_hashes[pos], content_hashes[pos + 1])
    n_units = len(size)
    # Interleave per unit: its words, then its pairs.
    owner = np.concatenate((np.repeat(np.arange(n_units), size), np.repeat(np.arange(n_units), pairs)))
    order = np.argsort(owner, kind="stable")
    hashes = np.concatenate((uni.astype(np.uint32), bi))[order]
    total = size + pairs
    return hashes, np.cumsum(total) - total, per_sentence
