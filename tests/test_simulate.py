"""tracer simulate: deterministic, truthful offsets, the promised shape, and the CLI."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from tracer.cli import cli
from tracer.errors import TracerError
from tracer.text import fold
from tracer.tools.simulate import EDITS, FUNCTION_WORDS, simulate, truth_path_for


def _read(corpus: Path, truth: Path | None = None) -> tuple[dict[str, dict], dict]:
    articles = {}
    for line in corpus.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        articles[rec["id"]] = rec
    return articles, json.loads((truth or truth_path_for(corpus)).read_text(encoding="utf-8"))


def _norm(text: str) -> str:
    """Case, quotation marks and a final period do not count."""
    return fold(text).rstrip(".")


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("sim") / "corpus.jsonl"
    summary = simulate(600, out, seed=7)
    articles, truth = _read(out)
    return summary, articles, truth


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path):
    a, b, c = tmp_path / "a.jsonl", tmp_path / "b.jsonl", tmp_path / "c.jsonl"
    simulate(200, a, seed=3)
    simulate(200, b, seed=3)
    simulate(200, c, seed=4)
    assert a.read_bytes() == b.read_bytes()
    assert truth_path_for(a).read_bytes() == truth_path_for(b).read_bytes()
    assert a.read_bytes() != c.read_bytes()


def test_records_and_sizes(sim):
    summary, articles, truth = sim
    assert len(articles) == summary.articles == 600 == len(truth["articles"])
    assert 30 <= summary.outlets <= 200 and len({a["outlet"] for a in articles.values()}) <= summary.outlets
    for aid, rec in articles.items():
        assert set(rec) <= {"id", "outlet", "published", "title", "text"} and rec["text"].strip()
        assert truth["articles"][aid] == {"outlet": rec["outlet"], "published": rec.get("published")}
        assert "\n\n" in rec["text"] and "\n\n\n" not in rec["text"]
    words = [len(rec["text"].split()) for rec in articles.values()]
    assert 500 <= sum(words) / len(words) <= 800
    ids = list(articles)
    assert ids == sorted(ids)
    dates = [rec["published"] for rec in articles.values() if "published" in rec]
    assert dates == sorted(dates)


def test_undated_share(sim):
    summary, articles, _ = sim
    undated = sum("published" not in rec for rec in articles.values())
    assert undated == summary.undated
    assert 0.02 <= undated / len(articles) <= 0.09


def test_boilerplate_and_filler_only(sim):
    summary, articles, truth = sim
    texts = [rec["text"] for rec in articles.values()]
    promo = sum("newsletter to get the" in t for t in texts)
    assert 0.6 <= promo / len(texts) <= 0.95
    assert any("\n\nREAD MORE: " in t for t in texts) and any("Source: Read Full Article" in t for t in texts)
    with_claims = {m["article"] for c in truth["claims"] for m in c["members"]}
    assert summary.filler_only > 0.15 * len(texts)
    assert len(with_claims) < len(texts) - summary.filler_only + 1


def test_no_content_word_is_everywhere(sim):
    _, articles, _ = sim
    sentences = [s for rec in list(articles.values())[:300] for s in re.split(r"(?<=\.)\s+", rec["text"])]
    counts: Counter[str] = Counter()
    for s in sentences:
        counts.update({w.strip(",.").lower() for w in s.split()})
    function = set(FUNCTION_WORDS)
    top = max((n for w, n in counts.items() if w not in function and w.isalpha()), default=0)
    assert top / len(sentences) < 0.05
    assert sum(n for w, n in counts.items() if w in function) > 0.2 * sum(counts.values())


def test_truth_offsets_point_at_the_claims(sim):
    _, articles, truth = sim
    assert truth["version"] == 1 and truth["seed"] == 7 and truth["claims"] and truth["spans"]
    members = {}
    for claim in truth["claims"]:
        first = claim["members"][0]
        assert first["parent"] is None and first["edit"] == "origin" and not first["credited"]
        seen = []
        for m in claim["members"]:
            assert m["edit"] in EDITS
            text = articles[m["article"]]["text"]
            span = text[m["start"] : m["end"]]
            assert span and span == span.strip() and "\n" not in span
            if m["parent"] is not None:
                assert m["parent"] in seen  # a parent is an earlier member of the same claim
                parent, child = articles[m["parent"]], articles[m["article"]]
                assert parent["outlet"] != child["outlet"]
                if "published" in parent and "published" in child:
                    assert parent["published"] <= child["published"]
            seen.append(m["article"])
            members[(claim["id"], m["article"])] = m
    edits = Counter()
    for sp in truth["spans"]:
        edits[sp["edit"]] += 1
        src = articles[sp["source"]]["text"][sp["source_start"] : sp["source_end"]]
        tgt = articles[sp["target"]]["text"][sp["target_start"] : sp["target_end"]]
        m = members[(sp["claim"], sp["target"])]
        assert (m["start"], m["end"], m["parent"], m["edit"]) == (
            sp["target_start"], sp["target_end"], sp["source"], sp["edit"]
        )  # fmt: skip
        if sp["edit"] in ("verbatim", "quotes", "embed"):
            assert _norm(src) == _norm(tgt)
        if sp["edit"] == "verbatim" and members[(sp["claim"], sp["source"])]["edit"] != "embed":
            assert src.rstrip(".") == tgt.rstrip(".")  # the period may end a credit clause instead
        elif sp["edit"] == "quotes":
            assert src != tgt and set(src + tgt) & {'"', "\u201c"}
        elif sp["edit"] == "typo":
            assert _norm(src) != _norm(tgt) and sorted(_norm(src)) == sorted(_norm(tgt))
        elif sp["edit"] == "swap":
            a, b = _norm(src).split(), _norm(tgt).split()
            assert len(a) == len(b) and 1 <= sum(x != y for x, y in zip(a, b, strict=True)) <= 3
        elif sp["edit"] == "embed":  # the clause sits inside a longer sentence
            text = articles[sp["target"]]["text"]
            assert text[sp["target_start"] - 1] == " " and text[sp["target_start"] - 2] != "."
    assert set(edits) == set(EDITS) - {"origin"}
    assert edits["verbatim"] == max(edits.values())


def test_credit_names_the_parent_outlet_in_the_paragraph(sim):
    _, articles, truth = sim
    credited = 0
    for claim in truth["claims"]:
        for m in claim["members"]:
            if m["parent"] is None:
                continue
            text = articles[m["article"]]["text"]
            end = text.find("\n\n", m["end"])
            after = text[m["end"] : end if end >= 0 else len(text)]
            named = articles[m["parent"]]["outlet"] in after
            assert named == m["credited"]
            if m["credited"]:
                credited += 1
                assert re.search(r"according to|reported", after, re.IGNORECASE)
    assert credited > 20


def test_knobs(tmp_path):
    out = tmp_path / "k.jsonl"
    summary = simulate(150, out, seed=2, undated=0.0, filler_only=1.0, outlets=5, boilerplate=0.0)
    articles, truth = _read(out)
    assert summary.outlets == 5 and summary.undated == 0 and summary.claims == 0
    assert truth["claims"] == [] and truth["spans"] == []
    assert all("published" in a and "newsletter" not in a["text"] for a in articles.values())
    with pytest.raises(TracerError, match="unknown knob"):
        simulate(10, out, colour="red")
    with pytest.raises(TracerError, match="undated"):
        simulate(10, out, undated=2.0)
    with pytest.raises(TracerError, match="seed"):
        simulate(10, out, seed=-1)


def test_small_and_custom_truth_path(tmp_path):
    out, truth = tmp_path / "tiny.txt", tmp_path / "elsewhere" / "t.json"
    truth.parent.mkdir()
    summary = simulate(1, out, truth_path=truth)
    assert summary.articles == 1 and truth.exists() and not truth_path_for(out).exists()
    assert truth_path_for(out).name == "tiny.txt.truth.json"
    assert len(json.loads(truth.read_text(encoding="utf-8"))["articles"]) == 1


def test_cli(tmp_path):
    runner = CliRunner()
    out = tmp_path / "c.jsonl"
    result = runner.invoke(cli, ["simulate", "120", "-o", str(out), "--seed", "5"])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and "simulated 120 articles" in result.stderr
    assert len(out.read_text(encoding="utf-8").splitlines()) == 120
    assert (tmp_path / "c.truth.json").exists()
    truth = tmp_path / "t.json"
    result = runner.invoke(cli, ["simulate", "120", "-o", str(tmp_path / "d.jsonl"), "--seed", "5",
                                 "--truth", str(truth), "--quiet"])  # fmt: skip
    assert result.exit_code == 0 and result.stderr == ""
    assert (tmp_path / "d.jsonl").read_bytes() == out.read_bytes()
    result = runner.invoke(cli, ["simulate", "10", "-o", str(out / "x.jsonl")])  # a file, not a folder
    assert result.exit_code == 1 and "cannot write" in result.stderr
    result = runner.invoke(cli, ["simulate", "0", "-o", str(out)])
    assert result.exit_code == 2
