"""The command line: results on stdout, one-line errors, exit codes, store left intact."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from tracer.cli import cli

from .conftest import RUMOUR


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def _run(runner: CliRunner, *args: str, env: dict | None = None):
    return runner.invoke(cli, list(args), catch_exceptions=False, env=env)


@pytest.fixture
def scanned(runner: CliRunner, tmp_path: Path) -> str:
    db = str(tmp_path / "t.db")
    result = _run(runner, "run", str(RUMOUR / "articles"), "--db", db, "--quiet")
    assert result.exit_code == 0, result.output
    return db


def test_run_prints_a_summary(runner, tmp_path):
    result = _run(runner, "run", str(RUMOUR / "articles"), "--db", str(tmp_path / "t.db"))
    assert result.exit_code == 0
    assert "articles: 16  outlets: 5  undated: 2" in result.stdout
    assert "top echoed passages:" in result.stdout
    assert "ingested 16 article(s)" in result.stderr


def test_run_summary_lists_a_passage_once(runner, tmp_path):
    """A story six outlets print: every copy is the source of the later copies' matches, and
    the top echoed passages listed its sentences once per carrier (5, 4, 3... echoes)."""
    story = [
        "A man who set fire to a block of flats in Salford has been jailed for nine years.",
        "Ibrahim Castell, 34, admitted arson with intent to endanger life at Manchester Crown Court.",
        "The court heard he poured petrol through the letterbox of a neighbour he had argued with.",
    ]
    rows = [
        {"id": f"a{k}", "outlet": f"Paper {k}", "published": f"2024-05-0{k + 1}",
         "title": f"Own headline {k}", "text": "\n\n".join([f"Own opening line {k} of this paper.", *story])}
        for k in range(6)
    ]  # fmt: skip
    path = tmp_path / "c.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    result = _run(runner, "run", str(path), "--db", str(tmp_path / "t.db"), "--top", "10")
    assert result.exit_code == 0, result.output
    listed = result.stdout.split("top echoed passages:\n")[1].splitlines()
    assert listed and all(line.startswith("  5 echo(es)  a0  ") for line in listed), listed


def test_db_from_environment(runner, tmp_path):
    db = tmp_path / "env.db"
    result = _run(runner, "ingest", str(RUMOUR / "articles"), env={"TRACER_DB": str(db)})
    assert result.exit_code == 0 and db.exists()


def test_ingesting_twice_adds_nothing(runner, scanned):
    result = _run(runner, "ingest", str(RUMOUR / "articles"), "--db", scanned)
    assert result.exit_code == 0
    assert "ingested 0 article(s)" in result.stderr and "16 already stored" in result.stderr


def test_matches_json_fields(runner, scanned):
    rows = json.loads(_run(runner, "matches", "--db", scanned, "--format", "json").stdout)
    assert rows
    for key in (
        "source_id",
        "target_id",
        "source_span",
        "target_span",
        "source_text",
        "target_text",
        "score",
        "kind",
    ):
        assert key in rows[0]
    assert all(r["kind"] in ("verbatim", "near-verbatim", "partial") for r in rows)
    assert all(0 <= r["score"] <= 1 for r in rows)


def test_matches_formats_agree(runner, scanned):
    as_json = json.loads(_run(runner, "matches", "--db", scanned, "--format", "json").stdout)
    as_jsonl = [
        json.loads(x)
        for x in _run(runner, "matches", "--db", scanned, "--format", "jsonl").stdout.splitlines()
    ]
    as_csv = list(
        csv.DictReader(io.StringIO(_run(runner, "matches", "--db", scanned, "--format", "csv").stdout))
    )
    table = _run(
        runner, "matches", "--db", scanned, "--limit", "0", env={"COLUMNS": "400"}
    ).stdout.splitlines()
    assert as_json == as_jsonl
    assert [r["id"] for r in as_csv] == [str(r["id"]) for r in as_json]
    assert len(table) == len(as_json) + 2


def test_matches_filters(runner, scanned):
    rows = json.loads(
        _run(runner, "matches", "--db", scanned, "--format", "json", "--min-score", "0.99").stdout
    )
    assert rows and all(r["score"] >= 0.99 for r in rows)
    rows = json.loads(
        _run(runner, "matches", "--db", scanned, "--format", "json", "--outlet", "capital wire").stdout
    )
    assert rows and all("Capital Wire" in (r["source_outlet"], r["target_outlet"]) for r in rows)
    every = json.loads(
        _run(runner, "matches", "--db", scanned, "--format", "json", "--include-boilerplate").stdout
    )
    assert any(r["boilerplate"] for r in every)
    # An outlet no article has is named as the reason there is nothing to show.
    unknown = "no article of an outlet named 'Capitol Wire' is stored"
    for command in ("matches", "claims", "outlets"):
        result = _run(runner, command, "--db", scanned, "--outlet", "Capitol Wire")
        assert unknown in result.stdout + result.stderr, command


def test_json_output_is_deterministic(runner, tmp_path):
    outs = []
    for name in ("a.db", "b.db"):
        db = str(tmp_path / name)
        _run(runner, "run", str(RUMOUR / "articles"), "--db", db, "--quiet")
        outs.append(_run(runner, "matches", "--db", db, "--format", "json").stdout)
    assert outs[0] == outs[1]


def test_show_marks_reused_spans(runner, scanned):
    found = json.loads(_run(runner, "matches", "--db", scanned, "--format", "json").stdout)
    first = next(m for m in found if m["direction"] == "forward")
    result = _run(runner, "show", first["target_id"][:8], "--db", scanned)
    assert result.exit_code == 0
    assert "[[" in result.stdout and "copied from" in result.stdout


def test_stats(runner, scanned):
    data = json.loads(_run(runner, "stats", "--db", scanned, "--format", "json").stdout)
    assert data["articles"] == 16 and data["outlets"] == 5


def test_unknown_article_is_a_one_line_error(runner, scanned):
    result = runner.invoke(cli, ["show", "nope", "--db", scanned])
    assert result.exit_code != 0
    assert result.output.strip().startswith("Error: no article with id 'nope'")
    assert "Traceback" not in result.output


def test_bad_inputs_are_skipped_with_a_message_and_good_ones_kept(runner, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.txt").write_text("outlet: A\n\nTitle\n\nSome body text here.\n", encoding="utf-8")
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02PNG\x00" * 20)
    (folder / "empty.txt").write_text("", encoding="utf-8")
    (folder / "rows.jsonl").write_text(
        '{"text": "fine row"}\n{not json}\n{"outlet": "x"}\n', encoding="utf-8"
    )
    db = tmp_path / "t.db"
    result = runner.invoke(cli, ["ingest", str(folder), "--db", str(db)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    lines = [x for x in result.stderr.splitlines() if x.startswith("skipped")]
    assert len(lines) == 4
    assert any("binary.txt" in x for x in lines) and any("rows.jsonl:2" in x for x in lines)
    assert any("rows.jsonl:3" in x for x in lines) and any("empty.txt" in x for x in lines)
    assert "ingested 2 article(s)" in result.stderr


def test_a_file_that_is_not_a_store_is_left_untouched(runner, tmp_path):
    bogus = tmp_path / "notes.db"
    bogus.write_bytes(b"this is not sqlite" * 100)
    before = bogus.read_bytes()
    result = runner.invoke(cli, ["ingest", str(RUMOUR / "articles"), "--db", str(bogus)])
    assert result.exit_code != 0 and "not a tracer store" in result.output
    assert bogus.read_bytes() == before


def test_store_of_an_incompatible_version(runner, scanned):
    conn = sqlite3.connect(scanned)
    conn.execute("UPDATE meta SET value='999' WHERE key='schema_version'")
    conn.commit()
    conn.close()
    result = runner.invoke(cli, ["matches", "--db", scanned])
    assert result.exit_code != 0
    assert "incompatible" in result.output and "--db NEW.db" in result.output


def test_scan_without_store(runner, tmp_path):
    result = runner.invoke(cli, ["scan", "--db", str(tmp_path / "missing.db")])
    assert result.exit_code != 0 and "no store here" in result.output
    assert not (tmp_path / "missing.db").exists()


def test_failed_ingest_leaves_the_store_as_it_was(tmp_path):
    from tracer.model import Article
    from tracer.store import Store

    with Store.open(tmp_path / "t.db") as s:
        s.add_articles([Article(id="a", text="first")])
        broken = Article(id="c", text=None)  # type: ignore[arg-type]  # violates NOT NULL mid-batch
        with pytest.raises(sqlite3.IntegrityError):
            s.add_articles([Article(id="b", text="second"), broken])
        assert [r[0] for r in s.conn.execute("SELECT id FROM articles")] == ["a"]


def test_ingest_says_which_archives_and_saved_page_folders_it_left_out(runner, tmp_path):
    folder = tmp_path / "inbox"
    (folder / "page_files").mkdir(parents=True)
    (folder / "page.html").write_text("<html><body><p>A seal pup was rescued.</p></body></html>")
    (folder / "page_files" / "ad.html").write_text("<html><body><p>Buy a mattress.</p></body></html>")
    (folder / "more.zip").write_bytes(b"PK\x05\x06" + bytes(18))
    result = _run(runner, "ingest", str(folder), "--db", str(tmp_path / "t.db"))
    assert result.exit_code == 0
    assert "left out 1 file(s) of formats tracer does not read (1 .zip)" in result.stderr
    assert "(unpack archives first)" in result.stderr
    assert "left out 1 folder(s) of saved web pages' parts (NAME_files beside NAME.html" in result.stderr


def test_every_install_hint_is_the_readmes():
    """PyPI's "tracer" is an unrelated project: an extra is installed from the checkout
    (``pip install -e '.[semantic]'``, as the README says), never as ``tracer[...]``."""
    root = Path(__file__).resolve().parent.parent
    for path in [root / "README.md", *sorted((root / "tracer").rglob("*.py"))]:
        assert "tracer[" not in path.read_text(encoding="utf-8"), path
    from tracer import pdf, semantic, static_embed
    from tracer.engine import DASK_HINT

    for hint, extra in ((semantic.INSTALL_HINT, "semantic"), (static_embed.INSTALL_AGAIN, "semantic"),
                        (pdf.EXTRA_HINT, "pdf"), (DASK_HINT, "dask")):  # fmt: skip
        assert f"-e '.[{extra}]'" in hint and "tracer checkout" in hint, hint
