"""The command line's options read alike across commands, and bad values are refused with a hint."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner, Result

from tracer.cli import cli

from .conftest import RUMOUR


def _run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The rumour fixture run once (read only: tests that change a store make their own)."""
    db = str(tmp_path_factory.mktemp("usage") / "t.db")
    result = _run("run", str(RUMOUR / "articles"), "--db", db, "--quiet")
    assert result.exit_code == 0, result.output
    return db


@pytest.mark.parametrize("command", ["articles", "passages"])
def test_limit_0_lists_all(scanned, command):
    every = json.loads(_run(command, "--db", scanned, "--format", "json").stdout)
    result = _run(command, "--db", scanned, "--format", "json", "--limit", "0")
    assert result.exit_code == 0, result.output
    assert len(every) > 1 and json.loads(result.stdout) == every


def test_trace_limit_0_gives_every_matching_claim(scanned):
    one = json.loads(_run("trace", "the", "--db", scanned, "--format", "json").stdout)
    every = json.loads(_run("trace", "the", "--db", scanned, "--format", "json", "--limit", "0").stdout)
    assert len(one) == 1 and len(every) > 1 and every[0] == one[0]


def test_run_refuses_a_negative_top(tmp_path):
    result = _run("run", str(RUMOUR / "articles"), "--db", str(tmp_path / "t.db"), "--top", "-2")
    assert result.exit_code == 2 and "'--top': -2 is not in the range x>=0" in result.output
    assert not (tmp_path / "t.db").exists()  # refused before anything is ingested
    result = _run("run", str(RUMOUR / "articles"), "--db", str(tmp_path / "t.db"), "--top", "0")
    assert result.exit_code == 0 and "top echoed passages" not in result.stdout


def test_claims_offset_past_the_last_says_how_many_there_are(scanned):
    total = len(json.loads(_run("claims", "--db", scanned, "--format", "json").stdout))
    result = _run("claims", "--db", scanned, "--offset", "100")
    assert result.exit_code == 0
    assert result.stdout == (
        f"no claims: there are {total} claims and --offset 100 is past them (give an --offset under {total})\n"
    )
    result = _run("claims", "--db", scanned, "--offset", "100", "--outlet", "Capital Wire")
    assert "claims matching the filters and --offset 100 is past them" in result.stdout


@pytest.mark.parametrize("command", ["show", "origin", "edit", "remove"])
def test_an_empty_article_id_is_refused(scanned, command):
    extra = ["--title", "x"] if command == "edit" else []
    result = _run(command, "", "--db", scanned, *extra)
    assert result.exit_code == 1
    assert result.output == (
        "Error: the article id is empty (give an id, or its first characters, from `tracer articles`)\n"
    )
