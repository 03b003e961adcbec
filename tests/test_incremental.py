"""An incremental scan gives exactly what a scan from scratch gives."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tracer.matches import query
from tracer.pipeline import ingest
from tracer.scan import scan
from tracer.store import Store

from .conftest import corpus_dirs


def _dump(s: Store) -> str:
    return json.dumps([m.as_dict() for m in query(s, include_boilerplate=True)], sort_keys=True)


@pytest.mark.parametrize("corpus", corpus_dirs(), ids=lambda p: p.name)
def test_incremental_equals_from_scratch(tmp_path: Path, corpus: Path):
    files = sorted((corpus / "articles").iterdir())
    with Store.open(tmp_path / "full.db") as full:
        ingest(full, [corpus / "articles"])
        scan(full)
        expected = _dump(full)
    # Three batches, in another order, each scanned before the next arrives.
    batches = [files[1::3], files[2::3], files[0::3]]
    with Store.open(tmp_path / "incr.db") as incr:
        for i, batch in enumerate(batches):
            folder = tmp_path / f"batch{i}"
            folder.mkdir()
            for f in batch:
                shutil.copy(f, folder / f.name)
            ingest(incr, [folder])
            scan(incr)
        got = _dump(incr)
    assert json.loads(expected), "the corpus should have matches"
    assert got.replace(str(tmp_path), "") == expected.replace(str(tmp_path), "")


def test_rescan_without_new_articles_changes_nothing(rumour):
    s, _, _ = rumour
    before = _dump(s)
    result = scan(s)
    assert result.articles == 0
    assert _dump(s) == before
