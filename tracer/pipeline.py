"""The main job as library calls: ingest files into a store, then scan."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from .engine import Engine, local_cores
from .engine.memory import return_free_memory
from .errors import TracerError
from .ingest import DATE_HINT, IngestResult, iter_articles, outlet_name, renamed
from .model import Article, Problem
from .params import ScanParams
from .scan import Progress, ScanResult, scan
from .store import ArticleChange, Store


@dataclass
class IngestReport:
    files: int = 0
    added: int = 0
    already_stored: int = 0
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)  # stored, a value left out (a date not read)
    updated: list[ArticleChange] = field(default_factory=list)  # stored before: values this ingest changed
    left_out: dict[str, int] = field(default_factory=dict)  # files of other formats in folders, by extension
    repeated: int = 0  # inputs left out as copies of another input (same text and outlet)


def ingest(
    store: Store,
    paths: Sequence[str | os.PathLike[str]],
    outlet: str | None = None,
    date: str | None = None,
    workers: int | None = None,
    dayfirst: bool | None = None,
    columns: tuple[tuple[str, str], ...] = (),
) -> IngestReport:
    """Read ``paths`` and add their articles to the store (one transaction); an article stored
    already takes the outlet, date and title given more firmly now (``--outlet``/``--date``).

    A large JSON Lines file is parsed in ``workers`` processes (default: the CPU count, at most 4)
    while this one stores what they have parsed. ``dayfirst``, ``columns``: see
    :class:`tracer.ingest.Reading`.
    """
    found = IngestResult()
    cores = workers if workers is not None else local_cores()
    articles = iter_articles(paths, found, outlet, date, cores, dayfirst=dayfirst, columns=columns)
    updated: list[ArticleChange] = []

    def taken(art: Article) -> None:
        warning = renamed(art, stored=True)
        if warning is not None:
            found.warnings.append(warning)

    added, skipped = store.add_articles(articles, updated, taken)
    return IngestReport(
        found.files_read,
        added,
        skipped,
        list(found.problems),
        list(found.warnings),
        updated,
        dict(found.left_out),
        found.repeated,
    )


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
    dayfirst: bool | None = None,
    columns: tuple[tuple[str, str], ...] = (),
    semantic: str | None = None,
) -> tuple[IngestReport, ScanResult]:
    """Ingest then scan: what ``tracer run`` does (``engine``, ``semantic``: see
    :func:`tracer.scan.scan`)."""
    if semantic not in (None, "off"):
        from .semantic import check_available

        check_available(semantic)  # before the ingest: a missing extra leaves the store as it was
    report = ingest(store, paths, outlet, date, workers, dayfirst, columns)
    # What the ingest freed goes back to the system before the scan: with the engine's allocator
    # settings it stays with the process, and a long file's text, decoded and copied, is several
    # times its size.
    return_free_memory()
    return report, scan(store, params, progress, workers, alias_pairs, engine, semantic)


def edit(
    store: Store,
    article_id: str,
    outlet: str | None = None,
    date: str | None = None,
    title: str | None = None,
    dayfirst: bool | None = None,
) -> ArticleChange:
    """Correct one article's metadata (``article_id``: its id or a unique start of it; ``date`` in
    any form :func:`tracer.dates.normalise` reads): see :meth:`Store.edit_article`."""
    from .dates import DateError, normalise
    from .summary import resolve_article

    full_id = resolve_article(store, article_id)
    published = None
    if date is not None:
        try:
            published = normalise(date, dayfirst)
        except DateError as exc:
            raise TracerError(f"invalid date {date!r}: {exc}", DATE_HINT) from None
    return store.edit_article(full_id, outlet and outlet_name(outlet), published, title and title.strip())


def remove(store: Store, article_ids: Sequence[str]) -> list[str]:
    """Remove these articles (ids or unique starts of ids), all or none; their full ids."""
    from .summary import resolve_article

    full = sorted({resolve_article(store, given) for given in article_ids})
    store.remove_articles(full)
    return full
