"""E-mail: a press release as a newsroom receives it (.eml, .mbox), and the paper that copies it."""

from __future__ import annotations

import json
from email.message import EmailMessage
from pathlib import Path

from click.testing import CliRunner

from tracer.cli import cli
from tracer.ingest import read_paths
from tracer.store import Store

RELEASE = (
    "The Harbour Council will open a ferry link between Porthaven and Lindisfarne Quay in May, the "
    "council said on Monday. The service will run every forty minutes."
)


def release(subject: str = "Ferry link to open in May", html: bool = True) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Harbour Council Press Office <press@harbourcouncil.gov.uk>"
    msg["To"] = "newsdesk@porthavenpost.co.uk"
    msg["Subject"] = subject
    msg["Date"] = "Mon, 04 Mar 2024 09:15:00 +0000"
    msg["Message-ID"] = "<release-42@harbourcouncil.gov.uk>"
    msg.set_content(RELEASE + "\n\nEnds.\n")
    if html:
        msg.add_alternative(f"<html><body><p>{RELEASE}</p><p>Ends.</p></body></html>", subtype="html")
    msg.add_attachment(b"%PDF-1.4 not read", maintype="application", subtype="pdf", filename="release.pdf")
    return msg.as_bytes()


def test_an_email_is_an_article_with_its_subject_date_and_sender(tmp_path: Path) -> None:
    path = tmp_path / "release.eml"
    path.write_bytes(release())
    [art] = read_paths([path]).articles
    assert art.text == RELEASE + "\n\nEnds.\n"  # the plain-text part; the attachment left out
    assert (art.title, art.outlet, art.published) == (
        "Ferry link to open in May",
        "Harbour Council Press Office",
        "2024-03-04T09:15:00+00:00",
    )
    assert art.id == "release-42@harbourcouncil.gov.uk"


def test_an_html_only_email_is_read_as_the_text_it_shows(tmp_path: Path) -> None:
    msg = EmailMessage()
    msg["From"] = "press@harbourcouncil.gov.uk"
    msg["Subject"] = "Ferry"
    msg.set_content(f"<p>{RELEASE}</p><p>Ends.</p>", subtype="html")
    path = tmp_path / "html.eml"
    path.write_bytes(msg.as_bytes())
    [art] = read_paths([path]).articles
    assert art.text == RELEASE + "\nEnds." and art.outlet == "harbourcouncil.gov.uk"  # the sender's domain


def test_a_mailbox_is_its_messages_each_with_its_line(tmp_path: Path) -> None:
    first, second = release("First"), release("Second").replace(b"release-42", b"release-43")
    second = second.replace(b"Ends.", b"Ends.\nFrom the archive: nothing")  # a body line mail programs escape
    box = b"From press@x Mon Mar  4 09:15:00 2024\n" + first + b"\nFrom press@x Tue Mar  5 09:15:00 2024\n"
    box += second.replace(b"\nFrom the", b"\n>From the")
    path = tmp_path / "inbox.mbox"
    path.write_bytes(box)
    arts = read_paths([path]).articles
    assert [a.title for a in arts] == ["First", "Second"]
    assert arts[0].source_line == 2 and arts[1].source_line > 10
    assert "\nFrom the archive" in arts[1].text


def test_a_press_release_by_email_and_the_papers_copy_are_one_reuse(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "release.eml").write_bytes(release())
    copy = {"outlet": "Porthaven Post", "date": "2024-03-05", "text": RELEASE + " Businesses welcomed it."}
    (folder / "paper.jsonl").write_text(json.dumps(copy), encoding="utf-8")
    db = str(tmp_path / "t.db")
    assert CliRunner().invoke(cli, ["run", str(folder), "--db", db, "-q"]).exit_code == 0
    with Store.open(db) as s:
        pairs = {(src, tgt) for src, tgt in s.conn.execute("SELECT source_id, target_id FROM matches")}
    assert pairs and all(src == "release-42@harbourcouncil.gov.uk" for src, _ in pairs)
