"""Banality: reuse made mostly of phrases common in the corpus.

Court reports, obituaries and police appeals share stock phrases ("pleaded guilty at Chester
Crown Court to", "anyone with information is asked to contact police") across articles about
unrelated events. Such a shared phrase is a match, but not news copied from another outlet. As
TextPAIR's banality filter and passim's maximum n-gram frequency do, it is told by the frequency
of its n-grams: a matched region whose content-word trigrams mostly recur in many *different*
sentences is banal. Flagged, not deleted (``--include-banal`` shows it).

"Different" is what keeps copied news out: a story copied by many outlets recurs as one sentence
printed many times (and a few edited variants of it), whereas a stock phrase recurs in sentences
that otherwise differ ("adjourned until Sunday next week", "... until Monday ..."). So a phrase is
*common* when the articles printing it, in sentences that share it with another sentence (a
verified pair), are many, and no one of those sentences holds most of them. A phrase is a
content-word trigram, numbers masked (ages, scores, incident numbers are a stock phrase's slots),
and also the trigram with each of its words in turn left out as a slot (a name, a place, a
weekday), so "pleaded guilty at Chester Crown Court" and "... at Wexley Crown Court" are one
phrase. How many articles make it common grows with the corpus (a share of its articles, with a
floor: a widely copied claim in a small corpus stays below it). A pair sharing more than
``max_shared`` trigrams is never banal: stock phrases are short, a long shared passage is copied.

Banal pieces are kept out of claims, like boilerplate. Verified pairs are stored and never
redone, and the frequencies are counted anew from all of them at every scan, so a store scanned
in steps flags what one scanned at once flags.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .candidates import _ranges, isin, unique_sorted
from .params import BanalParams
from .shingles import Vocabulary
from .store import Store
from .text import _fmix64, fold, rejoin_hyphenated, token_table, token_text

BOILERPLATE, BANAL = 1, 2  # bits of the matches table's ``boilerplate`` column
N = 3  # words per n-gram: content words, consecutive once stopwords are left out
_MIX = np.uint64(0x9E3779B97F4A7C15)
_vocabulary = Vocabulary()  # per process, like the scan's


def pair_keys(norm_a: np.ndarray, norm_b: np.ndarray) -> np.ndarray:
    """One 64-bit key per unordered pair of norm ids (a norm with itself: a verbatim sentence)."""
    lo = np.minimum(norm_a, norm_b).view(np.uint64)
    hi = np.maximum(norm_a, norm_b).view(np.uint64)
    return _fmix64(lo * _MIX + _fmix64(hi.copy()))


def banal_pairs(
    store: Store,
    params: BanalParams,
    near: tuple[np.ndarray, ...],
    dup_norms: np.ndarray,
    where: tuple[np.ndarray, ...],
) -> np.ndarray:
    """:func:`pair_keys` (sorted) of the verified pairs and verbatim sentences that are banal.

    ``near``: the near table's columns ``norm_a, norm_b, a0, a1, b0, b1, partial`` (token spans,
    and whether the pair is partial); ``dup_norms``: norms in two articles or more; ``where``:
    sorted norms, one occurrence of each (``norm, article seq, start, end``) and how many times
    each is printed.
    """
    norm_a, norm_b, a0, a1, b0, b1 = near[:6]
    if params.min_df <= 0 or len(norm_a) == 0:
        return np.empty(0, dtype=np.uint64)
    norms = unique_sorted(np.concatenate((norm_a, norm_b)))
    content, bounds = _content_words(store, norms, where, params.frequent)
    ia, ib = np.searchsorted(norms, norm_a), np.searchsorted(norms, norm_b)
    # Each region as content-word positions [lo, hi) in ``content``: a token span to the content
    # words in it through each sentence's prefix count of content words.
    ca0, ca1 = bounds.content_span(ia, a0, a1)
    cb0, cb1 = bounds.content_span(ib, b0, b1)
    rows = len(norm_a)
    # The trigrams each pair shares: those of its region in one sentence with a key (the trigram,
    # or it with a word as a slot) in the other's region too (a near-verbatim region is the whole
    # of both, changed words and all).
    keys_a, row_a = _region_keys(content, ca0, ca1)
    keys_b, row_b = _region_keys(content, cb0, cb1)
    rk_a, rk_b = _row_key(keys_a, row_a), _row_key(keys_b, row_b)
    both = isin(rk_a.reshape(-1), unique_sorted(rk_b.reshape(-1))).reshape(rk_a.shape)
    shared = both.any(axis=1)
    # Frequencies: each key shared by a pair, with both of its sentences and how often each is
    # printed.
    first = _first_of_each(rk_a[both])
    k_row = np.broadcast_to(row_a[:, None], both.shape)[both][first]
    owners = np.concatenate((ia[k_row], ib[k_row]))
    printed = where[4][np.searchsorted(where[0], norms)]
    articles = store.article_count()
    common = _common_keys(
        np.tile(keys_a[both][first], 2), owners, printed, params.threshold(articles), params.dominance
    )
    if len(common) == 0:
        return np.empty(0, dtype=np.uint64)
    is_common = (both & isin(keys_a.reshape(-1), common).reshape(both.shape)).any(axis=1)[shared]
    row = row_a[shared]
    per_row = np.bincount(row, minlength=rows)
    common_per_row = np.bincount(row, weights=is_common, minlength=rows)
    banal_row = (per_row > 0) & (common_per_row >= params.share * np.maximum(per_row, 1))
    banal_row &= per_row <= params.max_shared  # a long shared passage is copied text, however common
    keys = [pair_keys(norm_a[banal_row], norm_b[banal_row])]
    # Verbatim sentences that are also in verified pairs (others share no phrase with another
    # sentence), judged on all their content words.
    dup = dup_norms[isin(dup_norms, norms)]
    if len(dup):
        i = np.searchsorted(norms, dup)
        lo, hi = bounds.content_first[i], bounds.content_first[i + 1]
        grams, region = _region_keys(content, lo, hi)
        is_common = isin(grams.reshape(-1), common).reshape(grams.shape).any(axis=1)
        n = np.bincount(region, minlength=len(dup))
        c = np.bincount(region, weights=is_common, minlength=len(dup))
        banal_dup = (n > 0) & (c >= params.share * np.maximum(n, 1)) & (n <= params.max_shared)
        keys.append(pair_keys(dup[banal_dup], dup[banal_dup]))
    return np.sort(np.concatenate(keys))


@dataclass
class _Bounds:
    """Where each sentence's tokens and content words are: sentence ``k``'s tokens are
    ``token_first[k]:token_first[k + 1]``, with ``before[t]`` content words before token ``t``."""

    token_first: np.ndarray
    content_first: np.ndarray
    before: np.ndarray

    def content_span(self, k: np.ndarray, t0: np.ndarray, t1: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        first, last = self.token_first[k], self.token_first[k + 1]
        a = np.minimum(first + t0, last)
        b = np.minimum(first + t1, last)
        return self.before[a], self.before[b]


def _content_words(
    store: Store,
    norms: np.ndarray,
    where: tuple[np.ndarray, ...],
    frequent: frozenset[str],
    chunk: int = 20_000,
) -> tuple[np.ndarray, _Bounds]:
    """The content words' key hashes of each of ``norms`` (its tokens as verification makes them),
    back to back, and where each sentence's are."""
    w_norm, w_seq, w_start, w_end = where[:4]
    pos = np.searchsorted(w_norm, norms)
    seq, start, end = w_seq[pos], w_start[pos], w_end[pos]
    hashes, stops, counts = [], [], []
    for lo in range(0, len(norms), chunk):
        s, a, b = (
            seq[lo : lo + chunk].tolist(),
            start[lo : lo + chunk].tolist(),
            end[lo : lo + chunk].tolist(),
        )
        # (Each article read once, a long one a piece at a time: not whole, once a chunk.)
        ids, per = _token_ids([fold(text) for text in store.cut_texts(s, a, b)])
        hashes.append(_key_hashes(ids))
        stops.append(_vocabulary.stop_flags(frequent)[ids])
        counts.append(per)
    content = ~np.concatenate(stops) if stops else np.zeros(0, dtype=bool)
    key_hash = np.concatenate(hashes) if hashes else np.zeros(0, dtype=np.uint32)
    per = np.concatenate(counts) if counts else np.zeros(0, dtype=np.int64)
    token_first = np.concatenate(([0], np.cumsum(per)))
    before = np.concatenate(([0], np.cumsum(content)))
    return key_hash[content], _Bounds(token_first, before[token_first], before)


_NUMBER = np.uint32(0x2545F491)  # the key of every token with a digit


def _key_hashes(ids: np.ndarray) -> np.ndarray:
    """The key hashes of tokens ``ids``, one for all tokens with a digit (the slots of stock
    phrases: ages, scores, temperatures, incident numbers)."""
    return np.where(_has_digit()[ids], _NUMBER, _vocabulary.key_hash[ids])


_digit_flags: list[np.ndarray] = [np.zeros(0, dtype=bool)]


def _has_digit() -> np.ndarray:
    """Whether each vocabulary id's key holds a digit (worked out once per id)."""
    done = _digit_flags[0]
    keys = _vocabulary._key
    if len(done) < len(keys):
        more = np.fromiter((any(c.isdigit() for c in k) for k in keys[len(done) :]), dtype=bool)
        _digit_flags[0] = np.concatenate((done, more))
    return _digit_flags[0]


def _region_keys(content: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The keys of each :data:`N`-gram of content words ``content[lo[r]:hi[r]]`` of each region
    ``r``, a row each (the n-gram's hash, then its hashes with each word in turn a slot), and
    the region each is from."""
    made = np.maximum(hi - lo - (N - 1), 0)
    region = np.repeat(np.arange(len(lo)), made)
    at = np.repeat(lo, made) + _ranges(made)
    keys = np.stack([_hash_words(content, at, skip) for skip in range(-1, N)], axis=1)
    return keys, region


def _row_key(keys: np.ndarray, row: np.ndarray) -> np.ndarray:
    """One hash per (row, key)."""
    return _fmix64(keys ^ _fmix64(row.astype(np.uint64) * _MIX + np.uint64(1))[:, None])


def _hash_words(content: np.ndarray, at: np.ndarray, skip: int) -> np.ndarray:
    """The :data:`N` content words from each of ``at`` hashed, word ``skip`` as a slot."""
    h = np.zeros(len(at), dtype=np.uint64)
    for k in range(N):
        word = (
            np.full(len(at), _SLOT + np.uint64(k), dtype=np.uint64)
            if k == skip
            else content[at + k].astype(np.uint64)
        )
        h = h * _MIX + word
    return _fmix64(h)


_SLOT = np.uint64(0x5BD1E995)


def _first_of_each(values: np.ndarray) -> np.ndarray:
    """An index of each distinct value (the order of equal values does not matter: an
    unstable sort, twice as fast as np.unique's stable one)."""
    order = np.argsort(values)
    v = values[order]
    first = np.ones(len(v), dtype=bool)
    first[1:] = v[1:] != v[:-1]
    return order[first]


def _common_keys(
    keys: np.ndarray, owner: np.ndarray, weight: np.ndarray, min_df: int, dominance: float
) -> np.ndarray:
    """The keys (sorted) printed by at least ``min_df`` articles (``weight[owner]`` each distinct
    sentence) in sentences none of which holds more than ``dominance`` of them: a phrase in many
    different sentences, not one sentence printed many times (copied news)."""
    # Each (key, owner) once, then grouped by key: two sorts of one array each, not a lexsort.
    once = _first_of_each(_row_key(keys[:, None], owner)[:, 0])
    keys, w = keys[once], weight[owner[once]]
    order = np.argsort(keys)
    keys, w = keys[order], w[order]
    first = np.ones(len(keys), dtype=bool)
    first[1:] = keys[1:] != keys[:-1]
    starts = np.flatnonzero(first)
    if len(starts) == 0:
        return keys
    total = np.add.reduceat(w, starts)
    top = np.maximum.reduceat(w, starts)
    return keys[starts][(total >= min_df) & (top <= dominance * total)]


def _token_ids(parts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Vocabulary ids of the tokens of folded sentences (as verification tokenises each), back to
    back, and how many each sentence has."""
    lengths = np.fromiter(map(len, parts), dtype=np.int64, count=len(parts))
    base = np.cumsum(lengths + 1) - (lengths + 1)
    joined = "\n".join(parts)
    tok_at, tok_end, tok_key = rejoin_hyphenated(joined, token_table(joined), base)
    ids = _vocabulary.ids_of_keys(tok_key, lambda i: token_text(joined, tok_at[i], tok_end[i]))
    return ids, np.diff(np.append(np.searchsorted(tok_at, base), len(tok_at)))
