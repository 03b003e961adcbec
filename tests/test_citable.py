"""Provenance a fact-checker can cite: no self-echo, navigation makes no claims, credit kinds kept
apart, whole-sentence claims, evidence inside its sentence (the seeds read from ../shared/seeds)."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from tracer.attribution import credit_kind
from tracer.boilerplate import sentence_lines
from tracer.claims import Claim, Mention
from tracer.cli import cli
from tracer.graph import build_graph
from tracer.provenance import trace_claim
from tracer.queries import list_claims, marked_sentence, outlet_pairs, timeline
from tracer.segment import split_sentences, whole_sentences
from tracer.store import Store
from tracer.text import fold_joined, token_table

from .conftest import SEEDS

# The seeds as the user labelled them: each file's outlet and the date of its events.
LABELS = {
    "000": ("Daily Express", "2022-11-28"),
    "001": ("Daily Star", "2023-02-01"),
    "002": ("RadarOnline.com", "2023-09-13"),
    "003": ("OK! Magazine", "2025-08-16"),
}


@pytest.fixture(scope="module")
def labelled(tmp_path_factory):
    if not SEEDS.is_dir():
        pytest.skip(f"{SEEDS} not present (the shared seeds sit beside the repository)")
    db = str(tmp_path_factory.mktemp("labelled") / "t.db")
    runner = CliRunner()
    for path in sorted(SEEDS.glob("*.txt")):
        outlet, day = LABELS[path.name[:3]]
        args = ["ingest", str(path), "--db", db, "-q", "--outlet", outlet, "--date", day]
        assert runner.invoke(cli, args, catch_exceptions=False).exit_code == 0
    assert runner.invoke(cli, ["scan", "--db", db, "-q"], catch_exceptions=False).exit_code == 0
    with Store.open(db) as s:
        files = {i: Path(p).name[:3] for p, i in s.conn.execute("SELECT source_path, id FROM articles")}
        texts = dict(s.conn.execute("SELECT id, text FROM articles").fetchall())
    return db, files, texts


def _timelines(db: str) -> list[dict]:
    with Store.open(db) as s:
        return [timeline(s, c["claim_id"]) for c in list_claims(s)]


# --- an article never echoes itself ----------------------------------------------------------


def test_seeds_no_article_echoes_itself(labelled):
    db, files, _ = labelled
    for t in _timelines(db):
        for m in t["members"]:
            assert m["parent_id"] != m["article_id"], (t["claim_id"], files[m["article_id"]])
    with Store.open(db) as s:
        pairs = outlet_pairs(s)
        g = build_graph(s)
    assert all(p["source_outlet"] != p["echo_outlet"] for p in pairs), pairs
    assert not [
        (u, v) for u, v, d in g.edges(data=True) if u == v and d["kind"] in ("echoes", "outlet_echoes")
    ]
    # The Express headline and its first paragraph are both the origin's, the Star the echo.
    result = CliRunner().invoke(cli, ["trace", "feet twitch during meeting", "--db", db, "--format", "json"])
    members = json.loads(result.stdout)[0]["members"]
    roles = [(files[m["article_id"]], m["role"], m["parent_id"] and files[m["parent_id"]]) for m in members]
    assert ("001", "echo", "000") in roles and all(r[1] == "origin" for r in roles if r[0] == "000")


def _mention(art: str, outlet: str, day: str | None, start: int, text: str) -> Mention:
    return Mention(art, start, start + len(text), outlet, day, text)


def test_another_span_of_the_same_article_is_never_a_parent():
    text = "the minister resigned on friday after the leaked memo was published"
    members = [
        _mention("a", "Alpha", "2024-01-01", 0, text),
        _mention("a", "Alpha", "2024-01-01", 200, text + " today"),
        _mention("b", "Alpha", "2024-01-03", 0, text + " today"),  # same outlet, another article
        _mention("b", "Alpha", "2024-01-03", 300, text),
        _mention("c", "Beta", "2024-01-05", 0, text + " today"),
    ]
    prov = trace_claim(Claim("c1", text, [], members), {})
    parents = {e.child: e.parent for e in prov.echoes}
    assert prov.origin == 0 and 1 not in parents  # the origin's own second span is no echo of it
    for child, parent in parents.items():
        assert members[child].article_id != members[parent].article_id
    # an echo between two articles of one outlet stays an echo
    assert members[parents[2]].article_id == "a" and members[parents[3]].article_id == "a"


# --- navigation is not text ------------------------------------------------------------------


def _flags(texts: list[str]) -> list[tuple[str, int]]:
    """Each sentence of ``texts`` with its promo flag, as a scan computes it."""
    folded, offsets = fold_joined(texts)
    tok_at, _, tok_key = token_table(folded)
    spans = [
        (k, a + int(offsets[k]), b + int(offsets[k]))
        for k, t in enumerate(texts)
        for a, b in split_sentences(t)
    ]
    article = np.array([k for k, _, _ in spans], dtype=np.int64)
    starts = np.array([a for _, a, _ in spans], dtype=np.int64)
    ends = np.array([b for _, _, b in spans], dtype=np.int64)
    _, flags = sentence_lines(folded, offsets, tok_at, tok_key, article, starts, ends, "\n".join(texts))
    joined = "\n".join(texts)
    # a list marker is no part of the sentence
    return [
        (joined[a:b].removeprefix("- "), int(f) & 1)
        for (_, a, b), f in zip(spans, flags.tolist(), strict=True)
    ]


NEWS = "Ministers met on Monday to discuss the budget.\nThe talks lasted four hours, officials said.\n"


def test_link_lists_are_flagged_and_news_is_not():
    texts = [
        # a related-links list with markers, in the middle of an article
        NEWS + "- Prime Minister Faces Fresh Revolt Over Budget Plans\n- Opposition Leader Calls For Snap"
        " Election In Heated Debate\n- Markets Slide As Investors Weigh Tax Changes\n" + NEWS,
        # a READ NEXT header, then headlines in sentence case without markers
        NEWS + "READ NEXT:\nKiller elephant's spree of terror finally over as beast caught\n"
        "Woman hit by rollercoaster finally out of hospital after crash\n",
        # headlines in title case, no markers, no header
        NEWS + "Prime Minister Faces Fresh Revolt Over Budget Plans\nOpposition Leader Calls For Snap"
        " Election In Heated Debate\nMarkets Slide As Investors Weigh Tax Changes In London\n" + NEWS,
        # MORE: link
        NEWS + "MORE: Prime minister faces fresh revolt over budget plans\n",
        # a title, then news; a list of sentences; two title-case subheads apart
        "Minister Resigns Over Leaked Budget Memo\n" + NEWS + "- The minister resigned on Friday.\n"
        "- Her deputy takes over until the election.\n- The memo was leaked on Tuesday.\n"
        "Budget Talks Resume In London\n" + NEWS + "What Happens Next For The Treasury\n" + NEWS,
    ]
    flagged = {s for s, f in _flags(texts) if f}
    for s in ("Prime Minister Faces Fresh Revolt Over Budget Plans", "Markets Slide As Investors Weigh Tax Changes",
              "Killer elephant's spree of terror finally over as beast caught",
              "Opposition Leader Calls For Snap Election In Heated Debate",
              "Markets Slide As Investors Weigh Tax Changes In London",
              "MORE: Prime minister faces fresh revolt over budget plans"):  # fmt: skip
        assert s in flagged, s
    for s in ("Ministers met on Monday to discuss the budget.", "Minister Resigns Over Leaked Budget Memo",
              "The minister resigned on Friday.", "Budget Talks Resume In London",
              "What Happens Next For The Treasury"):  # fmt: skip
        assert s not in flagged, s


def test_seeds_related_links_make_no_claim(labelled):
    db, files, texts = labelled
    radar = next(i for i, f in files.items() if f == "002")
    links = [m.span() for m in re.finditer(r"(?m)^- .+$", texts[radar])]
    assert len(links) == 3
    with Store.open(db) as s:
        spans = s.conn.execute(
            "SELECT start, end FROM claim_members WHERE article_id = ?", (radar,)
        ).fetchall()
    assert spans
    for start, end in spans:
        assert not any(start < b and end > a for a, b in links), texts[radar][start:end]


# --- credit is three things ------------------------------------------------------------------


def test_credit_kinds():
    assert credit_kind(True, ["The Sun", "@golub"]) == "parent"
    assert credit_kind(False, ["@golub", "The Sun"]) == "other"
    assert credit_kind(False, ["@golub"]) == "account"
    assert credit_kind(False, []) == "none"


def test_seeds_credit_to_the_sun_is_not_credit_to_the_parent(labelled):
    db, files, _ = labelled
    result = CliRunner().invoke(cli, ["trace", "leaked spy documents", "--db", db, "--format", "json"])
    star = next(m for m in json.loads(result.stdout)[0]["members"] if files[m["article_id"]] == "001")
    assert star["parent_outlet"] == "Daily Express"
    assert (star["credit"], star["credits_parent"], star["credit_to"]) == ("other", False, ["The Sun"])
    table = CliRunner().invoke(cli, ["trace", "leaked spy documents", "--db", db]).stdout
    row = next(line for line in table.splitlines() if "Daily Star" in line)
    assert " other " in row and "The Sun" in row and "credited" not in row
    with Store.open(db) as s:
        pair = next(
            p
            for p in outlet_pairs(s)
            if (p["source_outlet"], p["echo_outlet"]) == ("Daily Express", "Daily Star")
        )
    assert pair["share_credited"] == 0.0  # neither echo names the Express


def test_seeds_a_tweet_credit_is_an_account_not_an_outlet(labelled):
    db, files, _ = labelled
    ok = [
        m
        for t in _timelines(db)
        for m in t["members"]
        if files[m["article_id"]] == "003" and m["credit_accounts"]
    ]
    assert ok and all(m["credit"] == "account" and not m["credits_parent"] for m in ok)
    assert all("@golub" not in m["credit_to"] for m in ok)
    with Store.open(db) as s:
        g = build_graph(s)
    assert "outlet:@golub" not in g and g.nodes["account:@golub"]["type"] == "account"
    rows = list(
        csv.DictReader(
            io.StringIO(CliRunner().invoke(cli, ["trace", "twitched", "--db", db, "--format", "csv"]).stdout)
        )
    )
    ok_row = next(r for r in rows if r["outlet"] == "OK! Magazine")
    assert (ok_row["credit"], ok_row["credit_to"], ok_row["credit_accounts"]) == (
        "account",
        "",
        '["@golub"]',
    )
    out = CliRunner().invoke(cli, ["report", "--db", db, "-o", str(Path(db).with_suffix(".html")), "-q"])
    assert out.exit_code == 0
    html = Path(db).with_suffix(".html").read_text(encoding="utf-8")
    assert "credits an account: @golub" in html and "credits another source: The Sun" in html


# --- whole sentences ----------------------------------------------------------------------------


def test_whole_sentences():
    text = "First one here. It comes as leaked documents allege a thing. Last one."
    i = text.index("comes")
    assert text[slice(*whole_sentences(text, i, i + 20))] == "It comes as leaked documents allege a thing."
    assert marked_sentence(text, i, i + 5) == "It [[comes]] as leaked documents allege a thing."
    long = "word " * 200 + "end."
    assert whole_sentences(long, 500, 510) == (500, 510)  # past the reach: the span keeps its edges


def test_seeds_claim_texts_are_whole_sentences(labelled):
    db, _, _ = labelled
    with Store.open(db) as s:
        texts = [c["text"] for c in list_claims(s)]
    leaked = next(t for t in texts if "leaked documents allege" in t)
    assert leaked.startswith("It comes as leaked documents allege") and leaked.endswith("pancreatic cancer.")
    assert all(t[0].isupper() or not t[0].isalpha() for t in texts), texts


def test_seeds_evidence_shows_the_sentence_around_the_match(labelled):
    db, files, _ = labelled
    runner = CliRunner()
    trace = json.loads(
        runner.invoke(cli, ["trace", "leaked spy documents", "--db", db, "--format", "json"]).stdout
    )
    origin = next(m for m in trace[0]["members"] if files[m["article_id"]] == "000")
    assert origin["sentence"].startswith("It [[comes as leaked documents allege")
    star = next(i for i, f in files.items() if f == "001")
    show = runner.invoke(cli, ["show", star, "--db", db]).stdout
    assert '"It [[comes as leaked documents allege that the President has early stage' in show
    html = Path(db).with_suffix(".html")
    runner.invoke(cli, ["report", "--db", db, "-o", str(html), "-q"])
    assert '<span class="context">It </span><span class="span">' in html.read_text(encoding="utf-8")
