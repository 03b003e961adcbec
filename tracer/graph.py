"""The propagation graph as a networkx MultiDiGraph, built from a scanned store.

Nodes (``type``): ``outlet`` (``external`` when only cited, never in the corpus),
``account`` (a social account an article credits, "@golub": a person or account, not an outlet),
``article`` and ``claim``; ids are prefixed (``outlet:``, ``account:``, ``article:``, ``claim:``).
Edges (``kind``):
- ``published_by``  article -> outlet
- ``carries``       article -> claim, with the span
- ``echoes``        earlier article -> later article, with claim ids, lag, similarity, confidence and
                    ``credited``: the later article credits the earlier one's outlet
- ``cites``         credited outlet or account -> the article that credits it
- ``outlet_echoes`` outlet A -> outlet B: claims B took from A, median lag, share credited (to A)
Flow edges (``echoes``, ``cites``, ``outlet_echoes``) point the way the text travelled, from the
source to the one that took or credited it; ``published_by`` and ``carries`` point from an article
to what it belongs to.
Nodes and edges are added in sorted order so the graph, and every export of it, is deterministic.
"""

from __future__ import annotations

import json
import statistics
from collections import defaultdict
from typing import Any

import networkx as nx

from . import queries
from .attribution import is_account
from .model import outlet_label
from .store import Store


def outlet_node(name: str | None) -> str:
    """An outlet's node; an article of unknown outlet has one of its own (:func:`outlet_label`)."""
    return f"outlet:{name or 'unknown'}"


def cited_node(name: str) -> str:
    """The node of a credited name: an account ("@golub") or an outlet."""
    return f"account:{name}" if is_account(name) else outlet_node(name)


def build_graph(store: Store) -> nx.MultiDiGraph:
    g: nx.MultiDiGraph = nx.MultiDiGraph()
    articles = queries.claimed_articles(store)
    outlets = sorted({outlet_label(a[1], a[0]) for a in articles})
    cited = sorted(queries.cited_names(store) - set(outlets))
    for name in outlets:
        g.add_node(outlet_node(name), type="outlet", label=name, external=False)
    for name in cited:
        if is_account(name):
            g.add_node(cited_node(name), type="account", label=name, external=True)
        else:
            g.add_node(outlet_node(name), type="outlet", label=name, external=True)
    for art_id, outlet, published, title, url in articles:
        g.add_node(
            f"article:{art_id}", type="article", label=title or art_id, outlet=outlet_label(outlet, art_id),
            published=published or "", title=title or "", url=url or "",
        )  # fmt: skip
        g.add_edge(
            f"article:{art_id}",
            outlet_node(outlet_label(outlet, art_id)),
            key="published_by",
            kind="published_by",
        )
    for cid, text, terms, first_seen, last_seen, n_art, n_out in queries.claim_rows(store):
        g.add_node(
            f"claim:{cid}", type="claim", label=text[:80], text=text, terms=", ".join(json.loads(terms)),
            first_seen=first_seen or "", last_seen=last_seen or "", articles=n_art, outlets=n_out,
        )  # fmt: skip
    members = queries.member_rows(store)
    echoes: dict[tuple[str, str], list[tuple[Any, ...]]] = defaultdict(list)
    by_outlets: dict[tuple[str, str], list[tuple[Any, ...]]] = defaultdict(list)
    for cid, art, start, end, role, parent, lag, sim, credited, conf, outlet, p_outlet in members:
        g.add_edge(
            f"article:{art}", f"claim:{cid}", key=f"carries:{start}", kind="carries", start=start, end=end,
            role=role,
        )  # fmt: skip
        if parent:
            echoes[(parent, art)].append((cid, lag, sim, credited, conf))
            by_outlets[(outlet_label(p_outlet, parent), outlet_label(outlet, art))].append(
                (cid, lag, credited)
            )
    for (parent, child), items in sorted(echoes.items()):
        lags = [i[1] for i in items if i[1] is not None]
        g.add_edge(
            f"article:{parent}", f"article:{child}", key="echoes", kind="echoes",
            claims=", ".join(sorted({i[0] for i in items})),
            lag_days=min(lags) if lags else -1.0,
            similarity=round(max(i[2] or 0.0 for i in items), 3),
            credited=any(bool(i[3]) for i in items),
            confidence=round(max(i[4] or 0.0 for i in items), 3),
            weight=len(items),
        )  # fmt: skip
    for art, outlet in queries.claimed_article_citations(store):
        g.add_edge(cited_node(outlet), f"article:{art}", key=f"cites:{outlet}", kind="cites")
    for (src, dst), items in sorted(by_outlets.items()):
        lags = [i[1] for i in items if i[1] is not None]
        g.add_edge(
            outlet_node(src), outlet_node(dst), key="outlet_echoes", kind="outlet_echoes",
            claims=len({i[0] for i in items}), echoes=len(items),
            median_lag_days=statistics.median(lags) if lags else -1.0,
            share_credited=round(sum(bool(i[2]) for i in items) / len(items), 3), weight=len(items),
        )  # fmt: skip
    return g
