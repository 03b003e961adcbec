"""The terminal at scale: tables fit the width, filters and sort in the query layer, hints for
what is not shown, one format for values, a progress line that ends, developer figures on demand."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tracer import cli as cli_module
from tracer.cli import cli

from .conftest import RUMOUR

TRACE_QUERY = "spokesman for the Chancellery"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    db = str(tmp_path_factory.mktemp("terminal") / "t.db")
    result = CliRunner().invoke(cli, ["run", str(RUMOUR / "articles"), "--db", db, "-q"])
    assert result.exit_code == 0, result.output
    return db


def _run(db: str, *args: str, width: int | None = 80) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of a command at ``width`` columns (None: COLUMNS unset)."""
    env = {"COLUMNS": str(width) if width else None}
    args = tuple(_metro_echo(db) if a == "METRO_ECHO" else a for a in args)
    result = CliRunner().invoke(cli, [*args, "--db", db], env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, " ".join(result.stderr.split())  # hints are wrapped


def _metro_echo(db: str) -> str:
    """The id of Metro Ledger's 2024-03-28 echo of the trace claim (ids are not hard-coded: they
    follow how articles are identified)."""
    [claim] = _json(db, "trace", TRACE_QUERY, "--limit", "1")
    [member] = [
        m
        for m in claim["members"]
        if m["outlet"] == "Metro Ledger" and (m["published"] or "").startswith("2024-03-28")
    ]
    return member["article_id"]


def _json(db: str, *args: str) -> Any:
    code, out, err = _run(db, *args, "--format", "json")
    assert code == 0, err
    return json.loads(out)


COMMANDS = [
    ("claims",),
    ("claims", "--limit", "0"),
    ("trace", TRACE_QUERY, "--limit", "3"),
    ("outlets", "--limit", "0"),
    ("matches", "--limit", "0"),
    ("matches", "--include-boilerplate", "--include-banal"),
    ("origin", "METRO_ECHO"),
    ("passages",),
]


@pytest.mark.parametrize("width", [80, 120, 200])
@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_every_table_line_fits_the_terminal(store, args, width):
    code, out, err = _run(store, *args, width=width)
    assert code == 0, err
    too_long = [line for line in out.splitlines() if len(line) > width]
    assert not too_long, f"{len(too_long)} lines over {width} columns: {too_long[0]!r}"


def test_run_summary_fits_the_terminal(tmp_path: Path):
    result = CliRunner().invoke(
        cli, ["run", str(RUMOUR / "articles"), "--db", str(tmp_path / "s.db"), "-q"], env={"COLUMNS": "60"}
    )
    assert result.exit_code == 0
    lines = [line for line in result.stdout.splitlines() if "echo(es)" in line]
    assert lines and max(map(len, lines)) <= 60


def test_terminal_width_from_click_context_wins(store):
    result = CliRunner().invoke(cli, ["claims", "--db", store], terminal_width=60, env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert max(map(len, result.stdout.splitlines())) <= 60


def test_text_uses_a_wide_terminal(store):
    # At 200 columns the claims' texts run on past the old fixed cut at 80 characters.
    out = _run(store, "claims", "--limit", "0", width=200)[1]
    texts = [c["text"] for c in _json(store, "claims")]  # type: ignore[union-attr]
    longest = max(texts, key=len)
    assert len(longest) > 100
    assert longest[:100] in out
    assert max(map(len, out.splitlines())) > 150


def test_narrow_terminal_puts_text_under_its_row(store):
    out = _run(store, "trace", TRACE_QUERY, width=80)[1].splitlines()
    head = next(i for i, line in enumerate(out) if line.startswith("published"))
    assert "text" not in out[head].split()
    assert out[head + 3].startswith("    [[A spokesman for the Chancellery")  # the match in its sentence


def test_rows_show_outlet_and_day_not_bare_ids(store):
    out = _run(store, "matches", width=80)[1]
    first = out.splitlines()[2]
    [m] = _json(store, "matches", "--limit", "1")
    assert first.startswith(f"{m['source_published'] or 'undated'} {m['source_outlet']}"), first
    ids = [a["id"] for a in _json(store, "articles")]
    assert not any(i in out for i in ids)  # ids come back where there is room
    wide = _run(store, "matches", width=200)[1]
    assert any(i in wide for i in ids)


def test_one_format_for_credit_lag_and_dates(store):
    out = "".join(_run(store, *args, width=200)[1] for args in COMMANDS)
    for old in ("True", "False", "uncredited", "T00:00"):
        assert old not in out
    assert not re.search(r"\s[1-9][0-9]+\.000\s", out)  # days as 16, not 16.000
    trace = _run(store, "trace", TRACE_QUERY, width=200)[1]
    row = next(line for line in trace.splitlines() if line.startswith("2024-03-28"))
    assert row.split()[:8] == [
        "2024-03-28",
        "Metro",
        "Ledger",
        _metro_echo(store),
        "echo",
        "Capital",
        "Wire",
        "16",
    ]
    assert " parent " in row and "1.000" in row  # credits its parent's outlet
    outlets = _run(store, "outlets", width=200)[1]
    # credited: the share of echoes crediting the source outlet itself
    assert "Metro Ledger      The Evening Sentinel  4       4       24          50%" in outlets


def test_table_cells():
    from tracer.output import table_cell

    assert table_cell(81.0, "lag_days") == "81"
    assert table_cell(2.5, "median_lag_days") == "2.5"
    assert table_cell(0.5, "share_credited") == "50%"
    assert table_cell(True, "credited") == "yes"
    assert table_cell(None, "outlet") == "unknown"
    assert table_cell(None, "parent_published") == "undated"
    assert table_cell("2024-03-01T09:30:00+00:00", "published") == "2024-03-01 09:30"
    assert table_cell(0.9, "confidence") == "0.900"


def test_table_escapes_and_fits_hostile_cells():
    from tracer.output import table

    rows = [{"id": "\x1b[2J" + "x" * 300, "text": "\u202e" + "word " * 100}]
    lines = "".join(table(rows, ["id", "text"], {"text": 70}, 50)).splitlines()
    assert all(len(line) <= 50 for line in lines)
    assert "\x1b" not in "".join(lines) and "\u202e" not in "".join(lines)
    assert "\\x1b[2J" in lines[2]


def test_data_formats_do_not_depend_on_the_width(store):
    for args in (("claims",), ("outlets",), ("matches",), ("trace", TRACE_QUERY)):
        narrow = _run(store, *args, "--format", "csv", width=40)[1]
        wide = _run(store, *args, "--format", "csv", width=300)[1]
        assert narrow == wide
        assert len(list(csv.reader(io.StringIO(narrow)))) > 1


def test_claims_limit_offset_sort(store):
    every = _json(store, "claims")
    assert isinstance(every, list) and len(every) == 9
    page = _json(store, "claims", "--limit", "3", "--offset", "2")
    assert page == every[2:5]
    newest = _json(store, "claims", "--sort", "newest")
    days = [c["first_seen"] for c in newest]  # type: ignore[union-attr]
    assert days == sorted(days, reverse=True)
    by_outlets = _json(store, "claims", "--sort", "outlets")
    assert [c["outlets"] for c in by_outlets] == sorted((c["outlets"] for c in every), reverse=True)  # type: ignore[union-attr]


def test_claims_outlet_and_days(store):
    sentinel = _json(store, "claims", "--outlet", "the evening sentinel")
    assert isinstance(sentinel, list) and 0 < len(sentinel) < 9
    for claim in sentinel:
        members = _json(store, "trace", claim["claim_id"])[0]["members"]  # type: ignore[index]
        assert any(m["outlet"] == "The Evening Sentinel" for m in members)
    april = _json(store, "claims", "--since", "2024-04-01", "--until", "2024-04-30")
    assert isinstance(april, list) and 0 < len(april) < 9
    assert all(c["last_seen"] >= "2024-04-01" for c in april)
    code, out, _ = _run(store, "claims", "--outlet", "Nobody")
    assert code == 0 and "no claims: no article of an outlet named 'Nobody' is stored" in out
    code, out, _ = _run(store, "claims", "--outlet", "the evening sentinel", "--since", "2030-01-01")
    assert code == 0 and "no claims: none matches the filters" in out


def test_claims_table_says_what_it_left_out(store):
    code, out, err = _run(store, "claims", "--limit", "4")
    assert code == 0
    assert len(out.splitlines()) < 2 + 2 * 5
    assert "showing 4 of 9 claims; `--offset 4` shows the next, `--limit 0` all" in err


@pytest.mark.parametrize("option", ["--since", "--until"])
@pytest.mark.parametrize("command", ["claims", "matches", "outlets"])
def test_a_bad_date_is_one_line(store, command, option):
    code, out, err = _run(store, command, option, "2024-13-01")
    assert code == 1 and not out
    [line] = err.strip().splitlines()
    assert line.startswith(f"Error: invalid {option} date '2024-13-01': not a date"), line


def test_matches_limit_sort_days(store):
    every = _json(store, "matches")
    assert isinstance(every, list) and len(every) > 20
    assert _json(store, "matches", "--limit", "5") == every[:5]
    by_score = _json(store, "matches", "--sort", "score")
    assert [m["score"] for m in by_score] == sorted((m["score"] for m in every), reverse=True)  # type: ignore[union-attr]
    march = _json(store, "matches", "--since", "2024-03-10", "--until", "2024-03-20")
    assert isinstance(march, list) and march
    assert all("2024-03-10" <= m["target_published"][:10] <= "2024-03-20" for m in march)
    assert len(march) == sum(
        1
        for m in every
        if m["target_published"] and "2024-03-10" <= m["target_published"][:10] <= "2024-03-20"  # type: ignore[index]
    )
    code, _, err = _run(store, "matches", "--all-pairs", "--sort", "score")
    assert code == 1 and "--sort cannot order --all-pairs" in err


def test_matches_table_has_a_default_limit(store):
    code, out, err = _run(store, "matches", width=200)
    assert code == 0
    assert len(out.splitlines()) == 2 + 20
    assert "showing the first 20 matches; `--limit 0` shows all" in err
    _, _, err = _run(store, "matches", "--limit", "0", width=200)
    assert "showing" not in err


def test_outlets_filters_and_readable_default(store):
    data = _json(store, "outlets")
    assert isinstance(data, dict) and len(data["pairs"]) == 15
    only = _json(store, "outlets", "--outlet", "capital wire")
    assert only["pairs"] and all(
        "Capital Wire" in (p["source_outlet"], p["echo_outlet"]) for p in only["pairs"]
    )  # type: ignore[index]
    lag = _json(store, "outlets", "--sort", "lag")["pairs"]  # type: ignore[index]
    assert [p["median_lag_days"] for p in lag] == sorted(p["median_lag_days"] for p in lag)
    code, out, err = _run(store, "outlets", "--limit", "3", width=80)
    assert code == 0
    assert out.count("\n") < 20
    assert "showing 3 of 15 outlet pairs" in err
    # A matrix wider than the terminal is left out, with a hint, rather than printed.
    code, out, err = _run(store, "outlets", "--limit", "0", width=30)
    assert "claims taken" not in out and "wider than the terminal" in err


def test_trace_says_how_many_claims_match(store):
    # Three claims name him (TRACE_QUERY's words are in one claim only).
    code, out, err = _run(store, "trace", "Aldo Varek")
    assert code == 0 and out.count("claim c") == 1
    assert "showing 1 of 3 claims matching 'Aldo Varek' (the closest first); " in err
    assert "`--limit 3` shows them all" in err
    code, out, err = _run(store, "trace", "Aldo Varek", "--limit", "3")
    assert out.count("claim c") == 3 and "showing" not in err


def test_progress_line_is_ended(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(cli_module, "_is_terminal", lambda: True)
    result = CliRunner().invoke(cli, ["run", str(RUMOUR / "articles"), "--db", str(tmp_path / "p.db")])
    assert result.exit_code == 0, result.output
    err = result.stderr
    assert "\r" in err
    # Every progress line is ended before the next stage's or a message: no "10/12ingested".
    for line in err.split("\n"):
        assert line.count("\r") <= 1 or all(": " in part for part in line.split("\r")[1:])
    assert "ingested 16 article(s)" in err and "\ningested 16 article(s)" in err


def test_progress_stage_cut_short_still_ends_its_line(capsys):
    progress = cli_module._Progress()
    progress("verify", 10000, 10471)
    progress("claims", 1, 2)
    progress.close()
    assert capsys.readouterr().err == "\rverify: 10000/10471\n\rclaims: 1/2\n"


def test_scan_timings_only_with_verbose(tmp_path: Path):
    db = str(tmp_path / "v.db")
    runner = CliRunner()
    assert runner.invoke(cli, ["ingest", str(RUMOUR / "articles"), "--db", db, "-q"]).exit_code == 0
    plain = runner.invoke(cli, ["scan", "--db", db])
    assert plain.exit_code == 0 and "scanned 16 new article(s)" in plain.stderr
    assert "peak MB" not in plain.stderr and "seconds:" not in plain.stderr
    # The matches the scan counts are those `stats` counts; the hidden ones apart.
    stats = json.loads(runner.invoke(cli, ["stats", "--db", db, "--format", "json"]).stdout)
    hidden = stats["boilerplate_matches"] + stats["banal_matches"]
    assert (
        hidden
        and f"; {stats['matches']} matches (and {hidden} of boilerplate or stock phrases), " in plain.stderr
    )
    runner.invoke(cli, ["ingest", str(RUMOUR / "articles"), "--db", db, "-q"])
    verbose = runner.invoke(cli, ["scan", "--db", db, "--verbose"])
    assert verbose.exit_code == 0 and "peak MB after: " in verbose.stderr and "seconds: " in verbose.stderr
