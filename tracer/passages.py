"""Passages: reused text listed once with every article that prints it, and every pair of its
carriers made on demand.

A scan stores each passage (a sentence, or a run of sentences every carrier prints one after
another, printed alike by two articles or more) with its occurrences: N rows for N carriers.
``tracer matches`` lists stored matches: every pair of carriers of a passage few articles print,
and for one many print, each occurrence with the one it most likely came from.
:func:`all_pairs` makes the other pairs of those from the passages as they are read, never
holding more than one passage's occurrences.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import queries
from .banality import BANAL, BOILERPLATE
from .matches import Match, _published_order
from .store import Store
from .text import fold, rejoin_hyphenated, token_table


@dataclass(slots=True)
class _Occurrence:
    article_id: str
    start: int
    end: int
    boilerplate: bool
    outlet: str | None = None
    published: str | None = None
    text: str = ""


def _occurrences(store: Store, passage_id: int, sentences: int = 1) -> list[_Occurrence]:
    """The occurrences of a passage (its run of ``sentences`` from ``passage_id``), by article id
    and place, with their articles' outlet and date and their text."""
    heads = queries.passage_occurrences(store, passage_id)
    # A run's parts are the passages after its first, each occurrence right after the one before.
    tails = queries.passage_occurrences(store, passage_id + sentences - 1) if sentences > 1 else heads
    found = [_Occurrence(h[0], h[2], t[3], bool(h[4])) for h, t in zip(heads, tails, strict=True)]
    meta = store.article_meta({o.article_id for o in found})
    for o, text in zip(found, store.span_texts([(o.article_id, o.start, o.end) for o in found]), strict=True):
        o.outlet, o.published = meta[o.article_id]
        o.text = text
    return found


@dataclass(frozen=True)
class _Filters:
    outlet: str | None
    min_score: float
    include_boilerplate: bool
    scope: str
    article_id: str | None
    include_banal: bool

    def keep(self, x: _Occurrence, y: _Occurrence, score: float, banal: bool) -> tuple[bool, str, bool, bool]:
        """Whether the pair is listed, its scope and whether it is boilerplate or else banal (as
        the scan would store it: an outlet's own boilerplate repeated is not a match at all)."""
        boiler = x.boilerplate or y.boilerplate
        banal = banal and not boiler  # one reason to hide a match
        same = x.outlet is not None and x.outlet == y.outlet
        scope = "same-outlet" if same else "cross-outlet"
        ok = not (boiler and same) and score >= self.min_score and self.scope in ("all", scope)
        ok = ok and (self.include_boilerplate or not boiler) and (self.include_banal or not banal)
        if ok and self.outlet is not None:
            wanted = self.outlet.lower()
            ok = (x.outlet or "").lower() == wanted or (y.outlet or "").lower() == wanted
        if ok and self.article_id is not None:
            ok = self.article_id in (x.article_id, y.article_id)
        return ok, scope, boiler, banal


def all_pairs(
    store: Store,
    outlet: str | None = None,
    min_score: float = 0.0,
    include_boilerplate: bool = False,
    scope: str = "all",
    article_id: str | None = None,
    include_banal: bool = False,
) -> Iterator[Match]:
    """Every pair of occurrences, in two articles, of each linked passage (one with more
    occurrences than the scan's ``fanout``) and of each near copy of one, as matches without an
    id: the pairs the stored links stand for. Made as they are read, a passage at a time. (Of a
    passage that is boilerplate wherever it is printed, one pair is stored, as before.)"""
    keep = _Filters(outlet, min_score, include_boilerplate, scope, article_id, include_banal)
    for head, sentences, flags in queries.linked_passages(store):
        found = _occurrences(store, head, sentences)
        for i, x in enumerate(found):
            for y in found[i + 1 :]:
                if x.article_id != y.article_id:
                    yield from _pair(x, y, 1.0, "verbatim", sentences, bool(flags & BANAL), keep)
    for a_id, b_id, a0, a1, b0, b1, score, kind, flags in queries.passage_links(store):
        side_a = [_region(o, a0, a1) for o in _occurrences(store, a_id)]
        side_b = [_region(o, b0, b1) for o in _occurrences(store, b_id)]
        for x in side_a:
            for y in side_b:
                if x.article_id != y.article_id:
                    first, second = (x, y) if x.article_id < y.article_id else (y, x)
                    yield from _pair(first, second, score, kind, 1, bool(flags & BANAL), keep)


def _pair(
    x: _Occurrence, y: _Occurrence, score: float, kind: str, sentences: int, banal: bool, keep: _Filters
) -> Iterator[Match]:
    """The match of two occurrences (``x``'s article id sorting first), oriented by date as the
    scan orients stored ones, if the filters keep it."""
    ok, scope, boiler, banal = keep.keep(x, y, score, banal)
    if not ok:
        return
    order = _published_order(x.published, y.published)
    source, target = (y, x) if order > 0 else (x, y)
    yield Match(
        id=None, source_id=source.article_id, target_id=target.article_id,
        direction="unknown" if order == 0 else "forward", source_span=(source.start, source.end),
        target_span=(target.start, target.end), source_text=source.text, target_text=target.text,
        score=score, kind=kind, scope=scope, boilerplate=boiler, sentences=sentences,
        source_outlet=source.outlet, target_outlet=target.outlet, source_published=source.published,
        target_published=target.published, banal=banal,
    )  # fmt: skip


def _region(o: _Occurrence, first: int, last: int) -> _Occurrence:
    """The occurrence cut to its tokens ``[first, last)`` (all of it where that is every token),
    as the scan cuts a near pair's pieces."""
    folded = fold(o.text)
    tok_at, tok_end, _ = rejoin_hyphenated(folded, token_table(folded), np.zeros(1, dtype=np.int64))
    n = len(tok_at)
    if n == 0 or (first == 0 and last >= n):
        return o
    f, e = min(max(first, 0), n - 1), min(max(last - 1, 0), n - 1)
    start, end = int(tok_at[f]), int(tok_end[e])
    return _Occurrence(o.article_id, o.start + start, o.start + end, o.boilerplate, o.outlet, o.published,
                       o.text[start:end])  # fmt: skip


PASSAGE_COLUMNS = ["id", "carriers", "outlets", "sentences", "first_seen", "origin_id", "text"]
OCCURRENCE_COLUMNS = [
    "passage_id", "carriers", "sentences", "article_id", "outlet", "published", "start", "end", "boilerplate",
    "text",
]  # fmt: skip


def iter_passages(
    store: Store, include_boilerplate: bool = False, limit: int | None = None, include_banal: bool = False
) -> Iterator[dict[str, Any]]:
    """Each passage printed by two articles or more, most widely printed first (then by id), with
    every occurrence, earliest first: a dict a passage, made as the iterator is read. Passages
    that are boilerplate wherever they are printed, or banal (stock phrases), are left out unless
    ``include_boilerplate``, ``include_banal``."""
    rows = queries.printed_passages(store, include_boilerplate, include_banal, limit)
    for pid, sentences, carriers, flags, linked in rows:
        found = sorted(
            _occurrences(store, pid, sentences),
            key=lambda o: (o.published is None, o.published or "", o.article_id, o.start),
        )
        dates = [o.published for o in found if o.published]
        yield {
            "id": pid,
            "carriers": carriers,
            "outlets": len({o.outlet for o in found if o.outlet is not None}),
            "sentences": sentences,
            "first_seen": dates[0] if dates else None,
            "last_seen": dates[-1] if dates else None,
            "origin_id": found[0].article_id,
            "linked": bool(linked),
            "boilerplate": bool(flags & BOILERPLATE),
            "banal": bool(flags & BANAL),
            "text": found[0].text,
            "occurrences": [
                {
                    "article_id": o.article_id,
                    "outlet": o.outlet,
                    "published": o.published,
                    "start": o.start,
                    "end": o.end,
                    "boilerplate": o.boilerplate,
                }
                for o in found
            ],  # fmt: skip
        }


def occurrence_rows(passages: Iterator[dict[str, Any]], store: Store) -> Iterator[dict[str, Any]]:
    """One row per occurrence of each passage (for CSV), with the occurrence's own text."""
    for p in passages:
        spans = [(o["article_id"], o["start"], o["end"]) for o in p["occurrences"]]
        for o, text in zip(p["occurrences"], store.span_texts(spans), strict=True):
            yield {
                "passage_id": p["id"],
                "carriers": p["carriers"],
                "sentences": p["sentences"],
                **o,
                "text": text,
            }
