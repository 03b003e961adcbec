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
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field

import numpy as np

from . import matches, provenance
from .boilerplate import is_promo
from .candidates import Banding, jaccard_at_least, unique_sorted
from .engine import Engine, LocalEngine
from .errors import StoreError, TracerError
from .segment import split_lines, split_sentences
from .shingles import Vocabulary, _ranges, unit_shingles
from .signatures import MinHasher
from .store import Store
from .text import fold, line_id, norm_id, tokens
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
    min_tokens: int = 5  # sentences shorter than this are never matched
    min_content: int = 3
    verify: VerifyParams = field(default_factory=VerifyParams)

    def __post_init__(self) -> None:
        if self.bands * self.rows > self.num_perm:
            raise TracerError(
                f"bands x rows ({self.bands}x{self.rows}) exceeds num_perm ({self.num_perm})",
                "raise num_perm or lower bands/rows",
            )
        if self.window < 2:
            raise TracerError(f"window must be at least 2, got {self.window}")

    def fingerprint(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)


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
    seconds: dict[str, float] = field(default_factory=dict)  # wall time of each stage


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
    store keeps them for later scans.
    """
    p = params or ScanParams()
    stored = store.get_meta("scan_params")
    if stored is not None and stored != p.fingerprint():
        raise StoreError(
            f"{store.path}: store was scanned with other matching parameters",
            "scan into a new store (--db NEW.db) to use these parameters",
        )
    result = ScanResult()
    clock = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        result.seconds[stage] = round(now - clock, 3)
        clock = now

    with store.transaction() as conn:
        store.set_meta("scan_params", p.fingerprint())
        eng = engine if engine is not None else LocalEngine(workers)
        new_norms = _index_sentences(store, p, result, progress, eng)
        lap("sentences")
        if new_norms:
            pairs = _candidates(store, p, new_norms, result, progress, eng)
            lap("candidates")
            _verify(store, p, pairs, result, progress, eng)
            lap("verify")
        conn.execute("UPDATE articles SET scanned = 1 WHERE scanned = 0")
        result.matches = matches.rebuild(store, p.min_tokens, p.min_content)
        lap("matches")
        if alias_pairs is not None:
            store.set_meta("aliases", json.dumps(sorted(alias_pairs)))
        stored_pairs = [tuple(x) for x in json.loads(store.get_meta("aliases") or "[]")]
        provenance.save(store, provenance.analyse(store, stored_pairs))  # type: ignore[arg-type]
        result.claims = conn.execute("SELECT COUNT(*) FROM claims").fetchone()[0]
        lap("claims")
    lap("commit")
    return result


SentenceRow = tuple[str, int, int, int, int, int, int, int, int]
DistinctRow = tuple[int, str, int, bytes]
_vocabulary = Vocabulary()  # per process: token ids are private, hashes are not


def analyse_articles(
    items: list[tuple[str, str]], p: ScanParams
) -> tuple[list[SentenceRow], list[DistinctRow]]:
    """Sentence rows of ``(id, text)`` articles and their distinct sentences with signatures.

    A pure function of its input, so batches can run in worker processes; the
    caller keeps only the distinct sentences the store does not have yet.
    """
    rows: list[SentenceRow] = []
    toks_of: list[list[str]] = []
    flat: list[str] = []
    for art_id, text in items:
        folded = fold(text)
        lines = split_lines(text)
        line_starts = [s for s, _ in lines]
        # A line is identified by its folded text with spacing collapsed: cheaper than tokens.
        line_info = [(line_id(folded[ls:le]), int(is_promo(folded[ls:le]))) for ls, le in lines]
        for idx, (start, end) in enumerate(split_sentences(text)):
            toks = tokens(folded, start, end)
            if not toks:
                continue
            line, promo = line_info[max(bisect.bisect_right(line_starts, start) - 1, 0)]
            rows.append((art_id, idx, start, end, norm_id(toks), line, promo, len(toks), 0))
            toks_of.append(toks)
            flat.extend(toks)
    token_ids = _vocabulary.ids(flat)
    ntok = np.array([len(t) for t in toks_of], dtype=np.int64)
    tok_start = np.cumsum(ntok) - ntok
    content = ~_vocabulary.is_stop[token_ids]
    ncontent = np.add.reduceat(content.astype(np.int64), tok_start).tolist() if rows else []
    rows = [(*r[:8], n) for r, n in zip(rows, ncontent, strict=True)]
    seen: set[int] = set()
    keep = []
    for i, r in enumerate(rows):
        if r[7] >= p.min_tokens and r[8] >= p.min_content and r[4] not in seen:
            seen.add(r[4])
            keep.append(i)
    if not keep:
        return rows, []
    sel = np.array(keep, dtype=np.int64)
    positions = np.repeat(tok_start[sel], ntok[sel]) + _ranges(ntok[sel])
    mask = content[positions]
    hashes = _vocabulary.key_hash[token_ids[positions[mask]]]
    lengths = np.add.reduceat(mask.astype(np.int64), np.cumsum(ntok[sel]) - ntok[sel])
    shingle_hashes, starts, units = unit_shingles(hashes, lengths, p.window, p.bigrams)
    sigs = MinHasher(p.num_perm, p.seed).signatures(shingle_hashes, starts)
    distinct: list[DistinctRow] = []
    pos = 0
    for i, n in zip(keep, units.tolist(), strict=True):
        distinct.append((rows[i][4], " ".join(toks_of[i]), n, sigs[pos : pos + n].tobytes()))
        pos += n
    return rows, distinct


def _batches(store: Store, ids: list[str], size: int) -> Iterator[list[tuple[str, str]]]:
    for first in range(0, len(ids), size):
        chunk = ids[first : first + size]
        texts = store.texts(chunk)
        yield [(i, texts[i]) for i in chunk]


def _index_sentences(
    store: Store, p: ScanParams, result: ScanResult, progress: Progress | None, engine: Engine
) -> set[int]:
    """Split new articles into sentences; store them and their new distinct sentences."""
    conn = store.conn
    known = {r[0] for r in conn.execute("SELECT norm FROM distinct_sentences")}
    new_norms: set[int] = set()
    todo = [r[0] for r in conn.execute("SELECT id FROM articles WHERE scanned = 0 ORDER BY seq")]
    analysed = engine.map_batches(analyse_articles, _batches(store, todo, engine.batch_size), p)
    try:
        for rows, distinct in analysed:
            conn.executemany("INSERT INTO sentences VALUES (?,?,?,?,?,?,?,?,?)", rows)
            fresh = [d for d in distinct if d[0] not in known]
            known.update(d[0] for d in fresh)
            new_norms.update(d[0] for d in fresh)
            conn.executemany("INSERT INTO distinct_sentences VALUES (?,?,?)", [d[:3] for d in fresh])
            if fresh:
                conn.execute(
                    "INSERT INTO signatures (norms, units, sigs) VALUES (?,?,?)",
                    (
                        np.array([d[0] for d in fresh], dtype=np.int64).tobytes(),
                        np.array([d[2] for d in fresh], dtype=np.int64).tobytes(),
                        b"".join(d[3] for d in fresh),
                    ),
                )
            result.articles += len({r[0] for r in rows})
            result.sentences += len(rows)
            if progress:
                progress("sentences", result.articles, len(todo))
    finally:
        analysed.close()  # ends the engine's work at once if storing failed
    result.articles = len(todo)
    result.new_distinct = len(new_norms)
    return new_norms


def _candidates(
    store: Store,
    p: ScanParams,
    new_norms: set[int],
    result: ScanResult,
    progress: Progress | None,
    engine: Engine,
) -> np.ndarray:
    """Pairs of distinct sentences (norm ids), at least one new, likely to share text."""
    conn = store.conn
    norms = np.concatenate(
        [
            np.frombuffer(r[0], dtype=np.int64)
            for r in conn.execute("SELECT norms FROM signatures ORDER BY batch")
        ]
        or [np.empty(0, dtype=np.int64)]
    )
    counts = np.concatenate(
        [
            np.frombuffer(r[0], dtype=np.int64)
            for r in conn.execute("SELECT units FROM signatures ORDER BY batch")
        ]
        or [np.empty(0, dtype=np.int64)]
    )
    sigs = np.empty((int(counts.sum()), p.num_perm), dtype=np.uint32)
    row = 0
    # Filled one stored batch at a time: memory holds the matrix once, never all blobs beside it.
    for (blob,) in conn.execute("SELECT sigs FROM signatures ORDER BY batch"):
        block = np.frombuffer(blob, dtype=np.uint32).reshape(-1, p.num_perm)
        sigs[row : row + len(block)] = block
        row += len(block)
    group = np.repeat(np.arange(len(norms)), counts)
    is_new_distinct = np.isin(norms, np.fromiter(new_norms, dtype=np.int64, count=len(new_norms)))
    is_new = is_new_distinct[group]
    banding = Banding(p.bands, p.rows)
    unit_pairs = engine.candidate_pairs(banding, sigs, group, is_new, min_jaccard=p.min_jaccard)
    # An engine may filter as it goes (the local one does); filtering again is a no-op then.
    unit_pairs = unit_pairs[jaccard_at_least(sigs, unit_pairs, p.min_jaccard)]
    result.unit_candidates = len(unit_pairs)
    ga, gb = group[unit_pairs[:, 0]], group[unit_pairs[:, 1]]
    packed = unique_sorted(np.minimum(ga, gb) << 32 | np.maximum(ga, gb))
    a, b = norms[packed >> 32], norms[packed & 0xFFFFFFFF]
    pairs = np.stack((np.minimum(a, b), np.maximum(a, b)), axis=1)
    pairs = pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))]  # by norm: independent of storage order
    result.candidates = len(pairs)
    if progress:
        progress("candidates", len(pairs), len(pairs))
    return pairs


def _verify(
    store: Store,
    p: ScanParams,
    pairs: np.ndarray,
    result: ScanResult,
    progress: Progress | None,
    engine: Engine,
) -> None:
    """Align each candidate pair; store the ones that share a region."""
    conn = store.conn
    needed = sorted({int(n) for n in pairs.ravel()})
    token_of: dict[int, list[str]] = {}
    for i in range(0, len(needed), 500):
        chunk = needed[i : i + 500]
        for norm, toks in conn.execute(
            f"SELECT norm, tokens FROM distinct_sentences WHERE norm IN ({','.join('?' * len(chunk))})", chunk
        ):
            token_of[norm] = toks.split(" ")
    report = None if progress is None else lambda done, total: progress("verify", done, total)
    rows = engine.verify(pairs, token_of, p.verify, report)
    conn.executemany("INSERT OR REPLACE INTO near VALUES (?,?,?,?,?,?,?,?)", rows)
    result.verified = len(rows)
