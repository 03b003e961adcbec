"""Boilerplate: text that is reused for reasons other than copying news.

Two kinds, both kept out of reported reuse by default:
- *promo lines*, recognised by their wording whatever the corpus ("sign up for our
  newsletter", "READ MORE:", "Source: Read Full Article", "Try 1 month free"): a single
  article is enough to know them, which matters for small corpora like the seeds;
- *templates*, recognised by frequency: a line an outlet prints in many of its own
  articles, or a line that recurs as such in several outlets (shared ads, syndication
  footers). Counts only grow as articles are added, so a line once a template stays
  one, and incremental scans agree with full ones.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import numpy as np

from .segment import line_table
from .text import fold, line_ids, whitespace_stretches

# Navigation lines, recognised by how they start.
_NAVIGATION = (
    r"^\W*(?:read more|read next|more coverage|most read|related(?: articles?| stories)?|see also|"
    r"advertisement|sponsored|trending|recommended|watch(?: now| live)?|listen|more on this story)\b\W*"
)
# Promos and ads, recognised anywhere in a line.
_PROMO_PATTERNS = [
    r"\b(?:sign(?:ing)? up|subscribe|register)\b.{0,80}\b(?:newsletter|alerts?|updates|e-?mails?|bulletin)",
    r"\bnewsletter\b.{0,60}\b(?:sign(?:ing)? up|subscribe|inbox|free|here)\b",
    r"\bsource:\s*read full article\b",
    r"\b(?:click|tap) here\b",
    r"\bdownload (?:the|our) (?:\w+ )?app\b",
    r"\b(?:try|get) (?:\d+|one|a) (?:month|week)s? (?:for )?free\b",
    r"\bfree trial\b",
    r"\boffer (?:available|ends|valid)\b",
    r"\blimited time only\b",
    r"\bfollow us on\b",
    r"\ball rights reserved\b",
    r"\bcopyright\b|\u00a9",
    r"\bstream your news\b",
    r"\bcookie(?:s| policy)\b.{0,40}\b(?:accept|consent|use)\b",
    r"\bshare (?:this|on) (?:article|story|facebook|twitter|whatsapp)\b",
]
PROMO_RE = re.compile("|".join(f"(?:{p})" for p in [_NAVIGATION, *_PROMO_PATTERNS]))
_NAVIGATION_RE = re.compile(_NAVIGATION)


# Every pattern that may match anywhere contains one of these; checking them first (plain
# substring tests) spares the regex on almost every line of news text. Navigation words
# ("more", "read", "watch"...) are common in news: they are tried only at a line's start.
_HINTS = (
    "sign", "subscri", "regist", "newsletter", "source:", "click", "tap here", "download", "free",
    "offer", "limited time", "follow us", "rights reserved", "copyright", "\u00a9", "stream your news",
    "cookie", "share",
)  # fmt: skip
# The hints found in every match of each pattern (one of them at least), in pattern order: a
# line is searched only with the patterns of the hints it holds (the whole alternation took
# 16 us a line with a hint, and common words such as "share" or "free" are hints).
_PATTERN_HINTS = (
    ("sign", "subscri", "regist"), ("newsletter",), ("source:",), ("click", "tap here"), ("download",),
    ("free",), ("free",), ("offer",), ("limited time",), ("follow us",), ("rights reserved",),
    ("copyright", "\u00a9"), ("stream your news",), ("cookie",), ("share",),
)  # fmt: skip


@functools.lru_cache(maxsize=1024)
def _patterns_of(hints: int) -> re.Pattern[str]:
    """The promo patterns any of whose hints is among ``hints`` (bit ``k``: ``_HINTS[k]``), as one regex."""
    held = {h for k, h in enumerate(_HINTS) if hints >> k & 1}
    chosen = [p for p, need in zip(_PROMO_PATTERNS, _PATTERN_HINTS, strict=True) if held.intersection(need)]
    return re.compile("|".join(f"(?:{p})" for p in chosen))


# Promos, ads and navigation lines are short; a long line is a paragraph of news.
PROMO_MAX_CHARS = 320


def is_promo(folded_line: str) -> bool:
    """Whether a folded (lower-cased) line reads as a promo, ad or navigation line."""
    return bool(promo_lines(folded_line, np.zeros(1, dtype=np.int64), np.full(1, len(folded_line)))[0])


def long_line_promo(text: str, start: int, end: int, size: int = 1 << 22) -> bool:
    """:func:`is_promo` of the line ``text[start:end]`` folded and stripped, folded ``size``
    characters at a time (a long line is no promo: only its stripped length is needed)."""
    first, last = end, start
    for lo, hi in whitespace_stretches(text, start, end, size):
        folded = fold(text[lo:hi])
        kept = folded.strip()
        if kept:
            first = min(first, lo + len(folded) - len(folded.lstrip()))
            last = lo + len(folded.rstrip())
    if last - first > PROMO_MAX_CHARS:
        return False
    return is_promo(fold(text[first:last])) if last > first else is_promo("")


def promo_lines(folded: str, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """:func:`is_promo` of each line ``folded[starts[i]:ends[i]]``: no longer than
    ``PROMO_MAX_CHARS``, and starting like navigation or holding a promo pattern.

    A scan asks this of every line of a batch of articles: each hint is looked for once in
    the short lines joined (``bytes.find`` from hit to hit), not in each line one by one.
    """
    starts = np.asarray(starts, dtype=np.int64)
    ends = np.asarray(ends, dtype=np.int64)
    flags = np.zeros(len(starts), dtype=bool)
    short = np.flatnonzero((ends - starts) <= PROMO_MAX_CHARS)
    if len(short) == 0:
        return flags
    lines = [folded[a:b] for a, b in zip(starts[short].tolist(), ends[short].tolist(), strict=True)]
    joined = "\n".join(lines)  # no hint holds a line break: none is found across two lines
    lengths = np.fromiter(map(len, lines), dtype=np.int64, count=len(lines))
    line_at = np.cumsum(lengths + 1) - (lengths + 1)
    # ASCII hints are looked for in bytes, one a character (others become "?"): str.find in
    # a text stored 2 or 4 bytes a character (any character beyond Latin-1) is slower.
    as_bytes = joined.encode("ascii", "replace")
    hinted = np.zeros(len(lines), dtype=np.int64)  # bit k: the line holds _HINTS[k]
    for bit, hint in enumerate(_HINTS):
        haystack, needle = (as_bytes, hint.encode("ascii")) if hint.isascii() else (joined, hint)
        hits = []
        at = haystack.find(needle)  # type: ignore[arg-type]
        while at >= 0:
            hits.append(at)
            at = haystack.find(needle, at + 1)  # type: ignore[arg-type]
        if hits:
            hinted[np.searchsorted(line_at, np.array(hits, dtype=np.int64), side="right") - 1] |= 1 << bit
    for k, (text, hints) in enumerate(zip(lines, hinted.tolist(), strict=True)):
        if _NAVIGATION_RE.match(text) is not None or (hints and _patterns_of(hints).search(text) is not None):
            flags[short[k]] = True
    return flags


def sentence_lines(
    folded: str,
    offsets: np.ndarray,
    tok_at: np.ndarray,
    tok_key: np.ndarray,
    article_of: np.ndarray,
    starts: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """The id of the line each sentence starts on, and whether that line is a promo line.

    ``folded``: a batch of folded articles joined by line breaks, article ``k`` from
    ``offsets[k]``; ``tok_at``, ``tok_key``: its :func:`~tracer.text.token_table`; sentence
    ``i`` of article ``article_of[i]`` starts at ``starts[i]`` of ``folded``.
    """
    line_at, line_end = line_table(folded)
    if len(line_at) == 0:
        zero = np.zeros(len(starts), dtype=np.int64)
        return zero, zero
    # A sentence starts at a non-space character, so inside a line; clamped to its article's first
    # line all the same, as a sentence is never given another article's line.
    lines_per_article = np.bincount(
        np.searchsorted(offsets, line_at, side="right") - 1, minlength=len(offsets)
    )
    line_first = np.cumsum(lines_per_article) - lines_per_article
    line_of = np.maximum(np.searchsorted(line_at, starts, side="right") - 1, line_first[article_of])
    ids = line_ids(folded, line_at, line_end, tok_at, tok_key)
    return ids[line_of], promo_lines(folded, line_at, line_end)[line_of].astype(np.int64)


@dataclass(frozen=True)
class BoilerplateParams:
    outlet_repeats: int = 3  # a line in this many articles of one outlet is its template
    shared_outlets: int = 2  # ... or in 2+ articles of each of this many outlets


def line_rows(
    line: np.ndarray, article: np.ndarray, outlet: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``line``, ``article``, ``outlet`` of the first sentence of each run of sentences on one
    line of an article with a known outlet: what :func:`template_lines` counts.

    The sentences of one line are stored one after another, so this can be taken a stored batch
    at a time and the parts joined (3.5 M sentences, 1.3 M lines at 10^5 simulated articles).
    """
    known = outlet >= 0
    line, article, outlet = line[known], article[known], outlet[known]
    new_line = np.ones(len(line), dtype=bool)
    new_line[1:] = (line[1:] != line[:-1]) | (article[1:] != article[:-1])
    return line[new_line], article[new_line], outlet[new_line]


def template_lines(
    line: np.ndarray, article: np.ndarray, outlet: np.ndarray, params: BoilerplateParams | None = None
) -> set[int]:
    """Ids of lines that are templates, from stored sentences given as columns.

    ``line``, ``article`` and ``outlet`` hold each sentence's line id, article and
    outlet code (negative: outlet unknown, never a template by counts).
    """
    p = params or BoilerplateParams()
    line, article, outlet = line_rows(line, article, outlet)
    # One row per distinct (line, outlet, article), grouped by (line, outlet).
    order = np.lexsort((article, outlet, line))
    line, outlet, article = line[order], outlet[order], article[order]
    distinct = np.ones(len(line), dtype=bool)
    distinct[1:] = (line[1:] != line[:-1]) | (outlet[1:] != outlet[:-1]) | (article[1:] != article[:-1])
    line, outlet = line[distinct], outlet[distinct]
    first = np.ones(len(line), dtype=bool)
    first[1:] = (line[1:] != line[:-1]) | (outlet[1:] != outlet[:-1])
    starts = np.flatnonzero(first)
    articles = np.diff(np.append(starts, len(line)))  # articles of each (line, outlet)
    group_line = line[starts]
    found = set(group_line[articles >= p.outlet_repeats].tolist())
    repeated = group_line[articles >= 2]  # sorted by line; one entry per outlet
    if len(repeated):
        edge = np.flatnonzero(np.append(True, repeated[1:] != repeated[:-1]))
        outlets = np.diff(np.append(edge, len(repeated)))
        found.update(repeated[edge][outlets >= p.shared_outlets].tolist())
    return found
