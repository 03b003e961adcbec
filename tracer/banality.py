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

import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

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


ROWS_AT_ONCE = 50_000  # near rows whose trigrams are held at once: ~5 KB each


def banal_pairs(
    store: Store,
    params: BanalParams,
    near: tuple[np.ndarray, ...],
    dup_norms: np.ndarray,
    where: tuple[np.ndarray, ...],
    rows_at_once: int = ROWS_AT_ONCE,
    step_done: Callable[[], object] = lambda: None,
    words_at_once: int = 0,
) -> np.ndarray:
    """:func:`pair_keys` (sorted) of the verified pairs and verbatim sentences that are banal.

    ``near``: the near table's columns ``norm_a, norm_b, a0, a1, b0, b1, partial`` (token spans,
    and whether the pair is partial); ``dup_norms``: norms in two articles or more; ``where``:
    sorted norms, one occurrence of each (``norm, article seq, start, end``) and how many times
    each is printed. Rows are read ``rows_at_once`` at a time (memory grows with that, not with
    the corpus); the answer does not depend on it. ``step_done`` is called after each part.
    Up to ``words_at_once`` sentences, the content words of every sentence are read once for all
    the parts (a sentence is in the rows of several); more are read a part at a time.
    """
    if params.min_df <= 0 or len(near[0]) == 0:
        return np.empty(0, dtype=np.uint64)
    sentences = _Sentences.of(near, dup_norms, where)
    return _judged_here(store, params, near, sentences, where, rows_at_once, step_done, words_at_once)


def banal_pairs_elsewhere(
    store: Store,
    params: BanalParams,
    near: tuple[np.ndarray, ...],
    dup_norms: np.ndarray,
    where: tuple[np.ndarray, ...],
    submit: Callable[..., Callable[[], Any]],
    words_at_once: int,
    step_done: Callable[[], object] = lambda: None,
    tasks: int = 1,
) -> Callable[[], np.ndarray]:
    """:func:`banal_pairs` run by ``submit`` (an engine's: it returns a function that waits for
    the answer), so that this process goes on meanwhile. The sentences' texts are read here (the
    store is this process's) and sent with the rest; their words are read there once for all
    parts. Where the pairs have more than ``words_at_once`` sentences nothing is sent: they are
    judged here, as :func:`banal_pairs` judges them, before this returns.

    The rows are split between ``tasks`` tasks (each sent the texts of its rows' sentences), which
    run side by side; what each finds of its rows is joined here into the answer once it is asked
    for."""
    if params.min_df <= 0 or len(near[0]) == 0:
        return lambda: np.empty(0, dtype=np.uint64)
    sentences = _Sentences.of(near, dup_norms, where)
    if len(sentences.norms) > words_at_once:
        keys = _judged_here(store, params, near, sentences, where, ROWS_AT_ONCE, step_done, words_at_once)
        return lambda: keys
    chunks, back = _texts(store, sentences.norms, where)
    min_df = params.threshold(store.article_count())
    texts = [text for chunk in chunks for text in chunk]  # norm k's is texts[back[k]]
    rows = len(near[0])
    parts = max(1, min(tasks, rows))
    cuts = [rows * k // parts for k in range(parts + 1)]
    waits = []
    for lo, hi in itertools.pairwise(cuts):
        part = tuple(c[lo:hi] for c in near)
        # Its rows' sentences (the first task's, the verbatim ones' too: it tokenises those).
        dup = sentences.dup if lo == 0 else np.empty(0, dtype=sentences.dup.dtype)
        norms = unique_sorted(np.concatenate((part[0], part[1], dup)))
        mine = [texts[i] for i in back[np.searchsorted(sentences.norms, norms)].tolist()]
        waits.append(submit(tally_texts, params, part, sentences, norms, mine, lo == 0))

    def answer() -> np.ndarray:
        told: list[_Told] = [wait() for wait in waits]
        tally = _Tally.joined(sentences.printed, [t.pairs for t in told])
        dup = told[0].dup
        assert dup is not None  # (the first task's)
        words = _Words(lambda _: dup, sentences.dup)
        short = [found for t in told for found in t.short]
        return _verdict(params, min_df, near, sentences, words, tally, short, ROWS_AT_ONCE)

    return answer


def _judged_here(
    store: Store,
    params: BanalParams,
    near: tuple[np.ndarray, ...],
    sentences: _Sentences,
    where: tuple[np.ndarray, ...],
    rows_at_once: int,
    step_done: Callable[[], object],
    words_at_once: int,
) -> np.ndarray:
    """:func:`_judged` with the sentences' words read from the store, once for all parts up to
    ``words_at_once`` sentences, a part at a time beyond."""
    known = sentences.norms if len(sentences.norms) <= words_at_once else None
    words = _Words(lambda norms: _read_tokens(store, norms, where, params.frequent), known)
    min_df = params.threshold(store.article_count())
    return _judged(params, min_df, near, sentences, words, rows_at_once, step_done)


@dataclass
class _Told:
    """What a task of :func:`banal_pairs_elsewhere` found of its rows: the tally's (key, sentence)
    pairs of each shard (:meth:`_Tally.pairs`), its rows' :class:`_Short`, and, from the first
    task, the tokens of the sentences printed alike (``sentences.dup``)."""

    pairs: list[tuple[np.ndarray, np.ndarray]]
    short: list[_Short]
    dup: _Tokens | None


def tally_texts(
    params: BanalParams,
    near: tuple[np.ndarray, ...],
    sentences: _Sentences,
    norms: np.ndarray,
    texts: list[str],
    with_dup: bool,
) -> _Told:
    """A task's share of :func:`banal_pairs`, given the texts of its rows' sentences (``norms``,
    sorted: those of ``sentences.dup`` too, ``with_dup``)."""
    words = _Words(lambda _: _tokenised([texts], params.frequent, np.arange(len(texts))), norms)
    tally, short = _tallied(params, near, sentences, words, ROWS_AT_ONCE, lambda: None)
    return _Told(tally.pairs(), short, words.tokens_of(sentences.dup) if with_dup else None)


@dataclass
class _Sentences:
    """The sentences of the near rows (sorted ``norms``), how many times each is printed, and
    those of them printed alike by two articles or more (``dup``, sorted)."""

    norms: np.ndarray
    printed: np.ndarray
    dup: np.ndarray

    @classmethod
    def of(
        cls, near: tuple[np.ndarray, ...], dup_norms: np.ndarray, where: tuple[np.ndarray, ...]
    ) -> _Sentences:
        norms = unique_sorted(np.concatenate((near[0], near[1])))
        printed = where[4][np.searchsorted(where[0], norms)]
        return cls(norms, printed, dup_norms[isin(dup_norms, norms)])


def _judged(
    params: BanalParams,
    min_df: int,
    near: tuple[np.ndarray, ...],
    sentences: _Sentences,
    words: _Words,
    rows_at_once: int,
    step_done: Callable[[], object],
) -> np.ndarray:
    """:func:`banal_pairs` of these sentences (``min_df``: articles that make a phrase common)."""
    tally, short = _tallied(params, near, sentences, words, rows_at_once, step_done)
    return _verdict(params, min_df, near, sentences, words, tally, short, rows_at_once)


def _tallied(
    params: BanalParams,
    near: tuple[np.ndarray, ...],
    sentences: _Sentences,
    words: _Words,
    rows_at_once: int,
    step_done: Callable[[], object],
) -> tuple[_Tally, list[_Short]]:
    """The phrases the rows share, tallied, and what :func:`_verdict` needs of each part's rows."""
    tally = _Tally(sentences.printed)
    short: list[_Short] = []
    for lo in range(0, len(near[0]), rows_at_once):
        part = tuple(column[lo : lo + rows_at_once] for column in near[:6])
        found = _shared_trigrams(words, part)
        tally.add(found.keys[found.both], np.searchsorted(sentences.norms, found.owners()))
        short.append(found.short(params.max_shared))
        del found
        step_done()
    return tally, short


def _verdict(
    params: BanalParams,
    min_df: int,
    near: tuple[np.ndarray, ...],
    sentences: _Sentences,
    words: _Words,
    tally: _Tally,
    short: list[_Short],
    rows_at_once: int,
) -> np.ndarray:
    """The banal pairs' keys (sorted), from the rows' tally and their parts' :class:`_Short`, in
    the rows' order."""
    norm_a, norm_b = near[0], near[1]
    common = tally.common(min_df, params.dominance)
    if len(common) == 0:
        return np.empty(0, dtype=np.uint64)
    banal_row = np.concatenate([found.banal(common, params.share, params.max_rare) for found in short])
    keys = [pair_keys(norm_a[banal_row], norm_b[banal_row])]
    # Verbatim sentences that are also in verified pairs (others share no phrase with another
    # sentence), judged on all their content words.
    if len(sentences.dup):
        keys.append(_banal_sentences(words, params, sentences.dup, common, rows_at_once))
    return np.sort(np.concatenate(keys))


@dataclass
class _Shared:
    """The content-word trigrams of rows' regions in sentence a (``keys``: a row of keys each,
    :func:`_region_keys`; ``row``: the row each is from) and which of their keys are in the
    other sentence's region too (``both``)."""

    keys: np.ndarray
    row: np.ndarray
    both: np.ndarray
    ia: np.ndarray  # each row's sentences, as places in the rows' sorted norms
    ib: np.ndarray
    norms: np.ndarray

    def owners(self) -> np.ndarray:
        """The norm of each shared key's sentences: a's, then b's (as ``keys[both]`` twice)."""
        row = np.broadcast_to(self.row[:, None], self.both.shape)[self.both]
        return np.concatenate((self.norms[self.ia[row]], self.norms[self.ib[row]]))

    def short(self, max_shared: int) -> _Short:
        """Only the trigrams that share a key, of the rows that share 1 to ``max_shared`` of
        them: a pair sharing more is copied text, never banal."""
        shared = self.both.any(axis=1)
        per_row = np.bincount(self.row[shared], minlength=len(self.ia))
        keep = shared & (per_row[self.row] <= max_shared)
        return _Short(self.keys[keep], self.row[keep], self.both[keep], len(self.ia))


def _mostly_common(n: np.ndarray, c: np.ndarray, share: float, max_rare: int) -> np.ndarray:
    """Whether regions sharing ``n`` trigrams, ``c`` of them common, are banal."""
    return (n > 0) & (c >= share * np.maximum(n, 1)) & (n - c <= max_rare)


@dataclass
class _Short:
    """What :meth:`_Shared.short` keeps of a part's ``rows`` near rows, to judge them once the
    common phrases are known."""

    keys: np.ndarray
    row: np.ndarray
    both: np.ndarray
    rows: int

    def banal(self, common: np.ndarray, share: float, max_rare: int) -> np.ndarray:
        """Whether each row is banal: at least ``share`` of the trigrams it shares are common,
        and at most ``max_rare`` are not."""
        is_common = (self.both & isin(self.keys.reshape(-1), common).reshape(self.both.shape)).any(axis=1)
        per_row = np.bincount(self.row, minlength=self.rows)
        common_per_row = np.bincount(self.row, weights=is_common, minlength=self.rows)
        return _mostly_common(per_row, common_per_row, share, max_rare)


def _shared_trigrams(words: _Words, part: tuple[np.ndarray, ...]) -> _Shared:
    """:class:`_Shared` of near rows ``part`` (``norm_a, norm_b, a0, a1, b0, b1``)."""
    norm_a, norm_b, a0, a1, b0, b1 = part
    norms = unique_sorted(np.concatenate((norm_a, norm_b)))
    content, bounds = words(norms)
    ia, ib = np.searchsorted(norms, norm_a), np.searchsorted(norms, norm_b)
    # Each region as content-word positions [lo, hi) in ``content``: a token span to the content
    # words in it through each sentence's prefix count of content words.
    ca0, ca1 = bounds.content_span(ia, a0, a1)
    cb0, cb1 = bounds.content_span(ib, b0, b1)
    # The trigrams each pair shares: those of its region in one sentence with a key (the trigram,
    # or it with a word as a slot) in the other's region too (a near-verbatim region is the whole
    # of both, changed words and all).
    keys_a, row_a = _region_keys(content, ca0, ca1)
    keys_b, row_b = _region_keys(content, cb0, cb1)
    rk_a = _row_key(keys_a, row_a)
    both = isin(rk_a.reshape(-1), unique_sorted(_row_key(keys_b, row_b).reshape(-1))).reshape(rk_a.shape)
    return _Shared(keys_a, row_a, both, ia, ib, norms)


class _Tally:
    """Which phrases are common, from the shared keys of near rows added a part at a time.

    Each (key, sentence) is kept once a part; a key's total over its sentences is bounded
    from above in hashed buckets as parts come in, so that at the end only the keys that can
    reach the threshold are sorted (a small share of them). The pairs are held in shards by
    the key's top bits, each sorted on its own: the repeats are dropped (and the common keys
    found) a shard at a time, so that the sort's arrays are a shard's, not the tally's."""

    BUCKETS = 1 << 22
    SHARD_BITS = 4

    def __init__(self, printed: np.ndarray) -> None:
        self.printed = printed  # how often each sentence (a place in the sorted norms) is printed
        shards = 1 << self.SHARD_BITS
        self.keys: list[list[np.ndarray]] = [[] for _ in range(shards)]
        self.owners: list[list[np.ndarray]] = [[] for _ in range(shards)]
        self.bound = np.zeros(self.BUCKETS, dtype=np.float64)
        self.compacted = [0] * shards  # pairs each shard held after its repeats were last dropped

    def add(self, keys: np.ndarray, owners: np.ndarray) -> None:
        """Keys shared by a part's rows, each with its sentence (``owners``, places in the sorted
        norms): ``keys`` twice over, once for each sentence of a row."""
        keys = np.tile(keys, 2)
        keys, owners = _once([keys], [owners.astype(np.int32)])
        self.bound += np.bincount(_bucket(keys), weights=self.printed[owners], minlength=self.BUCKETS)
        shard = (keys >> np.uint64(64 - self.SHARD_BITS)).astype(np.intp)
        order = np.argsort(shard, kind="stable")
        cuts = np.cumsum(np.bincount(shard, minlength=len(self.keys)))[:-1]
        for s, (k, o) in enumerate(
            zip(np.split(keys[order], cuts), np.split(owners[order], cuts), strict=True)
        ):
            self.keys[s].append(k)
            self.owners[s].append(o)
            # A sentence's phrases recur in every part that holds another of its pairs: the
            # repeats are dropped whenever a shard's pairs have doubled (a sort each doubling).
            held = sum(len(x) for x in self.keys[s])
            if len(self.keys[s]) > 1 and held > 2 * self.compacted[s]:
                k, o = _once(self.keys[s], self.owners[s])
                self.keys[s], self.owners[s], self.compacted[s] = [k], [o], len(k)

    def pairs(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Each shard's (key, sentence) pairs, each once (what :meth:`joined` joins)."""
        out = []
        for keys, owners in zip(self.keys, self.owners, strict=True):
            if len(keys) > 1:
                out.append(_once(keys, owners))
            else:  # one part's pairs, each once already (or none)
                out.append((keys[0], owners[0]) if keys else (np.zeros(0, np.uint64), np.zeros(0, np.int32)))
        return out

    @classmethod
    def joined(cls, printed: np.ndarray, told: list[list[tuple[np.ndarray, np.ndarray]]]) -> _Tally:
        """The tally of all rows, from the :meth:`pairs` of tallies of some of them each."""
        tally = cls(printed)
        for shards in told:
            for s, (keys, owners) in enumerate(shards):
                tally.keys[s].append(keys)
                tally.owners[s].append(owners)
            keys = np.concatenate([k for k, _ in shards])
            owners = np.concatenate([o for _, o in shards])
            tally.bound += np.bincount(_bucket(keys), weights=printed[owners], minlength=cls.BUCKETS)
        return tally

    def common(self, min_df: int, dominance: float) -> np.ndarray:
        """The keys (sorted) printed by at least ``min_df`` articles in sentences none of which
        holds more than ``dominance`` of them (:func:`_common_keys`), a shard at a time (the
        shards are key ranges in order: their answers joined are sorted)."""
        maybe = self.bound >= min_df
        found = [np.zeros(0, np.uint64)]
        for shard_keys, shard_owners in zip(self.keys, self.owners, strict=True):
            near = [maybe[_bucket(k)] for k in shard_keys]
            keys = np.concatenate([k[m] for k, m in zip(shard_keys, near, strict=True)] or [found[0]])
            owners = np.concatenate(
                [o[m] for o, m in zip(shard_owners, near, strict=True)] or [np.zeros(0, np.int32)]
            )
            found.append(_common_keys(keys, owners, self.printed, min_df, dominance))
        return np.concatenate(found)


def _once(keys: list[np.ndarray], owners: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Each (key, owner) pair of these parts once, joined. The parts are joined once the repeats
    are known, and each step's array let go before the next: this is the tally's largest step."""
    rows = np.concatenate([_row_key(k[:, None], o)[:, 0] for k, o in zip(keys, owners, strict=True)])
    order = np.argsort(rows)  # unstable: which of equal rows is kept does not matter (2x np.unique)
    rows = rows[order]
    first = np.ones(len(rows), dtype=bool)
    first[1:] = rows[1:] != rows[:-1]
    del rows
    once = order[first]
    del order, first
    return np.concatenate(keys)[once], np.concatenate(owners)[once]


def _bucket(keys: np.ndarray) -> np.ndarray:
    return (keys & np.uint64(_Tally.BUCKETS - 1)).astype(np.int64)


def _banal_sentences(
    words: _Words,
    params: BanalParams,
    dup: np.ndarray,
    common: np.ndarray,
    at_once: int = ROWS_AT_ONCE,
) -> np.ndarray:
    """:func:`pair_keys` of each sentence of ``dup`` (sorted norms) with itself, for those made
    mostly of ``common`` phrases and short (at most ``max_shared`` trigrams); ``at_once``
    sentences at a time."""
    keys = [np.empty(0, dtype=np.uint64)]
    for lo in range(0, len(dup), at_once):
        part = dup[lo : lo + at_once]
        content, bounds = words(part)
        first, last = bounds.content_first[:-1], bounds.content_first[1:]
        short = np.flatnonzero(last - first - (N - 1) <= params.max_shared)  # longer: copied, never banal
        grams, region = _region_keys(content, first[short], last[short])
        is_common = isin(grams.reshape(-1), common).reshape(grams.shape).any(axis=1)
        n = np.bincount(region, minlength=len(short))
        c = np.bincount(region, weights=is_common, minlength=len(short))
        banal = part[short[_mostly_common(n, c, params.share, params.max_rare)]]
        keys.append(pair_keys(banal, banal))
    return np.concatenate(keys)


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


@dataclass
class _Tokens:
    """Sentences' tokens as verification makes them, back to back: each token's key hash and
    whether it is a content word; ``per``: how many tokens each sentence has."""

    key_hash: np.ndarray
    content: np.ndarray
    per: np.ndarray

    def of(self, k: np.ndarray) -> _Tokens:
        """The tokens of sentences ``k`` (places among these sentences), in that order."""
        first = np.cumsum(self.per) - self.per
        at = np.repeat(first[k], self.per[k]) + _ranges(self.per[k])
        return _Tokens(self.key_hash[at], self.content[at], self.per[k])

    def content_words(self) -> tuple[np.ndarray, _Bounds]:
        """The content words' key hashes, back to back, and where each sentence's are."""
        token_first = np.concatenate(([0], np.cumsum(self.per)))
        before = np.concatenate(([0], np.cumsum(self.content)))
        return self.key_hash[self.content], _Bounds(token_first, before[token_first], before)


class _Words:
    """:meth:`_Tokens.content_words` of sorted norms, their tokens read (``read``) as they are
    asked for, or, given ``known`` (sorted norms that every later call's are among), read for all
    of those at once and each call's taken from them."""

    def __init__(self, read: Callable[[np.ndarray], _Tokens], known: np.ndarray | None = None) -> None:
        self.read = read
        self.held = None if known is None else (known, read(known))

    def __call__(self, norms: np.ndarray) -> tuple[np.ndarray, _Bounds]:
        return self.tokens_of(norms).content_words()

    def tokens_of(self, norms: np.ndarray) -> _Tokens:
        if self.held is None:
            return self.read(norms)
        known, tokens = self.held
        return tokens.of(np.searchsorted(known, norms))


def _read_tokens(
    store: Store,
    norms: np.ndarray,
    where: tuple[np.ndarray, ...],
    frequent: frozenset[str],
) -> _Tokens:
    """The tokens of each of ``norms`` (as verification makes them), read from their articles."""
    chunks, back = _texts(store, norms, where)
    return _tokenised(chunks, frequent, back)


def _texts(
    store: Store, norms: np.ndarray, where: tuple[np.ndarray, ...], chunk: int = 20_000
) -> tuple[Iterator[list[str]], np.ndarray]:
    """The texts of ``norms``, read ``chunk`` at a time (as they are asked for) in the order of
    their articles, and where each of ``norms`` is in that order."""
    w_norm, w_seq, w_start, w_end = where[:4]
    pos = np.searchsorted(w_norm, norms)
    # Read in article order, so that each article is read once, not once a chunk it has a
    # sentence in; :func:`_tokenised` puts them back in the order of ``norms``.
    by_article = np.argsort(w_seq[pos], kind="stable")
    seq, start, end = w_seq[pos][by_article], w_start[pos][by_article], w_end[pos][by_article]
    back = np.empty_like(by_article)
    back[by_article] = np.arange(len(by_article))

    def chunks() -> Iterator[list[str]]:
        for lo in range(0, len(norms), chunk):
            # (Each article read once, a long one a piece at a time: not whole, once a chunk.)
            yield store.cut_texts(
                seq[lo : lo + chunk].tolist(), start[lo : lo + chunk].tolist(), end[lo : lo + chunk].tolist()
            )

    return chunks(), back


def _tokenised(chunks: Iterable[list[str]], frequent: frozenset[str], back: np.ndarray) -> _Tokens:
    """The tokens of texts given in chunks, put in the order ``back`` gives (:func:`_texts`)."""
    hashes, stops, counts = [], [], []
    for texts in chunks:
        ids, per = _token_ids([fold(text) for text in texts])
        hashes.append(_key_hashes(ids))
        stops.append(_vocabulary.stop_flags(frequent)[ids])
        counts.append(per)
    content = ~np.concatenate(stops) if stops else np.zeros(0, dtype=bool)
    key_hash = np.concatenate(hashes) if hashes else np.zeros(0, dtype=np.uint32)
    per_read = np.concatenate(counts) if counts else np.zeros(0, dtype=np.int64)
    return _Tokens(key_hash, content, per_read).of(back)


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


def _common_keys(
    keys: np.ndarray, owner: np.ndarray, weight: np.ndarray, min_df: int, dominance: float
) -> np.ndarray:
    """The keys (sorted) printed by at least ``min_df`` articles (``weight[owner]`` each distinct
    sentence) in sentences none of which holds more than ``dominance`` of them: a phrase in many
    different sentences, not one sentence printed many times (copied news)."""
    # Each (key, owner) once, then grouped by key: two sorts of one array each, not a lexsort.
    keys, owner = _once([keys], [owner])
    w = weight[owner]
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
