#!/usr/bin/env python3
"""The matches stage alone, with banality judged in this process and in a worker, alternating.

Usage::

    python benchmarks/bench_matches_stage.py STORE [--rounds 3]

``STORE`` is a scanned store (``tracer scan`` has run on it). Each round rebuilds its matches
twice in a transaction that is rolled back (the store is left as it was): once with banality
judged here, once sent to a worker of a two-process local engine, forked as after a scan's verify
stage. Prints each run's seconds, the medians, and, for the worker runs, how long this process
went on before it needed banality's answer and how long it then waited for it.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

from tracer import matches
from tracer.engine.local import LocalEngine
from tracer.params import ScanParams
from tracer.store import Store


def _timed_banality(log: list[tuple[float, float]]) -> Callable[..., Any]:
    """``matches._banal_keys``, noting how long the caller went on and then waited."""
    real = matches._banal_keys

    def banal_keys(*args: Any) -> Callable[[], Any]:
        made = real(*args)
        sent = time.perf_counter()

        def wait() -> Any:
            asked = time.perf_counter()
            answer = made()
            log.append((asked - sent, time.perf_counter() - asked))
            return answer

        return wait

    return banal_keys


def _rebuild(store: Store, p: ScanParams, elsewhere: bool) -> tuple[float, int]:
    engine = LocalEngine(2)
    engine._forked = True  # as after the verify stage: the first task forks the pool
    store.conn.execute("BEGIN IMMEDIATE")
    try:
        start = time.perf_counter()
        n = matches.rebuild(
            store, p.min_tokens, p.min_content, None, None, p.banality(), p.fanout, p.boilerplate,
            engine.step_done, engine.submit if elsewhere else None,
        )  # fmt: skip
        return time.perf_counter() - start, n
    finally:
        store.conn.execute("ROLLBACK")
        engine.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    log: list[tuple[float, float]] = []
    matches._banal_keys = _timed_banality(log)  # type: ignore[assignment]
    seconds: dict[str, list[float]] = {"here": [], "worker": []}
    with Store.open(args.store) as store:
        p = ScanParams.from_fingerprint(store.get_meta("scan_params") or "")
        if p is None:
            raise SystemExit(f"{args.store}: not scanned by this tracer (run `tracer scan` first)")
        for k in range(args.rounds):
            for mode in ("here", "worker"):
                took, n = _rebuild(store, p, mode == "worker")
                seconds[mode].append(took)
                went_on, waited = log[-1]
                print(
                    f"round {k + 1} {mode:6s} {took:6.2f} s, {n} matches; went on {went_on:.2f} s, waited {waited:.2f} s"
                )
    for mode, runs in seconds.items():
        print(f"median {mode:6s} {statistics.median(runs):6.2f} s")


if __name__ == "__main__":
    main()
