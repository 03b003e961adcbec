"""Banality at the default parameters: stock phrases with slots, in a corpus of any size."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tracer.matches import Match, query
from tracer.params import ScanParams
from tracer.pipeline import ingest
from tracer.scan import scan
from tracer.store import Store
from tracer.tools.evaluate import evaluate
from tracer.tools.simulate import simulate

_WIRE = "The minister confirmed on Tuesday that the northern rail line will reopen to passengers in March."
_SLOTTED = "The case was adjourned until {day} next week."
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def test_a_phrase_with_a_slot_is_banal_and_a_sentence_printed_alike_is_not(tmp_path: Path) -> None:
    """One article of each outlet ends with a wire sentence, printed alike (copied news:
    reported); another of each with a court formula whose weekday varies (a stock phrase: banal,
    hidden). One of each per outlet, so that neither is an outlet's template."""
    simulate(400, tmp_path / "s.jsonl", seed=4)
    rng = random.Random(1)
    out, seen = [], {}
    for line in (tmp_path / "s.jsonl").read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        k = seen[rec["outlet"]] = seen.get(rec["outlet"], -1) + 1
        if k == 0:
            rec["text"] += "\n\n" + _WIRE
        elif k == 1:
            rec["text"] += "\n\n" + _SLOTTED.format(day=rng.choice(_DAYS))
        out.append(json.dumps(rec) + "\n")
    corpus = tmp_path / "c.jsonl"
    corpus.write_text("".join(out), encoding="utf-8")
    with Store.open(tmp_path / "c.db") as store:
        ingest(store, [corpus])
        scan(store, ScanParams())
        every = query(store, include_banal=True)
    wire = [m for m in every if "northern rail line" in m.source_text]
    court = [m for m in every if "adjourned until" in m.source_text]
    assert len({m.target_id for m in court}) >= 25 and len({m.target_id for m in wire}) >= 25
    assert not [m for m in wire if m.banal or m.boilerplate]
    assert all(m.banal or m.boilerplate for m in court)


def test_a_shared_region_naming_its_own_people_is_not_banal() -> None:
    """A copied court sentence, "Daniel Hollins, 29, of Kingswood, Bristol, pleaded guilty at
    Bristol Crown Court on Monday": five of its nine trigrams are the court formula's, common;
    four name this case's defendant and town. Mostly common, but copied news (a user test's PA
    corpus hid all 21 copies of it as stock phrases). A formula with one rare trigram (a slot
    shared by chance) stays banal."""
    from tracer.banality import _Short
    from tracer.params import BanalParams

    common = np.array([1, 2, 3, 4, 5], dtype=np.uint64)
    trigrams = [1, 2, 3, 4, 5, 11, 12, 13, 14] + [1, 2, 3, 21]  # row 0: the case's; row 1: a formula
    row = np.array([0] * 9 + [1] * 4)
    found = _Short(np.array(trigrams, dtype=np.uint64).reshape(-1, 1), row, np.ones((13, 1), dtype=bool), 2)
    p = BanalParams()
    assert p.max_rare == 3
    assert found.banal(common, p.share, p.max_rare).tolist() == [False, True]
    assert found.banal(common, p.share, max_rare=4).tolist() == [True, True]  # the rule before
    with pytest.raises(ValueError, match="max_rare"):
        BanalParams(max_rare=-1)


def test_stock_phrases_of_a_small_simulated_corpus_are_not_reported(tmp_path: Path) -> None:
    """`tracer simulate --stock-phrases` at 1,000 articles: precision as on the default shape,
    the planted reuse still found."""
    simulate(1000, tmp_path / "s.jsonl", seed=2, stock_phrases=True)
    with Store.open(tmp_path / "s.db") as store:
        ingest(store, [tmp_path / "s.jsonl"])
        scan(store, ScanParams())
        spans = evaluate(store, tmp_path / "s.truth.json")["spans"]
    assert spans["precision"] >= 0.95
    assert spans["recall_target"] >= 0.95


def test_a_wire_story_in_every_sampled_article_is_not_learned_as_function_words() -> None:
    """The learned words come from the store's first articles: where all of them carry the same
    wire story, its words are still content words."""
    from tracer import frequent

    rng = random.Random(3)
    wire = (
        "Floodwater breached the Harwick embankment overnight forcing engineers to evacuate riverside homes."
    )
    words = [
        "".join(rng.choice("bcdfgklmnprstvz") + rng.choice("aeiou") for _ in range(3)) for _ in range(3000)
    ]
    texts = [
        " ".join(rng.choice(words) for _ in range(60))
        + ". "
        + wire
        + " "
        + " ".join(rng.choice(words) for _ in range(60))
        + "."
        for _ in range(300)
    ]
    learned = frequent.learn(texts, 0.3)
    assert not {"floodwater", "embankment", "engineers", "evacuate"} & set(learned)


@pytest.fixture(scope="module")
def edited_wire(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[str], list[Match]]:
    """400 papers, each printing the wire story with two words edited: the words learned from
    the first 300, and every match a scan finds, flagged ones included."""
    from tracer import frequent

    tmp_path = tmp_path_factory.mktemp("edited-wire")

    rng = random.Random(4)
    wire = (
        "Police said a man was arrested on Friday evening after a lorry overturned on the bypass "
        "near Harwick, closing both carriageways for six hours."
    ).split()
    edits = ["officers", "detectives", "Thursday", "vehicle", "truck", "road", "motorway"]
    words = [
        "".join(rng.choice("bcdfgklmnprstvz") + rng.choice("aeiou") for _ in range(3)) for _ in range(3000)
    ]
    records = []
    for i in range(400):
        copy = list(wire)
        for _ in range(2):
            copy[rng.randrange(len(copy))] = rng.choice(edits)
        filler = " ".join(rng.choice(words) for _ in range(60)).capitalize()
        text = f"{filler}. {' '.join(copy)} {filler[::-1].capitalize()}."
        records.append({"id": f"p{i}", "outlet": f"Paper {i}", "published": "2024-05-01", "text": text})
    learned = frequent.learn([r["text"] for r in records[:300]], 0.3)
    (tmp_path / "w.jsonl").write_text("\n".join(json.dumps(r) for r in records) + "\n")
    with Store.open(tmp_path / "w.db") as store:
        ingest(store, [tmp_path / "w.jsonl"])
        scan(store, ScanParams())
        return learned, query(store, include_boilerplate=True, include_banal=True)


def test_edited_copies_of_a_story_in_every_sampled_article_are_not_learned_either(
    edited_wire: tuple[list[str], list[Match]],
) -> None:
    """The copies differ, but they are one text, not the language's function words: its words
    stay content words and the copies are found (all of its words were learned, none found)."""
    learned, every = edited_wire
    assert not {"lorry", "overturned", "carriageways", "arrested"} & set(learned)
    assert len({m.source_id for m in every} | {m.target_id for m in every}) >= 390


@pytest.mark.xfail(
    strict=True,
    reason="banality counts 400 edited copies of one sentence as a phrase shared by 400 different "
    "sentences, as a stock phrase is: they are flagged banal (and hidden by default)",
)
def test_edited_copies_of_a_story_in_every_paper_are_reuse_not_banal(
    edited_wire: tuple[list[str], list[Match]],
) -> None:
    _, every = edited_wire
    assert not [m for m in every if m.boilerplate or m.banal]


def test_banal_pairs_do_not_depend_on_how_many_rows_are_read_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Near rows are judged a part at a time (memory grows with a part, not the corpus): a
    phrase common only across parts is still common, and the answer is the same for any part,
    whether the sentences' words are read once for all parts or again for each."""
    from tracer import matches
    from tracer.engine import sizes

    original = matches.banal_pairs
    answers: list[tuple[int, ...]] = []
    monkeypatch.setattr(sizes, "BANAL_ELSEWHERE", 0)  # judged in this process, a part at a time

    def both_ways(*args: Any, **kwargs: Any) -> np.ndarray:
        assert kwargs["words_at_once"] > 1000  # this corpus's words are read once for all parts
        whole = original(*args, **kwargs)
        parts = original(*args, **kwargs, rows_at_once=7)
        # The content words read again for each part, not taken from those read for all.
        read_again = original(*args, **{**kwargs, "words_at_once": 0}, rows_at_once=7)
        answers.append((len(args[2][0]), len(whole)))
        assert np.array_equal(whole, parts) and np.array_equal(whole, read_again)
        return whole

    monkeypatch.setattr(matches, "banal_pairs", both_ways)
    simulate(1000, tmp_path / "s.jsonl", seed=2, stock_phrases=True)
    with Store.open(tmp_path / "s.db") as store:
        ingest(store, [tmp_path / "s.jsonl"])
        scan(store, ScanParams())
    rows, banal = answers[0]
    assert rows > 7 * 10 and banal > 0  # many parts, and some pairs banal


def _not_sent(*_: Any) -> Any:
    raise AssertionError("no task should be sent")


def test_banal_pairs_judged_in_a_worker_are_those_judged_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A scan sends banality to workers (its texts read here, their words there) while it makes
    the pieces of matches: the workers' answer is this process's, part by part or not, in one
    task or split between several."""
    from tracer import matches
    from tracer.banality import banal_pairs
    from tracer.engine.local import LocalEngine

    sent: list[int] = []
    original = matches.banal_pairs_elsewhere

    def compared(
        store: Store, params: Any, near: Any, dup_norms: Any, where: Any, submit: Any, most: int, done: Any,
        tasks: int,
    ) -> Any:  # fmt: skip
        here = banal_pairs(store, params, near, dup_norms, where, rows_at_once=7, words_at_once=0)
        assert submit.__self__._forked  # a pool ran: the task goes to a worker forked for it
        # More sentences than a worker may read at once: judged here, nothing sent.
        refused = original(store, params, near, dup_norms, where, _not_sent, 10)
        assert np.array_equal(refused(), here)
        # Split between tasks or not, the rows' tallies joined give one answer.
        for n in (1, tasks, 3):
            answer = original(store, params, near, dup_norms, where, submit, most, done, n)()
            assert np.array_equal(answer, here)
        sent.append(len(answer))
        return lambda: answer

    monkeypatch.setattr(matches, "banal_pairs_elsewhere", compared)
    simulate(1000, tmp_path / "s.jsonl", seed=2, stock_phrases=True)
    with Store.open(tmp_path / "s.db") as store, LocalEngine(2, batch_size=50) as engine:
        ingest(store, [tmp_path / "s.jsonl"])
        scan(store, ScanParams(), engine=engine)
    assert sent and sent[0] > 0  # some pairs banal
