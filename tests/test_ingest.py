"""Tests for tracer.ingest: every format, decoding, metadata inference and problem reporting."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest

from tracer.errors import TracerError
from tracer.ingest import article_id, parse_date, read_paths

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"

BODY = (
    "A lighthouse keeper on the western isles has rescued a stranded seal pup during a gale.\n"
    "Witnesses said the pup had been separated from its mother for two days.\n"
)


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_bytes(content.encode("utf-8"))
    return path


# --- helpers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2023-09-13", "2023-09-13"),
        (" 2023-09-13 ", "2023-09-13"),
        ("2023-09-13T10:00:00Z", "2023-09-13T10:00:00+00:00"),
        ("2023-09-13T10:00Z", "2023-09-13T10:00:00+00:00"),
        ("2023-09-13 10:00", "2023-09-13T10:00:00"),
        ("2023-09-13T10:00:00+02:00", "2023-09-13T08:00:00+00:00"),  # stored in UTC
        ("2023-09-13T10:00:00.250-05:00", "2023-09-13T15:00:00+00:00"),
        ("2023-13-45", None),
        ("13/09/2023", "2023-09-13"),  # reads one way only: day first
        ("05/03/2023", None),  # reads both ways: left unread without --dayfirst/--monthfirst
        ("Feb 17, 2023", "2023-02-17"),
        ("17 February 2023", "2023-02-17"),
        ("Fri, 17 Feb 2023 10:00:00 +0100", "2023-02-17T09:00:00+00:00"),  # RFC 2822, in UTC
        ("February 17th, 2023 at 3:45 pm EST", "2023-02-17T20:45:00+00:00"),
        ("17.02.2023 14:05", "2023-02-17T14:05:00"),
        ("05.03.2023", "2023-03-05"),  # with dots, the day comes first wherever it is written
        ("7 décembre 2026", "2026-12-07"),
        ("lundi 7 décembre 2026 à 14h30", "2026-12-07T14:30:00"),
        ("1er mars 2025", "2025-03-01"),
        ("Montag, 7. Dezember 2026, 14:30 Uhr", "2026-12-07T14:30:00"),
        ("7. März 2026", "2026-03-07"),
        ("7 Dez. 2026", "2026-12-07"),
        ("7 de diciembre de 2026", "2026-12-07"),
        ("7 dicembre 2026 alle 14:30", "2026-12-07T14:30:00"),
        ("7 maart 2026", "2026-03-07"),
        ("7 de dezembro de 2026", "2026-12-07"),
        ("7 décembre", None),  # no year: not guessed
        ("7. November 2026", "2026-11-07"),  # (November is German too)
        ("Updated 7 December 2026", "2026-12-07"),
        ("1701388800", "2023-12-01T00:00:00+00:00"),  # a Unix time, in seconds
        ("1701388800123", "2023-12-01T00:00:00+00:00"),  # in milliseconds
        ("12345678901", None),  # eleven digits: neither
        ("4102444800", None),  # 2100: no news yet
        ("31 February 2023", None),
        ("yesterday", None),
        ("", None),
        ("20230913", "2023-09-13"),  # digits alone, as GDELT writes them
        ("20230913143000", "2023-09-13T14:30:00"),
        ("202309131430", "2023-09-13T14:30:00"),
        ("20230913T143000Z", "2023-09-13T14:30:00+00:00"),  # GDELT's seendate
        ("20231313", None),
        ("99999999", None),
        ("2023-9-3", "2023-09-03"),
        ("Published: 13 September 2023", "2023-09-13"),  # a label before the date
        ("Last updated: 2023-09-13 10:00", "2023-09-13T10:00:00"),
        ("Note: soon", None),
        # labels without a colon, zones and separators as papers print them
        ("Publié le 25/03/2024 à 14h30", "2024-03-25T14:30:00"),
        ("Mis à jour le 7 mars 2024", "2024-03-07"),
        ("Veröffentlicht am 7. März 2024", "2024-03-07"),
        ("Published on March 7, 2024", "2024-03-07"),
        ("Posted by Jane Roe on 7 March 2024", "2024-03-07"),
        ("Last updated 2 hours ago", None),
        ("2024-03-07 14:30:00 UTC", "2024-03-07T14:30:00+00:00"),  # as databases print it
        ("Do., 07.03.2024, 14:30 Uhr", "2024-03-07T14:30:00"),
        ("7 de marzo de 2024 - 14:30", "2024-03-07T14:30:00"),
        ("7 March 2024 14:30 BST", "2024-03-07T13:30:00+00:00"),
        ("7. März 2024, 14:30 MEZ", "2024-03-07T13:30:00+00:00"),
        ("March 7, 2024 2:30 p.m. ET", "2024-03-07T19:30:00+00:00"),  # standard time until March 10
        ("March 11, 2024 2:30 p.m. ET", "2024-03-11T18:30:00+00:00"),  # daylight time
        ("November 4, 2024 9:00 a.m. PT", "2024-11-04T17:00:00+00:00"),  # standard again
        ("13/3/24", "2024-03-13"),  # two-digit years, as spreadsheets write them: 1969-2068
        ("3/13/99", "1999-03-13"),
        ("7.3.24 10:00", "2024-03-07T10:00:00"),
        ("7/3/24", None),  # reads both ways
        ("2024-03-07 14:30:00 CET", "2024-03-07T13:30:00+00:00"),  # a zone's name after ISO 8601
        ("2024-03-07 14:30 EST", "2024-03-07T19:30:00+00:00"),
        ("2024-03-11 14:30 ET", "2024-03-11T18:30:00+00:00"),
        ("07-Mar-2024", "2024-03-07"),  # as Apache's logs and Oracle write dates
        ("07-MAR-24", "2024-03-07"),
        ("7/Mar/2024 14:30", "2024-03-07T14:30:00"),
        ("14:30 25/03/2024", "2024-03-25T14:30:00"),  # the time of day first
        ("2:30 pm, March 7, 2024", "2024-03-07T14:30:00"),
        ("Published 14:30 25/03/2024", "2024-03-25T14:30:00"),
        ("14:30 07/03/2024", None),  # reads both ways
    ],
)
def test_parse_date(value: str, expected: str | None) -> None:
    assert parse_date(value) == expected


def test_monthfirst_still_reads_a_dotted_date_month_first() -> None:
    assert parse_date("05.03.2023", dayfirst=False) == "2023-05-03"


def test_article_id_is_stable_and_depends_on_outlet() -> None:
    first = article_id("Daily Star", "some text")
    assert first == article_id("Daily Star", "some text")
    assert len(first) == 16 and int(first, 16) >= 0
    assert first != article_id(None, "some text")
    assert article_id(None, "x") == article_id("", "x")


# --- plain text --------------------------------------------------------------------------------


def test_plain_text_without_headers(tmp_path: Path) -> None:
    content = "Seal pup rescued in gale\n\n" + BODY
    path = write(tmp_path / "a.txt", content)
    result = read_paths([path])
    assert result.problems == [] and result.files_read == 1
    (art,) = result.articles
    assert art.text == content
    assert art.title == "Seal pup rescued in gale" and art.title_source == "first-line"
    assert art.outlet is None and art.outlet_source == "unknown"
    assert art.published is None and art.published_source == "unknown"
    assert art.source_path == str(path) and art.source_line is None
    assert art.encoding == "utf-8"
    assert art.id == article_id(None, content)


def test_a_flattened_text_gets_a_short_title(tmp_path: Path) -> None:
    """A file with no line breaks is one line: its title is its first sentences that fit, or
    the line cut at a word with an ellipsis, not the whole article; a header or field title is
    kept whole."""
    flat = " ".join(BODY.split())
    headline = "Seal pup rescued in gale as storm batters the coast"  # no stop: runs into the body
    long_title = "A very long headline " * 10
    files = {
        "a.txt": f"{headline} {flat} {flat}",
        "b.txt": f"Seal pup rescued. It was found on the beach at dawn. {flat}",
        "c.txt": f"title: {long_title}\n\n{flat}",
    }
    paths = [write(tmp_path / name, text) for name, text in files.items()]
    jsonl = write(tmp_path / "d.jsonl", json.dumps({"id": "d", "title": long_title, "text": flat}) + "\n")
    arts = {Path(a.source_path).name: a for a in read_paths([*paths, jsonl]).articles}
    a, b = arts["a.txt"], arts["b.txt"]
    assert a.title_source == b.title_source == "first-line"
    assert a.title.startswith(headline) and a.title.endswith("\u2026") and len(a.title) <= 121
    assert f"{a.title[:-1]} " in a.text  # cut at a word: a word and the space after it are whole
    assert b.title == "Seal pup rescued. It was found on the beach at dawn."
    assert (arts["c.txt"].title, arts["c.txt"].title_source) == (long_title.strip(), "header")
    assert (arts["d.jsonl"].title, arts["d.jsonl"].title_source) == (long_title.strip(), "field")


def test_plain_text_headers(tmp_path: Path) -> None:
    body = "Seal pup rescued in gale\n" + BODY
    content = (
        "Outlet: Island Times\nDATE: 2024-02-01T09:30:00Z\nurl: https://islandtimes.example/seal\n\n" + body
    )
    (art,) = read_paths([write(tmp_path / "a.txt", content)]).articles
    assert art.text == body  # headers and the one blank line after them are not text
    assert art.outlet == "Island Times" and art.outlet_source == "header"
    assert art.published == "2024-02-01T09:30:00+00:00" and art.published_source == "header"
    assert art.url == "https://islandtimes.example/seal"
    assert art.title == "Seal pup rescued in gale" and art.title_source == "first-line"
    assert art.id == article_id(None, body)  # a text file's id is its text's: headers may be corrected


def test_plain_text_title_and_id_headers(tmp_path: Path) -> None:
    content = "title: The real headline\nid: story-42\npublished: 2024-02-01\n" + BODY
    (art,) = read_paths([write(tmp_path / "a.txt", content)]).articles
    assert art.text == BODY
    assert art.title == "The real headline" and art.title_source == "header"
    assert art.id == "story-42"
    assert art.published == "2024-02-01"


def test_plain_text_bad_date_header_stores_it_undated(tmp_path: Path) -> None:
    result = read_paths([write(tmp_path / "a.txt", "outlet: X\ndate: last week\n\n" + BODY)])
    (art,) = result.articles
    assert art.published is None and art.outlet == "X" and art.text == BODY
    assert result.problems == []
    (warning,) = result.warnings
    assert (
        warning.line == 2
        and "'last week' not read" in warning.message
        and "stored undated" in warning.message
    )
    assert f"tracer edit {art.id} --date" in warning.hint


def test_dateline_first_line(tmp_path: Path) -> None:
    content = " date 2024-05-06 Startled? Mayor's Hat Blows Off During Ribbon Cutting\n" + BODY
    (art,) = read_paths([write(tmp_path / "d.txt", content)]).articles
    assert art.published == "2024-05-06" and art.published_source == "dateline"
    assert art.title == "Startled? Mayor's Hat Blows Off During Ribbon Cutting"
    assert art.title_source == "first-line"
    assert art.text == content  # the dateline stays in the text: offsets point into it


def test_header_date_wins_over_dateline(tmp_path: Path) -> None:
    content = "date: 2024-05-07\n date 2024-05-06 Headline here\n" + BODY
    (art,) = read_paths([write(tmp_path / "d.txt", content)]).articles
    assert art.published == "2024-05-07" and art.published_source == "header"
    assert art.title == "Headline here"


@pytest.mark.parametrize("ending", ["\r\n", "\r"])  # Windows'; old Macs'
def test_bom_dropped_and_line_endings_stored_as_newlines(tmp_path: Path, ending: str) -> None:
    text = "Headline\r\n\r\nFirst paragraph.\r\nSecond paragraph.\r\n".replace("\r\n", ending)
    (art,) = read_paths([write(tmp_path / "a.txt", b"\xef\xbb\xbf" + text.encode())]).articles
    assert art.text == "Headline\n\nFirst paragraph.\nSecond paragraph.\n"
    assert art.title == "Headline" and art.encoding == "utf-8"
    assert art.id == article_id(None, text)  # made of the text as it came: as it was


def test_old_mac_line_endings_in_headers_and_csv_are_newlines(tmp_path: Path) -> None:
    txt = write(tmp_path / "a.txt", "outlet: Old Mac\rdate: 2024-05-03\r\rA seal pup.\rRescued.\r")
    csv_file = write(tmp_path / "b.csv", 'outlet,text\rCR One,"A seal pup.\rRescued."\r')
    (first, second) = read_paths([txt, csv_file]).articles
    assert (first.outlet, first.published, first.text) == ("Old Mac", "2024-05-03", "A seal pup.\nRescued.\n")
    assert (second.outlet, second.text) == ("CR One", "A seal pup.\nRescued.")


def test_cp1252_and_latin1_fallback(tmp_path: Path) -> None:
    (art,) = read_paths([write(tmp_path / "a.txt", b"caf\xe9 \x93quoted\x94\n")]).articles
    assert art.text == "caf\u00e9 \u201cquoted\u201d\n" and art.encoding == "cp1252"
    # 0x81 is undefined in cp1252, so only latin-1 can decode it.
    (art,) = read_paths([write(tmp_path / "b.txt", b"na\xefve \x81 text\n")]).articles
    assert art.text == "na\u00efve \x81 text\n" and art.encoding == "latin-1"


def test_binary_and_empty_files_are_problems(tmp_path: Path) -> None:
    binary = write(tmp_path / "image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    empty = write(tmp_path / "empty.txt", b"")
    blank = write(tmp_path / "blank.txt", " \n\t\r\n")
    good = write(tmp_path / "good.txt", BODY)
    result = read_paths([binary, empty, blank, good])
    assert [a.source_path for a in result.articles] == [str(good)]
    problems = {p.path: p for p in result.problems}
    assert "binary" in problems[str(binary)].message
    assert problems[str(binary)].hint
    assert "empty" in problems[str(empty)].message
    assert "empty" in problems[str(blank)].message
    assert result.files_read == 4


# --- JSON Lines / JSON / CSV -------------------------------------------------------------------


def test_jsonl_good_rows_survive_bad_ones(tmp_path: Path) -> None:
    lines = [
        json.dumps(
            {"id": 7, "outlet": "Island Times", "published": "2024-02-01", "title": "T", "text": "one"}
        ),
        '{"text": "broken',
        "[1, 2]",
        json.dumps({"title": "no text"}),
        json.dumps({"text": 12}),
        json.dumps({"text": "two", "published": "Feb 1st"}),
        "",
        json.dumps({"text": "   "}),
        json.dumps(
            {"text": "three\u2028still three", "date": "2024-02-03T08:00:00Z", "url": "https://x.example/a"}
        ),
    ]
    path = write(tmp_path / "batch.jsonl", "\n".join(lines) + "\n")
    result = read_paths([path])
    assert [a.text for a in result.articles] == ["one", "two", "three\u2028still three"]
    first, undated, second = result.articles
    assert undated.published is None and [w.line for w in result.warnings] == [6]
    assert first.id == "7" and first.outlet_source == "field" and first.source_line == 1
    assert first.published == "2024-02-01" and first.published_source == "field"
    assert first.title == "T" and first.title_source == "field"
    assert second.source_line == 9 and second.published == "2024-02-03T08:00:00+00:00"
    assert second.outlet == "x.example" and second.outlet_source == "url"
    assert [p.line for p in result.problems] == [2, 3, 4, 5, 8]
    assert all(p.path == str(path) and p.hint for p in result.problems)
    assert "invalid JSON" in result.problems[0].message


def _jsonl_mixture() -> bytes:
    """JSON Lines with what a reader must get right at block boundaries: problems, blank lines,
    a BOM, lines in cp1252 and latin-1, a line longer than a block, duplicates, no final break."""
    records = [
        json.dumps({"text": f"article {k} " + "word " * (k % 7), "outlet": f"O{k % 3}"}) for k in range(60)
    ]
    lines = [b"\xef\xbb\xbf" + records[0].encode()] + [r.encode() for r in records[1:]]
    lines[5] = b'{"text": "broken'
    lines[9] = b""
    lines[12] = b"   "
    lines[17] = b'{"text": "caf\xe9 \x93quoted\x94", "outlet": "C"}'  # cp1252
    lines[23] = b'{"text": "na\xefve \x81", "outlet": "L"}'  # latin-1 only
    lines[31] = json.dumps({"text": "long " * 400}).encode()
    lines[40] = lines[41]  # the same record twice: the second is dropped
    lines[47] = json.dumps({"title": "no text"}).encode()
    return b"\n".join(lines)  # no line break after the last


@pytest.mark.parametrize("workers", [1, 2])
def test_jsonl_read_in_blocks_and_processes_gives_what_one_pass_gives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    from tracer import ingest

    path = write(tmp_path / "mix.jsonl", _jsonl_mixture())
    whole = read_paths([path])
    monkeypatch.setattr(ingest, "_BLOCK_BYTES", 97)  # many blocks, lines cut across them
    monkeypatch.setattr(ingest, "PARALLEL_MIN_BYTES", 0)
    found = ingest.IngestResult()
    articles = list(ingest.iter_articles([path], found, workers=workers))
    assert articles == whole.articles and found.problems == whole.problems
    assert len(articles) == 55 and [p.line for p in found.problems] == [6, 48]
    assert [(a.source_line, a.encoding) for a in articles if a.outlet in ("C", "L")] == [
        (18, "cp1252"),
        (24, "latin-1"),
    ]
    assert articles[0].text.startswith("article 0") and articles[0].source_line == 1  # the BOM dropped


def test_jsonl_lines_are_decoded_each_on_its_own(tmp_path: Path) -> None:
    content = '{"text": "caf\u00e9 \u201cutf\u201d"}\n'.encode() + b'{"text": "caf\xe9 \x93cp\x94"}\n'
    result = read_paths([write(tmp_path / "mixed.jsonl", content)])
    assert [(a.text, a.encoding) for a in result.articles] == [
        ("caf\u00e9 \u201cutf\u201d", "utf-8"),
        ("caf\u00e9 \u201ccp\u201d", "cp1252"),
    ]


def test_json_array_with_line_numbers(tmp_path: Path) -> None:
    content = '[\n  {"text": "alpha"},\n  {"title": "missing"},\n  {"text": "beta", "outlet": "O"}\n]\n'
    result = read_paths([write(tmp_path / "batch.json", content)])
    assert [(a.text, a.source_line) for a in result.articles] == [("alpha", 2), ("beta", 4)]
    assert [p.line for p in result.problems] == [3]


def test_json_file_holding_json_lines(tmp_path: Path) -> None:
    content = '{"text": "alpha"}\n{"text": "beta"}\n'
    result = read_paths([write(tmp_path / "batch.json", content)])
    assert [a.text for a in result.articles] == ["alpha", "beta"]


def test_json_object_wrapping_its_records(tmp_path: Path) -> None:
    # An API's export: the records under one key, beside counts and metadata.
    content = (
        '{"status": "ok", "total": 3, "query": {"q": "x"},\n "articles": [\n'
        '  {"body": "alpha", "source": "O"},\n  {"title": "missing"},\n  {"body": "beta"}\n]}\n'
    )
    result = read_paths([write(tmp_path / "export.json", content)])
    assert [(a.text, a.outlet, a.source_line) for a in result.articles] == [
        ("alpha", "O", 3),
        ("beta", None, 5),
    ]
    assert [p.line for p in result.problems] == [4]
    # An object with a text of its own is one record, whatever lists it holds.
    one = read_paths([write(tmp_path / "one.json", '{"text": "gamma", "tags": [{"k": 1}]}')])
    assert [a.text for a in one.articles] == ["gamma"]


def test_an_outlet_given_as_an_object_is_its_name(tmp_path: Path) -> None:
    # As news APIs export a source: {"id": ..., "name": ...}.
    content = (
        '{"content": "alpha", "source": {"id": null, "name": "Wire A"}}\n'
        '{"content": "beta", "source": {"id": "b"}}\n'
    )
    result = read_paths([write(tmp_path / "api.jsonl", content)])
    assert [(a.text, a.outlet) for a in result.articles] == [("alpha", "Wire A"), ("beta", None)]


def test_json_number_dates_are_unix_times(tmp_path: Path) -> None:
    content = (
        '{"text": "alpha", "published": 1701388800}\n{"text": "beta", "published": 1701388800500}\n'
        '{"text": "gamma", "published": 42}\n{"text": "delta", "published": true}\n'
        '{"text": "epsilon", "published": 20231201}\n'
    )
    result = read_paths([write(tmp_path / "api.jsonl", content)])
    assert [a.published for a in result.articles] == [
        "2023-12-01T00:00:00+00:00",
        "2023-12-01T00:00:00+00:00",
        None,
        None,
        "2023-12-01",  # eight digits: a date written in digits
    ]
    assert [w.line for w in result.warnings] == [3, 4]  # stored undated, with a warning each


def test_gzipped_files_are_read_as_what_they_hold(tmp_path: Path) -> None:
    lines = "".join(f'{{"text": "record {i}", "outlet": "O"}}\n' for i in range(3))
    (tmp_path / "a.jsonl.gz").write_bytes(gzip.compress(lines.encode()))
    (tmp_path / "b.csv.gz").write_bytes(gzip.compress(b"text,outlet\nfrom csv,P\n"))
    (tmp_path / "c.txt.gz").write_bytes(gzip.compress(b"outlet: Q\n\nTitle\nfrom text\n"))
    (tmp_path / "archive.tar.gz").write_bytes(gzip.compress(b"not ours"))
    result = read_paths([tmp_path])
    assert sorted(a.text.strip() for a in result.articles) == [
        "Title\nfrom text",
        "from csv",
        "record 0",
        "record 1",
        "record 2",
    ]
    assert {a.source_path.rsplit("/", 1)[1] for a in result.articles} == {
        "a.jsonl.gz",
        "b.csv.gz",
        "c.txt.gz",
    }
    assert not result.problems  # a walk skips what it does not read (the .tar.gz)


@pytest.mark.parametrize("name", ["cut.jsonl.gz", "cut.csv.gz", "plain.json.gz"])
def test_damaged_gzipped_file_is_skipped_with_a_reason(tmp_path: Path, name: str) -> None:
    packed = gzip.compress(b'{"text": "alpha"}\n' * 50)
    path = tmp_path / name
    path.write_bytes(b'{"text": "not gzipped"}' if name.startswith("plain") else packed[: len(packed) // 2])
    result = read_paths([path])
    assert not result.articles
    (problem,) = result.problems
    assert "damaged compressed file" in problem.message and problem.path == str(path)


def test_csv_multiline_text_and_missing_text(tmp_path: Path) -> None:
    content = (
        "id,outlet,published,title,text,url\r\n"
        'a1,Island Times,2024-02-01,First,"Line one\nLine two\n""quoted"" end",\r\n'
        "a2,Island Times,2024-02-02,No text,,\r\n"
        ",,,Third,plain third,https://www.coast.example/x\r\n"
    )
    path = write(tmp_path / "batch.csv", content)
    result = read_paths([path])
    assert [a.text for a in result.articles] == ['Line one\nLine two\n"quoted" end', "plain third"]
    first, third = result.articles
    assert first.id == "a1" and first.source_line == 2 and first.published == "2024-02-01"
    assert third.source_line == 6  # the multi-line record occupies lines 2-4
    assert third.outlet == "coast.example" and third.outlet_source == "url"
    assert third.id == article_id("coast.example", "plain third")
    (problem,) = result.problems
    assert problem.line == 5 and "text" in problem.message


def test_csv_without_text_column(tmp_path: Path) -> None:
    result = read_paths([write(tmp_path / "batch.csv", "title,notes\nA,B\n")])
    assert result.articles == []
    (problem,) = result.problems
    assert "text" in problem.message and problem.hint


# --- HTML --------------------------------------------------------------------------------------

HTML = """<!DOCTYPE html>
<html lang="en"><head>
<meta charset="utf-8">
<title>Harbour crane topples in storm | The Coastal Gazette</title>
<meta property="og:site_name" content="The Coastal Gazette">
<meta property="og:title" content="Harbour crane topples in storm">
<meta property="article:published_time" content="2024-03-02T08:15:00Z">
<link rel="canonical" href="https://www.coastalgazette.example/news/harbour-crane">
</head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/sport">Sport</a></li>
<li><a href="/weather">Weather and tides</a></li></ul></nav>
<main><article>
<h1>Harbour crane topples in storm</h1>
<p>A forty-metre crane at the north harbour collapsed onto an empty quay late on Friday night as
gusts of more than ninety kilometres an hour swept along the coast.</p>
<p>Port officials said nobody was injured because the night shift had been sent home two hours
earlier when the wind warning was raised to amber.</p>
<p>Engineers will inspect the remaining cranes on Monday before container traffic resumes, the
harbour master told reporters at the gate.</p>
</article></main>
<footer><p>Copyright 2019 Coastal Gazette Ltd. All rights reserved. Privacy policy.</p></footer>
</body></html>
"""


def test_html_article(tmp_path: Path) -> None:
    result = read_paths([write(tmp_path / "page.html", HTML)])
    assert result.problems == []
    (art,) = result.articles
    assert "nobody was injured" in art.text and "harbour master" in art.text
    assert "Weather and tides" not in art.text and "Privacy policy" not in art.text
    assert art.outlet == "The Coastal Gazette" and art.outlet_source == "html"
    assert art.title == "Harbour crane topples in storm" and art.title_source == "html"
    assert art.published == "2024-03-02T08:15:00+00:00" and art.published_source == "html"  # time kept
    assert art.url == "https://www.coastalgazette.example/news/harbour-crane"


def test_html_without_site_name_or_date(tmp_path: Path) -> None:
    page = (
        HTML.replace('<meta property="og:site_name" content="The Coastal Gazette">', "")
        .replace(" | The Coastal Gazette", "")
        .replace('<meta property="article:published_time" content="2024-03-02T08:15:00Z">', "")
    )
    (art,) = read_paths([write(tmp_path / "page.htm", page)]).articles
    assert art.outlet == "coastalgazette.example" and art.outlet_source == "url"
    assert art.published is None and art.published_source == "unknown"  # no date invented


def test_a_saved_page_names_its_outlet_by_the_address_it_was_saved_from(tmp_path: Path) -> None:
    # A page without its address in its markup, as a browser saves it: the comment says where from.
    page = re.sub(r"<meta property=\"og:(?:site_name|url)\"[^>]*>|<link rel=\"canonical\"[^>]*>", "", HTML)
    page = page.replace(" | The Coastal Gazette", "")
    (art,) = read_paths([write(tmp_path / "bare.html", page)]).articles
    assert art.url is None and art.outlet is None
    saved = "<!-- saved from url=(0052)https://www.harbourdaily.example/news/crane-123 -->\n" + page
    (art,) = read_paths([write(tmp_path / "saved.html", saved)]).articles
    assert art.url == "https://www.harbourdaily.example/news/crane-123"
    assert (art.outlet, art.outlet_source) == ("harbourdaily.example", "url")


def test_html_without_text_is_problem(tmp_path: Path) -> None:
    result = read_paths(
        [write(tmp_path / "page.html", "<html><head><title>x</title></head><body></body></html>")]
    )
    assert result.articles == []
    (problem,) = result.problems
    assert "no article text" in problem.message


# --- paths, overrides, inference, ids ----------------------------------------------------------


def test_directory_recursion_order_and_skips(tmp_path: Path) -> None:
    root = tmp_path / "in"
    write(root / "b.txt", "bee story\n")
    write(root / "a" / "z.txt", "zed story\n")
    write(root / "a-c.txt", "a-c story\n")
    write(root / "a" / "m.jsonl", '{"text": "em one"}\n{"text": "em two"}\n')
    write(root / ".hidden.txt", "hidden\n")
    write(root / ".git" / "x.txt", "hidden dir\n")
    write(root / "notes.md", "markdown\n")
    write(root / "photo.png", b"\x89PNG\x00\x00")
    write(root / "store.db", b"SQLite format 3\x00")
    result = read_paths([root])
    assert [a.text for a in result.articles] == [
        "em one",
        "em two",
        "zed story\n",
        "a-c story\n",
        "bee story\n",
    ]
    assert [a.source_line for a in result.articles] == [1, 2, None, None, None]
    assert result.articles[0].source_path == str(root / "a" / "m.jsonl")
    assert result.problems == [] and result.files_read == 4


def test_missing_path_and_unsupported_file(tmp_path: Path) -> None:
    good = write(tmp_path / "good.txt", BODY)
    notes = write(tmp_path / "notes.md", "markdown\n")
    result = read_paths([tmp_path / "nope.txt", notes, good])
    assert len(result.articles) == 1
    messages = {p.path: p.message for p in result.problems}
    assert "no such file" in messages[str(tmp_path / "nope.txt")]
    assert "unsupported" in messages[str(notes)]


def test_outlet_and_date_overrides(tmp_path: Path) -> None:
    txt = write(tmp_path / "a.txt", "outlet: Island Times\ndate: 2024-02-01\n\n" + BODY)
    jsonl = write(
        tmp_path / "b.jsonl", json.dumps({"text": "other", "outlet": "X", "published": "2020-01-01"})
    )
    result = read_paths([txt, jsonl], outlet="Wire Service", date="2024-06-01T12:00:00Z")
    assert len(result.articles) == 2
    for art in result.articles:
        assert art.outlet == "Wire Service" and art.outlet_source == "option"
        assert art.published == "2024-06-01T12:00:00+00:00" and art.published_source == "option"
        # From what the input states (the record's outlet field), never from --outlet.
        assert art.id == article_id(None if art.source_path.endswith(".txt") else "X", art.text)


def test_invalid_date_option_raises(tmp_path: Path) -> None:
    with pytest.raises(TracerError) as info:
        read_paths([write(tmp_path / "a.txt", BODY)], date="next Tuesday")
    assert info.value.hint


def test_outlet_from_url_header(tmp_path: Path) -> None:
    content = "url: https://www.dailystar.co.uk/news/world/seal-pup\n\n" + BODY
    (art,) = read_paths([write(tmp_path / "a.txt", content)]).articles
    assert art.outlet == "dailystar.co.uk" and art.outlet_source == "url"


@pytest.mark.parametrize(
    ("sentence", "outlet"),
    [
        ("The pup is now recovering, HarbourNews.com has learned.", "HarbourNews.com"),
        ("As HarbourNews.com previously reported, the lighthouse reopened in May.", "HarbourNews.com"),
        ("For more stories from the Island Times, sign up for our newsletter here.", "Island Times"),
        ("Never miss a story - sign up for the HarbourNews.com newsletter today.", "HarbourNews.com"),
        ("Officials were unaware, the Island Times has learned.", "Island Times"),
        ("The keeper later told the Sun that the pup was doing well.", None),
        ("According to footage obtained by Daily Mail, the pup swam away.", None),
        ("Prince Harry has learned to sail, his aide said.", None),
        ("Sign Up For Our Newsletter", None),
    ],
)
def test_outlet_from_self_reference(tmp_path: Path, sentence: str, outlet: str | None) -> None:
    (art,) = read_paths([write(tmp_path / "a.txt", "Headline\n" + BODY + sentence + "\n")]).articles
    assert art.outlet == outlet
    assert art.outlet_source == ("text" if outlet else "unknown")


def test_ids_stable_and_duplicates_dropped_within_call(tmp_path: Path) -> None:
    a = write(tmp_path / "a.txt", BODY)
    b = write(tmp_path / "b.txt", BODY)  # same text, no outlet: same id
    first = read_paths([b, a])
    assert [art.source_path for art in first.articles] == [str(a)]  # files sorted; the first wins
    assert first.problems == [] and first.files_read == 2
    again = read_paths([a])
    assert again.articles[0].id == first.articles[0].id == article_id(None, BODY)


def test_seeds(tmp_path: Path) -> None:
    if not SEEDS.is_dir():
        pytest.skip("../shared/seeds not present")
    result = read_paths([SEEDS])
    assert result.problems == []
    assert len(result.articles) == 4
    by_prefix = {Path(a.source_path).name[:3]: a for a in result.articles}
    assert by_prefix["002"].published == "2023-09-13"
    assert by_prefix["002"].published_source == "dateline"
    assert by_prefix["002"].title is not None and not by_prefix["002"].title.startswith("date")
    assert by_prefix["001"].outlet == "Daily Star" and by_prefix["001"].outlet_source == "text"
    assert by_prefix["002"].outlet == "RadarOnline.com" and by_prefix["002"].outlet_source == "text"
    for key in ("000", "003"):
        assert by_prefix[key].outlet is None and by_prefix[key].outlet_source == "unknown"
        assert by_prefix[key].published is None and by_prefix[key].published_source == "unknown"
    for art in result.articles:
        raw = Path(art.source_path).read_bytes().decode("utf-8-sig")
        assert art.text == raw  # no headers in the seeds: the text is the whole file
    assert [a.id for a in read_paths([SEEDS]).articles] == [a.id for a in result.articles]


@pytest.mark.parametrize(
    "header",
    [
        "titre;texte;journal;date;lien",
        "Titel;Inhalt;Zeitung;Datum;Link",
        "título;texto;periódico;fecha;enlace",
        "titolo;testo;testata;data di pubblicazione;collegamento",
        "titolo;testo;fonte;data;link",
        "titulo;texto;jornal;data;link",  # Portuguese, as an export without accents writes it
        "titel;tekst;krant;datum;link",
        "kop;inhoud;bron;publicatiedatum;link",
    ],
)
def test_csv_with_column_names_in_another_language(tmp_path: Path, header: str) -> None:
    # A press archive's export names its columns in its own language.
    row = "Retraites;La réforme sera présentée au Conseil des ministres.;Le Courrier;2024-03-05;https://lecourrier.example/a"
    result = read_paths([write(tmp_path / "export.csv", f"\n{header}\n{row}\n")])  # a blank line first
    assert result.problems == []
    (art,) = result.articles
    assert (art.title, art.outlet, art.published) == ("Retraites", "Le Courrier", "2024-03-05")
    assert art.text == "La réforme sera présentée au Conseil des ministres."


def test_tsv_files_and_a_line_naming_the_delimiter_are_read(tmp_path: Path) -> None:
    tsv = write(
        tmp_path / "a.tsv",
        "id\ttext\toutlet\n1\tA lighthouse keeper rescued a seal pup, witnesses said.\tA\n",
    )
    # Excel writes "sep=;" first where asked to name the delimiter: it is no header.
    sep = write(
        tmp_path / "b.csv", 'sep=;\r\nid;text;outlet\r\n2;"A seal pup, stranded in a gale; rescued.";B\r\n'
    )
    result = read_paths([tsv, sep])
    assert result.problems == []
    assert [(a.id, a.outlet, a.source_line) for a in result.articles] == [("1", "A", 2), ("2", "B", 3)]
    assert result.articles[1].text == "A seal pup, stranded in a gale; rescued."


def test_records_with_text_and_other_names_for_the_rest_are_read_whole(tmp_path: Path) -> None:
    # A record with "text" read its other fields only under their own names: a Media Cloud export's
    # media_name and publish_date were lost. An Event Registry source is an object with a title.
    media_cloud = {"stories_id": 9, "media_name": "Daily Planet", "publish_date": "2024-01-05 14:30:00",
                   "title": "Storm", "url": "https://planet.example/a", "text": "A storm hit the coast."}  # fmt: skip
    event_registry = {"uri": "7412", "title": "Storm", "body": "A storm hit the coast at dawn.",
                      "source": {"uri": "echo.example", "title": "The Echo"}, "dateTime": "2024-01-05T06:00:00Z"}  # fmt: skip
    path = write(tmp_path / "a.jsonl", "".join(json.dumps(r) + "\n" for r in (media_cloud, event_registry)))
    first, second = read_paths([path]).articles
    assert (first.outlet, first.published, first.url) == (
        "Daily Planet",
        "2024-01-05T14:30:00",
        "https://planet.example/a",
    )
    assert (second.outlet, second.published, second.text) == (
        "The Echo",
        "2024-01-05T06:00:00+00:00",
        "A storm hit the coast at dawn.",
    )


def test_wordpress_fields_wrapped_in_objects_are_read(tmp_path: Path) -> None:
    # WordPress's REST API gives {"rendered": ...} for a post's title and content.
    post = {"id": 123, "date": "2024-01-05T14:30:00", "link": "https://site.example/a",
            "title": {"rendered": "Library&#8217;s fate"},
            "content": {"rendered": "<p>The council voted to close the library.</p>\n<p>Residents objected.</p>",
                        "protected": False}}  # fmt: skip
    (art,) = read_paths([write(tmp_path / "posts.json", json.dumps([post]))]).articles
    assert (art.id, art.title, art.text) == (
        "123",
        "Library\u2019s fate",
        "The council voted to close the library.\nResidents objected.",
    )
    assert (art.published, art.outlet, art.outlet_source) == ("2024-01-05T14:30:00", "site.example", "url")


def test_records_wrapped_deeper_with_their_fields_in_a_box_are_read(tmp_path: Path) -> None:
    # The Guardian's API: {"response": {"status": "ok", "results": [{"webTitle": ..., "fields": {...}}]}}.
    doc = {"response": {"status": "ok", "total": 1, "results": [
        {"id": "world/2024/jan/05/library", "webPublicationDate": "2024-01-05T14:30:00Z", "webTitle": "Library to close",
         "webUrl": "https://www.theguardian.com/world/a", "fields": {"bodyText": "The council voted to close it."}},
    ]}}  # fmt: skip
    result = read_paths([write(tmp_path / "guardian.json", json.dumps(doc, indent=2))])
    assert result.problems == []
    (art,) = result.articles
    assert (art.id, art.published, art.title, art.text, art.outlet, art.source_line) == (
        "world/2024/jan/05/library", "2024-01-05T14:30:00+00:00", "Library to close",
        "The council voted to close it.", "theguardian.com", 6,
    )  # fmt: skip


def test_a_headline_object_gives_its_main_headline(tmp_path: Path) -> None:
    doc = {"web_url": "https://www.nytimes.com/2024/01/05/x.html", "pub_date": "2024-01-05T14:30:00+0000",
           "headline": {"main": "Library Closes", "kicker": None, "print_headline": "Library Closes Its Doors"},
           "source": "The New York Times", "text": "The council voted to close the library."}  # fmt: skip
    (art,) = read_paths([write(tmp_path / "nyt.json", json.dumps(doc))]).articles
    assert (art.title, art.outlet, art.published) == (
        "Library Closes",
        "The New York Times",
        "2024-01-05T14:30:00+00:00",
    )


def test_a_spreadsheets_column_names_are_recognised(tmp_path: Path) -> None:
    sheet = write(
        tmp_path / "sheet.csv",
        "Article Title,Article Body,Outlet Name,Date Posted,Source URL\n"
        'Floods,"The river burst its banks.",The Echo,2024-01-05,https://echo.example/a\n',
    )
    (art,) = read_paths([sheet]).articles
    assert (art.title, art.text, art.outlet, art.published, art.url) == (
        "Floods", "The river burst its banks.", "The Echo", "2024-01-05", "https://echo.example/a",
    )  # fmt: skip


# --- dates that read both ways, read as the rest of their file writes dates --------------------


def _dated_csv(tmp_path: Path, dates: list[str]) -> Path:
    rows = "".join(
        f'r{i},"Row {i} of a spreadsheet about the council vote.",{d}\n' for i, d in enumerate(dates)
    )
    return write(tmp_path / "sheet.csv", "id,text,date\n" + rows)


@pytest.mark.parametrize(
    "dates, expected, way",
    [
        # the date that tells comes after the ones that wait for it, and before one that does not
        (["07/03/2024", "05/04/2024", "25/03/2024", "01/02/2024"], ["2024-03-07", "2024-04-05", "2024-03-25", "2024-02-01"], "day"),
        (["07/03/2024", "03/25/2024", "01/02/2024"], ["2024-07-03", "2024-03-25", "2024-01-02"], "month"),
        (["Published: 25-03-2024", "Published: 07-03-2024"], ["2024-03-25", "2024-03-07"], "day"),
        (["3/25/24", "3/7/24"], ["2024-03-25", "2024-03-07"], "month"),
    ],
    ids=["day first", "month first", "with labels and dashes", "two-digit years"],
)  # fmt: skip
def test_dates_that_read_both_ways_are_read_as_their_file_writes_dates(tmp_path, dates, expected, way):
    result = read_paths([_dated_csv(tmp_path, dates)])
    got = {a.id: a.published for a in result.articles}
    assert [got[f"r{i}"] for i in range(len(dates))] == expected
    [said] = [str(w) for w in result.warnings]
    other = "--monthfirst" if way == "day" else "--dayfirst"
    assert f"were read {way} first, as" in said and other in said, said


def test_a_file_writing_dates_both_ways_leaves_those_that_read_both_ways_undated(tmp_path):
    result = read_paths([_dated_csv(tmp_path, ["25/03/2024", "03/26/2024", "07/03/2024"])])
    got = {a.id: a.published for a in result.articles}
    assert got == {"r0": "2024-03-25", "r1": "2024-03-26", "r2": None}
    assert any("'07/03/2024' reads as day 7 month 3" in str(w) for w in result.warnings)
    assert not any("were read" in str(w) for w in result.warnings)


def test_dates_that_read_both_ways_with_nothing_to_tell_stay_undated(tmp_path):
    result = read_paths([_dated_csv(tmp_path, ["07/03/2024", "05/04/2024"])])
    assert [a.published for a in result.articles] == [None, None]
    assert sum("stored undated" in str(w) for w in result.warnings) == 2


def test_dayfirst_given_is_the_rule_whatever_the_file_writes(tmp_path):
    result = read_paths([_dated_csv(tmp_path, ["03/25/2024", "07/03/2024"])], dayfirst=True)
    assert [a.published for a in result.articles] == ["2024-03-25", "2024-03-07"]
    assert not result.warnings


def test_articles_waiting_for_their_files_dates_are_few(tmp_path, monkeypatch):
    from tracer import ingest

    monkeypatch.setattr(ingest, "DATES_HELD", 2)
    result = read_paths([_dated_csv(tmp_path, ["07/03/2024", "05/04/2024", "06/04/2024", "25/03/2024"])])
    got = {a.id: a.published for a in result.articles}
    assert got == {"r0": "2024-03-07", "r1": "2024-04-05", "r2": None, "r3": "2024-03-25"}
    assert len(result.articles) == 4


def test_jsonl_dates_are_read_as_their_file_writes_them(tmp_path):
    lines = [
        {"id": f"j{i}", "text": f"Record {i} about the vote.", "date": d}
        for i, d in enumerate(["07/03/2024", "25/03/2024"])
    ]
    path = write(tmp_path / "a.jsonl", "\n".join(json.dumps(x) for x in lines))
    assert [a.published for a in read_paths([path]).articles] == ["2024-03-07", "2024-03-25"]


# --- rows with more fields than their header ---------------------------------------------------


def test_a_text_holding_the_delimiter_unquoted_is_read_whole(tmp_path):
    body = "The council voted on Tuesday, officials said, to close the library"
    path = write(
        tmp_path / "naive.csv",
        f"title,text,outlet,date\nVote,{body},Echo,2024-03-07\nOther,Plain text,Press,2024-03-08\n",
    )
    result = read_paths([path])
    first, second = result.articles
    assert (first.text, first.outlet, first.published) == (body, "Echo", "2024-03-07")
    assert (second.text, second.outlet) == ("Plain text", "Press")
    [said] = [str(w) for w in result.warnings]
    assert "naive.csv:2: 6 fields where the header has 4" in said and not result.problems


def test_a_row_whose_extra_fields_do_not_fit_is_skipped_with_its_line(tmp_path):
    # The title holds the comma: the text joined with the date, the date column would hold "A".
    path = write(tmp_path / "naive.csv", "text,date,title\nSome text,2024-03-07,A, B\n")
    result = read_paths([path])
    assert not result.articles
    [problem] = [str(p) for p in result.problems]
    assert "naive.csv:2: 4 fields where the header has 3" in problem and "quote the fields" in problem


def test_a_text_given_as_its_paragraphs_is_read_as_one_text(tmp_path):
    records = [
        {"id": "a", "body": ["First paragraph.", "  Second paragraph. ", ""]},
        {"id": "b", "content_elements": [{"type": "text", "content": "<p>Block one.</p>"},
                                         {"type": "image", "url": "x.jpg"}, {"type": "text", "content": "Block two."}]},
        {"id": "c", "text": [1, 2]},
    ]  # fmt: skip
    path = write(tmp_path / "paras.json", json.dumps(records))
    result = read_paths([path], columns=())
    got = {a.id: a.text for a in result.articles}
    assert got["a"] == "First paragraph.\n\nSecond paragraph."
    problems = " ".join(str(p) for p in result.problems)
    assert "'text' is a list, not a string" in problems and "missing 'text'" in problems
    assert "b" not in got  # content_elements is no text field: named with --columns
    result = read_paths([path], columns=(("text", "content_elements"),))
    assert {a.id: a.text for a in result.articles}["b"] == "Block one.\n\nBlock two."


def test_paragraphs_given_as_html_are_read_once(tmp_path):
    path = write(
        tmp_path / "p.jsonl",
        json.dumps({"id": "a", "text": ["Fish &amp;amp; chips", "<p>Tea &amp; cake</p>"]}),
    )
    assert read_paths([path]).articles[0].text == "Fish &amp; chips\n\nTea & cake"


def test_invisible_characters_and_ligatures_are_read_as_the_text_reads(tmp_path):
    printed = "Die Bun\u00addes\u00adre\u00adgie\u00adrung \ufb01nanziert das neue O\ufb03ce.\u200b Ein Bruch\u00ad\nhier."
    path = write(tmp_path / "a.jsonl", json.dumps({"outlet": "Taz", "text": printed}))
    [art] = read_paths([path]).articles
    assert art.text == "Die Bundesregierung finanziert das neue Office. Ein Bruch-\nhier."
    assert art.id == article_id("Taz", printed)  # the id an older tracer gave it


def test_a_zero_width_joiner_inside_a_latin_word_is_dropped_and_kept_where_a_script_needs_it(tmp_path):
    # "is\u200clands" read as another word than "islands": an exact copy scored near-verbatim 0.94.
    printed = "The ferry to the is\u200clands and the \u00e9\u200dtat. \u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645 \u0915\u094d\u200d\u0937 \U0001f468\u200d\U0001f469"
    path = write(tmp_path / "a.jsonl", json.dumps({"outlet": "Taz", "text": printed}))
    [art] = read_paths([path]).articles
    assert art.text == printed.replace("is\u200clands", "islands").replace("\u00e9\u200dtat", "\u00e9tat")
    assert art.id == article_id("Taz", printed)  # the id an older tracer gave it


def test_a_copy_with_soft_hyphens_ligatures_and_joiners_is_verbatim(tmp_path):
    from click.testing import CliRunner

    from tracer.cli import cli
    from tracer.store import Store

    said = "The federal government will finance the new office for official statistics from next year."
    lines = [
        {"id": "a", "outlet": "Echo", "date": "2024-03-07", "text": said + " Critics were unconvinced."},
        {"id": "b", "outlet": "Press", "date": "2024-03-08",
         "text": said.replace("finance", "\ufb01nance").replace("statistics", "sta\u00adtis\u00adtics")
         .replace("official", "o\ufb03cial").replace("next", "ne\u200cxt") + " Others welcomed it."},
    ]  # fmt: skip
    path = write(tmp_path / "c.jsonl", "\n".join(json.dumps(x) for x in lines))
    db = str(tmp_path / "t.db")
    assert CliRunner().invoke(cli, ["run", str(path), "--db", db, "-q"]).exit_code == 0
    with Store.open(db) as s:
        kinds = [r[0] for r in s.conn.execute("SELECT kind FROM matches")]
    assert kinds == ["verbatim"]


# --- a JSON array with a broken record ---------------------------------------------------------


def _array(*records: str) -> str:
    return "[\n" + ",\n".join(f"  {r}" for r in records) + "\n]\n"


@pytest.mark.parametrize(
    "text, read, line, said",
    [
        (_array('{"id": "a", "text": "First."}', '{"id": "b", "text": "Has a "quote" in it."}', '{"id": "c", "text": "Third."}'),
         ["a", "c"], 3, "Expecting ',' delimiter; a record was not read"),
        (_array('{"id": "a", "text": "First."}', '{"id": "b", "text": "Second."}').replace("},", "}"),
         ["a", "b"], 2, "a ',' is missing after a record"),
        ('[{"id": "a", "text": "First."}, {"id": "b", "text": "Cut sh', ["a"], 1, "nothing after it was read"),
        ('[{"id": "a", "text": "First."}]\n[{"id": "b", "text": "Second."}]\n', ["a"], 2, "text after the array's end"),
    ],
    ids=["a broken record", "a comma left out", "cut short", "two arrays"],
)  # fmt: skip
def test_a_json_array_with_a_broken_record_keeps_the_others(tmp_path, text, read, line, said):
    result = read_paths([write(tmp_path / "a.json", text)])
    assert [a.id for a in result.articles] == read
    [problem] = result.problems
    assert problem.line == line and said in str(problem), str(problem)


def test_a_date_that_reads_both_ways_is_named_as_written():
    from tracer.dates import AmbiguousDate, normalise

    with pytest.raises(AmbiguousDate, match="'Publié le 07/03/2024 à 14h30' reads as day 7 month 3"):
        normalise("Publié le 07/03/2024 à 14h30")


def test_a_utf8_file_with_a_line_in_cp1252_keeps_its_accents(tmp_path):
    data = (
        "title,text\nCafé,Le café de la gare a fermé.\nBad,Une ligne: ".encode()
        + "déjà vu".encode("cp1252")
        + b"\n"
    )
    first, second = read_paths([write(tmp_path / "mixed.csv", data)]).articles
    assert (first.title, first.text) == ("Café", "Le café de la gare a fermé.")
    assert second.text == "Une ligne: déjà vu" and first.encoding == "utf-8+cp1252"
    # A file in cp1252 throughout is read as cp1252, as before.
    [art] = read_paths([write(tmp_path / "old.csv", "text\nLe café a fermé.\n".encode("cp1252"))]).articles
    assert (art.text, art.encoding) == ("Le café a fermé.", "cp1252")


@pytest.mark.parametrize(
    "placeholder", ["N/A", "n/a", "null", "None", "none", "-", "unknown", "Unknown", "(none)"]
)
def test_a_placeholder_outlet_counts_as_missing(tmp_path: Path, placeholder: str) -> None:
    # Exports write these where they know no outlet: no outlet is named, so the URL's host is.
    record = {"text": BODY, "outlet": placeholder, "url": "https://www.coast.example/a"}
    csv_text = f"text,outlet\n{json.dumps(BODY)},{placeholder}\n"
    result = read_paths(
        [
            write(tmp_path / "a.jsonl", json.dumps(record)),
            write(tmp_path / "b.csv", csv_text),
            write(tmp_path / "c.txt", f"outlet: {placeholder}\n\n{BODY}"),
        ]
    )
    (from_url, from_csv, from_txt) = result.articles
    assert (from_url.outlet, from_url.outlet_source) == ("coast.example", "url")
    assert from_url.id == article_id("coast.example", BODY)
    assert (from_csv.outlet, from_csv.outlet_source) == (None, "unknown")
    assert (from_txt.outlet, from_txt.outlet_source) == (None, "unknown")


def test_copies_with_a_placeholder_outlet_from_other_sites_are_each_kept(tmp_path: Path) -> None:
    # One wire story on two sites, the outlet "N/A" in both: two articles, not one and a copy.
    lines = [
        json.dumps({"text": BODY, "outlet": "N/A", "url": f"https://{host}/a"})
        for host in ("a.example", "b.example")
    ]
    result = read_paths([write(tmp_path / "a.jsonl", "\n".join(lines))])
    assert [a.outlet for a in result.articles] == ["a.example", "b.example"]


def test_outlet_names_that_look_alike_are_one_outlet(tmp_path: Path) -> None:
    # Composed and decomposed "ü", a no-break space, doubled spaces: one name. Case is kept.
    names = ["S\u00fcddeutsche Zeitung", "Su\u0308ddeutsche Zeitung", "S\u00fcddeutsche\u00a0Zeitung",
             " S\u00fcddeutsche  Zeitung\t", "S\u00dcDDEUTSCHE ZEITUNG"]  # fmt: skip
    lines = [json.dumps({"text": f"{BODY} {k}", "outlet": name}) for k, name in enumerate(names)]
    result = read_paths([write(tmp_path / "a.jsonl", "\n".join(lines))])
    outlets = [a.outlet for a in result.articles]
    assert outlets == ["S\u00fcddeutsche Zeitung"] * 4 + ["S\u00dcDDEUTSCHE ZEITUNG"]
    assert len({article_id(a.stated_outlet, "x") for a in result.articles}) == 2
    (opt,) = read_paths([write(tmp_path / "b.txt", BODY)], outlet="Su\u0308ddeutsche   Zeitung").articles
    assert opt.outlet == "S\u00fcddeutsche Zeitung"


def _excel_text(rows: list[str]) -> str:
    return "".join(f"{row}\r\n" for row in rows)


@pytest.mark.parametrize("encoding", ["utf-16", "cp1252"])  # "Unicode text"; "Text (Tab delimited)"
def test_a_table_saved_by_excel_as_text_is_read_as_its_rows(tmp_path: Path, encoding: str) -> None:
    line = " ".join(BODY.split())
    rows = ["Title\tText\tDate\tSource", f"Seal\t{line}\t2024-04-10\tIsland Times",
            f"Seal again\t{line}\t2024-04-11\tCoast News"]  # fmt: skip
    result = read_paths([write(tmp_path / "export.txt", _excel_text(rows).encode(encoding))])
    assert result.problems == []
    assert [(a.title, a.outlet, a.published, a.source_line) for a in result.articles] == [
        ("Seal", "Island Times", "2024-04-10", 2),
        ("Seal again", "Coast News", "2024-04-11", 3),
    ]
    # One text in two papers: two articles, each with the id its row's outlet gives it.
    assert [a.id for a in result.articles] == [article_id(o, line) for o in ("Island Times", "Coast News")]


@pytest.mark.parametrize(
    "content",
    [
        "Text\tDate\n",  # a header alone: no rows
        "Story\tnotes\n" + BODY,  # no tab after the first line
        "Monday\tTuesday\tWednesday\nRain\tSun\tRain\n" + BODY,  # no text column named
        "The mayor said the story\twas not true, and the text\twould be withdrawn soon.\n\tx\n",
    ],
)
def test_an_article_with_tabs_is_no_table(tmp_path: Path, content: str) -> None:
    (art,) = read_paths([write(tmp_path / "a.txt", content.encode("utf-16"))]).articles
    assert art.text == content and art.source_line is None


def test_the_parts_folder_of_a_saved_web_page_is_left_out(tmp_path: Path) -> None:
    # "Save page, complete" writes page.html and page_files/ (its ads' frames, scripts, images).
    ad = "<html><body><p>Buy the best mattress today, with free delivery and a 100 night trial.</p></body></html>"
    root = tmp_path / "saved"
    write(root / "Page.html", f"<html><body><article><p>{BODY}</p></article></body></html>")
    write(root / "Page_files" / "ad_iframe.html", ad)
    # A page renamed since it was saved: its folder keeps the old name, and its scripts tell it.
    write(root / "Old title_files" / "ad_iframe.html", ad)
    write(root / "Old title_files" / "main.js", "var x = 1;")
    write(root / "bbc_files" / "a.txt", BODY)  # a folder of articles that happens to end so
    write(root / "archive.zip", b"PK\x05\x06" + bytes(18))
    result = read_paths([root / "bbc_files", root / "Page_files", root / "Old title_files"])  # given: read
    assert len(result.articles) == 2
    walked = read_paths([root])
    assert {Path(a.source_path).parent.name for a in walked.articles} == {"saved", "bbc_files"}
    assert walked.left_out == {"_files/": 2, ".zip": 1}


def test_gdelt_records_name_their_outlet_and_url(tmp_path: Path) -> None:
    record = {"DATE": 20240701120000, "SourceCommonName": "coast.example", "text": BODY,
              "DocumentIdentifier": "https://coast.example/a"}  # fmt: skip
    (art,) = read_paths([write(tmp_path / "g.jsonl", json.dumps(record))]).articles
    assert (art.outlet, art.outlet_source, art.url) == ("coast.example", "field", "https://coast.example/a")


def test_an_elasticsearch_export_is_read_from_its_hits(tmp_path: Path) -> None:
    hits = [{"_index": "news", "_id": f"es{k}", "_score": 1.0, "_source": {"body": f"{BODY} {k}", "source": "O"}}
            for k in range(2)]  # fmt: skip
    content = json.dumps({"took": 3, "hits": {"total": {"value": 2}, "hits": hits}})
    result = read_paths([write(tmp_path / "es.json", content)])
    assert result.problems == []
    assert [(a.id, a.outlet, a.text) for a in result.articles] == [
        ("es0", "O", f"{BODY} 0"),
        ("es1", "O", f"{BODY} 1"),
    ]


def test_an_outlet_given_as_a_list_of_one_is_that_outlet(tmp_path: Path) -> None:
    lines = [
        json.dumps({"text": "alpha", "outlet": ["BBC"]}),
        json.dumps({"text": "beta", "outlet": ["A", "B"]}),
    ]
    result = read_paths([write(tmp_path / "a.jsonl", "\n".join(lines))])
    assert [a.outlet for a in result.articles] == ["BBC", None]


def test_texts_newsapi_cut_short_lose_its_marker_with_one_warning(tmp_path: Path) -> None:
    cut = "Engineers at the reservoir found a widening crack in the spillway on Tuesday. The authori\u2026 [+3410 chars]"
    lines = [json.dumps({"content": cut.replace("Tuesday", day), "source": {"name": "BBC News"}})
             for day in ("Monday", "Tuesday")]  # fmt: skip
    result = read_paths([write(tmp_path / "newsapi.jsonl", "\n".join(lines))])
    assert [a.text[-12:] for a in result.articles] == ["The authori\u2026"] * 2
    (warning,) = result.warnings
    assert "2 text(s)" in warning.message and "200 characters" in warning.message and warning.hint


def test_a_date_after_its_time_of_day_tells_how_its_file_writes_dates(tmp_path: Path) -> None:
    lines = [
        json.dumps({"text": f"{BODY} {k}", "published": d})
        for k, d in enumerate(["14:30 07/03/2024", "14:30 25/03/2024"])
    ]
    result = read_paths([write(tmp_path / "a.jsonl", "\n".join(lines))])
    assert [a.published for a in result.articles] == ["2024-03-07T14:30:00", "2024-03-25T14:30:00"]


def test_a_table_with_no_date_column_says_so_once(tmp_path: Path) -> None:
    # Its articles are stored undated: a column the user meant for the date may not be recognised.
    content = "titolo,testo,quando\nA,first text,2024-03-05\nB,second text,2024-03-06\n"
    result = read_paths([write(tmp_path / "a.csv", content)])
    assert [a.published for a in result.articles] == [None, None]
    (warning,) = result.warnings
    assert (warning.line, "no column is the date" in warning.message) == (1, True)
    assert "'quando' not read" in warning.message and "--columns published=" in warning.hint
    assert read_paths([write(tmp_path / "b.csv", content)], date="2024-03-05").warnings == []
    # Every column read, none of them a date: nothing to say.
    assert read_paths([write(tmp_path / "c.csv", "titolo,testo\nA,first text\n")]).warnings == []


def test_a_table_with_two_outlet_columns_says_which_was_read(tmp_path: Path) -> None:
    # "source" the agency, "publisher" the paper: naming the other later makes other ids (copies).
    content = "title,text,date,source,publisher\nA,first text,2024-03-05,Associated Press,Daily One\n"
    result = read_paths([write(tmp_path / "a.csv", content)])
    assert [a.outlet for a in result.articles] == ["Associated Press"]
    (warning,) = result.warnings
    assert warning.line == 1
    assert warning.message == "the outlet was read from column 'source'; 'publisher' may name it too"
    assert "--columns outlet=publisher" in warning.hint
    for given in ({"columns": (("outlet", "publisher"),)}, {"outlet": "Daily One"}):
        assert read_paths([write(tmp_path / "a.csv", content)], **given).warnings == []
    assert read_paths([write(tmp_path / "b.csv", "title,text,source\nA,first text,AP\n")]).warnings == []


def test_json_numbers_are_unix_times_from_1990_to_2099(tmp_path: Path) -> None:
    numbers = [631152000, 946684800, 946684800000, 4102444800, -86400, 4102444800000]
    lines = [json.dumps({"text": f"{BODY} {k}", "published": n}) for k, n in enumerate(numbers)]
    result = read_paths([write(tmp_path / "api.jsonl", "".join(f"{line}\n" for line in lines))])
    assert [a.published for a in result.articles] == [
        "1990-01-01T00:00:00+00:00",
        "2000-01-01T00:00:00+00:00",
        "2000-01-01T00:00:00+00:00",  # in milliseconds: twelve digits, no date written in digits
        None,
        None,
        None,
    ]
    assert [w.line for w in result.warnings] == [4, 5, 6]


def test_a_date_warning_names_its_line_in_any_block_of_a_jsonl_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tracer import ingest

    # Blocks number their lines from 1: the warning's line must count the blocks before.
    monkeypatch.setattr(ingest, "_BLOCK_BYTES", 64)
    lines = [json.dumps({"text": f"record number {k} of the file", "published": "soon"}) for k in range(4)]
    result = read_paths([write(tmp_path / "a.jsonl", "\n".join(lines))])  # (the last line unended)
    assert [w.line for w in result.warnings] == [1, 2, 3, 4]
