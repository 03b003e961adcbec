"""Hostile input: a NUL character in an article's text, and names that differ only in characters
XML 1.0 forbids.

SQLite's substr() stops at a NUL, so spans were once sliced empty or short after one; node ids
were once cleaned of the forbidden characters, so such names became one node id in every export.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from lxml import etree

from tracer.export import generate_csv, generate_gexf, generate_graphml, generate_json
from tracer.model import Article
from tracer.store import SPAN_BATCH, Store

from .conftest import RUMOUR
from .hostile import invoke, tables

# Sentences of fixtures/rumour/articles/01_daily-beacon.txt (as in test_hostile_sweep.py).
LEAKED = (
    "Leaked hospital records show that Chancellor Aldo Varek has been treated for early-stage heart "
    "failure and a rare blood disorder at a private clinic outside the capital."
)
PASSED = (
    "The documents were passed on by a source who said they had grown alarmed at the way the condition "
    "was being hidden from cabinet colleagues."
)
# Made-up sentences no rumour article has: a claim whose every member holds a NUL before it.
ONLY_NUL = [
    "Harbour officials in Quellport confirmed that the northern breakwater will close for repairs "
    "from the first week of spring until the end of the fishing season.",
    "Dock workers were told that the cost of the repairs would be shared between the port authority "
    "and the regional council after months of negotiation.",
]


def _write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def _texts(db: Path) -> dict[str, str]:
    conn = sqlite3.connect(db)
    try:
        return dict(conn.execute("SELECT id, text FROM articles"))
    finally:
        conn.close()


@pytest.fixture(scope="module")
def nul_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The rumour corpus, plus articles with NULs before and inside matched sentences."""
    folder = tmp_path_factory.mktemp("hostile-nul")
    inside = LEAKED.replace(" that ", " that\x00 ")
    records = [
        {"id": "nul-before", "outlet": "Nul News", "text": f"Intro \x00 line.\n\n{LEAKED}\n\n{PASSED}\n"},
        {"id": "nul-inside-1", "outlet": "Inside One", "text": f"Intro one.\n\n{inside}\n"},
        {"id": "nul-inside-2", "outlet": "Inside Two", "text": f"Intro \x00 two.\n\n{inside}\n"},
        *(
            {
                "id": f"only-nul-{i}",
                "outlet": f"Quell {i}",
                "text": f"\x00 Quell {i}.\n\n" + "\n\n".join(ONLY_NUL),
            }
            for i in range(2)
        ),
    ]
    db = folder / "nul.db"
    invoke("run", RUMOUR / "articles", _write_jsonl(folder / "nul.jsonl", records), "--db", db, "--quiet")
    return db


@pytest.fixture
def nul_db(nul_store: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "nul.db"
    shutil.copyfile(nul_store, copy)
    return copy


def test_matches_show_every_span_whole_around_a_nul(nul_db: Path) -> None:
    texts = _texts(nul_db)
    rows = json.loads(invoke("matches", "--db", nul_db, "--format", "json").stdout)
    spans = [(m["source_id"], m["source_span"], m["source_text"]) for m in rows]
    spans += [(m["target_id"], m["target_span"], m["target_text"]) for m in rows]
    nul_spans = [s for s in spans if "\x00" in texts[s[0]]]
    assert {aid for aid, _, _ in nul_spans} >= {"nul-before", "nul-inside-1", "nul-inside-2", "only-nul-0"}
    assert any("\x00" in shown for _, _, shown in nul_spans)  # a NUL inside a span is kept too
    for aid, (start, end), shown in spans:
        assert shown == texts[aid][start:end], (aid, start, end)
    # csv writes the same texts
    table = list(csv.DictReader(io.StringIO(invoke("matches", "--db", nul_db, "--format", "csv").stdout)))
    assert [r["source_text"] for r in table] == [m["source_text"] for m in rows]


def test_trace_and_origin_show_text_after_a_nul(nul_db: Path) -> None:
    texts = _texts(nul_db)
    traced = json.loads(invoke("trace", LEAKED, "--db", nul_db, "--format", "json").stdout)
    members = {m["article_id"]: m for t in traced for m in t["members"]}
    for aid in ("nul-before", "nul-inside-1", "nul-inside-2"):
        start, end = members[aid]["span"]
        assert members[aid]["text"] == " ".join(texts[aid][start:end].split()) != ""
    found = json.loads(invoke("origin", "nul-before", "--db", nul_db, "--format", "json").stdout)
    assert {c["text"] for c in found["claims"]} == {LEAKED, PASSED}
    table = invoke("origin", "nul-before", "--db", nul_db).stdout
    assert "Leaked hospital records show" in table


def test_trace_finds_a_claim_by_words_when_every_member_has_a_nul(nul_db: Path) -> None:
    traced = json.loads(
        invoke("trace", "Quellport northern breakwater", "--db", nul_db, "--format", "json").stdout
    )
    assert traced, "the claim is found by its words"
    assert {m["article_id"] for m in traced[0]["members"]} == {"only-nul-0", "only-nul-1"}
    assert all(m["text"] in ONLY_NUL for m in traced[0]["members"])


def test_show_and_report_keep_text_after_a_nul(nul_db: Path, tmp_path: Path) -> None:
    shown = invoke("show", "nul-inside-2", "--db", nul_db).stdout
    assert "Leaked hospital records" in shown
    before = tables(nul_db)
    out = tmp_path / "r.html"
    invoke("report", "-o", out, "--db", nul_db, "--quiet")
    html = out.read_text(encoding="utf-8")
    # the evidence of the claim whose members all hold a NUL shows their words
    assert 'Quell 1 (undated) · </div><span class="span"><mark>Harbour officials in Quellport' in html
    assert tables(nul_db) == before


def test_span_texts_equal_sqlite_substr_on_text_without_nul(tmp_path: Path) -> None:
    """Python slicing gives what substr() gave on ordinary text (accents, emoji, curly quotes)."""
    accented = LEAKED.replace("Aldo", "Ałdo 🩺").replace("capital", "capitål")
    records = [
        {"id": f"u{i}", "outlet": f"Outlet {i}", "text": f"Über {i} “intro”.\n\n{accented}\n\n{PASSED}\n"}
        for i in range(4)
    ]
    db = tmp_path / "u.db"
    invoke("run", RUMOUR / "articles", _write_jsonl(tmp_path / "u.jsonl", records), "--db", db, "--quiet")
    rows = json.loads(invoke("matches", "--db", db, "--format", "json").stdout)
    conn = sqlite3.connect(db)
    try:
        for m in rows:
            for side in ("source", "target"):
                start, end = m[f"{side}_span"]
                (want,) = conn.execute(
                    "SELECT substr(text, ? + 1, ? - ?) FROM articles WHERE id = ?",
                    (start, end, start, m[f"{side}_id"]),
                ).fetchone()
                assert m[f"{side}_text"] == want
    finally:
        conn.close()
    assert any("🩺" in m["source_text"] for m in rows)


def test_store_span_texts_across_batches(tmp_path: Path) -> None:
    texts = {f"a{i}": f"{i} \x00 é🩺{'x' * i}\x00 end {i}" for i in range(40)}
    spans = [
        (aid, (i * 7) % 5, len(texts[aid]) - i % 3)
        for i in range(3 * SPAN_BATCH + 1)
        for aid in [f"a{i % 40}"]
    ]
    with Store.open(tmp_path / "s.db") as store:
        store.add_articles([Article(id=aid, text=text) for aid, text in texts.items()])
        assert store.span_texts(spans) == [texts[aid][start:end] for aid, start, end in spans]
        assert store.span_texts([]) == []


# --- names that differ only in characters XML forbids ---------------------------------------------


def _twins(tmp_path: Path, outlets: list[str], ids: list[str] | None = None) -> Path:
    ids = ids or [f"twin-{i}" for i in range(len(outlets))]
    records = [
        {"id": aid, "outlet": outlet, "text": f"Intro {i}.\n\n{LEAKED}\n\n{PASSED}\n"}
        for i, (aid, outlet) in enumerate(zip(ids, outlets, strict=True))
    ]
    db = tmp_path / "twins.db"
    invoke("run", _write_jsonl(tmp_path / "twins.jsonl", records), "--db", db, "--quiet")
    return db


def _exported(db: Path, tmp_path: Path, fmt: str, level: str) -> tuple[list[str], list[tuple[str, str]]]:
    """Node ids and edge (source, target) pairs as the exported file has them."""
    out = tmp_path / f"g-{level}.{fmt}"
    result = invoke("export", "--format", fmt, "-o", out, "--level", level, "--db", db)
    nodes = int(result.stderr.split("exported ", 1)[1].split(" node")[0])
    if fmt == "csv":
        node_rows = list(csv.DictReader(io.StringIO((out / "nodes.csv").read_text(encoding="utf-8"))))
        edge_rows = list(csv.DictReader(io.StringIO((out / "edges.csv").read_text(encoding="utf-8"))))
        ids, edges = [r["Id"] for r in node_rows], [(r["Source"], r["Target"]) for r in edge_rows]
    elif fmt == "json":
        data = json.loads(out.read_text(encoding="utf-8"))
        ids, edges = [n["id"] for n in data["nodes"]], [(e["source"], e["target"]) for e in data["links"]]
    else:
        doc = etree.parse(str(out))
        ids = [n.get("id") for n in doc.iter("{*}node")]
        edges = [(e.get("source"), e.get("target")) for e in doc.iter("{*}edge")]
    assert len(ids) == nodes
    return ids, edges


@pytest.mark.parametrize("fmt", ["gexf", "graphml", "json", "csv"])
def test_outlets_differing_in_illegal_characters_stay_apart_in_every_format(tmp_path: Path, fmt: str) -> None:
    db = _twins(tmp_path, ["Alpha\x01", "Alpha\x02", "Alpha"])
    ids, edges = _exported(db, tmp_path, fmt, "outlets")
    assert sorted(ids) == ["outlet:Alpha", "outlet:Alpha\\x01", "outlet:Alpha\\x02"]
    assert edges and all(u in ids and v in ids for u, v in edges)
    assert any(u != v for u, v in edges)  # echoes between the twins are not self-loops


@pytest.mark.parametrize("fmt", ["gexf", "graphml", "json", "csv"])
def test_articles_and_outlets_differing_in_illegal_characters_at_the_articles_level(
    tmp_path: Path, fmt: str
) -> None:
    db = _twins(tmp_path, ["Beta\x0e", "Beta\ufffe", "Beta"], ids=["a\x01", "a\x02", "a"])
    ids, edges = _exported(db, tmp_path, fmt, "articles")
    assert {"article:a", "article:a\\x01", "article:a\\x02", "outlet:Beta", "outlet:Beta\\x0e"} < set(ids)
    assert "outlet:Beta\\ufffe" in ids and len(set(ids)) == len(ids)
    assert all(u in ids and v in ids for u, v in edges)


def _graph(names: list[str], order: list[str] | None = None) -> nx.MultiDiGraph:
    """Outlet nodes (added in ``order``) and an echo from each name to the next."""
    g = nx.MultiDiGraph()
    for name in order or names:
        g.add_node(f"outlet:{name}", type="outlet", label=name, rank=names.index(name))
    for a, b in zip(names, names[1:], strict=False):
        g.add_edge(f"outlet:{a}", f"outlet:{b}", key="outlet_echoes", kind="outlet_echoes", claims=1)
    return g


def _all_formats(g: nx.MultiDiGraph) -> str:
    nodes, edges = generate_csv(g)
    return "\n".join([*generate_gexf(g), *generate_graphml(g), *generate_json(g), *nodes, *edges])


def test_escaped_ids_that_collide_with_a_real_name_stay_distinct_and_deterministic() -> None:
    # "Alpha\\x01" (a backslash, then x01) is an ordinary name and keeps its id; the name with the
    # control character escapes to the same text, so it gets a suffix (skipping a name that has it).
    names = ["Alpha\\x01", "Alpha\x01", "Alpha", "Alpha\\x01~2"]
    g = _graph(names)
    doc = etree.fromstring("\n".join(generate_gexf(g)).encode("utf-8"))
    ids = [n.get("id") for n in doc.iter("{*}node")]
    # (rank, the one node attribute, tells the nodes apart: their labels lose the control character)
    rank = {n.get("id"): int(n.find("{*}attvalues/{*}attvalue").get("value")) for n in doc.iter("{*}node")}
    by_name = {names[r]: nid for nid, r in rank.items()}
    assert by_name == {"Alpha": "outlet:Alpha", "Alpha\\x01": "outlet:Alpha\\x01",
                       "Alpha\\x01~2": "outlet:Alpha\\x01~2", "Alpha\x01": "outlet:Alpha\\x01~3"}  # fmt: skip
    readback = nx.read_gexf(io.BytesIO(etree.tostring(doc)))
    assert readback.number_of_nodes() == 4 and readback.number_of_edges() == 3
    graphml = nx.read_graphml(io.BytesIO("\n".join(generate_graphml(g)).encode("utf-8")))
    assert graphml.number_of_nodes() == 4
    assert sorted(graphml.nodes) == sorted(readback.nodes) == sorted(ids)
    # the same graph with its nodes added in another order is written byte for byte the same
    assert _all_formats(g) == _all_formats(_graph(names, order=names[::-1]))


def test_export_of_twins_does_not_depend_on_the_order_they_came_in(tmp_path: Path) -> None:
    outlets = ["Alpha\x01", "Alpha\x02", "Alpha", "Alpha\\x01"]
    files = []
    for name, order in (("forward", outlets), ("backward", outlets[::-1])):
        folder = tmp_path / name
        folder.mkdir()
        db = _twins(folder, order, ids=[f"t{outlets.index(o)}" for o in order])
        out = folder / "g.gexf"
        invoke("export", "--format", "gexf", "-o", out, "--level", "outlets", "--db", db)
        files.append(out.read_bytes())
    assert files[0] == files[1]
    assert len(set(re.findall(rb'<node id="([^"]*)"', files[0]))) == 4
