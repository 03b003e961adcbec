"""Publication dates: normalised to UTC once, at ingest, and read back without ever failing.

A stored date is ``YYYY-MM-DD`` (a day alone), ``YYYY-MM-DDTHH:MM:SS+00:00`` (a moment, in UTC)
or ``YYYY-MM-DDTHH:MM:SS`` (a time of day with no zone given, read as UTC).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_ISO_ZONE_NAME = re.compile(r"(.*\d)\s*([a-z]{2,4})", re.IGNORECASE)  # a name, as in "14:30:00 CET"
_ISO_BASIC = re.compile(r"\d{8}T\d{4}(?:\d{2})?(?:[Zz]|[+-]\d{2}:?\d{2})?")  # GDELT's "20240105T143000Z"


def check_day_order(since: str | None, until: str | None) -> None:
    """:class:`~tracer.errors.TracerError` where the day ``since`` (``YYYY-MM-DD``, a --since) is
    after ``until`` (an --until): no day is in both, and an empty result would not say why."""
    from .errors import TracerError

    if since is not None and until is not None and since > until:
        raise TracerError(
            f"--since {since} is after --until {until}",
            "--since is the first day to keep and --until the last: swap them",
        )


class DateError(ValueError):
    """A date that cannot be stored; the message says why."""


class AmbiguousDate(DateError):
    """A date that reads as two dates (``05/03/2023``: 5 March or May 3) and was not told which."""

    def __init__(self, value: str, a: int, b: int) -> None:
        super().__init__(
            f"{value!r} reads as day {a} month {b} or month {a} day {b}: pass --dayfirst or --monthfirst"
        )
        self.a, self.b = a, b


def normalise(value: str, dayfirst: bool | None = None) -> str:
    """The stored form of a date (``2023-09-13``) or date-time; :class:`DateError` if it is none
    of the forms read, or if in UTC it falls outside years 1-9999 (no later step could use it).

    Read: ISO 8601, RFC 2822 (``Fri, 17 Feb 2023 10:00:00 +0000``), ``17 February 2023``, ``Feb
    17, 2023``, ``17/02/2023`` (also with ``.`` or ``-``, and ``2023/02/17``) and ``17-Feb-2023``,
    each with an optional time of day and zone (or a time of day before it: ``14:30 17/02/2023``);
    a zone's name after ISO 8601 (``2023-02-17 14:30:00 CET``); ``2024-1-5``; digits alone
    (``20240105``, ``20240105143000``: a time with no zone); any of them after a label
    (``Published: ...``); month names in French, German, Spanish, Italian, Dutch and Portuguese
    too (``7 décembre 2026``, ``Montag, 7. Dezember 2026, 14:30 Uhr``, ``7 de diciembre de
    2026``). ``dayfirst`` reads ``05/03/2023`` as 5 March (False: May 3); None leaves a date that
    reads both ways unread rather than guessed, but for ``05.03.2023``: dates written with dots
    put the day first wherever they are written. Ten or thirteen digits are a Unix time
    (:func:`from_timestamp`).
    """
    s = value.strip()
    try:
        return _labelled(s, dayfirst)
    except AmbiguousDate as exc:  # named as written, with the words before it
        raise AmbiguousDate(s, exc.a, exc.b) from None


def _labelled(s: str, dayfirst: bool | None) -> str:
    """:func:`normalise` of a stripped value, which may have a label or words before the date: the
    error of the value itself (or of what follows its label) where none of them reads."""
    error: DateError | None = None
    for k, part in enumerate(_date_parts(s)):
        try:
            return _normalise(part, dayfirst)
        except AmbiguousDate:
            raise
        except DateError as exc:
            if k == 0 or (k == 1 and _LABEL.fullmatch(s)):
                error = exc
    assert error is not None  # (the value itself is the first part tried)
    raise error


def _date_parts(s: str) -> Iterator[str]:
    """Where a date may be in a stripped value: the value; what follows a label with a colon
    ("Published: 5 January 2024"); the value less one to four words before it, the label without
    a colon ("Publié le 07/03/2024 à 14h30", "Veröffentlicht am 7. März 2024")."""
    yield s
    label = _LABEL.fullmatch(s)
    if label is not None:
        yield label.group(1)
        return
    rest = s
    for _ in range(4):
        word = _WORD_BEFORE.match(rest)
        if word is None:
            return
        rest = rest[word.end() :]
        yield rest


# A date after a word or up to three and a colon, as pages and exports print it.
_LABEL = re.compile(r"[^\W\d_]+(?:[ -][^\W\d_]+){0,2}\s*:\s*(\S.*)")
# A value's first word and the space after it: up to four may be left out before a date whose
# label has no colon.
_WORD_BEFORE = re.compile(r"[^\W\d_]+\s+")
# Digits only: YYYYMMDD, with HHMM or HHMMSS (GDELT's form; no zone given).
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})?)?")


def _time_last(s: str) -> str:
    """A date written after its time of day ("14:30 07/03/2024") with its time after it."""
    found = _TIME_FIRST.fullmatch(s)
    return f"{found.group(2)} {found.group(1)}" if found else s


_TIME_FIRST = re.compile(
    r"(\d{1,2}[:h]\d{2}(?::\d{2})?(?:\s*[ap]\.?m\.?)?)\s*[,|\u2013-]?\s+(\S.*\d)", re.IGNORECASE
)


def _normalise(s: str, dayfirst: bool | None) -> str:
    """:func:`normalise` of a stripped value with no label before it."""
    s = _time_last(s)
    if s.isdigit() and len(s) in (10, 13):  # what exports of news APIs often give: a Unix time
        return from_timestamp(int(s))
    if s.isdigit() and len(s) in (8, 12, 14):
        return _compact(s)
    try:
        if _ISO_DATE.fullmatch(s):
            return date.fromisoformat(s).isoformat()
        # Only the extended form with a time, or the basic one with "T": fromisoformat also
        # accepts week dates and the like.
        moment: date | datetime
        if _ISO_BASIC.fullmatch(s) or _ISO_DATETIME.match(s):
            named = _ISO_ZONE_NAME.fullmatch(s)  # "2024-03-07 14:30:00 UTC", as databases print it
            if named and named.group(2).lower() in _ZONE_NAMES:
                moment = _zoned(datetime.fromisoformat(named.group(1)), named.group(2).lower())
            else:
                moment = datetime.fromisoformat(s[:-1] + "+00:00" if s[-1] in "Zz" else s)
        else:
            moment = _common(s, dayfirst)
            if not isinstance(moment, datetime):
                return moment.isoformat()
    except DateError:
        raise
    except ValueError as exc:
        raise DateError(_NOT_READ) from exc
    if moment.tzinfo is None:
        return moment.isoformat(timespec="seconds")
    try:
        return moment.astimezone(UTC).isoformat(timespec="seconds")
    except OverflowError:
        raise DateError("outside years 1-9999 once converted to UTC") from None


def _compact(s: str) -> str:
    """A date written as digits only (``20240105``, ``20240105143000``), from 1800 to 2199."""
    y, mo, d, h, mi, sec = _COMPACT.fullmatch(s).groups()  # type: ignore[union-attr]  # 8/12/14 digits
    if not 1800 <= int(y) < 2200:
        raise DateError(f"{s!r} is no date written as digits (YYYYMMDD, with HHMM or HHMMSS)")
    try:
        day = date(int(y), int(mo), int(d))
        if h is None:
            return day.isoformat()
        return datetime(day.year, day.month, day.day, int(h), int(mi), int(sec or 0)).isoformat()
    except ValueError as exc:
        raise DateError(f"{s!r}: {exc}") from None


def from_timestamp(value: float) -> str:
    """The stored form (in UTC) of a Unix time in seconds or milliseconds (told apart by size:
    either way a date from 1990 to 2099); :class:`DateError` for another number."""
    if value >= 1e11:  # seconds before 2100 are fewer; milliseconds since 1990 more
        value /= 1000
    if not _EPOCH_FIRST <= value < _EPOCH_END:
        raise DateError("a number that is no Unix time in seconds or milliseconds (1990 to 2099)")
    return datetime.fromtimestamp(value, UTC).isoformat(timespec="seconds")


# The Unix times read: of 1990-01-01 to 2099-12-31, as archives of news online hold. A number
# outside them is some other count (an Excel day, an id) rather than a moment.
_EPOCH_FIRST, _EPOCH_END = 631152000, 4102444800


_NOT_READ = (
    "not a date tracer reads (ISO 8601, RFC 2822, 17 February 2023, Feb 17, 2023, 17/02/2023, "
    "7 décembre 2026, 20230217, a Unix time)"
)
_MONTHS = {name[:3]: k for k, name in enumerate(
    "january february march april may june july august september october november december".split(), 1
)}  # fmt: skip
_MONTH = r"(?P<month>jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_WEEKDAY = r"(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+)?"
_TIME = (
    r"(?:,?\s*(?:[-\u2013|]\s*)?(?:at\s+|à\s+|um\s+|a\s+las\s+|alle\s+|om\s+|às\s+|T)?(?P<hour>\d{1,2})[:.h]"
    r"(?P<minute>\d{2})(?::(?P<second>\d{2}))?(?:\.\d+)?"
    r"\s*(?:(?P<ampm>[ap]\.?m\.?)|uhr)?\s*(?P<zone>z|utc|gmt|ut|[ecmp][sd]t|[ecmp]t|bst|cest|cet|mesz|mez|eest|eet"
    r"|[+-]\d{2}:?\d{2}|(?:utc|gmt)[+-]\d{1,2}(?::?\d{2})?)?(?:\s*\([a-z ]+\))?)?"
)
# Month names in English and six more languages (a press archive's export keeps its language),
# full and as abbreviated in print, for dates written day first with a dot or a word before them
# ("7. November 2026", "lundi 7 décembre 2026", "Updated 7 December 2026").
_MONTH_NAMES = {
    name: k
    for k, names in enumerate(
        [
            "january jan janvier janv gennaio enero januar jänner januari janeiro",
            "february feb février févr fevrier febbraio febrero februar februari fevereiro",
            "march mar mars märz mär marzo maart março marco",
            "april apr avril avr aprile abril",
            "may mai maggio mayo mei maio",
            "june jun juin giugno junio juni junho",
            "july jul juillet juil luglio julio juli julho",
            "august aug août aout agosto augustus",
            "september sep sept septembre settembre septiembre setiembre setembro",
            "october oct octobre ottobre octubre oktober outubro okt",
            "november nov novembre noviembre novembro",
            "december dec décembre déc decembre dicembre diciembre dezember dez dezembro",
        ],
        1,
    )
    for name in names.split()
}
_NAMED_MONTH = "(?P<month>" + "|".join(sorted(_MONTH_NAMES, key=len, reverse=True)) + r")\.?"
_LEAD_WORD = r"(?:[^\W\d_]+\.?,?\s+)?"
_OF = r"(?:\s+de)?"  # "7 de diciembre de 2026"
_FORMS = [
    re.compile(rf"{_WEEKDAY}{_DAY}\s+{_MONTH},?\s+(?P<year>\d{{4}}){_TIME}", re.IGNORECASE),
    re.compile(
        rf"{_LEAD_WORD}(?P<day>\d{{1,2}})(?:\.|er|º)?{_OF}\s+{_NAMED_MONTH}{_OF},?\s+(?P<year>\d{{4}}){_TIME}",
        re.IGNORECASE,
    ),
    re.compile(rf"{_WEEKDAY}{_MONTH}\s+{_DAY},?\s+(?P<year>\d{{4}}){_TIME}", re.IGNORECASE),
    # "07-Mar-2024", "07/Mar/2024": as Oracle and web servers' logs write dates
    re.compile(
        rf"(?P<day>\d{{1,2}})(?P<dsep>[-/]){_NAMED_MONTH}(?P=dsep)(?P<year>\d{{4}}|\d{{2}}){_TIME}",
        re.IGNORECASE,
    ),
    re.compile(
        rf"(?P<year>\d{{4}})(?P<ysep>[/.-])(?P<month>\d{{1,2}})(?P=ysep)(?P<day>\d{{1,2}}){_TIME}",
        re.IGNORECASE,
    ),
    re.compile(
        rf"{_LEAD_WORD}(?P<a>\d{{1,2}})(?P<sep>[/.-])(?P<b>\d{{1,2}})(?P=sep)(?P<year>\d{{4}}|\d{{2}}){_TIME}",
        re.IGNORECASE,
    ),
]
_NUMERIC_FORM = _FORMS[-1]  # a/b/yyyy, the form whose day and month may read both ways
# RFC 2822's zone names (its obsolete US ones), in hours from UTC.
_ZONES = {"z": 0, "ut": 0, "utc": 0, "gmt": 0, "est": -5, "edt": -4, "cst": -6, "cdt": -5, "mst": -7,
          "mdt": -6, "pst": -8, "pdt": -7,
          # Europe's, as its papers print them (British Summer Time, Central and Eastern European)
          "bst": 1, "cet": 1, "mez": 1, "cest": 2, "mesz": 2, "eet": 2, "eest": 3}  # fmt: skip
# US zones written without saying whether daylight time is on ("2:30 p.m. ET"): standard time,
# an hour more between the second Sunday of March and the first of November.
_US_ZONES = {"et": -5, "ct": -6, "mt": -7, "pt": -8}
_ZONE_NAMES = _ZONES.keys() | _US_ZONES.keys()


def _common(s: str, dayfirst: bool | None) -> date | datetime:
    """A date in one of the common forms :func:`normalise` reads besides ISO 8601."""
    for form in _FORMS:
        found = form.fullmatch(s)
        if found is not None:
            break
    else:
        raise DateError(_NOT_READ)
    parts = found.groupdict()
    year = int(parts["year"])
    if len(parts["year"]) == 2:  # "7/3/24", as spreadsheets write dates: 1969-2068, as strptime's %y
        year += 2000 if year < 69 else 1900
    if parts.get("a") is not None:
        # Written with dots, a date puts its day first (17.02.2023) wherever it is written.
        first = True if dayfirst is None and parts["sep"] == "." else dayfirst
        day, month = _day_month(int(parts["a"]), int(parts["b"]), s, first)
    else:
        day = int(parts["day"])
        raw = parts["month"].lower()
        month = int(raw) if raw.isdigit() else _MONTH_NAMES.get(raw) or _MONTHS[raw[:3]]
    try:
        day_only = date(year, month, day)
    except ValueError as exc:
        raise DateError(f"no such date ({exc})") from None
    if parts["hour"] is None:
        return day_only
    hour = int(parts["hour"])
    if parts["ampm"]:
        if not 1 <= hour <= 12:
            raise DateError(f"hour {hour} with am/pm")
        hour = hour % 12 + (12 if parts["ampm"][0].lower() == "p" else 0)
    moment = datetime(year, month, day, hour, int(parts["minute"]), int(parts["second"] or 0))
    return _zoned(moment, (parts["zone"] or "").lower())


def _zoned(moment: datetime, zone: str) -> datetime:
    """``moment`` (naive) in ``zone``: a name or an offset, lower case; "" for none (as it is)."""
    if not zone or moment.tzinfo is not None:
        return moment
    if zone in _US_ZONES:
        return moment.replace(tzinfo=timezone(timedelta(hours=_US_ZONES[zone] + _us_daylight(moment))))
    return moment.replace(tzinfo=_zone(zone))


def _us_daylight(moment: datetime) -> int:
    """1 where US daylight saving time is on at this local time (since 2007: from 2 am on the
    second Sunday of March to 2 am on the first Sunday of November), else 0."""
    march = datetime(moment.year, 3, 8 + (6 - date(moment.year, 3, 8).weekday()) % 7, 2)
    november = datetime(moment.year, 11, 1 + (6 - date(moment.year, 11, 1).weekday()) % 7, 2)
    return int(march <= moment < november)


def _day_month(a: int, b: int, s: str, dayfirst: bool | None) -> tuple[int, int]:
    """Day and month of ``a/b/yyyy``: whichever reading is a date, or as ``dayfirst`` says."""
    if b > 12:  # only month first reads
        return b, a
    if a == b or a > 12 or dayfirst is True:
        return a, b
    if dayfirst is False:
        return b, a
    raise AmbiguousDate(s, a, b)


def written_order(value: str) -> bool | None:
    """How a date written ``a/b/yyyy`` (or with dashes or dots, a label or words before it, as
    :func:`normalise` finds it) that reads one way only orders its day and month: True day first
    (``25/03/2024``), False month first (``03/25/2024``); None for any other date. What a file's
    other dates say of those that read both ways."""
    if value[4:5] == "-" and value[:4].isdigit():
        return None  # ISO 8601, as most exports write dates: asked of each, answered at once
    for part in _date_parts(value.strip()):
        found = _NUMERIC_FORM.fullmatch(_time_last(part))
        if found is not None:
            a, b = int(found.group("a")), int(found.group("b"))
            return True if a > 12 >= b else False if b > 12 >= a else None
    return None


def _zone(zone: str) -> timezone:
    if zone in _ZONES:
        return timezone(timedelta(hours=_ZONES[zone]))
    sign_at = max(zone.find("+"), zone.find("-"))
    sign = -1 if zone[sign_at] == "-" else 1
    digits = zone[sign_at + 1 :].replace(":", "")
    hours, minutes = (int(digits[:-2] or 0), int(digits[-2:])) if len(digits) > 2 else (int(digits), 0)
    if hours > 23 or minutes > 59:
        raise DateError(f"zone {zone!r} out of range")
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


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
