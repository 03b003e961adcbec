"""tracer eval: the measures on hand-made cases, and end to end on a simulated corpus."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import pytest
from click.testing import CliRunner

from tracer.cli import cli
from tracer.errors import InputError
from tracer.pipeline import run
from tracer.store import Store
from tracer.tools.evaluate import (
    LIGHT_EDITS,
    TARGET_EDITS,
    adjusted_rand_index,
    bcubed,
    evaluate,
    load_truth,
    pan_measures,
)
from tracer.tools.simulate import simulate

CASE = ("a", 0, 10, "b", 100, 110)


def test_perfect_detection():
    m = pan_measures([CASE], [CASE])
    assert (m["precision"], m["recall"], m["granularity"], m["plagdet"]) == (1.0, 1.0, 1.0, 1.0)


def test_detection_stored_the_other_way_round():
    m = pan_measures([CASE], [("b", 100, 110, "a", 0, 10)])
    assert m["plagdet"] == 1.0


def test_half_covered():
    m = pan_measures([CASE], [("a", 0, 5, "b", 100, 105)])
    assert m["recall"] == 0.5 and m["precision"] == 1.0 and m["granularity"] == 1.0
    assert m["plagdet"] == pytest.approx(2 / 3)


def test_detected_in_two_pieces():
    m = pan_measures([CASE], [("a", 0, 5, "b", 100, 105), ("a", 5, 10, "b", 105, 110)])
    assert m["recall"] == 1.0 and m["precision"] == 1.0 and m["granularity"] == 2.0
    assert m["plagdet"] == pytest.approx(1 / math.log2(3))


def test_detection_too_long_and_false_detections():
    m = pan_measures([CASE], [("a", 0, 20, "b", 100, 120)])  # twice the case in both articles
    assert m["recall"] == 1.0 and m["precision"] == 0.5
    m = pan_measures([CASE], [CASE, ("a", 0, 10, "c", 0, 10), ("a", 50, 60, "b", 150, 160)])
    assert m["precision"] == pytest.approx(1 / 3) and m["recall"] == 1.0 and m["detected_cases"] == 1


def test_overlap_in_one_article_only_does_not_detect():
    m = pan_measures([CASE], [("a", 0, 10, "b", 0, 10)])
    assert m["recall"] == 0.0 and m["precision"] == 0.0 and m["plagdet"] == 0.0


def test_nothing_detected_and_nothing_to_detect():
    assert pan_measures([CASE], [])["plagdet"] == 0.0
    assert pan_measures([], [CASE])["precision"] == 0.0


def test_reference_counts_other_reuse_as_correct():
    sibling = ("b", 100, 110, "c", 0, 10)  # two echoes of one claim share its text too
    m = pan_measures([CASE], [CASE, sibling], reference=[CASE, sibling])
    assert m["precision"] == 1.0 and m["recall"] == 1.0
    assert pan_measures([CASE], [CASE, sibling])["precision"] == 0.5


def test_ari_known_values():
    assert adjusted_rand_index([0, 0, 1, 1], [0, 0, 1, 1]) == 1.0
    assert adjusted_rand_index([0, 0, 1, 1], ["x", "x", "y", "y"]) == 1.0  # labels are names only
    assert adjusted_rand_index([0, 0, 1, 1], [0, 0, 1, 2]) == pytest.approx(4 / 7)
    assert adjusted_rand_index([0, 1, 2, 3], [0, 1, 2, 3]) == 1.0
    assert adjusted_rand_index([0, 0, 0, 0], [0, 1, 2, 3]) == 0.0


def test_ari_of_unrelated_clusterings_is_near_zero():
    rng = random.Random(1)
    truth = [rng.randrange(20) for _ in range(3000)]
    other = [rng.randrange(20) for _ in range(3000)]
    assert abs(adjusted_rand_index(truth, other)) < 0.02


def test_bcubed_known_values():
    assert bcubed([0, 0, 1, 1], [5, 5, 6, 6]) == (1.0, 1.0, 1.0)
    p, r, f = bcubed([0, 0, 1, 1], [0, 0, 0, 0])  # everything merged
    assert (p, r) == (0.5, 1.0) and f == pytest.approx(2 / 3)
    p, r, _ = bcubed([0, 0, 1, 1], [0, 1, 2, 3])  # everything split
    assert (p, r) == (1.0, 0.5)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such truth file"),
        ("{not json", "invalid JSON"),
        ("[1, 2]", "needs 'articles'"),
        ('{"version": 2, "articles": {}, "claims": [], "spans": []}', "version 2"),
        ('{"version": 1, "articles": {}, "claims": [{"members": [{}]}], "spans": []}', "malformed"),
    ],
)
def test_bad_truth_file(tmp_path, content, message):
    path = tmp_path / "truth.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message) as info:
        load_truth(path)
    assert str(path) in str(info.value)


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory):
    """300 simulated articles, run through the pipeline: (store path, truth path)."""
    root = tmp_path_factory.mktemp("eval")
    corpus = root / "sim.jsonl"
    simulate(300, corpus, seed=1)
    db = root / "sim.db"
    with Store.open(db) as store:
        report, _ = run(store, [corpus])
        assert not report.problems
    return db, root / "sim.truth.json"


def test_end_to_end_quality(scanned):
    db, truth = scanned
    with Store.open(db, create=False) as store:
        result = evaluate(store, truth)
    assert result["articles"] == {"truth": 300, "in_store": 300}
    # seen with seed 1: plagdet 0.905 (all edits), 0.981 (verbatim+light); claim recall 0.99,
    # ARI 0.99; origin accuracy 0.97, 1.0 where the origin is dated; parent 0.79; credited 1.0
    assert result["spans_light"]["plagdet"] >= 0.93
    assert result["spans"]["plagdet"] >= 0.85
    assert result["spans"]["recall_by_edit"]["verbatim"] >= 0.95
    assert result["claims"]["claim_recall"] >= 0.9 and result["claims"]["ari"] >= 0.9
    assert result["claims"]["bcubed_f1"] >= 0.9
    assert result["provenance"]["origin_accuracy_dated"] >= 0.9
    assert result["provenance"]["parent_accuracy"] >= 0.65
    assert result["provenance"]["credited_accuracy"] >= 0.9


def test_store_measures_are_pan_measures_of_their_subsets(scanned):
    """evaluate() groups the detections once for all its measures: each is still pan_measures of
    its cases, detections and reference, as written out here."""
    db, truth_path = scanned
    truth = load_truth(truth_path)
    with Store.open(db, create=False) as store:
        result = evaluate(store, truth_path)
        rows = store.conn.execute(
            "SELECT source_id, source_start, source_end, target_id, target_start, target_end FROM matches "
            "WHERE boilerplate = 0"
        ).fetchall()
    dets = [tuple(r) for r in rows]
    spans = truth["spans"]
    cases = [(s["source"], s["source_start"], s["source_end"], s["target"], s["target_start"], s["target_end"])
             for s in spans]  # fmt: skip
    ref = [(a["article"], a["start"], a["end"], b["article"], b["start"], b["end"])
           for c in truth["claims"] for i, a in enumerate(c["members"]) for b in c["members"][i + 1 :]]  # fmt: skip
    overall = pan_measures(cases, dets, ref)
    assert {k: result["spans"][k] for k in overall} == overall
    assert result["spans"]["precision_strict"] == pan_measures(cases, dets)["precision"]
    light = [c for c, s in zip(cases, spans, strict=True) if s["edit"] in LIGHT_EDITS]
    pairs = {(min(c[0], c[3]), max(c[0], c[3])) for c in light}
    assert result["spans_light"] == pan_measures(
        light, [d for d in dets if (min(d[0], d[3]), max(d[0], d[3])) in pairs], ref
    )
    for edit, value in result["spans"]["recall_by_edit"].items():
        sub = [c for c, s in zip(cases, spans, strict=True) if s["edit"] == edit]
        assert value == pan_measures(sub, dets)["recall"]
    target = [c for c, s in zip(cases, spans, strict=True) if s["edit"] in TARGET_EDITS]
    assert result["spans"]["recall_target"] == pan_measures(target, dets)["recall"]
    assert "shapes" not in result  # a default corpus's truth lists no decoys


def test_eval_cli(scanned, tmp_path):
    db, truth = scanned
    runner = CliRunner()
    result = runner.invoke(cli, ["eval", "--truth", str(truth), "--db", str(db)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["measure", "value", "over"]
    assert any(line.startswith("plagdet (verbatim+light) ") for line in lines)
    assert any(line.startswith("origin accuracy (dated origin) ") for line in lines)
    result = runner.invoke(cli, ["eval", "--truth", str(truth), "--db", str(db), "--format", "json"])
    data = json.loads(result.stdout)
    assert {"spans", "spans_light", "claims", "provenance"} <= data.keys()
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    result = runner.invoke(cli, ["eval", "--truth", str(bad), "--db", str(db)])
    assert result.exit_code == 1 and str(bad) in result.stderr and result.stderr.count("\n") == 1


def test_eval_of_a_store_without_the_corpus(scanned, tmp_path):
    _, truth = scanned
    with Store.open(tmp_path / "empty.db") as store:
        with pytest.raises(InputError, match="none of its 300 articles"):
            evaluate(store, Path(truth))
