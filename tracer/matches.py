"""Matches: reused passages between two articles, and queries over them.

A scan stores *pieces of evidence* per distinct sentence (identical sentences share
an id; near pairs carry the token span they share). ``rebuild`` turns them into
matches between articles: each occurrence pair becomes a sentence-level piece with
character offsets into the stored texts, neighbouring pieces merge into passages,
boilerplate is flagged, and source/target are set by publication date.
"""

from __future__ import annotations

import datetime as _dt
import functools
import itertools
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .banality import BANAL, BOILERPLATE, banal_pairs, banal_pairs_elsewhere, pair_keys
from .boilerplate import LEAD_BIT, PROMO_BIT, line_rows, template_lines, template_sentences
from .candidates import _ranges, _run_pairs, in_sorted_levels, isin, unique_sorted
from .dates import utc_naive
from .engine import sizes
from .errors import TracerError
from .params import FANOUT, BanalParams, BoilerplateParams
from .store import SENTENCE_DTYPE, Store
from .text import fold, rejoin_hyphenated, token_table

KINDS = ("verbatim", "near-verbatim", "partial", "paraphrase")  # paraphrase: tracer.semantic


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
    boilerplate: int  # flags: BOILERPLATE, BANAL
    linked: bool = False


@dataclass(frozen=True)
class Match:
    """One reused passage. Spans are ``[start, end)`` offsets into the stored texts."""

    id: int | None  # None: a pair made from the passages (``--all-pairs``), not a stored match
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
    banal: bool = False  # made mostly of phrases common in the corpus (tracer.banality)

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
            "banal": self.banal,
            "sentences": self.sentences,
            "source_outlet": self.source_outlet,
            "target_outlet": self.target_outlet,
            "source_published": self.source_published,
            "target_published": self.target_published,
        }


@dataclass
class Units:
    """Passages whose occurrences claims take as one unit, not through pieces: those of widely
    printed sentences (whose pieces are links, not every pair) and their near copies.

    Unit ``k``'s occurrences (not boilerplate) are ``spans[:, bounds[k]:bounds[k + 1]]``:
    article (a number into :attr:`LinkPieces.names`), start, end; ``internal[k]``: its
    occurrences are copies of each other, each linked to every other at 1.0, none stored (not
    so for a near copy's passage, whose own pieces are stored). ``link_a[j]``, ``link_b[j]``: two
    units whose every two occurrences in two articles are near copies scoring ``link_score[j]``
    (these count where either unit is internal). Units are in order of their sentence's norm.
    """

    spans: np.ndarray
    bounds: np.ndarray
    internal: np.ndarray
    link_a: np.ndarray
    link_b: np.ndarray
    link_score: np.ndarray

    @classmethod
    def none(cls) -> Units:
        empty = np.empty(0, dtype=np.int64)
        return cls(np.empty((3, 0), dtype=np.int64), np.zeros(1, dtype=np.int64), empty.astype(bool),
                   empty, empty.copy(), empty.astype(np.float64))  # fmt: skip

    def __len__(self) -> int:
        return len(self.bounds) - 1


@dataclass
class LinkPieces:
    """The pieces of the matches that are neither boilerplate nor links, as claims read them: in
    stored order (by match id, then place in the passage), each piece's two spans with articles
    as numbers into ``names`` (article ids, sorted), and its score; and the :class:`Units` that
    stand for the linked ones.

    ``columns`` is ``(6, n)``: a, a_start, a_end, b, b_start, b_end (a's id sorts first).
    """

    names: list[str]
    columns: np.ndarray
    score: np.ndarray
    units: Units = field(default_factory=Units.none)


def read_link_pieces(store: Store) -> LinkPieces:
    """:class:`LinkPieces` of the stored matches and passages (``names``: the articles they name)."""
    ids: dict[str, int] = {}
    code = ids.setdefault
    columns, scores = [], []
    for rows in store.link_piece_batches():
        a, a0, a1, b, b0, b1, sc = zip(*rows, strict=True)
        a_code = [code(x, len(ids)) for x in a]
        b_code = [code(x, len(ids)) for x in b]
        columns.append(np.array([a_code, a0, a1, b_code, b0, b1], dtype=np.int64))
        scores.append(np.array(sc, dtype=np.float64))
    piece = np.concatenate(columns, axis=1) if columns else np.empty((6, 0), dtype=np.int64)
    score = np.concatenate(scores) if scores else np.empty(0, dtype=np.float64)
    del columns, scores
    units = _read_units(store, code, ids)
    names = sorted(ids)
    rank = np.empty(len(ids), dtype=np.int64)  # an article's place in id order
    rank[[ids[x] for x in names]] = np.arange(len(names))
    piece[0], piece[3] = rank[piece[0]], rank[piece[3]]
    units.spans[0] = rank[units.spans[0]]
    return LinkPieces(names, piece, score, units)


def _read_units(store: Store, code: Callable[[str, int], int], ids: dict[str, int]) -> Units:
    """The stored :class:`Units` (articles coded by ``code``, not yet ranked): passages of widely
    printed sentences that are neither boilerplate nor banal, in two articles or more
    (``internal``), and both sides of every ``passage_links`` row, in order of norm."""
    rows = store.unit_passages()
    unit_of = {pid: k for k, (pid, _) in enumerate(rows)}
    spans: list[tuple[int, int, int]] = []
    bounds = [0]
    for pid, _ in rows:
        found = store.unit_occurrences(pid)
        spans += [(code(a, len(ids)), s, e) for a, s, e in found]
        bounds.append(len(spans))
    links = store.unit_links()
    pairs = sorted((unit_of[a], unit_of[b], sc) for a, b, sc in links)
    return Units(
        np.array(spans, dtype=np.int64).reshape(-1, 3).T.copy(),
        np.array(bounds, dtype=np.int64),
        np.array([bool(r[1]) for r in rows], dtype=bool),
        np.array([p[0] for p in pairs], dtype=np.int64),
        np.array([p[1] for p in pairs], dtype=np.int64),
        np.array([p[2] for p in pairs], dtype=np.float64),
    )


def rebuild(
    store: Store,
    min_tokens: int,
    min_content: int,
    pieces_made: Callable[[LinkPieces], None] | None = None,
    max_pieces: int | None = None,
    banal: BanalParams | None = None,
    fanout: int = FANOUT,
    boilerplate: BoilerplateParams | None = None,
    step_done: Callable[[], object] = lambda: None,
    submit: Callable[..., Callable[[], Any]] | None = None,
) -> int:
    """Recompute the ``matches`` table from sentences, near pairs and boilerplate, and the
    ``passages`` behind it. Returns the number of matches.

    A sentence with at most ``fanout`` occurrences makes a piece of every two of them in two
    articles; one with more links each occurrence to one other only (:meth:`_OccurrenceTable.links`),
    so that a sentence a wire service sent to N papers costs N pieces, not N(N-1)/2.

    Pieces are made, filtered and oriented as arrays. Python walks only the article pairs that
    share two sentences or more (chaining them into passages) and the norms that are
    boilerplate everywhere (one representative pair each). ``pieces_made`` is given what
    :func:`read_link_pieces` will read once the tables are written, before they are (a scan
    starts grouping claims elsewhere while this process writes them), where there are at most
    ``max_pieces`` pieces (any number where None). ``banal``: how banal pieces are told
    (:mod:`tracer.banality`); None flags none. ``boilerplate``: when lines and sentences are
    templates (default :class:`~tracer.params.BoilerplateParams`). ``step_done`` is called
    between steps (the engine's :meth:`~tracer.engine.base.EngineBase.step_done`). ``submit``
    (an engine's) judges banality elsewhere while the pieces are made here, where the verified
    pairs and their sentences are few enough (``sizes.BANAL_ELSEWHERE``).
    """
    articles = store.article_rows()
    meta = {r[1]: (r[2], r[3]) for r in articles}
    size = max((r[0] for r in articles), default=0) + 1
    id_of = [""] * size
    published: list[str | None] = [None] * size
    outlet_code = np.full(size, -1, dtype=np.int64)
    id_rank = np.zeros(size, dtype=np.int64)  # rank of the article id in string order
    outlets = {o: k for k, o in enumerate(sorted({r[2] for r in articles if r[2] is not None}))}
    names = []  # article ids, sorted
    for rank, (seq, art, outlet, when) in enumerate(sorted(articles, key=lambda r: r[1])):
        id_of[seq] = art
        names.append(art)
        id_rank[seq] = rank
        published[seq] = when
        if outlet is not None:
            outlet_code[seq] = outlets[outlet]
    days = sorted({when[:10] for when in published if when is not None})
    day_of = {day: k for k, day in enumerate(days)}
    # The rank of each article's day (-1: no date), and whether it has a time of day too.
    day_rank = np.array([-1 if w is None else day_of[w[:10]] for w in published], dtype=np.int64)
    timed = np.array([w is not None and len(w) != 10 for w in published], dtype=bool)
    # The sentence records are read a stored batch at a time, twice, keeping only what is needed
    # (whole, those of 10^6 simulated articles take 1.7 GB, and twice that while joined).
    # An article's sentences are all in one batch (stored once, when it is scanned).
    lines: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # (line, article, outlet) columns
    article_norms = []
    for block in store.sentence_blocks():
        article = block["article"]
        lines.append(line_rows(block["line"], article, outlet_code[article]))
        # Norms long enough to match, once per article they are in.
        ok = (block["ntok"] >= min_tokens) & (block["ncontent"] >= min_content)
        n_ok, a_ok = block["norm"][ok], article[ok]
        order = np.lexsort((a_ok, n_ok))
        n_ok, a_ok = n_ok[order], a_ok[order]
        first = np.ones(len(n_ok), dtype=bool)
        first[1:] = (n_ok[1:] != n_ok[:-1]) | (a_ok[1:] != a_ok[:-1])
        article_norms.append(n_ok[first])
    empty = np.empty(0, dtype=np.int64)
    line, article, outlet = (np.concatenate([p[k] for p in lines]) if lines else empty for k in range(3))
    day_number = _day_numbers(published)
    corpus_days = np.sort(day_number[day_number >= 0])
    templates = template_lines(line, article, outlet, boilerplate, day_number[article], corpus_days)
    del lines, line, article, outlet
    # Norms found in two or more articles.
    norms = np.sort(np.concatenate(article_norms)) if article_norms else empty
    del article_norms
    dup_norms = unique_sorted(norms[1:][norms[1:] == norms[:-1]])
    del norms
    near = _NearRows(store.near_rows())
    wanted = unique_sorted(np.concatenate((dup_norms, near.norm_a, near.norm_b)))
    parts = [block[in_sorted_levels(block["norm"], [wanted])] for block in store.sentence_blocks()]
    rows = np.concatenate(parts) if parts else np.empty(0, dtype=SENTENCE_DTYPE)
    del parts
    # A sentence only removed articles printed (`tracer remove`) keeps its verified pairs, for when
    # its text returns; a pair makes pieces only while both its sentences are printed.
    present = unique_sorted(np.sort(rows["norm"]))
    near = near.select(in_sorted_levels(near.norm_a, [present]) & in_sorted_levels(near.norm_b, [present]))
    rows = rows[np.lexsort((rows["idx"], id_rank[rows["article"]]))]  # by article id, then position
    template_ids = np.fromiter(templates, dtype=np.int64, count=len(templates))
    boiler = (rows["promo"] & PROMO_BIT) != 0
    boiler |= isin(rows["line"], template_ids)
    boiler |= isin(
        rows["norm"],
        template_sentences(
            rows["article"],
            rows["idx"],
            rows["norm"],
            rows["promo"],
            outlet_code[rows["article"]],
            boilerplate,
            day=day_number[rows["article"]],
            corpus_days=corpus_days,
        ),
    )
    occ = _OccurrenceTable(rows, boiler, id_of, meta, (rows["promo"] & LEAD_BIT) != 0)
    del boiler
    del rows
    banal_keys_made = _banal_keys(store, banal, near, dup_norms, occ, step_done, submit)
    step_done()
    occ.fan_out(fanout, outlet_code, lambda: _time_rank(published, id_rank))

    # Every piece: two occurrences (positions in ``occ``) in different articles, and their spans.
    found = [occ.verbatim_pieces(dup_norms), occ.near_pieces(near, store)]
    a, b, a_start, a_end, b_start, b_end, score, kind, linked = (
        np.concatenate([getattr(p, name) for p in found]) for name in _Pieces.__dataclass_fields__
    )
    del found
    step_done()
    made = _Pieces(a, b, a_start, a_end, b_start, b_end, score, kind, linked)
    keep = _closest_parents(occ, made)
    a, b, a_start, a_end, b_start, b_end, score, kind, linked = (
        getattr(made, name)[keep] for name in _Pieces.__dataclass_fields__
    )
    del made, keep
    banal_keys = banal_keys_made()
    passages = _Passages(occ, dup_norms, near, id_rank, banal_keys)
    seq_a, seq_b = occ.seq[a], occ.seq[b]
    flagged = occ.boiler[a] | occ.boiler[b]
    # Text two sentences led by a navigation link share from their starts is the link's headline.
    flagged |= occ.lead[a] & occ.lead[b] & (a_start == occ.start[a]) & (b_start == occ.start[b])
    boiler = np.where(flagged, BOILERPLATE, 0).astype(np.int8)  # flags, banal too
    if len(banal_keys):  # (boilerplate is hidden already: banal is the reason for the rest)
        boiler |= BANAL * (isin(pair_keys(occ.norm[a], occ.norm[b]), banal_keys) & (boiler == 0))
    same_outlet = (outlet_code[seq_a] >= 0) & (outlet_code[seq_a] == outlet_code[seq_b])
    # an outlet's own template repeated: that is the template, not reuse
    keep = ~((boiler & BOILERPLATE).astype(bool) & same_outlet)
    # Each oriented from the article whose id sorts first (x) to the other (y).
    swap = id_rank[seq_a] > id_rank[seq_b]
    x, y = np.where(swap, b, a)[keep], np.where(swap, a, b)[keep]
    x_start, x_end = np.where(swap, b_start, a_start)[keep], np.where(swap, b_end, a_end)[keep]
    y_start, y_end = np.where(swap, a_start, b_start)[keep], np.where(swap, a_end, b_end)[keep]
    score, kind, boiler, linked = score[keep], kind[keep], boiler[keep], linked[keep]
    del a, b, a_start, a_end, b_start, b_end, seq_a, seq_b, same_outlet, keep, swap
    keep = _one_source_of_flagged_text(occ, x, y, boiler)
    x, y, x_start, x_end, y_start, y_end = (
        x[keep],
        y[keep],
        x_start[keep],
        x_end[keep],
        y_start[keep],
        y_end[keep],
    )
    score, kind, boiler, linked = score[keep], kind[keep], boiler[keep], linked[keep]
    del keep
    # Grouped by article pair.
    x_seq, y_seq, x_idx, y_idx = occ.seq[x], occ.seq[y], occ.idx[x], occ.idx[y]
    del occ, x, y
    order = np.lexsort((y_idx, x_idx, id_rank[y_seq], id_rank[x_seq]))
    x_seq, y_seq, x_idx, y_idx = x_seq[order], y_seq[order], x_idx[order], y_idx[order]
    x_start, x_end, y_start, y_end = x_start[order], x_end[order], y_start[order], y_end[order]
    score, kind, boiler, linked = score[order], kind[order], boiler[order], linked[order]
    new_pair = np.ones(len(x_seq), dtype=bool)  # (np.append(True, ...) is one too long when empty)
    new_pair[1:] = (x_seq[1:] != x_seq[:-1]) | (y_seq[1:] != y_seq[:-1])
    pair_first = np.flatnonzero(new_pair)
    in_pair = np.diff(np.append(pair_first, len(x_seq)))

    # Most article pairs share one sentence: that piece is their match, kept as columns (rows
    # are made a chunk at a time as they are inserted) and computed as _match_row computes it.
    one = pair_first[in_pair == 1]
    sx, sy, s_kind = x_seq[one], y_seq[one], kind[one]
    xs, xe, ys, ye = x_start[one], x_end[one], y_start[one], y_end[one]
    when = _published_orders(published, day_rank, timed, sx, sy)
    flip = when > 0  # y was published first: it is the source
    source, target = np.where(flip, sy, sx), np.where(flip, sx, sy)
    single_match = [
        source, target, when != 0, np.where(flip, ys, xs), np.where(flip, ye, xe), np.where(flip, xs, ys),
        np.where(flip, xe, ye),
        _rounded(score[one] * (xe - xs) / np.where(xe == xs, 1, xe - xs)),  # as _match_row
        s_kind, (outlet_code[sx] >= 0) & (outlet_code[sx] == outlet_code[sy]), boiler[one], linked[one],
    ]  # fmt: skip
    single_piece = [sx, xs, xe, sy, ys, ye, score[one], s_kind]
    keys = [id_rank[source], single_match[3], id_rank[target], single_match[5]]
    del one, when, flip, source, target
    # Only the pieces of pairs sharing more are walked below: the rest's columns are let go.
    several = np.repeat(in_pair > 1, in_pair)
    x_seq, y_seq, x_idx, y_idx, x_start, x_end, y_start, y_end, score, kind, boiler, linked = (
        c[several]
        for c in (x_seq, y_seq, x_idx, y_idx, x_start, x_end, y_start, y_end, score, kind, boiler, linked)
    )
    in_pair = in_pair[in_pair > 1]
    pair_first = np.cumsum(in_pair) - in_pair
    del several, new_pair
    step_done()  # the loop's Python objects are not made in the memory numpy let go

    def match_rows(cols: list[np.ndarray]) -> Iterator[tuple[Any, ...]]:
        s, t, forward, ss, se, ts, te, sc, kd, same, bl, ln = (c.tolist() for c in cols)
        return zip(
            [id_of[i] for i in s], [id_of[i] for i in t], ["forward" if f else "unknown" for f in forward],
            ss, se, ts, te, sc, [KINDS[k] for k in kd], ["same-outlet" if x else "cross-outlet" for x in same],
            [int(x) for x in bl], [1] * len(s), [int(x) for x in ln], strict=True,
        )  # fmt: skip

    def piece_rows(cols: list[np.ndarray]) -> Iterator[tuple[Any, ...]]:
        a, a0, a1, b, b0, b1, sc, kd = (c.tolist() for c in cols)
        return zip(
            [id_of[i] for i in a],
            a0,
            a1,
            [id_of[i] for i in b],
            b0,
            b1,
            sc,
            [KINDS[k] for k in kd],
            strict=True,
        )

    # Pairs sharing more sentences: chained into passages one pair at a time.
    gaps = _GapText(store)
    multi_rows: list[tuple[Any, ...]] = []
    multi_pieces: list[list[tuple[Any, ...]]] = []
    multi_ranks: list[tuple[int, int]] = []  # id ranks of each passage's source and target
    multi_xy: list[tuple[int, int]] = []  # and of its x and y (the id that sorts first, the other)
    for lo, count in zip(pair_first.tolist(), in_pair.tolist(), strict=True):
        k = slice(lo, lo + count)
        xid, yid = id_of[int(x_seq[lo])], id_of[int(y_seq[lo])]
        ranks = int(id_rank[x_seq[lo]]), int(id_rank[y_seq[lo]])
        plist = [
            _Piece(xi, xs_, xe_, yi, ys_, ye_, sc, KINDS[kd], bl, ln)
            for xi, xs_, xe_, yi, ys_, ye_, sc, kd, bl, ln in zip(
                x_idx[k].tolist(), x_start[k].tolist(), x_end[k].tolist(), y_idx[k].tolist(),
                y_start[k].tolist(), y_end[k].tolist(), score[k].tolist(), kind[k].tolist(),
                boiler[k].tolist(), linked[k].tolist(), strict=True,
            )
        ]  # fmt: skip
        target_x = _published_order(meta[xid][1], meta[yid][1]) > 0
        for passage, boil in _merge(plist, target_x):
            multi_rows.append(_match_row(meta, xid, yid, passage, boil, gaps))
            multi_ranks.append(ranks if multi_rows[-1][0] == xid else ranks[::-1])  # (source, target)
            multi_xy.append(ranks)
            multi_pieces.append(
                [(xid, q.x_start, q.x_end, yid, q.y_start, q.y_end, q.score, q.kind) for q in passage]
            )

    del x_seq, y_seq, x_idx, y_idx, x_start, x_end, y_start, y_end, score, kind, boiler, linked
    # Matches by source id, source start, target id, target start, numbered in that order.
    keys[0] = np.append(keys[0], [r[0] for r in multi_ranks]).astype(np.int64)
    keys[1] = np.append(keys[1], [r[3] for r in multi_rows]).astype(np.int64)
    keys[2] = np.append(keys[2], [r[1] for r in multi_ranks]).astype(np.int64)
    keys[3] = np.append(keys[3], [r[5] for r in multi_rows]).astype(np.int64)
    order = np.lexsort(keys[::-1])
    del keys
    pieces = len(single_piece[0]) + sum(len(p) for p in multi_pieces) + passages.unit_spans()
    if pieces_made is not None and (max_pieces is None or pieces <= max_pieces):
        # Pieces of boilerplate and linked matches are left to the claims: the latter's
        # passages stand for them (``units``).
        unlinked = (single_match[10] != 0) | single_match[11]
        pieces_made(
            _link_pieces(
                order, names, id_rank, single_piece, unlinked, multi_pieces, multi_xy, multi_rows,
                passages.units(id_rank),
            )
        )  # fmt: skip
    del names
    step_done()
    store.clear_matches()
    passages.store(store)
    store.add_matches(
        ((i, *row) for i, rows in _numbered(order, single_match, match_rows, multi_rows) for row in rows),
        ((i, *row) for i, rows in _numbered(order, single_piece, piece_rows, multi_pieces) for row in rows),
    )
    return len(order)


def _closest_parents(occ: _OccurrenceTable, p: _Pieces) -> np.ndarray:
    """Linked pieces pointed, each carrier at a time, at the earlier carrier that prints most of
    what it links; which pieces to keep (a mask): one linked piece per linked occurrence.

    A carrier's occurrences are each linked to their sentence's earliest carrier, one by one:
    a copy of a wire story's update was split between the story (its first print) and the
    update (the sentences only the update has). The earlier carrier that prints most of the
    sentences its links name (ties: the earliest) is the text it came from, as the closest of
    several earlier carriers is (running stories); a verbatim link is moved there where that
    carrier prints the sentence. ``p`` is updated in place.
    """
    keep = np.ones(len(p.a), dtype=bool)
    idx = np.flatnonzero(p.linked)
    if len(idx) == 0:
        return keep
    when = occ.when()
    later_a = when[occ.seq[p.a[idx]]] > when[occ.seq[p.b[idx]]]
    child = np.where(later_a, p.a[idx], p.b[idx])
    parent = np.where(later_a, p.b[idx], p.a[idx])
    size = int(occ.seq.max(initial=0)) + 1
    group = np.repeat(np.arange(len(occ.first), dtype=np.int64), occ.count)
    key = group * size + occ.seq  # (norm, article) of every occurrence
    by_key = np.argsort(key, kind="stable")
    sorted_key = key[by_key]

    def carried(norm_group: np.ndarray, article: np.ndarray) -> np.ndarray:
        """The first occurrence of each norm in each article (-1: none)."""
        want = norm_group * size + article
        at = np.searchsorted(sorted_key, want).clip(0, max(len(sorted_key) - 1, 0))
        return np.where(sorted_key[at] == want, by_key[at], -1)

    c_art, p_art, p_group = occ.seq[child], occ.seq[parent], group[parent]
    # Candidates of each carrier: the articles its links point at; each scored by how many of
    # the carrier's linked sentences it prints.
    pairs = np.unique(np.stack((c_art, p_art)), axis=1)
    first_of = np.searchsorted(pairs[0], c_art)
    n_cand = np.searchsorted(pairs[0], c_art, side="right") - first_of
    link = np.repeat(np.arange(len(idx)), n_cand)
    cand = pairs[1][np.repeat(first_of, n_cand) + _ranges(n_cand)]
    hit = carried(p_group[link], cand) >= 0
    score = np.zeros(pairs.shape[1], dtype=np.int64)
    np.add.at(score, np.repeat(first_of, n_cand) + _ranges(n_cand), hit)
    # The best candidate of each carrier: most sentences printed, then the earliest.
    order = np.lexsort((when[pairs[1]], -score, pairs[0]))
    lead = np.ones(len(order), dtype=bool)
    lead[1:] = pairs[0][order][1:] != pairs[0][order][:-1]
    carrier, chosen = pairs[0][order][lead], pairs[1][order][lead]  # by carrier, one each
    best = chosen[np.searchsorted(carrier, c_art)]
    moved = carried(p_group, best)
    verbatim = (occ.norm[child] == occ.norm[parent]) & (p.kind[idx] == KINDS.index("verbatim"))
    move = (best != p_art) & (moved >= 0) & verbatim & (when[best] < when[c_art])
    new_parent = np.where(move, moved, parent)
    p_start, p_end = occ.start[new_parent], occ.end[new_parent]
    p.a[idx] = np.where(later_a, child, new_parent)
    p.b[idx] = np.where(later_a, new_parent, child)
    p.a_start[idx] = np.where(later_a, p.a_start[idx], np.where(move, p_start, p.a_start[idx]))
    p.a_end[idx] = np.where(later_a, p.a_end[idx], np.where(move, p_end, p.a_end[idx]))
    p.b_start[idx] = np.where(later_a, np.where(move, p_start, p.b_start[idx]), p.b_start[idx])
    p.b_end[idx] = np.where(later_a, np.where(move, p_end, p.b_end[idx]), p.b_end[idx])
    # One linked piece per linked occurrence: the one into the best candidate, else the closest.
    into_best = occ.seq[new_parent] == best
    _keep_first(keep, idx, child, np.lexsort((np.arange(len(idx)), -p.score[idx], ~into_best, child)))
    return keep


def _keep_first(keep: np.ndarray, rows: np.ndarray, group: np.ndarray, order: np.ndarray) -> None:
    """Of ``rows`` (positions in ``keep``), keep only the first in ``order`` of each value of
    ``group`` (one a row; ``order`` sorts by it)."""
    first = np.ones(len(order), dtype=bool)
    first[1:] = group[order][1:] != group[order][:-1]
    keep[rows] = False
    keep[rows[order[first]]] = True


def _one_source_of_flagged_text(
    occ: _OccurrenceTable, x: np.ndarray, y: np.ndarray, flags: np.ndarray
) -> np.ndarray:
    """Which pieces to keep (a mask): of the pieces of article pairs that share only
    boilerplate or banal text, each occurrence keeps the one with its earliest earlier carrier.

    A template or stock phrase many articles print is listed with one source per carrier, as a
    widely printed sentence is (:meth:`_OccurrenceTable.links`): every pair of them grows with
    the square of its carriers. Pairs that share reuse keep every piece, flagged ones included:
    they are passages to chain.
    """
    keep = np.ones(len(x), dtype=bool)
    seq_x, seq_y = occ.seq[x], occ.seq[y]
    size = int(occ.seq.max(initial=0)) + 1
    pair = seq_x * size + seq_y
    flagged = np.flatnonzero((flags != 0) & ~isin(pair, unique_sorted(np.sort(pair[flags == 0]))))
    if len(flagged) == 0:
        return keep
    when = occ.when()
    wx, wy = when[seq_x[flagged]], when[seq_y[flagged]]
    later = np.where(wx > wy, x[flagged], y[flagged])
    _keep_first(keep, flagged, later, np.lexsort((np.minimum(wx, wy), later)))
    return keep


def _banal_keys(
    store: Store,
    banal: BanalParams | None,
    near: _NearRows,
    dup_norms: np.ndarray,
    occ: _OccurrenceTable,
    step_done: Callable[[], object],
    submit: Callable[..., Callable[[], Any]] | None,
) -> Callable[[], np.ndarray]:
    """:func:`tracer.banality.banal_pairs` of the verified pairs and verbatim sentences (none where
    ``banal`` is None): pieces of these pairs of norms are banal. Returned as a function that
    waits for them: they are made by ``submit`` where the pairs are few enough, here otherwise."""
    if banal is None:
        return lambda: np.empty(0, dtype=np.uint64)
    # Pairs of boilerplate (in every article) are hidden as that already, and a template's
    # variants make near pairs by the hundred thousand: their phrases are not counted.
    rows = near.select(~(occ.all_boiler[occ.groups(near.norm_a)] & occ.all_boiler[occ.groups(near.norm_b)]))
    columns = (
        rows.norm_a,
        rows.norm_b,
        rows.a0,
        rows.a1,
        rows.b0,
        rows.b1,
        rows.kind == KINDS.index("partial"),
    )
    where = (occ.group_norm, occ.seq[occ.first], occ.start[occ.first], occ.end[occ.first], occ.count)
    if submit is not None and len(rows.norm_a) <= sizes.BANAL_ELSEWHERE:
        # Sent only up to as many sentences as are read at once here: there all their words are.
        return banal_pairs_elsewhere(
            store, banal, columns, dup_norms, where, submit, sizes.BANAL_WORDS_AT_ONCE, step_done,
            sizes.BANAL_TASKS,
        )  # fmt: skip
    keys = banal_pairs(
        store, banal, columns, dup_norms, where, step_done=step_done, words_at_once=sizes.BANAL_WORDS_AT_ONCE
    )
    return lambda: keys


def _link_pieces(
    order: np.ndarray,
    names: list[str],
    id_rank: np.ndarray,
    single: list[np.ndarray],
    single_left: np.ndarray,
    multi: list[list[tuple[Any, ...]]],
    multi_xy: list[tuple[int, int]],
    multi_rows: list[tuple[Any, ...]],
    units: Units,
) -> LinkPieces:
    """The :class:`LinkPieces` that :func:`read_link_pieces` reads once :func:`rebuild` has written
    the matches in ``order`` (the arguments are its single-piece columns, which of them to leave
    out, its passages and the units the passages table gives)."""
    singles = len(single[0])
    place = np.empty(len(order), dtype=np.int64)
    place[order] = np.arange(len(order))  # each match's place in the stored order
    keep = np.flatnonzero(single_left == 0)
    x, x_start, x_end, y, y_start, y_end, score = (c[keep] for c in single[:7])
    columns = [np.stack([id_rank[x], x_start, x_end, id_rank[y], y_start, y_end])]
    scores, places = [score], [place[keep]]
    # Passages (article pairs sharing more than one sentence): fewer, and held as Python rows.
    rows: list[tuple[int, ...]] = []
    m_score: list[float] = []
    m_place: list[int] = []
    place_of = place[singles:].tolist()
    for j, (pieces, (xr, yr), row) in enumerate(zip(multi, multi_xy, multi_rows, strict=True)):
        if row[10] or row[12]:  # a boilerplate or linked passage
            continue
        for q in pieces:
            rows.append((xr, q[1], q[2], yr, q[4], q[5]))
            m_score.append(q[6])
            m_place.append(place_of[j])
    columns.append(np.array(rows, dtype=np.int64).reshape(-1, 6).T)
    scores.append(np.array(m_score, dtype=np.float64))
    places.append(np.array(m_place, dtype=np.int64))
    # A match's pieces are in passage order already: a stable sort keeps them so.
    by_place = np.argsort(np.concatenate(places), kind="stable")
    return LinkPieces(
        names, np.concatenate(columns, axis=1)[:, by_place], np.concatenate(scores)[by_place], units
    )


def _banal(norm_a: np.ndarray, norm_b: np.ndarray, banal_keys: np.ndarray) -> np.ndarray:
    """Whether each pair of norms (a norm with itself: a verbatim sentence) is banal."""
    if len(banal_keys) == 0:
        return np.zeros(len(norm_a), dtype=bool)
    return isin(pair_keys(norm_a, norm_b), banal_keys)


def _day_numbers(published: list[str | None]) -> np.ndarray:
    """Each article's day as a number of days (proleptic Gregorian ordinal; -1: undated or a
    date that does not parse), so that days apart are days apart."""
    numbers: dict[str, int] = {}
    for when in published:
        if when is not None and when[:10] not in numbers:
            try:
                numbers[when[:10]] = _dt.date.fromisoformat(when[:10]).toordinal()
            except ValueError:
                numbers[when[:10]] = -1
    return np.array([-1 if w is None else numbers[w[:10]] for w in published], dtype=np.int64)


def _time_rank(published: list[str | None], id_rank: np.ndarray) -> np.ndarray:
    """Each article's place in publication order: dated ones by their stored date (in UTC; a day
    alone before the times of that day), then undated ones; equal dates by article id."""
    ordered = sorted(
        range(len(published)),
        key=lambda s: (published[s] is None, (published[s] or "")[:19], int(id_rank[s])),
    )
    rank = np.empty(len(published), dtype=np.int64)
    rank[ordered] = np.arange(len(ordered))
    return rank


class _Passages:
    """The passages of a rebuild: every norm in two articles or more, and both norms of every
    near row linked rather than paired (``occ.bounded``), with their occurrences; runs of them
    that every carrier prints one after another are one passage of several sentences.

    ``flags`` (per passage): ``BOILERPLATE`` where every occurrence is, else ``BANAL`` where
    the sentence is a stock phrase (``banal_keys``, :func:`tracer.banality.pair_keys`); a
    linked passage of neither is ``internal``: claims take its occurrences as one unit.
    """

    def __init__(
        self,
        occ: _OccurrenceTable,
        dup_norms: np.ndarray,
        near: _NearRows,
        id_rank: np.ndarray,
        banal_keys: np.ndarray,
    ) -> None:
        self.occ, self.near, self.id_rank = occ, near, id_rank
        dup = occ.groups(dup_norms)
        r = occ.bounded
        self.link_a, self.link_b = occ.groups(near.norm_a[r]), occ.groups(near.norm_b[r])
        banal_link = _banal(near.norm_a[r], near.norm_b[r], banal_keys)
        self.link_flags = np.where(banal_link, BANAL, 0)
        self.groups = unique_sorted(np.concatenate((dup, self.link_a, self.link_b)))
        norms = occ.group_norm[self.groups]
        banal_self = _banal(norms, norms, banal_keys)
        self.flags = np.where(occ.all_boiler[self.groups], BOILERPLATE, np.where(banal_self, BANAL, 0))
        new_article = np.ones(len(occ.seq), dtype=bool)
        new_article[1:] = occ.seq[1:] != occ.seq[:-1]
        new_article[occ.first] = True
        every = np.add.reduceat(new_article, occ.first) if len(occ.first) else occ.count
        self.carriers = every[self.groups]
        self.internal = occ.big[self.groups] & (self.flags == 0) & (self.carriers >= 2)
        sides = np.isin(self.groups, np.concatenate((self.link_a, self.link_b)))
        self.unit_at = np.flatnonzero(self.internal | sides)  # positions in groups
        self.after = self._runs()

    def _runs(self) -> np.ndarray:
        """For each of ``groups``, the one (a position in ``groups``) whose occurrences follow its
        own, each in the same article right after it, as many and as much boilerplate (-1: none)."""
        occ, groups = self.occ, self.groups
        if len(groups) == 0:
            return np.empty(0, dtype=np.int64)
        counts = occ.count[groups]
        pos = np.repeat(occ.first[groups], counts) + _ranges(counts)
        k = np.repeat(np.arange(len(groups)), counts)
        key = (occ.seq[pos] << 32) | occ.idx[pos]
        order = np.argsort(key)
        at = np.minimum(np.searchsorted(key[order], key + 1), len(pos) - 1)
        follower = order[at]
        hit = key[follower] == key + 1
        next_k = np.where(hit & (occ.boiler[pos] == occ.boiler[pos[follower]]), k[follower], -1)
        starts = np.cumsum(counts) - counts
        lo, hi = np.minimum.reduceat(next_k, starts), np.maximum.reduceat(next_k, starts)
        same = (lo == hi) & (lo >= 0) & (lo != np.arange(len(groups)))
        alike = (counts[np.maximum(lo, 0)] == counts) & (self.flags[np.maximum(lo, 0)] == self.flags)
        return np.where(same & alike, lo, -1)

    def unit_spans(self) -> int:
        return int(self.occ.count[self.groups[self.unit_at]].sum())

    def units(self, rank: np.ndarray) -> Units:
        """The :class:`Units` of these passages, articles as their ``rank`` (of id)."""
        occ, groups = self.occ, self.groups[self.unit_at]
        counts = occ.count[groups]
        pos = np.repeat(occ.first[groups], counts) + _ranges(counts)
        k = np.repeat(np.arange(len(groups)), counts)
        keep = ~occ.boiler[pos]
        pos, k = pos[keep], k[keep]
        bounds = np.searchsorted(k, np.arange(len(groups) + 1))
        unit_of = np.searchsorted(groups, np.concatenate((self.link_a, self.link_b)))
        m = len(self.link_a)
        shown = self.link_flags == 0
        pairs = sorted(
            zip(
                unit_of[:m][shown].tolist(),
                unit_of[m:][shown].tolist(),
                self.near.score[self.occ.bounded][shown].tolist(),
                strict=True,
            )
        )
        return Units(
            np.stack((rank[occ.seq[pos]], occ.start[pos], occ.end[pos])),
            bounds.astype(np.int64),
            self.internal[self.unit_at],
            np.array([p[0] for p in pairs], dtype=np.int64),
            np.array([p[1] for p in pairs], dtype=np.int64),
            np.array([p[2] for p in pairs], dtype=np.float64),
        )

    def store(self, store: Store) -> None:
        """Replace the stored passages, occurrences and passage links with these."""
        occ, groups = self.occ, self.groups
        # Runs in order of their first occurrence (article id, then place), parts after their head.
        first = occ.first[groups]
        has_before = np.zeros(len(groups), dtype=bool)
        has_before[self.after[self.after >= 0]] = True
        heads = np.flatnonzero(~has_before)
        heads = heads[np.lexsort((occ.idx[first[heads]], self.id_rank[occ.seq[first[heads]]]))]
        after = self.after.tolist()
        ordered: list[tuple[int, int, int]] = []  # (position in groups, head's id, part)
        for h in heads.tolist():
            run = [h]
            while after[run[-1]] >= 0 and len(run) <= len(groups):
                run.append(after[run[-1]])
            head_id = len(ordered) + 1
            ordered += [(g, head_id, part) for part, g in enumerate(run)]
        run_length = {}
        for _, head_id, part in ordered:
            run_length[head_id] = part + 1
        norm, flags, big = occ.group_norm[groups].tolist(), self.flags.tolist(), occ.big[groups].tolist()
        counts, carriers = occ.count[groups].tolist(), self.carriers.tolist()
        passage_rows = (
            (pid, norm[g], head, part, run_length[head], carriers[g], counts[g], flags[g], int(big[g]))
            for pid, (g, head, part) in enumerate(ordered, 1)
        )
        passage_id = np.empty(len(groups), dtype=np.int64)
        passage_id[[g for g, _, _ in ordered]] = np.arange(1, len(ordered) + 1)
        r = occ.bounded
        at = np.searchsorted(groups, np.stack((self.link_a, self.link_b)))
        near = self.near
        store.replace_passages(
            passage_rows,
            self._occurrence_rows(ordered),
            zip(
                passage_id[at[0]].tolist(), passage_id[at[1]].tolist(), near.a0[r].tolist(), near.a1[r].tolist(),
                near.b0[r].tolist(), near.b1[r].tolist(), near.score[r].tolist(),
                [KINDS[x] for x in near.kind[r].tolist()], self.link_flags.tolist(), strict=True,
            ),
        )  # fmt: skip

    def _occurrence_rows(self, ordered: list[tuple[int, int, int]]) -> Iterator[tuple[Any, ...]]:
        occ, id_of = self.occ, self.occ.id_of
        for pid, (g, _, _) in enumerate(ordered, 1):
            lo = int(occ.first[self.groups[g]])
            hi = lo + int(occ.count[self.groups[g]])
            yield from zip(
                itertools.repeat(pid), [id_of[x] for x in occ.seq[lo:hi].tolist()], occ.idx[lo:hi].tolist(),
                occ.start[lo:hi].tolist(), occ.end[lo:hi].tolist(), occ.boiler[lo:hi].astype(int).tolist(),
            )  # fmt: skip


ROWS_CHUNK = 1 << 16  # matches whose rows are made at once while inserting
PAIRS_AT_ONCE = 1 << 22  # occurrence pairs of near rows made at once (_OccurrenceTable._every_pair)


def _numbered(
    order: np.ndarray,
    single: list[np.ndarray],
    single_rows: Callable[[list[np.ndarray]], Iterator[tuple[Any, ...]]],
    multi: list[Any],
) -> Iterator[tuple[int, list[tuple[Any, ...]]]]:
    """``(number, rows)`` of each match in ``order`` (1, 2, ...): entry ``k`` below the number of
    single-piece matches is one row made from column ``k`` of ``single``, a chunk of rows at a
    time (Python objects for 3.4 M matches at 10^6 articles would take gigabytes); above, the
    row or rows ``multi[k - singles]``."""
    singles = len(single[0])
    number = 0
    for lo in range(0, len(order), ROWS_CHUNK):
        part = order[lo : lo + ROWS_CHUNK]
        made = single_rows([c[part[part < singles]] for c in single])
        for k in part.tolist():
            number += 1
            if k < singles:
                yield number, [next(made)]
            else:
                got = multi[k - singles]
                yield number, got if isinstance(got, list) else [got]


class _NearRows:
    """The ``near`` table as columns; ``kind`` as an index into :data:`KINDS`."""

    def __init__(self, rows: Iterable[tuple[Any, ...]], chunk: int = 100_000) -> None:
        # Made into arrays a chunk of rows at a time: all of them as Python tuples at once took
        # ~300 bytes a row (a long run-on article's pieces: 3 M rows).
        it = iter(rows)
        parts = []
        while block := list(itertools.islice(it, chunk)):
            cols = list(zip(*block, strict=True))
            # Token offsets in a sentence and a kind fit in fewer bytes: rows are held by the
            # million through the stage.
            norms = [np.array(c, dtype=np.int64) for c in cols[:2]]
            spans = [np.array(c, dtype=np.int32) for c in cols[2:6]]
            kind = np.array([KINDS.index(k) for k in cols[7]], dtype=np.int8)
            parts.append((*norms, *spans, np.array(cols[6], dtype=np.float64), kind))
            del block, cols
        columns: list[np.ndarray] = (
            [np.concatenate(c) for c in zip(*parts, strict=True)]
            if parts
            else [np.empty(0, dtype=t) for t in [np.int64] * 2 + [np.int32] * 4 + [np.float64, np.int8]]
        )
        self.norm_a, self.norm_b, self.a0, self.a1, self.b0, self.b1, self.score, self.kind = columns

    def select(self, keep: np.ndarray) -> _NearRows:
        """These rows where ``keep`` is true (itself where all are)."""
        if keep.all():
            return self
        out = _NearRows([])
        for name in ("norm_a", "norm_b", "a0", "a1", "b0", "b1", "score", "kind"):
            setattr(out, name, getattr(self, name)[keep])
        return out


@dataclass
class _Pieces:
    """Pieces as columns: occurrence positions ``a``, ``b`` and character spans in their articles."""

    a: np.ndarray
    b: np.ndarray
    a_start: np.ndarray
    a_end: np.ndarray
    b_start: np.ndarray
    b_end: np.ndarray
    score: np.ndarray
    kind: np.ndarray  # index into KINDS
    linked: np.ndarray  # bool: a link of a widely printed sentence's occurrence, not one of all pairs

    def __post_init__(self) -> None:
        # Held by the million and copied as they are filtered and oriented: half the bytes.
        for name in ("a", "b", "a_start", "a_end", "b_start", "b_end"):
            setattr(self, name, _narrow(getattr(self, name)))
        self.kind = self.kind.astype(np.int8, copy=False)


def _narrow(values: np.ndarray) -> np.ndarray:
    """Integers as int32 where every one of them fits (as they are otherwise)."""
    fits = len(values) == 0 or (int(values.min()) >= -(2**31) and int(values.max()) < 2**31)
    return values.astype(np.int32, copy=False) if fits else values


class _OccurrenceTable:
    """Occurrences of the wanted norms as columns, grouped by norm; within a norm by article id,
    then position in the article (the order ``rows`` come in)."""

    def __init__(
        self,
        rows: np.ndarray,
        boiler: np.ndarray,
        id_of: list[str],
        meta: dict[str, tuple[str | None, str | None]],
        lead: np.ndarray | None = None,
    ) -> None:
        by_norm = np.argsort(rows["norm"], kind="stable")
        rows = rows[by_norm]
        self.norm = rows["norm"]
        self.seq, self.idx = rows["article"], rows["idx"]  # (the stored int32 of these three)
        self.start, self.end = rows["start"], rows["end"]
        self.boiler = boiler[by_norm]
        self.lead = np.zeros(len(rows), dtype=bool) if lead is None else lead[by_norm]  # see LEAD_BIT
        n = len(self.norm)
        new_norm = np.ones(n, dtype=bool)
        new_norm[1:] = self.norm[1:] != self.norm[:-1]
        self.first = np.flatnonzero(new_norm)
        self.count = np.diff(np.append(self.first, n))
        self.group_norm = self.norm[self.first]
        self.all_boiler = np.logical_and.reduceat(self.boiler, self.first) if n else np.empty(0, dtype=bool)
        self.id_of = id_of
        self._lists = _Occurrences(meta)  # of all-boilerplate norms only, filled when asked for
        self._position: dict[tuple[str, int], int] = {}  # (article, sentence index) -> position
        self.fan_out(None, np.full(int(self.seq.max(initial=0)) + 1, -1, dtype=np.int64), lambda: self.seq)
        self.bounded = np.empty(0, dtype=np.int64)  # near rows linked, not paired (near_pieces sets it)

    def fan_out(
        self, fanout: int | None, outlet_code: np.ndarray, time_rank: Callable[[], np.ndarray]
    ) -> None:
        """Link, rather than pair, the occurrences of norms with more than ``fanout`` of them
        (None: pair all). ``outlet_code``: each article's outlet (-1: unknown); ``time_rank``:
        each article's place in publication order, asked for only where there is something to
        link."""
        self.fanout = len(self.seq) if fanout is None else fanout
        self.big = self.count > self.fanout
        self.outlet = outlet_code[self.seq]
        self._next_outlet_cache: np.ndarray | None = None
        self._next_article_cache: np.ndarray | None = None
        self._outlets_of_group: tuple[np.ndarray, np.ndarray] | None = None
        self._time_rank = time_rank
        self._when: np.ndarray | None = None

    def when(self) -> np.ndarray:
        """Each article's place in publication order (made once, when first asked)."""
        if self._when is None:
            self._when = self._time_rank()
        return self._when

    def groups(self, norms: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.group_norm, norms)

    def _boilerplate_pair(self, na: int, nb: int) -> list[tuple[int, int]]:
        """The representative pair of two norms that are boilerplate in every article, as positions."""
        for norm in (na, nb):
            if norm not in self._lists.lists:
                g = int(self.groups(np.array([norm]))[0])
                lo, hi = int(self.first[g]), int(self.first[g] + self.count[g])
                listed = self._lists.lists[norm]
                for s, i, a, b, pos in zip(
                    self.seq[lo:hi].tolist(), self.idx[lo:hi].tolist(), self.start[lo:hi].tolist(),
                    self.end[lo:hi].tolist(), range(lo, hi), strict=True,
                ):  # fmt: skip
                    listed.append((self.id_of[s], i, a, b, True))
                    self._position[(self.id_of[s], i)] = pos
        return [(self._position[p[:2]], self._position[q[:2]]) for p, q in self._lists.pairs(na, nb)]

    def boilerplate_pairs(self, ga: np.ndarray, gb: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The representative pair (positions ``a``, ``b``) of each pair of norm groups
        ``ga[k]``, ``gb[k]`` that are boilerplate in every article, and ``k``; none where there is
        none: :meth:`_Occurrences.pairs`' choice, worked out in numpy where the first occurrence of
        ``ga[k]`` has a partner, in Python otherwise (a template's variants make near pairs by
        the hundred thousand)."""
        same = ga == gb
        a = self.first[ga]
        j = np.where(same, a + 1, self.first[gb])
        end = self.first[gb] + self.count[gb]
        inside = j < end
        jj = np.where(inside, j, 0)
        unknown = self.outlet[a] < 0  # then another article will do, not another outlet
        differs = np.where(unknown, self.seq[jj] != self.seq[a], self.outlet[jj] != self.outlet[a])
        later = np.where(unknown, self._next_article()[jj], self._next_outlet()[jj])
        b = np.where(differs, jj, later)
        found = inside & (b >= 0)
        k = np.flatnonzero(found)
        a, b = a[k], b[k]
        # The first occurrence has no partner: one outlet prints both everywhere (no pair), or
        # a later occurrence may have one.
        lo_a, hi_a, lo_b, hi_b = (x[~found] for x in (*self._outlet_range(ga), *self._outlet_range(gb)))
        single = (lo_a >= 0) & (lo_a == hi_a) & (lo_b == hi_b) & (lo_a == lo_b)
        rest = np.flatnonzero(~found)[~single]
        more = [
            (p, q, r)
            for r in rest.tolist()
            for p, q in self._boilerplate_pair(int(self.group_norm[ga[r]]), int(self.group_norm[gb[r]]))
        ]
        if more:
            m = np.array(more, dtype=np.int64)
            a, b, k = np.concatenate((a, m[:, 0])), np.concatenate((b, m[:, 1])), np.concatenate((k, m[:, 2]))
            order = np.argsort(k, kind="stable")
            a, b, k = a[order], b[order], k[order]
        return a, b, k

    def _next_differing(self, values: np.ndarray) -> np.ndarray:
        """For each position, the next one of its norm group whose value differs (-1: none)."""
        n = len(values)
        new_run = np.ones(n, dtype=bool)
        new_run[1:] = (values[1:] != values[:-1]) | (self.norm[1:] != self.norm[:-1])
        run_start = np.flatnonzero(new_run)
        run_end = np.append(run_start[1:], n)[np.cumsum(new_run) - 1]
        group_end = np.repeat(self.first + self.count, self.count)
        return _narrow(np.where(run_end < group_end, run_end, -1))  # cached: held through the stage

    def _next_outlet(self) -> np.ndarray:
        if self._next_outlet_cache is None:
            self._next_outlet_cache = self._next_differing(self.outlet)
        return self._next_outlet_cache

    def _next_article(self) -> np.ndarray:
        if self._next_article_cache is None:
            self._next_article_cache = self._next_differing(self.seq)
        return self._next_article_cache

    def _outlet_range(self, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The lowest and highest outlet code of each group's occurrences (-1: unknown)."""
        if self._outlets_of_group is None:
            empty = np.empty(0, dtype=np.int64)
            lo = np.minimum.reduceat(self.outlet, self.first) if len(self.first) else empty
            hi = np.maximum.reduceat(self.outlet, self.first) if len(self.first) else empty
            self._outlets_of_group = (lo, hi)
        lo, hi = self._outlets_of_group
        return lo[groups], hi[groups]

    def verbatim_pieces(self, dup_norms: np.ndarray) -> _Pieces:
        """Every pair of occurrences of each norm, in two articles (of a norm that is boilerplate
        everywhere, one pair stands for all; of a norm with many occurrences, :meth:`links`)."""
        g = self.groups(dup_norms)
        everywhere = self.all_boiler[g]
        fan = self.big[g] & ~everywhere
        paired = g[~everywhere & ~fan]
        counts = self.count[paired]
        members = np.repeat(self.first[paired], counts) + _ranges(counts)
        pairs = _run_pairs(members, counts) if len(members) else np.empty((0, 2), dtype=np.int64)
        pairs = pairs[self.seq[pairs[:, 0]] != self.seq[pairs[:, 1]]]
        g_every = g[everywhere]
        extra_a, extra_b, _ = self.boilerplate_pairs(g_every, g_every)
        child, parent, _ = self.links(g[fan], g[fan])
        a = np.concatenate((pairs[:, 0], extra_a, parent))
        b = np.concatenate((pairs[:, 1], extra_b, child))
        linked = np.zeros(len(a), dtype=bool)
        linked[len(a) - len(child) :] = True
        return _Pieces(
            a, b, self.start[a], self.end[a], self.start[b], self.end[b],
            np.ones(len(a)), np.full(len(a), KINDS.index("verbatim")), linked,
        )  # fmt: skip

    def links(self, children: np.ndarray, parents: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each occurrence of norm group ``children[k]`` with the occurrence of group ``parents[k]``
        it is linked to, and ``k`` (positions; ``children[k] == parents[k]``: a norm's own
        occurrences, each pair once).

        The parent is the earliest occurrence (in publication order, then article id) in another
        article: a sentence many papers print came to them all from one place, and the earliest
        is where tracer can see it first. An occurrence that is not boilerplate takes the earliest
        that is not either, where there is one (its match is then reuse to show, not boilerplate
        to hide). Where the parent is of the child's own outlet and either is boilerplate there (a
        match tracer would not keep: the outlet's template), the earliest of another outlet. The
        earliest occurrence of all has no parent among its own norm's.
        """
        counts = self.count[children]
        child = np.repeat(self.first[children], counts) + _ranges(counts)
        k = np.repeat(np.arange(len(children)), counts)
        first, second, other = (x[k] for x in self._earliest(parents, clean=False))
        clean_first, clean_second, _ = (x[k] for x in self._earliest(parents, clean=True))
        parent = self._parent(child, first, second)
        clean = self._parent(child, clean_first, clean_second)
        use_clean = ~self.boiler[child] & (child != clean_first) & (clean >= 0)
        parent = np.where(use_clean, clean, parent)
        ok = (parent >= 0) & (child != first)
        safe = np.where(parent >= 0, parent, 0)
        hidden = (
            ok & (self.boiler[child] | self.boiler[safe]) & (self.outlet[child] >= 0)
            & (self.outlet[child] == self.outlet[safe])
        )  # fmt: skip
        # The earliest of another outlet than the earliest's: the child's outlet is that one here
        # (the parent is the earliest, or the child is in the earliest's article).
        usable = (
            hidden & ~use_clean & (self.outlet[child] == self.outlet[np.maximum(first, 0)]) & (other >= 0)
        )
        parent = np.where(usable, other, parent)
        ok &= ~hidden | usable
        child, parent, k = child[ok], parent[ok], k[ok]
        # The earliest clean occurrence is linked by the rule for all: once, where that names the
        # second clean one, which is linked to it too.
        low, high = np.minimum(child, parent), np.maximum(child, parent)
        once = np.unique(np.stack((k, low, high)), axis=1, return_index=True)[1] if len(k) else k
        once.sort()
        return child[once], parent[once], k[once]

    def _parent(self, child: np.ndarray, first: np.ndarray, second: np.ndarray) -> np.ndarray:
        """``first``, or ``second`` where the child is in ``first``'s article (-1 stays -1)."""
        same = (first >= 0) & (self.seq[child] == self.seq[np.maximum(first, 0)])
        return np.where(first < 0, -1, np.where(same, second, first))

    def _earliest(self, groups: np.ndarray, clean: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For each norm group: its earliest occurrence, its earliest in another article than
        that one's, and its earliest of another outlet than that one's (-1: none); ``clean``: of
        the occurrences that are not boilerplate only."""
        if len(groups) == 0:
            empty = np.empty(0, dtype=np.int64)
            return empty, empty, empty
        unique, where = np.unique(groups, return_inverse=True)
        counts = self.count[unique]
        pos = np.repeat(self.first[unique], counts) + _ranges(counts)
        k = np.repeat(np.arange(len(unique)), counts)
        pos = pos[np.lexsort((self.idx[pos], self.when()[self.seq[pos]], k))]
        starts = np.cumsum(counts) - counts
        n = len(pos)
        at = np.arange(n)
        counted = ~self.boiler[pos] if clean else np.ones(n, dtype=bool)
        first_at = np.minimum.reduceat(np.where(counted, at, n), starts)
        padded = np.append(pos, -1)
        first = padded[first_at]
        lead = np.maximum(first, 0)[k]
        second_at = np.minimum.reduceat(np.where(counted & (self.seq[pos] != self.seq[lead]), at, n), starts)
        other_at = np.minimum.reduceat(
            np.where(counted & (self.outlet[pos] != self.outlet[lead]), at, n), starts
        )
        return first[where], padded[second_at][where], padded[other_at][where]

    def near_pieces(self, near: _NearRows, store: Store) -> _Pieces:
        """Every pair of an occurrence of each near pair's one norm and the other's, in two articles,
        with the character spans of the region they share. Where either norm has many
        occurrences, each occurrence of the one with fewer is linked to one of the other's
        (:meth:`links`) instead: those rows are ``bounded``."""
        ga, gb = self.groups(near.norm_a), self.groups(near.norm_b)
        everywhere = self.all_boiler[ga] & self.all_boiler[gb]
        # Two norms found in one article only, the same, make no piece: their occurrences' pairs
        # are not made (one long article repeating its sentences had billions of them).
        low = np.minimum.reduceat(self.seq, self.first) if len(self.first) else self.seq[:0]
        high = np.maximum.reduceat(self.seq, self.first) if len(self.first) else self.seq[:0]
        alone = (low[ga] == high[ga]) & (low[gb] == high[gb]) & (low[ga] == low[gb])
        # Linked too where every pair would make more pieces than a widely printed sentence
        # (template variants each printed a dozen times made ~100 pieces a row: 16 GB at 10^6).
        crowded = self.count[ga] * self.count[gb] > self.fanout
        wide = self.big[ga] | self.big[gb]
        bounded = ~everywhere & ~alone & (wide | crowded)
        self.bounded = np.flatnonzero(bounded)
        each = np.flatnonzero(
            ~everywhere & ~alone & ~bounded & ~self._satellite_pairs(ga, gb, bounded & wide, near.score)
        )
        a, b, row = self._every_pair(ga, gb, each)
        rows_every = np.flatnonzero(everywhere)
        extra_a, extra_b, k = self.boilerplate_pairs(ga[rows_every], gb[rows_every])
        a, b, row = (
            np.concatenate((a, _narrow(extra_a))),
            np.concatenate((b, _narrow(extra_b))),
            np.concatenate((row, _narrow(rows_every[k]))),
        )
        paired = len(a)
        # Linked rows: the side with fewer occurrences (a on a tie) is linked to the other.
        r = self.bounded
        a_few = self.count[ga[r]] <= self.count[gb[r]]
        few, many = np.where(a_few, ga[r], gb[r]), np.where(a_few, gb[r], ga[r])
        child, parent, k = self.links(few, many)
        from_a = a_few[k]
        a = np.concatenate((a, _narrow(np.where(from_a, child, parent))))
        b = np.concatenate((b, _narrow(np.where(from_a, parent, child))))
        row = np.concatenate((row, _narrow(r[k])))
        del child, parent, k, from_a
        start, end = self.char_spans(
            store, np.concatenate((a, b)), np.concatenate((near.a0[row], near.b0[row])),
            np.concatenate((near.a1[row], near.b1[row])),
        )  # fmt: skip
        n = len(a)
        linked = np.arange(n) >= paired
        return _Pieces(a, b, start[:n], end[:n], start[n:], end[n:], near.score[row], near.kind[row], linked)

    def _every_pair(
        self, ga: np.ndarray, gb: np.ndarray, each: np.ndarray, at_once: int = PAIRS_AT_ONCE
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Positions ``a``, ``b`` of every pair of an occurrence of group ``ga[r]`` and one of
        ``gb[r]`` in two articles, and ``r``, for the rows ``each`` (sorted), in row order.

        Made about ``at_once`` pairs at a time and kept in int32 where they fit: the steps that
        make them hold several arrays the length of the pairs, and the pairs grow with the corpus."""
        ka, kb = self.count[ga[each]], self.count[gb[each]]
        made = ka * kb
        cuts = np.searchsorted(np.cumsum(made), np.arange(at_once, int(made.sum()), at_once)) + 1
        bounds = [0, *cuts.tolist(), len(each)]
        parts = []
        for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
            m = made[lo:hi]
            row = np.repeat(each[lo:hi], m)
            k = _ranges(m)
            per_b = np.repeat(kb[lo:hi], m)
            a = np.repeat(self.first[ga[each[lo:hi]]], m) + k // per_b
            b = np.repeat(self.first[gb[each[lo:hi]]], m) + k % per_b
            del k, per_b
            apart = self.seq[a] != self.seq[b]
            parts.append((_narrow(a[apart]), _narrow(b[apart]), _narrow(row[apart])))
        a, b, row = (np.concatenate([p[i] for p in parts]) for i in range(3))
        return a, b, row

    def _satellite_pairs(
        self, ga: np.ndarray, gb: np.ndarray, bounded: np.ndarray, score: np.ndarray
    ) -> np.ndarray:
        """Which near rows join two satellites (near copies of a widely printed sentence, each
        linked to it) no closer to each other than either is to it: rows left out, as the
        copies of one sentence are (every two of a story's edited copies made a match).

        Rows ``bounded``: a widely printed norm and a near copy of it, ``score`` apart."""
        few = np.where(self.big[ga], gb, ga)[bounded]
        best = np.full(len(self.first), -1.0)
        np.maximum.at(best, few, score[bounded])
        return (best[ga] >= 0) & (best[gb] >= 0) & (score <= np.maximum(best[ga], best[gb]))

    def char_spans(
        self, store: Store, pos: np.ndarray, first: np.ndarray, last: np.ndarray, chunk: int = 2000
    ) -> tuple[np.ndarray, np.ndarray]:
        """Character span of tokens ``[first, last)`` of each occurrence ``pos`` in its article.

        A chunk of articles at a time; each sentence folded once (folding maps each character on
        its own: fold the sentence, not the article) and tokenised with the others in numpy.
        """
        # Spans within an article and places among the occurrences fit in int32 (as stored).
        out_start, out_end = np.empty(len(pos), dtype=np.int32), np.empty(len(pos), dtype=np.int32)
        sentence = unique_sorted(pos)
        sentence = sentence[np.argsort(self.seq[sentence], kind="stable")]  # article by article
        slot = np.empty(len(self.seq), dtype=np.int32)
        slot[sentence] = np.arange(len(sentence))
        asked = slot[pos]
        by_slot = np.argsort(asked, kind="stable").astype(np.int32)
        asked = asked[by_slot]
        seqs = self.seq[sentence]
        starts_article = np.ones(len(seqs), dtype=bool)
        starts_article[1:] = seqs[1:] != seqs[:-1]
        new_article = np.flatnonzero(starts_article)
        bounds = np.append(new_article[::chunk], len(sentence)).tolist()
        for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
            s = sentence[lo:hi]
            texts = store.texts_by_seq(np.unique(self.seq[s]).tolist())
            parts = [
                fold(texts[q][a:b])
                for q, a, b in zip(
                    self.seq[s].tolist(), self.start[s].tolist(), self.end[s].tolist(), strict=True
                )
            ]
            lengths = np.fromiter(map(len, parts), dtype=np.int64, count=len(parts))
            base = np.cumsum(lengths + 1) - (lengths + 1)  # where each sentence starts in the joined text
            joined = "\n".join(parts)  # no token crosses the line breaks (nor a rejoined word: bounds)
            tok_at, tok_end, _ = rejoin_hyphenated(joined, token_table(joined), base)
            if len(tok_at) == 0:  # only whole sentences are asked for then: any index will do below
                tok_at = tok_end = np.zeros(1, dtype=np.int64)
            first_tok = np.searchsorted(tok_at, base)
            n_tok = np.searchsorted(tok_at, base + lengths) - first_tok
            r = by_slot[np.searchsorted(asked, lo) : np.searchsorted(asked, hi)]  # requests in this chunk
            which = slot[pos[r]] - lo
            t0, t1 = first[r], last[r]
            whole = (t0 == 0) & (t1 >= n_tok[which])  # the whole sentence, punctuation included
            f = np.where(whole, 0, first_tok[which] + t0).clip(0, len(tok_at) - 1)
            e = np.where(whole, 0, first_tok[which] + t1 - 1).clip(0, len(tok_at) - 1)
            sentence_first, sentence_last = first_tok[which], first_tok[which] + n_tok[which] - 1
            f, e = _whole_numbers(joined, tok_at, tok_end, f, e, ~whole, sentence_first, sentence_last)
            s_start, s_end = self.start[pos[r]], self.end[pos[r]]
            out_start[r] = np.where(whole, s_start, s_start + tok_at[f] - base[which])
            out_end[r] = np.where(whole, s_end, s_start + tok_end[e] - base[which])
        return out_start, out_end


def _whole_numbers(
    text: str,
    tok_at: np.ndarray,
    tok_end: np.ndarray,
    first: np.ndarray,
    last: np.ndarray,
    asked: np.ndarray,
    lowest: np.ndarray,
    highest: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Token spans ``[first, last]`` of ``text`` (where ``asked``) widened to whole numbers: a
    number's groups are tokens of their own ("300,000": "300", "000"), and a span that began or
    ended inside one read "000 UAW workers" or "at 1". Within ``[lowest, highest]``."""
    first, last = first.copy(), last.copy()

    def glued(left: int, right: int) -> bool:  # tokens "300" and "000" of "300,000" (or "1.71")
        a, b = int(tok_end[left]), int(tok_at[right])
        return b == a + 1 and text[a] in ",." and text[a - 1].isdigit() and text[b].isdigit()

    # Only spans that begin or end with a digit are looked at, in Python (few: most are words).
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    digit = (codes >= 48) & (codes <= 57)
    edge = asked & ((digit[tok_at[first]] & (first > lowest)) | (digit[tok_end[last] - 1] & (last < highest)))
    for k in np.flatnonzero(edge).tolist():
        while first[k] > lowest[k] and glued(first[k] - 1, first[k]):
            first[k] -= 1
        while last[k] < highest[k] and glued(last[k], last[k] + 1):
            last[k] += 1
    return first, last


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


# Pieces of one passage whose spans are this close (characters of unmatched text between
# them, on both sides) chain whatever their kinds: a short sentence left unmatched, the rest
# of a sentence cut at another boundary, two neighbours swapped.
NEAR_CHARS = 60
ABUTTING_CHARS = 20  # at most between partial pieces on one side ("Critics say that " before a copy)


def _gap(lo: int, hi: int, start: int, end: int) -> int:
    """Characters between ``[start, end)`` and ``[lo, hi)`` (0 where they touch or overlap)."""
    return max(start - hi, lo - end, 0)


def _chain(pieces: list[_Piece]) -> list[list[_Piece]]:
    """Pieces chained into passages: neighbours in both articles' sentences (a skipped sentence
    bridged between close copies), or spans a few characters from the passage's on both sides."""
    open_passages: list[tuple[list[_Piece], list[int]]] = []  # pieces, extent (x0, x1, y0, y1)
    for piece in sorted(pieces, key=lambda q: (q.x_idx, q.y_idx, q.x_start, q.y_start)):
        for passage, ext in reversed(open_passages):
            last = passage[-1]
            dx, dy = piece.x_idx - last.x_idx, piece.y_idx - last.y_idx
            # Bridging a skipped sentence only between close copies: partial pieces in
            # rewritten text are often different statements that happen to sit nearby.
            partial = "partial" in (piece.kind, last.kind)
            gap = 1 if partial else 2
            neighbours = 0 <= dx <= gap and 0 <= dy <= gap and (dx, dy) != (0, 0)
            gap_x = _gap(ext[0], ext[1], piece.x_start, piece.x_end)
            gap_y = _gap(ext[2], ext[3], piece.y_start, piece.y_end)
            # Partial pieces in neighbouring sentences with uncopied text between them on both
            # sides are two fragments, not one passage (a cut sentence or one put in leaves a
            # gap on one side only).
            if partial and min(gap_x, gap_y) > ABUTTING_CHARS:
                neighbours = False
            if neighbours or (gap_x <= NEAR_CHARS and gap_y <= NEAR_CHARS):
                passage.append(piece)
                ext[:] = (min(ext[0], piece.x_start), max(ext[1], piece.x_end),
                          min(ext[2], piece.y_start), max(ext[3], piece.y_end))  # fmt: skip
                break
        else:
            open_passages.append(([piece], [piece.x_start, piece.x_end, piece.y_start, piece.y_end]))
    return [passage for passage, _ in open_passages]


def _one_source(passages: list[list[_Piece]], target_x: bool) -> list[list[_Piece]]:
    """Each stretch of the target aligned once: where pieces of two passages overlap in the
    target (a copied sentence also aligned to a similar one elsewhere in the source), the
    passage covering more of the target keeps it, and the others' pieces there are dropped."""

    def span(q: _Piece) -> tuple[int, int]:
        return (q.x_start, q.x_end) if target_x else (q.y_start, q.y_end)

    if len(passages) < 2:
        return passages
    ranked = sorted(
        range(len(passages)),
        key=lambda k: (
            -sum(span(q)[1] - span(q)[0] for q in passages[k]),
            -max(q.score for q in passages[k]),
            k,
        ),
    )
    kept: list[tuple[int, int]] = []
    dropped = False
    out: list[_Piece] = []
    for k in ranked:
        mine = [q for q in passages[k] if not any(s < span(q)[1] and span(q)[0] < e for s, e in kept)]
        dropped |= len(mine) < len(passages[k])
        kept += [span(q) for q in mine]
        out += mine
    return _chain(out) if dropped else passages


def _merge(plist: list[_Piece], target_x: bool = False) -> Iterator[tuple[list[_Piece], int]]:
    """Chain pieces into passages (:func:`_chain`), each stretch of the target aligned to one
    stretch of the source (:func:`_one_source`; ``target_x``: the target is the x article);
    boilerplate, banal and linked pieces apart from the others, so that a match is all one or
    the other."""
    if len(plist) == 1:  # most article pairs share one sentence
        yield plist, plist[0].boilerplate
        return
    for boiler, linked in sorted({(q.boilerplate, q.linked) for q in plist}):
        chosen = [q for q in plist if q.boilerplate == boiler and q.linked == linked]
        for passage in _one_source(_chain(chosen), target_x):
            yield passage, boiler


class _GapText:
    """Whether stretches of stored texts hold a word (texts read once per article pair)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.texts: dict[str, str] = {}

    def wordless(self, article: str, spans: list[tuple[int, int]]) -> bool:
        if article not in self.texts:
            if len(self.texts) > 2:
                self.texts.clear()
            self.texts.update(self.store.texts([article]))
        text = self.texts[article]
        return not any(c.isalnum() for s, e in spans for c in text[s:e])


def _in_order(passage: list[_Piece], gaps: _GapText | None, x: str, y: str) -> bool:
    """Whether a passage of verbatim pieces reads the same on both sides: the pieces in one
    order, and only spaces and punctuation between them (a few characters apart, as sentences
    are, need no look at the texts)."""
    by_x = sorted(passage, key=lambda q: (q.x_start, q.x_end))
    by_y = sorted(passage, key=lambda q: (q.y_start, q.y_end))
    if by_x != by_y:
        return False
    close = all(
        q.x_start - p.x_end <= _SENTENCE_GAP and q.y_start - p.y_end <= _SENTENCE_GAP
        for p, q in itertools.pairwise(by_x)
    )
    return close or gaps is None or _seamless(passage, x, y, gaps)


_SENTENCE_GAP = 3  # characters between two sentences: ". " or a paragraph break


def _seamless(passage: list[_Piece], x: str, y: str, gaps: _GapText) -> bool:
    """Whether ``passage`` is one verbatim copy cut at other sentence boundaries: every piece
    the same words (score 1), in the same order on both sides, nothing but spaces and
    punctuation between them."""
    if any(q.score < 1.0 for q in passage):
        return False
    by_x = sorted(passage, key=lambda q: (q.x_start, q.x_end))
    by_y = sorted(passage, key=lambda q: (q.y_start, q.y_end))
    if by_x != by_y:
        return False
    x_gaps = [(p.x_end, q.x_start) for p, q in itertools.pairwise(by_x) if q.x_start > p.x_end]
    y_gaps = [(p.y_end, q.y_start) for p, q in itertools.pairwise(by_y) if q.y_start > p.y_end]
    return gaps.wordless(x, x_gaps) and gaps.wordless(y, y_gaps)


def _published_orders(
    published: list[str | None], day_rank: np.ndarray, timed: np.ndarray, x: np.ndarray, y: np.ndarray
) -> np.ndarray:
    """:func:`_published_order` of articles ``x[k]`` and ``y[k]`` for every ``k``: where a date is
    missing or either is a day alone, from the days' ranks; two date-times one pair at a time."""
    dx, dy = day_rank[x], day_rank[y]
    out = np.where((dx < 0) | (dy < 0), 0, np.sign(dx - dy))
    both = np.flatnonzero(timed[x] & timed[y])
    out[both] = [
        _published_order(published[i], published[j])
        for i, j in zip(x[both].tolist(), y[both].tolist(), strict=True)
    ]
    return out


def _rounded(values: np.ndarray) -> np.ndarray:
    """``round(v, 4)`` of each value, Python's (correctly rounded, unlike ``np.round``), each
    distinct value rounded once."""
    distinct, where = np.unique(values, return_inverse=True)
    return np.array([round(v, 4) for v in distinct.tolist()], dtype=np.float64)[where.reshape(-1)]


def _published_order(a: str | None, b: str | None) -> int:
    """-1 if ``a`` is earlier, 1 if later, 0 if unknown or equal at the precision both have."""
    if a is None or b is None:
        return 0
    if len(a) == 10 or len(b) == 10:
        a, b = a[:10], b[:10]
        return (a > b) - (a < b)
    if a == b:
        return 0
    da, db = _parse_date(a), _parse_date(b)
    if da is None or db is None:  # not a date any datetime can hold (a store of an older version)
        return (a > b) - (a < b)
    return (da > db) - (da < db)


# An article's date is compared once per match it is in: parse each once. A time of day with
# no zone is read as UTC.
_parse_date = functools.lru_cache(maxsize=1 << 16)(utc_naive)


def _passage_kind(kinds: set[str]) -> str:
    """A passage's kind from its pieces': paraphrases beside copies make it partial."""
    if kinds == {"verbatim"}:
        return "verbatim"
    return "partial" if kinds & {"partial", "paraphrase"} else "near-verbatim"


def _match_row(
    meta: dict[str, tuple[str | None, str | None]],
    x: str,
    y: str,
    passage: list[_Piece],
    boiler: int,
    gaps: _GapText | None = None,
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
        kind = _passage_kind(kinds)
        if kind == "verbatim" and not _in_order(passage, gaps, x, y):
            kind = "near-verbatim"  # copied sentences, but reordered or with words between them
        elif kind != "verbatim" and gaps is not None and _seamless(passage, x, y, gaps):
            kind = "verbatim"  # the same words, cut into sentences elsewhere
        kind = "paraphrase" if kinds == {"paraphrase"} else kind
    order = _published_order(meta[x][1], meta[y][1])
    direction = "unknown" if order == 0 else "forward"
    same = meta[x][0] is not None and meta[x][0] == meta[y][0]
    scope = "same-outlet" if same else "cross-outlet"
    if order > 0:  # y was published first: it is the source
        x, y, xs, xe, ys, ye = y, x, ys, ye, xs, xe
    linked = int(passage[0].linked)
    return (x, y, direction, xs, xe, ys, ye, score, kind, scope, int(boiler), len(passage), linked)


def query(
    store: Store,
    outlet: str | None = None,
    min_score: float = 0.0,
    include_boilerplate: bool = False,
    scope: str = "all",
    article_id: str | None = None,
    include_banal: bool = False,
) -> list[Match]:
    """Stored matches, cross-outlet first, then by source article and position. Boilerplate and
    banal matches (stock phrases) only where asked for, each on its own."""
    return list(iter_matches(store, outlet, min_score, include_boilerplate, scope, article_id, include_banal))


def iter_matches(
    store: Store,
    outlet: str | None = None,
    min_score: float = 0.0,
    include_boilerplate: bool = False,
    scope: str = "all",
    article_id: str | None = None,
    include_banal: bool = False,
    all_pairs: bool = False,
    since: str | None = None,
    until: str | None = None,
    sort: str = "scope",
    limit: int | None = None,
) -> Iterator[Match]:
    """:func:`query`, a batch of rows at a time as the iterator is read. ``all_pairs``: instead
    of linked matches (each occurrence of a widely printed sentence with the one it most likely
    came from), every pair of its occurrences, made from the passages as they are read, after
    the stored matches (:func:`tracer.passages.all_pairs`). ``since``/``until`` keep matches
    whose later article (the target) was published in those days (inclusive); ``sort`` is a
    key of :data:`tracer.queries.MATCH_SORTS`; ``limit`` stops after that many."""
    found = _iter_matches(
        store, outlet, min_score, include_boilerplate, scope, article_id, include_banal, all_pairs,
        since, until, sort,
    )  # fmt: skip
    return found if limit is None else itertools.islice(found, limit)


def _iter_matches(
    store: Store,
    outlet: str | None,
    min_score: float,
    include_boilerplate: bool,
    scope: str,
    article_id: str | None,
    include_banal: bool,
    all_pairs: bool,
    since: str | None,
    until: str | None,
    sort: str,
) -> Iterator[Match]:
    from .queries import MATCH_SORTS, day_range, match_row_batches

    if sort not in MATCH_SORTS:
        raise TracerError(f"unknown sort {sort!r}", f"choose one of {', '.join(MATCH_SORTS)}")
    if all_pairs and sort != "scope":
        raise TracerError(
            "--sort cannot order --all-pairs (its pairs are made as they are written)",
            "leave out --sort, or --all-pairs",
        )
    lo, hi = day_range(since, until)
    batches = match_row_batches(
        store,
        min_score,
        lo,
        hi,
        all_pairs,
        include_boilerplate,
        include_banal,
        scope,
        outlet,
        article_id,
        sort,
    )
    for rows in batches:
        # Spans sliced in Python: SQLite's substr() stops at a NUL character in the text.
        sources = store.span_texts([(r[1], r[4], r[5]) for r in rows])
        targets = store.span_texts([(r[2], r[6], r[7]) for r in rows])
        yield from map(_match, rows, sources, targets)
    if all_pairs:
        from .passages import all_pairs as pairs_of_passages

        for pair in pairs_of_passages(
            store, outlet, min_score, include_boilerplate, scope, article_id, include_banal
        ):
            day = (pair.target_published or "")[:10]
            if (lo is None or lo <= day) and (hi is None or (day and day <= hi)):
                yield pair


def _match(r: tuple[Any, ...], source_text: str, target_text: str) -> Match:
    return Match(
        id=r[0], source_id=r[1], target_id=r[2], direction=r[3], source_span=(r[4], r[5]),
        target_span=(r[6], r[7]), source_text=source_text, target_text=target_text, score=r[8], kind=r[9],
        scope=r[10], boilerplate=bool(r[11] & BOILERPLATE), sentences=r[12], source_outlet=r[13],
        target_outlet=r[14], source_published=r[15], target_published=r[16], banal=bool(r[11] & BANAL),
    )  # fmt: skip
