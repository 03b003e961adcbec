"""Passages, not pairs: a sentence printed by many articles costs rows that grow with its
carriers, not with the square of them (issue 23)."""

from __future__ import annotations

import json
import random
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

from tracer import matches, provenance
from tracer.claims import ClaimsStart, average_linkage, claims_unsorted, mention_graph
from tracer.cli import cli
from tracer.matches import LinkPieces, read_link_pieces
from tracer.output import TABLE_ROWS, render
from tracer.params import FANOUT, ClaimParams, ScanParams
from tracer.pipeline import ingest, run
from tracer.scan import scan
from tracer.store import SCHEMA_VERSION, Store
from tracer.tools.simulate import simulate

from .old_schema import as_schema_7

WIRE = (
    "Officials in the northern province confirmed on Tuesday that the flooded river had forced the "
    "evacuation of twelve villages and closed the main highway."
)
WIRE2 = (
    "Rescue teams using boats and helicopters reached stranded residents overnight, the provincial "
    "emergency agency said in a statement."
)
VARIANT = WIRE.replace("Officials", "Local officials").replace("twelve villages", "twelve small villages")


def _word(r: random.Random) -> str:
    return "".join(r.choice("bcdfghjklmnprstvwz") + r.choice("aeiou") for _ in range(r.randint(2, 4)))


def _sentence(r: random.Random) -> str:
    words = " ".join(_word(r) for _ in range(14))
    return words[0].upper() + words[1:] + "."


def wire_articles(
    n: int, outlets: int = 60, wire: tuple[str, ...] = (WIRE, WIRE2), seed: int = 7, variants: int = 0
) -> list[dict[str, str]]:
    """``n`` articles of otherwise different text printing the wire sentences in a paragraph of
    their own words (so the line is no outlet's template), over three days; ``variants`` of them
    print an edited first sentence instead."""
    r = random.Random(seed)
    out = []
    for i in range(n):
        seconds = i * 3 * 86400 // n
        day, hour, minute = 1 + seconds // 86400, seconds % 86400 // 3600, seconds % 3600 // 60
        sentences = list(wire)
        if variants and i % (n // variants) == n // variants // 2 and i // (n // variants) < variants:
            sentences[0] = VARIANT
        paragraphs = [" ".join(_sentence(r) for _ in range(3)) for _ in range(3)]
        paragraphs.insert(1, " ".join([_sentence(r), *sentences, _sentence(r)]))
        out.append(
            {
                "id": f"a{i:05d}",
                "outlet": f"Outlet {r.randrange(outlets):03d}",
                "published": f"2024-03-{day:02d}T{hour:02d}:{minute:02d}:00Z",
                "text": "\n\n".join(paragraphs),
            }
        )
    return out


# Frequent words are not learned: in a corpus whose first 300 articles all print the wire
# sentence, its words would be learned as the corpus's function words (tracer.frequent).
PARAMS = ScanParams(frequent_df=0)


def _store(folder: Path, articles: list[dict[str, str]], params: ScanParams = PARAMS) -> Store:
    folder.mkdir(parents=True, exist_ok=True)
    corpus = folder / "corpus.jsonl"
    corpus.write_text("".join(json.dumps(a) + "\n" for a in articles), encoding="utf-8")
    s = Store.open(folder / "tracer.db")
    report, _ = run(s, [corpus], params=params)
    assert not report.problems
    return s


N = 300


@pytest.fixture(scope="module")
def wire(tmp_path_factory: pytest.TempPathFactory):
    s = _store(tmp_path_factory.mktemp("wire"), wire_articles(N))
    yield s
    s.close()


def _count(s: Store, sql: str) -> int:
    return int(s.conn.execute(sql).fetchone()[0])


def _cli(s: Store, *args: str) -> str:
    result = CliRunner().invoke(cli, [*args, "--db", s.path])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return result.output


def test_a_widely_printed_sentence_is_stored_in_rows_that_grow_with_its_carriers(wire):
    assert N > FANOUT
    # Every pair would be N(N-1)/2 = 44,850 matches and pieces.
    assert _count(wire, "SELECT COUNT(*) FROM matches") == N - 1
    assert _count(wire, "SELECT COUNT(*) FROM matches WHERE linked = 1") == N - 1
    assert _count(wire, "SELECT COUNT(*) FROM pieces") == 2 * (N - 1)  # two sentences each
    passages = wire.conn.execute("SELECT carriers, occurrences, sentences, part FROM passages").fetchall()
    assert passages == [(N, N, 2, 0), (N, N, 2, 1)]  # one passage of two sentences
    assert _count(wire, "SELECT COUNT(*) FROM occurrences") == 2 * N


def test_matches_lists_each_carrier_once_with_the_earliest_as_its_source(wire):
    rows = [json.loads(line) for line in _cli(wire, "matches", "--format", "jsonl").splitlines()]
    assert len(rows) == N - 1
    assert Counter(r["target_id"] for r in rows) == Counter(f"a{i:05d}" for i in range(1, N))
    assert {r["source_id"] for r in rows} == {"a00000"}
    assert {r["direction"] for r in rows} == {"forward"}
    assert all(r["source_text"] == f"{WIRE} {WIRE2}" == r["target_text"] for r in rows)


def test_all_pairs_lists_every_pair_of_carriers(wire):
    rows = [
        json.loads(line) for line in _cli(wire, "matches", "--all-pairs", "--format", "jsonl").splitlines()
    ]
    assert len(rows) == N * (N - 1) // 2
    assert len({frozenset((r["source_id"], r["target_id"])) for r in rows}) == N * (N - 1) // 2
    # Oriented by date, as stored matches are: the earlier article is the source.
    assert all(r["source_id"] < r["target_id"] and r["direction"] == "forward" for r in rows)
    assert {r["id"] for r in rows} == {None}
    # The other formats and filters too.
    csv_lines = _cli(wire, "matches", "--all-pairs", "--format", "csv").splitlines()
    assert len(csv_lines) == 1 + N * (N - 1) // 2
    assert len(json.loads(_cli(wire, "matches", "--all-pairs", "--format", "json"))) == N * (N - 1) // 2
    same = [json.loads(x) for x in _cli(wire, "matches", "--all-pairs", "--format", "jsonl", "--scope",
                                         "same-outlet").splitlines()]  # fmt: skip
    assert same and all(r["source_outlet"] == r["target_outlet"] for r in same)


def test_passages_lists_the_passage_once_with_every_carrier(wire):
    (passage,) = json.loads(_cli(wire, "passages", "--format", "json"))
    assert passage["carriers"] == N and len(passage["occurrences"]) == N
    assert passage["origin_id"] == "a00000" and passage["text"] == f"{WIRE} {WIRE2}" and passage["linked"]
    assert [o["article_id"] for o in passage["occurrences"]] == [f"a{i:05d}" for i in range(N)]
    assert json.loads(_cli(wire, "passages", "--format", "jsonl")) == passage
    csv_lines = _cli(wire, "passages", "--format", "csv").splitlines()
    assert len(csv_lines) == 1 + N and csv_lines[0].startswith("passage_id,")
    table = _cli(wire, "passages").splitlines()
    assert table[2].split()[:2] == [str(passage["id"]), str(N)]
    assert len(table) in (3, 4) and WIRE[:20] in " ".join(table[2:])  # the text under its row if narrow
    assert len(json.loads(_cli(wire, "passages", "--format", "json", "--limit", "1"))) == 1


def test_claims_put_every_carrier_in_one_claim_with_the_earliest_as_origin(wire):
    claims = wire.conn.execute("SELECT articles, origin_id, text FROM claims ORDER BY text").fetchall()
    assert claims == [(N, "a00000", WIRE), (N, "a00000", WIRE2)]  # a claim a sentence
    members = wire.conn.execute("SELECT article_id, parent_id, evidence FROM claim_members").fetchall()
    assert len(members) == 2 * N
    assert all(parent is None or parent < article for article, parent, _ in members)  # ids follow dates
    # Each member compared with a bounded number of earlier ones, not all of them.
    assert max(json.loads(e)["candidates"] for _, _, e in members if e) == N - 1


def test_json_is_written_a_row_at_a_time():
    def rows():
        yield {"a": 1}
        raise RuntimeError("read past the first row before writing it")

    chunks = render(rows(), "json")
    assert next(chunks) == '[\n  {\n    "a": 1\n  }'
    many = ({"k": k, "v": [k, str(k)]} for k in range(2500))
    assert (
        "".join(render(many, "json"))
        == json.dumps([{"k": k, "v": [k, str(k)]} for k in range(2500)], indent=2) + "\n"
    )
    for fmt in ("jsonl", "csv"):
        assert next(render(rows(), fmt))

    def table_rows():  # a table is laid out a block of rows at a time
        yield from ({"a": k} for k in range(TABLE_ROWS))
        raise RuntimeError("read past the first block before writing it")

    assert next(render(table_rows(), "table")).split() == ["a"]


def test_near_copies_of_a_widely_printed_sentence_join_its_claim(tmp_path: Path):
    s = _store(tmp_path, wire_articles(200, wire=(WIRE, WIRE2), variants=4))
    with s:
        assert _count(s, "SELECT COUNT(*) FROM passage_links") == 1
        # Each carrier linked to the first (both sentences: one match; a variant's first sentence
        # linked to the first's as a near copy), and the variants' 6 pairs as before.
        linked = s.conn.execute("SELECT sentences, COUNT(*) FROM matches WHERE linked = 1 GROUP BY 1")
        assert linked.fetchall() == [(2, 199)]
        assert _count(s, "SELECT COUNT(*) FROM matches WHERE linked = 0") == 6
        claims = s.conn.execute("SELECT articles, origin_id, text FROM claims ORDER BY text").fetchall()
        assert claims == [(200, "a00000", WIRE), (200, "a00000", WIRE2)]
        rows = _cli(s, "matches", "--all-pairs", "--format", "jsonl").splitlines()
        assert len(rows) == 6 + 196 * 195 // 2 + 196 * 4 + 200 * 199 // 2


def test_a_wire_paragraph_is_one_passage_and_one_match_a_carrier(tmp_path: Path):
    s = _store(tmp_path, wire_articles(100, wire=(WIRE, WIRE2)))
    with s:
        assert s.conn.execute("SELECT sentences, COUNT(*) FROM matches GROUP BY 1").fetchall() == [(2, 99)]
        (passage,) = json.loads(_cli(s, "passages", "--format", "json"))
        assert (passage["sentences"], passage["carriers"], passage["text"]) == (2, 100, f"{WIRE} {WIRE2}")
        pairs = [json.loads(x) for x in _cli(s, "matches", "--all-pairs", "--format", "jsonl").splitlines()]
        assert len(pairs) == 100 * 99 // 2 and {p["sentences"] for p in pairs} == {2}


def _claim_sets(s: Store) -> list[tuple]:
    members = s.conn.execute("SELECT claim_id, article_id, start, end FROM claim_members").fetchall()
    by_claim: dict[str, set] = {}
    for cid, *member in members:
        by_claim.setdefault(cid, set()).add(tuple(member))
    origins = dict(s.conn.execute("SELECT id, origin_id FROM claims"))
    return sorted((sorted(m), origins[c]) for c, m in by_claim.items())


def test_claims_of_linked_passages_are_those_of_every_pair(tmp_path: Path):
    """Units stand for the links they leave out: the claims are those every pair makes."""
    articles = wire_articles(24, wire=(WIRE, WIRE2), variants=3)
    articles[5]["text"] += "\n\n" + articles[9]["text"].split("\n\n")[0]  # a passage two articles share
    paired = _store(tmp_path / "paired", articles, replace(PARAMS, fanout=1000))
    linked = _store(tmp_path / "linked", articles, replace(PARAMS, fanout=4))
    with paired, linked:
        assert _count(paired, "SELECT COUNT(*) FROM matches WHERE linked = 1") == 0
        assert _count(linked, "SELECT COUNT(*) FROM matches WHERE linked = 1") > 0
        assert _count(linked, "SELECT COUNT(*) FROM matches") < _count(paired, "SELECT COUNT(*) FROM matches")
        assert _claim_sets(linked) == _claim_sets(paired)
        # Every pair again, made from the passages: the same text of the same article pairs (in
        # matches of a sentence each where the carriers' sentences after it differ).
        texts = linked.texts(a["id"] for a in articles)
        assert _covered(matches.iter_matches(linked, all_pairs=True), texts) == _covered(
            matches.query(paired), texts
        )


def _covered(found, texts: dict[str, str]) -> dict[tuple[str, str], tuple[set[int], set[int]]]:
    """For each pair of articles (ids in order), the characters of each that its matches cover
    (but spaces: a match of two sentences covers the one between them)."""
    out: dict[tuple[str, str], tuple[set[int], set[int]]] = {}
    for m in found:
        (a, span_a), (b, span_b) = sorted([(m.source_id, m.source_span), (m.target_id, m.target_span)])
        in_a, in_b = out.setdefault((a, b), (set(), set()))
        in_a.update(i for i in range(*span_a) if not texts[a][i].isspace())
        in_b.update(i for i in range(*span_b) if not texts[b][i].isspace())
    return out


def test_pieces_handed_out_before_the_matches_are_written_are_those_read_after(tmp_path: Path):
    s = _store(tmp_path, wire_articles(60, wire=(WIRE, WIRE2), variants=3))
    with s:
        p = PARAMS
        made: list[LinkPieces] = []
        with s.transaction():
            matches.rebuild(s, p.min_tokens, p.min_content, made.append)
        (got,) = made
        read = read_link_pieces(s)
        assert len(got.units) == len(read.units) == 3
        for name in ("bounds", "internal", "link_a", "link_b", "link_score"):
            assert getattr(got.units, name).tolist() == getattr(read.units, name).tolist()
        assert [got.names[i] for i in got.units.spans[0]] == [read.names[i] for i in read.units.spans[0]]
        assert got.units.spans[1:].tolist() == read.units.spans[1:].tolist()
        cp = ClaimParams()
        started = ClaimsStart(got.names, cp, lambda: mention_graph(got.columns, got.score, cp, got.units))
        rows = [
            (c.id, [(m.article_id, m.start) for m in c.members]) for c, _ in claims_unsorted(s, cp, started)
        ]
        assert rows and rows == [
            (c.id, [(m.article_id, m.start) for m in c.members]) for c, _ in claims_unsorted(s, cp)
        ]


def test_units_start_as_one_group_and_count_the_links_they_stand_for():
    from tracer.claims import UnitGroups

    # Mentions 0-3: a unit (four articles); 4: a near copy of it, linked to mention 0 only.
    units = UnitGroups([[0, 1, 2, 3], [4]], [True, False], [(0, 1, 0.5)], [0, 1, 2, 3, 4])
    assert average_linkage(5, {}, 0.3, units) == [[0, 1, 2, 3, 4]]
    assert average_linkage(5, {}, 0.6, units) == [[0, 1, 2, 3], [4]]
    # Without the unit, a star of links from mention 0 averages far below its links.
    star = {(0, k): 1.0 for k in range(1, 4)}
    assert average_linkage(4, star, 0.7) != [[0, 1, 2, 3]]


def test_a_member_of_a_large_claim_is_compared_with_a_bounded_number_of_earlier_ones(monkeypatch):
    from tracer.claims import Claim, Mention

    n = 2000
    members = [
        Mention(f"a{i:05d}", 0, 10, f"o{i % 50}", f"2024-03-{1 + i * 3 // n:02d}T{i % 24:02d}:00:00", WIRE)
        for i in range(n)
    ]
    members.sort(key=lambda m: (m.published, m.article_id))
    calls = 0
    real = provenance.LCSseq.similarity

    def counted(a: str, b: str) -> float:
        nonlocal calls
        calls += 1
        return real(a, b)

    monkeypatch.setattr(provenance.LCSseq, "similarity", counted)
    prov = provenance.trace_claim(Claim("c", WIRE, [], members), {})
    assert calls < n * (provenance.PARENT_CANDIDATES + provenance.NEAREST)  # every pair: 2x10^6
    assert prov.origin == 0 and len(prov.echoes) == n - 1
    # The same text everywhere: the earliest of the member's own outlet, else the origin.
    for e in prov.echoes:
        outlet = members[e.child].outlet
        first_of_outlet = next(i for i, m in enumerate(members) if m.outlet == outlet)
        assert e.parent == (first_of_outlet if first_of_outlet < e.child else 0)


def test_the_fullest_of_many_undated_members_is_the_origin():
    from tracer.claims import Claim, Mention

    short = "the flooded river forced the evacuation"
    members = [Mention(f"a{i:04d}", 0, 10, "o", None, short) for i in range(300)]
    members[171] = Mention("a0171", 0, 10, "o", None, WIRE)  # holds the others' words and more
    prov = provenance.trace_claim(Claim("c", short, [], members), {})
    assert prov.origin == 171


def test_stores_scanned_before_fanout_was_a_parameter_go_on(tmp_path: Path):
    old = json.loads(ScanParams().fingerprint())
    del old["fanout"]
    assert ScanParams.from_fingerprint(json.dumps(old, sort_keys=True)) == ScanParams()
    old = json.loads(PARAMS.fingerprint())
    del old["fanout"]
    assert ScanParams.from_fingerprint(json.dumps(old, sort_keys=True)) == PARAMS
    # A store keeps the fanout it was scanned with.
    s = _store(tmp_path, wire_articles(12), replace(PARAMS, fanout=5))
    with s:
        assert _count(s, "SELECT COUNT(*) FROM matches") == 11
        scan(s)
        assert json.loads(s.get_meta("scan_params") or "{}")["fanout"] == 5
        assert _count(s, "SELECT COUNT(*) FROM matches") == 11
        # One scanned before: goes on (not scanned anew) with the default, and says so in its meta.
        with s.transaction():
            s.set_meta("scan_params", json.dumps(old, sort_keys=True))
        result = scan(s)
        assert not result.scanned_anew and result.articles == 0
        assert json.loads(s.get_meta("scan_params") or "{}")["fanout"] == FANOUT
        assert _count(s, "SELECT COUNT(*) FROM matches") == 12 * 11 // 2  # 12 carriers: every pair


def test_few_carriers_still_make_every_pair(tmp_path: Path):
    s = _store(tmp_path, wire_articles(FANOUT))
    with s:
        assert _count(s, "SELECT COUNT(*) FROM matches") == FANOUT * (FANOUT - 1) // 2
        assert _count(s, "SELECT COUNT(*) FROM matches WHERE linked = 1") == 0
        (passage,) = json.loads(_cli(s, "passages", "--format", "json"))
        assert passage["carriers"] == FANOUT and not passage["linked"]
        assert (
            len(_cli(s, "matches", "--all-pairs", "--format", "jsonl").splitlines())
            == FANOUT * (FANOUT - 1) // 2
        )


def test_reuse_printed_beside_boilerplate_copies_of_the_same_sentence_is_listed(tmp_path: Path):
    """A wire paragraph the earliest articles print as a promo ("READ MORE: ...", boilerplate)
    and the later ones as news: the later occurrences are linked to the earliest one that is not
    boilerplate, so their reuse is listed rather than hidden behind a boilerplate source."""
    articles = wire_articles(100)
    for a in articles[:30]:
        a["text"] = a["text"].replace(f"{WIRE} {WIRE2}", f"\n\nREAD MORE: {WIRE} {WIRE2}\n\n")
    s = _store(tmp_path, articles)
    with s:
        shown = s.conn.execute(
            "SELECT COUNT(*), MIN(source_id) FROM matches WHERE boilerplate = 0"
        ).fetchone()
        assert shown == (70 - 1, "a00030")
        assert s.conn.execute("SELECT articles, origin_id FROM claims").fetchall() == [(70, "a00030")] * 2


def test_a_store_of_the_schema_before_passages_is_upgraded(tmp_path: Path):
    s = _store(tmp_path, wire_articles(40))
    before = [m.as_dict() for m in matches.query(s)]
    conn = s.conn
    as_schema_7(conn)
    for table in ("passages", "occurrences", "passage_links"):
        conn.execute(f"DROP TABLE {table}")
    conn.execute("ALTER TABLE matches DROP COLUMN linked")
    conn.execute("UPDATE meta SET value = '5' WHERE key = 'schema_version'")
    s.close()
    with Store.open(tmp_path / "tracer.db") as s:
        assert s.get_meta("schema_version") == str(SCHEMA_VERSION)
        assert [m.as_dict() for m in matches.query(s)] == before  # linked: 0 until the next scan
        assert _count(s, "SELECT COUNT(*) FROM passages") == 0
        scan(s)
        assert _count(s, "SELECT COUNT(*) FROM passages WHERE part = 0") == 1
        assert _count(s, "SELECT COUNT(*) FROM matches WHERE linked = 1") == 39


def test_a_wire_paragraph_its_outlets_repeat_is_reuse_in_rows_linear_in_its_carriers(tmp_path: Path):
    """Issue 23's shape: 200 articles of 20 outlets print a wire paragraph on a line of its own
    within three days (10 articles each: each outlet's template by the counts, once), and 5 of the
    outlets repeat it in an update in their own words. Every pair of its 208 occurrences was made
    (20,520 boilerplate matches; 5x10^7 at 10^4 articles, where the scan was killed); then each
    was linked once, as boilerplate; a passage many outlets carry within days is wire copy,
    reuse to report: each occurrence is linked once, and the first article is the origin."""
    r = random.Random(11)
    articles = []
    for i in range(200):
        outlet = i % 20
        paragraphs = [_sentence(r), f"{WIRE} {WIRE2}", _sentence(r)]
        if outlet < 5 and i % 7 == 0:
            paragraphs.append(f"UPDATE: {_sentence(r)} {WIRE} {WIRE2}")
        articles.append({"id": f"a{i:05d}", "outlet": f"Outlet {outlet:02d}",
                         "published": f"2024-03-{1 + i * 3 // 200:02d}T{i % 24:02d}:00:00Z",
                         "text": "\n\n".join(paragraphs)})  # fmt: skip
    updates = sum(1 for a in articles if "UPDATE:" in a["text"])
    s = _store(tmp_path, articles)
    with s:
        assert s.conn.execute("SELECT carriers, occurrences FROM passages WHERE part = 0").fetchall() == [
            (200, 200 + updates)
        ]
        # Every occurrence linked to an earlier one of another article: all but the first
        # article's two (its print and its own update, a00000).
        assert _count(s, "SELECT COUNT(*) FROM matches") == 200 + updates - 2
        assert _count(s, "SELECT COUNT(*) FROM matches WHERE boilerplate = 0") == 200 + updates - 2
        claims = s.conn.execute("SELECT articles, origin_id FROM claims").fetchall()
        assert claims == [(200, "a00000")] * 2


def _edited_copies(n: int, seed: int = 5) -> list[dict[str, str]]:
    """``n`` articles printing WIRE, each with one word of its own in place of one of WIRE's:
    ``n`` near copies of one sentence, no two the same."""
    r = random.Random(seed)
    words = WIRE.split()
    out = []
    for article in wire_articles(n, wire=(WIRE,), seed=seed):
        edited = list(words)
        edited[r.randrange(1, len(words) - 1)] = _word(r) + _word(r)
        out.append(article | {"text": article["text"].replace(WIRE, " ".join(edited))})
    return out


def test_near_copies_each_edited_its_own_way_cost_pairs_linear_in_their_number(tmp_path: Path):
    """A sentence each of 300 papers edits in its own way: every pair of its 300 near copies
    (44,850) was verified; now each later copy is compared with the first few of each band."""
    n = 300
    articles = _edited_copies(n)
    # A band key's run past max_run is skipped by a full scan, while the pairs it made in an
    # earlier scan, shorter, stay: scans in steps equal one at once only below it.
    params = replace(PARAMS, max_run=10 * n)
    s = _store(tmp_path / "full", articles, params)
    with s:
        near = _count(s, "SELECT COUNT(*) FROM near")
        assert n <= near < 20 * n
        # Every copy is still found: one claim of all of them.
        assert s.conn.execute("SELECT articles FROM claims").fetchall() == [(n,)]
        full = s.conn.execute("SELECT * FROM near ORDER BY 1, 2").fetchall()
    # Scanned in two steps, in the same order: the same pairs.
    part = _store(tmp_path / "steps", articles[: n // 3], params)
    with part:
        corpus = tmp_path / "rest.jsonl"
        corpus.write_text("".join(json.dumps(a) + "\n" for a in articles[n // 3 :]), encoding="utf-8")
        report, _ = run(part, [corpus], params=params)
        assert not report.problems
        assert part.conn.execute("SELECT * FROM near ORDER BY 1, 2").fetchall() == full


LEAD = "The national weather service has raised its flood warning for the region to the highest level."


def _dated(articles: list[dict[str, str]], prefix: str, day: int) -> list[dict[str, str]]:
    return [
        a | {"id": f"{prefix}{i:03d}", "published": f"2024-03-{day:02d}T{i % 24:02d}:{i % 60:02d}:00Z"}
        for i, a in enumerate(articles)
    ]


def test_a_copy_of_a_wire_update_is_one_match_with_the_update(tmp_path: Path):
    """40 papers print a story, then the agency's update adds a lead and 20 papers print the
    update: each of those copies is one passage from the update, not the story's sentences
    from its first print and the lead from the update."""
    story = _dated(wire_articles(40, wire=(WIRE, WIRE2), seed=3), "a", 1)
    update = _dated(wire_articles(21, wire=(LEAD, WIRE, WIRE2), seed=4), "b", 2)
    s = _store(tmp_path, story + update)
    with s:
        rows = s.conn.execute(
            "SELECT target_id, source_id, sentences FROM matches WHERE target_id LIKE 'b%' ORDER BY 1"
        ).fetchall()
    assert rows[0] == ("b000", "a000", 2)  # the update itself: the story's first print
    assert rows[1:] == [(f"b{i:03d}", "b000", 3) for i in range(1, 21)]


def test_edited_copies_of_a_widely_printed_sentence_are_matched_with_it_not_each_other(tmp_path: Path):
    """Four papers of 40 each edit one word of the sentence (another word each): each edited
    copy is linked to the sentence's first print; two edited copies, further from each other
    than from it, made a match too."""
    articles = wire_articles(40, wire=(WIRE,), seed=9)
    words = WIRE.split()
    for k, i in enumerate((10, 20, 30, 35)):
        edited = list(words)
        edited[3 + 3 * k] = "unexpectedly"
        articles[i]["text"] = articles[i]["text"].replace(WIRE, " ".join(edited))
    s = _store(tmp_path, articles)
    with s:
        edited_ids = ("a00010", "a00020", "a00030", "a00035")
        rows = s.conn.execute("SELECT source_id, target_id FROM matches").fetchall()
    assert len(rows) == 39
    assert not [r for r in rows if r[0] in edited_ids and r[1] in edited_ids]
    assert {r[1] for r in rows if r[1] in edited_ids} == set(edited_ids)


def test_a_near_pair_printed_often_on_both_sides_is_linked_not_paired(tmp_path: Path):
    """10 papers print a sentence and 5 others an edited copy: each copy is linked to one
    print of the sentence (5 matches), not paired with all 10 (50): templates' variants, each
    printed a dozen times, made ~100 pieces a pair of variants (16 GB at 10^6 articles)."""
    articles = wire_articles(15, wire=(WIRE,), seed=12)
    for a in articles[10:]:
        a["text"] = a["text"].replace(WIRE, VARIANT)
    s = _store(tmp_path, articles)
    with s:
        rows = s.conn.execute("SELECT source_id, target_id, linked FROM matches").fetchall()
    copies = {a["id"] for a in articles[10:]}
    across = [r for r in rows if (r[0] in copies) != (r[1] in copies)]
    assert len(across) == 5 and all(r[2] for r in across)
    assert {r[1] if r[1] in copies else r[0] for r in across} == copies
    # The sentence's own prints and the copies' own are still every pair.
    assert len(rows) - len(across) == 10 * 9 // 2 + 5 * 4 // 2


def test_near_pairs_do_not_depend_on_how_many_are_made_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The occurrence pairs of near rows are made a block at a time (memory grows with a block,
    not the corpus): the same pairs, in the same order, for any block size."""
    original = matches._OccurrenceTable._every_pair
    sizes: list[int] = []

    def both_ways(self: matches._OccurrenceTable, *args: Any) -> tuple[np.ndarray, ...]:
        whole = original(self, *args)
        blocks = original(self, *args, at_once=5)
        sizes.append(len(whole[0]))
        for w, b in zip(whole, blocks, strict=True):
            assert w.tolist() == b.tolist()
        return whole

    monkeypatch.setattr(matches._OccurrenceTable, "_every_pair", both_ways)
    simulate(1000, tmp_path / "s.jsonl", seed=3)
    with Store.open(tmp_path / "s.db") as store:
        ingest(store, [tmp_path / "s.jsonl"])
        scan(store, ScanParams())
    assert sizes and sizes[0] > 5 * 10  # many blocks
