"""Tests for tracer.exports: text files of many articles, as Nexis Uni and Factiva export them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracer.exports import documents
from tracer.ingest import read_paths

FLOOD = "The river burst its banks on Sunday night, flooding more than two hundred homes in the valley."
RESCUE = "Firefighters used boats to reach families trapped upstairs, the county council said."

NEXIS = f"""Valley homes flooded as river bursts its banks

Northern Echo
March 3, 2025 Monday 7:45 AM GMT

Copyright 2025 Newsquest Media Group Ltd All Rights Reserved

Section: NEWS; Version:2
Length: 212 words
Byline: Jo Hart
Body

{FLOOD}

{RESCUE}

Load-Date: March 3, 2025

End of Document

Boats sent to flooded valley

The Press (York)
March 4, 2025 Tuesday

Length: 98 words
Body

{RESCUE}

Classification

Language: ENGLISH

Load-Date: March 4, 2025

End of Document
"""

FACTIVA = f"""Valley flood: 200 homes under water
By Jo Hart
212 words
3 March 2025
07:45
Northern Echo
NOECHO
English
© 2025 Newsquest Media Group Ltd. All rights reserved.

{FLOOD}

{RESCUE}

Document NOECHO0020250303el330000a


River rescue
98 words
4 March 2025
The Press
YRKPRS
English
Copyright 2025 Newsquest

{RESCUE}

Document YRKPRS0020250304el340000b
"""


HEADS = {
    "nexis": (NEXIS, [
        ("Valley homes flooded as river bursts its banks", "Northern Echo", "2025-03-03T07:45:00+00:00", 1),
        ("Boats sent to flooded valley", "The Press (York)", "2025-03-04", 21),
    ]),
    "factiva": (FACTIVA, [
        ("Valley flood: 200 homes under water", "Northern Echo", "2025-03-03", 1),
        ("River rescue", "The Press", "2025-03-04", 18),
    ]),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(HEADS))
def test_an_export_is_its_articles_with_their_heads(tmp_path: Path, name: str) -> None:
    export, heads = HEADS[name]
    path = tmp_path / f"{name}.txt"
    path.write_text(export, encoding="utf-8")
    result = read_paths([path])
    assert result.problems == []
    assert [a.text for a in result.articles] == [f"{FLOOD}\n\n{RESCUE}", RESCUE]
    assert [(a.title, a.outlet, a.published, a.source_line) for a in result.articles] == heads
    assert {a.outlet_source for a in result.articles} | {a.title_source for a in result.articles} == {
        "header"
    }


def test_offsets_point_into_the_file_and_crlf_exports_read_alike() -> None:
    for export in (NEXIS, FACTIVA):
        found = documents(export)
        assert found is not None and len(found) == 2
        assert [export[d.start : d.end] for d in found] == [f"{FLOOD}\n\n{RESCUE}", RESCUE]
        crlf = documents(export.replace("\n", "\r\n"))
        assert crlf is not None
        assert [(d.title, d.outlet, d.date) for d in crlf] == [(d.title, d.outlet, d.date) for d in found]


def test_other_texts_are_one_article(tmp_path: Path) -> None:
    # Prose naming the end mark, a line "Document" with no id, a text with tracer's own headers.
    assert documents(f"{FLOOD} The report ends: End of Document.\n{RESCUE}") is None
    assert documents(f"{FLOOD}\n\nDocument\n\n{RESCUE}") is None
    assert documents(f"{FLOOD}\nDocument ABCDEFGHIJKLMNOPQRSTU\n") is None  # no Factiva head
    path = tmp_path / "own.txt"
    path.write_text(f"outlet: Echo\n\n{FLOOD}\n\nEnd of Document\n", encoding="utf-8")
    (art,) = read_paths([path]).articles
    assert art.outlet == "Echo" and art.text.endswith("End of Document\n")


def test_an_article_whose_head_is_not_read_is_kept_whole(tmp_path: Path) -> None:
    path = tmp_path / "factiva.txt"
    path.write_text(FACTIVA.replace("98 words\n", ""), encoding="utf-8")
    first, second = read_paths([path]).articles
    assert first.outlet == "Northern Echo"
    assert second.text.startswith("River rescue\n4 March 2025") and second.text.endswith(RESCUE)
    assert (second.title, second.outlet, second.published) == ("River rescue", None, None)


def test_an_article_of_the_export_without_text_is_skipped_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "nexis.txt"
    path.write_text(NEXIS.replace(f"{RESCUE}\n\nClassification", "Classification"), encoding="utf-8")
    result = read_paths([path])
    assert [a.title for a in result.articles] == ["Valley homes flooded as river bursts its banks"]
    assert [(p.line, p.message) for p in result.problems] == [(21, "an article of the export has no text")]


def test_an_export_cut_short_keeps_its_last_article(tmp_path: Path) -> None:
    path = tmp_path / "nexis.txt"
    path.write_text(NEXIS[: NEXIS.rindex("End of Document")], encoding="utf-8")
    assert [a.text for a in read_paths([path]).articles] == [f"{FLOOD}\n\n{RESCUE}", RESCUE]
