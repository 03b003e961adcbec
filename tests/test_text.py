from __future__ import annotations

import re

import numpy as np
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

    from tracer.text import sequence_ids, token_hash

    from .reference import norm_id

    seqs = [["a"], ["a", "b"], ["b", "a"], ["a", "b", "c"], ["a", "b"], ["ab"], ["a", "a"]]
    flat = np.array([token_hash(t) for s in seqs for t in s], dtype=np.uint64)
    ids = sequence_ids(flat, np.array([len(s) for s in seqs])).tolist()
    assert ids == [norm_id(s) for s in seqs]  # a sequence's id does not depend on its neighbours
    assert ids[1] == ids[4]
    assert len(set(ids)) == 6  # everything else differs, order and splitting included
    assert len(sequence_ids(np.empty(0, dtype=np.uint64), np.empty(0, dtype=np.int64))) == 0


def test_token_table_finds_what_the_token_regex_finds():
    import random

    from tracer.text import TOKEN_RE, token_table

    rng = random.Random(3)
    # Apostrophes inside and around words, accents, combining marks, CJK, other digits,
    # superscripts, astral characters, underscores, line breaks.
    alphabet = list(
        "ab'\u2019 _-.1\u00e9\u00df\u0301\u4e2d\u0663\u00b2\U0001f600\n\t x\u0130Z\u30ab\u30fb\uff76\u0915\u093f\u094d\u0e34"
    )
    for _ in range(3000):
        text = fold("".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))))
        starts, ends, keys = token_table(text)
        spans = [m.span() for m in TOKEN_RE.finditer(text)]
        assert list(zip(starts.tolist(), ends.tolist(), strict=True)) == spans
        assert tokens(text) == [text[s:e] for s, e in spans]
        assert tokens(text, 3, 20) == TOKEN_RE.findall(text, 3, 20)
        by_token: dict[str, int] = {}
        for (s, e), key in zip(spans, keys.tolist(), strict=True):
            assert by_token.setdefault(text[s:e], key) == key  # equal tokens, equal keys
    ascii_alphabet = list("ab'' _-.1\n\t\x1cxZ9,")
    for _ in range(3000):  # the ASCII fast path of tokens()
        text = "".join(rng.choice(ascii_alphabet) for _ in range(rng.randint(0, 40)))
        assert tokens(text) == TOKEN_RE.findall(text)
    _, _, keys = token_table("rock 'n' roll, don't rock")
    assert keys[0] == keys[-1] and len(set(keys.tolist())) == 4


def test_token_table_keys_are_the_polynomial_of_each_token_across_blocks(monkeypatch):
    """Keys from prefix sums equal each token's own hash, in texts of many blocks, with a
    token longer than a block, ASCII or not (a small block makes every case short)."""
    import random

    from tracer import text as text_module

    def expected(text: str, starts: np.ndarray, ends: np.ndarray) -> list[int]:
        out = []
        for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
            h = sum(ord(c) * pow(0x100000001B3, k, 1 << 64) for k, c in enumerate(text[s:e])) % (1 << 64)
            h ^= ((e - s) * 0x9E3779B97F4A7C15) % (1 << 64)
            out.append(int(text_module._fmix64(np.array([h], dtype=np.uint64))[0]))
        return out

    monkeypatch.setattr(text_module, "_KEY_BLOCK", 16)
    monkeypatch.setattr(text_module, "_power_cache", [])
    rng = random.Random(5)
    for alphabet in ("ab' 1.\n", "ab' 1.\n\u00e9\u4e2d"):
        for _ in range(300):
            words = [
                "".join(rng.choice(alphabet) for _ in range(rng.choice([1, 3, 9, 40]))) for _ in range(12)
            ]
            text = " ".join(words)
            starts, ends, keys = text_module.token_table(text)
            assert keys.tolist() == expected(text, starts, ends)
    _, _, keys = text_module.token_table("x" * 100 + " " + "y" * 17 + " x")
    assert len(set(keys.tolist())) == 3  # a token of 100 characters, longer than a block: its own tables


def test_vocabulary_ids_of_keys_give_each_tokens_hashes():
    from tracer.shingles import Vocabulary
    from tracer.signatures import hash32
    from tracer.text import STOPWORDS, token_hash, token_table

    vocabulary = Vocabulary()
    asked: list[str] = []
    for text in ["the cat's hat and the cat", "a new hat, the old cat", ""]:
        starts, ends, keys = token_table(text)

        def token(i, starts=starts, ends=ends, text=text):
            asked.append(text[starts[i] : ends[i]])
            return asked[-1]

        ids = vocabulary.ids_of_keys(keys, token)
        toks = tokens(text)
        assert [vocabulary.exact_hash[i] for i in ids] == [token_hash(t) for t in toks]
        assert [vocabulary.key_hash[i] for i in ids] == [hash32(match_key(t)) for t in toks]
        assert [vocabulary.is_stop[i] for i in ids] == [match_key(t) in STOPWORDS for t in toks]
    # Each distinct token's text was asked for once, over all calls.
    assert sorted(asked) == sorted(set(tokens("the cat's hat and the cat a new hat, the old cat")))


def test_line_ids_hash_the_tokens_of_each_line():
    import hashlib

    from tracer.text import _SEQ_BASE, _SEQ_LEN, _fmix64, line_ids, token_table

    from .reference import line_id

    def by_definition(line: str) -> int:
        keys = token_table(line)[2].tolist()
        if not keys:  # no token: the text, spacing collapsed
            digest = hashlib.blake2b(" ".join(line.split()).encode("utf-8"), digest_size=8).digest()
            return int.from_bytes(digest, "little", signed=True)
        h = sum(k * pow(int(_SEQ_BASE), i, 1 << 64) for i, k in enumerate(keys)) % (1 << 64)
        mixed = _fmix64(np.array([h ^ (len(keys) * int(_SEQ_LEN)) % (1 << 64)], dtype=np.uint64))
        return int(mixed.view(np.int64)[0])

    lines = [
        "a b",
        "a  b",
        "a\tb",
        "caf\u00e9 au lait",
        "the kremlin denies it.",
        "don't",
        "***",
        "* * *",
        "-",
        "",
    ]
    lines += ["word " * 300, "a\u2003b", "\x1c"]
    for line in lines:
        assert line_id(line) == by_definition(line), repr(line)
    # Spacing and punctuation aside, the tokens decide; a line without tokens goes by its text.
    assert line_id("a  b") == line_id("a b") == line_id("a\tb") == line_id("a, b!") != line_id("b a")
    assert line_id("***") == line_id("***") != line_id("* * *") == line_id("*  *  *")
    # Stored ids must not change between versions (a store compares new lines with old ones).
    assert line_id("the kremlin denies it.") == 2089498870419712103
    # Among other lines, a line gets the id it has alone.
    text = "\n".join(lines[:-3]) + "\nna\u00efve caf\u00e9\n"
    starts, ends, keys = token_table(text)
    spans = [(a, b) for a, b in ((m.start(), m.end()) for m in re.finditer(r"[^\n]+", text))]
    got = line_ids(text, np.array([a for a, _ in spans]), np.array([b for _, b in spans]), starts, keys)
    assert got.tolist() == [line_id(text[a:b]) for a, b in spans]


def test_fold_joined_is_each_text_folded_and_where_it_starts():
    from tracer.text import fold, fold_joined

    texts = ["Putin’s FEET", "", "Ärzte sagen „nein“.", "plain ascii", "𝔘nicode Ǆ"]
    joined, starts = fold_joined(texts)
    assert joined == "\n".join(fold(t) for t in texts)
    for t, s in zip(texts, starts.tolist(), strict=True):
        assert joined[s : s + len(t)] == fold(t)
    empty, no_starts = fold_joined([])
    assert empty == "" and len(no_starts) == 0


def test_vowel_signs_are_part_of_their_word() -> None:
    # Indic scripts write vowels as combining marks: "परिषद" is one word, not "पर" and "षद". Latin
    # accents written apart stay as they were: "cafe\u0301" matches "café" (folded "cafe").
    assert tokens(fold("नगर परिषद ने सोमवार को फैसला किया।")) == [
        "नगर",
        "परिषद",
        "ने",
        "सोमवार",
        "को",
        "फैसला",
        "किया",
    ]
    assert tokens(fold("মানুষ খুশি ภาษาไทย")) == ["মানুষ", "খুশি", "ภาษาไทย"]
    assert tokens(fold("cafe\u0301 noir")) == tokens(fold("café noir")) == ["cafe", "noir"]
    assert tokens(fold("\u093fstart 中\u093f")) == ["start", "中"]  # a sign after no letter, after a CJK one
