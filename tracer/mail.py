"""E-mail (``.eml``, and ``.mbox`` mailboxes): press releases as newsrooms receive them.

:func:`messages` gives each message as the record a JSON file would hold: its subject as the
title, its date, its sender as the outlet (the name it gives, else its address's domain: a
press office's), its Message-ID as the id, and its body as the text (the plain-text part, else
the HTML part read as the text it shows). Attachments are left out. The standard library's
``email`` package reads them; nothing is fetched.
"""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import Iterator
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Any

__all__ = ["messages"]


def messages(data: bytes, kind: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """Each message of the ``.eml`` (one) or ``.mbox`` (``kind``) file ``data`` as a record, with
    the line it starts on."""
    found = [(1, data)] if kind == ".eml" else _mbox_messages(data)
    for line, raw in found:
        yield line, _record(email.message_from_bytes(raw, policy=email.policy.default))  # type: ignore[arg-type]


# A mailbox's messages each start with a line "From " (the envelope), after a blank line.
_FROM_LINE = re.compile(rb"(?:\A|\n)From [^\n]*\n")


def _mbox_messages(data: bytes) -> list[tuple[int, bytes]]:
    """The raw messages of an mbox file with the line each starts on: between "From " lines (a
    body's own such lines are written ">From " by mail programs)."""
    found = list(_FROM_LINE.finditer(data))
    ends = [m.start() for m in found[1:]] + [len(data)]
    return [
        (data.count(b"\n", 0, m.end()) + 1, re.sub(rb"\n>(>*From )", rb"\n\1", data[m.end() : hi]))
        for m, hi in zip(found, ends, strict=True)
    ]


def _record(msg: EmailMessage) -> dict[str, Any]:
    name, address = parseaddr(str(msg.get("From", "")))
    outlet = name.strip() or (address.rpartition("@")[2] if "@" in address else "")
    return {
        "id": str(msg.get("Message-ID", "")).strip().strip("<>") or None,
        "title": _header(msg, "Subject"),
        "published": _header(msg, "Date"),
        "outlet": outlet or None,
        "text": _body(msg),
    }


def _header(msg: EmailMessage, name: str) -> str | None:
    try:
        value = msg.get(name)
    except (ValueError, IndexError):  # (a malformed header the policy cannot parse)
        return None
    if value is None:
        return None
    return " ".join(str(value).split()) or None


def _body(msg: EmailMessage) -> str:
    """The message's text: its plain-text body, else its HTML body as HTML (the ingest reads it
    as the text it shows)."""
    try:
        part = msg.get_body(preferencelist=("plain", "html"))
        content = part.get_content() if part is not None else ""
    except (LookupError, ValueError, AttributeError):  # an unknown charset, a broken part
        payload = msg.get_payload(decode=True) if not msg.is_multipart() else b""
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    return content if isinstance(content, str) else ""
