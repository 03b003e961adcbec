"""Engines: the local one and a Dask cluster give identical scans; the factory checks its arguments."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import operator
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import tracer.engine.dask_engine as dask_module
import tracer.engine.local as local_module
import tracer.engine.memory as memory_module
import tracer.engine.spill as spill_module
from tracer.candidates import (
    Anchors,
    Banding,
    PairSpill,
    UniqueInts,
    band_buckets,
    bucket_pairs,
    engine_pairs,
    jaccard_at_least,
    unique_sorted,
    unpack_pairs,
)
from tracer.cli import cli
from tracer.engine import get_engine, sizes
from tracer.engine.dask_engine import DaskEngine
from tracer.engine.local import LocalEngine
from tracer.errors import TracerError
from tracer.matches import query
from tracer.params import VerifyParams
from tracer.pipeline import ingest
from tracer.scan import scan
from tracer.store import Store
from tracer.tools.simulate import simulate
from tracer.verify import neighbourhood_order, verify_on, verify_pairs

from .conftest import RUMOUR
from .reference import candidate_pairs

HAVE_DASK = (
    importlib.util.find_spec("dask") is not None and importlib.util.find_spec("distributed") is not None
)
needs_dask = pytest.mark.skipif(
    not HAVE_DASK, reason="dask[distributed] is not installed (pip install '.[dask]')"
)


def _random_signatures(n: int = 900, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    sigs = rng.integers(0, 5, size=(n, 96), dtype=np.uint32)  # few values: many shared band keys
    group = np.repeat(np.arange(n // 3), 3)
    is_new = rng.random(n) < 0.3
    return sigs, group, is_new


# --- the factory ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "spark"}, "unknown engine 'spark'"),
        ({"name": "local", "workers": 0}, "workers must be a positive integer"),
        ({"name": "local", "workers": True}, "workers must be a positive integer"),
        ({"name": "local", "scheduler": "tcp://h:8786"}, "needs the dask engine"),
        ({"name": "dask", "scheduler": " "}, "scheduler must be an address"),
        ({"name": "dask", "scheduler": "tcp://h:8786", "workers": 2}, "a scheduler's cluster has its own"),
    ],
)
def test_factory_rejects_bad_arguments(kwargs, message):
    with pytest.raises(TracerError, match=message) as info:
        get_engine(**kwargs)
    assert "\n" not in str(info.value)


def test_factory_makes_a_local_engine():
    with get_engine("local", workers=3) as eng:
        assert isinstance(eng, LocalEngine) and eng.workers == 3 and eng.name == "local"
    assert get_engine().name == "local"


def test_dask_missing_says_how_to_install_it(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        dask_module.importlib.util,
        "find_spec",
        lambda name, *a: None if name in ("dask", "distributed") else real(name, *a),
    )
    with pytest.raises(TracerError) as info:
        get_engine("dask")
    assert info.value.hint == "install the dask extra, in the tracer checkout: pip install -e '.[dask]'"


def test_dask_missing_is_a_one_line_cli_error(monkeypatch, tmp_path):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        dask_module.importlib.util, "find_spec", lambda name, *a: None if name == "dask" else real(name, *a)
    )
    db = tmp_path / "t.db"
    result = CliRunner().invoke(cli, ["run", str(RUMOUR / "articles"), "--db", str(db), "--engine", "dask"])
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: the dask engine needs dask and distributed, which are not installed "
        "(install the dask extra, in the tracer checkout: pip install -e '.[dask]')\n"
    )
    assert not db.exists()


def test_cli_engine_errors_are_one_line(tmp_path):
    runner = CliRunner()
    db = str(tmp_path / "t.db")
    result = runner.invoke(cli, ["run", str(RUMOUR / "articles"), "--db", db, "--engine", "local",
                                 "--scheduler", "tcp://h:8786"])  # fmt: skip
    assert result.exit_code == 1
    assert (
        result.stderr.strip()
        == "Error: a scheduler address needs the dask engine (use --engine dask, or drop --scheduler)"
    )
    assert not Path(db).exists(), "nothing is ingested when the engine cannot be made"


# --- the pieces, without a cluster ------------------------------------------------------------


def test_local_map_batches_keeps_input_order():
    batches = list(range(7))
    assert list(LocalEngine(1).map(operator.mul, batches, 3)) == [b * 3 for b in batches]
    assert list(LocalEngine(2).map(operator.mul, iter(batches), 3)) == [b * 3 for b in batches]


def test_local_submit_runs_in_a_worker_once_the_pool_is_running():
    with LocalEngine(2) as eng:
        # No pool yet (a small scan's batches ran inline): the work runs here, when asked for.
        assert eng.submit(os.getpid)() == os.getpid()
        list(eng.map(operator.mul, range(6), 1))  # starts the pool
        waiting = eng.submit(os.getpid)
        assert waiting() != os.getpid()
        result = eng.submit(_make_result, 2, 3)()  # large arrays come back through a file
        assert np.array_equal(result.big, _make_result(2, 3).big) and result.label == "batch 2"
    with LocalEngine(1) as eng:
        assert eng.submit(os.getpid)() == os.getpid()


def test_a_task_submitted_to_the_pool_gives_back_its_memory_when_done(monkeypatch, tmp_path):
    marks = tmp_path / "trimmed"
    marks.touch()

    def mark() -> None:
        with marks.open("a") as out:
            out.write(f"{os.getpid()}\n")

    monkeypatch.setattr(memory_module, "return_free_memory", mark)  # inherited by the pool's workers
    with LocalEngine(2) as eng:
        list(eng.map(operator.mul, range(6), 1))  # starts the pool: batch tasks keep theirs
        assert marks.read_text() == ""
        worker = eng.submit(os.getpid)()
    assert marks.read_text() == f"{worker}\n"


def test_a_one_off_task_gives_back_its_memory_when_done(monkeypatch):
    calls = []
    monkeypatch.setattr(memory_module, "return_free_memory", lambda: calls.append("trimmed"))
    assert memory_module.then_trim(lambda x: calls.append("ran") or x * 2, 21) == 42
    assert calls == ["ran", "trimmed"]


def _thresholds(_batch: object) -> tuple[int, int, int]:
    import gc

    return gc.get_threshold()


def _frozen(_batch: object) -> int:
    import gc

    return gc.get_freeze_count()


def test_local_pool_workers_leave_what_they_were_forked_with_uncollected():
    # A collection in a worker would write to the parent's objects it inherited: page copies.
    inherited = [[k] for k in range(10_000)]  # objects the collector tracks, made before the fork
    with LocalEngine(2) as eng:
        frozen = set(eng.map(_frozen, range(6)))
    assert min(frozen) >= len(inherited)
    del inherited  # (held until here: through the fork)


def test_fewer_collections_sets_the_thresholds_and_restores_them():
    import gc

    before = gc.get_threshold()
    assert before != memory_module.GC_THRESHOLDS
    with memory_module.fewer_collections():
        assert gc.get_threshold() == memory_module.GC_THRESHOLDS
    assert gc.get_threshold() == before
    with pytest.raises(RuntimeError), memory_module.fewer_collections():
        raise RuntimeError("a failed block")
    assert gc.get_threshold() == before


def test_local_pool_workers_collect_less_and_a_scan_too(monkeypatch, tmp_path):
    import gc

    with LocalEngine(2) as eng:
        assert set(eng.map(_thresholds, range(6))) == {memory_module.GC_THRESHOLDS}
    # The scan's own process, while it scans; as it was after.
    seen = []
    real = local_module.LocalEngine.release_memory

    def release_memory(self):
        seen.append(gc.get_threshold())
        real(self)

    monkeypatch.setattr(local_module.LocalEngine, "release_memory", release_memory)
    before = gc.get_threshold()
    with Store.open(tmp_path / "t.db") as s:
        ingest(s, [RUMOUR / "articles"])
        scan(s)
    assert seen and set(seen) == {memory_module.GC_THRESHOLDS}  # after sentences and verify
    assert gc.get_threshold() == before


@dataclasses.dataclass
class _Result:
    big: np.ndarray
    small: np.ndarray
    label: str


def _make_result(n: int, scale: int) -> _Result:
    big = np.arange(n * 300_000, dtype=np.int64).reshape(n, -1) * scale  # 2.4 MB a row: spilled
    return _Result(big, np.arange(n) * scale, f"batch {n}")


def test_local_workers_large_results_cross_as_files_and_leave_none(monkeypatch):
    made = []
    real = spill_module._SpilledArray.load

    def load(self: spill_module._SpilledArray) -> np.ndarray:
        made.append(self.path)
        return real(self)

    monkeypatch.setattr(spill_module._SpilledArray, "load", load)
    with LocalEngine(2) as engine:
        got = list(engine.map(_make_result, [1, 2, 3, 4], 5))
        spill = engine._spill
        assert spill is not None and os.listdir(spill) == []  # every file read back and removed
    want = [_make_result(n, 5) for n in [1, 2, 3, 4]]
    assert len(made) == 4  # the large arrays only
    for g, w in zip(got, want, strict=True):
        assert np.array_equal(g.big, w.big) and g.big.shape == w.big.shape and g.big.dtype == w.big.dtype
        assert np.array_equal(g.small, w.small) and g.label == w.label
        assert type(g.big) is np.ndarray and g.big.flags.writeable  # mapped, but an array like any
        g.big[0, 0] = -1  # changed in this process only
    assert not os.path.exists(spill)


@pytest.mark.parametrize("fails", ["create", "write"])
def test_local_results_go_through_the_pipe_when_no_file_can_be_written(monkeypatch, fails):
    # As when /dev/shm is full (64 MB in a container by default): the arrays are pickled instead.
    import errno
    import tempfile

    real = tempfile.mkstemp

    def mkstemp(prefix: str = "", dir: str | None = None) -> tuple[int, str]:
        if fails == "create":
            raise OSError(errno.ENOSPC, "No space left on device")
        fd, path = real(prefix=prefix, dir=dir)
        os.close(fd)
        return os.open(path, os.O_RDONLY), path  # made, but writing to it fails

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)  # the workers are forked with it
    with LocalEngine(2) as engine:
        got = list(engine.map(_make_result, [1, 2, 3], 7))
        assert engine._spill is not None and os.listdir(engine._spill) == []
    for g, n in zip(got, [1, 2, 3], strict=True):
        assert np.array_equal(g.big, _make_result(n, 7).big)


def test_spill_directories_of_processes_that_are_gone_are_removed(tmp_path, monkeypatch):
    import subprocess

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # its pid is free now (and not reused this soon)
    orphan = tmp_path / f"tracer-results-{gone.pid}-abc"
    orphan.mkdir()
    (orphan / "result-1").write_bytes(b"x" * 100)
    alive = tmp_path / f"tracer-results-{os.getpid()}-def"
    alive.mkdir()
    other = tmp_path / "tracer-results-notapid"
    other.mkdir()
    monkeypatch.setattr(local_module, "spill_directory_root", lambda: str(tmp_path))
    with LocalEngine(2) as engine:
        list(engine.map(_make_result, [1, 2, 3], 1))
        assert engine._spill is not None and os.path.basename(engine._spill).startswith(
            f"tracer-results-{os.getpid()}-"
        )
    assert not orphan.exists() and alive.exists() and other.exists()


def test_local_results_not_read_back_are_removed_with_the_engine():
    with LocalEngine(2) as engine:
        results = engine.map(_make_result, [1, 2, 3, 4, 5, 6], 1)
        next(results)
        results.close()  # as a failed scan does: the batches in flight are never read back
        spill = engine._spill
    assert spill is not None and not os.path.exists(spill)


@pytest.mark.parametrize("threads", [1, 3])
def test_accept_in_threads_gives_the_same_mask(threads):
    from tracer.candidates import accept_in_threads, jaccard_at_least

    rng = np.random.default_rng(4)
    checks = rng.integers(0, 4, (5000, 16), dtype=np.uint8)  # few values: many pairs pass
    pairs = rng.integers(0, 5000, (3 * (1 << 16) + 7, 2))

    def accept(p: np.ndarray) -> np.ndarray:
        return jaccard_at_least(checks, p, 0.3)

    want = accept(pairs)
    assert 0 < want.sum() < len(want)
    assert np.array_equal(accept_in_threads(accept, pairs, threads), want)


def _worker_pid(_item: object) -> int:
    import time

    time.sleep(0.05)  # long enough that both workers take items
    return os.getpid()


def test_local_release_memory_replaces_the_workers():
    with LocalEngine(2) as engine:
        engine.release_memory()  # no pool yet: nothing to do, and none is forked
        assert engine.submit(os.getpid)() == os.getpid()
        before = set(engine.map(_worker_pid, range(6)))
        spill = engine._spill
        engine.release_memory()
        assert engine._pool is None  # none held between stages: forked when next needed
        after = set(engine.map(_worker_pid, range(6)))
        # Workers forked anew: none of the old ones is left holding its heap.
        assert len(before) == len(after) == 2 and before.isdisjoint(after)
        assert engine.submit(os.getpid)() in after
        engine.release_memory()
        assert engine.submit(os.getpid)() != os.getpid()  # a one-off task forks them again too
        assert spill is not None and not os.path.exists(spill) and os.path.isdir(engine._spill)
        assert list(engine.map(operator.mul, range(4), 3)) == [0, 3, 6, 9]  # still works


@pytest.mark.parametrize("rows", [2, 3])
@pytest.mark.parametrize("parts", [1, 2, 5])
@pytest.mark.parametrize(("max_run", "anchors"), [(0, None), (30, None), (30, Anchors(6, 2))])
def test_hash_partitioned_banding_equals_the_local_banding(rows, parts, max_run, anchors):
    sigs, group, is_new = _random_signatures()
    banding = Banding(32, rows)
    expected = candidate_pairs(banding, sigs, group, is_new, max_run=max_run, anchors=anchors)
    got = []
    for first in range(0, banding.bands, 12):  # bands a round at a time, as a cluster is sent them
        bands = range(first, min(first + 12, banding.bands))
        keys = np.stack([banding.column(sigs, b) for b in bands], axis=1)
        got += [
            bucket_pairs(bucket, max_run, anchors)
            for bucket in band_buckets(keys, group, is_new, parts, first)
        ]
    got = unique_sorted(np.concatenate(got))
    assert len(expected) > 300
    assert np.array_equal(np.stack((got >> 32, got & 0xFFFFFFFF), axis=1), expected)


def test_unique_sorted_is_np_unique():
    values = np.random.default_rng(1).integers(0, 50, 1000)
    assert np.array_equal(unique_sorted(values), np.unique(values))
    assert len(unique_sorted(np.empty(0, dtype=np.int64))) == 0


def test_unique_ints_is_np_unique_of_all_added():
    rng = np.random.default_rng(2)
    acc = UniqueInts()
    added = []
    for size in (0, 5, 3_000_000, 10, 2_000_000):  # the large ones force merges on the way
        part = rng.integers(0, 1 << 21, size)
        acc.add(part)
        added.append(part)
    assert np.array_equal(acc.values(), np.unique(np.concatenate(added)))
    assert len(UniqueInts().values()) == 0


# --- a Dask cluster ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dask_engine():
    if not HAVE_DASK:
        pytest.skip("dask[distributed] is not installed (pip install '.[dask]')")
    with get_engine("dask", workers=2) as eng:
        yield eng


@pytest.fixture(scope="module")
def small_dask_engine(dask_engine):
    """The same cluster, cutting work small: many batches, three partitions."""
    return DaskEngine(dask_engine.client, partitions=3, batch_size=4)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("simulate") / "corpus.jsonl"
    simulate(300, out)
    return out


def _scanned(path: Path, db: Path, eng) -> dict:
    with Store.open(db) as s:
        ingest(s, [path])
        result = scan(s, engine=eng)
        q = s.conn.execute
        return {
            "matches": [m.as_dict() for m in query(s, include_boilerplate=True)],
            "claims": q("SELECT * FROM claims ORDER BY rank, id").fetchall(),
            "members": q("SELECT * FROM claim_members ORDER BY claim_id, member").fetchall(),
            "near": q("SELECT * FROM near ORDER BY 1, 2").fetchall(),
            "counts": {k: v for k, v in vars(result).items() if k not in ("seconds", "peak_mb")},
        }


def test_a_scan_checking_spilled_pairs_in_partitions_is_identical(tmp_path, synthetic, monkeypatch):

    local = _scanned(synthetic, tmp_path / "whole.db", LocalEngine(1))
    assert local["near"], "the corpus should have candidate pairs that align"
    made = []
    original = PairSpill.__init__

    def spy(self, bounds, *args, **kwargs):
        made.append(list(bounds))
        original(self, bounds, *args, **kwargs)

    monkeypatch.setattr(PairSpill, "__init__", spy)
    monkeypatch.setattr(sizes, "CHECKS_IN_MEMORY", 96 * 1000)  # partitions of 500 units
    spilled = _scanned(synthetic, tmp_path / "spilled.db", LocalEngine(2))
    assert len(made) == 1 and len(made[0]) > 5, "the scan should have checked in partitions"
    assert json.dumps(spilled) == json.dumps(local)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("tracer-pairs")], "spill files left"


@pytest.mark.parametrize("order_elsewhere", [True, False])
@pytest.mark.parametrize("banal_elsewhere", [True, False])
@pytest.mark.parametrize("graph_elsewhere", [True, False])
def test_a_scan_with_work_begun_in_workers_is_identical(
    tmp_path, synthetic, monkeypatch, order_elsewhere, banal_elsewhere, graph_elsewhere
):

    inline = _scanned(synthetic, tmp_path / "inline.db", LocalEngine(1))
    assert inline["claims"] and inline["near"], "the corpus should have aligned pairs and claims"
    if not order_elsewhere:  # more pairs than a worker orders while their texts are gathered
        monkeypatch.setattr(sizes, "ORDER_ELSEWHERE", 0)
    if not banal_elsewhere:  # more verified pairs than a worker judges while pieces are made
        monkeypatch.setattr(sizes, "BANAL_ELSEWHERE", 0)
    if not graph_elsewhere:  # more pieces than a worker groups while the matches are written
        monkeypatch.setattr(sizes, "GRAPH_ELSEWHERE", 0)
    begun = []
    real = LocalEngine.submit

    def submit(self, func, *args):
        # In a worker: a pool is running, or ran and was ended between stages (forked again).
        begun.append((func.__name__, self._pool is not None or self._forked))
        return real(self, func, *args)

    monkeypatch.setattr(LocalEngine, "submit", submit)
    with LocalEngine(2, batch_size=20) as eng:
        in_workers = _scanned(synthetic, tmp_path / "workers.db", eng)
    assert begun == (
        [("neighbourhood_order", True)] * order_elsewhere
        + [("tally_texts", True)] * (sizes.BANAL_TASKS * banal_elsewhere)
        + [("mention_graph", True)] * graph_elsewhere
    )
    assert json.dumps(in_workers) == json.dumps(inline)


@pytest.mark.parametrize("pread", [True, False], ids=["pread", "seek-read"])
def test_sentence_texts_are_each_sentences_first_stored_occurrence(tmp_path, synthetic, monkeypatch, pread):
    import os

    from tracer.sentence_texts import SentenceTexts
    from tracer.text import TokensOnDemand, fold, tokens

    if not pread:  # as on Windows
        monkeypatch.delattr(os, "pread")
    with Store.open(tmp_path / "s.db") as s:
        ingest(s, [synthetic])
        scan(s, engine=LocalEngine(1))
        sentences = s.sentences()
        norms, first = np.unique(sentences["norm"], return_index=True)
        rng = np.random.default_rng(2)
        wanted = rng.choice(norms, 400, replace=False)
        with SentenceTexts(s, np.concatenate((wanted, wanted[:50]))) as texts:  # repeats are one
            asked = np.concatenate((wanted[::3], [-5]))  # a norm not wanted is left out
            got = texts.tokens(asked).texts
            # The on-demand view reads the same texts, a subset at once or one at a time.
            view = texts.on_demand()
            assert len(view) == 400 and sorted(view) == sorted(wanted.tolist())
            subset = view.subset(wanted[::3].tolist())
            assert isinstance(subset, TokensOnDemand) and subset.texts == got
            assert all(view[k] == tokens(fold(got[k])) for k in wanted[::3].tolist())
            with pytest.raises(KeyError):
                view[-5]
            if pread:
                # For a worker on this machine: where the texts are crosses, it reads them itself.
                import pickle

                local = pickle.loads(pickle.dumps(texts.in_file(asked)))
                assert local.texts == {} and sorted(local) == sorted(got)
                assert all(local[k] == tokens(fold(got[k])) for k in got) and local.texts == got
        assert sorted(got) == sorted(wanted[::3].tolist())
        for norm, text in got.items():
            row = sentences[first[np.searchsorted(norms, norm)]]
            article = s.texts_by_seq([int(row["article"])])[int(row["article"])]
            assert text == article[row["start"] : row["end"]]
    assert not [p for p in tmp_path.iterdir() if "tracer-" in p.name]


@pytest.mark.parametrize("bounds", [[0, 900], [0, 300, 600, 900], [0, 1, 450, 899, 900]])
@pytest.mark.parametrize("threads", [1, 2])
def test_spilled_pairs_are_the_pairs_checked_in_memory(tmp_path, bounds, threads):
    sigs, group, is_new = _random_signatures()
    banding = Banding(32, 3)
    checks = sigs.astype(np.uint8)

    def column(band: int) -> np.ndarray:
        return banding.column(sigs, band)

    def accept(pairs: np.ndarray) -> np.ndarray:
        return jaccard_at_least(checks, pairs, 0.3)

    eng = LocalEngine(threads)
    want = engine_pairs(eng, column, banding.bands, group, is_new, 0, accept)
    assert 0 < len(want) < len(engine_pairs(eng, column, banding.bands, group, is_new, 0)) / 2
    read = []

    def read_checks(lo: int, hi: int) -> np.ndarray:
        read.append((lo, hi))
        return checks[lo:hi].copy()

    released = []
    with PairSpill(bounds, read_checks, 0.3, tmp_path, threads, lambda: released.append(len(read))) as spill:
        got = engine_pairs(eng, column, banding.bands, group, is_new, 0, spill=spill)
        assert spill.spilled > len(got)
    assert released == [0], "release is called once, before any check bytes are read"
    assert np.array_equal(got, want)
    assert all(hi - lo <= max(np.diff(bounds)) for lo, hi in read)
    assert list(tmp_path.iterdir()) == [], "the spill's files should be gone"


def test_pair_spill_rejects_bounds_that_do_not_rise_from_zero(tmp_path):
    with pytest.raises(TracerError, match="must rise from 0"):
        PairSpill([0, 5, 3], lambda lo, hi: np.empty((0, 8)), 0.3, tmp_path)
    with pytest.raises(TracerError, match="must rise from 0"):
        PairSpill([1, 5], lambda lo, hi: np.empty((0, 8)), 0.3, tmp_path)


@needs_dask
def test_dask_engine_runs_on_a_cluster(dask_engine):
    assert dask_engine.name == "dask"
    assert sum(dask_engine.client.nthreads().values()) == 2


@needs_dask
@pytest.mark.parametrize("corpus", ["rumour", "synthetic"])
def test_dask_scan_is_identical_to_local(request, tmp_path, dask_engine, small_dask_engine, corpus):
    path = RUMOUR / "articles" if corpus == "rumour" else request.getfixturevalue("synthetic")
    local = _scanned(path, tmp_path / "local.db", LocalEngine(1))
    assert local["matches"] and local["claims"], "the corpus should have matches and claims"
    assert json.dumps(_scanned(path, tmp_path / "dask.db", dask_engine)) == json.dumps(local)
    small = DaskEngine(small_dask_engine.client, partitions=3, batch_size=4 if corpus == "rumour" else 40)
    assert json.dumps(_scanned(path, tmp_path / "small.db", small)) == json.dumps(local)


@needs_dask
def test_dask_pieces_equal_local(tmp_path, small_dask_engine, monkeypatch):
    sigs, group, is_new = _random_signatures()
    banding = Banding(32, 3)

    def column(band: int) -> np.ndarray:
        return banding.column(sigs, band)

    monkeypatch.setattr(sizes, "BANDS_PER_ROUND", 5)
    rounds = DaskEngine(small_dask_engine.client, partitions=3)
    for max_run in (0, 30):
        expected = candidate_pairs(banding, sigs, group, is_new, max_run=max_run)
        assert np.array_equal(
            unpack_pairs(engine_pairs(small_dask_engine, column, banding.bands, group, is_new, max_run)),
            expected,
        )
        assert np.array_equal(
            unpack_pairs(engine_pairs(rounds, column, banding.bands, group, is_new, max_run)), expected
        )

    # Filtered round by round, as the local engine filters band by band.
    def accept(pairs: np.ndarray) -> np.ndarray:
        return pairs[:, 0] % 2 == 0

    assert np.array_equal(
        engine_pairs(rounds, column, banding.bands, group, is_new, 0, accept),
        engine_pairs(LocalEngine(1), column, banding.bands, group, is_new, 0, accept),
    )
    checks = sigs.astype(np.uint8)
    with PairSpill([0, 400, 900], lambda lo, hi: checks[lo:hi], 0.3, tmp_path) as spill:
        assert np.array_equal(
            engine_pairs(rounds, column, banding.bands, group, is_new, 0, spill=spill),
            engine_pairs(
                LocalEngine(1),
                column,
                banding.bands,
                group,
                is_new,
                0,
                lambda p: jaccard_at_least(checks, p, 0.3),
            ),
        )
    batches = list(range(11))
    assert list(small_dask_engine.map(operator.mul, batches, 3)) == [b * 3 for b in batches]
    token_of = {
        1: "the minister said the budget would be cut by ten percent next year".split(),
        2: "officials said the budget would be cut by ten percent next year".split(),
        3: "a completely different sentence about the weather in the north".split(),
    }
    pairs = np.array([[1, 2], [1, 3], [3, 2], [2, 1]], dtype=np.int64)
    seen: list[tuple[int, int]] = []
    rows = verify_on(
        small_dask_engine, pairs, token_of, VerifyParams(), lambda done, total: seen.append((done, total))
    )
    assert rows == verify_pairs(pairs.tolist(), token_of, VerifyParams()) and len(rows) == 2
    assert seen[-1] == (4, 4)
    assert verify_on(small_dask_engine, np.empty((0, 2), dtype=np.int64), token_of, VerifyParams()) == []


@needs_dask
def test_dask_submit_returns_the_result(dask_engine):
    assert dask_engine.submit(operator.mul, 6, 7)() == 42


def test_a_failing_task_raises_its_error(small_dask_engine):
    with pytest.raises(ZeroDivisionError):
        list(small_dask_engine.map(operator.truediv, [1, 2, 3], 0))


def test_the_local_engine_does_not_import_dask():
    code = "import sys, tracer.scan, tracer.engine; tracer.engine.get_engine('local'); print(sorted(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert "'dask'" not in out and "'distributed'" not in out


def test_local_verify_in_the_pool_equals_inline(monkeypatch):
    monkeypatch.setattr(sizes, "VERIFY_CHUNK", 7)
    rng = np.random.default_rng(3)
    words = "the minister said budget would cut ten percent next year officials north weather".split()
    token_of = {k: [words[i] for i in rng.integers(0, len(words), 14)] for k in range(40)}
    pairs = np.array([(a, b) for a in range(40) for b in range(a + 1, 40)], dtype=np.int64)
    seen: list[tuple[int, int]] = []
    pooled = verify_on(LocalEngine(2), pairs, token_of, VerifyParams(), lambda d, t: seen.append((d, t)))
    inline = verify_pairs(pairs.tolist(), token_of, VerifyParams())
    assert inline and pooled == inline
    assert seen[-1] == (len(pairs), len(pairs))
    # Sentences sent as text and tokenised in the workers: the same rows.
    from tracer.text import TokensOnDemand

    texts = TokensOnDemand({k: " ".join(t).capitalize() + "." for k, t in token_of.items()})
    assert verify_on(LocalEngine(2), pairs, texts, VerifyParams()) == inline


def test_verify_in_small_rounds_gives_the_same_scan(tmp_path, monkeypatch):

    whole = _scanned(RUMOUR / "articles", tmp_path / "whole.db", LocalEngine(1))
    monkeypatch.setattr(sizes, "VERIFY_ROUND", 3)
    rounds = _scanned(RUMOUR / "articles", tmp_path / "rounds.db", LocalEngine(1))
    assert whole["near"] and json.dumps(rounds) == json.dumps(whole)


def test_neighbourhood_order_keeps_pairs_sharing_a_sentence_together():
    # A chain of sentences with shuffled ids: sorted by id its links are scattered; in
    # neighbourhood order each link shares a sentence with the next.
    rng = np.random.default_rng(5)
    ids = rng.permutation(1000)[:200] * 7 + 3
    links = np.stack((np.minimum(ids[:-1], ids[1:]), np.maximum(ids[:-1], ids[1:])), axis=1)
    links = links[np.lexsort((links[:, 1], links[:, 0]))]
    order = neighbourhood_order(links)
    assert sorted(order.tolist()) == list(range(len(links)))
    walked = links[order]
    assert all(set(x) & set(y) for x, y in zip(walked[:-1].tolist(), walked[1:].tolist(), strict=True))
    assert not all(set(x) & set(y) for x, y in zip(links[:-1].tolist(), links[1:].tolist(), strict=True))
    assert len(neighbourhood_order(links[:0])) == 0


# --- the engine package: where work runs, apart from what is computed ---------------------------

STAGE_MODULES = (
    "analyse",
    "candidates",
    "verify",
    "text",
    "scan",
    "matches",
    "claims",
    "provenance",
    "store",
)


def test_the_engine_package_imports_no_stage_module():
    code = (
        "import json, sys, tracer.engine, tracer.engine.local, tracer.engine.dask_engine, tracer.engine.spill;"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('tracer.'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    loaded = set(json.loads(out))
    assert loaded, "the engine modules should be loaded"
    assert not {f"tracer.{m}" for m in STAGE_MODULES} & loaded


def test_a_stage_times_itself_gives_back_memory_and_collects_less(monkeypatch):
    import gc

    from tracer.engine import StageTimes

    trimmed, released = [], []
    monkeypatch.setattr(memory_module, "return_free_memory", lambda: trimmed.append(gc.get_threshold()))
    import tracer.engine.base as base_module

    monkeypatch.setattr(base_module, "return_free_memory", lambda: trimmed.append(gc.get_threshold()))
    eng = LocalEngine(1)
    monkeypatch.setattr(eng, "release_memory", lambda: released.append(gc.get_threshold()))
    times = StageTimes()
    before = gc.get_threshold()
    with eng.stage("first", times):
        assert gc.get_threshold() == memory_module.GC_THRESHOLDS
    with eng.stage("second", times, release_workers=True):
        pass
    assert gc.get_threshold() == before
    assert trimmed == [memory_module.GC_THRESHOLDS] * 2 and released == [memory_module.GC_THRESHOLDS]
    assert list(times.seconds) == ["first", "second"] and list(times.peak_mb) == ["first", "second"]
    with pytest.raises(RuntimeError), eng.stage("failed", times):
        raise RuntimeError("a failed stage")
    assert "failed" not in times.seconds and gc.get_threshold() == before


def test_a_scan_reports_each_stage(tmp_path):
    with Store.open(tmp_path / "s.db") as s:
        ingest(s, [RUMOUR / "articles"])
        result = scan(s, engine=LocalEngine(1))
    assert list(result.seconds) == [
        "sentences",
        "candidates",
        "texts",
        "verify",
        "matches",
        "claims",
        "commit",
    ]
    assert list(result.peak_mb) == list(result.seconds)
