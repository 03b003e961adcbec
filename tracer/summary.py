"""Summaries of a store: corpus figures, top echoed passages, one article with its reuse marked."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .errors import TracerError
from .matches import Match, iter_matches, query
from .store import Store


def corpus_summary(store: Store, top: int = 5) -> dict[str, Any]:
    """Counts, kinds and the passages echoed by the most articles."""
    counts = store.counts()
    kinds: Counter[str] = Counter()
    passages = _Passages()
    for m in iter_matches(store, scope="cross-outlet"):
        kinds[m.kind] += 1
        passages.add(m)
    counts["kinds"] = {k: kinds[k] for k in sorted(kinds)}
    counts["top_echoed"] = passages.top(top)
    return counts


Span = tuple[str, int, int]  # article id, start, end


class _Passages:
    """Passages told from the matches: the spans that matches link, exactly as stored, joined
    (union-find). Every copy is the source of the later copies' matches, so counting by source
    span listed a passage 16 articles print once per carrier (15, 14, 13... echoes)."""

    def __init__(self) -> None:
        self.parent: dict[Span, Span] = {}
        self.text: dict[Span, str] = {}
        self.published: dict[Span, str | None] = {}

    def _root(self, span: Span) -> Span:
        self.parent.setdefault(span, span)
        while (up := self.parent[span]) != span:
            self.parent[span] = self.parent[up]  # path halving keeps the trees flat
            span = up
        return span

    def add(self, m: Match) -> None:
        source, target = (m.source_id, *m.source_span), (m.target_id, *m.target_span)
        self.text[source], self.text[target] = m.source_text, m.target_text
        self.published[source], self.published[target] = m.source_published, m.target_published
        a, b = self._root(source), self._root(target)
        if a != b:
            self.parent[b] = a

    def top(self, n: int) -> list[dict[str, Any]]:
        """The ``n`` passages printed by the most articles: each with its earliest carrier's
        span and text, and how many other articles print it (its echoes). A passage mostly
        inside one listed before it, in one of its articles, is that passage again (a copy cut
        shorter, or a match of part of it) and is left out."""
        groups: dict[Span, list[Span]] = {}
        for span in self.parent:
            groups.setdefault(self._root(span), []).append(span)
        ranked: list[tuple[int, Span, list[Span]]] = []
        for spans in groups.values():
            # The earliest dated carrier shows the passage (undated ones last), then by id.
            first = min(spans, key=lambda s: (self.published[s] is None, self.published[s] or "", s))
            ranked.append((len({s[0] for s in spans}) - 1, first, spans))
        ranked.sort(key=lambda e: (-e[0], e[1]))
        listed: dict[str, list[tuple[int, int]]] = {}
        out: list[dict[str, Any]] = []
        for echoes, first, spans in ranked:
            if len(out) >= n:
                break
            if any(_mostly_inside(s, listed.get(s[0], ())) for s in spans):
                continue
            for aid, start, end in spans:
                listed.setdefault(aid, []).append((start, end))
            text = " ".join(self.text[first].split())
            out.append(
                {"source_id": first[0], "source_span": [first[1], first[2]], "echoes": echoes, "text": text}
            )
        return out


def _mostly_inside(span: Span, listed: Iterable[tuple[int, int]]) -> bool:
    """Whether half of ``span`` or more lies inside one of the ``listed`` (start, end) spans."""
    _, start, end = span
    return any(2 * (min(end, b) - max(start, a)) >= end - start for a, b in listed)


def nothing_to_show(counts: dict[str, Any]) -> str | None:
    """Why a store with these :meth:`~tracer.store.Store.counts` shows no reuse (a phrase to follow
    "no claims: ", "no reuse found: "...); None where it has some. A scan that finds nothing
    is a result, and the queries after it say so rather than print empty tables."""
    n, unscanned, hidden = counts["articles"], counts["unscanned"], counts["boilerplate_matches"]
    if n == 0:
        return "the store holds no articles (add some with `tracer run PATH`)"
    if unscanned:
        verb = "is" if unscanned == 1 else "are"
        return f"{unscanned:,} of the {_many(n, 'article')} {verb} not scanned yet (run `tracer scan`)"
    if counts.get("changed"):
        return "articles were edited or removed since the last scan (run `tracer scan`)"
    if counts["matches"]:
        return None
    if n == 1:
        return "the store holds one article, and reuse takes two"
    banal = counts.get("banal_matches", 0)
    if banal and not hidden:
        return (
            f"the {n:,} articles share only stock phrases ({_many(banal, 'banal match')} hidden; "
            "`tracer matches --include-banal` lists them)"
        )
    if hidden:
        more = f"; {_many(banal, 'banal match')}: `--include-banal`" if banal else ""
        return (
            f"the {n:,} articles share only boilerplate ({_many(hidden, 'match')} of ads, promos or "
            f"templates hidden; `tracer matches --include-boilerplate` lists them{more})"
        )
    return f"no passage of the {n:,} articles appears in another"


def article_not_shown(store: Store, article_id: str) -> str | None:
    """Why the reuse of the article ``article_id`` (a full id) is not shown yet, and what to run;
    None where the last scan shows it. Like :func:`nothing_to_show`: no reuse found is a result,
    an article no scan has done is not."""
    if not store.is_scanned(article_id):
        return "not scanned yet: run `tracer scan`"
    if any(store.changes_since_scan().values()):
        return "articles were edited or removed since the last scan: run `tracer scan`"
    return None


def metadata_warnings(counts: dict[str, Any]) -> list[str]:
    """What a reader of the results must know about the articles' metadata, each with the command
    that fixes it: undated articles (placed by text alone), articles of unknown outlet (each kept
    as an outlet of its own), changes the last scan has not seen."""
    out = []
    undated, unknown, changed = counts["undated"], counts.get("unknown_outlet", 0), counts.get("changed", 0)
    if undated:
        out.append(
            f"{_many(undated, 'article')} undated: placed by their text alone, with no lag "
            "(list them with `tracer articles --undated`; set a date with `tracer edit ID --date DATE`)"
        )
    if unknown:
        out.append(
            f"{_many(unknown, 'article')} of unknown outlet, each shown as an outlet of its own "
            "(list them with `tracer articles --unknown-outlet`; set one with `tracer edit ID --outlet NAME`)"
        )
    if changed:
        out.append(
            f"{_many(changed, 'article')} edited or removed since the last scan: matches and claims do not "
            "show it yet (run `tracer scan`)"
        )
    return out


def _many(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "es" if noun.endswith("ch") else "s")


@dataclass
class MarkedSpan:
    start: int
    end: int
    matches: list[Match] = field(default_factory=list)
    # each match's words in the other article, inside their sentence, marked [[...]]
    contexts: list[str] = field(default_factory=list)


def resolve_article(store: Store, article_id: str) -> str:
    """The full id for ``article_id`` or a unique prefix of it."""
    if not article_id.strip():  # the empty prefix starts every id: it names no one article
        raise TracerError(
            "the article id is empty", "give an id, or its first characters, from `tracer articles`"
        )
    ids = store.find_article_ids(article_id)
    if not ids:
        raise TracerError(f"no article with id {article_id!r}", "list ids with `tracer articles`")
    if len(ids) > 1:
        raise TracerError(f"{article_id!r} matches several articles: {', '.join(ids)}", "give more of the id")
    return ids[0]


def marked_article(
    store: Store, article_id: str, include_boilerplate: bool = False
) -> tuple[Any, list[MarkedSpan]]:
    """The article and its reused spans (overlapping ones merged), each with the matches behind it
    and their words in the other article inside their sentence."""
    from .queries import span_contexts  # it imports this module

    full_id = resolve_article(store, article_id)
    article = store.article(full_id)
    spans: list[tuple[int, int, Match]] = []
    for m in query(store, article_id=full_id, include_boilerplate=include_boilerplate):
        span = m.source_span if m.source_id == full_id else m.target_span
        spans.append((span[0], span[1], m))
    spans.sort(key=lambda s: (s[0], s[1], s[2].id))
    merged: list[MarkedSpan] = []
    for start, end, m in spans:
        if merged and start < merged[-1].end:
            merged[-1].end = max(merged[-1].end, end)
            merged[-1].matches.append(m)
        else:
            merged.append(MarkedSpan(start, end, [m]))
    others = [
        (m.target_id, *m.target_span) if m.source_id == full_id else (m.source_id, *m.source_span)
        for marked in merged
        for m in marked.matches
    ]
    found = iter(span_contexts(store, others))
    for marked in merged:
        marked.contexts = [next(found)[1] for _ in marked.matches]
    return article, merged


def render_marked(article: Any, spans: list[MarkedSpan], not_shown: str | None = None) -> str:
    """Plain text: reused spans in ``[[...]]`` with a numbered note, then where each also appears;
    ``not_shown``: why no span may be shown (:func:`article_not_shown`)."""
    text = article.text
    out: list[str] = []
    pos = 0
    for n, span in enumerate(spans, 1):
        out.append(text[pos : span.start])
        out.append(f"[[{text[span.start : span.end]}]]({n})")
        pos = span.end
    out.append(text[pos:])
    head = [
        f"id: {article.id}",
        f"outlet: {article.outlet or 'unknown'} ({article.outlet_source})",
        f"published: {article.published or 'unknown'} ({article.published_source})",
        f"title: {article.title or ''}",
        f"reused spans: {len(spans)}" + (f" ({not_shown})" if not_shown and not spans else ""),
        "",
    ]
    notes = [""]
    for n, span in enumerate(spans, 1):
        for m, context in zip(span.matches, span.contexts or [""] * len(span.matches), strict=True):
            other, other_text = (
                (m.target_id, m.target_text) if m.source_id == article.id else (m.source_id, m.source_text)
            )
            outlet = m.target_outlet if m.source_id == article.id else m.source_outlet
            date = m.target_published if m.source_id == article.id else m.source_published
            role = (
                "copied by"
                if m.source_id == article.id and m.direction == "forward"
                else ("copied from" if m.direction == "forward" else "also in")
            )
            notes.append(
                f"({n}) {role} {other} ({outlet or 'unknown outlet'}, {date or 'undated'}) "
                f'{m.kind} {m.score:.2f} {m.scope}: "{context or " ".join(other_text.split())}"'
            )
    return "\n".join(head) + "".join(out) + "\n" + "\n".join(notes) + "\n"
