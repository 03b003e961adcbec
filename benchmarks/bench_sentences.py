"""The sentence stage alone (``tracer.analyse.analyse_articles``), in this process: CPU time per article.

    python benchmarks/bench_sentences.py s.jsonl [--repeat 5] [--limit 10000]

Splits, tokenises, shingles and signs the articles in batches of 500, as a scan's workers do,
``--repeat`` times, and prints the median CPU microseconds per article (process time: less
disturbed than wall time by other processes on a shared machine). Where this tracer learns
frequent words (``tracer.frequent``), they are learned from the first 300 articles first, as a
scan of a new store would, and used. Run it with another checkout on ``PYTHONPATH`` to compare
versions, alternating the two.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from dataclasses import replace

from tracer.analyse import analyse_articles
from tracer.params import ScanParams

BATCH = 500


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--limit", type=int, default=10_000)
    args = parser.parse_args()
    texts = []
    with open(args.corpus, encoding="utf-8") as f:
        for line in f:
            texts.append(json.loads(line)["text"])
            if len(texts) >= args.limit:
                break
    p = ScanParams()
    learned = "without learned words"
    try:
        from tracer import frequent

        words = frozenset(frequent.learn(texts[: p.frequent_sample], p.frequent_df))
        p = replace(p, verify=replace(p.verify, frequent=words))
        learned = f"{len(words)} learned words"
    except ImportError:
        pass
    items = list(enumerate(texts))
    batches = [items[i : i + BATCH] for i in range(0, len(items), BATCH)]
    analyse_articles(batches[0], p)  # warm the per-process caches, as a worker's first batch does
    runs = []
    for _ in range(args.repeat):
        start = time.process_time()
        for batch in batches:
            analyse_articles(batch, p)
        runs.append((time.process_time() - start) / len(items) * 1e6)
    print(
        f"sentence stage: {statistics.median(runs):.1f} us/article CPU (median of {args.repeat}; "
        f"runs {', '.join(f'{r:.1f}' for r in runs)}; {len(items)} articles, {learned})"
    )


if __name__ == "__main__":
    main()
