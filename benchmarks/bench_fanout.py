"""One passage printed by many articles (wire copy): scan and listing cost, and rows made.

    python benchmarks/bench_fanout.py 10000 [--outlets 500] [--days 3] [--others 300] [--sentences 2]
                                            [--repeat 3] [--all-pairs] [--tracer CMD] [--keep DIR]

Builds N articles of otherwise different text (pseudo-words of a fixed seed), each printing the
same wire passage (SENTENCES sentences, one after another) inside a paragraph of its own words
(so that no outlet's line repeats: the line is nobody's template), dated over DAYS days, from
OUTLETS outlets, after OTHERS articles
that do not print it (a store learns its frequent words from its first 300 articles: were they
all to print the sentence, its words would count as the corpus's function words and it would
match nothing; see tracer/frequent.py). A single sentence that an outlet prints in several
articles with other neighbours each time is that outlet's template (tracer/boilerplate.py): with
``--sentences 1``, give as many outlets as articles to measure it as reuse. Then, in a fresh store,
`tracer ingest`, `tracer scan`, `tracer matches --format jsonl` and `tracer passages --format
jsonl` (and with --all-pairs, `tracer matches --all-pairs --format jsonl`), each timed with

- the peak RSS of the command's own process (GNU time), and
- the peak of the whole process tree (the command and its worker processes): the sum of their
  proportional set sizes (``/proc/PID/smaps_rollup``), sampled every 0.1 s,

and prints, for each, the median over the repeats of wall seconds and both peaks, with the
rows it wrote and the store's rows (matches, pieces, passages, occurrences, claims and their
members). ``--tracer "python -m tracer"`` (the default) can name another checkout's tracer, e.g.
``--tracer "env PYTHONPATH=/path/to/old python -m tracer"`` to compare with an older version.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shlex
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

WIRE = (
    "Officials in the northern province confirmed on Tuesday that the flooded river had forced the "
    "evacuation of twelve villages and closed the main highway.",
    "Rescue teams using boats and helicopters reached stranded residents overnight, the provincial "
    "emergency agency said in a statement.",
)


def _word(r: random.Random) -> str:
    return "".join(r.choice("bcdfghjklmnprstvwz") + r.choice("aeiou") for _ in range(r.randint(2, 4)))


def _sentence(r: random.Random) -> str:
    words = " ".join(_word(r) for _ in range(14))
    return words[0].upper() + words[1:] + "."


def write_corpus(
    path: Path, n: int, outlets: int, days: int, others: int, sentences: int, seed: int = 7
) -> None:
    """``others`` articles, then ``n`` printing the wire sentence (see the module's docstring)."""
    r = random.Random(seed)
    with path.open("w", encoding="utf-8") as out:
        for i in range(others + n):
            seconds = i * days * 86400 // (others + n)
            day, hour, minute = 1 + seconds // 86400, seconds % 86400 // 3600, seconds % 3600 // 60
            paragraphs = [" ".join(_sentence(r) for _ in range(3)) for _ in range(3)]
            if i >= others:
                paragraphs.insert(1, " ".join([_sentence(r), *WIRE[:sentences], _sentence(r)]))
            record = {
                "id": f"a{i:06d}",
                "outlet": f"Outlet {r.randrange(outlets):04d}",
                "published": f"2024-03-{day:02d}T{hour:02d}:{minute:02d}:00Z",
                "text": "\n\n".join(paragraphs),
            }
            out.write(json.dumps(record) + "\n")


def _tree(root: int) -> list[int]:
    """``root`` and every process below it."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
            children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def _pss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


class TreePeak:
    """Samples, in a thread, the summed PSS (KB) of the processes below ``pid`` every 0.1 s
    until stopped; ``peak`` is the largest sum seen (GNU time's own process left out)."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak = pid, 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample)
        self._thread.start()

    def _sample(self) -> None:
        while not self._done.is_set():
            self.peak = max(self.peak, sum(_pss_kb(p) for p in _tree(self.pid) if p != self.pid))
            self._done.wait(0.1)

    def stop(self) -> int:
        self._done.set()
        self._thread.join()
        return self.peak


def measure(cmd: list[str], stdout: Path | None = None) -> dict[str, float] | None:
    """Wall seconds, the command's own peak RSS (MB, GNU time) and its process tree's sampled
    peak PSS (MB) of one run of ``cmd`` (None if it failed: a version without the command)."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as timing:
        sink = stdout.open("w") if stdout else subprocess.DEVNULL
        start = time.perf_counter()
        proc = subprocess.Popen(["/usr/bin/time", "-f", "%M", "-o", timing.name, *cmd], stdout=sink)
        sampler = TreePeak(proc.pid)  # the command and its workers, below GNU time
        code = proc.wait()
        seconds = time.perf_counter() - start
        peak = sampler.stop()
        if stdout:
            sink.close()  # type: ignore[union-attr]
        if code != 0:
            print(f"{' '.join(cmd)} failed with status {code}", file=sys.stderr)
            return None
        rss_kb = int(timing.read().strip().splitlines()[-1])
    return {"seconds": seconds, "rss_mb": rss_kb / 1024, "tree_pss_mb": peak / 1024}


def _rows(db: Path) -> dict[str, int]:
    conn = sqlite3.connect(db)
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        wanted = ["matches", "pieces", "passages", "occurrences", "claims", "claim_members"]
        return {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in wanted if t in tables}
    finally:
        conn.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("n", type=int, help="articles printing the sentence")
    ap.add_argument("--outlets", type=int, default=500)
    ap.add_argument("--days", type=int, default=3)
    ap.add_argument("--others", type=int, default=300, help="articles without the sentence, first")
    ap.add_argument("--sentences", type=int, default=2, choices=[1, 2], help="sentences of the passage")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--all-pairs", action="store_true", help="also time `tracer matches --all-pairs`")
    ap.add_argument("--tracer", default=f"{sys.executable} -m tracer", help="how to run tracer")
    ap.add_argument("--keep", help="keep the corpus and stores in this directory")
    args = ap.parse_args()
    tracer = shlex.split(args.tracer)
    work = Path(args.keep or tempfile.mkdtemp(prefix="tracer-fanout-"))
    work.mkdir(parents=True, exist_ok=True)
    corpus = work / f"wire{args.n}-{args.others}-{args.outlets}-{args.sentences}.jsonl"
    if not corpus.exists():
        write_corpus(corpus, args.n, args.outlets, args.days, args.others, args.sentences)
    steps = ["ingest", "scan", "matches", "passages"] + (["all-pairs"] if args.all_pairs else [])
    runs: dict[str, list[dict[str, float] | None]] = {s: [] for s in steps}
    rows: dict[str, int] = {}
    store_rows: dict[str, int] = {}
    for k in range(args.repeat):
        db = work / f"wire{args.n}-{k}.db"
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        commands = {
            "ingest": [*tracer, "ingest", str(corpus), "--db", str(db), "-q"],
            "scan": [*tracer, "scan", "--db", str(db), "-q"],
            "matches": [*tracer, "matches", "--db", str(db), "--format", "jsonl"],
            "passages": [*tracer, "passages", "--db", str(db), "--format", "jsonl"],
            "all-pairs": [*tracer, "matches", "--all-pairs", "--db", str(db), "--format", "jsonl"],
        }
        for step in steps:
            out = work / f"{step}.out" if step in ("matches", "passages", "all-pairs") else None
            runs[step].append(measure(commands[step], out))
            if out is not None:
                with out.open("rb") as f:
                    rows[step] = sum(1 for _ in f)
                out.unlink()
            got = runs[step][-1]
            shown = "failed" if got is None else json.dumps({key: round(v, 2) for key, v in got.items()})
            print(f"run {k + 1} {step}: {shown}", file=sys.stderr, flush=True)
        store_rows = _rows(db)
        if not args.keep:
            db.unlink()
    print(f"{args.n} articles printing one passage of {args.sentences} sentence(s) after {args.others} others, "
          f"{args.outlets} outlets, {args.days} days; medians of {args.repeat} run(s)")  # fmt: skip
    print(f"{'step':<10} {'seconds':>8} {'peak RSS MB':>12} {'tree PSS MB':>12} {'rows out':>10}")
    for step in steps:
        done = [r for r in runs[step] if r is not None]
        if not done:
            print(f"{step:<10} failed")
            continue
        med = {key: statistics.median(r[key] for r in done) for key in done[0]}
        print(
            f"{step:<10} {med['seconds']:>8.1f} {med['rss_mb']:>12.0f} {med['tree_pss_mb']:>12.0f} "
            f"{rows.get(step, ''):>10}"
        )
    print("store rows: " + ", ".join(f"{t} {n:,}" for t, n in store_rows.items()))


if __name__ == "__main__":
    main()
