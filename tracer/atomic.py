"""Output files replaced whole or not at all.

``replacing(path)`` writes to a temporary file beside ``path`` and renames it over ``path`` only
once everything is written and flushed: a full disk, an error or Ctrl-C part-way leaves the
previous file as it was (or none) and removes the temporary file. Nested ``replacing`` blocks
write every file before renaming any, so files that belong together are replaced together.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Iterable, Iterator
from typing import IO, Any


@contextlib.contextmanager
def replacing(
    path: str | os.PathLike[str], mode: str = "w", encoding: str | None = "utf-8", newline: str | None = "\n"
) -> Iterator[IO[Any]]:
    """A file open for writing (``mode`` "w" or "wb") whose content becomes ``path`` on a clean exit.
    Missing folders above ``path`` are made, and removed again where the write fails."""
    kwargs: dict[str, Any] = {} if "b" in mode else {"encoding": encoding, "newline": newline}
    target = os.path.realpath(path)  # through a symlink, as open() would write
    made = _make_folders(os.path.dirname(target))
    try:
        created = None if _special(path) else _create_beside(path, target)
        if created is None:  # /dev/stdout, a named pipe, a folder we may not add to: write in place
            with open(path, mode, **kwargs) as f:
                yield f
            return
        tmp, fd = created
        try:
            with os.fdopen(fd, mode, **kwargs) as f:
                yield f
                f.flush()
                os.fsync(f.fileno())  # the data is on disk before the name points at it
            os.replace(tmp, target)
        except BaseException as exc:
            _remove(tmp)
            if isinstance(exc, OSError) and exc.filename == tmp:
                exc.filename = os.fspath(path)  # messages name the file the user asked for
            raise
    except BaseException:
        for folder in reversed(made):  # made for this file and left empty: no trace of it
            with contextlib.suppress(OSError):
                os.rmdir(folder)
        raise


def atomic_write(
    path: str | os.PathLike[str], chunks: Iterable[Any], mode: str = "w", encoding: str | None = "utf-8"
) -> None:
    """Write ``chunks`` (str, or bytes with mode "wb") to ``path``, replacing it only when all are written."""
    with replacing(path, mode, encoding) as f:
        for chunk in chunks:
            f.write(chunk)


def _make_folders(folder: str) -> list[str]:
    """Make ``folder`` and the folders above it that are missing; those made, outermost first."""
    missing = []
    while folder and not os.path.lexists(folder):
        missing.append(folder)
        folder = os.path.dirname(folder)
    for made in reversed(missing):
        os.mkdir(made)
    return missing[::-1]


def _special(path: str | os.PathLike[str]) -> bool:
    try:
        return not stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False  # not there yet (or unreadable): creating the temporary file will say


def _create_beside(path: str | os.PathLike[str], target: str) -> tuple[str, int] | None:
    """A new temporary file in ``target``'s folder with the permissions ``open()`` would give, or
    None where only writing ``target`` in place is allowed (a writable file in a locked folder)."""
    folder, name = os.path.split(target)
    try:
        mode: int | None = stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        mode = None
    while True:
        tmp = os.path.join(folder, f".{name[:200]}.{secrets.token_hex(4)}.tmp")
        try:
            # 0o666 less the umask, like a file open() creates; a replaced file keeps its mode.
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
            break
        except FileExistsError:
            continue
        except PermissionError as exc:
            if mode is not None and os.access(target, os.W_OK):
                return None
            exc.filename = os.fspath(path)
            raise
        except OSError as exc:
            exc.filename = os.fspath(path)  # messages name the file the user asked for
            raise
    if mode is not None:
        with contextlib.suppress(OSError):  # a file owned by someone else: the default mode
            os.chmod(tmp, mode)
    return tmp, fd


def _remove(tmp: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(tmp)
