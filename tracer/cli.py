"""Command line: parse options, make one library call, turn library errors into one-line messages.

Results go to stdout; progress and messages to stderr (progress only on a terminal,
never with --quiet).
"""

from __future__ import annotations

import functools
import itertools
import json
import os
import shutil
import signal
import sqlite3
import sys
import textwrap
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from typing import Any, TypeVar

import click

from . import __version__
from .errors import Terminated, TracerError
from .output import FORMATS, for_terminal, render, table_cell

F = TypeVar("F", bound=Callable[..., Any])

# The matches table: who and when rather than bare ids (CSV keeps MATCH_COLUMNS); the ids, then
# the kind, are left out where the terminal is narrow.
MATCH_TABLE_COLUMNS = ["source", "target", "kind", "score", "source_id", "target_id", "source_text",
                       "target_text"]  # fmt: skip
MATCH_COLUMNS = [
    "id",
    "source_id",
    "target_id",
    "direction",
    "kind",
    "score",
    "scope",
    "source_text",
    "target_text",
]


# Rows a table shows where no --limit is given (data formats give every row).
TABLE_LIMIT = 20


def store_options(func: F) -> F:
    """--db and --quiet, shared by every command (also taken before the command's name)."""
    func = click.option(
        "--db",
        envvar="TRACER_DB",
        default="tracer.db",
        show_default=True,
        show_envvar=True,
        type=click.Path(dir_okay=False),
        callback=_before_command,
        help="The store (an SQLite file).",
    )(func)
    func = _quiet_option("No progress and no messages on stderr.")(func)
    return func


def _quiet_option(text: str) -> Callable[[F], F]:
    return click.option("--quiet", "-q", is_flag=True, callback=_before_command, help=text)


def _before_command(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """The value of an option the group takes too (`tracer --db X scan`): the command's own where
    given on its command line, else the group's, else the environment's or the default."""
    given = ctx.parent.params.get(str(param.name)) if ctx.parent is not None else None
    if param.name == "quiet":
        return bool(value or given)
    own = ctx.get_parameter_source(str(param.name)) == click.core.ParameterSource.COMMANDLINE
    return value if own or given is None else given


@contextmanager
def open_store(db: str, create: bool = False) -> Iterator[Any]:
    from .store import Store, mapped_errors

    with _errors():
        store = Store.open(db, create=create)
    try:
        with mapped_errors(db):  # what happens to the store while it is used: busy, full, damaged
            yield store
    finally:
        store.close()


@contextmanager
def _errors() -> Iterator[None]:
    try:
        yield
    except TracerError as exc:
        raise click.ClickException(str(exc)) from exc
    except sqlite3.Error as exc:  # not one the store layer knows: a bug rather than the store's state
        raise click.ClickException(
            f"store error: {exc} (`tracer check --db PATH` says whether the store is damaged)"
        ) from exc


class _Progress:
    """A progress line on stderr, redrawn in place; ``close`` ends it (a stage that stops short
    of its total, or a message printed next, would otherwise run on from it)."""

    def __init__(self) -> None:
        self.stage: str | None = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self.stage is not None and self.stage != stage:
            self.close()
        click.echo(f"\r{stage}: {done}/{total}", nl=False, err=True)
        self.stage = stage
        if done >= total:
            self.close()

    def close(self) -> None:
        if self.stage is not None:
            click.echo("", err=True)
            self.stage = None


def _is_terminal() -> bool:
    return sys.stderr.isatty()


@contextmanager
def _progress(quiet: bool) -> Iterator[Callable[[str, int, int], None] | None]:
    """A progress callback for a terminal (None with --quiet or in a pipe), its line ended after."""
    if quiet or not _is_terminal():
        yield None
        return
    show = _Progress()
    try:
        yield show
    finally:
        show.close()


def _width() -> int:
    """The terminal's columns: click's ``terminal_width`` if set, else COLUMNS or the terminal."""
    ctx = click.get_current_context(silent=True)
    if ctx is not None and ctx.terminal_width:
        return int(ctx.terminal_width)
    return shutil.get_terminal_size().columns


def _say(quiet: bool, message: str) -> None:
    if not quiet:
        _echo(message, err=True)


def _echo(text: str, nl: bool = True, err: bool = False) -> None:
    """Human-readable text for a terminal: outlets, titles and file names may hold control sequences."""
    click.echo(for_terminal(text), nl=nl, err=err)


def _data(chunk: str) -> None:
    """Results in a data format (CSV, JSON), exactly: click would strip ANSI codes from them in a pipe."""
    click.echo(chunk, nl=False, color=True)


@contextmanager
def _terminal_safe_errors() -> Iterator[None]:
    # Every error message (the library's, store errors, cannot-write) may quote untrusted text.
    try:
        yield
    except click.ClickException as exc:
        exc.message = for_terminal(exc.message)  # type: ignore[misc]  # Final in the stubs; kept: same exception
        raise


def catch(func: F) -> F:
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with _terminal_safe_errors(), _errors():
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


@click.group()
@click.version_option(__version__, prog_name="tracer")
@click.option(
    "--db",
    type=click.Path(dir_okay=False),
    help="The store, for the command that follows (its own --db, if given, wins).",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress and no messages on stderr, for the command.")
@click.pass_context
def cli(ctx: click.Context, db: str | None, quiet: bool) -> None:
    """Find copy-paste reuse across news articles and trace where it came from."""
    # Users put options that every command takes before its name, as with git -C: the command's
    # --db and --quiet read these (_before_command). simulate alone opens no store.
    if db is not None and ctx.invoked_subcommand == "simulate":
        raise click.UsageError("simulate writes files and opens no store: leave out --db")


def _outlet_given(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """An --outlet to store: a placeholder ("N/A") or tracer's label of a missing outlet
    ("unknown", "unknown (ID)") would read as no outlet, and `--unknown-outlet` would not list it."""
    from .ingest import is_placeholder

    if value is None:
        return value
    given = value.strip()
    if not given:
        raise click.BadParameter("must not be empty")
    if is_placeholder(given) or given.casefold().startswith("unknown ("):
        raise click.BadParameter(
            f"{given!r} names no outlet (tracer shows a missing outlet as unknown): give the outlet's "
            "name; an outlet once set cannot be made unknown again"
        )
    return value


def _ingest_options(func: F) -> F:
    func = click.argument("paths", nargs=-1, required=True, type=click.Path())(func)
    func = click.option(
        "--outlet",
        callback=_outlet_given,
        help="Outlet for every article of this call (overrides what files say).",
    )(func)
    func = click.option(
        "--date",
        help="Publication date for every article of this call: 2023-02-17, 17 February 2023, Feb 17, 2023, "
        "17/02/2023, an RFC 2822 date; a time of day and zone may follow.",
    )(func)
    func = _dayfirst_option(func)
    func = click.option(
        "--columns",
        metavar="FIELD=NAME,...",
        help="Which CSV column (or JSON key) holds each field, e.g. text=body,outlet=source,published=date,"
        "title=headline. Without it, common names are recognised (body, content, source, publisher, date, "
        "headline, link, ...).",
    )(func)
    return func


def _dayfirst_option(func: F) -> F:
    return click.option(
        "--dayfirst/--monthfirst",
        default=None,
        help="Read 05/03/2023 as 5 March (--dayfirst) or May 3 (--monthfirst). Without either, a date "
        "that reads both ways is not read (its article is stored undated, with a warning).",
    )(func)


def _columns(spec: str | None) -> tuple[tuple[str, str], ...]:
    from .ingest import parse_columns

    if spec is None:
        return ()
    try:
        return parse_columns(spec)
    except TracerError as exc:
        raise click.BadParameter(exc.message, param_hint="'--columns'") from exc


# Changed articles named one by one after an ingest, before "and N more".
_CHANGES_LISTED = 10
_WARNINGS_LISTED = 50  # (one wire story's copies under one id would give a warning each)


def _change_line(change: Any) -> str:
    parts = [
        f"{_FIELD_WORDS[name]} {old or 'unknown'} -> {new}"
        + ("" if source == "edit" else f" ({_SOURCE_WORDS.get(source, source)})")
        for name, (old, new, source) in change.fields.items()
    ]
    return f"updated {change.id}: {'; '.join(parts)}"


_FIELD_WORDS = {"outlet": "outlet", "published": "date", "title": "title"}


def _report_ingest(report: Any, quiet: bool, paths: tuple[str, ...]) -> None:
    for problem in report.problems:
        _echo(f"skipped {problem}", err=True)  # problems are shown even with --quiet
    for warning in report.warnings[:_WARNINGS_LISTED]:
        _echo(f"warning: {warning}", err=True)  # like problems: a value the user gave was left out
    if len(report.warnings) > _WARNINGS_LISTED:
        more = len(report.warnings) - _WARNINGS_LISTED
        _echo(
            f"warning: ... and {more:,} more like these (`tracer articles` lists each article with the "
            "file and line it came from; `--undated` those left undated)",
            err=True,
        )
    for change in report.updated[:_CHANGES_LISTED]:
        _say(quiet, _change_line(change))
    if len(report.updated) > _CHANGES_LISTED:
        _say(quiet, f"... and {len(report.updated) - _CHANGES_LISTED:,} more updated (see `tracer articles`)")
    if not report.files and not report.problems:
        from .ingest import READ_FORMATS

        # Not an error (exit 0): an empty drop folder is a state, not a fault; a wrong path is one.
        formats = f"{', '.join(READ_FORMATS[:-1])} or {READ_FORMATS[-1]}"
        _say(
            quiet,
            f"no articles found in {', '.join(paths)}: no {formats} files there "
            "(give article files, or a folder that holds them)",
        )
    for line in _left_out_lines(report.left_out):
        _say(quiet, line)
    updated = f"{len(report.updated)} updated; " if report.updated else ""
    repeated = f"{report.repeated} repeated in the input (same text and outlet); " if report.repeated else ""
    _say(
        quiet,
        f"ingested {report.added} article(s) from {report.files} file(s); {updated}{repeated}"
        f"{report.already_stored} already stored; {len(report.problems)} skipped with problems",
    )
    if any(c.invalidates for c in report.updated):
        _say(quiet, "outlets or dates changed: run `tracer scan` to rebuild their matches and claims")


def _left_out_lines(left_out: dict[str, int]) -> list[str]:
    """What a walk of folders passed over: files of other formats, saved pages' parts folders."""
    from .ingest import ARCHIVE_EXTS, SAVED_PAGE_PARTS

    lines = []
    files = {ext: n for ext, n in left_out.items() if ext != SAVED_PAGE_PARTS}
    if files:
        kinds = ", ".join(f"{n} {ext}" for ext, n in sorted(files.items()))
        unpack = " (unpack archives first)" if files.keys() & ARCHIVE_EXTS else ""
        lines.append(f"left out {sum(files.values())} file(s) of formats tracer does not read ({kinds}): "
                     f"save articles as .txt, .csv, .json(l) or .html to have them read{unpack}")  # fmt: skip
    if left_out.get(SAVED_PAGE_PARTS):
        lines.append(f"left out {left_out[SAVED_PAGE_PARTS]} folder(s) of saved web pages' parts (NAME_files "
                     "beside NAME.html: ads' frames, scripts, images), which hold no articles")  # fmt: skip
    return lines


@cli.command()
@_ingest_options
@store_options
@catch
def ingest(
    paths: tuple[str, ...],
    outlet: str | None,
    date: str | None,
    dayfirst: bool | None,
    columns: str | None,
    db: str,
    quiet: bool,
) -> None:
    """Add articles from files or directories (.txt, .jsonl, .json, .csv, .tsv, .html, RSS/Atom
    .rss .atom .xml; a Nexis Uni or Factiva text export is its articles) to the store.

    An article stored already (the same text from the same source) is updated with --outlet and
    --date, and with what its file now states, and the change is listed.
    """
    from .pipeline import ingest as do_ingest

    mapping = _columns(columns)
    with open_store(db, create=True) as store:
        report = do_ingest(store, paths, outlet, date, dayfirst=dayfirst, columns=mapping)
    _report_ingest(report, quiet, paths)
    if report.problems:
        sys.exit(1)


def _scan_options(func: F) -> F:
    func = click.option(
        "--aliases",
        type=click.Path(dir_okay=False),
        help="Outlet aliases for credits: JSON {alias: outlet} or CSV alias,outlet. Kept for later scans.",
    )(func)
    func = click.option(
        "--workers",
        type=click.IntRange(1),
        help="Processes that split and sign articles (and, for run, parse large JSON Lines files) "
        "[default: CPUs, max 4]; with --engine dask, "
        "workers of the local Dask cluster [default: 2].",
    )(func)
    func = click.option(
        "--engine",
        type=click.Choice(["local", "dask"]),
        help="Where the scan's work runs: this machine's processes, or a Dask cluster (a local one, "
        "or --scheduler's) [default: local].",
    )(func)
    func = click.option(
        "--semantic",
        type=click.Choice(["english", "multilingual", "off"]),
        help="Also find reworded echoes (english) or echoes across languages (multilingual); kept for "
        "later scans until 'off'. Needs the extra: pip install -e '.[semantic]' in the checkout.",
    )(func)
    func = click.option(
        "--scheduler",
        metavar="ADDRESS",
        help="A running Dask cluster's scheduler, e.g. tcp://host:8786 (implies --engine dask).",
    )(func)
    return func


def _engine(engine: str | None, scheduler: str | None, workers: int | None) -> Any:
    from .engine import get_engine

    return get_engine(engine or ("dask" if scheduler else "local"), scheduler, workers)


def _alias_pairs(path: str | None) -> list[tuple[str, str]] | None:
    from .attribution import read_alias_pairs

    return None if path is None else read_alias_pairs(path)


@cli.command()
@store_options
@_scan_options
@click.option("--verbose", "-v", is_flag=True, help="Also print each stage's seconds and peak memory.")
@catch
def scan(
    db: str,
    quiet: bool,
    aliases: str | None,
    workers: int | None,
    engine: str | None,
    scheduler: str | None,
    semantic: str | None,
    verbose: bool,
) -> None:
    """Compare newly ingested articles with everything stored; rebuild claims and provenance."""
    from .scan import scan as do_scan
    from .summary import metadata_warnings, nothing_to_show

    pairs = _alias_pairs(aliases)
    with open_store(db) as store, _engine(engine, scheduler, workers) as eng, _progress(quiet) as progress:
        result = do_scan(store, progress=progress, alias_pairs=pairs, engine=eng, semantic=semantic)
        counts = store.counts()
    if result.scanned_anew:
        _say(quiet, _INDEX_LOST if result.index_lost else _SCANNED_ANEW)
    changed = _changes_words(result.changes)
    if changed:
        _say(quiet, f"matches and claims rebuilt for the {changed} since the last scan")
    elif not result.articles:
        _say(quiet, _nothing_new(counts["articles"]))
    _say(
        quiet,
        f"scanned {result.articles} new article(s), {result.sentences} sentences; "
        f"{result.candidates} candidate pairs, {result.verified} verified"
        f"{f', {result.paraphrases} paraphrases' if result.paraphrases else ''}; {_matches_words(counts)}, "
        f"{result.claims} claims in store",
    )
    if verbose:
        _say(
            quiet,
            f"seconds: {', '.join(f'{k} {v:.1f}' for k, v in result.seconds.items())}\n"
            f"peak MB after: {', '.join(f'{k} {v}' for k, v in result.peak_mb.items())}",
        )
    if counts["articles"] and (reason := nothing_to_show(counts)):
        _say(quiet, f"no reuse found: {reason}")
    for warning in metadata_warnings(counts):
        _say(quiet, f"warning: {warning}")


def _matches_words(counts: dict[str, Any]) -> str:
    """The matches a store lists, as `stats` counts them, and those it hides apart."""
    hidden = counts["boilerplate_matches"] + counts.get("banal_matches", 0)
    return f"{counts['matches']} matches" + (
        f" (and {hidden} of boilerplate or stock phrases)" if hidden else ""
    )


def _changes_words(changes: dict[str, int]) -> str:
    words = [f"{n:,} {what}" for what, n in sorted(changes.items()) if n]
    return f"{' and '.join(words)} article(s)" if words else ""


_NO_PASSAGES = (
    "no passage is printed alike (the same words, after normalisation) by two articles or more; "
    "edited and partial reuse is listed by `tracer matches` (a store made by an earlier tracer lists "
    "its passages after its next `tracer scan`)"
)
_INDEX_LOST = (
    "the store's matching index (the store's file name with -index) was missing or did not match "
    "the store: all its articles were scanned again (keep the two files together to scan only new "
    "articles)"
)
_SCANNED_ANEW = (
    "this store was scanned by a tracer that matched text otherwise: all its articles were scanned "
    "again with this version's matching"
)


def _nothing_new(articles: int) -> str:
    if not articles:
        return "nothing to scan: the store holds no articles (add some with `tracer ingest PATH`)"
    every = "the one article was" if articles == 1 else f"all {articles:,} articles were"
    return f"nothing to scan: {every} scanned before (add new ones with `tracer ingest PATH`)"


def _banal_hidden(summary: dict[str, Any]) -> str:
    banal = summary.get("banal_matches", 0)
    return f", {banal} banal (stock phrases)" if banal else ""


def _print_summary(summary: dict[str, Any]) -> None:
    from .summary import metadata_warnings, nothing_to_show

    click.echo(
        f"articles: {summary['articles']}  outlets: {summary['outlets']}  undated: {summary['undated']}"
    )
    for warning in metadata_warnings(summary):
        click.echo(f"warning: {warning}")
    reason = nothing_to_show(summary)
    if reason is not None:  # no reuse is a result: say so, and why, rather than a row of zeros
        click.echo(f"{'no reuse found' if summary['articles'] else 'nothing to scan'}: {reason}")
        return
    click.echo(
        f"reused passages: {summary['cross_outlet_matches']} across outlets, "
        f"{summary['same_outlet_matches']} within one outlet "
        f"({summary['boilerplate_matches']} boilerplate matches{_banal_hidden(summary)} hidden)\n"
        f"claims: {summary['claims']} (see `tracer claims`, `tracer trace TEXT`)"
    )
    if summary["top_echoed"]:
        click.echo("top echoed passages:")
        for item in summary["top_echoed"]:
            head = f"  {item['echoes']} echo(es)  {item['source_id']}  "
            room = max(_width() - len(head) - 2, 20)  # the line fits the terminal, quotes included
            text = item["text"] if len(item["text"]) <= room else item["text"][: room - 1] + "\u2026"
            _echo(f'{head}"{text}"')


@cli.command()
@_ingest_options
@store_options
@_scan_options
@click.option(
    "--top",
    type=click.IntRange(0),
    default=5,
    show_default=True,
    help="How many top echoed passages to list (0: none).",
)
@catch
def run(
    paths: tuple[str, ...],
    outlet: str | None,
    date: str | None,
    dayfirst: bool | None,
    columns: str | None,
    db: str,
    quiet: bool,
    aliases: str | None,
    workers: int | None,
    engine: str | None,
    scheduler: str | None,
    semantic: str | None,
    top: int,
) -> None:
    """Ingest PATHS, scan, and print a short summary."""
    from .pipeline import run as do_run
    from .summary import corpus_summary

    pairs = _alias_pairs(aliases)
    mapping = _columns(columns)
    # The engine first: an unreachable cluster fails the command before anything is ingested.
    with _engine(engine, scheduler, workers) as eng, open_store(db, create=True) as store:
        with _progress(quiet) as progress:
            report, result = do_run(store, paths, outlet, date, progress=progress, workers=workers,
                                    alias_pairs=pairs, engine=eng, dayfirst=dayfirst,
                                    columns=mapping, semantic=semantic)  # fmt: skip
        summary = corpus_summary(store, top)
    _report_ingest(report, quiet, paths)
    if result.scanned_anew:
        _say(quiet, _INDEX_LOST if result.index_lost else _SCANNED_ANEW)
    _print_summary(summary)
    if report.problems:
        sys.exit(1)


@cli.command()
@store_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="table",
    show_default=True,
    help="How to print the results: a table for reading, or data for other tools.",
)
@click.option("--outlet", help="Only matches where this outlet is source or target.")
@click.option(
    "--min-score",
    type=click.FloatRange(0, 1),
    default=0.0,
    show_default=True,
    help="Only matches scoring at least this (0-1).",
)
@click.option(
    "--scope",
    type=click.Choice(["all", "cross-outlet", "same-outlet"]),
    default="all",
    show_default=True,
    help="Reuse between outlets, within one outlet, or both.",
)
@click.option("--include-boilerplate", is_flag=True, help="Also show reuse of ads, promos and templates.")
@click.option(
    "--include-banal",
    is_flag=True,
    help="Also show banal matches: stock phrases common in the corpus (court, police, obituary formulas).",
)
@click.option(
    "--all-pairs",
    is_flag=True,
    help="For a passage many articles print, every pair of them (N(N-1)/2 rows, made as they are "
    "written), not each with the one it most likely came from.",
)
@click.option(
    "--limit",
    type=click.IntRange(0),
    help=f"Show at most N matches; 0: all [default: {TABLE_LIMIT} in a table, all as data].",
)
@click.option(
    "--sort",
    type=click.Choice(["scope", "score", "newest", "oldest"]),
    default="scope",
    show_default=True,
    help="scope: across outlets first, then within one; score: the closest first; newest/oldest: "
    "by the later article's day.",
)
@click.option(
    "--since", metavar="DATE", help="Only matches whose later article was published on or after this day."
)
@click.option(
    "--until", metavar="DATE", help="Only matches whose later article was published on or before this day."
)
@catch
def matches(
    db: str,
    quiet: bool,
    fmt: str,
    outlet: str | None,
    min_score: float,
    scope: str,
    include_boilerplate: bool,
    include_banal: bool,
    all_pairs: bool,
    limit: int | None,
    sort: str,
    since: str | None,
    until: str | None,
) -> None:
    """List reused passages between two articles (cross-outlet first, then within one outlet).

    A passage few articles print comes as every pair of them; one many print, as each of its
    occurrences with the earlier one it most likely came from (`--all-pairs`: every pair).
    Rows are written as they are read, in any format.
    """
    from .matches import iter_matches

    flags = (["boilerplate"] if include_boilerplate else []) + (["banal"] if include_banal else [])
    shown = _limit(limit, fmt)
    with open_store(db) as store:
        # One more than shown: a table says when there are more.
        found = iter_matches(
            store, outlet, min_score, include_boilerplate, scope, include_banal=include_banal,
            all_pairs=all_pairs, since=since, until=until, sort=sort,
            limit=None if shown is None else shown + (fmt == "table"),
        )  # fmt: skip
        first = next(found, None)
        if fmt == "table" and first is None:
            reason = _why_empty(store, [], outlet)
            _say(quiet, f"no matches: {reason}" if reason else "no matches (check the filters)")
            return
        rows = (m.as_dict() for m in itertools.chain([] if first is None else [first], found))
        if fmt != "table":
            for chunk in render(rows, fmt, MATCH_COLUMNS + flags if fmt == "csv" else None):
                _data(chunk)
            return
        counted = _Counted(itertools.islice(rows, shown), _match_row)
        _emit(counted, "table", MATCH_TABLE_COLUMNS + flags, {"source_text": 50, "target_text": 50},
              optional=("kind", "source_id", "target_id"))  # fmt: skip
        if shown is not None and next(rows, None) is not None:
            _hint(quiet, f"showing the first {counted.count:,} matches; `--limit 0` shows all, "
                         "`--format csv` gives them as data")  # fmt: skip


class _Counted:
    """Rows made by ``make`` from ``items`` as they are read, counted (a table streams them)."""

    def __init__(self, items: Iterator[Any], make: Callable[[Any], dict[str, Any]]) -> None:
        self.items, self.make, self.count = items, make, 0

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for item in self.items:
            self.count += 1
            yield self.make(item)


def _match_row(m: dict[str, Any]) -> dict[str, Any]:
    """A match as the table shows it: each article by outlet and day, then its id."""
    from .output import outlet_day

    return {**m, "source": outlet_day(m["source_outlet"], m["source_published"]),
            "target": outlet_day(m["target_outlet"], m["target_published"])}  # fmt: skip


@cli.command()
@store_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="table",
    show_default=True,
    help="How to print the results: a table for reading (one line a passage), or data for other "
    "tools (JSON: each passage with its occurrences; CSV: a row an occurrence).",
)
@click.option(
    "--limit",
    type=click.IntRange(0),
    help="At most this many passages (the most widely printed); 0: all [default: all].",
)
@click.option("--include-boilerplate", is_flag=True, help="Also list ads, promos and templates.")
@click.option(
    "--include-banal",
    is_flag=True,
    help="Also list banal passages: stock phrases common in the corpus (court, police, obituary formulas).",
)
@catch
def passages(
    db: str, quiet: bool, fmt: str, limit: int | None, include_boilerplate: bool, include_banal: bool
) -> None:
    """List each reused passage once, with every article that prints it (most printed first).

    A passage is a sentence, or a run of sentences, printed alike by two articles or more.
    Rows are written as they are read, in any format.
    """
    from .passages import OCCURRENCE_COLUMNS, PASSAGE_COLUMNS, iter_passages, occurrence_rows

    with open_store(db) as store:
        found = iter_passages(store, include_boilerplate, limit or None, include_banal)
        first = next(found, None)
        if fmt == "table" and first is None:
            reason = _why_empty(store, [])
            _say(quiet, f"no passages: {reason}" if reason else _NO_PASSAGES)
            return
        rows: Iterator[dict[str, Any]] = itertools.chain([] if first is None else [first], found)
        if fmt == "csv":
            rows = occurrence_rows(rows, store)
        columns = {"table": PASSAGE_COLUMNS, "csv": OCCURRENCE_COLUMNS}.get(fmt)
        for chunk in render(rows, fmt, columns, {"text": 70}, _width() if fmt == "table" else None):
            _data(chunk)


# How each value was obtained, in words (the stored codes: tracer.model.Article).
_SOURCE_WORDS = {
    "option": "option", "header": "header line", "dateline": "date line", "field": "column",
    "html": "HTML meta", "url": "URL", "text": "guessed from text", "first-line": "first line",
    "file-name": "file name", "edit": "tracer edit", "document": "document properties", "unknown": "",
}  # fmt: skip
ARTICLE_COLUMNS = ["id", "outlet", "outlet_from", "published", "date_from", "title", "title_from", "file"]


def _article_row(item: dict[str, Any]) -> dict[str, Any]:
    """An article as a table row: 'unknown'/'undated' spelled out, sources in words, file:line."""
    where = item["source_path"] + (f":{item['source_line']}" if item["source_line"] is not None else "")
    return {
        "id": item["id"], "outlet": item["outlet"] or "unknown",
        "outlet_from": _SOURCE_WORDS.get(item["outlet_source"], item["outlet_source"]),
        "published": item["published"] or "undated",
        "date_from": _SOURCE_WORDS.get(item["published_source"], item["published_source"]),
        "title": item["title"] or "", "title_from": _SOURCE_WORDS.get(item["title_source"], item["title_source"]),
        "file": where,
    }  # fmt: skip


@cli.command("articles")
@store_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="table",
    show_default=True,
    help="How to print the results: a table for reading, or data for other tools (with each value's "
    "source as a code: option, header, dateline, field, html, url, text, first-line, document, edit, unknown).",
)
@click.option("--outlet", help="Only this outlet's articles (case-insensitive).")
@click.option("--undated", is_flag=True, help="Only articles with no date.")
@click.option("--unknown-outlet", is_flag=True, help="Only articles whose outlet is unknown.")
@click.option("--limit", type=click.IntRange(0), help="At most N articles; 0: all [default: all].")
@catch
def articles_command(
    db: str, quiet: bool, fmt: str, outlet: str | None, undated: bool, unknown_outlet: bool, limit: int | None
) -> None:
    """List the stored articles in the order they were ingested: id, outlet, date and title, and how
    each was obtained (option, header line, column, HTML meta, guessed from text, tracer edit, ...).

    Fix a value with `tracer edit ID`; remove an article with `tracer remove ID`.
    """
    with open_store(db) as store:
        found = store.iter_articles(outlet, undated, unknown_outlet, limit or None)
        first = next(found, None)
        if first is None and fmt == "table":
            _say(quiet, "no articles" + (" match the filters" if outlet or undated or unknown_outlet else
                                         " in the store (add some with `tracer ingest PATH`)"))  # fmt: skip
            return
        rows: Iterator[dict[str, Any]] = itertools.chain([] if first is None else [first], found)
        if fmt == "table":
            rows = (_article_row(r) for r in rows)
        for chunk in render(
            rows, fmt, ARTICLE_COLUMNS if fmt == "table" else None, {"title": 50, "file": 40}
        ):
            _data(chunk)


@cli.command("edit")
@click.argument("article_id")
@store_options
@click.option("--outlet", callback=_outlet_given, help="The article's outlet.")
@click.option("--date", help="The article's publication date (the forms --date of `tracer ingest` reads).")
@click.option("--title", help="The article's title.")
@_dayfirst_option
@catch
def edit_command(
    article_id: str,
    db: str,
    quiet: bool,
    outlet: str | None,
    date: str | None,
    title: str | None,
    dayfirst: bool | None,
) -> None:
    """Correct an article's outlet, date or title (ARTICLE_ID: its id or the start of it).

    Its id stays. A later ingest of the same file keeps the edit (only --outlet/--date replace it).
    A new outlet or date clears the article's matches and claims until the next `tracer scan`.
    """
    from .pipeline import edit

    if outlet is None and date is None and title is None:
        raise click.UsageError("give --outlet, --date or --title")
    if title is not None and not title.strip():
        raise click.BadParameter("must not be empty", param_hint="'--title'")
    with open_store(db) as store:
        change = edit(store, article_id, outlet, date, title, dayfirst)
    if not change.fields:
        _say(quiet, f"{change.id}: nothing to change")
        return
    _say(quiet, _change_line(change).replace("updated", "edited", 1))
    if change.invalidates:
        _say(quiet, "run `tracer scan` to rebuild its matches and claims")


@cli.command("remove")
@click.argument("article_ids", nargs=-1, required=True)
@store_options
@catch
def remove_command(article_ids: tuple[str, ...], db: str, quiet: bool) -> None:
    """Remove articles (ARTICLE_IDS: ids or the start of them) with their sentences and matches.

    The claims they were in are rebuilt without them by the next `tracer scan`.
    """
    from .pipeline import remove

    with open_store(db) as store:
        removed = remove(store, list(article_ids))
    _say(quiet, f"removed {len(removed)} article(s): {', '.join(removed)}")
    _say(quiet, "run `tracer scan` to rebuild the claims they were in")


@cli.command()
@click.argument("article_id")
@store_options
@click.option("--include-boilerplate", is_flag=True, help="Also mark reuse of ads, promos and templates.")
@catch
def show(article_id: str, db: str, quiet: bool, include_boilerplate: bool) -> None:
    """Print an article with its reused spans marked and where they also appear."""
    from .summary import article_not_shown, marked_article, render_marked

    with open_store(db) as store:
        article, spans = marked_article(store, article_id, include_boilerplate)
        not_shown = article_not_shown(store, article.id)
    _echo(render_marked(article, spans, not_shown), nl=False)


@cli.command()
@store_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="How to print the results: a table for reading, or data for other tools.",
)
@catch
def stats(db: str, quiet: bool, fmt: str) -> None:
    """Counts of articles, outlets, sentences and matches."""
    from .summary import corpus_summary

    with open_store(db) as store:
        summary = corpus_summary(store, top=0)
    summary.pop("top_echoed")
    if fmt == "json":
        click.echo(json.dumps(summary, indent=2))
        return
    for key, value in summary.items():
        _echo(f"{key}: {value}")


QUERY_FORMATS = ("table", "json", "csv")


def _why_empty(store: Any, found: Any, outlet: str | None = None) -> str | None:
    """Why a query over ``store`` found nothing (None where it found something, or where the store
    has reuse and filters left nothing); ``outlet``: the one the query asked for, if any."""
    from .summary import nothing_to_show

    if found:
        return None
    if outlet is not None and not store.has_outlet(outlet):
        return f"no article of an outlet named {outlet!r} is stored (`tracer outlets` lists them)"
    return nothing_to_show(store.counts())


def _emit(
    rows: Iterable[dict[str, Any]],
    fmt: str,
    columns: list[str],
    widths: dict[str, int] | None = None,
    optional: tuple[str, ...] = (),
) -> None:
    """Rows as ``fmt``; a table fits the terminal's width (``widths``: its text columns)."""
    width = _width() if fmt == "table" else None
    for chunk in render(rows, fmt, columns if fmt != "json" else None, widths, width, optional):
        _data(chunk)  # a table escapes its own cells


def _dates_options(func: F) -> F:
    func = click.option(
        "--until", metavar="DATE", help="Only what was published on or before this day (ISO 8601)."
    )(func)
    func = click.option(
        "--since", metavar="DATE", help="Only what was published on or after this day (ISO 8601)."
    )(func)
    return func


def _limit(limit: int | None, fmt: str) -> int | None:
    """The rows to show: --limit (0: all), else ``TABLE_LIMIT`` for a table and all for data."""
    if limit is None:
        return TABLE_LIMIT if fmt == "table" else None
    return limit or None


def _more_hint(quiet: bool, shown: int, total: int, what: str, how: str) -> None:
    """Say on stderr that a table shows ``shown`` of ``total`` rows, and how to see the rest."""
    if shown < total:
        _hint(quiet, f"showing {shown:,} of {total:,} {what}; {how}")


def _hint(quiet: bool, text: str) -> None:
    """A hint on stderr, wrapped to the terminal's width."""
    _say(quiet, textwrap.fill(text, _width()))


@cli.command()
@store_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(QUERY_FORMATS),
    default="table",
    show_default=True,
    help="How to print the results: a table for reading, or data for other tools.",
)
@click.option(
    "--limit",
    type=click.IntRange(0),
    help=f"Show at most N claims; 0: all [default: {TABLE_LIMIT} in a table, all as data].",
)
@click.option(
    "--offset", type=click.IntRange(0), default=0, show_default=True, help="Skip the first N claims."
)
@click.option(
    "--sort",
    type=click.Choice(["echoed", "articles", "outlets", "newest", "oldest"]),
    default="echoed",
    show_default=True,
    help="echoed: most widely echoed first; articles/outlets: most of them first; newest/oldest: by "
    "the day first seen.",
)
@click.option("--outlet", help="Only claims that this outlet printed (in the --since/--until days).")
@_dates_options
@catch
def claims(
    db: str,
    quiet: bool,
    fmt: str,
    limit: int | None,
    offset: int,
    sort: str,
    outlet: str | None,
    since: str | None,
    until: str | None,
) -> None:
    """Claims (recurring statements), most widely echoed first."""
    from .queries import count_claims, list_claims

    shown = _limit(limit, fmt)
    with open_store(db) as store:
        rows = list_claims(store, shown, offset, sort, outlet, since, until)
        total = count_claims(store, outlet, since, until) if fmt == "table" else 0
        reason = _why_empty(store, rows, outlet)
    if not rows and fmt == "table":
        filtered = outlet is not None or since is not None or until is not None
        if offset and total:  # the claims are there, past the page asked for
            matching = " matching the filters" if filtered else ""
            why = (f"there {'is 1 claim' if total == 1 else f'are {total:,} claims'}{matching} and "
                   f"--offset {offset:,} is past them (give an --offset under {total:,})")  # fmt: skip
        elif filtered and total == 0 and not reason:
            why = "none matches the filters"
        else:
            why = reason or "no passage is reused in two articles or more"
        click.echo(f"no claims: {why}")
        return
    cols = ["claim_id", "articles", "outlets", "first_seen", "origin_outlet", "text"]
    _emit(rows, fmt, cols + (["terms"] if fmt == "csv" else []), {"text": 80})
    if fmt == "table":
        _more_hint(
            quiet, offset + len(rows), total, "claims",
            f"`--offset {offset + len(rows)}` shows the next, `--limit 0` all",
        )  # fmt: skip


TRACE_COLUMNS = ["published", "outlet", "article_id", "role", "parent_outlet", "lag_days", "credit",
                 "credit_to", "confidence", "sentence"]  # fmt: skip
# CSV keeps what a table shows in one column apart: the accounts credited, and the span alone.
TRACE_CSV_COLUMNS = ["claim_id", *TRACE_COLUMNS, "credit_accounts", "text"]


def _claim_query(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """A usage error for a query that cannot name a claim: "" would fuzzy-match an arbitrary one."""
    from .queries import query_problem

    problem = query_problem(value)
    if problem is not None:
        raise click.BadParameter(problem, ctx, param)
    return value


@cli.command()
@click.argument("query", callback=_claim_query)
@store_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(QUERY_FORMATS),
    default="table",
    show_default=True,
    help="How to print the results: a table for reading, or data for other tools.",
)
@click.option(
    "--limit",
    type=click.IntRange(0),
    default=1,
    show_default=True,
    help="How many matching claims (the closest first); 0: all.",
)
@catch
def trace(query: str, db: str, quiet: bool, fmt: str, limit: int) -> None:
    """Timeline of a claim: QUERY is a claim id or words of the claim (whole words; four words or more
    are also fuzzy-matched; at most 1,000 characters)."""
    from .queries import find_claims, timeline

    with open_store(db) as store:
        ids = find_claims(store, query, None)
        found = [timeline(store, cid) for cid in ids[: limit or None]]
        reason = _why_empty(store, found)
    if not found:
        if fmt == "json":
            click.echo("[]")
        elif fmt == "csv":
            _emit([], "csv", TRACE_CSV_COLUMNS)
        else:
            _say(quiet, f"no claim matches {query.strip()!r}" + (f": {reason}" if reason else ""))
        return
    if fmt == "json":
        _data("".join(render(found, "json")))
        return
    rows = [{"claim_id": t["claim_id"], **m} for t in found for m in t["members"]]
    if fmt == "csv":
        _emit(rows, "csv", TRACE_CSV_COLUMNS)
        return
    width = _width()
    for t in found:
        _echo(textwrap.fill(f"claim {t['claim_id']}: {t['text']}", width, subsequent_indent="  "))
        _echo(
            f"  {t['articles']} articles, {t['outlets']} outlets, first seen {table_cell(t['first_seen'], 'first_seen')}"
        )
        members = [_parent_shown({**m, "credit_to": ", ".join(m["credit_to"] + m["credit_accounts"])})
                   for m in t["members"]]  # fmt: skip
        _emit(members, "table", TRACE_COLUMNS, {"sentence": 70}, optional=("article_id",))
        click.echo("")
    _more_hint(
        quiet, len(found), len(ids), f"claims matching {query.strip()!r} (the closest first)",
        f"`--limit {len(ids)}` shows them all",
    )  # fmt: skip


@cli.command()
@store_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(QUERY_FORMATS),
    default="table",
    show_default=True,
    help="How to print the results: a table for reading, or data for other tools.",
)
@click.option(
    "--limit",
    type=click.IntRange(0),
    help=f"Show at most N outlet pairs; 0: all [default: {TABLE_LIMIT} in a table, all as data].",
)
@click.option(
    "--sort",
    type=click.Choice(["claims", "echoes", "lag", "credited", "uncredited"]),
    default="claims",
    show_default=True,
    help="claims/echoes: most first; lag: the shortest median lag first; credited/uncredited: the "
    "highest/lowest share of echoes crediting a source first.",
)
@click.option("--outlet", help="Only the pairs this outlet is in, as source or as echo.")
@_dates_options
@catch
def outlets(
    db: str,
    quiet: bool,
    fmt: str,
    limit: int | None,
    sort: str,
    outlet: str | None,
    since: str | None,
    until: str | None,
) -> None:
    """Who echoes whom: a ranked list of outlet pairs and, where it fits, an outlet matrix.

    --since/--until count the echoes published in those days.
    """
    from .queries import outlet_matrix, outlet_pairs

    with open_store(db) as store:
        pairs = outlet_pairs(store, outlet, since, until, sort)
        reason = _why_empty(store, pairs, outlet)
    cols = ["source_outlet", "echo_outlet", "claims", "echoes", "median_lag_days", "share_credited"]
    shown = pairs[: _limit(limit, fmt)]
    if fmt == "csv":
        _emit(shown, "csv", cols)
        return
    names, grid = outlet_matrix(shown)
    if fmt == "json":
        _data(
            json.dumps({"outlets": names, "matrix": grid, "pairs": shown}, ensure_ascii=False, indent=2)
            + "\n"
        )
        return
    if not pairs:
        filtered = outlet is not None or since is not None or until is not None
        why = reason or ("none matches the filters" if filtered else None)
        click.echo("no echoes between outlets" + (f": {why}" if why else ""))
        return
    _outlet_matrix(names, grid, quiet)
    _emit(shown, "table", cols)
    _more_hint(
        quiet, len(shown), len(pairs), "outlet pairs",
        "`--limit N` shows more (0: all), `--outlet NAME` one outlet's, `--format csv` all as data",
    )  # fmt: skip


def _parent_shown(row: dict[str, Any]) -> dict[str, Any]:
    """A member for a table: no parent (an origin) leaves the parent's cells empty, where a parent
    of unknown outlet or date reads ``unknown`` or ``undated``."""
    if row.get("parent_id"):
        return row
    return {**row, "parent_outlet": "", "parent_published": ""}


def _outlet_matrix(names: list[str], grid: list[list[int]], quiet: bool) -> None:
    """The matrix of the pairs shown, where it fits the terminal (else a line saying so)."""
    width = _width()
    label = max(len("source"), *(len(n) for n in names))
    if label + 2 + 4 * len(names) > width:
        _hint(quiet, f"(the matrix of these {len(names)} outlets is wider than the terminal: `--limit` "
                     "fewer pairs, or `--format json` for it)")  # fmt: skip
        return
    click.echo("claims taken (row: source outlet, column: echoing outlet)")
    matrix_rows = [
        {"source": n, **{f"{j + 1}": grid[i][j] for j in range(len(names))}} for i, n in enumerate(names)
    ]
    _emit(matrix_rows, "table", ["source", *[f"{j + 1}" for j in range(len(names))]])
    _echo(textwrap.fill("  ".join(f"{j + 1}={n}" for j, n in enumerate(names)), width))
    click.echo("")


@cli.command()
@click.argument("article_id")
@store_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(QUERY_FORMATS),
    default="table",
    show_default=True,
    help="How to print the results: a table for reading, or data for other tools.",
)
@catch
def origin(article_id: str, db: str, quiet: bool, fmt: str) -> None:
    """Where an article's reused text came from, and what share of it is reused."""
    from .queries import article_origin
    from .summary import article_not_shown

    with open_store(db) as store:
        found = article_origin(store, article_id)
        not_shown = article_not_shown(store, found["article_id"])
    cols = [
        "claim_id",
        "role",
        "parent_outlet",
        "parent_published",
        "lag_days",
        "credit",
        "credit_to",
        "confidence",
        "text",
    ]
    if fmt == "json":
        _data(json.dumps(found, ensure_ascii=False, indent=2) + "\n")
        return
    if fmt == "csv":
        _emit(found["claims"], "csv", [*cols, "credit_accounts", "sentence"])
        return
    head = (f"{found['article_id']} ({table_cell(found['outlet'], 'outlet')}, "
            f"{table_cell(found['published'], 'published')})")  # fmt: skip
    if not found["claims"] and not_shown:  # not "0% reused": no scan has looked
        _echo(f"{head}: {not_shown}")
        return
    _echo(f"{head}: {found['reused_share']:.0%} of the text is reused")
    if not found["claims"]:
        click.echo("no claims in this article are shared with others")
        return
    rows = [_parent_shown({**c, "credit_to": ", ".join(c["credit_to"] + c["credit_accounts"])})
            for c in found["claims"]]  # fmt: skip
    _emit(rows, "table", cols, {"text": 70})


@cli.command("report")
@store_options
@click.option(
    "--output", "-o", required=True, type=click.Path(dir_okay=False), help="The HTML file to write."
)
@click.option("--claim", help="Only this claim (its id or the start of it).")
@click.option("--outlet", help="Only claims this outlet carries, and its pairs with other outlets.")
@click.option(
    "--max-claims", type=click.IntRange(1), default=50, show_default=True, help="Draw at most N claims."
)
@click.option(
    "--max-members",
    type=click.IntRange(1),
    default=200,
    show_default=True,
    help="Draw at most N articles per claim.",
)
@catch
def report_command(
    db: str,
    quiet: bool,
    output: str,
    claim: str | None,
    outlet: str | None,
    max_claims: int,
    max_members: int,
) -> None:
    """Write a self-contained HTML report: overview, outlet graph, claim timelines with evidence."""
    from .report import write_report

    with open_store(db) as store:
        written = write_report(
            store, output, claim=claim, outlet=outlet, max_claims=max_claims, max_members=max_members
        )
        reason = _why_empty(store, written.claims_total)
    _say(quiet, f"wrote {output}: {written.summary}" + (f"; {reason}" if reason else ""))


@cli.command("export")
@store_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["gexf", "graphml", "json", "csv"]),
    required=True,
    help="gexf or graphml (Gephi), json (node-link, for d3 / sigma.js), csv (Gephi's spreadsheet import).",
)
@click.option(
    "--output",
    "-o",
    required=True,
    type=click.Path(),
    help="The file to write ('-': stdout); for csv a directory (created) for nodes.csv and edges.csv.",
)
@click.option(
    "--level",
    type=click.Choice(["outlets", "articles", "claims"]),
    default="articles",
    show_default=True,
    help="outlets: who echoes whom; articles: which article echoes which; claims: everything.",
)
@click.option("--claim", help="Only this claim (id from `tracer claims`), its articles and their outlets.")
@click.option("--outlet", help="Only this outlet's articles and the articles echo-linked to them.")
@click.option("--since", help="Only articles published on or after this day (2024-05-01, 1 May 2024...).")
@click.option("--until", help="Only articles published on or before this day.")
@click.option(
    "--gexf-version",
    type=click.Choice(["1.3", "1.2draft"]),
    default="1.3",
    show_default=True,
    help="GEXF schema to write (1.2draft for older Gephi versions).",
)
@catch
def export_command(
    db: str,
    quiet: bool,
    fmt: str,
    output: str,
    level: str,
    claim: str | None,
    outlet: str | None,
    since: str | None,
    until: str | None,
    gexf_version: str,
) -> None:
    """Export the propagation graph for Gephi (GEXF, GraphML, CSV) or d3 / sigma.js (JSON).

    Edges that carry text point the way it travelled, at every level: echoes run from the earlier
    article to the one that took it, outlet_echoes from the source outlet to the echoing outlet,
    cites from the credited outlet to the article (or outlet) that credits it. published_by and
    carries point from an article to its outlet and to the claims it prints.

    \b
    Node attributes: type, label, outlet, title, url, published, external, articles,
    first_seen, text, terms, last_seen, outlets; in GEXF also date, the node's day.
    Edge attributes: kind, weight, claim_ids, lag_days, similarity, credited, confidence,
    span_start, span_end, role, claims, echoes, median_lag_days, share_credited, first_echo,
    first_cited; in GEXF also date, the edge's day (YYYY-MM-DD).

    GEXF names each attribute by its name (Gephi Lite shows them as such) and writes each node's
    and edge's day twice: as start, for Gephi's timeline, and as the date attribute, which Gephi
    Lite keeps.
    """
    from .export import generate, has_outlet, select_graph, write
    from .graph import build_graph
    from .queries import resolve_outlet

    with open_store(db) as store:
        graph = build_graph(store)
        if outlet is not None and not has_outlet(graph, outlet):
            # Refused as `tracer report` refuses it, before the output is opened; an outlet the
            # store has, in no claim, gives an empty graph.
            resolve_outlet(store, outlet)
        reason = _why_empty(store, graph.number_of_edges())
    selected = select_graph(graph, level, claim=claim, outlet=outlet, since=since, until=until)
    if output == "-":
        for line in generate(selected, fmt, gexf_version):
            _data(f"{line}\n")
    else:
        try:
            write(selected, output, fmt, gexf_version)
        except OSError as exc:
            raise click.ClickException(f"cannot write {output}: {exc.strerror or exc}") from exc
    where = "stdout" if output == "-" else output
    nodes, edges = selected.number_of_nodes(), selected.number_of_edges()
    empty = "" if nodes else f"; {reason}" if reason else "; nothing matched (check the filters)"
    _say(quiet, f"exported {nodes} node(s) and {edges} edge(s) at the {level} level to {where}{empty}")


@cli.command("check")
@store_options
@click.option(
    "--quick", is_flag=True, help="SQLite's quick_check instead of integrity_check (skips comparing indexes)."
)
@catch
def check_command(db: str, quiet: bool, quick: bool) -> None:
    """Check the store for damage: SQLite's integrity check, the file's length, tracer's schema,
    texts and blobs. Prints "ok" (exit 0) or each problem found (exit 1). Only reads the store."""
    from .store import check

    problems = check(db, quick)
    if not problems:
        click.echo("ok")
        return
    for problem in problems:
        click.echo(problem)
    sys.exit(1)


@cli.command("simulate")
@click.argument("n", type=click.IntRange(1))
@click.option(
    "--output", "-o", required=True, type=click.Path(dir_okay=False), help="The corpus to write (JSON Lines)."
)
@click.option("--seed", type=int, default=1, show_default=True, help="Same seed and N: byte-identical files.")
@click.option(
    "--truth", type=click.Path(dir_okay=False), help="Where to write the truth [default: OUT.truth.json]."
)
@click.option(
    "--flatten",
    is_flag=True,
    help="Shape: each article on one line, as in many CSV/JSONL exports: paragraph breaks become "
    "spaces and promos sit inside the text.",
)
@click.option(
    "--wire",
    type=click.IntRange(0),
    default=0,
    show_default=True,
    metavar="N",
    help="Shape: wire fan-out: each wire story is printed by N outlets within days: the agency first "
    "(and its update later), then copies, whole, truncated or lightly edited; about a tenth of the "
    "articles. 0: none.",
)
@click.option(
    "--vocabulary",
    type=click.Choice(["english", "made-up", "french", "german"]),
    default="english",
    show_default=True,
    help="Shape: the language of the words. Only english has frequent words that tracer's stopword "
    "list knows; made-up keeps English promos.",
)
@click.option(
    "--stock-phrases",
    is_flag=True,
    help="Shape: beat phrases ('pleaded guilty at ... Crown Court') in unrelated articles: shared "
    "wording that is not reuse (decoys in the truth).",
)
@click.option(
    "--running-stories",
    is_flag=True,
    help="Shape: stories over several days, each day repeating an earlier day's background paragraph "
    "(verbatim or edited): reuse whose source is the nearest earlier carrier with that text.",
)
@click.option(
    "--slot-templates",
    is_flag=True,
    help="Shape: promo templates with slots shared across outlets ('Sign up to the <outlet> newsletter "
    "for the <topic> briefing.'): boilerplate, not reuse (decoys in the truth).",
)
@_quiet_option("No summary on stderr.")
@catch
def simulate_command(
    n: int,
    output: str,
    seed: int,
    truth: str | None,
    flatten: bool,
    wire: int,
    vocabulary: str,
    stock_phrases: bool,
    running_stories: bool,
    slot_templates: bool,
    quiet: bool,
) -> None:
    """Write a synthetic corpus of N articles with known reuse, and its truth for `tracer eval`.

    Without a shape option the corpus is the default one (byte-identical for the same N and
    seed); shape options add what real corpora have and the default lacks, and may be combined.
    """
    from .tools.simulate import simulate

    shapes = {
        "flatten": flatten, "wire": wire, "vocabulary": vocabulary, "stock_phrases": stock_phrases,
        "running_stories": running_stories, "slot_templates": slot_templates,
    }  # fmt: skip
    try:
        with _progress(quiet) as progress:
            summary = simulate(n, output, seed=seed, truth_path=truth, progress=progress, **shapes)
    except OSError as exc:
        raise click.ClickException(f"cannot write {exc.filename or output}: {exc.strerror or exc}") from exc
    _say(quiet, summary.describe())


@cli.command("eval")
@click.option(
    "--truth", required=True, type=click.Path(dir_okay=False), help="The truth file `tracer simulate` wrote."
)
@store_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="How to print the results: a table for reading, or data for other tools.",
)
@catch
def eval_command(truth: str, db: str, quiet: bool, fmt: str) -> None:
    """Score the store against a simulated corpus's truth: plagdet, claim clustering, provenance."""
    from .tools.evaluate import evaluate, measure_rows

    with open_store(db) as store:
        result = evaluate(store, truth)
    if fmt == "json":
        click.echo(json.dumps(result, indent=2))
        return
    spans, claims = result["spans"], result["claims"]
    if not (spans["cases"] or spans["detections"] or claims["truth_members"] or claims["store_claims"]):
        _say(quiet, "nothing to score: the truth holds no reuse and the store found none (measures are n/a)")
    _emit(measure_rows(result), "table", ["measure", "value", "over"])


def _on_signal(signum: int, frame: object) -> None:
    signal.signal(signum, signal.SIG_DFL)  # a second signal ends the process at once
    # Threads fail as the workers are ended under them (a process pool's own thread, reading
    # from a worker that is gone): the process is ending, and one line says why.
    threading.excepthook = _ending_quietly
    raise Terminated(128 + signum)


def _ending_quietly(args: threading.ExceptHookArgs) -> None:
    """A thread's error once a stop signal came: not shown."""


def _signal_name(signum: int) -> str:
    return (
        "Ctrl-C" if signum == signal.SIGINT else "SIGTERM" if signum == signal.SIGTERM else f"signal {signum}"
    )


def main() -> None:
    from .engine.numpy_tuning import avoid_slow_sort

    avoid_slow_sort()  # before numpy loads: it reads its CPU settings once, on import
    # SIGTERM and Ctrl-C end a command alike: roll back, end the workers, one line, no traceback.
    for signum, default in ((signal.SIGTERM, signal.SIG_DFL), (signal.SIGINT, signal.default_int_handler)):
        if signal.getsignal(signum) == default:  # not where the caller chose otherwise
            signal.signal(signum, _on_signal)
    try:
        cli(prog_name="tracer")
    except Terminated as exc:
        with suppress(OSError):  # stderr or stdout may be a closed pipe by now
            click.echo(
                f"tracer: stopped by {_signal_name(int(exc.code or 0) - 128)}; unfinished changes to the store were rolled back "
                "(run the command again to finish)",
                err=True,
            )
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(int(exc.code or 1))  # not sys.exit: it would wait for pool threads (Terminated)
    except MemoryError as exc:
        _out_of_memory(exc)
    except Exception as exc:
        if not _broken_pool(exc):
            raise
        _out_of_memory(exc)


def _broken_pool(exc: Exception) -> bool:
    """Whether a worker process died under its pool (the pools' module is not loaded at start-up)."""
    pools = sys.modules.get("concurrent.futures.process")
    return pools is not None and isinstance(exc, pools.BrokenProcessPool)


def _out_of_memory(exc: BaseException) -> None:
    """One line, no traceback, for input too large for the memory at hand (a worker killed by the
    kernel for it breaks its pool): the store's transaction was rolled back as the error rose."""
    what = "ran out of memory" if isinstance(exc, MemoryError) else "lost a worker process (out of memory?)"
    with suppress(OSError):
        click.echo(
            f"tracer: {what}; unfinished changes to the store were rolled back "
            "(free memory, or use fewer --workers where the command has them, and run it again)",
            err=True,
        )
        sys.stdout.flush()
        sys.stderr.flush()
    os._exit(1)  # as above: a pool's thread may still wait on a worker


if __name__ == "__main__":
    main()
