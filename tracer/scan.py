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

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace

import numpy as np

from . import frequent, matches, provenance
from .analyse import NormSet, analyse_articles
from .candidates import (
    Anchors,
    PairSpill,
    UniqueInts,
    engine_pairs,
    jaccard_at_least,
    partition_bounds,
)
from .claims import ClaimsStart, mention_graph
from .engine import Engine, StageTimes, sizes
from .errors import StoreError, TracerError
from .params import ScanParams
from .sentence_texts import SentenceTexts
from .store import Store
from .verify import neighbourhood_order, verify_parts

Progress = Callable[[str, int, int], None]


@dataclass
class ScanResult:
    articles: int = 0
    sentences: int = 0
    new_distinct: int = 0
    unit_candidates: int = 0  # unit pairs sharing a band and passing the signature filter
    candidates: int = 0  # distinct sentence pairs passed to alignment
    verified: int = 0
    paraphrases: int = 0  # sentence pairs the semantic stage added
    matches: int = 0
    claims: int = 0
    scanned_anew: bool = False  # the store was scanned by a tracer that matched otherwise: all redone
    index_lost: bool = False  # ... or its matching index was missing or did not match it
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
    semantic: str | None = None,
) -> ScanResult:
    """Scan unscanned articles against the store. One transaction: all or nothing.

    ``engine`` runs the partitioned work (batches of articles, banding, alignment):
    default a :class:`~tracer.engine.local.LocalEngine` of ``workers`` processes (default:
    the CPU count, at most 4); see :func:`tracer.engine.get_engine` for a Dask cluster.
    The caller closes an engine it passes. The result depends on neither. ``alias_pairs``
    (alias, outlet) extend the built-in outlet aliases used to resolve credits; the
    store keeps them for later scans. Without ``params`` a store scanned before goes on
    with the parameters it was scanned with (its stored signatures and pairs were made
    with them, whatever the defaults of this version); a new store gets the defaults.
    ``semantic`` ("english", "multilingual", "off") switches the semantic stage
    (:mod:`tracer.semantic`) for this scan and the later ones.
    """
    stored = store.get_meta("scan_params")
    anew = False
    if params is None and stored is not None:
        params = ScanParams.from_fingerprint(stored)
        # Scanned by a tracer that matched otherwise: its signatures and pairs cannot be mixed
        # with this version's, so every article is scanned again (the store keeps its articles).
        anew = params is None
        stored = None if anew else stored
    p = _with_semantic(params or ScanParams(), semantic)
    before = ScanParams.from_fingerprint(stored) if stored is not None else None
    if before is not None:
        before = replace(before, semantic=p.semantic)  # switching it redoes that stage only
    if stored is not None and before != p:
        raise StoreError(
            f"{store.path}: store was scanned with other matching parameters",
            "scan into a new store (--db NEW.db) to use these parameters",
        )
    # An index that is missing (the store copied without it) or that a failed scan left behind:
    # what was scanned cannot be compared with, so every article is done anew.
    index_lost = not store.open_index() and store.any_scanned()
    result = ScanResult(scanned_anew=anew or index_lost, index_lost=index_lost)
    times = StageTimes(result.seconds, result.peak_mb)
    own_engine = engine is None
    if engine is None:
        from .engine.local import LocalEngine

        engine = LocalEngine(workers)
    try:
        _scan(store, p, progress, alias_pairs, engine, result, times)
    finally:
        if own_engine:
            engine.close()
    times.lap("commit")
    return result


def _scan(
    store: Store,
    p: ScanParams,
    progress: Progress | None,
    alias_pairs: list[tuple[str, str]] | None,
    eng: Engine,
    result: ScanResult,
    times: StageTimes,
) -> None:
    """The stages, in order, in one transaction."""
    with store.transaction("a scan"):
        # The workers' memory too: the candidates stage, the scan's peak, comes next.
        with eng.stage("sentences", times, release_workers=True):
            if result.scanned_anew or not store.index_fresh():
                store.forget_scans()
            store.set_meta("scan_params", p.fingerprint())
            result.changes = store.clear_changes()
            p = replace(p, verify=replace(p.verify, frequent=_frequent_words(store, p)))
            stored_before = _index_sentences(store, p, result, progress, eng)
        if result.new_distinct:
            with eng.stage("candidates", times):
                pairs = _candidates(store, p, stored_before, result, progress, eng)
            with eng.stage("texts", times):
                texts = _gather_texts(store, pairs, eng)
            # The workers' memory too: none works in the matches stage, this process's peak.
            with texts, eng.stage("verify", times, release_workers=True):
                _verify(store, p, pairs, texts, result, progress, eng)
                del pairs  # not held through the matches and claims
        if p.semantic or store.get_meta(SEMANTIC_KEY):
            with eng.stage("semantic", times):
                _paraphrases(store, p, result, progress)
        store.mark_scanned()
        with eng.stage("matches", times):
            started = _matches(store, p, result, eng)
        with eng.stage("claims", times):
            _claims(store, alias_pairs, p, result, eng, started)


SEMANTIC_KEY = "semantic_done"  # the model whose paraphrase rows the store holds


def _with_semantic(p: ScanParams, semantic: str | None) -> ScanParams:
    """``p`` with the semantic model asked for (None: as it is); the model's packages are
    checked here, before anything is written: without them the store stays as it was."""
    if semantic is not None:
        p = replace(p, semantic="" if semantic == "off" else semantic)
    if p.semantic:
        from .semantic import check_available

        check_available(p.semantic)
    return p


def _paraphrases(store: Store, p: ScanParams, result: ScanResult, progress: Progress | None) -> None:
    """The semantic stage (:mod:`tracer.semantic`): the new articles' paraphrase pairs, or the
    whole store's where the model differs from the last scan's (its rows dropped, as when off)."""
    everything = result.scanned_anew or (store.get_meta(SEMANTIC_KEY) or "") != p.semantic
    if everything:
        store.drop_paraphrases()
    store.set_meta(SEMANTIC_KEY, p.semantic)
    if p.semantic:
        from .semantic import find_paraphrases

        rows = find_paraphrases(store, p.semantic, everything, progress)
        store.add_near(rows)
        result.paraphrases = len(rows)


def _matches(store: Store, p: ScanParams, result: ScanResult, eng: Engine) -> ClaimsStart | None:
    """Rebuild the matches from the stored pieces. The claims' first step (grouping the matches'
    spans, one process's work) is begun in a worker while this process writes the matches, when
    there are at most ``sizes.GRAPH_ELSEWHERE`` pieces (otherwise it is done in the claims stage)."""
    started: list[ClaimsStart] = []

    def start_claims(pieces: matches.LinkPieces) -> None:
        cp = p.claims
        graph = eng.submit(mention_graph, pieces.columns, pieces.score, cp, pieces.units)
        started.append(ClaimsStart(pieces.names, cp, graph))

    banal = p.banality() if p.banal_df > 0 else None
    result.matches = matches.rebuild(
        store,
        p.min_tokens,
        p.min_content,
        start_claims,
        sizes.GRAPH_ELSEWHERE,
        banal,
        p.fanout,
        p.boilerplate,
        eng.step_done,
        eng.submit,
    )
    return started.pop() if started else None


def _claims(
    store: Store,
    alias_pairs: list[tuple[str, str]] | None,
    p: ScanParams,
    result: ScanResult,
    eng: Engine,
    started: ClaimsStart | None,
) -> None:
    """Group the matches into claims and trace them; the aliases given are kept for later scans."""
    if alias_pairs is not None:
        store.set_meta("aliases", json.dumps(sorted(alias_pairs)))
    stored_pairs = [tuple(x) for x in json.loads(store.get_meta("aliases") or "[]")]
    result.claims = provenance.analyse_and_save(
        store,
        stored_pairs,  # type: ignore[arg-type]
        params=p.claims,
        engine=eng,
        started=started,
    )


def _frequent_words(store: Store, p: ScanParams) -> frozenset[str]:
    """The words this store does not count as content beyond the English list: those it learned
    (:mod:`tracer.frequent`), learned now from its first ``p.frequent_sample`` articles if it has
    that many and had not; the built-in function words of six languages while it has fewer, or
    where learning is off. Learning them in a store scanned before drops what the earlier scans
    stored, and the scan then does all its articles anew."""
    known = frequent.stored(store.get_meta(frequent.META_KEY))
    if known is not None:
        return known
    first = store.first_seqs(p.frequent_sample) if p.frequent_df > 0 else []
    if len(first) < p.frequent_sample or not first:
        return _built_in_words(store)
    texts = store.texts_by_seq(first)
    words = frequent.learn([texts[s] for s in first], p.frequent_df)
    store.set_meta(frequent.META_KEY, frequent.to_meta(words))
    if store.any_scanned():
        store.forget_scans()  # fewer than the sample were scanned, with the built-in words
    return frozenset(words)


def _built_in_words(store: Store) -> frozenset[str]:
    """:data:`tracer.frequent.BUILT_IN`; a store an older tracer scanned with other words (the
    English list alone) drops what it stored, and the scan does all its articles anew."""
    if store.get_meta(frequent.BUILT_IN_KEY) != frequent.BUILT_IN_VERSION:
        if store.any_scanned():
            store.forget_scans()
        store.set_meta(frequent.BUILT_IN_KEY, frequent.BUILT_IN_VERSION)
    return frequent.BUILT_IN


def _batches(store: Store, todo: list[tuple[int, str]], size: int) -> Iterator[list[tuple[int, str]]]:
    for first in range(0, len(todo), size):
        yield _batch(store, todo[first : first + size])  # (not held here while it is analysed)


def _batch(store: Store, chunk: list[tuple[int, str]]) -> list[tuple[int, str]]:
    texts = store.texts(i for _, i in chunk)
    return [(seq, texts[i]) for seq, i in chunk]


def _index_sentences(
    store: Store, p: ScanParams, result: ScanResult, progress: Progress | None, engine: Engine
) -> int:
    """Split new articles into sentences; store them and their new distinct sentences' signatures.

    Returns how many distinct sentences the store held before: their signatures come first in
    :meth:`~tracer.store.Store.signature_index`, the new ones after (``result.new_distinct``).
    """
    stored_norms = store.signature_column("norms")
    stored_before = len(stored_norms)
    known = NormSet(stored_norms)
    del stored_norms
    todo = store.unscanned()
    analysed = engine.map(analyse_articles, _batches(store, todo, engine.batch_size), p)
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


class _LateChecks:
    """The check bytes of every unit, read while the first band is joined rather than before.

    Reading them takes a while in which nothing else would run: they are read on the call for the second band's keys, which comes after the first band is
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
    ``sizes.CHECKS_IN_MEMORY`` in all. Beyond that, pairs wait on disk beside the store
    until checked a pair of partitions at a time (:class:`~tracer.candidates.PairSpill`):
    the same pairs, slower, in memory that does not grow with the corpus.
    """
    # Norm ids are read at the end, not held through the joins.
    counts = store.signature_column("units")
    n_norms = len(counts)
    # int32 where it fits: one per unit, only compared and looked up.
    group = np.repeat(np.arange(n_norms, dtype=np.int32 if n_norms < 1 << 31 else np.int64), counts)
    del counts
    # New sentences' signatures were stored after the others': a unit is new by its position.
    is_new = np.greater_equal(group, stored_before)
    if len(group) * p.num_perm <= sizes.CHECKS_IN_MEMORY:
        checks = _LateChecks(store, p.num_perm, p.bands)
        unit_pairs = engine_pairs(
            engine,
            checks.band_column,
            p.bands,
            group,
            is_new,
            p.max_run,
            lambda pairs: checks.accept(pairs, p.min_jaccard),
            anchors=Anchors(p.full_run, p.anchors),
        )
        del checks
    else:
        bounds = partition_bounds(len(group), p.num_perm, sizes.CHECKS_IN_MEMORY // 2)
        read = lambda lo, hi: store.checks(p.num_perm, lo, hi)  # noqa: E731
        with PairSpill(bounds, read, p.min_jaccard, store.scratch_directory()) as spill:
            unit_pairs = engine_pairs(
                engine,
                store.band_column,
                p.bands,
                group,
                is_new,
                p.max_run,
                spill=spill,
                anchors=Anchors(p.full_run, p.anchors),
            )
    result.unit_candidates = len(unit_pairs)
    del is_new
    # Unit pairs to pairs of distinct sentences a chunk at a time: at scale there are tens of
    # millions, and whole-array temporaries of them would each take hundreds of MB.
    # A sentence is numbered by the rank of its norm id, so that the packed pairs, once sorted,
    # are in norm order (independent of storage order) with no sort of the pairs themselves.
    norms = store.signature_column("norms")
    by_norm = np.argsort(norms)
    rank = np.empty(n_norms, dtype=np.int64)
    rank[by_norm] = np.arange(n_norms)
    sentence_pairs = UniqueInts()
    for lo in range(0, len(unit_pairs), sizes.PAIRS_CHUNK):
        part = unit_pairs[lo : lo + sizes.PAIRS_CHUNK]
        ra, rb = rank[group[part >> 32]], rank[group[part & 0xFFFFFFFF]]
        sentence_pairs.add(np.minimum(ra, rb) << 32 | np.maximum(ra, rb))
    del unit_pairs, group, rank
    packed = sentence_pairs.values()
    del sentence_pairs
    sorted_norms = norms[by_norm]
    del norms, by_norm
    pairs = np.empty((len(packed), 2), dtype=np.int64)
    for lo in range(0, len(packed), sizes.PAIRS_CHUNK):
        part = packed[lo : lo + sizes.PAIRS_CHUNK]
        pairs[lo : lo + len(part), 0] = sorted_norms[part >> 32]
        pairs[lo : lo + len(part), 1] = sorted_norms[part & 0xFFFFFFFF]
    result.candidates = len(pairs)
    if progress:
        progress("candidates", len(pairs), len(pairs))
    return pairs


def _gather_texts(store: Store, pairs: np.ndarray, engine: Engine) -> SentenceTexts:
    """The texts of the sentences of ``pairs``, gathered in one pass over their articles into a
    temporary file; ``pairs`` are put in :func:`~tracer.verify.neighbourhood_order` meanwhile, in
    place (the caller's array, not a copy beside it, is what is held while aligning).

    Up to ``sizes.ORDER_ELSEWHERE`` pairs, their order is worked out in a worker while their
    texts are gathered here; above, its temporaries beside the gathering's would raise the scan's
    peak, and it is worked out here first."""
    ordering = None
    if len(pairs) <= sizes.ORDER_ELSEWHERE:
        ordering = engine.submit(neighbourhood_order, pairs)
    else:
        pairs[:] = pairs[neighbourhood_order(pairs)]
    texts = SentenceTexts(store, pairs.ravel())
    try:
        if ordering is not None:
            pairs[:] = pairs[ordering()]  # (after the worker has its copy: it sent back its result)
    except BaseException:
        texts.close()
        raise
    return texts


def _verify(
    store: Store,
    p: ScanParams,
    pairs: np.ndarray,
    texts: SentenceTexts,
    result: ScanResult,
    progress: Progress | None,
    engine: Engine,
) -> None:
    """Align each candidate pair; store the ones that share a region.

    Each task reads its sentences' texts from ``texts`` as it is handed out, so memory holds the
    texts of the tasks in flight, not those of every sentence of every candidate pair.
    """
    total = len(pairs)
    for lo in range(0, total, sizes.VERIFY_ROUND):
        part = pairs[lo : lo + sizes.VERIFY_ROUND]
        report = None if progress is None else lambda done, _, lo=lo: progress("verify", lo + done, total)
        # Stored a task's rows at a time, as they come back, while the workers align the next
        # (as Python tuples, a long run-on article's rows of pairs of its pieces would take
        # gigabytes until the last was aligned).
        for rows in verify_parts(engine, part, texts.on_demand(), p.verify, report, texts.in_file):
            store.add_near(rows)
            result.verified += len(rows)
            del rows
