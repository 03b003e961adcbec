"""Reference implementations: the slow, obviously correct forms of what the library does fast,
used by the tests as oracles (and in a benchmark or two). Not part of tracer."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from tracer.candidates import (
    Anchors,
    Banding,
    _run_pairs,
    _runs_in_chunks,
    banded_pairs,
    jaccard_at_least,
    unpack_pairs,
)
from tracer.params import VerifyParams
from tracer.shingles import hash32, pair_hash
from tracer.text import STOPWORDS, line_ids, sequence_ids, token_hash, token_table
from tracer.verify import Alignment, _prepare_both, align_prepared, key_codes


def pairs_in_equal_runs(keys: np.ndarray, max_run: int = 0, anchors: Anchors | None = None) -> np.ndarray:
    """All index pairs ``(i, j), i < j`` with ``keys[i] == keys[j]``, as an ``(m, 2)`` array.

    ``max_run`` > 0 skips runs longer than that (0: no limit). ``anchors`` keeps only the pairs
    whose ``j`` is one of the ``anchors.beyond`` smallest indices with its key, or whose ``i``
    one of the ``anchors.first`` smallest.
    """
    parts = list(iter_pairs_in_equal_runs(keys, max_run))
    pairs = np.concatenate(parts) if parts else np.empty((0, 2), dtype=np.int64)
    if anchors is not None:
        rank: dict[int, int] = {}
        seen: dict[int, int] = {}
        for index, key in enumerate(keys.tolist()):
            rank[index] = seen.get(key, 0)
            seen[key] = rank[index] + 1
        keep = [rank[j] < anchors.beyond or rank[i] < anchors.first for i, j in pairs.tolist()]
        pairs = pairs[np.array(keep, dtype=bool)] if len(pairs) else pairs
    return pairs


def iter_pairs_in_equal_runs(
    keys: np.ndarray, max_run: int = 0, chunk: int | None = None
) -> Iterator[np.ndarray]:
    """:func:`pairs_in_equal_runs` in pieces of about ``chunk`` (default ``sizes.PAIRS_CHUNK``) pairs:
    whole runs each; one run longer than that, possible only without ``max_run``, is a piece of
    its own."""
    for members, run_len in _runs_in_chunks(keys, max_run, chunk):
        yield _run_pairs(members, run_len)


def candidate_pairs(
    banding: Banding,
    sigs: np.ndarray,
    group: np.ndarray,
    is_new: np.ndarray,
    max_run: int = 0,
    min_jaccard: float = 0.0,
    anchors: Anchors | None = None,
) -> np.ndarray:
    """Unit index pairs sharing a band of their signatures, from different groups, with a new member.

    ``group[i]`` is the distinct sentence unit ``i`` belongs to (pairs inside one
    group are not candidates). With ``min_jaccard``, pairs whose signatures agree on
    fewer values are dropped. The in-memory form of :func:`banded_pairs`.
    Returns unique ``(i, j)`` rows, ``i < j``, sorted.
    """
    accept = None
    if min_jaccard > 0:

        def accept(pairs: np.ndarray) -> np.ndarray:
            return jaccard_at_least(sigs, pairs, min_jaccard)

    return unpack_pairs(
        banded_pairs(
            lambda band: banding.column(sigs, band),
            banding.bands,
            group,
            is_new,
            max_run,
            accept,
            anchors=anchors,
        )
    )


def shingle_hash32(shingle: bytes) -> int:
    """The hash of one shingle given as bytes, for use as datasketch's ``hashfunc``."""
    words = shingle.decode("utf-8").split(" ")
    if len(words) == 1:
        return hash32(words[0])
    a, b = (np.array([hash32(w)], dtype=np.uint32) for w in words)
    return int(pair_hash(a, b)[0])


def shingles(keys: list[str], bigrams: bool = True) -> list[bytes]:
    """One unit's shingles as bytes (the slow, obviously correct form, for datasketch and tests)."""
    out = [k.encode("utf-8") for k in keys]
    if bigrams:
        out += [f"{a} {b}".encode() for a, b in zip(keys, keys[1:], strict=False)]
    return out


def is_content(key: str, frequent: frozenset[str] = frozenset()) -> bool:
    """Whether a match key is a content word: not an English stopword, nor one of the
    ``frequent`` words a store learned from its own articles (:mod:`tracer.frequent`)."""
    return key not in STOPWORDS and key not in frequent


def norm_id(toks: list[str]) -> int:
    """The id of one token sequence: what :func:`sequence_ids` gives it among others."""
    hashes = np.array([token_hash(t) for t in toks], dtype=np.uint64)
    return int(sequence_ids(hashes, np.array([len(toks)]))[0])


def line_id(folded_line: str) -> int:
    """The id :func:`line_ids` gives one folded line, wherever it stands."""
    tok_at, _, tok_key = token_table(folded_line)
    bounds = np.array([0]), np.array([len(folded_line)])
    return int(line_ids(folded_line, *bounds, tok_at, tok_key)[0])


def align_either_way(
    a_tokens: list[str], b_tokens: list[str], params: VerifyParams | None = None
) -> Alignment | None:
    """:func:`align` both ways round; the region that matches more words, then spans more text
    (the fuller account of what was copied), then scores higher, with ``a``'s offsets first.

    The LCS picks one of several equal alignments depending on which sequence comes first;
    a caller whose order means nothing (sentences ordered by id) gets the same answer
    whichever it passes first, up to a full tie.
    """
    p = params or VerifyParams()
    key_codes.use(p.frequent)
    return align_prepared(*_prepare_both(a_tokens, b_tokens), p)


def window_reference(
    text: str, span: tuple[int, int], window: int, sentences: list[tuple[int, int]]
) -> tuple[int, int]:
    """:func:`tracer.attribution._window` as a scan of every sentence."""
    if not sentences:
        return 0, 0
    s, e = span
    hit = [i for i, (a, b) in enumerate(sentences) if (a < e and b > s) or (s == e and a <= s < b)]
    if not hit:
        hit = [next((i for i, (a, _) in enumerate(sentences) if a >= e), len(sentences) - 1)]
    first = max(0, hit[0] - window)
    last = min(len(sentences) - 1, hit[-1] + window)
    return sentences[first][0], sentences[last][1]


def parent_scores_reference(claim, credits, member_tokens, parse, around):  # type: ignore[no-untyped-def]
    """:func:`tracer.provenance._trace`'s echoes, each candidate parent scored on its own (no
    score shared between copies of the same texts), of members already in their final order."""
    import bisect

    from rapidfuzz.distance import LCSseq

    from tracer import provenance as pv

    members = claim.members
    keys = pv._coded([[t.replace("'", "") for t in toks] for toks in member_tokens])
    lengths = [len(k) for k in keys]
    outlets = [m.outlet for m in members]
    when = [parse(m.published) for m in members]
    dated = [i for i, w in enumerate(when) if w is not None]
    is_dated = set(dated)
    origin = dated[0] if dated else pv._fullest(keys, pv._naming_none(members, credits))
    firsts = pv._Firsts(keys, outlets) if len(members) > pv.PARENT_CANDIDATES else None
    articles = [m.article_id for m in members]
    echoes = []
    for child in range(len(members)):
        if articles[child] == articles[origin]:
            continue
        date_known = when[child] is not None
        dated_before = bisect.bisect_left(dated, child)
        eligible = dated_before if date_known else len(dated) - (child in is_dated) + child - dated_before
        if eligible > pv.PARENT_CANDIDATES:
            assert firsts is not None
            candidates = firsts.some(
                child, dated, dated_before, date_known, is_dated, origin, credits.get(child, [])
            )
        elif date_known:
            candidates = dated[:dated_before]
        else:
            candidates = [i for i in range(len(members)) if i != child and (i in is_dated or i < child)]
        candidates = [c for c in candidates if articles[c] != articles[child]] or [origin]
        credited = {c.outlet for c in credits.get(child, [])}
        scored, texts = [], []
        for k, cand in enumerate(candidates):
            lcs = LCSseq.similarity(keys[cand], keys[child])
            sim = 2 * lcs / max(lengths[cand] + len(keys[child]), 1)
            contain = lcs / max(len(keys[child]), 1)
            outlet = outlets[cand]
            names_parent = outlet is not None and outlet in credited
            same = outlet is not None and outlet == members[child].outlet
            text = pv.W_SIMILARITY * sim + pv.W_CONTAINMENT * contain + pv.W_CREDIT * names_parent
            scored.append((round(text + pv.W_SAME_OUTLET * same, 6), -k, cand, sim, contain, names_parent))
            texts.append(round(text, 6))
        if date_known and len(scored) > 1:
            top = max(texts)
            day = {i: d for i, t in enumerate(texts) if t == top and (d := when[scored[i][2]]) is not None}
            if (
                len(day) >= 2
                and len(day) <= (max(day.values()) - min(day.values())).total_seconds() / 86400 + 1
            ):
                chars = {i: LCSseq.similarity(around[scored[i][2]], around[child]) for i in day}
                pick = max(day, key=lambda i: (chars[i], day[i], scored[i][1]))
                scored[pick] = (max(e[0] for e in scored), len(scored), *scored[pick][2:])
        scored.sort(reverse=True)
        runner = scored[1] if len(scored) > 1 else None
        echoes.append((child, scored[0], runner))
    return origin, echoes
