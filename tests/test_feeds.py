"""Tests for tracer.feeds: RSS and Atom feeds read as articles, hostile XML left harmless."""

from __future__ import annotations

from pathlib import Path

from tracer.ingest import read_paths

BODY = "The council voted on Monday to close the old library on Elm Street, citing the cost of its roof."

RSS = f"""<?xml version="1.0" encoding="ISO-8859-1"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>Gazette</title><link>https://gazette.example</link>
<item>
  <title>Library to close &amp; more (café)</title>
  <link>https://gazette.example/a</link>
  <guid isPermaLink="false">gazette-1</guid>
  <pubDate>Mon, 02 Feb 2026 10:00:00 GMT</pubDate>
  <description>Short summary.</description>
  <content:encoded><![CDATA[<p>{BODY}</p><p>Residents objected.</p>]]></content:encoded>
</item>
<item>
  <title>Library, in brief</title>
  <link>https://news.example/b</link>
  <pubDate>Tue, 03 Feb 2026 08:00:00 +0100</pubDate>
  <description>&lt;p&gt;{BODY}&lt;/p&gt;</description>
  <source url="https://herald.example">Herald</source>
</item>
</channel></rss>
"""

ATOM = f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Courier</title>
  <entry>
    <title>Library closes</title>
    <id>tag:courier.example,2026:1</id>
    <link rel="alternate" href="https://courier.example/1"/>
    <published>2026-02-04T09:00:00Z</published>
    <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>{BODY}</p></div></content>
  </entry>
</feed>
"""


def test_rss_and_atom_items_are_articles(tmp_path: Path) -> None:
    (tmp_path / "gazette.rss").write_bytes(RSS.encode("latin-1"))
    (tmp_path / "courier.atom").write_text(ATOM, encoding="utf-8")
    result = read_paths([tmp_path])
    assert result.problems == []
    got = [(a.id, a.outlet, a.published, a.title, a.url, a.text, a.source_line) for a in result.articles]
    assert got[0] == (
        "tag:courier.example,2026:1", "Courier", "2026-02-04T09:00:00+00:00", "Library closes",
        "https://courier.example/1", BODY, 4,
    )  # fmt: skip
    assert got[1] == (
        "gazette-1", "Gazette", "2026-02-02T10:00:00+00:00", "Library to close & more (café)",
        "https://gazette.example/a", f"{BODY}\nResidents objected.", 4,
    )  # fmt: skip
    # No guid: the id is made of the outlet and text; the item's <source> names its outlet.
    assert got[2][1:4] == ("Herald", "2026-02-03T07:00:00+00:00", "Library, in brief") and got[2][5] == BODY


def test_hostile_and_broken_xml_is_skipped_with_a_reason(tmp_path: Path) -> None:
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>'
        f"<rss><channel><title>T</title><item><title>&d;</title><description>{BODY} &d;</description>"
        "</item></channel></rss>"
    )
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET", encoding="utf-8")
    xxe = (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file://{secret}">]>'
        f"<rss><channel><title>T</title><item><description>{BODY} &x;</description></item></channel></rss>"
    )
    files = {
        "laughs.rss": laughs,
        "xxe.rss": xxe,
        "broken.xml": f"<rss><channel><item><description>{BODY}</description>\n</channel>",
        "sitemap.xml": '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url/></urlset>',
        "empty.rss": "<rss><channel><title>T</title></channel></rss>",
    }
    for name, text in files.items():
        (tmp_path / "in" / name).parent.mkdir(exist_ok=True)
        (tmp_path / "in" / name).write_text(text, encoding="utf-8")
    result = read_paths([tmp_path / "in"])
    texts = [a.text for a in result.articles]
    assert len(texts) == 2 and all(t.startswith(BODY) for t in texts)
    assert not any("TOP SECRET" in t or "haha" in t for t in texts)  # neither fetched nor expanded
    problems = {Path(p.path).name: (p.line, p.message) for p in result.problems}
    assert problems["broken.xml"][0] == 2 and problems["broken.xml"][1].startswith("not well-formed XML")
    assert problems["sitemap.xml"] == (1, "an XML file whose root is <urlset>, not an RSS or Atom feed")
    assert problems["empty.rss"] == (None, "a feed with no items")


def test_a_feed_with_bare_ampersands_is_read(tmp_path: Path) -> None:
    feed = (
        "<rss><channel><title>Gazette</title><item><title>AT&T buys rival</title>"
        "<description>Shares of AT&T rose 5% &amp; more after the deal.</description></item></channel></rss>"
    )
    (tmp_path / "a.rss").write_text(feed, encoding="utf-8")
    (art,) = read_paths([tmp_path / "a.rss"]).articles
    assert (art.title, art.text) == ("AT&T buys rival", "Shares of AT&T rose 5% & more after the deal.")
