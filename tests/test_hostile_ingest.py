"""Hostile input at ingest: dates out of range."""

from __future__ import annotations

import sqlite3
import time
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from tracer.cli import cli
from tracer.store import Store

from .conftest import RUMOUR

BODY = (
    "A lighthouse keeper on the western isles has rescued a stranded seal pup during a gale.\n"
    "Witnesses said the pup had been separated from its mother for two days.\n"
)
LATE = "9999-12-31T23:59:59-12:00"  # 10000-01-01 in UTC
EARLY = "0001-01-01T00:00:00+14:00"  # year 0 in UTC


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def _run(runner: CliRunner, *args: str):
    return runner.invoke(cli, list(args), catch_exceptions=False)


def _clean(result) -> None:
    """No traceback, and no exception but the exit status."""
    assert "Traceback" not in result.output and "Error:" not in result.stdout
    assert result.exception is None or isinstance(result.exception, SystemExit)


# --- 2. dates that parse never break a store --------------------------------------------------


def _rumour_with_date(runner: CliRunner, tmp_path: Path, value: str) -> Path:
    """A scanned store whose article 03 holds ``value``, as a version before this one wrote it."""
    db = tmp_path / "t.db"
    assert _run(runner, "run", str(RUMOUR / "articles"), "--db", str(db), "--quiet").exit_code == 0
    with sqlite3.connect(db) as conn:
        conn.execute(
            "UPDATE articles SET published = ? WHERE source_path LIKE '%03_metro-ledger.txt'", (value,)
        )
    return db


@pytest.mark.parametrize("value", [LATE, EARLY, "2024-03-09T23:30:00-04:00"])
def test_store_holding_an_unusable_date_still_scans(runner, tmp_path, value) -> None:
    db = _rumour_with_date(runner, tmp_path, value)
    extra = tmp_path / "extra.txt"
    extra.write_text("outlet: New Outlet\ndate: 2024-04-01\n\n" + BODY, encoding="utf-8")
    for args in (
        ("scan",),
        ("run", str(extra)),
        ("claims",),
        ("claims", "--format", "json"),
        ("matches",),
        ("outlets",),
        ("stats",),
        ("trace", "Varek"),
        ("report", "-o", str(tmp_path / "r.html")),
        ("export", "--format", "gexf", "-o", str(tmp_path / "g.gexf")),
        (
            "export",
            "--format",
            "csv",
            "--level",
            "claims",
            "--since",
            "2024-01-01",
            "-o",
            str(tmp_path / "c"),
        ),
    ):
        result = _run(runner, *args, "--db", str(db))
        _clean(result)
        assert result.exit_code == 0, (args, result.output)
    with Store.open(db) as s:
        ids = [r[0] for r in s.conn.execute("SELECT id FROM articles WHERE published = ?", (value,))]
        lags = s.conn.execute(
            "SELECT lag_days FROM claim_members WHERE article_id = ? OR parent_id = ?",
            (ids[0], ids[0]),
        ).fetchall()
    assert len(ids) == 1 and lags
    if value in (LATE, EARLY):
        assert all(lag is None for (lag,) in lags)  # the date counts as unknown
    for command in ("origin", "show"):
        result = _run(runner, command, ids[0], "--db", str(db))
        _clean(result)
        assert result.exit_code == 0, (command, result.output)


def test_reading_dates_is_utc_whatever_the_local_zone(monkeypatch) -> None:
    from tracer import provenance, report

    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        assert provenance._when("2024-01-01T12:00:00+02:00") == datetime(2024, 1, 1, 10, 0)
        assert provenance._when("2024-01-01T12:00:00") == datetime(2024, 1, 1, 12, 0)
        assert provenance.lag_days("2024-01-01T00:00:00", "2024-01-01T12:00:00+00:00") == 0.5
        assert provenance._when(LATE) is None and provenance._when(EARLY) is None
        assert provenance.lag_days(LATE, "2024-01-01") is None
        assert report._day("2024-01-01T12:00:00+02:00") == datetime(2024, 1, 1).toordinal() + 10 / 24
        assert report._day(LATE) is None
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_match_order_of_unusable_dates_does_not_fail() -> None:
    from tracer import matches

    assert matches._published_order(LATE, "2024-01-01T00:00:00+00:00") in (-1, 0, 1)
    assert matches._published_order(EARLY, LATE) in (-1, 0, 1)
    # A time of day with no zone is read as UTC, against a moment with one.
    assert matches._published_order("2024-01-01T09:00:00", "2024-01-01T10:00:00+02:00") == 1
