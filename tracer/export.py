"""Export the propagation graph for Gephi (GEXF, GraphML, CSV) and d3 / sigma.js (node-link JSON).

``select_graph`` cuts a level and an optional filter out of ``graph.build_graph``'s graph; one
generator (lines) and one writer per format then serialise any MultiDiGraph. Everything is
deterministic: nodes sorted by id, edges by (source, target, key), attributes by name, and no
timestamp of the export run anywhere, so the same store always gives byte-identical files.

Attribute values are typed per column (one type per attribute name: booleans, integers, doubles,
anything else or a mix as strings). Text from articles is untrusted: characters XML 1.0 forbids
are removed (from node ids they are written as visible escapes such as ``\\x01``, so that names
differing only in them stay distinct nodes), XML is escaped, and CSV text cells that a spreadsheet
would run as a formula are prefixed with a single quote.

GEXF notes, checked against the format's XML Schemas: 1.2draft files say ``version="1.2"``
and have no edge ``kind``; in both versions the schemas declare ``color`` and ``size`` in the
GEXF namespace itself (a ``viz:``-prefixed element does not validate), so they are written
there. Gephi reads them by local name either way.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import re
import statistics
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import Any

import networkx as nx

from .atomic import replacing
from .dates import DateError, check_day_order, normalise
from .errors import TracerError
from .output import csv_lines

LEVELS = ("outlets", "articles", "claims")
FORMATS = ("gexf", "graphml", "json", "csv")
GEXF_VERSIONS = ("1.3", "1.2draft")

_GEXF_HEADER = {
    "1.3": '<gexf xmlns="http://gexf.net/1.3" xmlns:viz="http://gexf.net/1.3/viz" version="1.3">',
    "1.2draft": (
        '<gexf xmlns="http://www.gexf.net/1.2draft" xmlns:viz="http://www.gexf.net/1.2draft/viz" '
        'version="1.2">'
    ),
}

# d3's category20 without its greys (kept for claims and other nodes): an outlet's colour comes
# from a hash of its name, so it is the same in every export.
PALETTE = (
    (31, 119, 180),
    (174, 199, 232),
    (255, 127, 14),
    (255, 187, 120),
    (44, 160, 44),
    (152, 223, 138),
    (214, 39, 40),
    (255, 152, 150),
    (148, 103, 189),
    (197, 176, 213),
    (140, 86, 75),
    (196, 156, 148),
    (227, 119, 194),
    (247, 182, 210),
    (188, 189, 34),
    (219, 219, 141),
    (23, 190, 207),
    (158, 218, 229),
)
CLAIM_COLOR = (64, 64, 64)
OTHER_COLOR = (153, 153, 153)

DATE_HINT = "use an ISO 8601 date such as 2024-03-01"
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
# Characters XML 1.0 allows; everything else (most C0 controls, lone surrogates, U+FFFE/U+FFFF) goes.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

Edge = tuple[Any, Any, Any, dict[str, Any]]


# ---------------------------------------------------------------------------------------------
# Selection


def select_graph(
    G: nx.MultiDiGraph,
    level: str = "articles",
    claim: str | None = None,
    outlet: str | None = None,
    since: str | date | None = None,
    until: str | date | None = None,
) -> nx.MultiDiGraph:
    """A new graph with one level of ``G`` (a ``build_graph`` graph), optionally filtered.

    Levels: ``outlets`` (outlet nodes; ``outlet_echoes`` edges and ``cites`` aggregated to
    cited outlet -> citing outlet, so both run source -> taker), ``articles`` (articles and outlets; ``echoes``, ``published_by``,
    ``cites``) and ``claims`` (everything). Filters pick articles, and the level is built from
    them: ``claim`` (id, with or without ``claim:``) keeps the articles carrying it and the
    echoes of that claim; ``outlet`` (name, any case) keeps that outlet's articles and the
    articles echo-linked to them; ``since``/``until`` (inclusive ISO dates) keep articles
    published in that range, never undated ones. Filters combine; one that matches nothing
    gives an empty graph. An unknown claim id, or ``since`` after ``until``, raises TracerError.

    With a filter, outlet-to-outlet echoes are re-aggregated from the kept article echoes
    (one lag and credit per article pair). Outlet nodes gain ``articles`` (their articles in
    the selection) and ``first_seen``; outlet edges gain ``first_echo`` (the earliest dated
    echo) or ``first_cited`` (the earliest dated citing article). Attribute names are made unambiguous across edge kinds: the claim ids of an
    ``echoes`` edge are ``claim_ids``, the span of a ``carries`` edge ``span_start``/``span_end``.
    """
    if level not in LEVELS:
        raise TracerError(f"unknown level {level!r}", f"use one of: {', '.join(LEVELS)}")
    claim_node = None if claim is None else _claim_node(G, claim)
    lo, hi = _date_bound(since, "since"), _date_bound(until, "until")
    check_day_order(lo, hi)
    filtered = any(x is not None for x in (claim, outlet, since, until))
    nodes = G.nodes

    articles = {n for n, d in nodes(data=True) if d.get("type") == "article"}
    echoes = [e for e in _edges(G) if e[3].get("kind") == "echoes" and e[0] in articles and e[1] in articles]
    claim_id = None
    if claim_node is not None:
        claim_id = str(claim_node).removeprefix("claim:")
        carriers = {u for u, _, d in G.in_edges(claim_node, data=True) if d.get("kind") == "carries"}
        articles &= carriers
        echoes = [e for e in echoes if claim_id in _claim_ids(e[3])]
    if lo is not None or hi is not None:
        articles = {n for n in articles if _in_range(_day(nodes[n].get("published")), lo, hi)}
    echoes = [e for e in echoes if e[0] in articles and e[1] in articles]
    if outlet is not None:
        want = outlet.strip().casefold()
        own = {n for n in articles if str(nodes[n].get("outlet") or "").strip().casefold() == want}
        linked = {x for u, v, _, _ in echoes if u in own or v in own for x in (u, v)}
        articles = own | linked
        echoes = [e for e in echoes if e[0] in articles and e[1] in articles]

    outlet_of: dict[Any, Any] = {}
    cited: dict[Any, set[Any]] = defaultdict(set)
    for a in sorted(articles, key=str):
        for _, target, d in G.out_edges(a, data=True):
            if d.get("kind") == "published_by":
                outlet_of[a] = target
        for source, _, d in G.in_edges(a, data=True):
            if d.get("kind") == "cites":
                cited[a].add(source)
    outlets = set(outlet_of.values()).union(*cited.values())

    H: nx.MultiDiGraph = nx.MultiDiGraph()
    H.graph["level"] = level
    for name, value in (("claim", claim), ("outlet", outlet), ("since", since), ("until", until)):
        if value is not None:
            H.graph[name] = value.isoformat() if isinstance(value, date) else str(value)

    for o in sorted(outlets, key=str):
        mine = [a for a, of in outlet_of.items() if of == o]
        days = [d for d in (_day(nodes[a].get("published")) for a in mine) if d]
        H.add_node(o, **{**nodes[o], "articles": len(mine), "first_seen": min(days) if days else ""})
    if level != "outlets":
        for a in sorted(articles, key=str):
            H.add_node(a, **nodes[a])
    claims: set[Any] = set()
    if level == "claims":
        if claim_node is not None:
            claims = {claim_node} if articles else set()
        else:
            claims = {
                v for a in articles for _, v, d in G.out_edges(a, data=True) if d.get("kind") == "carries"
            }
        for c in sorted(claims, key=str):
            H.add_node(c, **nodes[c])

    if level != "outlets":
        kept_echoes = {(u, v, k) for u, v, k, _ in echoes}
        for u, v, k, d in _edges(G):
            kind = d.get("kind")
            if kind == "cites" and v in articles and u in outlets:
                H.add_edge(u, v, key=k, **d)
            if u not in articles:
                continue
            if kind == "echoes" and (u, v, k) in kept_echoes:
                H.add_edge(u, v, key=k, **_renamed(d, {"claims": "claim_ids"}))
            elif kind == "published_by" and v in outlets:
                H.add_edge(u, v, key=k, **d)
            elif kind == "carries" and v in claims:
                H.add_edge(u, v, key=k, **_renamed(d, {"start": "span_start", "end": "span_end"}))
    if level in ("outlets", "claims"):
        for u, v, k, d in _outlet_echoes(G, echoes, outlet_of, outlets, claim_id, filtered):
            H.add_edge(u, v, key=k, **d)
    if level == "outlets":
        citing: dict[tuple[Any, Any], list[str]] = defaultdict(list)
        for a, sources in cited.items():
            if a in outlet_of:
                for source in sources:
                    citing[(source, outlet_of[a])].append(_day(nodes[a].get("published")) or "")
        for (u, v), days in sorted(citing.items(), key=lambda item: (str(item[0][0]), str(item[0][1]))):
            first = min((day for day in days if day), default=None)
            extra = {"first_cited": first} if first else {}
            H.add_edge(u, v, key="cites", kind="cites", weight=len(days), **extra)
    return H


def _outlet_echoes(
    G: nx.MultiDiGraph,
    echoes: list[Edge],
    outlet_of: Mapping[Any, Any],
    outlets: set[Any],
    claim_id: str | None,
    filtered: bool,
) -> list[Edge]:
    """Outlet -> outlet echo edges: the graph's own when nothing is filtered, else re-aggregated."""
    first: dict[tuple[Any, Any], str] = {}
    items: dict[tuple[Any, Any], list[tuple[str, float, bool]]] = defaultdict(list)
    for u, v, _, d in echoes:
        if u not in outlet_of or v not in outlet_of:
            continue
        pair = (outlet_of[u], outlet_of[v])
        day = _day(G.nodes[v].get("published"))
        if day and (pair not in first or day < first[pair]):
            first[pair] = day
        ids = [claim_id] if claim_id is not None else _claim_ids(d)
        lag = d.get("lag_days")
        lag = float(lag) if isinstance(lag, int | float) else -1.0
        for cid in ids or [""]:
            items[pair].append((cid, lag, bool(d.get("credited"))))
    found: list[Edge] = []
    if not filtered:
        for u, v, k, d in _edges(G):
            if d.get("kind") == "outlet_echoes" and u in outlets and v in outlets:
                extra = {"first_echo": first[(u, v)]} if (u, v) in first else {}
                found.append((u, v, k, {**d, **extra}))
        return found
    for (u, v), pair_items in sorted(items.items(), key=lambda item: (str(item[0][0]), str(item[0][1]))):
        lags = [lag for _, lag, _ in pair_items if lag >= 0]
        attrs: dict[str, Any] = {
            "kind": "outlet_echoes",
            "claims": len({cid for cid, _, _ in pair_items if cid}),
            "echoes": len(pair_items),
            "median_lag_days": float(statistics.median(lags)) if lags else -1.0,
            "share_credited": round(sum(c for _, _, c in pair_items) / len(pair_items), 3),
            "weight": len(pair_items),
        }
        if (u, v) in first:
            attrs["first_echo"] = first[(u, v)]
        found.append((u, v, "outlet_echoes", attrs))
    return found


def has_outlet(G: nx.MultiDiGraph, outlet: str) -> bool:
    """Whether an article of ``G`` is of ``outlet`` as ``select_graph`` compares it (any case;
    an article of unknown outlet by its label, "unknown (id)")."""
    want = outlet.strip().casefold()
    return any(
        d.get("type") == "article" and str(d.get("outlet") or "").strip().casefold() == want
        for _, d in G.nodes(data=True)
    )


def _claim_node(G: nx.MultiDiGraph, claim: str) -> Any:
    raw = claim.strip()
    if raw.lower().startswith("claim:"):
        raw = raw[len("claim:") :]
    for candidate in (f"claim:{raw}", f"claim:{raw.lower()}"):
        if raw and candidate in G and G.nodes[candidate].get("type") == "claim":
            return candidate
    raise TracerError(f"unknown claim {claim!r}", "see `tracer claims` for claim ids")


def _claim_ids(d: Mapping[str, Any]) -> list[str]:
    value = d.get("claims", d.get("claim_ids", ""))
    if isinstance(value, str):
        return [c.strip() for c in value.split(",") if c.strip()]
    if isinstance(value, Iterable):
        return [str(c) for c in value]
    return []


def _renamed(d: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
    return {names.get(k, k): v for k, v in d.items()}


def _date_bound(value: str | date | None, name: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, date):
        return value.isoformat()[:10]
    # Read as matches, claims and outlets read theirs ("1 May 2024" too), to its day in UTC.
    try:
        return normalise(str(value))[:10]
    except DateError as exc:
        raise TracerError(f"invalid {name} date {value!r}: {exc}", DATE_HINT) from exc


def _day(value: Any) -> str | None:
    """The YYYY-MM-DD day of an ISO date or date-time, or None."""
    if not isinstance(value, str):
        return None
    found = _DAY.match(value.strip())
    if not found:
        return None
    try:
        date.fromisoformat(found.group())
    except ValueError:
        return None
    return found.group()


def _in_range(day: str | None, lo: str | None, hi: str | None) -> bool:
    return day is not None and (lo is None or day >= lo) and (hi is None or day <= hi)


# ---------------------------------------------------------------------------------------------
# Shared helpers: order, ids, dates, colours, typed columns, text


def _nodes(G: nx.Graph) -> list[tuple[Any, dict[str, Any]]]:
    return sorted(G.nodes(data=True), key=lambda item: str(item[0]))


def _edges(G: nx.Graph) -> list[Edge]:
    if G.is_multigraph():
        found = list(G.edges(keys=True, data=True))
    else:
        found = [(u, v, 0, d) for u, v, d in G.edges(data=True)]
    return sorted(found, key=lambda e: (str(e[0]), str(e[1]), str(e[2])))


def node_ids(G: nx.Graph) -> dict[Any, str]:
    """A unique id per node, as every format writes it: the node's name, with the characters XML
    1.0 forbids written as visible escapes (``\\x01``), so names that differ only in them stay
    apart; a name that still collides with another gets ``~2``, ``~3``..."""
    ids: dict[Any, str] = {}
    used: set[str] = set()
    # Names with nothing to escape first: they keep their ids whatever the other names are.
    for n, _ in sorted(_nodes(G), key=lambda item: _NOT_XML.search(str(item[0])) is not None):
        base = _escaped(str(n))
        nid, count = base, 1
        while nid in used:
            count += 1
            nid = f"{base}~{count}"
        used.add(nid)
        ids[n] = nid
    return ids


def edge_ids(G: nx.Graph, nids: Mapping[Any, str] | None = None) -> dict[tuple[Any, Any, Any], str]:
    """A unique, readable id per edge (``source|target|key``, of :func:`node_ids` ``nids``), as
    every format writes it."""
    nids = node_ids(G) if nids is None else nids
    ids: dict[tuple[Any, Any, Any], str] = {}
    used: set[str] = set()
    for u, v, k, _ in _edges(G):
        base = _clean(f"{nids[u]}|{nids[v]}|{k}")
        eid, n = base, 1
        while eid in used:
            n += 1
            eid = f"{base}~{n}"
        used.add(eid)
        ids[(u, v, k)] = eid
    return ids


def node_starts(G: nx.Graph) -> dict[Any, str]:
    """When each node appears: an article's publication day, a claim's first seen, an outlet's
    first seen (else its earliest article's day); nodes with no known date are left out."""
    starts: dict[Any, str] = {}
    for n, d in G.nodes(data=True):
        day = _day(d.get("published")) or _day(d.get("first_seen"))
        if day:
            starts[n] = day
    for n, d in G.nodes(data=True):
        if n not in starts and d.get("type") == "outlet":
            days = [
                starts[u]
                for u, _, ed in G.in_edges(n, data=True)
                if ed.get("kind") == "published_by" and u in starts
            ]
            if days:
                starts[n] = min(days)
    return starts


def _edge_start(u: Any, v: Any, d: Mapping[str, Any], starts: Mapping[Any, str]) -> str | None:
    """An echo starts with the echoing (later) article; an outlet echo or citation with its first
    dated one; other edges when their later end appears."""
    first = _day(d.get("first_echo")) or _day(d.get("first_cited"))
    if first:
        return first
    if d.get("kind") == "echoes":
        return starts.get(v)
    known = [starts[x] for x in (u, v) if x in starts]
    return max(known) if known else None


def _outlet_color(name: str) -> tuple[int, int, int]:
    digest = hashlib.sha1(name.encode("utf-8", "surrogatepass")).hexdigest()
    return PALETTE[int(digest, 16) % len(PALETTE)]


def _color(n: Any, d: Mapping[str, Any]) -> tuple[int, int, int]:
    kind = d.get("type")
    if kind == "article":
        return _outlet_color(str(d.get("outlet") or "unknown"))
    if kind == "outlet":
        return _outlet_color(str(d.get("label") or str(n).removeprefix("outlet:")))
    if kind == "claim":
        return CLAIM_COLOR
    return OTHER_COLOR


def _reach(G: nx.Graph, n: Any, d: Mapping[str, Any]) -> int:
    """How widely a node was echoed: an article's echoes, a claim's articles, an outlet's echoes."""
    kind = d.get("type")
    if kind == "article":
        return sum(1 for _, _, ed in G.out_edges(n, data=True) if ed.get("kind") == "echoes")
    if kind == "claim":
        carriers = sum(1 for _, _, ed in G.in_edges(n, data=True) if ed.get("kind") == "carries")
        return carriers or _int(d.get("articles"))
    if kind == "outlet":
        by_outlet = sum(
            _int(ed.get("echoes", ed.get("weight", 1)))
            for _, _, ed in G.out_edges(n, data=True)
            if ed.get("kind") == "outlet_echoes"
        )
        if by_outlet:
            return by_outlet
        return sum(
            _reach(G, a, G.nodes[a])
            for a, _, ed in G.in_edges(n, data=True)
            if ed.get("kind") == "published_by"
        )
    return int(G.degree(n))


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _size(reach: int) -> float:
    return round(10.0 + 5.0 * math.sqrt(max(reach, 0)), 2)


def _value_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer" if -(2**31) <= value < 2**31 else "long"
    if isinstance(value, float):
        return "double"
    return "string"


def _merge_types(a: str, b: str) -> str:
    if a == b:
        return a
    numbers = {"integer", "long", "double"}
    if a in numbers and b in numbers:
        return "double" if "double" in (a, b) else "long"
    return "string"


def _columns(rows: Iterable[Mapping[str, Any]], skip: Iterable[str] = ()) -> dict[str, str]:
    """Attribute name -> type over all rows, sorted by name; mixed types widen (to string)."""
    skipped = set(skip)
    found: dict[str, str] = {}
    for row in rows:
        for key, value in row.items():
            name = str(key)
            if name in skipped or value is None:
                continue
            kind = _value_type(value)
            found[name] = _merge_types(found[name], kind) if name in found else kind
    return dict(sorted(found.items()))


def _float_text(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "INF" if value > 0 else "-INF"
    return repr(value)


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _float_text(value)
    if isinstance(value, int | str):
        return _clean(str(value))
    if isinstance(value, set | frozenset):
        return ", ".join(sorted(_as_text(x) for x in value))
    if isinstance(value, list | tuple):
        return ", ".join(_as_text(x) for x in value)
    return _clean(json.dumps(value, sort_keys=True, ensure_ascii=False, default=str))


def _typed(value: Any, kind: str) -> Any:
    """``value`` as the Python type of its column."""
    if kind == "boolean":
        return bool(value)
    if kind in ("integer", "long"):
        return int(value)
    if kind == "double":
        return float(value)
    return _as_text(value)


def _typed_text(value: Any, kind: str) -> str:
    typed = _typed(value, kind)
    return typed if isinstance(typed, str) else _as_text(typed)


def _clean(text: str) -> str:
    """Remove characters XML 1.0 forbids (control characters, lone surrogates, U+FFFE/F)."""
    return _NOT_XML.sub("", text)


def _escaped(text: str) -> str:
    """``text`` with each character XML 1.0 forbids written as a visible escape (``\\x01``, ``\\ufffe``)."""
    return _NOT_XML.sub(_escape_char, text)


def _escape_char(found: re.Match[str]) -> str:
    code = ord(found.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _attr(text: str) -> str:
    """Text for a double-quoted XML attribute; whitespace kept as character references."""
    return (
        _clean(text)
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("\t", "&#9;")
        .replace("\n", "&#10;")
        .replace("\r", "&#13;")
    )


def _text(text: str) -> str:
    return _clean(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def _description(G: nx.Graph) -> str:
    facts = "; ".join(f"{k}: {_as_text(v)}" for k, v in sorted(G.graph.items(), key=lambda kv: str(kv[0])))
    return "Copy-paste propagation graph" + (f" ({facts})" if facts else "")


# ---------------------------------------------------------------------------------------------
# GEXF (written by hand: deterministic, and valid against the schema of each version)


def generate_gexf(G: nx.Graph, version: str = "1.3") -> Iterator[str]:
    """GEXF lines (``version`` 1.3 or 1.2draft): a dynamic graph with dates, typed attributes,
    and node colours (by outlet, or by type) and sizes (by reach)."""
    if version not in GEXF_VERSIONS:
        raise TracerError(f"unknown GEXF version {version!r}", f"use one of: {', '.join(GEXF_VERSIONS)}")
    return _gexf_lines(G, version)


def _gexf_lines(G: nx.Graph, version: str) -> Iterator[str]:
    starts, nids = node_starts(G), node_ids(G)
    ids = edge_ids(G, nids)
    # Gephi plays ``start`` on its timeline; graphology (Gephi Lite) drops it, so the same day is
    # also a ``date`` attribute.
    nodes = [(n, _dated(d, starts.get(n))) for n, d in _nodes(G)]
    edges = [(u, v, k, _dated(d, _edge_start(u, v, d, starts))) for u, v, k, d in _edges(G)]
    node_cols = _columns((d for _, d in nodes), skip=("label",))
    edge_cols = _columns((d for _, _, _, d in edges), skip=("weight",))
    # graphology names an attribute by its id unless the id is a number: the name is the id.
    node_col_ids, edge_col_ids = _column_ids(node_cols), _column_ids(edge_cols)

    yield '<?xml version="1.0" encoding="UTF-8"?>'
    yield _GEXF_HEADER[version]
    yield "  <meta>"
    yield "    <creator>tracer</creator>"
    yield f"    <description>{_text(_description(G))}</description>"
    yield "  </meta>"
    yield '  <graph mode="dynamic" defaultedgetype="directed" timeformat="date">'
    for cls, cols, col_ids in (("node", node_cols, node_col_ids), ("edge", edge_cols, edge_col_ids)):
        if not cols:
            continue
        yield f'    <attributes class="{cls}" mode="static">'
        for name, kind in cols.items():
            yield f'      <attribute id="{_attr(col_ids[name])}" title="{_attr(name)}" type="{kind}"/>'
        yield "    </attributes>"

    yield f'    <nodes count="{len(nodes)}">'
    for n, d in nodes:
        label = d.get("label")
        head = f'<node id="{_attr(nids[n])}" label="{_attr(_as_text(nids[n] if label is None else label))}"'
        if n in starts:
            head += f' start="{starts[n]}"'
        yield f"      {head}>"
        yield from _attvalues(d, node_cols, node_col_ids, "        ")
        r, g, b = _color(n, d)
        yield f'        <color r="{r}" g="{g}" b="{b}"/>'
        yield f'        <size value="{_float_text(_size(_reach(G, n, d)))}"/>'
        yield "      </node>"
    yield "    </nodes>"

    yield f'    <edges count="{len(edges)}">'
    for u, v, k, d in edges:
        head = f'<edge id="{_attr(ids[(u, v, k)])}" source="{_attr(nids[u])}" target="{_attr(nids[v])}"'
        start = _edge_start(u, v, d, starts)
        if start:
            head += f' start="{start}"'
        weight = d.get("weight")
        if isinstance(weight, int | float) and not isinstance(weight, bool):
            head += f' weight="{_float_text(float(weight))}"'
        if version == "1.3" and d.get("kind") is not None:
            head += f' kind="{_attr(_as_text(d["kind"]))}"'
        values = list(_attvalues(d, edge_cols, edge_col_ids, "        "))
        if values:
            yield f"      {head}>"
            yield from values
            yield "      </edge>"
        else:
            yield f"      {head}/>"
    yield "    </edges>"
    yield "  </graph>"
    yield "</gexf>"


def _dated(d: Mapping[str, Any], day: str | None) -> Mapping[str, Any]:
    """``d`` with ``date`` set to ``day`` (an attribute of that name already there is kept)."""
    return {**d, "date": day} if day and "date" not in d else d


def _column_ids(cols: Mapping[str, str]) -> dict[str, str]:
    """Each attribute's GEXF id: its name (XML-forbidden characters escaped), unique."""
    ids: dict[str, str] = {}
    used: set[str] = set()
    for name in cols:
        base = _escaped(name) or "attribute"
        cid, count = base, 1
        while cid in used:
            count += 1
            cid = f"{base}~{count}"
        used.add(cid)
        ids[name] = cid
    return ids


def _attvalues(
    d: Mapping[str, Any], cols: Mapping[str, str], ids: Mapping[str, str], pad: str
) -> Iterator[str]:
    present = [(str(k), v) for k, v in d.items() if str(k) in cols and v is not None]
    if not present:
        return
    yield f"{pad}<attvalues>"
    for name, value in sorted(present):
        yield f'{pad}  <attvalue for="{_attr(ids[name])}" value="{_attr(_typed_text(value, cols[name]))}"/>'
    yield f"{pad}</attvalues>"


def write_gexf(G: nx.Graph, path: str | os.PathLike[str], version: str = "1.3") -> None:
    _write_lines(path, generate_gexf(G, version))


# ---------------------------------------------------------------------------------------------
# GraphML (networkx's writer, on a copy with typed, cleaned values and unique edge ids)


def _graphml_copy(G: nx.Graph) -> nx.MultiDiGraph:
    nodes, edges = _nodes(G), _edges(G)
    node_cols = _columns(d for _, d in nodes)
    edge_cols = _columns(d for _, _, _, d in edges)
    graph_cols = _columns([G.graph], skip=("node_default", "edge_default"))
    nids = node_ids(G)
    ids = edge_ids(G, nids)
    H: nx.MultiDiGraph = nx.MultiDiGraph()
    H.graph.update({k: _typed(G.graph[k], kind) for k, kind in graph_cols.items()})
    for n, d in nodes:
        H.add_node(nids[n], **_typed_row(d, node_cols))
    for u, v, k, d in edges:
        H.add_edge(nids[u], nids[v], key=ids[(u, v, k)], **_typed_row(d, edge_cols))
    return H


def _typed_row(d: Mapping[str, Any], cols: Mapping[str, str]) -> dict[str, Any]:
    return {
        str(k): _typed(v, cols[str(k)])
        for k, v in sorted(d.items(), key=lambda kv: str(kv[0]))
        if v is not None
    }


def generate_graphml(G: nx.Graph) -> Iterator[str]:
    """GraphML lines (networkx's writer): typed keys, edge ids unique across the file."""
    yield "<?xml version='1.0' encoding='utf-8'?>"
    yield from nx.generate_graphml(_graphml_copy(G), encoding="utf-8", prettyprint=True)


def write_graphml(G: nx.Graph, path: str | os.PathLike[str]) -> None:
    _write_lines(path, generate_graphml(G))


# ---------------------------------------------------------------------------------------------
# Node-link JSON (d3, sigma.js; networkx.node_link_graph(data, edges="links") reads it back)


def _json_value(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return _clean(value) if isinstance(value, str) else value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, list | tuple):
        return [_json_value(x) for x in value]
    return _as_text(value)


def _json_row(first: Mapping[str, Any], d: Mapping[str, Any]) -> dict[str, Any]:
    row = {k: _json_value(v) for k, v in first.items()}
    for k, v in sorted(d.items(), key=lambda kv: str(kv[0])):
        if str(k) not in row:
            row[str(k)] = _json_value(v)
    return row


def generate_json(G: nx.Graph) -> Iterator[str]:
    """Node-link JSON lines: ``directed``, ``multigraph``, ``graph``, ``nodes`` (``id`` first),
    ``links`` (``source``, ``target``, ``key`` first); other keys sorted. ``<``, ``>`` and ``&``
    are written as ``\\u`` escapes, so the file can be inlined in an HTML page."""
    nids = node_ids(G)
    data = {
        "directed": True,
        "multigraph": True,
        "graph": {str(k): _json_value(v) for k, v in sorted(G.graph.items(), key=lambda kv: str(kv[0]))},
        "nodes": [_json_row({"id": nids[n]}, d) for n, d in _nodes(G)],
        "links": [_json_row({"source": nids[u], "target": nids[v], "key": k}, d) for u, v, k, d in _edges(G)],
    }
    text = json.dumps(data, ensure_ascii=False, indent=2, allow_nan=False)
    for char in "<>&\u2028\u2029":
        text = text.replace(char, f"\\u{ord(char):04x}")
    yield from text.split("\n")


def write_json(G: nx.Graph, path: str | os.PathLike[str]) -> None:
    _write_lines(path, generate_json(G))


# ---------------------------------------------------------------------------------------------
# CSV for Gephi's spreadsheet importer: nodes.csv and edges.csv

_NODE_RESERVED = {"id", "label", "start", "end", "timeset", "interval"}
_EDGE_RESERVED = {"source", "target", "type", "kind", "weight", "id", "start", "end", "timeset", "interval"}


def _csv_cell(value: Any) -> str:
    return "" if value is None else _as_text(value)


def _csv_header(names: Iterable[str], reserved: set[str]) -> list[str]:
    return [f"{name}_attr" if name.casefold() in reserved else name for name in names]


def _csv_records(rows: Iterable[list[Any]]) -> list[str]:
    # Cells that could run as formulas get a leading quote; cells holding "\r" or "\n" are quoted.
    return list(csv_lines(rows, _csv_cell))


def generate_csv(G: nx.Graph) -> tuple[list[str], list[str]]:
    """Records (CSV lines, without line ends) of nodes.csv and edges.csv.

    nodes.csv: ``Id, Label``, the attributes, ``Start`` (the node's date, when known).
    edges.csv: ``Source, Target, Type`` (Directed), ``Kind``, ``Weight`` (1 when unset),
    ``Id``, the attributes, ``Start``. Attribute names that Gephi reserves get ``_attr``.
    """
    nodes, edges = _nodes(G), _edges(G)
    starts, nids = node_starts(G), node_ids(G)
    ids = edge_ids(G, nids)
    node_cols = list(_columns((d for _, d in nodes), skip=("label",)))
    edge_cols = list(_columns((d for _, _, _, d in edges), skip=("kind", "weight")))
    node_rows: list[list[Any]] = [["Id", "Label", *_csv_header(node_cols, _NODE_RESERVED), "Start"]]
    for n, d in nodes:
        label = d.get("label")
        node_rows.append(
            [nids[n], nids[n] if label is None else label, *(d.get(c) for c in node_cols), starts.get(n)]
        )
    edge_rows: list[list[Any]] = [
        ["Source", "Target", "Type", "Kind", "Weight", "Id", *_csv_header(edge_cols, _EDGE_RESERVED), "Start"]
    ]
    for u, v, k, d in edges:
        weight = d.get("weight")
        if not isinstance(weight, int | float) or isinstance(weight, bool):
            weight = 1
        edge_rows.append(
            [nids[u], nids[v], "Directed", d.get("kind"), weight, ids[(u, v, k)], *(d.get(c) for c in edge_cols),
             _edge_start(u, v, d, starts)]
        )  # fmt: skip
    return _csv_records(node_rows), _csv_records(edge_rows)


def write_csv(G: nx.Graph, directory: str | os.PathLike[str]) -> tuple[Path, Path]:
    """Write ``nodes.csv`` and ``edges.csv`` (UTF-8) into ``directory``, created if needed.

    Both are written before either replaces an older one: a failure leaves the old pair.
    """
    folder = Path(directory)
    node_lines, edge_lines = generate_csv(G)
    created = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    paths = folder / "nodes.csv", folder / "edges.csv"
    try:
        with replacing(paths[0]) as nodes, replacing(paths[1]) as edges:
            _write_to(nodes, node_lines)
            _write_to(edges, edge_lines)
    except BaseException:
        if created:
            with contextlib.suppress(OSError):
                folder.rmdir()  # made for this export and left empty: no trace of it
        raise
    return paths


# ---------------------------------------------------------------------------------------------


def generate(G: nx.Graph, fmt: str, gexf_version: str = "1.3") -> Iterator[str]:
    """Lines of ``G`` in ``fmt`` (gexf, graphml or json; csv is two files, see ``generate_csv``)."""
    if fmt == "gexf":
        return generate_gexf(G, gexf_version)
    if fmt == "graphml":
        return generate_graphml(G)
    if fmt == "json":
        return generate_json(G)
    if fmt == "csv":
        raise TracerError("csv is written as two files", "give a directory for nodes.csv and edges.csv")
    raise TracerError(f"unknown export format {fmt!r}", f"use one of: {', '.join(FORMATS)}")


def write(G: nx.Graph, path: str | os.PathLike[str], fmt: str, gexf_version: str = "1.3") -> None:
    """Write ``G`` in ``fmt`` (gexf, graphml, json, csv) to ``path`` (for csv: a directory)."""
    if fmt == "csv":
        write_csv(G, path)
    else:
        _write_lines(path, generate(G, fmt, gexf_version))


def _write_lines(path: str | os.PathLike[str], lines: Iterable[str]) -> None:
    # Streamed to a temporary file that replaces ``path`` once complete: an error or a full disk
    # part-way leaves the previous file (or none), never half of one.
    with replacing(path) as out:
        _write_to(out, lines)


def _write_to(out: Any, lines: Iterable[str]) -> None:
    for line in lines:
        out.write(f"{line}\n")
