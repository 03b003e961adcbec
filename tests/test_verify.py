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
    from .reference import align_either_way

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


# --- keys coded one character each -------------------------------------------------------------

_WORDS = (
    "the a of leaked spy documents say putin has early-stage parkinson's disease and pancreatic "
    "cancer kremlin denies it don't rock 'n' roll über straße ﬁne ǅemal 𝔘nicode naïve café 2022 "
    "twitching feet track marks on back his hands"
).split()


def _random_texts(rng, n: int) -> list[str]:
    seps = [" ", "  ", ", ", ". ", "\u00a0", " - ", "'", "\n"]
    out = []
    for _ in range(n):
        k = rng.randrange(0, 30)
        words = [
            rng.choice(_WORDS).capitalize() if rng.random() < 0.2 else rng.choice(_WORDS) for _ in range(k)
        ]
        out.append("".join(w + rng.choice(seps) for w in words))
    return out


def _decoded(prepared):
    from tracer import verify

    key_of = {c: k for k, c in verify.key_codes.of_key.items()}
    keys, content, stops_before = prepared
    return [key_of[c] for c in keys], [key_of[c] for c in content], stops_before


def test_prepare_texts_is_prepare_of_each_sentence():
    import random

    from tracer.verify import prepare, prepare_keys, prepare_texts

    for texts in ({}, {1: ""}, {1: "...", 2: " "}):  # no token at all
        got = prepare_texts(texts)
        assert {k: _decoded(v) for k, v in got.items()} == {k: ([], [], [0]) for k in texts}
    rng = random.Random(5)
    for round_ in range(20):
        texts = dict(enumerate(_random_texts(rng, rng.randrange(0, 40))))
        texts[-1] = ""
        texts[-2] = "...  ,"
        got = prepare_texts(texts)
        assert list(got) == list(texts)
        for k, t in texts.items():
            toks = tokens(fold(t))
            assert _decoded(got[k]) == prepare_keys(toks), (round_, t)
            assert got[k] == prepare(toks)  # one numbering: the same characters


def _edited(rng, words: list[str], edits: int) -> list[str]:
    """A copy of ``words`` with ``edits`` random edits: a word swapped, dropped or inserted."""
    out = list(words)
    for _ in range(edits):
        i = rng.randrange(len(out) + 1)
        op = rng.random()
        if op < 0.4 and i < len(out):
            out[i] = rng.choice(_WORDS)
        elif op < 0.7 and i < len(out):
            del out[i]
        else:
            out.insert(i, rng.choice(_WORDS))
    return out


def test_keys_as_characters_and_as_lists_align_alike():
    import random

    from tracer.params import VerifyParams
    from tracer.verify import align_prepared, prepare, prepare_keys

    rng = random.Random(11)
    p = VerifyParams()
    found = 0
    for _ in range(400):
        a = [rng.choice(_WORDS) for _ in range(rng.randrange(3, 25))]
        b = _edited(rng, a, rng.randrange(0, 6))
        coded = align_prepared(prepare(a), prepare(b), p)
        assert coded == align_prepared(prepare_keys(a), prepare_keys(b), p)
        found += coded is not None
    assert found > 100
    # The longest shared run is stopwords and one content word; the second content word they
    # share is too far from it: no region has two content words, as characters or as lists.
    a = "putin the of and on his it was the of and red green blue cyan pink gold kremlin".split()
    b = "putin the of and on his it was the of and oak elm ash fir yew box kremlin".split()
    two = VerifyParams(min_content=2)
    for prep in (prepare, prepare_keys):
        assert align_prepared(prep(a), prep(b), two) is None
        assert align_prepared(prep(a), prep(b), VerifyParams(min_content=1)) is not None


def test_verify_pairs_is_the_same_however_the_keys_are_numbered(monkeypatch):
    import random

    from tracer import verify
    from tracer.params import VerifyParams
    from tracer.text import TokensOnDemand
    from tracer.verify import verify_pairs

    rng = random.Random(3)
    base = _random_texts(rng, 30)
    texts = {}
    for k in range(120):  # sentences derived from a few others, so that many pairs align
        words = base[k % 30].split(" ")
        for _ in range(rng.randrange(0, 3)):
            words[rng.randrange(len(words))] = rng.choice(_WORDS)
        texts[k] = " ".join(words)
    pairs = [[a, b] for a in range(120) for b in range(a + 1, 120) if a % 30 == b % 30 or rng.random() < 0.02]
    p = VerifyParams()
    by_tokens = {k: tokens(fold(t)) for k, t in texts.items()}
    expected = verify_pairs(pairs, by_tokens, p)
    assert len(expected) > 50
    assert verify_pairs(pairs, TokensOnDemand(texts), p) == expected
    distinct = len({t for toks in by_tokens.values() for t in toks})
    # Numbering restarted before a batch, between pairs and within them; past the limit a batch
    # is prepared one by one and a long sentence as lists.
    for limit in (distinct + 5, 12):
        monkeypatch.setattr(verify._Codes, "LIMIT", limit)
        verify.key_codes.reset()
        start = verify.key_codes.generation
        assert verify_pairs(pairs, by_tokens, p) == expected
        assert verify_pairs(pairs, TokensOnDemand(texts), p) == expected
        assert verify.key_codes.generation > start
    assert verify.prepare_texts(texts) == {}  # more distinct tokens than 12
    assert isinstance(verify.prepare(by_tokens[0] * 13)[0], list)


def test_a_sentence_too_long_to_number_aligns_as_lists(monkeypatch):
    from tracer import verify
    from tracer.params import VerifyParams
    from tracer.verify import verify_pairs

    long = "leaked spy documents say putin has early stage parkinson's disease and pancreatic cancer".split()
    by_tokens = {1: long * 2, 2: long[:9]}  # 26 tokens and 9
    expected = verify_pairs([[1, 2]], by_tokens, VerifyParams())
    assert len(expected) == 1
    monkeypatch.setattr(verify._Codes, "LIMIT", 20)
    verify.key_codes.reset()
    assert verify_pairs([[1, 2]], by_tokens, VerifyParams()) == expected


def test_may_share_many_is_may_share_of_each_pair():
    import random

    from tracer.params import VerifyParams
    from tracer.verify import _may_share, may_share_many, prepare, prepare_keys

    rng = random.Random(2)
    sentences = [[rng.choice(_WORDS) for _ in range(rng.randrange(0, 20))] for _ in range(300)]
    for prep in (prepare, prepare_keys):
        contents = [prep(s)[1] for s in sentences]
        a, b = contents[:150], contents[150:]
        for p in (VerifyParams(), VerifyParams(min_content=2), VerifyParams(min_content=0)):
            got = may_share_many(a, b, p)
            assert got.tolist() == [_may_share(x, y, p) for x, y in zip(a, b, strict=True)]
            assert 0 < got.sum() < len(got) or p.min_content == 0
    assert may_share_many([], [], VerifyParams()).tolist() == []


def test_a_whole_copy_aligned_one_way_is_what_both_ways_find():
    # _best_region aligns a pair the other way round only where this way's region may not be
    # the best: never when the whole sentences match in one chain holding every common word.
    import random

    from rapidfuzz.distance import LCSseq

    from tracer.params import VerifyParams
    from tracer.verify import NEAR, _align_keys, _best_region, _may_share, prepare

    def both_ways(a, b, p):
        if not _may_share(a[1], b[1], p):
            return None
        forward, back = _align_keys(a, b, p), _align_keys(b, a, p)
        found = [(*forward[:7], True)] if forward is not None else []
        if back is not None:
            found.append((back[2], back[3], back[0], back[1], *back[4:7], False))
        best = max(found, key=lambda x: (x[4], x[1] - x[0] + x[3] - x[2], x[5], x[7]), default=None)
        return None if best is None else best[:7]

    rng = random.Random(5)
    p = VerifyParams()
    shortcut = 0
    for _ in range(2000):
        a = [rng.choice(_WORDS) for _ in range(rng.randrange(3, 30))]
        b = _edited(rng, a, rng.randrange(0, 4))
        pa, pb = prepare(a), prepare(b)
        for x, y in ((pa, pb), (pb, pa)):
            found = _align_keys(x, y, p)
            if found is not None:
                assert found[7] == LCSseq.similarity(x[0], y[0])  # every common word counted
        got = _best_region(pa, pb, p)
        forward = _align_keys(pa, pb, p)
        shortcut += forward is not None and forward[6] == NEAR and forward[4] == forward[7]
        assert got == both_ways(pa, pb, p)
    assert shortcut > 500
    # Near-verbatim this way, but not every common word in its chain: the other way finds more.
    a = (
        "of his putin twitching cancer disease it don't putin twitching documents kremlin and rock "
        "feet denies kremlin feet early-stage his his on early-stage leaked his say a roll the "
        "documents kremlin spy hands rock marks"
    ).split()
    b = a[:3] + "rock early-stage cancer say on twitching of".split() + a[5:23] + ["say"] + a[24:]
    pa, pb = prepare(a), prepare(b)
    forward = _align_keys(pa, pb, p)
    assert forward[6] == NEAR and forward[4] < forward[7]
    assert _best_region(pa, pb, p) == both_ways(pa, pb, p) != forward[:7]
