"""Zips of XML parts (Excel workbooks, Word and OpenDocument files), opened and parsed safely.

Entities are left unexpanded and no DTD or network is used, as for feeds: a hostile part's
entities (a "billion laughs", an external file) stay text. A part is refused where it unpacks to
more than the caller's bound: a zip of a megabyte may unpack to gigabytes. Every failure is the
caller's error class, with what went wrong.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from typing import IO, Any

__all__ = ["iter_elements", "open_zip", "parse_part"]


def open_zip(source: str | IO[bytes], error: type[Exception], what: str) -> zipfile.ZipFile:
    """The zip ``source`` (a path or a binary file); ``error`` "not ``what``: ..." if it is none."""
    try:
        return zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as exc:
        raise error(f"not {what}: {exc}") from None


def parse_part(book: zipfile.ZipFile, part: str, limit: int, error: type[Exception]) -> Any:
    """The XML part ``part`` as a tree (a part read whole: mind ``limit``, in bytes unpacked)."""
    from lxml import etree  # (a dependency of trafilatura's, which HTML input needs)

    _check_size(book, part, limit, error)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)
    try:
        return etree.fromstring(book.read(part), parser)
    except etree.XMLSyntaxError as exc:
        raise error(f"{part} is not well-formed XML: {exc}") from None


def iter_elements(
    book: zipfile.ZipFile, part: str, tag: str, limit: int, error: type[Exception]
) -> Iterator[Any]:
    """Each ``tag`` element of the XML part ``part`` as it is read, a large part never whole in
    memory (the caller clears each element it is done with)."""
    from lxml import etree

    _check_size(book, part, limit, error)
    with book.open(part) as f:
        found = etree.iterparse(
            f, tag=tag, resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True
        )
        try:
            for _, element in found:
                yield element
        except etree.XMLSyntaxError as exc:
            raise error(f"{part} is not well-formed XML: {exc}") from None


def _check_size(book: zipfile.ZipFile, part: str, limit: int, error: type[Exception]) -> None:
    size = book.getinfo(part).file_size
    if size > limit:
        raise error(f"{part} unpacks to more than {limit >> 20:,} MiB")
