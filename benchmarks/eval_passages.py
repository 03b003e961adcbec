"""PAN-style character-level evaluation of passage detection on verbatim copies (run by hand).

Gold is made, not annotated: the five Wikipedia texts of Clough & Stevenson's corpus
(``orig_task{a..e}.txt``) are the sources, and each of the 95 student answers hosts one passage
copied word for word from the source of *another* task (so the host's own reuse of its task's
source is not scored), inserted between two of its sentences. One target article per answer
and obfuscation kind:

* ``whole``: 2-4 whole sentences;
* ``cut``: 150-450 characters starting and ending inside sentences (other sentence boundaries);
* ``wrapped``: whole sentences re-wrapped at 60 columns, one word hyphenated across a line break;
* ``gap-target``: whole sentences with a short sentence of the host's put between two of them;
* ``gap-source``: 3-5 whole sentences less a middle one (a skipped sentence);
* ``reorder``: 3-4 whole sentences with two neighbours swapped.

A case is the copied region of the source and the target (the whole inserted region: for gaps
and swaps, what PAN calls one case). Detections are tracer's non-boilerplate matches between a
target and the source its case copied. Prints PAN precision, recall, granularity and plagdet
(:func:`tracer.tools.evaluate.pan_measures`) overall and per kind, and the matches' ``kind`` counts. Each source sentence is
copied into many targets: the scan pairs all copies (``ScanParams.fanout``), as it does below 16.

    python benchmarks/eval_passages.py [--dir ../shared/eval/clough] [--seed 1]
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import tempfile
from collections import Counter
from pathlib import Path

from tracer.params import ScanParams
from tracer.pipeline import run
from tracer.store import Store
from tracer.tools.evaluate import SpanPair, pan_measures

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "eval" / "clough"
KINDS = ("whole", "cut", "wrapped", "gap-target", "gap-source", "reorder")
_SENTENCE = re.compile(r"\S.*?[.!?](?=\s|$)", re.DOTALL)


def _read(path: Path) -> str:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:  # the corpus mixes encodings
        text = raw.decode("cp1252", errors="replace")
    return text.replace("\r\n", "\n")


def _sentences(text: str) -> list[tuple[int, int]]:
    """Spans of sentences: up to a full stop, question or exclamation mark before a space."""
    return [m.span() for m in _SENTENCE.finditer(text)]


def _wrap(text: str, width: int, rng: random.Random) -> str:
    """``text`` broken into lines of at most ``width`` characters, one long word hyphenated at a
    break."""
    lines: list[str] = []
    line = ""
    hyphenated = False
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            if not hyphenated and len(word) >= 8 and word.isalpha():
                cut = rng.randint(3, len(word) - 3)
                lines.append(f"{line} {word[:cut]}-")
                line, hyphenated = word[cut:], True
                continue
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return "\n".join([*lines, line])


def _plant(
    kind: str, source: str, host: str, rng: random.Random
) -> tuple[str, tuple[int, int], tuple[int, int]]:
    """The target text, and the case's source and target spans."""
    sents = _sentences(source)
    host_sents = _sentences(host) or [(0, 0)]
    at = rng.choice(host_sents)[1] if len(host_sents) > 1 else len(host)
    n = {"whole": rng.randint(2, 4), "gap-source": rng.randint(3, 5), "reorder": rng.randint(3, 4)}.get(
        kind, 3
    )
    n = min(n, len(sents))
    i = rng.choice([j for j in range(len(sents) - n + 1) if len(source[slice(*sents[j])].split()) >= 6])
    run_ = sents[i : i + n]
    src = (run_[0][0], run_[-1][1])
    if kind == "cut":
        lo = rng.randrange(sents[i][0] + 10, sents[i][1] - 10)
        lo = source.index(" ", lo) + 1
        hi = source.find(" ", lo + rng.randint(150, 450))
        hi = len(source.rstrip()) if hi < 0 else hi
        src = (lo, hi)
        copied = source[lo:hi]
    elif kind == "gap-source":
        keep = run_[:1] + run_[2:] if n >= 3 else run_
        copied = " ".join(source[s:e] for s, e in keep)
    elif kind == "reorder":
        parts = [source[s:e] for s, e in run_]
        j = rng.randrange(len(parts) - 1)
        parts[j], parts[j + 1] = parts[j + 1], parts[j]
        copied = " ".join(parts)
    elif kind == "gap-target":
        parts = [source[s:e] for s, e in run_]
        filler = host[slice(*rng.choice(host_sents))] if host_sents[0] != (0, 0) else "It was so."
        short = " ".join(filler.split()[:6]).rstrip(".,;") + "."
        parts.insert(rng.randrange(1, len(parts)), short)
        copied = " ".join(parts)
    else:
        copied = source[src[0] : src[1]]
    if kind == "wrapped":
        copied = _wrap(copied, 60, rng)
    before, after = host[:at].rstrip(), host[at:].lstrip()
    text = (
        f"{before}\n\n{copied}\n\n{after}" if kind in ("wrapped", "reorder") else f"{before} {copied} {after}"
    )
    start = len(before) + (2 if kind in ("wrapped", "reorder") else 1)
    return text, src, (start, start + len(copied))


def evaluate(folder: Path, seed: int) -> tuple[dict[str, dict[str, float | int | None]], Counter[str]]:
    """PAN measures overall (``all``) and per kind, and the detections' match kinds."""
    with (folder / "file_information.csv").open(encoding="utf-8-sig") as f:
        answers = {row["File"]: row["Task"] for row in csv.DictReader(f)}
    sources = {t: _read(folder / f"orig_task{t}.txt") for t in sorted(set(answers.values()))}
    rng = random.Random(seed)
    rows = [{"id": f"orig_{t}", "outlet": "Wikipedia", "published": "2010-01-01", "text": text}
            for t, text in sources.items()]  # fmt: skip
    cases: dict[str, list[SpanPair]] = {k: [] for k in KINDS}
    for name, task in sorted(answers.items()):
        host = _read(folder / name)
        for kind in KINDS:
            other = rng.choice([t for t in sources if t != task])
            text, (s0, s1), (t0, t1) = _plant(kind, sources[other], host, rng)
            tid = f"{kind}:{name}"
            rows.append(
                {"id": tid, "outlet": f"student {name[:4]} {kind}", "published": "2010-06-01", "text": text}
            )
            cases[kind].append((f"orig_{other}", s0, s1, tid, t0, t1))
    planted = {(c[0], c[3]) for found in cases.values() for c in found}
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "passages.jsonl"
        corpus.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
        with Store.open(Path(tmp) / "passages.db") as store:
            # Every source sentence is copied by many of the 600 targets: pair them all rather
            # than link each copy to one other (the fan-out), which is not measured here.
            run(store, [corpus], params=ScanParams(fanout=10_000))
            found = store.conn.execute(
                "SELECT source_id, source_start, source_end, target_id, target_start, target_end, kind "
                "FROM matches WHERE boilerplate = 0"
            ).fetchall()
    dets = [(r[:6], r[6]) for r in found if (r[0], r[3]) in planted]
    out = {"all": pan_measures([c for v in cases.values() for c in v], [d for d, _ in dets])}
    for kind in KINDS:
        mine = [d for d, _ in dets if d[3].startswith(f"{kind}:")]
        out[kind] = pan_measures(cases[kind], mine)
    return out, Counter(k for _, k in dets)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=DEFAULT, help="the Clough & Stevenson corpus folder")
    parser.add_argument("--seed", type=int, default=1, help="seed of the planted passages")
    args = parser.parse_args()
    if not (args.dir / "file_information.csv").is_file():
        raise SystemExit(f"{args.dir}: no file_information.csv here; pass --dir CLOUGH_FOLDER")
    got, kinds = evaluate(args.dir, args.seed)
    print(f"{'cases':<11} {'n':>4} {'precision':>9} {'recall':>7} {'granularity':>11} {'plagdet':>7}")
    for name, m in got.items():
        if m["precision"] is None:
            continue
        print(
            f"{name:<11} {m['cases']:>4} {m['precision']:>9.3f} {m['recall']:>7.3f} "
            f"{m['granularity']:>11.3f} {m['plagdet']:>7.3f}"
        )
    print("match kinds: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))


if __name__ == "__main__":
    main()
