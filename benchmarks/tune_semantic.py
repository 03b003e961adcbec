"""Tune the semantic stage on MSRP train with 5-fold cross-validation (run by hand).

A pair counts as the same statement when the lexical pipeline matches it, or when its cosine
similarity reaches the threshold and it passes the agreement checks (numbers, names,
negation: tracer.semantic.agree). The semantic stage only adds pairs to the copies a scan finds,
so no rule can score above the ceiling printed first: the lexical matches plus every pair
labelled the same. Prints the scan's rule as configured (``ACCEPT`` and ``AGREE``: nothing is
chosen on the pairs, so each fold's F1 is its cross-validated F1); then the threshold and the
checks chosen on four folds and scored on the fifth, each fold's choice and F1, and the pooled
cross-validated F1.

    python benchmarks/tune_semantic.py [--model english] [--vectors F.npy] [../shared/eval/msrp-train.tsv]

Then a logistic regression (numpy, fitted on four folds, scored on the fifth) over the cosine,
the first model's cosine (english: the static model's) and lexical features (content-word and
word Jaccard, length ratio, number and negation agreement, the checks, rapidfuzz ratios, bigram
overlap): added to the lexical matches, as a scan could use it (fitted on the pairs they miss),
and deciding every pair, the lexical match one more feature (a scan keeps its copies: that
figure is not one a scan can reach). Each fold's precision, recall and F1, and the pooled ones.
``--vectors`` keeps the model's vectors of the pairs in a file (embedding 8,150 sentences takes
minutes on 2 cores).
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

import numpy as np
from eval_msrp import pipeline_matches, read_pairs
from rapidfuzz import fuzz

from tracer import semantic
from tracer.semantic import is_content
from tracer.text import fold, tokens

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "eval" / "msrp-train.tsv"
THRESHOLDS = np.round(np.arange(0.50, 0.951, 0.01), 2)
RULES = [
    semantic.Agreement(numbers, names, negation)
    for numbers, names, negation in itertools.product((True, False), (-1, 0, 1, 2, 3), (True, False))
]


def _lexical(pairs: list[tuple[int, str, str]]) -> np.ndarray:
    """Whether the lexical pipeline matches each pair (as benchmarks/eval_msrp.py runs it)."""
    found, _ = pipeline_matches(pairs)
    return np.array([n in found for n in range(len(pairs))])


def _f1(pred: np.ndarray, y: np.ndarray) -> float:
    tp = int((pred & y).sum())
    return 2 * tp / max(int(pred.sum()) + int(y.sum()), 1)


def _prf(pred: np.ndarray, y: np.ndarray) -> str:
    tp = int((pred & y).sum())
    return f"precision {tp / max(int(pred.sum()), 1):.3f}  recall {tp / max(int(y.sum()), 1):.3f}  F1 {_f1(pred, y):.3f}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("path", nargs="?", default=str(DEFAULT))
    ap.add_argument("--model", default="english", choices=semantic.MODELS)
    ap.add_argument("--vectors", help="a .npy file: the pairs' vectors are read from it, or written to it")
    args = ap.parse_args()
    pairs = read_pairs(Path(args.path))
    y = np.array([lab == 1 for lab, _, _ in pairs])
    lexical = _lexical(pairs)
    vectors = _vectors(pairs, args.model, args.vectors)
    cos = (vectors[0] * vectors[1]).sum(axis=1)
    agree = np.array([[semantic.agree(a, b, rule) for _, a, b in pairs] for rule in RULES])
    print(f"lexical alone: F1 {_f1(lexical, y):.3f}; everything the same: F1 {_f1(np.ones_like(y), y):.3f}")
    print(f"ceiling (lexical matches plus every pair labelled the same): {_prf(lexical | y, y)}")
    checked = np.array([semantic.agree(a, b) for _, a, b in pairs])
    print(
        "ceiling with the agreement checks (plus every pair labelled the same that passes them): "
        f"{_prf(lexical | (y & checked), y)}"
    )
    fold = np.arange(len(pairs)) % 5
    scan = lexical | ((cos >= semantic.ACCEPT[args.model]) & checked)
    spread = [_f1(scan[fold == k], y[fold == k]) for k in range(5)]
    print(
        f"the scan's rule (cosine >= {semantic.ACCEPT[args.model]:.2f}, {semantic.AGREE}): {_prf(scan, y)}"
        f"  (folds {min(spread):.3f}-{max(spread):.3f})"
    )
    pooled = np.zeros_like(y)
    for k in range(5):
        train, test = fold != k, fold == k
        best = max(
            ((t, r) for t in THRESHOLDS for r in range(len(RULES))),
            key=lambda tr: _f1((lexical | ((cos >= tr[0]) & agree[tr[1]]))[train], y[train]),
        )
        t, r = best
        pred = lexical | ((cos >= t) & agree[r])
        pooled[test] = pred[test]
        print(f"fold {k}: threshold {t:.2f} {RULES[r]}  test F1 {_f1(pred[test], y[test]):.3f}")
    print(f"cross-validated ({args.model}): {_prf(pooled, y)}")
    first = semantic.load(args.model).first  # english: the static model, fast
    static = (first.encode([a for _, a, _ in pairs]) * first.encode([b for _, _, b in pairs])).sum(axis=1)
    _logistic(pairs, y, lexical, cos, static)


def _vectors(pairs: list[tuple[int, str, str]], model: str, path: str | None) -> np.ndarray:
    """The pairs' vectors by the model that decides (english: MiniLM, not the static model)."""
    if path and Path(path).exists():
        return np.load(path)
    models = semantic.load(model)
    embedder = models.second or models.first
    out = np.stack((embedder.encode([a for _, a, _ in pairs]), embedder.encode([b for _, _, b in pairs])))
    if path:
        np.save(path, out)
    return out


def _features(
    pairs: list[tuple[int, str, str]], lexical: np.ndarray, cos: np.ndarray, static: np.ndarray
) -> np.ndarray:
    rows = []
    for _, a, b in pairs:
        fa, fb = fold(a), fold(b)
        ta, tb = tokens(fa), tokens(fb)
        ca, cb = {w for w in ta if is_content(w)}, {w for w in tb if is_content(w)}
        ba, bb = set(zip(ta, ta[1:], strict=False)), set(zip(tb, tb[1:], strict=False))
        rows.append([
            len(ca & cb) / max(len(ca | cb), 1),
            len(set(ta) & set(tb)) / max(len(set(ta) | set(tb)), 1),
            min(len(ta), len(tb)) / max(len(ta), len(tb), 1),
            semantic._numbers(a) == semantic._numbers(b),
            semantic._negated(a) == semantic._negated(b),
            semantic.agree(a, b),
            fuzz.token_set_ratio(fa, fb) / 100,
            fuzz.token_sort_ratio(fa, fb) / 100,
            fuzz.ratio(fa, fb) / 100,
            len(ba & bb) / max(len(ba | bb), 1),
            abs(len(fa) - len(fb)) / max(len(fa), len(fb), 1),
        ])  # fmt: skip
    return np.column_stack((cos, static, np.array(rows, dtype=np.float64), lexical.astype(np.float64)))


def _fit(x: np.ndarray, y: np.ndarray, l2: float = 1e-2) -> np.ndarray:
    """Logistic regression weights (bias last) by Newton's method."""
    xb = np.column_stack((x, np.ones(len(x))))
    w = np.zeros(xb.shape[1])
    for _ in range(50):
        p = 1 / (1 + np.exp(-xb @ w))
        grad = xb.T @ (p - y) + l2 * np.r_[w[:-1], 0]
        hess = (xb * (p * (1 - p))[:, None]).T @ xb + l2 * np.eye(len(w))
        w -= np.linalg.solve(hess, grad)
    return w


def _prob(w: np.ndarray, x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-(np.column_stack((x, np.ones(len(x)))) @ w)))


def _logistic(
    pairs: list[tuple[int, str, str]], y: np.ndarray, lexical: np.ndarray, cos: np.ndarray, static: np.ndarray
) -> None:
    x = _features(pairs, lexical, cos, static)
    _cross_validate("logistic added to the lexical matches", x[:, :-1], y, lexical)
    _cross_validate("logistic deciding every pair (not a scan's)", x, y, np.zeros_like(y))


def _cross_validate(label: str, x: np.ndarray, y: np.ndarray, kept: np.ndarray) -> None:
    """Fit on four folds (the pairs not ``kept`` already), cut where their F1 is best, score the
    fifth: a pair is the same statement when it is ``kept`` or the regression says so."""
    fold = np.arange(len(y)) % 5
    pooled = np.zeros_like(y)
    cuts = np.round(np.arange(0.2, 0.8, 0.01), 2)
    for k in range(5):
        train, test = fold != k, fold == k
        fit = train & ~kept
        mu, sd = x[fit].mean(axis=0), x[fit].std(axis=0) + 1e-9
        w = _fit((x[fit] - mu) / sd, y[fit].astype(np.float64))
        seen = _prob(w, (x[train] - mu) / sd)
        cut = max(cuts, key=lambda t: _f1(kept[train] | (seen >= t), y[train]))
        pred = kept[test] | (_prob(w, (x[test] - mu) / sd) >= cut)
        pooled[test] = pred
        print(f"{label}, fold {k}: cut {cut:.2f}  {_prf(pred, y[test])}")
    print(f"{label}, cross-validated: {_prf(pooled, y)}")


if __name__ == "__main__":
    main()
