"""Whole pipeline at several sizes of `tracer simulate` corpora: speed, memory and quality together.

    python benchmarks/bench_scale.py 10000 100000 [--engine local|dask] [--keep DIR]
        [--shape "--flatten --wire 200 --stock-phrases --running-stories --slot-templates"]

For each N: `tracer simulate N`, then `tracer ingest` and `tracer scan` (claims and provenance
included) in a fresh store, each timed with peak RSS and CPU from GNU time, then `tracer eval`.
Prints a table (N, articles/s, peak RSS, plagdet for verbatim+light edits, origin accuracy where
dated, CPU seconds, busy cores, and the articles/s that CPU would allow with no core idle) and the
exponent of time against N fitted between the smallest and largest size. ``--shape`` passes
options to `tracer simulate` (a realistic mix: all of its shape options). Peak memory is given twice:
the largest process's RSS (GNU time) and the whole process tree's (the command and its workers),
summed PSS sampled every 0.1 s.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_fanout import TreePeak

TRACER = [sys.executable, "-m", "tracer"]


def _timed(cmd: list[str]) -> tuple[float, int, float, str, int]:
    """Wall seconds, peak RSS (KB), CPU seconds (user + system, the command's and its worker
    processes'), output (stdout and stderr) and the process tree's peak PSS (KB) of a command."""
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as out, tempfile.TemporaryFile("w+") as log:
        start = time.perf_counter()
        proc = subprocess.Popen(
            ["/usr/bin/time", "-f", "%M %U %S", "-o", out.name, *cmd], stdout=log, stderr=log
        )
        sampler = TreePeak(proc.pid)
        code = proc.wait()
        seconds = time.perf_counter() - start
        peak = sampler.stop()
        log.seek(0)
        output = log.read()
        if code != 0:
            sys.exit(f"{shlex.join(cmd)} failed ({code}):\n{output[-2000:]}")
        rss, user, system = out.read().strip().splitlines()[-1].split()
        return seconds, int(rss), float(user) + float(system), output, peak


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("sizes", nargs="+", type=int)
    ap.add_argument("--engine", default="local", choices=["local", "dask"])
    ap.add_argument("--keep", help="keep corpora and stores in this directory")
    ap.add_argument("--shape", default="", help="options for `tracer simulate`, as one string")
    args = ap.parse_args()
    work = Path(args.keep or tempfile.mkdtemp(prefix="tracer-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    rows = []
    for n in args.sizes:
        corpus = work / f"sim{n}.jsonl"
        db = work / f"sim{n}.db"
        for f in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
            f.unlink(missing_ok=True)
        shape = shlex.split(args.shape)
        subprocess.run([*TRACER, "simulate", str(n), "-o", str(corpus), "-q", *shape], check=True)
        t_ingest, rss_ingest, cpu_ingest, _, tree_ingest = _timed(
            [*TRACER, "ingest", str(corpus), "--db", str(db), "-q"]
        )
        t_scan, rss_scan, cpu_scan, scan_out, tree_scan = _timed(
            [*TRACER, "scan", "--db", str(db), "--engine", args.engine, "--verbose"]
        )
        print(scan_out.strip(), flush=True)  # the scan's own summary: stages' seconds and peak memory
        result = json.loads(
            subprocess.run(
                [
                    *TRACER,
                    "eval",
                    "--truth",
                    str(corpus.with_suffix(".truth.json")),
                    "--db",
                    str(db),
                    "--format",
                    "json",
                ],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        )
        sentences = int(re.search(r"([0-9]+) sentences", scan_out).group(1))  # type: ignore[union-attr]
        total = t_ingest + t_scan
        row = {
            "articles": n,
            "sentences": sentences,
            "ingest_s": round(t_ingest, 1),
            "scan_s": round(t_scan, 1),
            "articles_per_s": round(n / total),
            "peak_rss_mb": round(max(rss_ingest, rss_scan) / 1024),
            "tree_pss_mb": round(max(tree_ingest, tree_scan) / 1024),
            "rss_bytes_per_sentence": round(max(rss_ingest, rss_scan) * 1024 / max(sentences, 1)),
            "plagdet_light": round(result["spans_light"]["plagdet"], 3),
            "plagdet_all": round(result["spans"]["plagdet"], 3),
            "origin_accuracy_dated": round(result["provenance"]["origin_accuracy_dated"], 3),
            "parent_accuracy": round(result["provenance"]["parent_accuracy"], 3),
            # CPU of ingest and scan (their processes and workers), and the articles/s it would
            # allow if no core were ever idle: the bound no overlapping of work can pass.
            "cpu_s": round(cpu_ingest + cpu_scan, 1),
            "busy_cores": round((cpu_ingest + cpu_scan) / total, 2),
            "articles_per_s_no_idle_core": round(
                n * (os.cpu_count() or 1) / max(cpu_ingest + cpu_scan, 1e-9)
            ),
        }
        rows.append((total, row))
        print(json.dumps(row), flush=True)
    print()
    cols = list(rows[0][1])
    print("  ".join(cols))
    for _, row in rows:
        print("  ".join(str(row[c]) for c in cols))
    if len(rows) >= 2:
        (t0, r0), (t1, r1) = rows[0], rows[-1]
        exponent = math.log(t1 / t0) / math.log(r1["articles"] / r0["articles"])
        print(
            f"time exponent between {r0['articles']:,} and {r1['articles']:,} articles: {exponent:.2f} (target <= 1.1)"
        )
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
