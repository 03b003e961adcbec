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


# Rows of a table laid out at once: its columns are sized from the first this many rows, and
# later rows are cut to those sizes (so any number of rows is written in bounded memory).
TABLE_ROWS = 1000
# A text column given fewer characters than this is unreadable inline: text columns then go on
# lines of their own under each row, as wide as the terminal.
MIN_INLINE = 24
# The least a fixed column is cut to when the fixed columns alone are wider than the terminal.
MIN_COLUMN = 6
_BELOW_INDENT = "    "


def render(rows: Iterable[dict[str, Any]], fmt: str, columns: Sequence[str] | None = None,
           widths: dict[str, int] | None = None, width: int | None = None,
           optional: Sequence[str] = ()) -> Iterator[str]:  # fmt: skip
    """Yield the rendered output in chunks (each ends with a newline), reading ``rows`` as it
    goes: any number of rows is written in the memory of one (a table: of ``TABLE_ROWS``).
    ``widths``, ``width`` and ``optional`` shape a table only (see :func:`table`); data formats
    stay exact."""
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
        yield from table(it, columns, widths, width, optional)
    else:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")


def _indented(row: Any) -> str:
    """``row`` as an element of a JSON array written with ``indent=2``."""
    return "\n".join("  " + line for line in json.dumps(row, ensure_ascii=False, indent=2).split("\n"))


# Table headers shorter than the data's field names (CSV and JSON keep the names).
TABLE_HEADERS = {
    "lag_days": "lag", "median_lag_days": "median_lag", "confidence": "conf",
    "share_credited": "credited", "parent_outlet": "parent", "origin_outlet": "origin",
    "source_outlet": "source", "echo_outlet": "echo", "article_id": "article",
}  # fmt: skip


def table(rows: Iterable[dict[str, Any]], columns: Sequence[str] | None = None,
          widths: dict[str, int] | None = None, width: int | None = None,
          optional: Sequence[str] = ()) -> Iterator[str]:  # fmt: skip
    """A plain-text table for a terminal, one line a row (text cells cut with an ellipsis).

    ``widths`` names the text columns. Without ``width`` each is cut to ``widths[column]``
    characters (other cells to 60). With ``width`` (the terminal's columns) every line fits it:
    ``optional`` columns are left out, last first, while the others are too wide; the text
    columns share what the others leave, or, where that is under ``MIN_INLINE`` characters,
    each goes on a line of its own under its row."""
    it = iter(rows)
    block = list(itertools.islice(it, TABLE_ROWS))
    keys = list(columns or (block[0].keys() if block else []))
    heads = [for_terminal(TABLE_HEADERS.get(str(c), str(c))) for c in keys]
    flex = [c in (widths or {}) for c in keys]
    caps = [(widths or {}).get(c, 60) for c in keys]
    cells = _cells_of(block, keys)
    natural = [max([len(h)] + [len(row[i]) for row in cells]) for i, h in enumerate(heads)]
    shown = list(range(len(keys)))
    if width is None:
        size, below = [min(n, cap) for n, cap in zip(natural, caps, strict=True)], False
    else:
        shown = _droppable(natural, flex, [c in optional for c in keys], width)
        size, below = natural[:], False
        fitted, below = _layout([natural[i] for i in shown], [flex[i] for i in shown], width)
        for i, n in zip(shown, fitted, strict=True):
            size[i] = n
    inline = [i for i in shown if not (below and flex[i])]
    under = [i for i in shown if below and flex[i]]
    line_room = max((width or 0) - len(_BELOW_INDENT), MIN_INLINE)
    yield _line([_shorten(heads[i], size[i]).ljust(size[i]) for i in inline])
    yield "  ".join("-" * size[i] for i in inline) + "\n"
    while cells:
        for row in cells:
            yield _line([_shorten(row[i], size[i]).ljust(size[i]) for i in inline])
            for i in under:
                if row[i]:
                    label = f"{heads[i]}: " if len(under) > 1 else ""
                    yield _BELOW_INDENT + _shorten(label + row[i], line_room) + "\n"
        cells = _cells_of(list(itertools.islice(it, TABLE_ROWS)), keys)


def _cells_of(part: list[dict[str, Any]], keys: list[str]) -> list[list[str]]:
    """Each row's cells as one line of terminal-safe text (whitespace runs made one space)."""
    return [[for_terminal(" ".join(table_cell(r.get(c), c).split())) for c in keys] for r in part]


def _line(cells: list[str]) -> str:
    return "  ".join(cells).rstrip() + "\n"


def _droppable(natural: list[int], flex: list[bool], optional: list[bool], width: int) -> list[int]:
    """The columns kept: optional ones go, last first, while the fixed columns exceed ``width``."""
    kept = list(range(len(natural)))
    for i in reversed([i for i, o in enumerate(optional) if o]):
        fixed = [natural[j] for j in kept if not flex[j]]
        if sum(fixed) + 2 * (len(fixed) - 1) <= width:
            break
        kept.remove(i)
    return kept


def _layout(natural: list[int], flex: list[bool], width: int) -> tuple[list[int], bool]:
    """Column sizes for lines of at most ``width`` characters, and whether the text columns go
    under their rows: fixed columns keep their size where they can, text columns share the rest."""
    fixed = [n for n, f in zip(natural, flex, strict=True) if not f]
    texts = [n for n, f in zip(natural, flex, strict=True) if f]
    fixed_room = width - 2 * max(len(fixed) - 1, 0)
    text_room = width - sum(fixed) - 2 * (len(natural) - 1)
    if texts and text_room >= min(sum(texts), MIN_INLINE * len(texts)):
        fitted = iter(_share(texts, text_room, [MIN_INLINE] * len(texts)))
        fixed_it = iter(fixed)
        return [next(fitted) if f else next(fixed_it) for f in flex], False
    fitted = iter(_share(fixed, fixed_room, [MIN_COLUMN] * len(fixed)))
    return [0 if f else next(fitted) for f in flex], bool(texts)


def _share(natural: list[int], room: int, least: list[int]) -> list[int]:
    """Sizes that add up to at most ``room`` (unless ``least`` forbids): the widest are cut first,
    to one common cap (never under ``least``, never over a column's own size), so narrow
    columns keep their whole cells."""
    if sum(natural) <= room:
        return list(natural)
    cap = max(natural)
    while cap > 1 and sum(min(n, max(cap, lo)) for n, lo in zip(natural, least, strict=True)) > room:
        cap -= 1
    return [min(n, max(cap, lo)) for n, lo in zip(natural, least, strict=True)]


# Columns whose values read alike in every table (CSV and JSON keep the stored values).
_DATE_COLUMNS = frozenset({"published", "first_seen", "last_seen"})


def table_cell(value: Any, column: str = "") -> str:
    """A value as a table shows it: yes/no, days without trailing zeros, shares as percentages,
    dates as ``YYYY-MM-DD`` (``YYYY-MM-DD HH:MM`` with a time of day, in UTC), ``undated`` and
    ``unknown`` for a missing date or outlet."""
    if value is None:
        if column in _DATE_COLUMNS or column.endswith("_published"):
            return "undated"
        return "unknown" if column == "outlet" or column.endswith("_outlet") else ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)) and column.endswith("lag_days"):
        return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"
    if isinstance(value, (int, float)) and column.startswith("share_"):
        return f"{value:.0%}"
    if isinstance(value, str) and (column in _DATE_COLUMNS or column.endswith("_published")):
        return _date_cell(value)
    return _cell(value)


def outlet_day(outlet: str | None, published: str | None) -> str:
    """An article as a table names it: its day and outlet (``2023-02-01 Daily Star``); the day
    first, so that a narrow column cuts the outlet's name rather than the date."""
    return f"{table_cell(published, 'published')} {table_cell(outlet, 'outlet')}"


def _date_cell(value: str) -> str:
    """``2024-03-01T09:30:00+00:00`` as ``2024-03-01 09:30``; a day alone stays as it is."""
    if len(value) >= 16 and value[10] == "T":
        return f"{value[:10]} {value[11:16]}"
    return value


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(limit - 1, 1)] + "\u2026"
