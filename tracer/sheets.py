"""Excel workbooks (``.xlsx``): each worksheet's rows as the rows a CSV file would give.

Journalists keep and trade article lists as spreadsheets; a news monitor's export is often one.
:func:`sheets` reads each worksheet of a workbook, in the workbook's order, as its name and its
rows (a row: its number and its cells as text, ``None`` for an empty cell), for the ingest to read
as it reads CSV: the first row that is not empty names the columns. A cell formatted as a date
holds a number of days since 1899-12-30: it is given as the ISO date (and time) it stands for.

A workbook is a zip of XML parts, read with the standard library's zipfile and lxml, with
entities left unexpanded and no DTD or network (as feeds are), a row at a time: a sheet of
tens of thousands of articles is never one tree in memory. Formulas give their last value as
Excel saved it.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import IO, Any

from .zipxml import iter_elements, open_zip, parse_part

__all__ = ["SheetError", "sheets"]

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"

# A part larger than this is no workbook of articles but a zip bomb (or a workbook tracer should
# not hold): 1 GiB of XML, read a row at a time but its shared strings all held.
MAX_PART_BYTES = 1 << 30

# Excel's columns: A to XFD.
MAX_COLUMNS = 16_384

Row = tuple[int, list[str | None]]


class SheetError(ValueError):
    """The file is not a workbook that can be read."""


def sheets(source: str | IO[bytes]) -> Iterator[tuple[str, Iterator[Row]]]:
    """Each worksheet of the workbook ``source`` (a path or a binary file) as its name and its
    rows, in order; raises :class:`SheetError` for a file that is no readable workbook."""
    with open_zip(source, SheetError, "an Excel workbook (.xlsx)") as book:
        names = set(book.namelist())
        strings = _shared_strings(book) if "xl/sharedStrings.xml" in names else []
        dates = _date_styles(book) if "xl/styles.xml" in names else set()
        for title, part in _worksheets(book, names):
            yield title, _rows(book, part, strings, dates)


def _parse(book: zipfile.ZipFile, part: str) -> Any:
    """The XML part ``part`` as a tree (a small part: the workbook, its relations, its styles)."""
    return parse_part(book, part, MAX_PART_BYTES, SheetError)


def _worksheets(book: zipfile.ZipFile, names: set[str]) -> list[tuple[str, str]]:
    """(title, part) of each worksheet, in the workbook's order."""
    if "xl/workbook.xml" not in names:
        raise SheetError("not an Excel workbook (.xlsx): it has no xl/workbook.xml")
    targets: dict[str, str] = {}
    if "xl/_rels/workbook.xml.rels" in names:
        for rel in _parse(book, "xl/_rels/workbook.xml.rels").iter(f"{_PKG_REL}Relationship"):
            target = rel.get("Target", "")
            # Relative to xl/, or absolute within the package ("/xl/worksheets/sheet1.xml").
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")
            targets[rel.get("Id", "")] = path
    out = []
    for sheet in _parse(book, "xl/workbook.xml").iter(f"{_MAIN}sheet"):
        part = targets.get(sheet.get(f"{_REL}id", ""), "")
        if part in names:  # (a chart sheet or a missing part is no worksheet of rows)
            out.append((sheet.get("name", part), part))
    return out


def _text_of(element: Any) -> str:
    """The text of a string item (``<si>``, ``<is>``): its ``<t>``, or its runs' ``<t>`` joined
    (rich text), phonetic guides (``<rPh>``) left out."""
    return "".join(t.text or "" for t in element.iter(f"{_MAIN}t") if t.getparent().tag != f"{_MAIN}rPh")


def _shared_strings(book: zipfile.ZipFile) -> list[str]:
    out = []
    for si in iter_elements(book, "xl/sharedStrings.xml", f"{_MAIN}si", MAX_PART_BYTES, SheetError):
        out.append(_text_of(si))
        si.clear()
    return out


# Number formats that show a date or time: Excel's built-in ones, and codes with a day, month,
# year or hour outside quotes and brackets ("dd/mm/yyyy", "[$-409]mmmm d, yyyy").
_BUILTIN_DATES = frozenset([*range(14, 23), *range(45, 48)])
_QUOTED = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.')
_DATE_CODE = re.compile(r"[dmyhs]", re.IGNORECASE)


def _date_styles(book: zipfile.ZipFile) -> set[int]:
    """The indexes of the cell styles (``<xf>`` of ``cellXfs``) that show a date."""
    root = _parse(book, "xl/styles.xml")
    custom = {
        _int(fmt.get("numFmtId"), -1): _DATE_CODE.search(_QUOTED.sub("", fmt.get("formatCode", "")))
        is not None
        for fmt in root.iter(f"{_MAIN}numFmt")
    }
    cell_xfs = root.find(f"{_MAIN}cellXfs")
    if cell_xfs is None:
        return set()
    out = set()
    for k, xf in enumerate(cell_xfs.iter(f"{_MAIN}xf")):
        fmt = _int(xf.get("numFmtId"), 0)
        if fmt in _BUILTIN_DATES or custom.get(fmt, False):
            out.add(k)
    return out


_COLUMN = re.compile(r"([A-Z]+)")


def _column(ref: str | None, default: int) -> int:
    """The 0-based column of a cell reference ("B7" -> 1), or ``default`` without one."""
    found = _COLUMN.match(ref or "")
    if found is None:
        return default
    n = 0
    for ch in found.group(1):
        n = n * 26 + ord(ch) - 64
    return n - 1


def _rows(book: zipfile.ZipFile, part: str, strings: list[str], dates: set[int]) -> Iterator[Row]:
    """The rows of the worksheet ``part``: number and cells (missing cells ``None``)."""
    last = 0
    for row in iter_elements(book, part, f"{_MAIN}row", MAX_PART_BYTES, SheetError):
        number = _int(row.get("r"), last + 1)
        last = number
        cells: list[str | None] = []
        for c in row.iter(f"{_MAIN}c"):
            at = _column(c.get("r"), len(cells))
            if at >= MAX_COLUMNS:
                continue  # no sheet has it ("ZZZZZZ1": a hostile reference), and it would fill memory
            cells.extend([None] * (at - len(cells) + 1))
            cells[at] = _value(c, strings, dates)
        row.clear()
        yield number, cells


def _value(cell: Any, strings: list[str], dates: set[int]) -> str | None:
    """A cell's value as text: a shared or inline string, a number (a date, where its style shows
    one), a boolean; ``None`` for an empty cell or an error."""
    kind = cell.get("t", "n")
    if kind == "inlineStr":
        inline = cell.find(f"{_MAIN}is")
        return None if inline is None else _text_of(inline)
    v = cell.find(f"{_MAIN}v")
    raw = None if v is None else v.text
    if raw is None or kind == "e":
        return None
    if kind == "s":
        k = _int(raw, -1)
        return strings[k] if 0 <= k < len(strings) else None
    if kind == "b":
        return "TRUE" if raw == "1" else "FALSE"
    if kind == "n" and _int(cell.get("s"), 0) in dates:
        return _excel_date(raw)
    return raw


def _int(value: str | None, default: int) -> int:
    """An attribute's number, or ``default`` where it has none or another value (a hostile file)."""
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def _excel_date(raw: str) -> str:
    """A date cell's number (days since 1899-12-30, the time as a fraction) as an ISO date or
    date-time (the number itself where it is none)."""
    try:
        days = float(raw)
        # To the nearest second: 14:30 is kept as 0.6041666..., a hair under it.
        moment = datetime(1899, 12, 30) + timedelta(seconds=round(days * 86400))
    except (ValueError, OverflowError):
        return raw
    if days == int(days):
        return moment.date().isoformat()
    return moment.isoformat()
