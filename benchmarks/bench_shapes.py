#!/usr/bin/env python3
"""Score tracer on corpora shaped like real ones: one row per ``tracer simulate`` shape.

Usage::

    python benchmarks/bench_shapes.py [--n 2000] [--seed 1] [--shapes flatten wire ...]
                                      [--wire 200] [--mix-vocabulary english] [--repeat 1]
                                      [--timeout 900] [--keep DIR] [--json FILE] [--tracer CMD]

For each shape (default: all of ``SHAPES``, ``mix`` being every shape option at once):

1. ``tracer simulate N -o DIR/<shape>.jsonl --seed S <shape options>`` (not timed);
2. in a fresh store, ``tracer ingest`` then ``tracer scan`` as child processes, timed together
   (wall seconds; the median over ``--repeat`` fresh stores); a step past ``--timeout`` seconds
   is killed with its process group and the row says so;
3. ``tracer eval --format json`` of the last store against the shape's truth.

Prints one table: seconds and articles/s of ingest + scan, ``matches`` (the store's matches not
flagged boilerplate: what ``tracer eval`` scores), precision, recall, granularity and plagdet of
planted reuse (all edits, heavy rewrites included), ``target rec.`` (recall over verbatim,
light, embedded and truncated copies: ``recall_target``), ``off truth`` (matches overlapping no
pair of members of one truth claim: stock phrases, templates, promos, chance; shaped corpora
only), ``passage gran.`` (granularity over multi-sentence wire and running-story passages) and
``parent`` (parent accuracy over all echoes); then the command that reproduces each row.  The
issue's targets: precision >= 0.95, target recall >= 0.90, passage granularity <= 1.1.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SHAPES: dict[str, list[str]] = {
    "default": [],
    "flatten": ["--flatten"],
    "wire": ["--wire", "{wire}"],
    "made-up": ["--vocabulary", "made-up"],
    "french": ["--vocabulary", "french"],
    "german": ["--vocabulary", "german"],
    "stock-phrases": ["--stock-phrases"],
    "running-stories": ["--running-stories"],
    "slot-templates": ["--slot-templates"],
    "mix": [
        "--flatten",
        "--wire",
        "{wire}",
        "--vocabulary",
        "{mix_vocabulary}",
        "--stock-phrases",
        "--running-stories",
        "--slot-templates",
    ],  # fmt: skip
}


def tracer_command(given: str | None) -> list[str]:
    """``--tracer`` if given, else the ``tracer`` beside this Python, on PATH, or ``python -m tracer``."""
    if given:
        return shlex.split(given)
    beside = Path(sys.executable).parent / "tracer"
    if beside.exists():
        return [str(beside)]
    found = shutil.which("tracer")
    return [found] if found else [sys.executable, "-m", "tracer"]


class StepFailed(Exception):
    pass


def run(cmd: list[str], timeout: float) -> tuple[float, str]:
    """Run ``cmd`` in its own process group; (wall seconds, stdout).  Raises StepFailed."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise StepFailed(f"timeout after {timeout:.0f}s: {shlex.join(cmd)}") from None
    if proc.returncode != 0:
        tail = (err or out).strip().splitlines()[-3:]
        raise StepFailed(f"exit {proc.returncode}: {shlex.join(cmd)}: {' / '.join(tail)}")
    return time.perf_counter() - start, out


def shape_options(shape: str, args: argparse.Namespace) -> list[str]:
    options = [o.format(wire=args.wire, mix_vocabulary=args.mix_vocabulary) for o in SHAPES[shape]]
    if "english" in options:  # the default vocabulary: no need to say it
        at = options.index("english")
        del options[at - 1 : at + 1]
    return options


def measure(shape: str, args: argparse.Namespace, tracer: list[str], work: Path) -> dict[str, Any]:
    corpus = work / f"{shape}.jsonl"
    options = shape_options(shape, args)
    simulate = [*tracer, "simulate", str(args.n), "-o", str(corpus), "--seed", str(args.seed), *options, "-q"]
    row: dict[str, Any] = {"shape": shape, "articles": args.n, "options": options}
    row["command"] = (
        f"tracer simulate {args.n} -o {shape}.jsonl --seed {args.seed} {shlex.join(options)}".rstrip()
        + f" && tracer ingest {shape}.jsonl --db {shape}.db -q && tracer scan --db {shape}.db -q"
        + f" && tracer eval --truth {shape}.truth.json --db {shape}.db"
    )
    try:
        return row | evaluate(shape, args, tracer, work, simulate)
    except StepFailed as exc:
        print(f"  {shape}: {exc}", file=sys.stderr)
        return row | {"error": str(exc).split(":")[0]}


def evaluate(
    shape: str, args: argparse.Namespace, tracer: list[str], work: Path, simulate: list[str]
) -> dict[str, Any]:
    corpus = work / f"{shape}.jsonl"
    truth = work / f"{shape}.truth.json"
    run(simulate, args.timeout)
    seconds = []
    db = work / f"{shape}.db"
    for k in range(args.repeat):
        for f in work.glob(f"{shape}.db*"):
            f.unlink()
        t_ingest, _ = run([*tracer, "ingest", str(corpus), "--db", str(db), "-q"], args.timeout)
        t_scan, _ = run([*tracer, "scan", "--db", str(db), "-q"], args.timeout)
        seconds.append(t_ingest + t_scan)
        print(
            f"  {shape} run {k + 1}/{args.repeat}: ingest {t_ingest:.1f}s, scan {t_scan:.1f}s",
            file=sys.stderr,
        )
    _, out = run([*tracer, "eval", "--truth", str(truth), "--db", str(db), "--format", "json"], args.timeout)
    result = json.loads(out)
    spans = result["spans"]
    shapes = result.get("shapes") or {}
    passages = shapes.get("spans_passages") or {}
    return {
        "seconds": statistics.median(seconds),
        "runs": seconds,
        "matches": spans["detections"],
        "precision": spans["precision"],
        "recall": spans["recall"],
        "recall_target": spans.get("recall_target"),
        "granularity": spans["granularity"],
        "plagdet": spans["plagdet"],
        "off_truth": shapes.get("unplanted_detections"),
        "on_decoys": shapes.get("on_decoys"),
        "passage_granularity": passages.get("granularity") if passages.get("cases") else None,
        "parent_accuracy": result["provenance"]["parent_accuracy"],
        "eval": result,
    }


def fmt(value: Any, digits: int = 3) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def table(rows: list[dict[str, Any]]) -> str:
    head = ["shape", "articles", "seconds", "articles/s", "matches", "precision", "recall", "granularity",
            "plagdet", "target rec.", "off truth", "passage gran.", "parent"]  # fmt: skip
    lines = []
    for r in rows:
        if "error" in r:
            lines.append([r["shape"], fmt(r["articles"]), r["error"]])
            continue
        lines.append([
            r["shape"], fmt(r["articles"]), f"{r['seconds']:.1f}", f"{r['articles'] / r['seconds']:,.0f}",
            fmt(r["matches"]), fmt(r["precision"]), fmt(r["recall"]), fmt(r["granularity"]),
            fmt(r["plagdet"]), fmt(r["recall_target"]), fmt(r["off_truth"]), fmt(r["passage_granularity"]),
            fmt(r["parent_accuracy"]),
        ])  # fmt: skip
    full = [line for line in lines if len(line) == len(head)]
    widths = [max([len(h)] + [len(line[i]) for line in full]) for i, h in enumerate(head)]

    def join(cells: list[str]) -> str:
        return "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=False))
        )

    out = [join(head)]
    for line in lines:
        out.append(
            join(line) if len(line) == len(head) else f"{line[0].ljust(widths[0])}  {line[1]}  {line[2]}"
        )
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=2000, help="articles per corpus (default 2000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--shapes", nargs="+", choices=list(SHAPES), default=list(SHAPES), metavar="SHAPE",
                        help=f"shapes to run (default: all): {', '.join(SHAPES)}")  # fmt: skip
    parser.add_argument(
        "--wire", type=int, default=200, help="outlets per wire story for wire and mix (default 200)"
    )
    parser.add_argument(
        "--mix-vocabulary", default="english", choices=["english", "made-up", "french", "german"]
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="fresh stores per shape; seconds are their median"
    )
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds before a step is killed")
    parser.add_argument("--keep", type=Path, help="keep corpora, truths and stores in this directory")
    parser.add_argument("--json", type=Path, help="write every row (with tracer eval's JSON) here")
    parser.add_argument("--tracer", help="the tracer command (default: the one beside this Python)")
    args = parser.parse_args()
    if args.wire > args.n:
        parser.error(f"--wire {args.wire} needs --n of at least {args.wire}")
    tracer = tracer_command(args.tracer)
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-shapes-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        for shape in args.shapes:
            rows.append(measure(shape, args, tracer, work))
    print(table(rows))
    print(
        f"\nseed {args.seed}; seconds: ingest + scan, median of {args.repeat} run(s); matches: not boilerplate"
    )
    print("reproduce a row (in an empty directory):")
    for r in rows:
        if "command" in r:
            print(f"  {r['shape']}: {r['command']}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 1 if any("error" in r for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
