"""One detection per copied passage (issue 23, item 5) and the nearest source of a running
story (item 6)."""

from __future__ import annotations

from pathlib import Path

from tracer import provenance
from tracer.claims import Claim, Mention
from tracer.matches import Match, query
from tracer.pipeline import ingest
from tracer.scan import scan
from tracer.store import Store

A = "The harbour council approved the new dredging budget for the northern quay on Monday evening."
B = "Ministers said the dredging work would begin in the spring and last about eighteen months."
C = "Fishing crews had warned for years that silt was closing the channel to larger trawlers."
D = "A public inquiry into the cost overruns of the western breakwater will report in October."
FILLER = (
    "Local traders welcomed the news at a crowded meeting in the town hall. Several residents asked "
    "about noise. The mayor promised a newsletter."
)


def _matches(tmp_path: Path, source: str, target: str) -> list[Match]:
    texts = {
        "a.txt": f"date: 2024-03-01\n\nHarbour news\n\n{source}",
        "b.txt": f"date: 2024-03-04\n\nQuay report\n\n{target}",
    }
    for name, text in texts.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    with Store.open(tmp_path / "s.db") as s:
        ingest(s, [tmp_path / "a.txt", tmp_path / "b.txt"], outlet=None)
        scan(s)
        return query(s)


def test_a_verbatim_copy_cut_into_other_sentences_is_one_verbatim_match(tmp_path: Path):
    # Two sentences of the source printed as one: the same words, other sentence boundaries.
    joined = f"{A[:-1]}, {B[0].lower()}{B[1:]}"
    found = _matches(tmp_path, f"{FILLER}\n\n{A} {B}\n\n{C}", f"{D}\n\n{joined}\n\n{FILLER}")
    copied = [m for m in found if "dredging" in m.target_text]
    assert len(copied) == 1
    assert copied[0].kind == "verbatim"
    # (a copy cut inside a sentence is reported up to its last word)
    assert joined.startswith(copied[0].target_text) and len(copied[0].target_text) >= len(joined) - 1
    assert f"{A} {B}".startswith(copied[0].source_text) and len(copied[0].source_text) >= len(A + B)


def test_a_copied_passage_is_not_also_aligned_to_a_similar_sentence_elsewhere(tmp_path: Path):
    # The source says much of A again further down; the target copies A B C once.
    again = "Last year the harbour council approved the new dredging budget for the southern quay."
    found = _matches(tmp_path, f"{A} {B} {C}\n\n{FILLER}\n\n{again}", f"{FILLER}\n\n{A} {B} {C}")
    copied = [m for m in found if "dredging" in m.target_text]
    assert len(copied) == 1, [(m.source_span, m.target_span) for m in copied]
    assert copied[0].source_text == f"{A} {B} {C}" and copied[0].kind == "verbatim"


def test_a_copy_with_two_sentences_swapped_is_one_match(tmp_path: Path):
    found = _matches(tmp_path, f"{FILLER}\n\n{A} {B} {C} {D}", f"{A} {C} {B} {D}\n\n{FILLER}")
    copied = [m for m in found if "dredging" in m.target_text]
    assert len(copied) == 1
    assert copied[0].sentences == 4


def test_a_copy_across_a_skipped_short_sentence_and_a_cut_sentence_is_one_match(tmp_path: Path):
    # The target leaves out a short source sentence and starts in the middle of A, in a sentence
    # of its own words.
    short = "Nobody objected."
    cut = A[A.index("approved") :]
    lead = "Port officials speaking to reporters outside the terminal building confirmed that they"
    found = _matches(tmp_path, f"{FILLER}\n\n{A} {short} {B} {C}", f"{D} {lead} {cut} {B} {C}")
    copied = [m for m in found if "dredging" in m.target_text]
    assert len(copied) == 1
    assert copied[0].target_text == f"{cut} {B} {C}"


def test_a_running_story_echo_points_to_the_nearest_day_of_the_same_text():
    text = f"{A} {B}"
    members = [
        Mention("d1", 0, len(text), "Home Post", "2024-03-01", text),
        Mention("d3", 0, len(text), "Other Daily", "2024-03-03", text),
        Mention("d5", 0, len(text), "Third Times", "2024-03-05", text),
        Mention("d7", 0, len(text), "Home Post", "2024-03-07", text),
    ]
    prov = provenance.trace_claim(Claim("c", text, [], members), {})
    parents = {members[e.child].article_id: members[e.parent].article_id for e in prov.echoes}
    assert parents == {"d3": "d1", "d5": "d3", "d7": "d5"}


def test_copies_in_a_burst_still_point_to_the_first():
    text = f"{A} {B}"
    members = [Mention(f"w{i}", 0, len(text), f"o{i}", "2024-03-01", text) for i in range(5)]
    members.append(Mention("w9", 0, len(text), "o9", "2024-03-02", text))
    prov = provenance.trace_claim(Claim("c", text, [], members), {})
    assert {e.parent for e in prov.echoes} == {0}
