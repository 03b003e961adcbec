"""fixtures/europe: French and German articles scanned without errors, and scored against their
truth. What tracer gets wrong today on them is marked xfail (strict=False) with the reason."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from tracer.cli import cli
from tracer.store import Store
from tracer.tools.evaluate import evaluate

from .conftest import FIXTURES

EUROPE = FIXTURES / "europe"


@pytest.fixture(scope="module")
def europe(tmp_path_factory: pytest.TempPathFactory):
    """(eval result, non-boilerplate matches as {(source, target): [(s0, s1, t0, t1)]}, truth)."""
    db = tmp_path_factory.mktemp("europe") / "tracer.db"
    result = CliRunner().invoke(cli, ["run", str(EUROPE / "articles.jsonl"), "--db", str(db), "-q"])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output and "skipped" not in result.output
    with Store.open(db) as s:
        scored = evaluate(s, EUROPE / "truth.json")
        matches: dict[tuple[str, str], list[tuple[int, int, int, int]]] = {}
        for a, a0, a1, b, b0, b1 in s.conn.execute(
            "SELECT source_id, source_start, source_end, target_id, target_start, target_end FROM matches "
            "WHERE boilerplate = 0"
        ):
            key, spans = ((a, b), (a0, a1, b0, b1)) if a < b else ((b, a), (b0, b1, a0, a1))
            matches.setdefault(key, []).append(spans)
    truth = json.loads((EUROPE / "truth.json").read_text(encoding="utf-8"))
    return scored, matches, truth


def test_truth_agrees_with_the_articles():
    done = subprocess.run(
        [sys.executable, str(EUROPE / "make_truth.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def test_scanned_and_scored(europe):
    scored, _, truth = europe
    assert scored["articles"] == {"truth": 12, "in_store": 12}
    assert scored["shapes"]["decoys"] == len(truth["decoys"])


def test_planted_reuse_is_found(europe):
    scored, _, _ = europe
    assert scored["spans"]["recall"] >= 0.9
    assert scored["shapes"]["spans_passages"]["granularity"] <= 1.1
    assert scored["provenance"]["parent_accuracy"] == 1.0


def test_a_copy_hyphenated_across_a_line_break_is_found_whole(europe):
    _, matches, truth = europe
    span = next(sp for sp in truth["spans"] if sp["target"] == "eu03")
    found = matches.get(("eu01", "eu03"), [])
    covered = sum(min(t1, span["target_end"]) - max(t0, span["target_start"]) for _, _, t0, t1 in found)
    assert covered >= 0.9 * (span["target_end"] - span["target_start"])


@pytest.mark.xfail(
    strict=False, reason="stock phrases are reported as reuse: a dozen articles are too few to learn them"
)
def test_precision_of_planted_reuse(europe):
    scored, _, _ = europe
    assert scored["spans"]["precision"] >= 0.95


@pytest.mark.xfail(strict=False, reason="stock phrases ('Die Polizei bittet Zeugen...', 'Une enquête a été "
                   "ouverte...') are reported as reuse between unrelated articles")  # fmt: skip
@pytest.mark.parametrize("pair", [("eu05", "eu06"), ("eu10", "eu11"), ("eu07", "eu12"), ("eu01", "eu04")])
def test_stock_phrases_are_not_reuse(europe, pair):
    _, matches, _ = europe
    assert pair not in matches


def test_promos_are_boilerplate(europe):
    scored, _, _ = europe
    assert scored["shapes"]["on_decoys"].get("promo", 0) == 0


def test_credits_in_french_and_german_are_recognised(europe):
    scored, _, _ = europe
    assert scored["provenance"]["credited_recall"] == 1.0


def test_claim_terms_are_content_words_in_french_and_german_too(tmp_path):
    db = str(tmp_path / "t.db")
    assert CliRunner().invoke(cli, ["run", str(EUROPE / "articles.jsonl"), "--db", db, "-q"]).exit_code == 0
    with Store.open(db) as s:
        terms = [json.loads(t) for (t,) in s.conn.execute("SELECT terms FROM claims")]
    assert terms and all(len(t) >= 4 for t in terms)
    function_words = {
        "der",
        "die",
        "des",
        "les",
        "pour",
        "par",
        "pas",
        "nicht",
        "sich",
        "auf",
        "sind",
        "nach",
    }
    assert not function_words & {w for t in terms for w in t}
