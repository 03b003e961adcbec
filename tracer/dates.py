"""Publication dates: normalised to UTC once, at ingest, and read back without ever failing.

A stored date is ``YYYY-MM-DD`` (a day alone), ``YYYY-MM-DDTHH:MM:SS+00:00`` (a moment, in UTC)
or ``YYYY-MM-DDTHH:MM:SS`` (a time of day with no zone given, read as UTC).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


class DateError(ValueError):
    """A date that cannot be stored; the message says why."""


def normalise(value: str) -> str:
    """The stored form of an ISO 8601 date (``2023-09-13``) or date-time; :class:`DateError` if
    it is not one, or if in UTC it falls outside years 1-9999 (no later step could use it)."""
    s = value.strip()
    try:
        if _ISO_DATE.fullmatch(s):
            return date.fromisoformat(s).isoformat()
        # Only the extended form with a time: fromisoformat also accepts week dates, "20230913" etc.
        if not _ISO_DATETIME.match(s):
            raise DateError("not an ISO 8601 date")
        moment = datetime.fromisoformat(s[:-1] + "+00:00" if s[-1] in "Zz" else s)
    except DateError:
        raise
    except ValueError as exc:
        raise DateError("not an ISO 8601 date") from exc
    if moment.tzinfo is None:
        return moment.isoformat(timespec="seconds")
    try:
        return moment.astimezone(UTC).isoformat(timespec="seconds")
    except OverflowError:
        raise DateError("outside years 1-9999 once converted to UTC") from None


def utc_naive(published: str | None) -> datetime | None:
    """A stored date as a naive UTC datetime, or None when unknown or unusable.

    Stores written before dates were normalised may hold any offset, even one that puts the
    moment outside years 1-9999 in UTC: such a date counts as unknown instead of failing a scan.
    """
    if not published:
        return None
    try:
        value = datetime.fromisoformat(published)
        return value if value.tzinfo is None else value.astimezone(UTC).replace(tzinfo=None)
    except (ValueError, OverflowError):
        return None
