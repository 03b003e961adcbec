"""Simulate a news corpus whose reuse is known, to measure how well tracer recovers it.

``simulate(n, out_path, seed)`` writes ``n`` articles as JSON Lines (the ingest format:
``id``, ``outlet``, ``published`` (absent on ~5%), ``title``, ``text``) and a truth file
(``OUT.truth.json`` by default) that ``tracer eval`` scores a scanned store against.

The world it draws (every draw fixed by the seed: same seed and size, byte-identical files):

* *outlets* (30 .. 200, more for bigger corpora) with habits: a copy rate (share of their
  claims taken from others), an edit strength (share of heavy edits), a credit rate, a lag
  habit (mean days between a claim and their copy of it), a quote style, and boilerplate
  (a newsletter promo, a "READ MORE: ..." line, "Source: Read Full Article") appended to
  most of their articles;
* *claims*: statements of 2-4 clauses, some with a quoted clause, that spread as trees.
  A claim starts in an origin article; each echo picks a parent among the claim's earlier
  members (the member published ``lag`` days earlier, ``lag`` drawn from the echoing
  outlet's habit: mostly recent ones), copies the parent's version and edits it:
  ``verbatim``, ``swap`` (1-3 words replaced), ``typo`` (1-2 character swaps), ``quotes``
  (straight <-> curly quotation marks), ``drop`` / ``add`` (a clause dropped or added),
  ``reorder`` (the first two clauses swapped), ``embed`` (the claim as a clause of a new,
  longer sentence).  An outlet that credits adds "according to <parent outlet>" or
  "<parent outlet> reported" right after the claim sentence, as a clause or a sentence of
  its own, in the same paragraph.  No outlet echoes its own articles or the same claim twice;
* *filler*: English-like sentences around the claims, ~600 words per article in paragraphs
  separated by blank lines.  Words follow one Zipf curve: ~150 real function words take the
  top ranks, 20,000 generated content words follow (the commonest is in ~1.5% of sentences);
  a quarter of the articles are filler only.

Dates rise with the article index (a day holds ~150 articles in big corpora; at least 30
days), so a parent is never published after its echo; ids (``s000001`` ...) follow the
same order, which breaks ties within a day.

Truth file (one JSON object, streamed: memory does not grow with ``n``)::

    {"version": 1, "seed": S, "n_articles": N, "knobs": {...}, "outlets": {name: {habits}},
     "articles": {id: {"outlet", "published"}},
     "claims": [{"id": "k1", "members": [{"article", "start", "end", "parent", "credited",
                                          "edit"}, ...]}, ...],
     "spans": [{"claim", "source", "source_start", "source_end", "target", "target_start",
                "target_end", "edit"}, ...]}

Offsets are ``[start, end)`` character offsets into the article ``text`` (as decoded, which
is what the store keeps).  A member's span is its claim sentence (without an appended
credit clause); for ``embed`` it is the embedded clause.  ``spans`` holds one pair per echo:
the parent's span and the echo's.  Only claims with at least one echo are listed; members
are in publication order, the origin first (``parent`` null, ``edit`` "origin").

Shapes of real corpora (knobs ``flatten``, ``wire``, ``vocabulary``, ``stock_phrases``,
``running_stories``, ``slot_templates``; ``tracer simulate`` options) are drawn by
:mod:`tracer.tools.shapes`, which describes them and what they add to the truth (``w``/``r`` claims
of multi-sentence passages, ``sentences`` on their spans, a ``decoys`` list of text that is not
reuse).  With none set, the corpus and its truth are byte-identical to those of earlier versions
(the truth's ``knobs`` list a shape knob only where it is set).
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import random
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np

from ..atomic import replacing
from ..errors import TracerError
from .shapes import ENGLISH, VOCABULARIES, Shaper, language

__all__ = [
    "EDITS", "LIGHT_EDITS", "SHAPE_KNOBS", "SimKnobs", "SimulationSummary", "simulate", "truth_path_for",
]  # fmt: skip

TRUTH_VERSION = 1
EDITS = ("origin", "verbatim", "swap", "drop", "add", "embed", "reorder", "typo", "quotes")
LIGHT_EDITS = ("verbatim", "swap", "quotes", "typo")
SHAPE_KNOBS = ("flatten", "wire", "vocabulary", "stock_phrases", "running_stories", "slot_templates")
_LIGHT_P = (("verbatim", 0.5), ("swap", 0.2), ("typo", 0.15), ("quotes", 0.15))
_HEAVY_P = (("drop", 0.25), ("add", 0.25), ("embed", 0.3), ("reorder", 0.2))

FUNCTION_WORDS = list(
    dict.fromkeys(
        """
the of and to a in that is was for on it with as he said by at from his be
have has had are an they not this but or were which who will their been would
its she her we after more one also up than about over two into new when there
out all what can other some could last year years him no if first before them
so only our while three may most since just because between under against where
during people those these both us through being then should like you many did
any such how each until around well told still now do very much even
per percent own week according off time made back across including whether
however here say says government police officials official statement
monday tuesday wednesday thursday friday saturday sunday today yesterday among
within without later early former several another four five least next top
""".split()
    )
)

# Generated words that would read as an outlet ("Star said"), an abbreviation that does not
# end a sentence ("St."), or an alias the credit finder knows are never drawn.
_AVOID = frozenset(
    """
times post daily herald news mail sun star guardian telegraph mirror express journal tribune gazette
courier wire ledger beacon sentinel chronicle observer independent standard record review bulletin
report press agency tv radio magazine dispatch examiner inquirer enquirer monitor fox nbc abc cbs bbc
cnn ap ok ria tass axios afp sky reuters bloomberg newsweek politico interfax x rex epa getty mega
mr mrs ms messrs dr prof gen col lt sgt rep reps sen sens gov rev hon capt maj adm cmdr cpl pvt supt det
insp mt st eg ie vs cf viz approx incl no nos vol fig art sec ch jan feb mar apr jun jul aug sep sept oct
nov dec pp inc ltd co corp plc jr sr bros ave blvd llc
""".split()
)

_ONSETS = tuple(
    p.strip("_")
    for p in "_ _ b c d f g h j k l m n p r s t v w z br cr dr fr gr pr tr bl cl fl gl pl sl st sp sc sh ch th wh qu sn sm".split()
)
_NUCLEI = tuple("a e i o u a e i o ai ea ee oo ou io ia ie oa".split())
_CODAS = tuple(p.strip("_") for p in "_ _ _ n r s t l m nd nt st rt ck ng sh th x ll ss rd ld mp ct".split())

_PLACES = """
Ashford Bramley Calder Dunmore Eastfield Fairhaven Glenrock Harrow Ironbridge Kingsway Lakeside Millbrook
Northgate Oakridge Pinecrest Queensbury Riverton Stonebridge Thornbury Upton Valewood Westmoor Yarrow
Coastal Capital Metro Northern Southern Eastern Western Evening Morning Weekly National Global City County
Valley Harbour Highland Midland Lowland Border Central Frontier Island Summit Granite Silver Golden Crown
Union Liberty Pioneer Heritage Meridian Horizon Compass Anchor Lantern Falcon Kestrel Sterling Redwood
""".split()
_MASTHEADS = """
Herald Courier Gazette Post Times Ledger Sentinel Chronicle Tribune Observer Beacon Wire Journal Record
Dispatch Bulletin Examiner Monitor Review Standard Inquirer Press Star Mail News Express
""".split()
_DAYPARTS = ("morning", "evening", "weekly", "daily", "weekend")
_VOCAB = 20_000
_P_ATTRIBUTION = 0.15  # filler sentences ending in ", <Name> said."
_P_COMMA = 0.06
_P_FUNCTION = 0.45
_END = "\x00"  # end-of-sentence marker inside a batch, never written
_BATCH = 256
_RUN_CELLS = 1024


@dataclass(frozen=True)
class SimKnobs:
    """What ``simulate`` can be told; defaults give the corpus described in the module doc."""

    outlets: int | None = None  # default: 30 * (n / 100) ** 0.2, within 30..200
    days: int | None = None  # default: max(30, n / 150)
    start_date: str = "2024-01-01"
    undated: float = 0.05  # share of articles without a published date
    filler_only: float = 0.25  # share of articles with no claim
    words: int = 600  # filler words per article, roughly
    max_members: int = 25  # a claim stops spreading at this many articles
    window_days: int = 14  # longest lag between a parent and its echo
    copy_rate: float = 0.65  # mean over outlets: share of claim slots that echo an earlier claim
    edit_strength: float = 0.3  # mean over outlets: share of heavy edits (drop, add, embed, reorder)
    credit_rate: float = 0.3  # mean over outlets: share of echoes that credit their parent's outlet
    lag_days: float = 1.5  # mean over outlets of their mean lag
    boilerplate: float = 0.8  # mean over outlets: share of their articles with boilerplate
    quoted: float = 0.5  # share of claims with a quoted clause
    # shapes of real corpora (tracer.tools.shapes); off, the corpus is the default one
    flatten: bool = False  # each article one line, promos inside the text
    wire: int = 0  # outlets carrying each wire story (0: no wire stories)
    vocabulary: str = "english"  # english, made-up, french, german
    stock_phrases: bool = False  # beat phrases shared by unrelated articles (not reuse)
    running_stories: bool = False  # stories over several days repeating earlier wording
    slot_templates: bool = False  # promo templates with slots, shared across outlets

    @property
    def shaped(self) -> bool:
        return any(getattr(self, name) != SimKnobs.__dataclass_fields__[name].default for name in SHAPE_KNOBS)

    def check(self) -> None:
        for name in ("undated", "filler_only", "copy_rate", "edit_strength", "credit_rate", "boilerplate",
                     "quoted"):  # fmt: skip
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise TracerError(f"simulate: {name} must be in 0..1, got {value}")
        if self.outlets is not None and self.outlets < 2:
            raise TracerError(f"simulate: outlets must be at least 2, got {self.outlets}")
        if self.days is not None and self.days < 1:
            raise TracerError(f"simulate: days must be at least 1, got {self.days}")
        if self.words < 40 or self.max_members < 2 or self.window_days < 0 or self.lag_days <= 0:
            raise TracerError("simulate: words >= 40, max_members >= 2, window_days >= 0, lag_days > 0")
        if self.vocabulary not in VOCABULARIES:
            raise TracerError(
                f"simulate: vocabulary must be one of {', '.join(VOCABULARIES)}, got {self.vocabulary!r}"
            )
        if self.wire < 0 or self.wire == 1:
            raise TracerError(f"simulate: wire must be 0 (none) or at least 2 outlets, got {self.wire}")
        try:
            _dt.date.fromisoformat(self.start_date)
        except ValueError as exc:
            raise TracerError(f"simulate: start_date {self.start_date!r} is not an ISO date") from exc


@dataclass
class SimulationSummary:
    """What ``simulate`` wrote."""

    articles: int
    outlets: int
    days: int
    seed: int
    out_path: str
    truth_path: str
    undated: int = 0
    filler_only: int = 0
    claims: int = 0  # claims with at least one echo (those in the truth file)
    members: int = 0
    echoes: int = 0
    credited: int = 0
    unechoed: int = 0  # claims that never spread (not in the truth file)
    words: int = 0
    edits: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    shapes: dict[str, Any] = field(default_factory=dict)  # what the shapes added (none: default corpus)

    def describe(self) -> str:
        rate = self.articles / self.seconds if self.seconds else float("inf")
        edits = ", ".join(f"{k} {v}" for k, v in self.edits.items() if v)
        shapes = "; shapes: " + ", ".join(map(_shape_item, self.shapes.items())) if self.shapes else ""
        return (
            f"simulated {self.articles} articles from {self.outlets} outlets over {self.days} days "
            f"({self.undated} undated, {self.filler_only} filler only, {self.words} words): {self.claims} "
            f"claims, {self.echoes} echoes ({edits}), {self.credited} credited{shapes}; {self.seconds:.1f}s "
            f"({rate:,.0f} articles/s) -> {self.out_path}, {self.truth_path}"
        )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _shape_item(item: tuple[str, Any]) -> str:
    """``flatten``, ``wire 200``, ``decoys stock 12 template 0``: one entry of a summary's shapes."""
    name, value = item
    if isinstance(value, dict):
        return " ".join([name, *(f"{k} {v}" for k, v in value.items())])
    return name if value is True else f"{name} {value}"


def truth_path_for(out: str | Path) -> Path:
    """``corpus.jsonl`` -> ``corpus.truth.json``; other names get ``.truth.json`` appended."""
    out = Path(out)
    if out.suffix == ".jsonl":
        return out.with_suffix(".truth.json")
    return out.with_name(out.name + ".truth.json")


def simulate(
    n_articles: int,
    out_path: str | Path,
    seed: int = 1,
    truth_path: str | Path | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    **knobs: Any,
) -> SimulationSummary:
    """Write ``n_articles`` synthetic articles to ``out_path`` (JSON Lines) and the truth file.

    ``knobs`` are fields of :class:`SimKnobs`.  ``progress(stage, done, total)`` is called
    after each batch of articles.  Raises :class:`TracerError` on bad knobs and ``OSError``
    when a file cannot be written.
    """
    if n_articles < 1:
        raise TracerError(f"simulate: the number of articles must be at least 1, got {n_articles}")
    if seed < 0:
        raise TracerError(f"simulate: the seed must be a non-negative integer, got {seed}")
    unknown = set(knobs) - set(SimKnobs.__dataclass_fields__)
    if unknown:
        raise TracerError(f"simulate: unknown knob(s) {', '.join(sorted(unknown))}")
    k = SimKnobs(**knobs)
    k.check()
    if k.wire > n_articles:
        raise TracerError(f"simulate: wire {k.wire} needs at least {k.wire} articles, got {n_articles}")
    out = Path(out_path)
    truth = Path(truth_path) if truth_path is not None else truth_path_for(out)
    clock = time.perf_counter()
    world = _World(n_articles, seed, k)
    summary = SimulationSummary(n_articles, len(world.outlets), world.days, seed, str(out), str(truth))
    tmp_dir = truth.parent if str(truth.parent) else Path(".")
    # The truth is opened first: its folder, made if missing, holds the sections' temporary files.
    with (
        replacing(out, "wb") as corpus,
        replacing(truth, "wb") as f,
        tempfile.TemporaryFile(dir=tmp_dir) as arts,
        tempfile.TemporaryFile(dir=tmp_dir) as claims,
        tempfile.TemporaryFile(dir=tmp_dir) as spans,
        tempfile.TemporaryFile(dir=tmp_dir) as decoys,
    ):
        world.write(
            corpus, _Section(arts), _Section(claims), _Section(spans), summary, progress, _Section(decoys)
        )
        # shape knobs are listed only where set: the default truth file stays as it was
        fields = SimKnobs.__dataclass_fields__
        head = {
            "version": TRUTH_VERSION,
            "seed": seed,
            "n_articles": n_articles,
            "knobs": {n: v for n, v in asdict(k).items() if n not in SHAPE_KNOBS or v != fields[n].default},
            "outlets": world.outlet_habits(),
        }
        f.write(json.dumps(head, ensure_ascii=False)[:-1].encode("utf-8"))
        sections = [
            ("articles", arts, "{", "}"),
            ("claims", claims, "[", "]"),
            ("spans", spans, "[", "]"),
        ]
        if k.shaped:
            sections.append(("decoys", decoys, "[", "]"))
        for name, section, opener, closer in sections:
            f.write(f',\n"{name}": {opener}\n'.encode())
            section.seek(0)
            shutil.copyfileobj(section, f, 1 << 20)
            f.write(f"\n{closer}".encode())
        f.write(b"}\n")
    summary.seconds = round(time.perf_counter() - clock, 3)
    return summary


class _Section:
    """Entries of one truth section, written comma-separated to a temporary file."""

    def __init__(self, f: IO[bytes]) -> None:
        self.f = f
        self.first = True
        self.buf: list[str] = []

    def add(self, text: str) -> None:
        if self.first:
            self.first = False
            self.buf.append(text)
        else:
            self.buf.append(",\n" + text)
        if len(self.buf) >= 4096:
            self.flush()

    def flush(self) -> None:
        if self.buf:
            self.f.write("".join(self.buf).encode("utf-8"))
            self.buf = []


# --- words ---------------------------------------------------------------------------------


def _run_lut(mean: float) -> np.ndarray:
    """Lookup table (``_RUN_CELLS`` cells) of geometric run lengths >= 1 with the given mean."""
    p = 1.0 / mean
    k = np.arange(1, 16)
    w = p * (1 - p) ** (k - 1)
    cells = np.floor(w / w.sum() * _RUN_CELLS).astype(np.int64)
    cells[0] += _RUN_CELLS - int(cells.sum())
    return np.repeat(k.astype(np.uint8), cells)


class _Zipf:
    """Zipf-Mandelbrot ranks 0..n-1, p(r) ~ 1 / (r + 1 + q)^s, drawn through an inverse-CDF table."""

    def __init__(self, n: int, s: float, q: float, bits: int) -> None:
        m = 1 << bits
        w = 1.0 / np.power(np.arange(1, n + 1, dtype=np.float64) + q, s)
        cells = np.maximum(1, np.floor(w / w.sum() * m)).astype(np.int64)
        rest = m - int(cells.sum())
        cells[: abs(rest)] += 1 if rest > 0 else -1
        self.lut = np.repeat(np.arange(n, dtype=np.int32), cells)
        self.m = m

    def draw(self, rng: np.random.Generator, k: int) -> np.ndarray:
        return self.lut[rng.integers(0, self.m, size=k)].astype(np.int64)


def _vocabulary(rng: np.random.Generator) -> tuple[list[str], np.ndarray]:
    """20,000 generated words by rank (short ones first, roughly), ~8% of them capitalised names."""
    n_cand = _VOCAB * 2
    n_syl = rng.choice([1, 2, 3, 4], size=n_cand, p=[0.25, 0.50, 0.22, 0.03])
    syllables = (
        np.array(_ONSETS, dtype=object)[rng.integers(0, len(_ONSETS), size=(n_cand, 4))]
        + np.array(_NUCLEI, dtype=object)[rng.integers(0, len(_NUCLEI), size=(n_cand, 4))]
        + np.array(_CODAS, dtype=object)[rng.integers(0, len(_CODAS), size=(n_cand, 4))]
    )
    syllables[np.arange(4)[None, :] >= n_syl[:, None]] = ""
    candidates = (syllables[:, 0] + syllables[:, 1] + syllables[:, 2] + syllables[:, 3]).tolist()
    rank_key = (n_syl + rng.normal(0.0, 0.8, size=n_cand)).tolist()  # fewer syllables: commoner
    avoid = set(FUNCTION_WORDS) | _AVOID
    seen: dict[str, float] = {}
    for word, key in zip(candidates, rank_key, strict=True):
        if len(word) >= 2 and word not in avoid and word not in seen:
            seen[word] = key
    words = sorted(seen, key=seen.__getitem__)[:_VOCAB]
    if len(words) < _VOCAB:  # pragma: no cover - 40,000 candidates always suffice
        raise RuntimeError("could not generate enough distinct words")
    num_pos = rng.choice(np.arange(40, _VOCAB), size=200, replace=False)
    numbers = [str(y) for y in range(1950, 2026)]
    numbers += [str(v) for v in rng.choice(np.arange(2, 1000), size=200 - len(numbers), replace=False)]
    for pos, tok in zip(num_pos.tolist(), numbers, strict=True):
        words[pos] = tok
    cand = np.setdiff1d(np.arange(20, _VOCAB), num_pos)
    name_pos = np.sort(rng.choice(cand, size=int(_VOCAB * 0.08), replace=False))
    for pos in name_pos.tolist():
        words[pos] = words[pos].capitalize()
    return words, name_pos


# --- claims --------------------------------------------------------------------------------

# A claim's text: clauses (connector, body); one body may be quoted (``quoted`` its index).
Clauses = tuple[tuple[str, str], ...]


@dataclass
class _State:
    clauses: Clauses
    quoted: int  # index of the quoted clause, -1 for none
    curly: bool


@dataclass
class _Member:
    article: str
    outlet: int
    start: int
    end: int
    parent: str | None
    credited: bool
    edit: str
    state: _State


@dataclass
class _Claim:
    number: int
    members: list[_Member] = field(default_factory=list)
    outlets: set[int] = field(default_factory=set)
    last_day: int = 0


_Item = tuple[str, str | None, _Member, _Claim]  # an article's claim: sentence, credit sentence, member


@dataclass
class _Outlet:
    name: str
    weight: float
    copy_rate: float
    edit_strength: float
    credit_rate: float
    lag_mean: float
    curly: float
    boilerplate: float
    promo: str
    read_more: bool
    source_line: bool

    def habits(self) -> dict[str, Any]:
        return {
            "share": round(self.weight, 5),
            "copy_rate": round(self.copy_rate, 3),
            "edit_strength": round(self.edit_strength, 3),
            "credit_rate": round(self.credit_rate, 3),
            "lag_mean_days": round(self.lag_mean, 3),
            "curly_quotes": round(self.curly, 3),
            "boilerplate": round(self.boilerplate, 3),
        }


def _beta(rng: np.random.Generator, mean: float, concentration: float, size: int) -> np.ndarray:
    if mean <= 0.0 or mean >= 1.0:
        return np.full(size, mean)
    return rng.beta(mean * concentration, (1 - mean) * concentration, size=size)


def _cap_first(text: str) -> str:
    for i, ch in enumerate(text):
        if ch.isalnum():
            return text[:i] + ch.upper() + text[i + 1 :]
    return text


def _core(state: _State, quotes: tuple[str, str] = ENGLISH.quotes) -> str:
    """The claim as a clause: no final period, first word as in its body (lower case unless a name)."""
    parts = []
    for i, (conn, body) in enumerate(state.clauses):
        if i == state.quoted:
            body = f"{quotes[0]}{body}{quotes[1]}" if state.curly else f'"{body}"'
        parts.append(f"{conn} {body}" if conn and i else body)
    return ", ".join(parts)


class _World:
    """Vocabulary, outlets and random state; ``write`` streams the corpus and the truth."""

    def __init__(self, n: int, seed: int, k: SimKnobs) -> None:
        self.n = n
        self.k = k
        self.rng = rng = np.random.default_rng(seed)
        words, name_pos = _vocabulary(rng)
        func = list(FUNCTION_WORDS)
        self.lang = ENGLISH
        if k.vocabulary != "english":  # the same draws as for English, other words at their ranks
            avoid = set(FUNCTION_WORDS) | _AVOID
            self.lang, words = language(
                k.vocabulary, np.random.default_rng([seed, 24]), words, name_pos, avoid
            )
            func = list(self.lang.function_words or FUNCTION_WORDS)
        F = self.F = len(func)
        base = func + words
        W = self.W = len(base)
        # token table, each token with what follows it: [plain | plain + "," | Capitalised |
        # plain + "." ending a sentence | ... a paragraph | ... an article] + "said." x 3
        ends = (" ", "\n\n", _END)
        table = (
            [w + " " for w in base] + [w + ", " for w in base] + [w[:1].upper() + w[1:] + " " for w in base]
        )
        for end in ends:
            table += [w + "." + end for w in base]
        table += [self.lang.said + "." + end for end in ends]
        self.table = np.array(table, dtype=object)
        self.said_id = 6 * W
        self.bare = np.array(base + [w[:1].upper() + w[1:] for w in base], dtype=object)
        self.func_z = _Zipf(F, s=1.0, q=1.0, bits=16)
        # content ranks continue the function words' curve (offset ~F): the commonest content
        # word is ~0.13% of content tokens, in ~1.5% of sentences
        self.content_z = _Zipf(len(words), s=1.0, q=float(F), bits=21)
        m = self.content_z.m
        self.lut_shift = m.bit_length() - 1
        self.word_lut = np.concatenate(
            [self.content_z.lut + F, np.tile(self.func_z.lut, m // self.func_z.m)]
        ).astype(np.int32)
        self.run_lut = np.concatenate([_run_lut(1.7), _run_lut(1.4)])
        self.name_ids = name_pos.astype(np.int64) + F
        self.names_z = _Zipf(len(name_pos), s=1.0, q=5.0, bits=16)
        self.days = k.days if k.days is not None else max(30, math.ceil(n / 150))
        start = _dt.date.fromisoformat(k.start_date)
        self.dates = [(start + _dt.timedelta(days=d)).isoformat() for d in range(self.days)]
        n_out = k.outlets if k.outlets is not None else min(200, max(30, round(30 * (n / 100) ** 0.2)))
        self.outlets = self._outlets(n_out)
        self.outlet_p = np.array([o.weight for o in self.outlets])
        self.pr = random.Random(int(rng.integers(0, 2**63)))
        self._pool: list[str] = []
        self._cap_pool: list[str] = []
        self._name_pool: list[str] = []
        self._ctx_pool: list[str] = []
        self.recent: dict[int, list[tuple[_Claim, _Member]]] = {}  # day -> members published that day
        self.light = ([e for e, _ in _LIGHT_P], [p for _, p in _LIGHT_P])
        self.heavy = ([e for e, _ in _HEAVY_P], [p for _, p in _HEAVY_P])
        self.shaper = Shaper(self, seed) if k.shaped else None

    def _outlets(self, count: int) -> list[_Outlet]:
        rng, k = self.rng, self.k
        combos = [(p, m) for p in _PLACES for m in _MASTHEADS]
        picks = rng.choice(len(combos), size=count, replace=count > len(combos))
        with_the = rng.random(count) < 0.4
        sizes = 1.0 / (np.arange(count) + 3.0)
        sizes = (sizes / sizes.sum())[rng.permutation(count)]
        copy = _beta(rng, k.copy_rate, 4.0, count)
        strength = _beta(rng, k.edit_strength, 3.0, count)
        credit = _beta(rng, k.credit_rate, 2.0, count)
        lag = k.lag_days * np.exp(rng.normal(-0.18, 0.6, size=count))
        curly = _beta(rng, 0.4, 1.0, count)
        boiler = _beta(rng, k.boilerplate, 8.0, count)
        templates = rng.random((count, 2))
        out = []
        used: set[str] = set()
        for i in range(count):
            place, mast = combos[int(picks[i])]
            name = f"{'The ' if with_the[i] else ''}{place} {mast}"
            if name in used:  # only when more outlets than combinations are asked for
                name = f"{name} {i + 1}"
            used.add(name)
            topic = " ".join(self._content(int(rng.integers(1, 3))))
            part = self.lang.dayparts[int(rng.integers(0, len(_DAYPARTS)))]
            words = " ".join(self._content(2))
            promo = self.lang.promo.format(
                name=name.removeprefix("The "), part=part, topic=topic, words=words
            )
            out.append(
                _Outlet(name, float(sizes[i]), float(copy[i]), float(strength[i]), float(credit[i]),
                        float(lag[i]), float(curly[i]), float(boiler[i]), promo, bool(templates[i, 0] < 0.7),
                        bool(templates[i, 1] < 0.3))
            )  # fmt: skip
        return out

    def outlet_habits(self) -> dict[str, dict[str, Any]]:
        return {o.name: o.habits() for o in self.outlets}

    # -- word pools (drawn in bulk, used one by one) -------------------------------------
    def _content(self, count: int, cap: bool = False) -> list[str]:
        ids = self.content_z.draw(self.rng, count) + self.F
        return self.bare[ids + (self.W if cap else 0)].tolist()

    def _word(self) -> str:
        """A word of running text: function or content, lower case unless a name."""
        if not self._pool:
            rng = self.rng
            is_f = rng.random(8192) < _P_FUNCTION
            ids = np.where(is_f, self.func_z.draw(rng, 8192), self.content_z.draw(rng, 8192) + self.F)
            self._pool = self.bare[ids].tolist()
        return self._pool.pop()

    def _cap(self) -> str:
        if not self._cap_pool:
            self._cap_pool = self._content(4096, cap=True)
        return self._cap_pool.pop()

    def _name(self) -> str:
        if not self._name_pool:
            ids = self.name_ids[self.names_z.draw(self.rng, 2048)]
            self._name_pool = self.bare[ids].tolist()
        return self._name_pool.pop()

    def _words(self, lo: int, hi: int) -> str:
        return " ".join([self._word() for _ in range(self.pr.randint(lo, hi))])

    # -- filler ---------------------------------------------------------------------------
    def _filler(
        self, groups: np.ndarray, paragraphs: bool, rng: np.random.Generator | None = None
    ) -> tuple[list[str], int]:
        """Filler text: one string per group of ``groups[g]`` sentences, and the word count.

        Vectorised over all groups.  Function and content words alternate in runs (geometric
        lengths, means 1.4 and 1.7: ~45% function words); commas follow content words only;
        the first word is capitalised; ~15% of sentences end in ", <Name> said.".  With
        ``paragraphs``, a blank line follows every 2-4 sentences (a paragraph may be cut
        shorter where a group ends).  ``rng``: the generator to draw from (default: the world's).
        """
        rng = self.rng if rng is None else rng
        W = self.W
        n_sent = int(groups.sum())
        lens = np.clip(np.rint(rng.normal(20.0, 6.0, size=n_sent)), 8, 35).astype(np.int64)
        attrib = rng.random(n_sent) < _P_ATTRIBUTION
        lens -= 2 * (attrib & (lens > 33))
        full = lens + 2 * attrib
        T = int(full.sum())
        starts = np.cumsum(full) - full
        end_kind = np.zeros(n_sent, dtype=np.int64)  # 0: sentence, 1: paragraph, 2: group ends
        if paragraphs:
            breaks = np.cumsum(rng.integers(2, 5, size=n_sent // 2 + 2)) - 1
            end_kind[breaks[breaks < n_sent]] = 1
        end_kind[np.cumsum(groups) - 1] = 2
        K = T // 2 + 16
        u = rng.integers(0, _RUN_CELLS, size=2 * K, dtype=np.int32)
        u[1::2] += _RUN_CELLS
        bounds = np.cumsum(self.run_lut[u], dtype=np.int64)
        kind = np.zeros(T, dtype=np.uint8)
        kind[bounds[bounds < T]] = 1
        np.cumsum(kind, dtype=np.uint8, out=kind)
        kind &= 1  # 1: function word
        draw = rng.integers(0, self.content_z.m, size=T, dtype=np.int32)
        draw |= kind.astype(np.int32) << self.lut_shift
        ids = self.word_lut[draw].astype(np.int64)
        comma = (rng.random(T) < _P_COMMA / (1 - _P_FUNCTION)) & (kind == 0)
        body_end = starts + lens - 1
        comma[body_end] = False
        ids += comma * W
        ids[starts] = ids[starts] % W + 2 * W
        plain = ~attrib
        ids[body_end[plain]] += (3 + end_kind[plain]) * W
        a_end = body_end[attrib]
        ids[a_end] += W
        ids[a_end + 1] = self.name_ids[self.names_z.draw(rng, len(a_end))]
        ids[a_end + 2] = self.said_id + end_kind[attrib]
        out = "".join(self.table[ids].tolist()).split(_END)
        out.pop()  # after the last group's end
        return out, T

    def _context(self) -> str:
        """A filler sentence for a claim's paragraph."""
        if not self._ctx_pool:
            self._ctx_pool, _ = self._filler(np.ones(2048, dtype=np.int64), False)
            self._ctx_pool.reverse()
        return self._ctx_pool.pop()

    # -- claims ---------------------------------------------------------------------------
    def _new_state(self, outlet: _Outlet) -> _State:
        pr = self.pr
        n = 2 + (pr.random() < 0.55) + (pr.random() < 0.2)
        clauses = []
        for i in range(n):
            first = (self._name() + " " if pr.random() < 0.5 else "") if i == 0 else ""
            body = first + self._words(6, 10)
            conn = "" if i == 0 else self.lang.connectors[pr.randrange(len(self.lang.connectors))]
            clauses.append((conn, body))
        quoted = pr.randrange(1, n) if pr.random() < self.k.quoted else -1
        return _State(tuple(clauses), quoted, pr.random() < outlet.curly)

    def _edit(self, state: _State, edit: str) -> tuple[_State, str]:
        """The parent's state with ``edit`` applied (and the edit actually made)."""
        pr = self.pr
        clauses = list(state.clauses)
        n = len(clauses)
        if edit == "quotes":
            if state.quoted < 0:
                return state, "verbatim"
            return _State(state.clauses, state.quoted, not state.curly), edit
        if edit == "drop" and n < 2:
            edit = "add"
        if edit == "add" and n >= 5:
            edit = "drop"
        if edit == "reorder" and n < 2:
            edit = "add"
        if edit in ("swap", "typo"):
            self._change_words(clauses, edit)
            if tuple(clauses) == state.clauses:
                return state, "verbatim"
            return _State(tuple(clauses), state.quoted, state.curly), edit
        quoted = state.quoted
        if edit == "drop":
            i = pr.randrange(n)
            if i == 0:
                clauses = [("", clauses[1][1])] + clauses[2:]
            else:
                del clauses[i]
            quoted = -1 if quoted == i else quoted - (quoted > i)
        elif edit == "add":
            i = pr.randint(1, n)
            connectors = self.lang.connectors
            clauses.insert(i, (connectors[pr.randrange(len(connectors))], self._words(5, 9)))
            quoted = quoted + (quoted >= i) if quoted >= 0 else -1
        elif edit == "reorder":
            (c0, b0), (c1, b1) = clauses[0], clauses[1]
            clauses[0], clauses[1] = (c0, b1), (c1 or "and", b0)
            quoted = {0: 1, 1: 0}.get(quoted, quoted)
        return _State(tuple(clauses), quoted, state.curly), edit

    def _change_words(self, clauses: list[tuple[str, str]], edit: str) -> None:
        """``swap`` (a word for another) or ``typo`` (two neighbouring letters) in place, in a few
        of ``clauses``."""
        pr = self.pr
        for _ in range(pr.randint(1, 3) if edit == "swap" else pr.randint(1, 2)):
            i = pr.randrange(len(clauses))
            conn, body = clauses[i]
            words = body.split(" ")
            j = pr.randrange(len(words))
            if edit == "swap":
                new = self._word()
                while new == words[j]:
                    new = self._word()
                words[j] = new
            else:  # swap two neighbouring letters (never the first) of a longer word
                spots = [(jj, q) for jj, w in enumerate(words) if len(w) >= 4
                         for q in range(1, len(w) - 1) if w[q] != w[q + 1]]  # fmt: skip
                if spots:
                    j, q = spots[pr.randrange(len(spots))]
                    w = words[j]
                    words[j] = w[:q] + w[q + 1] + w[q] + w[q + 2 :]
            clauses[i] = (conn, " ".join(words))

    def _pick_parent(self, day: int, lag: int, outlet: int, here: set[int]) -> tuple[_Claim, _Member] | None:
        pr = self.pr
        for d in range(max(day - lag, 0), day + 1):
            found = self.recent.get(d)
            if not found:
                continue
            for _ in range(4):
                claim, member = found[pr.randrange(len(found))]
                if (
                    len(claim.members) < self.k.max_members
                    and claim.number not in here
                    and outlet not in claim.outlets
                ):
                    return claim, member
        return None

    def _close(self, claim: _Claim, claims: _Section, summary: SimulationSummary) -> None:
        if len(claim.members) < 2:
            summary.unechoed += 1
            return
        summary.claims += 1
        summary.members += len(claim.members)
        members = [
            {"article": m.article, "start": m.start, "end": m.end, "parent": m.parent,
             "credited": m.credited, "edit": m.edit}
            for m in claim.members
        ]  # fmt: skip
        claims.add(json.dumps({"id": f"k{claim.number}", "members": members}, separators=(",", ":")))

    # -- main loop --------------------------------------------------------------------------
    def write(
        self,
        corpus: IO[bytes],
        arts: _Section,
        claims: _Section,
        spans: _Section,
        summary: SimulationSummary,
        progress: Callable[[str, int, int], None] | None,
        decoys: _Section,
    ) -> None:
        rng, k, n = self.rng, self.k, self.n
        shaper = self.shaper
        closing: dict[int, list[_Claim]] = {}
        edits: Counter[str] = Counter()
        self.next_claim = 1
        day = -1
        width = max(6, len(str(n)))
        mean_sent = max(2, k.words // 20)
        for b0 in range(0, n, _BATCH):
            B = min(_BATCH, n - b0)
            n_sent = rng.integers(max(2, mean_sent - 5), mean_sent + 6, size=B)
            bodies, n_words = self._filler(n_sent, True)
            summary.words += n_words
            outlet_of = rng.choice(len(self.outlet_p), size=B, p=self.outlet_p).tolist()
            undated = (rng.random(B) < k.undated).tolist()
            filler_only = (rng.random(B) < k.filler_only).tolist()
            slots = (1 + (rng.random(B) < 0.45) + (rng.random(B) < 0.15)).tolist()
            boiler = rng.random(B).tolist()
            title_len = rng.integers(5, 12, size=B)
            titles = self._content(int(title_len.sum()), cap=True)
            title_end = np.cumsum(title_len).tolist()
            lines = []
            t0 = 0
            for j in range(B):
                i = b0 + j
                d = (i * self.days) // n
                if d != day:
                    self._close_days(day, d, closing, claims, summary)
                    day = d
                o = outlet_of[j] if shaper is None else shaper.outlet(i, outlet_of[j])
                out = self.outlets[o]
                aid = f"s{i + 1:0{width}d}"
                published = None if undated[j] else self.dates[d]
                summary.undated += published is None
                # -- claim members of this article: (sentence, credit sentence or None, member, claim)
                items: list[_Item] = []
                if filler_only[j]:
                    summary.filler_only += 1
                elif shaper is None or not shaper.replaces(i):  # a wire copy is the story alone
                    items = self._claim_items(aid, o, d, slots[j])
                text = self._placed(bodies[j], items)
                text = self._finished(i, aid, o, text, items, boiler[j] < out.boilerplate, decoys, spans)
                self._record(items, aid, o, d, closing, edits, summary, spans)
                title = " ".join(titles[t0 : title_end[j]])
                t0 = title_end[j]
                lines.append(self._line(i, aid, out, published, title, text, arts))
            corpus.write(("\n".join(lines) + "\n").encode("utf-8"))
            if progress is not None:
                progress("simulate", b0 + B, n)
        pending = {c.number: c for bucket in closing.values() for c in bucket if c.number > 0}
        for number in sorted(pending):
            self._close(pending[number], claims, summary)
        summary.edits = {e: edits.get(e, 0) for e in EDITS}
        if shaper is not None:
            shaper.close(claims, summary)
            summary.shapes = shaper.describe()
        for section in (arts, claims, spans, decoys):
            section.flush()

    def _close_days(
        self, day: int, d: int, closing: dict[int, list[_Claim]], claims: _Section, summary: SimulationSummary
    ) -> None:
        """Days after ``day`` up to ``d`` begin: claims no longer echoed are closed."""
        k = self.k
        for dd in range(day + 1, d + 1):
            for claim in sorted(closing.pop(dd, []), key=lambda c: c.number):
                if claim.last_day + k.window_days < dd and claim.number >= 0:
                    self._close(claim, claims, summary)
                    claim.number = -claim.number  # closed
            self.recent.pop(dd - k.window_days - 1, None)

    def _claim_items(self, aid: str, o: int, d: int, slots: int) -> list[_Item]:
        """The claims article ``aid`` of outlet ``o`` prints on day ``d``, new or echoed."""
        pr, k, lang, out = self.pr, self.k, self.lang, self.outlets[o]
        items: list[_Item] = []
        here: set[int] = set()
        for _ in range(slots):
            picked = None
            if pr.random() < out.copy_rate:
                lag = min(k.window_days, int(pr.expovariate(1.0 / out.lag_mean)))
                picked = self._pick_parent(d, lag, o, here)
            if picked is None:
                claim = _Claim(self.next_claim)
                self.next_claim += 1
                state = self._new_state(out)
                edit, parent = "origin", None
            else:
                claim, parent = picked
                strong = pr.random() < out.edit_strength
                names, weights = self.heavy if strong else self.light
                state, edit = self._edit(parent.state, pr.choices(names, weights)[0])
            here.add(claim.number)
            sentence, offset, span_len = self._claim_sentence(_core(state, lang.quotes), edit)
            credit = None
            credited = parent is not None and pr.random() < out.credit_rate
            if credited and parent is not None:
                source = self.outlets[parent.outlet].name
                sentence, credit, span_len = self._credited(sentence, source, edit, span_len)
            member = _Member(aid, o, offset, offset + span_len,
                             parent.article if parent else None, credited, edit, state)  # fmt: skip
            items.append((sentence, credit, member, claim))
        return items

    def _claim_sentence(self, core: str, edit: str) -> tuple[str, int, int]:
        """The sentence printing ``core``: the sentence, where the claim starts in it, its length."""
        pr, lang = self.pr, self.lang
        if edit != "embed":
            sentence = _cap_first(core) + "."
            return sentence, 0, len(sentence)
        lead = f"{self._cap()} {self._words(2, 5)}{lang.links[pr.randrange(len(lang.links))]}"
        sentence = lead + core
        if pr.random() < 0.6:
            sentence += ", " + self._words(3, 7)
        return sentence + ".", len(lead), len(core)

    def _credited(self, sentence: str, source: str, edit: str, span_len: int) -> tuple[str, str | None, int]:
        """``sentence`` crediting ``source``: in a clause of it, or in a credit sentence of its own."""
        pr, lang = self.pr, self.lang
        credit = None
        form = pr.randrange(4)
        if form < 2:
            sentence = lang.credit_clauses[form].format(s=sentence[:-1], source=source)
        elif form == 2:
            credit = lang.credit_sentences[0].format(source=source, w=self._words(4, 9))
        else:
            lead_words = _cap_first(self._words(5, 9))
            credit = lang.credit_sentences[1].format(source=source, w=lead_words)
        if form < 2 and edit != "embed":
            span_len -= 1  # the claim's period now ends the credit clause
        return sentence, credit, span_len

    def _placed(self, body: str, items: list[_Item]) -> str:
        """``body`` with each claim in a paragraph of its own, between filler paragraphs; the
        members' spans moved to where they are."""
        if not items:
            return body
        pr = self.pr
        paras = body.split("\n\n")
        where = sorted(pr.randint(0, len(paras)) for _ in items)
        pieces: list[str] = []
        pos = prev = 0
        for w, (sentence, credit, member, _) in zip(where, items, strict=True):
            for para in paras[prev:w]:
                pieces.append(para)
                pos += len(para) + 2
            prev = w
            before = [self._context()] if pr.random() < 0.5 else []
            after = [self._context() for _ in range(pr.randint(1, 2))]
            at = pos + (len(before[0]) + 1 if before else 0)
            member.start += at
            member.end += at
            para = " ".join([*before, sentence, *([credit] if credit else []), *after])
            pieces.append(para)
            pos += len(para) + 2
        pieces.extend(paras[prev:])
        return "\n\n".join(pieces)

    def _finished(
        self,
        i: int,
        aid: str,
        o: int,
        text: str,
        items: list[_Item],
        boiler: bool,
        decoys: _Section,
        spans: _Section,
    ) -> str:
        """The article's text dressed by the shaper, or with its outlet's boilerplate."""
        shaper, out, pr = self.shaper, self.outlets[o], self.pr
        if shaper is not None:
            members = [m for _, _, m, _ in items]
            text = shaper.dress(i, aid, o, text, members, boiler, decoys)
            for entry in shaper.spans_of(i):
                spans.add(entry)
        elif boiler:
            text += "\n\n" + out.promo
            if out.read_more:
                text += "\n\nREAD MORE: " + " ".join([self._cap() for _ in range(pr.randint(5, 9))])
            if out.source_line:
                text += "\n\nSource: Read Full Article"
        return text

    def _record(
        self,
        items: list[_Item],
        aid: str,
        o: int,
        d: int,
        closing: dict[int, list[_Claim]],
        edits: Counter[str],
        summary: SimulationSummary,
        spans: _Section,
    ) -> None:
        """The article's members joined to their claims; the spans of the echoes in the truth."""
        k = self.k
        for _, _, member, claim in items:
            claim.members.append(member)
            claim.outlets.add(o)
            claim.last_day = d
            closing.setdefault(d + k.window_days + 1, []).append(claim)
            self.recent.setdefault(d, []).append((claim, member))
            edits[member.edit] += 1
            if member.parent is not None:
                p = next(m for m in claim.members if m.article == member.parent)
                summary.echoes += 1
                summary.credited += member.credited
                spans.add(
                    f'{{"claim":"k{claim.number}","source":"{p.article}","source_start":{p.start},'
                    f'"source_end":{p.end},"target":"{aid}","target_start":{member.start},'
                    f'"target_end":{member.end},"edit":"{member.edit}"}}'
                )

    def _line(
        self, i: int, aid: str, out: _Outlet, published: str | None, title: str, text: str, arts: _Section
    ) -> str:
        """The article's line of the corpus; its entry in the truth's articles."""
        # Ids, outlet names, dates and titles are plain ASCII words; the text holds no
        # backslash and no control character but "\n", so escaping is two replacements.
        date = "null" if published is None else f'"{published}"'
        arts.add(f'"{aid}":{{"outlet":"{out.name}","published":{date}}}')
        if self.shaper is not None:
            title = self.shaper.title(i) or title
        date = "" if published is None else f'"published": "{published}", '
        escaped = text.replace('"', '\\"').replace("\n", "\\n")
        return f'{{"id": "{aid}", "outlet": "{out.name}", {date}"title": "{title}", "text": "{escaped}"}}'
