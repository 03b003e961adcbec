"""RSS and Atom feeds: a site's or a news monitor's items as article records.

:func:`records` gives each item as the record a JSON file would hold (``id``, ``title``, ``text``,
``url``, ``published``, ``outlet``), with the line it starts on, for the ingest to read as it
reads JSON: a body in HTML is read as the text it shows, dates in the feeds' forms. The outlet is
the item's ``<source>`` (aggregators such as news monitors name the paper there), else the feed's
title.

Feeds are read by lxml with entities left unexpanded and no DTD or network: a hostile file's
entities (a "billion laughs", an external file) are text, not expanded or fetched.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["FeedError", "records"]

_ATOM = "{http://www.w3.org/2005/Atom}"
_RSS1 = "{http://purl.org/rss/1.0/}"
_CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"
_DC_DATE = "{http://purl.org/dc/elements/1.1/}date"


_BARE_AMPERSAND = re.compile(rb"&(?!#[0-9]+;|#[xX][0-9a-fA-F]+;|[A-Za-z_][\w.-]*;)")


class FeedError(ValueError):
    """The file is not a feed that can be read; ``line`` where the reading stopped, if known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


def records(text: str) -> list[tuple[int | None, dict[str, Any]]]:
    """Each item of the feed ``text`` as ``(line, record)``; raises :class:`FeedError`."""
    from lxml import etree  # (a dependency of trafilatura's, which HTML input needs)

    # The text is decoded already (as every input is): its declaration's encoding is not the bytes'.
    parser = etree.XMLParser(
        encoding="utf-8", resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
        remove_comments=True,
    )  # fmt: skip
    data = text.lstrip("\ufeff").encode("utf-8")
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        # Feeds often print "AT&T" as it is: with its bare ampersands escaped, the feed may read.
        fixed = _BARE_AMPERSAND.sub(b"&amp;", data)
        try:
            root = etree.fromstring(fixed, parser) if fixed != data else None
        except etree.XMLSyntaxError:
            root = None
        if root is None:
            line = exc.lineno if isinstance(exc.lineno, int) and exc.lineno > 0 else None
            raise FeedError(f"not well-formed XML: {exc.msg}", line) from None
    tag = root.tag if isinstance(root.tag, str) else ""
    if tag == f"{_ATOM}feed":
        return _atom(root)
    if tag == "rss" or tag.endswith("}RDF"):
        return _rss(root)
    raise FeedError(
        f"an XML file whose root is <{etree.QName(tag).localname if tag else '?'}>, not an RSS or Atom feed",
        1,
    )


def _text(element: Any) -> str | None:
    """The element's text, its children's included (an Atom ``type="xhtml"`` body as markup)."""
    if element is None:
        return None
    if element.get("type") == "xhtml" or len(element):
        from lxml import etree

        inner = (element.text or "") + "".join(
            etree.tostring(child, encoding="unicode", with_tail=True) for child in element
        )
        return inner.strip() or None
    value = "".join(element.itertext()).strip()
    return value or None


def _rss(root: Any) -> list[tuple[int | None, dict[str, Any]]]:
    """RSS 2.0 (``rss/channel/item``) and RSS 1.0 (``rdf:RDF/item``)."""
    ns = "" if root.tag == "rss" else _RSS1
    channel = root.find(f"{ns}channel")
    feed_title = _text(channel.find(f"{ns}title")) if channel is not None else None
    items = channel.findall(f"{ns}item") if ns == "" and channel is not None else root.findall(f"{ns}item")
    out = []
    for item in items:
        record = {
            "id": _text(item.find(f"{ns}guid")),
            "title": _text(item.find(f"{ns}title")),
            "url": _text(item.find(f"{ns}link")),
            "published": _text(item.find(f"{ns}pubDate")) or _text(item.find(_DC_DATE)),
            "text": _text(item.find(_CONTENT)) or _text(item.find(f"{ns}description")),
            "outlet": _text(item.find(f"{ns}source")) or feed_title,
        }
        out.append((item.sourceline, record))
    return out


def _atom(root: Any) -> list[tuple[int | None, dict[str, Any]]]:
    feed_title = _text(root.find(f"{_ATOM}title"))
    out = []
    for entry in root.findall(f"{_ATOM}entry"):
        links = entry.findall(f"{_ATOM}link")
        link = next((x for x in links if x.get("rel", "alternate") == "alternate"), None)
        source = entry.find(f"{_ATOM}source")
        record = {
            "id": _text(entry.find(f"{_ATOM}id")),
            "title": _text(entry.find(f"{_ATOM}title")),
            "url": link.get("href") if link is not None else None,
            "published": _text(entry.find(f"{_ATOM}published")) or _text(entry.find(f"{_ATOM}updated")),
            "text": _text(entry.find(f"{_ATOM}content")) or _text(entry.find(f"{_ATOM}summary")),
            "outlet": (_text(source.find(f"{_ATOM}title")) if source is not None else None) or feed_title,
        }
        out.append((entry.sourceline, record))
    return out
