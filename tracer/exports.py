"""Text files that hold many articles: the exports of news archives (Nexis Uni, Factiva).

A newsroom's archive exports a search as one text file, article after article, each with a head
of its own (title, publication, date, length) and an end mark: Nexis Uni's "End of Document",
Factiva's "Document <id>". Read as one article, such a file would be all its articles in one.
:func:`documents` finds the articles of such a file; any other text is not one (None).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from tracer.dates import DateError, normalise

__all__ = ["Document", "documents"]


@dataclass(frozen=True)
class Document:
    """One article of an export: its body's span in the file's text, and its head's values."""

    line: int  # where its head starts (1-based)
    start: int
    end: int
    title: str | None
    outlet: str | None
    date: str | None  # as printed, weekday left out


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n|$)")
_NEXIS_END = "End of Document"
_FACTIVA_END = re.compile(r"Document [A-Za-z0-9]{16,}")
_WORDS = re.compile(r"(?:Length: )?\d[\d,.]*\s+words", re.IGNORECASE)
_FIELD = re.compile(r"[A-Z][A-Za-z-]*(?: [A-Za-z-]+)?:\s")  # "Section: ...", "Load-Date: ..."
# Lines after a Nexis body: its end.
_NEXIS_TAIL = re.compile(r"(?:Classification|Graphic|Notes|(?:Load-Date|Language|Publication-Type):.*)")
_WEEKDAY = re.compile(
    r"(?<=\d{4})\s+(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b", re.IGNORECASE
)
_DATE_LIKE = re.compile(r".*\b(?:1[89]|20)\d{2}\b.*")
_TIME = re.compile(r"\d{1,2}:\d{2}(?:\s*[AP]M)?(?:\s+[A-Z]{2,4})?", re.IGNORECASE)
_COPYRIGHT = re.compile(r"(?:©|\(c\)|copyright\b)", re.IGNORECASE)
# Factiva's head ends with the source's code ("DAIEXP"), the language and the copyright line.
_HEAD_END = re.compile(r"[A-Z0-9]{2,12}|[A-Z][a-z]{3,11}|(?i:©|\(c\)|copyright\b).*")


Lines = list[tuple[int, int, str]]  # each line's content's start and end, and the content


def _lines(text: str) -> Lines:
    """Each line's content, stripped, with where it starts and ends in ``text``."""
    out = []
    pos = 0
    while pos < len(text):
        m = _LINE.match(text, pos)
        assert m is not None  # the pattern matches at every position
        raw = m.group()
        content = raw.strip()
        start = pos + len(raw) - len(raw.lstrip())
        out.append((start, start + len(content), content))
        pos = m.end()
    return out


def documents(text: str) -> list[Document] | None:
    """The articles of a Nexis Uni or Factiva text export, in order; None if ``text`` is none."""
    if _NEXIS_END not in text and "Document " not in text:
        return None  # (most texts: no line is looked at)
    lines = _lines(text)
    nexis = [k for k, (_, _, s) in enumerate(lines) if s == _NEXIS_END]
    if nexis:
        return [d for d in _parts(lines, nexis, _nexis) if d is not None]
    factiva = [k for k, (_, _, s) in enumerate(lines) if _FACTIVA_END.fullmatch(s)]
    if factiva and _words_line(lines, _first(lines, 0, factiva[0]), factiva[0]) is not None:
        return [d for d in _parts(lines, factiva, _factiva) if d is not None]
    return None


def _parts(
    lines: Lines, ends: list[int], read: Callable[[Lines, int, int], Document | None]
) -> list[Document | None]:
    """Each document read from the lines before each end mark, and from those after the last
    (an export cut short, its last article without its mark: read, not lost)."""
    starts = [0, *(k + 1 for k in ends)]
    return [read(lines, lo, hi) for lo, hi in zip(starts, [*ends, len(lines)], strict=True)]


def _first(lines: Lines, lo: int, hi: int) -> int:
    """The first non-blank line from ``lo`` (``hi`` if none)."""
    while lo < hi and not lines[lo][2]:
        lo += 1
    return lo


def _date(line: str) -> str | None:
    """The line, weekday left out, where it is a date (with a time perhaps) and nothing else."""
    if len(line) > _DATE_MAX or not _DATE_LIKE.fullmatch(line) or _FIELD.match(line):
        return None
    value = _WEEKDAY.sub("", line)
    try:
        normalise(value)
    except DateError:
        return None
    return value


_DATE_MAX = 60


def _nexis(lines: Lines, lo: int, hi: int) -> Document | None:
    """Title, publication, date line, fields ("Length: 523 words"), "Body", the body, fields."""
    top = _first(lines, lo, hi)
    if top >= hi:
        return None
    body = next((k for k in range(top, hi) if lines[k][2] == "Body"), None)
    head = [s for _, _, s in lines[top : body if body is not None else top + 1] if s]
    title = head[0] if head else None
    date = next((d for s in head[1:] if (d := _date(s))), None)
    outlet = next(
        (s for s in head[1:] if not _date(s) and not _FIELD.match(s) and not _COPYRIGHT.match(s)), None
    )
    # With no "Body" line, the body starts after the head's last date, field or copyright line.
    first = (
        body + 1
        if body is not None
        else 1 + max((k for k in range(top, min(top + _HEAD_MAX, hi)) if _in_head(lines[k][2])), default=top)
    )
    last = next((k for k in range(first, hi) if _NEXIS_TAIL.fullmatch(lines[k][2])), hi)
    if date is None:  # "Load-Date: November 28, 2022" after the body
        load = next((s for _, _, s in lines[last:hi] if s.startswith("Load-Date:")), None)
        date = load.split(":", 1)[1].strip() if load else None
    return _document(lines, top, first, last, title, outlet, date)


def _in_head(line: str) -> bool:
    return bool(line) and (
        _date(line) is not None or bool(_FIELD.match(line)) or bool(_COPYRIGHT.match(line))
    )


_HEAD_MAX = 16  # lines of a Nexis head at most


def _factiva(lines: Lines, lo: int, hi: int) -> Document | None:
    """Title, "By ...", "523 words", date, time, source name, code, language, copyright, body."""
    top = _first(lines, lo, hi)
    if top >= hi:
        return None
    words = _words_line(lines, top, hi)
    if words is None:  # a head not read: the text is all there is, none of it left out
        return _document(lines, top, top, hi, lines[top][2], None, None)
    title = next((s for _, _, s in lines[top:words] if s and not s.startswith("By ")), None)
    k = words + 1
    date = _date(lines[k][2]) if k < hi else None
    k += date is not None
    while k < hi and _TIME.fullmatch(lines[k][2]):
        k += 1
    outlet = (lines[k][2] or None) if k < hi else None
    # The source's code, the language and the copyright line end the head.
    first = k + 1
    while first < hi and (not lines[first][2] or _HEAD_END.fullmatch(lines[first][2])):
        first += 1
    return _document(lines, top, first, hi, title, outlet, date)


def _words_line(lines: Lines, top: int, hi: int) -> int | None:
    """Where a Factiva head starting at ``top`` says its length ("523 words"), if it does."""
    return next((k for k in range(top, min(top + 6, hi)) if _WORDS.fullmatch(lines[k][2])), None)


def _document(
    lines: Lines,
    top: int,
    first: int,
    last: int,
    title: str | None,
    outlet: str | None,
    date: str | None,
) -> Document:
    """The body is lines ``[first, last)`` less blank ones at either end (empty: none)."""
    first = _first(lines, first, last)
    while last > first and not lines[last - 1][2]:
        last -= 1
    start = lines[first][0] if first < last else lines[top][0]
    end = lines[last - 1][1] if first < last else start
    return Document(top + 1, start, end, title, outlet, date)
