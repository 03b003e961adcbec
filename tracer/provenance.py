"""Provenance: for each claim, its origin and who copied whom, with the evidence.

Each member of a claim gets one parent among the members before it (by publication
date, then a fixed order), which makes a propagation tree. With edges only going
forward in time, choosing each member's best parent independently is already the
maximum-weight arborescence, so no global optimisation is needed. A parent is
scored on
- textual closeness (a copy is closest to what it copied: an echo of an edited echo
  is closer to the edit than to the origin),
- containment (the fuller version tends to be upstream),
- explicit credit (the child names the parent's outlet),
- the same outlet (outlets reuse their own copy), a small nudge;
among dated candidates of the closest text, the nearest (the first in a burst of copies: a
wire story). Members without a date are placed by text alone and flagged.
"""

from __future__ import annotations

import bisect
import functools
import heapq
import itertools
import json
from collections import Counter, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar

import numpy as np
from rapidfuzz.distance import LCSseq

from .attribution import Aliases, Credit, SentenceBounds, article_credits, article_ends, find_credits
from .claims import Claim, ClaimsStart, Mention, claim_order, claim_terms, claims_unsorted
from .dates import utc_naive
from .engine import sizes
from .model import outlet_label
from .params import ClaimParams
from .segment import split_many
from .store import Store
from .text import fold, tokens

if TYPE_CHECKING:
    from .engine import Engine

T = TypeVar("T")

W_SIMILARITY, W_CONTAINMENT, W_CREDIT, W_SAME_OUTLET = 1.0, 0.3, 0.5, 0.05
# A member with more earlier members than this is compared with some of them only: the origin,
# the NEAREST latest, and the earliest of its own text, of its outlet, of its text in its
# outlet and likewise in each outlet it credits (the ones that win when texts are the same).
# Comparing with all is quadratic: a wire story in 10^4 papers made 5x10^7 comparisons.
PARENT_CANDIDATES = 64
NEAREST = 16
# Sentences either side of a reused span searched for a credit, within its paragraph: news
# often puts the credit a sentence or two after the copied one ("The records were
# obtained by ..."), while a credit in another paragraph usually belongs to another claim.
CREDIT_WINDOW = 2
# Characters of a member's paragraph either side of it that tell carriers of its words apart.
CONTEXT_CHARS = 400


@dataclass(slots=True)  # one per claim member but the origin: millions at 10^6 simulated articles
class Echo:
    """Member ``child`` of a claim copied (most likely) from member ``parent``."""

    parent: int
    child: int
    lag_days: float | None
    similarity: float
    containment: float
    credited: bool
    credits_parent: bool
    confidence: float
    evidence: dict[str, object]


@dataclass(slots=True)
class Provenance:
    claim: Claim
    origin: int
    echoes: list[Echo] = field(default_factory=list)
    credits: dict[int, list[Credit]] = field(default_factory=dict)


def _when(published: str | None) -> datetime | None:
    # In UTC, not the machine's zone; a date no datetime can hold (a store of an older version)
    # counts as unknown.
    return utc_naive(published)


def lag_days(parent: str | None, child: str | None) -> float | None:
    return _lag(_when(parent), _when(child))


def _lag(a: datetime | None, b: datetime | None) -> float | None:
    return None if a is None or b is None else round((b - a).total_seconds() / 86400, 3)


def paragraph(text: str, start: int, end: int) -> tuple[int, int]:
    """Bounds of the paragraph(s) holding ``[start, end)``: paragraphs end at blank lines
    ("\n\n" or "\n\r\n"). For many spans of one text, :class:`Paragraphs` finds them once."""
    return Paragraphs(text).bounds(start, end)


class Paragraphs:
    """The paragraph bounds of spans of one text: its blank lines are found once (a flattened
    article is one paragraph, which a search per span read whole, both ways, twice)."""

    def __init__(self, text: str) -> None:
        self.size = len(text)
        self.lf = _all(text, "\n\n")
        self.crlf = _all(text, "\n\r\n")

    def bounds(self, start: int, end: int) -> tuple[int, int]:
        """Bounds of the paragraph(s) holding ``[start, end)``."""
        lo = -1
        for found, width in ((self.lf, 2), (self.crlf, 3)):
            k = bisect.bisect_right(found, start - width)  # (the break must end by ``start``)
            if k:
                lo = max(lo, found[k - 1])
        hi = self.size
        for found in (self.lf, self.crlf):
            k = bisect.bisect_left(found, end)
            if k < len(found):
                hi = min(hi, found[k])
        return max(lo, 0), hi


def _all(text: str, sub: str) -> list[int]:
    """Every index of ``sub`` in ``text``, overlapping ones included, in order."""
    out = []
    i = text.find(sub)
    while i >= 0:
        out.append(i)
        i = text.find(sub, i + 1)
    return out


def trace_claim(claim: Claim, credits: dict[int, list[Credit]]) -> Provenance:
    """Origin and parents of one claim's members (members are sorted by date, undated last)."""
    return _trace(claim, credits, [tokens(fold(m.text)) for m in claim.members])


def _trace(
    claim: Claim,
    credits: dict[int, list[Credit]],
    member_tokens: list[list[str]],
    parse: Callable[[str | None], datetime | None] = _when,
    around: list[str] | None = None,
) -> Provenance:
    """:func:`trace_claim`, given the tokens of each member's folded text (``parse``: :func:`_when`,
    or a cache of it; ``around``: each member's text with its paragraph's around it, which
    tells apart carriers of the same words by the rest of the passage they copied).

    Members published at the same time (the same day, where dates have no time) or both
    undated are put in the order their credits give first (:func:`credit_order`): the
    provenance's claim has its members in that order, which its indices refer to."""
    when = [parse(m.published) for m in claim.members]
    order = credit_order(claim, credits, when)
    if order is not None:
        claim = replace(
            claim, members=[claim.members[i] for i in order], canonical=order.index(claim.canonical)
        )
        credits = {new: credits[old] for new, old in enumerate(order) if old in credits}
        member_tokens = [member_tokens[i] for i in order]
        when = [when[i] for i in order]
        around = None if around is None else [around[i] for i in order]
    return _traced_in_order(claim, credits, member_tokens, when, around)


def credit_order(
    claim: Claim, credits: dict[int, list[Credit]], when: list[datetime | None]
) -> list[int] | None:
    """The members' order with, among those published at the same time or undated, a member
    whose outlet another credits before that one ("According to Le Monde, ..."): a day's
    papers otherwise came in the order of their article ids, and the paper naming its source
    could be made that source's origin. ``None`` where the order does not change.

    Ties are kept in their order otherwise; a loop of credits is broken at its first member.
    """
    members = claim.members
    named = _named_outlets(members, credits)
    if not named:
        return None
    order: list[int] = []
    lo = 0
    while lo < len(members):
        hi = lo + 1
        while hi < len(members) and when[hi] == when[lo]:
            hi += 1
        order += _credited_first(range(lo, hi), [m.outlet for m in members], named)
        lo = hi
    return None if order == list(range(len(members))) else order


def _named_outlets(members: list[Mention], credits: dict[int, list[Credit]]) -> dict[int, set[str]]:
    """Each member crediting other outlets of the claim, with those outlets (its own left out)."""
    outlets = {m.outlet for m in members if m.outlet is not None}
    named = {
        i: {c.outlet for c in found if c.outlet in outlets} - {members[i].outlet}
        for i, found in credits.items()
    }
    return {i: names for i, names in named.items() if names}


def _credited_first(tied: range, outlets: list[str | None], named: dict[int, set[str]]) -> list[int]:
    """``tied`` members, each after a member of every outlet it names that is among them, the
    first of the others first (a loop is broken at its first member)."""
    present = {outlets[i] for i in tied}
    waits = {i: named[i] & present for i in tied if named.get(i)}
    waits = {i: names for i, names in waits.items() if names}
    if not waits:
        return list(tied)
    waiting_on: dict[str | None, list[int]] = {}
    for i, names in waits.items():
        for name in names:
            waiting_on.setdefault(name, []).append(i)
    ready = [i for i in tied if i not in waits]
    heapq.heapify(ready)
    placed: list[int] = []
    done: set[int] = set()
    seen_outlets: set[str | None] = set()
    rest = iter(tied)
    while len(placed) < len(tied):
        if ready:
            i = heapq.heappop(ready)
        else:  # a loop: its first member goes first
            i = next(k for k in rest if k not in done)
        done.add(i)
        placed.append(i)
        if outlets[i] in seen_outlets:
            continue
        seen_outlets.add(outlets[i])
        for k in waiting_on.get(outlets[i], []):
            waits[k].discard(outlets[i])
            if not waits[k] and k not in done:
                heapq.heappush(ready, k)
    return placed


def _traced_in_order(
    claim: Claim,
    credits: dict[int, list[Credit]],
    member_tokens: list[list[str]],
    when: list[datetime | None],
    around: list[str] | None,
) -> Provenance:
    """:func:`_trace` of members in their final order (``when``: their parsed dates)."""
    members = claim.members
    # Exact words, not match keys: "appear" -> "appeared" is the kind of edit that tells
    # an echo of an edited copy from an echo of the original.
    keys = _coded([[t.replace("'", "") for t in toks] for toks in member_tokens])
    lengths = [len(k) for k in keys]
    text_number: dict[str, int] = {}
    text_ids = [text_number.setdefault(k, len(text_number)) for k in keys]
    # (parent's text, child's text, credits parent, same outlet) -> score, similarity,
    # containment, score on the text alone
    scores: dict[tuple[int, int, bool, bool], tuple[float, float, float, float]] = {}
    outlets = [m.outlet for m in members]
    similarity = LCSseq.similarity
    dated = [i for i, w in enumerate(when) if w is not None]
    is_dated = set(dated)
    origin = dated[0] if dated else _fullest(keys, _naming_none(members, credits))
    prov = Provenance(claim, origin, credits=credits)
    firsts = _Firsts(keys, outlets) if len(members) > PARENT_CANDIDATES else None
    articles = [m.article_id for m in members]
    for child in range(len(members)):
        if articles[child] == articles[origin]:
            continue  # the origin itself, or another span of its article: an article never echoes itself
        cm = members[child]
        date_known = when[child] is not None
        dated_before = bisect.bisect_left(dated, child)
        # strictly earlier, or same date but earlier in the fixed order (never a cycle); undated:
        # any dated member, or an undated one before it
        eligible = dated_before if date_known else len(dated) - (child in is_dated) + child - dated_before
        if eligible > PARENT_CANDIDATES:
            assert firsts is not None
            candidates = firsts.some(
                child, dated, dated_before, date_known, is_dated, origin, credits.get(child, [])
            )
        elif date_known:
            candidates = dated[:dated_before]
        else:
            candidates = [i for i in range(len(members)) if i != child and (i in is_dated or i < child)]
        # Another span of the child's own article is no parent; the origin (another article) always is.
        candidates = [c for c in candidates if articles[c] != articles[child]] or [origin]
        credited_outlets = {c.outlet for c in credits.get(child, [])}
        child_keys = keys[child]
        n_child = len(child_keys)
        per_child = max(n_child, 1)
        child_outlet = cm.outlet
        # Every candidate's score; the best and the runner-up as the first two sorted in
        # reverse (no two are equal: the second field is unique), once ties are settled.
        scored: list[tuple[float, int, int, float, float, bool]] = []
        texts: list[float] = []  # each candidate's score on its text alone (and credit)
        child_text = text_ids[child]
        for k, cand in enumerate(candidates):
            outlet = outlets[cand]
            names_parent = outlet is not None and outlet in credited_outlets
            same = outlet is not None and outlet == child_outlet
            # A score depends on the two texts and these two flags only: copies share texts.
            pair = (text_ids[cand], child_text, names_parent, same)
            found = scores.get(pair)
            if found is None:
                lcs = similarity(keys[cand], child_keys)
                sim = 2 * lcs / max(lengths[cand] + n_child, 1)
                contain = lcs / per_child
                text = W_SIMILARITY * sim + W_CONTAINMENT * contain + W_CREDIT * names_parent
                alone = round(text, 6)
                found = (round(text + W_SAME_OUTLET, 6) if same else alone, sim, contain, alone)
                scores[pair] = found
            scored.append((found[0], -k, cand, found[1], found[2], names_parent))
            texts.append(found[3])
        if date_known and len(scored) > 1:
            scored = _nearest_of_alike(scored, texts, when, around or [m.text for m in members], child)
        scored.sort(reverse=True)
        best, runner = scored[0], (scored[1] if len(scored) > 1 else None)
        assert best is not None
        margin = best[0] - runner[0] if runner else best[0]
        confidence = 0.5 + 0.5 * min(1.0, margin / 0.3) if runner else 0.9
        if not date_known:
            confidence *= 0.6
        parent = best[2]
        evidence: dict[str, object] = {
            "similarity": round(best[3], 3),
            "containment": round(best[4], 3),
            "credits_parent": best[5],
            "date_known": date_known,
            "candidates": max(eligible, 1),
        }
        if runner:
            evidence["runner_up"] = members[runner[2]].article_id
            evidence["margin"] = round(margin, 3)
        prov.echoes.append(
            Echo(
                parent=parent,
                child=child,
                lag_days=_lag(when[parent], when[child]),
                similarity=round(best[3], 3),
                containment=round(best[4], 3),
                credited=bool(credits.get(child)),
                credits_parent=best[5],
                confidence=round(confidence, 3),
                evidence=evidence,
            )
        )
    return prov


def _nearest_of_alike(
    scored: list[tuple[float, int, int, float, float, bool]],
    texts: list[float],
    when: list[datetime | None],
    raw: list[str],
    child: int,
) -> list[tuple[float, int, int, float, float, bool]]:
    """``scored`` with the nearest of the dated candidates whose text is the closest (in words,
    then in characters: ``raw`` texts) raised above the others (its score that of the best, its order ``-k`` above theirs), where they
    are spread out in time (a running story, printed again day after day); as it is where
    they come in a burst (a wire story and its copies: more carriers than days), whose first
    is the source."""
    top = max(texts)
    if texts.count(top) < 2:  # one closest text: nothing to choose among (and no dict to build)
        return scored
    day = {i: d for i, t in enumerate(texts) if t == top and (d := when[scored[i][2]]) is not None}
    if len(day) < 2:
        return scored
    span = (max(day.values()) - min(day.values())).total_seconds() / 86400
    if len(day) > span + 1:  # a burst: scored as they are (the first of the outlet, else of all)
        return scored
    # The same words: the closest text around them first (the rest of the copied passage,
    # quotes and apostrophes as printed).
    chars = {i: LCSseq.similarity(raw[scored[i][2]], raw[child]) for i in day}
    pick = max(day, key=lambda i: (chars[i], day[i], scored[i][1]))
    best = max(e[0] for e in scored)
    out = list(scored)
    out[pick] = (best, len(scored), *scored[pick][2:])
    return out


class _Firsts:
    """The first member (in the claim's order) of each text, outlet, and text in an outlet: where
    a member with many earlier ones looks for its likeliest parents (:data:`PARENT_CANDIDATES`)."""

    def __init__(self, keys: list[str], outlets: list[str | None]) -> None:
        self.keys, self.outlets = keys, outlets
        self.text: dict[str, int] = {}
        self.outlet: dict[str | None, int] = {}
        self.both: dict[tuple[str, str | None], int] = {}
        for i, (key, outlet) in enumerate(zip(keys, outlets, strict=True)):
            self.text.setdefault(key, i)
            self.outlet.setdefault(outlet, i)
            self.both.setdefault((key, outlet), i)

    def some(
        self,
        child: int,
        dated: list[int],
        dated_before: int,
        date_known: bool,
        is_dated: set[int],
        origin: int,
        credits: list[Credit],
    ) -> list[int]:
        """The earlier members ``child`` is compared with, in the claim's order."""
        found = {origin, *dated[max(dated_before - NEAREST, 0) : dated_before]}
        if not date_known:
            found.update(dated[-NEAREST:])
            found.update(i for i in range(max(child - NEAREST, 0), child) if i not in is_dated)
        key, outlets = self.keys[child], {self.outlets[child]} | {c.outlet for c in credits}
        found.add(self.text.get(key, child))
        for outlet in outlets:
            if outlet is not None:
                found.add(self.outlet.get(outlet, child))
                found.add(self.both.get((key, outlet), child))

        def earlier(i: int) -> bool:
            if date_known:
                return i in is_dated and i < child
            return i != child and (i in is_dated or i < child)

        return sorted(i for i in found if earlier(i))


def _coded(keys: list[list[str]]) -> list[str]:
    """Each key sequence as a string, one character per distinct key (the same character for
    the same key): LCS lengths are unchanged, and rapidfuzz compares strings much faster."""
    code: dict[str, str] = {}
    out = []
    for seq in keys:
        for key in seq:
            if key not in code:
                n = len(code)
                code[key] = chr(n if n < 0xD800 else n + 0x800)  # no surrogates
        out.append("".join([code[key] for key in seq]))
    return out


def _naming_none(members: list[Mention], credits: dict[int, list[Credit]]) -> list[int] | None:
    """The members crediting no other outlet of the claim (an echo by its own word is no
    origin); ``None`` for all, where every member or none credits one."""
    naming = _named_outlets(members, credits)
    if not naming or len(naming) == len(members):
        return None
    return [i for i in range(len(members)) if i not in naming]


def _fullest(keys: list[str], among: list[int] | None = None) -> int:
    """With no dates at all, the member that contains most of the others is the likeliest
    origin (one of ``among``, where given)."""
    if len(keys) > PARENT_CANDIDATES:
        return _fullest_of_many(keys, among)
    picks = range(len(keys)) if among is None else among

    def contained(i: int) -> float:
        return sum(
            LCSseq.similarity(keys[i], keys[j]) / max(len(keys[j]), 1) for j in range(len(keys)) if j != i
        )

    return max(picks, key=lambda i: (contained(i), -i))


def _fullest_of_many(keys: list[str], among: list[int] | None = None) -> int:
    """:func:`_fullest` of many members, each distinct text once: how much of the others the
    first member of each text (of ``among``, where given) contains, against the
    :data:`PARENT_CANDIDATES` commonest texts (all texts where there are no more), each weighed
    by its members."""
    first_of: dict[str, int] = {}
    count: Counter[str] = Counter()
    for i, key in enumerate(keys):
        first_of.setdefault(key, i)
        count[key] += 1
    first = first_of
    if among is not None:
        first = {}
        for i in among:
            first.setdefault(keys[i], i)
    common = sorted(count, key=lambda k: (-count[k], first_of[k]))[:PARENT_CANDIDATES]
    counted = set(common)

    def contained(key: str) -> float:
        total = sum(count[o] * LCSseq.similarity(key, o) / max(len(o), 1) for o in common)
        return total - (LCSseq.similarity(key, key) / max(len(key), 1) if key in counted else 0.0)

    return min((-contained(key), first[key]) for key in first)[1]


CLAIM_BATCH = 2000  # claim members (whole claims) traced in one task


def analyse(
    store: Store,
    alias_pairs: list[tuple[str, str]] | None = None,
    params: ClaimParams | None = None,
    engine: Engine | None = None,
) -> list[Provenance]:
    """Claims and their provenance for the whole store; ``alias_pairs`` extend the outlet aliases.

    ``engine``: where claims are traced (their terms, credits, origins and parents), a batch
    of claims at a time (each claim on its own, so in parallel); default: in this process.
    The result does not depend on it.
    """
    traced = _traced(store, alias_pairs, params, engine)
    return sorted((prov for batch in traced for prov in batch), key=lambda prov: claim_order(prov.claim))


def _traced(
    store: Store,
    alias_pairs: list[tuple[str, str]] | None,
    params: ClaimParams | None,
    engine: Engine | None,
) -> Iterator[list[Provenance]]:
    """The provenances of :func:`analyse` a traced batch at a time, in no set order."""
    for claims, traced in _in_batches(store, alias_pairs, params, engine, _trace_claims):
        yield _joined(claims, traced)


def _joined(claims: list[Claim], traced: list[Traced]) -> list[Provenance]:
    """Each claim's provenance from what tracing found for it (its terms are set on the claim,
    and its members put in the order tracing gave them, which the provenance's indices use)."""
    out = []
    for claim, (terms, order, origin, echoes, credits) in zip(claims, traced, strict=True):
        claim.terms = terms
        if order is not None:
            claim.members = [claim.members[i] for i in order]
            claim.canonical = order.index(claim.canonical)
        out.append(Provenance(claim, origin, echoes, credits))
    return out


def _in_batches(
    store: Store,
    alias_pairs: list[tuple[str, str]] | None,
    params: ClaimParams | None,
    engine: Engine | None,
    task: Callable[[list[ClaimJob], Aliases, int], list[T]],
    started: ClaimsStart | None = None,
) -> Iterator[tuple[list[Claim], list[T]]]:
    """The claims of the store a batch at a time, each batch with what ``task`` (run by the
    engine) made of it, in the order the batches were handed out."""
    p = params or ClaimParams()
    # Claims go to the workers as they are made.
    claims = claims_unsorted(store, p, started)
    if engine is not None:
        engine.step_done()  # the mention graph's temporaries are gone (made here when large)
    table = Aliases.with_pairs(alias_pairs or [], store.known_outlets())
    stored = _StoredSpans(store, sizes.CLAIM_SPANS)

    # The claims of each batch handed out, in order: a task sends back what it found, not the
    # claims it was given (a third of what it sent back), and they are joined here again.
    sent: deque[list[Claim]] = deque()

    def jobs() -> Iterator[list[ClaimJob]]:
        batch: list[ClaimJob] = []
        size = 0
        cuts = _Cuts()  # (a new one with each batch: what the batches share is pickled with each)
        read: dict[str, str] = {}
        paragraphs_of: dict[str, Paragraphs] = {}  # for the texts read with ``read``
        ends_of: dict[str, tuple[str, int, str]] = {}  # likewise
        for claim, texts in claims:
            if texts is not read:
                read, paragraphs_of, ends_of = texts, {}, {}
            for m in claim.members:
                if m.article_id not in paragraphs_of:
                    paragraphs_of[m.article_id] = Paragraphs(texts[m.article_id])
                    ends_of[m.article_id] = article_ends(texts[m.article_id])
            # Only the paragraph is searched: a credit elsewhere belongs to other text.
            bounds = [paragraphs_of[m.article_id].bounds(m.start, m.end) for m in claim.members]
            paragraphs = [
                cuts.of(texts, m.article_id, lo, hi)
                for m, (lo, hi) in zip(claim.members, bounds, strict=True)
            ]
            # A paragraph that is its whole article (flattened text) comes with its sentences.
            spans = [
                stored.of(m.article_id) if hi - lo == len(texts[m.article_id]) else None
                for m, (lo, hi) in zip(claim.members, bounds, strict=True)
            ]
            ends = [ends_of[m.article_id] for m in claim.members]
            batch.append((claim, paragraphs, [lo for lo, _ in bounds], spans, ends))
            size += len(claim.members)
            if size >= CLAIM_BATCH:
                sent.append([job[0] for job in batch])
                yield batch
                batch, size = [], 0
                cuts = _Cuts()
        if batch:
            sent.append([job[0] for job in batch])
            yield batch

    found = (
        map(task, jobs(), itertools.repeat(table), itertools.repeat(p.max_terms))
        if engine is None
        else engine.map(task, jobs(), table, p.max_terms)
    )
    try:
        for result in found:  # in the order the batches were handed out
            yield sent.popleft(), result
    finally:
        close = getattr(found, "close", None)
        if close is not None:
            close()  # ends the engine's work at once if the caller stopped early


class _Cuts:
    """Paragraphs cut from articles' texts, each once a batch of claims, shared by its members
    there: a copy each made members x paragraph (a one-line article of 2.8 MB in 20,000 claims:
    56 GB), and each copy was pickled for the workers."""

    def __init__(self) -> None:
        self.cut: dict[tuple[str, int, int], str] = {}

    def of(self, texts: dict[str, str], article_id: str, lo: int, hi: int) -> str:
        key = (article_id, lo, hi)
        found = self.cut.get(key)
        if found is None:
            found = self.cut[key] = texts[article_id][lo:hi]
        return found


# A claim, its members' paragraphs, where they start, their sentences where the scan stored
# them (:class:`_StoredSpans`), and their articles' ends (:func:`~tracer.attribution.article_ends`).
ClaimJob = tuple[Claim, list[str], list[int], list["np.ndarray | None"], list[tuple[str, int, str]]]
# What tracing finds for a claim: its terms, its members' new order (where credits changed it),
# origin, echoes and credits (Provenance less the claim).
Traced = tuple[list[str], list[int] | None, int, list[Echo], dict[int, list[Credit]]]


def _sentences_of(jobs: list[ClaimJob]) -> Callable[[str, np.ndarray | None], SentenceBounds]:
    """The sentences of a paragraph (given the spans that came with it, if any): those that came
    with none are split all at once (a paragraph of flattened text is its whole article)."""
    distinct = list(
        dict.fromkeys(
            t
            for _, paragraphs, _, spans, _ in jobs
            for t, g in zip(paragraphs, spans, strict=True)
            if g is None
        )
    )
    starts, ends, counts = split_many(distinct)
    bounds = np.append(0, np.cumsum(counts)).tolist()
    starts_, ends_ = starts.tolist(), ends.tolist()
    split = {
        text: SentenceBounds(starts_[bounds[k] : bounds[k + 1]], ends_[bounds[k] : bounds[k + 1]])
        for k, text in enumerate(distinct)
    }
    # Given spans made bounds once per array (an article's, shared by its paragraphs): keyed by
    # the array, not by its text, which would be hashed whole (the array is held with its
    # bounds, so that its id is not another's).
    given: dict[int, tuple[np.ndarray, SentenceBounds]] = {}

    def of(text: str, spans: np.ndarray | None) -> SentenceBounds:
        if spans is None:
            return split[text]
        held = given.get(id(spans))
        if held is None:
            held = given[id(spans)] = (spans, SentenceBounds(spans[:, 0].tolist(), spans[:, 1].tolist()))
        return held[1]

    return of


class _StoredSpans:
    """The sentence spans the scan stored of each article printed on one line that has all of its
    spans stored (a span without a word is not): those :func:`~tracer.segment.split_many` gives
    its whole text, the sentences of a paragraph that is the whole article (flattened text),
    which need not be split again for each claim it is in. (Other articles' paragraphs are
    short: they are split where the claims are traced.) At most ``most`` spans are held, those of
    the first articles stored; the others are split as theirs are."""

    def __init__(self, store: Store, most: int) -> None:
        id_of = {seq: article for seq, article, _, _ in store.article_rows()}
        self.spans: dict[str, np.ndarray] = {}
        held = 0
        for block in store.sentence_blocks():
            if held >= most:
                break
            order = np.lexsort((block["idx"], block["article"]))
            article, idx, line = block["article"][order], block["idx"][order], block["line"][order]
            first = np.flatnonzero(np.append(True, article[1:] != article[:-1]))
            last = np.append(first[1:], len(article)) - 1
            changes = np.append(False, line[1:] != line[:-1])
            changes[first] = False  # (a new article, not a new line)
            # All its spans are there when the first idx is 0 and the last n - 1 (they ascend).
            keep = (idx[first] == 0) & (idx[last] == last - first) & (np.add.reduceat(changes, first) == 0)
            if not keep.any():
                continue
            rows = np.repeat(keep, last - first + 1)  # only the kept articles' spans are held
            spans = np.stack((block["start"][order][rows], block["end"][order][rows]), axis=1)
            count = (last - first + 1)[keep]
            at = np.cumsum(count) - count
            for seq, lo, n in zip(article[first[keep]].tolist(), at.tolist(), count.tolist(), strict=True):
                if seq in id_of:  # (rows of an article no longer stored should not be: skipped)
                    self.spans[id_of[seq]] = spans[lo : lo + n]
            held += len(spans)

    def of(self, article_id: str) -> np.ndarray | None:
        return self.spans.get(article_id)


def _trace_claims(jobs: list[ClaimJob], table: Aliases, max_terms: int) -> list[Traced]:
    """Terms, credits and provenance of each claim: a pure function, for any process."""
    parse = functools.lru_cache(maxsize=None)(_when)  # dates repeat: parse each once per task
    sentences_of = _sentences_of(jobs)
    seen_regions: dict[str, list[Credit]] = {}  # a wire story's paragraph is read once a task
    whole: dict[tuple[int, str | None], list[Credit]] = {}
    out: list[Traced] = []
    for claim, paragraphs, starts, spans, ends in jobs:
        member_tokens = [tokens(fold(m.text)) for m in claim.members]
        terms = claim_terms(member_tokens, max_terms)
        credits = {}
        for i, (m, text, lo, given) in enumerate(zip(claim.members, paragraphs, starts, spans, strict=True)):
            found = find_credits(
                text,
                (m.start - lo, m.end - lo),
                table,
                m.outlet,
                CREDIT_WINDOW,
                sentences_of(text, given),
                seen_regions,
            )
            near = [replace(c, start=c.start + lo, end=c.end + lo) for c in found]
            # An article's own credits, once a task (its ends are one object in the task's jobs)
            key = (id(ends[i]), m.outlet)
            if key not in whole:
                whole[key] = article_credits(ends[i], table, m.outlet)
            credits[i] = _with_whole(near, whole[key])
        around = [
            text[max(m.start - lo - CONTEXT_CHARS, 0) : m.end - lo + CONTEXT_CHARS]
            for m, text, lo in zip(claim.members, paragraphs, starts, strict=True)
        ]
        prov = _trace(claim, credits, member_tokens, parse, around)
        order = None
        if prov.claim is not claim:  # members put in the order of their credits: the same objects
            at = {id(m): i for i, m in enumerate(claim.members)}
            order = [at[id(m)] for m in prov.claim.members]
        out.append((terms, order, prov.origin, prov.echoes, prov.credits))
    return out


def _with_whole(near: list[Credit], whole: list[Credit]) -> list[Credit]:
    """The credits found near a member and, after them, those its article gives as a whole
    ("LONDON (Reuters) - ", "Reuters contributed to this report") to other outlets: a claim
    deep in a wire story is credited by its dateline."""
    named = {c.outlet for c in near}
    extra = [c for c in whole if c.outlet not in named]
    return sorted([*near, *extra], key=lambda c: (c.start, c.end)) if extra else near


# A claim as :func:`analyse_and_save` stages it: its claim row (after the columns that order
# claims), its members' rows and its citations' rows.
StagedClaim = tuple[tuple[object, ...], list[tuple[object, ...]], list[tuple[object, ...]]]


def _stage_claims(jobs: list[ClaimJob], table: Aliases, max_terms: int) -> list[StagedClaim]:
    """:func:`_trace_claims`, each claim made into the rows that store it, where it was traced
    (a worker): the scan's process, which stores them, need not make them too."""
    out: list[StagedClaim] = []
    for prov in _joined([job[0] for job in jobs], _trace_claims(jobs, table, max_terms)):
        row = (*claim_order(prov.claim)[:2], *_claim_row(0, prov))
        out.append((row, list(_member_rows(prov)), list(_citation_rows(prov))))
    return out


# json.dumps(value, sort_keys=True), without building an encoder for each call
_sorted_json = json.JSONEncoder(sort_keys=True).encode


def save(store: Store, provenances: list[Provenance]) -> None:
    """Replace the stored claims, members and citations (caller holds the transaction)."""
    # Each table's rows made as they are inserted, in the order of ``provenances`` (the first of
    # equal citations is kept): as lists, they would hold every member's row at once.
    store.replace_claims(
        (_claim_row(rank, prov) for rank, prov in enumerate(provenances, 1)),
        (row for prov in provenances for row in _member_rows(prov)),
        (row[3:] for prov in provenances for row in _citation_rows(prov)),
    )


def analyse_and_save(
    store: Store,
    alias_pairs: list[tuple[str, str]] | None = None,
    params: ClaimParams | None = None,
    engine: Engine | None = None,
    started: ClaimsStart | None = None,
) -> int:
    """:func:`save` of :func:`analyse`, the same tables, without holding every provenance: each
    traced batch's rows wait in temporary tables, from which the stored ones are copied in
    claim order (holding every claim's provenance was the stage's peak at 10^6 simulated
    articles). Returns the number of claims (caller holds the
    transaction). ``started``: the claims' mention graph, begun while the matches were stored
    (:func:`~tracer.claims.claims_unsorted`)."""
    # Rows as :func:`save` makes them, after the columns that order them: claims by
    # claim_order (more articles, then first seen, then id); members and citations by claim,
    # member and credit.
    with store.staged_claims() as stage:
        for _, staged in _in_batches(store, alias_pairs, params, engine, _stage_claims, started):
            stage(staged)
        return store.store_staged_claims()


def _citation_rows(prov: Provenance) -> Iterator[tuple[object, ...]]:
    """``(claim id, member, credit number, *citation row)`` of each credit found."""
    for i, m in enumerate(prov.claim.members):
        for k, cr in enumerate(prov.credits.get(i, [])):
            yield (prov.claim.id, i, k, m.article_id, cr.outlet, cr.phrase, cr.start, cr.end, cr.pattern,
                   int(cr.external))  # fmt: skip


def _claim_row(rank: int, prov: Provenance) -> tuple[object, ...]:
    c = prov.claim
    return (
        c.id, rank, c.text, json.dumps(c.terms), c.first_seen, c.last_seen, len(c.articles),
        # An article of unknown outlet is an outlet of its own, as everywhere it is counted.
        len({outlet_label(m.outlet, m.article_id) for m in c.members}), c.members[prov.origin].article_id,
    )  # fmt: skip


def _member_rows(prov: Provenance) -> Iterator[tuple[object, ...]]:
    c = prov.claim
    echo_of = {e.child: e for e in prov.echoes}
    origin_article = c.members[prov.origin].article_id
    for i, m in enumerate(c.members):
        e = echo_of.get(i)
        parent = c.members[e.parent] if e else None
        found = prov.credits.get(i, [])
        yield (
            c.id, i, m.article_id, m.start, m.end, "origin" if m.article_id == origin_article else "echo",
            parent.article_id if parent else None, parent.start if parent else None,
            e.lag_days if e else None, e.similarity if e else None,
            int(bool(prov.credits.get(i))), int(e.credits_parent) if e else 0,
            e.confidence if e else None, _sorted_json(e.evidence) if e else None,
            json.dumps([cr.outlet for cr in found]), int(m.published is None),
        )  # fmt: skip
