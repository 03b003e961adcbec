from __future__ import annotations

import pytest

from tracer.text import fold, match_key, tokens


@pytest.mark.parametrize(
    "text",
    [
        "Putin\u2019s \u201cearly-stage\u201d Parkinson\u2019s \u2014 \u0130stanbul",
        "Mykha\u00efl\u00f5 caf\u00e9\u00a0\u2026",
        "ABC def",
    ],
)
def test_fold_keeps_every_offset(text):
    assert len(fold(text)) == len(text)


def test_fold_unifies_quotes_dashes_case_and_accents():
    assert fold("Parkinson\u2019s \u201cX\u201d \u2013 Caf\u00e9") == 'parkinson\'s "x" - cafe'
    assert tokens(fold("early-stage Parkinson\u2019s")) == ["early", "stage", "parkinson's"]


def test_match_keys_bridge_inflections_and_possessives():
    assert match_key("denied") == match_key("deny")
    assert match_key("twitches") == match_key("twitch")
    assert match_key("putin's") == "putin"


def test_sequence_ids_are_per_sequence_and_tell_sequences_apart():
    import numpy as np

    from tracer.text import norm_id, sequence_ids, token_hash

    seqs = [["a"], ["a", "b"], ["b", "a"], ["a", "b", "c"], ["a", "b"], ["ab"], ["a", "a"]]
    flat = np.array([token_hash(t) for s in seqs for t in s], dtype=np.uint64)
    ids = sequence_ids(flat, np.array([len(s) for s in seqs])).tolist()
    assert ids == [norm_id(s) for s in seqs]  # a sequence's id does not depend on its neighbours
    assert ids[1] == ids[4]
    assert len(set(ids)) == 6  # everything else differs, order and splitting included
    assert len(sequence_ids(np.empty(0, dtype=np.uint64), np.empty(0, dtype=np.int64))) == 0
