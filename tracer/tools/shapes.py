"""Shapes of real corpora for ``tracer simulate``: what its default corpus lacks.

The default corpus is what tracer was tuned on: English function words, paragraphs on lines of
their own, every reuse a claim sentence.  Real corpora also have (each a knob of
:class:`~tracer.tools.simulate.SimKnobs`, a ``tracer simulate`` option):

* ``flatten``: each article one line (as many CSV/JSON Lines exports are): paragraph breaks
  become spaces, and promos sit inside the text, between paragraphs, not on lines of their own;
* ``wire``: fan-out: a wire story printed by ``wire`` outlets within a few days: the agency's
  own article first, then copies, whole or only their first paragraphs, a few with a light edit;
  a third of the way in the agency prints an update (a new first sentence, a changed word) and
  about half of the later copies print that;
* ``vocabulary``: ``made-up``, ``french`` or ``german`` words: their frequent words are not in
  tracer's English stopword list (and the credits, promos and stock phrases are in the language;
  ``made-up`` keeps English promos);
* ``stock_phrases``: beat phrases ("pleaded guilty at ... Crown Court", "The cause of the fire is
  being investigated") in unrelated articles: shared wording that is not reuse;
* ``running_stories``: a story over several days: each day's article repeats a background
  paragraph of an earlier day's, copied verbatim, with a word changed (``swap``), a sentence added
  (``extend``) or its first sentence dropped (``truncate``); in the same outlet half of the time;
* ``slot_templates``: promo templates shared by outlets, with slots ("Sign up to the <outlet>
  newsletter for the <topic> briefing."), inside the text or at its end.

Truth (``tracer eval`` reads it; the format of ``tracer.tools.simulate`` with two additions, written
only for a shaped corpus): wire stories (claims ``w1``...) and running stories (``r1``...) are
claims whose members are multi-sentence passages.  Their ``spans`` pair exactly the copied
sentences (a truncated copy's source is the parent's first paragraphs; an added sentence is
outside the target) and carry ``"sentences"``: how many sentences were copied.  A wire copy's
parent is the agency's article of the version it prints (the story or its update); a running
story's is the nearest earlier day that printed the very text it copied.  A ``decoys`` list holds what must not be reported as reuse:
``{"article", "start", "end", "kind"}``, kind ``stock`` (a stock phrase's sentence), ``template``
(a slot template) or ``promo`` (the outlet's newsletter promo, "READ MORE: ..." and source lines).

Every draw of a shape comes from random generators of its own, so the rest of the corpus keeps
the default's draws where it can; the default corpus (no shape) never comes here.
"""

from __future__ import annotations

import bisect
import json
import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..text import STOPWORDS

if TYPE_CHECKING:
    from .simulate import SimulationSummary, _Section, _World

__all__ = ["SHAPE_EDITS", "VOCABULARIES", "Language", "Shaper", "language"]

VOCABULARIES = ("english", "made-up", "french", "german")
# edits only shapes make: a copy of the first (wire) or last (running story) sentences, the copied
# text with a sentence added after it, the wire agency's update of its own story
SHAPE_EDITS = ("truncate", "extend", "update")
# edits of wire copies and of running stories' later days, with their chances
_WIRE_EDITS: tuple[list[str], list[float]] = (
    ["verbatim", "truncate", "swap", "typo"],
    [0.55, 0.25, 0.1, 0.1],
)
_RUNNING_EDITS: tuple[list[str], list[float]] = (
    ["verbatim", "swap", "extend", "truncate"],
    [0.25, 0.3, 0.3, 0.15],
)
_NETWORKS = ("Facebook", "Instagram", "TikTok", "Bluesky", "WhatsApp", "Threads")


# --- languages -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Language:
    """The words and phrases of one vocabulary; English is what the default corpus uses."""

    name: str
    function_words: tuple[str, ...]  # by rank: the commonest first
    said: str  # ends a filler sentence: ", <Name> said."
    connectors: tuple[str, ...]  # join a claim's clauses ("" for none)
    links: tuple[str, ...]  # join an embedding lead to the claim
    credit_clauses: tuple[str, str]  # "{s}" the claim sentence without its period
    credit_sentences: tuple[str, str]  # "{w}" filler words
    quotes: tuple[str, str]  # curly quotation marks, opening and closing
    promo: str  # {name} {part} {topic} {words}
    dayparts: tuple[str, ...]  # as many as simulate's _DAYPARTS
    read_more: str
    source_line: str
    stock: tuple[tuple[str, ...], ...]  # beats of stock phrases with {slots}
    templates: tuple[str, ...]  # slot templates: {outlet} {topic} {part} {network} {weekday} {email}
    topics: tuple[str, ...]
    weekdays: tuple[str, ...]
    places: tuple[str, ...]
    onsets: tuple[str, ...] = ()  # syllables of generated content words (none: keep the English ones)
    nuclei: tuple[str, ...] = ()
    codas: tuple[str, ...] = ()
    nouns: float = 0.0  # share of content words written capitalised (German nouns)


_EN_STOCK = (
    (  # court
        "{name}, {age}, of {place}, pleaded guilty at {place} Crown Court to {w}.",
        "During the two-week trial the court heard that {w}.",
        "{name} was remanded in custody and will be sentenced at a later date.",
        "The case was adjourned until {weekday} next week.",
        "Judge {name} told the jury they must put aside any sympathy they felt.",
    ),
    (  # police
        "Police are appealing for witnesses to come forward.",
        "Anyone with information is asked to call police on 101, quoting incident number {num}.",
        "Officers were called to the scene shortly after {hour}pm on {weekday}.",
        "A {age}-year-old man has been arrested on suspicion of {w} and remains in custody.",
        "Inquiries are ongoing and the road remained closed for several hours.",
    ),
    (  # fire
        "Firefighters from {place} were called to the blaze at around {hour}am.",
        "The cause of the fire is being investigated.",
        "No one was injured in the incident, a spokesperson for the fire service said.",
        "Crews remained at the scene throughout the night to damp down hotspots.",
    ),
    (  # council
        "A spokesperson for {place} Council said the authority would {w}.",
        "Councillors voted {num} to {small} in favour of the plans at a meeting on {weekday}.",
        "The proposals will now go out to public consultation.",
        "The council said it had been forced to make difficult decisions because of rising costs.",
    ),
    (  # sport
        "Kick-off is at 3pm on Saturday.",
        "The manager told reporters after the game that {w}.",
        "The result leaves the club {small} points off the play-off places with {small} games to go.",
        "Tickets are available from the club shop and online.",
    ),
    (  # weather
        "The Met Office has issued a yellow weather warning for {w}.",
        "Temperatures are expected to reach {small}C by the weekend.",
        "Drivers are being urged to allow extra time for their journeys.",
    ),
)
_EN_TEMPLATES = (
    "Sign up to the {outlet} newsletter for the {topic} briefing.",
    "Get the {outlet} app for breaking {topic} alerts.",
    "Follow {outlet} on {network} for the latest {topic} news.",
    "Got a story? Contact the {outlet} {topic} desk at {email}.",
    "{outlet} is on {network}: join our {topic} channel for the day's top stories.",
    "Want more {topic}? Listen to the {outlet} {part} podcast every {weekday}.",
)
_EN_TOPICS = ("politics", "business", "sport", "crime", "health", "weather", "culture", "property", "travel")
_EN_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_EN_PLACES = ("Harwick", "Lydmoor", "Castlebrook", "Penford", "Oakhurst", "Wexley", "Dunbridge", "Selcombe")

ENGLISH = Language(
    name="english",
    function_words=(),  # simulate's FUNCTION_WORDS
    said="said",
    connectors=("and", "and", "but", "while", "after", "as", "because", "although", "before", ""),
    links=(" that ", " that ", ": ", " as "),
    credit_clauses=("{s}, according to {source}.", "{s}, {source} reported."),
    credit_sentences=("According to {source}, {w}.", "{w}, {source} reported."),
    quotes=("\u201c", "\u201d"),
    promo=(
        "Sign up for the {name} {part} {topic} newsletter to get the {words} stories delivered straight "
        "to your inbox."
    ),
    dayparts=("morning", "evening", "weekly", "daily", "weekend"),
    read_more="READ MORE: ",
    source_line="Source: Read Full Article",
    stock=_EN_STOCK,
    templates=_EN_TEMPLATES,
    topics=_EN_TOPICS,
    weekdays=_EN_WEEKDAYS,
    places=_EN_PLACES,
)

FRENCH = Language(
    name="french",
    function_words=tuple(
        dict.fromkeys(
            """
de la le et les des en un une du que est pour dans qui au par sur pas il plus ne se ce a son sa avec
ont ses sont mais aux elle ils on leur ou comme été tout après nous cette deux aussi selon fait entre
sans depuis très avant même dont lors contre être avoir déjà encore ainsi alors donc leurs ces cet y où
si bien trois moins fois peu notre vous hier lundi mardi mercredi jeudi vendredi samedi dimanche année
ans premier première dernier dernière nouveau nouvelle autres autre tous toutes toute plusieurs chaque
sous vers chez environ mois semaine jour déclaré gouvernement police ville président millions pays cas
partie lui elles ceux celle celui quand pendant parmi près quatre cinq dix cent mille euros francs
cantonal commune conseil projet selon afin ici là aucun aucune était avait seront sera peut doit
""".split()
        )
    ),
    said="a déclaré",
    connectors=(
        "et",
        "et",
        "mais",
        "alors que",
        "après que",
        "comme",
        "parce que",
        "bien que",
        "avant que",
        "",
    ),
    links=(" que ", " que ", " : ", " comme "),
    credit_clauses=("{s}, selon {source}.", "{s}, rapporte {source}."),
    credit_sentences=("Selon {source}, {w}.", "{w}, rapporte {source}."),
    quotes=("\u00ab\u00a0", "\u00a0\u00bb"),
    promo=(
        "Inscrivez-vous à la lettre {part} {topic} de {name} pour recevoir les articles {words} directement "
        "dans votre boîte mail."
    ),
    dayparts=("du matin", "du soir", "hebdomadaire", "quotidienne", "du week-end"),
    read_more="À LIRE AUSSI : ",
    source_line="Source : lire l'article complet",
    stock=(
        (
            "Le Grand Conseil a voté {w}.",
            "Le tribunal correctionnel de {place} a condamné {name} à {small} mois de prison avec sursis.",
            "Le prévenu a été placé en détention provisoire.",
            "L'audience a été renvoyée au {weekday} {small} à la demande de la défense.",
        ),
        (
            "Une enquête a été ouverte pour déterminer les circonstances exactes de l'accident.",
            "Les secours ont été alertés peu avant {hour} heures.",
            "Les pompiers sont intervenus vers {hour} heures et ont maîtrisé le sinistre en fin de matinée.",
            "Un appel à témoins a été lancé par la police cantonale.",
        ),
        (
            "Le conseil municipal a adopté le budget à l'unanimité.",
            "Selon un communiqué de la préfecture, {w}.",
            "Contactée par notre rédaction, la direction n'a pas souhaité s'exprimer.",
            "Le projet sera soumis au vote populaire au printemps prochain.",
        ),
        (
            "Le coup d'envoi sera donné samedi à {hour} heures.",
            "L'entraîneur a estimé après la rencontre que {w}.",
            "Les billets sont en vente à la billetterie du stade.",
        ),
    ),
    templates=(
        "Inscrivez-vous à la lettre d'information de {outlet} pour recevoir l'essentiel de l'actualité {topic}.",
        "Téléchargez l'application {outlet} pour suivre l'actualité {topic} en temps réel.",
        "Suivez {outlet} sur {network} pour ne rien manquer de l'actualité {topic}.",
        "Une info à nous signaler ? Écrivez à la rédaction {topic} de {outlet} : {email}.",
    ),
    topics=("politique", "économique", "sportive", "judiciaire", "régionale", "culturelle", "locale"),
    weekdays=("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    places=("Valmont", "Sarnay", "Beaulieu-les-Prés", "Montcreux", "Rivaz-le-Haut", "Chanterive"),
    onsets=tuple(
        p.strip("_")
        for p in "_ _ b c d f g j l m n p r s t v ch br cr dr fr gr pr tr bl cl fl pl qu gu".split()
    ),
    nuclei=tuple("a e i o u é è a e i ai au eau ou oi an en on in ê â".split()),
    codas=tuple(p.strip("_") for p in "_ _ _ _ r s l n t x rt st lle tte re que ge nt".split()),
)

GERMAN = Language(
    name="german",
    function_words=tuple(
        dict.fromkeys(
            """
der die und in den von zu das mit sich des auf für ist im dem nicht ein eine als auch es an werden
aus er hat dass sie nach wird bei einer um am sind noch wie einem über einen so zum war haben nur oder
aber vor zur bis mehr durch man sein wurde sei sagte kann gegen vom können schon wenn habe seine ihre
dann unter wir soll eines Jahr Jahren zwei diese dieser wieder keine seiner worden will zwischen immer
Millionen was sowie ihr seit ihrer uns neue drei beim laut bereits heute gestern Montag Dienstag
Mittwoch Donnerstag Freitag Samstag Sonntag Prozent Euro Stadt Polizei Regierung etwa weitere ersten
viele derzeit jedoch rund nun allerdings damit ohne sondern müssen hatte hatten waren wurden gibt sagt
demnach Gemeinde Woche Tag vier fünf zehn hier dort kein sehr doch also
""".split()
        )
    ),
    said="sagte",
    connectors=("und", "und", "aber", "während", "nachdem", "als", "weil", "obwohl", "bevor", ""),
    links=(", dass ", ", dass ", ": ", " wie "),
    credit_clauses=("{s}, wie {source} berichtete.", "{s}, berichtete {source}."),
    credit_sentences=("Laut {source} {w}.", "{w}, berichtete {source}."),
    quotes=("\u201e", "\u201c"),
    promo=(
        "Abonnieren Sie den {part}-Newsletter von {name} zu {topic} und erhalten Sie die {words} Artikel "
        "direkt in Ihr Postfach."
    ),
    dayparts=("Morgen", "Abend", "Wochen", "Tages", "Wochenend"),
    read_more="MEHR ZUM THEMA: ",
    source_line="Quelle: Den ganzen Artikel lesen",
    stock=(
        (
            "Vor dem Landgericht {place} muss sich seit {weekday} ein {age}-jähriger Mann verantworten.",
            "Das Urteil soll am {weekday} verkündet werden.",
            "Der Angeklagte hat die Vorwürfe bislang bestritten.",
            "Die Staatsanwaltschaft wirft ihm vor, {w}.",
        ),
        (
            "Die Polizei bittet Zeugen, sich unter der Nummer {num} zu melden.",
            "Verletzt wurde nach Angaben der Polizei niemand.",
            "Die Ermittlungen dauern an.",
            "Die Feuerwehr rückte mit {num} Einsatzkräften aus.",
        ),
        (
            "Der Gemeinderat hat am {weekday} mit großer Mehrheit beschlossen, {w}.",
            "Wie ein Sprecher der Stadt mitteilte, {w}.",
            "Auf Anfrage unserer Redaktion wollte sich das Unternehmen nicht äußern.",
            "Die Bauarbeiten sollen im kommenden Frühjahr beginnen.",
        ),
        (
            "Anpfiff ist am Samstag um {hour} Uhr.",
            "Der Trainer sagte nach dem Spiel, {w}.",
            "Karten gibt es an der Tageskasse und im Internet.",
        ),
    ),
    templates=(
        "Melden Sie sich für den Newsletter von {outlet} an und erhalten Sie das Wichtigste aus {topic}.",
        "Laden Sie die App von {outlet} herunter, um keine Nachricht aus {topic} zu verpassen.",
        "Folgen Sie {outlet} auf {network} für aktuelle Nachrichten aus {topic}.",
        "Haben Sie Hinweise? Schreiben Sie der Redaktion {topic} von {outlet}: {email}.",
    ),
    topics=("Politik", "Wirtschaft", "Sport", "Kultur", "der Region", "Justiz", "Gesundheit"),
    weekdays=("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"),
    places=("Tannfeld", "Oberwaldau", "Kirchbrunn", "Steinach am Hang", "Lindenhof", "Grünwies"),
    onsets=tuple(
        p.strip("_")
        for p in "_ _ b d f g h k l m n p r s t w z sch st sp pf kr gr br tr fl kl schw schl".split()
    ),
    nuclei=tuple("a e i o u ä ö ü ei au ie eu a e".split()),
    codas=tuple(p.strip("_") for p in "_ _ n r l t ch cht ng nd tz ck st ß rn lt ft ns m".split()),
    nouns=0.35,
)


def _syllable_words(rng: np.random.Generator, lang: Language, count: int, avoid: set[str]) -> list[str]:
    """``count`` distinct generated words of ``lang``'s syllables, shorter ones first (roughly)."""
    n_cand = count * 3
    n_syl = rng.choice([1, 2, 3, 4], size=n_cand, p=[0.25, 0.50, 0.22, 0.03])
    syl = (
        np.array(lang.onsets, dtype=object)[rng.integers(0, len(lang.onsets), size=(n_cand, 4))]
        + np.array(lang.nuclei, dtype=object)[rng.integers(0, len(lang.nuclei), size=(n_cand, 4))]
        + np.array(lang.codas, dtype=object)[rng.integers(0, len(lang.codas), size=(n_cand, 4))]
    )
    syl[np.arange(4)[None, :] >= n_syl[:, None]] = ""
    words = (syl[:, 0] + syl[:, 1] + syl[:, 2] + syl[:, 3]).tolist()
    key = (n_syl + rng.normal(0.0, 0.8, size=n_cand)).tolist()
    seen: dict[str, float] = {}
    for w, k in zip(words, key, strict=True):
        if len(w) >= 2 and w not in avoid and w not in seen:
            seen[w] = k
    out = sorted(seen, key=seen.__getitem__)[:count]
    if len(out) < count:  # pragma: no cover - three candidates a word always suffice
        raise RuntimeError("could not generate enough distinct words")
    return out


def language(
    name: str, rng: np.random.Generator, words: list[str], name_pos: np.ndarray, avoid: set[str]
) -> tuple[Language, list[str]]:
    """The language ``name`` and the content words to use instead of ``words`` (same ranks).

    ``words`` are simulate's generated words (numbers and names at their ranks); ``avoid`` the
    words no content word may be (English function words, outlet-like words).
    """
    if name == "english":
        return ENGLISH, words
    if name == "made-up":
        taken = set(words) | avoid | STOPWORDS
        func = _syllable_words(rng, _MADE_UP_SYLLABLES, 160, taken)
        f = func.pop  # words below are taken off the end of the list: rare ranks
        said, acc, rep, conn = f(), f"{f()} {f()}", f(), [f() for _ in range(8)]
        lang = Language(
            name="made-up",
            function_words=tuple(func),
            said=said,
            connectors=(conn[0], conn[0], *conn[1:], ""),
            links=(f" {conn[0]} ", f" {conn[0]} ", ": ", f" {conn[1]} "),
            credit_clauses=(f"{{s}}, {acc} {{source}}.", f"{{s}}, {{source}} {rep}."),
            credit_sentences=(f"{acc.capitalize()} {{source}}, {{w}}.", f"{{w}}, {{source}} {rep}."),
            quotes=ENGLISH.quotes,
            promo=ENGLISH.promo,
            dayparts=ENGLISH.dayparts,
            read_more=ENGLISH.read_more,
            source_line=ENGLISH.source_line,
            stock=(),  # drawn from the corpus's own words: see Shaper._made_up_stock
            templates=ENGLISH.templates,
            topics=ENGLISH.topics,
            weekdays=ENGLISH.weekdays,
            places=ENGLISH.places,
        )
        return lang, words
    lang = {"french": FRENCH, "german": GERMAN}[name]
    fresh = _syllable_words(rng, lang, len(words), avoid | STOPWORDS | set(lang.function_words))
    names = set(name_pos.tolist())
    capital = rng.random(len(words)) < lang.nouns
    out = []
    for i, (old, new) in enumerate(zip(words, fresh, strict=True)):
        if old.isdigit():
            out.append(old)
        elif i in names or capital[i]:
            out.append(new[:1].upper() + new[1:])
        else:
            out.append(new)
    return lang, out


_MADE_UP_SYLLABLES = Language(
    name="syllables",
    function_words=(),
    said="",
    connectors=(),
    links=(),
    credit_clauses=("", ""),
    credit_sentences=("", ""),
    quotes=("", ""),
    promo="",
    dayparts=(),
    read_more="",
    source_line="",
    stock=(),
    templates=(),
    topics=(),
    weekdays=(),
    places=(),
    onsets=tuple(p.strip("_") for p in "_ _ b d f g k l m n p r s t v z".split()),
    nuclei=tuple("a e i o u a e i o".split()),
    codas=tuple(p.strip("_") for p in "_ _ _ n r s t l m".split()),
)


# --- text with anchored spans --------------------------------------------------------------


@dataclass
class _Span:
    """A span of an article's text; kept pointing at the same characters while the text changes."""

    kind: str  # "stock", "template", "promo" (decoys), "member", "unit"
    start: int
    end: int


class _Doc:
    """An article's text being dressed, and the spans (anything with ``start``/``end``) in it."""

    def __init__(self, text: str, anchors: list[Any]) -> None:
        self.text = text
        self.anchors = anchors

    def _inside(self, pos: int) -> bool:
        return any(a.start < pos < a.end for a in self.anchors)

    def insert(self, pos: int, s: str) -> None:
        if self._inside(pos):
            raise RuntimeError("an insertion would split a span")  # a bug of this module
        self.text = self.text[:pos] + s + self.text[pos:]
        for a in self.anchors:
            if a.start >= pos:
                a.start += len(s)
            if a.end > pos:
                a.end += len(s)

    def paragraphs(self) -> list[tuple[int, int]]:
        out = []
        start = 0
        while True:
            end = self.text.find("\n\n", start)
            if end < 0:
                out.append((start, len(self.text)))
                return out
            out.append((start, end))
            start = end + 2

    def add_paragraph(self, pos: int, para: str, kind: str) -> _Span:
        """``para`` as a paragraph starting at ``pos`` (a paragraph's start, or the end)."""
        if pos >= len(self.text):
            start = len(self.text) + 2 if self.text else 0
            self.insert(len(self.text), ("\n\n" if self.text else "") + para)
        else:
            start = pos
            self.insert(pos, para + "\n\n")
        span = _Span(kind, start, start + len(para))
        self.anchors.append(span)
        return span

    def boundaries(self) -> list[int]:
        """Paragraph starts after the first that no span straddles: where a block may go inside."""
        return [s for s, _ in self.paragraphs()[1:] if not self._inside(s - 2) and not self._inside(s)]

    def free_paragraphs(self) -> list[tuple[int, int]]:
        """Paragraphs no span overlaps: filler, where a stock phrase may go."""
        return [
            (s, e)
            for s, e in self.paragraphs()
            if e > s and not any(a.start < e and s < a.end for a in self.anchors)
        ]

    def flatten(self) -> None:
        """Paragraph breaks become spaces; every span moves with its characters."""
        breaks = []
        at = self.text.find("\n\n")
        while at >= 0:
            breaks.append(at)
            at = self.text.find("\n\n", at + 2)
        if not breaks:
            return
        self.text = self.text.replace("\n\n", " ")
        for a in self.anchors:
            a.start -= bisect.bisect_left(breaks, a.start)
            a.end -= bisect.bisect_left(breaks, a.end)


# --- wire and running stories ----------------------------------------------------------------


@dataclass
class _Version:
    """A passage's text: sentences, and which of them end a paragraph."""

    sentences: list[str]
    para_end: list[bool]

    def key(self, upto: int | None = None) -> tuple[str, ...]:
        return tuple(self.sentences[:upto])


@dataclass
class _Carry:
    """One article's copy of a story: what it prints, and what it copied from whom."""

    index: int  # article index
    story: str  # claim id
    version: _Version  # the text printed (a prefix of it where truncated: ``printed`` sentences)
    printed: int
    edit: str
    parent: int | None  # article index of the parent carrier
    src: tuple[int, int] = (0, 0)  # sentences of the parent's printed text copied
    tgt: tuple[int, int] = (0, 0)  # the same sentences in this copy
    intro: str = ""  # a paragraph of the outlet's own before a wire copy
    outlet: int | None = None  # outlet override
    title: str | None = None
    # filled when the article is written
    article: str = ""
    units: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class _Story:
    claim: str
    carries: list[_Carry] = field(default_factory=list)


class Shaper:
    """Plans and writes the shapes of a simulated corpus for a :class:`tracer.tools.simulate._World`."""

    def __init__(self, world: _World, seed: int) -> None:
        self.w = world
        self.k = world.k
        self.srng = np.random.default_rng([seed, 23])
        self.sr = random.Random(seed * 7919 + 23)
        self._pool: list[str] = []
        self.lang = world.lang
        self.roles: dict[int, _Carry] = {}
        self.stories: list[_Story] = []
        self.stock = list(self.lang.stock) or self._made_up_stock()
        self.counts = {"wire_stories": 0, "wire_articles": 0, "running_stories": 0, "running_days": 0}
        self.decoys = {"stock": 0, "template": 0, "promo": 0}
        base = len(world.outlets)
        if self.k.wire:
            self._add_wire_outlets(self.k.wire)
            self._plan_wire(base)
        if self.k.running_stories:
            self._plan_running(base)
        self.templates: dict[int, list[str]] = {}
        if self.k.slot_templates:
            for o in range(len(world.outlets)):
                self.templates[o] = self.sr.sample(self.lang.templates, self.sr.randint(1, 3))

    # -- words -------------------------------------------------------------------------------
    def _word(self) -> str:
        if not self._pool:
            w, rng = self.w, self.srng
            is_f = rng.random(4096) < 0.45
            ids = np.where(is_f, w.func_z.draw(rng, 4096), w.content_z.draw(rng, 4096) + w.F)
            self._pool = w.bare[ids].tolist()
        return self._pool.pop()

    def words(self, lo: int, hi: int) -> str:
        return " ".join([self._word() for _ in range(self.sr.randint(lo, hi))])

    def _content(self, count: int, cap: bool = False) -> list[str]:
        w = self.w
        ids = w.content_z.draw(self.srng, count) + w.F
        return list(w.bare[ids + (w.W if cap else 0)].tolist())

    def _name(self) -> str:
        w = self.w
        return str(w.bare[w.name_ids[w.names_z.draw(self.srng, 1)[0]]])

    def sentences(self, count: int) -> list[str]:
        out, _ = self.w._filler(np.ones(count, dtype=np.int64), False, rng=self.srng)
        return out

    def _made_up_stock(self) -> list[tuple[str, ...]]:
        """Beats of stock phrases for a made-up vocabulary: fixed word runs with a slot or two."""
        beats = []
        for _ in range(5):
            beat = []
            for _ in range(4):
                phrase = self.words(6, 10)
                tail = self.sr.choice(("", " {place}", " {num}", ", {w}"))
                beat.append(phrase[:1].upper() + phrase[1:] + tail + ".")
            beats.append(tuple(beat))
        return beats

    def _fill(self, template: str, **given: str) -> str:
        sr, lang = self.sr, self.lang
        slots = {
            "name": self._name,
            "age": lambda: str(sr.randint(18, 79)),
            "place": lambda: sr.choice(lang.places),
            "num": lambda: str(sr.randint(100, 99999)),
            "small": lambda: str(sr.randint(2, 19)),
            "hour": lambda: str(sr.randint(1, 11)),
            "weekday": lambda: sr.choice(lang.weekdays),
            "w": lambda: self.words(4, 8),
            "topic": lambda: sr.choice(lang.topics),
            "part": lambda: sr.choice(lang.dayparts),
            "network": lambda: sr.choice(_NETWORKS),
        }
        values = dict(given)
        for key, draw in slots.items():
            if "{" + key + "}" in template and key not in values:
                values[key] = draw()
        return template.format(**values)

    # -- outlets -----------------------------------------------------------------------------
    def _add_wire_outlets(self, count: int) -> None:
        """``count`` small outlets that publish only wire copies (the first is the agency)."""
        from .simulate import _MASTHEADS, _PLACES, _Outlet

        w, sr = self.w, self.sr
        used = {o.name for o in w.outlets}
        combos = [f"{p} {m}" for p in _PLACES for m in _MASTHEADS]
        sr.shuffle(combos)
        names = [c for c in combos if c not in used][:count]
        names += [f"{_PLACES[i % len(_PLACES)]} Online {i + 1}" for i in range(count - len(names))]
        names[0] = "Central Wire Service" if "Central Wire Service" not in used else names[0]
        for name in names:
            topic = " ".join(self._content(sr.randint(1, 2)))
            promo = self.lang.promo.format(
                name=name, part=sr.choice(self.lang.dayparts), topic=topic, words=" ".join(self._content(2))
            )
            w.outlets.append(
                _Outlet(name, 0.0, 0.0, 0.0, 0.0, 1.0, 0.4, 0.8, promo, sr.random() < 0.7, sr.random() < 0.3)
            )

    # -- plans -------------------------------------------------------------------------------
    def _day(self, i: int) -> int:
        return (i * self.w.days) // self.w.n

    def _first_of_day(self, d: int) -> int:
        return -(-d * self.w.n // self.w.days)

    def _plan_wire(self, base: int) -> None:
        n, N, sr = self.w.n, self.k.wire, self.sr
        per_day = n / self.w.days
        width = min(n, max(2 * N, int(3 * per_day)))
        count = N + 1 if N >= 4 and n > N else N  # the agency's update is one more article
        width = max(width, count)
        for s in range(max(1, n // (10 * N))):
            i0 = sr.randrange(0, n - width + 1)
            window = [i for i in range(i0, i0 + width) if i not in self.roles]
            if len(window) < count:
                continue
            chosen = sorted(sr.sample(window, count))
            outlets = list(range(base + 1, base + N))
            sr.shuffle(outlets)
            story = _Story(f"w{s + 1}")
            self._wire_story(story, chosen, [base, *outlets])
            self.stories.append(story)
            self.counts["wire_stories"] += 1
            self.counts["wire_articles"] += count

    def _paragraphs(self, n_paras: int) -> _Version:
        sizes = [self.sr.randint(2, 3) for _ in range(n_paras)]
        sents = self.sentences(sum(sizes))
        ends = []
        for size in sizes:
            ends += [False] * (size - 1) + [True]
        ends[-1] = False
        return _Version(sents, ends)

    def _wire_story(self, story: _Story, chosen: list[int], outlets: list[int]) -> None:
        """The agency (``outlets[0]``) prints the story first and, with four outlets or more, its
        update a third of the way in; each other outlet prints one copy of either."""
        sr = self.sr
        v1 = self._paragraphs(sr.randint(4, 7))
        update_at = max(2, round(0.3 * len(chosen))) if len(chosen) > len(outlets) else None
        lead = self.sentences(1)[0]
        v2 = _Version([lead, *v1.sentences], [False, *v1.para_end])
        j = sr.randrange(2, len(v2.sentences))
        v2.sentences[j] = self._swap(v2.sentences[j], 1)
        title = " ".join(self._content(sr.randint(6, 10), cap=True))
        names, weights = _WIRE_EDITS
        carriers = iter(outlets[1:])
        agency: dict[int, int] = {}  # id(version) -> the agency's article printing it
        for r, i in enumerate(chosen):
            if r == 0 or r == update_at:
                version, edit, outlet = (v1, "origin", outlets[0]) if r == 0 else (v2, "update", outlets[0])
            else:
                late = update_at is not None and r > update_at and sr.random() < 0.5
                version, edit, outlet = (v2 if late else v1), sr.choices(names, weights)[0], next(carriers)
            printed = len(version.sentences)
            if edit == "truncate":
                printed = sr.choice([x + 1 for x, end in enumerate(version.para_end) if end])
            text = version
            if edit in ("swap", "typo"):
                text = _Version(list(version.sentences), version.para_end)
                x = sr.randrange(len(text.sentences))
                old = text.sentences[x]
                text.sentences[x] = self._swap(old, sr.randint(1, 3)) if edit == "swap" else _typo(old, sr)
                edit = edit if text.sentences[x] != old else "verbatim"
            carry = _Carry(i, story.claim, text, printed, edit, None, outlet=outlet, title=title)
            if edit == "update":  # the agency's update of its own story
                carry.parent = agency[id(v1)]
                carry.src, carry.tgt = (0, len(v1.sentences)), (1, len(v2.sentences))
            elif edit != "origin":  # a copy of the agency's text
                carry.parent = agency[id(version)]
                carry.src = carry.tgt = (0, printed)
            if r == 0 or r == update_at:
                agency[id(version)] = i
            elif sr.random() < 0.25:
                carry.intro = " ".join(self.sentences(sr.randint(1, 2)))
            story.carries.append(carry)
            self.roles[i] = carry

    def _plan_running(self, base: int) -> None:
        w, sr = self.w, self.sr
        weights = [o.weight for o in w.outlets[:base]]
        for s in range(max(1, w.n // 150)):
            story = _Story(f"r{s + 1}")
            home = sr.choices(range(base), weights)[0]
            day = sr.randrange(w.days)
            for _ in range(sr.randint(3, 7)):
                if day >= w.days:
                    break
                lo, hi = self._first_of_day(day), self._first_of_day(day + 1)
                free = [i for i in range(lo, hi) if i not in self.roles]
                if free:
                    i = sr.choice(free)
                    carry = self._running_day(story, i)
                    carry.outlet = home if sr.random() < 0.5 else None
                    story.carries.append(carry)
                    self.roles[i] = carry
                day += sr.randint(1, 3)
            if len(story.carries) >= 2:
                self.stories.append(story)
                self.counts["running_stories"] += 1
                self.counts["running_days"] += len(story.carries)
            else:
                for c in story.carries:
                    self.roles.pop(c.index)

    def _running_day(self, story: _Story, i: int) -> _Carry:
        sr = self.sr
        if not story.carries:
            sents = self.sentences(sr.randint(2, 4))
            return _Carry(i, story.claim, _Version(sents, [False] * len(sents)), len(sents), "origin", None)
        earlier = story.carries
        source = earlier[-1] if sr.random() < 0.8 else sr.choice(earlier)
        sents = list(source.version.sentences)
        names, weights = _RUNNING_EDITS
        edit = sr.choices(names, weights)[0]
        if edit == "truncate" and len(sents) < 3:
            edit = "extend"
        if edit == "extend" and len(sents) >= 6:
            edit = "truncate"
        n_src = len(sents)
        if edit == "swap":
            x = sr.randrange(n_src)
            sents[x] = self._swap(sents[x], sr.randint(1, 3))
            src = tgt = (0, n_src)
        elif edit == "extend":
            sents.append(self.sentences(1)[0])
            src = tgt = (0, n_src)
        elif edit == "truncate":
            sents = sents[1:]
            src, tgt = (1, n_src), (0, n_src - 1)
        else:
            src = tgt = (0, n_src)
        # the parent: the nearest earlier day printing the very text copied
        parent = next(c for c in reversed(earlier) if c.version.key() == source.version.key())
        carry = _Carry(i, story.claim, _Version(sents, [False] * len(sents)), len(sents), edit, parent.index)
        carry.src, carry.tgt = src, tgt
        return carry

    def _swap(self, sentence: str, count: int) -> str:
        """``sentence`` with ``count`` inner words (not the first or last) replaced."""
        words = sentence.split(" ")
        for _ in range(count):
            if len(words) < 3:
                break
            x = self.sr.randrange(1, len(words) - 1)
            old = words[x]
            new = self._word()
            while new == old.rstrip(","):
                new = self._word()
            words[x] = new + ("," if old.endswith(",") else "")
        return " ".join(words)

    # -- per article ---------------------------------------------------------------------------
    def outlet(self, i: int, drawn: int) -> int:
        role = self.roles.get(i)
        return role.outlet if role is not None and role.outlet is not None else drawn

    def replaces(self, i: int) -> bool:
        """Whether article ``i`` is a wire copy (its text is the story's, with no claims)."""
        role = self.roles.get(i)
        return role is not None and role.story.startswith("w")

    def title(self, i: int) -> str | None:
        role = self.roles.get(i)
        return role.title if role is not None else None

    def dress(
        self, i: int, aid: str, o: int, text: str, members: list[Any], boiler: bool, decoys: _Section
    ) -> str:
        """The article's final text: its story, stock phrases, boilerplate, flattened; records
        the decoys, and the story copy for :meth:`close`.  ``members`` (claim members of the
        article, with ``start``/``end``) are moved with their text."""
        sr, k = self.sr, self.k
        role = self.roles.get(i)
        units: list[_Span] = []
        if role is not None and self.replaces(i):
            doc = _Doc("", [])
            if role.intro:
                doc.add_paragraph(0, role.intro, "intro")
            units = self._place(doc, role, len(doc.text))
        else:
            doc = _Doc(text, list(members))
            if role is not None:
                paras = doc.paragraphs()
                at = paras[1][0] if len(paras) > 1 and sr.random() < 0.8 else len(doc.text)
                units = self._place(doc, role, at)
        if k.stock_phrases and sr.random() < 0.6:
            beat = sr.choice(self.stock)
            for _ in range(sr.randint(1, 3)):
                self._stock(doc, self._fill(sr.choice(beat)))
        for kind, block, inside in self._blocks(o, boiler):
            spots = doc.boundaries() if inside and sr.random() < inside else []
            doc.add_paragraph(sr.choice(spots) if spots else len(doc.text), block, kind)
        if k.flatten:
            doc.flatten()
        for a in doc.anchors:
            if isinstance(a, _Span) and a.kind in self.decoys:
                self.decoys[a.kind] += 1
                decoys.add(json.dumps({"article": aid, "start": a.start, "end": a.end, "kind": a.kind}))
        if role is not None:
            role.article = aid
            role.units = [(u.start, u.end) for u in units]
        return doc.text

    def _blocks(self, o: int, boiler: bool) -> list[tuple[str, str, float]]:
        """Outlet ``o``'s boilerplate (with ``boiler``) and templates for one article: kind, text,
        chance of going inside the text."""
        sr, k, lang = self.sr, self.k, self.lang
        blocks: list[tuple[str, str, float]] = []
        out = self.w.outlets[o]
        if boiler:
            blocks.append(("promo", out.promo, 0.8 if k.flatten else 0.0))
            if out.read_more:
                heads = " ".join([self.w._cap() for _ in range(self.w.pr.randint(5, 9))])
                blocks.append(("promo", lang.read_more + heads, 0.5 if k.flatten else 0.0))
            if out.source_line:
                blocks.append(("promo", lang.source_line, 0.0))
        for template in self.templates.get(o, ()):
            if sr.random() < 0.7:
                name = out.name.removeprefix("The ")
                filled = self._fill(template, outlet=name, email=_email(name, sr.choice(lang.topics)))
                blocks.append(("template", filled, 0.4))
        return blocks

    def _place(self, doc: _Doc, role: _Carry, at: int) -> list[_Span]:
        """The story copy as paragraphs from ``at``; its sentences' spans."""
        version, printed = role.version, role.printed
        units: list[_Span] = []
        para: list[str] = []
        for x in range(printed):
            para.append(version.sentences[x])
            if version.para_end[x] or x == printed - 1:
                span = doc.add_paragraph(at, " ".join(para), "member")
                pos = span.start
                for s in para:
                    units.append(_Span("unit", pos, pos + len(s)))
                    pos += len(s) + 1
                doc.anchors.extend(units[-len(para) :])
                at = span.end + 2
                para = []
        # one span over the whole copy: no promo goes between its paragraphs
        doc.anchors.append(_Span("story", units[0].start, units[-1].end))
        return units

    def _stock(self, doc: _Doc, phrase: str) -> None:
        """``phrase`` as a sentence of its own at a sentence start of a filler paragraph."""
        free = doc.free_paragraphs()
        if not free:
            return
        s, e = self.sr.choice(free)
        starts = [s] + [x + 2 for x in range(s, e - 2) if doc.text[x] == "." and doc.text[x + 1] == " "]
        pos = self.sr.choice(starts)
        doc.insert(pos, phrase + " ")
        doc.anchors.append(_Span("stock", pos, pos + len(phrase)))

    def spans_of(self, i: int) -> list[str]:
        """The truth span of the copy in article ``i`` (JSON), if it has a parent."""
        role = self.roles.get(i)
        if role is None or role.parent is None:
            return []
        parent = self.roles[role.parent]
        (s0, s1), (t0, t1) = role.src, role.tgt
        entry = {
            "claim": role.story,
            "source": parent.article,
            "source_start": parent.units[s0][0],
            "source_end": parent.units[s1 - 1][1],
            "target": role.article,
            "target_start": role.units[t0][0],
            "target_end": role.units[t1 - 1][1],
            "edit": role.edit,
            "sentences": t1 - t0,
        }
        return [json.dumps(entry, separators=(",", ":"), ensure_ascii=False)]

    def close(self, claims: _Section, summary: SimulationSummary) -> None:
        """The wire and running stories as truth claims."""
        for story in self.stories:
            members = []
            for c in story.carries:
                members.append(
                    {"article": c.article, "start": c.units[0][0], "end": c.units[-1][1],
                     "parent": self.roles[c.parent].article if c.parent is not None else None,
                     "credited": False, "edit": c.edit}
                )  # fmt: skip
            for c in story.carries:
                summary.edits[c.edit] = summary.edits.get(c.edit, 0) + 1
            summary.claims += 1
            summary.members += len(members)
            summary.echoes += len(members) - 1
            claims.add(json.dumps({"id": story.claim, "members": members}, separators=(",", ":")))

    def describe(self) -> dict[str, Any]:
        k = self.k
        out: dict[str, Any] = {}
        if k.flatten:
            out["flatten"] = True
        if k.wire:
            out["wire"] = k.wire
            out |= {key: v for key, v in self.counts.items() if key.startswith("wire")}
        if k.vocabulary != "english":
            out["vocabulary"] = k.vocabulary
        if k.running_stories:
            out |= {key: v for key, v in self.counts.items() if key.startswith("running")}
        out["decoys"] = dict(self.decoys)
        return out


def _typo(sentence: str, sr: random.Random) -> str:
    """Two neighbouring letters (never a word's first) swapped in a longer word."""
    words = sentence.split(" ")
    spots = [(j, q) for j, w in enumerate(words) if len(w) >= 4 and w.isalpha()
             for q in range(1, len(w) - 1) if w[q] != w[q + 1]]  # fmt: skip
    if not spots:
        return sentence
    j, q = sr.choice(spots)
    w = words[j]
    words[j] = w[:q] + w[q + 1] + w[q] + w[q + 2 :]
    return " ".join(words)


def _email(outlet: str, topic: str) -> str:
    slug = "".join(ch for ch in outlet.lower() if ch.isalnum())
    return f"{''.join(ch for ch in topic.lower() if ch.isalpha())}@{slug}.example"
