"""Every parameter that changes what a scan finds, in one place.

Each dataclass checks its values when made (a :class:`~tracer.errors.ParamError` names the
parameter, its allowed range and the value given). :class:`ScanParams` holds the others and is
what a store remembers (:meth:`ScanParams.fingerprint`): a later scan goes on with the
parameters the store was first scanned with. This module imports nothing heavy.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from typing import Any

from .errors import ParamError

# A sentence with more occurrences than this has each occurrence linked to one other, not paired
# with every other (tracer.matches): pairs grow with the square of a passage's carriers (a wire
# story in 10^4 papers: 5x10^7). Above the carriers of any sentence of `tracer simulate` corpora
# (11 at 10^4 articles), so their matches are every pair (``ScanParams.fanout``).
FANOUT = 16

# The models of the semantic stage (tracer.semantic), by the name ``--semantic`` takes.
SEMANTIC_MODELS = ("english", "multilingual")


def _check(owner: object, name: str, low: float, high: float, *, open_low: bool = False) -> None:
    """Raise :class:`ParamError` unless ``owner.name`` is a number in its range (``(low, high]``
    with ``open_low``, else ``[low, high]``); ints stay ints (a float where an int is meant is
    a mistake)."""
    value = getattr(owner, name)
    default = getattr(type(owner), name, None)
    want_int = isinstance(default, int) and not isinstance(default, bool)
    ok_type = isinstance(value, int if want_int else (int, float)) and not isinstance(value, bool)
    inside = ok_type and (value > low if open_low else value >= low) and value <= high
    if inside and not (isinstance(value, float) and math.isnan(value)):
        return
    bound = "(" if open_low else "["
    top = "" if math.isinf(high) else f"{high:g}"
    kind = "an integer" if want_int else "a number"
    raise ParamError(
        f"{type(owner).__name__}.{name} must be {kind} in {bound}{low:g}, {top or 'inf'}"
        f"{']' if top else ')'}, got {value!r}",
        f"pass a value in that range (default {default!r})",
    )


def _check_bool(owner: object, name: str) -> None:
    value = getattr(owner, name)
    if not isinstance(value, bool):
        raise ParamError(
            f"{type(owner).__name__}.{name} must be True or False, got {value!r}",
            f"pass a bool (default {getattr(type(owner), name)!r})",
        )


_INF = math.inf


@dataclass(frozen=True)
class VerifyParams:
    """How a candidate pair of sentences is aligned and judged (:mod:`tracer.verify`)."""

    max_gap: int = 4  # tokens skipped on either side inside one region
    min_tokens: int = 5  # matched tokens in a region
    min_content: int = 4  # matched content (non-stop) words: fewer is a name or a stock phrase
    min_score: float = 0.5  # Dice of matched tokens over the region lengths
    near_coverage: float = 0.8  # share of both sentences a near-verbatim region covers
    near_score: float = 0.8
    # Words a store learned to be too common to count as content (tracer.frequent), on top of
    # the English stopwords. Not a setting: a store keeps them in its meta, not its fingerprint.
    frequent: frozenset[str] = field(default=frozenset(), repr=False, compare=False)

    def __post_init__(self) -> None:
        _check(self, "max_gap", 0, _INF)
        _check(self, "min_tokens", 1, _INF)
        _check(self, "min_content", 0, _INF)
        for name in ("min_score", "near_coverage", "near_score"):
            _check(self, name, 0.0, 1.0)


@dataclass(frozen=True)
class ClaimParams:
    """How matched spans are grouped into claims (:mod:`tracer.claims`)."""

    min_average: float = 0.3  # average cross-link similarity needed to merge two groups
    min_overlap: float = 0.5  # spans in one article overlapping this share of the shorter are one mention
    max_terms: int = 6  # words that name a claim
    # A mention linked to more than this many others starts as one group with those it is
    # linked to at min_average or more (claims.hub_groups): copies of a sentence many papers
    # edit are compared with a few of them only (ScanParams.anchors), not with each other.
    hub_links: int = 16

    def __post_init__(self) -> None:
        _check(self, "min_average", 0.0, 1.0)
        _check(self, "min_overlap", 0.0, 1.0, open_low=True)
        _check(self, "max_terms", 0, _INF)
        _check(self, "hub_links", 1, _INF)


@dataclass(frozen=True)
class BoilerplateParams:
    """When a line or sentence is an outlet's template (:mod:`tracer.boilerplate`)."""

    outlet_repeats: int = 3  # a line in this many articles of one outlet is its template
    shared_outlets: int = 2  # ... or in 2+ articles of each of this many outlets
    rounds: int = 3  # of finding templates, each with the passages the ones found before end
    # A shape is a template when this many outlets print it, each with words in its slots that
    # no other outlet prints (their own name), and they are half or more of those that print it.
    slot_outlets: int = 3
    # Wire copy: text wire_share or more of whose dated carriers are within wire_days of their
    # median day, from wire_outlets outlets or more; and either that many of the corpus's
    # articles are not (a burst no likelier than wire_chance by chance, as the articles of a
    # corpus are spread over its days), or wire_many outlets print it (in a corpus of a few
    # days, where no burst can be told, many outlets). A template recurs for as long as its
    # outlet publishes, a formula ("2 points off the play-off places") whenever it fits; a wire
    # story comes and goes within days, some papers printing it again in an update.
    wire_outlets: int = 2
    wire_days: int = 3
    wire_share: float = 0.8
    wire_chance: float = 0.01
    wire_many: int = 10

    def __post_init__(self) -> None:
        _check(self, "outlet_repeats", 2, _INF)
        for name in ("shared_outlets", "rounds", "slot_outlets", "wire_outlets", "wire_many"):
            _check(self, name, 1, _INF)
        _check(self, "wire_days", 0, _INF)
        _check(self, "wire_share", 0.0, 1.0)
        _check(self, "wire_chance", 0.0, 1.0)


@dataclass(frozen=True)
class BanalParams:
    """When a match is a stock phrase (:mod:`tracer.banality`); made by :meth:`ScanParams.banality`."""

    # A phrase printed by at least max(min_df, df_share x articles) articles, in sentences none
    # of which holds more than `dominance` of them, is common. Simulated claims have up to 25
    # members; a stock phrase is in a share of the articles, so its count grows with the corpus.
    min_df: int = 25
    share: float = 0.5  # a region whose trigrams are at least this share common is banal
    frequent: frozenset[str] = frozenset()  # the store's learned non-content words
    df_share: float = 0.002
    dominance: float = 0.3
    max_shared: int = 10  # trigrams a banal pair shares at most: stock phrases are short
    # Trigrams not common a banal pair shares at most: more name its own people and places ("Daniel
    # Hollins, 29, of Kingswood" copied with "pleaded guilty at Bristol Crown Court").
    max_rare: int = 3

    def __post_init__(self) -> None:
        _check(self, "min_df", 0, _INF)
        _check(self, "share", 0.0, 1.0, open_low=True)
        _check(self, "df_share", 0.0, 1.0)
        _check(self, "dominance", 0.0, 1.0, open_low=True)
        _check(self, "max_shared", 0, _INF)
        _check(self, "max_rare", 0, _INF)

    def threshold(self, articles: int) -> int:
        """How many articles make a phrase common in a store of ``articles``."""
        return max(self.min_df, math.ceil(self.df_share * articles))


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
    # corpus, and few verified pairs share only such buckets (docs/performance.md).
    max_run: int = 200
    # The first `full_run` units sharing a band key are all paired; each later one only with
    # the first `anchors` (candidates.Anchors): near copies of one sentence (a template's slots,
    # a wire story each paper edits) then cost pairs in proportion to their number.
    full_run: int = 8
    anchors: int = 2
    min_tokens: int = 5  # sentences shorter than this are never matched
    min_content: int = 3
    # A sentence printed more often than this has each occurrence linked to the one it most
    # likely came from, not paired with every other (FANOUT).
    fanout: int = FANOUT
    verify: VerifyParams = field(default_factory=VerifyParams)
    # Words found in at least this share of the 300-token stretches of the store's first
    # `frequent_sample` articles are not content words, in any language, on top of the English
    # stopwords (tracer.frequent); a store with fewer articles uses built-in function words.
    # 0: never learned (the built-in words then apply at any size).
    frequent_df: float = 0.3
    frequent_sample: int = 300
    # A match made mostly (`banal_share` of its content-word trigrams) of phrases printed by at
    # least max(`banal_df`, `banal_df_share` x articles) articles, in sentences none of which
    # holds more than `banal_dominance` of them, and short (at most `banal_max_shared` trigrams,
    # `banal_max_rare` of them not common) is banal: a stock phrase, flagged and hidden like
    # boilerplate (tracer.banality). 0: never.
    banal_df: int = 25
    banal_share: float = 0.5
    banal_df_share: float = 0.002
    banal_dominance: float = 0.3
    banal_max_shared: int = 10
    banal_max_rare: int = 3
    claims: ClaimParams = field(default_factory=ClaimParams)
    boilerplate: BoilerplateParams = field(default_factory=BoilerplateParams)
    # Reworded and cross-language echoes (tracer.semantic): "" (off) or one of SEMANTIC_MODELS.
    # A scan may switch it: the semantic stage alone is redone over the whole store.
    semantic: str = ""

    def __post_init__(self) -> None:
        _check(self, "num_perm", 1, 1024)
        _check(self, "seed", 0, 2**32 - 1)  # numpy's RandomState seeds the permutations
        _check(self, "bands", 1, _INF)
        _check(self, "rows", 1, _INF)
        if self.bands * self.rows > self.num_perm:
            raise ParamError(
                f"ScanParams: bands x rows ({self.bands}x{self.rows}) exceeds num_perm ({self.num_perm})",
                "raise num_perm or lower bands/rows",
            )
        _check(self, "window", 2, _INF)
        _check_bool(self, "bigrams")
        _check(self, "min_jaccard", 0.0, 1.0)
        _check(self, "max_run", 2, _INF)
        _check(self, "full_run", 1, _INF)
        _check(self, "anchors", 1, self.full_run)
        _check(self, "min_tokens", 1, _INF)
        _check(self, "min_content", 0, _INF)
        _check(self, "fanout", 2, _INF)
        _check(self, "frequent_df", 0.0, 1.0)
        _check(self, "frequent_sample", 0, _INF)
        _check(self, "banal_df", 0, _INF)
        self.banality()  # checks the banal_* values (their ranges are BanalParams')
        if self.semantic not in ("", *SEMANTIC_MODELS):
            raise ParamError(
                f"ScanParams.semantic must be one of {', '.join(SEMANTIC_MODELS)} or '' (off), "
                f"got {self.semantic!r}",
                "pass a model name, or '' for none",
            )
        for name, kind in (
            ("verify", VerifyParams),
            ("claims", ClaimParams),
            ("boilerplate", BoilerplateParams),
        ):
            if not isinstance(getattr(self, name), kind):
                raise ParamError(
                    f"ScanParams.{name} must be a {kind.__name__}, got {getattr(self, name)!r}",
                    f"pass {kind.__name__}(...)",
                )

    def banality(self) -> BanalParams:
        try:
            return BanalParams(
                self.banal_df,
                self.banal_share,
                self.verify.frequent,
                self.banal_df_share,
                self.banal_dominance,
                self.banal_max_shared,
                self.banal_max_rare,
            )
        except ParamError as e:  # named as the caller wrote it
            for mine, theirs in _BANAL_NAMES.items():
                e.message = e.message.replace(f"BanalParams.{theirs} ", f"ScanParams.{mine} ")
            raise

    def fingerprint(self) -> str:
        return json.dumps(self._values(), sort_keys=True)

    def _values(self) -> dict[str, Any]:
        values = asdict(self)
        del values["verify"]["frequent"]  # learned per store, kept in its meta (tracer.frequent)
        if not values["semantic"]:
            del values["semantic"]  # stores scanned without it keep the fingerprint they had
        return values

    @classmethod
    def from_fingerprint(cls, text: str) -> ScanParams | None:
        """The parameters :meth:`fingerprint` made ``text`` of, or None where this version
        cannot make the same fingerprint again (a field added, removed or renamed since)."""
        try:
            values = json.loads(text)
            nested: dict[str, Any] = {
                name: kind(**values.pop(name))
                for name, kind in (
                    ("verify", VerifyParams),
                    ("claims", ClaimParams),
                    ("boilerplate", BoilerplateParams),
                )
                if name in values
            }
            # Stores scanned before these were parameters: their matches and claims are rebuilt
            # with the defaults at the next scan (nothing stored before them depends on these).
            missing = [k for k in _REBUILD_ONLY if k not in values and k not in nested]
            params = cls(**values, **nested)
        except (ValueError, TypeError, KeyError, AttributeError):  # ParamError is a ValueError
            return None
        if missing:
            values = json.loads(params.fingerprint())
            for k in missing:
                del values[k]
            return params if json.dumps(values, sort_keys=True) == text else None
        return params if params.fingerprint() == text else None


# ScanParams' flat banal_* fields and the BanalParams fields they make.
_BANAL_NAMES = {
    "banal_df": "min_df",
    "banal_share": "share",
    "banal_df_share": "df_share",
    "banal_dominance": "dominance",
    "banal_max_shared": "max_shared",
    "banal_max_rare": "max_rare",
}

# Parameters only the rebuild of matches and claims reads, which a store may not have recorded yet.
_REBUILD_ONLY = (
    "fanout",
    "banal_df_share",
    "banal_dominance",
    "banal_max_shared",
    "banal_max_rare",
    "claims",
    "boilerplate",
)
