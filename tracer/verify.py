"""Verify a candidate pair of sentences and find the span of text they share.

Sentences are compared as token sequences (folded tokens reduced to match keys),
aligned with rapidfuzz's LCS. Matched blocks separated by short gaps (a word or
a few changed, inserted or dropped) are chained into regions; the region with the
most matched content words is the reused span. So a clause copied into a longer,
rewritten sentence is reported with the span that matches, not missed because
the whole sentences differ.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import accumulate, filterfalse

import numpy as np
from rapidfuzz.distance import LCSseq
from rapidfuzz.process import cpdist

from .candidates import unique_sorted
from .engine import Engine, sizes
from .params import VerifyParams
from .text import (
    STOPWORDS,
    TokensOnDemand,
    fold_joined,
    match_key,
    rejoin_hyphenated,
    token_table,
    token_text,
)

NearRow = tuple[
    int, int, int, int, int, int, float, str
]  # (a, b, a_start, a_end, b_start, b_end, score, kind)
VerifyProgress = Callable[[int, int], None]


NEAR = "near-verbatim"


@dataclass(frozen=True)
class Alignment:
    """A shared region: token index spans ``[start, end)`` in each sentence."""

    a_start: int
    a_end: int
    b_start: int
    b_end: int
    matched: int
    score: float
    kind: str  # "near-verbatim" or "partial"


# Alignment's fields as a tuple, in order.
Region = tuple[int, int, int, int, int, float, str]


class _Codes:
    """Each match key as one character, the same for the same key, per process.

    A sentence's keys are then a string, which rapidfuzz compares without hashing each element
    (as it does a list's), and the LCS and edit operations depend only on which elements are
    equal, so they are the same. Numbering restarts (:meth:`reset`) before the code points run out;
    sentences compared with each other must be coded without a restart between them.
    """

    LIMIT = 1_000_000  # of the 1,112,064 code points that are not surrogates

    def __init__(self) -> None:
        self.generation = 0
        self.frequent: frozenset[str] = frozenset()
        self.stopwords: frozenset[str] = STOPWORDS  # keys that are not content words
        self.reset()

    def use(self, frequent: frozenset[str]) -> None:
        """Count ``frequent`` words as stopwords too (numbering anew if they differ from those
        in use: the stop flags of keys already numbered would be wrong)."""
        if frequent != self.frequent:
            self.frequent, self.stopwords = frequent, STOPWORDS | frequent
            self.reset()

    def reset(self) -> None:
        self.of_token = _TokenChars(self)  # token -> its key's character
        self.of_key: dict[str, str] = {}  # match key -> character
        self.of_hash: dict[int, str] = {}  # token_table key of a token -> its key's character
        self.stops: set[str] = set()  # the characters of stopwords
        self.generation += 1

    def char(self, key: str) -> str:
        c = self.of_key.get(key)
        if c is None:
            n = len(self.of_key)
            c = self.of_key[key] = chr(n + 0x800 if n >= 0xD800 else n)  # surrogates skipped
            if key in self.stopwords:
                self.stops.add(c)
        return c

    def room_for(self, n: int) -> None:
        """Make sure ``n`` more keys can be numbered (restarting the numbering if not)."""
        if len(self.of_key) + n > self.LIMIT:
            self.reset()


class _TokenChars(dict[str, str]):
    """token -> the character of its :func:`match_key`, filled on first use (tokens repeat)."""

    def __init__(self, codes: _Codes) -> None:
        super().__init__()
        self.codes = codes

    def __missing__(self, token: str) -> str:
        c = self[token] = self.codes.char(match_key(token))
        return c


key_codes = _Codes()

# A sentence's match keys and its content words' keys: one character each (prepare), or as
# lists of strings (prepare_keys); the two sentences aligned are prepared alike. Then, for each
# place in the keys, how many stopwords come before it (a block's content words are a subtraction).
Prepared = tuple[str, str, list[int]] | tuple[list[str], list[str], list[int]]


def prepare(tokens: list[str]) -> Prepared:
    """What aligning a sentence needs of it: done once per sentence, not once per pair it is in.

    Sentences prepared apart are comparable while :data:`key_codes` keeps its numbering
    (``key_codes.generation`` unchanged). A sentence of more tokens than it can number comes
    as lists (:func:`prepare_keys`), which align only with lists."""
    if len(tokens) > key_codes.LIMIT:
        return prepare_keys(tokens)
    key_codes.room_for(len(tokens))
    keys = "".join(map(key_codes.of_token.__getitem__, tokens))
    is_stop = key_codes.stops.__contains__
    return keys, "".join(filterfalse(is_stop, keys)), list(accumulate(map(is_stop, keys), initial=0))


def prepare_keys(tokens: list[str]) -> Prepared:
    """:func:`prepare` with the keys as lists of strings (no numbering: any number of keys).
    Slower to compare; aligned with each other, the same results."""
    keys = list(map(match_key, tokens))
    is_stop = key_codes.stopwords.__contains__
    return keys, list(filterfalse(is_stop, keys)), list(accumulate(map(is_stop, keys), initial=0))


def prepare_texts(texts: Mapping[int, str]) -> dict[int, Prepared]:
    """:func:`prepare` of the tokens of each (unfolded) sentence text, all at once: the tokens
    found in numpy (:func:`~tracer.text.token_table`) and coded by their hash, so Python looks
    at each distinct token of the batch once, not at each token. Returns the same as
    ``{k: prepare(tokens(fold(t)))}``, all coded with one numbering; nothing (``{}``) where the
    batch has more distinct tokens than can be numbered (then prepare them one by one)."""
    norms = list(texts)
    if not norms:
        return {}
    batch, offsets = fold_joined([texts[k] for k in norms])
    starts, ends, hashes = rejoin_hyphenated(batch, token_table(batch), offsets)
    first = np.searchsorted(starts, offsets)  # each sentence's first token
    bounds = np.append(first, len(starts)).tolist()
    distinct, inverse = np.unique(hashes, return_inverse=True)
    inverse = inverse.ravel()
    where = np.empty(len(distinct), dtype=np.int64)
    where[inverse] = np.arange(len(inverse))  # where one of each distinct token is
    if len(distinct) > key_codes.LIMIT:
        return {}
    key_codes.room_for(len(distinct))
    of_hash, of_token = key_codes.of_hash, key_codes.of_token
    chars = []
    for h, at in zip(distinct.tolist(), where.tolist(), strict=True):
        c = of_hash.get(h)
        if c is None:
            c = of_hash[h] = of_token[token_text(batch, starts[at], ends[at])]
        chars.append(c)
    code = np.array([ord(c) for c in chars], dtype="<u4")[inverse]
    stop = np.array([c in key_codes.stops for c in chars], dtype=bool)[inverse]
    keys = code.tobytes().decode("utf-32-le")
    content = code[~stop].tobytes().decode("utf-32-le")
    content_bounds = np.concatenate(([0], np.cumsum(~stop)))[bounds].tolist()
    before = _stops_before(stop, np.asarray(bounds)).tolist()
    return {
        norm: (
            keys[bounds[i] : bounds[i + 1]],
            content[content_bounds[i] : content_bounds[i + 1]],
            before[bounds[i] + i : bounds[i + 1] + i + 1],
        )
        for i, norm in enumerate(norms)
    }


def _stops_before(stop: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """Each sentence's stopwords before each place in it (``stop``: a flag a token; sentence
    ``i``: tokens ``bounds[i]:bounds[i+1]``, from ``bounds[0] == 0`` to ``len(stop)``), run
    together: sentence ``i``'s ``n + 1`` counts start at ``bounds[i] + i``."""
    counts = np.diff(bounds)
    total = np.concatenate(([0], np.cumsum(stop)))
    # Places 0..n of each sentence, as indices into total.
    at = np.arange(len(stop) + len(counts)) - np.repeat(np.arange(len(counts)), counts + 1)
    return total[at] - np.repeat(total[bounds[:-1]], counts + 1)


def align(a_tokens: list[str], b_tokens: list[str], params: VerifyParams | None = None) -> Alignment | None:
    """The best shared region of two token sequences, or None if they share none."""
    p = params or VerifyParams()
    key_codes.use(p.frequent)
    a, b = _prepare_both(a_tokens, b_tokens)
    found = _align_keys(a, b, p) if _may_share(a[1], b[1], p) else None
    return None if found is None else Alignment(*found[:7])


def _prepare_both(a_tokens: list[str], b_tokens: list[str]) -> tuple[Prepared, Prepared]:
    """Two sentences prepared with one numbering of keys (as lists where they have too many)."""
    if len(a_tokens) + len(b_tokens) > key_codes.LIMIT:
        return prepare_keys(a_tokens), prepare_keys(b_tokens)
    key_codes.room_for(len(a_tokens) + len(b_tokens))
    return prepare(a_tokens), prepare(b_tokens)


def align_prepared(a: Prepared, b: Prepared, p: VerifyParams) -> Alignment | None:
    """Align two :func:`prepare`-d sentences both ways round: the region that matches more words,
    then spans more text, then scores higher, with ``a``'s offsets first (the LCS picks one of
    several equal alignments depending on which sequence comes first)."""
    found = _best_region(a, b, p) if _may_share(a[1], b[1], p) else None
    return None if found is None else Alignment(*found)


def _best_region(a: Prepared, b: Prepared, p: VerifyParams) -> Region | None:
    """:func:`align_prepared` of a pair that may share a region (:func:`_may_share`), as a tuple
    of :class:`Alignment`'s fields (a task aligns many)."""
    forward = _align_keys(a, b, p)
    # Whole sentences matched in one chain of every common word: the other way round can match
    # no more words nor span more, and a tie goes to this way (most copies end here).
    if forward is not None and forward[6] == NEAR and forward[4] == forward[7]:
        return forward[:7]
    back = _align_keys(b, a, p)
    found = [forward[:7]] if forward is not None else []
    if back is not None:
        found.append((back[2], back[3], back[0], back[1], back[4], back[5], back[6]))
    if not found:
        return None
    # (matched, span, score, forward first): max keeps the first of equal keys.
    return max(found, key=lambda x: (x[4], x[1] - x[0] + x[3] - x[2], x[5]))


def _may_share(content_a: str | list[str], content_b: str | list[str], p: VerifyParams) -> bool:
    # A region's matched content words are a common subsequence of the two sentences' content
    # words: when the longest one is too short, no region can pass (most candidates end here).
    return p.min_content <= 0 or (
        LCSseq.similarity(content_a, content_b, score_cutoff=p.min_content) >= p.min_content
    )


def may_share_many(
    contents_a: Sequence[str | list[str]], contents_b: Sequence[str | list[str]], p: VerifyParams
) -> np.ndarray:
    """:func:`_may_share` of each pair ``(contents_a[i], contents_b[i])`` (content keys as
    :func:`prepare` makes them), in one call to rapidfuzz: a mask."""
    if p.min_content <= 0:
        return np.ones(len(contents_a), dtype=bool)
    if not len(contents_a):
        return np.zeros(0, dtype=bool)
    lcs = cpdist(contents_a, contents_b, scorer=LCSseq.similarity, score_cutoff=p.min_content)
    return np.asarray(lcs >= p.min_content)


def _align_keys(
    first: Prepared, second: Prepared, p: VerifyParams
) -> tuple[int, int, int, int, int, float, str, int] | None:
    """The best region of ``first`` against ``second`` (:class:`Alignment`'s fields), and how
    many words the two have in common in all (their longest common subsequence)."""
    max_gap = p.max_gap
    ka, kb, stops_before = first[0], second[0], first[2]
    # Matched blocks chained while the gaps between them are short; the chain with the most
    # content words (then matched words; the first on a tie) is the region.
    best: tuple[int, int, int, int, int, int] | None = None  # content, matched, a/b start, a/b end
    first_a = first_b = end_a = end_b = 0  # bounds of the current chain
    content = matched = common = 0
    started = False
    for blk in LCSseq.editops(ka, kb).as_matching_blocks():
        a, b, size = blk.a, blk.b, blk.size
        if not size:
            continue
        if not started:
            started = True
            first_a, first_b = a, b
        elif a - end_a > max_gap or b - end_b > max_gap:
            if best is None or (content, matched) > best[:2]:
                best = (content, matched, first_a, first_b, end_a, end_b)
            first_a, first_b = a, b
            content = matched = 0
        matched += size
        common += size
        content += size - (stops_before[a + size] - stops_before[a])
        end_a, end_b = a + size, b + size
    if not started:
        return None
    if best is None or (content, matched) > best[:2]:
        best = (content, matched, first_a, first_b, end_a, end_b)
    content, matched, a_start, b_start, a_end, b_end = best
    score = 2 * matched / ((a_end - a_start) + (b_end - b_start))
    if matched < p.min_tokens or content < p.min_content or score < p.min_score:
        return None
    cover_a = (a_end - a_start) / len(ka)
    cover_b = (b_end - b_start) / len(kb)
    near = cover_a >= p.near_coverage and cover_b >= p.near_coverage and score >= p.near_score
    if near:
        # The whole sentences are the copy: report them whole (matched words alone
        # would cut off a changed first or last word).
        a_start, a_end, b_start, b_end = 0, len(ka), 0, len(kb)
        score = 2 * matched / (len(ka) + len(kb))
    return a_start, a_end, b_start, b_end, matched, round(score, 4), NEAR if near else "partial", common


# --- the verify stage: candidate pairs aligned in tasks of an engine --------------------------


def neighbourhood_order(pairs: np.ndarray) -> np.ndarray:
    """An order of ``pairs`` (distinct sentence ids, one pair a row) keeping pairs that share a
    sentence near each other.

    Alignment tasks are cut from the pairs in order and each task tokenises the sentences it
    needs. Sorted by id, a sentence's pairs are spread over many tasks. Numbered in reverse
    Cuthill-McKee order of the graph of pairs (a breadth-first order, which keeps linked
    sentences close) and sorted by their lower number, far fewer sentences are tokenised twice.
    """
    if len(pairs) == 0:
        return np.empty(0, dtype=np.int64)
    from scipy.sparse import csr_matrix  # scipy comes with datasketch; loaded only here
    from scipy.sparse.csgraph import reverse_cuthill_mckee

    nodes = unique_sorted(pairs.ravel())
    n = len(nodes)
    # Node numbers as int32 where they fit: the graph's index arrays are the stage's largest
    # temporaries.
    index = np.int32 if n < 1 << 31 else np.int64
    a = np.searchsorted(nodes, pairs[:, 0]).astype(index)
    b = np.searchsorted(nodes, pairs[:, 1]).astype(index)
    del nodes
    graph = csr_matrix(
        (np.ones(2 * len(pairs), dtype=np.int8), (np.concatenate((a, b)), np.concatenate((b, a)))),
        shape=(n, n),
    )
    position = np.empty(n, dtype=np.int64)
    position[reverse_cuthill_mckee(graph, symmetric_mode=True)] = np.arange(n)
    del graph
    pa, pb = position[a], position[b]
    del a, b, position
    # Pairs are distinct, so each (lower, higher) position key is too: any sort gives one order.
    return np.argsort(np.minimum(pa, pb) << 32 | np.maximum(pa, pb))


def verify_on(
    engine: Engine,
    pairs: np.ndarray,
    token_of: Mapping[int, list[str]],
    params: VerifyParams,
    progress: VerifyProgress | None = None,
    read_here: Callable[[np.ndarray], Mapping[int, list[str]]] | None = None,
) -> list[NearRow]:
    """:func:`verify_pairs` over all ``pairs`` (rows of norm ids), in tasks of about
    ``sizes.VERIFY_CHUNK`` pairs on ``engine``: the rows of pairs that align, in pair order.

    A task carries the tokens it needs (or their texts: :class:`~tracer.text.TokensOnDemand`,
    tokenised where the task runs); on this machine, ``read_here(norms)`` gives instead where
    those texts are, for the worker to read them itself (see :class:`tracer.sentence_texts.SentenceTexts`).
    """
    return [
        row for part in verify_parts(engine, pairs, token_of, params, progress, read_here) for row in part
    ]


def verify_parts(
    engine: Engine,
    pairs: np.ndarray,
    token_of: Mapping[int, list[str]],
    params: VerifyParams,
    progress: VerifyProgress | None = None,
    read_here: Callable[[np.ndarray], Mapping[int, list[str]]] | None = None,
) -> Iterator[list[NearRow]]:
    """:func:`verify_on`'s rows a task at a time, as each task's come back (in pair order): the
    caller stores a task's while the workers align the next ones."""
    total = len(pairs)
    pieces = engine.pieces(total, sizes.VERIFY_CHUNK)
    bounds = np.linspace(0, total, pieces + 1).astype(np.int64).tolist()
    here = read_here if engine.on_this_machine else None
    tasks = (_verify_task(pairs[lo:hi], token_of, here) for lo, hi in itertools.pairwise(bounds))
    for part, done in zip(engine.map(_run_task, tasks, params), bounds[1:], strict=True):
        yield part
        if progress:
            progress(done, total)


def _verify_task(
    chunk: np.ndarray,
    token_of: Mapping[int, list[str]],
    read_here: Callable[[np.ndarray], Mapping[int, list[str]]] | None,
) -> tuple[np.ndarray, Mapping[int, list[str]]]:
    if read_here is not None:
        return chunk, read_here(unique_sorted(chunk.ravel()))
    needed = unique_sorted(chunk.ravel()).tolist()
    if isinstance(token_of, TokensOnDemand):  # the texts go, and are tokenised where they arrive
        return chunk, token_of.subset(needed)
    return chunk, {k: token_of[k] for k in needed}


def _run_task(task: tuple[np.ndarray, Mapping[int, list[str]]], params: VerifyParams) -> list[NearRow]:
    pairs, token_of = task
    return verify_pairs(pairs.tolist(), token_of, params)


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
    sentences = _PreparedSentences(token_of)
    passes = sentences.may_share(pairs, params)
    for n, (a, b) in enumerate(pairs):
        if passes is None or passes[n]:
            if a > b:
                a, b = b, a
            pa, pb = sentences.both(a, b)
            # passes: _may_share of every pair at once, where all were prepared together
            found = (
                _best_region(pa, pb, params)
                if passes is not None or _may_share(pa[1], pb[1], params)
                else None
            )
            if found is not None:
                rows.append((a, b, *found[:4], found[5], found[6]))
        if progress and (n + 1) % every == 0:
            progress(n + 1, total)
    return rows


class _PreparedSentences:
    """The prepared keys of sentences, each made once (a sentence is in several pairs). A task's
    texts are prepared all at once (tokens found in numpy), up to ``sizes.PREPARED_AT_ONCE``."""

    def __init__(self, token_of: Mapping[int, list[str]]) -> None:
        self.token_of = token_of
        self.prepared: dict[int, Prepared] = {}
        if isinstance(token_of, TokensOnDemand) and len(token_of) <= sizes.PREPARED_AT_ONCE:
            self.prepared = prepare_texts(token_of.all_texts())

    def may_share(self, pairs: Sequence[Sequence[int]], params: VerifyParams) -> np.ndarray | None:
        """Whether each pair shares enough content words to align (align_prepared's first test),
        for all pairs in one call where all were prepared together; else None."""
        prepared = self.prepared
        if not prepared or not all(a in prepared and b in prepared for a, b in pairs):
            return None
        return may_share_many([prepared[a][1] for a, _ in pairs], [prepared[b][1] for _, b in pairs], params)

    def of(self, norm: int) -> Prepared:
        got = self.prepared.get(norm)
        if got is None:
            got = self.prepared[norm] = prepare(self.token_of[norm])
        return got

    def both(self, a: int, b: int) -> tuple[Prepared, Prepared]:
        for _ in range(2):
            start = key_codes.generation
            pa, pb = self.of(a), self.of(b)
            if key_codes.generation == start:
                if isinstance(pa[0], str) == isinstance(pb[0], str):
                    return pa, pb
                break  # one is too long to be coded: the other as lists too
            self.prepared.clear()  # keys were numbered anew while these were made: what was made is void
        # Two sentences with more keys than there are characters: as lists of keys.
        return prepare_keys(self.token_of[a]), prepare_keys(self.token_of[b])
