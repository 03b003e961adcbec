"""One very large article: `tracer run` on it, its wall time and peak memory against its size.

    python benchmarks/bench_bigarticle.py [--mb 100] [--shape news|flat|giant] [--repeat 3]

The article is made of `tracer simulate` texts joined (``news``: paragraphs kept; ``flat``: every
line break turned into a space, one run-on line; ``giant``: words with no full stop, one sentence),
``--mb`` megabytes of UTF-8. Each repeat runs `tracer run -q` in a fresh store under GNU time and
prints its seconds and peak RSS; the medians close with the ratio peak / article size (issue 22
asks for < 10).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from tracer.tools.simulate import simulate


def _news(size: int, tmp: Path) -> str:
    corpus = tmp / "c.jsonl"
    articles = max(50, size // 4_000)
    simulate(articles, corpus, seed=3)
    texts = [json.loads(line)["text"] for line in corpus.read_text(encoding="utf-8").splitlines()]
    return "\n\n".join(texts)


def _giant(size: int) -> str:
    rng = random.Random(7)
    vocabulary = [
        "".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=rng.randint(2, 9))) for _ in range(30_000)
    ]
    return " ".join(rng.choices(vocabulary, k=size // 6 + 1))


def make_article(path: Path, mb: float, shape: str, tmp: Path) -> int:
    """Write the article; return its size in bytes."""
    size = int(mb * 1_000_000)
    body = _giant(size) if shape == "giant" else _news(size, tmp)
    if shape == "flat":
        body = " ".join(body.split())
    data = ("outlet: Big\n\nA very big article\n\n" + body).encode("utf-8")[:size]
    path.write_bytes(data.decode("utf-8", errors="ignore").encode("utf-8"))
    return path.stat().st_size


def measure(tracer: str, article: Path, tmp: Path) -> tuple[float, int]:
    """Seconds and peak RSS (bytes) of one `tracer run` in a fresh store."""
    db = tmp / "big.db"
    for leftover in tmp.glob("big.db*"):
        leftover.unlink()
    cmd = ["/usr/bin/time", "-f", "%e %M", tracer, "run", "-q", "--db", str(db), str(article)]
    done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        sys.exit(f"tracer run failed ({done.returncode}):\n{done.stderr[-2000:]}")
    seconds, kib = done.stderr.split()[-2:]
    return float(seconds), int(kib) * 1024


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--mb", type=float, default=100.0, help="article size in MB (default 100)")
    parser.add_argument("--shape", choices=["news", "flat", "giant"], default="news")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--tracer", default=shutil.which("tracer") or "tracer", help="the tracer command")
    args = parser.parse_args()
    if not Path("/usr/bin/time").exists():
        sys.exit("needs GNU time (/usr/bin/time): apt-get install time")
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        article = tmp / "big.txt"
        size = make_article(article, args.mb, args.shape, tmp)
        runs = [measure(args.tracer, article, tmp) for _ in range(args.repeat)]
    for i, (seconds, peak) in enumerate(runs, 1):
        print(f"run {i}: {seconds:.1f} s, peak {peak / 2**20:,.0f} MiB")
    seconds = statistics.median(s for s, _ in runs)
    peak = statistics.median(p for _, p in runs)
    print(f"article {size / 1e6:.1f} MB ({args.shape}): median {seconds:.1f} s, peak {peak / 2**20:,.0f} MiB")
    print(f"peak / article size: {peak / size:.1f}x")


if __name__ == "__main__":
    main()
