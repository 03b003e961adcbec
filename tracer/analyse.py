"""The per-batch analysis: a batch of articles' sentences, their distinct sentences' MinHash
band keys and check bytes. A pure function of its input (:func:`analyse_articles`), so batches
run in any process an engine has.

Python does what needs rules (folding, sentence splitting's harder cases) per article; tokens,
lines, line ids and promo hints are found once for the whole batch. A batch of more than
``sizes.ANALYSE_WINDOW`` characters is analysed in parts, and an article longer than that in
windows of whole sentences (``sizes.ARTICLE_WINDOW``): the same sentences and signatures.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from .boilerplate import (
    FLAG_MASK,
    long_line_flag,
    long_line_sentence_flags,
    pack_flags,
    sentence_lines,
    sentence_shapes,
)
from .candidates import Banding, in_sorted_levels
from .engine import sizes
from .segment import _NL_CHARS, _NL_SET, split_many
from .shingles import Vocabulary, _ranges, unit_shingles
from .signatures import MinHasher
from .store import SENTENCE_DTYPE
from .text import (
    fold,
    fold_joined,
    long_line_id,
    rejoin_hyphenated,
    sequence_ids,
    token_table,
    token_text,
)

if TYPE_CHECKING:
    from .params import ScanParams

_vocabulary = Vocabulary()  # per process: token ids are private, hashes are not


@dataclass
class Analysed:
    """What :func:`analyse_articles` makes of a batch of articles.

    ``sentences``: one ``SENTENCE_DTYPE`` record per sentence; ``norms``, ``units``:
    the batch's distinct matchable sentences and their numbers of units; ``keys``:
    ``(bands, n_units)`` LSH band keys; ``checks``: ``(n_units, num_perm)`` one byte of
    each MinHash value, enough to estimate the Jaccard similarity of a candidate pair.
    """

    sentences: np.ndarray
    norms: np.ndarray
    units: np.ndarray
    keys: np.ndarray
    checks: np.ndarray
    # A batch analysed in parts: the parts after this one, each with its own sentence records and
    # distinct sentences (none of an earlier part's), made as they are asked for. For one long
    # article, all parts' band keys and checks held at once would be ~4.5 bytes a character.
    more: Iterator[Analysed] = field(default_factory=lambda: iter(()))

    def parts(self) -> Iterator[Analysed]:
        """This batch a part at a time, each let go of once given."""
        yield Analysed(self.sentences, self.norms, self.units, self.keys, self.checks)
        yield from self.more

    def select(self, keep: np.ndarray) -> Analysed:
        """The same batch with only the distinct sentences where ``keep`` is true."""
        if keep.all():
            return self
        unit_keep = np.repeat(keep, self.units)
        # compress and take: 2.5x and 5x faster than boolean indexing of these 2-d arrays.
        return Analysed(
            self.sentences,
            self.norms[keep],
            self.units[keep],
            np.compress(unit_keep, self.keys, axis=1),
            self.checks.take(np.flatnonzero(unit_keep), axis=0),
        )


class _LaterParts(Iterator[Analysed]):
    """:attr:`Analysed.more`: parts made as they are asked for. Pickled (a worker's result), they
    are all made first, once: a result pickled twice gives the same parts."""

    def __init__(self, parts: Iterator[Analysed]) -> None:
        self._parts = parts

    def __next__(self) -> Analysed:
        return next(self._parts)

    def __reduce__(self) -> tuple[Callable[[list[Analysed]], Iterator[Analysed]], tuple[list[Analysed]]]:
        made = list(self._parts)
        self._parts = iter(made)
        return iter, (made,)


def analyse_articles(items: list[tuple[int, str]], p: ScanParams) -> Analysed:
    """Sentences of ``(seq, text)`` articles, and their distinct sentences' band keys and checks.

    A pure function of its input, so batches can run in worker processes; the
    caller keeps only the distinct sentences the store does not have yet.
    """
    if sum(len(text) for _, text in items) <= sizes.ANALYSE_WINDOW:
        return _analyse(items, *split_many([text for _, text in items]), p)
    parts = _parts(items, p)
    first = next(parts)
    first.more = _LaterParts(parts)
    return first


def _parts(items: list[tuple[int, str]], p: ScanParams) -> Iterator[Analysed]:
    """:func:`analyse_articles` of a batch of more than ``sizes.ANALYSE_WINDOW`` characters, a part at a
    time: each distinct sentence is kept in the part where it first occurs."""
    seen = NormSet(np.empty(0, dtype=np.int64))

    def fresh(part: Analysed) -> Analysed:
        part = part.select(~seen.contains(part.norms))
        seen.add(part.norms)
        return part

    small: list[tuple[int, str]] = []
    size = 0
    for seq, text in items:
        if small and (size + len(text) > sizes.ANALYSE_WINDOW or len(text) > sizes.ANALYSE_WINDOW):
            yield fresh(_analyse(small, *split_many([text for _, text in small]), p))
            small, size = [], 0
        if len(text) > sizes.ANALYSE_WINDOW:
            yield from map(fresh, _article_windows(seq, text, p))
        else:
            small.append((seq, text))
            size += len(text)
    if small:
        yield fresh(_analyse(small, *split_many([text for _, text in small]), p))


def _article_windows(seq: int, text: str, p: ScanParams) -> Iterator[Analysed]:
    """One long article, a window of whole sentences at a time. Sentences, tokens and signatures
    are those of the whole text (no token crosses the whitespace or marker before a sentence); a
    window starts at a line's start where it can, and a line that a window's edge cuts is
    identified afresh, whole."""
    starts, ends, _ = split_many([text])
    begin, cut = _windows(text, starts.tolist())
    edges = [0] + [int(starts[k]) for k in begin[1:-1]] + [len(text)]
    lines = [
        (
            first_char,
            next_line,
            long_line_id(text, start, end, sizes.ARTICLE_WINDOW),
            long_line_flag(text, start, end, sizes.ARTICLE_WINDOW),
        )
        for start, end, first_char, next_line in cut
    ]
    for k in range(len(begin) - 1):
        lo, hi, a, b = begin[k], begin[k + 1], edges[k], edges[k + 1]
        part = _analyse([(seq, text[a:b])], starts[lo:hi] - a, ends[lo:hi] - a, np.array([hi - lo]), p)
        sentences = part.sentences
        sentences["start"] += a
        sentences["end"] += a
        sentences["idx"] += lo
        for first_char, next_line, line, flag in lines:
            on = slice(*np.searchsorted(sentences["start"], [first_char, next_line]).tolist())
            sentences["line"][on] = line
            if flag is None:  # each sentence's own (a long line, no promo): those of this window
                flags = long_line_sentence_flags(
                    text, sentences["start"][on], sentences["end"][on], sizes.ARTICLE_WINDOW
                )
            else:
                flags = np.full(on.stop - on.start, flag, dtype=np.int64)
            sentences["promo"][on] = (sentences["promo"][on] & ~FLAG_MASK) | flags  # shapes kept
        yield part


_LINE_BREAK = re.compile(f"[{_NL_CHARS}]")
_NON_SPACE = re.compile(r"\S")


def _windows(text: str, starts: list[int]) -> tuple[list[int], list[tuple[int, int, int, int]]]:
    """Where the windows of a long article begin (sentence numbers, then how many sentences),
    about ``sizes.ARTICLE_WINDOW`` characters apart; and the lines their edges cut, each as
    ``(start, end, first, next)``: its characters between line breaks, where it starts once
    folded and stripped, and where the next line does (its sentences start from ``first`` to
    ``next``, as sentences are given the last line to start at or before them).

    A window begins, where it can, at a sentence that is the first non-space of its line once
    folded: its lines, and those of the window before, are then those of the whole text."""
    begin: list[int] = [0]
    cut: list[tuple[int, int, int, int]] = []
    target = sizes.ARTICLE_WINDOW
    while True:
        k = max(bisect.bisect_left(starts, target), begin[-1] + 1)
        fallback, chosen = None, None
        while k < len(starts) and starts[k] < target + sizes.ARTICLE_WINDOW // 2:
            if not fold(text[starts[k]]).isspace():
                fallback = k if fallback is None else fallback
                if _starts_line(text, starts[k]):
                    chosen = k
                    break
            k += 1
        if k >= len(starts) and chosen is None and fallback is None:
            break
        if chosen is None and fallback is None:
            target += sizes.ARTICLE_WINDOW // 2
            continue
        pick = chosen if chosen is not None else fallback
        assert pick is not None
        at = starts[pick]
        if chosen is None and not (cut and at < cut[-1][1]):
            cut.append(_line_around(text, at, starts[begin[-1]] if len(begin) > 1 else 0))
        begin.append(pick)
        target = at + sizes.ARTICLE_WINDOW
    begin.append(len(starts))
    return begin, cut


def _starts_line(text: str, at: int) -> bool:
    """Whether only (folded) spaces lie between the line break before ``at`` and ``at``."""
    at -= 1
    while at >= 0 and text[at] not in _NL_SET and fold(text[at]).isspace():
        at -= 1
    return at < 0 or text[at] in _NL_SET


def _first_folded(text: str, at: int) -> int:
    """The first character from ``at`` that is not a space once folded (or the text's end)."""
    while (found := _NON_SPACE.search(text, at)) is not None and fold(found.group()).isspace():
        at = found.end()
    return len(text) if found is None else found.start()


def _line_around(text: str, at: int, after: int) -> tuple[int, int, int, int]:
    """:func:`_windows`'s ``(start, end, first, next)`` of the line holding ``at``, which starts
    at ``after`` or later (a sentence start before ``at`` that is the first of its line, or 0)."""
    start = max(after, max(text.rfind(c, after, at) for c in _NL_CHARS) + 1)
    found = _LINE_BREAK.search(text, at)
    end = len(text) if found is None else found.start()
    # (Sentences before the article's first line are given that line.)
    first = 0 if _first_folded(text, 0) >= start else _first_folded(text, start)
    return start, end, first, _first_folded(text, end)


def _analyse(
    items: list[tuple[int, str]],
    span_start: np.ndarray,
    span_end: np.ndarray,
    counts: np.ndarray,
    p: ScanParams,
) -> Analysed:
    """:func:`analyse_articles` of ``items`` split into the spans :func:`split_many` gives."""
    # Python does what needs rules (folding, sentence splitting's harder cases) per article;
    # tokens, lines, line ids and promo hints are found once for the whole batch, and which
    # sentence each token belongs to, how many tokens and content words each sentence has, are
    # array arithmetic.
    texts = [text for _, text in items]
    batch_text, offsets = fold_joined(texts)  # offsets: where each article starts in it
    plain = token_table(batch_text)  # lines are identified by these tokens, as stored lines are
    g_start = span_start + np.repeat(offsets, counts)
    g_end = span_end + np.repeat(offsets, counts)
    # Words hyphenated across line breaks made one token, never across two sentences.
    tok_at, tok_end, tok_key = rejoin_hyphenated(batch_text, plain, g_start)
    first_tok = np.searchsorted(tok_at, g_start)
    ntok_all = np.searchsorted(tok_at, g_end) - first_tok
    has = ntok_all > 0
    article_of = np.repeat(np.arange(len(items)), counts)[has]
    g_start, first_tok = g_start[has], first_tok[has]
    sentences = np.zeros(int(has.sum()), dtype=SENTENCE_DTYPE)
    sentences["article"] = np.array([seq for seq, _ in items], dtype=np.int64)[article_of]
    sentences["idx"] = (np.arange(len(span_start)) - np.repeat(np.cumsum(counts) - counts, counts))[has]
    sentences["start"] = span_start[has]
    sentences["end"] = span_end[has]
    ntok = ntok_all[has]
    sentences["ntok"] = ntok
    # Lines are identified by the plain tokens, as stored lines are; shapes by the matching ones.
    original = "\n".join(texts)
    sentences["line"], promo = sentence_lines(
        batch_text, offsets, plain[0], plain[2], article_of, g_start, g_end[has], original
    )
    del plain
    shapes = sentence_shapes(original, tok_at, tok_end, tok_key, first_tok, ntok)
    sentences["promo"] = pack_flags(promo, shapes)
    in_sentences = np.repeat(first_tok, ntok) + _ranges(ntok)
    token_ids = _vocabulary.ids_of_keys(
        tok_key[in_sentences],
        lambda i: token_text(batch_text, tok_at[in_sentences[i]], tok_end[in_sentences[i]]),
    )
    sentences["norm"] = sequence_ids(_vocabulary.exact_hash[token_ids], ntok)
    tok_start = np.cumsum(ntok) - ntok
    content = ~_vocabulary.stop_flags(p.verify.frequent)[token_ids]
    if len(sentences):
        sentences["ncontent"] = np.add.reduceat(content.astype(np.int64), tok_start)
    ok = (sentences["ntok"] >= p.min_tokens) & (sentences["ncontent"] >= p.min_content)
    # The first occurrence of each matchable norm, in sentence order.
    _, first = np.unique(np.where(ok, sentences["norm"], 0), return_index=True)
    keep = np.sort(first[ok[first]])
    if len(keep) == 0:
        empty = np.empty(0, dtype=np.int64)
        return Analysed(
            sentences, empty, empty, np.empty((p.bands, 0), np.uint32), np.empty((0, p.num_perm), np.uint8)
        )
    positions = np.repeat(tok_start[keep], ntok[keep]) + _ranges(ntok[keep])
    mask = content[positions]
    hashes = _vocabulary.key_hash[token_ids[positions[mask]]]
    lengths = np.add.reduceat(mask.astype(np.int64), np.cumsum(ntok[keep]) - ntok[keep])
    shingle_hashes, starts, units = unit_shingles(hashes, lengths, p.window, p.bigrams)
    # Signatures stay in the kernels' (num_perm, n) layout: band keys are cut from whole rows,
    # and only the check bytes (a quarter of the size) are transposed.
    sigs_t = MinHasher(p.num_perm, p.seed).signatures_by_perm(shingle_hashes, starts)
    keys = Banding(p.bands, p.rows).columns_by_perm(sigs_t)
    checks = np.ascontiguousarray(sigs_t.astype(np.uint8).T)  # the low byte of each value
    return Analysed(sentences, sentences["norm"][keep].astype(np.int64), units.astype(np.int64), keys, checks)


class NormSet:
    """A growing set of norm ids held as sorted numpy arrays (a few bytes each, not a Python int).

    Added arrays become sorted levels; a level is merged into the one before it once it is at
    least half its size, so sizes fall geometrically: O(log n) levels to search, and each id
    is merged O(log n) times (one growing sorted array re-sorted millions of ids a batch).

    Before the levels are searched, a bit per slot (eight slots or more an id, by the id's low
    bits: ids are hashes) says which ids may be in the set: an id whose slot is clear is not,
    and most asked are not.
    """

    def __init__(self, values: np.ndarray) -> None:
        self.levels = [np.sort(values)] if len(values) else []
        self.size = len(values)
        self._slots = 0
        self._bits = np.zeros(0, dtype=np.uint8)
        self._mark_all()

    def contains(self, x: np.ndarray) -> np.ndarray:
        out = np.zeros(len(x), dtype=bool)
        slot = self._slot(x)
        maybe = np.flatnonzero((self._bits[slot >> 3] >> (slot & 7).astype(np.uint8)) & 1)
        if len(maybe):
            out[maybe] = in_sorted_levels(x[maybe], self.levels)
        return out

    def add(self, x: np.ndarray) -> None:
        """Add ids not in the set yet."""
        if len(x) == 0:
            return
        self.levels.append(np.sort(x))
        while len(self.levels) > 1 and 2 * len(self.levels[-1]) >= len(self.levels[-2]):
            newer = self.levels.pop()
            # Two sorted runs: the stable sort (timsort for int64) merges them in linear time.
            self.levels[-1] = np.sort(np.concatenate((self.levels[-1], newer)), kind="stable")
        self.size += len(x)
        if 8 * self.size > self._slots:
            self._mark_all()  # twice the slots: each id is marked O(1) times on average
        else:
            self._mark(x)

    def _slot(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(x, dtype=np.int64).view(np.uint64) & np.uint64(self._slots - 1)

    def _mark(self, x: np.ndarray) -> None:
        slot = self._slot(x)
        np.bitwise_or.at(self._bits, slot >> 3, np.left_shift(1, slot & 7).astype(np.uint8))

    def _mark_all(self) -> None:
        self._slots = 1 << max(16, (16 * self.size - 1).bit_length())
        self._bits = np.zeros(self._slots >> 3, dtype=np.uint8)
        for level in self.levels:
            self._mark(level)

    def values(self) -> np.ndarray:
        if not self.levels:
            return np.empty(0, dtype=np.int64)
        return np.sort(np.concatenate(self.levels), kind="stable")
