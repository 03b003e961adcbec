"""Excel workbooks (.xlsx): worksheets read as CSV files are, dates from their cells' styles."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from tracer.ingest import read_paths
from tracer.sheets import SheetError, sheets

_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_R = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'

SAID = "The council voted on Tuesday to close the old library on Main Street, officials said."


def _sheet(rows: str) -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?><worksheet {_NS}><sheetData>{rows}</sheetData></worksheet>'


def workbook(path: Path, sheets_: dict[str, str], strings: list[str], styles: str | None = None) -> Path:
    """A minimal .xlsx as Excel writes one: a workbook part, its relations, shared strings, styles
    and worksheets (written by hand: no spreadsheet library is needed to read or test one)."""
    names = list(sheets_)
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(
            "xl/workbook.xml",
            f"<workbook {_NS} {_R}><sheets>"
            + "".join(f'<sheet name="{n}" sheetId="{k + 1}" r:id="rId{k + 1}"/>' for k, n in enumerate(names))
            + "</sheets></workbook>",
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(
                f'<Relationship Id="rId{k + 1}" Type="worksheet" Target="worksheets/sheet{k + 1}.xml"/>'
                for k in range(len(names))
            )
            + "</Relationships>",
        )
        z.writestr(
            "xl/sharedStrings.xml",
            f"<sst {_NS}>" + "".join(f"<si><t>{s}</t></si>" for s in strings) + "</sst>",
        )
        if styles is not None:
            z.writestr("xl/styles.xml", f"<styleSheet {_NS}>{styles}</styleSheet>")
        for k, n in enumerate(names):
            z.writestr(f"xl/worksheets/sheet{k + 1}.xml", _sheet(sheets_[n]))
    return path


# Style 1: Excel's built-in date (14); style 2: a custom date-time code; style 3: a number.
STYLES = (
    '<numFmts><numFmt numFmtId="164" formatCode="dd/mm/yyyy\\ hh:mm"/><numFmt numFmtId="165" formatCode="0.00"/>'
    "</numFmts><cellXfs>"
    '<xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="164"/><xf numFmtId="165"/></cellXfs>'
)


def test_a_worksheet_is_read_as_a_csv_file_with_its_dates(tmp_path):
    strings = ["Headline", "Body", "Source", "Published", "Vote", SAID, "Echo", "Library", "Press"]
    rows = (
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c>'
        '<c r="D1" t="s"><v>3</v></c></row>'
        '<row r="2"><c r="A2" t="s"><v>4</v></c><c r="B2" t="s"><v>5</v></c><c r="C2" t="s"><v>6</v></c>'
        '<c r="D2" s="1"><v>45358</v></c></row>'
        # a sparse row: no title cell; an inline string; a date with a time of day
        '<row r="4"><c r="B4" t="inlineStr"><is><t>Another text </t></is></c><c r="C4" t="s"><v>8</v></c>'
        '<c r="D4" s="2"><v>45359.5</v></c></row>'
        # 14:30 as Excel keeps it: a hair under
        '<row r="5"><c r="B5" t="inlineStr"><is><t>A third text</t></is></c><c r="D5" s="2"><v>45358.604166666664</v></c></row>'
    )
    path = workbook(tmp_path / "list.xlsx", {"Articles": rows}, strings, STYLES)
    result = read_paths([path])
    assert not result.problems and not result.warnings
    first, second, third = result.articles
    assert third.published == "2024-03-07T14:30:00"
    assert (first.title, first.text, first.outlet, first.published) == ("Vote", SAID, "Echo", "2024-03-07")
    assert (first.source_line, second.source_line) == (2, 4)
    assert (second.title, second.text, second.published) == (None, "Another text ", "2024-03-08T12:00:00")


def test_sheets_without_a_text_column_are_passed_over(tmp_path):
    summary = '<row r="1"><c r="A1" t="inlineStr"><is><t>Total</t></is></c><c r="B1"><v>2</v></c></row>'
    articles = (
        '<row r="1"><c r="A1" t="inlineStr"><is><t>text</t></is></c></row>'
        f'<row r="2"><c r="A2" t="inlineStr"><is><t>{SAID}</t></is></c></row>'
    )
    path = workbook(tmp_path / "two.xlsx", {"Summary": summary, "Articles": articles}, [])
    result = read_paths([path])
    assert [a.text for a in result.articles] == [SAID] and not result.problems


def test_a_workbook_with_no_text_column_says_so(tmp_path):
    path = workbook(
        tmp_path / "none.xlsx", {"S": '<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>'}, []
    )
    [problem] = read_paths([path]).problems
    assert "no worksheet has a 'text' column" in str(problem) and "--columns text=NAME" in str(problem)


@pytest.mark.parametrize(
    "content, said",
    [(b"PK\x03\x04 not really a zip", "not an Excel workbook"), (b"just text", "not an Excel workbook")],
)
def test_a_file_that_is_no_workbook_is_skipped_with_a_reason(tmp_path, content, said):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(content)
    [problem] = read_paths([path]).problems
    assert said in str(problem) and "export it as CSV" in str(problem)


def test_entities_in_a_hostile_workbook_are_not_expanded(tmp_path):
    path = tmp_path / "evil.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(
            "xl/workbook.xml",
            f'<workbook {_NS} {_R}><sheets><sheet name="S" r:id="rId1"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Target="worksheets/sheet1.xml"/></Relationships>',
        )
        z.writestr(
            "xl/worksheets/sheet1.xml",
            '<?xml version="1.0"?><!DOCTYPE w [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            + _sheet(
                '<row r="1"><c r="A1" t="inlineStr"><is><t>text</t></is></c></row>'
                '<row r="2"><c r="A2" t="inlineStr"><is><t>Secret: &x; end of the article text.</t></is></c></row>'
            )[len('<?xml version="1.0" encoding="UTF-8"?>') :],
        )
    result = read_paths([path])
    assert all("root:" not in a.text for a in result.articles)


def test_sheets_are_read_in_the_workbooks_order_and_rows_lazily(tmp_path):
    rows = "".join(f'<row r="{k}"><c r="A{k}"><v>{k}</v></c></row>' for k in range(1, 4))
    path = workbook(tmp_path / "order.xlsx", {"Zeta": rows, "Alpha": rows}, [])
    got = [(title, [number for number, _ in rows_]) for title, rows_ in sheets(str(path))]
    assert got == [("Zeta", [1, 2, 3]), ("Alpha", [1, 2, 3])]
    with pytest.raises(SheetError):
        list(sheets(str(tmp_path / "missing.xlsx")))


def test_a_workbook_with_nonsense_numbers_is_read_as_far_as_it_makes_sense(tmp_path):
    rows = (
        '<row r="one"><c r="A1" t="inlineStr"><is><t>text</t></is></c><c r="B1" t="s"><v>x</v></c></row>'
        f'<row r="2"><c r="A2" t="inlineStr"><is><t>{SAID}</t></is></c><c r="B2" s="bad"><v>1</v></c></row>'
    )
    styles = (
        '<numFmts><numFmt numFmtId="oops" formatCode="yyyy"/></numFmts><cellXfs><xf numFmtId="x"/></cellXfs>'
    )
    result = read_paths([workbook(tmp_path / "odd.xlsx", {"S": rows}, [], styles)])
    assert [a.text for a in result.articles] == [SAID] and not result.problems


def test_a_sheet_too_large_to_be_news_is_refused(tmp_path, monkeypatch):
    from tracer import sheets as module

    monkeypatch.setattr(module, "MAX_PART_BYTES", 100)
    rows = "".join(
        f'<row r="{k}"><c r="A{k}" t="inlineStr"><is><t>text {k}</t></is></c></row>' for k in range(1, 20)
    )
    [problem] = read_paths([workbook(tmp_path / "bomb.xlsx", {"S": rows}, [])]).problems
    assert "unpacks to more than" in str(problem)


def test_broken_shared_strings_and_a_hostile_column_are_no_unexpected_error(tmp_path):
    rows = (
        '<row r="1"><c r="A1" t="inlineStr"><is><t>text</t></is></c></row>'
        f'<row r="2"><c r="A2" t="inlineStr"><is><t>{SAID}</t></is></c>'
        '<c r="ZZZZZZZZ2" t="inlineStr"><is><t>far away</t></is></c></row>'
    )
    result = read_paths([workbook(tmp_path / "far.xlsx", {"S": rows}, [])])
    assert [a.text for a in result.articles] == [SAID] and not result.problems
    broken = workbook(tmp_path / "broken.xlsx", {"S": rows}, ["<unclosed"])
    [problem] = read_paths([broken]).problems
    assert "xl/sharedStrings.xml is not well-formed XML" in str(problem)


def test_a_sheet_with_no_date_column_and_a_column_not_read_says_so(tmp_path):
    rows = (
        '<row r="1"><c r="A1" t="inlineStr"><is><t>text</t></is></c><c r="B1" t="inlineStr"><is><t>Erschienen</t></is></c></row>'
        f'<row r="2"><c r="A2" t="inlineStr"><is><t>{SAID}</t></is></c><c r="B2"><v>45358</v></c></row>'
    )
    result = read_paths([workbook(tmp_path / "a.xlsx", {"Articles": rows}, [])])
    (warning,) = result.warnings
    assert "no column is the date, and 'Erschienen' not read" in warning.message and warning.line == 1
