"""Hostile input at ingest: dates out of range, records and files that cannot be stored, wide
encodings, broken CSV quoting, and arbitrary records and bytes. Each bad record or file is one
problem naming the file (and line) with a fix; everything else is stored."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import time
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracer import ingest
from tracer.cli import cli
from tracer.ingest import parse_date, read_paths
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


def _body(k: int) -> str:
    return f"Story {k}: " + BODY


def _line(k: int) -> str:
    return _body(k).replace("\n", " ").strip()


def _texts(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return sorted(r[0] for r in conn.execute("SELECT text FROM articles"))


def _dump(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return list(conn.iterdump())


def _skipped(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("skipped ")]


# --- 2. dates that parse never break a store --------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2023-09-13T10:00:00+02:00", "2023-09-13T08:00:00+00:00"),
        ("2023-09-13T22:30:00-05:00", "2023-09-14T03:30:00+00:00"),
        ("2023-09-13T10:00:00Z", "2023-09-13T10:00:00+00:00"),
        ("2023-09-13T10:00:00", "2023-09-13T10:00:00"),  # no zone given: kept, read as UTC
        ("2023-09-13", "2023-09-13"),  # a day alone stays a day
        ("9999-12-31T23:59:59Z", "9999-12-31T23:59:59+00:00"),
        ("9999-12-31", "9999-12-31"),
        ("0001-01-01", "0001-01-01"),
        (LATE, None),
        (EARLY, None),
    ],
)
def test_dates_normalised_to_utc(value: str, expected: str | None) -> None:
    assert parse_date(value) == expected


@pytest.mark.parametrize("value", [LATE, EARLY])
def test_date_option_out_of_range_is_refused(runner, tmp_path, value) -> None:
    db = tmp_path / "t.db"
    first = _run(runner, "ingest", str(RUMOUR / "articles"), "--db", str(db))
    assert first.exit_code == 0
    before = _dump(db)
    path = tmp_path / "a.txt"
    path.write_text(BODY, encoding="utf-8")
    result = _run(runner, "ingest", str(path), "--date", value, "--db", str(db))
    _clean(result)
    assert result.exit_code != 0
    (line,) = result.stderr.strip().splitlines()
    assert value in line and "UTC" in line and "2023-09-13T10:00:00Z" in line
    assert _dump(db) == before


def _date_files(tmp_path: Path, value: str) -> dict[str, Path]:
    """The same bad date in each format, beside a good record."""
    folder = tmp_path / "in"
    folder.mkdir()
    jsonl = [{"text": _body(1)}, {"text": _body(2), "published": value}, {"text": _body(3)}]
    (folder / "a.jsonl").write_text("\n".join(json.dumps(r) for r in jsonl) + "\n", encoding="utf-8")
    (folder / "b.json").write_text(json.dumps([{"text": _body(4)}, {"text": _body(5), "date": value}]))
    (folder / "c.csv").write_text(f'text,published\n"{_body(6)}",2024-01-01\n"{_body(7)}",{value}\n')
    (folder / "d.txt").write_text(f"outlet: X\npublished: {value}\n\n{_body(8)}")
    (folder / "e.txt").write_text(f"date: {value}\n\n{_body(9)}")
    (folder / "f.txt").write_text(_body(10))
    return {p.name: p for p in folder.iterdir()}


@pytest.mark.parametrize("value", [LATE, EARLY])
def test_out_of_range_date_in_a_record_is_one_warning(runner, tmp_path, value) -> None:
    files = _date_files(tmp_path, value)
    db = tmp_path / "t.db"
    result = _run(runner, "ingest", str(tmp_path / "in"), "--db", str(db))
    _clean(result)
    assert result.exit_code == 0  # stored undated, not skipped
    assert _skipped(result) == []
    warned = [line for line in result.stderr.splitlines() if line.startswith("warning: ")]
    where = [line.split(": ")[1] for line in warned]
    assert where == [f"{files['a.jsonl']}:2", f"{files['b.json']}:1", f"{files['c.csv']}:5"] + [
        f"{files['d.txt']}:2",
        f"{files['e.txt']}:1",
    ]
    assert all("UTC" in line and "stored undated" in line and "tracer edit" in line for line in warned)
    assert _texts(db) == sorted(_body(k) for k in range(1, 11))
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT published FROM articles WHERE published IS NOT NULL").fetchall() == [
            ("2024-01-01",)
        ]


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


# --- 3. one bad record or file never aborts the call ------------------------------------------


def test_lone_surrogates_in_json_records(runner, tmp_path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    lines = [
        json.dumps({"text": _body(1)}),
        '{"text": "bad \\udc80 text"}',
        json.dumps({"text": _body(2)}),
        '{"text": "fine text", "title": "bad \\udc80 title"}',
        '{"text": "fine text", "outlet": "bad \\ud800 outlet"}',
        '{"text": "fine text", "id": "\\udfff", "url": "https://x.example/\\udc80"}',
        json.dumps({"text": _body(3)}),
    ]
    (folder / "a.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "b.json").write_text(f'[{json.dumps({"text": _body(4)})},\n{{"text": "x\\udc80"}}]')
    db = tmp_path / "t.db"
    result = _run(runner, "ingest", str(folder), "--db", str(db))
    _clean(result)
    assert result.exit_code == 1
    skipped = _skipped(result)
    assert [line.split(": ")[0] for line in skipped] == [
        f"skipped {folder / 'a.jsonl'}:{n}" for n in (2, 4, 5, 6)
    ] + [f"skipped {folder / 'b.json'}:2"]
    assert all("surrogate" in line and "UTF-8" in line for line in skipped)
    assert _texts(db) == sorted(_body(k) for k in (1, 2, 3, 4))


def test_lone_surrogate_in_json_lines_parsed_in_processes(tmp_path, monkeypatch) -> None:
    lines = [json.dumps({"text": _body(k)}) for k in range(40)]
    lines[7] = '{"text": "bad \\udc80 text"}'
    path = tmp_path / "a.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setattr(ingest, "_BLOCK_BYTES", 500)
    monkeypatch.setattr(ingest, "PARALLEL_MIN_BYTES", 0)
    found = ingest.IngestResult()
    articles = list(ingest.iter_articles([path], found, workers=2))
    assert len(articles) == 39 and [(p.line, "surrogate" in p.message) for p in found.problems] == [(8, True)]


def test_outlet_option_that_is_not_utf8_is_refused(runner, tmp_path) -> None:
    path = tmp_path / "a.txt"
    path.write_text(BODY, encoding="utf-8")
    db = tmp_path / "t.db"
    result = _run(runner, "ingest", str(path), "--outlet", os.fsdecode(b"caf\xe9"), "--db", str(db))
    _clean(result)
    assert result.exit_code != 0 and "--outlet" in result.stderr and "UTF-8" in result.stderr
    assert not db.exists() or _texts(db) == []


def test_symlink_loop_in_a_walked_folder(runner, tmp_path) -> None:
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    (folder / "loop.txt").symlink_to("loop.txt")
    (folder / "sub" / "self").symlink_to(".")
    (folder / "sub" / "a.txt").write_text(_body(1), encoding="utf-8")
    (folder / "b.txt").write_text(_body(2), encoding="utf-8")
    db = tmp_path / "t.db"
    result = _run(runner, "ingest", str(folder), "--db", str(db))
    _clean(result)
    assert result.exit_code == 1
    (line,) = _skipped(result)
    assert line.startswith(f"skipped {folder / 'loop.txt'}: ") and "symbolic link" in line
    assert _texts(db) == [_body(1), _body(2)]
    given = _run(runner, "ingest", str(folder / "loop.txt"), "--db", str(db))
    _clean(given)
    assert given.exit_code == 1 and len(_skipped(given)) == 1


def test_a_dangling_link_and_a_named_pipe_in_a_walked_folder_are_named(runner, tmp_path) -> None:
    """Each was left out without a word; now with a warning, the walk going on as before
    (tests/test_hostile_sweep.py). A pipe is never opened: reading it would wait for a writer.
    A link to a folder is not followed, as before, and not named."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "gone.txt").symlink_to(tmp_path / "nowhere" / "x.txt")
    os.mkfifo(folder / "pipe.txt")
    (folder / "up").symlink_to("..")
    (folder / "a.txt").write_text(_body(1), encoding="utf-8")
    db = tmp_path / "t.db"
    result = _run(runner, "ingest", str(folder), "--db", str(db))
    _clean(result)
    assert result.exit_code == 0 and _skipped(result) == []
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning: ")]
    assert warnings == [
        f"warning: {folder / 'gone.txt'}: a link to nothing ({tmp_path / 'nowhere' / 'x.txt'} does not exist): "
        "left out (remove the entry, or point the link at an article file)",
        f"warning: {folder / 'pipe.txt'}: a named pipe (FIFO), not a regular file: left out "
        "(save what it carries to a file and ingest that)",
    ]
    assert _texts(db) == [_body(1)]


def test_file_name_that_is_not_utf8(runner, tmp_path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    bad = os.path.join(os.fsencode(folder), b"caf\xe9.txt")
    with open(bad, "wb") as f:
        f.write(_body(1).encode())
    (folder / "good.txt").write_text(_body(2), encoding="utf-8")
    db = tmp_path / "t.db"
    for args in ((str(folder),), (os.fsdecode(bad), str(folder / "good.txt"))):
        result = _run(runner, "ingest", *args, "--db", str(db))
        _clean(result)
        assert result.exit_code == 1
        (line,) = _skipped(result)
        assert "caf\\xe9.txt" in line and "not valid UTF-8" in line and "rename" in line
        assert _texts(db) == [_body(2)]


def test_deeply_nested_json(runner, tmp_path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    deep = "[" * 100_000
    lines = [json.dumps({"text": _body(1)}), deep, json.dumps({"text": _body(2)}), '{"a": ' * 3 + deep]
    (folder / "a.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "b.json").write_text(deep + "]" * 100_000)
    (folder / "c.json").write_text(json.dumps({"text": _body(3)}) + "\n" + deep + "\n")
    db = tmp_path / "t.db"
    result = _run(runner, "ingest", str(folder), "--db", str(db))
    _clean(result)
    assert result.exit_code == 1
    skipped = _skipped(result)
    assert [line.split(": ")[0] for line in skipped] == [
        f"skipped {folder / 'a.jsonl'}:2",
        f"skipped {folder / 'a.jsonl'}:4",
        f"skipped {folder / 'b.json'}:1",
        f"skipped {folder / 'c.json'}:2",
    ]
    assert all("nested too deeply" in line and "unexpected" not in line for line in skipped)
    assert _texts(db) == sorted(_body(k) for k in (1, 2, 3))


def test_run_stores_and_scans_the_good_records_then_fails(runner, tmp_path) -> None:
    folder = tmp_path / "in"
    shutil.copytree(RUMOUR / "articles", folder)
    (folder / "bad.jsonl").write_text('{"text": "x \\udc80"}\n' + "[" * 100_000 + "\n")
    (folder / "late.txt").write_text(f"date: {LATE}\n\n{BODY}")
    db = tmp_path / "t.db"
    result = _run(runner, "run", str(folder), "--db", str(db))
    _clean(result)
    assert result.exit_code == 1
    assert len(_skipped(result)) == 2  # late.txt is stored undated, with a warning
    assert "articles: 17  outlets: 5" in result.stdout and "claims:" in result.stdout


# --- 4. encodings and CSV quoting --------------------------------------------------------------

WIDE = ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"]

HTML = (
    "<html><head><title>Harbour crane topples</title></head><body><article>"
    "<h1>Harbour crane topples</h1>"
    + "".join(f"<p>{line} Caf\u00e9 \u201cquoted\u201d.</p>" for line in BODY.splitlines())
    + "</article></body></html>"
)


@pytest.mark.parametrize("codec", WIDE)
def test_utf16_and_utf32_with_a_bom(tmp_path, codec) -> None:
    body = "Caf\u00e9 \u201cquoted\u201d \U0001f600\n" + BODY
    contents = {
        "a.txt": f"outlet: Island Times\n\n{body}",
        "b.csv": f'text,outlet\r\n"{body}",C\r\n',
        "c.jsonl": json.dumps({"text": body + "j"}, ensure_ascii=False) + "\n" + json.dumps({"text": "two"}),
        "d.json": json.dumps([{"text": body + "js"}], ensure_ascii=False),
        "e.html": HTML,
    }
    for name, text in contents.items():
        (tmp_path / name).write_bytes(("\ufeff" + text).encode(codec))
    result = read_paths([tmp_path])
    assert result.problems == []
    got = {Path(a.source_path).name: a for a in reversed(result.articles)}  # a file's first
    assert got["a.txt"].text == body and got["a.txt"].outlet == "Island Times"
    assert got["b.csv"].text == body and got["c.jsonl"].text == body + "j"
    assert got["d.json"].text == body + "js" and "Caf\u00e9 \u201cquoted\u201d" in got["e.html"].text
    assert {a.encoding for a in result.articles} == {codec}
    assert len(result.articles) == 6


def test_wide_encoding_that_does_not_decode_is_a_problem(tmp_path) -> None:
    (tmp_path / "a.txt").write_bytes("\ufeffok".encode("utf-16-le") + b"\x00\xd8")  # a lone surrogate
    (tmp_path / "b.jsonl").write_bytes("\ufeff{}".encode("utf-32-be") + b"\x00\x00")
    result = read_paths([tmp_path])
    assert result.articles == []
    assert [(Path(p.path).name, "UTF-16" in p.message or "UTF-32" in p.message) for p in result.problems] == [
        ("a.txt", True),
        ("b.jsonl", True),
    ]
    assert all("UTF-8" in p.hint for p in result.problems)


def test_csv_unterminated_quote_at_the_end(runner, tmp_path) -> None:
    content = (
        "text,outlet\n"
        f'"{_body(1)}",A\n'
        f"{_line(2)},B\n"
        f'"{_line(3)},C\n'  # never closed: everything after is one field
        f"{_line(4)},D\n"
    )
    path = tmp_path / "a.csv"
    path.write_text(content, encoding="utf-8")
    db = tmp_path / "t.db"
    result = _run(runner, "ingest", str(path), "--db", str(db))
    _clean(result)
    assert result.exit_code == 1
    (line,) = _skipped(result)
    start = content[: content.index(f'"{_line(3)}')].count("\n") + 1
    assert line.startswith(f"skipped {path}:{start}: unterminated quote")
    assert "close the quote" in line
    assert _texts(db) == sorted([_body(1), _line(2)])


@pytest.mark.parametrize("d", [",", ";", "\t"])  # semicolons: spreadsheets set to French or German
def test_csv_unterminated_quote_that_swallows_a_row(tmp_path, d) -> None:
    content = (
        f"text{d}outlet\n"
        f'"{_body(1)}"{d}A\n'
        f'"{_line(2)}{d}B\n'  # not closed: runs into the next row's opening quote
        f'"{_line(3)}"{d}C\n'
        f'"{_line(4)}"{d}D\n'
        f'a one-line "quoted" word{d}E\n'  # a quote inside an unquoted field is text, as before
    )
    path = tmp_path / "a.csv"
    path.write_text(content, encoding="utf-8")
    result = read_paths([path])
    (problem,) = result.problems
    assert problem.line == content[: content.index(f'"{_line(2)}')].count("\n") + 1
    assert problem.message.startswith("unterminated quote")
    assert "close the quote" in problem.hint
    assert [a.outlet for a in result.articles] == ["A", "D", "E"]
    assert result.articles[-1].text == 'a one-line "quoted" word'


def test_csv_unterminated_quote_before_a_row_whose_last_field_is_quoted(tmp_path) -> None:
    # The text column last, as most exports put it: the late closing quote follows a delimiter.
    content = (
        "id,outlet,text\n"
        f'a1,A,"{_body(1)}"\n'
        f'a2,B,"{_line(2)}\n'  # not closed: runs into the next row's text
        f'a3,C,"{_line(3)}"\n'
        f'a4,D,"{_line(4)}\nits second paragraph"\n'  # a quoted field over two lines, as before
    )
    path = tmp_path / "a.csv"
    path.write_text(content, encoding="utf-8")
    result = read_paths([path])
    (problem,) = result.problems
    start = content[: content.index(f'"{_line(2)}')].count("\n") + 1
    assert problem.line == start
    assert problem.message.endswith(f"starting on line {start} runs on into line {start + 1}")
    assert [a.outlet for a in result.articles] == ["A", "D"]


def test_csv_header_repeated_where_two_exports_were_joined(tmp_path) -> None:
    header = "id,outlet,text\n"
    path = tmp_path / "a.csv"
    path.write_text(f"\ufeff{header}a1,A,{_line(1)}\n\ufeff{header}a2,B,{_line(2)}\n", encoding="utf-8")
    result = read_paths([path])
    assert result.problems == [] and [a.outlet for a in result.articles] == ["A", "B"]


def test_a_csv_with_only_its_header_says_it_has_no_rows(runner, tmp_path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("id,outlet,published,title,text\n\n", encoding="utf-8")
    result = read_paths([path])
    assert result.problems == [] and result.articles == []
    assert [str(w) for w in result.warnings] == [
        f"{path}:1: the table has a header but no rows: no articles in it (check that it is the export you meant)"
    ]
    ran = _run(runner, "ingest", str(path), "--db", str(tmp_path / "t.db"))
    _clean(ran)
    assert ran.exit_code == 0 and "export.csv:1: the table has a header but no rows" in ran.stderr


@pytest.mark.parametrize("name", ["a.csv", "a.txt", "a.jsonl", "a.csv.gz"])
def test_text_with_a_stray_nul_is_told_from_a_binary_file(tmp_path, name) -> None:
    """A NUL makes any file binary to tracer (tests/test_hostile_sweep.py), but one in an
    export's field is no image: where it is, and how to remove it, are said."""
    import gzip

    text = f'id,outlet,text\na1,A,"{_line(1)}"\na2,B,"{_line(2)}"\n'.replace("Story 2", "Story\x002")
    if name.endswith(".jsonl"):
        text = json.dumps({"id": "a1", "text": _line(1)}) + "\n" + f'{{"id": "a2", "text": "{_line(2)}"}}\n'
        text = text.replace("Story 2", "Story\x002")
    data = text.encode("utf-8")
    (tmp_path / name).write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    [problem] = read_paths([tmp_path / name]).problems
    assert problem.line == 3 - name.endswith(".jsonl")
    assert problem.message == "binary file, not text: 1 NUL byte in what otherwise reads as text"
    stem = "clean" + (".csv" if name.endswith(".gz") else Path(name).suffix)
    read = f"zcat {name} | tr -d '\\000'" if name.endswith(".gz") else f"tr -d '\\000' < {name}"
    assert problem.hint == f"if it is text, remove them ({read} > {stem}) and ingest the copy"
    png = tmp_path / "image.csv"
    png.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    [problem] = read_paths([png]).problems
    assert problem.message == "binary file, not text" and problem.line is None


def test_csv_unterminated_quote_in_the_last_line(tmp_path) -> None:
    path = tmp_path / "a.csv"
    path.write_text(f'text\n"{_body(1)}"\n"no end', encoding="utf-8")
    result = read_paths([path])
    assert [a.text for a in result.articles] == [_body(1)]
    (problem,) = result.problems
    assert problem.line == 5 and problem.message.startswith("unterminated quote")


# --- arbitrary records and bytes ---------------------------------------------------------------

# Any characters (surrogates and controls included), and more often the awkward ones.
_awkward = st.sampled_from(
    ["\udc80", "\ud83d", "\ud83d\ude00", "\x00", "\x1b", "\r", "\n", "\u2028", '"', ","]
)
_any_text = st.one_of(
    st.text(st.characters(codec=None, blacklist_categories=()), max_size=40),
    st.lists(st.one_of(_awkward, st.text(max_size=5)), max_size=8).map("".join),
)
_field = st.one_of(
    _any_text,
    st.sampled_from([LATE, EARLY, "2024-02-30", "2024-01-01T25:00", "2024-01-01T10:00+05:30", "9999-12-31"]),
    st.none(),
    st.integers(),
    st.floats(allow_nan=True),
    st.lists(st.integers(), max_size=2),
)
_record = st.fixed_dictionaries(
    {"text": st.one_of(_any_text, _any_text.map(lambda t: BODY + t), st.integers())},
    optional={k: _field for k in ("title", "outlet", "published", "date", "id", "url")},
)


def _storable(value: object) -> bool:
    return not isinstance(value, str) or all(not 0xD800 <= ord(c) <= 0xDFFF for c in value)


def _lands(record: dict) -> bool:
    """Whether ingest must store this record (what _record accepts)."""
    text = record["text"]
    stored = [record.get(k) for k in ("text", "title", "outlet", "id", "url")]
    # A date that cannot be read no longer matters: the record is stored undated, with a warning.
    return isinstance(text, str) and bool(text.strip()) and all(map(_storable, stored))


def _check_store(db: Path, articles: list, found: ingest.IngestResult) -> None:
    with Store.open(db) as s:
        added, _ = s.add_articles(articles)
        assert added == len(articles)
        assert s.conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        for (published,) in s.conn.execute("SELECT published FROM articles WHERE published IS NOT NULL"):
            assert parse_date(published) == published  # stored dates are in their normal form
    for p in found.problems:
        assert p.path and p.message and p.hint and "unexpected error" not in p.message
        str(p).encode("utf-8")  # printable as it is


# Modest and derandomised: a few seconds, the same examples every run, no example database.
# HYPOTHESIS_EXAMPLES=5000 searches further, with random examples.
_SLOW = settings(
    max_examples=int(os.environ.get("HYPOTHESIS_EXAMPLES", "60")),
    deadline=None,
    derandomize="HYPOTHESIS_EXAMPLES" not in os.environ,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@_SLOW
@given(records=st.lists(_record, min_size=1, max_size=4), as_array=st.booleans())
def test_arbitrary_json_records(tmp_path_factory, records, as_array) -> None:
    folder = tmp_path_factory.mktemp("rec")
    if as_array:
        (folder / "a.json").write_text(json.dumps(records), encoding="utf-8")
    else:
        lines = "\n".join(json.dumps(r) for r in records)
        (folder / "a.jsonl").write_text(lines, encoding="utf-8")
    found = ingest.IngestResult()
    articles = list(ingest.iter_articles([folder], found))
    _check_store(folder / "t.db", articles, found)
    # Every good record is stored (the first of those sharing an id), every other is a problem.
    # JSON joins two halves of a pair that happen to be next to each other: judged as read back.
    records = [json.loads(json.dumps(r)) for r in records]
    good = [r for r in records if _lands(r)]
    assert {a.text for a in articles} <= {ingest.as_stored(r["text"]) for r in good}
    ids = {json.dumps(r["id"]) for r in good if ingest._scalar(r.get("id"))}
    assert len(articles) >= len({r["text"] for r in good}) - len(ids)
    assert len(found.problems) == len(records) - len(good)


_EXTS = [".txt", ".csv", ".jsonl", ".json", ".html"]


@_SLOW
@given(
    data=st.one_of(
        st.binary(max_size=300),
        st.sampled_from([b"\xff\xfe", b"\xfe\xff", b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff"]).flatmap(
            lambda bom: st.binary(max_size=200).map(lambda b: bom + b)
        ),
        _any_text.map(lambda t: t.encode("utf-8", "surrogatepass")),
        st.tuples(
            st.sampled_from(WIDE), st.one_of(_any_text, st.lists(_record, max_size=3).map(json.dumps))
        ).map(lambda ct: ("\ufeff" + ct[1]).encode(ct[0], "surrogatepass")),
    ),
    ext=st.sampled_from(_EXTS),
)
def test_arbitrary_bytes(tmp_path_factory, data, ext) -> None:
    folder = tmp_path_factory.mktemp("bytes")
    (folder / f"a{ext}").write_bytes(data)
    found = ingest.IngestResult()
    articles = list(ingest.iter_articles([folder], found))
    _check_store(folder / "t.db", articles, found)
