"""Hostile input, no reuse: a corpus where nothing (or only boilerplate) is shared is a result,
not an error; queries over it say there is nothing to show. And hostile `trace` queries."""

from __future__ import annotations

import csv
import io
import json
import random
import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner, Result

from tracer.candidates import _run_pairs
from tracer.claims import mention_graph
from tracer.cli import cli
from tracer.params import ClaimParams
from tracer.pipeline import run
from tracer.queries import MAX_QUERY_CHARS
from tracer.store import Store

from .conftest import RUMOUR

SYLLABLES = ["ka", "lo", "mi", "tre", "van", "dor", "pel", "sun", "qui", "bra", "zel", "fon", "gri",
             "hul", "mar", "nest", "orp", "plu", "rix", "tav"]  # fmt: skip
NEWSLETTER = (
    "Sign up for our free newsletter to get the biggest stories delivered to your inbox every morning."
)
SYNDICATED = (
    "This article was distributed by the Continental Syndication Network under its standard licence terms."
)


def _body(seed: int, sentences: int = 8) -> list[str]:
    """Sentences of made-up words, a vocabulary of its own per seed: shared by no other article."""
    rng = random.Random(seed)
    vocab = ["".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))) for _ in range(400)]
    return [
        " ".join(rng.choice(vocab) for _ in range(rng.randint(10, 16))).capitalize() + "."
        for _ in range(sentences)
    ]


def _write(folder: Path, seed: int, outlet: str, day: int, extra: list[str] | None = None) -> None:
    paragraphs = _body(seed) + (extra or [])
    text = f"outlet: {outlet}\ndate: 2024-01-{day:02d}\n\nHeadline number {seed}\n\n" + "\n\n".join(
        paragraphs
    )
    (folder / f"{seed:03d}.txt").write_text(text + "\n", encoding="utf-8")


def _one(folder: Path) -> Path:
    shutil.copy(RUMOUR / "articles" / "01_daily-beacon.txt", folder)
    return folder / "01_daily-beacon.txt"


def _unrelated(folder: Path) -> Path:
    _write(folder, 1, "Alpha Times", 1)
    _write(folder, 2, "Beta Post", 2)
    return folder


def _boilerplate(folder: Path) -> Path:
    """Three outlets, three articles each, every one ending with the same promo line and the same
    syndication footer (a template by counts); nothing else shared."""
    for o, outlet in enumerate(["Alpha Times", "Beta Post", "Gamma Herald"]):
        for k in range(3):
            _write(folder, 10 + 3 * o + k, outlet, 1 + 3 * o + k, [NEWSLETTER, SYNDICATED])
    return folder


def _empty(folder: Path) -> Path:
    return folder


CORPORA = {
    "one article": _one,
    "two unrelated": _unrelated,
    "only boilerplate": _boilerplate,
    "empty": _empty,
}


def _invoke(*args: str) -> Result:
    result = CliRunner().invoke(cli, list(args))
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


@pytest.fixture(scope="module", params=sorted(CORPORA))
def no_reuse(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """(name, db, result of `tracer run`) for each corpus without reuse."""
    folder = tmp_path_factory.mktemp("corpus")
    path = CORPORA[request.param](folder)
    db = str(tmp_path_factory.mktemp("db") / "t.db")
    return request.param, db, _invoke("run", str(path), "--db", db)


def test_run_without_reuse_ends_normally(no_reuse):
    name, db, result = no_reuse
    assert result.exit_code == 0, result.output
    counts = json.loads(_invoke("stats", "--db", db, "--format", "json").stdout)
    assert counts["unscanned"] == 0 and counts["matches"] == 0 and counts["claims"] == 0
    if name == "empty":
        assert counts["articles"] == 0
        assert "no articles found in" in result.stderr and ".txt" in result.stderr
        assert "nothing to scan" in result.stdout
    else:
        assert counts["articles"] >= 1
        assert "no reuse found" in result.stdout


@pytest.mark.parametrize("files", [[], ["notes.rtf", "image.png"]])
def test_ingest_of_a_folder_without_article_files(tmp_path, files):
    """Exit 0 (an empty drop folder is a state, not a fault), saying what was looked for."""
    folder = tmp_path / "inbox"
    folder.mkdir()
    for name in files:
        (folder / name).write_bytes(b"{\\rtf1 not an article}")
    db = str(tmp_path / "t.db")
    result = _invoke("ingest", str(folder), "--db", db)
    assert result.exit_code == 0
    assert f"no articles found in {folder}" in result.stderr and ".jsonl" in result.stderr
    # An RTF file may hold an article tracer does not read: said (an image is no article: not).
    left_out = "left out 1 file(s) of formats tracer does not read (1 .rtf)"
    assert (left_out in result.stderr) == bool(files) and ".png" not in result.stderr
    assert _invoke("ingest", str(folder), "--db", db, "-q").stderr == ""


def test_boilerplate_only_says_what_was_hidden(no_reuse):
    name, db, result = no_reuse
    if name != "only boilerplate":
        pytest.skip("the boilerplate corpus only")
    assert "boilerplate" in result.stdout and "--include-boilerplate" in result.stdout
    rows = json.loads(_invoke("matches", "--db", db, "--format", "json", "--include-boilerplate").stdout)
    assert rows and all(r["boilerplate"] for r in rows)


def test_scan_of_a_scanned_store_without_reuse(no_reuse):
    name, db, _ = no_reuse
    result = _invoke("scan", "--db", db)
    assert result.exit_code == 0
    assert "nothing to scan" in result.stderr
    assert ("no articles" if name == "empty" else "scanned before") in result.stderr


def _csv_header_only(text: str) -> bool:
    rows = list(csv.reader(io.StringIO(text)))
    return len(rows) == 1 and rows[0]


@pytest.mark.parametrize("command", ["matches", "claims", "trace", "outlets"])
@pytest.mark.parametrize("fmt", ["table", "json", "jsonl", "csv"])
def test_queries_without_reuse_show_nothing(no_reuse, command, fmt):
    _, db, _ = no_reuse
    if fmt == "jsonl" and command != "matches":
        pytest.skip("only matches writes JSON Lines")
    args = [command, *(["heart failure"] if command == "trace" else []), "--db", db, "--format", fmt]
    result = _invoke(*args)
    assert result.exit_code == 0, result.output
    if fmt == "json":
        found = json.loads(result.stdout)
        assert found == [] or found == {"outlets": [], "matrix": [], "pairs": []}
    elif fmt == "jsonl":
        assert result.stdout == ""
    elif fmt == "csv":
        assert _csv_header_only(result.stdout), result.stdout
    else:
        assert result.stdout.strip() == "" or result.stdout.startswith("no ")
        assert "did you run `tracer scan`" not in result.output  # it was scanned


def test_show_and_origin_without_reuse(no_reuse):
    name, db, _ = no_reuse
    if name == "empty":
        bad = _invoke("show", "abc", "--db", db)
        assert bad.exit_code == 1 and "no article with id" in bad.output
        return
    with Store.open(db) as s:
        article = s.conn.execute("SELECT id FROM articles ORDER BY id").fetchone()[0]
    shown = _invoke("show", article, "--db", db)
    assert shown.exit_code == 0 and "reused spans: 0" in shown.stdout and "[[" not in shown.stdout
    # Scanned and unchanged: no reason to name but the absence of reuse (not "edited since").
    assert "reused spans: 0\n" in shown.stdout
    origin = _invoke("origin", article, "--db", db, "--format", "json")
    assert origin.exit_code == 0 and json.loads(origin.stdout)["claims"] == []
    assert _csv_header_only(_invoke("origin", article, "--db", db, "--format", "csv").stdout)


def test_report_and_export_without_reuse(no_reuse, tmp_path):
    _, db, _ = no_reuse
    html = tmp_path / "r.html"
    report = _invoke("report", "--db", db, "-o", str(html))
    assert report.exit_code == 0 and "No claims" in html.read_text(encoding="utf-8")
    assert "did you run" not in html.read_text(encoding="utf-8")
    for fmt in ("gexf", "graphml", "json"):
        result = _invoke("export", "--db", db, "--format", fmt, "-o", "-")
        assert result.exit_code == 0 and "exported 0 node(s)" in result.stderr
        assert "did you run `tracer scan`" not in result.stderr
    graph = json.loads(_invoke("export", "--db", db, "--format", "json", "-o", "-", "-q").stdout)
    assert graph["nodes"] == [] and graph["links"] == []
    folder = tmp_path / "csv"
    assert _invoke("export", "--db", db, "--format", "csv", "-o", str(folder)).exit_code == 0
    assert _csv_header_only((folder / "nodes.csv").read_text()) and _csv_header_only(
        (folder / "edges.csv").read_text()
    )


def test_scan_after_a_scan_without_reuse_finds_the_reuse(no_reuse, tmp_path):
    """Ingest articles that do share text into a store scanned without reuse: the next scan finds
    the same matches and claims as a fresh store of those articles alone."""
    _, db, _ = no_reuse
    grown = tmp_path / "grown.db"
    shutil.copy(db, grown)
    assert _invoke("run", str(RUMOUR / "articles"), "--db", str(grown), "-q").exit_code == 0
    fresh = tmp_path / "fresh.db"
    assert _invoke("run", str(RUMOUR / "articles"), "--db", str(fresh), "-q").exit_code == 0
    rumour_ids = {p.name for p in (RUMOUR / "articles").iterdir()}

    def found(path: Path) -> tuple[list, list]:
        with Store.open(path) as s:
            ids = {
                i
                for p, i in s.conn.execute("SELECT source_path, id FROM articles")
                if Path(p).name in rumour_ids
            }
            matches = sorted(
                r[:-1] for r in s.conn.execute(
                    "SELECT source_id, target_id, source_start, source_end, target_start, target_end, "
                    "kind, boilerplate, target_id FROM matches"
                ) if r[0] in ids and r[1] in ids
            )  # fmt: skip
            claims = sorted(s.conn.execute("SELECT id, text, origin_id, articles FROM claims").fetchall())
        return matches, claims

    got, want = found(grown), found(fresh)
    assert got[0] and got == want


# -- the library: every empty array of the scan path -----------------------------------------------


def _store_of(tmp_path: Path, articles: list[tuple[str, str]]):
    folder = tmp_path / "in"
    folder.mkdir()
    for k, (outlet, text) in enumerate(articles):
        (folder / f"{k}.txt").write_text(
            f"outlet: {outlet}\ndate: 2024-01-{k + 1:02d}\n\nTitle {k}\n\n{text}\n"
        )
    store = Store.open(tmp_path / "t.db")
    _, result = run(store, [folder], workers=1)
    return store, result


WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet", "kilo",
         "lima", "mike", "november"]  # fmt: skip


@pytest.mark.parametrize(
    "articles, candidates",
    [
        # a candidate pair (same words) that alignment rejects (reversed order): nothing verified
        ([("A", " ".join(WORDS) + "."), ("B", " ".join(reversed(WORDS)) + ".")], 1),
        ([("A", "Hi there. Yes."), ("B", "Hi there. Yes.")], 0),  # no sentence long enough to match
        ([("A", "Word"), ("B", "Word")], 0),
        ([("A", NEWSLETTER), ("A", NEWSLETTER)], 0),  # an outlet's own promo line: no piece at all
        ([("A", "Quartz zebras jumped over seven lazy hounds near the old river bank today.")], 0),
    ],
)
def test_scans_that_find_nothing(tmp_path, articles, candidates):
    store, result = _store_of(tmp_path, articles)
    with store:
        assert result.candidates == candidates and result.matches == 0 and result.claims == 0
        assert store.counts()["unscanned"] == 0


def test_empty_arrays_in_claims_and_pairs():
    graph = mention_graph(np.empty((6, 0), dtype=np.int64), np.empty(0), ClaimParams())
    assert len(graph.article) == 0 and len(graph.link_a) == 0 and graph.bounds.tolist() == [0]
    assert _run_pairs(np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)).shape == (0, 2)


def test_eval_of_a_corpus_without_reuse(tmp_path):
    corpus, db = tmp_path / "one.jsonl", str(tmp_path / "t.db")
    assert _invoke("simulate", "1", "-o", str(corpus), "-q").exit_code == 0
    assert _invoke("run", str(corpus), "--db", db, "-q").exit_code == 0
    result = _invoke("eval", "--truth", str(tmp_path / "one.truth.json"), "--db", db, "--format", "json")
    assert result.exit_code == 0
    measures = json.loads(result.stdout)
    assert measures["spans"]["plagdet"] is None and measures["spans"]["precision"] is None
    assert measures["claims"]["bcubed_f1"] is None
    table = _invoke("eval", "--truth", str(tmp_path / "one.truth.json"), "--db", db)
    assert "nothing to score" in table.stderr
    assert all(
        " 0.000 " not in line
        for line in table.stdout.splitlines()
        if line.startswith(("plagdet", "precision"))
    )


# -- hostile `trace` queries (item 9) --------------------------------------------------------------


@pytest.mark.parametrize("query", ["", "   ", "\t\n", "%", "*", '"', "''", "%_%", "c%", "c_", "a"])
def test_trace_without_words_is_a_usage_error(rumour, query):
    result = _invoke("trace", query, "--db", rumour[0].path)
    assert result.exit_code == 2 and "Usage:" in result.output and "QUERY" in result.output


def test_trace_unknown_claim_id_fails_like_origin_and_show(rumour):
    db = rumour[0].path
    for query in ("c0123456789", "cffffffffff", "c0000"):
        result = _invoke("trace", query, "--db", db)
        assert result.exit_code == 1 and f"no claim with id {query!r}" in result.output, query
    known = rumour[0].conn.execute("SELECT id FROM claims ORDER BY id").fetchone()[0]
    for query in (known, known[:6]):
        found = json.loads(_invoke("trace", query, "--db", db, "--format", "json").stdout)
        assert [t["claim_id"] for t in found] == [known]


def test_trace_of_a_huge_query_says_it_is_too_long(rumour):
    result = _invoke("trace", "word " * 20000, "--db", rumour[0].path)
    assert result.exit_code == 2 and "too long" in result.output and f"{MAX_QUERY_CHARS:,}" in result.output
    assert "SQL" not in result.output and "LIKE" not in result.output


@pytest.mark.parametrize(
    "query, finds",
    [("heart % failure", True), ("heart_failure", True), ("heart* failure", True), ('"heart failure"', True),
     ("heart\x00failure", True), ("c09cc%", False), ("c09_c", False), ("heart' OR 1=1 --", False),
     ("zebra \u00a0 migration", False), ("c09cc7557bb'; DROP TABLE claims; --", None)],
)  # fmt: skip
def test_trace_with_special_characters(rumour, query, finds):
    """Quotes, LIKE wildcards (``c09cc%`` is not a prefix of claim c09cc7557bb), NUL: plain words."""
    db = rumour[0].path
    before = rumour[0].conn.execute("SELECT COUNT(*) FROM claims").fetchone()[0]
    result = _invoke("trace", query, "--db", db, "--format", "json")
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    if finds is not None:
        assert bool(found) == finds
    if finds:
        assert "heart failure" in found[0]["text"]
    assert sqlite3.connect(db).execute("SELECT COUNT(*) FROM claims").fetchone()[0] == before
