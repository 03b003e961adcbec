"""The fast paths give exactly what the straightforward code gave.

Each test runs a reference (the code as it was before it was made faster, or the same
function with its shortcuts turned off) and the fast code on many random inputs built to hit
the edge cases, and asks for identical results.
"""

from __future__ import annotations

import heapq
import random
from collections import defaultdict

import pytest
from rapidfuzz.distance import LCSseq

from tracer import attribution as attr
from tracer.attribution import Aliases
from tracer.claims import average_linkage
from tracer.params import VerifyParams
from tracer.provenance import _coded
from tracer.text import match_key
from tracer.verify import Alignment, align

from .reference import is_content

# --- verify.align ----------------------------------------------------------------------------


def _align_reference(a_tokens: list[str], b_tokens: list[str], p: VerifyParams) -> Alignment | None:
    ka = [match_key(t) for t in a_tokens]
    kb = [match_key(t) for t in b_tokens]
    blocks = [blk for blk in LCSseq.editops(ka, kb).as_matching_blocks() if blk.size]
    if not blocks:
        return None
    best: tuple[int, int, int, int] | None = None
    first = 0
    for i in range(1, len(blocks) + 1):
        if i < len(blocks):
            prev, cur = blocks[i - 1], blocks[i]
            if cur.a - (prev.a + prev.size) <= p.max_gap and cur.b - (prev.b + prev.size) <= p.max_gap:
                continue
        chain = blocks[first:i]
        matched = sum(blk.size for blk in chain)
        content = sum(1 for blk in chain for k in ka[blk.a : blk.a + blk.size] if is_content(k))
        if best is None or (content, matched) > (best[0], best[1]):
            best = (content, matched, first, i - 1)
        first = i
    assert best is not None
    content, matched, lo, hi = best
    start, end = blocks[lo], blocks[hi]
    a_start, a_end = start.a, end.a + end.size
    b_start, b_end = start.b, end.b + end.size
    score = 2 * matched / ((a_end - a_start) + (b_end - b_start))
    if matched < p.min_tokens or content < p.min_content or score < p.min_score:
        return None
    cover_a = (a_end - a_start) / len(ka)
    cover_b = (b_end - b_start) / len(kb)
    near = cover_a >= p.near_coverage and cover_b >= p.near_coverage and score >= p.near_score
    if near:
        a_start, a_end, b_start, b_end = 0, len(ka), 0, len(kb)
        score = 2 * matched / (len(ka) + len(kb))
    return Alignment(
        a_start, a_end, b_start, b_end, matched, round(score, 4), "near-verbatim" if near else "partial"
    )


_ALIGN_WORDS = (
    "the a of to said told minister denied deny denies denying report reports reported x y z 2024 "
    "it's parkinson's this thi s t one two"
).split()


def test_align_matches_the_reference() -> None:
    rng = random.Random(7)
    found = 0
    for _ in range(6000):
        a = [rng.choice(_ALIGN_WORDS) for _ in range(rng.randint(0, 30))]
        b = list(a)
        for _ in range(rng.randint(0, 12)):
            op = rng.random()
            if op < 0.3 and b:
                del b[rng.randrange(len(b))]
            elif op < 0.6:
                b.insert(rng.randint(0, len(b)), rng.choice(_ALIGN_WORDS))
            elif b:
                b[rng.randrange(len(b))] = rng.choice(_ALIGN_WORDS)
        if rng.random() < 0.3:
            b = [rng.choice(_ALIGN_WORDS) for _ in range(rng.randint(0, 30))]
        p = VerifyParams(
            max_gap=rng.randint(0, 5),
            min_tokens=rng.randint(1, 7),
            min_content=rng.randint(0, 5),
            min_score=rng.choice([0.0, 0.3, 0.5, 0.9]),
            near_coverage=rng.choice([0.5, 0.8, 1.0]),
            near_score=rng.choice([0.5, 0.8]),
        )
        for params in (p, VerifyParams()):
            want = _align_reference(a, b, params)
            assert align(a, b, params) == want, (a, b, params)
            found += want is not None
    assert found > 1000


# --- attribution: credit rules ----------------------------------------------------------------

_CREDIT_WORDS = (
    "The the Metro Ledger Daily Post Sun Times of on and & said says Said SAID SAYS claimed Claimed "
    "claims wrote writes stated has HAS have had previously first now Now can reveal revealed reveals "
    "reported reports Reported learned learnt understands obtained acquired seen by according to told "
    "speaking spoke in an interview with citing cited quoting he she Smith Mr Monday 2024 45 "
    "radaronline.com Express.co.uk foo.net x.com @golub Source: Sources: source a report in new Kyiv "
    "Independent Beacon Herald News OK! Mail\u2019s Sun's \u017faid publ\u0131shed \u0130stanbul "
    "KELVIN\u212a Ledger! - \u2014 ( ) , . \" ' unsaid resaid saidx (@golub) January 5, 2024 Getty "
    "Images mega"
).split()
_SEPARATORS = [" ", " ", " ", "  ", "\t", "\u00a0", "\n", "\n\n", ", ", ". ", "", "-", "'"]


def _random_text(rng: random.Random) -> str:
    return "".join(rng.choice(_CREDIT_WORDS) + rng.choice(_SEPARATORS) for _ in range(rng.randint(1, 60)))


def _rule_matches_reference(region, regex, hint, name_first):  # type: ignore[no-untyped-def]
    """The rule search with no shortcut: every verb from finditer, searched from _NAME_REACH back."""
    if not name_first:
        end = 0
        for h in hint.finditer(region):
            if h.start() < end:
                continue
            m = regex.match(region, h.start())
            if m is not None:
                end = m.end()
                yield m
        return
    seen = set()
    for h in hint.finditer(region):
        pos = max(0, h.start() - attr._NAME_REACH)
        m = regex.search(region, pos, h.end())
        while m is not None and m.end() != h.end():
            m = regex.search(region, m.end(), h.end())
        if m is not None and m.span() not in seen:
            seen.add(m.span())
            yield m


def test_rule_shortcuts_find_the_same_matches() -> None:
    rng = random.Random(11)
    hits = 0
    for _ in range(2500):
        text = _random_text(rng)
        lowered = text.lower()
        for (_, (regex, hint), name_first), cut in zip(attr._RULES, attr._SHORTCUTS, strict=True):
            want = [m.span() for m in _rule_matches_reference(text, regex, hint, name_first)]
            got = [m.span() for m in attr._rule_matches(text, regex, hint, name_first, cut, lowered)]
            assert got == want, text
            if want and cut.pre is not None:
                assert cut.pre.search(lowered) is not None, text
            hits += len(want)
    assert hits > 1000


def test_source_and_tweet_prefilters_are_necessary() -> None:
    rng = random.Random(5)
    for _ in range(3000):
        text = _random_text(rng)
        if attr._SOURCE.search(text):
            assert ":" in text and "ource" in text.lower(), text
        if attr._TWEET.search(text):
            assert "(@" in text, text


def test_resolve_cache_follows_table_changes() -> None:
    aliases = Aliases.default(["Metro Ledger"])
    assert aliases.resolve("the Ledger") == "Metro Ledger"
    assert aliases.resolve("Varek") is None
    aliases._add("Varek", "The Daily Beacon")
    assert aliases.resolve("Varek") == "The Daily Beacon"
    aliases._add_corpus("Evening Ledger")  # "the Ledger" now ends two corpus outlets
    fresh = Aliases.default(["Metro Ledger", "Evening Ledger"])
    assert aliases.resolve("the Ledger") == fresh.resolve("the Ledger")


# --- claims: average linkage --------------------------------------------------------------------


def _average_linkage_reference(
    n: int, links: dict[tuple[int, int], float], threshold: float
) -> list[list[int]]:
    members: dict[int, list[int]] = {i: [i] for i in range(n)}
    sums: dict[int, dict[int, float]] = defaultdict(dict)
    for (i, j), w in links.items():
        sums[i][j] = sums[i].get(j, 0.0) + w
        sums[j][i] = sums[j].get(i, 0.0) + w
    heap = [(-w, i, j) for (i, j), w in sorted(links.items())]
    heapq.heapify(heap)
    while heap:
        neg, i, j = heapq.heappop(heap)
        if i not in members or j not in members:
            continue
        avg = sums[i].get(j, 0.0) / (len(members[i]) * len(members[j]))
        if abs(avg + neg) > 1e-12:
            continue
        if avg < threshold:
            break
        keep, gone = (i, j) if len(members[i]) >= len(members[j]) else (j, i)
        members[keep].extend(members.pop(gone))
        for other, w in sums.pop(gone).items():
            sums[other].pop(gone, None)
            if other == keep:
                continue
            sums[keep][other] = sums[keep].get(other, 0.0) + w
            sums[other][keep] = sums[keep][other]
        for other, w in sorted(sums[keep].items()):
            avg2 = w / (len(members[keep]) * len(members[other]))
            heapq.heappush(heap, (-avg2, min(keep, other), max(keep, other)))
    return sorted((sorted(g) for g in members.values()), key=lambda g: g[0])


@pytest.mark.parametrize("seed", range(4))
def test_average_linkage_matches_the_reference(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(2000):
        n = rng.randint(1, 30)
        links: dict[tuple[int, int], float] = {}
        for _ in range(rng.randint(0, 80)):
            i, j = sorted((rng.randrange(n), rng.randrange(n)))
            if i != j:
                links[(i, j)] = rng.choice([0.5, 0.6, 0.75, 1.0, 0.3, rng.random()])
        threshold = rng.choice([0.0, 0.2, 0.3, 0.5, 0.7])
        assert average_linkage(n, dict(links), threshold) == _average_linkage_reference(n, links, threshold)


# --- provenance: coded key sequences -----------------------------------------------------------


def test_coded_keys_keep_lcs_lengths() -> None:
    rng = random.Random(3)
    words = [f"w{i}" for i in range(60)] + ["", "it's", "\ud800x"]
    for _ in range(500):
        seqs = [[rng.choice(words) for _ in range(rng.randint(0, 25))] for _ in range(rng.randint(1, 6))]
        coded = _coded(seqs)
        assert [len(c) for c in coded] == [len(s) for s in seqs]
        for x, cx in zip(seqs, coded, strict=True):
            for y, cy in zip(seqs, coded, strict=True):
                assert LCSseq.similarity(cx, cy) == LCSseq.similarity(x, y)
    # past the surrogate range: still one distinct character per distinct key
    big = [[str(i) for i in range(0xD800 + 10)]]
    assert len(set(_coded(big)[0])) == 0xD800 + 10


# --- candidates.jaccard_at_least -------------------------------------------------------------


@pytest.mark.parametrize("width,dtype", [(96, "uint8"), (248, "uint8"), (100, "uint8"), (32, "uint32")])
def test_jaccard_at_least_counts_equal_values_like_the_plain_comparison(width: int, dtype: str) -> None:
    import numpy as np

    from tracer.candidates import jaccard_at_least

    rng = np.random.default_rng(width)
    sigs = rng.integers(0, 4, (300, width)).astype(dtype)  # few values: many equal, all shares occur
    pairs = rng.integers(0, 300, (5000, 2))
    for threshold in (0.2, 0.25, 0.3, 0.5):
        share = (sigs[pairs[:, 0]] == sigs[pairs[:, 1]]).mean(axis=1)
        want = share >= threshold - 1e-12  # the exact share, as the threshold means it
        assert np.array_equal(jaccard_at_least(sigs, pairs, threshold, chunk=777), want)
        assert 0 < want.sum() < len(want)


# --- analyse.NormSet -----------------------------------------------------------------------------


def test_norm_set_contains_what_was_added() -> None:
    import numpy as np

    from tracer.analyse import NormSet

    rng = np.random.default_rng(4)
    start = rng.integers(-(2**62), 2**62, 3000)
    norms = NormSet(start)
    added = [start]
    for _ in range(30):
        query = np.concatenate((rng.integers(-(2**62), 2**62, 500), rng.choice(np.concatenate(added), 500)))
        assert np.array_equal(norms.contains(query), np.isin(query, np.concatenate(added)))
        fresh = query[~norms.contains(query)]
        norms.add(fresh)
        added.append(fresh)
    assert np.array_equal(norms.values(), np.unique(np.concatenate(added)))
    assert not NormSet(start[:0]).contains(start[:5]).any()


def test_norm_set_answers_exactly_when_ids_share_their_slots() -> None:
    # The slot bits only say "maybe": ids alike in their low bits (one slot) are told apart by
    # the search, and an id never added is never said to be in, as the set grows past its bits.
    import numpy as np

    from tracer.analyse import NormSet

    same_slot = np.arange(1, 4001, dtype=np.int64) << 40
    norms = NormSet(same_slot[::2])
    assert np.array_equal(norms.contains(same_slot), np.arange(4000) % 2 == 0)
    rng = np.random.default_rng(7)
    added = [same_slot[::2]]
    for _ in range(40):  # many doublings of the bits
        fresh = rng.integers(-(2**62), 2**62, 3000)
        fresh = fresh[~norms.contains(fresh)]
        norms.add(fresh)
        added.append(fresh)
    everything = np.concatenate(added)
    query = np.concatenate((everything[::7], same_slot[1::2], rng.integers(-(2**62), 2**62, 5000)))
    assert np.array_equal(norms.contains(query), np.isin(query, everything))


def test_norm_set_keeps_few_levels() -> None:
    # Levels fall geometrically in size: a lookup searches O(log n) arrays, not one per addition.
    import numpy as np

    from tracer.analyse import NormSet

    norms = NormSet(np.empty(0, dtype=np.int64))
    for k in range(2000):
        norms.add(np.arange(10 * k, 10 * k + 10))
        assert len(norms.levels) <= 2 * np.log2(k + 2) + 1
    assert np.array_equal(norms.values(), np.arange(20_000))


class _FakeStore:
    """Band keys and check bytes of a few units, with a check read that may fail."""

    def __init__(self, keys: list[list[int]], checks: list[list[int]], fail: bool = False) -> None:
        import numpy as np

        self.keys = np.array(keys, dtype=np.uint32)
        self.check_bytes = np.array(checks, dtype=np.uint8)
        self.fail = fail
        self.reads = 0

    def band_column(self, band: int):
        return self.keys[band]

    def checks(self, num_perm: int):
        self.reads += 1
        if self.fail:
            raise OSError("disk gone")
        return self.check_bytes


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("bands", [1, 3])
def test_late_checks_give_the_pairs_of_checks_read_first(threads: int, bands: int) -> None:
    """Check bytes read on the second band's call give the pairs they give read before; read once."""
    import numpy as np

    from tracer.candidates import banded_pairs, jaccard_at_least
    from tracer.scan import _LateChecks

    rng = np.random.default_rng(4)
    keys = rng.integers(0, 3, size=(bands, 40)).tolist()
    checks = rng.integers(0, 2, size=(40, 8)).tolist()
    store = _FakeStore(keys, checks)
    group = np.arange(40)
    is_new = np.ones(40, dtype=bool)
    late = _LateChecks(store, 8, bands)  # type: ignore[arg-type]
    got = banded_pairs(late.band_column, bands, group, is_new, 0, lambda p: late.accept(p, 0.6), threads)
    want = banded_pairs(
        store.band_column, bands, group, is_new, 0,
        lambda p: jaccard_at_least(store.check_bytes, p, 0.6), threads,
    )  # fmt: skip
    assert len(want) and np.array_equal(got, want)
    assert store.reads == 1


def test_late_checks_that_fail_release_the_waiting_threads() -> None:
    """A failed read raises its error in the caller; the band's thread does not wait forever."""
    import numpy as np

    from tracer.candidates import banded_pairs
    from tracer.scan import _LateChecks

    store = _FakeStore([[1, 1, 2, 2]] * 3, [[0] * 8] * 4, fail=True)
    late = _LateChecks(store, 8, 3)  # type: ignore[arg-type]
    with pytest.raises(OSError, match="disk gone"):
        banded_pairs(
            late.band_column, 3, np.arange(4), np.ones(4, dtype=bool), 0, lambda p: late.accept(p, 0.5), 2
        )


# --- attribution._window -----------------------------------------------------------------------


def test_credit_window_matches_the_reference() -> None:
    """The sentences around a span, found by bisection, are those a scan of every sentence finds:
    spans inside one sentence, across several, empty, in the whitespace between sentences,
    before the first and after the last."""
    from tracer.segment import split_sentences

    from .reference import window_reference

    rng = random.Random(7)
    words = ["Mr", "Varek", "said.", "The", "court", "heard", "it", "was", "over!", "Why?", "U.S.", "e.g."]
    checked = 0
    for _ in range(300):
        gaps = [" ", "  ", "\n", "\n\n", " \t "]
        text = "".join(rng.choice(words) + rng.choice(gaps) for _ in range(rng.randrange(0, 40)))
        text = rng.choice(["", "  ", "\n"]) + text
        sentences = split_sentences(text)
        for _ in range(30):
            a = rng.randrange(len(text) + 1)
            b = rng.choice([a, min(len(text), a + rng.randrange(1, 80))])
            for w in (0, 1, 2):
                want = window_reference(text, (a, b), w, sentences)
                assert attr._window(text, (a, b), w, sentences) == want, (text, a, b, w)
                checked += 1
    assert checked == 300 * 30 * 3


# --- provenance._trace -------------------------------------------------------------------------


def _random_claim(rng: random.Random, n: int):  # type: ignore[no-untyped-def]
    from tracer.attribution import Credit
    from tracer.claims import Claim, Mention

    texts = ["the minister said the plan was dead", "the minister said the plan is dead",
             "minister says plan dead", "the plan was dead the minister said on monday"]  # fmt: skip
    outlets = [None, "Metro Ledger", "The Daily Beacon", "Valley Post"]
    members, credits = [], {}
    for i in range(n):
        day = rng.choice([None, *range(1, 9)]) if rng.random() < 0.9 else None
        published = None if day is None else f"2024-03-{day:02d}T{rng.randrange(24):02d}:00:00"
        text = rng.choice(texts)
        members.append(Mention(f"a{rng.randrange(n)}", 0, len(text), rng.choice(outlets), published, text))
        if rng.random() < 0.3:
            name = rng.choice(outlets[1:])
            credits[i] = [Credit(name, "according to " + name, 0, 5, "according-to", False)]
    members.sort(key=lambda m: (m.published is None, m.published or ""))
    return Claim("c", texts[0], [], members), credits


@pytest.mark.parametrize("n", [2, 5, 30, 100])
def test_trace_scores_each_pair_of_texts_as_each_candidate_alone(n: int) -> None:
    """Scoring a pair of texts once for all copies of them chooses the parents, runners-up and
    scores that scoring each candidate on its own does (copies of few texts, in few outlets,
    some crediting one, some undated; over :data:`PARENT_CANDIDATES` members too)."""
    from tracer import provenance as pv
    from tracer.text import fold, tokens

    from .reference import parent_scores_reference

    rng = random.Random(n)
    for _ in range(40 if n < 100 else 8):
        claim, credits = _random_claim(rng, n)
        toks = [tokens(fold(m.text)) for m in claim.members]
        around = [m.text + " " + m.article_id for m in claim.members]
        prov = pv._trace(claim, credits, toks, pv._when, around)
        order = pv.credit_order(claim, credits, [pv._when(m.published) for m in claim.members])
        if order is not None:  # members of one hour put in the order of their credits
            assert prov.claim.members == [claim.members[i] for i in order]
            claim, toks, around = prov.claim, [toks[i] for i in order], [around[i] for i in order]
            credits = {new: credits[old] for new, old in enumerate(order) if old in credits}
        origin, echoes = parent_scores_reference(claim, credits, toks, pv._when, around)
        assert prov.origin == origin
        assert len(prov.echoes) == len(echoes)
        for echo, (child, best, runner) in zip(prov.echoes, echoes, strict=True):
            assert (echo.child, echo.parent, echo.credits_parent) == (child, best[2], best[5])
            assert echo.similarity == round(best[3], 3) and echo.containment == round(best[4], 3)
            assert echo.evidence.get("runner_up") == (claim.members[runner[2]].article_id if runner else None)
            assert echo.evidence.get("margin") == (round(best[0] - runner[0], 3) if runner else None)
