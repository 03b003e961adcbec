"""Text fields that hold HTML: CMS and news-API exports put an article's body in JSON or CSV as
markup (``<p>...</p><p>...</p>``, ``&amp;``), which read as text made sentences of tags.

:func:`plain` gives the text a browser would show, one line a block, as an HTML file's text is
read; a field without markup is returned as it is.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

__all__ = ["has_markup", "plain"]

# Tags of an article body; a text naming one in angle brackets is markup (news prose does not).
_BLOCK = (
    "p div br li ul ol h1 h2 h3 h4 h5 h6 blockquote figure figcaption table tr td th section "
    "article header footer hr pre aside caption dl dt dd"
).split()
_INLINE = "a span em strong b i u img sup sub small cite q time picture source video abbr mark".split()
# Elements whose content is not text: removed with it where closed (an unclosed one would
# otherwise take the rest of the article with it); an unclosed one loses its tag only.
_SKIPPED = ("script", "style", "noscript", "template", "iframe", "svg")
_CLOSED = re.compile(rf"<({'|'.join(_SKIPPED)})\b[^<>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)  # first: a tag inside one is no tag
_LEFT = re.compile(rf"</?(?:{'|'.join(_SKIPPED)})\b[^<>]*>", re.IGNORECASE)  # (a parser reads on as script)
_TAG = re.compile(rf"</?(?:{'|'.join(_BLOCK + _INLINE + list(_SKIPPED))})(?:\s[^<>]*)?/?>", re.IGNORECASE)
_BLOCK_TAG = re.compile(rf"</?(?:{'|'.join(_BLOCK)})(?:\s[^<>]*)?/?>", re.IGNORECASE)
_ENTITY = re.compile(r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});")
_SPACES = re.compile(r"[ \t\r\n\f]+")  # HTML's white space (not a no-break space)


def has_markup(text: str) -> bool:
    """Whether ``text`` holds an HTML tag of an article body or a character reference."""
    return ("<" in text and _TAG.search(text) is not None) or (
        "&" in text and _ENTITY.search(text) is not None
    )


def plain(text: str) -> str:
    """``text`` as a browser shows it: tags gone (scripts and styles with their content), character
    references read, runs of white space one space, each block on a line of its own."""
    if "<" not in text or _TAG.search(text) is None:  # (the search once: it reads the whole text)
        if "&" in text and _ENTITY.search(text) is not None:
            return html.unescape(text)  # references only: the line breaks the text has are its own
        return text
    # Where blocks are tagged, line breaks in the source are layout, as in a browser; a text of
    # lines with a link or an emphasis tagged here and there keeps its own.
    parser = _Text(collapse=_BLOCK_TAG.search(text) is not None)
    parser.feed(_LEFT.sub(" ", _CLOSED.sub(" ", _COMMENT.sub(" ", text))))
    parser.close()
    shown = "".join(parser.parts)
    if not parser.collapse:
        return shown
    lines = (line.strip() for line in shown.split("\n"))
    return "\n".join(line for line in lines if line)


class _Text(HTMLParser):
    def __init__(self, collapse: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.collapse = collapse

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(_SPACES.sub(" ", data) if self.collapse else data)
