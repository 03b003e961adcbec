"""Claims: group reused spans into recurring statements.

Works on *spans*, not sentences: every sentence-level piece of a match names a span
in each article; spans that overlap within one article are one mention; pieces link
mentions across articles. Mentions are grouped by average-linkage agglomeration: two
groups merge only while the *average* similarity over all their cross pairs (a
missing link counts as 0) stays above a threshold. Plain connected components would
let a chain of weak links (A~B, B~C, C~D...) snowball into one giant claim; average
linkage needs most members to be linked to each other, which keeps claims tight.
"""

from __future__ import annotations

import hashlib
import heapq
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from .store import Store
from .text import STOPWORDS, fold, tokens


@dataclass(frozen=True)
class ClaimParams:
    min_average: float = 0.3  # average cross-link similarity needed to merge two groups
    min_overlap: float = 0.5  # spans in one article overlapping this share of the shorter are one mention
    max_terms: int = 6


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


def _mentions(store: Store, p: ClaimParams) -> tuple[list[Mention], dict[tuple[int, int], float]]:
    """Mentions (overlapping spans in one article merged) and the best link between each pair."""

    # The pieces are read twice rather than kept: as a list of rows, those of 10^6 simulated
    # articles (3.4 M) would hold another gigabyte through the whole grouping.
    def pieces() -> sqlite3.Cursor:
        return store.conn.execute(
            "SELECT p.a_id, p.a_start, p.a_end, p.b_id, p.b_start, p.b_end, p.score FROM pieces p "
            "JOIN matches m ON m.id = p.match_id WHERE m.boilerplate = 0"
        )

    spans: dict[str, set[tuple[int, int]]] = defaultdict(set)
    for a, as_, ae, b, bs, be, _ in pieces():
        spans[a].add((as_, ae))
        spans[b].add((bs, be))
    share = p.min_overlap
    mention_of: dict[tuple[str, int, int], int] = {}
    mentions: list[Mention] = []
    for art in sorted(spans):
        groups: list[list[tuple[int, int]]] = []
        reach: list[int] = []  # the furthest end of each group's spans
        for span in sorted(spans[art]):
            start, end = span
            for g, group in enumerate(groups):
                # Spans come sorted by start: a group whose spans all end by this one's
                # start cannot overlap it (what _overlaps would find, without calling it).
                if reach[g] > start and any(_overlaps(span, other, share) for other in group):
                    group.append(span)
                    if end > reach[g]:
                        reach[g] = end
                    break
            else:
                groups.append([span])
                reach.append(end)
        bounds = [(min(s for s, _ in g), max(e for _, e in g)) for g in groups]
        for k in sorted(range(len(groups)), key=bounds.__getitem__):
            index = len(mentions)
            mentions.append(Mention(art, *bounds[k]))
            for span in groups[k]:
                mention_of[(art, *span)] = index
    del spans
    links: dict[tuple[int, int], float] = {}
    for a, as_, ae, b, bs, be, score in pieces():
        i, j = mention_of[(a, as_, ae)], mention_of[(b, bs, be)]
        if i != j:
            key = (i, j) if i < j else (j, i)
            links[key] = max(links.get(key, 0.0), float(score))
    return mentions, links


def _overlaps(a: tuple[int, int], b: tuple[int, int], share: float) -> bool:
    inter = min(a[1], b[1]) - max(a[0], b[0])
    return inter > 0 and inter >= share * min(a[1] - a[0], b[1] - b[0])


def average_linkage(n: int, links: dict[tuple[int, int], float], threshold: float) -> list[list[int]]:
    """Groups of ``0..n-1``: merge the pair of groups with the highest average link while it is >= threshold.

    Only linked groups ever merge, so each connected component of the links is grouped on
    its own (the same merges, in the same order within it), and a component of one link
    merges when the link reaches the threshold, without a heap (at 10^5 simulated articles:
    3.4 -> 2.1 s under cProfile).
    """
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
        if len(part) == 1:
            (((i, j), w),) = part.items()
            groups += [[i, j]] if w >= threshold else [[i], [j]]
        else:
            groups += _linkage_of_component(part, threshold)
        linked.update(i for pair in part for i in pair)
    groups += [[i] for i in range(n) if i not in linked]
    return sorted((sorted(g) for g in groups), key=lambda g: g[0])


def _linkage_of_component(links: dict[tuple[int, int], float], threshold: float) -> list[list[int]]:
    """:func:`average_linkage` of the mentions of one connected component (all linked)."""
    members: dict[int, list[int]] = {i: [i] for pair in links for i in pair}
    sums: dict[int, dict[int, float]] = defaultdict(dict)
    for (i, j), w in links.items():
        si = sums[i]
        si[j] = si.get(j, 0.0) + w
        sj = sums[j]
        sj[i] = sj.get(i, 0.0) + w
    heap = [(-w, i, j) for (i, j), w in sorted(links.items())]
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
    store: Store, params: ClaimParams | None = None
) -> Iterator[tuple[Claim, dict[str, str]]]:
    """The claims of :func:`build_claims` with ``terms`` left empty (:func:`claim_terms` fills
    them, where the members' tokens are made anyway), made one at a time as the iterator is
    read, in no set order (:func:`claim_order` sorts them): what is done with each can start
    before the last one is made. Each comes with the texts of its members' articles (id ->
    text), read a batch of claims at a time."""
    p = params or ClaimParams()
    mentions, links = _mentions(store, p)
    groups = []
    for group in average_linkage(len(mentions), links, p.min_average):
        if len({mentions[i].article_id for i in group}) >= 2:
            groups.append(group)
    return _claims_of(groups, mentions, links, store)


def _claims_of(
    groups: list[list[int]],
    mentions: list[Mention],
    links: dict[tuple[int, int], float],
    store: Store,
) -> Iterator[tuple[Claim, dict[str, str]]]:
    # A member's centrality: the sum of its links inside its claim, added in the order of
    # ``links`` (as walking a dict of each mention's links would: equal sums stay equal).
    # As arrays: the links of 10^6 simulated articles (3.4 M) as dicts took gigabytes.
    claim_of = np.full(len(mentions), -1, dtype=np.int64)
    for k, group in enumerate(groups):
        claim_of[group] = k
    ends = np.array(list(links), dtype=np.int64).reshape(-1, 2)
    weight = np.fromiter(links.values(), dtype=np.float64, count=len(links))
    del links
    inside = (claim_of[ends[:, 0]] >= 0) & (claim_of[ends[:, 0]] == claim_of[ends[:, 1]])
    centrality = np.bincount(
        ends[inside].ravel(), weights=np.repeat(weight[inside], 2), minlength=len(mentions)
    ).tolist()
    del claim_of, ends, weight, inside
    meta = store.article_meta()
    lo = 0
    while lo < len(groups):
        # Only the mentions in a claim are given their article's metadata and text.
        hi, size = lo, 0
        while hi < len(groups) and (hi == lo or size + len(groups[hi]) <= TEXTS_BATCH):
            size += len(groups[hi])
            hi += 1
        texts = store.texts({mentions[i].article_id for group in groups[lo:hi] for i in group})
        for group in groups[lo:hi]:
            yield _claim(group, mentions, centrality, meta, texts), texts
            for i in group:  # the claim holds its members now: the list need not keep them
                mentions[i] = None  # type: ignore[call-overload]  # never read again
        lo = hi


def _claim(
    group: list[int],
    mentions: list[Mention],
    centrality: list[float],
    meta: dict[str, tuple[str | None, str | None]],
    texts: dict[str, str],
) -> Claim:
    for i in group:
        m = mentions[i]
        m.outlet, m.published = meta[m.article_id]
        m.text = texts[m.article_id][m.start : m.end]
    group.sort(key=lambda i: (mentions[i].published or "9999", mentions[i].article_id, mentions[i].start))
    members = [mentions[i] for i in group]
    central = max(range(len(group)), key=lambda k: (centrality[group[k]], -k))
    canon = members[central]
    digest = hashlib.sha1(f"{canon.article_id}:{canon.start}:{canon.end}".encode()).hexdigest()[:10]
    return Claim(f"c{digest}", " ".join(canon.text.split()), [], members, central)


def claim_terms(member_tokens: list[list[str]], limit: int) -> list[str]:
    """Content words carried by the most members (given the tokens of each member's folded text)."""
    counts: Counter[str] = Counter()
    for toks in member_tokens:
        counts.update({t for t in toks if t not in STOPWORDS and len(t) > 2 and not t.isdigit()})
    return [t for t, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]]
