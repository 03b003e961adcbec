"""PDF files: a press release in print, its lines as printed, matched against a paper's copy."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tracer import pdf
from tracer.cli import cli
from tracer.ingest import read_paths
from tracer.store import Store

pytest.importorskip("pypdf")  # the pdf extra (in dev's extras: CI has it)


def pdf_bytes(pages: list[list[str]], title: str | None = None) -> bytes:
    """A PDF written by hand: each page's lines in Helvetica, one under the other, and a title in
    its document information where given."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    kids = " ".join(f"{3 + 2 * k} 0 R" for k in range(len(pages)))
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode())
    font = 3 + 2 * len(pages)
    for k, lines in enumerate(pages):
        shown = " ".join(f"({line}) Tj 0 -14 Td" for line in lines)
        stream = f"BT /F1 11 Tf 72 720 Td {shown} ET".encode()
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {4 + 2 * k} 0 R "
            f"/Resources << /Font << /F1 {font} 0 R >> >> >>".encode()
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    if title is not None:
        objects.append(f"<< /Title ({title}) >>".encode())
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % at for at in offsets)
    info = b" /Info %d 0 R" % len(objects) if title is not None else b""
    out += b"trailer\n<< /Size %d /Root 1 0 R%s >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, info, xref)
    return bytes(out)


# A release as a PDF prints it: wrapped at the column's width, a word hyphenated at a line's end.
PRINTED = [
    [
        "The Harbour Council will open a ferry link between Porthaven and",
        "Lindisfarne Quay in May, the council said on Monday. The ser-",
        "vice will run every forty minutes and cost four million pounds.",
    ],
    ["Councillors approved the plan unanimously."],
]


def test_a_pdf_is_one_article_page_after_page(tmp_path: Path) -> None:
    path = tmp_path / "release.pdf"
    path.write_bytes(pdf_bytes(PRINTED, title="Ferry link"))
    [art] = read_paths([path]).articles
    assert (art.title, art.title_source) == ("Ferry link", "document")
    assert art.text.split("\n\n") == ["\n".join(PRINTED[0]), PRINTED[1][0]]


def test_a_pdf_in_print_matches_a_papers_copy_whole(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "release.pdf").write_bytes(pdf_bytes(PRINTED))
    copy = (
        "The Harbour Council will open a ferry link between Porthaven and Lindisfarne Quay in May, the "
        "council said on Monday. The service will run every forty minutes and cost four million pounds."
    )
    (folder / "paper.jsonl").write_text(
        json.dumps({"outlet": "Porthaven Post", "text": copy}), encoding="utf-8"
    )
    db = str(tmp_path / "t.db")
    assert CliRunner().invoke(cli, ["run", str(folder), "--db", db, "-q"]).exit_code == 0
    with Store.open(db) as s:
        rows = s.conn.execute("SELECT kind, target_start, target_end, source_id FROM matches").fetchall()
    # Both sentences found, the hyphenated "ser-\nvice" as "service": the copy is covered whole.
    assert sum(end - start for _, start, end, _ in rows) >= len(copy) - 2
    assert {kind for kind, *_ in rows} <= {"verbatim", "near-verbatim"}


@pytest.mark.parametrize(
    "content, said",
    [(b"%PDF-1.4 broken", "not a PDF that can be read"), (b"not a pdf at all", "not a PDF that can be read")],
)
def test_a_damaged_pdf_is_skipped_with_a_reason(tmp_path: Path, content: bytes, said: str) -> None:
    path = tmp_path / "bad.pdf"
    path.write_bytes(content)
    [problem] = read_paths([path]).problems
    assert said in str(problem)


def test_a_pdf_of_scanned_pages_says_to_ocr_it(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    path.write_bytes(pdf_bytes([[]]))
    [problem] = read_paths([path]).problems
    assert "no text" in str(problem) and "OCR" in str(problem)


def test_without_pypdf_a_pdf_names_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real = builtins.__import__

    def no_pypdf(name: str, *args, **kwargs):  # type: ignore[no-untyped-def]
        if name.startswith("pypdf"):
            raise ImportError(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pypdf)
    path = tmp_path / "release.pdf"
    path.write_bytes(pdf_bytes(PRINTED))
    [problem] = read_paths([path]).problems
    assert pdf.EXTRA_HINT in str(problem)
