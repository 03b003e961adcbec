"""The claims stage alone (``tracer.provenance.analyse_and_save``), in this process: CPU seconds.

    python benchmarks/bench_claims.py s.db [--repeat 3] [--workers 2]

Groups a scanned store's matches into claims and traces them (terms, credits, origins and
parents) as ``tracer scan --workers 1`` does, ``--repeat`` times, each in a transaction that
is rolled back (the store is left as it was), and prints the median CPU seconds (process
time: less disturbed than wall time by other processes on a shared machine). Run it with
another checkout on ``PYTHONPATH`` to compare versions, alternating the two. With ``--workers``,
claims are traced in that many worker processes, as a scan does: wall seconds are printed too,
and the CPU seconds are this process's alone (making the tasks, sending them, storing the rows).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from tracer import provenance
from tracer.engine.local import LocalEngine
from tracer.params import ScanParams
from tracer.store import Store


class _Undo(Exception):
    """Raised to roll the transaction back."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("db")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=0, help="worker processes (0: trace here)")
    args = parser.parse_args()
    runs, walls = [], []
    claims = 0
    with Store.open(args.db, create=False) as store:
        stored = store.get_meta("scan_params")
        p = (ScanParams.from_fingerprint(stored) if stored else None) or ScanParams()
        pairs = [tuple(x) for x in json.loads(store.get_meta("aliases") or "[]")]
        for _ in range(args.repeat):
            engine = LocalEngine(args.workers) if args.workers else None
            start, wall = time.process_time(), time.perf_counter()
            try:
                with store.transaction("a benchmark"):
                    claims = provenance.analyse_and_save(store, pairs, params=p.claims, engine=engine)  # type: ignore[arg-type]
                    runs.append(time.process_time() - start)
                    walls.append(time.perf_counter() - wall)
                    raise _Undo
            except _Undo:
                pass
            finally:
                if engine is not None:
                    engine.close()
    where = f"{args.workers} workers, this process's" if args.workers else "one process"
    print(
        f"claims stage: {statistics.median(runs):.2f} s CPU ({where}; median of {args.repeat}; "
        f"runs {', '.join(f'{r:.2f}' for r in runs)}), wall {statistics.median(walls):.2f} s "
        f"(runs {', '.join(f'{r:.2f}' for r in walls)}); {claims} claims"
    )


if __name__ == "__main__":
    main()
