"""Banality: reuse made mostly of phrases common in the corpus.

Court reports, obituaries and police appeals share stock phrases ("pleaded guilty at Chester
Crown Court to", "anyone with information is asked to contact police") across articles about
unrelated events. Such a shared phrase is a match, but not news copied from another outlet. As
TextPAIR's banality filter and passim's maximum n-gram frequency do, it is told by the frequency
of its n-grams: a matched region whose content-word trigrams mostly recur in many *different*
sentences is banal. Flagged, not deleted (``--include-banal`` shows it).

"Different" is what keeps copied news out: a story copied by many outlets recurs as the same
sentence, or as near-verbatim variants of it, whereas a stock phrase recurs as a *part* of
sentences that otherwise differ. So an n-gram's frequency is the number of distinct sentences
(normalised-text ids) in which it lies inside a region shared *partially* with another sentence
(a ``partial`` verified pair). A pair sharing more than :data:`MAX_SHARED` n-grams is never
banal: stock phrases are short, and a long shared passage is copied text however common.

Banal pieces are kept out of claims, like boilerplate. Verified pairs are stored and never
redone, and the frequencies are counted anew from all of them at every scan, so a store scanned
in steps flags what one scanned at once flags.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .candidates import _ranges, isin, unique_sorted
from .shingles import Vocabulary
from .store import Store
from .text import _fmix64, fold, rejoin_hyphenated, token_table, token_text

BOILERPLATE, BANAL = 1, 2  # bits of the matches table's ``boilerplate`` column
N = 3  # words per n-gram: content words, consecutive once stopwords are left out
MAX_SHARED = 6  # n-grams a banal pair shares at most: stock phrases are short
_MIX = np.uint64(0x9E3779B97F4A7C15)
_vocabulary = Vocabulary()  # per process, like the scan's


@dataclass(frozen=True)
class BanalParams:
    # An n-gram shared partially by this many distinct sentences is common. Simulated claims
    # (up to 25 copies, edited) reach 19 at 10^4 articles; a stock phrase in 2% of them, 56-72.
    min_df: int = 20
    share: float = 0.5  # a region whose n-grams are at least this share common is banal
    frequent: frozenset[str] = frozenset()  # the store's learned non-content words


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
    where: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
) -> np.ndarray:
    """:func:`pair_keys` (sorted) of the verified pairs and verbatim sentences that are banal.

    ``near``: the near table's columns ``norm_a, norm_b, a0, a1, b0, b1, partial`` (token spans,
    and whether the pair is partial); ``dup_norms``: norms in two articles or more; ``where``:
    sorted norms and one occurrence of each (``norm, article seq, start, end``).
    """
    norm_a, norm_b, a0, a1, b0, b1, partial = near
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
    # The n-grams each pair shares: those of its region in both sentences (a near-verbatim
    # region is the whole of both, changed words and all).
    grams_a, row_a = _ngrams(content, ca0, ca1)
    grams_b, row_b = _ngrams(content, cb0, cb1)
    grams, row = _shared(grams_a, row_a, grams_b, row_b)
    # Frequencies: distinct sentences sharing each n-gram in a partial pair (both of its sides).
    counted = partial[row]
    owners = np.concatenate((ia[row[counted]], ib[row[counted]]))
    common = _frequent_grams(np.tile(grams[counted], 2), owners, params.min_df)
    if len(common) == 0:
        return np.empty(0, dtype=np.uint64)
    is_common = isin(grams, common)
    per_row = np.bincount(row, minlength=rows)
    common_per_row = np.bincount(row, weights=is_common, minlength=rows)
    banal_row = (per_row > 0) & (common_per_row >= params.share * np.maximum(per_row, 1))
    banal_row &= per_row <= MAX_SHARED  # a long shared passage is copied text, however common
    keys = [pair_keys(norm_a[banal_row], norm_b[banal_row])]
    # Verbatim sentences that are also in verified pairs (others share no phrase with another
    # sentence), judged on all their content words.
    dup = dup_norms[isin(dup_norms, norms)]
    if len(dup):
        i = np.searchsorted(norms, dup)
        grams, region = _ngrams(content, bounds.content_first[i], bounds.content_first[i + 1])
        is_common = isin(grams, common)
        n = np.bincount(region, minlength=len(dup))
        c = np.bincount(region, weights=is_common, minlength=len(dup))
        banal_dup = (n > 0) & (c >= params.share * np.maximum(n, 1)) & (n <= MAX_SHARED)
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
    where: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    frequent: frozenset[str],
    chunk: int = 20_000,
) -> tuple[np.ndarray, _Bounds]:
    """The content words' key hashes of each of ``norms`` (its tokens as verification makes them),
    back to back, and where each sentence's are."""
    w_norm, w_seq, w_start, w_end = where
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
        hashes.append(_vocabulary.key_hash[ids])
        stops.append(_vocabulary.stop_flags(frequent)[ids])
        counts.append(per)
    content = ~np.concatenate(stops) if stops else np.zeros(0, dtype=bool)
    key_hash = np.concatenate(hashes) if hashes else np.zeros(0, dtype=np.uint32)
    per = np.concatenate(counts) if counts else np.zeros(0, dtype=np.int64)
    token_first = np.concatenate(([0], np.cumsum(per)))
    before = np.concatenate(([0], np.cumsum(content)))
    return key_hash[content], _Bounds(token_first, before[token_first], before)


def _shared(
    grams_a: np.ndarray, row_a: np.ndarray, grams_b: np.ndarray, row_b: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The (n-gram, row) pairs found on both sides, each once."""
    a = _distinct(grams_a, row_a)
    b = _distinct(grams_b, row_b)
    grams = np.concatenate((grams_a[a], grams_b[b]))
    rows = np.concatenate((row_a[a], row_b[b]))
    order = np.lexsort((grams, rows))
    grams, rows = grams[order], rows[order]
    both = np.flatnonzero((grams[1:] == grams[:-1]) & (rows[1:] == rows[:-1]))
    return grams[both], rows[both]


def _distinct(grams: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Indices of the first of each (n-gram, row) pair."""
    order = np.lexsort((grams, rows))
    g, r = grams[order], rows[order]
    first = np.ones(len(g), dtype=bool)
    first[1:] = (g[1:] != g[:-1]) | (r[1:] != r[:-1])
    return order[first]


def _frequent_grams(grams: np.ndarray, owner: np.ndarray, min_df: int) -> np.ndarray:
    """The n-grams (sorted) found with at least ``min_df`` distinct owners."""
    order = np.lexsort((owner, grams))
    grams, owner = grams[order], owner[order]
    once = np.ones(len(grams), dtype=bool)  # each (n-gram, owner) once
    once[1:] = (grams[1:] != grams[:-1]) | (owner[1:] != owner[:-1])
    grams = grams[once]
    first = np.ones(len(grams), dtype=bool)
    first[1:] = grams[1:] != grams[:-1]
    starts = np.flatnonzero(first)
    df = np.diff(np.append(starts, len(grams)))
    return grams[starts][df >= min_df]


def _token_ids(parts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Vocabulary ids of the tokens of folded sentences (as verification tokenises each), back to
    back, and how many each sentence has."""
    lengths = np.fromiter(map(len, parts), dtype=np.int64, count=len(parts))
    base = np.cumsum(lengths + 1) - (lengths + 1)
    joined = "\n".join(parts)
    tok_at, tok_end, tok_key = rejoin_hyphenated(joined, token_table(joined), base)
    ids = _vocabulary.ids_of_keys(tok_key, lambda i: token_text(joined, tok_at[i], tok_end[i]))
    return ids, np.diff(np.append(np.searchsorted(tok_at, base), len(tok_at)))


def _ngrams(content: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The :data:`N`-grams of content words ``content[lo[r]:hi[r]]`` of each region ``r``, hashed,
    and the region each is from."""
    made = np.maximum(hi - lo - (N - 1), 0)
    region = np.repeat(np.arange(len(lo)), made)
    at = np.repeat(lo, made) + _ranges(made)
    h = np.zeros(len(at), dtype=np.uint64)
    for k in range(N):
        h = h * _MIX + content[at + k].astype(np.uint64)
    return _fmix64(h), region
