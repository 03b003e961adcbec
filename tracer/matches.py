"""Matches: reused passages between two articles, and queries over them.

A scan stores *pieces of evidence* per distinct sentence (identical sentences share
an id; near pairs carry the token span they share). ``rebuild`` turns them into
matches between articles: each occurrence pair becomes a sentence-level piece with
character offsets into the stored texts, neighbouring pieces merge into passages,
boilerplate is flagged, and source/target are set by publication date.
"""

from __future__ import annotations

import functools
import itertools
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from .boilerplate import template_lines
from .candidates import isin
from .store import Store
from .text import fold, token_table

KINDS = ("verbatim", "near-verbatim", "partial")


@dataclass(slots=True)
class _Piece:
    x_idx: int
    x_start: int
    x_end: int
    y_idx: int
    y_start: int
    y_end: int
    score: float
    kind: str
    boilerplate: bool


@dataclass(frozen=True)
class Match:
    """One reused passage. Spans are ``[start, end)`` offsets into the stored texts."""

    id: int
    source_id: str
    target_id: str
    direction: str  # "forward": source published first; "unknown": dates missing or equal
    source_span: tuple[int, int]
    target_span: tuple[int, int]
    source_text: str
    target_text: str
    score: float
    kind: str
    scope: str  # "cross-outlet" or "same-outlet"
    boilerplate: bool
    sentences: int
    source_outlet: str | None
    target_outlet: str | None
    source_published: str | None
    target_published: str | None

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "source_id": self.source_id,
            "target_id": self.target_id,
            "direction": self.direction,
            "source_span": list(self.source_span),
            "target_span": list(self.target_span),
            "source_text": self.source_text,
            "target_text": self.target_text,
            "score": self.score,
            "kind": self.kind,
            "scope": self.scope,
            "boilerplate": self.boilerplate,
            "sentences": self.sentences,
            "source_outlet": self.source_outlet,
            "target_outlet": self.target_outlet,
            "source_published": self.source_published,
            "target_published": self.target_published,
        }


def rebuild(store: Store, min_tokens: int, min_content: int) -> int:
    """Recompute the ``matches`` table from sentences, near pairs and boilerplate. Returns its size."""
    conn = store.conn
    articles = conn.execute("SELECT seq, id, outlet, published FROM articles").fetchall()
    meta = {r[1]: (r[2], r[3]) for r in articles}
    size = max((r[0] for r in articles), default=0) + 1
    id_of = [""] * size
    outlet_code = np.full(size, -1, dtype=np.int64)
    id_rank = np.zeros(size, dtype=np.int64)  # rank of the article id in string order
    outlets = {o: k for k, o in enumerate(sorted({r[2] for r in articles if r[2] is not None}))}
    for rank, (seq, art, outlet, _) in enumerate(sorted(articles, key=lambda r: r[1])):
        id_of[seq] = art
        id_rank[seq] = rank
        if outlet is not None:
            outlet_code[seq] = outlets[outlet]
    sentences = store.sentences()
    norm, article = sentences["norm"], sentences["article"]
    templates = template_lines(sentences["line"], article, outlet_code[article])

    # Norms found in two or more articles, among sentences long enough to match.
    ok = (sentences["ntok"] >= min_tokens) & (sentences["ncontent"] >= min_content)
    n_ok, a_ok = norm[ok], article[ok]
    order = np.lexsort((a_ok, n_ok))
    n_ok, a_ok = n_ok[order], a_ok[order]
    # Sorted by (norm, article): a norm seen in another article right after itself is repeated.
    dup_norms = set(n_ok[1:][(n_ok[1:] == n_ok[:-1]) & (a_ok[1:] != a_ok[:-1])].tolist())
    near_rows = conn.execute("SELECT * FROM near ORDER BY norm_a, norm_b").fetchall()
    near_norms = {r[0] for r in near_rows} | {r[1] for r in near_rows}
    wanted = np.array(sorted(dup_norms | near_norms), dtype=np.int64)
    rows = sentences[isin(norm, wanted)]
    rows = rows[np.lexsort((rows["idx"], id_rank[rows["article"]]))]  # by article id, then position
    is_template = isin(rows["line"], np.fromiter(templates, dtype=np.int64, count=len(templates)))
    boiler = (rows["promo"] != 0) | is_template
    occurrences = _Occurrences(meta)
    for n, seq, idx, start, end, b in zip(
        rows["norm"].tolist(), rows["article"].tolist(), rows["idx"].tolist(), rows["start"].tolist(),
        rows["end"].tolist(), boiler.tolist(), strict=True,
    ):  # fmt: skip
        occurrences.lists[n].append((id_of[seq], idx, start, end, b))
    del sentences, norm, article, rows

    pieces: dict[tuple[str, str], list[_Piece]] = defaultdict(list)
    for norm in sorted(dup_norms):
        for (a, ai, as_, ae, ab), (b, bi, bs, be, bb) in occurrences.pairs(norm, norm):
            _add(pieces, meta, a, ai, as_, ae, b, bi, bs, be, 1.0, "verbatim", ab or bb)

    # Token spans of near pairs become character spans, computed a chunk of articles at a
    # time: only the offsets asked for are kept, never every article's text at once.
    near_pairs = [(row, occurrences.pairs(row[0], row[1])) for row in near_rows]
    wanted_spans: set[tuple[str, int, int, int, int]] = set()
    for (_na, _nb, a0, a1, b0, b1, _score, _kind), pairs in near_pairs:
        for (a, _ai, as_, ae, _ab), (b, _bi, bs, be, _bb) in pairs:
            wanted_spans.add((a, as_, ae, a0, a1))
            wanted_spans.add((b, bs, be, b0, b1))
    char_span = _char_spans(store, wanted_spans)
    del wanted_spans
    for (_na, _nb, a0, a1, b0, b1, score, kind), pairs in near_pairs:
        for (a, ai, as_, ae, ab), (b, bi, bs, be, bb) in pairs:
            sa, ea = char_span[(a, as_, ae, a0, a1)]
            sb, eb = char_span[(b, bs, be, b0, b1)]
            _add(pieces, meta, a, ai, sa, ea, b, bi, sb, eb, score, kind, ab or bb)
    del char_span, near_pairs

    built = []
    for (x, y), plist in pieces.items():
        for passage, boiler in _merge(plist):
            built.append((_match_row(meta, x, y, passage, boiler), x, y, passage))
    built.sort(key=lambda b: (b[0][0], b[0][3], b[0][1], b[0][5]))
    conn.execute("DELETE FROM matches")
    conn.execute("DELETE FROM pieces")
    conn.executemany(
        "INSERT INTO matches (id, source_id, target_id, direction, source_start, source_end, target_start, "
        "target_end, score, kind, scope, boilerplate, sentences) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        ((i + 1, *b[0]) for i, b in enumerate(built)),  # generators: rows made as inserted, never all at once
    )
    conn.executemany(
        "INSERT INTO pieces VALUES (?,?,?,?,?,?,?,?,?)",
        (
            (i + 1, x, q.x_start, q.x_end, y, q.y_start, q.y_end, q.score, q.kind)
            for i, (_, x, y, passage) in enumerate(built)
            for q in passage
        ),
    )
    return len(built)


Occurrence = tuple[str, int, int, int, bool]  # article, sentence index, start, end, boilerplate


class _Occurrences:
    """Occurrences of each wanted norm (``lists``), with what pairing them needs computed once per norm."""

    def __init__(self, meta: dict[str, tuple[str | None, str | None]]) -> None:
        self.meta = meta
        self.lists: dict[int, list[Occurrence]] = defaultdict(list)
        self._boiler: dict[int, bool] = {}
        self._next: dict[int, tuple[list[str], list[str], list[int], list[int]]] = {}

    def all_boilerplate(self, norm: int) -> bool:
        known = self._boiler.get(norm)
        if known is None:
            known = self._boiler[norm] = all(o[4] for o in self.lists[norm])
        return known

    def pairs(self, na: int, nb: int) -> list[tuple[Occurrence, Occurrence]]:
        """Occurrence pairs in two different articles (each unordered pair once when ``na == nb``).

        When both sides are boilerplate everywhere (a newsletter line every outlet prints
        in its own words), one pair from two outlets stands for all: enough for
        ``--include-boilerplate`` to show it, without storing every pair of a template.
        """
        xs, ys = self.lists[na], self.lists[nb]
        if self.all_boilerplate(na) and self.all_boilerplate(nb):
            pair = self._first_boilerplate_pair(na, nb)
            return [] if pair is None else [pair]
        if na == nb:
            return [(a, b) for a, b in itertools.combinations(xs, 2) if a[0] != b[0]]
        return [(a, b) for a in xs for b in ys if a[0] != b[0]]

    def _nexts(self, norm: int) -> tuple[list[str], list[str], list[int], list[int]]:
        """Outlets and articles of ``norm``'s occurrences, and for each position the first later
        one whose outlet / article differs (built once per norm: a template line printed in
        thousands of articles is paired with many others)."""
        got = self._next.get(norm)
        if got is None:
            ys = self.lists[norm]
            outlet = [self.meta[o[0]][0] or "" for o in ys]
            article = [o[0] for o in ys]
            n = len(ys)
            next_outlet, next_article = [n] * (n + 1), [n] * (n + 1)
            for j in range(n - 2, -1, -1):
                next_outlet[j] = j + 1 if outlet[j + 1] != outlet[j] else next_outlet[j + 1]
                next_article[j] = j + 1 if article[j + 1] != article[j] else next_article[j + 1]
            got = self._next[norm] = (outlet, article, next_outlet, next_article)
        return got

    def _first_boilerplate_pair(self, na: int, nb: int) -> tuple[Occurrence, Occurrence] | None:
        """The first pair, in list order, of two articles not known to share an outlet.

        For each occurrence, the first later (``na == nb``) or first (otherwise) partner with
        another outlet, or for an article of unknown outlet another article.
        """
        xs, ys = self.lists[na], self.lists[nb]
        same = na == nb
        outlet, article, next_outlet, next_article = self._nexts(nb)
        n = len(ys)
        for i, a in enumerate(xs):
            a_outlet = self.meta[a[0]][0]
            j = i + 1 if same else 0
            if j >= n:
                break
            if a_outlet is None:
                k = j if article[j] != a[0] else next_article[j]
            else:
                k = j if outlet[j] != a_outlet else next_outlet[j]
            if k < n:
                return a, ys[k]
        return None


SpanRequest = tuple[str, int, int, int, int]  # article, sentence start, end, first token, end token


def _char_spans(
    store: Store, requests: set[SpanRequest], chunk: int = 2000
) -> dict[SpanRequest, tuple[int, int]]:
    """Character span of tokens ``[first, end)`` of each requested sentence occurrence."""
    by_article: dict[str, list[SpanRequest]] = defaultdict(list)
    for r in requests:
        by_article[r[0]].append(r)
    ids = sorted(by_article)
    out: dict[SpanRequest, tuple[int, int]] = {}
    for lo in range(0, len(ids), chunk):
        # The chunk's requested sentences, each folded once (folding maps each character on
        # its own: fold the sentence, not the article) and tokenised together in numpy.
        index: dict[tuple[str, int, int], int] = {}
        parts: list[str] = []
        chunk_requests: list[SpanRequest] = []
        for art, text in store.texts(ids[lo : lo + chunk]).items():
            for r in by_article[art]:
                sentence = r[:3]
                if sentence not in index:
                    index[sentence] = len(parts)
                    parts.append(fold(text[r[1] : r[2]]))
                chunk_requests.append(r)
        lengths = np.fromiter(map(len, parts), dtype=np.int64, count=len(parts))
        base = np.cumsum(lengths + 1) - (lengths + 1)  # where each sentence starts in the joined text
        tok_at, tok_end, _ = token_table("\n".join(parts))  # no token crosses the line breaks
        if len(tok_at) == 0:  # only whole sentences are asked for then: any index will do below
            tok_at = tok_end = np.zeros(1, dtype=np.int64)
        first_tok = np.searchsorted(tok_at, base)
        n_tok = np.searchsorted(tok_at, base + lengths) - first_tok
        which = np.fromiter((index[r[:3]] for r in chunk_requests), dtype=np.int64, count=len(chunk_requests))
        req = np.array([r[1:] for r in chunk_requests], dtype=np.int64).reshape(-1, 4)  # start, end, tokens
        whole = (req[:, 2] == 0) & (req[:, 3] >= n_tok[which])  # the whole sentence, punctuation included
        first = np.where(whole, 0, first_tok[which] + req[:, 2]).clip(0, len(tok_at) - 1)
        last = np.where(whole, 0, first_tok[which] + req[:, 3] - 1).clip(0, len(tok_at) - 1)
        start = np.where(whole, req[:, 0], req[:, 0] + tok_at[first] - base[which])
        end = np.where(whole, req[:, 1], req[:, 0] + tok_end[last] - base[which])
        out.update(zip(chunk_requests, zip(start.tolist(), end.tolist(), strict=True), strict=True))
    return out


def _add(
    pieces: dict[tuple[str, str], list[_Piece]],
    meta: dict[str, tuple[str | None, str | None]],
    a: str, ai: int, as_: int, ae: int, b: str, bi: int, bs: int, be: int,
    score: float, kind: str, boiler: bool,
) -> None:  # fmt: skip
    same_outlet = meta[a][0] is not None and meta[a][0] == meta[b][0]
    if boiler and same_outlet:
        return  # an outlet's own template repeated: that is the template, not reuse
    if a < b:
        pieces[(a, b)].append(_Piece(ai, as_, ae, bi, bs, be, score, kind, boiler))
    else:
        pieces[(b, a)].append(_Piece(bi, bs, be, ai, as_, ae, score, kind, boiler))


def _merge(plist: list[_Piece]) -> Iterator[tuple[list[_Piece], bool]]:
    """Chain pieces whose sentences are neighbours in both articles into passages."""
    if len(plist) == 1:  # most article pairs share one sentence
        yield plist, plist[0].boilerplate
        return
    for boiler in (False, True):
        open_passages: list[list[_Piece]] = []
        for piece in sorted((q for q in plist if q.boilerplate == boiler), key=lambda q: (q.x_idx, q.y_idx)):
            for passage in reversed(open_passages):
                last = passage[-1]
                dx, dy = piece.x_idx - last.x_idx, piece.y_idx - last.y_idx
                # Bridging a skipped sentence only between close copies: partial pieces in
                # rewritten text are often different statements that happen to sit nearby.
                gap = 2 if "partial" not in (piece.kind, last.kind) else 1
                if 0 <= dx <= gap and 0 <= dy <= gap and (dx, dy) != (0, 0):
                    passage.append(piece)
                    break
            else:
                open_passages.append([piece])
        for passage in open_passages:
            yield passage, boiler


def _published_order(a: str | None, b: str | None) -> int:
    """-1 if ``a`` is earlier, 1 if later, 0 if unknown or equal at the precision both have."""
    if a is None or b is None:
        return 0
    if len(a) == 10 or len(b) == 10:
        a, b = a[:10], b[:10]
        return (a > b) - (a < b)
    if a == b:
        return 0
    try:
        da, db = _parse_date(a), _parse_date(b)
        if (da.tzinfo is None) != (db.tzinfo is None):
            da, db = da.replace(tzinfo=None), db.replace(tzinfo=None)
        return (da > db) - (da < db)
    except ValueError:
        return (a > b) - (a < b)


@functools.lru_cache(maxsize=1 << 16)
def _parse_date(value: str) -> datetime:
    # An article's date is compared once per match it is in: parse each once.
    return datetime.fromisoformat(value)


def _match_row(
    meta: dict[str, tuple[str | None, str | None]], x: str, y: str, passage: list[_Piece], boiler: bool
) -> tuple[object, ...]:
    if len(passage) == 1:  # most passages are one sentence
        q = passage[0]
        xs, xe, ys, ye = q.x_start, q.x_end, q.y_start, q.y_end
        score = round(q.score * (xe - xs) / ((xe - xs) or 1), 4)
        kind = q.kind
    else:
        xs, xe = min(q.x_start for q in passage), max(q.x_end for q in passage)
        ys, ye = min(q.y_start for q in passage), max(q.y_end for q in passage)
        weight = sum(q.x_end - q.x_start for q in passage) or 1
        score = round(sum(q.score * (q.x_end - q.x_start) for q in passage) / weight, 4)
        kinds = {q.kind for q in passage}
        kind = "verbatim" if kinds == {"verbatim"} else "partial" if "partial" in kinds else "near-verbatim"
    order = _published_order(meta[x][1], meta[y][1])
    direction = "unknown" if order == 0 else "forward"
    same = meta[x][0] is not None and meta[x][0] == meta[y][0]
    scope = "same-outlet" if same else "cross-outlet"
    if order > 0:  # y was published first: it is the source
        x, y, xs, xe, ys, ye = y, x, ys, ye, xs, xe
    return (x, y, direction, xs, xe, ys, ye, score, kind, scope, int(boiler), len(passage))


def query(
    store: Store,
    outlet: str | None = None,
    min_score: float = 0.0,
    include_boilerplate: bool = False,
    scope: str = "all",
    article_id: str | None = None,
) -> list[Match]:
    """Stored matches, cross-outlet first, then by source article and position."""
    where = ["m.score >= ?"]
    args: list[object] = [min_score]
    if not include_boilerplate:
        where.append("m.boilerplate = 0")
    if scope != "all":
        where.append("m.scope = ?")
        args.append(scope)
    if outlet is not None:
        where.append("(lower(s.outlet) = lower(?) OR lower(t.outlet) = lower(?))")
        args += [outlet, outlet]
    if article_id is not None:
        where.append("(m.source_id = ? OR m.target_id = ?)")
        args += [article_id, article_id]
    sql = (
        "SELECT m.id, m.source_id, m.target_id, m.direction, m.source_start, m.source_end, m.target_start, "
        "m.target_end, m.score, m.kind, m.scope, m.boilerplate, m.sentences, s.outlet, t.outlet, "
        "s.published, t.published, substr(s.text, m.source_start + 1, m.source_end - m.source_start), "
        "substr(t.text, m.target_start + 1, m.target_end - m.target_start) "
        "FROM matches m JOIN articles s ON s.id = m.source_id JOIN articles t ON t.id = m.target_id "
        f"WHERE {' AND '.join(where)} ORDER BY m.scope, m.source_id, m.source_start, m.target_id, m.target_start"
    )
    out = []
    for r in store.conn.execute(sql, args):
        out.append(
            Match(
                id=r[0],
                source_id=r[1],
                target_id=r[2],
                direction=r[3],
                source_span=(r[4], r[5]),
                target_span=(r[6], r[7]),
                source_text=r[17],
                target_text=r[18],
                score=r[8],
                kind=r[9],
                scope=r[10],
                boilerplate=bool(r[11]),
                sentences=r[12],
                source_outlet=r[13],
                target_outlet=r[14],
                source_published=r[15],
                target_published=r[16],
            )  # fmt: skip
        )
    return out
