"""Word and OpenDocument text files (``.docx``, ``.odt``): a press release or a story as its text.

Churnalism starts from press releases, and they travel as word-processor files. :func:`read`
gives such a file's title (its properties' title, where set) and its text: each paragraph
(headings and table cells too) on lines of its own, a blank line between paragraphs, as a plain
text file would hold it. Headers, footers, comments and tracked deletions are left out. The date
a file was created or saved is not its publication date, and is not read.

Both formats are zips of XML parts, read with the standard library's zipfile and lxml, with
entities left unexpanded and no DTD or network, as feeds and workbooks are.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from typing import IO, Any

from .zipxml import open_zip, parse_part

__all__ = ["OfficeError", "read"]

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_DC_TITLE = "{http://purl.org/dc/elements/1.1/}title"

# A part larger than this is no document of news but a zip bomb: 256 MiB of XML, parsed whole
# (a tree takes several times its text).
MAX_PART_BYTES = 256 << 20


class OfficeError(ValueError):
    """The file is not a document that can be read."""


def read(source: str | IO[bytes], kind: str) -> tuple[str | None, str]:
    """The title (None where its properties have none) and text of the ``.docx`` or ``.odt``
    (``kind``) file ``source``; raises :class:`OfficeError` for a file that is none."""
    body, meta = (
        ("word/document.xml", "docProps/core.xml") if kind == ".docx" else ("content.xml", "meta.xml")
    )
    with open_zip(source, OfficeError, f"a {kind} document") as book:
        names = set(book.namelist())
        if body not in names:
            raise OfficeError(f"not a {kind} document: it has no {body}")
        root = _parse(book, body)
        paragraphs = _docx_paragraphs(root) if kind == ".docx" else _odt_paragraphs(root)
        text = "\n\n".join(p for p in paragraphs if p.strip())
        title = None
        if meta in names:
            found = _parse(book, meta).find(f".//{_DC_TITLE}")
            title = " ".join((found.text or "").split()) if found is not None else None
    return title or None, text


def _parse(book: zipfile.ZipFile, part: str) -> Any:
    return parse_part(book, part, MAX_PART_BYTES, OfficeError)


def _docx_paragraphs(root: Any) -> Iterator[str]:
    """The text of each ``<w:p>`` of a Word body, in order (those inside tables too): runs' text,
    tabs and line breaks; deleted text (tracked changes) left out."""
    for p in root.iter(f"{_W}p"):
        if any(a.tag == f"{_W}p" for a in p.iterancestors()):
            continue  # (a text box's paragraph: its text is its holder's)
        parts = []
        for el in p.iter(f"{_W}t", f"{_W}tab", f"{_W}br", f"{_W}cr"):
            if el.tag == f"{_W}t":
                parts.append(el.text or "")
            else:
                parts.append("\t" if el.tag == f"{_W}tab" else "\n")
        yield "".join(parts)


def _odt_paragraphs(root: Any) -> Iterator[str]:
    """The text of each paragraph and heading (``<text:p>``, ``<text:h>``) of an OpenDocument
    body, in order, notes' text left out: spans', spaces (``<text:s c="n">``), tabs, line breaks."""
    for p in root.iter(f"{_TEXT}p", f"{_TEXT}h"):
        if any(a.tag == f"{_TEXT}note" for a in p.iterancestors()):
            continue
        if any(a.tag in (f"{_TEXT}p", f"{_TEXT}h") for a in p.iterancestors()):
            continue  # (a paragraph inside another's frame: its own entry)
        yield "".join(_odt_text(p))


def _odt_text(el: Any) -> Iterator[str]:
    if el.text:
        yield el.text
    for child in el:
        tag = child.tag
        if tag == f"{_TEXT}s":
            count = child.get(f"{_TEXT}c", "1")
            yield " " * (min(int(count), 1000) if count.isdigit() else 1)
        elif tag == f"{_TEXT}tab":
            yield "\t"
        elif tag == f"{_TEXT}line-break":
            yield "\n"
        elif tag != f"{_TEXT}note":
            yield from _odt_text(child)
        if child.tail:
            yield child.tail
