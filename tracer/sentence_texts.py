"""The texts of the distinct sentences the verify stage aligns, in a temporary file beside the
store: gathered in one pass over their articles, read back a task at a time."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from typing import BinaryIO

import numpy as np

from .analyse import NormSet
from .candidates import unique_sorted
from .engine import sizes
from .store import LONG_TEXT, Store
from .text import TokensOnDemand, fold, matching_tokens

# Where a sentence's text is: 24 bytes of a sentence record's 48.
_TEXT_ROW = np.dtype([("article", "<i8"), ("norm", "<i8"), ("start", "<i4"), ("end", "<i4")])


def _text_rows(rows: np.ndarray) -> np.ndarray:
    out = np.empty(len(rows), dtype=_TEXT_ROW)
    for name in _TEXT_ROW.names or ():
        out[name] = rows[name]
    return out


def _article_chunks(rows: np.ndarray, chunk: int) -> Iterator[tuple[int, int]]:
    """Consecutive ``[lo, hi)`` ranges of ``rows`` (sorted by article), cut where an article
    starts: about ``chunk`` rows each, or fewer where their articles (but those read a piece at
    a time) reach ``sizes.TEXTS_AT_ONCE`` characters."""
    if not len(rows):
        return
    article = rows["article"]
    bounds = np.append(np.flatnonzero(np.concatenate(([True], article[1:] != article[:-1]))), len(rows))
    # Characters read for each article: as far as its last wanted sentence ends.
    reach = np.maximum.reduceat(rows["end"].astype(np.int64), bounds[:-1])
    reach[reach > LONG_TEXT] = 0
    reached = np.concatenate(([0], np.cumsum(reach)))
    k = 0
    while k < len(bounds) - 1:
        by_rows = int(np.searchsorted(bounds, bounds[k] + chunk))
        by_chars = int(np.searchsorted(reached, reached[k] + sizes.TEXTS_AT_ONCE, side="right")) - 1
        end = max(k + 1, min(by_rows, by_chars, len(bounds) - 1))
        yield int(bounds[k]), int(bounds[end])
        k = end


class SentenceTexts:
    """Texts of distinct sentences (by norm id), cut from one stored occurrence of each into a
    temporary file beside the store, and read back a round of pairs at a time.

    Tokens are not stored: re-tokenising the sentences that reach alignment is cheaper
    than writing every sentence's tokens to the store. The texts are gathered in one pass
    over their articles (each article read once), but not kept in memory: as Python
    strings, those of millions of candidate pairs took gigabytes.
    """

    def __init__(self, store: Store, wanted: np.ndarray, chunk: int = 20_000) -> None:
        wanted = unique_sorted(wanted)
        # The first stored occurrence of each wanted norm, found a stored batch at a time:
        # memory holds the wanted rows, not every sentence (48 bytes each).
        wanted_set, found = NormSet(wanted), NormSet(np.empty(0, dtype=np.int64))
        parts = []
        for block in store.sentence_blocks() if len(wanted) else ():
            rows = block[wanted_set.contains(block["norm"])]
            _, first = np.unique(rows["norm"], return_index=True)  # each norm's first in the batch
            rows = _text_rows(rows[first])
            rows = rows[~found.contains(rows["norm"])]
            found.add(rows["norm"])
            parts.append(rows)
        del wanted_set, found
        rows = np.concatenate(parts) if parts else np.empty(0, dtype=_TEXT_ROW)
        rows = rows[np.argsort(rows["article"], kind="stable")]  # article by article
        # Named: the local engine's workers open it to read their tasks' texts.
        self._file = tempfile.NamedTemporaryFile(prefix="tracer-texts-", dir=store.scratch_directory())
        sizes = np.empty(len(rows), dtype=np.int64)  # bytes of each sentence's UTF-8 text, in file order
        # Whole articles a chunk at a time, each read once (a long one's sentences filled many
        # chunks of sentences, and it was read once a chunk, the one before still held). Folding
        # maps each character on its own: folding the sentence alone (where its tokens are made)
        # is the same as cutting it from the folded article.
        for lo, hi in _article_chunks(rows, chunk):
            part = rows[lo:hi]
            cut = store.cut_texts(part["article"].tolist(), part["start"].tolist(), part["end"].tolist())
            encoded = [text.encode() for text in cut]
            del cut
            sizes[lo:hi] = [len(b) for b in encoded]
            self._file.write(b"".join(encoded))
            del encoded
        self._file.flush()
        offsets = np.cumsum(sizes) - sizes
        order = np.argsort(rows["norm"], kind="stable")
        self._norm = rows["norm"][order]  # sorted
        self._offset, self._size = offsets[order], sizes[order]

    def tokens(self, norms: np.ndarray) -> TokensOnDemand:
        """Tokens of each of ``norms`` (which must be among the wanted ones), made when asked for."""
        pos = self._positions(norms)
        out: dict[int, str] = dict.fromkeys(self._norm[pos].tolist(), "")
        norm, start, size = self._norm[pos].tolist(), self._offset[pos].tolist(), self._size[pos].tolist()
        # Read, not mapped: a mapped file's pages count as this process's memory until unmapped,
        # and the kernel maps far more than the bytes touched.
        for k in range(len(norm)):
            out[norm[k]] = self._read(start[k], size[k])
        return TokensOnDemand(out)

    def _positions(self, norms: np.ndarray) -> np.ndarray:
        """Where the wanted ones of ``norms`` are in this object's arrays, in file order."""
        norms = unique_sorted(norms)
        pos = np.searchsorted(self._norm, norms).clip(max=max(len(self._norm) - 1, 0))
        pos = pos[self._norm[pos] == norms] if len(self._norm) else pos[:0]
        return pos[np.argsort(self._offset[pos], kind="stable")]  # read in file order

    def _read(self, start: int, size: int) -> str:
        if hasattr(os, "pread"):
            return os.pread(self._file.fileno(), size, start).decode()
        self._file.seek(start)  # Windows
        return self._file.read(size).decode()

    def in_file(self, norms: np.ndarray) -> TokensOnDemand:
        """The tokens of :meth:`tokens`, their texts read from this object's file by the process
        that uses them (one on this machine, while this object is open)."""
        pos = self._positions(norms)
        return _TextsInFile(self._file.name, self._norm[pos], self._offset[pos], self._size[pos])

    def on_demand(self) -> TokensOnDemand:
        """Tokens of every wanted sentence, each read from the file only when asked for: a
        task's sentences are read as the task is handed out, while earlier tasks are aligned,
        rather than a round's before the round starts (in which the workers would wait)."""
        return _FileTokens(self)

    def text(self, norm: int) -> str:
        """The text of one wanted sentence."""
        k = int(self._norm.searchsorted(norm))
        if k >= len(self._norm) or self._norm[k] != norm:
            raise KeyError(norm)
        return self._read(int(self._offset[k]), int(self._size[k]))

    def close(self) -> None:
        self._file.close()  # a temporary file: gone once closed

    def __enter__(self) -> SentenceTexts:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _FileTokens(TokensOnDemand):
    """:meth:`SentenceTexts.on_demand`: a subset (what a task takes) is read in one sweep."""

    def __init__(self, source: SentenceTexts) -> None:
        super().__init__({})
        self.source = source

    def __getitem__(self, key: int) -> list[str]:
        return matching_tokens(fold(self.source.text(key)))

    def __iter__(self) -> Iterator[int]:
        return iter(self.source._norm.tolist())

    def __len__(self) -> int:
        return len(self.source._norm)

    def subset(self, keys: Iterable[int]) -> TokensOnDemand:
        return self.source.tokens(np.fromiter(keys, dtype=np.int64))


class _TextsInFile(TokensOnDemand):
    """Texts of some sentences given by where they are in a :class:`SentenceTexts` file, read by
    whichever process asks for the first of them (what crosses to a worker is where, not what)."""

    def __init__(self, path: str, norms: np.ndarray, offsets: np.ndarray, sizes: np.ndarray) -> None:
        super().__init__({})
        self.path, self.norms, self.offsets, self.sizes = path, norms, offsets, sizes

    def __getitem__(self, key: int) -> list[str]:
        self.all_texts()
        return super().__getitem__(key)

    def all_texts(self) -> Mapping[int, str]:
        if len(self.texts) < len(self.norms):
            self._read()
        return self.texts

    def __iter__(self) -> Iterator[int]:
        return iter(self.norms.tolist())

    def __len__(self) -> int:
        return len(self.norms)

    def _read(self) -> None:
        norm, start, size = self.norms.tolist(), self.offsets.tolist(), self.sizes.tolist()
        if not hasattr(os, "pread"):  # Windows
            with open(self.path, "rb") as f:
                self.texts = {norm[k]: _read_at(f, start[k], size[k]) for k in range(len(norm))}
            return
        fd = os.open(self.path, os.O_RDONLY)
        try:
            self.texts = {norm[k]: os.pread(fd, size[k], start[k]).decode() for k in range(len(norm))}
        finally:
            os.close(fd)


def _read_at(f: BinaryIO, start: int, size: int) -> str:
    f.seek(start)
    return f.read(size).decode()
