"""Claims: group reused spans into recurring statements.

Works on *spans*, not sentences: every sentence-level piece of a match names a span
in each article; spans that overlap within one article are one mention; pieces link
mentions across articles. Mentions are grouped by average-linkage agglomeration: two
groups merge only while the *average* similarity over all their cross pairs (a
missing link counts as 0) stays above a threshold. Plain connected components would
let a chain of weak links (A~B, B~C, C~D...) snowball into one giant claim; average
linkage needs most members to be linked to each other, which keeps claims tight.

A sentence printed by many articles comes as a *unit* (:class:`~tracer.matches.Units`), not
as pieces between every two of its occurrences: its mentions start as one group, and the
links its pieces would have made are counted without being made (every two occurrences at
1.0, every occurrence and every near copy's at the near pair's score), so the averages are
those of every pair while the work grows with the occurrences.
"""

from __future__ import annotations

import hashlib
import heapq
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np

from .errors import TracerError
from .matches import Units, read_link_pieces
from .params import ClaimParams
from .segment import whole_sentences
from .store import Store
from .text import STOPWORDS, fold, tokens


# Records made by the million at 10^6 simulated articles: slots, not a __dict__ each.
@dataclass(slots=True)
class Mention:
    article_id: str
    start: int
    end: int
    outlet: str | None = None
    published: str | None = None
    text: str = ""


@dataclass(slots=True)
class Claim:
    id: str
    text: str
    terms: list[str]
    members: list[Mention] = field(default_factory=list)
    canonical: int = 0  # index of the most central member

    @property
    def articles(self) -> list[str]:
        return sorted({m.article_id for m in self.members})

    @property
    def outlets(self) -> list[str]:
        return sorted({m.outlet for m in self.members if m.outlet})

    @property
    def first_seen(self) -> str | None:
        dates = sorted(m.published for m in self.members if m.published)
        return dates[0] if dates else None

    @property
    def last_seen(self) -> str | None:
        dates = sorted(m.published for m in self.members if m.published)
        return dates[-1] if dates else None


@dataclass
class MentionGraph:
    """Mentions, the links between them and the claims' groups of them, as arrays: made by
    :func:`mention_graph` in whichever process (a scan starts it in a worker while it stores
    the matches).

    Mention ``i`` is ``[start[i], end[i])`` of article ``article[i]`` (a number into
    :attr:`~tracer.matches.LinkPieces.names`); mentions are ordered by article, then bounds.
    ``link_a[k]``, ``link_b[k]``, ``link_score[k]``: the best score of the pieces between two
    mentions, pairs in the order each first appears among the pieces. The mentions of group
    ``g`` are ``members[bounds[g]:bounds[g + 1]]``, sorted; groups are those in two articles
    or more, ordered by their first mention.
    """

    article: np.ndarray
    start: np.ndarray
    end: np.ndarray
    link_a: np.ndarray
    link_b: np.ndarray
    link_score: np.ndarray
    members: np.ndarray
    bounds: np.ndarray
    # The links units stand for, summed for each mention over its group (0 outside units).
    implied: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.float64))


@dataclass
class ClaimsStart:
    """The mention graph of stored pieces begun elsewhere with ``params``, over the articles
    ``names``: ``waiter()`` waits for it (an engine's :meth:`~tracer.engine.Engine.submit`)."""

    names: list[str]
    params: ClaimParams
    waiter: Callable[[], MentionGraph] | None

    def take(self) -> MentionGraph:
        """The graph, once made; this object lets go of it and of what made it (the graph's
        arrays are freed once the claims are made of them)."""
        waiter, self.waiter = self.waiter, None
        if waiter is None:
            raise TracerError("the mention graph begun for these claims was taken already")
        return waiter()


def mention_graph(
    columns: np.ndarray, score: np.ndarray, params: ClaimParams, units: Units | None = None
) -> MentionGraph:
    """The :class:`MentionGraph` of pieces (:class:`~tracer.matches.LinkPieces` ``columns``,
    ``score`` and ``units``): a pure function, for any process."""
    units = units if units is not None else Units.none()
    article, start, end, links, unit_mention = _mentions(columns, score, params, units.spans)
    grouped = UnitGroups.of(units, unit_mention, article) if len(units) else None
    hubs = hub_groups(links, params.hub_links, params.min_average)
    groups = [
        group
        for group in average_linkage(len(article), links, params.min_average, grouped, hubs)
        if len({article[i] for i in group}) >= 2
    ]
    pairs = np.array(list(links), dtype=np.int64).reshape(-1, 2)
    sizes = np.array([len(g) for g in groups], dtype=np.int64)
    implied = grouped.centrality(groups, len(article)) if grouped else np.zeros(len(article))
    return MentionGraph(
        np.array(article, dtype=np.int64),
        np.array(start, dtype=np.int64),
        np.array(end, dtype=np.int64),
        pairs[:, 0].copy(),
        pairs[:, 1].copy(),
        np.fromiter(links.values(), dtype=np.float64, count=len(links)),
        np.array([i for g in groups for i in g], dtype=np.int64),
        np.append(0, np.cumsum(sizes)),
        implied,
    )


@dataclass
class UnitGroups:
    """:class:`~tracer.matches.Units` as mentions: each unit's mentions (distinct, sorted),
    whether they start as one group (``internal``: copies of each other, their links to each
    other counted, not made), and the near pairs between units, which count where either unit
    is internal (the other's links are stored pieces)."""

    members: list[list[int]]
    internal: list[bool]
    links: list[tuple[int, int, float]]
    article: list[int]  # of every mention

    @classmethod
    def of(cls, units: Units, unit_mention: np.ndarray, article: list[int]) -> UnitGroups:
        bounds = units.bounds.tolist()
        mention = unit_mention.tolist()
        members = [sorted(set(mention[bounds[k] : bounds[k + 1]])) for k in range(len(units))]
        internal = units.internal.tolist()
        links = [
            (u, v, w) if internal[u] else (v, u, w)  # the internal one first
            for u, v, w in zip(
                units.link_a.tolist(), units.link_b.tolist(), units.link_score.tolist(), strict=True
            )
            if (internal[u] or internal[v]) and members[u] and members[v]
        ]
        return cls(members, internal, links, article)

    def per_article(self, unit: int) -> Counter[int]:
        return Counter(self.article[i] for i in self.members[unit])

    def implied(self, node: Callable[[int], int]) -> Iterator[tuple[int, int, float]]:
        """The sums of the links the near pairs stand for, as ``(node, node, sum)``: between two
        internal units, ``score`` times their pairs of mentions in two articles; between an
        internal unit and each mention of another, ``score`` times the unit's mentions in other
        articles than that mention's."""
        for u, v, score in self.links:
            per_u = self.per_article(u)
            size_u = len(self.members[u])
            if self.internal[v]:
                per_v = self.per_article(v)
                same = sum(n * per_v.get(a, 0) for a, n in per_u.items())
                yield (
                    node(self.members[u][0]),
                    node(self.members[v][0]),
                    score * (size_u * len(self.members[v]) - same),
                )
            else:
                for m in self.members[v]:
                    yield node(self.members[u][0]), node(m), score * (size_u - per_u.get(self.article[m], 0))

    def centrality(self, groups: list[list[int]], n: int) -> np.ndarray:
        """For each of ``n`` mentions, the links units stand for within its group, summed."""
        out = np.zeros(n, dtype=np.float64)
        group_of: dict[int, int] = {}
        for g, grouped in enumerate(groups):
            for i in grouped:
                group_of[i] = g
        for u, members in enumerate(self.members):
            if self.internal[u] and members:
                per = self.per_article(u)
                for i in members:
                    out[i] += len(members) - per[self.article[i]]
        for u, v, score in self.links:  # u is internal: its mentions are in one group
            mu = self.members[u]
            in_group = group_of.get(mu[0], -1)
            mv = [m for m in self.members[v] if group_of.get(m, -2) == in_group]
            per_u = self.per_article(u)
            per_v = Counter(self.article[m] for m in mv)
            for i in mu:
                out[i] += score * (len(mv) - per_v.get(self.article[i], 0))
            for i in mv:
                out[i] += score * (len(mu) - per_u.get(self.article[i], 0))
        return out


def _mentions(
    piece: np.ndarray, score: np.ndarray, p: ClaimParams, unit_spans: np.ndarray | None = None
) -> tuple[list[int], list[int], list[int], dict[tuple[int, int], float], np.ndarray]:
    """Mentions (overlapping spans in one article merged; article, start and end of each) and the
    best link between each pair.

    Spans are made distinct and ordered in numpy, and only the articles where spans overlap are
    grouped span by span (at 10^5 simulated articles: 1.72 s of CPU with the pieces read from
    the store, against 2.26 s reading them twice into dicts; medians of five alternating runs)."""
    # Each side of each piece a span (article, start, end), then each unit's; distinct spans in
    # that order.
    if unit_spans is None:
        unit_spans = np.empty((3, 0), dtype=np.int64)
    sides = np.concatenate((piece[[0, 1, 2]], piece[[3, 4, 5]], unit_spans), axis=1).T
    order = np.lexsort((sides[:, 2], sides[:, 1], sides[:, 0]))  # 8x faster than np.unique(axis=0)
    ordered = sides[order]
    new_span = np.ones(len(ordered), dtype=bool)  # (np.append(True, ...) is one too long when empty)
    new_span[1:] = (ordered[1:] != ordered[:-1]).any(axis=1)
    spans = ordered[new_span]
    span_of_side = np.empty(len(sides), dtype=np.int64)
    span_of_side[order] = np.cumsum(new_span) - 1
    del sides, order, ordered, new_span
    article, first_span = np.unique(spans[:, 0], return_index=True)
    bounds = np.append(first_span, len(spans)).tolist()
    # A span that starts where every earlier span of its article has ended joins no group: in
    # an article of only such spans, each span is a mention of its own.
    # (A running maximum of the ends, each article's offset above all ends of the ones before.)
    offset = spans[:, 0] * (int(spans[:, 2].max(initial=0)) + 1)
    reach_before = np.append(-1, np.maximum.accumulate(spans[:, 2] + offset)[:-1]) - offset
    apart = spans[:, 1] >= reach_before
    all_apart = np.logical_and.reduceat(apart, first_span).tolist() if len(spans) else []
    starts, ends = spans[:, 1].tolist(), spans[:, 2].tolist()
    mention_of_span: list[int] = [0] * len(spans)
    m_article: list[int] = []
    m_start: list[int] = []
    m_end: list[int] = []
    share = p.min_overlap
    for k, art in enumerate(article.tolist()):
        lo, hi = bounds[k], bounds[k + 1]
        if all_apart[k]:
            mention_of_span[lo:hi] = range(len(m_article), len(m_article) + hi - lo)
            m_article.extend([art] * (hi - lo))
            m_start.extend(starts[lo:hi])
            m_end.extend(ends[lo:hi])
            continue
        for (g_start, g_end), members in _group_spans(
            list(zip(starts[lo:hi], ends[lo:hi], strict=True)), share
        ):
            for i in members:
                mention_of_span[lo + i] = len(m_article)
            m_article.append(art)
            m_start.append(g_start)
            m_end.append(g_end)
    # Links: the best score of the pieces between two mentions, in the order each pair first
    # appears among the pieces (centrality sums and the linkage add links up in that order).
    m = piece.shape[1]
    mention_of = np.array(mention_of_span, dtype=np.int64)
    side_a, side_b = mention_of[span_of_side[:m]], mention_of[span_of_side[m : 2 * m]]
    unit_mention = mention_of[span_of_side[2 * m :]]
    keep = side_a != side_b
    n = max(len(m_article), 1)
    key = np.minimum(side_a, side_b)[keep] * n + np.maximum(side_a, side_b)[keep]
    score = score[keep]
    order = np.argsort(key, kind="stable")
    new_key = np.ones(len(key), dtype=bool)
    new_key[1:] = key[order][1:] != key[order][:-1]
    first = np.flatnonzero(new_key)
    best = np.maximum(np.maximum.reduceat(score[order], first), 0.0) if len(first) else score[:0]
    by_appearance = np.argsort(order[first])
    key, best = key[order][first][by_appearance], best[by_appearance]
    links = dict(zip(zip((key // n).tolist(), (key % n).tolist(), strict=True), best.tolist(), strict=True))
    return m_article, m_start, m_end, links, unit_mention


def _group_spans(spans: list[tuple[int, int]], share: float) -> list[tuple[tuple[int, int], list[int]]]:
    """Spans of one article (distinct, sorted) grouped into mentions: each span joins the first
    group holding a span it overlaps (by ``share`` of the shorter). Returns each mention's bounds
    and its spans' positions, mentions ordered by bounds."""
    groups: list[list[int]] = []
    reach: list[int] = []  # the furthest end of each group's spans
    # Spans come sorted by start: a group whose spans all end by this one's start cannot overlap
    # it nor any later one. The others, in the order they were made:
    active: list[int] = []
    for k, (start, end) in enumerate(spans):
        active = [g for g in active if reach[g] > start]
        for g in active:
            for other in groups[g]:
                o_start, o_end = spans[other]
                inter = min(end, o_end) - max(start, o_start)
                if inter > 0 and inter >= share * min(end - start, o_end - o_start):
                    break
            else:
                continue
            groups[g].append(k)
            if end > reach[g]:
                reach[g] = end
            break
        else:
            active.append(len(groups))
            groups.append([k])
            reach.append(end)
    bounds = [(spans[g[0]][0], reach[k]) for k, g in enumerate(groups)]  # a group's first span starts first
    return [(bounds[g], groups[g]) for g in sorted(range(len(groups)), key=bounds.__getitem__)]


# How far above the threshold a component's weakest link must be for the shortcut below: the
# averages the merges compute are sums of floats, off by far less than this.
_CLEAR = 1e-9


def hub_groups(links: dict[tuple[int, int], float], hub_links: int, threshold: float) -> list[list[int]]:
    """Each mention linked to more than ``hub_links`` others (a hub), with those it is linked to
    at ``threshold`` or more, the hub first.

    A sentence many papers each edit their own way has its copies compared with a few of them
    only (:class:`~tracer.candidates.Anchors`): a star of links, whose average over every pair
    stays low. A hub and its copies start as one group, as a unit's occurrences do.
    """
    degree: Counter[int] = Counter(i for pair in links for i in pair)
    hubs = {i for i, d in degree.items() if d > hub_links}
    if not hubs:
        return []
    spokes: dict[int, list[int]] = defaultdict(list)
    for (i, j), w in links.items():
        if w >= threshold:
            if i in hubs:
                spokes[i].append(j)
            if j in hubs:
                spokes[j].append(i)
    return [[hub, *sorted(spokes[hub])] for hub in sorted(spokes)]


def average_linkage(
    n: int,
    links: dict[tuple[int, int], float],
    threshold: float,
    units: UnitGroups | None = None,
    hubs: list[list[int]] | None = None,
) -> list[list[int]]:
    """Groups of ``0..n-1``: merge the pair of groups with the highest average link while it is >= threshold.

    Only linked groups ever merge, so each connected component of the links is grouped on
    its own (the same merges, in the same order within it), and a component of one link
    merges when the link reaches the threshold, without a heap (at 10^5 simulated articles:
    3.4 -> 2.1 s under cProfile). ``units``: mentions that start as one group each, with the
    links they stand for; ``hubs``: more that start as one group each (:func:`hub_groups`).
    """
    if units is not None or hubs:
        return _unit_linkage(n, links, threshold, units or UnitGroups([], [], [], []), hubs or [])
    groups: list[list[int]] = []
    by_component: dict[int, dict[tuple[int, int], float]] = defaultdict(dict)
    if links:
        from scipy.sparse import csr_matrix  # scipy comes with datasketch; loaded only here
        from scipy.sparse.csgraph import connected_components

        ends = np.array(list(links), dtype=np.int64)
        graph = csr_matrix((np.ones(len(ends), dtype=np.int8), (ends[:, 0], ends[:, 1])), shape=(n, n))
        label = connected_components(graph, directed=False)[1].tolist()
        for (i, j), w in links.items():  # each component's links in the order given
            by_component[label[i]][(i, j)] = w
    linked: set[int] = set()
    for part in by_component.values():
        members = {i for pair in part for i in pair}
        if len(part) == 1:
            (((i, j), w),) = part.items()
            groups += [[i, j]] if w >= threshold else [[i], [j]]
        elif len(part) == len(members) * (len(members) - 1) // 2 and min(part.values()) >= threshold + _CLEAR:
            # Every pair linked, each link above the threshold: every average is too, so the
            # merges go on until one group is left (11,083 of 13,347 components at 10^5).
            groups.append(list(members))
        else:
            groups += _linkage_of_component(part, threshold)
        linked.update(members)
    groups += [[i] for i in range(n) if i not in linked]
    return sorted((sorted(g) for g in groups), key=lambda g: g[0])


def _unit_linkage(
    n: int, links: dict[tuple[int, int], float], threshold: float, units: UnitGroups, hubs: list[list[int]]
) -> list[list[int]]:
    """:func:`average_linkage` where each internal unit's mentions start as one group (a node,
    named by its first mention; units sharing a mention are one node) and the links between
    nodes are the sums of those between their mentions, the links units stand for included."""
    root: dict[int, int] = {}

    def find(i: int) -> int:
        while root.get(i, i) != i:
            i = root[i]
        return i

    for members, internal in zip(units.members, units.internal, strict=True):
        for i in members[1:] if internal else []:
            a, b = find(members[0]), find(i)
            if a != b:
                root[max(a, b)] = min(a, b)
    for group in hubs:
        for i in group[1:]:
            a, b = find(group[0]), find(i)
            if a != b:
                root[max(a, b)] = min(a, b)
    start: dict[int, list[int]] = {}
    firsts = {m[0] for m, internal in zip(units.members, units.internal, strict=True) if m and internal}
    firsts.update(i for group in hubs for i in group)
    for i in sorted(root.keys() | firsts):
        start.setdefault(find(i), []).append(i)
    node = {i: r for r, members in start.items() for i in members}
    sums: dict[tuple[int, int], float] = {}
    for (i, j), w in links.items():
        a, b = node.get(i, i), node.get(j, j)
        if a != b:
            key = (a, b) if a < b else (b, a)
            sums[key] = sums.get(key, 0.0) + w
    for a, b, w in units.implied(lambda i: node.get(i, i)):
        if a != b and w > 0:
            key = (a, b) if a < b else (b, a)
            sums[key] = sums.get(key, 0.0) + w
    size = {r: len(members) for r, members in start.items()}
    groups: list[list[int]] = []
    by_component: dict[int, dict[tuple[int, int], float]] = defaultdict(dict)
    if sums:
        from scipy.sparse import csr_matrix
        from scipy.sparse.csgraph import connected_components

        ends = np.array(list(sums), dtype=np.int64)
        graph = csr_matrix((np.ones(len(ends), dtype=np.int8), (ends[:, 0], ends[:, 1])), shape=(n, n))
        label = connected_components(graph, directed=False)[1].tolist()
        for (i, j), w in sums.items():
            by_component[label[i]][(i, j)] = w
    linked: set[int] = set()
    for part in by_component.values():
        nodes = {i for pair in part for i in pair}
        average = {pair: w / (size.get(pair[0], 1) * size.get(pair[1], 1)) for pair, w in part.items()}
        if len(nodes) == 2 and len(part) == 1:
            ((a, b),) = part
            if average[(a, b)] >= threshold:
                groups.append(start.get(a, [a]) + start.get(b, [b]))
            else:
                groups += [start.get(a, [a]), start.get(b, [b])]
        elif len(part) == len(nodes) * (len(nodes) - 1) // 2 and min(average.values()) >= threshold + _CLEAR:
            groups.append([i for r in nodes for i in start.get(r, [r])])
        else:
            groups += _linkage_of_component(part, threshold, {r: start.get(r, [r]) for r in nodes})
        linked.update(nodes)
    groups += [members for r, members in start.items() if r not in linked]
    covered = linked | node.keys()
    groups += [[i] for i in range(n) if i not in covered]
    return sorted((sorted(g) for g in groups), key=lambda g: g[0])


def _linkage_of_component(
    links: dict[tuple[int, int], float], threshold: float, start: dict[int, list[int]] | None = None
) -> list[list[int]]:
    """:func:`average_linkage` of the mentions of one connected component (all linked); ``start``:
    the mentions each node of ``links`` starts with (default: itself alone), ``links`` the sums
    of the links between them."""
    members: dict[int, list[int]] = {
        i: [i] if start is None else list(start[i]) for pair in links for i in pair
    }
    sums: dict[int, dict[int, float]] = defaultdict(dict)
    for (i, j), w in links.items():
        si = sums[i]
        si[j] = si.get(j, 0.0) + w
        sj = sums[j]
        sj[i] = sj.get(i, 0.0) + w
    heap = [(-w / (len(members[i]) * len(members[j])), i, j) for (i, j), w in sorted(links.items())]
    heapq.heapify(heap)
    pop, push = heapq.heappop, heapq.heappush
    while heap:
        neg, i, j = pop(heap)
        mi = members.get(i)
        mj = members.get(j)
        if mi is None or mj is None:
            continue
        avg = sums[i].get(j, 0.0) / (len(mi) * len(mj))
        if abs(avg + neg) > 1e-12:  # stale entry: the groups changed since it was pushed
            continue
        if avg < threshold:
            break
        keep, gone = (i, j) if len(mi) >= len(mj) else (j, i)
        kept = members[keep]
        kept.extend(members.pop(gone))
        sk = sums[keep]
        for other, w in sums.pop(gone).items():
            sums[other].pop(gone, None)
            if other == keep:
                continue
            total = sk.get(other, 0.0) + w
            sk[other] = total
            sums[other][keep] = total
        size = len(kept)
        for other, w in sorted(sk.items()):
            avg2 = w / (size * len(members[other]))
            push(heap, (-avg2, keep, other) if keep < other else (-avg2, other, keep))
    return list(members.values())


def build_claims(store: Store, params: ClaimParams | None = None) -> list[Claim]:
    """Claims of the store, most widely echoed first (more articles, then earlier, then id)."""
    p = params or ClaimParams()
    out = sorted((claim for claim, _ in claims_unsorted(store, p)), key=claim_order)
    for claim in out:
        claim.terms = claim_terms([tokens(fold(m.text)) for m in claim.members], p.max_terms)
    return out


def claim_order(claim: Claim) -> tuple[int, str, str]:
    """Sort key of claims: most widely echoed first (more articles, then earlier, then id)."""
    return (-len(claim.articles), claim.first_seen or "9999", claim.id)


# Claim members whose articles' texts are read at once. Reading the texts of every article in a
# claim at once took 3.7 GB at 10^6 simulated articles (671 k articles, 2.9 G characters).
TEXTS_BATCH = 20_000


def claims_unsorted(
    store: Store, params: ClaimParams | None = None, started: ClaimsStart | None = None
) -> Iterator[tuple[Claim, dict[str, str]]]:
    """The claims of :func:`build_claims` with ``terms`` left empty (:func:`claim_terms` fills
    them, where the members' tokens are made anyway), made one at a time as the iterator is
    read, in no set order (:func:`claim_order` sorts them): what is done with each can start
    before the last one is made. Each comes with the texts of its members' articles (id ->
    text), read a batch of claims at a time. ``started``: the mention graph of the stored
    pieces, begun elsewhere with these params (otherwise it is made here from the store)."""
    p = params or ClaimParams()
    if started is not None and started.params == p:
        names, graph = started.names, started.take()
    else:
        pieces = read_link_pieces(store)
        names, graph = pieces.names, mention_graph(pieces.columns, pieces.score, p, pieces.units)
        del pieces
    return _claims_of(graph, names, store)


def _claims_of(graph: MentionGraph, names: list[str], store: Store) -> Iterator[tuple[Claim, dict[str, str]]]:
    # A member's centrality: the sum of its links inside its claim, added in the order of the
    # links (as walking a dict of each mention's links would: equal sums stay equal).
    # As arrays: the links of 10^6 simulated articles (3.4 M) as dicts took gigabytes.
    n = len(graph.article)
    sizes = np.diff(graph.bounds)
    claim_of = np.full(n, -1, dtype=np.int64)
    claim_of[graph.members] = np.repeat(np.arange(len(sizes)), sizes)
    ends = np.stack((graph.link_a, graph.link_b), axis=1)
    inside = (claim_of[ends[:, 0]] >= 0) & (claim_of[ends[:, 0]] == claim_of[ends[:, 1]])
    centrality = np.bincount(
        ends[inside].ravel(), weights=np.repeat(graph.link_score[inside], 2), minlength=n
    )
    if len(graph.implied) and graph.implied.any():
        centrality = centrality + graph.implied
    centrality = centrality.tolist()
    del claim_of, ends, inside
    article, start, end = graph.article.tolist(), graph.start.tolist(), graph.end.tolist()
    bounds = graph.bounds.tolist()
    groups = [graph.members[bounds[g] : bounds[g + 1]].tolist() for g in range(len(sizes))]
    del graph
    meta = store.article_meta()
    lo = 0
    while lo < len(groups):
        # Only the mentions in a claim are made, with their article's metadata and text.
        hi, size = lo, 0
        while hi < len(groups) and (hi == lo or size + len(groups[hi]) <= TEXTS_BATCH):
            size += len(groups[hi])
            hi += 1
        texts = store.texts({names[article[i]] for group in groups[lo:hi] for i in group})
        for group in groups[lo:hi]:
            made = {i: Mention(names[article[i]], start[i], end[i]) for i in group}
            yield _claim(group, made, centrality, meta, texts), texts
        lo = hi


def _claim(
    group: list[int],
    mentions: dict[int, Mention],
    centrality: list[float],
    meta: dict[str, tuple[str | None, str | None]],
    texts: dict[str, str],
) -> Claim:
    for m in mentions.values():
        m.outlet, m.published = meta[m.article_id]
        m.text = texts[m.article_id][m.start : m.end]
    group.sort(key=lambda i: (mentions[i].published or "9999", mentions[i].article_id, mentions[i].start))
    group = _first_of_repeats(group, mentions)
    members = [mentions[i] for i in group]
    central = max(range(len(group)), key=lambda k: (centrality[group[k]], -k))
    canon = members[central]
    digest = hashlib.sha1(f"{canon.article_id}:{canon.start}:{canon.end}".encode()).hexdigest()[:10]
    # The claim reads as whole sentences: a span cut mid-sentence ("comes as leaked documents
    # allege...") cannot be quoted; the id stays the span's.
    lo, hi = whole_sentences(texts[canon.article_id], canon.start, canon.end)
    return Claim(f"c{digest}", " ".join(texts[canon.article_id][lo:hi].split()), [], members, central)


def _first_of_repeats(group: list[int], mentions: dict[int, Mention]) -> list[int]:
    """``group`` (in article order) less each mention that repeats an earlier one of its article
    word for word: an article printing a sentence 20,000 times carries the claim once, not as
    20,000 members (each traced with its paragraph: the whole article, where it is one line)."""
    seen: set[tuple[str, str]] = set()
    kept = []
    for i in group:
        m = mentions[i]
        key = (m.article_id, " ".join(m.text.split()))
        if key not in seen:
            seen.add(key)
            kept.append(i)
    return kept


# Function words of French, German, Spanish, Italian, Portuguese and Dutch (folded, longer than two
# letters), left out of a claim's terms as English ones are: "der", "les", "nicht" said nothing
# of a claim. Words that are English content words too ("war", "car", "son", "door") are not here.
TERM_STOPWORDS = frozenset(
    """les une des aux mais donc que qui quoi dont cet cette ces ses leur leurs mon mes tes notre nos
    votre vos ils elles nous vous pas plus par pour sur dans avec sans sous entre vers chez est sont etait
    ete etre ont avait avoir fait comme aussi tres tout tous toute toutes selon apres avant depuis lors
    n'a n'est qu'il c'est d'un d'une l'on d'ici der die das den dem des ein eine einer eines einem
    einen und oder aber doch nicht kein keine ist sind waren wird werden wurde wurden haben hatte
    hatten sein seine ihr ihre sich mit von zum zur aus bei nach vor uber unter fur durch gegen ohne
    als wie auch noch nur schon dass wir ich soll sollen kann konnen muss mussen auf unser unsere
    unserer unseren wollte wollen sie ihm ihn los las una unos unas pero del por para fue fueron ser
    han habia sus como mas muy tambien segun este esta estos estas gli uno che della dei delle alla per
    tra fra non sono stato stata hanno anche piu molto secondo questo questa uma dos das nas com sao
    tem mais muito segundo het een dat dit voor aan naar uit over niet geen zijn wordt werd heeft
    hebben ook nog""".split()
)


def claim_terms(member_tokens: list[list[str]], limit: int) -> list[str]:
    """Content words carried by the most members (given the tokens of each member's folded text)."""
    counts: Counter[str] = Counter()
    for toks in member_tokens:
        counts.update(
            {
                t
                for t in toks
                if t not in STOPWORDS and t not in TERM_STOPWORDS and len(t) > 2 and not t.isdigit()
            }
        )
    return [t for t, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]]
