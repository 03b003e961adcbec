"""Sentence-pair matching on the Microsoft Research Paraphrase Corpus (run by hand).

Each pair becomes two one-sentence articles from two outlets; the pair counts as
matched when tracer reports a (non-boilerplate) match between them. Prints precision,
recall and F1 against the labels (1 = same statement), for the full pipeline
(candidates + verification) and for verification alone (every pair aligned).

    python benchmarks/eval_msrp.py [../shared/eval/msrp-train.tsv]
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

from tracer.pipeline import run
from tracer.store import Store
from tracer.text import fold, tokens
from tracer.verify import align

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "eval" / "msrp-train.tsv"


def _prf(found: set[int], labels: dict[int, int]) -> str:
    tp = sum(labels[n] for n in found)
    positives = sum(labels.values())
    p = tp / max(len(found), 1)
    r = tp / max(positives, 1)
    f = 2 * p * r / max(p + r, 1e-9)
    return f"precision {p:.3f}  recall {r:.3f}  F1 {f:.3f}  (predicted {len(found)}, positives {positives})"


def read_pairs(path: Path) -> list[tuple[int, str, str]]:
    """``(label, sentence a, sentence b)`` of each pair of an MSRP file."""
    pairs = []
    for line in path.read_text(encoding="utf-8-sig").splitlines():
        cols = line.split("\t")
        if len(cols) >= 5 and cols[0] in ("0", "1"):
            pairs.append((int(cols[0]), cols[3], cols[4]))
    return pairs


def pipeline_matches(pairs: list[tuple[int, str, str]]) -> tuple[set[int], float]:
    """The pairs the whole pipeline matches (each pair two one-sentence articles of two
    outlets), and the seconds it took."""
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "pairs.jsonl"
        with corpus.open("w", encoding="utf-8") as out:
            for n, (_, a, b) in enumerate(pairs):
                out.write(json.dumps({"id": f"p{n}a", "outlet": "A", "text": a}) + "\n")
                out.write(json.dumps({"id": f"p{n}b", "outlet": "B", "text": b}) + "\n")
        with Store.open(Path(tmp) / "t.db") as store:
            start = time.perf_counter()
            run(store, [corpus])
            seconds = time.perf_counter() - start
            rows = store.conn.execute("SELECT source_id, target_id FROM matches WHERE boilerplate = 0")
            found = {int(a[1:-1]) for a, b in rows if a[:-1] == b[:-1]}
    return found, seconds


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    pairs = read_pairs(path)
    labels = {n: lab for n, (lab, _, _) in enumerate(pairs)}
    found, seconds = pipeline_matches(pairs)
    aligned = {n for n, (_, a, b) in enumerate(pairs) if align(tokens(fold(a)), tokens(fold(b))) is not None}
    print(f"MSRP pairs: {len(pairs)} ({path.name})")
    print(f"pipeline (LSH candidates + verification): {_prf(found, labels)}  [{seconds:.1f}s]")
    print(f"verification alone (every pair aligned):  {_prf(aligned, labels)}")


if __name__ == "__main__":
    main()
