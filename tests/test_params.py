"""Parameters in one place: checked when made, all of them kept in a store's fingerprint."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from tracer.errors import ParamError, TracerError
from tracer.params import BanalParams, BoilerplateParams, ClaimParams, ScanParams, VerifyParams
from tracer.pipeline import ingest
from tracer.scan import scan
from tracer.store import Store

from .conftest import rumour_halves


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda: ScanParams(min_jaccard=1.5, max_run=-3), ["ScanParams.min_jaccard", "[0, 1]", "1.5"]),
        (lambda: ScanParams(max_run=-3), ["ScanParams.max_run", "an integer in [2, inf)", "-3"]),
        (lambda: ScanParams(num_perm=96.0), ["ScanParams.num_perm", "an integer", "96.0"]),
        (lambda: ScanParams(seed=-1), ["ScanParams.seed", "-1"]),
        (lambda: ScanParams(bigrams="yes"), ["ScanParams.bigrams", "True or False", "'yes'"]),
        (lambda: ScanParams(bands=40, rows=3), ["bands x rows (40x3)", "num_perm (96)"]),
        (lambda: ScanParams(banal_share=0.0), ["ScanParams.banal_share", "(0, 1]", "0.0"]),
        (lambda: ScanParams(min_jaccard=float("nan")), ["ScanParams.min_jaccard", "nan"]),
        (lambda: ScanParams(claims={"min_average": 0.3}), ["ScanParams.claims", "ClaimParams"]),
        (lambda: VerifyParams(near_score=2), ["VerifyParams.near_score", "[0, 1]", "2"]),
        (lambda: ClaimParams(min_average=-0.1), ["ClaimParams.min_average", "-0.1"]),
        (lambda: ClaimParams(min_overlap=0), ["ClaimParams.min_overlap", "(0, 1]"]),
        (lambda: BoilerplateParams(rounds=0), ["BoilerplateParams.rounds", "[1, inf)", "0"]),
        (lambda: BoilerplateParams(wire_share=1.5), ["BoilerplateParams.wire_share", "[0, 1]", "1.5"]),
        (lambda: BanalParams(dominance=1.2), ["BanalParams.dominance", "1.2"]),
    ],
)
def test_a_value_out_of_range_is_refused_with_what_to_do(make, words):
    with pytest.raises(ParamError) as info:
        make()
    message = str(info.value)
    assert all(w in message for w in words), message
    assert "\n" not in message and info.value.hint
    assert isinstance(info.value, TracerError) and isinstance(info.value, ValueError)


def test_the_defaults_and_the_edges_of_ranges_are_accepted():
    ScanParams()
    ScanParams(min_jaccard=0, max_run=2, frequent_df=1, banal_df=0, seed=2**32 - 1, num_perm=1024)
    VerifyParams(min_score=1, max_gap=0)
    ClaimParams(min_average=1.0, min_overlap=1.0, max_terms=0)


def test_every_parameter_is_in_the_fingerprint():
    values = json.loads(ScanParams().fingerprint())
    assert values["claims"] == {"min_average": 0.3, "min_overlap": 0.5, "max_terms": 6, "hub_links": 16}
    assert values["boilerplate"]["outlet_repeats"] == 3 and "rounds" in values["boilerplate"]
    other = replace(
        ScanParams(), claims=ClaimParams(min_average=0.6), boilerplate=BoilerplateParams(rounds=1)
    )
    assert ScanParams.from_fingerprint(other.fingerprint()) == other != ScanParams()


@pytest.mark.parametrize("dropped", [("claims",), ("boilerplate",), ("claims", "boilerplate", "fanout")])
def test_a_fingerprint_made_before_these_were_kept_means_the_defaults(dropped):
    old = json.loads(ScanParams(min_jaccard=0.3).fingerprint())
    for key in dropped:
        del old[key]
    assert ScanParams.from_fingerprint(json.dumps(old, sort_keys=True)) == ScanParams(min_jaccard=0.3)


def _claims(s: Store) -> list[tuple[str, int]]:
    return [tuple(r) for r in s.conn.execute("SELECT text, articles FROM claims ORDER BY rank")]


def _boilerplate(s: Store) -> int:
    return int(s.conn.execute("SELECT COUNT(*) FROM matches WHERE boilerplate != 0").fetchone()[0])


def test_a_store_goes_on_with_the_claim_and_boilerplate_parameters_it_was_scanned_with(tmp_path: Path):
    other = replace(
        ScanParams(), claims=ClaimParams(min_average=0.95), boilerplate=BoilerplateParams(outlet_repeats=2)
    )
    first, rest = rumour_halves(tmp_path)
    with Store.open(tmp_path / "default.db") as default, Store.open(tmp_path / "full.db") as full:
        ingest(default, [first, rest])
        scan(default)
        ingest(full, [first, rest])
        scan(full, other)
        expected = _claims(full), _boilerplate(full)
        assert expected != (_claims(default), _boilerplate(default)), "the parameters should matter here"
    with Store.open(tmp_path / "incr.db") as incr:
        ingest(incr, [first])
        scan(incr, other)
        ingest(incr, [rest])
        scan(incr)  # no parameters: the store's own
        assert incr.get_meta("scan_params") == other.fingerprint()
        assert (_claims(incr), _boilerplate(incr)) == expected


def test_a_store_scanned_before_claims_were_kept_goes_on_without_a_rescan(tmp_path: Path):
    first, rest = rumour_halves(tmp_path)
    with Store.open(tmp_path / "s.db") as s:
        ingest(s, [first])
        scan(s)
        before = _claims(s)
        old = json.loads(ScanParams().fingerprint())
        del old["claims"], old["boilerplate"]
        with s.transaction():
            s.set_meta("scan_params", json.dumps(old, sort_keys=True))
        result = scan(s)
        assert not result.scanned_anew and result.articles == 0
        assert s.get_meta("scan_params") == ScanParams().fingerprint()
        assert _claims(s) == before
        ingest(s, [rest])
        assert scan(s).articles > 0
