"""Reuse does not depend on line breaks (issue 23): every corpus in fixtures/ and simulate's
gives the same reuse, by text, with all line breaks flattened to spaces (as many CSV and JSON
Lines exports keep an article), and the seeds keep both echoes and report no ad or newsletter
line. Compared by text, not offsets: each article's words reported as reuse."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from tests import test_seeds
from tests.conftest import FIXTURES, SEEDS
from tests.test_fanout import WIRE, WIRE2, _sentence
from tracer.matches import query
from tracer.params import ScanParams
from tracer.pipeline import run
from tracer.store import Store
from tracer.tools.simulate import simulate

_WORD = re.compile(r"\w+")
# A line that ends without a sentence's last mark: a headline, a caption ("Picture: Reuters"), a
# link ("READ MORE: <headline>"). Flattened, it runs into the sentence after it.
_ENDED = re.compile(r"[.!?\u2026][\"'\u201d\u2019\u00bb)\]]*\s*$")


def flatten(text: str) -> str:
    """``text`` with every line break (and the spaces around it) one space."""
    return re.sub(r"\s*[\r\n]+\s*", " ", text).strip()


def _corpora() -> list[Path]:
    """Every corpus in fixtures/: a folder of articles, or one articles.jsonl."""
    found = []
    for folder in sorted(p for p in FIXTURES.iterdir() if p.is_dir()):
        for candidate in (folder / "articles", folder / "articles.jsonl"):
            if candidate.exists():
                found.append(candidate)
                break
    return found


def _flattened_copy(store: Store, out: Path) -> Path:
    """The store's articles as JSON Lines, text flattened, ids, outlets, dates and titles kept."""
    rows = store.conn.execute("SELECT id, outlet, published, title, url, text FROM articles ORDER BY seq")
    with out.open("w", encoding="utf-8") as f:
        for art, outlet, published, title, url, text in rows:
            record = {"id": art, "outlet": outlet, "published": published, "title": title, "url": url}
            record = {k: v for k, v in record.items() if v is not None}
            f.write(json.dumps({**record, "text": flatten(text)}) + "\n")
    return out


def _scanned(db: Path, source: Path, params: ScanParams | None = None) -> Store:
    s = Store.open(db)
    report, _ = run(s, [source], params=params)
    assert not report.problems
    return s


def _reused_words(s: Store) -> dict[str, set[int]]:
    """Each article's words (their places among its words) that reported reuse covers."""
    texts = dict(s.conn.execute("SELECT id, text FROM articles"))
    spans: dict[str, list[tuple[int, int]]] = {}
    for m in query(s):
        spans.setdefault(m.source_id, []).append(tuple(m.source_span))  # type: ignore[arg-type]
        spans.setdefault(m.target_id, []).append(tuple(m.target_span))  # type: ignore[arg-type]
    out = {}
    for art, held in spans.items():
        words = [w.span() for w in _WORD.finditer(texts[art])]
        out[art] = {k for k, (a, b) in enumerate(words) if any(a < end and b > start for start, end in held)}
    return out


def _run_together(text: str) -> set[int]:
    """The words (places) of ``text``'s lines that end without a sentence's last mark and of the
    sentence each runs into once flattened: where a match may grow or shrink by those words."""
    words = list(_WORD.finditer(text))
    found: set[int] = set()
    at = 0
    for line in text.splitlines(keepends=True):
        start, end = at, at + len(line)
        at = end
        if not line.strip() or _ENDED.search(line):
            continue
        k = next((i for i, w in enumerate(words) if w.start() >= start), len(words))
        while k < len(words) and words[k].start() < end:
            found.add(k)
            k += 1
        while k < len(words):  # the sentence it runs into, to its last mark
            found.add(k)
            gap = text[words[k].end() : words[k + 1].start() if k + 1 < len(words) else len(text)]
            k += 1
            if re.search(r"[.!?\u2026]", gap):
                break
    return found


def _same_reuse(lined: Store, flat: Store) -> None:
    """Both stores report the same words of each article as reuse, but those a headline, caption
    or link can add to or take from a match when it runs into the next sentence."""
    texts = dict(lined.conn.execute("SELECT id, text FROM articles"))
    a, b = _reused_words(lined), _reused_words(flat)
    differ = {}
    for art in sorted(set(a) | set(b)):
        words = [w.group() for w in _WORD.finditer(texts[art])]
        odd = sorted((a.get(art, set()) ^ b.get(art, set())) - _run_together(texts[art]))
        if odd:
            differ[art] = (
                " ".join(words[k] for k in odd if k in a.get(art, set())),
                " ".join(words[k] for k in odd if k in b.get(art, set())),
            )
    assert not differ, f"reuse only with line breaks / only flattened: {differ}"


@pytest.mark.parametrize("corpus", _corpora(), ids=lambda p: p.parent.name)
def test_every_fixture_gives_the_same_reuse_flattened(tmp_path: Path, corpus: Path):
    with _scanned(tmp_path / "lines.db", corpus) as lined:
        with _scanned(tmp_path / "flat.db", _flattened_copy(lined, tmp_path / "flat.jsonl")) as flat:
            assert lined.conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0] > 1
            _same_reuse(lined, flat)


# The default shape; and every shape option flattening does not set at once, at a size where each
# outlet prints its slot templates often enough to be told (bench_shapes scores them at 2,000).
_SIMULATED = {
    "default": (300, {}),
    "shapes": (1000, {"wire": 60, "slot_templates": True, "stock_phrases": True, "running_stories": True}),
}


@pytest.mark.parametrize("shape", sorted(_SIMULATED))
def test_a_simulated_corpus_gives_the_same_reuse_flattened(tmp_path: Path, shape: str):
    n, knobs = _SIMULATED[shape]
    corpus = tmp_path / "corpus.jsonl"
    simulate(n, corpus, seed=3, **knobs)
    flat = tmp_path / "flat.jsonl"
    with corpus.open(encoding="utf-8") as f, flat.open("w", encoding="utf-8") as out:
        for line in f:
            record = json.loads(line)
            out.write(json.dumps({**record, "text": flatten(record["text"])}) + "\n")
    with _scanned(tmp_path / "lines.db", corpus) as lined, _scanned(tmp_path / "flat.db", flat) as flattened:
        assert lined.conn.execute("SELECT COUNT(*) FROM matches").fetchone()[0] > 0
        _same_reuse(lined, flattened)


def _wire_and_podcast() -> list[dict[str, str]]:
    """200 articles of 20 outlets over three days: a wire paragraph on a line of its own in every
    one (a line each outlet prints ten times: its template by the counts alone), an update of it
    in five outlets' words, and one outlet's podcast plug, in two articles, after a question on a line of its own."""
    r = random.Random(5)
    out = []
    for i in range(200):
        outlet = i % 20
        paragraphs = [_sentence(r), f"{WIRE} {WIRE2}", _sentence(r)]
        if outlet < 5 and i % 7 == 0:
            paragraphs.append(f"UPDATE: {_sentence(r)} {WIRE} {WIRE2}")
        if i in (7, 27):
            day = "Monday" if i == 7 else "Friday"
            paragraphs.append(f"Want more news? Listen to the Outlet 07 weekend podcast every {day}.")
        when = f"2024-03-{1 + i * 3 // 200:02d}T{i % 24:02d}:00:00Z"
        out.append({"id": f"a{i:05d}", "outlet": f"Outlet {outlet:02d}", "published": when,
                    "text": "\n\n".join(paragraphs)})  # fmt: skip
    return out


def test_wire_copy_and_a_plug_give_the_same_reuse_flattened(tmp_path: Path):
    """With its line breaks the wire paragraph was every outlet's template and the plug news;
    flattened, the paragraph was a passage (reuse) and the plug a promo."""
    corpus, flat = tmp_path / "corpus.jsonl", tmp_path / "flat.jsonl"
    articles = _wire_and_podcast()
    corpus.write_text("".join(json.dumps(a) + "\n" for a in articles), encoding="utf-8")
    flat.write_text("".join(json.dumps({**a, "text": flatten(a["text"])}) + "\n" for a in articles))
    params = ScanParams(frequent_df=0)  # every article prints the wire: its words are no function words
    with _scanned(tmp_path / "lines.db", corpus, params) as lined:
        with _scanned(tmp_path / "flat.db", flat, params) as flattened:
            _same_reuse(lined, flattened)
            assert any(WIRE in m.target_text for m in query(lined))
            assert not any("podcast" in m.target_text for m in query(lined))


@pytest.fixture(scope="module")
def flat_seeds(tmp_path_factory: pytest.TempPathFactory):
    """The seeds as ``seeds`` (conftest) ingests them, each text then flattened."""
    if not SEEDS.is_dir():
        pytest.skip(f"{SEEDS} not present (the shared seeds sit beside the repository)")
    folder = tmp_path_factory.mktemp("flat-seeds")
    with _scanned(folder / "lines.db", SEEDS) as lined:
        names = {i: Path(p).name[:3] for p, i in lined.conn.execute("SELECT source_path, id FROM articles")}
        source = _flattened_copy(lined, folder / "flat.jsonl")
    s = _scanned(folder / "flat.db", source)
    texts = {names[i]: (i, t) for i, t in s.conn.execute("SELECT id, text FROM articles")}
    assert all("\n" not in t for _, t in texts.values())
    yield s, texts
    s.close()


def test_flattened_seeds_keep_the_track_marks_echo(flat_seeds):
    test_seeds.test_track_marks_echo_is_found(flat_seeds)


def test_flattened_seeds_keep_the_leaked_documents_echo(flat_seeds):
    test_seeds.test_leaked_documents_parkinsons_cancer_echo_is_found(flat_seeds)


def test_flattened_seeds_report_no_ad_or_newsletter_line(flat_seeds):
    test_seeds.test_no_ad_or_newsletter_line_is_reported(flat_seeds)


def test_a_brief_flattened_with_its_newsletter_line_keeps_its_news(tmp_path: Path):
    """A brief of one news sentence and a newsletter line is short enough to be a promo line
    once flattened: the news sentence in it is still news (and the newsletter line a promo),
    as with its line breaks; a short question before a plug stays part of the plug."""
    news = (
        "The harbour authority said the northern ferry route would close for six weeks from Monday "
        "while engineers replace the damaged loading ramp at the main terminal."
    )
    plugs = {
        "Harbour Times": "Sign up to our newsletter for the morning briefing.",
        "Coast Herald": "Want more news? Listen to our podcast every Friday.",
        "Bay Gazette": "Subscribe to our newsletter for more stories like this.",
    }
    articles = [
        {"id": f"b{k}", "outlet": outlet, "published": f"2024-05-0{k + 1}", "text": f"{news}\n\n{plug}"}
        for k, (outlet, plug) in enumerate(plugs.items())
    ]
    corpus, flat = tmp_path / "corpus.jsonl", tmp_path / "flat.jsonl"
    corpus.write_text("".join(json.dumps(a) + "\n" for a in articles), encoding="utf-8")
    flat.write_text("".join(json.dumps({**a, "text": flatten(a["text"])}) + "\n" for a in articles))
    assert all(len(flatten(a["text"])) < 320 for a in articles)  # short: a promo line as a whole
    with _scanned(tmp_path / "lines.db", corpus) as lined, _scanned(tmp_path / "flat.db", flat) as flattened:
        _same_reuse(lined, flattened)
        found = query(flattened)
        assert len(found) == 3 and all(m.source_text.startswith("The harbour authority") for m in found)
        assert not any("newsletter" in m.target_text or "podcast" in m.target_text for m in found)
