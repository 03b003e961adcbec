"""Verify a candidate pair of sentences and find the span of text they share.

Sentences are compared as token sequences (folded tokens reduced to match keys),
aligned with rapidfuzz's LCS. Matched blocks separated by short gaps (a word or
a few changed, inserted or dropped) are chained into regions; the region with the
most matched content words is the reused span. So a clause copied into a longer,
rewritten sentence is reported with the span that matches, not missed because
the whole sentences differ.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import filterfalse

from rapidfuzz.distance import LCSseq

from .errors import TracerError
from .text import STOPWORDS, match_key


@dataclass(frozen=True)
class VerifyParams:
    max_gap: int = 4  # tokens skipped on either side inside one region
    min_tokens: int = 5  # matched tokens in a region
    min_content: int = 4  # matched content (non-stop) words: fewer is a name or a stock phrase
    min_score: float = 0.5  # Dice of matched tokens over the region lengths
    near_coverage: float = 0.8  # share of both sentences a near-verbatim region covers
    near_score: float = 0.8

    def __post_init__(self) -> None:
        if not 0.0 <= self.min_score <= 1.0:
            raise TracerError(f"min_score must be in 0..1, got {self.min_score}")
        if self.max_gap < 0 or self.min_tokens < 1 or self.min_content < 0:
            raise TracerError("max_gap, min_tokens and min_content must be non-negative")


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


class _KeyCache(dict[str, str]):
    """token -> :func:`match_key` of it, filled on first use (tokens repeat massively)."""

    def __missing__(self, token: str) -> str:
        key = self[token] = match_key(token)
        return key


_key_of = _KeyCache().__getitem__
_is_stop = STOPWORDS.__contains__  # is_content(key) is ``not _is_stop(key)``


Prepared = tuple[list[str], list[str]]  # a sentence's match keys, and its content words' keys


def prepare(tokens: list[str]) -> Prepared:
    """What aligning a sentence needs of it: done once per sentence, not once per pair it is in."""
    keys = list(map(_key_of, tokens))
    return keys, list(filterfalse(_is_stop, keys))


def align(a_tokens: list[str], b_tokens: list[str], params: VerifyParams | None = None) -> Alignment | None:
    """The best shared region of two token sequences, or None if they share none."""
    p = params or VerifyParams()
    (ka, ca), (kb, cb) = prepare(a_tokens), prepare(b_tokens)
    return _align_keys(ka, kb, p) if _may_share(ca, cb, p) else None


def align_either_way(
    a_tokens: list[str], b_tokens: list[str], params: VerifyParams | None = None
) -> Alignment | None:
    """:func:`align` both ways round; the region that matches more words, then spans more text
    (the fuller account of what was copied), then scores higher, with ``a``'s offsets first.

    The LCS picks one of several equal alignments depending on which sequence comes first;
    a caller whose order means nothing (sentences ordered by id) gets the same answer
    whichever it passes first, up to a full tie.
    """
    return align_prepared(prepare(a_tokens), prepare(b_tokens), params or VerifyParams())


def align_prepared(a: Prepared, b: Prepared, p: VerifyParams) -> Alignment | None:
    """:func:`align_either_way` of two :func:`prepare`-d sentences."""
    (ka, ca), (kb, cb) = a, b
    if not _may_share(ca, cb, p):
        return None
    forward = _align_keys(ka, kb, p)
    back = _align_keys(kb, ka, p)
    found = [forward] if forward is not None else []
    if back is not None:
        found.append(
            Alignment(back.b_start, back.b_end, back.a_start, back.a_end, back.matched, back.score, back.kind)
        )
    if not found:
        return None
    return max(
        found, key=lambda x: (x.matched, x.a_end - x.a_start + x.b_end - x.b_start, x.score, x is forward)
    )


def _may_share(content_a: list[str], content_b: list[str], p: VerifyParams) -> bool:
    # A region's matched content words are a common subsequence of the two sentences' content
    # words: when the longest one is too short, no region can pass (most candidates end here).
    return p.min_content <= 0 or (
        LCSseq.similarity(content_a, content_b, score_cutoff=p.min_content) >= p.min_content
    )


def _align_keys(ka: list[str], kb: list[str], p: VerifyParams) -> Alignment | None:
    max_gap = p.max_gap
    # Matched blocks chained while the gaps between them are short; the chain with the most
    # content words (then matched words; the first on a tie) is the region.
    best: tuple[int, int, int, int, int, int] | None = None  # content, matched, a/b start, a/b end
    first_a = first_b = end_a = end_b = 0  # bounds of the current chain
    content = matched = 0
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
        content += size - sum(map(_is_stop, ka[a : a + size]))
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
    return Alignment(
        a_start, a_end, b_start, b_end, matched, round(score, 4), "near-verbatim" if near else "partial"
    )
