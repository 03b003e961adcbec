"""Render rows as a table, JSON, JSON Lines or CSV (library side: returns strings)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Sequence
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


def _csv_safe(text: str) -> str:
    # Spreadsheet programs run cells starting with these as formulas: never trust article text.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def render(rows: Sequence[dict[str, Any]], fmt: str, columns: Sequence[str] | None = None,
           widths: dict[str, int] | None = None) -> Iterator[str]:  # fmt: skip
    """Yield the rendered output in chunks (each ends with a newline)."""
    if fmt == "json":
        yield json.dumps(list(rows), ensure_ascii=False, indent=2) + "\n"
    elif fmt == "jsonl":
        for row in rows:
            yield json.dumps(row, ensure_ascii=False) + "\n"
    elif fmt == "csv":
        cols = list(columns or (rows[0].keys() if rows else []))
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(cols)
        for row in rows:
            writer.writerow([_csv_safe(_cell(row.get(c))) for c in cols])
        yield buf.getvalue()
    elif fmt == "table":
        yield from table(rows, columns, widths)
    else:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")


def table(rows: Sequence[dict[str, Any]], columns: Sequence[str] | None = None,
          widths: dict[str, int] | None = None) -> Iterator[str]:  # fmt: skip
    """A plain-text table; long cells are cut to ``widths[column]`` characters."""
    cols = list(columns or (rows[0].keys() if rows else []))
    limits = widths or {}
    cells = [[_shorten(" ".join(_cell(r.get(c)).split()), limits.get(c, 60)) for c in cols] for r in rows]
    size = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(cols)]
    yield "  ".join(c.ljust(size[i]) for i, c in enumerate(cols)).rstrip() + "\n"
    yield "  ".join("-" * size[i] for i in range(len(cols))) + "\n"
    for row in cells:
        yield "  ".join(v.ljust(size[i]) for i, v in enumerate(row)).rstrip() + "\n"


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(limit - 1, 1)] + "\u2026"
