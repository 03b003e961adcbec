"""What raising the candidate filter costs in recall and saves in work (run by hand).

``ScanParams.min_jaccard`` is the Jaccard similarity a candidate pair's signatures must suggest
before the pair is aligned (0.2 by default). At 10^6 simulated articles candidate pairs grow
with the square of the corpus and their alignment is the largest stage, so this asks, for
several values, what a higher one would change:

    python benchmarks/sweep_min_jaccard.py [--n 30000] [--values 0.2 0.25 0.3] [--msrp PATH]

For each value: the same `tracer simulate N` corpus (seed 1) in a fresh store, scanned with that
value (everything else default): unit and sentence candidate pairs, verified pairs, scan seconds,
plagdet for verbatim and light edits and for all edits, claims recall; then the MSRP paraphrase
pairs as in ``eval_msrp.py`` (each pair two one-sentence articles): precision, recall, F1.
Scans made with a value other than the default cannot be continued by default scans (a store
keeps the parameters it was scanned with).
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

from tracer.params import ScanParams
from tracer.pipeline import ingest
from tracer.scan import scan
from tracer.store import Store
from tracer.tools.evaluate import evaluate
from tracer.tools.simulate import simulate

MSRP = Path(__file__).resolve().parents[2] / "shared" / "eval" / "msrp-train.tsv"


def _msrp(path: Path, params: ScanParams, tmp: Path) -> tuple[float, float, float]:
    pairs = []
    for line in path.read_text(encoding="utf-8-sig").splitlines():
        cols = line.split("\t")
        if len(cols) >= 5 and cols[0] in ("0", "1"):
            pairs.append((int(cols[0]), cols[3], cols[4]))
    corpus = tmp / "msrp.jsonl"
    with corpus.open("w", encoding="utf-8") as out:
        for n, (_, a, b) in enumerate(pairs):
            out.write(json.dumps({"id": f"p{n}a", "outlet": "A", "text": a}) + "\n")
            out.write(json.dumps({"id": f"p{n}b", "outlet": "B", "text": b}) + "\n")
    db = tmp / f"msrp-{params.min_jaccard}.db"
    with Store.open(db) as store:
        ingest(store, [corpus])
        scan(store, params)
        found = {
            int(a[1:-1])
            for a, b in store.conn.execute("SELECT source_id, target_id FROM matches WHERE boilerplate = 0")
            if a[:-1] == b[:-1]
        }
    tp = sum(pairs[n][0] for n in found)
    positives = sum(label for label, _, _ in pairs)
    precision, recall = tp / max(len(found), 1), tp / max(positives, 1)
    return precision, recall, 2 * precision * recall / max(precision + recall, 1e-9)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=30000, help="simulated articles (default 30000)")
    ap.add_argument("--values", type=float, nargs="+", default=[0.2, 0.25, 0.3])
    ap.add_argument("--msrp", type=Path, default=MSRP, help="MSRP pairs (tab-separated); skipped if missing")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="tracer-sweep-"))
    try:
        corpus, truth = tmp / "sim.jsonl", tmp / "sim.truth.json"
        simulate(args.n, corpus, seed=1, truth_path=truth)
        base = tmp / "base.db"
        with Store.open(base) as store:
            ingest(store, [corpus])
        cols = "min_jaccard unit_cands cands verified scan_s plagdet_light plagdet_all claims_recall"
        cols += " msrp_p msrp_r msrp_f1" if args.msrp.exists() else ""
        print(cols.replace(" ", "  "))
        for value in args.values:
            params = ScanParams(min_jaccard=value)
            db = tmp / f"sim-{value}.db"
            shutil.copy(base, db)
            with Store.open(db) as store:
                start = time.perf_counter()
                result = scan(store, params)
                seconds = time.perf_counter() - start
                measures = evaluate(store, truth)
            row = [
                value, result.unit_candidates, result.candidates, result.verified, round(seconds, 1),
                round(measures["spans_light"]["plagdet"], 3), round(measures["spans"]["plagdet"], 3),
                round(measures["claims"]["claim_recall"] or 0.0, 3),
            ]  # fmt: skip
            if args.msrp.exists():
                row += [round(x, 3) for x in _msrp(args.msrp, params, tmp)]
            print("  ".join(str(x) for x in row), flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
