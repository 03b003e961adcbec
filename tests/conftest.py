"""Shared fixtures: paths, a temporary store, and scanned stores of the bundled corpora."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tracer.pipeline import run
from tracer.store import Store

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
RUMOUR = FIXTURES / "rumour"
SEEDS = ROOT.parent / "shared" / "seeds"


def corpus_dirs() -> list[Path]:
    """Every corpus in fixtures/ (a folder with an articles/ subfolder)."""
    return sorted(p for p in FIXTURES.iterdir() if (p / "articles").is_dir())


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "tracer.db"


@pytest.fixture
def store(db_path: Path):
    with Store.open(db_path) as s:
        yield s


def ids_by_file(s: Store) -> dict[str, str]:
    rows = s.conn.execute("SELECT source_path, id FROM articles")
    return {Path(path).name: art_id for path, art_id in rows}


@pytest.fixture(scope="session")
def rumour(tmp_path_factory: pytest.TempPathFactory):
    """The rumour fixture ingested and scanned once: (store, file -> id, truth)."""
    db = tmp_path_factory.mktemp("rumour") / "tracer.db"
    s = Store.open(db)
    report, _ = run(s, [RUMOUR / "articles"])
    assert not report.problems
    truth = json.loads((RUMOUR / "truth.json").read_text(encoding="utf-8"))
    yield s, ids_by_file(s), truth
    s.close()


@pytest.fixture(scope="session")
def seeds(tmp_path_factory: pytest.TempPathFactory):
    if not SEEDS.is_dir():
        pytest.skip(f"{SEEDS} not present (the shared seeds sit beside the repository)")
    db = tmp_path_factory.mktemp("seeds") / "tracer.db"
    s = Store.open(db)
    report, _ = run(s, [SEEDS])
    assert not report.problems
    texts = {
        Path(p).name[:3]: (i, t) for p, i, t in s.conn.execute("SELECT source_path, id, text FROM articles")
    }
    yield s, texts
    s.close()


def rumour_halves(tmp_path: Path) -> tuple[Path, Path]:
    """The rumour fixture's articles in two folders, every other file in each."""
    files = sorted((RUMOUR / "articles").iterdir())
    first, rest = tmp_path / "first", tmp_path / "rest"
    for folder, part in ((first, files[::2]), (rest, files[1::2])):
        folder.mkdir()
        for f in part:
            shutil.copy(f, folder / f.name)
    return first, rest
