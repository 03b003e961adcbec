"""Hostile input that tracer already handles: each case runs the CLI on it and checks that no
traceback escapes, the exit status says what happened, good records are stored, and what was
stored before is unchanged (every table's rows hashed, before and after).

Cases another change is fixing have their own tests elsewhere; a case found failing here is
marked ``xfail(strict=True)`` so that its fix turns it into an unexpected pass.
"""

from __future__ import annotations

import csv
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from lxml import etree
from lxml import html as lxml_html

from tracer.ingest import outlet_name, visible

from .conftest import RUMOUR
from .hostile import (
    article_rows,
    assert_no_crash,
    invoke,
    kill_group,
    run_tracer,
    stored,
    tables,
    write_bytes,
)
from .test_export import schema

# Sentences of fixtures/rumour/articles/01_daily-beacon.txt: an article quoting them is matched
# with the stored one, so hostile text reaches matches, claims, reports and exports.
REUSED = [
    "Leaked hospital records show that Chancellor Aldo Varek has been treated for early-stage heart "
    "failure and a rare blood disorder at a private clinic outside the capital.",
    "The documents were passed on by a source who said they had grown alarmed at the way the condition "
    "was being hidden from cabinet colleagues.",
    "Opposition leader Mira Solenne said the public had a right to know whether the head of government "
    "was well enough to do the job.",
    "Mr Varek is expected to lead his party into a general election in the autumn, and polls suggest the "
    "race will be the closest in twenty years.",
    "During Thursday’s speech on farm subsidies he paused several times to catch his breath — and at one "
    "point reached for the arm of an aide as he stepped down from the stage.",
]


@pytest.fixture(scope="session")
def good_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The rumour corpus ingested and scanned once; tests get a copy (:func:`db`)."""
    db = tmp_path_factory.mktemp("hostile-good") / "good.db"
    invoke("run", RUMOUR / "articles", "--db", db, "--quiet")
    return db


@pytest.fixture
def db(good_store: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "t.db"
    shutil.copyfile(good_store, copy)
    return copy


def assert_only_added(db: Path, before: dict[str, str], rows: dict[str, tuple[Any, ...]], added: int) -> None:
    """After an ingest: ``added`` articles more, the others' rows and every other table as they were."""
    after = article_rows(db)
    assert len(after) == len(rows) + added
    assert {k: after[k] for k in rows} == rows
    now = tables(db)
    assert {k: v for k, v in now.items() if k != "articles"} == {
        k: v for k, v in before.items() if k != "articles"
    }


# --- binary, random, empty and whitespace files under every extension ---------------------------

EXTS = [".txt", ".csv", ".jsonl", ".ndjson", ".json", ".html", ".htm", ".xyz", ""]


def _content(kind: str) -> bytes:
    rng = random.Random(f"hostile-{kind}")
    if kind == "random":
        return rng.randbytes(4096)
    if kind == "png":
        return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + rng.randbytes(600)
    if kind == "high":  # printable and high bytes, no controls: decodes as cp1252 or latin-1
        return bytes(rng.choice(range(0x20, 0x100)) for _ in range(3000))
    if kind == "nul-in-text":
        return b"outlet: Nul News\n\nA plain article with one \x00 NUL byte in the middle of it.\n"
    if kind == "empty":
        return b""
    if kind == "whitespace":
        return b" \n\t\r\n   \n\x0c\n"
    raise ValueError(kind)


KINDS = ["random", "png", "high", "nul-in-text", "empty", "whitespace"]
BINARY = {"random", "png", "nul-in-text"}


def _expected_problem(kind: str, ext: str) -> str | None:
    """What tracer says about one such file passed on the command line (None: it is stored)."""
    if ext == ".xyz":
        return "unsupported file type"
    if kind in BINARY:
        return "binary file, not text"
    if kind in ("empty", "whitespace"):
        return "empty file"
    return {
        ".csv": "CSV has no 'text' column",
        ".jsonl": "invalid JSON",
        ".ndjson": "invalid JSON",
        ".json": "invalid JSON",
        ".html": "no article text found in HTML",
        ".htm": "no article text found in HTML",
    }.get(ext)


@pytest.mark.parametrize("ext", EXTS, ids=lambda e: e or "no-ext")
@pytest.mark.parametrize("kind", KINDS)
def test_junk_file_is_skipped_with_a_message(db: Path, tmp_path: Path, kind: str, ext: str) -> None:
    data = _content(kind)
    path = write_bytes(tmp_path / "in" / f"junk{ext}", data)
    before, rows = tables(db), article_rows(db)
    problem = _expected_problem(kind, ext)
    result = invoke("ingest", path, "--db", db, code=1 if problem else 0)
    if problem:
        assert f"skipped {path}" in result.stderr and problem in result.stderr, result.stderr
        assert tables(db) == before
        return
    assert_only_added(db, before, rows, 1)  # high bytes in a text file: an article in cp1252/latin-1
    (art,) = stored(db, "source_path = ?", [str(path)])
    assert art["encoding"] in ("cp1252", "latin-1")
    assert art["text"] == visible(data.decode(art["encoding"]))  # less soft hyphens (0xAD)


def test_walking_a_folder_of_junk_keeps_the_good_files(db: Path, tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    expected: dict[str, str] = {}
    for kind in KINDS:
        for ext in EXTS:
            path = write_bytes(folder / kind / f"junk{ext}", _content(kind))
            problem = _expected_problem(kind, ext)
            if problem and ext != ".xyz":  # a walk passes over files of other types without a word
                expected[str(path)] = problem
    good = folder / "good.txt"
    good.write_text("outlet: Good Echo\ndate: 2024-03-12\n\n" + "\n\n".join(REUSED) + "\n", encoding="utf-8")
    rows = article_rows(db)
    result = invoke("run", folder, "--db", db, code=1)
    for path, problem in expected.items():
        assert f"skipped {path}" in result.stderr and problem in result.stderr, (path, result.stderr)
    assert ".xyz" not in result.stderr
    assert f"{len(expected)} skipped with problems" in result.stderr
    after = article_rows(db)
    assert {k: after[k][:-1] for k in rows} == {k: v[:-1] for k, v in rows.items()}  # all but 'scanned'
    (art,) = stored(db, "source_path = ?", [str(good)])
    assert art["scanned"] == 1 and art["outlet"] == "Good Echo"
    found = json.loads(invoke("origin", art["id"], "--db", db, "--format", "json").stdout)
    assert found["claims"], "the good file's copied sentences were matched"
    # good.txt and high/junk.txt; high/junk holds the same text, so the same article: dropped quietly.
    assert len(stored(db, "source_path LIKE ?", [f"{folder}%"])) == 2


# --- odd characters in text, title and outlet: stored exactly, and every command copes ----------

PAYLOADS = {
    "nul": "\x00",
    "c0": "\x01\x02\x07\x08\x0b\x0c\x0e\x1b\x1f\x7f",
    "noncharacters": "\ufffe\uffff",
    "line-separators": "\u2028\u2029\x85",
    "bidi": "\u202e\u2066\u2067\u2068\u2069\u202a\u202b\u202c\u202d\u200f\u200e\u061c",
    "combining": "e\u0301\u0338\u20dd Z\u0336\u0334\u0335\u0489",
    "astral": "\U0001f600 \U0001f469\u200d\U0001f469\u200d\U0001f467 \U0001f3f3\ufe0f\u200d\U0001f308 "
    "\U0001d54f \U00010348 \U0010fffd",
}


def _article(fmt: str, p: str) -> dict[str, str]:
    """An article of format ``fmt`` with payload ``p`` inside its outlet, title and text."""
    s0, s1, s2, s3, s4 = REUSED
    text = (
        f"A first line {p} of the {fmt} story.\n\n{s0} {p}\n\n{s1[:40]}{p}{s1[40:]}\n\n{s2}\n\n{s3}\n\n"
        f"{p}{s4}\n"
    )
    return {"id": f"{fmt}-art", "outlet": f"{fmt.upper()} Out{p}let", "title": f"Title {p} here",
            "text": text, "published": "2024-03-10"}  # fmt: skip


def _raw_json(record: dict[str, str]) -> str:
    """``record`` as JSON with every character written as itself (json.dumps escapes C0 controls)."""
    line = json.dumps(record, ensure_ascii=False).replace("\\b", "\b").replace("\\f", "\f")
    return re.sub(r"\\u00([01][0-9a-f])", lambda m: chr(int(m.group(1), 16)), line)


def _write_payload_files(folder: Path, p: str) -> dict[str, str | None]:
    """One article per format; file name -> the problem tracer reports for it (None: stored)."""
    folder.mkdir()
    nul, c0 = "\x00" in p, any(ord(c) < 0x20 for c in p)
    with open(folder / "escaped.jsonl", "w", encoding="utf-8") as f:
        f.write(json.dumps(_article("jsonl", p)) + "\n")
    with open(folder / "raw.jsonl", "w", encoding="utf-8") as f:
        f.write(_raw_json(_article("raw", p)) + "\n")
    with open(folder / "a.csv", "w", encoding="utf-8", newline="") as f:
        art = _article("csv", p)
        writer = csv.writer(f)
        writer.writerow(list(art))
        writer.writerow(list(art.values()))
    art = _article("txt", p)
    (folder / "a.txt").write_text(
        f"id: {art['id']}\noutlet: {art['outlet']}\ntitle: {art['title']}\ndate: {art['published']}\n\n{art['text']}",
        encoding="utf-8",
        newline="",
    )
    binary = "binary file, not text" if nul else None
    # A raw control character inside a JSON string is invalid JSON (escaped, it is fine).
    return {"escaped.jsonl": None, "raw.jsonl": binary or ("invalid JSON" if c0 else None),
            "a.csv": binary, "a.txt": binary}  # fmt: skip


@pytest.mark.parametrize("name", list(PAYLOADS))
def test_odd_characters_are_stored_exactly_and_scanned(db: Path, tmp_path: Path, name: str) -> None:
    p = PAYLOADS[name]
    folder = tmp_path / "in"
    problems = _write_payload_files(folder, p)
    rows = article_rows(db)
    result = invoke("run", folder, "--db", db, code=1 if any(problems.values()) else 0)
    for file, problem in problems.items():
        if problem:
            assert f"skipped {folder / file}" in result.stderr and problem in result.stderr, result.stderr
    after = article_rows(db)
    assert {k: after[k][:-1] for k in rows} == {k: v[:-1] for k, v in rows.items()}
    new = {a["id"]: a for a in stored(db, "seq > ?", [len(rows)])}
    formats = {"escaped.jsonl": "jsonl", "raw.jsonl": "raw", "a.csv": "csv", "a.txt": "txt"}
    assert set(new) == {f"{formats[f]}-art" for f, problem in problems.items() if problem is None}
    for art_id, art in new.items():
        want = _article(art_id.split("-")[0], p)
        # (an outlet's name in NFC, its runs of whitespace one space: as every outlet's is stored)
        assert (art["outlet"], art["title"], art["text"]) == (
            outlet_name(want["outlet"]),
            want["title"],
            want["text"],
        )
        assert art["published"] == "2024-03-10" and art["scanned"] == 1
    _every_command_copes(db, new)


def _every_command_copes(db: Path, new: dict[str, dict[str, Any]]) -> None:
    texts = {a["id"]: a["text"] for a in stored(db)}
    rows = json.loads(invoke("matches", "--db", db, "--format", "json", "--include-boilerplate").stdout)
    ours = [m for m in rows if {m["source_id"], m["target_id"]} & set(new)]
    assert ours, "the copied sentences were matched"
    for m in rows:  # spans point into the stored texts, a NUL in them or not
        for side in ("source", "target"):
            assert texts[m[f"{side}_id"]][slice(*m[f"{side}_span"])] == m[f"{side}_text"]
    for art_id, art in new.items():
        found = json.loads(invoke("origin", art_id, "--db", db, "--format", "json").stdout)
        assert found["outlet"] == art["outlet"] and found["claims"]
        for fmt in ("table", "csv"):
            invoke("origin", art_id, "--db", db, "--format", fmt)
        invoke("show", art_id, "--db", db)
    for fmt in ("table", "csv", "jsonl"):
        invoke("matches", "--db", db, "--format", fmt, "--include-boilerplate")
    for fmt in ("table", "csv", "json"):
        invoke("claims", "--db", db, "--format", fmt)
        invoke("trace", "Leaked hospital records show", "--db", db, "--format", fmt, "--limit", "3")
        invoke("outlets", "--db", db, "--format", fmt)
    invoke("stats", "--db", db)
    traced = json.loads(invoke("trace", "Leaked hospital records", "--db", db, "--format", "json").stdout)
    outlets = {m["outlet"] for t in traced for m in t["members"]}
    assert outlets & {a["outlet"] for a in new.values()}


def test_nul_keeps_matched_text(db: Path, tmp_path: Path) -> None:
    corpus = tmp_path / "nul.jsonl"
    text = "Intro \x00 line.\n\n" + "\n\n".join(REUSED) + "\n"
    corpus.write_text(json.dumps({"id": "nul", "outlet": "Nul News", "text": text}) + "\n", encoding="utf-8")
    invoke("run", corpus, "--db", db, "--quiet")
    rows = json.loads(invoke("matches", "--db", db, "--format", "json").stdout)
    got = [(m["source_text"], m["source_span"]) for m in rows if m["source_id"] == "nul"]
    got += [(m["target_text"], m["target_span"]) for m in rows if m["target_id"] == "nul"]
    assert got and all(shown == text[slice(*span)] for shown, span in got)
    traced = json.loads(invoke("trace", REUSED[0], "--db", db, "--format", "json").stdout)
    (member,) = [m for t in traced for m in t["members"] if m["article_id"] == "nul"]
    assert member["text"] == " ".join(text[slice(*member["span"])].split())
    found = json.loads(invoke("origin", "nul", "--db", db, "--format", "json").stdout)
    assert found["claims"] and all(c["text"] for c in found["claims"])


# --- invalid dates -------------------------------------------------------------------------------

BAD_DATES = ["2023-02-30", "2023-13-01", "yesterday", "2023-09-13T25:00", "05/03/2023", "2023-9-31"]


def test_unreadable_dates_store_the_record_undated_with_a_warning(db: Path, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    bad_json: list[Any] = [*BAD_DATES, 20231345, 2023.5, True, ["2023-09-13"], {"y": 2023}]
    missing_json: list[Any] = ["", "   ", None]
    records = [*bad_json, *missing_json, "2023-09-13T10:00:00Z"]
    with open(folder / "dates.jsonl", "w", encoding="utf-8") as f:
        for i, value in enumerate(records):
            f.write(
                json.dumps({"id": f"j{i}", "text": f"Article {i} of the dates file.", "published": value})
                + "\n"
            )
    cells = [*BAD_DATES, "20231345", "", "2023-09-13"]
    with open(folder / "dates.csv", "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "text", "published"])
        writer.writerows([f"c{i}", f"Row {i} of the dates file.", v] for i, v in enumerate(cells))
    headers = [*BAD_DATES, "20231345", ""]
    for i, value in enumerate(headers):
        (folder / f"t{i}.txt").write_text(
            f"date: {value}\n\nText file {i} with a date line.\n", encoding="utf-8"
        )
    before, rows = tables(db), article_rows(db)
    result = invoke("ingest", folder, "--db", db)  # nothing skipped: exit 0
    err = result.stderr
    for i, value in enumerate(bad_json):
        assert f"dates.jsonl:{i + 1}: 'published' {value!r} not read" in err, err
        assert f"stored undated (set the date with `tracer edit j{i} --date DATE`" in err, err
    for i, value in enumerate(cells[:-2]):
        assert f"dates.csv:{i + 2}: 'published' {value!r} not read" in err, err
    for i, value in enumerate(headers[:-1]):
        assert f"t{i}.txt:1: date header {value!r} not read" in err, err
    assert "05/03/2023' reads as day 5 month 3 or month 5 day 3: pass --dayfirst or --monthfirst" in err
    assert "\nskipped " not in "\n" + err and "0 skipped with problems" in err
    # Every record stored: undated where the date was unreadable, empty or null.
    assert_only_added(db, before, rows, len(records) + len(cells) + len(headers))
    got = {a["id"]: a["published"] for a in stored(db, "seq > ?", [len(rows)])}
    for art_id in [f"j{i}" for i in range(len(bad_json) + len(missing_json))] + [f"c{i}" for i in range(8)]:
        assert got[art_id] is None
    assert got[f"j{len(records) - 1}"] == "2023-09-13T10:00:00+00:00" and got["c8"] == "2023-09-13"
    assert [a["published"] for a in stored(db, "source_path LIKE ?", ["%t7.txt"])] == [None]
    # --dayfirst reads the date that reads both ways; the stored article takes it (same id).
    again = invoke("ingest", folder / "dates.csv", "--db", db, "--dayfirst")
    assert "updated c4: date unknown -> 2023-03-05 (column)" in again.stderr, again.stderr
    assert {a["id"]: a["published"] for a in stored(db, "id = ?", ["c4"])} == {"c4": "2023-03-05"}


@pytest.mark.parametrize(
    "value", ["2023-02-30", "2023-13-01", "yesterday", "", "20231345", "2023-09-13T24:61"]
)
def test_invalid_date_option_stops_before_anything_is_stored(db: Path, tmp_path: Path, value: str) -> None:
    good = tmp_path / "good.txt"
    good.write_text("outlet: Good Echo\n\n" + REUSED[0] + "\n", encoding="utf-8")
    before = tables(db)
    result = invoke("ingest", good, "--db", db, "--date", value, code=1)
    assert f"invalid date {value!r}" in result.output
    assert tables(db) == before


# --- FIFOs, dangling links, a folder named like a file, unreadable files ---------------------------


def _unreadable(path: Path) -> bool:
    """Whether ``path`` (chmod 000) really cannot be opened: root reads it anyway."""
    try:
        path.open("rb").close()
    except PermissionError:
        return True
    return False


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_special_files_neither_hang_nor_stop_the_walk(db: Path, tmp_path: Path) -> None:
    walk = tmp_path / "walk"
    (walk / "x.txt").mkdir(parents=True)  # a directory named like a file: walked into
    (walk / "x.txt" / "inner.txt").write_text("outlet: Inner\n\n" + REUSED[1] + "\n", encoding="utf-8")
    (walk / "good.txt").write_text("outlet: Good Echo\n\n" + REUSED[0] + "\n", encoding="utf-8")
    for name in ("pipe.txt", "pipe.jsonl", "pipe.csv"):
        os.mkfifo(walk / name)  # opened for reading, a FIFO with no writer blocks for ever
    (walk / "dangling.txt").symlink_to(tmp_path / "nowhere.txt")
    (walk / "sub").mkdir()
    (walk / "sub" / "dangling.jsonl").symlink_to("missing.jsonl")
    locked = walk / "locked.txt"
    locked.write_text("outlet: Locked\n\nYou cannot read me.\n", encoding="utf-8")
    locked_dir = walk / "locked-dir"
    locked_dir.mkdir()
    (locked_dir / "hidden.txt").write_text("outlet: Hidden\n\nNor me.\n", encoding="utf-8")
    locked.chmod(0)
    locked_dir.chmod(0)
    try:
        unreadable = _unreadable(locked)
        before, rows = tables(db), article_rows(db)
        walked = run_tracer("ingest", walk, "--db", db, timeout=60)
        explicit = run_tracer(
            "ingest", walk / "pipe.txt", walk / "dangling.txt", walk / "x.txt", "--db", db, timeout=60
        )
    finally:
        locked.chmod(0o644)
        locked_dir.chmod(0o755)
    assert walked.returncode == (1 if unreadable else 0), walked.stderr
    if unreadable:
        assert f"skipped {locked}: cannot read file: Permission denied" in walked.stderr
        assert f"skipped {locked_dir}: cannot list directory: Permission denied" in walked.stderr
    # Named, left out with a warning: the walk goes on and does not fail.
    warned = [line for line in walked.stderr.splitlines() if line.startswith("warning: ")]
    assert sorted(line.split(": ")[1] for line in warned if "pipe" in line or "dangling" in line) == sorted(
        str(walk / name)
        for name in ("pipe.txt", "pipe.jsonl", "pipe.csv", "dangling.txt", "sub/dangling.jsonl")
    )
    assert not [line for line in walked.stderr.splitlines() if line.startswith("skipped") and "pipe" in line]
    assert explicit.returncode == 1
    for path in (walk / "pipe.txt", walk / "dangling.txt"):
        assert f"skipped {path}: not a regular file" in explicit.stderr
    assert "1 already stored" in explicit.stderr  # x.txt/inner.txt, stored by the walk
    assert_only_added(db, before, rows, 2 if unreadable else 4)
    assert {a["outlet"] for a in stored(db, "seq > ?", [len(rows)])} >= {"Inner", "Good Echo"}


# --- script injection into the HTML report -------------------------------------------------------

XSS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
    "</script><script>alert(2)</script>",
    "<!--<script>alert(3)//-->",
    '<a href="javascript:alert(4)">x</a>',
    "</style></title></textarea><iframe src=javascript:alert(5)>",
    "]]><![CDATA[<script>alert(6)</script>",
]


@pytest.fixture(scope="module")
def clean_report(tmp_path_factory: pytest.TempPathFactory, good_store: Path) -> str:
    out = tmp_path_factory.mktemp("hostile-report") / "clean.html"
    invoke("report", "-o", out, "--db", good_store, "--quiet")
    return out.read_text(encoding="utf-8")


class _Tags(HTMLParser):
    """Every start tag with its attributes, and each script element's content."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.scripts: list[tuple[dict[str, str], str]] = []
        self.text: list[str] = []
        self._script: dict[str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        d = {k: v or "" for k, v in attrs}
        self.tags.append((tag, d))
        if tag == "script":
            self._script = d
            self.scripts.append((d, ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script = None

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            attrs, content = self.scripts[-1]
            self.scripts[-1] = (attrs, content + data)
        else:
            self.text.append(data)


def _tags(page: str) -> _Tags:
    parser = _Tags()
    parser.feed(page)
    parser.close()
    return parser


def _xss_corpus(folder: Path) -> None:
    """Three outlets sharing the REUSED sentences, every field carrying script payloads."""
    folder.mkdir()
    records = []
    for i in range(3):
        payload = XSS[i::3]
        text = "\n\n".join(f"{s} {payload[j % len(payload)]}" for j, s in enumerate(REUSED))
        records.append({
            "id": f"xss-{i}", "outlet": f"Outlet {i} {payload[0]}", "title": f"Title {' '.join(payload)}",
            "text": f"{' '.join(payload)}\n\n{text}\n", "url": f"javascript:alert({i})//{payload[-1]}",
            "published": f"2024-04-0{i + 1}",
        })  # fmt: skip
    with open(folder / "xss.jsonl", "w", encoding="utf-8") as f:
        f.writelines(json.dumps(r) + "\n" for r in records)
    # A JSON record's text with tags is read as HTML (the payloads there are markup, not text); a
    # plain text file's is text, payloads and all.
    (folder / "xss.txt").write_text(
        f"outlet: Txt {XSS[0]} Outlet\ntitle: {XSS[1]}\nurl: javascript:alert(9)\ndate: 2024-04-05\n\n"
        + "\n\n".join(f"{s} {XSS[3 + j]}" for j, s in enumerate(REUSED))
        + f"\n\n{XSS[3]} {XSS[4]}\n",
        encoding="utf-8",
    )


def test_report_gives_script_payloads_no_way_in(tmp_path: Path, clean_report: str) -> None:
    _xss_corpus(tmp_path / "in")
    db = tmp_path / "xss.db"
    invoke("run", tmp_path / "in", "--db", db, "--quiet")
    out = tmp_path / "r.html"
    invoke("report", "-o", out, "--db", db)
    page = out.read_text(encoding="utf-8")
    parsed, clean = _tags(page), _tags(clean_report)
    # The same four scripts as in a report of a harmless store; only the graph data differs.
    assert [a for a, _ in parsed.scripts] == [a for a, _ in clean.scripts]
    assert [s for a, s in parsed.scripts if a.get("id") != "graph-data"] == [
        s for a, s in clean.scripts if a.get("id") != "graph-data"
    ]
    (data,) = [s for a, s in parsed.scripts if a.get("id") == "graph-data"]
    assert "<" not in data and ">" not in data, "JSON in a script element escapes <, > (</script, <!--)"
    labels = {n["label"] for n in json.loads(data)["nodes"]}
    assert {f"Outlet {i} {XSS[i]}" for i in range(3)} <= labels  # the outlets, unaltered, as data
    _assert_inert(parsed.tags)
    _assert_inert(
        [(e.tag, dict(e.attrib)) for e in lxml_html.fromstring(page).iter() if isinstance(e.tag, str)]
    )
    assert {t for t, _ in parsed.tags} <= {t for t, _ in clean.tags}  # no element the report does not make
    shown = "".join(parsed.text)
    for payload in XSS:
        assert payload in shown or payload.strip("'\">") in shown, payload  # shown as text


def _assert_inert(tags: list[tuple[str, dict[str, str]]]) -> None:
    for tag, attrs in tags:
        assert tag not in ("img", "iframe", "object", "embed", "base", "form"), tag
        for name, value in attrs.items():
            assert not name.lower().startswith("on"), (tag, name, value)
            if name.lower() in ("href", "xlink:href"):
                assert value.startswith("#"), (tag, name, value)  # the report links only within itself
            if name.lower() in ("src", "action", "formaction", "data"):
                assert not value.strip().lower().startswith(("javascript:", "data:text/html")), (tag, value)


# --- XML-illegal characters through GEXF and GraphML ----------------------------------------------

ILLEGAL = "".join(chr(c) for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)]) + "\ufffe\uffff"


@pytest.fixture(scope="module")
def illegal_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile-xml")
    with open(folder / "xml.jsonl", "w", encoding="utf-8") as f:
        for i in range(3):
            text = (
                f"Intro {ILLEGAL} line {i}.\n\n" + "\n\n".join(f"{s} {ILLEGAL[i::3]}" for s in REUSED) + "\n"
            )
            f.write(json.dumps({"id": f"xml-{i}", "outlet": f"Out{ILLEGAL[i::2]}let {i}", "text": text,
                                "title": f"T{ILLEGAL}itle {i}", "published": f"2024-05-0{i + 1}"}) + "\n")  # fmt: skip
    db = folder / "xml.db"
    invoke("run", folder / "xml.jsonl", "--db", db, "--quiet")
    return db


@pytest.mark.parametrize("level", ["outlets", "articles", "claims"])
@pytest.mark.parametrize("fmt", ["gexf-1.3", "gexf-1.2draft", "graphml"])
def test_export_of_xml_illegal_characters_parses(
    illegal_store: Path, tmp_path: Path, fmt: str, level: str
) -> None:
    out = tmp_path / "g.xml"
    version = fmt.split("-", 1)[1] if fmt.startswith("gexf") else None
    args = ["--format", fmt.split("-")[0], "-o", out, "--level", level, "--db", illegal_store]
    result = invoke("export", *args, *(["--gexf-version", version] if version else []))
    nodes = int(result.stderr.split("exported ", 1)[1].split(" node")[0])
    assert nodes > 0
    doc = etree.parse(str(out))  # lxml refuses any character XML 1.0 does not allow
    if version:
        xsd = schema(version, required=False)
        if xsd is not None:
            assert xsd.validate(doc), "\n".join(str(e) for e in xsd.error_log)
        graph = nx.read_gexf(out)
    else:
        graph = nx.read_graphml(out, force_multigraph=True, edge_key_type=str)
    assert graph.number_of_nodes() == nodes
    labels = " ".join(str(d.get("label", "")) for _, d in graph.nodes(data=True))
    assert not set(ILLEGAL) & set(labels)
    for other in ("json", "csv"):
        invoke("export", "--format", other, "-o", tmp_path / other, "--level", level, "--db", illegal_store)
    json.loads((tmp_path / "json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("fmt", ["gexf", "graphml"])
def test_export_keeps_outlets_apart_that_differ_in_illegal_characters(tmp_path: Path, fmt: str) -> None:
    corpus, db = tmp_path / "twins.jsonl", tmp_path / "twins.db"
    with open(corpus, "w", encoding="utf-8") as f:
        for i, outlet in enumerate(["Alpha\x01", "Alpha\x02", "Alpha"]):
            text = f"Intro {i}.\n\n" + "\n\n".join(REUSED) + "\n"
            f.write(json.dumps({"id": f"twin-{i}", "outlet": outlet, "text": text}) + "\n")
    invoke("run", corpus, "--db", db, "--quiet")
    out = tmp_path / f"g.{fmt}"
    result = invoke("export", "--format", fmt, "-o", out, "--level", "outlets", "--db", db)
    assert "exported 3 node(s)" in result.stderr
    ids = [n.get("id") for n in etree.parse(str(out)).iter("{*}node")]
    assert len(set(ids)) == 3, ids


# --- kill -9 in the middle of a scan ----------------------------------------------------------------


@pytest.fixture(scope="module")
def unscanned(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A simulated corpus ingested but not scanned, and the same store after one clean scan."""
    folder = tmp_path_factory.mktemp("hostile-kill")
    corpus = folder / "corpus.jsonl"
    invoke("simulate", "1000", "-o", corpus, "--quiet")
    before = folder / "before.db"
    invoke("ingest", corpus, "--db", before, "--quiet")
    clean = folder / "clean.db"
    shutil.copyfile(before, clean)
    invoke("scan", "--db", clean, "--quiet")
    return before, clean


def _store_tables(db: Path) -> dict[str, str]:
    """:func:`tables` of the store's file alone, its matching index's left out."""
    return {name: rows for name, rows in tables(db).items() if not name.startswith("ix.")}


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return -1


@pytest.mark.skipif(sys.platform == "win32", reason="process groups")
@pytest.mark.parametrize("moment", ["working", "checkpointing"])
def test_scan_killed_then_rescanned_equals_a_clean_scan(
    unscanned: tuple[Path, Path], tmp_path: Path, moment: str
) -> None:
    before, clean = unscanned
    db = tmp_path / "t.db"
    shutil.copyfile(before, db)
    log, start_size = Path(f"{db}-wal"), _size(db)
    proc = subprocess.Popen(
        [sys.executable, "-m", "tracer", "scan", "--db", str(db), "--quiet"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    try:
        # working: the scan's transaction is writing pages to the WAL; checkpointing: the
        # store file itself is being written (from the WAL, after the commit).
        while proc.poll() is None and time.monotonic() < deadline:
            if (moment == "working" and _size(log) > 0) or (
                moment == "checkpointing" and _size(db) != start_size
            ):
                break
            time.sleep(0.001)
        if moment == "working":
            time.sleep(0.2)
        finished = proc.poll() is not None
    finally:
        kill_group(proc)
    assert proc.stderr is not None
    assert_no_crash(proc.stderr.read().decode("utf-8", "replace"))
    proc.stderr.close()
    # (It may also end between that look and the kill: its exit status then says so.)
    if finished or proc.returncode == 0:
        pytest.skip(f"the scan ended before it was killed while {moment}")
    assert proc.returncode == -9
    # Killed before its commit the scan is rolled back; after it, it is whole: never in between.
    # The store's file, that is: its matching index (`-index`, attached) commits apart from it,
    # as SQLite makes a transaction over attached WAL databases atomic per file, and a kill
    # between the two leaves an index the store's meta does not record; the next scan then does
    # every article anew (asserted below: it ends as the clean scan did).
    killed = _store_tables(db)
    assert killed in (_store_tables(before), _store_tables(clean)), "the killed scan left a partial store"
    stats = json.loads(invoke("stats", "--db", db, "--format", "json").stdout)
    assert stats["unscanned"] == (1000 if killed == _store_tables(before) else 0)
    invoke("scan", "--db", db, "--quiet")
    assert tables(db) == tables(clean)
    assert {p.name for p in tmp_path.iterdir()} <= {"t.db", "t.db-wal", "t.db-shm", "t.db-index"}
