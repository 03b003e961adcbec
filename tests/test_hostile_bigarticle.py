"""Hostile input: one very large article. Scanning it must stay linear in its size, in time and
memory (the analysis works through a long article a window of sentences at a time)."""

from __future__ import annotations

import functools
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest

from tracer import analyse
from tracer.engine import sizes
from tracer.params import ScanParams
from tracer.segment import split_many
from tracer.tools.simulate import simulate

# Runs `tracer run` in a child and prints the child's peak RSS (KiB on Linux) and wall time. The
# child's SQLite page cache is held to 2 MiB: it takes up to 128 MiB whatever the article, which
# at these sizes would hide what the article itself costs.
_MEASURE = """
import resource, subprocess, sys, time
t = time.perf_counter()
child = (
    "import sys, tracer.store as s; configure = s._configure; "
    "s._configure = lambda c, new: (configure(c, new), c.execute('PRAGMA cache_size=-2048')); "
    "from tracer.cli import main; sys.argv[0] = 'tracer'; main()"
)
cmd = [sys.executable, "-c", child, "run", "-q", "--db", sys.argv[1], sys.argv[2]]
done = subprocess.run(cmd, stdout=subprocess.DEVNULL)
print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, time.perf_counter() - t)
"""


def _run_measured(tmp_path: Path, name: str, text: str) -> tuple[int, float]:
    """Peak resident memory (bytes) and seconds of `tracer run` on one article holding ``text``."""
    path = tmp_path / f"{name}.txt"
    path.write_text("outlet: Big\n\nA very big article\n\n" + text, encoding="utf-8")
    out = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(tmp_path / f"{name}.db"), str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    rc, kib, seconds = out.stdout.split()
    assert rc == "0", out.stderr
    return int(kib) * 1024, float(seconds)


@functools.cache
def _simulated_text(articles: int = 2000) -> str:
    """The texts of ``articles`` simulated articles (~4,400 characters each), joined."""
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "c.jsonl"
        simulate(articles, corpus, seed=3)
        lines = corpus.read_text(encoding="utf-8").splitlines()
    return "\n\n".join(json.loads(line)["text"] for line in lines)


def _big_text(size: int, articles: int = 2000) -> str:
    """``size`` characters of news-like text (simulated articles, curly quotes and all)."""
    text = _simulated_text(articles)
    return (text * (size // len(text) + 1))[:size]


def test_one_big_article_scans_in_memory_linear_in_its_size(tmp_path: Path) -> None:
    # 32 M characters of distinct news text (two bytes a character: curly quotes). Each window's
    # signatures are stored as made and verify reads the text a piece at a time, so the peak is
    # the text and one window's work (figures: benchmarks/bench_bigarticle.py).
    size = 32_000_000
    base, _ = _run_measured(tmp_path, "tiny", _big_text(20_000))
    peak, _ = _run_measured(tmp_path, "big", _big_text(size, articles=7500))
    assert peak - base < 8 * size, (peak, base)


def test_a_full_stop_after_a_long_unspaced_word_costs_no_copy_of_the_text() -> None:
    # Deciding a "." whose word before had no space within 7 characters cut the text from its
    # start to the stop: quadratic in a long article of such stops.
    text = "Aaaaaaaaaaaa\u201d. Next one said so. " * 100_000
    t = time.perf_counter()
    starts, _, _ = split_many([text])
    assert time.perf_counter() - t < 5
    assert len(starts) == 200_000


def _joined(a: analyse.Analysed) -> list[np.ndarray]:
    parts = list(a.parts())
    return [
        np.concatenate([getattr(x, f) for x in parts], axis=1 if f == "keys" else 0)
        for f in ("sentences", "norms", "units", "keys", "checks")
    ]


@pytest.mark.parametrize("joiners", [(" ", "\n", "\n\n", "  \n ", "\r\n", "\u2028"), (" ", ". ")])
def test_a_long_article_analysed_in_windows_is_analysed_as_whole(joiners, monkeypatch) -> None:
    # Windows of sentences (cut inside lines too, where a line has no other place to cut): the same
    # sentences, line ids, promo flags, norms and signatures as the article analysed at once.
    texts = _simulated_text().split("\n\n")[:400]
    extra = [
        "\u00a8 Folds to a space first.", "\n\u00a8\u00a8 Hais drout it.", "- A bullet starts here. And on.",
        "READ MORE: Sign up for our newsletter", "\u2022 bullet", "Mr. Smith", "U.S. officials", ". . . .",
    ]  # fmt: skip
    rng = random.Random(5)
    for _ in range(3):
        items = []
        for seq in range(rng.randint(1, 4)):
            parts = rng.sample(texts, rng.randint(1, 10)) + rng.sample(extra, 3)
            rng.shuffle(parts)
            items.append((seq, "".join(part + rng.choice(joiners) for part in parts)))
        want = analyse.analyse_articles(items, ScanParams())
        assert next(want.more, None) is None
        for window in (60, 997, 8000):
            monkeypatch.setattr(sizes, "ANALYSE_WINDOW", window)
            monkeypatch.setattr(sizes, "ARTICLE_WINDOW", window)
            got = analyse.analyse_articles(items, ScanParams())
            for a, b in zip(_joined(got), _joined(want), strict=True):
                assert np.array_equal(a, b)
            monkeypatch.undo()


def test_sentences_repeated_in_one_article_are_not_paired_with_each_other(tmp_path: Path) -> None:
    # Two near-identical sentences, each repeated 3,000 times in one article: the pairs of their
    # occurrences (9 M, all in the one article, so no piece) were made before being dropped.
    one = "The minister said the new bridge over the northern river would open in early spring. "
    two = "The minister said the new bridge over the northern river would open in late spring. "
    path = tmp_path / "repeat.txt"
    path.write_text("outlet: A\n\nTitle\n\n" + (one + two + "\n\n") * 3000, encoding="utf-8")
    script = (
        "import json, sys; from tracer.store import Store; "
        "from tracer.pipeline import run; store = Store.open(sys.argv[1]); "
        "print(json.dumps(run(store, [sys.argv[2]], workers=1)[1].peak_mb))"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "r.db"), str(path)], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    peak = json.loads(out.stdout)
    assert peak["matches"] - peak["verify"] < 100, peak  # MB the matches stage added
