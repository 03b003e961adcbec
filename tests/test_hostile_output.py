"""Output that cannot be turned against its reader: CSV that spreadsheets read as text, terminal
output without control sequences, and files replaced whole or not at all."""

from __future__ import annotations

import csv
import io
import json
import os
import resource
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tracer import export
from tracer.cli import cli
from tracer.ingest import outlet_name
from tracer.output import csv_text, for_terminal

# Outlets, titles and ids carrying CSV and terminal payloads: a bare "\r" (it split the record),
# formula starts, quotes, an OSC sequence that sets the terminal title, a C1 CSI, a bidi override.
OUTLETS = [
    "Harbour\r=1+1 \x1b]0;pwned\x07News",
    '=1+1 "Gazette"\n@x',
    "+SUM(A1) \u202eTimes\x9b31m -2+3",
]
STORED = [outlet_name(o) for o in OUTLETS]  # as stored: a line break in a name is a space
TITLES = ["@x title\r=2+2 \x1b]0;t\x07", '-2+3 "headline"', 'Plain title\n=HYPERLINK("http://x")']
IDS = ["=id0", "-2+3", "@x"]
SHARED = [
    "The harbour authority confirmed on Tuesday that the northern breakwater had cracked along forty "
    "metres of its length after the storm.",
    "=1+1 engineers from the regional office said repairs would take at least six months and cost "
    "several million euros in total.",
    "+SUM(A1) residents living near the quay were told to keep away from the sea wall\rwhile divers "
    'inspected the damaged "concrete" blocks underneath \x1b]0;pwned\x07 \u202eevil\x9b31m.',
]
TERMINAL_BAD = ("\x1b", "\x07", "\x9b", "\u202e")
FORMULA = ("=", "+", "-", "@", "\t", "\r", "\n")


def _articles() -> list[dict[str, str]]:
    return [
        {"id": IDS[i], "outlet": OUTLETS[i], "title": TITLES[i], "published": f"2024-01-0{i + 1}",
         "text": f"{TITLES[i]}\n\n{SHARED[0]} Filler sentence {i} about the weather.\n\n{SHARED[1]}\n\n"
                 f"-2+3 said one {i}. @x noted another {i}.\n\n{SHARED[2]}"}
        for i in range(3)
    ]  # fmt: skip


def _invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A scanned store of three articles of three outlets that share three long sentences."""
    folder = tmp_path_factory.mktemp("hostile")
    corpus = folder / "h.jsonl"
    corpus.write_text("".join(json.dumps(a) + "\n" for a in _articles()), encoding="utf-8")
    db = str(folder / "h.db")
    result = _invoke("run", str(corpus), "--db", db, "--quiet")
    assert result.exit_code == 0, result.output
    return db


def _safe_start(cell: str) -> bool:
    """A spreadsheet would not run ``cell``: no formula start, even after leading spaces."""
    stripped = cell.lstrip()
    if cell[:1] not in FORMULA and stripped[:1] not in FORMULA:
        return True
    try:
        float(cell)  # a number such as -0.5 is a number, not a formula
        return True
    except ValueError:
        return False


def _read_csv(text: str) -> list[list[str]]:
    records = list(csv.reader(io.StringIO(text, newline="")))
    assert records and all(len(r) == len(records[0]) for r in records), records
    for record in records:
        assert all(_safe_start(cell) for cell in record), record
    return records


def _same_text(cell: str, value: str) -> bool:
    """``cell`` is ``value``, or ``value`` behind the one quote that keeps it text."""
    return cell == value or (cell == "'" + value and not _safe_start(value))


def _check_rows(records: list[list[str]], rows: list[dict]) -> None:
    header, body = records[0], records[1:]
    assert len(body) == len(rows)
    for record, row in zip(body, rows, strict=True):
        for name, cell in zip(header, record, strict=True):
            value = row.get(name)
            if isinstance(value, str):
                assert _same_text(cell, value), (name, cell, value)
            elif isinstance(value, int | float) and not isinstance(value, bool):
                assert not cell.startswith("'"), (name, cell)


# --- CSV ------------------------------------------------------------------------------------


def test_csv_text_rules():
    for text in ["=1+1", "+SUM(A1)", "-2+3", "@x", "\t=1", "\r=1", "\n=1", "  =1+1", "\u3000=1", "\uff1d1+1"]:
        assert csv_text(text) == "'" + text
    for text in ["", "safe", "1-2", "'quoted", "a=b", "2024-01-01"]:
        assert csv_text(text) == text


def _claim_ids(db: str) -> list[str]:
    return [c["claim_id"] for c in json.loads(_invoke("claims", "--db", db, "--format", "json").stdout)]


def test_every_csv_command_round_trips_and_runs_no_formula(hostile):
    db = hostile
    for command, ids, pick in (
        ("matches", [], lambda j: j),
        ("claims", [], lambda j: j),
        ("outlets", [], lambda j: j["pairs"]),
        ("origin", ["--", IDS[1]], lambda j: j["claims"]),
        ("origin", [IDS[0]], lambda j: j["claims"]),
    ):
        as_csv = _invoke(command, "--db", db, "--format", "csv", *ids)
        as_json = _invoke(command, "--db", db, "--format", "json", *ids)
        assert as_csv.exit_code == 0 and as_json.exit_code == 0, as_csv.output + as_json.output
        rows = pick(json.loads(as_json.stdout))
        assert rows, command
        _check_rows(_read_csv(as_csv.stdout), rows)
    for claim_id in _claim_ids(db):
        as_csv = _invoke("trace", claim_id, "--db", db, "--format", "csv")
        found = json.loads(_invoke("trace", claim_id, "--db", db, "--format", "json").stdout)
        rows = [{"claim_id": t["claim_id"], **m} for t in found for m in t["members"]]
        _check_rows(_read_csv(as_csv.stdout), rows)


def test_a_bare_carriage_return_does_not_split_the_record(hostile):
    records = _read_csv(_invoke("outlets", "--db", hostile, "--format", "csv").stdout)
    assert len(records) == 3  # the header and two outlet pairs
    # (the same text on three days: each copy's parent is the day before's; outlets' line breaks
    # are spaces once stored)
    outlets = [outlet_name(o) for o in OUTLETS]
    assert {(r[0], r[1]) for r in records[1:]} == {
        (outlets[0], "'" + outlets[1]),
        ("'" + outlets[1], "'" + outlets[2]),
    }
    titles = _read_csv(_invoke("articles", "--db", hostile, "--format", "csv").stdout)
    assert len(titles) == 4 and "'" + TITLES[0] in titles[1]  # its "\r" kept inside
    matches = _read_csv(_invoke("matches", "--db", hostile, "--format", "csv").stdout)
    stored = SHARED[2][9:].replace("\r", "\n")  # (a text's line endings are stored as "\n")
    assert any(stored in cell for r in matches for cell in r)  # its line break and '"' kept inside


def test_export_csv_cells_are_safe(hostile, tmp_path):
    folder = tmp_path / "csv"
    result = _invoke("export", "--db", hostile, "--format", "csv", "--level", "claims", "-o", str(folder))
    assert result.exit_code == 0, result.output
    nodes = _read_csv((folder / "nodes.csv").read_text(encoding="utf-8"))
    edges = _read_csv((folder / "edges.csv").read_text(encoding="utf-8"))
    labels = {r[1] for r in nodes[1:]}
    assert "'" + STORED[1] in labels and "'" + TITLES[1] in labels  # kept whole, as text
    assert len(edges) > 1


def test_export_csv_catches_formulas_behind_spaces_and_fullwidth_signs():
    import networkx as nx

    g = nx.MultiDiGraph()
    for i, label in enumerate([" =cmd|'/c calc'!A0", "\u3000+1", "\uff1dSUM(A1)", "\n@x", "plain"]):
        g.add_node(f"n{i}", type="outlet", label=label, lag=-2.5)
    nodes = _read_csv("\n".join(export.generate_csv(g)[0]) + "\n")
    assert [r[1] for r in nodes[1:]] == [
        "' =cmd|'/c calc'!A0",
        "'\u3000+1",
        "'\uff1dSUM(A1)",
        "'\n@x",
        "plain",
    ]
    assert {r[2] for r in nodes[1:]} == {"-2.5"}


def test_negative_numbers_stay_numbers():
    from tracer.output import render

    text = "".join(render([{"lag": -0.5, "n": -3, "t": "-0.5"}], "csv"))
    assert text == "lag,n,t\n-0.500,-3,'-0.5\n"


# --- terminal -------------------------------------------------------------------------------


def test_for_terminal_escapes_controls_and_bidi():
    assert for_terminal("a\x1b]0;x\x07b") == "a\\x1b]0;x\\x07b"
    assert for_terminal("\x9b31m \u202eab\u2066") == "\\x9b31m \\u202eab\\u2066"
    assert for_terminal("line\r\nnext\ttab\rback\x7f") == "line\r\nnext\ttab\\x0dback\\x7f"
    assert for_terminal("plain \u00e9\u4e2d") == "plain \u00e9\u4e2d"


def _assert_clean(result: Result) -> None:
    text = result.stdout + result.stderr
    assert "Traceback" not in text
    for bad in TERMINAL_BAD:
        assert bad not in text, (bad, text)


def test_table_output_and_messages_have_no_control_sequences(hostile, tmp_path):
    db = hostile
    claim = _claim_ids(db)[0]
    not_a_folder = tmp_path / "file\x1b]0;x\x07"  # outputs under it cannot be written: errors quote it
    not_a_folder.write_text("", encoding="utf-8")
    runs = [
        ["matches"], ["matches", "--include-boilerplate"], ["claims"], ["outlets"], ["stats"],
        ["trace", claim], ["trace", "harbour authority breakwater"], ["origin", IDS[0]], ["show", IDS[0]],
        ["show", IDS[2]], ["eval", "--truth", str(tmp_path / "none\x1b]0;x\x07.json")],
        ["show", "nope\x1b]0;x\x07"], ["trace", "\x1b]0;nothing\x07"],
        ["report", "-o", str(not_a_folder / "r.html")],
        ["export", "--format", "gexf", "-o", str(not_a_folder / "g.gexf")],
        ["scan", "--aliases", str(tmp_path / "aliases\x1b]0;x\x07.json")],
    ]  # fmt: skip
    for args in runs:
        result = _invoke(*args, "--db", db)
        _assert_clean(result)
    result = _invoke("show", IDS[0], "--db", db)
    assert "\\x1b]0;pwned\\x07" in result.stdout and "\\u202e" in result.stdout


def test_run_summary_and_skipped_files_are_escaped(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "h.jsonl").write_text("".join(json.dumps(a) + "\n" for a in _articles()), encoding="utf-8")
    (folder / "empty\x1b]0;pwned\x07.txt").write_text("", encoding="utf-8")
    (folder / "bad\u202e.jsonl").write_text("{not json\x1b]0;x\x07\n", encoding="utf-8")
    result = _invoke("run", str(folder), "--db", str(tmp_path / "r.db"))
    assert result.exit_code == 1
    _assert_clean(result)
    assert "skipped" in result.stderr and "empty\\x1b]0;pwned\\x07.txt" in result.stderr
    assert "top echoed passages" in result.stdout


def test_json_stays_exact(hostile):
    pairs = json.loads(_invoke("outlets", "--db", hostile, "--format", "json").stdout)["pairs"]
    assert {p["source_outlet"] for p in pairs} == {STORED[0], STORED[1]}  # kept exact
    found = json.loads(_invoke("trace", _claim_ids(hostile)[0], "--db", hostile, "--format", "json").stdout)
    assert {m["title"] for t in found for m in t["members"]} <= set(TITLES)
    lines = _invoke("matches", "--db", hostile, "--format", "jsonl").stdout.splitlines()
    assert {json.loads(x)["source_id"] for x in lines} <= set(IDS)


# --- files replaced whole or not at all -----------------------------------------------------


def _leftovers(folder: Path, keep: set[str]) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name not in keep)


def _fail_after_first(lines: Iterator[str]) -> Iterator[str]:
    yield next(iter(lines))
    raise OSError(28, "No space left on device")


@pytest.mark.parametrize("fmt", ["gexf", "graphml", "json"])
def test_export_failing_mid_write_keeps_the_old_file(hostile, tmp_path, monkeypatch, fmt):
    out = tmp_path / f"g.{fmt}"
    out.write_text("previous\n", encoding="utf-8")
    original = export.generate
    monkeypatch.setattr(export, "generate", lambda *a: _fail_after_first(original(*a)))
    result = CliRunner().invoke(cli, ["export", "--db", hostile, "--format", fmt, "-o", str(out)])
    assert result.exit_code == 1 and "No space left on device" in result.stderr
    assert out.read_text(encoding="utf-8") == "previous\n"
    assert _leftovers(tmp_path, {out.name}) == []


def test_export_csv_failing_keeps_both_old_files(hostile, tmp_path, monkeypatch):
    folder = tmp_path / "csv"
    folder.mkdir()
    for name in ("nodes.csv", "edges.csv"):
        (folder / name).write_text(f"old {name}\n", encoding="utf-8")
    original = export.generate_csv
    monkeypatch.setattr(export, "generate_csv", lambda G: (original(G)[0], _fail_after_first(original(G)[1])))
    result = CliRunner().invoke(cli, ["export", "--db", hostile, "--format", "csv", "-o", str(folder)])
    assert result.exit_code == 1
    assert {p.name: p.read_text(encoding="utf-8") for p in folder.iterdir()} == {
        "nodes.csv": "old nodes.csv\n",
        "edges.csv": "old edges.csv\n",
    }
    result = CliRunner().invoke(
        cli, ["export", "--db", hostile, "--format", "csv", "-o", str(tmp_path / "new")]
    )
    assert result.exit_code == 1 and not (tmp_path / "new").exists()  # no empty folder left behind


def test_export_writes_through_a_symlink_and_keeps_the_mode(hostile, tmp_path):
    real = tmp_path / "real.json"
    real.write_text("old", encoding="utf-8")
    real.chmod(0o640)
    link = tmp_path / "link.json"
    link.symlink_to(real)
    assert _invoke("export", "--db", hostile, "--format", "json", "-o", str(link), "-q").exit_code == 0
    assert link.is_symlink() and json.loads(real.read_text(encoding="utf-8"))["nodes"]
    assert real.stat().st_mode & 0o777 == 0o640
    assert _leftovers(tmp_path, {"real.json", "link.json"}) == []


def _cli_with_file_size_limit(limit: int, *args: str) -> subprocess.CompletedProcess[str]:
    """The CLI in a child whose files cannot grow past ``limit`` bytes: a disk that fills up."""

    def limit_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    code = "import sys; from tracer.cli import main; sys.argv[0] = 'tracer'; main()"
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        preexec_fn=limit_files,
        timeout=120,
    )


@pytest.mark.parametrize("command", ["report", "export", "simulate"])
def test_a_full_disk_leaves_the_previous_output(hostile, tmp_path, command):
    out = tmp_path / "out.file"
    previous = "previous content\n" * 10
    out.write_text(previous, encoding="utf-8")
    args = {
        "report": ["report", "--db", hostile, "-o", str(out)],
        "export": ["export", "--db", hostile, "--format", "graphml", "-o", str(out)],
        "simulate": ["simulate", "50", "-o", str(out), "--truth", str(tmp_path / "t.json")],
    }[command]
    # The store is in WAL mode: a reader maps its -shm file (32 KiB), which the limit would not let
    # the child create. Held open here, it exists already, and only the output meets the full disk.
    with sqlite3.connect(hostile) as reader:
        reader.execute("SELECT count(*) FROM articles").fetchone()
        result = _cli_with_file_size_limit(4096, *args)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr and "File too large" in result.stderr, result.stderr
    assert str(out) in result.stderr
    assert out.read_text(encoding="utf-8") == previous
    assert _leftovers(tmp_path, {out.name}) == []


def test_report_and_simulate_still_write(hostile, tmp_path):
    report = tmp_path / "r.html"
    assert _invoke("report", "--db", hostile, "-o", str(report), "-q").exit_code == 0
    assert report.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    corpus = tmp_path / "c.jsonl"
    assert _invoke("simulate", "20", "-o", str(corpus), "-q").exit_code == 0
    assert len(corpus.read_text(encoding="utf-8").splitlines()) == 20
    assert json.loads((tmp_path / "c.truth.json").read_text(encoding="utf-8"))["n_articles"] == 20
    assert _leftovers(tmp_path, {"r.html", "c.jsonl", "c.truth.json"}) == []
    assert os.stat(report).st_mode & 0o777 == 0o666 & ~_umask()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_report_to_a_pipe_is_written_in_place(hostile):
    code = "import sys; from tracer.cli import main; sys.argv[0] = 'tracer'; main()"
    args = [sys.executable, "-c", code, "report", "--db", hostile, "-o", "/dev/stdout", "-q"]
    result = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("<!DOCTYPE html>") and result.stdout.rstrip().endswith("</html>")


def test_a_writable_file_in_a_locked_folder_is_still_written(hostile, tmp_path, monkeypatch):
    out = tmp_path / "g.json"
    out.write_text("old", encoding="utf-8")
    real_open = os.open

    def locked_folder(path, *args):  # a folder that takes no new files (tests run as root here)
        if str(path).endswith(".tmp"):
            raise PermissionError(13, "Permission denied", path)
        return real_open(path, *args)

    monkeypatch.setattr(os, "open", locked_folder)
    assert _invoke("export", "--db", hostile, "--format", "json", "-o", str(out), "-q").exit_code == 0
    assert json.loads(out.read_text(encoding="utf-8"))["nodes"]
    out.chmod(0o444)
    if os.geteuid() != 0:  # root writes read-only files anyway
        result = _invoke("export", "--db", hostile, "--format", "json", "-o", str(out))
        assert result.exit_code == 1 and f"cannot write {out}: Permission denied" in result.stderr
