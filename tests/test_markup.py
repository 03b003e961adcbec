"""Tests for tracer.markup: bodies exported as HTML inside JSON and CSV records."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tracer.ingest import read_paths
from tracer.markup import has_markup, plain


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<p>One.</p><p>Two &amp; three.</p>", "One.\nTwo & three."),
        ("<p>A line<br>broken</p>\n\n<p>  spaced\n  out  </p>", "A line\nbroken\nspaced out"),
        ("<div><script>var x = '<p>';</script>Kept <em>inline</em> words</div>", "Kept inline words"),
        ('<p>Read <a href="https://x.example/a?b=1&amp;c=2">this</a>.</p><!-- note -->', "Read this."),
        (
            "Prices rose 5&#8217;s &quot;sharply&quot;.\nSecond line.",
            'Prices rose 5\u2019s "sharply".\nSecond line.',
        ),
        (
            "<p>a<span>b</span>c</p><figure><img src=x.jpg><figcaption>Photo: AP</figcaption></figure>",
            "abc\nPhoto: AP",
        ),
    ],
)
def test_plain_shows_the_text_a_browser_would(text: str, expected: str) -> None:
    assert has_markup(text)
    assert plain(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "AT&T said profits rose; R&D spending fell.",
        "The vote was 5 < 7 and x > y, a <very> odd sentence.",
        "Plain text\n\nwith paragraphs  and  double spaces.",
    ],
)
def test_text_without_markup_is_left_as_it_is(text: str) -> None:
    assert not has_markup(text)
    assert plain(text) == text


def test_json_and_csv_bodies_in_html_are_read_as_their_text(tmp_path: Path) -> None:
    body = "<p>The council voted on Monday to close the library.</p><p>Residents objected &amp; marched.</p>"
    (tmp_path / "a.jsonl").write_text(
        json.dumps({"id": "a", "text": body, "title": "Library <em>closes</em> &amp; more"}) + "\n"
    )
    (tmp_path / "b.csv").write_text('id,text\nb,"' + body.replace('"', '""') + '"\n')
    (tmp_path / "c.jsonl").write_text(json.dumps({"id": "c", "text": "<p> </p><img src=x.jpg>"}) + "\n")
    result = read_paths([tmp_path])
    texts = {a.id: a.text for a in result.articles}
    expected = "The council voted on Monday to close the library.\nResidents objected & marched."
    assert texts == {"a": expected, "b": expected}
    assert [a.title for a in result.articles if a.id == "a"] == ["Library closes & more"]
    # A body that is markup alone is an empty text, skipped as one.
    assert [(p.path.endswith("c.jsonl"), p.message) for p in result.problems] == [(True, "empty 'text'")]
