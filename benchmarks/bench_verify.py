"""Aligning sentence pairs alone (``tracer.verify.verify_pairs``), in this process: CPU seconds.

    python benchmarks/bench_verify.py s.db [--pairs 200000] [--repeat 3]

Aligns the first ``--pairs`` verified pairs of a scanned store (its ``near`` table) again, in
tasks of 20,000 pairs as a scan's workers get them (each task's texts read from a temporary
file before its time starts), with the store's matching parameters and learned frequent words,
``--repeat`` times. Prints the median CPU seconds (process time) and a
digest of the rows made, which two versions must share. Only pairs that passed are in the
store: the candidates a scan rejects are not timed. Run it with another checkout on
``PYTHONPATH`` to compare versions, alternating the two.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import time
from dataclasses import replace

import numpy as np

from tracer import frequent
from tracer.params import ScanParams
from tracer.sentence_texts import SentenceTexts
from tracer.store import Store
from tracer.verify import verify_pairs

TASK = 20_000  # pairs a task


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("db")
    parser.add_argument("--pairs", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with Store.open(args.db, create=False) as store:
        stored = store.get_meta("scan_params")
        p = (ScanParams.from_fingerprint(stored) if stored else None) or ScanParams()
        # the words the store learned to be too common to count, as a scan uses them
        params = replace(p.verify, frequent=frequent.stored(store.get_meta(frequent.META_KEY)) or frozenset())
        pairs = np.array([(a, b) for a, b, *_ in store.near_rows()], dtype=np.int64)[: args.pairs]
        with SentenceTexts(store, np.unique(pairs.ravel())) as texts:
            tokens = texts.on_demand()
            runs, digest = [], ""
            for _ in range(args.repeat):
                made, spent = [], 0.0
                for lo in range(0, len(pairs), TASK):
                    part = pairs[lo : lo + TASK]
                    own = tokens.subset(np.unique(part.ravel()).tolist())
                    start = time.process_time()
                    made += verify_pairs(part.tolist(), own, params)
                    spent += time.process_time() - start
                runs.append(spent)
                digest = hashlib.sha1(repr(made).encode()).hexdigest()[:12]
    print(
        f"verify: {statistics.median(runs):.2f} s CPU (median of {args.repeat}; runs "
        f"{', '.join(f'{r:.2f}' for r in runs)}; {len(pairs)} pairs, {len(made)} rows, digest {digest})"
    )


if __name__ == "__main__":
    main()
