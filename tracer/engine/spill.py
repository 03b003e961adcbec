"""Large results of local workers cross to the scan's process as files in memory, not pickled.

A pool worker's result crosses through the pool's pipe, pickled: each byte of its arrays is
copied ~4 times (pickled, written, read, unpickled). Arrays of at least ``sizes.SPILL_MIN_BYTES``
cross as files in a directory in memory (``/dev/shm``) instead, written once and mapped.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import numpy as np

from . import sizes

R = TypeVar("R")


@dataclasses.dataclass(frozen=True)
class _SpilledArray:
    """Where a worker left one array of its result, for :func:`unspill`."""

    path: str
    dtype: np.dtype[Any]
    shape: tuple[int, ...]

    def load(self) -> np.ndarray:
        # Mapped, not read: the array is the file's pages in memory, not a copy of them in fresh
        # memory (the first touch of which is what costs here); copy-on-write, so it may be
        # changed like any array. The name goes at once; the pages go when the array does.
        values = np.asarray(np.memmap(self.path, dtype=self.dtype, mode="c", shape=self.shape))
        os.remove(self.path)
        return values


def spill_directory_root() -> str:
    """Where a local engine's workers leave large results: ``/dev/shm`` (memory) where there is
    one, else the system's temporary directory."""
    shm = "/dev/shm"
    return shm if os.path.isdir(shm) and os.access(shm, os.W_OK) else tempfile.gettempdir()


SPILL_PREFIX = "tracer-results-"


def remove_orphaned_spills(root: str) -> None:
    """Remove the spill directories in ``root`` of local engines whose process is gone (a scan
    killed before it could clean up: what it left would hold memory in /dev/shm until reboot).
    POSIX only: elsewhere ``os.kill(pid, 0)`` is not a question but a signal."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        for name in os.listdir(root):
            pid = name[len(SPILL_PREFIX) :].split("-", 1)[0]
            if not (name.startswith(SPILL_PREFIX) and pid.isdigit()):
                continue
            try:
                os.kill(int(pid), 0)  # signal 0: only asks whether the process exists
            except ProcessLookupError:
                shutil.rmtree(os.path.join(root, name), ignore_errors=True)
            except OSError:
                pass  # it exists (another user's, say): leave it


def spilling(directory: str | None, func: Callable[..., R], *args: Any) -> R:
    """``func(*args)`` in a worker, its result's large arrays left in files in ``directory``
    (a dataclass's array fields; anything else, or with no directory, is returned as it is)."""
    result = func(*args)
    return result if directory is None else _spill_result(directory, result)


class _SpilledParts(list[Any]):
    """An iterator field of a worker's result (parts of it, made as asked for): each part spilled
    as it was made, and read back as it is asked for."""


def _spill_result(directory: str, result: R) -> R:
    """:func:`spilling`'s ``result`` with its large arrays in files (and those of the parts an
    iterator field gives: one part at a time in memory, not all of them)."""
    if not dataclasses.is_dataclass(result) or isinstance(result, type):
        return result
    spilled: dict[str, Any] = {}
    for f in dataclasses.fields(result):
        value = getattr(result, f.name)
        if isinstance(value, np.ndarray) and value.nbytes >= sizes.SPILL_MIN_BYTES:
            path = _write_array(directory, value)
            if path is not None:
                spilled[f.name] = _SpilledArray(path, value.dtype, value.shape)
        elif isinstance(value, Iterator):
            spilled[f.name] = _SpilledParts(_spill_result(directory, part) for part in value)
    return dataclasses.replace(result, **spilled) if spilled else result  # type: ignore[type-var]


def _write_array(directory: str, values: np.ndarray) -> str | None:
    """A file in ``directory`` holding ``values``; None where it could not be written (no room:
    a container's /dev/shm is often 64 MB), and the array goes through the pipe after all."""
    fd, path = -1, ""
    try:
        fd, path = tempfile.mkstemp(prefix="result-", dir=directory)
        with os.fdopen(fd, "wb") as out:
            fd = -1  # closed with ``out``
            np.ascontiguousarray(values).tofile(out)
        return path
    except OSError:
        if fd >= 0:
            os.close(fd)
        if path:
            with contextlib.suppress(OSError):
                os.remove(path)
        return None


def unspill(result: R) -> R:
    """The result :func:`spilling` was given, its arrays read back (and their files removed)."""
    if not dataclasses.is_dataclass(result) or isinstance(result, type):
        return result
    loaded: dict[str, Any] = {}
    for f in dataclasses.fields(result):
        value = getattr(result, f.name)
        if isinstance(value, _SpilledArray):
            loaded[f.name] = value.load()
        elif isinstance(value, _SpilledParts):
            loaded[f.name] = map(unspill, value)  # each part read back when asked for
    return dataclasses.replace(result, **loaded) if loaded else result  # type: ignore[type-var]
