"""The real case: four tabloid articles on Putin's twitching feet (read from ../shared/seeds)."""

from __future__ import annotations

import re

from tracer.matches import query


def _pair(found, x, y):
    return [m for m in found if {m.source_id, m.target_id} == {x, y}]


def _texts(m, art):
    return m.source_text if m.source_id == art else m.target_text


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[\u2019']", "'", text).split()).lower()


def test_track_marks_echo_is_found(seeds):
    s, texts = seeds
    carriers = [k for k, (_, t) in texts.items() if "track marks on the back of his hands" in t]
    assert carriers == ["001", "003"]
    x, y = (texts[k][0] for k in carriers)
    hits = [
        m
        for m in _pair(query(s), x, y)
        if all("track marks on the back of his hands" in _norm(_texts(m, a)) for a in (x, y))
    ]
    assert hits and all(m.scope == "cross-outlet" for m in hits)


def test_leaked_documents_parkinsons_cancer_echo_is_found(seeds):
    s, texts = seeds
    found = query(s)
    carriers = [k for k, (_, t) in texts.items() if re.search(r"leaked (spy )?(documents|emails)", t)]
    assert carriers == ["000", "001", "003"]
    for a, b in (("000", "001"), ("001", "003")):
        x, y = texts[a][0], texts[b][0]
        hits = [
            m
            for m in _pair(found, x, y)
            if all(
                "leaked" in _norm(_texts(m, art)) and "pancreatic cancer" in _norm(_texts(m, art))
                for art in (x, y)
            )
        ]
        assert hits, f"leaked-documents echo between {a} and {b} not found"


def test_no_ad_or_newsletter_line_is_reported(seeds):
    s, texts = seeds
    promo = re.compile(
        r"stream your news|newsletter|read more|read next|read full article|more coverage|offer available|try 1 month",
        re.I,
    )
    for m in query(s, scope="cross-outlet"):
        assert not promo.search(m.source_text) and not promo.search(m.target_text), m
