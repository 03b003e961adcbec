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
