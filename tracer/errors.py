"""Errors the library raises. The CLI turns them into one-line messages."""

from __future__ import annotations


class TracerError(Exception):
    """Base class: a problem the user can fix; ``hint`` says how."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


def extra_hint(extra: str, again: bool = False) -> str:
    """How to install the optional ``extra``: editable, from the checkout, as the README says
    (installing the name tracer from PyPI would fetch an unrelated project)."""
    if again:
        return f"install the {extra} extra again, in the tracer checkout: pip install --force-reinstall -e '.[{extra}]'"
    return f"install the {extra} extra, in the tracer checkout: pip install -e '.[{extra}]'"


class InputError(TracerError):
    """One input file (or one record in it) could not be read."""

    def __init__(self, path: str, message: str, hint: str = "", line: int | None = None) -> None:
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {message}", hint)
        self.path = path
        self.line = line


class ParamError(TracerError, ValueError):
    """A parameter (:mod:`tracer.params`) out of its allowed range: the message names it, the
    range and the value given."""


class StoreError(TracerError):
    """The store cannot be opened or used (wrong version, not a tracer store, ...)."""


class Terminated(SystemExit):
    """The process was told to end (SIGTERM or Ctrl-C; tracer's CLI raises it from its handler).

    It unwinds like an error, so an open transaction rolls back; worker pools it passes through
    end their workers without waiting for them. Whoever raises it ends the process once it is
    caught (``os._exit``): a pool's thread may be left waiting on a worker that was ended.
    """


class StoreBusyError(StoreError):
    """Another process holds the store's write lock (a scan, an ingest)."""


class StoreFullError(StoreError):
    """The disk holding the store (or SQLite's temporary files) is full."""


class StoreReadOnlyError(StoreError):
    """The store file or its directory cannot be written by this process."""


class StoreDamagedError(StoreError):
    """The store file is corrupted or truncated: SQLite or tracer found it malformed."""
