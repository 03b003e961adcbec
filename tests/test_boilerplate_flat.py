"""Boilerplate in a flattened corpus: each article one line, so templates and promos are found
sentence by sentence (their wording, their recurrence, their shape), not line by line."""

from __future__ import annotations

import json
import random

import pytest

from tracer.matches import Match, query
from tracer.pipeline import run
from tracer.store import Store

from .old_schema import as_schema_7

_OUTLETS = ("Harbour Post", "Coast Daily", "Valley Herald", "Ridge Courier")
_WORDS = (
    "council budget river bridge school harvest tram station library museum ferry orchard festival "
    "clinic market tunnel stadium garden reservoir factory bakery quarry lighthouse airport canal "
    "forest cathedral theatre pier hospital vineyard meadow granary brewery foundry mill dock "
    "approved delayed funded repaired opened closed widened painted surveyed expanded inspected moved "
    "quietly slowly finally again early late twice nearly mostly partly"
).split()
_WIRE = [
    "Officials at the harbour authority confirmed the cargo ship ran aground before dawn on the rocks.",
    "Divers inspecting the hull found a long gash below the waterline near the engine room.",
    "The captain told investigators the radar had failed twenty minutes before the collision.",
]
_STORY = [
    "Residents of the old quarter were woken by the sound of the collapsing warehouse roof overnight.",
    "Firefighters said the blaze had started in a storage room full of paint and timber offcuts.",
    "Nobody was hurt but three neighbouring homes were evacuated as a precaution until morning.",
]


def _promo(outlet: str) -> str:
    return f"Sign up to the {outlet} newsletter for the morning briefing."


def _contact(outlet: str) -> str:
    """A template with a slot: every outlet prints it with its own name, none as a promo reads."""
    return f"Readers of the {outlet} can reach the newsroom through the contact page at any hour."


def _fillers(rng: random.Random, n: int) -> list[str]:
    return [" ".join(rng.choice(_WORDS) for _ in range(12)).capitalize() + "." for _ in range(n)]


def _articles() -> list[dict[str, str]]:
    """Four outlets, five articles each, every article one line: fillers with the outlet's promo
    inside the paragraph, its contact line in two articles, a wire passage that every outlet
    carries (two of them twice), and one outlet's story with two updates of it."""
    rng = random.Random(23)
    out = []
    for o, outlet in enumerate(_OUTLETS):
        for k in range(5):
            body = _fillers(rng, 3) + [_promo(outlet)] + _fillers(rng, 2)
            if k < 2:
                body.append(_contact(outlet))
            if k == 2 or (k == 3 and o < 2):
                body[1:1] = _WIRE
            if o == 0 and k >= 2:  # the story (k == 2), updated twice with a sentence more each time
                body[4:4] = _STORY + _fillers(rng, k - 2)
            out.append(
                {
                    "id": f"{outlet.split()[0].lower()}{k}",
                    "outlet": outlet,
                    "published": f"2024-03-0{k + 1}T0{o}:00:00",
                    "text": " ".join(body),
                }
            )
    return out


@pytest.fixture(scope="module")
def flat(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("flat")
    corpus = folder / "corpus.jsonl"
    articles = _articles()
    assert all("\n" not in a["text"] for a in articles)
    corpus.write_text("".join(json.dumps(a) + "\n" for a in articles), encoding="utf-8")
    s = Store.open(folder / "tracer.db")
    report, _ = run(s, [corpus])
    assert not report.problems
    yield s, {a["id"]: a["text"] for a in articles}
    s.close()


def _covers(s: Store, m: Match, sentence: str) -> bool:
    """Whether either side of the match overlaps ``sentence`` where its article prints it."""
    for art, (start, end) in ((m.source_id, m.source_span), (m.target_id, m.target_span)):
        pos = s.article(art).text.find(sentence)
        if pos >= 0 and start < pos + len(sentence) and pos < end:
            return True
    return False


def test_promo_inside_a_paragraph_is_not_reported(flat):
    s, _ = flat
    for m in query(s):
        for outlet in _OUTLETS:
            assert not _covers(s, m, _promo(outlet)), f"promo reported: {m.source_text!r}"


def test_template_with_the_outlets_name_in_a_slot_is_boilerplate(flat):
    s, _ = flat
    for m in query(s):
        for outlet in _OUTLETS:
            assert not _covers(s, m, _contact(outlet)), f"template reported: {m.source_text!r}"
    flagged = [
        m
        for m in query(s, include_boilerplate=True, scope="cross-outlet")
        if m.boilerplate and any(_covers(s, m, _contact(o)) for o in _OUTLETS)
    ]
    assert flagged, "the contact template should be kept as cross-outlet boilerplate"


def test_wire_passage_many_outlets_carry_is_reported(flat):
    s, texts = flat
    carriers = {i for i, t in texts.items() if _WIRE[0] in t}
    assert len(carriers) == 6
    found = [m for m in query(s, scope="cross-outlet") if all(_covers(s, m, w) for w in _WIRE)]
    pairs = {frozenset((m.source_id, m.target_id)) for m in found}
    assert all(not m.boilerplate for m in found)
    # Every pair of carriers from different outlets: 6 articles, 4 outlets, 2 outlets twice.
    assert len(pairs) == 15 - 2


def test_an_outlets_updates_of_its_story_stay_reuse(flat):
    s, _ = flat
    found = [m for m in query(s, scope="same-outlet") if all(_covers(s, m, x) for x in _STORY)]
    pairs = {frozenset((m.source_id, m.target_id)) for m in found}
    assert pairs == {
        frozenset(p) for p in (("harbour2", "harbour3"), ("harbour2", "harbour4"), ("harbour3", "harbour4"))
    }
    assert all(not m.boilerplate for m in found)


def test_schema_4_store_gets_the_sentence_flags_and_shapes_a_scan_gives(tmp_path):
    # Schema 4 stored a line's promo flag alone: opening such a store reads each sentence anew.
    import sqlite3

    import numpy as np

    from tracer.store import SCHEMA_VERSION, SENTENCE_DTYPE

    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("".join(json.dumps(a) + "\n" for a in _articles()), encoding="utf-8")
    db = tmp_path / "tracer.db"
    with Store.open(db) as s:
        assert not run(s, [corpus])[0].problems
        rows = s.sentences()
        found = [m.as_dict() for m in query(s)]
    assert (rows["promo"] >> 2).any() and (rows["promo"] & 1).any()
    conn = sqlite3.connect(db)
    as_schema_7(conn)
    for batch, blob in conn.execute("SELECT batch, rows FROM sentence_blocks").fetchall():
        old = np.frombuffer(blob, dtype=SENTENCE_DTYPE).copy()
        old["promo"] = 0  # no line of a flattened article is short enough to be a promo
        conn.execute("UPDATE sentence_blocks SET rows = ? WHERE batch = ?", (old.tobytes(), batch))
    conn.execute("UPDATE meta SET value = '4' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()
    with Store.open(db) as s:
        assert s.get_meta("schema_version") == str(SCHEMA_VERSION)
        assert np.array_equal(s.sentences(), rows)
        assert [m.as_dict() for m in query(s)] == found
