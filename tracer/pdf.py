"""PDF files (``.pdf``): a press release or a page of a paper as its text.

:func:`read` gives a PDF's title (its document information's, where set) and its text, page by
page with a blank line between pages, as pypdf lays it out: a line of print a line of text,
words hyphenated at a line's end as printed. Segmenting reads such hard-wrapped text as it
reads a fixed-width wire story, and matching rejoins the hyphenated words.

pypdf is the ``pdf`` extra (``pip install -e '.[pdf]'`` in the checkout), imported here only: nothing else of
tracer needs it; its version 7 bounds what a hostile file's compressed streams unpack to (75 MB).
A PDF of scanned pages holds images, not text: it has to be OCR'd first.
"""

from __future__ import annotations

import io

from .errors import extra_hint

__all__ = ["PdfError", "read"]

EXTRA_HINT = extra_hint("pdf")


class PdfError(ValueError):
    """The file is no PDF whose text can be read; ``hint`` says what to do."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.hint = hint


def read(data: bytes) -> tuple[str | None, str]:
    """The title (None where the PDF names none) and text of the PDF ``data``; raises
    :class:`PdfError`."""
    try:
        from pypdf import PdfReader
    except ImportError:
        raise PdfError("reading PDF files needs pypdf, which is not installed", EXTRA_HINT) from None
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise PdfError("an encrypted PDF", "save it again without a password, or as .txt")
        pages = [page.extract_text() or "" for page in reader.pages]
        info = reader.metadata
        title = " ".join(str(info.title).split()) if info is not None and info.title else None
    except PdfError:
        raise
    except Exception as exc:  # noqa: BLE001 - pypdf's failures on a damaged file are many
        raise PdfError(f"not a PDF that can be read: {exc}", "save it again as PDF, or as .txt") from None
    text = "\n\n".join(page.strip("\n") for page in pages if page.strip())
    return title or None, text
