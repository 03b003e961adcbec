"""Render rows as a table, JSON, JSON Lines or CSV (library side: returns strings).

Article text, titles, outlets and file names are untrusted. CSV cells never start like a
formula (``csv_text``) and every record stays one record; text meant for a terminal has its
control characters and bidi overrides shown as escapes (``for_terminal``). JSON stays exact.
"""

from __future__ import annotations

import csv
import itertools
import json
import numbers
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

FORMATS = ("table", "json", "jsonl", "csv")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return (
            "-".join(str(v) for v in value) if all(isinstance(v, int) for v in value) else json.dumps(value)
        )
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


# A spreadsheet runs a cell starting with one of these as a formula (OWASP, CSV Injection); some
# also after leading spaces, and Excel in CJK locales takes the fullwidth forms too.
_FORMULA_CHARS = tuple("=+-@\uff1d\uff0b\uff0d\uff20")
_FORMULA_START = (*_FORMULA_CHARS, "\t", "\r", "\n", "\x00")


def csv_text(text: str) -> str:
    """``text`` for a CSV cell that a spreadsheet shows as text: a leading ``'`` if it could run."""
    if text.startswith(_FORMULA_START) or text.lstrip().startswith(_FORMULA_CHARS):
        return "'" + text
    return text


def csv_lines(rows: Iterable[Iterable[Any]], text: Callable[[Any], str] = _cell) -> Iterator[str]:
    """CSV records (without line ends): ``text(value)`` per cell, made safe unless it is a number.

    Numbers are written as they are (-0.5 is the number -0.5 to a spreadsheet, not a formula, and
    a quote would make it text that does not sum); every other cell goes through ``csv_text``.
    """
    # "\r\n" as the terminator makes the writer quote cells holding either character: with "\n"
    # it left a lone "\r" bare, and readers split the record there.
    writer = csv.writer(_Echo(), lineterminator="\r\n")
    for row in rows:
        values = row if isinstance(row, list) else list(row)
        cells = [text(value) for value in values]
        for i, cell in enumerate(cells):
            if cell.startswith(_FORMULA_START) or cell[:1].isspace():  # else nothing to check
                cells[i] = cell if isinstance(values[i], numbers.Real) else csv_text(cell)
        yield writer.writerow(cells)[:-2]


class _Echo:
    """A file for ``csv.writer`` that hands each record back: ``writerow`` returns ``write``'s result."""

    @staticmethod
    def write(line: str) -> str:
        return line


# C0 controls but tab and line feed, a carriage return not ending a line, DEL, C1 controls (U+009B
# is a CSI on its own) and bidi embeddings, overrides and isolates: they would move the cursor,
# retitle the window or reorder what the reader sees.
_NOT_FOR_TERMINAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]|\r(?!\n)")


def for_terminal(text: str) -> str:
    """``text`` with the characters a terminal would act on written as escapes (``\\x1b``)."""
    return _NOT_FOR_TERMINAL.sub(_escape, text)


def _escape(found: re.Match[str]) -> str:
    code = ord(found.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


# Rows of a table laid out at once: its columns are as wide as the widest cell among the first
# this many rows, and later rows are padded to those widths (a longer cell widens its line).
TABLE_ROWS = 1000


def render(rows: Iterable[dict[str, Any]], fmt: str, columns: Sequence[str] | None = None,
           widths: dict[str, int] | None = None) -> Iterator[str]:  # fmt: skip
    """Yield the rendered output in chunks (each ends with a newline), reading ``rows`` as it
    goes: any number of rows is written in the memory of one (a table: of ``TABLE_ROWS``)."""
    it = iter(rows)
    if fmt == "json":  # a JSON array, a row at a time, as json.dumps(rows, indent=2) writes it
        first = next(it, None)
        if first is None:
            yield "[]\n"
            return
        yield "[\n" + _indented(first)
        for row in it:
            yield ",\n" + _indented(row)
        yield "\n]\n"
    elif fmt == "jsonl":
        for row in it:
            yield json.dumps(row, ensure_ascii=False) + "\n"
    elif fmt == "csv":
        first = next(it, None)
        cols = list(columns or (first.keys() if first is not None else []))
        head = [] if first is None else [first]
        for record in csv_lines(
            itertools.chain([cols], ([row.get(c) for c in cols] for row in itertools.chain(head, it)))
        ):
            yield record + "\n"
    elif fmt == "table":
        yield from table(it, columns, widths)
    else:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")


def _indented(row: Any) -> str:
    """``row`` as an element of a JSON array written with ``indent=2``."""
    return "\n".join("  " + line for line in json.dumps(row, ensure_ascii=False, indent=2).split("\n"))


def table(rows: Iterable[dict[str, Any]], columns: Sequence[str] | None = None,
          widths: dict[str, int] | None = None) -> Iterator[str]:  # fmt: skip
    """A plain-text table for a terminal; long cells are cut to ``widths[column]`` characters."""
    it = iter(rows)
    block = list(itertools.islice(it, TABLE_ROWS))
    keys = list(columns or (block[0].keys() if block else []))
    cols = [for_terminal(str(c)) for c in keys]
    limits = widths or {}

    def cells_of(part: list[dict[str, Any]]) -> list[list[str]]:
        return [[_shorten(for_terminal(" ".join(_cell(r.get(c)).split())), limits.get(c, 60)) for c in keys]
                for r in part]  # fmt: skip

    cells = cells_of(block)
    size = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(cols)]
    yield "  ".join(c.ljust(size[i]) for i, c in enumerate(cols)).rstrip() + "\n"
    yield "  ".join("-" * size[i] for i in range(len(cols))) + "\n"
    while cells:
        for row in cells:
            yield "  ".join(v.ljust(size[i]) for i, v in enumerate(row)).rstrip() + "\n"
        cells = cells_of(list(itertools.islice(it, TABLE_ROWS)))


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(limit - 1, 1)] + "\u2026"
