import pytest


def test_promos_in_other_languages_are_promos_and_news_about_subscribers_is_not():
    from tracer.boilerplate import is_promo
    from tracer.text import fold

    promos = [
        "Abonnez-vous à la newsletter du Journal 3 pour recevoir l'essentiel chaque matin.",
        "Inscrivez-vous à notre lettre d'information.",
        "Jetzt abonnieren und keine Nachricht verpassen!",
        "Melden Sie sich für unseren kostenlosen Newsletter an.",
        "Suscríbete a nuestro boletín.",
        "Iscriviti alla newsletter del Corriere.",
    ]
    news = [
        "Le quotidien compte désormais 200 000 abonnés numériques, selon son directeur.",
        "Die Zeitung hat 50.000 Abonnenten verloren, wie der Verlag mitteilte.",
        "Los suscriptores del diario recibieron la noticia el martes.",
        "Gli abbonati della rete hanno protestato contro l'aumento dei prezzi.",
    ]
    assert [is_promo(fold(x)) for x in promos] == [True] * len(promos)
    assert [is_promo(fold(x)) for x in news] == [False] * len(news)


def test_is_promo_is_the_whole_promo_pattern_on_short_lines():
    # is_promo tries navigation words only at a line's start and the rest behind substring
    # hints: the same answers as searching the whole pattern.
    import random

    from tracer.boilerplate import PROMO_MAX_CHARS, PROMO_RE, is_promo

    rng = random.Random(2)
    words = (
        "read more sign up for our newsletter free trial share this article click here watch now "
        "listen related see also copyright \u00a9 - : the news is source: full try 1 month offer ends"
    ).split()
    for _ in range(20000):
        line = rng.choice(["", "- ", "... ", "* "]) + " ".join(
            rng.choice(words) for _ in range(rng.randint(1, 12))
        )
        assert is_promo(line) == (len(line) <= PROMO_MAX_CHARS and PROMO_RE.search(line) is not None), line


def test_promo_lines_is_the_whole_promo_pattern_line_by_line():
    # promo_lines finds hints once in the whole text; lines of every length and hints at
    # line edges, across line breaks and in the gaps between lines must agree with the
    # whole promo pattern searched line by line.
    import random

    import numpy as np

    from tracer.boilerplate import PROMO_MAX_CHARS, PROMO_RE, promo_lines
    from tracer.segment import split_lines

    rng = random.Random(3)
    words = (
        "read more sign up for our newsletter free trial share this article click here tap watch now "
        "listen related see also copyright \u00a9 - : the news is source: full try 1 month offer ends "
        "download our app follow us on cookies we use accept subscribe register alerts limited time only "
        "all rights reserved stream your news email bulletin valid available inbox get week consent policy"
    ).split()
    for _ in range(300):
        lines = []
        for _ in range(rng.randint(0, 12)):
            n = rng.choice([1, 3, 12, 80])  # 80 words: past PROMO_MAX_CHARS
            lines.append(rng.choice(["", "- ", "  ", "... "]) + " ".join(rng.choice(words) for _ in range(n)))
        text = rng.choice(["", "\n", "  "]) + rng.choice(["\n", "\n\n", " \n "]).join(lines)
        spans = split_lines(text)
        starts = np.array([s for s, _ in spans], dtype=np.int64)
        ends = np.array([e for _, e in spans], dtype=np.int64)
        # The reference: the whole promo pattern searched in each short line.
        want = [e - s <= PROMO_MAX_CHARS and PROMO_RE.search(text[s:e]) is not None for s, e in spans]
        assert promo_lines(text, starts, ends).tolist() == want, text


def test_each_promo_pattern_lists_the_hints_its_matches_hold():
    # promo_lines searches a line only with the patterns whose hints it holds.
    from tracer.boilerplate import _HINTS, _PATTERN_HINTS, _PROMO_PATTERNS, is_promo, promo_lines

    assert len(_PATTERN_HINTS) == len(_PROMO_PATTERNS)
    assert {h for hints in _PATTERN_HINTS for h in hints} == set(_HINTS)
    examples = [
        "sign up for our newsletter", "the newsletter is free", "source: read full article", "tap here",
        "download the tracer app", "try 1 month free", "free trial", "offer ends", "limited time only",
        "follow us on x", "all rights reserved", "\u00a9 2024", "stream your news", "cookies: we use them",
        "share this article", "abonnez-vous a notre newsletter", "melden sie sich fur unseren newsletter an",
        "suivez-nous sur les reseaux sociaux", "jetzt vier wochen gratis testen",
        "tous droits reserves", "telechargez notre application", "meld je aan voor onze nieuwsbrief",
        "le progres de lyon - mercredi 12 mars 1997 - page 3",
    ]  # fmt: skip
    assert len(examples) == len(_PROMO_PATTERNS)
    text = "\n".join(examples)
    starts, pos = [], 0
    for line in examples:
        starts.append(pos)
        pos += len(line) + 1
    ends = [s + len(line) for s, line in zip(starts, examples, strict=True)]
    assert (
        promo_lines(text, starts, ends).tolist() == [is_promo(x) for x in examples] == [True] * len(examples)
    )


@pytest.mark.parametrize(
    ("line", "head"),
    [
        ("LE PROGRÈS DE LYON — Mercredi 12 mars 1997 — Page 3", True),
        ("Page 12", True),
        ("Dresdner Nachrichten | Seite 4", True),
        ("The story continued on page 3", False),  # news that names a page is news
        ("See page 3 for more.", False),
        ("Il a tourné la page 12 fois", False),
    ],
)
def test_a_printed_pages_running_head_is_boilerplate(line: str, head: bool) -> None:
    # OCR'd newspapers keep it inside articles: two of one issue's articles shared it as reuse.
    from tracer.boilerplate import is_promo
    from tracer.text import fold

    assert is_promo(fold(line)) is head


_FERRY = [
    "The harbour master said the ferry service to the islands would resume on Monday after three days of storms.",
    "Repairs to the pier at Westhaven are expected to take at least a fortnight, the council said on Sunday evening.",
    "Islanders have complained that deliveries of fresh food and medicine were delayed by the closure.",
    "A spokesman for the ferry operator apologised for the disruption and said extra sailings would be added.",
]
_OTHER = [
    "The county cricket club has appointed a new head coach after a season of heavy defeats at home.",
    "Residents of Millbrook voted to keep the village library open for another year despite the costs.",
    "A rare orchid has been found growing beside the railway line near Eastcombe, botanists confirmed.",
    "The town's Christmas lights will be switched on by a local schoolgirl who won a drawing contest.",
]


def test_a_story_two_outlets_each_printed_twice_is_no_template(tmp_path) -> None:
    # A few days' corpus: Alpha prints the story and its update, Beta its print and web editions.
    # Their paragraphs are in two articles of each of two outlets, as a shared template's are;
    # but they are the articles, not a line of furniture under articles that otherwise differ.
    import json

    from click.testing import CliRunner

    from tracer.cli import cli
    from tracer.matches import query
    from tracer.store import Store

    promo = "Get the Morning Briefing from the Coast Group every day at 7am, straight to your phone."
    rows = [
        ("a1", "Alpha Post", "2024-01-07T09:00", _FERRY),
        (
            "a2",
            "Alpha Post",
            "2024-01-08T08:00",
            ["UPDATE: The first ferry left the mainland at 7am."] + _FERRY,
        ),
        ("b1", "Beta News", "2024-01-07T12:00", _FERRY[:3]),
        ("b2", "Beta News", "2024-01-08T06:00", _FERRY[:3] + ["Beta News asked the operator for comment."]),
        ("c1", "Gamma Daily", "2024-01-07T15:00", _FERRY[1:]),
        # The group's promo under two other stories of each outlet: a template all the same.
        ("a3", "Alpha Post", "2024-01-07T10:00", _OTHER[:2] + [promo]),
        ("a4", "Alpha Post", "2024-01-08T10:00", _OTHER[2:] + [promo]),
        ("b3", "Beta News", "2024-01-07T11:00", [_OTHER[0], _OTHER[3], promo]),
        ("b4", "Beta News", "2024-01-08T11:00", [_OTHER[1], _OTHER[2], promo]),
    ]
    corpus = tmp_path / "c.jsonl"
    corpus.write_text(
        "".join(
            json.dumps({"id": i, "outlet": o, "published": d, "text": "\n\n".join(t)}) + "\n"
            for i, o, d, t in rows
        ),
        encoding="utf-8",
    )
    db = tmp_path / "t.db"
    assert CliRunner().invoke(cli, ["run", str(corpus), "--db", str(db), "-q"]).exit_code == 0
    with Store.open(db) as s:
        found = query(s, include_boilerplate=True)
    story = [m for m in found if _FERRY[0] in m.source_text]
    assert story and not any(m.boilerplate for m in story)
    assert ("a1", "b1") in {(m.source_id, m.target_id) for m in story}
    promos = [m for m in found if promo in m.source_text]
    assert promos and all(m.boilerplate for m in promos)
