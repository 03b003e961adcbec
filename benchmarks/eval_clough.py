"""Text reuse on Clough & Stevenson's corpus of plagiarised short answers (run by hand).

The five Wikipedia source texts (``orig_task{a..e}.txt``) and the 95 answers become articles of
their own outlets, the sources dated first. An answer counts as detected when tracer reports a
(non-boilerplate) match between it and its task's source; its coverage is the share of its
characters inside matched spans. Prints, for each label (``cut``: copy-paste, ``light`` and
``heavy`` revision, ``non``: written independently, so any detection there is a false positive),
the answers detected and their mean coverage, for each value of ``ScanParams.min_jaccard`` given.

    python benchmarks/eval_clough.py [--dir ../shared/eval/clough] [--values 0.2 0.25]
"""

from __future__ import annotations

import argparse
import csv
import json
import tempfile
from collections import defaultdict
from pathlib import Path

from tracer.params import ScanParams
from tracer.pipeline import run
from tracer.store import Store

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "eval" / "clough"
LABELS = ("cut", "light", "heavy", "non")


def _read(path: Path) -> str:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:  # the corpus mixes encodings
        text = raw.decode("cp1252", errors="replace")
    return text.replace("\r\n", "\n")


def _covered(spans: list[tuple[int, int]]) -> int:
    """Characters inside the union of ``spans``."""
    total, reach = 0, 0
    for start, end in sorted(spans):
        start = max(start, reach)
        if end > start:
            total += end - start
            reach = end
    return total


def evaluate(folder: Path, params: ScanParams) -> dict[str, tuple[int, int, float]]:
    """``label -> (answers, detected, mean coverage)``."""
    with (folder / "file_information.csv").open(encoding="utf-8-sig") as f:
        answers = {row["File"]: (row["Task"], row["Category"]) for row in csv.DictReader(f)}
    texts = {name: _read(folder / name) for name in answers}
    sources = {
        task: _read(folder / f"orig_task{task}.txt") for task in sorted({t for t, _ in answers.values()})
    }
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "clough.jsonl"
        with corpus.open("w", encoding="utf-8") as out:
            for task, text in sources.items():
                row = {"id": f"orig_{task}", "outlet": "Wikipedia", "published": "2010-01-01", "text": text}
                out.write(json.dumps(row) + "\n")
            for name, text in texts.items():
                row = {"id": name, "outlet": f"student {name[:4]}", "published": "2010-06-01", "text": text}
                out.write(json.dumps(row) + "\n")
        with Store.open(Path(tmp) / "clough.db") as store:
            run(store, [corpus], params=params)
            spans: dict[str, list[tuple[int, int]]] = defaultdict(list)
            for src, tgt, ts, te in store.conn.execute(
                "SELECT source_id, target_id, target_start, target_end FROM matches WHERE boilerplate = 0"
            ):
                if src.startswith("orig_") and tgt in answers and answers[tgt][0] == src[5:]:
                    spans[tgt].append((ts, te))
    out: dict[str, tuple[int, int, float]] = {}
    for label in LABELS:
        names = [n for n, (_, c) in answers.items() if c == label]
        cover = [_covered(spans[n]) / max(len(texts[n]), 1) for n in names]
        out[label] = (len(names), sum(1 for n in names if spans[n]), sum(cover) / max(len(cover), 1))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=DEFAULT, help="the corpus folder")
    parser.add_argument("--values", type=float, nargs="+", default=[ScanParams().min_jaccard])
    args = parser.parse_args()
    if not (args.dir / "file_information.csv").is_file():
        raise SystemExit(f"{args.dir}: no file_information.csv here; pass --dir CLOUGH_FOLDER")
    print("min_jaccard " + "  ".join(f"{label}: detected/answers coverage" for label in LABELS))
    for value in args.values:
        got = evaluate(args.dir, ScanParams(min_jaccard=value))
        print(f"{value:<11} " + "  ".join(f"{label}: {d}/{n} {c:.3f}" for label, (n, d, c) in got.items()))


if __name__ == "__main__":
    main()
