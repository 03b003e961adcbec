"""tracer simulate's shapes of real corpora: each option gives its shape, the truth points at the
planted text, and without an option the corpus is byte for byte what it was."""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from click.testing import CliRunner

from tracer.cli import cli
from tracer.errors import TracerError
from tracer.text import STOPWORDS, fold
from tracer.tools.simulate import EDITS, simulate, truth_path_for

N = 300
SHAPES = {
    "flatten": {"flatten": True},
    "wire": {"wire": 40},
    "made-up": {"vocabulary": "made-up"},
    "french": {"vocabulary": "french"},
    "german": {"vocabulary": "german"},
    "stock": {"stock_phrases": True},
    "running": {"running_stories": True},
    "templates": {"slot_templates": True},
    "mix": {
        "flatten": True,
        "wire": 30,
        "stock_phrases": True,
        "running_stories": True,
        "slot_templates": True,
    },
}
# sha256 of `tracer simulate 333 --seed 42 -o x.jsonl` (corpus, truth) before the shapes existed
DEFAULT_333_42 = (
    "df6e51fe8cad5fad9bce41cfff6fe5246bca6d2ae3dc4406db6db1152c250666",
    "6140966ba66e5c2f261af1cc5f86e8c55391555e58ab8a26d685fd1a38b2a3f8",
)


def _read(corpus: Path) -> tuple[dict[str, dict], dict]:
    articles = {}
    for line in corpus.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        articles[rec["id"]] = rec
    return articles, json.loads(truth_path_for(corpus).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def shaped(tmp_path_factory: pytest.TempPathFactory):
    """shape -> (summary, articles, truth), each simulated once."""
    out = {}
    base = tmp_path_factory.mktemp("shapes")
    for name, knobs in SHAPES.items():
        path = base / f"{name}.jsonl"
        summary = simulate(N, path, seed=5, **knobs)
        out[name] = (summary, *_read(path))
    return out


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_default_corpus_is_unchanged(tmp_path):
    out = tmp_path / "x.jsonl"
    simulate(333, out, seed=42)
    assert (_sha(out), _sha(truth_path_for(out))) == DEFAULT_333_42
    # naming the default of every shape is still the default corpus
    simulate(333, tmp_path / "y.jsonl", seed=42, flatten=False, wire=0, vocabulary="english")
    assert _sha(tmp_path / "y.jsonl") == DEFAULT_333_42[0]
    result = CliRunner().invoke(
        cli, ["simulate", "333", "--seed", "42", "-o", str(tmp_path / "z.jsonl"), "-q"]
    )
    assert result.exit_code == 0, result.output
    assert (_sha(tmp_path / "z.jsonl"), _sha(tmp_path / "z.truth.json")) == DEFAULT_333_42


def test_same_seed_same_bytes(tmp_path):
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    simulate(150, a, seed=3, **SHAPES["mix"])
    simulate(150, b, seed=3, **SHAPES["mix"])
    assert a.read_bytes() == b.read_bytes()
    assert truth_path_for(a).read_bytes() == truth_path_for(b).read_bytes()


@pytest.mark.parametrize("name", list(SHAPES))
def test_truth_points_at_the_planted_text(shaped, name):
    """Every span pair and member slices real text; verbatim copies are equal; decoys overlap no
    member; the truth names the shape's knobs."""
    summary, articles, truth = shaped[name]
    for key, value in SHAPES[name].items():
        assert truth["knobs"][key] == value
    assert len(articles) == N and "decoys" in truth
    members: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for claim in truth["claims"]:
        seen = []
        for m in claim["members"]:
            text = articles[m["article"]]["text"]
            span = text[m["start"] : m["end"]]
            assert span and span == span.strip(), (claim["id"], m)
            assert m["parent"] is None or m["parent"] in seen
            seen.append(m["article"])
            members[m["article"]].append((m["start"], m["end"]))
    for sp in truth["spans"]:
        src = articles[sp["source"]]["text"][sp["source_start"] : sp["source_end"]]
        tgt = articles[sp["target"]]["text"][sp["target_start"] : sp["target_end"]]
        assert src and tgt and src == src.strip() and tgt == tgt.strip()
        if sp["claim"][0] in "wr" and sp["edit"] in ("verbatim", "truncate", "extend"):
            assert " ".join(src.split()) == " ".join(tgt.split())  # paragraph breaks may be flattened
        if sp["claim"][0] in "wr" and sp["edit"] in ("swap", "typo", "update"):
            a, b = src.split(), tgt.split()
            assert len(a) == len(b) and 1 <= sum(x != y for x, y in zip(a, b, strict=True)) <= 3
        if sp["claim"][0] in "wr":
            assert sp["sentences"] == len(re.findall(r"\.(?:\s|$)", tgt)) >= 1
    for d in truth["decoys"]:
        text = articles[d["article"]]["text"]
        assert text[d["start"] : d["end"]].strip() == text[d["start"] : d["end"]] != ""
        for s, e in members.get(d["article"], ()):
            assert not (d["start"] < e and s < d["end"]), (d, s, e)
    kinds = Counter(d["kind"] for d in truth["decoys"])
    assert summary.shapes["decoys"] == {k: kinds.get(k, 0) for k in ("stock", "template", "promo")}


def test_flatten_puts_each_article_on_one_line_with_promos_inside(shaped):
    _, articles, truth = shaped["flatten"]
    assert not any("\n" in a["text"] for a in articles.values())
    inside = 0
    for d in truth["decoys"]:
        text = articles[d["article"]]["text"]
        inside += (
            d["kind"] == "promo"
            and d["end"] < len(text) - 200
            and "newsletter" in text[d["start"] : d["end"]]
        )
    assert inside > 0.3 * sum(d["kind"] == "promo" for d in truth["decoys"]) / 2


def test_wire_story_is_carried_by_n_outlets(shaped):
    summary, articles, truth = shaped["wire"]
    (story,) = [c for c in truth["claims"] if c["id"].startswith("w")]
    members = story["members"]
    outlets = [articles[m["article"]]["outlet"] for m in members]
    assert len(set(outlets)) == 40 and len(members) == 41  # the agency prints its update too
    agency = outlets[0]
    edits = Counter(m["edit"] for m in members)
    assert edits["origin"] == edits["update"] == 1 and edits["verbatim"] > 10 and edits["truncate"] > 2
    update = next(m for m in members if m["edit"] == "update")
    assert articles[update["article"]]["outlet"] == agency and update["parent"] == members[0]["article"]
    for m in members[1:]:  # a copy's parent is the agency's article of the version it prints
        assert articles[m["parent"]]["outlet"] == agency
    dates = [articles[m["article"]].get("published") for m in members]
    assert [d for d in dates if d] == sorted(d for d in dates if d)
    assert len({articles[m["article"]]["title"] for m in members}) == 1
    spans = {sp["target"]: sp for sp in truth["spans"] if sp["claim"] == story["id"]}
    for m in members:
        if m["edit"] == "truncate":  # the source is the first paragraphs of the agency's article
            sp = spans[m["article"]]
            parent = next(p for p in members if p["article"] == m["parent"])
            assert sp["source_start"] == parent["start"] and sp["source_end"] < parent["end"]
    assert summary.shapes["wire_articles"] == 41


@pytest.mark.parametrize("name", ["made-up", "french", "german"])
def test_vocabulary_frequent_words_are_not_english_stopwords(shaped, name):
    _, articles, truth = shaped[name]
    counts: Counter[str] = Counter()
    for rec in list(articles.values())[:100]:
        counts.update(re.findall(r"[^\W\d_]+", fold(rec["text"])))
    top = [w for w, _ in counts.most_common(40)]
    known = [w for w in top if w in STOPWORDS]
    assert len(known) <= (0 if name == "made-up" else 6), known
    assert truth["spans"]  # reuse is planted as in English


def test_vocabulary_words_look_like_the_language(shaped):
    french = " ".join(a["text"] for a in list(shaped["french"][1].values())[:20])
    german = " ".join(a["text"] for a in list(shaped["german"][1].values())[:20])
    assert re.search(r"\b(?:les|des|dans)\b", french) and re.search(r"[éèà]", french)
    assert re.search(r"\b(?:und|nicht|wird)\b", german) and re.search(r"[äöüß]", german)
    assert re.search(r"\b(?:selon|rapporte)\b", french) and re.search(r"\bberichtete\b", german)


def test_stock_phrases_are_shared_by_unrelated_articles_and_are_not_reuse(shaped):
    _, articles, truth = shaped["stock"]
    stock = [d for d in truth["decoys"] if d["kind"] == "stock"]
    assert len(stock) > N / 2
    by_text: dict[str, set[str]] = defaultdict(set)
    for d in stock:
        by_text[articles[d["article"]]["text"][d["start"] : d["end"]]].add(d["article"])
    shared = {t: arts for t, arts in by_text.items() if len(arts) >= 2}
    assert (
        "The cause of the fire is being investigated." in shared
        or "Police are appealing for witnesses to come forward." in shared
    )
    planted = {(sp["source"], sp["target"]) for sp in truth["spans"]}
    assert any(tuple(sorted(arts)[:2]) not in planted for arts in shared.values())


def test_running_stories_repeat_earlier_days_and_name_the_nearest_carrier(shaped):
    summary, articles, truth = shaped["running"]
    stories = [c for c in truth["claims"] if c["id"].startswith("r")]
    assert stories and summary.shapes["running_stories"] == len(stories)
    texts = {}
    checked = 0
    for c in stories:
        order = [m["article"] for m in c["members"]]
        for m in c["members"]:
            texts[m["article"]] = articles[m["article"]]["text"][m["start"] : m["end"]]
        for m in c["members"][1:]:
            p = order.index(m["parent"])
            here = order.index(m["article"])
            assert p < here
            if m["edit"] == "verbatim":  # no later day printed the same text: the parent is the nearest
                assert texts[m["parent"]] == texts[m["article"]]
                assert all(texts[a] != texts[m["article"]] for a in order[p + 1 : here])
                checked += 1
    outlets = Counter(articles[m["article"]]["outlet"] for c in stories for m in c["members"])
    assert max(outlets.values()) >= 3  # a story's own outlet comes back to it
    assert checked


def test_slot_templates_fill_outlet_slots_across_outlets(shaped):
    _, articles, truth = shaped["templates"]
    templates = [d for d in truth["decoys"] if d["kind"] == "template"]
    filled = Counter()
    for d in templates:
        rec = articles[d["article"]]
        line = rec["text"][d["start"] : d["end"]]
        assert rec["outlet"].removeprefix("The ") in line
        filled[re.sub(re.escape(rec["outlet"].removeprefix("The ")), "<outlet>", line)] += 1
    assert any(t.startswith("Sign up to the <outlet> newsletter for the ") for t in filled)
    outlets_per_template = defaultdict(set)
    for d in templates:
        rec = articles[d["article"]]
        line = rec["text"][d["start"] : d["end"]].split(rec["outlet"].removeprefix("The "))[0]
        outlets_per_template[line].add(rec["outlet"])
    assert max(len(v) for v in outlets_per_template.values()) >= 5


def test_edits_summary_counts_shape_edits(shaped):
    summary, _, truth = shaped["wire"]
    counts = Counter(m["edit"] for c in truth["claims"] for m in c["members"])
    assert summary.edits["truncate"] == counts["truncate"] > 0
    assert set(summary.edits) >= set(EDITS)


def test_bad_shape_knobs(tmp_path):
    out = tmp_path / "x.jsonl"
    with pytest.raises(TracerError, match="vocabulary"):
        simulate(10, out, vocabulary="klingon")
    with pytest.raises(TracerError, match="wire"):
        simulate(10, out, wire=1)
    with pytest.raises(TracerError, match="at least 50 articles"):
        simulate(10, out, wire=50)
    result = CliRunner().invoke(cli, ["simulate", "10", "-o", str(out), "--vocabulary", "klingon"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    result = CliRunner().invoke(cli, ["simulate", "10", "-o", str(out), "--wire", "50"])
    assert result.exit_code == 1 and "at least 50 articles" in result.output


def test_eval_scores_a_shaped_corpus(tmp_path):
    corpus = tmp_path / "mix.jsonl"
    db = str(tmp_path / "mix.db")
    runner = CliRunner()
    args = ["simulate", "200", "-o", str(corpus), "--flatten", "--wire", "20", "--stock-phrases",
            "--running-stories", "--slot-templates", "-q"]  # fmt: skip
    assert runner.invoke(cli, args).exit_code == 0
    result = runner.invoke(cli, ["run", str(corpus), "--db", db, "-q"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        cli, ["eval", "--truth", str(truth_path_for(corpus)), "--db", db, "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    shapes = json.loads(result.stdout)["shapes"]
    assert set(shapes["on_decoys"]) == {"stock", "template", "promo"}
    assert shapes["spans_passages"]["cases"] > 0 and shapes["parent_accuracy"]["wire"]["echoes_mapped"] > 0
    assert 0 <= shapes["unplanted_detections"] <= shapes["detections"]
    table = runner.invoke(cli, ["eval", "--truth", str(truth_path_for(corpus)), "--db", db]).stdout
    assert "detections off planted reuse" in table and "granularity (multi-sentence passages)" in table
    # the default truth has no decoys: its table is as it was
    plain = tmp_path / "plain.jsonl"
    simulate(100, plain, seed=2)
    runner.invoke(cli, ["run", str(plain), "--db", str(tmp_path / "p.db"), "-q"])
    table = runner.invoke(
        cli, ["eval", "--truth", str(truth_path_for(plain)), "--db", str(tmp_path / "p.db")]
    ).stdout
    assert "plagdet" in table and "off planted" not in table
