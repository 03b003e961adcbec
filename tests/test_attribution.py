"""tracer.attribution: explicit credit ("according to X", "X reported", ...) near a reused span."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from tracer.attribution import PATTERNS, Aliases, Credit, find_credits
from tracer.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
RUMOUR = ROOT / "fixtures" / "rumour"
SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"

CORPUS = ["The Daily Beacon", "Capital Wire", "Metro Ledger", "Northern Courier", "The Evening Sentinel"]


@pytest.fixture(scope="module")
def aliases() -> Aliases:
    return Aliases.default(CORPUS)


def credits_in(text: str, aliases: Aliases, own: str | None = None, window: int = 1) -> list[Credit]:
    """Credits around the whole of a one-sentence example."""
    return find_credits(text, (0, len(text)), aliases, own_outlet=own, window=window)


def span_of(text: str, part: str) -> tuple[int, int]:
    start = text.index(part)
    return start, start + len(part)


def summary(credits: list[Credit]) -> list[tuple[str, str, str, bool]]:
    return [(c.outlet, c.phrase, c.pattern, c.external) for c in credits]


# --- Aliases ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written, canonical",
    [
        ("the Sun", "The Sun"),
        ("Sun", "The Sun"),
        ("The Sun", "The Sun"),
        ("THE SUN", "The Sun"),
        ("the Sun's", "The Sun"),
        ("\u201cthe Sun,\u201d", "The Sun"),
        ("Daily Mail", "MailOnline"),
        ("the Daily Mail", "MailOnline"),
        ("MailOnline", "MailOnline"),
        ("Mail Online", "MailOnline"),
        ("DailyMail.com", "MailOnline"),
        ("Daily Star", "Daily Star"),
        ("the Daily Star", "Daily Star"),
        ("Daily Express", "Daily Express"),
        ("Express.co.uk", "Daily Express"),
        ("the Express", "Daily Express"),
        ("Mirror", "Daily Mirror"),
        ("the Daily Mirror", "Daily Mirror"),
        ("RadarOnline", "RadarOnline.com"),
        ("RadarOnline.com", "RadarOnline.com"),
        ("Radar", "RadarOnline.com"),
        ("OK!", "OK! Magazine"),
        ("OK! Magazine", "OK! Magazine"),
        ("New York Post", "New York Post"),
        ("the Post", "New York Post"),
        ("The Times", "The Times"),
        ("the Guardian", "The Guardian"),
        ("The Telegraph", "The Telegraph"),
        ("Reuters", "Reuters"),
        ("AP", "Associated Press"),
        ("the Associated Press", "Associated Press"),
        ("AFP", "AFP"),
        ("the BBC", "BBC"),
        ("CNN", "CNN"),
        ("Newsweek", "Newsweek"),
        ("TASS", "TASS"),
        ("Sky News", "Sky News"),
        ("PA", "PA Media"),
        ("the Press Association", "PA Media"),
        ("the PA news agency", "PA Media"),
        ("Xinhua", "Xinhua"),
        ("PTI", "Press Trust of India"),
        ("Canadian Press", "The Canadian Press"),
    ],
)
def test_builtin_table(written: str, canonical: str) -> None:
    assert Aliases.default().resolve(written) == canonical


@pytest.mark.parametrize(
    "written, canonical",
    [
        ("The Sunday Herald", "The Sunday Herald"),  # capital "The" kept
        ("the Sunday Herald", "Sunday Herald"),  # lower-case "the" dropped
        ("Kyiv Independent", "Kyiv Independent"),
        ("Norvania Broadcasting Agency", "Norvania Broadcasting Agency"),
        ("Halvik TV", "Halvik TV"),
        ("Example.news", "Example.news"),
        ("norvania-today.co.uk", "norvania-today.co.uk"),
    ],
)
def test_look_alike_outlets(written: str, canonical: str) -> None:
    assert Aliases.default().resolve(written) == canonical


@pytest.mark.parametrize(
    "written",
    [
        "Kremlin",
        "the Kremlin",
        "Anton Gerashchenko",
        "Mr Varek",
        "Petra Lund",
        "Valery Solovey",
        "Chancellery",
        "Getty Images",
        "mega",
        "Shutterstock",
        "twitter.com",
        "Press Secretary Ilse Brandt",
        "Monday Post",
        "",
        "   ",
        "the",
        "reporters",
    ],
)
def test_not_outlets(written: str) -> None:
    assert Aliases.default().resolve(written) is None


def test_corpus_outlets_with_or_without_the(aliases: Aliases) -> None:
    assert aliases.resolve("the Daily Beacon") == "The Daily Beacon"
    assert aliases.resolve("Daily Beacon") == "The Daily Beacon"
    assert aliases.resolve("the daily beacon") == "The Daily Beacon"
    assert aliases.resolve("the Northern Courier") == "Northern Courier"
    assert aliases.resolve("The Northern Courier") == "Northern Courier"
    assert aliases.resolve("the Evening Sentinel") == "The Evening Sentinel"
    # A look-alike that ends exactly one corpus outlet's name is that outlet.
    assert aliases.resolve("the Beacon") == "The Daily Beacon"
    assert aliases.resolve("the Ledger") == "Metro Ledger"
    assert aliases.is_corpus_outlet("The Daily Beacon")
    assert aliases.is_corpus_outlet("Daily Beacon")
    assert aliases.is_corpus_outlet("Capital Wire")
    assert not aliases.is_corpus_outlet("The Sun")
    assert not aliases.is_corpus_outlet("The Sunday Herald")
    assert aliases.corpus_outlets == frozenset(CORPUS)


def test_corpus_outlet_takes_over_builtin_group() -> None:
    aliases = Aliases.default(["Daily Mail"])
    assert aliases.resolve("MailOnline") == "Daily Mail"
    assert aliases.resolve("the Daily Mail") == "Daily Mail"
    assert aliases.is_corpus_outlet("Daily Mail")
    assert not aliases.is_corpus_outlet("MailOnline")


def test_from_file_json(tmp_path: Path) -> None:
    path = tmp_path / "aliases.json"
    path.write_text(
        json.dumps({"Beacon": "the daily beacon", "Glint": "Glint TV", "Norvania Today": "Norvania Today"}),
        encoding="utf-8",
    )
    aliases = Aliases.from_file(str(path), CORPUS)
    assert aliases.resolve("Beacon") == "The Daily Beacon"  # canonical matched to the corpus outlet
    assert aliases.resolve("Glint") == "Glint TV"
    assert aliases.resolve("Norvania Today") == "Norvania Today"  # no news word, but in the table
    assert aliases.resolve("the Sun") == "The Sun"  # built-in table still there
    text = "The chancellor is ill, according to Norvania Today."
    assert summary(credits_in(text, aliases)) == [
        ("Norvania Today", "according to Norvania Today", "according-to", True)
    ]


def test_from_file_csv(tmp_path: Path) -> None:
    path = tmp_path / "aliases.csv"
    path.write_text(
        "alias,outlet\nThe Ledger,Metro Ledger\n\n# a comment\nBrask Radio 4,Brask Radio\n", "utf-8"
    )
    aliases = Aliases.from_file(str(path), CORPUS)
    assert aliases.resolve("the Ledger") == "Metro Ledger"
    assert aliases.resolve("Brask Radio 4") == "Brask Radio"
    assert aliases.is_corpus_outlet(aliases.resolve("the Ledger") or "")


def test_from_file_csv_columns_in_any_order(tmp_path: Path) -> None:
    path = tmp_path / "aliases.txt"
    path.write_text("outlet, alias\nCapital Wire,CapWire\n", "utf-8")
    assert Aliases.from_file(str(path), CORPUS).resolve("CapWire") == "Capital Wire"


@pytest.mark.parametrize(
    "name, content, fragment",
    [
        ("bad.json", '{"Beacon": ', "invalid JSON"),
        ("list.json", '["Beacon", "The Daily Beacon"]', "expected a JSON object"),
        ("value.json", '{"Beacon": 3}', "non-empty string"),
        ("empty.json", "  \n", "empty"),
        ("header.csv", "name,paper\nBeacon,The Daily Beacon\n", "alias or outlet column"),
        ("row.csv", "alias,outlet\nBeacon\n", "both an alias and an outlet"),
    ],
)
def test_from_file_errors(tmp_path: Path, name: str, content: str, fragment: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as info:
        Aliases.from_file(str(path))
    assert fragment in str(info.value)
    assert info.value.path == str(path)
    assert info.value.hint


def test_from_file_missing_and_binary(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read"):
        Aliases.from_file(str(tmp_path / "nope.json"))
    path = tmp_path / "binary.csv"
    path.write_bytes(b"alias,outlet\n\xff\xfe\x00\n")
    with pytest.raises(InputError, match="UTF-8"):
        Aliases.from_file(str(path))


# --- patterns --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "The minister resigned on Friday, according to The Daily Beacon.",
            ("The Daily Beacon", "according to The Daily Beacon", "according-to", False),
        ),
        (
            "According to a report in the Guardian, the talks collapsed.",
            ("The Guardian", "According to a report in the Guardian", "according-to", True),
        ),
        (
            "The Chancellery's response, as reported by Capital Wire, was swift.",
            ("Capital Wire", "as reported by Capital Wire", "reported", False),
        ),
        (
            "The images were first reported by Metro Ledger.",
            ("Metro Ledger", "first reported by Metro Ledger", "reported", False),
        ),
        (
            "The story was reported by the BBC late on Tuesday.",
            ("BBC", "reported by the BBC", "reported", True),
        ),
        (
            "Metro Ledger reported on Saturday that he had been photographed.",
            ("Metro Ledger", "Metro Ledger reported", "reported", False),
        ),
        ("The Sun has reported that he is ill.", ("The Sun", "The Sun has reported", "reported", True)),
        (
            "As RadarOnline.com previously reported, the visit was secret.",
            ("RadarOnline.com", "RadarOnline.com previously reported", "reported", True),
        ),
        (
            "The Guardian revealed the plan last year.",
            ("The Guardian", "The Guardian revealed", "reported", True),
        ),
        (
            "On Monday Metro Ledger reported the visit.",
            ("Metro Ledger", "Metro Ledger reported", "reported", False),
        ),
        (
            "Kyiv Independent reported the strike.",
            ("Kyiv Independent", "Kyiv Independent reported", "reported", True),
        ),
        (
            "The records were obtained by the Daily Beacon at the start of the month.",
            ("The Daily Beacon", "obtained by the Daily Beacon", "obtained-by", False),
        ),
        (
            "The twitches come after the Sun obtained leaked spy documents.",
            ("The Sun", "the Sun obtained", "obtained-by", True),
        ),
        (
            "Documents seen by the Telegraph show the deal.",
            ("The Telegraph", "seen by the Telegraph", "obtained-by", True),
        ),
        (
            "A video of the incident obtained by Daily Mail shows him stumble.",
            ("MailOnline", "obtained by Daily Mail", "obtained-by", True),
        ),
        (
            "The leader was caught twitching his leg, RadarOnline.com has learned.",
            ("RadarOnline.com", "RadarOnline.com has learned", "has-learned", True),
        ),
        (
            "The Daily Star has learnt that the trip was cancelled.",
            ("Daily Star", "The Daily Star has learnt", "has-learned", True),
        ),
        ("The Sun can reveal the plan.", ("The Sun", "The Sun can reveal", "has-learned", True)),
        (
            '"It was a shock," a nurse told Metro Ledger on Friday.',
            ("Metro Ledger", "told Metro Ledger", "told", False),
        ),
        (
            "Speaking to the Sunday Herald, he denied it.",
            ("Sunday Herald", "Speaking to the Sunday Herald", "told", True),
        ),
        (
            "In an interview with The Sunday Times, he denied it.",
            ("The Sunday Times", "In an interview with The Sunday Times", "told", True),
        ),
        (
            "He told Metro Ledger Chancellor Varek was ill.",
            ("Metro Ledger", "told Metro Ledger", "told", False),
        ),
        (
            "Markets fell, citing the New York Post.",
            ("New York Post", "citing the New York Post", "citing", True),
        ),
        (
            "Analysts were citing a report in Bloomberg.",
            ("Bloomberg", "citing a report in Bloomberg", "citing", True),
        ),
        ("Reuters said the talks had failed.", ("Reuters", "Reuters said", "said", True)),
        ("The BBC says the talks had failed.", ("BBC", "The BBC says", "said", True)),
        (
            "The Northern Courier claimed he was ill.",
            ("Northern Courier", "The Northern Courier claimed", "said", False),
        ),
        ("Source: The Sun", ("The Sun", "Source: The Sun", "source", True)),
        ("Source: Capital Wire", ("Capital Wire", "Source: Capital Wire", "source", False)),
        (
            "The story, according to OK! Magazine, is untrue.",
            ("OK! Magazine", "according to OK! Magazine", "according-to", True),
        ),
        (
            "Putin is ill pic.twitter.com/abc \u2014 Mykha\u00efl Golub (@golub) August 16, 2025",
            ("@golub", "Mykha\u00efl Golub (@golub) August 16, 2025", "tweet", True),
        ),
    ],
)
def test_credit_patterns(aliases: Aliases, text: str, expected: tuple[str, str, str, bool]) -> None:
    credits = credits_in(text, aliases, own="The Evening Sentinel")
    assert summary(credits) == [expected]
    (credit,) = credits
    assert text[credit.start : credit.end] == credit.phrase
    assert credit.pattern in PATTERNS


@pytest.mark.parametrize(
    "text",
    [
        # people saying or telling things
        "Mr Varek said the talks had failed.",
        "Sharing a clip, Ukrainian official Anton Gerashchenko said it was Morse code.",
        "Committee chair Petra Lund said the reports were serious.",
        "According to Valery Solovey, the leader is ill.",
        "Solovey recently revealed the diagnosis.",
        "He told reporters it was fine.",
        "Mr Tokayev told Mr Putin last week that peace mattered.",
        "Jakob Evers told the chamber that the public had been misled.",
        "A press officer said the cane was needed.",
        "Independent experts said it was fine.",
        "According to his official schedule, he met farmers.",
        # institutions
        "However, Kremlin officials deny that their leader is in poor health.",
        "The Kremlin said nothing.",
        "A spokesman for the Chancellery said the claims were false.",
        # photo credits and syndication boilerplate
        "Source: Getty Images Chancellor Aldo Varek addresses supporters.",
        "Source: mega Vladimir Putin is 72 years old.",
        "Source: @golub/X Vladimir Putin's legs twitched.",
        "Source: Splash News The singer arrives at the gala.",
        "Source: AP Photo",
        "Source: Read Full Article",
        "Picture: Reuters",
        "Photo: PA Images",
        "Image: Shutterstock",
        "Credit: Alamy",
        # unattributed
        "The latest twist comes three weeks after this newspaper revealed the file.",
        "The chancellor, 61, is said in medical files that leaked to the press to be ill.",
        "Leaked hospital records show that the chancellor is ill.",
    ],
)
def test_not_credits(aliases: Aliases, text: str) -> None:
    assert credits_in(text, aliases) == []


def test_self_reference_is_dropped(aliases: Aliases) -> None:
    told = '"It was a shock," the nurse, who asked not to be named, told Metro Ledger.'
    assert credits_in(told, aliases, own="Metro Ledger") == []
    assert credits_in(told, aliases, own="metro ledger") == []
    assert [c.outlet for c in credits_in(told, aliases, own="Capital Wire")] == ["Metro Ledger"]
    wire = "Shopkeepers on Weaver Street told Capital Wire that trade fell by a third."
    assert credits_in(wire, aliases, own="Capital Wire") == []
    radar = "The leader was caught twitching his leg, RadarOnline.com has learned."
    assert credits_in(radar, Aliases.default(), own="RadarOnline.com") == []
    assert credits_in(radar, Aliases.default(), own="RadarOnline") == []
    beacon = "The records were obtained by the Daily Beacon."
    assert credits_in(beacon, aliases, own="The Daily Beacon") == []


def test_text_order_and_dedup_by_outlet(aliases: Aliases) -> None:
    text = (
        "The Sun reported the visit. It was also covered, according to Metro Ledger. "
        "According to the Sun, the chancellor was there for hours."
    )
    credits = credits_in(text, aliases)
    assert summary(credits) == [
        ("The Sun", "The Sun reported", "reported", True),
        ("Metro Ledger", "according to Metro Ledger", "according-to", False),
    ]
    assert credits[0].start == 0 and credits[1].start == text.index("according to Metro")


def test_window_counts_sentences(aliases: Aliases) -> None:
    text = (
        "The records were obtained by the Daily Beacon. The files run to forty pages. "
        "Leaked hospital records show that he is ill. The files are dated February. "
        "That is according to Metro Ledger."
    )
    span = span_of(text, "Leaked hospital records show")
    assert find_credits(text, span, aliases, window=0) == []
    assert find_credits(text, span, aliases) == []
    assert [c.outlet for c in find_credits(text, span, aliases, window=2)] == [
        "The Daily Beacon",
        "Metro Ledger",
    ]
    # A span over several sentences covers all of them.
    span = (text.index("The files run"), text.index("The files are") + 5)
    assert [c.outlet for c in find_credits(text, span, aliases)] == ["The Daily Beacon", "Metro Ledger"]
    # A span in the whitespace between sentences takes the next sentence.
    gap = text.index(" Leaked")
    assert [c.outlet for c in find_credits(text, (gap, gap), aliases, window=1)] == []


def test_bad_arguments(aliases: Aliases) -> None:
    with pytest.raises(ValueError):
        find_credits("short", (0, 10), aliases)
    with pytest.raises(ValueError):
        find_credits("short", (3, 2), aliases)
    with pytest.raises(ValueError):
        find_credits("short", (0, 5), aliases, window=-1)
    assert find_credits("", (0, 0), aliases) == []
    assert find_credits("   \n  ", (1, 2), aliases) == []


# --- the bundled rumour corpus ---------------------------------------------------------------

_HEADER = re.compile(r"^(outlet|date|url):[ \t]*(.*)$")


def _outlet(text: str) -> str:
    for line in text.splitlines():
        m = _HEADER.match(line)
        if m is None:
            break
        if m.group(1) == "outlet":
            return m.group(2).strip()
    raise AssertionError("no outlet: header")


def _rumour() -> tuple[dict[str, str], dict[str, str], dict]:
    texts = {p.name: p.read_text(encoding="utf-8") for p in sorted((RUMOUR / "articles").glob("*.txt"))}
    outlets = {name: _outlet(text) for name, text in texts.items()}
    truth = json.loads((RUMOUR / "truth.json").read_text(encoding="utf-8"))
    return texts, outlets, truth


_TEXTS, _OUTLETS, _TRUTH = _rumour()
_MEMBERS = [
    pytest.param(claim["id"], member, id=f"{claim['id']}-{member['file']}")
    for claim in _TRUTH["claims"]
    for member in claim["members"]
    if member["edit"] != "origin"
]
# Credits the truth file records but that sit further than one sentence from the member.
# 05_northern-courier.txt, claim A: "The records were obtained by the Daily Beacon ..." comes two
# sentences after the copied sentence ("The files, which run to more than forty pages, ..." is
# in between), so the default window of 1 misses it.
_FAR = {("A", "05_northern-courier.txt"): 2}


@pytest.fixture(scope="module")
def corpus_aliases() -> Aliases:
    return Aliases.default(sorted(set(_OUTLETS.values())))


def test_rumour_headers_match_truth() -> None:
    assert _OUTLETS == {name: art["outlet"] for name, art in _TRUTH["articles"].items()}


@pytest.mark.parametrize("claim, member", _MEMBERS)
def test_rumour_credits_match_truth(corpus_aliases: Aliases, claim: str, member: dict) -> None:
    text = _TEXTS[member["file"]]
    span = span_of(text, member["text"])
    window = _FAR.get((claim, member["file"]), 1)
    credits = find_credits(text, span, corpus_aliases, own_outlet=_OUTLETS[member["file"]], window=window)
    if member["credited"]:
        assert member["credit_to"] in [c.outlet for c in credits]
        credit = next(c for c in credits if c.outlet == member["credit_to"])
        assert credit.external == (member["credit_to"] not in _OUTLETS.values())
    else:
        assert credits == []
    for c in credits:
        assert text[c.start : c.end] == c.phrase


def test_rumour_far_credit_needs_window_two(corpus_aliases: Aliases) -> None:
    """The one truth entry whose credit is two sentences away (reported upstream, not edited)."""
    name = "05_northern-courier.txt"
    text = _TEXTS[name]
    member = next(m for c in _TRUTH["claims"] if c["id"] == "A" for m in c["members"] if m["file"] == name)
    span = span_of(text, member["text"])
    assert find_credits(text, span, corpus_aliases, own_outlet=_OUTLETS[name]) == []
    assert [
        c.outlet for c in find_credits(text, span, corpus_aliases, own_outlet=_OUTLETS[name], window=2)
    ] == ["The Daily Beacon"]


def test_rumour_whole_files(corpus_aliases: Aliases) -> None:
    """Every credit anywhere in each article (own outlet dropped): no photo credit, no person."""
    found = {
        name: summary(find_credits(text, (0, len(text)), corpus_aliases, own_outlet=_OUTLETS[name]))
        for name, text in _TEXTS.items()
    }
    assert {name: credits for name, credits in found.items() if credits} == {
        "03_metro-ledger.txt": [("The Daily Beacon", "according to The Daily Beacon", "according-to", False)],
        "04_capital-wire.txt": [("Metro Ledger", "Metro Ledger reported", "reported", False)],
        "05_northern-courier.txt": [
            ("The Daily Beacon", "obtained by the Daily Beacon", "obtained-by", False)
        ],
        "07_daily-beacon.txt": [("Metro Ledger", "first reported by Metro Ledger", "reported", False)],
        "08_metro-ledger.txt": [
            ("Northern Courier", "according to the Northern Courier", "according-to", False),
            ("Capital Wire", "as reported by Capital Wire", "reported", False),
        ],
        "09_evening-sentinel.txt": [
            ("The Sunday Herald", "according to The Sunday Herald", "according-to", True)
        ],
        "15_evening-sentinel.txt": [("Metro Ledger", "Metro Ledger reported", "reported", False)],
    }


def test_rumour_photo_credit_lines(corpus_aliases: Aliases) -> None:
    text = _TEXTS["09_evening-sentinel.txt"]
    span = span_of(text, "Source: Getty Images")
    assert find_credits(text, span, corpus_aliases, own_outlet="The Evening Sentinel", window=0) == []
    text = _TEXTS["10_capital-wire.txt"]
    span = span_of(text, "Picture: Reuters")
    assert find_credits(text, span, corpus_aliases, own_outlet="Capital Wire", window=0) == []


# --- the real seeds --------------------------------------------------------------------------


def _seed(prefix: str) -> str:
    paths = sorted(SEEDS.glob(f"{prefix}_*.txt")) if SEEDS.is_dir() else []
    if not paths:
        pytest.skip(f"seed {prefix} not present in {SEEDS}")
    return paths[0].read_text(encoding="utf-8")


def test_seed_001_the_sun_obtained() -> None:
    text = _seed("001")
    aliases = Aliases.default(["Daily Star"])
    credits = find_credits(text, span_of(text, "leaked spy documents"), aliases, own_outlet="Daily Star")
    assert summary(credits) == [("The Sun", "the Sun obtained", "obtained-by", True)]
    assert find_credits(text, span_of(text, "Kremlin officials deny"), aliases, own_outlet="Daily Star") == []
    assert find_credits(text, span_of(text, "Is this Morse code?"), aliases, own_outlet="Daily Star") == []
    whole = find_credits(text, (0, len(text)), aliases, own_outlet="Daily Star")
    assert [c.outlet for c in whole] == ["The Sun"]


def test_seed_002_radar_and_daily_mail() -> None:
    text = _seed("002")
    aliases = Aliases.default(["RadarOnline.com"])
    own = "RadarOnline.com"
    assert find_credits(text, span_of(text, "twitching his leg uncontrollably this week"), aliases, own) == []
    credits = find_credits(text, span_of(text, "struggled to control his own foot"), aliases, own)
    assert summary(credits) == [("MailOnline", "obtained by Daily Mail", "obtained-by", True)]
    assert find_credits(text, span_of(text, "psycho-neurological in nature"), aliases, own) == []


def test_seed_003_photo_credits_and_tweet() -> None:
    text = _seed("003")
    aliases = Aliases.default()
    for part in (
        "health has been rumored to be on the decline",
        "Vladimir Putin is 72 years old",
        "The Russian leader is said to have Parkinson",
        "Social media users agreed",
    ):
        assert find_credits(text, span_of(text, part), aliases) == [], part
    credits = find_credits(text, span_of(text, "legs are spasming uncontrollably"), aliases)
    assert [(c.outlet, c.pattern, c.external) for c in credits] == [("@golub", "tweet", True)]
    assert [c.outlet for c in find_credits(text, (0, len(text)), aliases)] == ["@golub"]


def test_long_runs_of_capitalised_words_stay_fast(aliases: Aliases) -> None:
    """Names are at most six words, so no input makes the patterns backtrack for long."""
    for text in ("Word " * 5000, "Source: " + "Big " * 5000, "Word Big " * 3000 + "reported"):
        started = time.perf_counter()
        assert find_credits(text, (0, 10), aliases) == []
        assert time.perf_counter() - started < 5


def test_credits_found_once_per_region_are_those_found_each_time(corpus_aliases: Aliases) -> None:
    """A caller's ``seen_regions`` (a claims task's) changes nothing found, wherever the same
    paragraph is printed: alone, after other text, by another outlet."""
    from tracer.segment import split_sentences

    seen: dict[str, list[Credit]] = {}
    calls = found = 0
    for name, text in _TEXTS.items():
        for printed in (text, "Breaking.\n\n" + text, "A longer lead of another paper.  " + text):
            for start, end in split_sentences(printed):
                for own in (_OUTLETS[name], "Metro Ledger", None):
                    want = find_credits(printed, (start, end), corpus_aliases, own)
                    got = find_credits(printed, (start, end), corpus_aliases, own, 1, None, seen)
                    assert got == want, (name, printed[start:end])
                    calls += 1
                    found += len(got)
    assert found > 20
    assert len(seen) < calls / 4  # each region once, however often it was asked about


# --- credits in other languages ----------------------------------------------------------------

_EUROPE = [
    "Le Monde",
    "Le Parisien",
    "Der Spiegel",
    "Süddeutsche Zeitung",
    "El País",
    "La Stampa",
    "De Volkskrant",
]


@pytest.mark.parametrize(
    "text, outlet, phrase, pattern",
    [
        ("Selon Le Monde, le Grand Conseil a voté une aide.", "Le Monde", "Selon Le Monde", "according-to"),
        ("D'après le Monde, le Grand Conseil a voté une aide.", "Le Monde", "D'après le Monde", "according-to"),
        ("Selon le quotidien Le Monde, le conseil a voté.", "Le Monde", "Selon le quotidien Le Monde", "according-to"),
        ("Le conseil a voté, selon les informations du Parisien.", "Le Parisien",
         "selon les informations du Parisien", "according-to"),
        ("Le conseil a voté une aide, a révélé Le Parisien.", "Le Parisien", "a révélé Le Parisien", "reported"),
        ("Le Monde a révélé que le conseil a voté une aide.", "Le Monde", "Le Monde a révélé", "reported"),
        ("Le ministre a déclaré au Parisien que l'aide était votée.", "Le Parisien", "a déclaré au Parisien", "told"),
        ("Selon l'AFP, le Grand Conseil a voté.", "AFP", "Selon l'AFP", "according-to"),
        ("Wie der Spiegel berichtet, hat der Stadtrat beschlossen.", "Der Spiegel", "Spiegel berichtet", "reported"),
        ("Wie die Süddeutsche Zeitung berichtet, hat der Rat beschlossen.", "Süddeutsche Zeitung",
         "Süddeutsche Zeitung berichtet", "reported"),
        ("Laut Spiegel hat der Stadtrat beschlossen.", "Der Spiegel", "Laut Spiegel", "according-to"),
        ("Dem Spiegel zufolge hat der Stadtrat beschlossen.", "Der Spiegel", "Spiegel zufolge", "according-to"),
        ("Der Rat hat beschlossen, berichtete der Spiegel am Dienstag.", "Der Spiegel", "berichtete der Spiegel",
         "reported"),
        ("Laut der Süddeutschen Zeitung hat der Rat beschlossen.", "Süddeutsche Zeitung",
         "Laut der Süddeutschen Zeitung", "according-to"),
        ("Según el diario El País, el gobierno aprobó la ley.", "El País", "Según el diario El País", "according-to"),
        ("El gobierno aprobó la ley, informó El País.", "El País", "informó El País", "reported"),
        ("Secondo il Corriere della Sera, il governo ha approvato la legge.", "Corriere della Sera",
         "Secondo il Corriere della Sera", "according-to"),
        ("Il governo ha approvato la legge, riporta La Stampa.", "La Stampa", "riporta La Stampa", "reported"),
        ("Volgens de Volkskrant heeft het kabinet besloten.", "De Volkskrant", "Volgens de Volkskrant", "according-to"),
    ],
)  # fmt: skip
def test_credits_in_other_languages(text: str, outlet: str, phrase: str, pattern: str) -> None:
    credits = credits_in(text, Aliases.default(_EUROPE))
    assert [(c.outlet, c.phrase, c.pattern) for c in credits] == [(outlet, phrase, pattern)]
    assert text[credits[0].start : credits[0].end] == phrase


@pytest.mark.parametrize(
    "text",
    [
        "Selon le ministre, le Grand Conseil a voté.",
        "Laut der Zeitung hat der Stadtrat beschlossen.",
        "Laut Bürgermeister Müller hat der Stadtrat beschlossen.",
        "Según el Gobierno, la ley fue aprobada.",
        "Emmanuel Macron a révélé son plan mardi.",
        "Secondo il ministro, la legge è stata approvata.",
    ],
)
def test_people_and_common_nouns_in_other_languages_are_no_credits(text: str) -> None:
    assert credits_in(text, Aliases.default(_EUROPE)) == []


def test_a_papers_name_is_found_without_its_article() -> None:
    aliases = Aliases.default(["Le Monde", "Die Zeit", "La Stampa"])
    assert [aliases.resolve(n) for n in ("Monde", "le Monde", "Zeit", "der Zeit", "Stampa")] == [
        "Le Monde", "Le Monde", "Die Zeit", "Die Zeit", "La Stampa",
    ]  # fmt: skip
    assert aliases.resolve("The Times") == "The Times" and aliases.resolve("Times") == "The Times"


@pytest.mark.parametrize(
    "text, outlet",
    [
        ("Le conseil a voté la fermeture, selon The Meridian Observer.", "The Meridian Observer"),
        ("Der Rat hat beschlossen, berichtete The Evening Sentinel.", "The Evening Sentinel"),
    ],
)
def test_a_credit_in_another_language_to_an_outlet_named_in_english(text: str, outlet: str) -> None:
    credits = credits_in(text, Aliases.default(["The Meridian Observer", "The Evening Sentinel"]))
    assert [c.outlet for c in credits] == [outlet]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("GRIMSBY, England (Reuters) - A pangolin escaped.", [("Reuters", "(Reuters)", "dateline")]),
        ("WASHINGTON (AP) \u2014 The Senate voted.", [("Associated Press", "(AP)", "dateline")]),
        ("BEIJING, May 1 (Xinhua) -- China launched a probe.", [("Xinhua", "(Xinhua)", "dateline")]),
        ("He told the PA news agency he would go.", [("PA Media", "told the PA", "told")]),
        ("A pangolin escaped. (dpa)", [("dpa", "(dpa)", "dateline")]),
        (
            "A pangolin escaped. (dpa/AFP)",
            [("dpa", "(dpa/AFP)", "dateline"), ("AFP", "(dpa/AFP)", "dateline")],
        ),
        ("Shares fell (Reuters).", [("Reuters", "(Reuters)", "dateline")]),
        ("A pangolin escaped, via Reuters.", [("Reuters", "via Reuters", "via")]),
        (
            "Reuters contributed to this report.",
            [("Reuters", "Reuters contributed to this report", "contributed")],
        ),
        (
            "Additional reporting by Reuters and Jo Bloggs.",
            [("Reuters", "Additional reporting by Reuters", "contributed")],
        ),
    ],
)
def test_wire_credits(aliases: Aliases, text: str, expected: list[tuple[str, str, str]]) -> None:
    assert [(c.outlet, c.phrase, c.pattern) for c in credits_in(text, aliases)] == expected


@pytest.mark.parametrize(
    "text",
    [
        "The keeper (pictured) - who was sacked - spoke.",
        "He posted it via Twitter.",
        "They met via Zoom.",
        "Reporting by Jo Bloggs; Editing by Ann Other.",
        "Shares in the firm (NASDAQ) - rose.",
    ],
)
def test_what_is_no_wire_credit(aliases: Aliases, text: str) -> None:
    assert credits_in(text, aliases) == []


def test_an_article_credits_its_source_as_a_whole(aliases: Aliases) -> None:
    from tracer.attribution import article_credits, article_ends

    body = "Staff searched the woodland all night. " * 30
    dateline = f"Our intro line.\n\nLONDON (Reuters) - A pangolin escaped.\n\n{body}"
    contributed = f"A pangolin escaped.\n\n{body}\n\nReuters contributed to this report."
    agency_last = f"A pangolin escaped.\n\n{body}\n\nThe keeper was sacked. (dpa)"
    quoted = f"A pangolin escaped.\n\n{body}\n\nThe zoo told the Metro Ledger it was sorry."
    for text in (dateline, contributed):
        [credit] = article_credits(article_ends(text), aliases, "Northern Courier")
        assert (credit.outlet, credit.pattern) == (
            "Reuters",
            "dateline" if text is dateline else "contributed",
        )
        assert text[credit.start : credit.end] == credit.phrase
        assert article_credits(article_ends(text), aliases, "Reuters") == []  # its own outlet
    assert article_credits(article_ends(quoted), aliases) == []  # only a near span's credit
    [credit] = article_credits(article_ends(agency_last), aliases)  # in the tail: offsets the text's
    assert (credit.outlet, credit.phrase, agency_last[credit.start : credit.end]) == ("dpa", "(dpa)", "(dpa)")


@pytest.mark.parametrize(
    ("byline", "expected"),
    [
        ("By PA Reporter", [("PA Media", "By PA Reporter")]),
        ("By Jane Doe, PA Crime Correspondent", [("PA Media", "By Jane Doe, PA Crime Correspondent")]),
        ("By Reuters Staff", [("Reuters", "By Reuters Staff")]),
        ("By The Associated Press", [("Associated Press", "By The Associated Press")]),
        ("By Jane Doe and AFP", [("AFP", "By Jane Doe and AFP")]),
        (
            "By Press Association Reporters",
            [("PA Media", "By Press Association Reporters")],
        ),  # a role after it
        ("By Jane Doe", []),  # a person
        ("By Tuesday, the shop had closed.", []),  # a sentence
        ("Our intro line.\nBy PA Reporter", [("PA Media", "By PA Reporter")]),  # under the paper's own line
    ],
)
def test_a_byline_credits_the_whole_article(
    aliases: Aliases, byline: str, expected: list[tuple[str, str]]
) -> None:
    from tracer.attribution import article_credits, article_ends

    text = f"{byline}\n\nA pangolin escaped.\n\n" + "Staff searched the woodland all night. " * 30
    found = article_credits(article_ends(text), aliases, "Northern Courier")
    assert [(c.outlet, c.phrase) for c in found] == expected
    assert all(c.pattern == "byline" and text[c.start : c.end] == c.phrase for c in found)
    tail = "A pangolin escaped.\n\n" + "Staff searched the woodland all night. " * 30 + f"\n{byline}"
    assert article_credits(article_ends(tail), aliases) == []  # a byline heads an article


@pytest.mark.parametrize(
    ("last", "expected"),
    [
        ("- PA", [("PA Media", "- PA")]),
        ("\u2014 Press Association", [("PA Media", "\u2014 Press Association")]),
        ("PA Media", [("PA Media", "PA Media")]),
        ("More to follow", []),
        ("Picture: PA", []),  # a photo credit
        ("The keeper was sacked, the zoo told PA.", []),  # a sentence: a credit of its own span only
    ],
)
def test_a_sign_off_line_credits_the_whole_article(
    aliases: Aliases, last: str, expected: list[tuple[str, str]]
) -> None:
    from tracer.attribution import article_credits, article_ends

    text = "A pangolin escaped.\n\n" + "Staff searched the woodland all night. " * 30 + f"\n\n{last}\n"
    found = article_credits(article_ends(text), aliases, "Northern Courier")
    assert [(c.outlet, c.phrase) for c in found] == expected
    assert all(c.pattern == "sign-off" and text[c.start : c.end] == c.phrase for c in found)
    short = f"A pangolin escaped.\n\n{last}"  # an article shorter than the ends looked at
    assert [(c.outlet, c.phrase) for c in article_credits(article_ends(short), aliases)] == expected
    middle = f"{last}\n\n" + "Staff searched the woodland all night. " * 30
    assert [c for c in article_credits(article_ends(middle), aliases) if c.pattern == "sign-off"] == []


def test_the_pa_news_agency_reported_credits_pa(aliases: Aliases) -> None:
    # PA's house style for a regional paper's copy.
    text = "Sandra Whitfield, 52, pleaded guilty at Chester Crown Court, the PA news agency reported."
    [credit] = credits_in(text, aliases)
    assert (credit.outlet, credit.phrase, credit.pattern) == (
        "PA Media",
        "the PA news agency reported",
        "reported",
    )
