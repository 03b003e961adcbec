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
