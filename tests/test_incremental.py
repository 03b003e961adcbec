"""An incremental scan gives exactly what a scan from scratch gives."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from tracer.errors import StoreError
from tracer.matches import query
from tracer.params import ScanParams
from tracer.pipeline import ingest
from tracer.scan import scan
from tracer.store import Store

from .conftest import corpus_dirs, rumour_halves


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


def test_boilerplate_representative_pair_is_the_first_valid_pair():
    """The linear-time search agrees with walking every pair in order."""
    import random

    from tracer.matches import _Occurrences

    rng = random.Random(7)
    for _ in range(300):
        meta = {f"a{i}": (rng.choice(["X", "Y", None]), None) for i in range(6)}
        xs = sorted((f"a{rng.randrange(6)}", k, 0, 1, True) for k in range(rng.randint(0, 6)))
        ys = xs if rng.random() < 0.5 else sorted((f"a{rng.randrange(6)}", k, 0, 1, True) for k in range(4))
        want = next(
            (
                (a, b)
                for a in xs
                for b in ys
                if a[0] != b[0]
                and (meta[a[0]][0] is None or meta[a[0]][0] != meta[b[0]][0])
                and (ys is not xs or a < b)
            ),
            None,
        )
        occurrences = _Occurrences(meta)
        occurrences.lists[1] = xs
        if ys is not xs:
            occurrences.lists[2] = ys
        assert occurrences._first_boilerplate_pair(1, 1 if ys is xs else 2) == want
        assert occurrences.pairs(1, 1 if ys is xs else 2) == ([] if want is None else [want])


def test_representative_pairs_in_numpy_are_those_of_the_walk():
    """_OccurrenceTable.boilerplate_pairs (numpy, Python where the first occurrence has no
    partner) picks, for every pair of norms, the pair _Occurrences picks."""
    import random

    import numpy as np

    from tracer.matches import _OccurrenceTable
    from tracer.store import SENTENCE_DTYPE

    rng = random.Random(11)
    for _ in range(200):
        outlets = [rng.choice([0, 1, -1]) for _ in range(6)]
        meta = {f"a{i}": ({0: "X", 1: "Y", -1: None}[o], None) for i, o in enumerate(outlets)}
        cells = sorted({(rng.randrange(6), rng.randrange(1, 4), k) for k in range(rng.randint(1, 12))})
        rows = np.zeros(len(cells), dtype=SENTENCE_DTYPE)
        for r, (article, norm, k) in enumerate(cells):
            rows[r]["article"], rows[r]["norm"], rows[r]["idx"] = article, norm, k
        occ = _OccurrenceTable(rows, np.ones(len(rows), dtype=bool), [f"a{i}" for i in range(6)], meta)
        occ.fan_out(16, np.array(outlets, dtype=np.int64), lambda: np.arange(6))
        groups = np.arange(len(occ.first))
        ga, gb = np.repeat(groups, len(groups)), np.tile(groups, len(groups))
        a, b, k = occ.boilerplate_pairs(ga, gb)
        got = {int(x): (int(p), int(q)) for x, p, q in zip(k, a, b, strict=True)}
        walk = _OccurrenceTable(rows, np.ones(len(rows), dtype=bool), [f"a{i}" for i in range(6)], meta)
        for x, (g, h) in enumerate(zip(ga.tolist(), gb.tolist(), strict=True)):
            want = walk._boilerplate_pair(int(walk.group_norm[g]), int(walk.group_norm[h]))
            assert got.get(x) == (want[0] if want else None), (cells, outlets, g, h)


@pytest.mark.parametrize("corpus", corpus_dirs(), ids=lambda p: p.name)
def test_matches_made_a_few_rows_at_a_time_are_the_same(tmp_path: Path, corpus: Path, monkeypatch):
    # rebuild makes the rows of single-piece matches a chunk at a time, interleaved with the
    # multi-sentence passages in id order: chunks of 2 rows cross every kind of boundary.
    from tracer import matches

    def tables(s: Store) -> list[tuple[object, ...]]:
        return [*s.conn.execute("SELECT * FROM matches ORDER BY id"), *s.conn.execute("SELECT * FROM pieces")]

    with Store.open(tmp_path / "s.db") as s:
        ingest(s, [corpus / "articles"])
        scan(s)
        whole = tables(s)
        monkeypatch.setattr(matches, "ROWS_CHUNK", 2)
        with s.transaction():
            matches.rebuild(s, 5, 3)
        assert tables(s) == whole
        assert any(r[-1] > 1 for r in s.conn.execute("SELECT sentences FROM matches")) or len(whole) < 4


def test_a_store_goes_on_with_the_parameters_it_was_scanned_with(tmp_path: Path):
    """Defaults may change between versions: a store scanned before keeps its own parameters,
    and its matches are those a scan from scratch with them gives."""
    other = replace(ScanParams(), min_jaccard=0.35, verify=replace(ScanParams().verify, min_score=0.6))
    first, rest = rumour_halves(tmp_path)
    with Store.open(tmp_path / "full.db") as full:
        ingest(full, [first, rest])
        scan(full, other)
        expected = _dump(full)
    with Store.open(tmp_path / "incr.db") as incr:
        ingest(incr, [first])
        scan(incr, other)
        ingest(incr, [rest])
        scan(incr)  # no parameters: the store's own
        assert incr.get_meta("scan_params") == other.fingerprint()
        got = _dump(incr)
    assert json.loads(expected)
    assert got.replace(str(tmp_path), "") == expected.replace(str(tmp_path), "")


def test_other_parameters_for_a_scanned_store_are_refused(tmp_path: Path):
    first, rest = rumour_halves(tmp_path)
    with Store.open(tmp_path / "s.db") as s:
        ingest(s, [first])
        scan(s)
        ingest(s, [rest])
        with pytest.raises(StoreError, match="scanned with other matching parameters"):
            scan(s, replace(ScanParams(), min_jaccard=0.35))
        assert s.get_meta("scan_params") == ScanParams().fingerprint()
        assert s.unscanned()


@pytest.mark.parametrize(
    "stored",
    [
        '{"not": "params"}',
        "not json",
        '{"bands": 32, "verify": {}, "removed_field": 1}',
        # the defaults' fingerprint less a field: a version before it was added
        json.dumps(
            {k: v for k, v in json.loads(ScanParams().fingerprint()).items() if k != "max_run"},
            sort_keys=True,
        ),
    ],
)
def test_parameters_this_version_cannot_make_again_mean_a_scan_anew(tmp_path: Path, stored: str):
    """Not refused (the store would be stuck): every article is scanned again with this
    version's parameters, as in a new store."""
    first, _ = rumour_halves(tmp_path)
    with Store.open(tmp_path / "s.db") as s:
        ingest(s, [first])
        scan(s)
        s.set_meta("scan_params", stored)
        s.conn.commit()
        assert ScanParams.from_fingerprint(stored) is None
        result = scan(s)
        assert result.scanned_anew and result.articles == s.counts()["articles"]
        assert s.get_meta("scan_params") == ScanParams().fingerprint()


def test_parameters_round_trip_through_their_fingerprint():
    for p in (ScanParams(), replace(ScanParams(), min_jaccard=0.25, window=6, bigrams=False)):
        assert ScanParams.from_fingerprint(p.fingerprint()) == p
