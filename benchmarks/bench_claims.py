"""The claims stage alone (``tracer.provenance.analyse_and_save``), in this process: CPU seconds.

    python benchmarks/bench_claims.py s.db [--repeat 3]

Groups a scanned store's matches into claims and traces them (terms, credits, origins and
parents) as ``tracer scan --workers 1`` does, ``--repeat`` times, each in a transaction that
is rolled back (the store is left as it was), and prints the median CPU seconds (process
time: less disturbed than wall time by other processes on a shared machine). Run it with
another checkout on ``PYTHONPATH`` to compare versions, alternating the two.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from tracer import provenance
from tracer.params import ScanParams
from tracer.store import Store


class _Undo(Exception):
    """Raised to roll the transaction back."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("db")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    runs = []
    claims = 0
    with Store.open(args.db, create=False) as store:
        stored = store.get_meta("scan_params")
        p = (ScanParams.from_fingerprint(stored) if stored else None) or ScanParams()
        pairs = [tuple(x) for x in json.loads(store.get_meta("aliases") or "[]")]
        for _ in range(args.repeat):
            start = time.process_time()
            try:
                with store.transaction("a benchmark"):
                    claims = provenance.analyse_and_save(store, pairs, params=p.claims)  # type: ignore[arg-type]
                    runs.append(time.process_time() - start)
                    raise _Undo
            except _Undo:
                pass
    print(
        f"claims stage: {statistics.median(runs):.2f} s CPU (median of {args.repeat}; "
        f"runs {', '.join(f'{r:.2f}' for r in runs)}; {claims} claims)"
    )


if __name__ == "__main__":
    main()
