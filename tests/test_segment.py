"""Tests for tracer.segment: sentence and line splitting of news text."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from tracer.segment import split_lines, split_sentences

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
NL_CHARS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
BULLETS = "-*\u2013\u2014\u2022\u25aa\u25e6\u2023\u00b7"


def sents(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]


def check_invariants(text: str) -> None:
    """Spans are ordered, non-empty, stripped, disjoint and cover all non-whitespace but bullets."""
    spans = split_sentences(text)
    covered = [False] * len(text)
    prev_end = 0
    for s, e in spans:
        assert prev_end <= s < e <= len(text), (text, spans)
        assert not text[s].isspace() and not text[e - 1].isspace(), (text, spans)
        for i in range(s, e):
            covered[i] = True
        prev_end = e
    for i, ch in enumerate(text):
        if covered[i] or ch.isspace():
            continue
        # Only a bullet marker at the start of its line may be left out.
        line_start = max(text.rfind(c, 0, i) for c in NL_CHARS) + 1
        assert ch in BULLETS and text[line_start:i].strip() == "", (text, spans, i)


# --- terminal punctuation and quotes ------------------------------------------------------------

PUNCTUATION_CASES = [
    ('He said: "It is over." Then he left.', ['He said: "It is over."', "Then he left."]),
    ("\u201cYes,\u201d he said.", ["\u201cYes,\u201d he said."]),
    (
        "She asked: \u201cAre you sure?\u201d He nodded.",
        ["She asked: \u201cAre you sure?\u201d", "He nodded."],
    ),
    (
        "He called it \u2018a farce.\u2019 Nobody agreed.",
        ["He called it \u2018a farce.\u2019", "Nobody agreed."],
    ),
    ("The vote passed (narrowly.) Critics objected.", ["The vote passed (narrowly.)", "Critics objected."]),
    ("Really? Yes! Fine.", ["Really?", "Yes!", "Fine."]),
    ("What?! No way.", ["What?!", "No way."]),
    ("Sales rose. 2024 was better.", ["Sales rose.", "2024 was better."]),
    ("\u201cShall I start?\u201d he asked.", ["\u201cShall I start?\u201d he asked."]),
    ("It works. \u201cGreat,\u201d she said.", ["It works.", "\u201cGreat,\u201d she said."]),
    ("no terminal punctuation at all", ["no terminal punctuation at all"]),
    ("  padded sentence.  ", ["padded sentence."]),
]


@pytest.mark.parametrize(("text", "expected"), PUNCTUATION_CASES)
def test_punctuation_and_quotes(text: str, expected: list[str]) -> None:
    assert sents(text) == expected
    check_invariants(text)


# --- abbreviations, initials, acronyms, numbers, URLs, ellipses -------------------------------

ONE_SENTENCE = [
    "Mr. Smith met Dr. Jones at St. Paul's on Monday.",
    "Mrs. Brown and Ms. Green spoke to Prof. Ada Lee.",
    "Gen. Mark Milley, Col. Sanders, Lt. Dan and Sgt. Pepper arrived.",
    "Sen. Warren and Rep. Ocasio-Cortez spoke with Gov. Newsom.",
    "The Rev. Al Sharpton thanked the Hon. Member.",
    "John Smith Jr. and Sr. Garcia attended.",
    "He lives at No. 10 Downing Street.",
    "Big cities, e.g. London, are expensive.",
    "Big cities, i.e. London and Paris, are expensive.",
    "Apples, pears, etc. are sold here.",
    "Smith vs. Jones was decided yesterday.",
    "Roe v. Wade was overturned.",
    "Acme Inc. Chief Executive Jane Doe resigned.",
    "Barclays Ltd. Director Tom Fox and Acme Corp. Chairman Lee Wu met.",
    "It happened on Jan. 6 in Washington.",
    "Sept. 11 changed everything, as did Dec. 7 and Aug. 15.",
    "J. K. Rowling wrote it.",
    "George W. Bush spoke to reporters.",
    "A. A. Milne wrote it.",
    "J.K. Rowling wrote it.",
    "The U.S. Army said so.",
    "The U.K. and the U.N. agreed.",
    "The meeting is at 5 p.m. Moscow time.",
    "It starts at 9 a.m. Eastern time.",
    "Growth was 2.5 per cent in the year.",
    "Version v1.2.3 is out.",
    "RadarOnline.com has learned that he left.",
    "Watch the video pic.twitter.com/dAPvBXKDSn now.",
    "He paused\u2026 and then continued.",
    "He waited... and waited.",
    "Mr.\u00a0Putin arrived.",
]


@pytest.mark.parametrize("text", ONE_SENTENCE)
def test_no_split(text: str) -> None:
    assert sents(text) == [text]
    check_invariants(text)


SPLIT_CASES = [
    ("The answer was no. Nobody moved.", ["The answer was no.", "Nobody moved."]),
    ("We bought apples, pears etc. Then we left.", ["We bought apples, pears etc.", "Then we left."]),
    ("He joined Acme Inc. The firm grew.", ["He joined Acme Inc.", "The firm grew."]),
    ("The deadline is in Dec. Talks continue.", ["The deadline is in Dec.", "Talks continue."]),
    ("He took vitamin D. The results were good.", ["He took vitamin D.", "The results were good."]),
    ("He lives in the U.S. The next day he left.", ["He lives in the U.S.", "The next day he left."]),
    ("It ended at 5 p.m. He went home.", ["It ended at 5 p.m.", "He went home."]),
    ("They met in the U.K. \u201cIt went well.\u201d", ["They met in the U.K.", "\u201cIt went well.\u201d"]),
    ("Growth was 2.5 per cent. Inflation fell.", ["Growth was 2.5 per cent.", "Inflation fell."]),
    ("Visit example.org. Then call us.", ["Visit example.org.", "Then call us."]),
    ("He waited... Then he left.", ["He waited...", "Then he left."]),
    ("It was over\u2026 Nobody cared.", ["It was over\u2026", "Nobody cared."]),
    ("Mr. Putin spoke. Dr. Lee replied.", ["Mr. Putin spoke.", "Dr. Lee replied."]),
    ("He founded Acme Co. In 2020 it failed.", ["He founded Acme Co.", "In 2020 it failed."]),
]


@pytest.mark.parametrize(("text", "expected"), SPLIT_CASES)
def test_split(text: str, expected: list[str]) -> None:
    assert sents(text) == expected
    check_invariants(text)


# --- line breaks ----------------------------------------------------------------------------------

LINE_CASES = [
    # A blank line always ends a sentence.
    ("First line\n\nsecond paragraph", ["First line", "second paragraph"]),
    ("He said\n  \n that it works", ["He said", "that it works"]),
    # Soft-wrapped text: the next line starts lower case.
    ("The mayor said\nthe plan works.", ["The mayor said\nthe plan works."]),
    ("It was over.\nand then it began.", ["It was over.\nand then it began."]),
    # The next line starts upper case, with a digit or a quote.
    ("It rained.\nThe game was cancelled.", ["It rained.", "The game was cancelled."]),
    (
        "Putin meets Kim in Russia\nVladimir Putin met Kim.",
        ["Putin meets Kim in Russia", "Vladimir Putin met Kim."],
    ),
    ("Prices rose\n2% in May.", ["Prices rose", "2% in May."]),
    (
        "More Coverage\n\u201cWe must act,\u201d he said.",
        ["More Coverage", "\u201cWe must act,\u201d he said."],
    ),
    # A name broken across lines with a hyphen stays whole.
    ("Since Kassym-\nJomart was re-elected.", ["Since Kassym-\nJomart was re-elected."]),
    ("A well-\nknown fact.", ["A well-\nknown fact."]),
    ("Since Kassym-\r\nJomart won.", ["Since Kassym-\r\nJomart won."]),
    # A hyphen after a space is a dash, not a broken word.
    ("It ended -\nThen it began.", ["It ended -", "Then it began."]),
    # CRLF and CR are line breaks.
    ("One.\r\nTwo.\r\n\r\nthree", ["One.", "Two.", "three"]),
    ("One\rTwo\r\rthree", ["One", "Two", "three"]),
    ("He said\r\nthat it works.", ["He said\r\nthat it works."]),
    ("Para one\u2029Para two", ["Para one", "Para two"]),
    # A form feed is a page break (pdftotext's): it ends a sentence as a blank line does.
    ("overrun of four million\fPage 2\fpounds.", ["overrun of four million", "Page 2", "pounds."]),
    ("It said\n\fthe plan works.", ["It said", "the plan works."]),
    ("Pounds.\f\nPage 2\x0b Officials declined.", ["Pounds.", "Page 2", "Officials declined."]),
    # The next line starts with something else: headings and terminal punctuation end a sentence.
    ("Rapid Health Decline\n(Photo: AP) Putin spoke.", ["Rapid Health Decline", "(Photo: AP) Putin spoke."]),
    ("He left.\n@golub wrote it.", ["He left.", "@golub wrote it."]),
    (
        "The mayor said\nand the plan\n(which is new) works.",
        ["The mayor said\nand the plan\n(which is new) works."],
    ),
    ("Sources told us,\n(and others) it works.", ["Sources told us,\n(and others) it works."]),
    # Titles and initials at the end of a line do not end a sentence; acronyms do.
    ("We met Mr.\nPutin today.", ["We met Mr.\nPutin today."]),
    ("We met George W.\nBush today.", ["We met George W.\nBush today."]),
    ("He moved to the U.S.\nArmy officials said so.", ["He moved to the U.S.", "Army officials said so."]),
    # Trailing spaces before a line break.
    ("Headline   \nBody text.  \n\n  More.", ["Headline", "Body text.", "More."]),
]


@pytest.mark.parametrize(("text", "expected"), LINE_CASES)
def test_line_breaks(text: str, expected: list[str]) -> None:
    assert sents(text) == expected
    check_invariants(text)


# A newspaper column as OCR'd: lines cut at about 40 characters, names at the start of lines.
COLUMN = (
    "EVENING STAR, FRIDAY, MAY 10, 1907\n"
    "The steamer Arcadia, bound from\n"
    "Liverpool to New York, went aground in a\n"
    "dense fog off the coast of Nova Scotia\n"
    "on Tuesday night. All of the one hun-\n"
    "dred and twelve passengers were taken\n"
    "off in safety by the crew of a fishing\n"
    "schooner which happened to be near.\n"
    "Later News\n"
    "The captain reports that the vessel is\n"
    "badly damaged, and the agents in\n"
    "London fear she will prove a loss."
)


def test_hard_wrapped_lines_that_start_with_a_name_continue_the_sentence() -> None:
    assert sents(COLUMN) == [
        "EVENING STAR, FRIDAY, MAY 10, 1907",  # a heading in capitals
        "The steamer Arcadia, bound from\nLiverpool to New York, went aground in a\ndense fog off the "
        "coast of Nova Scotia\non Tuesday night.",
        "All of the one hun-\ndred and twelve passengers were taken\noff in safety by the crew of a "
        "fishing\nschooner which happened to be near.",
        "Later News",  # a short line: its writer ended it
        "The captain reports that the vessel is\nbadly damaged, and the agents in\nLondon fear she will "
        "prove a loss.",
    ]
    check_invariants(COLUMN)
    # German starts many a wrapped line with a noun: a third of soft wraps tell it wrapped.
    german = (
        "Der Stadtrat hat am Montag beschlossen, die alte\n"
        "Bibliothek in der Ulmenstraße zu schließen. Als Grund\n"
        "nannte die Verwaltung die hohen Kosten für die\n"
        "Reparatur des Daches, das seit Jahren undicht ist.\n"
        "Anwohner hatten monatelang für den Erhalt der\n"
        "Bibliothek gekämpft und mehr als dreitausend\n"
        "Unterschriften gesammelt. Die Bürgermeisterin sagte,\n"
        "man werde nach einem neuen Standort für die\n"
        "Sammlung suchen."
    )
    assert len(sents(german)) == 4
    # Lines that are not wrapped (too few soft wraps) end where the next starts with a capital.
    assert sents("Police say\nThe suspect fled\nOfficers gave chase") == [
        "Police say",
        "The suspect fled",
        "Officers gave chase",
    ]


# --- bullets --------------------------------------------------------------------------------------

BULLET_CASES = [
    (
        "READ NEXT:\n- First story here\n\u2022 Second story\n  \u2022 Third story\n* Fourth one\n\u2013 Fifth one",
        ["READ NEXT:", "First story here", "Second story", "Third story", "Fourth one", "Fifth one"],
    ),
    ("\u2022 Bullet at the start\n\u2022 and another", ["Bullet at the start", "and another"]),
    ("  - indented first\nText after.", ["indented first", "Text after."]),
    (
        "He said so.\n\n  \u2022 Killer elephant caught\n\n  \u2022 Woman hit",
        ["He said so.", "Killer elephant caught", "Woman hit"],
    ),
    ("- One. Two.\n- Three", ["One.", "Two.", "Three"]),
    ("\u2022No space after the dot", ["No space after the dot"]),
    # Not bullets: a dash glued to a word, a lone dash.
    ("-5 degrees\nwas the low.", ["-5 degrees\nwas the low."]),
    ("-\nNext", ["-", "Next"]),
]


@pytest.mark.parametrize(("text", "expected"), BULLET_CASES)
def test_bullets(text: str, expected: list[str]) -> None:
    assert sents(text) == expected
    check_invariants(text)


def test_bullet_span_starts_after_marker() -> None:
    text = "Intro.\n  \u2022 Item one\n- Item two"
    spans = split_sentences(text)
    assert spans[1][0] == text.index("Item one")
    assert spans[2][0] == text.index("Item two")


def test_numbered_list_labels_stay_with_items() -> None:
    assert sents("1. First item\n2. Second item") == ["1. First item", "2. Second item"]


def test_embedded_tweet_does_not_crash() -> None:
    text = (
        "Putin\u2019s legs are spasming uncontrollably as his Parkinson\u2019s progresses "
        "pic.twitter.com/dAPvBXKDSn \u2014 Myk Golub (@golub) August 16, 2025 Source: @golub/X "
        "Vladimir Putin's legs twitched. He left."
    )
    out = sents(text)
    assert out[-1] == "He left."
    check_invariants(text)


@pytest.mark.parametrize("text", ["", "   ", "\n\n\r\n", "\u2022", "- ", ".", "...", "\u2026 \u2026", "-\n-"])
def test_degenerate_inputs(text: str) -> None:
    check_invariants(text)


# --- property test ----------------------------------------------------------------------------------

PIECES = [
    "word", "Word", "the", "Mr.", "Dr.", "U.S.", "p.m.", "e.g.", "etc.", "No.", "Jan.", "J.", "Inc.",
    "5", "2.5", "v1.2", "site.com", "pic.twitter.com/x", ".", "!", "?", "\u2026", "...", "?!",
    '"', "\u201c", "\u201d", "\u2019", "'", "(", ")", "[", "]", ",", ":", ";", "-", "\u2013", "\u2014",
    "\u2022", "*", "Kassym-", "@golub", "#tag", "$5", "\u00e9t\u00e9", "\u00c9T\u00c9", "\u4e2d\u6587",
    " ", " ", " ", "  ", "\t", "\u00a0", "\n", "\n", "\n\n", "\r\n", "\r", "\n  \u2022 ", "\n- ", "\n* ",
    "\u2028", "\x0c", "\x85", "\x1f",
]  # fmt: skip


@pytest.mark.parametrize("seed", range(300))
def test_random_text_invariants(seed: int) -> None:
    rng = random.Random(seed)
    text = "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 80)))
    check_invariants(text)


def _blank_line_free(span_text: str) -> bool:
    """No blank line and no form feed (a page break) inside a sentence."""
    lines = span_text.replace("\r\n", "\n").splitlines()
    return all(line.strip() for line in lines) and "\f" not in span_text


@pytest.mark.parametrize("seed", range(300, 400))
def test_random_text_never_spans_blank_line(seed: int) -> None:
    rng = random.Random(seed)
    text = "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 120)))
    for s, e in split_sentences(text):
        assert _blank_line_free(text[s:e]), (text, text[s:e])


# --- split_lines ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        ("one line", ["one line"]),
        ("  a  \r\n\n b\u2028c \n", ["a", "b", "c"]),
        ("x\ry\r\n\r\nz", ["x", "y", "z"]),
        ("\t\n  \n", []),
        ("a b  c \n d  e", ["a b  c", "d  e"]),
    ],
)
def test_split_lines(text: str, expected: list[str]) -> None:
    spans = split_lines(text)
    assert [text[s:e] for s, e in spans] == expected
    assert spans == sorted(spans)


# --- real articles ----------------------------------------------------------------------------------


def _seed(prefix: str) -> str:
    matches = sorted(SEEDS.glob(f"{prefix}_*.txt"))
    if not matches:
        pytest.skip(f"seed {prefix} not found")
    return matches[0].read_text(encoding="utf-8")


@pytest.mark.skipif(not SEEDS.is_dir(), reason="seed articles not available")
def test_seed_articles() -> None:
    texts = {p.name: p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))}
    for text in texts.values():
        check_invariants(text)
        out = sents(text)
        # "Mr Putin" (and any "Mr X") never ends a sentence.
        assert not any(s.endswith(("Mr", "Mr.")) for s in out)
        start = 0
        while (i := text.find("Mr Putin", start)) >= 0:
            assert any(s <= i and i + len("Mr Putin") <= e for s, e in split_sentences(text))
            start = i + 1

    t000 = _seed("000")
    out = sents(t000)
    assert any("Kassym-\nJomart was re-elected" in s for s in out)
    ad = [
        "Stream your news live & on demand with Flash.",
        "From CNN International, Al Jazeera, Sky News, BBC World, CNBC & more.",
        "New to Flash?",
        "Try 1 month free.",
        "Offer available for a limited time only >",
    ]
    i = out.index(ad[0])
    assert out[i : i + len(ad)] == ad

    out = sents(_seed("001"))
    assert "READ NEXT:" in out
    for item in [
        "Killer elephant's 2-year spree of terror finally over as 'cool customer' caught at last",
        "Woman hit by rollercoaster in 'worst crash docs had seen' finally out of hospital",
        "Three in 10 British boozers to close next year in huge blow for UK pubgoers",
    ]:
        assert item in out

    out = sents(_seed("002"))
    bullets = [
        s for s in out if s.startswith("Vladimir Putin") and s.endswith(("Meeting", "Health", "Lukasenko"))
    ]
    assert len(bullets) == 3
    assert not any(s.startswith("- ") for s in out)
    assert any(s.endswith("RadarOnline.com has learned.") for s in out)


def test_gap_pattern_finds_the_gaps_of_the_plain_two_branch_pattern():
    # _GAP opens with one character class so the regex engine can skip ahead; it must find
    # what the plain form finds: a punctuation run + closers + whitespace, or a line break.
    import random
    import re

    from tracer import segment

    wide = f"{segment._WIDE_TERMINAL}{segment._WIDE_CLOSERS}\u201d\u2019"
    plain = re.compile(
        f"([{segment._TERMINAL}]+)([{segment._CLOSERS}]*)(\\s+|(?<=[{wide}])(?=\\S))|[{segment._NL_CHARS}]\\s*"
    )
    rng = random.Random(5)
    alphabet = list(".!?\u2026\"')] \n\r\u2028\tab\u201dA1\u3002\u300d\u4e2d\uff01")
    for _ in range(5000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        for m, p in zip(segment._GAP.finditer(text), plain.finditer(text), strict=True):
            assert m.span() == p.span()
            if p.group(1) is None:
                assert m.end(1) == -1
            else:
                assert (m.start(), m.end(1), m.span(3)) == (p.start(1), p.end(1), p.span(3))


def test_chinese_and_japanese_sentences_end_at_their_stops_with_no_space() -> None:
    text = "市议会周一投票决定关闭旧图书馆。居民们奔走了数月！他们收集了签名？「行こう。」と彼は言った。End. Next"
    assert sents(text) == [
        "市议会周一投票决定关闭旧图书馆。", "居民们奔走了数月！", "他们收集了签名？", "「行こう。」", "と彼は言った。",
        "End.", "Next",
    ]  # fmt: skip
    check_invariants(text)
    assert sents("He said \u201cYes.\u201d Then left. 3.5 is 3.5") == [
        "He said \u201cYes.\u201d",
        "Then left.",
        "3.5 is 3.5",
    ]


def test_stops_of_other_scripts_end_sentences() -> None:
    assert sents("परिषद ने फैसला किया। निवासियों ने हस्ताक्षर एकत्र किए।") == [
        "परिषद ने फैसला किया।",
        "निवासियों ने हस्ताक्षर एकत्र किए।",
    ]
    assert sents("هل أغلقت المكتبة؟ وقال المسؤولون ذلك.") == ["هل أغلقت المكتبة؟", "وقال المسؤولون ذلك."]


def test_plain_word_shortcut_gives_the_answers_of_the_full_rules(monkeypatch):
    # A "." after _PLAIN_WORD letters is decided without the rules; with the shortcut off
    # (a length no word reaches), every sentence split must be the same.
    from tracer import segment

    words = (
        "Mr Dr approx Messrs MESSRS Inc Ltd U.S e.g i.e No Sept Jan St A J 12 2024 president Kremlin "
        "documents Parkinson's abcdefg ABCDEFG Abcdefgh approxim e.g.something \u00e9l\u00e8vement \u00aaaaaaaa"
    ).split()
    tails = [". ", ".  ", ".\n", ".\n\n", ". The ", ". he ", ". 3 ", '. "', ". (", " "]
    rng = random.Random(11)
    texts = [
        "".join(rng.choice(words) + rng.choice(tails) for _ in range(rng.randint(1, 12))) for _ in range(4000)
    ]
    fast = [split_sentences(t) for t in texts]
    monkeypatch.setattr(segment, "_PLAIN_WORD", 10**6)
    assert [split_sentences(t) for t in texts] == fast


def test_short_path_for_common_gaps_splits_as_the_general_path(monkeypatch):
    # ". " and ".\n\n" are decided on a short path; with it off (gaps never equal to these),
    # every split must be the same: titles, initials, bullets, headings, digits, quotes, ends.
    from tracer import segment

    pieces = (
        "Mr Dr approx vs said the a A J U.S Inc No 12 1 2024 president Kremlin abcdefg \u00e9t\u00e9 "
        '" \u201c ( - * \u2022 x. . .. ! ? \u2026'
    ).split()
    pieces += [". ", ". ", ".\n\n", ".\n\n", ".\n", "\n", " ", "  ", ".\n\n- ", ".\n\n* "]
    pieces += ["\n\n", ". 3", "\r\n"]
    rng = random.Random(21)
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 16))) for _ in range(20000)]
    texts += [_seed(n) for n in ("000", "001", "002", "003")]
    fast = [split_sentences(t) for t in texts]
    monkeypatch.setattr(segment, "_STOP_SPACE", "\x00")
    monkeypatch.setattr(segment, "_STOP_PARAGRAPH", "\x00")
    assert [split_sentences(t) for t in texts] == fast


@pytest.mark.parametrize("ascii_only", [True, False])
def test_line_table_finds_what_split_lines_finds(ascii_only: bool):
    from tracer.segment import line_table

    rng = random.Random(5)
    alphabet = list("ab .\n\r\t\x0b\x0c\x1c\x1d\x1e\x1fx")
    if not ascii_only:
        alphabet += list("\x85\u2028\u2029\u00a0\u3000\u200b\u2007\u201c")
    for _ in range(20000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 25)))
        starts, ends = line_table(text)
        assert list(zip(starts.tolist(), ends.tolist(), strict=True)) == split_lines(text), repr(text)


def test_split_lines_finds_what_the_line_pattern_finds():
    from tracer import segment

    rng = random.Random(3)
    alphabet = list("ab .\n\r\t\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029\u00a0\u3000\u200b\u2007x\u201c")
    for _ in range(20000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 25)))
        assert split_lines(text) == [m.span() for m in segment._LINE.finditer(text)], repr(text)


def test_period_shortcuts_give_the_answers_of_the_full_rules():
    # Every "." followed by whitespace, in texts of titles, abbreviations, lower-case words
    # that may or may not continue a sentence (before a digit or not), after spaces, tabs,
    # line breaks and quotes: the shortcuts answer as the rules do, across lines or not.
    import re

    from tracer import segment

    words = (
        "said vs eg cf viz approx incl no nos pp p v e.g i.e Mr mr Dr St Inc inc U.S A a 12 2024 year "
        "years president approxim \u00e9t\u00e9 l\u00e0 \"no 'vs (eg documents\u2019 co ltd"
    ).split()
    seps = [" ", "  ", "\t", "\n", " \u201c", '"', "(", "\u00a0"]
    tails = [". ", ".  ", ".\n", ". 3 ", ". The ", ". he ", '. "', ". (", ".\t7"]
    rng = random.Random(12)
    checked = 0
    for _ in range(3000):
        text = "".join(
            rng.choice(seps) + rng.choice(words) + rng.choice(tails) for _ in range(rng.randint(1, 8))
        )
        for m in re.finditer(r"(?<!\.)\.(?!\.)\s+", text):
            p, q = m.start(), m.end()
            if q >= len(text):
                continue
            for line_start in (0, p):
                for across in (False, True):
                    assert segment._period_continues(text, p, q, line_start, across) == (
                        segment._period_continues_by_rules(text, p, q, line_start, across)
                    ), (text, p)
                    checked += 1
    assert checked > 20000


def _split_each(texts: list[str]) -> tuple[list[list[tuple[int, int]]], list[list[tuple[int, int]]]]:
    """split_many's spans of each text beside split_sentences'."""
    from tracer.segment import split_many

    starts, ends, counts = split_many(texts)
    assert starts.dtype == ends.dtype == counts.dtype == "int64" and len(counts) == len(texts)
    got, first = [], 0
    for n in counts.tolist():
        got.append(
            list(zip(starts[first : first + n].tolist(), ends[first : first + n].tolist(), strict=True))
        )
        first += n
    assert first == len(starts)
    return got, [split_sentences(t) for t in texts]


@pytest.mark.parametrize("alphabet", ["pieces", "words", "beyond_bmp"])
def test_split_many_splits_each_text_as_split_sentences(alphabet: str):
    # split_many decides ". " and ".\n\n" gaps for a batch at once, the others text by text: the
    # spans must be split_sentences' whatever the texts and wherever one ends and the next starts.
    pieces = (
        "Mr Dr approx vs said the a A J U.S Inc No no pp 12 1 2024 president Kremlin abcdefg \u00e9t\u00e9 "
        '" \u201c ( - * \u2022 x. . .. ! ? \u2026 \u00c9 \u0663 cf incl'
    ).split()
    pieces += [". ", ". ", ".\n\n", ".\n\n", ".\n", "\n", " ", "  ", ".\n\n- ", ".\n\n* ", "\n\n", ". 3"]
    pieces += ["\r\n", ".\n\n ", ".\n\n\n", ". \u00a0", ".\u2029", "\u2028", ".\u201d ", "?! "]
    if alphabet == "words":
        pieces = [w + tail for w in pieces[:40] for tail in (". ", ".\n\n", " ", ". The ", ". 3 ")]
    if alphabet == "beyond_bmp":
        pieces += ["\U0001f600", "\U0001d400. ", ". \U0001d400"]
    rng = random.Random(7)
    for _ in range(60):
        texts = [
            "".join(rng.choice(pieces) for _ in range(rng.randint(0, 16))) for _ in range(rng.randint(1, 80))
        ]
        got, expected = _split_each(texts)
        assert got == expected


@pytest.mark.parametrize("stretch", [11, 64])
def test_split_many_finds_gaps_stretch_by_stretch_as_at_once(stretch: int, monkeypatch):
    # A long article's gaps are found a stretch of characters at a time: the decisions near a
    # stretch's ends read characters of the stretches beside it.
    from tracer import segment

    monkeypatch.setattr(segment, "_GAP_STRETCH", stretch)
    pieces = 'Mr no pp 12 U.S abcdefg \u00e9t\u00e9 " ( - \u2022 x. .. ! ? \u2026 \U0001d400'.split()
    pieces += [". ", ". ", ".\n\n", ".\n", "\n", " ", ".\n\n- ", "\n\n", ". 3", "\r\n", ".\u2029", ". The "]
    rng = random.Random(11)
    for _ in range(12):
        texts = [
            "".join(rng.choice(pieces) for _ in range(rng.randint(0, 40))) for _ in range(rng.randint(1, 12))
        ]
        got, expected = _split_each(texts)
        assert got == expected
    for texts in ([""], ["It ended.\n\n", "Then.\n\nAgain. And again."], ["No. 3 is here. Mr. Smith came."]):
        assert _split_each(texts)[0] == _split_each(texts)[1]


def test_split_many_of_edge_batches_and_the_seeds():
    assert _split_each([])[0] == []
    for texts in (
        [""],
        ["", " ", "\n"],
        ["It ended.\n", "Then it went on. It did."],  # a stop before the joining line break
        ["It ended.\n\n", "Then.\n\nAgain. And again."],
        ["It ended. ", "Then.", "No. 3 is here. Mr. Smith came. U.S. officials said so."],
        ["Plain ASCII only. All of it.", "Second one. Yes."],
    ):
        got, expected = _split_each(texts)
        assert got == expected, texts
    seeds = [_seed(n) for n in ("000", "001", "002", "003")]
    got, expected = _split_each(seeds)
    assert got == expected
