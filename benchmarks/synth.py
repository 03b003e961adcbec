#!/usr/bin/env python3
"""Deterministic synthetic news corpus with planted copy-paste reuse.

Usage::

    python benchmarks/synth.py N OUT.jsonl [--seed 1] [--quiet] [--verify]

Writes ``N`` articles to ``OUT.jsonl`` (JSON Lines: ``id``, ``outlet``,
``published`` (missing on ~5%), ``title``, ``text``) and one line per planted
reuse to ``OUT.truth.jsonl`` (``corpus.jsonl`` -> ``corpus.truth.jsonl``)::

    {"source_id", "target_id", "source_text", "target_text", "edit"}

``source_text`` / ``target_text`` are exact substrings of the source / target
article texts; ``edit`` is one of ``verbatim``, ``light``, ``embedded``,
``passage``.

Corpus shape (all fixed by the seed; same seed -> byte-identical files):

* ~30 sentences per article (8-35 words each, ~20 on average), ~600 words,
  paragraphs of 2-4 sentences separated by a blank line ("\\n\\n");
* tokens: ~45% from ~150 real English function words, the rest from a Zipfian
  vocabulary of 20,000 generated pseudo-words (some capitalised "names", some
  numbers), occasional commas, ~15% of sentences end in ", <Name> said.";
* 50 outlets ("Outlet 01" ... "Outlet 50") with skewed sizes; each has a
  newsletter promo and a "READ MORE:" line appended (as the last two
  paragraphs) to ~80% of its articles;
* ``published`` dates rise with the article index over 2023 (one year), so a
  source is never published after its target;
* ~20% of articles are reuse targets: they copy 1-4 units from one earlier
  article of another outlet: 40% verbatim sentence, 30% light edit (1-3
  swap/insert/drop word operations), 20% the sentence embedded in a longer
  new sentence, 10% a passage of 2-3 consecutive sentences.  Only original
  sentences are copied (never boilerplate, never already-copied text), so the
  truth has no chains.

Only the standard library and numpy are used.  Generation is vectorised per
batch of articles and streamed to disk; memory stays bounded (a window of the
last few thousand articles is kept as possible sources).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import random
import sys
import time
from bisect import bisect_right
from collections import deque
from pathlib import Path

import numpy as np

GENERATOR_VERSION = 2  # bump when the output for a given (N, seed) changes

FUNCTION_WORDS = """
the of and to a in that is was for on it with as he said by at from his be
have has had are an they not this but or were which who will their been would
its she her we after more one also up than about over two into new when there
out all what can other some could last year years him no if first before them
so only our while three may most since just because between under against where
during people those these both us through being then should like you many did
any such how each because until around well told still now do very much even
per percent own week according off time made back them across including whether
however here say says government police officials official told statement
monday tuesday wednesday thursday friday saturday sunday today yesterday among
within without later early former several another four five least next top
""".split()
# de-duplicate, keep order (list order ~ frequency rank)
FUNCTION_WORDS = list(dict.fromkeys(FUNCTION_WORDS))

N_OUTLETS = 50
VOCAB_SIZE = 20_000
P_FUNCTION = 0.45  # share of tokens that are function words
P_COMMA = 0.06
P_ATTRIBUTION = 0.15  # sentences ending in ", <Name> said."
P_NO_DATE = 0.05
P_BOILERPLATE = 0.80
P_TARGET = 0.20
EDIT_KINDS = ("verbatim", "light", "embedded", "passage")
EDIT_P = (0.40, 0.30, 0.20, 0.10)
UNITS_P = (0.40, 0.30, 0.20, 0.10)  # 1, 2, 3, 4 copied units per target
SOURCE_WINDOW = 3000  # articles kept as candidate sources
SOURCE_LAG_MEAN = 400  # geometric lag (in articles) between source and target
BATCH = 256
START_DATE = _dt.date(2023, 1, 1)
_END = "\x00"  # internal end-of-sentence marker, never written
DAYS = 365

# syllable parts of the generated words ("_" stands for an empty part)
_ONSETS = tuple(
    p.strip("_")
    for p in "_ _ b c d f g h j k l m n p r s t v w z br cr dr fr gr pr tr bl cl fl gl pl sl st sp sc sh ch th wh qu sn sm".split()
)
_NUCLEI = tuple("a e i o u a e i o ai ea ee oo ou io ia ie oa".split())
_CODAS = tuple(p.strip("_") for p in "_ _ _ n r s t l m nd nt st rt ck ng sh th x ll ss rd ld mp ct".split())


def truth_path_for(out: str | Path) -> Path:
    """``corpus.jsonl`` -> ``corpus.truth.jsonl``; other names get ``.truth.jsonl`` appended."""
    out = Path(out)
    if out.suffix == ".jsonl":
        return out.with_suffix(".truth.jsonl")
    return out.with_name(out.name + ".truth.jsonl")


_RUN_CELLS = 1024


def _run_lut(mean: float) -> np.ndarray:
    """Lookup table (``_RUN_CELLS`` cells) of geometric run lengths >= 1 with the given mean."""
    p = 1.0 / mean
    k = np.arange(1, 16)
    w = p * (1 - p) ** (k - 1)
    cells = np.floor(w / w.sum() * _RUN_CELLS).astype(np.int64)
    cells[0] += _RUN_CELLS - int(cells.sum())
    return np.repeat(k.astype(np.uint8), cells)


class _Sampler:
    """Zipf-Mandelbrot sampler over ranks 0..n-1, p(r) ~ 1 / (r + 1 + q)^s.

    Inverse-CDF lookup table of 2**21 cells: one random integer and one gather
    per draw (much faster than ``searchsorted``); every rank gets at least one
    cell and the rounding error is below one cell (< 5e-7 absolute).
    """

    BITS = 21

    def __init__(self, n: int, s: float = 1.0, q: float = 2.7, bits: int | None = None):
        m = 1 << (bits or self.BITS)
        w = 1.0 / np.power(np.arange(1, n + 1, dtype=np.float64) + q, s)
        cells = np.maximum(1, np.floor(w / w.sum() * m)).astype(np.int64)
        # hand the rounding remainder to the most frequent ranks
        rest = m - int(cells.sum())
        cells[: abs(rest)] += 1 if rest > 0 else -1
        self.lut = np.repeat(np.arange(n, dtype=np.uint16 if n < 65536 else np.int32), cells)
        self.m = m

    def draw(self, rng: np.random.Generator, k: int) -> np.ndarray:
        return self.lut[rng.integers(0, self.m, size=k, dtype=np.int32)].astype(np.int64)


def _make_vocab(rng: np.random.Generator) -> tuple[list[str], np.ndarray]:
    """20,000 pseudo-words ordered by rank (short words first, roughly); ~8% names, ~1.5% numbers.

    Returns the words and the indices (into the list) of the capitalised names.
    """
    n_cand = VOCAB_SIZE * 2
    n_syl = rng.choice([1, 2, 3, 4], size=n_cand, p=[0.25, 0.50, 0.22, 0.03])
    total = int(n_syl.sum())
    on = rng.integers(0, len(_ONSETS), size=total).tolist()
    nu = rng.integers(0, len(_NUCLEI), size=total).tolist()
    co = rng.integers(0, len(_CODAS), size=total).tolist()
    fw = set(FUNCTION_WORDS)
    seen: dict[str, float] = {}
    noise = rng.normal(0.0, 0.8, size=n_cand).tolist()
    k = 0
    for i, ns in enumerate(n_syl.tolist()):
        parts = []
        for _ in range(ns):
            parts.append(_ONSETS[on[k]] + _NUCLEI[nu[k]] + _CODAS[co[k]])
            k += 1
        w = "".join(parts)
        if len(w) < 2 or w in fw or w in seen:
            continue
        seen[w] = ns + noise[i]  # rank key: fewer syllables -> more frequent (roughly)
    words = sorted(seen, key=lambda x: (seen[x], x))[:VOCAB_SIZE]
    if len(words) < VOCAB_SIZE:  # pragma: no cover - 40k candidates always suffice
        raise RuntimeError("could not generate enough distinct words")
    # numbers at random ranks (not the very top)
    num_pos = rng.choice(np.arange(40, VOCAB_SIZE), size=300, replace=False)
    years = [str(y) for y in range(1950, 2026)]
    ints = [str(v) for v in rng.choice(np.arange(2, 1000), size=300 - len(years), replace=False)]
    for pos, tok in zip(num_pos.tolist(), years + ints, strict=True):
        words[pos] = tok
    # capitalised names at random ranks (not the very top), never on a number
    cand = np.setdiff1d(np.arange(20, VOCAB_SIZE), num_pos)
    name_pos = np.sort(rng.choice(cand, size=int(VOCAB_SIZE * 0.08), replace=False))
    for pos in name_pos.tolist():
        words[pos] = words[pos].capitalize()
    return words, name_pos


class _Article:
    """An emitted article kept in the window of possible sources."""

    __slots__ = ("id", "outlet", "text", "body", "orig", "paras", "_spans")

    def __init__(self, aid: int, outlet: int, text: str, body: list, orig: list, paras: list):
        self.id = aid
        self.outlet = outlet
        self.text = text
        self.body = body  # body sentences in order
        self.orig = orig  # True where the sentence is original (copyable)
        self.paras = paras  # sentences per paragraph
        self._spans = None

    @property
    def spans(self) -> list[tuple[int, int]]:
        """(start, end) of each body sentence in ``text`` (computed on first use)."""
        if self._spans is None:
            spans = []
            pos = 0
            k = 0
            for size in self.paras:
                for m in range(k, k + size):
                    n = len(self.body[m])
                    spans.append((pos, pos + n))
                    pos += n + 1  # " " between sentences
                pos += 1  # "\n\n" between paragraphs is one char longer
                k += size
            self._spans = spans
        return self._spans


def _paragraph_sizes(n: int, pool: list, pp: int) -> tuple[list, int]:
    """Split ``n`` sentences into paragraphs of 2-4 (pool: pre-drawn sizes 2..4)."""
    sizes = []
    rem = n
    while rem > 0:
        if rem <= 4:
            size = rem
        else:
            size = pool[pp]
            pp += 1
            if rem - size == 1:
                size = size + 1 if size < 4 else size - 1
        sizes.append(size)
        rem -= size
    return sizes, pp


class Generator:
    """Holds the vocabulary, outlets and random state; ``write`` streams the corpus."""

    def __init__(self, seed: int = 1):
        self.rng = rng = np.random.default_rng(seed)
        words, name_pos = _make_vocab(rng)
        self.func = list(FUNCTION_WORDS)
        self.content = words
        F, V = len(self.func), len(self.content)
        self.F, self.V = F, V
        base = self.func + self.content
        W = self.W = len(base)
        # token table: [plain | plain + "," | Capitalised | plain + "." + END | "said." + END]
        table = (
            base
            + [w + "," for w in base]
            + [w[:1].upper() + w[1:] for w in base]
            + [w + "." + _END for w in base]
            + ["said." + _END]
        )
        self.table = np.array(table, dtype=object)
        self.said_id = 4 * W
        self.func_s = _Sampler(F, s=1.0, q=1.0, bits=16)
        # content ranks continue the function words' Zipf curve (offset ~F): the commonest
        # content word is ~0.07% of all tokens, as "year" or "people" are in news text
        self.content_s = _Sampler(V, s=1.0, q=float(F))
        # combined table: [content ranks + F | function ranks tiled], indexed by u | kind << shift
        m = self.content_s.m
        self.lut_shift = m.bit_length() - 1
        dt = np.uint16 if W < 65536 else np.int32
        self.word_lut = np.concatenate(
            [self.content_s.lut.astype(dt) + F, np.tile(self.func_s.lut.astype(dt), m // self.func_s.m)]
        )
        # alternating runs: content (mean 1.7 words), function (mean 1.4 words)
        self.run_lut = np.concatenate([_run_lut(1.7), _run_lut(1.4)])
        self.names = np.array([self.content[i] for i in name_pos.tolist()], dtype=object)
        self.name_ids = name_pos.astype(np.int64) + F
        self.names_set = set(self.names.tolist())
        self.names_s = _Sampler(len(self.names), s=1.0, q=5.0)
        self.outlets = [f"Outlet {k:02d}" for k in range(1, N_OUTLETS + 1)]
        ow = 1.0 / (np.arange(N_OUTLETS) + 4.0)  # skewed outlet sizes
        self.outlet_p = (ow / ow.sum())[rng.permutation(N_OUTLETS)]
        self.boiler = [self._boilerplate(name) for name in self.outlets]
        self.edit_cum = np.cumsum(EDIT_P).tolist()
        self.units_cum = np.cumsum(UNITS_P).tolist()
        # scalar decisions (which source, which edit, where) use a fast stdlib PRNG seeded from rng
        self.pr = random.Random(int(rng.integers(0, 2**63)))
        self._word_pool: list[str] = []
        self._cap_pool: list[str] = []

    # -- small helpers (titles, boilerplate, edits) ---------------------------------------
    def _content_words(self, k: int, cap: bool = False) -> list[str]:
        idx = self.content_s.draw(self.rng, k) + self.F
        if cap:
            idx = idx + 2 * self.W
        return self.table[idx].tolist()

    def _mixed_words(self, k: int) -> list[str]:
        rng = self.rng
        is_f = rng.random(k) < P_FUNCTION
        idx = np.where(is_f, self.func_s.draw(rng, k), self.content_s.draw(rng, k) + self.F)
        return self.table[idx].tolist()

    def _boilerplate(self, outlet: str) -> tuple[str, str]:
        rng = self.rng
        topic = " ".join(self._content_words(int(rng.integers(1, 3))))
        day = ("morning", "evening", "weekly", "daily", "weekend")[int(rng.integers(0, 5))]
        promo = (
            f"Sign up for the {outlet} {day} {topic} newsletter to get the "
            f"{' '.join(self._content_words(2))} stories delivered straight to your inbox."
        )
        read_more = "READ MORE: " + " ".join(self._content_words(int(rng.integers(5, 10)), cap=True))
        return promo, read_more

    # -- batch drawing ---------------------------------------------------------------------
    def _batch_sentences(self, n_sent: int) -> tuple[list[str], int]:
        """``n_sent`` random sentences (vectorised) and their total word count.

        Function and content words come in alternating runs (geometric lengths,
        means 1.4 and 1.7: ~45% function words, rarely three "the of and" in a
        row); commas only follow content words; the first word is capitalised;
        ~15% of sentences end in ", <Name> said.".  All token strings of the
        batch are joined once and split at an end marker carried by the last
        token of each sentence.
        """
        rng = self.rng
        W = self.W
        lens = np.clip(np.rint(rng.normal(20.0, 6.0, size=n_sent)), 8, 35).astype(np.int64)
        attrib = rng.random(n_sent) < P_ATTRIBUTION
        lens -= 2 * (attrib & (lens > 33))  # keep <= 35 words with the attribution
        full = lens + 2 * attrib  # ", Name said." adds two tokens
        T = int(full.sum())
        ends = np.cumsum(full)
        starts = ends - full
        # kinds alternate in runs: a run boundary flips the kind; the parity of the number
        # of boundaries so far gives the kind (content first)
        K = T // 2 + 16  # 2K runs of length >= 1 cover T tokens
        u = rng.integers(0, _RUN_CELLS, size=2 * K, dtype=np.int32)
        u[1::2] += _RUN_CELLS
        bounds = np.cumsum(self.run_lut[u], dtype=np.int64)
        kind = np.zeros(T, dtype=np.uint8)
        kind[bounds[bounds < T]] = 1
        np.cumsum(kind, dtype=np.uint8, out=kind)
        kind &= 1  # 1 = function word
        is_f = kind.view(np.bool_)
        # one uniform integer per token, read through the content or the function-word
        # half of a combined lookup table
        u = rng.integers(0, self.content_s.m, size=T, dtype=np.int32)
        u |= kind.astype(np.int32) << self.lut_shift
        ids = self.word_lut[u].astype(np.int64)
        comma = (rng.random(T) < P_COMMA / (1 - P_FUNCTION)) & ~is_f
        body_end = starts + lens - 1  # last word before the period / the attribution
        comma[body_end] = False
        ids += comma * W
        ids[starts] = ids[starts] % W + 2 * W  # Capitalised
        plain_end = body_end[~attrib]
        ids[plain_end] = ids[plain_end] % W + 3 * W  # "word.<END>"
        a_end = body_end[attrib]
        ids[a_end] = ids[a_end] % W + W  # "word,"
        ids[a_end + 1] = self.name_ids[self.names_s.draw(rng, len(a_end))]
        ids[a_end + 2] = self.said_id  # "said.<END>"
        text = " ".join(self.table[ids].tolist())
        out = text.split(_END + " ")
        out[-1] = out[-1][: -len(_END)]
        return out, T

    # -- scalar randomness for the (rarer) edits ---------------------------------------------
    def _word(self, cap: bool = False) -> str:
        """Next word from a pre-drawn pool (mixed function/content, or a Capitalised content word)."""
        if cap:
            if not self._cap_pool:
                self._cap_pool = self._content_words(4096, cap=True)[::-1]
            return self._cap_pool.pop()
        if not self._word_pool:
            self._word_pool = self._mixed_words(4096)[::-1]
        return self._word_pool.pop()

    def _light_edit(self, sent: str) -> str:
        """1-3 operations, each a swap of neighbours, an inserted word or a dropped word."""
        pr = self.pr
        words = sent[:-1].split(" ")  # without the final "."
        for _ in range(pr.randint(1, 3)):
            op = pr.randrange(3)
            n = len(words)
            if op == 0 and n >= 4:  # swap two neighbours (not the first word)
                i = pr.randrange(1, n - 1)
                words[i], words[i + 1] = words[i + 1], words[i]
            elif op == 1 or n <= 6:  # insert a word (not before the first)
                words.insert(pr.randrange(1, n), self._word())
            else:  # drop a word (not the first or the last)
                del words[pr.randrange(1, n - 1)]
        words[-1] = words[-1].rstrip(",")
        new = " ".join(words) + "."
        while new == sent:  # e.g. two equal words swapped
            words.insert(1, self._word())
            new = " ".join(words) + "."
        return new

    def _embed(self, sent: str) -> str:
        """``Lead words that <sentence>[, trailing words].``"""
        pr = self.pr
        lead = [self._word(cap=True)] + [self._word() for _ in range(pr.randint(2, 6))]
        link = (" that ", " that ", ": ", " as ")[pr.randrange(4)]
        inner = sent[:-1]
        if inner.split(" ", 1)[0] not in self.names_set:
            inner = inner[:1].lower() + inner[1:]
        out = " ".join(lead) + link + inner
        if pr.random() < 0.6:
            out += ", " + " ".join([self._word() for _ in range(pr.randint(3, 8))])
        return out + "."

    def _plant(self, body: list, orig: list, outlet: int, window: deque) -> list:
        """Replace 1-4 slots of ``body`` by copies from one earlier article of another outlet.

        Returns ``[(source_article, slot, source_text, edit), ...]``.
        """
        pr = self.pr
        src = None
        for _ in range(8):
            lag = min(1 + int(pr.expovariate(1.0 / SOURCE_LAG_MEAN)), len(window))
            cand = window[-lag]
            if cand.outlet != outlet:
                src = cand
                break
        if src is None:
            return []
        n_units = bisect_right(self.units_cum, pr.random()) + 1
        slots = pr.sample(range(len(body)), min(n_units, len(body)))
        s_orig = src.orig
        n_src = len(s_orig)
        used: set[int] = set()
        planted = []
        for slot in slots:
            kind = EDIT_KINDS[bisect_right(self.edit_cum, pr.random())]
            if kind == "passage":
                k = pr.randint(2, 3)
                for _ in range(20):  # a run of k original, unused sentences
                    m = pr.randrange(n_src - k + 1)
                    if all(s_orig[m + d] and (m + d) not in used for d in range(k)):
                        break
                else:
                    m = -1
                if m >= 0:
                    used.update(range(m, m + k))
                    spans = src.spans
                    body[slot] = " ".join(src.body[m : m + k])
                    orig[slot] = False
                    planted.append((src, slot, src.text[spans[m][0] : spans[m + k - 1][1]], kind))
                    continue
                kind = "verbatim"
            for _ in range(40):
                m = pr.randrange(n_src)
                if s_orig[m] and m not in used:
                    break
            else:
                break
            used.add(m)
            src_text = src.body[m]
            if kind == "verbatim":
                new = src_text
            elif kind == "light":
                new = self._light_edit(src_text)
            else:
                new = self._embed(src_text)
            body[slot] = new
            orig[slot] = False
            planted.append((src, slot, src_text, kind))
        return planted

    # -- main loop ---------------------------------------------------------------------------
    def write(self, n: int, out, truth, progress=None) -> dict:
        """Stream ``n`` articles to ``out`` and the planted reuses to ``truth`` (binary files)."""
        rng = self.rng
        window: deque[_Article] = deque(maxlen=SOURCE_WINDOW)
        stats = {
            "articles": 0,
            "body_sentences": 0,
            "boilerplate_lines": 0,
            "words": 0,
            "planted": 0,
            "targets": 0,
            "edits": {k: 0 for k in EDIT_KINDS},
        }
        dumps = json.dumps
        dates = [(START_DATE + _dt.timedelta(days=d)).isoformat() for d in range(DAYS)]
        # Every generated string is plain ASCII letters, digits, spaces and ",.:" plus "\n",
        # so a JSON string literal is '"' + text with "\n" escaped + '"' (checked by the tests).
        heads = [f'", "outlet": "{name}", ' for name in self.outlets]
        for b0 in range(0, n, BATCH):
            B = min(BATCH, n - b0)
            n_sent = rng.integers(24, 37, size=B)
            sents, n_words = self._batch_sentences(int(n_sent.sum()))
            stats["words"] += n_words
            sent_ends = np.cumsum(n_sent).tolist()
            outlet = rng.choice(N_OUTLETS, size=B, p=self.outlet_p).tolist()
            no_date = (rng.random(B) < P_NO_DATE).tolist()
            boiler = (rng.random(B) < P_BOILERPLATE).tolist()
            target = (rng.random(B) < P_TARGET).tolist()
            para_pool = rng.integers(2, 5, size=B * 20).tolist()
            title_len = rng.integers(5, 13, size=B)
            title_toks = self._content_words(int(title_len.sum()), cap=True)
            title_ends = np.cumsum(title_len).tolist()
            lines = []
            tlines = []
            pp = s0 = t0 = 0
            for j in range(B):
                i = b0 + j
                s1 = sent_ends[j]
                body = sents[s0:s1]
                s0 = s1
                nb = len(body)
                orig = [True] * nb
                o = outlet[j]
                planted = self._plant(body, orig, o, window) if target[j] and window else ()
                paras, pp = _paragraph_sizes(nb, para_pool, pp)
                pieces = []
                k = 0
                for size in paras:
                    pieces.append(" ".join(body[k : k + size]))
                    k += size
                if boiler[j]:
                    pieces.extend(self.boiler[o])
                    stats["boilerplate_lines"] += 2
                text = "\n\n".join(pieces)
                t1 = title_ends[j]
                aid = f"a{i + 1:06d}"
                date = "" if no_date[j] else f'"published": "{dates[(i * DAYS) // n]}", '
                title = " ".join(title_toks[t0:t1])
                t0 = t1
                lines.append(
                    f'{{"id": "{aid}{heads[o]}{date}"title": "{title}", "text": "'
                    + text.replace("\n", "\\n")
                    + '"}\n'
                )
                for src, slot, src_text, kind in planted:
                    tlines.append(
                        dumps(
                            {
                                "source_id": f"a{src.id:06d}",
                                "target_id": aid,
                                "source_text": src_text,
                                "target_text": body[slot],
                                "edit": kind,
                            }
                        )
                        + "\n"
                    )
                    stats["edits"][kind] += 1
                if planted:
                    stats["planted"] += len(planted)
                    stats["targets"] += 1
                stats["body_sentences"] += nb
                window.append(_Article(i + 1, o, text, body, orig, paras))
            out.write("".join(lines).encode("ascii"))
            truth.write("".join(tlines).encode("utf-8"))
            stats["articles"] += B
            if progress:
                progress(stats["articles"])
        return stats


def generate(
    n: int, out_path: str | Path, seed: int = 1, truth_path: str | Path | None = None, progress=None
) -> dict:
    """Write the corpus and its truth file; return statistics (counts, seconds)."""
    out_path = Path(out_path)
    truth_path = Path(truth_path) if truth_path is not None else truth_path_for(out_path)
    t = time.perf_counter()
    gen = Generator(seed)
    t_setup = time.perf_counter() - t
    with (
        open(out_path, "wb") as out,
        open(truth_path, "wb") as truth,
    ):
        stats = gen.write(n, out, truth, progress=progress)
    stats["seconds"] = time.perf_counter() - t
    stats["setup_seconds"] = t_setup
    stats["seed"] = seed
    stats["generator_version"] = GENERATOR_VERSION
    stats["out"] = str(out_path)
    stats["truth"] = str(truth_path)
    return stats


def verify(out_path: str | Path, truth_path: str | Path | None = None) -> dict:
    """Re-read a generated corpus and its truth file and check the contract.

    Raises ``AssertionError`` on the first violation; returns counts otherwise.
    Loads all article texts into memory (fine for tens of thousands of articles).
    """
    out_path = Path(out_path)
    truth_path = Path(truth_path) if truth_path is not None else truth_path_for(out_path)
    arts: dict[str, tuple[int, str, str | None, str]] = {}
    with open(out_path, encoding="utf-8") as f:
        for ln, line in enumerate(f, 1):
            rec = json.loads(line)
            assert set(rec) in (
                {"id", "outlet", "published", "title", "text"},
                {"id", "outlet", "title", "text"},
            ), (ln, sorted(rec))
            assert rec["id"] not in arts, f"duplicate id {rec['id']}"
            if "published" in rec:
                _dt.date.fromisoformat(rec["published"])
            arts[rec["id"]] = (ln, rec["outlet"], rec.get("published"), rec["text"])
    n_truth = 0
    with open(truth_path, encoding="utf-8") as f:
        for ln, line in enumerate(f, 1):
            t = json.loads(line)
            assert set(t) == {"source_id", "target_id", "source_text", "target_text", "edit"}, ln
            s_ln, s_outlet, s_date, s_text = arts[t["source_id"]]
            t_ln, t_outlet, t_date, t_text = arts[t["target_id"]]
            assert t["source_text"] in s_text, f"truth line {ln}: source_text not in source"
            assert t["target_text"] in t_text, f"truth line {ln}: target_text not in target"
            assert s_ln < t_ln and s_outlet != t_outlet, f"truth line {ln}: bad source"
            assert not (s_date and t_date) or s_date <= t_date, f"truth line {ln}: source later"
            assert t["edit"] in EDIT_KINDS, ln
            same = " ".join(t["source_text"].split()) == t["target_text"]
            assert same == (t["edit"] in ("verbatim", "passage")), f"truth line {ln}: edit"
            n_truth += 1
    return {"articles": len(arts), "truth": n_truth}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("n", type=int, help="number of articles")
    ap.add_argument("out", help="output .jsonl (truth goes to OUT.truth.jsonl)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--quiet", action="store_true", help="no summary on stderr")
    ap.add_argument(
        "--verify", action="store_true", help="after writing, re-read both files and check them (untimed)"
    )
    args = ap.parse_args(argv)
    if args.n < 0:
        ap.error("N must be >= 0")
    stats = generate(args.n, args.out, seed=args.seed)
    if not args.quiet:
        rate = stats["articles"] / stats["seconds"] if stats["seconds"] else float("inf")
        print(
            f"{stats['articles']} articles, {stats['body_sentences']} body sentences "
            f"(+{stats['boilerplate_lines']} boilerplate lines), {stats['planted']} planted "
            f"reuses in {stats['targets']} articles {stats['edits']}; "
            f"{stats['seconds']:.2f}s ({rate:,.0f} articles/s) -> {stats['out']}, {stats['truth']}",
            file=sys.stderr,
        )
    if args.verify:
        v = verify(stats["out"], stats["truth"])
        if not args.quiet:
            print(f"verified: {v['articles']} articles, {v['truth']} truth lines OK", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
