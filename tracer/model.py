"""Plain records passed between stages."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Article:
    """One news article as ingested.

    ``text`` is kept as decoded, less what does not show (soft hyphens...) and with every line
    ending "\\n": every span offset points into it. ``*_source`` fields say how a metadata value
    was obtained, e.g. ``"option"`` (``--outlet``/``--date``), ``"field"`` (JSONL/CSV column),
    ``"header"`` (``outlet:`` line in a .txt), ``"dateline"`` (``date 2023-09-13 ...``),
    ``"url"`` (host of the URL), ``"html"`` (HTML metadata), ``"text"`` (a
    self-reference such as "RadarOnline.com has learned"), ``"first-line"``, ``"document"``
    (a Word or OpenDocument file's properties), ``"edit"`` (``tracer edit``), or ``"unknown"``
    when the value is missing.
    """

    id: str
    text: str
    outlet: str | None = None
    outlet_source: str = "unknown"
    published: str | None = None  # ISO 8601 date or date-time; None = unknown, never invented
    published_source: str = "unknown"
    title: str | None = None
    title_source: str = "unknown"
    url: str | None = None
    source_path: str = ""
    source_line: int | None = None
    encoding: str = "utf-8"
    # Why a date the input gave was not read, and on which line (not stored: a warning at ingest)
    date_problem: tuple[str, int | None] | None = None
    # The date as the input wrote it and where ("field", "header"): not stored; the file's other
    # dates may tell how to read it ("07/03/2024" in a file that also has "25/03/2024")
    date_written: tuple[str, str] | None = None
    # The outlet the input states, which an id is made of (not stored: an id another text or
    # outlet has taken is replaced by one made of it)
    stated_outlet: str | None = None
    # The outlet a text file's header line names, its id made of its text alone (the header may
    # be corrected): the same text in another file under another outlet is another article
    file_outlet: str | None = None


def outlet_label(outlet: str | None, article_id: str) -> str:
    """An article's outlet, or for one whose outlet is unknown a name of its own: two articles of
    unknown outlet are not one outlet, and are never drawn or counted as one."""
    return outlet if outlet is not None else f"unknown ({article_id[:8]})"


@dataclass(frozen=True)
class Problem:
    """An input that was skipped, with where and what to do."""

    path: str
    message: str
    hint: str = ""
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        text = f"{where}: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text


@dataclass(frozen=True)
class Notice(Problem):
    """An input read with something put right, with where and what: a warning, not a skip."""
