"""Read articles from files and directories into :class:`~tracer.model.Article` records.

Every bad input becomes a :class:`~tracer.model.Problem`; :func:`read_paths` never raises for
input problems, so one broken file or row does not cost the user the rest of a batch. Text is kept
as decoded but for its line endings (all "\\n") and what does not show (:func:`visible`): span
offsets computed later point into the text as stored.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import gzip
import hashlib
import io
import itertools
import json
import os
import re
import shlex
import stat
import sys
import unicodedata
import zlib
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

from tracer.dates import AmbiguousDate, DateError, from_timestamp, normalise, written_order
from tracer.errors import TracerError
from tracer.exports import Document, documents
from tracer.feeds import FeedError
from tracer.feeds import records as feed_records
from tracer.mail import messages as mail_messages
from tracer.markup import has_markup, plain
from tracer.model import Article, Notice, Problem
from tracer.office import OfficeError
from tracer.office import read as office_read
from tracer.pdf import PdfError
from tracer.pdf import read as pdf_read
from tracer.segment import split_sentences
from tracer.sheets import SheetError, sheets

TEXT_EXTS = {".txt", ".text", ""}
JSONL_EXTS = {".jsonl", ".ndjson"}
JSON_EXTS = {".json"}
CSV_EXTS = {".csv", ".tsv", ".tab"}
HTML_EXTS = {".html", ".htm"}
FEED_EXTS = {".rss", ".atom", ".xml"}
SHEET_EXTS = {".xlsx", ".xlsm"}
OFFICE_EXTS = {".docx", ".odt"}
PDF_EXTS = {".pdf"}
MAIL_EXTS = {".eml", ".mbox"}
SUPPORTED_EXTS = (
    TEXT_EXTS
    | JSONL_EXTS
    | JSON_EXTS
    | CSV_EXTS
    | HTML_EXTS
    | FEED_EXTS
    | SHEET_EXTS
    | OFFICE_EXTS
    | PDF_EXTS
    | MAIL_EXTS
)

# The formats named to a user (``SUPPORTED_EXTS`` less their other spellings).
READ_FORMATS = ".txt .jsonl .json .csv .tsv .xlsx .docx .odt .pdf .eml .html .rss .xml".split()
FORMATS_HINT = f"pass {'/'.join(READ_FORMATS)} files (or any of them gzipped: .jsonl.gz)"
DATE_HINT = "use a date such as 2023-09-13, 2023-09-13T10:00:00Z, 13 September 2023 or 13/09/2023"
RECORD_HINT = (
    "each record needs a non-empty string 'text' (or body, content, ...; --columns text=NAME names "
    "another); optional: id, outlet, published, title, url"
)
# The fields of a record and the names a column or key may have for each, besides its own (compared
# without case, spaces, '_' or '-'): what exports from scrapers, CMSs and news APIs call them, in
# English (GDELT's SourceCommonName and DocumentIdentifier too), then French, German, Spanish,
# Italian, Portuguese and Dutch (a press archive's export keeps its language; some drop accents).
FIELD_NAMES: dict[str, tuple[str, ...]] = {
    "id": ("id", "articleid", "docid", "guid"),
    "text": ("text", "body", "content", "articletext", "articlebody", "article", "fulltext", "maintext", "story",
             "bodytext", "postcontent",
             "texte", "contenu", "corps", "textecomplet", "inhalt", "volltext", "artikeltext", "texto",
             "contenido", "cuerpo", "testo", "contenuto", "corpo", "conteúdo", "conteudo", "tekst", "inhoud"),
    "outlet": ("outlet", "source", "sourcename", "publisher", "publication", "sitename", "site", "newspaper",
               "media", "medium", "medianame", "sourcetitle", "outletname", "publicationname", "newspapername",
               "domain", "journal", "sourcecommonname", "média", "éditeur", "titredepresse", "zeitung",
               "quelle", "medien", "verlag", "periódico", "fuente", "medio", "giornale", "testata", "fonte",
               "jornal", "veículo", "veiculo", "bron", "krant"),
    "published": ("published", "date", "publishedat", "publisheddate", "publishdate", "publicationdate",
                  "pubdate", "datepublished", "datetime", "time", "created", "createdat", "webpublicationdate",
                  "posted", "postdate", "dateposted",
                  "datedepublication",
                  "datepublication", "datum", "veröffentlicht", "erscheinungsdatum", "fecha",
                  "fechadepublicación", "fechadepublicacion", "datadipubblicazione", "datadepublicação",
                  "datadepublicacao", "publicatiedatum", "data"),
    "title": ("title", "headline", "heading", "head", "webtitle", "articletitle", "posttitle", "name", "titre", "titel", "überschrift", "schlagzeile",
              "título", "titulo", "titular", "titolo", "manchete", "kop"),
    "url": ("url", "link", "permalink", "href", "sourceurl", "articleurl", "weburl", "documentidentifier", "lien", "enlace", "collegamento"),
}  # fmt: skip


@dataclass(frozen=True)
class Reading:
    """How one ingest call reads its inputs: ``outlet``/``published`` for every article (options,
    ``published`` in stored form), how to read ``17/02/2023`` (``dayfirst``; None: only where one
    reading is a date) and ``columns``: record field -> the column or key that holds it."""

    outlet: str | None = None
    published: str | None = None
    dayfirst: bool | None = None
    columns: tuple[tuple[str, str], ...] = ()


def file_format(path: str) -> str | None:
    """The extension a file is read by (``.jsonl`` for ``a.jsonl.gz``: gzipped files are read as
    what they hold), or None for a file tracer does not read."""
    stem, ext = os.path.splitext(path)
    if ext.lower() == ".gz":
        inner = os.path.splitext(stem)[1].lower()
        return inner if inner and inner in SUPPORTED_EXTS else None
    return ext.lower() if ext.lower() in SUPPORTED_EXTS else None


def _open(path: str) -> io.BufferedIOBase:
    """The file's bytes, decompressed where it is gzipped."""
    return gzip.open(path, "rb") if path.lower().endswith(".gz") else open(path, "rb")  # noqa: SIM115


def _read_bytes(path: str) -> bytes:
    with _open(path) as f:
        return f.read()


# What reading a damaged gzipped file raises (a wrong header, a stream cut short, bad data).
_DAMAGED = (gzip.BadGzipFile, EOFError, zlib.error)


def _damaged(path: str, exc: BaseException) -> Problem:
    return Problem(
        path, f"damaged compressed file ({exc})", "decompress it to see what is left, or compress it again"
    )


def parse_columns(spec: str) -> tuple[tuple[str, str], ...]:
    """``text=body,outlet=source`` as ``(("text", "body"), ("outlet", "source"))``; TracerError if bad."""
    pairs = []
    for part in spec.split(","):
        field_name, eq, column = (x.strip() for x in part.partition("="))
        if not part.strip():
            continue
        if not eq or not column or field_name not in FIELD_NAMES:
            raise TracerError(
                f"--columns: {part.strip()!r} is not FIELD=COLUMN with FIELD one of {', '.join(FIELD_NAMES)}",
                "e.g. --columns text=body,outlet=source,published=date,title=headline",
            )
        pairs.append((field_name, column))
    return tuple(pairs)


def _key(name: str) -> str:
    return re.sub(r"[\s_-]+", "", name).lower()


def _field_keys(keys: Sequence[str], columns: tuple[tuple[str, str], ...]) -> dict[str, str]:
    """Record field -> the key of ``keys`` that holds it: as ``columns`` says, else the field's own
    name, else the first of its other names (:data:`FIELD_NAMES`) that ``keys`` has."""
    given = dict(columns)
    by_key: dict[str, str] = {}
    for k in keys:
        by_key.setdefault(_key(k), k)
    taken = {given[f] for f in given}
    out = {}
    for name, names in FIELD_NAMES.items():
        if name in given:
            if given[name] in keys:
                out[name] = given[name]
            elif _key(given[name]) in by_key:
                out[name] = by_key[_key(given[name])]
            continue
        found = next((by_key[n] for n in names if n in by_key and by_key[n] not in taken), None)
        if found is not None:
            out[name] = found
            taken.add(found)
    return out


@dataclass
class IngestResult:
    articles: list[Article] = field(default_factory=list)  # files sorted by path, records in file order
    problems: list[Problem] = field(default_factory=list)  # skipped inputs, each naming file (and line)
    files_read: int = 0
    warnings: list[Problem] = field(default_factory=list)  # stored, with a value left out (a date)
    # Files of folders walked that may hold articles in a format tracer does not read, by extension
    left_out: Counter[str] = field(default_factory=Counter)
    repeated: int = 0  # inputs left out as copies of another of this ingest (same text and outlet)


def article_id(outlet: str | None, text: str) -> str:
    """Stable id: the same outlet and text always give the same id. ``outlet``: the one the input
    states (:func:`stated_outlet`), never one given by an option, guessed or edited, so that
    correcting an outlet keeps the id."""
    digest = hashlib.sha1(f"{outlet or ''}\n".encode())
    for lo in range(0, len(text), _HASH_STRETCH):  # not a UTF-8 copy of a long text at once
        digest.update(text[lo : lo + _HASH_STRETCH].encode())
    return digest.hexdigest()[:16]


_HASH_STRETCH = 1 << 20


def stated_outlet(path: str, outlet: str | None, url: str | None, line: int | None = None) -> str | None:
    """The outlet an input states of itself, which an article's id is made of: a record's outlet
    field or an HTML page's site name (``outlet``), else the host of its URL. A text file read as
    one article (no ``line``) has an id of its text alone: its header lines label it, as --outlet
    does, and may be corrected; a row of a table saved as text states its outlet as a CSV's does."""
    if file_format(path) in TEXT_EXTS and line is None:
        return None
    return outlet or (_outlet_from_url(url) if url else None)


def parse_date(value: str, dayfirst: bool | None = None) -> str | None:
    """The stored form of a date (``2023-09-13``) or date-time (in UTC: ``...T08:00:00+00:00``;
    see :func:`tracer.dates.normalise` for the forms read), or None."""
    try:
        return normalise(value, dayfirst)
    except DateError:
        return None


def _date_or_reason(value: str, dayfirst: bool | None = None) -> tuple[str | None, str]:
    """:func:`parse_date` of ``value``, and why not when it is None."""
    try:
        return normalise(value, dayfirst), ""
    except DateError as exc:
        return None, str(exc)


def _timestamp_or_reason(value: Any) -> tuple[str | None, str]:
    """A JSON number as a Unix time (:func:`~tracer.dates.from_timestamp`), or an integer of 8,
    12 or 14 digits as a date written in digits (``20240105``), and why not. Twelve digits that
    are no such date are milliseconds (of 1990 to 2001)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None, "not a string or a number"
    if isinstance(value, int) and len(str(value)) in (8, 12, 14):
        written = _date_or_reason(str(value))
        if written[0] is not None or len(str(value)) != 12:
            return written
    try:
        return from_timestamp(value), ""
    except DateError as exc:
        return None, str(exc)


def read_paths(
    paths: Sequence[str | os.PathLike[str]],
    outlet: str | None = None,
    date: str | None = None,
    dayfirst: bool | None = None,
    columns: tuple[tuple[str, str], ...] = (),
) -> IngestResult:
    """Read files and directories (recursively); ``outlet``/``date`` override every article."""
    result = IngestResult()
    result.articles.extend(iter_articles(paths, result, outlet, date, dayfirst=dayfirst, columns=columns))
    return result


def iter_articles(
    paths: Sequence[str | os.PathLike[str]],
    result: IngestResult,
    outlet: str | None = None,
    date: str | None = None,
    workers: int = 1,
    dayfirst: bool | None = None,
    columns: tuple[tuple[str, str], ...] = (),
) -> Iterator[Article]:
    """The articles of ``paths`` one at a time, so a large corpus is never held whole.

    Problems and the number of files read go to ``result`` as they are found
    (its ``articles`` list is left alone). With ``workers`` > 1, a large JSON Lines file is
    parsed in that many processes (:data:`PARALLEL_MIN_BYTES`); the articles are the same.
    A date that cannot be read leaves its article undated, with a warning in ``result``.
    """
    date_override = None
    if date is not None:
        date_override, why = _date_or_reason(date, dayfirst)
        if date_override is None:
            raise TracerError(f"invalid date {date!r}: {why}", DATE_HINT)
    reading = Reading(outlet_name(outlet) or None if outlet else None, date_override, dayfirst, columns)
    if outlet and not _is_utf8(outlet):
        # A command-line argument in another encoding arrives with its bytes escaped.
        raise TracerError(f"--outlet {_shown(outlet)} is not valid UTF-8", "pass the outlet name in UTF-8")
    files = _collect_files(paths, result.problems, result.left_out, result.warnings)
    seen: dict[str, int] = {}  # id -> hash of its text and stated outlet
    for path in files:
        try:
            jsonl = file_format(path) in JSONL_EXTS
            if jsonl:
                # Streamed a block of lines at a time: a corpus of millions of records is one such file.
                items = _read_jsonl_file(path, reading, workers)
            else:
                items = _read_file(path, _read_bytes(path), reading)
        except _DAMAGED as exc:
            result.problems.append(_damaged(path, exc))
            continue
        except OSError as exc:
            result.problems.append(
                Problem(path, f"cannot read file: {exc.strerror or exc}", "check permissions")
            )
            continue
        result.files_read += 1
        dates = _FileDates(path, reading.dayfirst)
        cut = 0  # texts that end in NewsAPI's "[+3410 chars]"
        while True:
            try:
                item = next(items)
            except StopIteration:
                break
            except _DAMAGED as exc:  # the records before the damage are kept
                result.problems.append(_damaged(path, exc))
                break
            except Exception as exc:  # noqa: BLE001 - a bug must not cost the user the rest of the batch
                hint = "please report this; the other records were read"
                result.problems.append(Problem(path, f"unexpected error: {type(exc).__name__}: {exc}", hint))
                break
            if isinstance(item, Problem):
                (result.warnings if isinstance(item, Notice) else result.problems).append(item)
                continue
            if not jsonl:  # JSON Lines records come finished from where they were parsed
                _finish(item, reading)
            cut += _uncut(item)
            for ready in dates.take(item):
                yield from _first_of_its_id(ready, seen, result)
        for ready in dates.finish(result.warnings):
            yield from _first_of_its_id(ready, seen, result)
        if cut:
            result.warnings.append(_cut_short(path, cut))


def _uncut(art: Article) -> bool:
    """Drop the "[+3410 chars]" that NewsAPI ends a text it cut short with (after the id is made:
    the id an older tracer gave it stays); whether there was one."""
    text = _without_cut_mark(art.text)
    if text is art.text:
        return False
    art.text = text
    return True


def _without_cut_mark(text: str) -> str:
    """``text`` less NewsAPI's "[+3410 chars]" at its end (``text`` itself where it has none)."""
    found = _CUT_MARK.search(text, max(0, len(text) - 40))
    return text if found is None or not text[: found.start()].strip() else text[: found.start()]


_CUT_MARK = re.compile(r"\s*\[\+\d+ chars\]\s*\Z")


def _cut_short(path: str, n: int) -> Problem:
    return Problem(
        path,
        f"{n} text(s) end in NewsAPI's '[+N chars]' (dropped): the API cuts its texts at 200 characters, "
        "so few passages of these articles can match",
        "fetch the full texts from the articles' URLs",
    )


def _first_of_its_id(item: Article, seen: dict[str, int], result: IngestResult) -> Iterator[Article]:
    """``item``, unless this ingest had a copy of it already (``seen``: id -> hash of its text and
    stated outlet). A copy of a record (same id, text and stated outlet) is dropped quietly;
    another text or outlet under a taken id (two exports numbering their rows alike, papers'
    copies keeping the wire's story id) gets an id of its own."""
    text_hash = hash((item.text, item.stated_outlet, item.file_outlet))
    taken = seen.get(item.id)
    if taken is not None and taken != text_hash:
        warning = renamed(item, stored=False)
        if warning is not None:
            result.warnings.append(warning)
        taken = seen.get(item.id)
    if taken is None:
        seen[item.id] = text_hash
        if item.date_problem is not None:
            result.warnings.append(_undated(item))
        yield item
    else:
        result.repeated += 1


class _FileDates:
    """How one file writes its dates ``a/b/yyyy``, learnt from those that read one way only
    ("25/03/2024": day first), for those that read both ("07/03/2024"), which wait until it is
    known (at most :data:`DATES_HELD` of them; the others go on undated, with their warning).

    A file that writes both ways (a mix of sources) says nothing: from then on its dates are
    read as they are. ``dayfirst`` given by the user is the rule, and nothing waits."""

    def __init__(self, path: str, dayfirst: bool | None) -> None:
        self.path, self.told = path, dayfirst is not None
        self.order: bool | None = None
        self.mixed = False
        self.example: tuple[str, int | None] = ("", None)
        self.held: list[Article] = []
        self.read, self.first_read = 0, ""  # how many dates were read by the file's way; the first

    def take(self, art: Article) -> list[Article]:
        """The articles ready to go on once ``art`` is read (none while it waits)."""
        if self.told or art.date_written is None:
            return [art]
        if art.published is not None:
            if not self.mixed and (order := written_order(art.date_written[0])) is not None:
                self._learn(order, art)
                if self.order is not None and self.held:
                    ready = [self._read(held) for held in self.held]
                    self.held = []
                    return [*ready, art]
            return [art]
        if self.mixed or not is_ambiguous(art.date_written[0]):
            return [art]
        if self.order is not None:
            return [self._read(art)]
        if len(self.held) >= DATES_HELD:
            return [art]
        self.held.append(art)
        return []

    def finish(self, warnings: list[Problem]) -> list[Article]:
        """The articles still waiting (undated, with their warning), once the file is read; a
        warning that says which dates were read by the file's way, if any."""
        if self.read:
            way = "day" if self.order else "month"
            other = "--monthfirst" if self.order else "--dayfirst"
            value, line = self.example
            warnings.append(
                Problem(
                    self.path,
                    f"{self.read} date(s) that read both ways (such as {self.first_read!r}) were read {way} "
                    f"first, as {value!r} on line {line} is",
                    f"if they are not, ingest the file again with {other}",
                )
            )
        held, self.held = self.held, []
        return held

    def _learn(self, order: bool, art: Article) -> None:
        if self.order is None:
            self.order = order
            self.example = (art.date_written[0] if art.date_written else "", art.source_line)
        elif order != self.order:
            self.mixed, self.order = True, None

    def _read(self, art: Article) -> Article:
        """``art`` dated by the file's way."""
        assert art.date_written is not None and self.order is not None
        value, source = art.date_written
        art.published, art.published_source, art.date_problem = normalise(value, self.order), source, None
        self.read += 1
        self.first_read = self.first_read or value
        return art


# Articles of one file whose dates read both ways that wait for the file's other dates to say
# how it writes them: their texts are held meanwhile.
DATES_HELD = 10_000


def is_ambiguous(value: str) -> bool:
    """Whether ``value`` reads as two dates (:class:`~tracer.dates.AmbiguousDate`)."""
    try:
        normalise(value)
    except AmbiguousDate:
        return True
    except DateError:
        return False
    return False


def renamed(art: Article, stored: bool) -> Problem | None:
    """Give ``art``, whose id another article has with another text or stated outlet (a
    ``stored`` one, else one of this ingest), the id made of its outlet and text, as a record
    without one gets; the warning that says so. None for a text file's copy of another's text
    under another outlet (``file_outlet``): no id was given, so there is nothing to warn of."""
    given = art.id
    art.id = article_id(art.stated_outlet or art.file_outlet, art.text)
    if art.file_outlet is not None:
        return None
    holder = "a stored article" if stored else "another article of this ingest"
    hint = "give each article its own id, or leave the ids out"
    if stored:
        hint += f"; if this one replaces the stored one: `tracer remove {given} {art.id}`, then ingest again"
    return Problem(
        art.source_path,
        f"id {given!r} is taken by {holder} with another text or outlet; stored as {art.id}", hint,
        art.source_line,
    )  # fmt: skip


def _undated(art: Article) -> Problem:
    """The warning for an article stored undated because its date could not be read."""
    message, line = art.date_problem or ("", None)
    return Problem(
        art.source_path,
        f"{message}; stored undated",
        f"set the date with `tracer edit {art.id} --date DATE`, or ingest again with --date",
        line,
    )


# --- finding files ---------------------------------------------------------------------------


def _collect_files(
    paths: Sequence[str | os.PathLike[str]],
    problems: list[Problem],
    others: Counter[str],
    warnings: list[Problem],
) -> list[str]:
    """Expand directories; explicit paths are always tried, directory walks skip what is not ours
    (counted in ``others`` by extension; hidden files are not; named in ``warnings`` where named
    like ours: links to nothing, pipes)."""
    found: set[str] = set()
    for given in paths:
        p = os.fspath(given)
        if not _is_utf8(p):
            problems.append(_bad_name(p))
        elif os.path.isdir(p):
            found.update(_walk(p, problems, others, warnings))
        elif os.path.isfile(p):
            if file_format(p) is not None:
                found.add(p)
            else:
                problems.append(Problem(p, "unsupported file type", FORMATS_HINT))
        elif os.path.lexists(p):
            problems.append(Problem(p, "not a regular file", FORMATS_HINT))
        else:
            problems.append(Problem(p, "no such file or directory", "check the path"))
    # Sort by path components so a directory's files stay together ("a/x" before "a-b").
    return sorted(found, key=lambda s: Path(s).parts)


def _walk(
    directory: str, problems: list[Problem], others: Counter[str], warnings: list[Problem]
) -> Iterator[str]:
    try:
        entries = sorted(os.scandir(directory), key=lambda e: e.name)
    except OSError as exc:
        problems.append(
            Problem(directory, f"cannot list directory: {exc.strerror or exc}", "check permissions")
        )
        return
    names = {entry.name.lower() for entry in entries}
    for entry in entries:
        if entry.name.startswith("."):
            continue
        path = os.path.join(directory, entry.name)
        try:
            # Do not follow directory symlinks: they can loop.
            is_dir = entry.is_dir(follow_symlinks=False)
            ours = not is_dir and file_format(entry.name) is not None
            is_file = ours and entry.is_file()
        except OSError as exc:  # a link to itself, an entry gone since the listing, ...
            problems.append(Problem(_shown(path), f"cannot read: {exc.strerror or exc}", _LINK_HINT))
            continue
        if ours and not is_file:
            if (notice := _not_a_file(path)) is not None:
                warnings.append(notice)
        elif (is_dir or is_file) and not _is_utf8(entry.name):
            problems.append(_bad_name(path))
        elif is_dir and _saved_page_parts(entry, names):
            others[SAVED_PAGE_PARTS] += 1
        elif is_dir:
            yield from _walk(path, problems, others, warnings)
        elif is_file:
            yield path
        elif (ext := os.path.splitext(entry.name)[1].lower()) in _DOCUMENT_EXTS:
            others[ext] += 1


def _not_a_file(path: str) -> Notice | None:
    """The warning for a walked entry named like an article file that is none: a link to
    nothing, a named pipe (never opened: reading one waits for a writer, for ever if none comes),
    a socket or a device. Each was left out without a word; it is left out still, and does not
    fail the ingest (a folder is read whatever else it holds). None for a link to a folder,
    which a walk does not follow (links can loop)."""
    try:
        mode = os.stat(path).st_mode  # (through a link)
    except FileNotFoundError:
        target = _shown(_link_target(path))
        return Notice(_shown(path), f"a link to nothing ({target} does not exist): left out", _LINK_HINT)
    except OSError as exc:
        return Notice(_shown(path), f"cannot read: {exc.strerror or exc}: left out", _LINK_HINT)
    if stat.S_ISDIR(mode):
        return None
    kind = "a named pipe (FIFO)" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else "a device"
    return Notice(
        _shown(path),
        f"{kind}, not a regular file: left out",
        "save what it carries to a file and ingest that",
    )


def _link_target(path: str) -> str:
    try:
        return os.readlink(path)
    except OSError:
        return "its target"


def _saved_page_parts(entry: os.DirEntry[str], names: set[str]) -> bool:
    """Whether a folder holds the parts of a web page a browser saved ("Save page, complete":
    ``page.html`` and ``page_files/``, its ads' frames, scripts and images): no articles.
    ``names``: the folder's siblings, lower case."""
    stem = entry.name.lower().removesuffix("_files")
    if stem == entry.name.lower():
        return False
    if f"{stem}.html" in names or f"{stem}.htm" in names:
        return True
    # A page renamed since it was saved leaves its folder's name as it was: its scripts tell.
    try:
        return any(os.path.splitext(name)[1].lower() in (".js", ".css") for name in os.listdir(entry.path))
    except OSError:
        return False


_LINK_HINT = "remove the entry, or point the link at an article file"
# What a walk counts in ``left_out`` for each folder of a saved page's parts it passes over.
SAVED_PAGE_PARTS = "_files/"
# Files of a folder that may hold articles tracer does not read: their number is told (images,
# a store's own files and the like are left out without a word).
ARCHIVE_EXTS = frozenset(".zip .7z .rar .tar .tgz".split())
_DOCUMENT_EXTS = frozenset(".md .markdown .rst .rtf .doc .xls .ods .epub .mht .mhtml".split()) | ARCHIVE_EXTS


def _is_utf8(name: str) -> bool:
    """False for a str holding surrogates: os.fsdecode's escapes of bytes that are not UTF-8,
    or JSON's escapes of half a pair. Neither can be stored."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _shown(name: str) -> str:
    """``name`` printable: bytes that are not UTF-8 as ``\\xe9``, other surrogates as ``\\udc80``."""
    try:
        raw = os.fsencode(name)  # undoes os.fsdecode's escapes
    except UnicodeEncodeError:
        return name.encode("utf-8", "backslashreplace").decode("utf-8")
    return raw.decode("utf-8", "backslashreplace")


def _bad_name(path: str) -> Problem:
    return Problem(
        _shown(path), "file name is not valid UTF-8", "rename it to a UTF-8 name, e.g. with convmv"
    )


# --- decoding --------------------------------------------------------------------------------


def _decode(data: bytes) -> tuple[str, str]:
    """Try UTF-8 (dropping a BOM), then cp1252, then latin-1 (which always succeeds). A file in
    UTF-8 but for a few bytes (a line pasted from a cp1252 file: "déjà" as e9 ... e0) is read as
    UTF-8 with those bytes read as cp1252 (``utf-8+cp1252``): read whole as cp1252, every other
    accent was mojibake ("cafÃ©")."""
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    if len(_UTF8_MULTIBYTE.findall(data)) > data.decode("utf-8", "replace").count("\ufffd"):
        return data.decode("utf-8", _AS_CP1252).removeprefix("\ufeff"), "utf-8+cp1252"
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


# A character of two to four bytes in UTF-8: what a file in another encoding rarely holds.
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def _cp1252_bytes(exc: UnicodeError) -> tuple[str, int]:
    """A codec error handler: bytes that are no UTF-8 read as cp1252 (latin-1 where cp1252 has
    no character)."""
    assert isinstance(exc, UnicodeDecodeError)
    bad = exc.object[exc.start : exc.end]
    return "".join(
        bytes([b]).decode("cp1252", "strict") if b not in _CP1252_HOLES else chr(b) for b in bad
    ), exc.end


_CP1252_HOLES = frozenset((0x81, 0x8D, 0x8F, 0x90, 0x9D))
_AS_CP1252 = "tracer-as-cp1252"
codecs.register_error(_AS_CP1252, _cp1252_bytes)


# Byte-order marks of the encodings with more than one byte a character; UTF-32's first, as
# UTF-32-LE's starts with UTF-16-LE's.
_WIDE_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


def _wide_encoding(head: bytes) -> str | None:
    """The encoding a file's byte-order mark names, if it is UTF-16 or UTF-32."""
    return next((name for bom, name in _WIDE_BOMS if head.startswith(bom)), None)


def _decode_wide(path: str, data: bytes, encoding: str) -> str | Problem:
    try:
        return data.decode(encoding).removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        return Problem(
            path,
            f"not valid {encoding.upper()[:6]} although it starts with that byte-order mark "
            f"({exc.reason} at byte {exc.start})",
            "save it as UTF-8",
        )


_CONTROL = set(range(32)) - {9, 10, 12, 13, 27}


def _is_binary(data: bytes | str) -> bool:
    head = data[:8192]
    codes = list(head) if isinstance(head, bytes) else [ord(c) for c in head]  # str: UTF-16/32 decoded
    if 0 in codes:
        return True
    # Text has almost no control characters; images, archives and the like are full of them.
    controls = sum(1 for b in codes if b in _CONTROL)
    return bool(codes) and controls / len(codes) > 0.1


def _binary_problem(path: str, data: bytes | str) -> Problem | None:
    """The problem of a file that is not text (:func:`_is_binary`), else None. Text with a few NUL
    bytes (a stray one in an export's field) is refused as binary too, as every file holding a
    NUL is, but is told apart: where its first NUL is, and how to strip them."""
    if not _is_binary(data):
        return None
    head = data[:8192]
    codes = list(head) if isinstance(head, bytes) else [ord(c) for c in head]
    nuls = codes.count(0)
    controls = sum(1 for b in codes if b in _CONTROL) - nuls
    # Binary files hold NULs and other control characters by the hundred in 8 KB (random
    # bytes: a tenth of them); a text file with a stray NUL holds a few and nothing else.
    if nuls == 0 or nuls > max(4, len(codes) // 100) or controls > len(codes) // 100:
        return Problem(path, "binary file, not text", FORMATS_HINT)
    line = codes[: codes.index(0)].count(ord("\n")) + 1
    return Problem(
        path,
        f"binary file, not text: {nuls} NUL byte{'s' if nuls > 1 else ''} in what otherwise reads as text",
        f"if it is text, {_strip_nuls(path, wide=isinstance(data, str))} and ingest the copy",
        line,
    )


def _strip_nuls(path: str, wide: bool) -> str:
    """How to remove the NUL bytes from the file at ``path`` (a shell command where one does it)."""
    if wide:  # UTF-16 or UTF-32: a NUL is two or four bytes, and tr would strip half of every other
        return "remove its NUL characters (U+0000) in an editor and save it again"
    name = os.path.basename(path)
    gz = name.lower().endswith(".gz")
    clean = "clean" + os.path.splitext(name[:-3] if gz else name)[1]
    read = f"zcat {shlex.quote(name)} | tr -d '\\000'" if gz else f"tr -d '\\000' < {shlex.quote(name)}"
    return f"remove them ({read} > {clean})"


def _read_file(path: str, data: bytes, reading: Reading) -> Iterator[Article | Problem]:
    from_bytes = _BYTES_READERS.get(cast(str, file_format(path)))
    if from_bytes is not None:  # zips of XML parts, PDF, e-mail: read from their bytes, not as text
        yield from from_bytes(path, data, reading)
        return
    wide = _wide_encoding(data)
    decoded = _decode_wide(path, data, wide) if wide else data
    if isinstance(decoded, Problem):
        yield decoded
        return
    binary = _binary_problem(path, decoded)
    if binary is not None:
        yield binary
        return
    text, encoding = (decoded, cast(str, wide)) if isinstance(decoded, str) else _decode(data)
    del data, decoded  # only the text is needed from here on: one copy of a large file in memory
    if not text or text.isspace():  # (not text.strip(): a copy of the whole text)
        yield Problem(path, "empty file", "remove it or add the article text")
        return
    ext = file_format(path)
    if ext in JSONL_EXTS:
        records = _read_jsonl(path, text, reading)
    elif ext in JSON_EXTS:
        records = _read_json(path, text, reading)
    elif ext in CSV_EXTS or (ext in TEXT_EXTS and _is_table(text, reading)):
        records = _read_csv(path, text, reading)
    elif ext in HTML_EXTS:
        records = _read_html(path, text, reading)
    elif ext in FEED_EXTS:
        records = _read_feed(path, text, reading)
    else:
        records = _read_text(path, text, reading)
    del text  # the reader holds it
    for item in records:
        if isinstance(item, Article):
            item.encoding = encoding
        yield item


# --- plain text ------------------------------------------------------------------------------


def _is_table(text: str, reading: Reading) -> bool:
    """Whether a text file is a table saved as text, as Excel saves one ("Unicode text", "Text (Tab
    delimited)"): a first line of short tab-separated column names, the text's among them, and
    tabs in the lines after it. An article's first line is no such header."""
    end = text.find("\n")
    names = [name.strip() for name in text[: max(end, 0)].split("\t")]
    if len(names) < 2 or any(len(name) > _NAME_MAX for name in names) or sum(map(bool, names)) < 2:
        return False
    return "text" in _field_keys(names, reading.columns) and text.find("\t", end) >= 0


_NAME_MAX = 40  # characters in a column's name, at most: longer, a line is a sentence

_HEADER = re.compile(r"(outlet|date|published|url|title|id)[ \t]*:[ \t]*(.*?)[ \t]*", re.IGNORECASE)
# " date 2023-09-13 Headline..." as seen in scraped dumps: a dateline glued to the headline.
_DATELINE = re.compile(r"\s*date\s+(\d{4}-\d{2}-\d{2})\s+(\S.*?)\s*", re.IGNORECASE)
_BLANK_LINE = re.compile(r"[ \t]*(?:\r\n|\r|\n)")
_LINE = re.compile(r"([^\r\n]*)(\r\n|\r|\n|$)")


def _lines(text: str) -> Iterator[tuple[str, int]]:
    """Yield (line without its ending, offset just past the ending). Splits on \\r\\n, \\r, \\n only."""
    pos = 0
    while pos < len(text):
        m = _LINE.match(text, pos)
        assert m is not None  # the pattern can match the empty string
        yield m.group(1), m.end()
        pos = m.end()


def _read_text(path: str, text: str, reading: Reading) -> Iterator[Article | Problem]:
    found = None if _HEADER.fullmatch(next(_lines(text), ("", 0))[0]) else documents(text)
    if found is not None:  # a news archive's export: its articles, each with its head's values
        yield from _exported(path, text, found, reading)
        return
    art = Article(id="", text="", source_path=path)
    given_id = None
    body_start = 0
    for lineno, (line, end) in enumerate(_lines(text), start=1):
        m = _HEADER.fullmatch(line)
        if not m:
            break
        key, value = m.group(1).lower(), m.group(2)
        body_start = end
        if not value:
            continue
        if key == "outlet":
            art.outlet, art.outlet_source = value, "header"
        elif key in ("date", "published"):
            art.published, why = _date_or_reason(value, reading.dayfirst)
            art.date_written = (value, "header")
            if art.published is None:
                art.date_problem = (f"date header {value!r} not read: {why}", lineno)
            else:
                art.published_source = "header"
        elif key == "url":
            art.url = value
        elif key == "title":
            art.title, art.title_source = value, "header"
        else:
            given_id = value
    if body_start:
        # One blank line separating headers from the body is layout, not text.
        blank = _BLANK_LINE.match(text, body_start)
        if blank:
            body_start = blank.end()
    art.text = text[body_start:]
    del text  # (the caller's reference is gone: a long file's text is held once, not twice)
    if not art.text or art.text.isspace():
        yield Problem(
            path, "no article text after the header lines", "add the article body below the headers"
        )
        return
    first = next(line.strip() for line, _ in _lines(art.text) if line.strip())
    dateline = _DATELINE.fullmatch(first)
    if dateline and parse_date(dateline.group(1)):
        if art.published is None and art.date_problem is None:
            art.published, art.published_source = parse_date(dateline.group(1)), "dateline"
        first = dateline.group(2)
    if art.title is None:
        art.title, art.title_source = first_line_title(first), "first-line"
    art.id = given_id or ""
    yield art


def _exported(path: str, text: str, found: list[Document], reading: Reading) -> Iterator[Article | Problem]:
    if not found:
        yield Problem(path, "an archive export with no article in it", "export the articles again")
    for doc in found:
        if doc.end <= doc.start:
            yield Problem(path, "an article of the export has no text", EXPORT_HINT, doc.line)
            continue
        art = Article(id="", text=text[doc.start : doc.end], source_path=path, source_line=doc.line)
        if doc.title:
            art.title, art.title_source = doc.title, "header"
        if doc.outlet:
            art.outlet, art.outlet_source = doc.outlet, "header"
        if doc.date:
            art.published, why = _date_or_reason(doc.date, reading.dayfirst)
            art.date_written = (doc.date, "header")
            if art.published is None:
                art.date_problem = (f"date {doc.date!r} not read: {why}", doc.line)
            else:
                art.published_source = "header"
        yield art


EXPORT_HINT = "check that the file is the export as saved (Nexis Uni, Factiva: plain text)"


# --- JSON Lines / JSON / CSV -----------------------------------------------------------------


_CANONICAL = {name: name for name in FIELD_NAMES}
# Keys under which APIs put a record's fields (the Guardian's "fields", JSON:API's "attributes",
# an Elasticsearch hit's "_source", beside its "_id").
_FIELD_BOXES = ("fields", "attributes", "_source")
_KEYS_SEEN: dict[tuple[tuple[str, ...], tuple[tuple[str, str], ...]], dict[str, str]] = {}


def _keys_of(obj: dict[str, Any], reading: Reading) -> dict[str, str]:
    """:func:`_field_keys` of a record's keys, found once per set of keys (a few hundred kept)."""
    seen = (tuple(obj), reading.columns)
    found = _KEYS_SEEN.get(seen)
    if found is None:
        if len(_KEYS_SEEN) >= 512:  # a file whose records all differ: no use keeping them
            _KEYS_SEEN.clear()
        found = _KEYS_SEEN[seen] = _field_keys(list(obj), reading.columns)
    return found


def _record(
    path: str, line: int, obj: Any, halves: bool = False, reading: Reading = Reading(),
    keys: dict[str, str] | None = None,
) -> Article | Problem:  # fmt: skip
    """Turn one JSON/CSV record into an Article, or a Problem saying what is wrong with it.
    ``halves``: the record's JSON may escape half a surrogate pair (:data:`_HALF_ESCAPE`);
    ``keys``: field -> the key holding it (a CSV's, from its header), else found per record."""
    if not isinstance(obj, dict):
        return Problem(path, f"record is a {type(obj).__name__}, not an object", RECORD_HINT, line)
    for box in _FIELD_BOXES:  # {"id": ..., "fields": {"bodyText": ...}}: the fields beside the rest
        if isinstance(obj.get(box), dict):
            obj = {**obj[box], **{k: v for k, v in obj.items() if k != box}}
            keys = None
    if keys is None:
        # Records with only the usual keys (most of a large JSON Lines file) skip the search for
        # others; the others' keys are looked up once for each set of keys a file has.
        keys = (
            _CANONICAL if not reading.columns and obj.keys() <= _CANONICAL.keys() else _keys_of(obj, reading)
        )
    text_key = keys.get("text", "text")
    given = _unwrapped(obj.get(text_key))
    text = _paragraphs(given)  # (read as plain text paragraph by paragraph, where it is a list)
    if not isinstance(text, str):
        what = (
            f"missing '{text_key}'"
            if text is None
            else f"'{text_key}' is a {type(text).__name__}, not a string"
        )
        return Problem(path, what, RECORD_HINT, line)
    if text is given:
        text = plain(text)  # a body exported as HTML: the text it shows
    if not text.strip():
        return Problem(path, f"empty '{text_key}'", RECORD_HINT, line)
    art = Article(
        id=_scalar(obj.get(keys.get("id", ""))) or "", text=text, source_path=path, source_line=line
    )
    outlet = _one(obj.get(keys.get("outlet", "")))
    if isinstance(outlet, dict):  # {"id": "bbc-news", "name": "BBC News"}: a news API's source
        outlet = outlet.get("name") or outlet.get("title")  # (Event Registry: {"uri", "title"})
    art.outlet = _scalar(outlet)
    if art.outlet:
        art.outlet_source = "field"
    date_key = keys.get("published", "")
    raw_date = obj.get(date_key)
    if _present(raw_date):
        art.published, why = (
            _date_or_reason(raw_date, reading.dayfirst)
            if isinstance(raw_date, str)
            else _timestamp_or_reason(raw_date)
        )
        if art.published is None:
            art.date_problem = (f"'{date_key}' {raw_date!r} not read: {why}", line)
        else:
            art.published_source = "field"
        if isinstance(raw_date, str):
            art.date_written = (raw_date, "field")
    art.title = _scalar(obj.get(keys.get("title", "")))
    if art.title and has_markup(art.title):
        art.title = " ".join(plain(art.title).split()) or None
    if art.title:
        art.title_source = "field"
    art.url = _scalar(obj.get(keys.get("url", "")))
    return (halves and _half_pair(art, line)) or art


# JSON's escape of half a surrogate pair (\ud800-\udfff): json.loads turns it into a str that
# UTF-8, and so the store, cannot encode. Searched for in the raw JSON first: a pass over a
# record's fields is needed only where it occurs.
_HALF_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_STORED_TEXT = ("text", "id", "outlet", "title", "url")


def _half_pair(art: Article, line: int | None) -> Problem | None:
    """A Problem if a field of ``art`` holds half a surrogate pair."""
    for name in _STORED_TEXT:
        value = getattr(art, name)
        found = _SURROGATE.search(value) if value else None
        if found:
            return Problem(
                art.source_path,
                f"'{name}' holds a lone surrogate \\u{ord(found.group()):04x}, which UTF-8 cannot encode",
                "write the character itself, or both halves of its surrogate pair, as in \\ud83d\\ude00",
                line,
            )
    return None


def _present(value: Any) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def _unwrapped(value: Any) -> Any:
    """A field's value, out of the object some APIs wrap it in: WordPress's ``{"rendered": ...}``,
    the New York Times' ``{"main": ...}`` headline, a ``{"value": ...}``; as it is otherwise."""
    if isinstance(value, dict):
        inner = [value[k] for k in _WRAPPERS if isinstance(value.get(k), str)]
        if len(inner) == 1:
            return inner[0]
    return value


_WRAPPERS = ("rendered", "value", "#text", "main")  # (WordPress; XML turned JSON; the NYT's headline)


def _paragraphs(value: Any) -> Any:
    """A text given as a list of its paragraphs (as scrapers write them; or as blocks, each an
    object holding its text: ``{"type": "text", "content": ...}``) as one text, a blank line
    between paragraphs; any other value as it is."""
    if not isinstance(value, list) or not value:
        return value
    parts = []
    for item in value:
        if isinstance(item, dict):
            inner = [item[k] for k in (*_WRAPPERS, *_BLOCK_TEXT) if isinstance(item.get(k), str)]
            item = inner[0] if len(inner) == 1 else None if not inner else item
            if item is None:
                continue  # a block with no text (an image, an embed)
        if not isinstance(item, str):
            return value
        item = plain(item).strip()  # (each on its own: a blank line between them, not a line break)
        if item:
            parts.append(item)
    return "\n\n".join(parts) if parts else value


_BLOCK_TEXT = ("text", "content", "body")  # the text of a block of a body given as blocks


def _one(value: Any) -> Any:
    """A list of one value as that value (["BBC"], as some APIs give every field); any other as it is."""
    return value[0] if isinstance(value, list) and len(value) == 1 else value


def _scalar(value: Any) -> str | None:
    """A metadata field as a stripped string; empty, null and non-scalar values count as missing."""
    value = _unwrapped(_one(value))
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    return str(value).strip() or None


def _split_lines(text: str) -> Iterator[str]:
    """``text.split("\\n")`` one line at a time: a large file's lines are never all held at once."""
    pos = 0
    while True:
        end = text.find("\n", pos)
        if end < 0:
            yield text[pos:]
            return
        yield text[pos:end]
        pos = end + 1


# A JSON Lines file at least this large is parsed in worker processes, a block of lines each
# (decoding, JSON, records, ids), while this process stores what they have parsed.
PARALLEL_MIN_BYTES = 16 << 20
_BLOCK_BYTES = 4 << 20  # read and parsed at once (~900 simulated articles)


def _read_jsonl_file(path: str, reading: Reading, workers: int = 1) -> Iterator[Article | Problem]:
    """What ``_read_file`` gives for a JSON Lines file, its articles finished (:func:`_finish`),
    reading a block of lines at a time. Each line is decoded on its own (UTF-8, else cp1252,
    else latin-1): a record's encoding is its own, and no pass over the whole file is needed
    first to choose one (0.8 s for the 434 MB of 10^5 simulated articles)."""
    with _open(path) as f:
        head = f.read(8192)
    if _wide_encoding(head):
        # Lines cannot be cut at b"\n" bytes: read whole, as a .json file is.
        for item in _read_file(path, _read_bytes(path), reading):
            if isinstance(item, Article):
                _finish(item, reading)
            yield item
        return
    binary = _binary_problem(path, head)
    if binary is not None:
        yield binary
        return
    blocks = _line_blocks(path)
    if workers > 1 and os.path.getsize(path) >= PARALLEL_MIN_BYTES and _can_fork():
        parsed = _in_processes(_parse_block, blocks, (path, reading), workers)
    else:
        parsed = (_parse_block(block, path, reading) for block in blocks)
    lines_before = 0  # blocks number their lines from 1: the lines of the blocks before are added
    empty = True
    for items, lines, any_text in parsed:
        for item in items:  # every record and problem of a block has a line number
            if isinstance(item, Article):
                item.source_line = cast(int, item.source_line) + lines_before
                if item.date_problem is not None:  # (found on the record's line)
                    item.date_problem = (item.date_problem[0], item.source_line)
                yield item
            else:
                yield dataclasses.replace(item, line=cast(int, item.line) + lines_before)
        lines_before += lines
        empty = empty and not any_text
    if empty:
        yield Problem(path, "empty file", "remove it or add the article text")


def _line_blocks(path: str) -> Iterator[bytes]:
    """The file's bytes in blocks of whole lines (of about ``_BLOCK_BYTES``; lines end at
    ``b"\\n"`` only)."""
    pending: list[bytes] = []  # the start of a line that has not ended yet
    with _open(path) as f:
        while chunk := f.read(_BLOCK_BYTES):
            cut = chunk.rfind(b"\n") + 1
            if cut == 0:
                pending.append(chunk)
                continue
            yield b"".join((*pending, chunk[:cut]))
            pending = [chunk[cut:]]
    tail = b"".join(pending)
    if tail:
        yield tail


def _parse_block(data: bytes, path: str, reading: Reading) -> tuple[list[Article | Problem], int, bool]:
    """The records of a block of lines in order, their line numbers counted from the block's
    first line (1); the block's number of lines; whether any line held more than whitespace.
    A line is decoded as :func:`_decode` decodes a file (a BOM is dropped wherever it is)."""
    lines = data.split(b"\n")
    if not lines[-1]:
        lines.pop()  # the block ends with a line break, not with an empty line
    out: list[Article | Problem] = []
    any_text = False
    for lineno, raw in enumerate(lines, start=1):
        line, name = _decode(raw)
        if not line.strip():
            continue
        any_text = True
        for item in _read_jsonl(path, line, reading, lineno):
            if isinstance(item, Article):
                item.encoding = name
                _finish(item, reading)
            out.append(item)
    return out, len(lines), any_text


def _can_fork() -> bool:
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


def _in_processes(func: Any, items: Iterator[Any], args: tuple[Any, ...], workers: int) -> Iterator[Any]:
    """``func(item, *args)`` of each item in the local engine's pool of ``workers`` forked
    processes, in order, a few items in flight at a time (memory holds those, not the whole file)."""
    from .engine.local import LocalEngine  # numpy: loaded only here

    with LocalEngine(workers) as engine:
        yield from engine.map(func, items, *args)


def _read_jsonl(path: str, text: str, reading: Reading, first_line: int = 1) -> Iterator[Article | Problem]:
    # Split on \n only: str.splitlines() would also break on U+2028 etc., which may occur inside strings.
    for lineno, line in enumerate(_split_lines(text), start=first_line):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            yield Problem(
                path,
                f"invalid JSON: {exc.msg} (column {exc.colno})",
                "write one JSON object per line",
                lineno,
            )
            continue
        except RecursionError:
            yield _too_deep(path, lineno)
            continue
        yield _record(path, lineno, obj, _HALF_ESCAPE.search(line) is not None, reading)


def _too_deep(path: str, line: int) -> Problem:
    return Problem(path, "JSON nested too deeply", "write each record as one flat JSON object", line)


def _read_json(path: str, text: str, reading: Reading) -> Iterator[Article | Problem]:
    """A JSON array of records (or one object); anything else is read as JSON Lines."""
    first_line = text.count("\n", 0, len(text) - len(text.lstrip())) + 1
    try:
        doc = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        if not text.lstrip().startswith("["):
            yield from _read_jsonl(path, text, reading)
        elif isinstance(exc, RecursionError):
            yield _too_deep(path, first_line)
        else:
            yield from _salvaged(path, text, reading)
        return
    halves = _HALF_ESCAPE.search(text) is not None
    # An API's or archive's export often wraps its records: {"articles": [{...}, ...], "total": 2},
    # or deeper: {"response": {"status": "ok", "results": [...]}} (the Guardian's).
    wrapped = _records_path(doc, reading) if isinstance(doc, dict) else None
    if isinstance(doc, list) or wrapped is not None:
        at = text.index("[")
        if wrapped is not None:
            at = text.index("{")
            for depth, key in enumerate(wrapped):
                at = _value_at(text, key, at, "[" if depth == len(wrapped) - 1 else "{")
        for lineno, obj in _array_items(text, at):
            yield _record(path, lineno, obj, halves, reading)
    else:
        yield _record(path, first_line, doc, halves, reading)


def _salvaged(path: str, text: str, reading: Reading) -> Iterator[Article | Problem]:
    """The records of a JSON array that is not valid JSON, one by one: a record that cannot be
    read is a problem with its line, and reading goes on at the next record (the next "{" after
    a "}" and a comma), so that one broken record in the middle does not cost the others."""
    decoder = json.JSONDecoder()
    halves = _HALF_ESCAPE.search(text) is not None
    hint = "fix the JSON array or use JSON Lines"
    pos = _skip_ws(text, text.index("[") + 1)
    line, counted = 1, 0
    while pos < len(text) and text[pos] != "]":
        line += text.count("\n", counted, pos)
        counted = pos
        try:
            obj, end = decoder.raw_decode(text, pos)
        except (json.JSONDecodeError, RecursionError) as exc:
            if isinstance(exc, RecursionError):
                yield _too_deep(path, line)
                return
            at = line + text.count("\n", pos, exc.pos)
            nxt = _NEXT_RECORD.search(text, max(exc.pos, pos + 1))
            rest = "the records after it were read" if nxt else "nothing after it was read"
            yield Problem(path, f"invalid JSON: {exc.msg}; a record was not read", f"{hint}; {rest}", at)
            if nxt is None:
                return
            pos = nxt.end() - 1
            continue
        yield _record(path, line, obj, halves, reading)
        pos = _skip_ws(text, end)
        if pos < len(text) and text[pos] == ",":
            pos = _skip_ws(text, pos + 1)
        elif pos < len(text) and text[pos] != "]":
            at = line + text.count("\n", counted, end)  # (the record's last line)
            yield Problem(path, "invalid JSON: a ',' is missing after a record", hint, at)
            if text[pos] == "{":
                continue  # a comma left out between two records: the next one is read
            nxt = _NEXT_RECORD.search(text, pos)
            if nxt is None:
                return
            pos = nxt.end() - 1
    after = _skip_ws(text, pos + 1) if pos < len(text) else pos
    if after < len(text):  # "[...][...]": two arrays, or text after the array
        at = line + text.count("\n", counted, after)
        yield Problem(path, "invalid JSON: text after the array's end was not read", hint, at)


# Where the next record of an array may start: "{" after the "}" of one and a comma.
_NEXT_RECORD = re.compile(r"\}\s*,\s*\{")


def _records_path(doc: dict[str, Any], reading: Reading, depth: int = 0) -> list[str] | None:
    """The keys leading to the one list of objects in a JSON object that is no record itself (it
    has no text field), through objects holding one such path (three deep at most), or None."""
    if depth >= 3 or _field_keys(list(doc), reading.columns).get("text") in doc:
        return None
    lists = [k for k, v in doc.items() if isinstance(v, list) and any(isinstance(x, dict) for x in v)]
    if lists:
        return [lists[0]] if len(lists) == 1 else None
    inner = [
        (k, p) for k, v in doc.items() if isinstance(v, dict) and (p := _records_path(v, reading, depth + 1))
    ]
    return [inner[0][0], *inner[0][1]] if len(inner) == 1 else None


def _value_at(text: str, key: str, at: int, opener: str) -> int:
    """Where the list (``opener`` "[") or object ("{") that is ``key``'s value starts in the valid
    JSON object starting at ``text[at]`` (the first such, where the key is repeated): the values
    before it are skipped, the value itself is not read."""
    decoder = json.JSONDecoder()
    pos = _skip_ws(text, at + 1)
    while True:
        name, pos = decoder.raw_decode(text, pos)
        pos = _skip_ws(text, _skip_ws(text, pos) + 1)  # past the colon
        if name == key and text[pos] == opener:
            return pos
        pos = _skip_ws(text, decoder.raw_decode(text, pos)[1])
        if text[pos] == ",":
            pos = _skip_ws(text, pos + 1)


def _skip_ws(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\n\r":
        pos += 1
    return pos


def _array_items(text: str, at: int) -> Iterator[tuple[int, Any]]:
    """Items of the valid JSON array starting at ``text[at]``, with the line each starts on (for
    Problem messages)."""
    decoder = json.JSONDecoder()
    pos = _skip_ws(text, at + 1)
    line, counted = 1, 0
    while text[pos] != "]":
        obj, end = decoder.raw_decode(text, pos)
        line += text.count("\n", counted, pos)
        counted = pos
        yield line, obj
        pos = _skip_ws(text, end)
        if text[pos] == ",":
            pos = _skip_ws(text, pos + 1)


# A quote that may close a quoted field and is followed by text: the only place where a field
# whose quote was never closed shows, short of the end of the file (see _unterminated).
_TEXT_AFTER_QUOTE = {d: re.compile(f'"[^{re.escape(d)}"\r\n]') for d in ",;\t"}


_LEADING_SPACE = re.compile(r"\s*")


def _delimiter(text: str) -> str:
    """The CSV's delimiter, from its first line that is not blank: a comma, or a semicolon or
    tab where that line has more of them (spreadsheets set to French or German write semicolons);
    the one a line ``sep=;`` names (as Excel writes it) where the file starts with one."""
    start = _LEADING_SPACE.match(text).end()  # type: ignore[union-attr]  # \s* always matches
    end = text.find("\n", start)
    first = text[start : len(text) if end < 0 else end]
    named = _SEP_LINE.fullmatch(first)
    if named:
        return named.group(1)
    counts = {d: first.count(d) for d in ",;\t"}
    return max(counts, key=lambda d: (counts[d], d == ","))


_SEP_LINE = re.compile(r"sep=([,;\t|])\r?")


def _unterminated(
    text: str, start: int, end: int, first: int, last: int, delimiter: str = ","
) -> tuple[str, str] | None:
    """Whether the CSV record ``text[start:end]`` (lines ``first``-``last``) has a quoted field
    that was never closed: one that runs to the end of the file, or on through line breaks to a
    quote that opened a later field. What the message says then, and what was not read."""
    at_end = end == len(text)
    if first == last and not at_end:
        return None  # most records: nothing to look at
    if at_end:
        # Read on with one more line: after a closed record it is a row of its own.
        lines = itertools.chain(io.StringIO(text[start:end], newline=""), ["end\n"])
        if list(csv.reader(lines, delimiter=delimiter))[-1] != ["end"]:
            return "runs to the end of the file", f"the rows from line {first} on were not read"
    hits = _TEXT_AFTER_QUOTE[delimiter].finditer(text, start + 1, end)
    # A quote after a quote is an escaped one. After a delimiter it opens a field, or, below the
    # record's first line, it may close late a field left open above (a broken row before a row
    # with its text quoted): only then is the record read again, strictly.
    first_break = text.find("\n", start, end)
    if first == last or all(
        text[m.start() - 1] == '"' or (m.start() < first_break and text[m.start() - 1] in delimiter)
        for m in hits
    ):
        return None  # no quote that could have closed a field late
    strict = csv.reader(io.StringIO(text[start:end], newline=""), strict=True, delimiter=delimiter)
    try:
        for _ in strict:
            pass
    except csv.Error:
        # Not on the record's first line: there it is a closed quote followed by text, read as before.
        if strict.line_num > 1:
            return f"runs on into line {first + strict.line_num - 1}", f"lines {first}-{last} were not read"
    return None


def _read_csv(path: str, text: str, reading: Reading) -> Iterator[Article | Problem]:
    # Article bodies easily exceed the default 128 KB field limit.
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    lines = io.StringIO(text, newline="")
    delimiter = _delimiter(text)
    reader = csv.reader(lines, delimiter=delimiter)
    record_start = 0
    header: list[str] | None = None
    header_line = 0
    rows = 0  # the records after the header, read or not
    keys: dict[str, str] = {}
    sep_line = _SEP_LINE.fullmatch(text[: text.find("\n") if "\n" in text else len(text)].lstrip("\ufeff"))
    while True:
        start = reader.line_num + 1  # a record may span lines; report where it starts
        try:
            row = next(reader)
        except StopIteration:
            if header is not None and rows == 0:
                yield _no_rows(path, header_line)
            return
        except csv.Error as exc:
            yield Problem(
                path, f"malformed CSV: {exc}", "check quoting; rows after this one were not read", start
            )
            return
        record_end = lines.tell()  # a StringIO's position: characters read
        unterminated = _unterminated(text, record_start, record_end, start, reader.line_num, delimiter)
        record_start = record_end
        if unterminated:
            rows += header is not None
            yield Problem(
                path,
                f"unterminated quote: the quoted field starting on line {start} {unterminated[0]}",
                f'close the quote, and write a quote inside a quoted field as two: ""; {unterminated[1]}',
                start,
            )
            continue
        if not any(cell.strip() for cell in row) or (sep_line and start == 1):
            continue  # (the line naming the delimiter is no header)
        if header is not None and [cell.strip().lstrip("\ufeff") for cell in row] == header:
            continue  # the header again (and its byte order mark): exports joined with `cat`
        if header is None:
            header, header_line = [name.strip() for name in row], start
            keys = _field_keys(header, reading.columns)
            missing = [f"{name}={column}" for name, column in reading.columns if name not in keys]
            if missing:
                yield Problem(
                    path,
                    f"CSV has no column {', '.join(missing)} names",
                    "its columns: " + ", ".join(header),
                    start,
                )
                return
            if "text" not in keys:
                yield Problem(
                    path,
                    "CSV has no 'text' column (nor body, content, ...)",
                    "name the column that holds the article text with --columns text=NAME, or add a header "
                    "row: " + RECORD_HINT,
                    start,
                )
                return
            yield from _header_notices(path, header, keys, reading, start)
            continue
        rows += 1
        if len(row) > len(header):
            fixed = _rejoined(row, header, keys, delimiter, reading)
            where = f"{len(row)} fields where the header has {len(header)}"
            if fixed is None:
                hint = f"quote the fields that hold a {delimiter!r}; the row was not read"
                yield Problem(
                    path, f"{where}: a {delimiter!r} inside a field that is not quoted?", hint, start
                )
                continue
            row = fixed
            yield Notice(
                path,
                f"{where}: the text's unquoted {delimiter!r} were taken as part of it",
                f"quote the fields that hold a {delimiter!r}",
                start,
            )
        yield _record(path, start, dict(zip(header, row, strict=False)), reading=reading, keys=keys)


def _no_rows(path: str, line: int) -> Notice:
    """The warning for a table with a header and no rows: nothing to store, which an ingest that
    ends "ingested 0 article(s)" with no word of why leaves to be guessed."""
    return Notice(
        path,
        "the table has a header but no rows: no articles in it",
        "check that it is the export you meant",
        line,
    )


def _header_notices(
    path: str, header: list[str], keys: dict[str, str], reading: Reading, line: int
) -> Iterator[Notice]:
    """What a table's header leaves in doubt: the date (:func:`_no_date_column`), the outlet
    (:func:`_other_outlet_columns`)."""
    for notice in (
        _no_date_column(path, header, keys, reading, line),
        _other_outlet_columns(path, header, keys, reading, line),
    ):
        if notice is not None:
            yield notice


def _other_outlet_columns(
    path: str, header: list[str], keys: dict[str, str], reading: Reading, line: int
) -> Notice | None:
    """The warning for a table with more than one column named like an outlet ("source" and
    "publisher": the agency and the paper): the first was read, maybe not the one meant, and a
    second ingest naming the other makes other ids (a copy of each article)."""
    if "outlet" not in keys or reading.outlet or any(name == "outlet" for name, _ in reading.columns):
        return None
    names = set(FIELD_NAMES["outlet"])
    others = [h for h in header if h and _key(h) in names and h not in keys.values()]
    if not others:
        return None
    listed = ", ".join(repr(h) for h in others)
    return Notice(
        path,
        f"the outlet was read from column {keys['outlet']!r}; {listed} may name it too",
        f"to read {others[0]!r} instead, ingest into a new store with --columns outlet={others[0]}: ids follow the outlet",
        line,
    )


def _no_date_column(
    path: str, header: list[str], keys: dict[str, str], reading: Reading, line: int
) -> Notice | None:
    """The warning for a table none of whose columns is the date while some are not read: one of
    them may be the date under a name not known (the articles went undated without a word)."""
    unread = [name for name in header if name and name not in keys.values()]
    if "published" in keys or reading.published is not None or not unread:
        return None
    return Notice(
        path,
        f"no column is the date, and {', '.join(map(repr, unread))} not read: its articles are stored undated",
        "if one of them is the date, name it with --columns published=NAME",
        line,
    )


def _rejoined(
    row: list[str], header: list[str], keys: dict[str, str], delimiter: str, reading: Reading
) -> list[str] | None:
    """A row with more fields than its header, as a naive export writes a text holding the
    delimiter unquoted: the text column's field joined with the extra ones after it. None where
    the fields after it do not then fit (a date column that holds no date)."""
    extra = len(row) - len(header)
    at = header.index(keys["text"])
    fixed = [*row[:at], delimiter.join(row[at : at + extra + 1]), *row[at + extra + 1 :]]
    date_key = keys.get("published")
    if date_key is not None and reading.published is None:
        value = fixed[header.index(date_key)].strip()
        if value and _date_or_reason(value, reading.dayfirst)[0] is None and not is_ambiguous(value):
            return None
    return fixed


# --- Word and OpenDocument text -----------------------------------------------------------------


def _read_office(path: str, data: bytes, reading: Reading) -> Iterator[Article | Problem]:
    """A word-processor file as one article (:func:`_document`)."""
    kind = cast(str, file_format(path))
    try:
        title, text = office_read(io.BytesIO(data), kind)
    except OfficeError as exc:
        yield Problem(path, str(exc), f"save it again as {kind}, or as .txt")
        return
    yield _document(path, title, text, "a document with no text", "add the article text, or remove the file")


def _read_pdf(path: str, data: bytes, reading: Reading) -> Iterator[Article | Problem]:
    """A PDF as one article (:func:`_document`), its text page after page."""
    try:
        title, text = pdf_read(data)
    except PdfError as exc:
        yield Problem(path, str(exc), exc.hint)
        return
    yield _document(
        path,
        title,
        text,
        "a PDF with no text (scanned pages?)",
        "run OCR on it first, or pass its text as .txt",
    )


def _document(path: str, title: str | None, text: str, empty: str, hint: str) -> Article | Problem:
    """A file that is one article: its text, and its title (the file's own, else its first line,
    as a text file's); the problem ``empty`` with ``hint`` where it has no text."""
    if not text.strip():
        return Problem(path, empty, hint)
    art = Article(id="", text=text, source_path=path)
    first = next(line.strip() for line in text.splitlines() if line.strip())
    art.title, art.title_source = (title, "document") if title else (first_line_title(first), "first-line")
    return art


# Characters of a title taken from a text's first line at most: a file with no line breaks (a
# flattened page) is one line, and its whole text was its title, in every table and export.
TITLE_MAX = 120
# Fewer characters of whole sentences than this say little ("Nervous?"): the line is cut instead.
TITLE_MIN = 20


def first_line_title(line: str) -> str:
    """A title for a text from its first line: the line where it is short, else its first
    sentences while they are short (and not only a word or two), else the line cut at a word
    before ``TITLE_MAX`` characters with an ellipsis."""
    if len(line) <= TITLE_MAX:
        return line
    head = line[: TITLE_MAX * 4]  # a first line can be megabytes: its first sentences are near its start
    ends = [end for _, end in split_sentences(head) if end < len(head)]  # sentences that end in head
    fits = [end for end in ends if len(head[:end].strip()) <= TITLE_MAX]
    if fits and len(head[: fits[-1]].strip()) >= TITLE_MIN:
        return head[: fits[-1]].strip()
    cut = head[: TITLE_MAX + 1]
    space = cut.rfind(" ", TITLE_MAX // 2)  # a word boundary, unless one word is most of it
    cut = cut[:space] if space > 0 else cut[:TITLE_MAX]
    return cut.rstrip(" ,;:-\u2013\u2014") + "\u2026"


def _read_mail(path: str, data: bytes, reading: Reading) -> Iterator[Article | Problem]:
    """Each message of an e-mail file as a record (from its bytes: each message names its own
    charset)."""
    for line, record in mail_messages(data, cast(str, file_format(path))):
        yield _record(path, line, record, reading=reading, keys=_CANONICAL)


# --- Excel workbooks --------------------------------------------------------------------------


def _read_workbook(path: str, data: bytes, reading: Reading) -> Iterator[Article | Problem]:
    """The records of each worksheet whose first row names a text column (as a CSV's header
    does); sheets without one (a summary, a chart's data) are passed over, unless none has one."""
    found = False
    records = 0
    header_line = 0
    try:
        for _title, rows in sheets(io.BytesIO(data)):
            header: list[str] | None = None
            for number, cells in rows:
                if header is None:
                    if not any(c and c.strip() for c in cells):
                        continue
                    header = [(c or "").strip() for c in cells]
                    keys = _field_keys(header, reading.columns)
                    if "text" not in keys:
                        break
                    if not found:
                        found, header_line = True, number
                    yield from _header_notices(path, header, keys, reading, number)
                    continue
                if any(c and c.strip() for c in cells):
                    records += 1
                    record = {
                        name: cell
                        for name, cell in zip(header, cells, strict=False)
                        if name and cell is not None
                    }
                    yield _record(path, number, record, reading=reading, keys=keys)
    except SheetError as exc:
        yield Problem(path, str(exc), "save it again from Excel as .xlsx, or export it as CSV")
        return
    if found and not records:
        yield _no_rows(path, header_line)
    if not found:
        yield Problem(
            path,
            "no worksheet has a 'text' column (nor body, content, ...) in its first row",
            "name the column that holds the article text with --columns text=NAME: " + RECORD_HINT,
        )


# The formats read from their bytes rather than decoded as text, and their readers.
_BYTES_READERS: dict[str, Callable[[str, bytes, Reading], Iterator[Article | Problem]]] = {
    **dict.fromkeys(SHEET_EXTS, _read_workbook),
    **dict.fromkeys(OFFICE_EXTS, _read_office),
    **dict.fromkeys(PDF_EXTS, _read_pdf),
    **dict.fromkeys(MAIL_EXTS, _read_mail),
}


# --- RSS and Atom ----------------------------------------------------------------------------


def _read_feed(path: str, text: str, reading: Reading) -> Iterator[Article | Problem]:
    try:
        items = feed_records(text)
    except FeedError as exc:
        yield Problem(path, str(exc), "pass an RSS or Atom feed as saved from its address", exc.line)
        return
    if not items:
        yield Problem(path, "a feed with no items", "save the feed when it lists articles")
    for line, record in items:
        yield _record(path, line or 1, record, reading=reading, keys=_CANONICAL)


# --- HTML ------------------------------------------------------------------------------------


_HTML_DATE = "%Y-%m-%dT%H:%M:%S%z"


# The address a browser writes at the top of a page it saved ("Save Page As", Chrome and others).
_SAVED_FROM = re.compile(r"<!--\s*saved from url=\(\d+\)(https?://[^\s>]+?)\s*-->", re.IGNORECASE)


def _saved_from(html: str) -> str | None:
    """The address a saved page came from, where the browser noted it and the page names none:
    its host names the outlet when nothing else does."""
    found = _SAVED_FROM.search(html, 0, 4096)
    return found.group(1) if found else None


def _read_html(path: str, html: str, reading: Reading) -> Iterator[Article | Problem]:
    import trafilatura  # heavy; only needed for HTML input
    from trafilatura.settings import Document

    try:
        doc = trafilatura.bare_extraction(
            html,
            with_metadata=True,
            include_comments=False,
            # Only dates the page states in its metadata: never guess from copyright lines etc.
            # ... with their time of day where they state one (a day alone comes as midnight, no zone).
            date_extraction_params={
                "extensive_search": False,
                "original_date": True,
                "outputformat": _HTML_DATE,
            },
        )
    except Exception as exc:  # noqa: BLE001 - trafilatura/lxml fail in many ways on odd markup
        yield Problem(path, f"cannot parse HTML: {exc}", "check that the file is an HTML page")
        return
    text = doc.text if isinstance(doc, Document) else None
    if not isinstance(doc, Document) or not text or not text.strip():
        yield Problem(
            path, "no article text found in HTML", "save the article page itself, or pass the text as .txt"
        )
        return
    art = Article(id="", text=text, source_path=path)
    art.url = doc.url or _saved_from(html) or None
    # trafilatura falls back to the host name when a page has no site name; that is a "url" outlet.
    if doc.sitename and doc.sitename != doc.hostname:
        art.outlet, art.outlet_source = doc.sitename, "html"
    if doc.title:
        art.title, art.title_source = doc.title, "html"
    stated = doc.date[:10] if doc.date and doc.date.endswith("T00:00:00") else doc.date
    published = parse_date(stated, reading.dayfirst) if stated else None
    if published:
        art.published, art.published_source = published, "html"
    yield _half_pair(art, None) or art  # lxml gives none, as far as known: no store fails if it does


# --- metadata inference ----------------------------------------------------------------------

# An outlet named as a domain ("RadarOnline.com") or as a run of capitalised words ("Daily Star").
# Words such as "The"/"Our" never start or continue a name, so "Meanwhile The Sun" yields "Sun".
_DOMAIN = r"[A-Za-z][\w-]*(?:\.[A-Za-z][\w-]*)*\.[a-z]{2,6}\b"
_WORD = r"(?!(?:The|Our|Your|This|Free|Sign)\b)[A-Z][\w&-]*"
_NAME = rf"(?P<the>(?i:the) )?(?P<name>{_DOMAIN}|{_WORD}(?: {_WORD}){{0,3}})"
# Phrases in which an outlet talks about itself, strongest first, each with a flag "strict": in the
# weaker phrases a capitalised name only counts after "the" ("the Daily Star has learned"), so that
# "Prince Harry has learned" is not taken for an outlet. Credits to other outlets ("told the Sun",
# "obtained by Daily Mail") match none of them.
_SELF_REFERENCES: list[tuple[re.Pattern[str], bool]] = [
    (re.compile(rf"(?i:\bfrom) {_NAME},? (?i:sign up for our newsletter)"), False),
    (re.compile(rf"(?i:\bsign up (?:for|to)) {_NAME}(?:'s)? (?i:newsletter)"), False),
    (re.compile(rf"\b{_NAME} (?i:has|have) (?i:exclusively )?(?i:learned|learnt)"), True),
    (re.compile(rf"(?i:\bas) {_NAME} (?i:previously|first|exclusively) (?i:reported|revealed)"), True),
]


def _outlet_from_text(text: str) -> str | None:
    """The outlet an article names as itself ("RadarOnline.com has learned"), or None."""
    for pattern, strict in _SELF_REFERENCES:
        for m in pattern.finditer(text):
            name = m.group("name")
            if not strict or m.group("the") or re.fullmatch(_DOMAIN, name):
                return name
    return None


def _outlet_from_url(url: str) -> str | None:
    """Host of a URL without ``www.``: ``https://www.dailystar.co.uk/news/x`` -> ``dailystar.co.uk``."""
    try:
        host = urlsplit(url if "//" in url else "//" + url).hostname
    except ValueError:
        return None
    if not host or "." not in host:
        return None
    return host.removeprefix("www.")


def visible(text: str) -> str:
    """``text`` as it reads: invisible characters inside words gone (a soft hyphen, as CMSs put
    them in long German words; a zero-width space; a word joiner; a zero-width non-joiner or
    joiner between Latin letters) and typographic ligatures
    written out ("ﬁ" as "fi", as PDFs and OCR give them): "ﬁnan\u00adcial" matches "financial"."""
    if text.isascii() or _INVISIBLE.search(text) is None:
        return text
    text = _SOFT_HYPHEN_AT_BREAK.sub("-", text).translate(_VISIBLE)
    if "\u200c" in text or "\u200d" in text:
        text = _JOINER_IN_LATIN_WORD.sub("", text)
    return text


_INVISIBLE = re.compile("[\u00ad\u200b-\u200d\u2060\ufeff\ufb00-\ufb06]")
# A zero-width non-joiner or joiner between two Latin letters (a CMS's or a copy-paste's: Latin
# script joins no letters), which made a copied word another word. Persian, the Indic scripts
# and emoji sequences need them: kept there.
_LATIN = "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff"
_JOINER_IN_LATIN_WORD = re.compile(f"(?<=[{_LATIN}\u0300-\u036f])[\u200c\u200d]+(?=[{_LATIN}])")
_SOFT_HYPHEN_AT_BREAK = re.compile("\u00ad(?=[ \t]*[\r\n])")  # a hyphen at a line end: it shows
_VISIBLE = {0xAD: None, 0x200B: None, 0x2060: None, 0xFEFF: None, 0xFB00: "ff", 0xFB01: "fi", 0xFB02: "fl",
            0xFB03: "ffi", 0xFB04: "ffl", 0xFB05: "st", 0xFB06: "st"}  # fmt: skip


def outlet_name(name: str) -> str:
    """An outlet's name as stored: Unicode NFC, each run of whitespace one space, ends stripped, so
    that names that look the same are one outlet. Case is kept ("BBC" and "Bbc" may differ)."""
    return " ".join(unicodedata.normalize("NFC", name).split())


def is_placeholder(outlet: str) -> bool:
    """Whether ``outlet`` is what exports write where they know no outlet ("N/A", "unknown")."""
    return _stated(outlet) is None


def _stated(outlet: str | None) -> str | None:
    """An outlet as an input states it (:func:`outlet_name`), or None for a placeholder that names none."""
    name = None if outlet is None else outlet_name(outlet)
    if name is None or name.strip("()[]<>").casefold() in _PLACEHOLDERS:
        return None
    return name


# What exports and scrapers write where they know no outlet ("N/A", "null", pandas' "nan"):
# taken for a name, they made one outlet of unrelated sites.
_PLACEHOLDERS = frozenset(
    ["", "n/a", "na", "n.a.", "null", "none", "nil", "nan", "undefined", "unknown", "-", "--", "\u2013", "\u2014",
     "?", "not available", "unavailable", "no source", "unknown source"]
)  # fmt: skip


def _one_line_ending(text: str) -> str:
    """``text`` with every line ending "\\n": Windows' "\\r\\n" and old Macs' "\\r" were stored as
    they came, a lone "\\r" shown as "\\x0d" wherever a text is printed."""
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def as_stored(text: str) -> str:
    """A text as ingest stores it, from the text its id is made of: for a text an older tracer
    stored, as this one would (so that ingesting its input again finds the article stored)."""
    return _without_cut_mark(_one_line_ending(visible(text)))


def _finish(art: Article, reading: Reading) -> None:
    """Assign the id from the outlet the input states, apply --outlet/--date, infer a missing outlet."""
    art.outlet = _stated(art.outlet)
    if art.outlet is None:
        art.outlet_source = "unknown"
    stated = art.outlet if art.outlet_source in ("field", "html") else None
    art.stated_outlet = stated_outlet(art.source_path, stated, art.url, art.source_line)
    if not art.id:
        art.id = article_id(art.stated_outlet, art.text)
        if art.outlet_source == "header":
            art.file_outlet = art.outlet
    art.text = _one_line_ending(visible(art.text))  # (after the id: the id an older tracer gave it stays)
    if reading.outlet:
        art.outlet, art.outlet_source = reading.outlet, "option"
    if reading.published:
        art.published, art.published_source = reading.published, "option"
        art.date_problem = None  # the file's unreadable date is replaced
    if not art.outlet and art.url:
        art.outlet = _outlet_from_url(art.url)
        art.outlet_source = "url" if art.outlet else "unknown"
    if not art.outlet:
        art.outlet = _outlet_from_text(art.text)
        art.outlet_source = "text" if art.outlet else "unknown"
