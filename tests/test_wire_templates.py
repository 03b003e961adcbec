"""Wire copy is not a template (issue 23): text many outlets print within days is reuse to
report, even where each of them prints it in several articles (an update, a running brief); an
outlet's own recurring text, and text several outlets print for as long as they publish, stay
boilerplate."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import numpy as np

from tests.test_fanout import WIRE, _count, _sentence, _store, wire_articles
from tracer.boilerplate import template_lines, template_sentences, wire_keys
from tracer.params import BoilerplateParams

FOOTER = "Our reporters work with partner newsrooms across the region to bring readers every local story."


def test_one_wire_sentence_that_outlets_print_in_several_articles_is_reported(tmp_path: Path):
    """bench_fanout's --sentences 1 shape: one sentence amid other text in 300 articles of 20
    outlets over three days, each outlet printing it in ~15 articles with other neighbours each
    time. It was every outlet's template (0 rows listed); each occurrence is now linked once."""
    s = _store(tmp_path, wire_articles(300, outlets=20, wire=(WIRE,)))
    with s:
        assert _count(s, "SELECT COUNT(*) FROM matches WHERE boilerplate = 0 AND linked = 1") == 299
        assert _count(s, "SELECT COUNT(*) FROM matches WHERE boilerplate != 0") == 0


def _spread(n: int, days: int, outlets: int, text: str, seed: int = 3) -> list[dict[str, str]]:
    """``n`` articles over ``days`` days from ``outlets`` outlets in turn, each printing ``text``
    between sentences of its own."""
    r = random.Random(seed)
    start = dt.date(2024, 1, 1)
    return [
        {
            "id": f"f{i:04d}",
            "outlet": f"Paper {i % outlets}",
            "published": (start + dt.timedelta(days=i * days // n)).isoformat(),
            "text": " ".join([_sentence(r), _sentence(r), text, _sentence(r)]),
        }
        for i in range(n)
    ]


def test_a_sentence_outlets_print_all_year_stays_a_template(tmp_path: Path):
    """Three outlets print the same footer amid their own text in 60 articles over a year: no
    burst of days, so a shared template (hidden), not wire copy."""
    s = _store(tmp_path, _spread(60, 365, 3, FOOTER))
    with s:
        assert _count(s, "SELECT COUNT(*) FROM matches WHERE boilerplate = 0") == 0
        assert _count(s, "SELECT COUNT(*) FROM matches") > 0


def test_one_outlets_template_within_days_stays_a_template(tmp_path: Path):
    """An outlet that prints its line in 12 articles over three days, and no other outlet does:
    its template, whatever the days (the burst needs other outlets)."""
    articles = _spread(36, 3, 3, "") + _spread(12, 3, 1, FOOTER, seed=4)
    for k, a in enumerate(articles[36:]):
        a["id"], a["outlet"] = f"g{k:04d}", "Paper 0"
    s = _store(tmp_path, articles)
    with s:
        assert _count(s, "SELECT COUNT(*) FROM matches WHERE boilerplate = 0") == 0


def test_undated_text_many_outlets_repeat_stays_a_template(tmp_path: Path):
    """Without dates there is no burst to see: counts alone decide, as before."""
    articles = _spread(60, 3, 3, FOOTER)
    for a in articles:
        del a["published"]
    s = _store(tmp_path, articles)
    with s:
        assert _count(s, "SELECT COUNT(*) FROM matches WHERE boilerplate = 0") == 0


def _days(*values: int) -> np.ndarray:
    return np.array(values, dtype=np.int64)


YEAR = np.repeat(np.arange(366, dtype=np.int64), 10)  # a corpus of ten articles a day for a year


def test_wire_keys_wants_a_burst_of_dated_carriers_from_enough_outlets():
    p = BoilerplateParams(wire_outlets=2, wire_days=7, wire_share=0.8, wire_many=10)
    key = np.array([5] * 5 + [9] * 5 + [7] * 4 + [3] * 3, dtype=np.int64)
    article = np.arange(len(key), dtype=np.int64)
    outlet = np.array([0, 1, 0, 1, 0] + [0, 1, 0, 1, 0] + [2] * 4 + [0, 1, 2], dtype=np.int64)
    day = np.concatenate(
        [
            _days(100, 101, 102, 104, 300),  # 4 of 5 near the median: wire
            _days(100, 160, 220, 280, 340),  # spread over the year
            _days(100, 100, 101, 101),  # one outlet only
            _days(-1, -1, 100),  # two undated: one dated carrier, of one outlet
        ]
    )
    assert wire_keys(key, article, outlet, day, p, YEAR).tolist() == [5]
    # An article counts once, however often it prints the key.
    twice = np.array([4, 4, 4], dtype=np.int64)
    assert wire_keys(twice, _days(1, 1, 2), _days(0, 0, 1), _days(10, 10, 11), p, YEAR).tolist() == [4]
    assert wire_keys(twice, _days(1, 1, 1), _days(0, 0, 0), _days(10, 10, 10), p, YEAR).tolist() == []


def test_a_burst_the_corpus_dates_explain_needs_many_outlets():
    """In a corpus of a week every text is printed within days: a burst tells nothing, and only
    text many outlets print (wire_many) is wire copy; so is it without the corpus's days."""
    p = BoilerplateParams(wire_outlets=2, wire_days=3, wire_many=10)
    week = np.repeat(np.arange(7, dtype=np.int64), 50)
    for outlets, wire in ((9, False), (10, True)):
        key = np.full(20, 8, dtype=np.int64)
        article = np.arange(20, dtype=np.int64)
        outlet = article % outlets
        day = article % 4
        assert (wire_keys(key, article, outlet, day, p, week).tolist() == [8]) is wire
        assert (wire_keys(key, article, outlet, day, p).tolist() == [8]) is wire
    # Four of five carriers within a week are wire copy in a year's corpus; in a month's, a week
    # holds a quarter of the articles, and four of five there is no unlikely burst.
    key, article, outlet = np.full(5, 6, dtype=np.int64), np.arange(5, dtype=np.int64), np.arange(5) % 3
    assert wire_keys(key, article, outlet, _days(10, 11, 11, 12, 25), p, YEAR).tolist() == [6]
    month = np.repeat(np.arange(30, dtype=np.int64), 60)
    assert wire_keys(key, article, outlet, _days(10, 11, 11, 12, 25), p, month).tolist() == []


def test_template_lines_and_sentences_leave_wire_copy_out_only_when_given_days():
    # One line (7) printed by two outlets in three articles each within two days.
    line = np.array([7] * 6, dtype=np.int64)
    article = np.arange(6, dtype=np.int64)
    outlet = np.array([0, 0, 0, 1, 1, 1], dtype=np.int64)
    day = np.array([10, 10, 11, 11, 12, 12], dtype=np.int64)
    assert template_lines(line, article, outlet) == {7}
    assert template_lines(line, article, outlet, day=day, corpus_days=YEAR) == set()
    assert template_lines(line, article, outlet, day=day * 60, corpus_days=YEAR) == {7}  # all year
    idx = np.full(6, 4, dtype=np.int64)
    flags = np.zeros(6, dtype=np.int64)
    assert template_sentences(article, idx, line, flags, outlet).tolist() == [7]
    assert template_sentences(article, idx, line, flags, outlet, day=day, corpus_days=YEAR).tolist() == []
