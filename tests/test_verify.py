"""Alignment of two sentences: the shared span, its score and kind."""

from __future__ import annotations

from tracer.text import fold, tokens
from tracer.verify import align


def _al(a: str, b: str):
    ta, tb = tokens(fold(a)), tokens(fold(b))
    return align(ta, tb), ta, tb


def test_light_edit_is_near_verbatim_over_whole_sentences():
    al, ta, tb = _al(
        "Photographs appear to show dark bruises on the inside of his left arm, a nurse said.",
        "Photographs appeared to show dark bruises on the inside of his arm, a former nurse said.",
    )
    assert al is not None and al.kind == "near-verbatim"
    assert (al.a_start, al.a_end, al.b_start, al.b_end) == (0, len(ta), 0, len(tb))
    assert 0.8 <= al.score < 1.0


def test_clause_inside_a_longer_sentence_is_partial_with_its_span():
    al, ta, tb = _al(
        "It comes as leaked documents allege that the President has early stage Parkinson's disease.",
        "Critics pointed out on Monday that leaked documents allege that the President has early stage "
        "Parkinson\u2019s disease, which officials in the capital have long denied without evidence.",
    )
    assert al is not None and al.kind == "partial"
    assert " ".join(tb[al.b_start : al.b_end]).startswith("leaked documents allege")
    assert tb[al.b_end - 1] == "disease"


def test_unrelated_sentences_do_not_align():
    al, _, _ = _al(
        "The mayor opened a new tram line in the city centre on Monday.",
        "Police recovered a stolen painting from a garage near the harbour.",
    )
    assert al is None


def test_a_shared_name_alone_is_not_reuse():
    al, _, _ = _al(
        "Chancellor Aldo Varek has been seen at the harbour.",
        "Chancellor Aldo Varek has been criticised by farmers.",
    )
    assert al is None


def test_align_either_way_does_not_depend_on_which_sentence_comes_first():
    from tracer.verify import align_either_way

    # Two equally long regions: "leaked ... cancer" from one side, "confirmed ... cancer" from the other.
    a = tokens(
        fold(
            "The twitches come after the Sun obtained leaked spy documents, seemingly confirming "
            "that he is suffering from early-stage Parkinson's disease and pancreatic cancer."
        )
    )
    b = tokens(fold("A source close to the president confirmed in leaked emails that he was suffering "
                    "from Parkinson's disease and pancreatic cancer, giving reason for his change."))  # fmt: skip
    ab, ba = align_either_way(a, b), align_either_way(b, a)
    assert ab is not None and ba is not None
    assert (ab.a_start, ab.a_end, ab.b_start, ab.b_end) == (ba.b_start, ba.b_end, ba.a_start, ba.a_end)
    assert ab.matched == ba.matched and ab.score == ba.score
    assert "leaked" in a[ab.a_start : ab.a_end] and "leaked" in b[ab.b_start : ab.b_end]  # the fuller region
