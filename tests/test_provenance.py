"""Claims and provenance: the planted propagation trees are recovered; the seeds' claim is traced."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from tracer import matches
from tracer.claims import (
    ClaimParams,
    ClaimsStart,
    MentionGraph,
    average_linkage,
    claims_unsorted,
    mention_graph,
)
from tracer.cli import cli
from tracer.errors import TracerError
from tracer.graph import build_graph
from tracer.matches import LinkPieces, read_link_pieces
from tracer.params import ScanParams
from tracer.pipeline import run
from tracer.queries import find_claims, list_claims, timeline
from tracer.store import Store

from .conftest import RUMOUR, SEEDS, corpus_dirs


def _claim_for(s, names, truth_claim):
    """The tool's claim holding the truth claim's origin and most of its members."""
    wanted = {m["file"] for m in truth_claim["members"]}
    origin = next(m["file"] for m in truth_claim["members"] if m["edit"] == "origin")
    best = None
    for row in list_claims(s):
        t = timeline(s, row["claim_id"])
        files = {names[m["article_id"]] for m in t["members"]}
        if origin in files and (best is None or len(files & wanted) > best[0]):
            best = (len(files & wanted), t)
    assert best is not None, f"claim {truth_claim['id']}: no claim carries its origin"
    return best[1]


@pytest.fixture(scope="module")
def traced(rumour):
    s, ids, truth = rumour
    names = {v: k for k, v in ids.items()}
    return s, names, truth, {c["id"]: _claim_for(s, names, c) for c in truth["claims"]}


def test_each_planted_claim_is_one_claim_with_the_right_origin(traced):
    s, names, truth, found = traced
    assert len({t["claim_id"] for t in found.values()}) == len(truth["claims"])
    for c in truth["claims"]:
        t = found[c["id"]]
        origin = next(m["file"] for m in c["members"] if m["edit"] == "origin")
        assert [names[m["article_id"]] for m in t["members"] if m["role"] == "origin"] == [origin]
        copies = {m["file"] for m in c["members"] if m["edit"] != "reworded"}
        assert copies <= {names[m["article_id"]] for m in t["members"]}


def test_parents_and_credits_follow_the_truth(traced):
    s, names, truth, found = traced
    checked = 0
    for c in truth["claims"]:
        got = {names[m["article_id"]]: m for m in found[c["id"]]["members"]}
        for m in c["members"]:
            if m["edit"] in ("origin", "reworded"):
                continue  # reworded echoes share too few words to be found by copy detection
            g = got[m["file"]]
            assert (names.get(g["parent_id"]) if g["parent_id"] else None) == m["parent"], m["file"]
            assert g["credited"] == m["credited"], m["file"]
            if m["credit_to"]:
                assert m["credit_to"] in g["credit_to"]
            assert 0 < g["confidence"] <= 1 and g["evidence"]["similarity"] > 0
            checked += 1
    assert checked >= 15


def test_echo_of_an_echo_is_parented_on_the_intermediate(traced):
    s, names, truth, found = traced
    hops = [(c["id"], m) for c in truth["claims"] for m in c["members"]
            if m["parent"] and m["edit"] != "reworded"
            and next(x for x in c["members"] if x["file"] == m["parent"])["edit"] != "origin"]  # fmt: skip
    assert hops
    for cid, m in hops:
        got = next(g for g in found[cid]["members"] if names[g["article_id"]] == m["file"])
        assert names[got["parent_id"]] == m["parent"]


def test_external_outlet_credit(traced):
    s, names, truth, found = traced
    externals = {r[0] for r in s.conn.execute("SELECT outlet FROM citations WHERE external = 1")}
    assert "The Sunday Herald" in externals
    g = build_graph(s)
    node = g.nodes["outlet:The Sunday Herald"]
    assert node["type"] == "outlet" and node["external"] is True


def test_undated_members_are_flagged_and_placed_by_text(traced):
    s, names, truth, found = traced
    undated = [m for t in found.values() for m in t["members"] if m["published"] is None]
    assert undated
    for m in undated:
        assert m["date_unknown"] and m["evidence"]["date_known"] is False and m["lag_days"] is None


def test_claims_do_not_snowball_along_weak_chains():
    # 0-1-2-3-4 linked only to neighbours, weakly: average linkage keeps them apart
    links = {(i, i + 1): 0.5 for i in range(4)}
    groups = average_linkage(5, links, 0.3)
    assert max(len(g) for g in groups) <= 2
    # a tight group merges whole
    tight = {(i, j): 0.9 for i in range(4) for j in range(i + 1, 4)}
    assert average_linkage(4, tight, 0.3) == [[0, 1, 2, 3]]


def test_components_linked_throughout_merge_as_the_heap_merges_them(monkeypatch):
    # A component whose pairs are all linked above the threshold is one group without the heap;
    # with the shortcut off, every grouping must be the same (weights at the threshold, below it,
    # missing links, components of all sizes).
    import random

    from tracer import claims

    rng = random.Random(8)
    cases = []
    for _ in range(400):
        n = rng.randint(2, 9)
        links = {}
        for i in range(n):
            for j in range(i + 1, n):
                if rng.random() < 0.8:
                    links[(i, j)] = rng.choice([0.3, 0.31, 0.5, 0.9, 1.0, 0.2, 0.1 + 0.2])
        cases.append((n, links))
    for n in range(2, 8):  # complete, strong: the shortcut's case
        cases.append((n, {(i, j): rng.choice([0.4, 0.7, 1.0]) for i in range(n) for j in range(i + 1, n)}))
        cases.append((n, {(i, j): 0.3 for i in range(n) for j in range(i + 1, n)}))  # at the threshold
        for _ in range(20):  # complete, some links weak: the heap splits some of these
            cases.append(
                (n, {(i, j): rng.choice([0.05, 0.1, 0.9, 0.95]) for i in range(n) for j in range(i + 1, n)})
            )
    fast = [average_linkage(n, links, 0.3) for n, links in cases]
    assert sum(1 for g in fast if len(g) == 1) >= 6 and sum(1 for g in fast[-140:] if len(g) > 1) >= 20
    monkeypatch.setattr(claims, "_CLEAR", float("inf"))
    assert [average_linkage(n, links, 0.3) for n, links in cases] == fast


def test_spans_are_grouped_as_the_definition_says():
    # _group_spans skips groups that ended before a span starts; the definition tries every
    # group in the order they were made. Random spans, nested, touching and overlapping.
    import random

    from tracer.claims import _group_spans

    def by_definition(spans, share):
        groups = []
        for span in spans:
            for group in groups:
                if any(
                    min(span[1], o[1]) - max(span[0], o[0]) > 0
                    and min(span[1], o[1]) - max(span[0], o[0]) >= share * min(span[1] - span[0], o[1] - o[0])
                    for o in group
                ):
                    group.append(span)
                    break
            else:
                groups.append([span])
        out = [((min(s for s, _ in g), max(e for _, e in g)), [spans.index(x) for x in g]) for g in groups]
        return sorted(out, key=lambda item: item[0])

    rng = random.Random(4)
    for _ in range(3000):
        spans = sorted(
            {(a, a + rng.randint(1, 40)) for a in (rng.randint(0, 120) for _ in range(rng.randint(1, 14)))}
        )
        for share in (0.5, 0.2, 1.0):
            assert _group_spans(spans, share) == by_definition(spans, share), (spans, share)


def test_graph_has_every_node_and_edge_type(traced):
    s, *_ = traced
    g = build_graph(s)
    assert {d["type"] for _, d in g.nodes(data=True)} == {"outlet", "article", "claim"}
    kinds = {d["kind"] for *_, d in g.edges(data=True)}
    assert kinds == {"published_by", "carries", "echoes", "cites", "outlet_echoes"}
    for u, v, d in g.edges(data=True):
        if d["kind"] == "echoes":
            assert g.nodes[u]["published"] <= g.nodes[v]["published"] or not g.nodes[v]["published"]
            assert 0 < d["confidence"] <= 1 and d["claims"]


def test_trace_and_claims_json_are_deterministic(tmp_path):
    runner = CliRunner()
    outs = []
    for name in ("a.db", "b.db"):
        db = str(tmp_path / name)
        runner.invoke(cli, ["run", str(RUMOUR / "articles"), "--db", db, "--quiet"], catch_exceptions=False)
        outs.append(
            [
                runner.invoke(cli, [*args, "--db", db, "--format", "json"], catch_exceptions=False).stdout
                for args in (["claims"], ["trace", "leaked hospital records"], ["outlets"])
            ]
        )
    assert outs[0] == outs[1]
    assert json.loads(outs[0][1])[0]["members"][0]["role"] == "origin"


def test_query_cli_formats_and_errors(rumour, tmp_path):
    s, ids, _ = rumour
    runner = CliRunner()
    db = s.path
    for args in (["claims"], ["outlets"], ["trace", "bruises on the inside of his left arm"],
                 ["origin", ids["09_evening-sentinel.txt"]]):  # fmt: skip
        for fmt in ("table", "json", "csv"):
            result = runner.invoke(cli, [*args, "--db", db, "--format", fmt], catch_exceptions=False)
            assert result.exit_code == 0 and result.stdout.strip(), (args, fmt)
    nothing = runner.invoke(cli, ["trace", "zebra migration across the tundra", "--db", db])
    assert nothing.exit_code == 0 and "no claim matches" in nothing.stderr
    bad = runner.invoke(cli, ["origin", "nope", "--db", db])
    assert bad.exit_code != 0 and "no article with id" in bad.output and "Traceback" not in bad.output
    origin = json.loads(
        runner.invoke(cli, ["origin", ids["15_evening-sentinel.txt"], "--db", db, "--format", "json"]).stdout
    )
    assert 0 < origin["reused_share"] < 1 and origin["claims"]


SEED_DATES = {"000": "2022-11-28", "001": "2023-02-01", "003": "2025-08-16"}  # 002 has a date line


@pytest.fixture(scope="module")
def dated_seeds(tmp_path_factory):
    if not SEEDS.is_dir():
        pytest.skip(f"{SEEDS} not present (the shared seeds sit beside the repository)")
    db = str(tmp_path_factory.mktemp("dated") / "t.db")
    runner = CliRunner()
    for path in sorted(SEEDS.glob("*.txt")):
        args = ["ingest", str(path), "--db", db, "--quiet"]
        if path.name[:3] in SEED_DATES:
            args += ["--date", SEED_DATES[path.name[:3]]]
        assert runner.invoke(cli, args, catch_exceptions=False).exit_code == 0
    assert runner.invoke(cli, ["scan", "--db", db, "--quiet"], catch_exceptions=False).exit_code == 0
    return db


def test_seeds_trace_leaked_spy_documents(dated_seeds):
    result = CliRunner().invoke(
        cli, ["trace", "leaked spy documents", "--db", dated_seeds, "--format", "json"]
    )
    found = json.loads(result.stdout)
    assert len(found) == 1
    with Store.open(dated_seeds) as s:
        names = {i: Path(p).name[:3] for p, i in s.conn.execute("SELECT source_path, id FROM articles")}
    members = found[0]["members"]
    assert {names[m["article_id"]] for m in members} == {"000", "001", "003"}
    dates = [m["published"] for m in members]
    assert (
        dates == sorted(dates) and members[0]["role"] == "origin" and names[members[0]["article_id"]] == "000"
    )
    star = next(m for m in members if names[m["article_id"]] == "001")
    assert star["credited"] and star["credit_to"] == ["The Sun"]


def _traced(db: str, query: str) -> list[str]:
    found = json.loads(
        CliRunner().invoke(cli, ["trace", query, "--db", db, "--format", "json", "--limit", "0"]).stdout
    )
    return [t["text"] for t in found]


def test_seeds_trace_words_finds_the_claims_that_hold_them(dated_seeds):
    """A word of a claim's printed text finds it ("Parkinson" in the headline claim's
    "Parkinson's"); a short query no longer fuzzy-matches a claim without its words."""
    parkinson = _traced(dated_seeds, "Parkinson")
    assert len(parkinson) == 2 and all("parkinson" in t.lower() for t in parkinson)
    assert any(t.startswith("Vladimir Putin\u2019s feet twitch") for t in parkinson)
    assert _traced(dated_seeds, "Parkinson\u2019s") == parkinson
    track = _traced(dated_seeds, "track marks")
    assert len(track) == 1 and "track marks" in track[0]
    assert _traced(dated_seeds, "TRACK  Marks") == track


def test_trace_words_rank_claims_holding_them_before_fuzzy_hits(tmp_path):
    """Whole words, folded (case, accents, apostrophes), before a fuzzy partial hit; a short query
    needs its words; a longer pasted sentence with small differences still finds its claim."""
    lines = [f"Filler line {k} about the {w} council meeting and its agenda."
             for k, w in enumerate("first second third fourth fifth sixth".split())]  # fmt: skip
    one = "The mayor of Köln confirmed Parkinson's diagnosis after months of speculation about her health."
    two = "Councillors approved the new parkland extension beside the river after a lengthy debate."
    rows = [(f"a{k}", f"Outlet {k}", f"2024-03-0{k + 1}", "\n\n".join([*lines[k : k + 3], one, two]))
            for k in range(3)]  # fmt: skip
    path = tmp_path / "c.jsonl"
    path.write_text("".join(json.dumps({"id": i, "outlet": o, "published": d, "text": t}) + "\n"
                            for i, o, d, t in rows), encoding="utf-8")  # fmt: skip
    with Store.open(tmp_path / "s.db") as s:
        run(s, [path])
        texts = {r["claim_id"]: r["text"] for r in list_claims(s)}

        def found(query: str) -> list[str]:
            return [texts[c][:12] for c in find_claims(s, query, None)]

        assert found("parkinson") == found("PARKINSONS") == found("Koln") == [one[:12]]
        assert found("parkinson\u2019s diagnosis") == [one[:12]]
        assert found("parkin") == found("river Köln") == []  # not whole words; not in one text
        assert (
            found("the mayor of Koln confirmed a Parkinson diagnosis after month of speculation")[0]
            == one[:12]
        )
        assert found("Councilors approved a new parkland extention beside the river")[0] == two[:12]


def test_seeds_the_sun_is_an_external_outlet_and_ads_are_no_claims(dated_seeds):
    with Store.open(dated_seeds) as s:
        sun = s.conn.execute("SELECT external, phrase FROM citations WHERE outlet = 'The Sun'").fetchone()
        assert sun == (1, "the Sun obtained")
        assert not s.conn.execute("SELECT 1 FROM citations WHERE lower(outlet) LIKE '%mega%'").fetchone()
        texts = [r["text"].lower() for r in list_claims(s)]
        assert texts and find_claims(s, "leaked spy documents")
        g = build_graph(s)
        assert g.nodes["outlet:The Sun"]["external"] is True
    for text in texts:
        for junk in ("newsletter", "stream your news", "read more", "source: mega", "read full article"):
            assert junk not in text


def test_user_alias_file_renames_a_cited_outlet(tmp_path):
    aliases = tmp_path / "aliases.json"
    aliases.write_text(json.dumps({"Sunday Herald": "Herald Group"}), encoding="utf-8")
    db = str(tmp_path / "t.db")
    runner = CliRunner()
    result = runner.invoke(
        cli,
        ["run", str(RUMOUR / "articles"), "--db", db, "--aliases", str(aliases), "-q"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0
    with Store.open(db) as s:
        outlets = {r[0] for r in s.conn.execute("SELECT outlet FROM citations")}
    assert "Herald Group" in outlets and "The Sunday Herald" not in outlets


def test_bad_alias_file_is_a_one_line_error(tmp_path):
    bad = tmp_path / "aliases.json"
    bad.write_text("{not json", encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["run", str(RUMOUR / "articles"), "--db", str(tmp_path / "t.db"), "--aliases", str(bad)]
    )
    assert result.exit_code != 0 and str(bad) in result.output and "Traceback" not in result.output


def test_claims_traced_in_worker_processes_are_the_same(rumour, monkeypatch):
    from tracer import provenance
    from tracer.engine.local import LocalEngine

    store = rumour[0]
    inline = provenance.analyse(store)
    monkeypatch.setattr(provenance, "CLAIM_BATCH", 1)  # enough batches for the pool to be used
    with LocalEngine(2) as engine:
        pooled = provenance.analyse(store, engine=engine)
    assert sum(len(c) for p in inline for c in p.credits.values()) > 0  # credits are found at all
    assert all(p.claim.terms for p in inline)
    assert pooled == inline


@pytest.mark.parametrize("texts_batch", [1, 5])
def test_claims_read_their_texts_in_batches_are_the_same(rumour, monkeypatch, texts_batch):
    from tracer import claims, provenance

    store = rumour[0]
    whole = provenance.analyse(store)
    read = []
    texts = store.texts

    def spy(ids):
        read.append(len(ids))
        return texts(ids)

    monkeypatch.setattr(claims, "TEXTS_BATCH", texts_batch)
    monkeypatch.setattr(store, "texts", spy)
    assert provenance.analyse(store) == whole
    assert len(read) > 1 and max(read) <= max(texts_batch, max(len(p.claim.members) for p in whole))


def test_paragraph_bounds_with_both_kinds_of_blank_line():
    # paragraph() and Paragraphs find the blank lines once and bisect: the same bounds as
    # searching the whole text for both kinds from the span.
    import random

    from tracer.provenance import Paragraphs, paragraph

    def slow(text: str, start: int, end: int) -> tuple[int, int]:
        lo = max(text.rfind("\n\n", 0, start), text.rfind("\n\r\n", 0, start))
        hits = [i for i in (text.find("\n\n", end), text.find("\n\r\n", end)) if i >= 0]
        return (0 if lo < 0 else lo), (min(hits) if hits else len(text))

    rng = random.Random(4)
    for _ in range(3000):
        text = "".join(
            rng.choice(["ab", "c", "\n", "\r\n", "\n\n", "\n\r\n", " "]) for _ in range(rng.randint(0, 14))
        )
        start = rng.randint(0, len(text))
        end = rng.randint(start, len(text))
        assert paragraph(text, start, end) == slow(text, start, end), (text, start, end)
        # ... and each span of a text from its blank lines found once (the claims stage's way)
        assert Paragraphs(text).bounds(start, end) == slow(text, start, end), (text, start, end)


def _claim_tables(store) -> list[list[tuple]]:
    return [
        store.conn.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()
        for table in ("claims", "claim_members", "citations")
    ]


@pytest.mark.parametrize("corpus", corpus_dirs(), ids=lambda p: p.name)
def test_streamed_save_stores_what_save_of_analyse_stores(tmp_path, corpus, monkeypatch):
    """The scan's analyse_and_save (rows staged in temporary tables, a batch at a time) and
    save(analyse()) (every provenance in memory, sorted) write the same rows in the same order."""
    from tracer import provenance
    from tracer.pipeline import ingest
    from tracer.scan import scan

    monkeypatch.setattr(provenance, "CLAIM_BATCH", 3)  # several batches, in whatever order
    with Store.open(tmp_path / "t.db") as store:
        ingest(store, [corpus / "articles"])
        scan(store)
        streamed = _claim_tables(store)
        assert all(streamed), "claims, members and citations should all have rows to compare"
        with store.transaction():
            provenance.save(store, provenance.analyse(store))
        assert _claim_tables(store) == streamed
        with store.transaction():
            assert provenance.analyse_and_save(store) == len(streamed[0])
        assert _claim_tables(store) == streamed
        assert not store.conn.execute("SELECT name FROM temp.sqlite_master").fetchall()  # staging dropped


# --- the claims' mention graph, begun while the matches are written --------------------------

_SHARED = [
    "Officials at the harbour authority confirmed the cargo ship ran aground before dawn on Tuesday.",
    "Divers inspecting the hull found a long gash below the waterline near the engine room.",
    "The captain told investigators the radar had failed twenty minutes before the collision.",
    "Insurers estimate the salvage operation could cost more than forty million euros.",
]
_NEWSLETTER = (
    "Sign up to the Morning Briefing newsletter for the stories that matter delivered daily. "
    "Follow our reporters on social media for live updates from the port and the coast."
)


_TIPS = "Harbour Post readers can send tips to the newsroom by email at any hour of the day."


def _passage_articles() -> list[dict[str, str]]:
    """Two outlets' articles sharing passages of several sentences, each outlet's ending in the
    same newsletter lines, one outlet's also in a line of its own that a third outlet quotes:
    matches of more than one piece, and boilerplate matches of one piece and of several."""
    out = [
        {
            "id": "ba0",
            "outlet": "Bay Gazette",
            "published": "2024-03-05",
            "text": "The regatta committee announced a new route along the northern cliffs this summer. "
            + _TIPS,
        }
    ]
    for k in range(3):
        for outlet, lead in (("Harbour Post", "Port news"), ("Coast Daily", "Shipping desk")):
            body = [f"{lead} report number {k} opened with a note on local tides and weather patterns."]
            body += _SHARED[k : k + 3] if outlet == "Harbour Post" else _SHARED[: 2 + k % 2]
            body.append(f"Residents of district {k} described hearing the impact from their homes overnight.")
            out.append(
                {
                    "id": f"{outlet[:2].lower()}{k}",
                    "outlet": outlet,
                    "published": f"2024-03-0{k + 1}",
                    "text": " ".join(body)
                    + "\n\n"
                    + (_TIPS + "\n\n" if outlet == "Harbour Post" else "")
                    + _NEWSLETTER,
                }
            )
    return out


@pytest.fixture(scope="module")
def passages(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("passages")
    corpus = folder / "corpus.jsonl"
    corpus.write_text("".join(json.dumps(a) + "\n" for a in _passage_articles()), encoding="utf-8")
    s = Store.open(folder / "tracer.db")
    report, _ = run(s, [corpus])
    assert not report.problems
    yield s
    s.close()


def _claim_rows(claims) -> list[tuple]:
    return [
        (
            c.id,
            c.text,
            c.canonical,
            [(m.article_id, m.start, m.end, m.outlet, m.published, m.text) for m in c.members],
        )
        for c, _ in claims
    ]


@pytest.mark.parametrize("case", ["passages", "rumour", "seeds"])
def test_pieces_handed_out_before_the_matches_are_written_are_those_read_after(request, case):
    s = request.getfixturevalue(case)
    s = s[0] if isinstance(s, tuple) else s
    if case == "passages":  # the passages and boilerplate the two filters are for
        q = s.conn.execute
        assert q("SELECT COUNT(*) FROM matches WHERE sentences > 1 AND boilerplate = 0").fetchone()[0] > 0
        assert q("SELECT COUNT(*) FROM matches WHERE sentences > 1 AND boilerplate = 1").fetchone()[0] > 0
        assert q("SELECT COUNT(*) FROM matches WHERE sentences = 1 AND boilerplate = 1").fetchone()[0] > 0
        assert q("SELECT COUNT(*) FROM matches WHERE boilerplate = 0").fetchone()[0] > 0
    p = ScanParams()
    made: list[LinkPieces] = []
    with s.transaction():  # written again as they were: the same rows
        matches.rebuild(s, p.min_tokens, p.min_content, made.append)
    (got,) = made
    read = read_link_pieces(s)
    assert len(read.score) > 0
    for side in (0, 3):  # numbered into different lists of names: the same articles
        assert [got.names[i] for i in got.columns[side]] == [read.names[i] for i in read.columns[side]]
    assert got.columns[[1, 2, 4, 5]].tolist() == read.columns[[1, 2, 4, 5]].tolist()
    assert got.score.tolist() == read.score.tolist()
    # Claims grouped from them equal claims grouped from the store.
    cp = ClaimParams()
    started = ClaimsStart(got.names, cp, lambda: mention_graph(got.columns, got.score, cp))
    from_store = _claim_rows(claims_unsorted(s, cp))
    assert from_store and _claim_rows(claims_unsorted(s, cp, started)) == from_store


def test_a_mention_graph_begun_with_other_params_is_not_used(rumour):
    s = rumour[0]

    def never() -> MentionGraph:
        raise AssertionError("the graph of other parameters was used")

    other = ClaimsStart([], ClaimParams(min_average=0.9), never)
    assert _claim_rows(claims_unsorted(s, ClaimParams(), other)) == _claim_rows(
        claims_unsorted(s, ClaimParams())
    )


def test_a_mention_graph_is_taken_once():
    graph = MentionGraph(*(np.empty(0, dtype=np.int64) for _ in range(7)), np.zeros(1, dtype=np.int64))
    started = ClaimsStart([], ClaimParams(), lambda: graph)
    assert started.take() is graph and started.waiter is None  # what made it is let go
    with pytest.raises(TracerError, match="taken already"):
        started.take()


def _claim_tables(store: Store) -> list[tuple[object, ...]]:
    return [
        row
        for table in ("claims", "claim_members", "citations")
        for row in store.conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2, 3")
    ]


def test_flattened_articles_claims_from_stored_sentences_are_those_split_anew(tmp_path, monkeypatch):
    """A paragraph that is a whole article takes its sentences from the scan's store instead of
    splitting the article again for each claim: the claims, credits and parents are the same."""
    from tracer import provenance
    from tracer.engine import sizes
    from tracer.pipeline import ingest
    from tracer.scan import scan
    from tracer.segment import split_many
    from tracer.tools.simulate import simulate

    simulate(400, tmp_path / "s.jsonl", seed=4, flatten=True)
    with Store.open(tmp_path / "s.db") as store:
        ingest(store, [tmp_path / "s.jsonl"])
        scan(store, ScanParams())
        held = provenance._StoredSpans(store, sizes.CLAIM_SPANS).spans
        assert len(held) > 300  # flattened: (almost) every article is held
        texts = store.texts_by_seq([seq for seq, art, _, _ in store.article_rows() if art in held])
        seq_of = {art: seq for seq, art, _, _ in store.article_rows()}
        for article, spans in held.items():
            starts, ends, _ = split_many([texts[seq_of[article]]])
            assert np.array_equal(spans, np.stack((starts, ends), axis=1))
        stored = _claim_tables(store)
        assert any(row for row in stored)
        monkeypatch.setattr(sizes, "CLAIM_SPANS", 0)  # none held: every paragraph split anew
        with store.transaction("claims again"):
            provenance.analyse_and_save(store, [], ScanParams().claims)
        assert _claim_tables(store) == stored


def test_an_article_with_a_span_without_words_is_split_anew(tmp_path):
    # "(…)" is a span of its own with no word: not stored, so the stored spans are not all of
    # the article's, and its paragraphs are split where the claims are traced.
    body = "The mayor opened the new bridge on Friday morning. (…) Crowds lined the river banks."
    with Store.open(tmp_path / "s.db") as store:
        from tracer import provenance
        from tracer.pipeline import ingest
        from tracer.scan import scan

        (tmp_path / "a.txt").write_text("outlet: A\n\nTitle\n" + body + "\n", encoding="utf-8")
        (tmp_path / "b.txt").write_text(body, encoding="utf-8")
        ingest(store, [tmp_path / "a.txt", tmp_path / "b.txt"])
        scan(store, ScanParams())
        held = provenance._StoredSpans(store, 1000).spans
        assert held == {}  # (b is one line: held but for "(…)"; a has several lines)


# Three papers print one sentence the same day: Metro credits Liberation, which credits Le Monde.
_SAID = "the Grand Council voted on Tuesday for aid of three million euros for rail workers"
_SAME_DAY = [
    ("metro", "Metro", "The Grand Council voted on Tuesday for aid of three million euros for rail workers, Liberation reported.", "Liberation"),
    ("libe", "Liberation", f"According to Le Monde, {_SAID}.", "Le Monde"),
    ("monde", "Le Monde", f"{_SAID[0].upper()}{_SAID[1:]}.", None),
]  # fmt: skip


def _same_day_claim(published: str | None):
    from tracer.attribution import Credit
    from tracer.claims import Claim, Mention

    members = [Mention(a, 0, len(t), o, published, t) for a, o, t, _ in _SAME_DAY]
    credits = {
        i: [Credit(named, named, 0, 5, "according_to", False)]
        for i, (*_, named) in enumerate(_SAME_DAY)
        if named
    }
    return Claim("c", _SAID, [], members), credits


@pytest.mark.parametrize("published", ["2024-03-07", None], ids=["same day", "undated"])
def test_papers_of_one_day_are_ordered_by_whom_they_credit(published):
    from tracer.provenance import trace_claim

    claim, credits = _same_day_claim(published)
    prov = trace_claim(claim, credits)
    outlets = [m.outlet for m in prov.claim.members]
    assert outlets == ["Le Monde", "Liberation", "Metro"]
    assert outlets[prov.origin] == "Le Monde"
    parent = {outlets[e.child]: outlets[e.parent] for e in prov.echoes}
    assert parent == {"Liberation": "Le Monde", "Metro": "Liberation"}
    assert all(e.credits_parent for e in prov.echoes)
    # The credits follow their members.
    assert [c.outlet for c in prov.credits[1]] == ["Le Monde"] and not prov.credits.get(0)


def test_papers_crediting_each_other_in_a_loop_are_ordered_from_its_first():
    from tracer.attribution import Credit
    from tracer.provenance import credit_order, trace_claim

    claim, credits = _same_day_claim("2024-03-07")
    credits[2] = [Credit("Metro", "Metro", 0, 5, "according_to", False)]  # a loop of three
    # Metro (first) goes first; then each after the paper it credits.
    assert credit_order(claim, credits, [None] * 3) == [0, 2, 1]
    prov = trace_claim(claim, credits)
    assert [m.outlet for m in prov.claim.members] == ["Metro", "Le Monde", "Liberation"]
    assert prov.origin == 0 and sorted(e.credits_parent for e in prov.echoes) == [True, True]


def test_a_dated_paper_comes_before_an_undated_one_whatever_it_credits():
    from tracer.provenance import trace_claim

    claim, credits = _same_day_claim(None)
    claim.members[0].published = "2024-03-06"  # Metro, dated, credits Liberation (undated)
    prov = trace_claim(claim, credits)
    assert prov.claim.members[prov.origin].outlet == "Metro"


def test_a_days_papers_are_stored_in_the_order_of_their_credits(tmp_path):
    lines = [
        json.dumps({"id": a, "outlet": o, "date": "2024-03-07", "text": t + " The strike goes on in Lyon."})
        for a, o, t, _ in _SAME_DAY
    ]
    (tmp_path / "day.jsonl").write_text("\n".join(lines), encoding="utf-8")
    db = str(tmp_path / "t.db")
    result = CliRunner().invoke(
        cli, ["run", str(tmp_path / "day.jsonl"), "--db", db, "-q"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    with Store.open(db) as s:
        [claim] = [r for r in list_claims(s) if "Grand Council" in r["text"]]
        t = timeline(s, claim["claim_id"])
    rows = [(m["outlet"], m["role"], m["parent_outlet"]) for m in t["members"]]
    assert rows == [
        ("Le Monde", "origin", None),
        ("Liberation", "echo", "Le Monde"),
        ("Metro", "echo", "Liberation"),
    ]


def test_a_wire_credit_anywhere_in_an_article_credits_its_claims(tmp_path):
    """A dateline ("LONDON (Reuters) - ") or "Reuters contributed to this report" credits the
    whole article, not only the sentences beside it."""
    lines = [
        f"Line {k} of the story tells of the {w} keeper and the gate."
        for k, w in enumerate("first second third fourth fifth sixth seventh eighth ninth tenth".split())
    ]
    claim = (
        "A rare pangolin escaped from the Grimsby Heath wildlife park after a keeper left a gate unlatched."
    )
    story = "\n\n".join([*lines, claim])
    rows = [
        ("w", "Reuters", "2024-08-01T06:00:00Z", story),
        ("d", "Dateline Gazette", "2024-08-02", f"Local intro line.\n\nLONDON (Reuters) - {story}"),
        ("c", "Contrib Gazette", "2024-08-03", f"{story}\n\nReuters contributed to this report."),
        ("n", "Plain Gazette", "2024-08-04", f"Our own intro.\n\n{story}"),
    ]
    path = tmp_path / "wire.jsonl"
    path.write_text("".join(json.dumps({"id": i, "outlet": o, "published": d, "text": t}) + "\n"
                            for i, o, d, t in rows), encoding="utf-8")  # fmt: skip
    with Store.open(tmp_path / "s.db") as s:
        run(s, [path])
        found = find_claims(s, "rare pangolin escaped Grimsby", limit=1)
        members = {m["article_id"]: m for m in timeline(s, found[0])["members"]}
    assert members["w"]["role"] == "origin"
    assert members["d"]["credit_to"] == ["Reuters"] and members["d"]["credited"]
    assert members["c"]["credit_to"] == ["Reuters"] and members["c"]["credited"]
    assert not members["n"]["credited"]
