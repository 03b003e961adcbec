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

from rapidfuzz.distance import LCSseq

from .errors import TracerError
from .text import is_content, match_key


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


def align(a_tokens: list[str], b_tokens: list[str], params: VerifyParams | None = None) -> Alignment | None:
    """The best shared region of two token sequences, or None if they share none."""
    p = params or VerifyParams()
    ka = [match_key(t) for t in a_tokens]
    kb = [match_key(t) for t in b_tokens]
    blocks = [blk for blk in LCSseq.editops(ka, kb).as_matching_blocks() if blk.size]
    if not blocks:
        return None
    best: tuple[int, int, int, int] | None = None  # (content, matched, first, last)
    first = 0
    for i in range(1, len(blocks) + 1):
        if i < len(blocks):
            prev, cur = blocks[i - 1], blocks[i]
            if cur.a - (prev.a + prev.size) <= p.max_gap and cur.b - (prev.b + prev.size) <= p.max_gap:
                continue
        chain = blocks[first:i]
        matched = sum(blk.size for blk in chain)
        content = sum(1 for blk in chain for k in ka[blk.a : blk.a + blk.size] if is_content(k))
        if best is None or (content, matched) > (best[0], best[1]):
            best = (content, matched, first, i - 1)
        first = i
    assert best is not None
    content, matched, lo, hi = best
    start, end = blocks[lo], blocks[hi]
    a_start, a_end = start.a, end.a + end.size
    b_start, b_end = start.b, end.b + end.size
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
