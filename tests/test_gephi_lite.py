"""Every GEXF export read by graphology-gexf, Gephi Lite's parser (from npm, run with Node.js).

The packages are installed once, at pinned versions, into ``.ci/npm/`` (git-ignored); the test
skips only when node or npm is missing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from lxml import etree

from tests.test_export import GEXF_NS, small_graph
from tracer.export import GEXF_VERSIONS, LEVELS, _clean, generate_gexf, select_graph
from tracer.graph import build_graph

ROOT = Path(__file__).resolve().parents[1]
NPM_DIR = ROOT / ".ci" / "npm"
PACKAGES = {"graphology": "0.26.0", "graphology-gexf": "0.13.2"}
# graphology's own keys: the XML label/weight/kind, and the viz elements
VIZ_KEYS = {"label", "weight", "kind", "color", "size"}
FILTERS: list[dict[str, str]] = [
    {},
    {"outlet": "metro ledger"},
    {"since": "2024-03-20"},
    {"claim": "FIRST_CLAIM"},  # the store's first claim (its id follows the articles' ids)
]

READER = """
const {parse} = require('graphology-gexf');
const Graph = require('graphology');
const fs = require('fs');
const out = {};
for (const path of JSON.parse(fs.readFileSync(process.argv[2], 'utf8'))) {
  const g = parse(Graph, fs.readFileSync(path, 'utf8'));
  const nodes = {}, edges = {};
  g.forEachNode((n, a) => { nodes[n] = a; });
  g.forEachEdge((e, a, s, t) => { edges[e] = {source: s, target: t, attributes: a}; });
  out[path] = {nodes, edges};
}
process.stdout.write(JSON.stringify(out));
"""


def _installed() -> bool:
    for name, version in PACKAGES.items():
        manifest = NPM_DIR / "node_modules" / name / "package.json"
        if (
            not manifest.is_file()
            or json.loads(manifest.read_text(encoding="utf-8")).get("version") != version
        ):
            return False
    return True


@pytest.fixture(scope="module")
def graphology() -> Path:
    """The folder holding graphology and graphology-gexf, installed at the pinned versions."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("node and npm are needed to run graphology-gexf (install Node.js 20 and npm)")
    if not _installed():
        NPM_DIR.mkdir(parents=True, exist_ok=True)
        (NPM_DIR / "package.json").write_text('{"name": "tracer-ci", "private": true}\n', encoding="utf-8")
        specs = [f"{name}@{version}" for name, version in PACKAGES.items()]
        done = subprocess.run(
            [npm, "install", "--no-audit", "--no-fund", "--no-save", "--silent", *specs],
            cwd=NPM_DIR, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, f"npm install {' '.join(specs)} failed:\n{done.stderr[-2000:]}"
    (NPM_DIR / "read.js").write_text(READER, encoding="utf-8")
    return NPM_DIR


def parse_all(folder: Path, paths: list[Path]) -> dict[str, Any]:
    listing = folder / "files.json"
    listing.write_text(json.dumps([str(p) for p in paths]), encoding="utf-8")
    done = subprocess.run(
        ["node", str(folder / "read.js"), str(listing)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def expected_starts(text: str, version: str) -> tuple[dict[str, str], dict[str, str]]:
    """The ``start`` of each node and edge, as Gephi reads it from the file."""
    doc = etree.fromstring(text.encode("utf-8"))
    ns = {"g": GEXF_NS[version]}
    nodes = {n.get("id"): n.get("start") for n in doc.iterfind(".//g:node", ns) if n.get("start")}
    edges = {e.get("id"): e.get("start") for e in doc.iterfind(".//g:edge", ns) if e.get("start")}
    return nodes, edges


def check(H: nx.MultiDiGraph, text: str, version: str, parsed: dict[str, Any]) -> None:
    node_starts, edge_starts = expected_starts(text, version)
    assert len(parsed["nodes"]) == H.number_of_nodes()
    assert len(parsed["edges"]) == H.number_of_edges()
    for n, d in H.nodes(data=True):
        got = parsed["nodes"][n]
        names = set(got) - VIZ_KEYS
        assert names == (set(d) - {"label"}) | ({"date"} if n in node_starts else set()), n
        assert got.get("date") == node_starts.get(n), n
        for name in ("published", "first_seen", "type", "outlet", "title"):
            if name in d:
                assert got[name] == _clean(d[name]), (n, name)
        assert got["label"] == _clean(d["label"])
    by_ends: dict[tuple[str, str, str], dict[str, Any]] = {}
    for eid, edge in parsed["edges"].items():
        a = edge["attributes"]
        by_ends[(edge["source"], edge["target"], a["kind"])] = a
        assert a.get("date") == edge_starts.get(eid), eid
    for u, v, d in H.edges(data=True):
        got = by_ends[(u, v, d["kind"])]
        assert set(got) - VIZ_KEYS == set(d) - {"weight", "kind"} | ({"date"} if "date" in got else set())
        for name, value in d.items():
            if name != "weight":
                assert got[name] == (_clean(value) if isinstance(value, str) else value), (u, v, name)


@pytest.mark.parametrize("version", GEXF_VERSIONS)
def test_graphology_reads_every_export_by_name_with_dates(graphology, rumour, tmp_path, version):
    full = build_graph(rumour[0])
    first = next(n for n in sorted(full) if n.startswith("claim:"))[len("claim:") :]
    filters = [{k: first if v == "FIRST_CLAIM" else v for k, v in f.items()} for f in FILTERS]
    cases = [select_graph(full, level, **f) for level in LEVELS for f in filters]
    cases += [select_graph(small_graph(), level) for level in LEVELS]
    paths, texts = [], []
    for i, H in enumerate(cases):
        text = "".join(f"{line}\n" for line in generate_gexf(H, version))
        path = tmp_path / f"export-{i}.gexf"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
        texts.append(text)
    parsed = parse_all(graphology, paths)
    dated_nodes = dated_edges = 0
    for H, path, text in zip(cases, paths, texts, strict=True):
        check(H, text, version, parsed[str(path)])
        dated_nodes += sum("date" in a for a in parsed[str(path)]["nodes"].values())
        dated_edges += sum("date" in e["attributes"] for e in parsed[str(path)]["edges"].values())
    assert dated_nodes and dated_edges


def test_graphology_names_articles_and_outlet_edges(graphology, rumour, tmp_path):
    """What a Gephi Lite user sees: named columns, an article's date, an echo's date."""
    full = build_graph(rumour[0])
    paths = []
    for level in ("articles", "outlets"):
        path = tmp_path / f"{level}.gexf"
        path.write_text("".join(f"{x}\n" for x in generate_gexf(select_graph(full, level))), encoding="utf-8")
        paths.append(path)
    parsed = parse_all(graphology, paths)
    articles = parsed[str(paths[0])]
    article = next(a for a in articles["nodes"].values() if a["type"] == "article" and a["published"])
    assert {"outlet", "published", "title", "url", "date"} <= set(article)
    assert article["published"].startswith(article["date"])
    echo = next(e["attributes"] for e in articles["edges"].values() if e["attributes"]["kind"] == "echoes")
    assert {"claim_ids", "lag_days", "credited", "confidence", "date"} <= set(echo)
    outlets = parsed[str(paths[1])]
    edge = next(
        e["attributes"] for e in outlets["edges"].values() if e["attributes"]["kind"] == "outlet_echoes"
    )
    assert {"claims", "median_lag_days", "share_credited", "first_echo", "date"} <= set(edge)
    assert not any(k[:1] in "ne" and k[1:].isdigit() for a in articles["nodes"].values() for k in a)
