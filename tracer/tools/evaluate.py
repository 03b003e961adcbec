"""Score a scanned store against the truth file of ``tracer simulate``.

``evaluate(store, truth_path)`` returns a dict of measures in four groups:

``spans``: reused text at character level, with the PAN text-alignment measures (Potthast
et al., "An Evaluation Framework for Plagiarism Detection", COLING 2010).  A *case* is a
truth span pair (the parent's claim span, the echo's); a *detection* is a non-boilerplate
match of the store (its source span, its target span; stored in either direction, so pairs
are compared with their two articles in a fixed order).  Detection ``r`` detects case ``s``
when they are about the same two articles and overlap in both.  Then, macro-averaged::

    recall    = mean over cases s      |s ∩ (union of the r detecting s)| / |s|
    precision = mean over detections r |r ∩ (union of the s detected by r)| / |r|
    granularity = mean over detected cases of the number of detections detecting it
    plagdet   = F1 / log2(1 + granularity)

where sizes count characters in both articles.  Recall and granularity are over the truth
``spans`` (one case per echo).  Two echoes of one claim, or an echo and its grandparent,
share the claim's text too, and the store rightly reports it: precision counts a detection
as correct where it covers the spans of any two members of one truth claim (``precision``;
``precision_strict`` counts only the listed cases).  ``recall_target`` is the recall over the
cases of ``TARGET_EDITS`` (verbatim, light, embedded, truncated: the issue's target is precision
>= 0.95 and this >= 0.90), against all detections.  ``spans_light`` is the same restricted
to cases whose edit is light (verbatim, swap, quotes, typo) and to the detections between
those cases' articles (PAN's per-obfuscation evaluation); ``recall_by_edit`` splits recall.

``claims``: each truth member is mapped to the store's claim member in the same article
whose span overlaps it most (none when nothing overlaps).  ``claim_recall`` is the share of
truth members mapped; over the mapped ones, the adjusted Rand index and B-cubed precision,
recall and F1 compare the truth claims with the store's.

``provenance``: ``origin_accuracy``: share of truth claims whose store claim (the one holding
most of its mapped members) has the truth origin article as its origin (unmapped claims
count as misses); ``origin_accuracy_dated`` the same over claims whose origin has a date.
``parent_accuracy``: share of mapped truth echoes whose store member names the truth parent
article as its parent; ``credited_accuracy``: share whose store ``credited`` flag equals the
truth's (with the precision and recall of the flag).

``shapes`` (only for the truth of a shaped corpus, which lists ``decoys``: text that must not be
reported as reuse; see :mod:`tracer.tools.shapes`): ``unplanted_detections``, the detections that
overlap no pair of members of one truth claim (each costs precision); ``on_decoys``, by kind
(``stock`` phrases, slot ``template`` lines, ``promo`` lines), the detections overlapping a
decoy in either article; ``spans_passages``, the span measures restricted to the cases of
multi-sentence passages (truth spans with ``"sentences" >= 2``: wire copies and running
stories) and the detections between their articles; ``parent_accuracy`` of the echoes of wire
stories (claims ``w1``, ``w2``...) and running stories (``r1``...) apart.

The module never prints.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Sequence
from pathlib import Path
from typing import Any

from .. import queries
from ..errors import InputError
from ..store import Store

__all__ = [
    "LIGHT_EDITS",
    "TARGET_EDITS",
    "adjusted_rand_index",
    "bcubed",
    "evaluate",
    "load_truth",
    "measure_rows",
    "pan_measures",
]

LIGHT_EDITS = frozenset(("verbatim", "swap", "quotes", "typo"))
# the planted reuse the recall target is about: verbatim, light, embedded, truncated (simulate's
# shapes add ``extend``, copied text followed by a new sentence, and ``update``, a wire agency's
# light revision of its own story); not the heavy rewrites (drop, add, reorder)
TARGET_EDITS = LIGHT_EDITS | {"embed", "truncate", "extend", "update"}
TRUTH_HINT = "pass the OUT.truth.json that `tracer simulate N -o OUT.jsonl` wrote"

# A span pair: (article a, start, end, article b, start, end); offsets [start, end).
SpanPair = tuple[str, int, int, str, int, int]
# simulate's claim ids: k<n> claims, w<n> wire stories, r<n> running stories
_FAMILY = re.compile(r"([kwr])\d+")


# --- PAN character-level measures -------------------------------------------------------------


def _oriented(pair: SpanPair) -> SpanPair:
    """The pair with its two articles in sorted order (a match may be stored either way)."""
    a, a0, a1, b, b0, b1 = pair
    return pair if a <= b else (b, b0, b1, a, a0, a1)


def _overlap(x0: int, x1: int, y0: int, y1: int) -> bool:
    return x0 < y1 and y0 < x1


def _covered(lo: int, hi: int, intervals: Iterable[tuple[int, int]]) -> int:
    """Characters of ``[lo, hi)`` inside the union of ``intervals``."""
    total = 0
    end = lo
    for s, e in sorted(intervals):
        s, e = max(s, end), min(e, hi)
        if e > s:
            total += e - s
            end = e
    return total


# span pairs by their two articles (in sorted order), each pair oriented that way
PairMap = dict[tuple[str, str], list[SpanPair]]


def _by_pair(pairs: Iterable[SpanPair]) -> PairMap:
    out: PairMap = defaultdict(list)
    for p in pairs:
        o = _oriented(p)
        if o[2] > o[1] or o[5] > o[4]:
            out[(o[0], o[3])].append(o)
    return out


def _detects(r: SpanPair, s: SpanPair) -> bool:
    return _overlap(r[1], r[2], s[1], s[2]) and _overlap(r[4], r[5], s[4], s[5])


def _share(x: SpanPair, others: list[SpanPair]) -> float:
    """|x ∩ union(others)| / |x|, over the characters of both articles."""
    size = (x[2] - x[1]) + (x[5] - x[4])
    if size <= 0:
        return 0.0
    got = _covered(x[1], x[2], [(o[1], o[2]) for o in others]) + _covered(
        x[4], x[5], [(o[4], o[5]) for o in others]
    )
    return got / size


def pan_measures(
    cases: Iterable[SpanPair], detections: Iterable[SpanPair], reference: Iterable[SpanPair] | None = None
) -> dict[str, float | int | None]:
    """PAN precision, recall, granularity and plagdet of ``detections`` against ``cases``.

    ``reference`` (default: ``cases``) is what precision counts as correct text; recall and
    granularity are over ``cases``.  Returns also the counts behind them.  With neither cases
    nor detections every measure is None: nothing was there to find, and nothing was found.
    """
    case_map = _by_pair(cases)
    return _measures(case_map, _by_pair(detections), case_map if reference is None else _by_pair(reference))


def _recall_parts(case_map: PairMap, det_map: PairMap) -> tuple[float, int, int, int]:
    """(sum over cases of their share detected, cases detected, detections detecting them, cases)."""
    recall_sum = 0.0
    detected = pieces = n_cases = 0
    for key, found in case_map.items():
        dets = det_map.get(key, [])
        n_cases += len(found)
        for s in found:
            hits = [r for r in dets if _detects(r, s)]
            if hits:
                detected += 1
                pieces += len(hits)
                recall_sum += _share(s, hits)
    return recall_sum, detected, pieces, n_cases


def _recall(case_map: PairMap, det_map: PairMap) -> float:
    recall_sum, _, _, n_cases = _recall_parts(case_map, det_map)
    return recall_sum / n_cases if n_cases else 0.0


def _precision_sum(det_map: PairMap, ref_map: PairMap) -> float:
    """Sum over detections of their share inside the reference."""
    total = 0.0
    for key, dets in det_map.items():
        refs = ref_map.get(key)
        if not refs:
            continue
        for r in dets:
            hits = [s for s in refs if _detects(r, s)]
            if hits:
                total += _share(r, hits)
    return total


def _measures(case_map: PairMap, det_map: PairMap, ref_map: PairMap) -> dict[str, float | int | None]:
    """:func:`pan_measures` of span pairs already grouped by :func:`_by_pair` (the large detection
    map is grouped once for all the measures of a store)."""
    recall_sum, detected, pieces, n_cases = _recall_parts(case_map, det_map)
    n_dets = sum(len(v) for v in det_map.values())
    precision = _precision_sum(det_map, ref_map) / n_dets if n_dets else 0.0
    recall = recall_sum / n_cases if n_cases else 0.0
    granularity = pieces / detected if detected else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    if not n_cases and not n_dets:
        return dict.fromkeys(("precision", "recall", "granularity", "plagdet", "f1"), None) | {
            "cases": 0, "detections": 0, "detected_cases": 0,
        }  # fmt: skip
    return {
        "precision": precision,
        "recall": recall,
        "granularity": granularity,
        "plagdet": f1 / math.log2(1 + granularity),
        "f1": f1,
        "cases": n_cases,
        "detections": n_dets,
        "detected_cases": detected,
    }


# --- clustering -----------------------------------------------------------------------------------


def _comb2(n: int) -> float:
    return n * (n - 1) / 2


def adjusted_rand_index(truth: Sequence[Hashable], predicted: Sequence[Hashable]) -> float:
    """Adjusted Rand index (Hubert & Arabie 1985) of two labelings of the same items."""
    if len(truth) != len(predicted):
        raise ValueError("labelings differ in length")
    n = len(truth)
    if n < 2:
        return 1.0
    cells = sum(_comb2(c) for c in Counter(zip(truth, predicted, strict=True)).values())
    rows = sum(_comb2(c) for c in Counter(truth).values())
    cols = sum(_comb2(c) for c in Counter(predicted).values())
    expected = rows * cols / _comb2(n)
    best = (rows + cols) / 2
    if best == expected:  # both all singletons, or both one cluster: the labelings agree
        return 1.0
    return (cells - expected) / (best - expected)


def bcubed(
    truth: Sequence[Hashable], predicted: Sequence[Hashable]
) -> tuple[float, float, float] | tuple[None, None, None]:
    """B-cubed precision, recall and F1 (Bagga & Baldwin 1998), averaged over items (None: no items)."""
    if len(truth) != len(predicted):
        raise ValueError("labelings differ in length")
    n = len(truth)
    if n == 0:
        return None, None, None
    cells = Counter(zip(truth, predicted, strict=True))
    t_size, p_size = Counter(truth), Counter(predicted)
    precision = sum(c * c / p_size[p] for (_, p), c in cells.items()) / n
    recall = sum(c * c / t_size[t] for (t, _), c in cells.items()) / n
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


# --- truth -------------------------------------------------------------------------------------


def load_truth(path: str | Path) -> dict[str, Any]:
    """Read and check a truth file; raises :class:`InputError` naming it when it is unusable."""
    name = str(path)
    truth = _read_truth_json(path)
    if not isinstance(truth, dict) or not {"articles", "claims", "spans"} <= truth.keys():
        raise InputError(name, "not a truth file (needs 'articles', 'claims' and 'spans')", TRUTH_HINT)
    if truth.get("version") != 1:
        raise InputError(
            name, f"truth file version {truth.get('version')!r} (this tracer reads 1)", TRUTH_HINT
        )
    try:
        _check_truth_fields(truth)
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(name, f"malformed truth file ({type(exc).__name__}: {exc})", TRUTH_HINT) from exc
    return truth


def _read_truth_json(path: str | Path) -> Any:
    name = str(path)
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError as exc:
        raise InputError(name, "no such truth file", TRUTH_HINT) from exc
    except IsADirectoryError as exc:
        raise InputError(name, "is a directory, not a truth file", TRUTH_HINT) from exc
    except OSError as exc:
        raise InputError(name, f"cannot read the truth file ({exc.strerror or exc})", TRUTH_HINT) from exc
    except UnicodeDecodeError as exc:
        raise InputError(name, "not a truth file (not UTF-8 text)", TRUTH_HINT) from exc
    except json.JSONDecodeError as exc:
        raise InputError(
            name, f"not a truth file (invalid JSON: {exc.msg}, line {exc.lineno})", TRUTH_HINT
        ) from exc


def _check_truth_fields(truth: dict[str, Any]) -> None:
    """Raises KeyError, TypeError or ValueError where a claim member or span is malformed."""
    for claim in truth["claims"]:
        for m in claim["members"]:
            if not isinstance(m["article"], str) or not 0 <= int(m["start"]) <= int(m["end"]):
                raise ValueError(m)
    for sp in truth["spans"]:
        _ = (str(sp["source"]), int(sp["source_start"]), int(sp["source_end"]), str(sp["target"]))
        _ = (int(sp["target_start"]), int(sp["target_end"]), str(sp["edit"]))


# --- evaluation --------------------------------------------------------------------------------


def _ratio(num: float, den: float) -> float | None:
    return num / den if den else None


def _present(store: Store, t_articles: dict[str, Any], truth_path: str | Path) -> int:
    """How many of the truth's articles the store has; an error where it has none of them."""
    stored = queries.article_ids(store)
    present = sum(1 for a in t_articles if a in stored)
    if t_articles and not present:
        raise InputError(
            str(truth_path),
            f"none of its {len(t_articles)} articles are in the store {store.path}",
            "ingest and scan the simulated corpus first: `tracer run OUT.jsonl --db ...`",
        )
    return present


def evaluate(store: Store, truth_path: str | Path) -> dict[str, Any]:
    """Measures of how well the store recovers the reuse, claims and provenance in the truth."""
    truth = load_truth(truth_path)
    t_articles: dict[str, Any] = truth["articles"]
    present = _present(store, t_articles, truth_path)
    claims = truth["claims"]
    spans = truth["spans"]
    # -- spans
    detections: list[SpanPair] = [(r[0], r[1], r[2], r[3], r[4], r[5]) for r in queries.match_spans(store)]
    cases: list[SpanPair] = [
        (s["source"], s["source_start"], s["source_end"], s["target"], s["target_start"], s["target_end"])
        for s in spans
    ]
    edits = [s["edit"] for s in spans]
    reference = [
        (a["article"], a["start"], a["end"], b["article"], b["start"], b["end"])
        for c in claims
        for i, a in enumerate(c["members"])
        for b in c["members"][i + 1 :]
    ]
    case_map, det_map, ref_map = _by_pair(cases), _by_pair(detections), _by_pair(reference)
    overall: dict[str, Any] = dict(_measures(case_map, det_map, ref_map))
    n_dets = overall["detections"]
    strict = _precision_sum(det_map, case_map) / n_dets if n_dets else 0.0
    overall["precision_strict"] = strict if n_dets or overall["cases"] else None  # as pan_measures says
    light_cases = [c for c, e in zip(cases, edits, strict=True) if e in LIGHT_EDITS]
    light = _measures(_by_pair(light_cases), _restricted(det_map, light_cases), ref_map)
    by_edit: dict[str, float] = {}
    for edit in sorted(set(edits)):
        by_edit[edit] = _recall(_by_pair(c for c, e in zip(cases, edits, strict=True) if e == edit), det_map)
    overall["recall_by_edit"] = by_edit
    target = [c for c, e in zip(cases, edits, strict=True) if e in TARGET_EDITS]
    overall["recall_target"] = _recall(_by_pair(target), det_map) if target else None
    overall["target_cases"] = len(target)
    shapes = _shape_measures(truth, spans, cases, detections, det_map, ref_map) if "decoys" in truth else None

    # -- claims: map each truth member to the store member overlapping it most
    store_members: dict[str, list[tuple[int, int, str, int, str | None, bool]]] = defaultdict(list)
    for cid, member, art, start, end, parent, credited in queries.member_spans(store):
        store_members[art].append((start, end, cid, member, parent, bool(credited)))
    origin_of = queries.claim_origins(store)
    labels_truth: list[str] = []
    labels_store: list[str] = []
    n_members = 0
    origin_hits = origin_total = dated_hits = dated_total = 0
    parent_hits = echoes_mapped = echoes_total = 0
    family_hits: Counter[str] = Counter()  # by the family of simulate's claim ids (k1, w1, r1)
    family_mapped: Counter[str] = Counter()
    credit_agree = credit_tp = credit_fp = credit_fn = 0
    for claim in claims:
        mapped_claims: Counter[str] = Counter()
        origin_claim = None
        for m in claim["members"]:
            n_members += 1
            best = None
            best_overlap = 0
            for row in store_members.get(m["article"], ()):
                ov = min(m["end"], row[1]) - max(m["start"], row[0])
                if ov > best_overlap:
                    best, best_overlap = row, ov
            is_echo = m.get("parent") is not None
            echoes_total += is_echo
            if best is None:
                continue
            labels_truth.append(claim["id"])
            labels_store.append(best[2])
            mapped_claims[best[2]] += 1
            if not is_echo:
                origin_claim = best[2]
                continue
            echoes_mapped += 1
            parent_hits += best[4] == m["parent"]
            family = _FAMILY.fullmatch(str(claim["id"]))
            if family:
                family_mapped[family.group(1)] += 1
                family_hits[family.group(1)] += best[4] == m["parent"]
            truth_credit = bool(m.get("credited"))
            credit_agree += best[5] == truth_credit
            credit_tp += best[5] and truth_credit
            credit_fp += best[5] and not truth_credit
            credit_fn += truth_credit and not best[5]
        origin = claim["members"][0]["article"]
        dated = (t_articles.get(origin) or {}).get("published") is not None
        hit = False
        if mapped_claims:
            top = max(mapped_claims.values())
            tied = sorted(c for c, v in mapped_claims.items() if v == top)
            chosen = origin_claim if origin_claim in tied else tied[0]
            hit = origin_of.get(chosen) == origin
        origin_total += 1
        origin_hits += hit
        dated_total += dated
        dated_hits += hit and dated
    b_p, b_r, b_f = bcubed(labels_truth, labels_store)
    if shapes is not None:
        shapes["parent_accuracy"] = {
            name: {"accuracy": family_hits[f] / family_mapped[f], "echoes_mapped": family_mapped[f]}
            for f, name in (("w", "wire"), ("r", "running")) if family_mapped[f]
        }  # fmt: skip
    return {
        "truth": str(truth_path),
        "store": store.path,
        "articles": {"truth": len(t_articles), "in_store": present},
        "spans": overall,
        "spans_light": light,
        "claims": {
            "truth_claims": len(claims),
            "store_claims": len(origin_of),
            "truth_members": n_members,
            "mapped_members": len(labels_truth),
            "claim_recall": _ratio(len(labels_truth), n_members),
            "ari": adjusted_rand_index(labels_truth, labels_store) if labels_truth else None,
            "bcubed_precision": b_p,
            "bcubed_recall": b_r,
            "bcubed_f1": b_f,
        },
        "provenance": {
            "origin_accuracy": _ratio(origin_hits, origin_total),
            "origin_accuracy_dated": _ratio(dated_hits, dated_total),
            "claims": origin_total,
            "claims_dated": dated_total,
            "parent_accuracy": _ratio(parent_hits, echoes_mapped),
            "credited_accuracy": _ratio(credit_agree, echoes_mapped),
            "credited_precision": _ratio(credit_tp, credit_tp + credit_fp),
            "credited_recall": _ratio(credit_tp, credit_tp + credit_fn),
            "echoes": echoes_total,
            "echoes_mapped": echoes_mapped,
        },
    } | ({"shapes": shapes} if shapes is not None else {})


def _restricted(det_map: PairMap, cases: list[SpanPair]) -> PairMap:
    """The detections between the articles of ``cases``."""
    pairs = {_oriented(c)[::3] for c in cases}
    return {key: dets for key, dets in det_map.items() if key in pairs}


def _shape_measures(
    truth: dict[str, Any],
    spans: list[dict[str, Any]],
    cases: list[SpanPair],
    detections: list[SpanPair],
    det_map: PairMap,
    ref_map: PairMap,
) -> dict[str, Any]:
    """What a shaped corpus adds to the measures: detections off planted reuse, on decoys, and
    the span measures of multi-sentence passages."""
    unplanted = 0
    for key, dets in det_map.items():
        refs = ref_map.get(key)
        unplanted += len(dets) if not refs else sum(1 for r in dets if not any(_detects(r, s) for s in refs))
    decoys: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    kinds: Counter[str] = Counter()
    for d in truth["decoys"]:
        decoys[d["article"]].append((int(d["start"]), int(d["end"]), str(d["kind"])))
        kinds[d["kind"]] += 0
    for a, a0, a1, b, b0, b1 in detections:
        hit = {k for s, e, k in decoys.get(a, ()) if _overlap(a0, a1, s, e)}
        hit |= {k for s, e, k in decoys.get(b, ()) if _overlap(b0, b1, s, e)}
        kinds.update(hit)
    passages = [c for c, sp in zip(cases, spans, strict=True) if int(sp.get("sentences", 1)) >= 2]
    return {
        "unplanted_detections": unplanted,
        "detections": len(detections),
        "on_decoys": dict(sorted(kinds.items())),
        "decoys": len(truth["decoys"]),
        "spans_passages": _measures(_by_pair(passages), _restricted(det_map, passages), ref_map),
    }


def measure_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per measure, ``{"measure", "value", "over"}``, for a table."""

    def row(name: str, value: Any, over: str = "") -> dict[str, Any]:
        if isinstance(value, float):
            value = round(value, 3)
        return {"measure": name, "value": "n/a" if value is None else value, "over": over}

    s, lt, c, p = result["spans"], result["spans_light"], result["claims"], result["provenance"]
    rows = [
        row("articles in store", result["articles"]["in_store"], f"{result['articles']['truth']} in truth")
    ]
    for label, m in (("", s), (" (verbatim+light)", lt)):
        over = f"{m['cases']} cases, {m['detections']} detections"
        rows += [
            row(f"plagdet{label}", m["plagdet"], over),
            row(f"precision{label}", m["precision"], over),
            row(f"recall{label}", m["recall"], over),
            row(f"granularity{label}", m["granularity"], f"{m['detected_cases']} detected cases"),
        ]
    rows.append(row("precision (listed cases only)", s["precision_strict"], "echo-parent pairs"))
    rows.append(
        row(
            "recall (verbatim, light, embed, truncate)",
            s.get("recall_target"),
            f"{s.get('target_cases', 0)} cases",
        )
    )
    for edit, value in s["recall_by_edit"].items():
        rows.append(row(f"recall: {edit}", value))
    members = f"{c['mapped_members']} of {c['truth_members']} truth members"
    rows += [
        row("claim recall", c["claim_recall"], members),
        row("claim ARI", c["ari"], members),
        row("claim B-cubed precision", c["bcubed_precision"], members),
        row("claim B-cubed recall", c["bcubed_recall"], members),
        row(
            "claim B-cubed F1", c["bcubed_f1"], f"{c['truth_claims']} truth, {c['store_claims']} store claims"
        ),
        row("origin accuracy", p["origin_accuracy"], f"{p['claims']} claims"),
        row("origin accuracy (dated origin)", p["origin_accuracy_dated"], f"{p['claims_dated']} claims"),
        row("parent accuracy", p["parent_accuracy"], f"{p['echoes_mapped']} of {p['echoes']} echoes mapped"),
        row("credited accuracy", p["credited_accuracy"], f"{p['echoes_mapped']} echoes mapped"),
        row("credited precision", p["credited_precision"]),
        row("credited recall", p["credited_recall"]),
    ]
    shapes = result.get("shapes")
    if shapes is not None:
        rows.append(
            row("detections off planted reuse", shapes["unplanted_detections"], f"of {shapes['detections']}")
        )
        names = {"stock": "stock phrases", "template": "slot templates", "promo": "promos"}
        for kind, count in shapes["on_decoys"].items():
            rows.append(
                row(f"detections on {names.get(kind, kind)}", count, f"{shapes['decoys']} decoys in all")
            )
        for name, p_acc in shapes.get("parent_accuracy", {}).items():
            label = {"wire": "wire copies", "running": "running stories"}.get(name, name)
            rows.append(
                row(
                    f"parent accuracy ({label})", p_acc["accuracy"], f"{p_acc['echoes_mapped']} echoes mapped"
                )
            )
        m = shapes["spans_passages"]
        if m["cases"]:
            over = f"{m['cases']} cases, {m['detections']} detections"
            rows += [
                row("plagdet (multi-sentence passages)", m["plagdet"], over),
                row("precision (multi-sentence passages)", m["precision"], over),
                row("recall (multi-sentence passages)", m["recall"], over),
                row(
                    "granularity (multi-sentence passages)",
                    m["granularity"],
                    f"{m['detected_cases']} detected cases",
                ),
            ]
    return rows
