"""Graph export: GEXF valid against its XML Schema, round trips, golden files, filters, the CLI."""

from __future__ import annotations

import csv
import difflib
import inspect
import io
import json
import os
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from click.testing import CliRunner
from lxml import etree

from tracer.cli import cli
from tracer.errors import TracerError
from tracer.export import (
    GEXF_VERSIONS,
    LEVELS,
    edge_ids,
    generate_csv,
    generate_gexf,
    generate_graphml,
    generate_json,
    select_graph,
    write_csv,
    write_gexf,
    write_graphml,
    write_json,
)
from tracer.graph import build_graph

SCHEMAS = Path(__file__).resolve().parents[2] / "shared" / "schemas"
GOLDEN = Path(__file__).resolve().parent / "golden"
GEXF_NS = {"1.3": "http://gexf.net/1.3", "1.2draft": "http://www.gexf.net/1.2draft"}
LEVEL_TYPES = {
    "outlets": {"outlet"},
    "articles": {"outlet", "article"},
    "claims": {"outlet", "article", "claim"},
}
FILTERS = [
    {"claim": "cf98fec7e82"},
    {"claim": "claim:c50c4d38ae9"},
    {"outlet": "metro ledger"},
    {"since": "2024-03-10", "until": "2024-03-31"},
    {"since": "2024-04-01"},
    {"outlet": "The Daily Beacon", "until": "2024-03-20"},
    {"outlet": "nobody at all"},
]

_schemas: dict[str, Any] = {}


def schema(version: str, required: bool = True) -> Any:
    """The XML Schema of a GEXF version; skips the test when absent, or gives None if not required."""
    xsd = SCHEMAS / f"gexf-{version}" / "gexf.xsd"
    if not xsd.is_file():
        if not required:
            return None
        pytest.skip(f"GEXF {version} XML Schema not found at {xsd} (shared/ sits beside the repository)")
    if version not in _schemas:
        # Parsed from its path: it imports viz.xsd, dynamics.xsd... by relative path.
        _schemas[version] = etree.XMLSchema(etree.parse(str(xsd)))
    return _schemas[version]


def assert_valid_gexf(text: str, version: str, required: bool = True) -> Any:
    """Parse ``text`` and validate it against its version's schema (only parse when the schema is
    absent and ``required`` is false, so tests about something else still run)."""
    doc = etree.fromstring(text.encode("utf-8"))
    assert doc.tag == f"{{{GEXF_NS[version]}}}gexf"
    xsd = schema(version, required)
    if xsd is not None:
        assert xsd.validate(doc), "\n".join(str(e) for e in xsd.error_log)
    return doc


def gexf_text(G: nx.MultiDiGraph, version: str = "1.3") -> str:
    return "".join(f"{line}\n" for line in generate_gexf(G, version))


@pytest.fixture(scope="module")
def full(rumour) -> nx.MultiDiGraph:
    return build_graph(rumour[0])


# --- a small hand-made graph with hostile text ------------------------------------------------

SCRIPT_TITLE = 'Leak: <script>alert(1)</script>&"quotes" in the files'
FORMULA_TITLE = "=cmd|' /C calc'!A0 says the chancellor is ill"


def small_graph() -> nx.MultiDiGraph:
    """2 outlets, 3 articles, 1 claim, shaped like build_graph's graph."""
    g = nx.MultiDiGraph()
    g.add_node("outlet:Alpha News", type="outlet", label="Alpha News", external=False)
    g.add_node("outlet:Beta & Sons", type="outlet", label="Beta & Sons", external=False)
    articles = [
        ("a1", "Alpha News", "2024-01-02", SCRIPT_TITLE),
        ("a2", "Beta & Sons", "2024-01-05T09:30:00+00:00", FORMULA_TITLE),
        ("a3", "Alpha News", "", "Follow-up\x07 with a bell\nand a second line"),
    ]
    for art, outlet, published, title in articles:
        g.add_node(
            f"article:{art}", type="article", label=title, outlet=outlet, published=published, title=title,
            url=f"https://example.org/{art}?a=1&b=2",
        )  # fmt: skip
        g.add_edge(f"article:{art}", f"outlet:{outlet}", key="published_by", kind="published_by")
    g.add_node(
        "claim:c1", type="claim", label='Officials said "nothing" <b>happened</b> & more',
        text='Officials said "nothing" <b>happened</b> & more', terms="officials, happened",
        first_seen="2024-01-02", last_seen="2024-01-05", articles=3, outlets=2,
    )  # fmt: skip
    for i, (art, role) in enumerate([("a1", "origin"), ("a2", "echo"), ("a3", "echo")]):
        g.add_edge(
            f"article:{art}", "claim:c1", key=f"carries:{10 * i}", kind="carries", start=10 * i, end=10 * i + 40,
            role=role,
        )  # fmt: skip
    g.add_edge(
        "article:a1", "article:a2", key="echoes", kind="echoes", claims="c1", lag_days=3.396, similarity=0.95,
        credited=False, confidence=0.8, weight=1,
    )  # fmt: skip
    g.add_edge(
        "article:a1", "article:a3", key="echoes", kind="echoes", claims="c1", lag_days=-1.0, similarity=1.0,
        credited=True, confidence=0.5, weight=1,
    )  # fmt: skip
    g.add_edge("outlet:Alpha News", "article:a2", key="cites:Alpha News", kind="cites")
    g.add_edge(
        "outlet:Alpha News", "outlet:Beta & Sons", key="outlet_echoes", kind="outlet_echoes", claims=1, echoes=1,
        median_lag_days=3.396, share_credited=0.0, weight=1,
    )  # fmt: skip
    g.add_edge(
        "outlet:Alpha News", "outlet:Alpha News", key="outlet_echoes", kind="outlet_echoes", claims=1, echoes=1,
        median_lag_days=-1.0, share_credited=1.0, weight=1,
    )  # fmt: skip
    return g


def check_golden(name: str, data: bytes, folder: Path = GOLDEN) -> None:
    """Compare with tests/golden/NAME byte for byte; TRACER_UPDATE_GOLDEN=1 rewrites it instead."""
    path = folder / name
    if os.environ.get("TRACER_UPDATE_GOLDEN") == "1":
        folder.mkdir(exist_ok=True)
        path.write_bytes(data)
        return
    if not path.is_file():
        pytest.fail(f"{path} is missing (run the tests with TRACER_UPDATE_GOLDEN=1 to write it)")
    expected = path.read_bytes()
    if expected != data:
        diff = difflib.unified_diff(
            expected.decode("utf-8", "replace").splitlines(keepends=True),
            data.decode("utf-8", "replace").splitlines(keepends=True),
            f"golden/{name}",
            "exported now",
        )
        pytest.fail(
            f"{name} differs from its golden file (if the change is intended, rerun with "
            f"TRACER_UPDATE_GOLDEN=1 and review the diff):\n{''.join(list(diff)[:60])}"
        )


def test_golden_check_fails_on_a_mismatch(tmp_path, monkeypatch):
    monkeypatch.delenv("TRACER_UPDATE_GOLDEN", raising=False)
    with pytest.raises(pytest.fail.Exception, match="missing"):
        check_golden("x.txt", b"new\n", tmp_path)
    (tmp_path / "x.txt").write_bytes(b"old\n")
    with pytest.raises(pytest.fail.Exception, match="differs from its golden file"):
        check_golden("x.txt", b"new\n", tmp_path)
    check_golden("x.txt", b"old\n", tmp_path)
    monkeypatch.setenv("TRACER_UPDATE_GOLDEN", "1")
    check_golden("x.txt", b"new\n", tmp_path)
    assert (tmp_path / "x.txt").read_bytes() == b"new\n"


def test_golden_files(tmp_path):
    H = select_graph(small_graph(), "claims")
    assert H.number_of_nodes() == 6
    for version in GEXF_VERSIONS:
        path = tmp_path / f"small-{version}.gexf"
        write_gexf(H, path, version)
        assert_valid_gexf(path.read_text(encoding="utf-8"), version, required=False)
        check_golden(f"small-{version}.gexf", path.read_bytes())
    write_graphml(H, tmp_path / "small.graphml")
    check_golden("small.graphml", (tmp_path / "small.graphml").read_bytes())
    write_json(H, tmp_path / "small.json")
    check_golden("small.json", (tmp_path / "small.json").read_bytes())
    write_csv(H, tmp_path / "csv")
    check_golden("small.nodes.csv", (tmp_path / "csv" / "nodes.csv").read_bytes())
    check_golden("small.edges.csv", (tmp_path / "csv" / "edges.csv").read_bytes())


def test_outlet_level_golden(tmp_path):
    H = select_graph(small_graph(), "outlets")
    write_gexf(H, tmp_path / "outlets.gexf")
    assert_valid_gexf((tmp_path / "outlets.gexf").read_text(encoding="utf-8"), "1.3", required=False)
    check_golden("small-outlets.gexf", (tmp_path / "outlets.gexf").read_bytes())


# --- GEXF: schema validity --------------------------------------------------------------------


@pytest.mark.parametrize("version", GEXF_VERSIONS)
@pytest.mark.parametrize("level", LEVELS)
def test_gexf_validates_at_every_level(full, version, level):
    H = select_graph(full, level)
    assert H.number_of_nodes() and H.number_of_edges()
    doc = assert_valid_gexf(gexf_text(H, version), version)
    ns = {"g": GEXF_NS[version]}
    assert len(doc.findall(".//g:nodes/g:node", ns)) == H.number_of_nodes()
    assert len(doc.findall(".//g:edges/g:edge", ns)) == H.number_of_edges()
    assert doc.find("g:graph", ns).get("mode") == "dynamic"


@pytest.mark.parametrize("version", GEXF_VERSIONS)
@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: ",".join(f"{k}={v}" for k, v in f.items()))
@pytest.mark.parametrize("level", LEVELS)
def test_gexf_validates_with_filters(full, version, filters, level):
    assert_valid_gexf(gexf_text(select_graph(full, level, **filters), version), version)


def test_gexf_header_meta_and_dates(full):
    H = select_graph(full, "claims")
    text = gexf_text(H)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<gexf xmlns="http://gexf.net/1.3"')
    assert "lastmodifieddate" not in text and "<creator>tracer</creator>" in text
    assert '<graph mode="dynamic" defaultedgetype="directed" timeformat="date">' in text
    old = gexf_text(H, "1.2draft")
    assert 'xmlns="http://www.gexf.net/1.2draft"' in old and 'version="1.2"' in old
    doc = etree.fromstring(text.encode())
    ns = {"g": GEXF_NS["1.3"]}
    nodes = {n.get("id"): n for n in doc.iterfind(".//g:node", ns)}
    for n, d in H.nodes(data=True):
        if d["type"] == "article":
            assert nodes[n].get("start") == (d["published"][:10] or None)
        elif d["type"] == "claim":
            assert nodes[n].get("start") == d["first_seen"][:10]
    # an outlet starts with its earliest article
    beacon = [d["published"] for _, d in H.nodes(data=True) if d.get("outlet") == "The Daily Beacon"]
    assert nodes["outlet:The Daily Beacon"].get("start") == min(beacon)
    # an echo starts with the echoing (later) article
    for edge in doc.iterfind(".//g:edge", ns):
        if edge.get("kind") == "echoes":
            target = H.nodes[edge.get("target")]["published"]
            assert edge.get("start") == (target or None)
            assert edge.get("start") is None or edge.get("start") >= H.nodes[edge.get("source")]["published"]


def test_gexf_colours_by_outlet_and_sizes_by_reach(full):
    H = select_graph(full, "claims")
    doc = etree.fromstring(gexf_text(H).encode())
    ns = {"g": GEXF_NS["1.3"]}
    colour, size = {}, {}
    for node in doc.iterfind(".//g:node", ns):
        c = node.find("g:color", ns)
        colour[node.get("id")] = (c.get("r"), c.get("g"), c.get("b"))
        size[node.get("id")] = float(node.find("g:size", ns).get("value"))
    for n, d in H.nodes(data=True):
        if d["type"] == "article":
            assert colour[n] == colour[f"outlet:{d['outlet']}"]
    claim_colours = {colour[n] for n, d in H.nodes(data=True) if d["type"] == "claim"}
    assert len(claim_colours) == 1
    echoes = {n: 0 for n, d in H.nodes(data=True) if d["type"] == "article"}
    for u, _, d in H.edges(data=True):
        if d["kind"] == "echoes":
            echoes[u] += 1
    most, least = max(echoes, key=echoes.__getitem__), min(echoes, key=echoes.__getitem__)
    assert size[most] > size[least]


def test_gexf_edge_ids_unique_and_parallel_edges_kept(full):
    H = select_graph(full, "outlets")
    pairs = [(u, v) for u, v, _ in H.edges(keys=True)]
    assert len(pairs) > len(set(pairs)), "the outlet level has parallel edges (echoes and cites)"
    for version in GEXF_VERSIONS:
        doc = assert_valid_gexf(gexf_text(H, version), version, required=False)
        ids = [e.get("id") for e in doc.iterfind(".//{*}edge")]
        assert len(ids) == len(set(ids)) == H.number_of_edges()


def test_edge_ids_are_unique_even_when_names_collide():
    g = nx.MultiDiGraph()
    g.add_edge("a|b", "c", key="k")
    g.add_edge("a", "b|c", key="k")
    g.add_edge("a", "b", key="c|k")
    ids = edge_ids(g)
    assert len(set(ids.values())) == 3


# --- round trips ------------------------------------------------------------------------------


def _same_value(read: Any, written: Any) -> bool:
    if isinstance(written, float) or isinstance(read, float):
        return float(read) == pytest.approx(float(written))
    return bool(read == written) and type(read) is type(written)


@pytest.mark.parametrize("version", GEXF_VERSIONS)
@pytest.mark.parametrize("level", LEVELS)
def test_gexf_round_trip(full, tmp_path, version, level):
    H = select_graph(full, level)
    path = tmp_path / "g.gexf"
    write_gexf(H, path, version)
    R = nx.read_gexf(path)
    assert set(R.nodes) == set(H.nodes)
    assert R.number_of_edges() == H.number_of_edges()
    for n, d in H.nodes(data=True):
        for key, value in d.items():
            assert _same_value(R.nodes[n][key], value), (n, key, R.nodes[n][key], value)
    by_id = {d["id"]: (u, v, d) for u, v, d in R.edges(data=True)}
    for (u, v, k), eid in edge_ids(H).items():
        ru, rv, rd = by_id[eid]
        assert (ru, rv) == (u, v)
        for key, value in H.edges[u, v, k].items():
            assert _same_value(rd[key], value), (eid, key, rd[key], value)
    # a few attributes of each node type, spelled out
    assert {d["type"] for d in H.nodes.values()} == LEVEL_TYPES[level]
    assert R.nodes["outlet:The Sunday Herald"]["external"] is True
    assert R.nodes["outlet:Metro Ledger"]["articles"] == 3
    if level != "outlets":
        art = next(n for n, d in H.nodes(data=True) if d["type"] == "article" and d["published"])
        assert R.nodes[art]["title"] == H.nodes[art]["title"]
        assert R.nodes[art]["start"] == H.nodes[art]["published"]
    if level == "claims":
        claim = next(n for n, d in H.nodes(data=True) if d["type"] == "claim")
        assert R.nodes[claim]["text"] == H.nodes[claim]["text"]
        assert R.nodes[claim]["articles"] == H.nodes[claim]["articles"]


@pytest.mark.parametrize("level", LEVELS)
def test_graphml_round_trip(full, tmp_path, level):
    H = select_graph(full, level)
    path = tmp_path / "g.graphml"
    write_graphml(H, path)
    R = nx.read_graphml(path, force_multigraph=True, edge_key_type=str)
    assert isinstance(R, nx.MultiDiGraph)
    assert dict(R.nodes(data=True)) == dict(H.nodes(data=True))
    assert R.number_of_edges() == H.number_of_edges()
    ids = edge_ids(H)
    for u, v, k, d in H.edges(keys=True, data=True):
        assert R.edges[u, v, ids[(u, v, k)]] == d
    ids_in_file = [e.get("id") for e in etree.parse(str(path)).iterfind(".//{*}edge")]
    assert len(set(ids_in_file)) == len(ids_in_file)


def _node_link(data: dict[str, Any]) -> nx.Graph:
    if "edges" in inspect.signature(nx.node_link_graph).parameters:
        return nx.node_link_graph(data, edges="links")
    return nx.node_link_graph(data, link="links")  # networkx < 3.4


@pytest.mark.parametrize("level", LEVELS)
def test_json_round_trip(full, tmp_path, level):
    H = select_graph(full, level)
    path = tmp_path / "g.json"
    write_json(H, path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert list(data) == ["directed", "multigraph", "graph", "nodes", "links"]
    assert data["directed"] is True and data["multigraph"] is True
    assert all(list(node)[0] == "id" for node in data["nodes"])
    assert all(list(link)[:3] == ["source", "target", "key"] for link in data["links"])
    R = _node_link(data)
    assert isinstance(R, nx.MultiDiGraph)
    assert dict(R.nodes(data=True)) == dict(H.nodes(data=True))
    assert sorted(R.edges(keys=True, data=True), key=str) == sorted(H.edges(keys=True, data=True), key=str)
    assert R.graph == H.graph


@pytest.mark.parametrize("level", LEVELS)
def test_csv_round_trip(full, tmp_path, level):
    H = select_graph(full, level)
    nodes_path, edges_path = write_csv(H, tmp_path / "csv")
    nodes = list(csv.DictReader(nodes_path.open(encoding="utf-8", newline="")))
    edges = list(csv.DictReader(edges_path.open(encoding="utf-8", newline="")))
    assert {row["Id"] for row in nodes} == set(H.nodes)
    assert len(edges) == H.number_of_edges()
    assert {row["Id"] for row in edges} == set(edge_ids(H).values())
    assert list(edges[0])[:5] == ["Source", "Target", "Type", "Kind", "Weight"]
    assert list(nodes[0])[:2] == ["Id", "Label"] and list(nodes[0])[-1] == "Start"
    assert {row["Type"] for row in edges} == {"Directed"}
    by_id = {row["Id"]: row for row in nodes}
    for n, d in H.nodes(data=True):
        row = by_id[n]
        assert row["Label"] == d["label"] and row["type"] == d["type"]
        if d["type"] == "article":
            assert row["title"] == d["title"] and row["Start"] == d["published"]
        if d["type"] == "outlet":
            assert row["articles"] == str(d["articles"]) and row["external"] == str(d["external"]).lower()
    kinds = sorted(row["Kind"] for row in edges)
    assert kinds == sorted(d["kind"] for _, _, d in H.edges(data=True))
    for row in edges:
        if row["Kind"] == "echoes":
            assert row["lag_days"] == repr(H.edges[row["Source"], row["Target"], "echoes"]["lag_days"])


# --- determinism, escaping, injection ---------------------------------------------------------


def test_exports_are_byte_identical(rumour, tmp_path):
    store = rumour[0]
    out = []
    for run in ("a", "b"):
        H = select_graph(build_graph(store), "claims")
        folder = tmp_path / run
        folder.mkdir()
        write_gexf(H, folder / "g13.gexf")
        write_gexf(H, folder / "g12.gexf", "1.2draft")
        write_graphml(H, folder / "g.graphml")
        write_json(H, folder / "g.json")
        write_csv(H, folder / "csv")
        out.append({p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()})
    assert len(out[0]) == 6
    assert out[0] == out[1]


def test_generators_match_writers(full, tmp_path):
    H = select_graph(full, "articles")
    for generate, write in ((generate_graphml, write_graphml), (generate_json, write_json)):
        write(H, tmp_path / "f")
        assert (tmp_path / "f").read_bytes().decode("utf-8") == "".join(f"{line}\n" for line in generate(H))
    nodes_lines, edges_lines = generate_csv(H)
    nodes_path, edges_path = write_csv(H, tmp_path / "c")
    assert nodes_path.read_bytes().decode("utf-8") == "".join(f"{x}\n" for x in nodes_lines)
    assert edges_path.read_bytes().decode("utf-8") == "".join(f"{x}\n" for x in edges_lines)


def test_xml_escaping_of_untrusted_text():
    H = select_graph(small_graph(), "claims")
    for version in GEXF_VERSIONS:
        text = gexf_text(H, version)
        assert "<script>" not in text and "<b>" not in text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;&amp;&quot;quotes&quot;" in text
        assert "\x07" not in text
        assert_valid_gexf(text, version, required=False)
        R = nx.read_gexf(io.BytesIO(text.encode("utf-8")))
        assert R.nodes["article:a1"]["label"] == SCRIPT_TITLE
        assert R.nodes["article:a3"]["title"] == "Follow-up with a bell\nand a second line"
        assert R.nodes["claim:c1"]["text"] == 'Officials said "nothing" <b>happened</b> & more'
        assert R.nodes["article:a1"]["url"] == "https://example.org/a1?a=1&b=2"
    graphml = "\n".join(generate_graphml(H))
    assert "<script>" not in graphml and "\x07" not in graphml
    R = nx.read_graphml(io.BytesIO(graphml.encode("utf-8")))
    assert R.nodes["article:a1"]["title"] == SCRIPT_TITLE
    js = "\n".join(generate_json(H))
    assert "<script>" not in js and "\\u003cscript\\u003e" in js
    assert json.loads(js)["nodes"][0]["title"] == SCRIPT_TITLE


def test_control_characters_and_odd_names_stay_valid_xml():
    g = nx.MultiDiGraph()
    g.add_node('outlet:A "&" <B>\x00\x1f\ufffe', type="outlet", label="A\x0b\x0cB", external=True)
    g.add_node("article:x", type="article", label="t\ud800", outlet='A "&" <B>', published="2024-02-30")
    g.add_edge("article:x", 'outlet:A "&" <B>\x00\x1f\ufffe', key="k\x01", kind="cites", note="tab\there")
    for version in GEXF_VERSIONS:
        assert_valid_gexf(gexf_text(g, version), version)
    etree.fromstring("\n".join(generate_graphml(g)).encode("utf-8"))
    assert 'start="2024-02-30"' not in gexf_text(g)  # not a date: no start


def test_csv_formula_injection_is_neutralised():
    g = nx.MultiDiGraph()
    cells = ["=SUM(A1)", "+1", "-2+3", "@cmd", "\tTAB", "\rCR", "safe", "1-2"]
    for i, text in enumerate(cells):
        g.add_node(f"n{i}", type="article", label=text, title=text, lag=-1.5, count=-3)
    g.add_edge("=n0", "n1", kind="=HYPERLINK(x)", note="-x")
    nodes, edges = generate_csv(g)
    rows = {r["Id"]: r for r in csv.DictReader(io.StringIO("\n".join(nodes) + "\n"))}
    for i, text in enumerate(cells):
        expected = text if text in ("safe", "1-2") else "'" + text
        assert rows[f"n{i}"]["Label"] == expected
        assert rows[f"n{i}"]["title"] == expected
        assert rows[f"n{i}"]["lag"] == "-1.5" and rows[f"n{i}"]["count"] == "-3"  # numbers are not formulas
    edge = next(csv.DictReader(io.StringIO("\n".join(edges) + "\n")))
    assert edge["Source"] == "'=n0" and edge["Kind"] == "'=HYPERLINK(x)" and edge["note"] == "'-x"
    small_nodes, _ = generate_csv(select_graph(small_graph(), "articles"))
    assert any(line.startswith(f"article:a2,'{FORMULA_TITLE}") for line in small_nodes)


def test_mixed_attribute_types_widen_to_one_column():
    g = nx.MultiDiGraph()
    g.add_node("a", score=1, flag=True, mixed=1)
    g.add_node("b", score=2.5, flag=False, mixed="two")
    text = gexf_text(g)
    assert 'title="score" type="double"' in text and 'title="flag" type="boolean"' in text
    assert 'title="mixed" type="string"' in text
    R = nx.read_gexf(io.BytesIO(text.encode()))
    assert R.nodes["a"]["score"] == 1.0 and R.nodes["a"]["mixed"] == "1"
    assert_valid_gexf(text, "1.3", required=False)


# --- selection --------------------------------------------------------------------------------


def _types(H: nx.MultiDiGraph) -> set[str]:
    return {d["type"] for _, d in H.nodes(data=True)}


def _kinds(H: nx.MultiDiGraph) -> set[str]:
    return {d["kind"] for _, _, d in H.edges(data=True)}


def test_levels(full):
    claims = select_graph(full, "claims")
    assert set(claims.nodes) == set(full.nodes)
    assert claims.number_of_edges() == full.number_of_edges()
    assert _kinds(claims) == {"published_by", "carries", "echoes", "cites", "outlet_echoes"}
    articles = select_graph(full, "articles")
    assert _types(articles) == {"article", "outlet"}
    assert _kinds(articles) == {"echoes", "published_by", "cites"}
    n_echoes = sum(d["kind"] == "echoes" for _, _, d in full.edges(data=True))
    assert sum(d["kind"] == "echoes" for _, _, d in articles.edges(data=True)) == n_echoes
    outlets = select_graph(full, "outlets")
    assert _types(outlets) == {"outlet"}
    assert _kinds(outlets) == {"outlet_echoes", "cites"}
    for u, v, k, d in full.edges(keys=True, data=True):
        if d["kind"] == "outlet_echoes":
            got = dict(outlets.edges[u, v, k])
            got.pop("first_echo", None)
            assert got == d
    # cites aggregated to cited outlet -> citing outlet, weighted by citing articles
    cites = sum(d["weight"] for _, _, d in outlets.edges(data=True) if d["kind"] == "cites")
    assert cites == sum(d["kind"] == "cites" for _, _, d in full.edges(data=True))
    with pytest.raises(TracerError):
        select_graph(full, "sentences")


def _outlet_of(G: nx.MultiDiGraph, article: str) -> str:
    return next(v for _, v, d in G.out_edges(article, data=True) if d["kind"] == "published_by")


@pytest.mark.parametrize("level", LEVELS)
def test_flow_edges_run_from_source_to_taker_at_every_level(full, level):
    """echoes, outlet_echoes and cites all point from where the text came from to who took it."""
    H = select_graph(full, level)
    nodes = full.nodes
    found = set()
    for u, v, d in H.edges(data=True):
        kind = d["kind"]
        found.add(kind)
        if kind == "echoes":
            first, then = nodes[u]["published"], nodes[v]["published"]
            assert not (first and then) or first <= then
        elif kind == "cites" and level == "outlets":
            # some article of the target outlet credits the source outlet
            takers = [a for _, a, e in full.out_edges(u, data=True) if e["kind"] == "cites"]
            assert any(_outlet_of(full, a) == v for a in takers), (u, v)
        elif kind == "cites":
            assert nodes[u]["type"] == "outlet" and nodes[v]["type"] == "article"
        elif kind == "outlet_echoes":
            pairs = {(_outlet_of(full, a), _outlet_of(full, b)) for a, b, e in full.edges(data=True)
                     if e["kind"] == "echoes"}  # fmt: skip
            assert (u, v) in pairs
        elif kind in ("published_by", "carries"):
            assert nodes[u]["type"] == "article"
    assert "cites" in found
    if level == "outlets":
        # credits mostly go to the outlet echoed: most citations then run along an echo edge
        cites = {(u, v) for u, v, d in H.edges(data=True) if d["kind"] == "cites"}
        echoes = {(u, v) for u, v, d in H.edges(data=True) if d["kind"] == "outlet_echoes"}
        assert len(cites & echoes) > len({(v, u) for u, v in cites} & echoes)


def test_export_help_lists_every_attribute(full):
    """The attribute list in `export --help` names every attribute an export can hold."""
    text = " ".join(CliRunner().invoke(cli, ["export", "--help"]).output.split())
    names = {"date"}
    for level in LEVELS:
        H = select_graph(full, level)
        names |= {str(k) for _, d in H.nodes(data=True) for k in d}
        names |= {str(k) for _, _, d in H.edges(data=True) for k in d}
    names |= {"first_cited", "first_echo"}
    missing = sorted(n for n in names if f" {n}," not in text and f" {n};" not in text)
    assert not missing, f"not in `tracer export --help`: {missing}"


def test_claim_filter(full):
    cid = "cf98fec7e82"
    carriers = {u for u, _, d in full.in_edges(f"claim:{cid}", data=True) if d["kind"] == "carries"}
    H = select_graph(full, "claims", claim=cid)
    assert {n for n, d in H.nodes(data=True) if d["type"] == "claim"} == {f"claim:{cid}"}
    assert {n for n, d in H.nodes(data=True) if d["type"] == "article"} == carriers
    publishers = {full.nodes[a]["outlet"] for a in carriers}
    assert publishers <= {d["label"] for _, d in H.nodes(data=True) if d["type"] == "outlet"}
    for _, _, d in H.edges(data=True):
        if d["kind"] == "echoes":
            assert cid in d["claim_ids"]
    prefixed = select_graph(full, "claims", claim=f"claim:{cid}")
    assert set(prefixed.nodes) == set(H.nodes) and prefixed.number_of_edges() == H.number_of_edges()
    outlets = select_graph(full, "outlets", claim=cid)
    assert sum(d["echoes"] for _, _, d in outlets.edges(data=True) if d["kind"] == "outlet_echoes") == sum(
        1 for _, _, d in H.edges(data=True) if d["kind"] == "echoes"
    )


def test_unknown_claim_is_an_error_with_a_hint(full):
    with pytest.raises(TracerError) as info:
        select_graph(full, claim="c000000000")
    assert info.value.hint and "tracer claims" in str(info.value)


def test_outlet_filter(full):
    H = select_graph(full, "articles", outlet="  METRO ledger ")
    mine = {n for n, d in full.nodes(data=True) if d.get("outlet") == "Metro Ledger"}
    kept = {n for n, d in H.nodes(data=True) if d["type"] == "article"}
    assert mine and mine <= kept
    echo_pairs = {(u, v) for u, v, d in full.edges(data=True) if d["kind"] == "echoes"}
    for a in kept - mine:
        assert any((a, m) in echo_pairs or (m, a) in echo_pairs for m in mine)
    assert kept - mine, "some articles echo Metro Ledger or are echoed by it"
    assert select_graph(full, "articles", outlet="Nobody").number_of_nodes() == 0


def test_date_filters(full):
    H = select_graph(full, "claims", since="2024-03-10", until="2024-03-31")
    days = [d["published"] for _, d in H.nodes(data=True) if d["type"] == "article"]
    expected = [
        d["published"]
        for _, d in full.nodes(data=True)
        if d["type"] == "article" and "2024-03-10" <= d["published"] <= "2024-03-31"
    ]
    assert sorted(days) == sorted(expected) and days
    undated = [n for n, d in full.nodes(data=True) if d["type"] == "article" and not d["published"]]
    assert undated and not set(undated) & set(H.nodes)
    assert not set(undated) & set(select_graph(full, since="2000-01-01").nodes)
    with pytest.raises(TracerError, match="--since 2024-04-01 is after --until 2024-03-01"):
        select_graph(full, since="2024-04-01", until="2024-03-01")
    assert select_graph(full, since="2099-01-01").number_of_nodes() == 0
    same = select_graph(full, "claims", since="2024-03-10T00:00:00Z", until="2024-03-31")
    assert set(same.nodes) == set(H.nodes)
    for bad in ("yesterday", "2024-13-01", "2024-03-01Tnoon"):
        with pytest.raises(TracerError, match="invalid since date"):
            select_graph(full, since=bad)


@pytest.mark.parametrize("version", GEXF_VERSIONS)
def test_empty_selection_exports_validly(full, tmp_path, version):
    H = select_graph(full, "claims", outlet="Nobody")
    assert H.number_of_nodes() == 0
    assert_valid_gexf(gexf_text(H, version), version, required=False)
    assert json.loads("\n".join(generate_json(H)))["nodes"] == []
    nodes, edges = generate_csv(H)
    assert len(nodes) == 1 and len(edges) == 1


# --- command line -----------------------------------------------------------------------------


def _export(db: str, *args: str):
    return CliRunner().invoke(cli, ["export", "--db", db, *args], catch_exceptions=False)


@pytest.mark.parametrize("version", GEXF_VERSIONS)
def test_cli_export_gexf(rumour, tmp_path, version):
    out = tmp_path / "g.gexf"
    result = _export(rumour[0].path, "--format", "gexf", "-o", str(out), "--gexf-version", version)
    assert result.exit_code == 0, result.output
    assert_valid_gexf(out.read_text(encoding="utf-8"), version, required=False)
    assert result.stdout == ""
    assert result.stderr.strip() == f"exported 18 node(s) and 38 edge(s) at the articles level to {out}"


def test_cli_export_every_format_with_filters(rumour, tmp_path):
    db = rumour[0].path
    filters = ["--level", "claims", "--outlet", "capital wire", "--since", "2024-03-01"]
    filters += ["--until", "2024-04-30"]
    expected = select_graph(build_graph(rumour[0]), "claims", outlet="capital wire", since="2024-03-01",
                            until="2024-04-30")  # fmt: skip
    assert expected.number_of_nodes()
    for fmt in ("graphml", "json"):
        out = tmp_path / f"g.{fmt}"
        assert _export(db, "--format", fmt, "-o", str(out), "--quiet", *filters).exit_code == 0
    assert set(nx.read_graphml(tmp_path / "g.graphml").nodes) == set(expected.nodes)
    data = json.loads((tmp_path / "g.json").read_text(encoding="utf-8"))
    assert {n["id"] for n in data["nodes"]} == set(expected.nodes)
    result = _export(db, "--format", "csv", "-o", str(tmp_path / "new" / "csv"), *filters)
    assert result.exit_code == 0
    assert sorted(p.name for p in (tmp_path / "new" / "csv").iterdir()) == ["edges.csv", "nodes.csv"]
    assert "exported" in result.stderr and str(tmp_path / "new" / "csv") in result.stderr


def test_cli_export_to_stdout_and_quiet(rumour):
    result = _export(rumour[0].path, "--format", "json", "-o", "-", "--level", "outlets", "-q")
    assert result.exit_code == 0 and result.stderr == ""
    assert {n["type"] for n in json.loads(result.stdout)["nodes"]} == {"outlet"}


def test_cli_export_is_byte_identical(rumour, tmp_path):
    for name in ("a.gexf", "b.gexf"):
        assert _export(rumour[0].path, "--format", "gexf", "-o", str(tmp_path / name), "-q").exit_code == 0
    assert (tmp_path / "a.gexf").read_bytes() == (tmp_path / "b.gexf").read_bytes()


def test_cli_export_errors_are_one_line(rumour, tmp_path):
    db = rumour[0].path
    out = str(tmp_path / "g.gexf")
    for args, message in (
        (["--claim", "nope"], "unknown claim 'nope'"),
        (["--since", "last week"], "invalid since date"),
    ):
        result = _export(db, "--format", "gexf", "-o", out, *args)
        assert result.exit_code == 1
        assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not Path(out).exists()
    (tmp_path / "file").write_text("", encoding="utf-8")
    result = _export(db, "--format", "gexf", "-o", str(tmp_path / "file" / "g.gexf"))  # not a folder
    assert result.exit_code == 1 and "cannot write" in result.stderr
    result = _export(db, "--format", "csv", "-o", "-")
    assert result.exit_code == 1 and "csv is written as two files" in result.stderr
