"""Scan: compare what is new in the store against everything stored.

Stages, each a module of its own: segment (sentences) -> text (fold, tokens)
-> signatures (MinHash) -> candidates (banding) -> verify (alignment) -> matches
(passages). Work is done once per *distinct* normalised sentence: wire copy and
boilerplate recur exactly, and carrying each distinct sentence once through
signatures and banding is what keeps large corpora cheap.

Incremental by construction: only pairs with at least one new distinct sentence
are compared, identical sentences are grouped by id, and matches are rebuilt from
the stored pieces, so a scan after each ingest gives the same matches as one scan
over everything.
"""

from __future__ import annotations

import bisect
import json
import os
import re
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np

from . import frequent, matches, provenance
from .banality import BanalParams
from .boilerplate import (
    FLAG_MASK,
    long_line_flag,
    long_line_sentence_flags,
    pack_flags,
    sentence_lines,
    sentence_shapes,
)
from .candidates import (
    PAIRS_CHUNK,
    Banding,
    PairSpill,
    UniqueInts,
    in_sorted_levels,
    jaccard_at_least,
    partition_bounds,
    unique_sorted,
)
from .claims import ClaimParams, ClaimsStart, mention_graph
from .engine import Engine, LocalEngine, fewer_collections, local_cores, return_free_memory
from .errors import StoreError, TracerError
from .matches import FANOUT
from .segment import _NL_CHARS, _NL_SET, split_many
from .shingles import Vocabulary, _ranges, unit_shingles
from .signatures import MinHasher
from .store import LONG_TEXT, SENTENCE_DTYPE, Store
from .text import (
    TokensOnDemand,
    fold,
    fold_joined,
    long_line_id,
    matching_tokens,
    rejoin_hyphenated,
    sequence_ids,
    token_table,
    token_text,
)
from .verify import VerifyParams

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class ScanParams:
    """Parameters that change results; a store remembers the ones it was scanned with."""

    num_perm: int = 96
    seed: int = 1
    bands: int = 32
    rows: int = 3
    window: int = 8  # content words per unit; longer sentences are cut into overlapping windows
    bigrams: bool = True  # shingles are content words plus pairs of neighbouring content words
    min_jaccard: float = 0.2  # estimated from signatures, before the costlier alignment
    # A band key shared by more units than this is a common-word bucket, skipped (as passim
    # skips n-grams above a document frequency): pairs from it grow with the square of the
    # corpus. Measured on 3x10^4 simulated articles: 0.01% of verified pairs lost (6 of 54,501),
    # their only shared bands being such buckets; banding 2.8x faster.
    max_run: int = 200
    min_tokens: int = 5  # sentences shorter than this are never matched
    min_content: int = 3
    # A sentence printed more often than this has each occurrence linked to the one it most
    # likely came from, not paired with every other (tracer.matches.FANOUT).
    fanout: int = FANOUT
    verify: VerifyParams = field(default_factory=VerifyParams)
    # Words found in at least this share of the 300-token stretches of the store's first
    # `frequent_sample` articles are not content words, in any language, on top of the English
    # stopwords (tracer.frequent); a store with fewer articles uses the English list alone.
    # 0: never learned.
    frequent_df: float = 0.3
    frequent_sample: int = 300
    # A match made mostly (`banal_share` of its content-word trigrams) of phrases printed by at
    # least max(`banal_df`, `banal_df_share` x articles) articles, in sentences none of which
    # holds more than `banal_dominance` of them, and short (at most `banal_max_shared` trigrams)
    # is banal: a stock phrase, flagged and hidden like boilerplate (tracer.banality). 0: never.
    banal_df: int = 25
    banal_share: float = 0.5
    banal_df_share: float = 0.002
    banal_dominance: float = 0.3
    banal_max_shared: int = 10

    def __post_init__(self) -> None:
        if not 0.0 <= self.frequent_df <= 1.0 or not 0.0 < self.banal_share <= 1.0:
            raise TracerError("frequent_df must be in 0..1 and banal_share in (0, 1]")
        if self.frequent_sample < 0 or self.banal_df < 0 or self.banal_max_shared < 0:
            raise TracerError("frequent_sample, banal_df and banal_max_shared must be non-negative")
        if not 0.0 <= self.banal_df_share <= 1.0 or not 0.0 < self.banal_dominance <= 1.0:
            raise TracerError("banal_df_share must be in 0..1 and banal_dominance in (0, 1]")
        if self.bands * self.rows > self.num_perm:
            raise TracerError(
                f"bands x rows ({self.bands}x{self.rows}) exceeds num_perm ({self.num_perm})",
                "raise num_perm or lower bands/rows",
            )
        if self.window < 2:
            raise TracerError(f"window must be at least 2, got {self.window}")
        if self.fanout < 2:
            raise TracerError(f"fanout must be at least 2, got {self.fanout}")

    def banality(self) -> BanalParams:
        return BanalParams(
            self.banal_df,
            self.banal_share,
            self.verify.frequent,
            self.banal_df_share,
            self.banal_dominance,
            self.banal_max_shared,
        )

    def fingerprint(self) -> str:
        return json.dumps(self._values(), sort_keys=True)

    def _values(self) -> dict[str, Any]:
        values = asdict(self)
        del values["verify"]["frequent"]  # learned per store, kept in its meta (tracer.frequent)
        return values

    @classmethod
    def from_fingerprint(cls, text: str) -> ScanParams | None:
        """The parameters :meth:`fingerprint` made ``text`` of, or None where this version
        cannot make the same fingerprint again (a field added, removed or renamed since)."""
        try:
            values = json.loads(text)
            verify = VerifyParams(**values.pop("verify"))
            # Stores scanned before these were parameters: their matches are rebuilt with the
            # defaults at the next scan (nothing stored before the matches depends on them).
            missing = [k for k in _REBUILD_ONLY if k not in values]
            params = cls(**values, verify=verify)
        except (ValueError, TypeError, KeyError, AttributeError, TracerError):
            return None
        if missing:
            values = json.loads(params.fingerprint())
            for k in missing:
                del values[k]
            return params if json.dumps(values, sort_keys=True) == text else None
        return params if params.fingerprint() == text else None


# Parameters only the matches' rebuild reads, which a store may not have recorded yet.
_REBUILD_ONLY = ("fanout", "banal_df_share", "banal_dominance", "banal_max_shared")


@dataclass
class ScanResult:
    articles: int = 0
    sentences: int = 0
    new_distinct: int = 0
    unit_candidates: int = 0  # unit pairs sharing a band and passing the signature filter
    candidates: int = 0  # distinct sentence pairs passed to alignment
    verified: int = 0
    matches: int = 0
    claims: int = 0
    scanned_anew: bool = False  # the store was scanned by a tracer that matched otherwise: all redone
    # Articles edited (outlet, date) or removed since the last scan, whose matches and claims it rebuilt
    changes: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)  # wall time of each stage
    peak_mb: dict[str, int] = field(default_factory=dict)  # this process's peak memory after each stage


def scan(
    store: Store,
    params: ScanParams | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
    alias_pairs: list[tuple[str, str]] | None = None,
    engine: Engine | None = None,
) -> ScanResult:
    """Scan unscanned articles against the store. One transaction: all or nothing.

    ``engine`` runs the partitioned work (batches of articles, banding, alignment):
    default a :class:`~tracer.engine.LocalEngine` of ``workers`` processes (default:
    the CPU count, at most 4); see :func:`tracer.engine.get_engine` for a Dask cluster.
    The caller closes an engine it passes. The result depends on neither. ``alias_pairs``
    (alias, outlet) extend the built-in outlet aliases used to resolve credits; the
    store keeps them for later scans. Without ``params`` a store scanned before goes on
    with the parameters it was scanned with (its stored signatures and pairs were made
    with them, whatever the defaults of this version); a new store gets the defaults.
    """
    stored = store.get_meta("scan_params")
    anew = False
    if params is None and stored is not None:
        params = ScanParams.from_fingerprint(stored)
        # Scanned by a tracer that matched otherwise: its signatures and pairs cannot be mixed
        # with this version's, so every article is scanned again (the store keeps its articles).
        anew = params is None
        stored = None if anew else stored
    p = params or ScanParams()
    if stored is not None and ScanParams.from_fingerprint(stored) != p:
        raise StoreError(
            f"{store.path}: store was scanned with other matching parameters",
            "scan into a new store (--db NEW.db) to use these parameters",
        )
    result = ScanResult(scanned_anew=anew)
    clock = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        result.seconds[stage] = round(now - clock, 3)
        result.peak_mb[stage] = _peak_mb()
        clock = now

    own_engine = engine is None
    eng = engine if engine is not None else LocalEngine(workers)
    try:
        with fewer_collections():
            _scan(store, p, progress, alias_pairs, eng, result, lap)
    finally:
        if own_engine:
            eng.close()
    lap("commit")
    return result


def _scan(
    store: Store,
    p: ScanParams,
    progress: Progress | None,
    alias_pairs: list[tuple[str, str]] | None,
    eng: Engine,
    result: ScanResult,
    lap: Callable[[str], None],
) -> None:
    with store.transaction("a scan") as conn:
        if result.scanned_anew:
            store.forget_scans()
        store.set_meta("scan_params", p.fingerprint())
        result.changes = store.clear_changes()
        p = replace(p, verify=replace(p.verify, frequent=_frequent_words(store, p)))
        stored_before = _index_sentences(store, p, result, progress, eng)
        return_free_memory()
        eng.release_memory()  # the workers' too: the candidates stage, the scan's peak, comes next
        lap("sentences")
        if result.new_distinct:
            pairs = _candidates(store, p, stored_before, result, progress, eng)
            return_free_memory()  # the check bytes and band keys are gone: keep the next peak low
            lap("candidates")
            _verify(store, p, pairs, result, progress, eng)
            del pairs  # (536 MB at 10^6 articles, kept through matches and claims until this)
            return_free_memory()  # each stage's freed memory given back before the next's peak
            lap("verify")
        conn.execute("UPDATE articles SET scanned = 1 WHERE scanned = 0")
        # The claims' first step (grouping the matches' spans, one process's work) runs in a
        # worker while this process writes the matches, when a worker pool is running and there
        # are at most GRAPH_ELSEWHERE pieces (otherwise here, after: as for ORDER_ELSEWHERE).
        started: list[ClaimsStart] = []

        def start_claims(pieces: matches.LinkPieces) -> None:
            cp = ClaimParams()
            graph = eng.submit(mention_graph, pieces.columns, pieces.score, cp, pieces.units)
            started.append(ClaimsStart(pieces.names, cp, graph))

        banal = p.banality() if p.banal_df > 0 else None
        result.matches = matches.rebuild(
            store, p.min_tokens, p.min_content, start_claims, GRAPH_ELSEWHERE, banal, p.fanout
        )
        return_free_memory()
        lap("matches")
        if alias_pairs is not None:
            store.set_meta("aliases", json.dumps(sorted(alias_pairs)))
        stored_pairs = [tuple(x) for x in json.loads(store.get_meta("aliases") or "[]")]
        result.claims = provenance.analyse_and_save(
            store,
            stored_pairs,  # type: ignore[arg-type]
            engine=eng,
            started=started.pop() if started else None,
        )
        lap("claims")


def _frequent_words(store: Store, p: ScanParams) -> frozenset[str]:
    """The words this store does not count as content beyond the English list: those it learned
    (:mod:`tracer.frequent`), learned now from its first ``p.frequent_sample`` articles if it has
    that many and had not; none while it has fewer. Learning them in a store scanned before
    drops what the earlier scans stored, and the scan then does all its articles anew."""
    known = frequent.stored(store.get_meta(frequent.META_KEY))
    if known is not None:
        return known
    if p.frequent_df <= 0 or p.frequent_sample <= 0:
        return frozenset()
    conn = store.conn
    first = [
        s for (s,) in conn.execute("SELECT seq FROM articles ORDER BY seq LIMIT ?", (p.frequent_sample,))
    ]
    if len(first) < p.frequent_sample:
        return frozenset()
    texts = store.texts_by_seq(first)
    words = frequent.learn([texts[s] for s in first], p.frequent_df)
    store.set_meta(frequent.META_KEY, frequent.to_meta(words))
    if conn.execute("SELECT 1 FROM articles WHERE scanned = 1 LIMIT 1").fetchone() is not None:
        store.forget_scans()  # fewer than the sample were scanned, with the English list alone
    return frozenset(words)


def _peak_mb() -> int:
    """Peak resident memory of this process so far, in MB (0 where the platform cannot tell)."""
    try:
        import resource
    except ImportError:  # not on Windows
        return 0
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(kb / 1024 / (1024 if sys.platform == "darwin" else 1))  # bytes on macOS, KB elsewhere


_vocabulary = Vocabulary()  # per process: token ids are private, hashes are not


@dataclass
class Analysed:
    """What :func:`analyse_articles` makes of a batch of articles.

    ``sentences``: one ``SENTENCE_DTYPE`` record per sentence; ``norms``, ``units``:
    the batch's distinct matchable sentences and their numbers of units; ``keys``:
    ``(bands, n_units)`` LSH band keys; ``checks``: ``(n_units, num_perm)`` one byte of
    each MinHash value, enough to estimate the Jaccard similarity of a candidate pair.
    """

    sentences: np.ndarray
    norms: np.ndarray
    units: np.ndarray
    keys: np.ndarray
    checks: np.ndarray
    # A batch analysed in parts: the parts after this one, each with its own sentence records and
    # distinct sentences (none of an earlier part's), made as they are asked for. For one long
    # article, all parts' band keys and checks held at once would be ~4.5 bytes a character.
    more: Iterator[Analysed] = field(default_factory=lambda: iter(()))

    def parts(self) -> Iterator[Analysed]:
        """This batch a part at a time, each let go of once given."""
        yield Analysed(self.sentences, self.norms, self.units, self.keys, self.checks)
        yield from self.more

    def select(self, keep: np.ndarray) -> Analysed:
        """The same batch with only the distinct sentences where ``keep`` is true."""
        if keep.all():
            return self
        unit_keep = np.repeat(keep, self.units)
        # compress and take: 2.5x and 5x faster than boolean indexing of these 2-d arrays.
        return Analysed(
            self.sentences,
            self.norms[keep],
            self.units[keep],
            np.compress(unit_keep, self.keys, axis=1),
            self.checks.take(np.flatnonzero(unit_keep), axis=0),
        )


class _LaterParts(Iterator[Analysed]):
    """:attr:`Analysed.more`: parts made as they are asked for. Pickled (a worker's result), they
    are all made first, once: a result pickled twice gives the same parts."""

    def __init__(self, parts: Iterator[Analysed]) -> None:
        self._parts = parts

    def __next__(self) -> Analysed:
        return next(self._parts)

    def __reduce__(self) -> tuple[Callable[[list[Analysed]], Iterator[Analysed]], tuple[list[Analysed]]]:
        made = list(self._parts)
        self._parts = iter(made)
        return iter, (made,)


# Characters analysed at once, at most, where a batch holds more (a batch is a number of articles,
# whatever their size): its articles are analysed in parts of about this many characters, and an
# article longer than this in windows of whole sentences, of ARTICLE_WINDOW characters. Tokens,
# signatures and their temporaries take ~40 bytes a character while a part is analysed.
ANALYSE_WINDOW = 1 << 22
ARTICLE_WINDOW = 1 << 20


def analyse_articles(items: list[tuple[int, str]], p: ScanParams) -> Analysed:
    """Sentences of ``(seq, text)`` articles, and their distinct sentences' band keys and checks.

    A pure function of its input, so batches can run in worker processes; the
    caller keeps only the distinct sentences the store does not have yet.
    """
    if sum(len(text) for _, text in items) <= ANALYSE_WINDOW:
        return _analyse(items, *split_many([text for _, text in items]), p)
    parts = _parts(items, p)
    first = next(parts)
    first.more = _LaterParts(parts)
    return first


def _parts(items: list[tuple[int, str]], p: ScanParams) -> Iterator[Analysed]:
    """:func:`analyse_articles` of a batch of more than ``ANALYSE_WINDOW`` characters, a part at a
    time: each distinct sentence is kept in the part where it first occurs."""
    seen = _NormSet(np.empty(0, dtype=np.int64))

    def fresh(part: Analysed) -> Analysed:
        part = part.select(~seen.contains(part.norms))
        seen.add(part.norms)
        return part

    small: list[tuple[int, str]] = []
    size = 0
    for seq, text in items:
        if small and (size + len(text) > ANALYSE_WINDOW or len(text) > ANALYSE_WINDOW):
            yield fresh(_analyse(small, *split_many([text for _, text in small]), p))
            small, size = [], 0
        if len(text) > ANALYSE_WINDOW:
            yield from map(fresh, _article_windows(seq, text, p))
        else:
            small.append((seq, text))
            size += len(text)
    if small:
        yield fresh(_analyse(small, *split_many([text for _, text in small]), p))


def _article_windows(seq: int, text: str, p: ScanParams) -> Iterator[Analysed]:
    """One long article, a window of whole sentences at a time. Sentences, tokens and signatures
    are those of the whole text (no token crosses the whitespace or marker before a sentence); a
    window starts at a line's start where it can, and a line that a window's edge cuts is
    identified afresh, whole."""
    starts, ends, _ = split_many([text])
    begin, cut = _windows(text, starts.tolist())
    edges = [0] + [int(starts[k]) for k in begin[1:-1]] + [len(text)]
    lines = [
        (
            first_char,
            next_line,
            long_line_id(text, start, end, ARTICLE_WINDOW),
            long_line_flag(text, start, end, ARTICLE_WINDOW),
        )
        for start, end, first_char, next_line in cut
    ]
    for k in range(len(begin) - 1):
        lo, hi, a, b = begin[k], begin[k + 1], edges[k], edges[k + 1]
        part = _analyse([(seq, text[a:b])], starts[lo:hi] - a, ends[lo:hi] - a, np.array([hi - lo]), p)
        sentences = part.sentences
        sentences["start"] += a
        sentences["end"] += a
        sentences["idx"] += lo
        for first_char, next_line, line, flag in lines:
            on = slice(*np.searchsorted(sentences["start"], [first_char, next_line]).tolist())
            sentences["line"][on] = line
            if flag is None:  # each sentence's own (a long line, no promo): those of this window
                flags = long_line_sentence_flags(
                    text, sentences["start"][on], sentences["end"][on], ARTICLE_WINDOW
                )
            else:
                flags = np.full(on.stop - on.start, flag, dtype=np.int64)
            sentences["promo"][on] = (sentences["promo"][on] & ~FLAG_MASK) | flags  # shapes kept
        yield part


_LINE_BREAK = re.compile(f"[{_NL_CHARS}]")
_NON_SPACE = re.compile(r"\S")


def _windows(text: str, starts: list[int]) -> tuple[list[int], list[tuple[int, int, int, int]]]:
    """Where the windows of a long article begin (sentence numbers, then how many sentences),
    about ``ARTICLE_WINDOW`` characters apart; and the lines their edges cut, each as
    ``(start, end, first, next)``: its characters between line breaks, where it starts once
    folded and stripped, and where the next line does (its sentences start from ``first`` to
    ``next``, as sentences are given the last line to start at or before them).

    A window begins, where it can, at a sentence that is the first non-space of its line once
    folded: its lines, and those of the window before, are then those of the whole text."""
    begin: list[int] = [0]
    cut: list[tuple[int, int, int, int]] = []
    target = ARTICLE_WINDOW
    while True:
        k = max(bisect.bisect_left(starts, target), begin[-1] + 1)
        fallback, chosen = None, None
        while k < len(starts) and starts[k] < target + ARTICLE_WINDOW // 2:
            if not fold(text[starts[k]]).isspace():
                fallback = k if fallback is None else fallback
                if _starts_line(text, starts[k]):
                    chosen = k
                    break
            k += 1
        if k >= len(starts) and chosen is None and fallback is None:
            break
        if chosen is None and fallback is None:
            target += ARTICLE_WINDOW // 2
            continue
        pick = chosen if chosen is not None else fallback
        assert pick is not None
        at = starts[pick]
        if chosen is None and not (cut and at < cut[-1][1]):
            cut.append(_line_around(text, at, starts[begin[-1]] if len(begin) > 1 else 0))
        begin.append(pick)
        target = at + ARTICLE_WINDOW
    begin.append(len(starts))
    return begin, cut


def _starts_line(text: str, at: int) -> bool:
    """Whether only (folded) spaces lie between the line break before ``at`` and ``at``."""
    at -= 1
    while at >= 0 and text[at] not in _NL_SET and fold(text[at]).isspace():
        at -= 1
    return at < 0 or text[at] in _NL_SET


def _first_folded(text: str, at: int) -> int:
    """The first character from ``at`` that is not a space once folded (or the text's end)."""
    while (found := _NON_SPACE.search(text, at)) is not None and fold(found.group()).isspace():
        at = found.end()
    return len(text) if found is None else found.start()


def _line_around(text: str, at: int, after: int) -> tuple[int, int, int, int]:
    """:func:`_windows`'s ``(start, end, first, next)`` of the line holding ``at``, which starts
    at ``after`` or later (a sentence start before ``at`` that is the first of its line, or 0)."""
    start = max(after, max(text.rfind(c, after, at) for c in _NL_CHARS) + 1)
    found = _LINE_BREAK.search(text, at)
    end = len(text) if found is None else found.start()
    # (Sentences before the article's first line are given that line.)
    first = 0 if _first_folded(text, 0) >= start else _first_folded(text, start)
    return start, end, first, _first_folded(text, end)


def _analyse(
    items: list[tuple[int, str]],
    span_start: np.ndarray,
    span_end: np.ndarray,
    counts: np.ndarray,
    p: ScanParams,
) -> Analysed:
    """:func:`analyse_articles` of ``items`` split into the spans :func:`split_many` gives."""
    # Python does what needs rules (folding, sentence splitting's harder cases) per article;
    # tokens, lines, line ids and promo hints are found once for the whole batch, and which
    # sentence each token belongs to, how many tokens and content words each sentence has, are
    # array arithmetic.
    texts = [text for _, text in items]
    batch_text, offsets = fold_joined(texts)  # offsets: where each article starts in it
    plain = token_table(batch_text)  # lines are identified by these tokens, as stored lines are
    g_start = span_start + np.repeat(offsets, counts)
    g_end = span_end + np.repeat(offsets, counts)
    # Words hyphenated across line breaks made one token, never across two sentences.
    tok_at, tok_end, tok_key = rejoin_hyphenated(batch_text, plain, g_start)
    first_tok = np.searchsorted(tok_at, g_start)
    ntok_all = np.searchsorted(tok_at, g_end) - first_tok
    has = ntok_all > 0
    article_of = np.repeat(np.arange(len(items)), counts)[has]
    g_start, first_tok = g_start[has], first_tok[has]
    sentences = np.zeros(int(has.sum()), dtype=SENTENCE_DTYPE)
    sentences["article"] = np.array([seq for seq, _ in items], dtype=np.int64)[article_of]
    sentences["idx"] = (np.arange(len(span_start)) - np.repeat(np.cumsum(counts) - counts, counts))[has]
    sentences["start"] = span_start[has]
    sentences["end"] = span_end[has]
    ntok = ntok_all[has]
    sentences["ntok"] = ntok
    # Lines are identified by the plain tokens, as stored lines are; shapes by the matching ones.
    original = "\n".join(texts)
    sentences["line"], promo = sentence_lines(
        batch_text, offsets, plain[0], plain[2], article_of, g_start, g_end[has], original
    )
    del plain
    shapes = sentence_shapes(original, tok_at, tok_end, tok_key, first_tok, ntok)
    sentences["promo"] = pack_flags(promo, shapes)
    in_sentences = np.repeat(first_tok, ntok) + _ranges(ntok)
    token_ids = _vocabulary.ids_of_keys(
        tok_key[in_sentences],
        lambda i: token_text(batch_text, tok_at[in_sentences[i]], tok_end[in_sentences[i]]),
    )
    sentences["norm"] = sequence_ids(_vocabulary.exact_hash[token_ids], ntok)
    tok_start = np.cumsum(ntok) - ntok
    content = ~_vocabulary.stop_flags(p.verify.frequent)[token_ids]
    if len(sentences):
        sentences["ncontent"] = np.add.reduceat(content.astype(np.int64), tok_start)
    ok = (sentences["ntok"] >= p.min_tokens) & (sentences["ncontent"] >= p.min_content)
    # The first occurrence of each matchable norm, in sentence order.
    _, first = np.unique(np.where(ok, sentences["norm"], 0), return_index=True)
    keep = np.sort(first[ok[first]])
    if len(keep) == 0:
        empty = np.empty(0, dtype=np.int64)
        return Analysed(
            sentences, empty, empty, np.empty((p.bands, 0), np.uint32), np.empty((0, p.num_perm), np.uint8)
        )
    positions = np.repeat(tok_start[keep], ntok[keep]) + _ranges(ntok[keep])
    mask = content[positions]
    hashes = _vocabulary.key_hash[token_ids[positions[mask]]]
    lengths = np.add.reduceat(mask.astype(np.int64), np.cumsum(ntok[keep]) - ntok[keep])
    shingle_hashes, starts, units = unit_shingles(hashes, lengths, p.window, p.bigrams)
    # Signatures stay in the kernels' (num_perm, n) layout: band keys are cut from whole rows,
    # and only the check bytes (a quarter of the size) are transposed.
    sigs_t = MinHasher(p.num_perm, p.seed).signatures_by_perm(shingle_hashes, starts)
    keys = Banding(p.bands, p.rows).columns_by_perm(sigs_t)
    checks = np.ascontiguousarray(sigs_t.astype(np.uint8).T)  # the low byte of each value
    return Analysed(sentences, sentences["norm"][keep].astype(np.int64), units.astype(np.int64), keys, checks)


def _batches(store: Store, todo: list[tuple[int, str]], size: int) -> Iterator[list[tuple[int, str]]]:
    for first in range(0, len(todo), size):
        yield _batch(store, todo[first : first + size])  # (not held here while it is analysed)


def _batch(store: Store, chunk: list[tuple[int, str]]) -> list[tuple[int, str]]:
    texts = store.texts(i for _, i in chunk)
    return [(seq, texts[i]) for seq, i in chunk]


class _NormSet:
    """A growing set of norm ids held as sorted numpy arrays (a few bytes each, not a Python int).

    Added arrays become sorted levels; a level is merged into the one before it once it is at
    least half its size, so sizes fall geometrically: O(log n) levels to search, and each id
    is merged O(log n) times. (Merging each addition into one growing sorted array re-sorted
    millions of ids a batch at 10^6 articles: 1,000 batches of 34,000 ids took 186 s of CPU,
    38 s as levels.)

    Before the levels are searched, a bit per slot (eight slots or more an id, by the id's low
    bits: ids are hashes) says which ids may be in the set: an id whose slot is clear is not,
    and most asked are not. 200 batches of 17,000 ids, as at 10^5 simulated articles: asking
    0.80-1.13 -> 0.22-0.27 s of CPU, adding 0.61-1.06 -> 0.93-1.16 s (the bits kept up).
    """

    def __init__(self, values: np.ndarray) -> None:
        self.levels = [np.sort(values)] if len(values) else []
        self.size = len(values)
        self._slots = 0
        self._bits = np.zeros(0, dtype=np.uint8)
        self._mark_all()

    def contains(self, x: np.ndarray) -> np.ndarray:
        out = np.zeros(len(x), dtype=bool)
        slot = self._slot(x)
        maybe = np.flatnonzero((self._bits[slot >> 3] >> (slot & 7).astype(np.uint8)) & 1)
        if len(maybe):
            out[maybe] = in_sorted_levels(x[maybe], self.levels)
        return out

    def add(self, x: np.ndarray) -> None:
        """Add ids not in the set yet."""
        if len(x) == 0:
            return
        self.levels.append(np.sort(x))
        while len(self.levels) > 1 and 2 * len(self.levels[-1]) >= len(self.levels[-2]):
            newer = self.levels.pop()
            # Two sorted runs: the stable sort (timsort for int64) merges them in linear time.
            self.levels[-1] = np.sort(np.concatenate((self.levels[-1], newer)), kind="stable")
        self.size += len(x)
        if 8 * self.size > self._slots:
            self._mark_all()  # twice the slots: each id is marked O(1) times on average
        else:
            self._mark(x)

    def _slot(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(x, dtype=np.int64).view(np.uint64) & np.uint64(self._slots - 1)

    def _mark(self, x: np.ndarray) -> None:
        slot = self._slot(x)
        np.bitwise_or.at(self._bits, slot >> 3, np.left_shift(1, slot & 7).astype(np.uint8))

    def _mark_all(self) -> None:
        self._slots = 1 << max(16, (16 * self.size - 1).bit_length())
        self._bits = np.zeros(self._slots >> 3, dtype=np.uint8)
        for level in self.levels:
            self._mark(level)

    def values(self) -> np.ndarray:
        if not self.levels:
            return np.empty(0, dtype=np.int64)
        return np.sort(np.concatenate(self.levels), kind="stable")


def _index_sentences(
    store: Store, p: ScanParams, result: ScanResult, progress: Progress | None, engine: Engine
) -> int:
    """Split new articles into sentences; store them and their new distinct sentences' signatures.

    Returns how many distinct sentences the store held before: their signatures come first in
    :meth:`~tracer.store.Store.signature_index`, the new ones after (``result.new_distinct``).
    """
    conn = store.conn
    stored_norms = store.signature_column("norms")
    stored_before = len(stored_norms)
    known = _NormSet(stored_norms)
    del stored_norms
    todo = [(r[0], r[1]) for r in conn.execute("SELECT seq, id FROM articles WHERE scanned = 0 ORDER BY seq")]
    analysed = engine.map_batches(analyse_articles, _batches(store, todo, engine.batch_size), p)
    done = 0
    try:
        for batch in analysed:
            # A part's signatures are stored as it comes; the batch's sentence records together
            # (an article's sentences are one stored block: the matches stage counts on it).
            sentences = []
            for part in batch.parts():
                sentences.append(part.sentences)
                fresh = part.select(~known.contains(part.norms))
                known.add(fresh.norms)
                result.new_distinct += len(fresh.norms)
                store.add_signatures(fresh.norms, fresh.units, fresh.keys, fresh.checks)
                del part, fresh
            del batch
            records = np.concatenate(sentences) if len(sentences) > 1 else sentences[0]
            del sentences
            store.add_sentences(records)
            done += len(np.unique(records["article"]))
            result.sentences += len(records)
            del records
            if progress:
                progress("sentences", done, len(todo))
    finally:
        analysed.close()  # ends the engine's work at once if storing failed
    result.articles = len(todo)
    return stored_before


# Check bytes held in memory whole up to this size (bytes; 10^5 simulated articles: 776 MB).
# Beyond it the check is done on disk-spilled pairs in partitions of half this size.
CHECKS_IN_MEMORY = 1 << 30


class _LateChecks:
    """The check bytes of every unit, read while the first band is joined rather than before.

    Reading them (776 MB at 10^5 simulated articles) took 0.4-2 s in which nothing else ran:
    they are read on the call for the second band's keys, which comes after the first band is
    handed to a thread (:func:`~tracer.candidates.banded_pairs`). ``band_column`` is called
    from the store's own thread, which alone may read it; ``accept`` from any: a thread waits
    until the bytes are read, the store's thread reads them if they are not.
    """

    def __init__(self, store: Store, num_perm: int, bands: int) -> None:
        self.store, self.num_perm, self.bands = store, num_perm, bands
        self.owner = threading.get_ident()
        self.ready = threading.Event()
        self.checks: np.ndarray | None = None

    def band_column(self, band: int) -> np.ndarray:
        keys = self.store.band_column(band)
        if band >= 1 or self.bands == 1:
            self._read()
        return keys

    def accept(self, pairs: np.ndarray, min_jaccard: float) -> np.ndarray:
        if threading.get_ident() == self.owner:
            self._read()
        else:
            self.ready.wait()
        if self.checks is None:  # reading failed in the store's thread, which raises its error
            raise TracerError("the check bytes of the stored sentences could not be read")
        return jaccard_at_least(self.checks, pairs, min_jaccard)

    def _read(self) -> None:
        if not self.ready.is_set():
            try:
                self.checks = self.store.checks(self.num_perm)
            finally:
                self.ready.set()  # a failed read must not leave a thread waiting


def _candidates(
    store: Store,
    p: ScanParams,
    stored_before: int,
    result: ScanResult,
    progress: Progress | None,
    engine: Engine,
) -> np.ndarray:
    """Pairs of distinct sentences (norm ids), at least one new, likely to share text.

    Out of core: one band's keys are read from the store at a time; what stays in
    memory for every unit is its group and a new flag, and its check bytes up to
    :data:`CHECKS_IN_MEMORY` in all. Beyond that, pairs wait on disk beside the store
    until checked a pair of partitions at a time (:class:`~tracer.candidates.PairSpill`):
    the same pairs, slower, in memory that does not grow with the corpus.
    """
    # Norm ids are read at the end, not held through the joins (271 MB at 10^6 articles).
    counts = store.signature_column("units")
    n_norms = len(counts)
    # int32 where it fits: one per unit (81 M at 10^6 articles), only compared and looked up.
    group = np.repeat(np.arange(n_norms, dtype=np.int32 if n_norms < 1 << 31 else np.int64), counts)
    del counts
    # New sentences' signatures were stored after the others': a unit is new by its position.
    is_new = np.greater_equal(group, stored_before)
    if len(group) * p.num_perm <= CHECKS_IN_MEMORY:
        checks = _LateChecks(store, p.num_perm, p.bands)
        unit_pairs = engine.candidate_pairs(
            checks.band_column,
            p.bands,
            group,
            is_new,
            p.max_run,
            lambda pairs: checks.accept(pairs, p.min_jaccard),
        )
        del checks
    else:
        bounds = partition_bounds(len(group), p.num_perm, CHECKS_IN_MEMORY // 2)
        with PairSpill(
            bounds,
            lambda lo, hi: store.checks(p.num_perm, lo, hi),
            p.min_jaccard,
            store.scratch_directory(),
            local_cores(),
            return_free_memory,
        ) as spill:
            unit_pairs = engine.candidate_pairs(
                store.band_column, p.bands, group, is_new, p.max_run, spill=spill
            )
    result.unit_candidates = len(unit_pairs)
    del is_new
    # Unit pairs to pairs of distinct sentences a chunk at a time: at 10^6 articles there are
    # tens of millions, and whole-array temporaries of them would each take hundreds of MB.
    # A sentence is numbered by the rank of its norm id, so that the packed pairs, once sorted,
    # are in norm order (independent of storage order) with no sort of the pairs themselves.
    norms = store.signature_column("norms")
    by_norm = np.argsort(norms)
    rank = np.empty(n_norms, dtype=np.int64)
    rank[by_norm] = np.arange(n_norms)
    sentence_pairs = UniqueInts()
    for lo in range(0, len(unit_pairs), PAIRS_CHUNK):
        part = unit_pairs[lo : lo + PAIRS_CHUNK]
        ra, rb = rank[group[part >> 32]], rank[group[part & 0xFFFFFFFF]]
        sentence_pairs.add(np.minimum(ra, rb) << 32 | np.maximum(ra, rb))
    del unit_pairs, group, rank
    packed = sentence_pairs.values()
    del sentence_pairs
    sorted_norms = norms[by_norm]
    del norms, by_norm
    pairs = np.empty((len(packed), 2), dtype=np.int64)
    for lo in range(0, len(packed), PAIRS_CHUNK):
        part = packed[lo : lo + PAIRS_CHUNK]
        pairs[lo : lo + len(part), 0] = sorted_norms[part >> 32]
        pairs[lo : lo + len(part), 1] = sorted_norms[part & 0xFFFFFFFF]
    result.candidates = len(pairs)
    if progress:
        progress("candidates", len(pairs), len(pairs))
    return pairs


# Where a sentence's text is: 24 bytes of a sentence record's 48.
_TEXT_ROW = np.dtype([("article", "<i8"), ("norm", "<i8"), ("start", "<i4"), ("end", "<i4")])


def _text_rows(rows: np.ndarray) -> np.ndarray:
    out = np.empty(len(rows), dtype=_TEXT_ROW)
    for name in _TEXT_ROW.names or ():
        out[name] = rows[name]
    return out


# Characters of articles' texts read at once, about, while the sentences verify aligns are
# gathered (but those of articles read a piece at a time: Store.cut_texts).
TEXTS_AT_ONCE = 1 << 25


def _article_chunks(rows: np.ndarray, chunk: int) -> Iterator[tuple[int, int]]:
    """Consecutive ``[lo, hi)`` ranges of ``rows`` (sorted by article), cut where an article
    starts: about ``chunk`` rows each, or fewer where their articles (but those read a piece at
    a time) reach ``TEXTS_AT_ONCE`` characters."""
    if not len(rows):
        return
    article = rows["article"]
    bounds = np.append(np.flatnonzero(np.concatenate(([True], article[1:] != article[:-1]))), len(rows))
    # Characters read for each article: as far as its last wanted sentence ends.
    reach = np.maximum.reduceat(rows["end"].astype(np.int64), bounds[:-1])
    reach[reach > LONG_TEXT] = 0
    reached = np.concatenate(([0], np.cumsum(reach)))
    k = 0
    while k < len(bounds) - 1:
        by_rows = int(np.searchsorted(bounds, bounds[k] + chunk))
        by_chars = int(np.searchsorted(reached, reached[k] + TEXTS_AT_ONCE, side="right")) - 1
        end = max(k + 1, min(by_rows, by_chars, len(bounds) - 1))
        yield int(bounds[k]), int(bounds[end])
        k = end


class SentenceTexts:
    """Texts of distinct sentences (by norm id), cut from one stored occurrence of each into a
    temporary file beside the store, and read back a round of pairs at a time.

    Tokens are not stored: re-tokenising the sentences that reach alignment is cheaper
    than writing every sentence's tokens to the store. The texts are gathered in one pass
    over their articles (each article read once), but not kept in memory: as Python
    strings, those of the 33.5 M candidate pairs of 10^6 simulated articles took over 6 GB.
    """

    def __init__(self, store: Store, wanted: np.ndarray, chunk: int = 20_000) -> None:
        wanted = unique_sorted(wanted)
        # The first stored occurrence of each wanted norm, found a stored batch at a time:
        # memory holds the wanted rows, not every sentence (48 bytes each, 1.7 GB at 10^6).
        wanted_set, found = _NormSet(wanted), _NormSet(np.empty(0, dtype=np.int64))
        parts = []
        for block in store.sentence_blocks() if len(wanted) else ():
            rows = block[wanted_set.contains(block["norm"])]
            _, first = np.unique(rows["norm"], return_index=True)  # each norm's first in the batch
            rows = _text_rows(rows[first])
            rows = rows[~found.contains(rows["norm"])]
            found.add(rows["norm"])
            parts.append(rows)
        del wanted_set, found
        rows = np.concatenate(parts) if parts else np.empty(0, dtype=_TEXT_ROW)
        rows = rows[np.argsort(rows["article"], kind="stable")]  # article by article
        # Named: the local engine's workers open it to read their tasks' texts.
        self._file = tempfile.NamedTemporaryFile(prefix="tracer-texts-", dir=store.scratch_directory())
        sizes = np.empty(len(rows), dtype=np.int64)  # bytes of each sentence's UTF-8 text, in file order
        # Whole articles a chunk at a time, each read once (a long one's sentences filled many
        # chunks of sentences, and it was read once a chunk, the one before still held). Folding
        # maps each character on its own: folding the sentence alone (where its tokens are made)
        # is the same as cutting it from the folded article.
        for lo, hi in _article_chunks(rows, chunk):
            part = rows[lo:hi]
            cut = store.cut_texts(part["article"].tolist(), part["start"].tolist(), part["end"].tolist())
            encoded = [text.encode() for text in cut]
            del cut
            sizes[lo:hi] = [len(b) for b in encoded]
            self._file.write(b"".join(encoded))
            del encoded
        self._file.flush()
        offsets = np.cumsum(sizes) - sizes
        order = np.argsort(rows["norm"], kind="stable")
        self._norm = rows["norm"][order]  # sorted
        self._offset, self._size = offsets[order], sizes[order]

    def tokens(self, norms: np.ndarray) -> TokensOnDemand:
        """Tokens of each of ``norms`` (which must be among the wanted ones), made when asked for."""
        pos = self._positions(norms)
        out: dict[int, str] = dict.fromkeys(self._norm[pos].tolist(), "")
        norm, start, size = self._norm[pos].tolist(), self._offset[pos].tolist(), self._size[pos].tolist()
        # Read, not mapped: a mapped file's pages count as this process's memory until unmapped,
        # and the kernel maps far more than the bytes touched (16,384 scattered 200-byte reads of
        # a 2 GiB file in page cache mapped all of it here: spikes of ~0.7 GB at 10^6 articles).
        # pread took 0.85 us a sentence against 0.53 us mapped.
        for k in range(len(norm)):
            out[norm[k]] = self._read(start[k], size[k])
        return TokensOnDemand(out)

    def _positions(self, norms: np.ndarray) -> np.ndarray:
        """Where the wanted ones of ``norms`` are in this object's arrays, in file order."""
        norms = unique_sorted(norms)
        pos = np.searchsorted(self._norm, norms).clip(max=max(len(self._norm) - 1, 0))
        pos = pos[self._norm[pos] == norms] if len(self._norm) else pos[:0]
        return pos[np.argsort(self._offset[pos], kind="stable")]  # read in file order

    def _read(self, start: int, size: int) -> str:
        if hasattr(os, "pread"):
            return os.pread(self._file.fileno(), size, start).decode()
        self._file.seek(start)  # Windows
        return self._file.read(size).decode()

    def in_file(self, norms: np.ndarray) -> TokensOnDemand:
        """The tokens of :meth:`tokens`, their texts read from this object's file by the process
        that uses them (one on this machine, while this object is open)."""
        pos = self._positions(norms)
        return _TextsInFile(self._file.name, self._norm[pos], self._offset[pos], self._size[pos])

    def on_demand(self) -> TokensOnDemand:
        """Tokens of every wanted sentence, each read from the file only when asked for: a
        task's sentences are read as the task is handed out, while earlier tasks are aligned,
        rather than a round's before the round starts (0.77 s in all at 10^5 simulated articles,
        in which the workers waited)."""
        return _FileTokens(self)

    def text(self, norm: int) -> str:
        """The text of one wanted sentence."""
        k = int(self._norm.searchsorted(norm))
        if k >= len(self._norm) or self._norm[k] != norm:
            raise KeyError(norm)
        return self._read(int(self._offset[k]), int(self._size[k]))

    def close(self) -> None:
        self._file.close()  # a temporary file: gone once closed

    def __enter__(self) -> SentenceTexts:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _FileTokens(TokensOnDemand):
    """:meth:`SentenceTexts.on_demand`: a subset (what a task takes) is read in one sweep."""

    def __init__(self, source: SentenceTexts) -> None:
        super().__init__({})
        self.source = source

    def __getitem__(self, key: int) -> list[str]:
        return matching_tokens(fold(self.source.text(key)))

    def __iter__(self) -> Iterator[int]:
        return iter(self.source._norm.tolist())

    def __len__(self) -> int:
        return len(self.source._norm)

    def subset(self, keys: Iterable[int]) -> TokensOnDemand:
        return self.source.tokens(np.fromiter(keys, dtype=np.int64))

    def on_this_machine(self, keys: np.ndarray) -> TokensOnDemand:
        return self.source.in_file(keys)


class _TextsInFile(TokensOnDemand):
    """Texts of some sentences given by where they are in a :class:`SentenceTexts` file, read by
    whichever process asks for the first of them (what crosses to a worker is where, not what)."""

    def __init__(self, path: str, norms: np.ndarray, offsets: np.ndarray, sizes: np.ndarray) -> None:
        super().__init__({})
        self.path, self.norms, self.offsets, self.sizes = path, norms, offsets, sizes

    def __getitem__(self, key: int) -> list[str]:
        self.all_texts()
        return super().__getitem__(key)

    def all_texts(self) -> Mapping[int, str]:
        if len(self.texts) < len(self.norms):
            self._read()
        return self.texts

    def __iter__(self) -> Iterator[int]:
        return iter(self.norms.tolist())

    def __len__(self) -> int:
        return len(self.norms)

    def _read(self) -> None:
        fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
        try:
            norm, start, size = self.norms.tolist(), self.offsets.tolist(), self.sizes.tolist()
            self.texts = {norm[k]: os.pread(fd, size[k], start[k]).decode() for k in range(len(norm))}
        finally:
            os.close(fd)


def neighbourhood_order(pairs: np.ndarray) -> np.ndarray:
    """An order of ``pairs`` (distinct sentence ids, one pair a row) keeping pairs that share a
    sentence near each other.

    Alignment tasks are cut from the pairs in order and each task tokenises the sentences it
    needs. Sorted by id, a sentence's pairs are spread over many tasks: 5,000-pair tasks made
    1.17 M tokenisations of 482 k sentences at 10^5 simulated articles. Numbered in reverse
    Cuthill-McKee order of the graph of pairs (a breadth-first order, which keeps linked
    sentences close) and sorted by their lower number, 590 k.
    """
    if len(pairs) == 0:
        return np.empty(0, dtype=np.int64)
    from scipy.sparse import csr_matrix  # scipy comes with datasketch; loaded only here
    from scipy.sparse.csgraph import reverse_cuthill_mckee

    nodes = unique_sorted(pairs.ravel())
    n = len(nodes)
    # Node numbers as int32 where they fit: the graph's index arrays are the stage's largest
    # temporaries (33.5 M pairs at 10^6 simulated articles: 67 M entries each way).
    index = np.int32 if n < 1 << 31 else np.int64
    a = np.searchsorted(nodes, pairs[:, 0]).astype(index)
    b = np.searchsorted(nodes, pairs[:, 1]).astype(index)
    del nodes
    graph = csr_matrix(
        (np.ones(2 * len(pairs), dtype=np.int8), (np.concatenate((a, b)), np.concatenate((b, a)))),
        shape=(n, n),
    )
    position = np.empty(n, dtype=np.int64)
    position[reverse_cuthill_mckee(graph, symmetric_mode=True)] = np.arange(n)
    del graph
    pa, pb = position[a], position[b]
    del a, b, position
    # Pairs are distinct, so each (lower, higher) position key is too: any sort gives one order.
    return np.argsort(np.minimum(pa, pb) << 32 | np.maximum(pa, pb))


# Candidate pairs aligned in one call of the engine (inline: their sentences' keys in memory at once).
VERIFY_ROUND = 200_000
# Candidate pairs ordered in a worker while their texts are gathered, at most: the ordering's
# temporaries are ~57 bytes a pair (measured on random pairs: 53 MiB for 961,494, 213 MiB for 4 M),
# the worker's copy of the pairs 16. 10^5 simulated articles have 961,496 pairs, 10^6 33.5 M.
ORDER_ELSEWHERE = 4_000_000
# Pieces of matches whose claims' mention graph is made in a worker while the matches are written,
# at most: its peak is ~380-510 bytes a piece above the worker's start (95 MiB for the 261,714
# pieces of 10^5 simulated articles, 1,617 MiB for the 3,346,960 of 10^6: beside the scan's own
# process there, 5,440 MiB of PSS together).
GRAPH_ELSEWHERE = 1_000_000


def _verify(
    store: Store,
    p: ScanParams,
    pairs: np.ndarray,
    result: ScanResult,
    progress: Progress | None,
    engine: Engine,
) -> None:
    """Align each candidate pair; store the ones that share a region.

    The sentences' texts are gathered in one pass over the articles (each article read once)
    into a temporary file; each task reads its own from there as it is handed out, so memory
    holds the texts of the tasks in flight, not those of every sentence of every candidate pair
    (1 GB of token lists at 10^5 articles). ``pairs`` are reordered in place: the caller's array,
    not a copy beside it, is what is held while aligning.
    """
    conn = store.conn
    # Up to ORDER_ELSEWHERE pairs, their order is worked out in a worker while their texts are
    # gathered here (one core each, not one after the other); above, its temporaries beside the
    # gathering's would raise the scan's peak, and it is worked out here first.
    ordering = None
    if len(pairs) <= ORDER_ELSEWHERE:
        ordering = engine.submit(neighbourhood_order, pairs)
    else:
        pairs[:] = pairs[neighbourhood_order(pairs)]
    total = len(pairs)
    with SentenceTexts(store, pairs.ravel()) as texts:
        if ordering is not None:
            pairs[:] = pairs[ordering()]  # (after the worker has its copy: it sent back its result)
            del ordering
        # The ordering's and the gathering's temporaries are gone (2.4 GB at 10^6 articles, which
        # the heap otherwise kept through the whole stage).
        return_free_memory()
        for lo in range(0, total, VERIFY_ROUND):
            part = pairs[lo : lo + VERIFY_ROUND]
            report = None if progress is None else lambda done, _, lo=lo: progress("verify", lo + done, total)
            # Stored a round at a time: as Python tuples, a long run-on article's 3 M rows of
            # pairs of its pieces took ~1 GB until the last round was aligned.
            rows = engine.verify(part, texts.on_demand(), p.verify, report)
            conn.executemany("INSERT OR REPLACE INTO near VALUES (?,?,?,?,?,?,?,?)", rows)
            result.verified += len(rows)
            del rows
