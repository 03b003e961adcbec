"""The main job as library calls: ingest files into a store, then scan."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from .engine import Engine, local_cores
from .engine.memory import return_free_memory
from .ingest import IngestResult, iter_articles
from .model import Problem
from .scan import Progress, ScanParams, ScanResult, scan
from .store import Store


@dataclass
class IngestReport:
    files: int = 0
    added: int = 0
    already_stored: int = 0
    problems: list[Problem] = field(default_factory=list)


def ingest(
    store: Store,
    paths: Sequence[str | os.PathLike[str]],
    outlet: str | None = None,
    date: str | None = None,
    workers: int | None = None,
) -> IngestReport:
    """Read ``paths`` and add their articles to the store (one transaction).

    A large JSON Lines file is parsed in ``workers`` processes (default: the CPU count, at most 4)
    while this one stores what they have parsed.
    """
    found = IngestResult()
    articles = iter_articles(paths, found, outlet, date, workers if workers is not None else local_cores())
    added, skipped = store.add_articles(articles)
    return IngestReport(found.files_read, added, skipped, list(found.problems))


def run(
    store: Store,
    paths: Sequence[str | os.PathLike[str]],
    outlet: str | None = None,
    date: str | None = None,
    params: ScanParams | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
    alias_pairs: list[tuple[str, str]] | None = None,
    engine: Engine | None = None,
) -> tuple[IngestReport, ScanResult]:
    """Ingest then scan: what ``tracer run`` does (``engine``: see :func:`tracer.scan.scan`)."""
    report = ingest(store, paths, outlet, date, workers)
    # What the ingest freed goes back to the system before the scan: with the engine's allocator
    # settings it stays with the process, and a long file's text, decoded and copied, is several
    # times its size (a 100 MB article's scan peaked ~270 MB higher after it).
    return_free_memory()
    return report, scan(store, params, progress, workers, alias_pairs, engine)
