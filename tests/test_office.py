"""Word and OpenDocument text files: a press release and its copy in a paper are one reuse."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from tracer.cli import cli
from tracer.ingest import read_paths
from tracer.store import Store

RELEASE = [
    "Harbour Council announces new ferry link",
    "The Harbour Council will open a ferry link between Porthaven and Lindisfarne Quay in May, the "
    "council said on Monday.",
    "The service will run every forty minutes and cost four million pounds a year.",
]
_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
_CORE = (
    '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>{title}</dc:title></cp:coreProperties>'
)


def docx(path: Path, paragraphs: list[str], title: str | None = None) -> Path:
    """A minimal Word file: each paragraph in two runs, a deleted run (a tracked change) in the
    second, an empty paragraph after the first, a table holding the last one."""
    body = []
    for k, text in enumerate(paragraphs):
        half = len(text) // 2
        runs = f"<w:r><w:t>{text[:half]}</w:t></w:r><w:r><w:t xml:space='preserve'>{text[half:]}</w:t></w:r>"
        if k == 1:
            runs += "<w:del><w:r><w:delText> DELETED WORDS</w:delText></w:r></w:del>"
        p = f"<w:p>{runs}</w:p>"
        body.append(f"<w:tbl><w:tr><w:tc>{p}</w:tc></w:tr></w:tbl>" if k == len(paragraphs) - 1 else p)
    body.insert(1, "<w:p/>")  # an empty paragraph
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("word/document.xml", f"<w:document {_W}><w:body>{''.join(body)}</w:body></w:document>")
        if title is not None:
            z.writestr("docProps/core.xml", _CORE.format(title=title))
    return path


def odt(path: Path, paragraphs: list[str]) -> Path:
    ns = 'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
    head, *rest = paragraphs
    body = f"<text:h>{head}</text:h>" + "".join(
        f"<text:p><text:span>{t.split(' ', 1)[0]}</text:span><text:s/>{t.split(' ', 1)[1]}"
        "<text:note><text:note-body><text:p>A FOOTNOTE</text:p></text:note-body></text:note></text:p>"
        for t in rest
    )
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("content.xml", f"<office:document-content {ns}><office:body><office:text>{body}"
                   "</office:text></office:body></office:document-content>")  # fmt: skip
    return path


def test_a_word_file_is_one_article_with_its_paragraphs(tmp_path):
    [art] = read_paths([docx(tmp_path / "release.docx", RELEASE, title="Ferry link")]).articles
    assert art.text == "\n\n".join(RELEASE)
    assert (art.title, art.title_source) == ("Ferry link", "document")


def test_an_opendocument_file_is_one_article_without_its_notes(tmp_path):
    [art] = read_paths([odt(tmp_path / "release.odt", RELEASE)]).articles
    assert art.text == "\n\n".join(RELEASE)
    assert (art.title, art.title_source) == (RELEASE[0], "first-line")


@pytest.mark.parametrize("name", ["bad.docx", "bad.odt"])
def test_a_file_that_is_no_document_is_skipped_with_a_reason(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"PK\x03\x04 not a zip at all")
    [problem] = read_paths([path]).problems
    assert "not a ." in str(problem) and "save it again as" in str(problem)


def test_a_press_release_copied_by_a_paper_is_found(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    docx(folder / "release.docx", RELEASE, title="Ferry link")
    copy = RELEASE[1] + " Local businesses welcomed the plan, which still needs the minister's approval."
    (folder / "paper.jsonl").write_text(
        json.dumps({"outlet": "Porthaven Post", "text": copy}), encoding="utf-8"
    )
    db = str(tmp_path / "t.db")
    result = CliRunner().invoke(cli, ["run", str(folder), "--db", db, "-q"])
    assert result.exit_code == 0, result.output
    with Store.open(db) as s:
        kinds = [k for (k,) in s.conn.execute("SELECT kind FROM matches")]
    assert kinds == ["verbatim"]


def test_a_part_too_large_to_be_news_is_refused(tmp_path, monkeypatch):
    from tracer import office

    monkeypatch.setattr(office, "MAX_PART_BYTES", 100)  # a zip bomb's part, in small
    [problem] = read_paths([docx(tmp_path / "bomb.docx", RELEASE)]).problems
    assert "word/document.xml unpacks to more than" in str(problem)
