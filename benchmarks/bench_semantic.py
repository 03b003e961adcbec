"""The semantic stage's cost: `tracer run` on a `tracer simulate` corpus without and with
``--semantic english``, alternating, and the static model's speed (run by hand).

    python benchmarks/bench_semantic.py [--articles 10000] [--rounds 3] [--workdir DIR]

Prints each run's wall time, the medians, the ratio of throughputs, and the static model's
sentences per second on the corpus's claim-bearing sentences.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _run(corpus: Path, db: Path, semantic: bool) -> float:
    for old in db.parent.glob(db.name + "*"):
        old.unlink()
    args = [sys.executable, "-m", "tracer", "run", str(corpus), "--db", str(db), "-q"]
    started = time.perf_counter()
    subprocess.run(
        [*args, *(["--semantic", "english"] if semantic else [])], check=True, stdout=subprocess.DEVNULL
    )
    return time.perf_counter() - started


def _static_speed(db: Path) -> tuple[int, float]:
    from tracer import semantic, static_embed
    from tracer.store import Store

    model = static_embed.load()
    with Store.open(db) as store:
        texts = semantic._candidates(store).texts
    started = time.perf_counter()
    model.encode(texts)
    return len(texts), len(texts) / (time.perf_counter() - started)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--articles", type=int, default=10_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--workdir")
    args = ap.parse_args()
    work = Path(args.workdir or tempfile.mkdtemp(prefix="bench-semantic-"))
    corpus = work / "s.jsonl"
    if not corpus.exists():
        subprocess.run(
            [sys.executable, "-m", "tracer", "simulate", str(args.articles), "-o", str(corpus)],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    times: dict[bool, list[float]] = {False: [], True: []}
    for n in range(args.rounds):
        for semantic in (False, True):
            times[semantic].append(_run(corpus, work / "r.db", semantic))
            print(
                f"round {n + 1}: {'--semantic english' if semantic else 'lexical only'}: {times[semantic][-1]:.1f} s"
            )
    plain, with_semantic = statistics.median(times[False]), statistics.median(times[True])
    print(
        f"median: lexical only {plain:.1f} s ({args.articles / plain:.0f} articles/s), --semantic english "
        f"{with_semantic:.1f} s ({args.articles / with_semantic:.0f} articles/s): {plain / with_semantic:.2f} of "
        "the lexical throughput"
    )
    count, speed = _static_speed(work / "r.db")
    print(f"static model: {count} claim-bearing sentences, {speed:.0f} sentences/s")


if __name__ == "__main__":
    main()
