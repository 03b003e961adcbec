"""Hostile input: very large articles of pathological shapes. A "sentence" of millions of
characters (no stops, no line breaks) is cut into pieces; a long article's signatures are stored
a window at a time; the sentences verify aligns are cut from a long text read a piece at a time;
an article repeating a sentence thousands of times makes one piece an occurrence, not a pair."""

from __future__ import annotations

import json
import pickle
import random
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tracer import analyse, segment, sentence_texts
from tracer import store as store_module
from tracer.engine import sizes, spill
from tracer.params import ScanParams
from tracer.pipeline import run
from tracer.segment import PIECE_MAX, SENTENCE_MAX, split_many, split_sentences
from tracer.store import Store

from .test_hostile_bigarticle import _run_measured, _simulated_text


def _check_pieces(text: str, spans: list[tuple[int, int]], most: int) -> None:
    """Spans in order, none longer than ``most``, none starting or ending with a space."""
    for (_, b), (c, _) in zip(spans, spans[1:], strict=False):
        assert b <= c
    for a, b in spans:
        assert 0 < b - a <= most
        assert not text[a].isspace() and not text[b - 1].isspace()


def test_a_sentence_over_the_cap_is_cut_into_pieces_at_word_boundaries() -> None:
    # 60,000 characters of words with no stop or line break were one sentence: aligned whole,
    # and a long article of it could not be cut into windows (100 MB: 3.3 GiB).
    rng = random.Random(3)
    words = [rng.choice(["alpha", "beta", "gamma", "delta", "epsilon", "and", "the"]) for _ in range(10_000)]
    text = "It began here. Then " + " ".join(words) + " end. And then this."
    spans = split_sentences(text)
    assert text[slice(*spans[0])] == "It began here."
    assert text[slice(*spans[-1])] == "And then this."
    _check_pieces(text, spans, PIECE_MAX)
    assert len(spans) > len(text) // PIECE_MAX
    # Cut at word boundaries: the pieces' words are the sentence's, in order.
    assert [w for a, b in spans[1:-1] for w in text[a:b].split()] == ["Then", *words, "end."]
    starts, ends, counts = split_many(["Short one. Two.", text])
    assert list(zip(starts.tolist(), ends.tolist(), strict=True))[2:] == spans
    assert counts.tolist() == [2, len(spans)]


def test_a_sentence_up_to_the_cap_stays_whole() -> None:
    text = "Start " + "word " * ((SENTENCE_MAX - 10) // 5) + "end."
    assert len(text) <= SENTENCE_MAX
    assert split_sentences(text) == [(0, len(text))]


def test_a_word_longer_than_a_piece_is_cut_where_a_piece_ends() -> None:
    text = "A" + "x" * (3 * SENTENCE_MAX) + " tail"
    spans = split_sentences(text)
    _check_pieces(text, spans, PIECE_MAX)
    assert "".join(text[a:b] for a, b in spans).replace(" ", "") == text.replace(" ", "")


@pytest.mark.parametrize("cap", [(12, 6), (30, 11), (40, 40)])
def test_split_many_cuts_long_sentences_as_split_sentences(cap: tuple[int, int], monkeypatch) -> None:
    monkeypatch.setattr(segment, "SENTENCE_MAX", cap[0])
    monkeypatch.setattr(segment, "PIECE_MAX", cap[1])
    pieces = ["word", "Mr", "x", "\u00e9t\u00e9", "longerwordthanapiece", "\U0001d400b", ". ", ".\n\n", "\n"]
    pieces += [" ", "  ", "\u00a0", "\u2003 ", "\t", "- ", "U.S.", ", "]
    rng = random.Random(5)
    for _ in range(60):
        texts = [
            "".join(rng.choice(pieces) for _ in range(rng.randint(0, 60))) for _ in range(rng.randint(1, 6))
        ]
        starts, ends, counts = split_many(texts)
        bounds = np.concatenate(([0], np.cumsum(counts)))
        for k, text in enumerate(texts):
            spans = split_sentences(text)
            lo, hi = bounds[k], bounds[k + 1]
            got = list(zip(starts[lo:hi].tolist(), ends[lo:hi].tolist(), strict=True))
            assert got == spans
            _check_pieces(text, spans, cap[0])


def _giant_sentence(size: int) -> str:
    """``size`` characters of words drawn at random from the simulated texts' words: no stop, no
    line break, and no passage repeated (repeated passages would make candidate pairs)."""
    vocabulary = sorted(set(re.findall(r"\w+", _simulated_text())))
    rng = random.Random(7)
    words = rng.choices(vocabulary, k=size // 5)
    text = " ".join(words)
    while len(text) < size:
        text += " " + " ".join(rng.choices(vocabulary, k=(size - len(text)) // 5 + 1))
    return text[:size].rstrip()


def test_one_giant_sentence_scans_in_memory_linear_in_its_size(tmp_path: Path) -> None:
    # 8 M characters with no stop or line break were one sentence, analysed at once; now cut
    # into pieces and analysed a window of them at a time.
    size = 8_000_000
    base, _ = _run_measured(tmp_path, "tiny", _giant_sentence(20_000))
    peak, _ = _run_measured(tmp_path, "giant", _giant_sentence(size))
    assert peak - base < 16 * size, (peak, base)


def _store_with_long_articles(tmp_path: Path) -> Store:
    texts = _simulated_text().split("\n\n")
    odd = "A NUL \x00 here, a \U0001d400 there, \u201ccurly\u201d. "
    articles = [
        {"id": "long", "outlet": "A", "text": odd.join(texts[:300])},
        {"id": "short", "outlet": "B", "text": "\n\n".join(texts[250:260])},
        {"id": "other", "outlet": "C", "text": odd.join(texts[100:120] + texts[280:330])},
    ]
    path = tmp_path / "c.jsonl"
    path.write_text("".join(json.dumps(a) + "\n" for a in articles), encoding="utf-8")
    store = Store.open(tmp_path / "s.db")
    run(store, [path], workers=1)
    return store


def test_sentence_texts_cut_from_a_long_text_read_a_piece_at_a_time(tmp_path: Path, monkeypatch) -> None:
    # Verify gathered the texts of its sentences from whole articles, a chunk of sentences at a
    # time: a long article's text was read once a chunk (the one before still held: 100 MB,
    # ~500 MB more). Long articles are now read a piece at a time, as far as their last
    # sentence wanted; what each sentence's text is does not change.
    store = _store_with_long_articles(tmp_path)
    rows = np.concatenate(list(store.sentence_blocks()))
    norms = np.unique(rows["norm"])
    with sentence_texts.SentenceTexts(store, norms) as texts:
        want = {n: texts.text(n) for n in norms.tolist()}
    whole = store.texts_by_seq(np.unique(rows["article"]).tolist())
    for r in rows[np.unique(rows["norm"], return_index=True)[1]]:
        assert want[int(r["norm"])] == whole[int(r["article"])][r["start"] : r["end"]]
    pieces = store.text_pieces
    monkeypatch.setattr(store, "text_pieces", lambda seq: pieces(seq, size=97))
    for long_text, at_once in ((1000, 5000), (0, 1), (10**9, 10**9)):
        monkeypatch.setattr(sentence_texts, "LONG_TEXT", long_text)
        monkeypatch.setattr(store_module, "LONG_TEXT", long_text)
        monkeypatch.setattr(sizes, "TEXTS_AT_ONCE", at_once)
        for chunk in (7, 20_000):
            wanted = norms[:: 3 if chunk == 7 else 1]
            with sentence_texts.SentenceTexts(store, wanted, chunk=chunk) as texts:
                assert {n: texts.text(n) for n in wanted.tolist()} == {n: want[n] for n in wanted.tolist()}
    store.close()


def test_a_store_cuts_spans_of_long_texts_as_of_whole_ones(tmp_path: Path, monkeypatch) -> None:
    store = _store_with_long_articles(tmp_path)
    rows = np.concatenate(list(store.sentence_blocks()))[::-3]  # out of order, articles mixed
    seqs, starts, ends = rows["article"].tolist(), rows["start"].tolist(), rows["end"].tolist()
    whole = store.texts_by_seq(sorted(set(seqs)))
    want = [whole[q][a:b] for q, a, b in zip(seqs, starts, ends, strict=True)]
    assert store.cut_texts(seqs, starts, ends) == want
    pieces = store.text_pieces
    monkeypatch.setattr(store, "text_pieces", lambda seq: pieces(seq, size=61))
    for long_text in (0, 5000):
        monkeypatch.setattr(store_module, "LONG_TEXT", long_text)
        assert store.cut_texts(seqs, starts, ends) == want
    store.close()


def test_a_store_gives_an_article_text_in_pieces(tmp_path: Path) -> None:
    store = _store_with_long_articles(tmp_path)
    whole = store.texts_by_seq([1])[1]
    for size in (1, 3, 1000, 1 << 22):
        pieces = list(store.text_pieces(1, size))
        assert "".join(pieces) == whole
    store.close()


def test_a_long_article_analysed_in_parts_crosses_processes_whole(monkeypatch, tmp_path: Path) -> None:
    # The parts after the first are made as they are asked for; pickled (a worker's result, or
    # Dask's), they are all made first, and a local pool's worker leaves each part's arrays in
    # files as it is made.
    monkeypatch.setattr(sizes, "ANALYSE_WINDOW", 5000)
    monkeypatch.setattr(sizes, "ARTICLE_WINDOW", 2000)
    monkeypatch.setattr(sizes, "SPILL_MIN_BYTES", 1)
    items = [(1, _simulated_text()[:30_000]), (2, "Short. One."), (3, _simulated_text()[40_000:52_000])]

    def parts(a: analyse.Analysed) -> list[list[np.ndarray]]:
        return [[p.sentences, p.norms, p.units, p.keys, p.checks] for p in a.parts()]

    want = parts(analyse.analyse_articles(items, ScanParams()))
    assert len(want) > 5
    again = pickle.loads(pickle.dumps(analyse.analyse_articles(items, ScanParams())))
    spilled = spill.unspill(spill.spilling(str(tmp_path), analyse.analyse_articles, items, ScanParams()))
    for got in (parts(again), parts(spilled)):
        assert len(got) == len(want)
        for a, b in zip(got, want, strict=True):
            for x, y in zip(a, b, strict=True):
                assert np.array_equal(x, y)
    assert not list(tmp_path.iterdir())  # each spilled file read back and removed
    sentences = np.concatenate([p[0] for p in want])
    assert np.array_equal(sentences["article"], np.repeat([1, 2, 3], np.bincount(sentences["article"])[1:]))


def test_a_sentence_repeated_in_one_article_is_linked_not_paired(tmp_path: Path) -> None:
    # One article repeating a sentence 5,000 times, another printing it once: every pair of the
    # 5,001 occurrences (12.5 M) was made before those in one article were dropped (~320 MB in
    # the matches stage). A sentence with more than FANOUT occurrences is linked, one piece an
    # occurrence.
    one = "The minister said the new bridge over the northern river would open in early spring. "
    path = tmp_path / "a.txt"
    path.write_text("outlet: A\n\nTitle\n\n" + one * 5000 + "\n\nThe end of it all came.", encoding="utf-8")
    (tmp_path / "b.txt").write_text("outlet: B\n\nOther\n\nIt was said. " + one, encoding="utf-8")
    script = (
        "import json, sys; from tracer.store import Store; "
        "from tracer.pipeline import run; store = Store.open(sys.argv[1]); "
        "result = run(store, sys.argv[2:], workers=1)[1]; "
        "print(json.dumps([result.peak_mb, store.conn.execute('SELECT COUNT(*) FROM pieces').fetchone()[0]]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "r.db"), str(path), str(tmp_path / "b.txt")],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    peak, pieces = json.loads(out.stdout)
    assert peak["matches"] - peak["verify"] < 100, peak  # MB the matches stage added
    assert pieces == 5000


def test_near_rows_read_a_chunk_at_a_time_as_at_once() -> None:
    # A long run-on article's pieces make millions of near rows: read as Python tuples all at
    # once they took ~300 bytes a row; they are made into arrays a chunk at a time.
    from tracer.matches import KINDS, _NearRows

    rng = random.Random(2)
    rows = [
        (
            rng.getrandbits(62),
            rng.getrandbits(62),
            *(rng.randint(0, 99) for _ in range(4)),
            rng.random(),
            rng.choice(KINDS),
        )
        for _ in range(1000)
    ]
    whole = _NearRows(rows)
    for chunk in (1, 7, 1000, 5000):
        got = _NearRows(iter(rows), chunk=chunk)
        for name in ("norm_a", "norm_b", "a0", "a1", "b0", "b1", "score", "kind"):
            assert np.array_equal(getattr(got, name), getattr(whole, name))
    empty = _NearRows(iter(()))
    assert len(empty.norm_a) == len(empty.score) == len(empty.kind) == 0


def test_verify_stores_its_rows_a_round_at_a_time(tmp_path: Path, monkeypatch) -> None:
    # The rows of aligned pairs are stored a round of pairs at a time, not held to the end: the
    # same rows.
    from tracer.tools.simulate import simulate

    simulate(300, tmp_path / "c.jsonl", seed=4)
    tables = []
    for name, round_size in (("whole", sizes.VERIFY_ROUND), ("rounds", 7)):
        monkeypatch.setattr(sizes, "VERIFY_ROUND", round_size)
        with Store.open(tmp_path / f"{name}.db") as store:
            result = run(store, [tmp_path / "c.jsonl"], workers=1)[1]
            tables.append(
                (result.verified, store.conn.execute("SELECT * FROM near ORDER BY 1, 2").fetchall())
            )
    assert tables[0][0] == len(tables[0][1]) > 100
    assert tables[0] == tables[1]
