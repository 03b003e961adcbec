"""The command line's options read alike across commands, and bad values are refused with a hint."""

from __future__ import annotations

import json
from pathlib import Path

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


@pytest.mark.parametrize("fmt", ["gexf", "csv"])
def test_export_refuses_an_outlet_the_store_lacks_and_leaves_the_output(scanned, tmp_path, fmt):
    out = tmp_path / ("old.gexf" if fmt == "gexf" else "csv")
    if fmt == "gexf":
        out.write_text("previous\n", encoding="utf-8")
    result = _run("export", "--db", scanned, "--format", fmt, "-o", str(out), "--outlet", "Nope")
    assert result.exit_code == 1
    assert result.output.startswith("Error: no articles from outlet 'Nope' (outlets in the store: ")
    assert (
        result.output
        == _run("report", "--db", scanned, "-o", str(tmp_path / "r.html"), "--outlet", "Nope").output
    )
    assert out.read_text(encoding="utf-8") == "previous\n" if fmt == "gexf" else not out.exists()
    # An outlet the store has is matched in any case.
    result = _run("export", "--db", scanned, "--format", "json", "-o", "-", "--outlet", "capital wire", "-q")
    assert result.exit_code == 0 and json.loads(result.stdout)["nodes"]


_SHARED = (
    "Engineers at the Kelvorn reservoir discovered a widening crack in the northern spillway on Tuesday "
    "morning. The regional water authority ordered the evacuation of three villages downstream of the "
    "ageing concrete dam. Inspectors said the fracture had grown by nearly forty centimetres since the "
    "last survey in March."
)


def _two_articles(tmp_path: Path, scan: bool = True) -> str:
    """A store of two articles sharing a passage: a1 of outlet Daily A, b1 of unknown outlet."""
    rows = [
        {"id": "a1", "outlet": "Daily A", "published": "2023-01-01", "text": _SHARED + " The mayor spoke."},
        {"id": "b1", "published": "2023-01-02", "text": "Local news. " + _SHARED + " Army engineers came."},
    ]
    corpus = tmp_path / "two.jsonl"
    corpus.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    db = str(tmp_path / "two.db")
    result = _run("run" if scan else "ingest", str(corpus), "--db", db, "-q")
    assert result.exit_code == 0, result.output
    return db


def test_export_takes_an_unknown_outlets_label(tmp_path):
    # `tracer outlets` names an article of unknown outlet "unknown (ID)": export's --outlet takes it.
    db = _two_articles(tmp_path)
    result = _run("export", "--db", db, "--format", "json", "-o", "-", "-q", "--outlet", "unknown (b1)")
    assert result.exit_code == 0
    assert {n["id"] for n in json.loads(result.stdout)["nodes"]} >= {"article:a1", "article:b1"}


def test_db_and_quiet_before_the_command(scanned, tmp_path):
    stats = ["stats", "--format", "json"]
    result = _run("--db", scanned, *stats)
    assert result.exit_code == 0 and json.loads(result.stdout)["articles"] == 16
    # The command's own --db wins over the group's, and the group's over TRACER_DB.
    other = _two_articles(tmp_path)
    assert json.loads(_run("--db", scanned, *stats, "--db", other).stdout)["articles"] == 2
    env = CliRunner(env={"TRACER_DB": other})
    assert json.loads(env.invoke(cli, ["--db", scanned, *stats]).stdout)["articles"] == 16
    # --quiet before the command quiets it.
    assert _run("--db", scanned, "claims", "--offset", "1", "--limit", "1").stderr
    assert not _run("-q", "--db", scanned, "claims", "--offset", "1", "--limit", "1").stderr
    # simulate opens no store: --db before it is refused, --quiet is taken.
    result = _run("--db", scanned, "simulate", "3", "-o", str(tmp_path / "s.jsonl"))
    assert (
        result.exit_code == 2 and "simulate writes files and opens no store: leave out --db" in result.output
    )
    result = _run("-q", "simulate", "3", "-o", str(tmp_path / "s.jsonl"))
    assert result.exit_code == 0 and result.stderr == ""


def test_output_files_go_into_folders_made_for_them(scanned, tmp_path):
    result = _run(
        "simulate", "5", "-o", str(tmp_path / "sim" / "x.jsonl"), "--truth", str(tmp_path / "t" / "x.json")
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "sim" / "x.jsonl").stat().st_size and json.loads(
        (tmp_path / "t" / "x.json").read_text()
    )
    result = _run("report", "--db", scanned, "-q", "-o", str(tmp_path / "rep" / "deep" / "r.html"))
    assert result.exit_code == 0 and (tmp_path / "rep" / "deep" / "r.html").stat().st_size
    for fmt in ("gexf", "csv"):
        out = tmp_path / "exp" / fmt / ("g.gexf" if fmt == "gexf" else "csv")
        result = _run("export", "--db", scanned, "-q", "--format", fmt, "-o", str(out))
        assert result.exit_code == 0 and out.exists()


def test_a_failed_write_leaves_no_folder_made_for_it(scanned, tmp_path, monkeypatch):
    from tracer import export

    def failing(*args: object) -> object:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(export, "generate", failing)
    result = _run(
        "export", "--db", scanned, "--format", "json", "-o", str(tmp_path / "new" / "deep" / "g.json")
    )
    assert result.exit_code == 1 and "No space left on device" in result.output
    assert list(tmp_path.iterdir()) == []


def test_an_unscanned_article_or_store_says_to_scan(tmp_path):
    db = _two_articles(tmp_path, scan=False)
    show = _run("show", "a1", "--db", db)
    assert show.exit_code == 0 and "reused spans: 0 (not scanned yet: run `tracer scan`)\n" in show.stdout
    origin = _run("origin", "a1", "--db", db)
    assert origin.stdout == "a1 (Daily A, 2023-01-01): not scanned yet: run `tracer scan`\n"
    report = _run("report", "--db", db, "-o", str(tmp_path / "r.html"))
    assert report.exit_code == 0
    assert report.stderr.rstrip().endswith("; 2 of the 2 articles are not scanned yet (run `tracer scan`)")
    # Scanned, they show their reuse; an edit since the scan is named as the reason none shows.
    assert _run("scan", "--db", db, "-q").exit_code == 0
    assert "reused spans: 1\n" in _run("show", "a1", "--db", db).stdout
    assert "% of the text is reused" in _run("origin", "a1", "--db", db).stdout
    assert "; " not in _run("report", "--db", db, "-o", str(tmp_path / "r.html")).stderr
    assert _run("edit", "a1", "--db", db, "--outlet", "Daily B", "-q").exit_code == 0
    edited = "articles were edited or removed since the last scan: run `tracer scan`"
    assert f"reused spans: 0 ({edited})\n" in _run("show", "a1", "--db", db).stdout
    assert _run("origin", "a1", "--db", db).stdout == f"a1 (Daily B, 2023-01-01): {edited}\n"


@pytest.mark.parametrize("name", ["unknown", " Unknown ", "unknown (b1)", "N/A", "null"])
def test_edit_and_ingest_refuse_an_outlet_that_names_none(tmp_path, name):
    db = _two_articles(tmp_path, scan=False)
    result = _run("edit", "a1", "--db", db, "--outlet", name)
    assert result.exit_code == 2
    assert (
        "names no outlet (tracer shows a missing outlet as unknown): give the outlet's name" in result.output
    )
    assert json.loads(_run("articles", "--db", db, "--format", "json").stdout)[0]["outlet"] == "Daily A"
    more = tmp_path / "more.txt"
    more.write_text("A text of its own about the harbour wall.\n", encoding="utf-8")
    result = _run("ingest", str(more), "--db", db, "--outlet", name)
    assert result.exit_code == 2 and "names no outlet" in result.output
    assert len(json.loads(_run("articles", "--db", db, "--format", "json").stdout)) == 2


@pytest.mark.parametrize("command", ["matches", "claims", "outlets", "export"])
def test_since_after_until_is_refused(scanned, tmp_path, command):
    out = tmp_path / "g.json"
    out.write_text("previous\n", encoding="utf-8")
    extra = ["--format", "json", "-o", str(out)] if command == "export" else ["--format", "json"]
    result = _run(command, "--db", scanned, *extra, "--since", "2024-05-01", "--until", "2024-04-01")
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr == (
        "Error: --since 2024-05-01 is after --until 2024-04-01 (--since is the first day to keep and "
        "--until the last: swap them)\n"
    )
    assert out.read_text(encoding="utf-8") == "previous\n"
    # One day, given as both, is kept.
    assert (
        _run(command, "--db", scanned, *extra, "--since", "2024-04-01", "--until", "2024-04-01").exit_code
        == 0
    )


def test_a_new_store_goes_into_folders_made_for_it(tmp_path):
    text = tmp_path / "a.txt"
    text.write_text("A text of its own about the harbour wall.\n", encoding="utf-8")
    db = tmp_path / "results" / "june" / "t.db"
    result = _run("ingest", str(text), "--db", str(db), "-q")
    assert result.exit_code == 0, result.output
    assert db.exists()
    blocked = tmp_path / "file"
    blocked.write_text("", encoding="utf-8")
    result = _run("ingest", str(text), "--db", str(blocked / "t.db"))
    assert result.exit_code == 1 and "cannot make the store's folder" in result.stderr


def test_export_reads_its_days_as_the_other_commands_do(scanned, tmp_path):
    outs = []
    for since in ("2000-01-01", "1 January 2000", "Jan 1, 2000"):
        out = tmp_path / f"g{len(outs)}.json"
        result = _run("export", "--db", scanned, "--format", "json", "-o", str(out), "--since", since, "-q")
        assert result.exit_code == 0, result.output
        graph = json.loads(out.read_text(encoding="utf-8"))
        outs.append((graph["nodes"], graph["links"]))  # (the graph's attributes say --since as given)
    assert outs[0] == outs[1] == outs[2] and outs[0][0]
    result = _run(
        "export", "--db", scanned, "--format", "json", "-o", str(tmp_path / "x.json"), "--since", "soon"
    )
    assert result.exit_code == 1 and "invalid since date 'soon'" in result.stderr


def test_an_article_of_unknown_outlet_counts_as_an_outlet_of_its_own_in_claims(tmp_path):
    # As the run summary, the graph and `outlets` count it: "2 articles, 1 outlets" read as reuse
    # within one outlet.
    db = _two_articles(tmp_path)  # b1's outlet is unknown
    claims = json.loads(_run("claims", "--db", db, "--format", "json").stdout)
    assert claims and {(c["articles"], c["outlets"]) for c in claims} == {(2, 2)}
