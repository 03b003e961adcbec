#!/usr/bin/env python3
"""End-to-end benchmark: ``tracer ingest`` + ``tracer scan`` on a synthetic corpus.

Usage::

    python benchmarks/bench_pipeline.py --n 20000 [--repeat 3] [--keep DIR] [--seed 1]
                                        [--tracer CMD] [--json FILE] [--check]
                                        [--cache-dir DIR] [--rss-via auto|time|launcher]
                                        [--timeout S] [--max-rss MB]

1. Generates ``--n`` articles with ``tracer simulate`` (``tracer.tools.simulate.simulate``, not
   timed), cached under ``$TMPDIR/tracer-bench-corpus/n<N>-seed<S>-simulate-<hash>/``, where
   ``<hash>`` is a hash of ``tracer/simulate.py`` (an edited generator gets a fresh corpus).
2. For each repeat, in a fresh temporary directory (or ``--keep DIR/run<k>``), runs as
   child processes::

       tracer ingest CORPUS.jsonl --db STORE --quiet
       tracer scan --db STORE --quiet

   and measures each child's wall time and peak RSS.  Peak RSS is the child's ``ru_maxrss``
   as reported by a small wrapper that forks it and waits for it: GNU ``/usr/bin/time -f %M``
   where that works, else a tiny Python launcher using ``os.wait4()`` (``--rss-via``).  Not
   ``os.wait4()`` on a direct child: Linux carries the forking process's RSS high-water mark
   across ``exec``, so a child of this Python process would report at least this process's
   RSS.  ``ru_maxrss`` is one process's peak (the largest of it and the descendants it waited
   for, not their sum), so a sampler also sums the RSS of the child's process tree every
   50 ms (Linux ``/proc``): worker processes, if any, show up there.
3. Baseline RSS: the same measurement of ``python -c "import tracer.cli"``.
4. Reads the store (SQLite): ``SELECT count(*) FROM sentences`` if that table exists (else
   the corpus texts' sentences by ``tracer.segment``, marked "est."), and recall of the
   planted article pairs, unordered: the (source, target) pairs of the simulate truth's
   ``spans`` (one per echo of a claim), found among ``matches`` (source_id, target_id) if
   that table has those columns; also by the spans' ``edit`` kind.
5. Prints a table with medians over the repeats and the targets: >= 1,000 articles/s for
   ingest + scan together at N = 20,000, and < 2 KB (2,048 bytes) of peak RSS above the
   baseline per stored sentence.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shlex
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
TARGET_ARTICLES_PER_S = 1000.0
TARGET_N = 20_000
TARGET_BYTES_PER_SENTENCE = 2048.0
SAMPLE_EVERY_S = 0.05
# fields of the simulation summary copied to --json
GENERATOR_KEYS = ("outlets", "days", "words", "claims", "members", "echoes", "credited", "edits", "seconds")
METHOD_TEXT = {
    "time": "/usr/bin/time -f %M (GNU time)",
    "launcher": "a Python launcher's os.wait4() ru_maxrss",
}


# -- corpus ------------------------------------------------------------------------------------
def generator_key() -> str:
    """A short hash of ``tracer/simulate.py``: the corpus cache is keyed by it, so an edited
    generator never reuses corpora of the old one (nor of the retired ``benchmarks/synth.py``)."""
    import tracer.tools.simulate

    src = Path(tracer.tools.simulate.__file__).read_bytes()
    return hashlib.sha256(src).hexdigest()[:12]


def corpus_for(
    n: int, seed: int, cache_root: Path | None = None, quiet: bool = False
) -> tuple[Path, Path, dict]:
    """Return (corpus, truth, simulation summary), generating them once per (N, seed, generator).

    The corpus is ``tracer simulate N -o corpus.jsonl --seed S`` (through its Python API);
    the truth is its ``corpus.truth.json``.
    """
    from tracer.tools.simulate import simulate

    root = cache_root or Path(tempfile.gettempdir()) / "tracer-bench-corpus"
    d = root / f"n{n}-seed{seed}-simulate-{generator_key()}"
    corpus, truth, meta = d / "corpus.jsonl", d / "corpus.truth.json", d / "meta.json"
    if meta.exists() and corpus.exists() and truth.exists():
        stats = json.loads(meta.read_text())
        if not quiet:
            print(f"corpus: cached {corpus}", file=sys.stderr)
        return corpus, truth, stats
    d.mkdir(parents=True, exist_ok=True)
    tmp_c, tmp_t = d / f"corpus.{os.getpid()}.tmp", d / f"truth.{os.getpid()}.tmp"
    if not quiet:
        print(f"corpus: tracer simulate {n} articles (seed {seed}) ...", file=sys.stderr)
    stats = simulate(n, tmp_c, seed=seed, truth_path=tmp_t).as_dict()
    os.replace(tmp_c, corpus)
    os.replace(tmp_t, truth)
    stats["out_path"], stats["truth_path"] = str(corpus), str(truth)
    meta.write_text(json.dumps(stats, indent=1))  # written last: marks the cache complete
    if not quiet:
        rate = n / stats["seconds"] if stats["seconds"] else 0.0
        print(f"corpus: {corpus} in {stats['seconds']:.1f}s ({rate:,.0f} articles/s)", file=sys.stderr)
    return corpus, truth, stats


def estimate_sentences(corpus: Path) -> int:
    """Sentences of the corpus texts by ``tracer.segment.split_sentences`` (for a store without a
    ``sentences`` table); titles are not counted."""
    from tracer.segment import split_sentences

    total = 0
    with open(corpus, encoding="utf-8") as f:
        for line in f:
            total += len(split_sentences(json.loads(line)["text"]))
    return total


def planted_pairs(truth: Path) -> tuple[dict[frozenset, list[str]], set[frozenset]]:
    """The planted pairs: unordered (source, target) article pairs of the truth's ``spans`` (a
    parent and its echo), each with its edit kinds; and every unordered pair of articles that
    are members of one truth claim (siblings, grandparents: related, though not planted)."""
    with open(truth, encoding="utf-8") as f:
        t = json.load(f)
    planted: dict[frozenset, list[str]] = {}
    for sp in t["spans"]:
        planted.setdefault(frozenset((sp["source"], sp["target"])), []).append(sp["edit"])
    related: set[frozenset] = set()
    for claim in t["claims"]:
        arts = sorted({m["article"] for m in claim["members"]})
        related.update(frozenset((a, b)) for i, a in enumerate(arts) for b in arts[i + 1 :])
    return planted, related


# -- tracer command and measured child processes ----------------------------------------------
def tracer_command(option: str | None) -> tuple[list[str], str]:
    """The command that runs tracer, and the Python interpreter behind it (for the baseline)."""
    if option:
        cmd = shlex.split(option)
    elif shutil.which("tracer"):
        cmd = [shutil.which("tracer")]  # type: ignore[list-item]
    elif (Path(sys.executable).parent / "tracer").exists():
        cmd = [str(Path(sys.executable).parent / "tracer")]
    else:
        cmd = [sys.executable, "-m", "tracer"]
    python = sys.executable
    try:  # a console script: use the interpreter of its #! line
        with open(cmd[0], "rb") as f:
            first = f.readline().decode("utf-8", "replace").strip()
        if first.startswith("#!"):
            interp = shlex.split(first[2:])
            if interp and Path(interp[0]).name.startswith("python") and os.access(interp[0], os.X_OK):
                python = interp[0]
    except OSError:
        pass
    if Path(cmd[0]).name.startswith("python"):
        python = cmd[0]
    return cmd, python


def _children(pid: int) -> list[int] | None:
    """Child pids from /proc/PID/task/*/children (None where the kernel lacks that file)."""
    kids: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return []
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/children", "rb") as f:
                kids.extend(int(x) for x in f.read().split())
        except FileNotFoundError:
            if not os.path.exists(f"/proc/{pid}/task/{tid}"):
                continue  # the thread ended meanwhile
            return None
        except OSError:
            continue
    return kids


def _all_children(root: int) -> list[int] | None:
    """Descendants of ``root`` by a full /proc scan (ppid field of /proc/*/stat)."""
    parent: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as f:
                    stat = f.read()
            except OSError:
                continue
            parent[int(entry.name)] = int(stat[stat.rfind(b")") + 2 :].split()[1])
    tree = {root}
    grew = True
    while grew:
        grew = False
        for pid, ppid in parent.items():
            if ppid in tree and pid not in tree:
                tree.add(pid)
                grew = True
    tree.discard(root)
    return list(tree)


def _proc_tree_rss(root: int, page: int) -> tuple[int, int]:
    """(sum of RSS bytes, number of processes) of the descendants of ``root``, from /proc."""
    pids = [root]
    i = 0
    while i < len(pids):
        kids = _children(pids[i])
        if kids is None:  # no .../children files: scan /proc once
            pids = [root, *(_all_children(root) or [])]
            break
        pids.extend(kids)
        i += 1
    total = n = 0
    for pid in pids[1:]:  # pids[0] is the measuring wrapper itself
        try:
            with open(f"/proc/{pid}/statm", "rb") as f:
                total += int(f.read().split()[1]) * page
            n += 1
        except (OSError, IndexError, ValueError):
            continue
    return total, n


class _TreeSampler(threading.Thread):
    """Samples the RSS sum of a process tree until stopped (Linux only; else does nothing)."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = 0
        self.max_procs = 0
        self.ok = os.path.exists(f"/proc/{pid}/statm")
        self._stop_evt = threading.Event()
        self._page = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096

    def run(self) -> None:
        while self.ok and not self._stop_evt.is_set():
            try:
                total, procs = _proc_tree_rss(self.pid, self._page)
            except Exception:  # never let the sampler break a measurement
                self.ok = False
                return
            self.peak = max(self.peak, total)
            self.max_procs = max(self.max_procs, procs)
            self._stop_evt.wait(SAMPLE_EVERY_S)

    def stop(self) -> None:
        self._stop_evt.set()
        self.join()


# Why a wrapper: a child's ru_maxrss starts at the RSS of the process that forked it (Linux
# keeps the high-water mark across exec), so os.wait4() on a child of this (large) Python
# process would report at least this process's RSS.  The wrapper is small, forks the real
# command and reports that grandchild's own ru_maxrss.
LAUNCHER = """\
import os, subprocess, sys
p = subprocess.Popen(sys.argv[2:])
_, status, ru = os.wait4(p.pid, 0)
with open(sys.argv[1], "w") as f:
    f.write("%d %f\\n" % (ru.ru_maxrss * (1 if sys.platform == "darwin" else 1024), ru.ru_utime + ru.ru_stime))
code = os.waitstatus_to_exitcode(status)
sys.exit(code if code >= 0 else 128 - code)
"""


def rss_method(choice: str = "auto") -> str:
    """``time`` (GNU /usr/bin/time -f %M) where it works, else ``launcher`` (a tiny Python wrapper)."""
    if choice != "auto":
        return choice
    gnu_time = "/usr/bin/time"
    if os.access(gnu_time, os.X_OK):
        try:
            with tempfile.NamedTemporaryFile("r") as f:
                r = subprocess.run(
                    [gnu_time, "-f", "%M %e", "-o", f.name, "true"], capture_output=True, timeout=10
                )
                if r.returncode == 0 and f.read().split()[0].isdigit():
                    return "time"
        except (OSError, subprocess.SubprocessError, IndexError):
            pass
    return "launcher"


def run_measured(
    cmd: list[str], cwd: Path, method: str, timeout: float | None = None, max_rss: int | None = None
) -> dict:
    """Run ``cmd`` under the RSS wrapper; return wall s, peak RSS bytes, tree RSS, rc, output tails.

    The child runs in its own session; it is killed (SIGKILL to the whole group) after
    ``timeout`` seconds or once its process tree's sampled RSS exceeds ``max_rss`` bytes.
    """
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.NamedTemporaryFile("r", suffix=".rss") as rep,
    ):
        if method == "time":
            wrapped = ["/usr/bin/time", "-f", "%M %e %U %S", "-o", rep.name, *cmd]
        else:
            wrapped = [sys.executable, "-c", LAUNCHER, rep.name, *cmd]
        t0 = time.perf_counter()
        proc = subprocess.Popen(wrapped, stdout=out, stderr=err, cwd=cwd, start_new_session=True)
        sampler = _TreeSampler(proc.pid)
        sampler.start()
        killed = None
        while True:
            try:
                rc = proc.wait(timeout=0.1)
                break
            except subprocess.TimeoutExpired:
                pass
            if timeout and time.perf_counter() - t0 > timeout:
                killed = f"timed out after {timeout:g}s"
            elif max_rss and sampler.peak > max_rss:
                killed = f"process-tree RSS passed --max-rss ({max_rss / 1e6:,.0f} MB)"
            if killed:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                rc = proc.wait()
                break
        wall = time.perf_counter() - t0
        sampler.stop()
        out.seek(0)
        err.seek(0)
        stdout = out.read()[-4000:].decode("utf-8", "replace")
        stderr = err.read()[-4000:].decode("utf-8", "replace")
        lines = rep.read().strip().splitlines()
    peak = cpu = None
    try:  # GNU time may put "Command exited with non-zero status N" first
        fields = lines[-1].split()
        if method == "time":
            peak, cpu = int(fields[0]) * 1024, float(fields[2]) + float(fields[3])
        else:
            peak, cpu = int(fields[0]), float(fields[1])
    except (IndexError, ValueError):
        if rc == 0:
            raise RuntimeError(f"no RSS report from {wrapped[0]}: {lines!r}") from None
    return {
        "cmd": cmd,
        "rc": rc,
        "killed": killed,
        "wall_s": wall,
        "cpu_s": cpu,
        "peak_rss": peak,
        "tree_rss": sampler.peak if sampler.ok else None,
        "tree_procs": sampler.max_procs if sampler.ok else None,
        "stdout": stdout,
        "stderr": stderr,
    }


def _fail(step: str, r: dict, before: dict | None = None) -> None:
    if before is not None:
        print(f"\ningest: {before['wall_s']:.2f}s, peak RSS {_mb(before['peak_rss'])} MB", file=sys.stderr)
    why = f"{r['killed']}, " if r.get("killed") else ""
    print(
        f"\n{step} failed ({why}exit {r['rc']}) after {r['wall_s']:.1f}s, peak RSS {_mb(r['peak_rss'])} MB, "
        f"process-tree RSS {_mb(r['tree_rss'])} MB: {shlex.join(r['cmd'])}",
        file=sys.stderr,
    )
    for name in ("stdout", "stderr"):
        if r[name].strip():
            print(f"--- {name} (tail) ---\n{r[name].rstrip()}", file=sys.stderr)
    sys.exit(2)


# -- reading the store -------------------------------------------------------------------------
def _store_file(store: Path) -> Path | None:
    if store.is_file():
        return store
    if store.is_dir():  # a store that is a directory: its first SQLite file
        for pattern in ("*.db", "*.sqlite", "*.sqlite3"):
            found = sorted(store.glob(pattern))
            if found:
                return found[0]
    return None


def _columns(con: sqlite3.Connection, table: str) -> set[str] | None:
    row = con.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (table,)).fetchone()
    if row is None:
        return None
    return {r[1] for r in con.execute(f'PRAGMA table_info("{table}")')}


def read_store(store: Path, truth: Path | None) -> dict:
    """Sentence count and recall of the planted pairs, from whatever the store has."""
    res: dict = {"sentences": None, "recall": None, "notes": []}
    path = _store_file(store)
    if path is None:
        res["notes"].append(f"no SQLite store at {store}")
        return res
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        res["notes"].append(f"cannot open {path}: {exc}")
        return res
    try:
        if _columns(con, "sentence_blocks") is not None:  # store schemas 2 and 3: one blob per batch
            row = con.execute("SELECT COALESCE(SUM(count), 0) FROM sentence_blocks").fetchone()
            res["sentences"] = row[0]
        elif _columns(con, "sentences") is not None:
            res["sentences"] = con.execute("SELECT count(*) FROM sentences").fetchone()[0]
        else:
            res["notes"].append("store has no 'sentences' table")
        cols = _columns(con, "matches")
        if cols is None or not {"source_id", "target_id"} <= cols:
            res["notes"].append("store has no 'matches' table with source_id, target_id: recall not measured")
            return res
        if truth is None:
            return res
        planted, related = planted_pairs(truth)
        extra = ", boilerplate" if "boilerplate" in cols else ", 0"
        found: set[frozenset] = set()
        found_clean: set[frozenset] = set()
        n_pairs = 0
        for a, b, bp in con.execute(f"SELECT DISTINCT source_id, target_id{extra} FROM matches"):
            key = frozenset((str(a), str(b)))
            if len(key) == 1:
                continue
            n_pairs += 1
            found.add(key)
            if not bp:
                found_clean.add(key)
        hit = planted.keys() & found
        by_edit: dict[str, list[int]] = {}
        for key, edits in planted.items():
            for e in edits:
                c = by_edit.setdefault(e, [0, 0])
                c[0] += key in found
                c[1] += 1
        res["recall"] = len(hit) / len(planted) if planted else None
        res["recall_non_boilerplate"] = (
            len(planted.keys() & found_clean) / len(planted) if planted and "boilerplate" in cols else None
        )
        res["recall_by_edit"] = {e: c[0] / c[1] for e, c in sorted(by_edit.items())}
        res["planted_pairs"] = len(planted)
        res["matched_pairs"] = len(found)
        res["matched_pairs_non_boilerplate"] = len(found_clean) if "boilerplate" in cols else None
        res["unplanted_non_boilerplate_pairs"] = (
            len(found_clean - planted.keys()) if "boilerplate" in cols else None
        )
        res["unplanted_non_boilerplate_pairs_same_claim"] = (
            len((found_clean - planted.keys()) & related) if "boilerplate" in cols else None
        )
        if found and not hit:
            sample = next(iter(next(iter(found))))
            res["notes"].append(
                f"no planted pair among {len(found)} matched pairs; match ids look like {sample!r} "
                "(are they the corpus ids?)"
            )
    except sqlite3.Error as exc:
        res["notes"].append(f"store query failed: {exc}")
    finally:
        con.close()
    return res


# -- main ----------------------------------------------------------------------------------------
def _mb(b: float | None) -> str:
    return "-" if b is None else f"{b / 1e6:,.0f}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=TARGET_N, help="articles (default %(default)s)")
    ap.add_argument("--repeat", type=int, default=3, help="runs on fresh stores (default %(default)s)")
    ap.add_argument("--seed", type=int, default=1, help="corpus seed (default %(default)s)")
    ap.add_argument("--keep", metavar="DIR", help="keep the stores as DIR/run<k>/store.db")
    ap.add_argument("--tracer", metavar="CMD", help="command that runs tracer (default: tracer on PATH)")
    ap.add_argument("--cache-dir", metavar="DIR", help="corpus cache (default $TMPDIR/tracer-bench-corpus)")
    ap.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    ap.add_argument(
        "--rss-via",
        choices=("auto", "time", "launcher"),
        default="auto",
        help="peak RSS wrapper: GNU /usr/bin/time or a Python launcher (default: time if it works)",
    )
    ap.add_argument("--timeout", type=float, metavar="S", help="kill a step after S seconds (default: none)")
    ap.add_argument(
        "--max-rss",
        type=float,
        metavar="MB",
        help="kill a step once its process tree's RSS passes MB (sampled; default: none)",
    )
    ap.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = ap.parse_args(argv)
    if args.n < 1 or args.repeat < 1:
        ap.error("--n and --repeat must be >= 1")

    corpus, truth, gen = corpus_for(args.n, args.seed, Path(args.cache_dir) if args.cache_dir else None)
    cmd, python = tracer_command(args.tracer)
    method = rss_method(args.rss_via)
    print(f"tracer: {shlex.join(cmd)}; peak RSS via {METHOD_TEXT[method]}", file=sys.stderr)

    base_cmd = [python, "-c", "import tracer.cli"]
    base = run_measured(base_cmd, REPO, method)
    if base["rc"] != 0:
        base_cmd = [python, "-c", "import tracer"]
        base = run_measured(base_cmd, REPO, method)
        print("baseline: tracer.cli not importable, using 'import tracer'", file=sys.stderr)
    if base["rc"] != 0:
        base_cmd = [python, "-c", "pass"]
        base = run_measured(base_cmd, REPO, method)
        print("baseline: tracer not importable, using a bare interpreter", file=sys.stderr)
    baseline = base["peak_rss"]

    limits = (args.timeout or None, int(args.max_rss * 1e6) if args.max_rss else None)
    runs = []
    store_info: dict = {}
    keep = Path(args.keep).resolve() if args.keep else None
    for k in range(1, args.repeat + 1):
        if keep:
            work = keep / f"run{k}"
            if work.exists():
                shutil.rmtree(work)
            work.mkdir(parents=True)
        else:
            work = Path(tempfile.mkdtemp(prefix="tracer-bench-"))
        store = work / "store.db"
        try:
            ing = run_measured(
                [*cmd, "ingest", str(corpus), "--db", str(store), "--quiet"], REPO, method, *limits
            )
            if ing["rc"] != 0:
                _fail("ingest", ing)
            scn = run_measured([*cmd, "scan", "--db", str(store), "--quiet"], REPO, method, *limits)
            if scn["rc"] != 0:
                _fail("scan", scn, before=ing)
            if k == args.repeat:
                store_info = read_store(store, truth)
        finally:
            if not keep:
                shutil.rmtree(work, ignore_errors=True)
        runs.append({"ingest": ing, "scan": scn})
        tot = ing["wall_s"] + scn["wall_s"]
        print(
            f"run {k}/{args.repeat}: ingest {ing['wall_s']:.2f}s {_mb(ing['peak_rss'])} MB, "
            f"scan {scn['wall_s']:.2f}s {_mb(scn['peak_rss'])} MB, {args.n / tot:,.0f} articles/s",
            file=sys.stderr,
        )

    ingest_s = statistics.median(r["ingest"]["wall_s"] for r in runs)
    scan_s = statistics.median(r["scan"]["wall_s"] for r in runs)
    total_s = statistics.median(r["ingest"]["wall_s"] + r["scan"]["wall_s"] for r in runs)
    rate = args.n / total_s
    peak_ingest = max(r["ingest"]["peak_rss"] for r in runs)
    peak_scan = max(r["scan"]["peak_rss"] for r in runs)
    peak = max(peak_ingest, peak_scan)
    tree = {}
    for step in ("ingest", "scan"):
        vals = [r[step]["tree_rss"] for r in runs if r[step]["tree_rss"] is not None]
        tree[step] = max(vals) if vals else None
    procs = [r[s]["tree_procs"] for r in runs for s in ("ingest", "scan") if r[s]["tree_procs"] is not None]
    tree_peak = max((v for v in tree.values() if v is not None), default=None)
    sentences = store_info.get("sentences")
    estimated = sentences is None
    if estimated:
        sentences = estimate_sentences(corpus)
    per_sentence = (peak - baseline) / sentences if sentences else None
    recall = store_info.get("recall")

    sent_txt = f"{sentences:,}" + (" (est.)" if estimated else "")
    header = [
        "N",
        "sentences",
        "ingest s",
        "scan s",
        "articles/s",
        "peak RSS MB",
        "RSS B/sentence",
        "recall",
    ]
    row = [
        f"{args.n:,}",
        sent_txt,
        f"{ingest_s:.2f}",
        f"{scan_s:.2f}",
        f"{rate:,.0f}",
        _mb(peak),
        "-" if per_sentence is None else f"{per_sentence:,.0f}",
        "-" if recall is None else f"{recall:.3f}",
    ]
    widths = [max(len(h), len(c)) for h, c in zip(header, row, strict=True)]
    print()
    print("  ".join(h.rjust(w) for h, w in zip(header, widths, strict=True)))
    print("  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)))
    print()
    print(
        f"medians over {args.repeat} run(s); peak RSS = max over runs of each child's ru_maxrss "
        f"via {METHOD_TEXT[method]}: "
        f"ingest {_mb(peak_ingest)} MB, scan {_mb(peak_scan)} MB; "
        f"baseline `{' '.join(base_cmd[1:])}` {_mb(baseline)} MB"
    )
    if tree_peak is not None:
        print(
            f"process-tree RSS (sum over the child and its descendants, sampled every "
            f"{SAMPLE_EVERY_S * 1000:.0f} ms, up to {max(procs)} process(es)): "
            f"ingest {_mb(tree['ingest'])} MB, scan {_mb(tree['scan'])} MB"
        )
    if estimated:
        print("sentences: estimated by splitting the corpus texts with tracer.segment.split_sentences")
    if recall is not None:
        by_edit = ", ".join(f"{e} {v:.3f}" for e, v in store_info["recall_by_edit"].items())
        print(
            f"recall: {store_info['planted_pairs']:,} planted article pairs (unordered), "
            f"{store_info['matched_pairs']:,} matched pairs; by edit kind: {by_edit}"
        )
        if store_info.get("recall_non_boilerplate") is not None:
            print(
                f"recall among non-boilerplate matches: {store_info['recall_non_boilerplate']:.3f}; "
                f"non-boilerplate matched pairs not planted: {store_info['unplanted_non_boilerplate_pairs']:,} "
                f"({store_info['unplanted_non_boilerplate_pairs_same_claim']:,} of them join two members "
                "of one truth claim)"
            )
    for note in store_info.get("notes", []):
        print(f"note: {note}")

    ok_rate = rate >= TARGET_ARTICLES_PER_S
    ok_mem = per_sentence is not None and per_sentence < TARGET_BYTES_PER_SENTENCE
    at = "" if args.n == TARGET_N else f" (the target is set at N={TARGET_N:,}; this run has N={args.n:,})"
    print()
    print(
        f"target: ingest+scan >= {TARGET_ARTICLES_PER_S:,.0f} articles/s at N={TARGET_N:,}: "
        f"{rate:,.0f} articles/s  {'PASS' if ok_rate else 'FAIL'}{at}"
    )
    print(
        f"target: peak RSS growth < {TARGET_BYTES_PER_SENTENCE:,.0f} B (2 KB) per sentence: "
        f"{'-' if per_sentence is None else f'{per_sentence:,.0f} B'}  {'PASS' if ok_mem else 'FAIL'}"
        + (" (sentences estimated)" if estimated else "")
    )

    if args.json:
        out = {
            "n": args.n,
            "seed": args.seed,
            "repeat": args.repeat,
            "tracer": cmd,
            "corpus": str(corpus),
            "generator": {k: gen[k] for k in GENERATOR_KEYS if k in gen},
            "sentences": sentences,
            "sentences_estimated": estimated,
            "ingest_s": ingest_s,
            "scan_s": scan_s,
            "articles_per_s": rate,
            "peak_rss_bytes": peak,
            "peak_rss_ingest_bytes": peak_ingest,
            "peak_rss_scan_bytes": peak_scan,
            "tree_rss_bytes": tree_peak,
            "tree_rss_ingest_bytes": tree["ingest"],
            "tree_rss_scan_bytes": tree["scan"],
            "baseline_rss_bytes": baseline,
            "rss_bytes_per_sentence": per_sentence,
            "store": {k: v for k, v in store_info.items()},
            "runs": [
                {s: {k: v for k, v in r[s].items() if k not in ("stdout", "stderr")} for s in r} for r in runs
            ],
            "targets": {"articles_per_s": ok_rate, "rss_bytes_per_sentence": ok_mem},
        }
        Path(args.json).write_text(json.dumps(out, indent=1, default=str))
    return 1 if args.check and not (ok_rate and ok_mem) else 0


if __name__ == "__main__":
    sys.exit(main())
