"""Explicit credit near a reused span: "according to The Daily Beacon", "Metro Ledger reported", ...

``find_credits(text, span, aliases)`` looks at the sentence(s) holding ``span`` plus ``window``
sentences either side (sentences come from :func:`tracer.segment.split_sentences`) and
returns the outlets credited there, in text order, one :class:`Credit` per outlet (the first
phrase wins).  A credit to the article's own outlet (``own_outlet``) is dropped: "the nurse
told Metro Ledger" in a Metro Ledger article, or "RadarOnline.com has learned".

Patterns (``Credit.pattern``); X is an outlet name as written: capitalised words, possibly
after "the"/"The" and joined by "of", "on", "and" or "&" ("The Mail on Sunday"), or a domain
("RadarOnline.com", "Express.co.uk"):

* ``according-to``: "according to X", "according to a report in X";
* ``reported``: "(as|first|previously) reported by X", "revealed/published by X", "X (has)
  (first|previously|...) reported", "X reports", "X (has) revealed";
* ``obtained-by``: "obtained by X", "seen by X", "X (has) obtained" ("after the Sun obtained
  leaked spy documents");
* ``has-learned``: "X has learned/learnt", "X can reveal", "X understands";
* ``told``: "told X", "speaking to X", "in an interview with X": someone spoke *to* X ("X told
  ..." is never a credit);
* ``citing``: "citing X", "cited by X", "quoting X", "citing a report in X";
* ``said``: "X said/says/claimed/wrote" (only when X is an outlet: "Mr Varek said" is not);
* ``via``: "via X" ("via Reuters"; "via Twitter" names a platform, never an outlet);
* ``contributed``: "X contributed to this report/story", "(additional) reporting by X" (an
  outlet only: a reporter's name never resolves);
* ``dateline``: an agency's name in brackets before a dash or at the end of a paragraph, as
  wire copy is printed: "LONDON (Reuters) - ...", "BERLIN, 7 March (dpa) - ...", "... (AFP)",
  "(dpa/AFP)" crediting both;
* ``byline``: a line of its own at the head of an article naming an outlet as its author, as
  papers print agency copy: "By PA Reporter", "By Reuters Staff", "By Jane Doe, PA Crime
  Correspondent", "By AFP";
* ``sign-off``: an article's last line, an outlet's name alone: "- PA", "— Press Association",
  "PA Media";
* ``source``: "Source: X" when X is a news outlet; photo credits ("Source: Getty Images ...",
  "Source: mega", "Source: @golub/X") are not.  "Picture:", "Photo:", "Image:" and "Credit:"
  lines are photo credits and never match any pattern;
* ``tweet``: an embedded tweet's sign-off, "— Name (@handle) Month D, YYYY"; the outlet is
  the handle ("@golub"), external unless a corpus outlet has that name.

The same kinds in French, German, Spanish, Italian, Portuguese and Dutch ("selon Le Monde",
"a révélé Le Parisien", "wie der Spiegel berichtet", "dem Spiegel zufolge", "según el diario El
País", "volgens de Volkskrant"), where an article and a word for the paper may come between the
keyword and the name; a name's own article is left out of lookups as "the" is ("le Monde" is
Le Monde), and names may join words with "de", "della", "von"... ("Corriere della Sera").

``dateline``, ``byline``, ``sign-off`` and ``contributed`` credit the whole article:
:func:`article_credits` finds them in its first and last ``ARTICLE_END_CHARS`` characters (a
byline in the first only, a sign-off on the last line), wherever the reused span is.

In every pattern X must *resolve* (:meth:`Aliases.resolve`); person names, "Kremlin" and
photo agencies never do.  When the captured run of capitalised words is longer than the name
("told Metro Ledger Chancellor Varek was ill"), the longest sub-run next to the keyword that
resolves wins ("Metro Ledger"; a run with a person, role or date word never resolves).

The module is a heuristic: it never fails on odd text.  It never prints.
"""

from __future__ import annotations

import bisect
import csv
import functools
import io
import json
import operator
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import NamedTuple

from tracer.errors import InputError
from tracer.segment import split_sentences

__all__ = [
    "Aliases",
    "CREDIT_KINDS",
    "Credit",
    "PATTERNS",
    "article_credits",
    "article_ends",
    "credit_kind",
    "find_credits",
    "is_account",
]

PATTERNS = (
    "according-to",
    "reported",
    "obtained-by",
    "has-learned",
    "told",
    "citing",
    "said",
    "via",
    "contributed",
    "dateline",
    "byline",
    "sign-off",
    "source",
    "tweet",
)


@dataclass(frozen=True, slots=True)
class Credit:
    """One outlet credited near a span."""

    outlet: str  # canonical outlet name ("The Sun", "MailOnline", "The Daily Beacon", "@golub")
    phrase: str  # the matched words as written, e.g. "according to The Daily Beacon"
    start: int  # [start, end) offsets of ``phrase`` in the article text
    end: int
    pattern: str  # one of PATTERNS
    external: bool  # True when the outlet is not one of the corpus outlets


# What an echo's credit says, kept apart in every output: it names the outlet it most likely
# came from (its parent's), another source, only a social account ("@golub"), or nobody.
CREDIT_KINDS = ("parent", "other", "account", "none")


def is_account(name: str) -> bool:
    """Whether a credited name is a person's or account's handle ("@golub"), not an outlet."""
    return name.startswith("@")


def credit_kind(credits_parent: bool, names: Iterable[str]) -> str:
    """One of :data:`CREDIT_KINDS` for a member naming ``names`` (``credits_parent``: one of
    them is its parent's outlet); a source named beside the parent does not hide the parent."""
    names = list(names)
    if credits_parent:
        return "parent"
    if any(not is_account(n) for n in names):
        return "other"
    return "account" if names else "none"


# --- names ---------------------------------------------------------------------------------

# Built-in alias table: canonical name -> names as written (matched case-insensitively, with or
# without a leading "the"; the canonical name is an alias of itself).
_BUILTIN: dict[str, tuple[str, ...]] = {
    "The Sun": ("Sun", "Sun Online", "TheSun.co.uk", "Sun on Sunday"),
    "MailOnline": (
        "Daily Mail",
        "Mail",
        "Mail Online",
        "DailyMail.com",
        "DailyMail.co.uk",
        "Daily Mail Online",
    ),
    "The Mail on Sunday": ("Mail on Sunday",),
    "Daily Star": ("Daily Star Online", "DailyStar.co.uk"),
    "Daily Express": ("Express", "Express.co.uk", "Express Online"),
    "Daily Mirror": ("Mirror", "Mirror.co.uk", "Mirror Online"),
    "RadarOnline.com": ("RadarOnline", "Radar", "Radar Online"),
    "OK! Magazine": ("OK!", "OK Magazine"),
    "New York Post": ("Post", "NY Post", "NYPost.com"),
    "The New York Times": ("New York Times", "NYT", "NYTimes.com"),
    "The Washington Post": ("Washington Post",),
    "The Wall Street Journal": ("Wall Street Journal", "WSJ"),
    "The Times": ("Times", "Times of London"),
    "The Sunday Times": ("Sunday Times",),
    "The Guardian": ("Guardian", "Guardian.com"),
    "The Observer": ("Observer",),
    "The Telegraph": ("Telegraph", "Daily Telegraph", "Sunday Telegraph", "Telegraph.co.uk"),
    "The Independent": ("Independent", "Independent.co.uk"),
    "Evening Standard": ("London Evening Standard",),
    "Reuters": ("Reuters news agency",),
    "Associated Press": ("AP", "AP News"),
    "AFP": ("Agence France-Presse", "Agence France Presse"),
    # The other news agencies whose copy papers print ("told the PA news agency", "(Xinhua) --")
    "PA Media": ("PA", "Press Association", "PA news agency", "PA Media news agency"),
    "United Press International": ("UPI",),
    "Australian Associated Press": ("AAP",),
    "The Canadian Press": ("Canadian Press", "CP"),
    "Press Trust of India": ("PTI",),
    "Asian News International": ("ANI",),
    "Xinhua": ("Xinhua News Agency",),
    "Kyodo News": ("Kyodo",),
    "Yonhap": ("Yonhap News Agency",),
    "Anadolu Agency": ("Anadolu",),  # not "AA": the UK motoring organisation is "the AA"
    "Europa Press": (),
    "Ukrinform": (),
    "BBC": ("BBC News", "BBC World", "BBC World Service", "BBC.co.uk"),
    "CNN": ("CNN International", "CNN.com"),
    "Sky News": (),
    "Fox News": ("Fox", "FoxNews.com"),
    "NBC News": ("NBC",),
    "CBS News": ("CBS",),
    "ABC News": ("ABC",),
    "Al Jazeera": (),
    "Bloomberg": ("Bloomberg News",),
    "Newsweek": (),
    "Politico": (),
    "Axios": (),
    "TASS": (),
    "RIA Novosti": ("RIA",),
    "Interfax": (),
    "Novaya Gazeta": (),
    # Other languages' papers and agencies ("Le", "Der", "El"... are left out of keys as "The" is)
    "Le Monde": ("LeMonde.fr",),
    "Le Figaro": ("LeFigaro.fr",),
    "Libération": ("Liberation", "Libé"),
    "Le Parisien": (),
    "Les Echos": (),
    "Mediapart": (),
    "Ouest-France": (),
    "Le Soir": (),
    "Der Spiegel": ("Spiegel Online",),
    "Die Zeit": ("Zeit Online",),
    "Süddeutsche Zeitung": ("Süddeutsche", "SZ", "Süddeutschen Zeitung", "Süddeutschen"),
    "Frankfurter Allgemeine Zeitung": (
        "FAZ",
        "Frankfurter Allgemeine",
        "Frankfurter Allgemeinen Zeitung",
        "Frankfurter Allgemeinen",
    ),
    "Bild": ("Bild-Zeitung", "Bild.de"),
    "Die Welt": (),
    "dpa": ("Deutsche Presse-Agentur",),
    "El País": ("El Pais",),
    "El Mundo": (),
    "EFE": ("Agencia EFE",),
    "Corriere della Sera": ("Corriere",),
    "La Repubblica": (),
    "La Stampa": (),
    "ANSA": (),
    "De Telegraaf": (),
    "De Volkskrant": (),
    "NRC": ("NRC Handelsblad",),
}

# Never outlets, whatever the pattern: institutions, platforms and photo agencies.
# Photo agencies (and the "Source: Read Full Article" link of syndicated copy): after "Source:"
# they are never news credit.
_PHOTO_AGENCIES = (
    "Getty Images",
    "Getty",
    "mega",
    "Shutterstock",
    "Alamy",
    "AP Photo",
    "PA Images",
    "Splash News",
    "Splash",
    "BackGrid",
    "Rex Features",
    "Rex",
    "EPA",
    "Read Full Article",
)
_NOT_OUTLETS = (
    "Kremlin",
    "Chancellery",
    "White House",
    "Downing Street",
    "Pentagon",
    "Twitter",
    "X",
    "Facebook",
    "Instagram",
    "TikTok",
    "YouTube",
    "Telegram",
    "Reddit",
    *_PHOTO_AGENCIES,
)
_SOCIAL_DOMAINS = frozenset(
    "twitter.com x.com facebook.com instagram.com youtube.com tiktok.com t.me reddit.com".split()
)

# Lower-case words inside names in other languages ("Corriere della Sera", "Journal du Dimanche").
_FOREIGN_CONNECTORS = "de|du|des|del|della|dello|di|da|do|dos|van|von"

# A word that makes a run of capitalised words look like an outlet ("Sunday Herald").
_NEWS_WORDS = frozenset(
    (
        "Times Post Daily Herald News Mail Sun Star Guardian Telegraph Mirror Express Journal Tribune"
        " Gazette Courier Wire Ledger Beacon Sentinel Chronicle Observer Independent Standard Record"
        " Review Bulletin Report Press Agency TV Radio Magazine Dispatch Examiner Inquirer Enquirer"
        " Monitor"
        # French, German, Spanish, Italian, Portuguese, Dutch
        " Journal Presse Quotidien Hebdo Dépêche Courrier Nouvelles Zeitung Allgemeine Rundschau"
        " Nachrichten Tagblatt Anzeiger Kurier Morgenpost Abendblatt Tagesspiegel Diario Periódico"
        " Noticias Prensa Gaceta Heraldo Crónica Correo Corriere Gazzetta Giornale Notizie Messaggero"
        " Jornal Folha Notícias Dagblad Courant Krant Nieuws"
    ).split()
)
# News words that alone are a common noun, not a paper's name: "laut der Zeitung" credits none.
_GENERIC_NEWS_WORDS = frozenset(
    "Journal Presse Zeitung Nachrichten Noticias Prensa Notizie Nieuws Krant".split()
)
# A word that makes a run of capitalised words a person, a role or a date, never an outlet.
_NOT_NAME_WORDS = frozenset(
    (
        "Mr Mrs Ms Miss Mx Dr Prof Professor Sir Dame Lord Lady President Chancellor Minister Secretary"
        " Senator Sen Rep Governor Gov Mayor King Queen Prince Princess General Gen Colonel Col Captain"
        " Capt Officer Spokesman Spokeswoman Spokesperson Editor Reporter Correspondent Journalist"
        " Columnist Chief Director Deputy Judge Justice Detective Inspector Sergeant Constable MP MPs"
        " MEP Chair Chairman Chairwoman Leader Commissioner Ambassador Pope Analyst Expert Official"
        " Monday Tuesday Wednesday Thursday Friday Saturday January February March April May June July"
        " August September October November December"
        " Monsieur Madame Herr Frau Señor Señora Signor Signora Ministre Ministerin Président Präsident"
        " Presidente Kanzler Kanzlerin Bürgermeister Maire Sindaco Alcalde Sprecher Sprecherin"
    ).split()
)
_CONNECTORS = frozenset(("of", "on", "and", "&", *_FOREIGN_CONNECTORS.split("|")))

_PUNCT = "\"'\u201c\u201d\u2018\u2019()[]{}<>,;:.!?\u00ab\u00bb*_"
_POSSESSIVE = re.compile(r"['\u2019]s?$")
_DOMAIN_FULL = re.compile(r"[A-Za-z0-9][\w-]*(?:\.[\w-]+)*\.(?:com|co\.uk|net|org|news)", re.IGNORECASE)
_WS = re.compile(r"\s+")


def _squash(name: str) -> str:
    return _WS.sub(" ", name).strip()


def _strip_the(name: str) -> tuple[str, bool]:
    """``name`` without a leading "the"; and whether it was written "The"."""
    if name[:4].lower() == "the " and len(name) > 4:
        return name[4:].lstrip(), name.startswith("The ")
    return name, False


# Articles a name may start with in other languages ("Le Monde", "Die Zeit", "El País", "l'Equipe"),
# dropped from lookup keys as "the" is: "selon le Monde" and "laut der Zeit" name those papers.
_ARTICLE_KEY = re.compile(r"(?:(?:le|la|les|el|los|las|il|lo|gli|der|die|das|de|het) +|l'(?=\w))(?=\S)")


def _clean(name: str) -> str:
    """``name`` without surrounding punctuation or a possessive "'s"."""
    name = _squash(name).strip(_PUNCT + " ")
    name = _POSSESSIVE.sub("", name) if len(name) > 2 else name
    return name.strip(_PUNCT + " ")


@functools.lru_cache(maxsize=1 << 16)
def _key(name: str) -> str:
    """Lookup key: case-folded, single spaces, curly apostrophes straightened, no leading "the"
    (nor "le", "die", "el"...: :data:`_ARTICLE_KEY`)."""
    bare, _ = _strip_the(_squash(name).replace("\u2019", "'"))
    bare = bare.casefold()
    article = _ARTICLE_KEY.match(bare)
    return bare[article.end() :] if article else bare


def _keys(name: str) -> Iterator[str]:
    """Keys to try for a name as written: as is ("OK!"), then cleaned ("the Sun's" -> "sun")."""
    yield _key(name)
    cleaned = _clean(name)
    if cleaned:
        yield _key(cleaned)
        yield _key(_clean(_strip_the(cleaned)[0]))


def _is_news_word(word: str) -> bool:
    return word in _NEWS_WORDS or (word.isupper() and len(word) > 2 and word.title() in _NEWS_WORDS)


def _looks_like_outlet(words: list[str]) -> bool:
    """A run of capitalised words with a news word and no person, role or date word."""
    if not 1 <= len(words) <= 6 or words[0] in _CONNECTORS or words[-1] in _CONNECTORS:
        return False
    if len(words) == 1 and words[0] in _GENERIC_NEWS_WORDS:
        return False
    for w in words:
        if w in _CONNECTORS:
            continue
        if not (w[0].isupper() or w[0].isdigit()) or w in _NOT_NAME_WORDS:
            return False
    return any(_is_news_word(w) for w in words)


class Aliases:
    """Maps names as written ("the Sun", "Daily Mail", "Beacon") to canonical outlet names.

    Lookups are case-insensitive and ignore a leading "the", a possessive "'s" and surrounding
    punctuation.  A name that is not in the table still resolves when it looks like an outlet
    (see :meth:`resolve`).  Corpus outlets (the outlets of the articles being traced) are in the
    table under their own names; a corpus outlet that is also a built-in alias takes over that
    alias's whole group (corpus outlet "Daily Mail" makes "MailOnline" resolve to "Daily Mail").
    """

    def __init__(self, table: Mapping[str, str] | None = None, corpus_outlets: Iterable[str] = ()) -> None:
        """``table`` maps names as written to canonical names (canonical names map to themselves)."""
        self._table: dict[str, str] = {}
        self._resolved: dict[str, str | None] = {}  # resolve()'s answers while the table is unchanged
        self._blocked: frozenset[str] = frozenset(_key(n) for n in _NOT_OUTLETS)
        self._photo: frozenset[str] = frozenset(_key(n) for n in _PHOTO_AGENCIES)
        for alias, canonical in (table or {}).items():
            self._add(alias, canonical)
        self._corpus: dict[str, str] = {}  # key -> corpus outlet name
        for outlet in corpus_outlets:
            self._add_corpus(outlet)

    # -- construction --------------------------------------------------------------------

    @classmethod
    def default(cls, corpus_outlets: Iterable[str] = ()) -> Aliases:
        """The built-in table plus every corpus outlet under its own name (with or without "The")."""
        table: dict[str, str] = {}
        for canonical, names in _BUILTIN.items():
            table[canonical] = canonical
            for name in names:
                table[name] = canonical
        return cls(table, corpus_outlets)

    @classmethod
    def from_file(cls, path: str, corpus_outlets: Iterable[str] = ()) -> Aliases:
        """:meth:`default` extended by a user file of aliases; its entries win over built-in ones.

        The file is a JSON object ``{"alias": "Canonical", ...}`` (``.json``, or any file whose
        first character is ``{``) or a CSV file with a header naming the columns ``alias`` and
        ``outlet``.  A canonical name that matches a corpus outlet (case-insensitively, with or
        without "The") becomes that corpus outlet.  A file that cannot be read or parsed raises
        :class:`tracer.errors.InputError`.
        """
        return cls.with_pairs(read_alias_pairs(path), corpus_outlets)

    @classmethod
    def with_pairs(cls, pairs: Iterable[tuple[str, str]], corpus_outlets: Iterable[str] = ()) -> Aliases:
        """:meth:`default` extended by ``(alias, canonical)`` pairs, as read from an alias file."""
        aliases = cls.default(corpus_outlets)
        for alias, canonical in pairs:
            corpus = aliases._corpus.get(_key(canonical))
            aliases._add(alias, corpus or canonical)
        return aliases

    def _add(self, alias: str, canonical: str) -> None:
        """``alias`` maps to ``canonical`` (replacing any older entry); ``canonical`` to itself if new."""
        canonical = _squash(canonical)
        self._resolved.clear()
        if _key(alias):
            self._table[_key(alias)] = canonical
        if _key(canonical):
            self._table.setdefault(_key(canonical), canonical)

    def _add_corpus(self, outlet: str) -> None:
        outlet = _squash(outlet)
        if not outlet:
            return
        self._resolved.clear()
        key = _key(outlet)
        previous = self._table.get(key)
        if previous is not None and previous != outlet:
            # The corpus outlet takes over the built-in group it belongs to.
            for k, v in self._table.items():
                if v == previous:
                    self._table[k] = outlet
        self._table[key] = outlet
        self._corpus[key] = outlet

    # -- queries -------------------------------------------------------------------------

    @property
    def corpus_outlets(self) -> frozenset[str]:
        return frozenset(self._corpus.values())

    def lookup(self, name: str) -> str | None:
        """The canonical name of ``name`` if it is in the alias table (no look-alike guessing)."""
        for key in _keys(name):
            if key in self._table:
                return self._table[key]
        return None

    def is_photo_credit(self, name: str) -> bool:
        """Whether ``name`` starts with a photo agency ("Getty Images ...", "mega", "@user/X")."""
        name = _squash(name)
        if name.startswith("@"):
            return True
        low = name.casefold()
        return any(low == p or (low.startswith(p) and not low[len(p)].isalnum()) for p in self._photo)

    def resolve(self, name: str) -> str | None:
        """The canonical outlet name for ``name`` as written, or None if it is not an outlet.

        In order: the alias table (after dropping a leading "the", a possessive "'s" and
        surrounding punctuation); never institutions ("Kremlin"), platforms ("Twitter") or
        photo agencies ("Getty Images"); a domain (``word.com``, ``.co.uk``, ``.net``,
        ``.org``, ``.news``) is its own canonical name; a run of capitalised words with a
        news word (Times, Post, Daily, Herald, News, ...) and no person, role or date word
        ("Mr", "Minister", "Monday") is an outlet.  A look-alike whose words end the name of
        exactly one corpus outlet is that outlet ("the Ledger" -> "Metro Ledger"); otherwise
        its canonical name is the name as written without the leading "the", prefixed with
        "The " only when the text wrote a capital "The" ("The Sunday Herald" -> "The Sunday
        Herald", "the Sunday Herald" -> "Sunday Herald").  Anything else, such as person
        names ("Anton Gerashchenko", "Petra Lund"), is None.
        """
        # The same few names are resolved over and over (outlets, and the people quoted).
        try:
            return self._resolved[name]
        except KeyError:
            pass
        found = self._resolve(name)
        if len(self._resolved) >= 1 << 16:
            self._resolved.clear()
        self._resolved[name] = found
        return found

    def _resolve(self, name: str) -> str | None:
        found = self.lookup(name)
        if found is not None:
            return found
        if any(key in self._blocked for key in _keys(name)):
            return None
        cleaned = _clean(name)
        bare, capital_the = _strip_the(cleaned)
        bare = _clean(bare)
        if not bare:
            return None
        if _DOMAIN_FULL.fullmatch(bare):
            return None if bare.casefold() in _SOCIAL_DOMAINS else bare
        words = bare.split(" ")
        if not _looks_like_outlet(words):
            return None
        tail = [w.casefold() for w in words]
        matches = {
            outlet
            for key, outlet in self._corpus.items()
            if len(k := key.split(" ")) > len(tail) and k[-len(tail) :] == tail
        }
        if len(matches) == 1:
            return matches.pop()
        return ("The " + bare) if capital_the else bare

    def is_corpus_outlet(self, canonical: str) -> bool:
        """Whether ``canonical`` is one of the corpus outlets (case-insensitive, "The" optional)."""
        return _key(canonical) in self._corpus


def read_alias_pairs(path: str) -> list[tuple[str, str]]:
    """(alias, canonical) pairs from a JSON or CSV alias file; InputError when it is bad."""
    try:
        raw = Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(path, "alias file is not UTF-8 text", "save it as UTF-8") from None
    except OSError as exc:
        raise InputError(path, f"cannot read alias file: {exc.strerror or exc}", "check the path") from None
    if not raw.strip():
        raise InputError(
            path, "alias file is empty", 'give a JSON object {"alias": "Outlet"} or a CSV alias,outlet'
        )
    if path.lower().endswith(".json") or raw.lstrip().startswith("{"):
        return _read_alias_json(path, raw)
    return _read_alias_csv(path, raw)


def _read_alias_json(path: str, raw: str) -> list[tuple[str, str]]:
    hint = 'the file must be one JSON object mapping alias to outlet: {"the Beacon": "The Daily Beacon"}'
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InputError(path, f"invalid JSON: {exc.msg}", hint, line=exc.lineno) from None
    if not isinstance(data, dict):
        raise InputError(path, f"expected a JSON object, got {type(data).__name__}", hint)
    pairs: list[tuple[str, str]] = []
    for alias, canonical in data.items():
        if not isinstance(canonical, str) or not canonical.strip() or not alias.strip():
            raise InputError(path, f"alias {alias!r}: the outlet must be a non-empty string", hint)
        pairs.append((alias, canonical))
    return pairs


def _read_alias_csv(path: str, raw: str) -> list[tuple[str, str]]:
    hint = 'the first line must be the header "alias,outlet", then one alias per line'
    reader = csv.reader(io.StringIO(raw))
    try:
        header = next(reader)
        columns = [c.strip().casefold() for c in header]
        if "alias" not in columns or "outlet" not in columns:
            raise InputError(
                path, f"CSV header {','.join(header)!r} lacks an alias or outlet column", hint, line=1
            )
        a, o = columns.index("alias"), columns.index("outlet")
        pairs: list[tuple[str, str]] = []
        for row in reader:
            if not any(cell.strip() for cell in row) or row[0].lstrip().startswith("#"):
                continue
            if len(row) <= max(a, o) or not row[a].strip() or not row[o].strip():
                raise InputError(path, "row needs both an alias and an outlet", hint, line=reader.line_num)
            pairs.append((row[a], row[o]))
    except csv.Error as exc:
        raise InputError(path, f"invalid CSV: {exc}", hint, line=reader.line_num) from None
    return pairs


# --- patterns ------------------------------------------------------------------------------

_UPPER = "A-Z\u00c0-\u00d6\u00d8-\u00de"
_MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December"
    "|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)
# Capitalised words that never continue a name (function words, titles, caption labels), and
# words that never start one either (sentence openers; "USA Today" may end with one).
_STOP_INNER = (
    "The|A|An|On|In|At|By|For|From|To|With|But|And|Or|If|As|So|After|Before|When|While|Since|Until"
    "|This|That|These|Those|It|He|She|They|We|I|You|His|Her|Its|Their|Our|My|Your|According|Asked"
    "|Speaking|Mr|Mrs|Ms|Dr|Source|Sources|Picture|Photo|Image|Credit"
)
_STOP_START = _STOP_INNER + "|Yesterday|Today|Tonight|Last|Next|Meanwhile|However|Now|Then|Earlier|Later|Also"
_SP = r"[ \t\u00a0]+"
_FIRST = rf"(?!(?:{_STOP_START})\b)[{_UPPER}][\w&!\-]*"
_WORD = rf"(?!(?:{_STOP_INNER})\b)[{_UPPER}][\w&!\-]*"
_DOMAIN = r"[A-Za-z0-9][\w-]*(?:\.[\w-]+)*\.(?:com|co\.uk|net|org|news)\b"
_NAME = (
    rf"(?:[Tt]he{_SP})?(?:{_DOMAIN}|{_FIRST}"
    rf"(?:(?:{_SP}(?:of|on|and|&|{_FOREIGN_CONNECTORS}))?{_SP}(?:{_WORD}|\d+\b)){{0,5}})"
)
_ADV = r"(?:first|previously|originally|exclusively|earlier|recently|also|now|today|yesterday)"
_REPORT_IN = (
    rf"(?:(?:(?:a|an|the){_SP})?(?:(?:new|recent|latest|separate){_SP})?"
    rf"(?:reports?|articles?|story|stories|interview){_SP}(?:in|by|from|with|on){_SP})?"
)


def _before(keyword: str, lead_in: str = "") -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Keyword, then the name: "according to X"; ``lead_in`` may sit between ("a report in").

    Returned with a cheap pattern of the keyword alone: where it does not occur, the costly
    name pattern is not run at all (credits are rare; most paragraphs have none).
    """
    return re.compile(rf"\b(?i:{keyword}){_SP}{lead_in}(?P<name>{_NAME})"), re.compile(rf"\b(?i:{keyword})")


def _after(verb: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Name, then the verb: "X reported", "the PA news agency reported" (with the verb alone as
    the cheap pattern)."""
    return (
        re.compile(rf"(?<![\w.@-])(?P<name>{_NAME})(?:{_SP}news{_SP}agency)?{_SP}(?i:{verb})\b"),
        re.compile(rf"(?i:{verb})\b"),
    )


# The same kinds of credit in French, German, Spanish, Italian, Portuguese and Dutch. Between
# keyword and name may come an article and a word for the paper ("selon le quotidien Le Monde",
# "laut dem Spiegel", "según el diario El País", "d'après l'AFP"), never part of the name.
_ART = (
    rf"(?:de{_SP}la|le|la|les|du|des|au|aux|el|los|las|del|al|il|lo|gli|della|dello"
    r"|der|die|das|dem|den|het|de|o|a|os|as|do|da|pelo|pela)"
)
_ELIDED = rf"(?:(?:de{_SP})?l|dell|all|dall|nell|d)['\u2019]"
_PAPER = (
    r"(?:quotidien|journal|hebdomadaire|magazine|site|agence|diario|peri[oó]dico|semanario|agencia"
    r"|cadena|quotidiano|giornale|settimanale|agenzia|jornal|krant|dagblad)"
)
_THE_PAPER = rf"(?:(?:{_ART}{_SP}|{_ELIDED})(?:{_PAPER}{_SP}(?:{_ART}{_SP}|{_ELIDED})?)?)?"
_FOREIGN_RULES: tuple[tuple[str, tuple[re.Pattern[str], re.Pattern[str]], bool], ...] = (
    (
        "according-to",
        _before(
            rf"selon(?:{_SP}les{_SP}informations)?|d['\u2019]apr[eè]s|laut|seg[uú]n|de{_SP}acuerdo{_SP}con"
            rf"|secondo|stando{_SP}a|de{_SP}acordo{_SP}com|conforme|volgens",
            _THE_PAPER,
        ),
        False,
    ),
    (
        "reported",
        _before(
            rf"(?:rapport|r[ée]v[ée]l|publi)[ée]e?s?{_SP}par|(?:publicad|revelad|informad)[oa]s?{_SP}por"
            rf"|(?:riportat|rivelat|pubblicat)[oaie]{_SP}da|(?:publicad|revelad|noticiad)[oa]s?{_SP}pel[oa]",
            _THE_PAPER,
        ),
        False,
    ),
    (
        # The verb before the name: "a révélé Le Parisien", "berichtete der Spiegel", "informó El País".
        "reported",
        _before(
            rf"(?:a{_SP})?(?:rapporté|révélé|écrit|annoncé|indiqué|précisé|affirmé)|rapporte|révèle"
            rf"|rapportait|révélait|écrivait|annonce|annonçait|indique|précise|affirme"
            rf"|berichtet|berichtete|meldet|meldete|schreibt|schrieb|informó|publicó|reveló"
            rf"|(?:ha{_SP})?(?:riportato|rivelato|scritto)|riporta|rivela|scrive"
            rf"|noticiou|revelou|informou|publicou|meldt|meldde|schrijft|schreef|onthulde|aldus",
            _THE_PAPER,
        ),
        False,
    ),
    (
        # The name before the verb: "Le Monde a révélé", "wie der Spiegel berichtet".
        "reported",
        _after(
            rf"(?:a{_SP})?(?:rapporté|révélé|écrit)|rapporte|révèle|berichtet|berichtete|meldet|meldete"
            rf"|schreibt|schrieb|(?:ha{_SP})?(?:informado|publicado|revelado)|informó|publicó"
            rf"|reveló|(?:ha{_SP})?(?:riportato|rivelato|scritto)|riporta|rivela|scrive|noticiou|revelou"
            rf"|informou|publicou|(?:heeft{_SP})?(?:gemeld|onthuld)|meldt|meldde|schrijft|schreef"
        ),
        True,
    ),
    ("according-to", _after("zufolge"), True),  # "dem Spiegel zufolge": according to Der Spiegel
    (
        "citing",
        _before(
            rf"cit[ée]e?s?{_SP}par|citant|unter{_SP}Berufung{_SP}auf|citad[oa]s?{_SP}por|citando"
            rf"|citat[oaie]{_SP}da",
            _THE_PAPER,
        ),
        False,
    ),
    (
        "told",
        _before(
            rf"(?:a{_SP})?(?:déclaré|confié|indiqué|affirmé|expliqué|raconté){_SP}(?:à|au)"
            rf"|(?:dans{_SP}un{_SP}entretien|interrogée?s?){_SP}(?:à|au|avec|par)|gegenüber"
            rf"|im{_SP}(?:Interview|Gespräch){_SP}mit|en{_SP}(?:declaraciones|una{_SP}entrevista){_SP}(?:a|con)"
            rf"|(?:dijo|declaró|explicó){_SP}a|(?:ha{_SP})?(?:detto|dichiarato|spiegato|raccontato){_SP}a"
            rf"|in{_SP}un['\u2019]intervista{_SP}(?:a|con)",
            _THE_PAPER,
        ),
        False,
    ),
)
_FOREIGN_RULE_WORDS: tuple[tuple[str, ...], ...] = (
    ("selon", "après", "apres", "laut", "según", "segun", "acuerdo", "secondo", "stando", "acordo", "conforme", "volgens"),
    ("rapport", "révél", "revel", "publié", "publie", "publicad", "revelad", "informad", "riportat", "rivelat",
     "pubblicat", "noticiad"),
    ("rapport", "révél", "écrit", "écrivait", "annonc", "indiqu", "précis", "affirm", "bericht", "meldet", "schreibt", "schrieb", "informó", "publicó",
     "reveló", "riport", "rivel", "scrive", "scritto", "noticiou", "revelou", "informou", "publicou", "meldt",
     "meldde", "schrijft", "schreef", "onthulde", "aldus"),
    ("rapport", "révél", "écrit", "bericht", "meldet", "schreibt", "schrieb", "informado", "publicado",
     "revelado", "informó", "publicó", "reveló", "riport", "rivel", "scrive", "scritto", "noticiou", "revelou",
     "informou", "publicou", "gemeld", "onthuld", "meldt", "meldde", "schrijft", "schreef"),
    ("zufolge",),
    ("cité", "citée", "citant", "citad", "citando", "citat", "berufung"),
    ("déclaré", "confié", "indiqué", "affirmé", "expliqué", "raconté", "entretien", "interrog", "gegenüber",
     "im interview", "gespräch", "declaraciones", "entrevista", "dijo", "declaró", "explicó", "detto",
     "dichiarato", "spiegato", "raccontato", "intervista"),
)  # fmt: skip

# (pattern, (regex, cheap pre-check), whether the name comes first)
_RULES: tuple[tuple[str, tuple[re.Pattern[str], re.Pattern[str]], bool], ...] = (
    ("according-to", _before(rf"according{_SP}to", _REPORT_IN), False),
    ("reported", _before(rf"(?:as{_SP})?(?:{_ADV}{_SP})?(?:reported|revealed|published){_SP}by"), False),
    (
        "reported",
        _after(rf"(?:(?:has|have|had){_SP})?(?:{_ADV}{_SP})?(?:reported|reports|revealed|reveals)"),
        True,
    ),
    ("obtained-by", _before(rf"(?:obtained|seen|acquired){_SP}by"), False),
    ("obtained-by", _after(rf"(?:(?:has|have|had){_SP})?(?:{_ADV}{_SP})?(?:obtained|acquired)"), True),
    (
        "has-learned",
        _after(rf"(?:(?:has|have|had){_SP})?(?:learned|learnt)|can{_SP}(?:now{_SP})?reveal|understands"),
        True,
    ),
    (
        "told",
        _before(rf"told|speaking{_SP}to|spoke{_SP}to|talking{_SP}to|in{_SP}an{_SP}interview{_SP}with"),
        False,
    ),
    ("citing", _before(rf"citing|cited{_SP}by|quoting", _REPORT_IN), False),
    ("said", _after(r"said|says|claimed|claims|wrote|writes|stated"), True),
    ("via", _before("via"), False),
    ("contributed", _after(rf"contributed{_SP}to{_SP}this{_SP}(?:report|story|article)"), True),
    ("contributed", _before(rf"(?:additional{_SP})?reporting{_SP}by"), False),
    *_FOREIGN_RULES,
)
# Words one of which a paragraph must contain for each rule above to be worth running
# (plain substring tests on the lower-cased text, much cheaper than case-insensitive regexes).
_RULE_WORDS: tuple[tuple[str, ...], ...] = (
    ("according",),
    ("reported", "revealed", "published"),
    ("reported", "reports", "revealed", "reveals"),
    ("obtained", "seen", "acquired"),
    ("obtained", "acquired"),
    ("learned", "learnt", "reveal", "understands"),
    ("told", "speaking", "spoke", "talking", "interview"),
    ("citing", "cited", "quoting"),
    ("said", "says", "claimed", "claims", "wrote", "writes", "stated"),
    ("via",),
    ("contributed",),
    ("reporting",),
    *_FOREIGN_RULE_WORDS,
)
assert len(_RULE_WORDS) == len(_RULES)
_ENGLISH_RULE_WORDS = tuple(sorted({w for words in _RULE_WORDS[: -len(_FOREIGN_RULES)] for w in words}))
_FOREIGN_WORDS = tuple(sorted({w for words in _FOREIGN_RULE_WORDS for w in words} - set(_ENGLISH_RULE_WORDS)))


class _Shortcut(NamedTuple):
    """Ways to skip regex work on a rule that cannot find anything; the matches stay the same.

    ``pre``: a pattern the lower-cased paragraph must contain for the rule to match at all.
    ``starts`` (name-first rules): words one of which, in any case, every match of the rule's
    verb pattern starts with (see :func:`_verbs`). ``finals``: the words the verb always ends
    with; ``plain``: the verb is one of them alone (see :func:`_rule_matches`).
    """

    pre: re.Pattern[str] | None = None
    starts: tuple[str, ...] = ()
    finals: tuple[str, ...] = ()
    plain: bool = False


def _name_first_shortcut(finals: str, starts: str = "", plain: bool = False) -> _Shortcut:
    words = finals.split()
    assert all(w.isalpha() and w.islower() for w in words)
    # a plain verb's word is known from where it ends: no word may end another one
    assert not plain or not any(a != b and b.endswith(a) for a in words for b in words)
    return _Shortcut(None, (*starts.split(), *words), tuple(words), plain)


_HAS_ADV = "has have had first previously originally exclusively earlier recently also now today yesterday"
_SHORTCUTS: tuple[_Shortcut, ...] = (
    _Shortcut(),
    # "reported by" needs a "d" before spacing and "by": few paragraphs with "reported" have it
    _Shortcut(pre=re.compile(r"d[ \t\u00a0]+by")),
    _name_first_shortcut("reported reports revealed reveals", _HAS_ADV),
    _Shortcut(),
    _name_first_shortcut("obtained acquired", _HAS_ADV),
    _name_first_shortcut("learned learnt reveal understands", "has have had can"),
    _Shortcut(),
    _Shortcut(),
    _name_first_shortcut("said says claimed claims wrote writes stated", plain=True),
    _Shortcut(),
    _Shortcut(),
    _Shortcut(),
    *(_Shortcut() for _ in _FOREIGN_RULES),
)
assert len(_SHORTCUTS) == len(_RULES)

_SOURCE = re.compile(r"\b(?i:sources?)[ \t]*:[ \t]*(?P<rest>[^\n]*)")
# Wire copy's credit: "LONDON (Reuters) - ...", "... (dpa)" ending a paragraph, "(dpa/AFP)".
_DATELINE = re.compile(r"\((?P<names>[^()\n]{1,60})\)(?=\.?[ \t\u00a0]*(?:[-\u2013\u2014]|\n|$))")
_DATELINE_SPLIT = re.compile(r"[ \t]*[/,;][ \t]*")
_SOURCE_NAME = re.compile(_NAME)
_TWEET = re.compile(
    rf"[\u2014\u2013-][ \t]*(?P<who>[^\s()\u2014\u2013][^()\n\u2014\u2013]{{0,80}}?)[ \t]*"
    rf"\((?P<handle>@\w{{1,15}})\)[ \t]*(?:{_MONTHS})\.?[ \t]+\d{{1,2}},[ \t]*\d{{4}}"
)
_TOKEN = re.compile(r"\S+")


def _resolve_run(
    text: str, start: int, end: int, aliases: Aliases, name_first: bool
) -> tuple[str, int, int] | None:
    """The outlet named by the run of words ``text[start:end]`` (or a part of it next to the keyword).

    Parts next to the keyword: prefixes when the keyword comes first ("according to X"),
    suffixes when the name comes first ("X reported").  The longest part that resolves wins
    ("Kyiv Independent", not "Independent").  Returns (canonical, start, end) of the part.
    """
    tokens = [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text, start, end)]
    n = len(tokens)
    ranges = [(i, n) for i in range(n)] if name_first else [(0, j) for j in range(n, 0, -1)]
    parts = [
        (tokens[i][0], tokens[j - 1][1])
        for i, j in ranges
        if tokens[i][2] not in _CONNECTORS
        and tokens[j - 1][2] not in _CONNECTORS
        and not (j - i == 1 and tokens[i][2].lower() == "the")
    ]
    for a, b in parts:
        written = text[a:b]
        canonical = aliases.resolve(written)
        if canonical is None:
            continue
        if written[-1] in "!-" and _key(written) not in aliases._table:
            b -= len(written) - len(written.rstrip("!-"))  # "told Metro Ledger!": not the name's
        return canonical, a, b
    return None


def _rule_matches(
    region: str,
    regex: re.Pattern[str],
    hint: re.Pattern[str],
    name_first: bool,
    shortcut: _Shortcut | None = None,
    lowered: str | None = None,
) -> Iterator[re.Match[str]]:
    """``regex``'s matches in ``region``, run only where its keyword occurs.

    A name-first pattern ("X said") is tried only in the stretch just before each
    occurrence of its verb: scanning every capital letter of a paragraph for a name
    that might be followed by "said" was most of the cost of finding credits.

    ``shortcut`` (the rule's entry in ``_SHORTCUTS``) lets a name-first rule find its verbs
    faster, skip searches that cannot find a match ending at the verb and start others later;
    ``lowered`` is ``region.lower()``. The matches are the same.

    The shortcuts find words in ``lowered``: a word matched in any case is there, at the same
    place, unless lower-casing moved characters (a character that grows) or a character
    matches a letter but lower-cases to another ("ſ" for "s", "ı" for "i"). In those rare
    paragraphs the shortcuts are not taken.
    """
    if not name_first:
        # The keyword comes first: try the full pattern only where a keyword starts.
        end = 0
        for h in hint.finditer(region):
            if h.start() < end:
                continue  # inside the previous match (finditer's matches do not overlap either)
            m = regex.match(region, h.start())
            if m is not None:
                end = m.end()
                yield m
        return
    seen: set[tuple[int, int]] = set()
    cut = shortcut or _Shortcut()
    low = ""
    if cut.starts or cut.finals:
        low = region.lower() if lowered is None else lowered
        if len(low) != len(region) or "\u017f" in region or "\u0131" in region:
            cut = _Shortcut()
    verbs = _verbs(region, low, hint, cut.starts) if cut.starts else hint.finditer(region)
    for h in verbs:
        pos = max(0, h.start() - _NAME_REACH)
        if cut.finals:
            if cut.plain and not _name_may_end(region, pos, h.start()):
                continue  # no name can end just before this verb: the search would find nothing
            pos = _first_start(region, low, pos, h.end(), cut.finals)
        m = regex.search(region, pos, h.end())
        while m is not None and m.end() != h.end():  # a name before an earlier verb: look past it
            m = regex.search(region, m.end(), h.end())
        if m is not None and m.span() not in seen:
            seen.add(m.span())
            yield m


# Longest stretch a name with its spacing can take before a verb (six words, a "The", a domain).
_NAME_REACH = 160

# Most runs of non-space characters a name-first match spans: "The", six words with a connector
# ("of", "on", "and", "&") between each two, and a verb of up to three words ("has previously
# reported", "can now reveal").
_MAX_RUNS = 1 + 6 + 5 + 3
_SP_RUN = re.compile(_SP)
_SPACE = frozenset(" \t\u00a0")  # the characters of _SP
_NAME_PUNCT = frozenset("_&!-.")  # with letters and digits: every character of a name's words
_CAPITALS = frozenset(
    chr(c) for c in [*range(ord("A"), ord("Z") + 1), *range(0xC0, 0xD7), *range(0xD8, 0xDF)]
)  # _UPPER
_DOMAIN_ENDS = (".com", ".co.uk", ".net", ".org", ".news")


def _verbs(
    region: str, lowered: str, hint: re.Pattern[str], starts: tuple[str, ...]
) -> Iterator[re.Match[str]]:
    """``hint.finditer(region)``, trying ``hint`` only where one of ``starts`` occurs.

    Every match of ``hint`` starts with one of ``starts`` in some case, so it starts where
    ``lowered`` has that word. From each match on, the next is the leftmost after it, as
    finditer finds them.
    """
    found: set[int] = set()
    for word in starts:
        i = lowered.find(word)
        while i >= 0:
            found.add(i)
            i = lowered.find(word, i + 1)
    end = 0
    for i in sorted(found):
        if i < end:
            continue
        m = hint.match(region, i)
        if m is not None and m.end() > i:
            end = m.end()
            yield m


def _name_may_end(region: str, pos: int, verb: int) -> bool:
    """Whether a name starting at or after ``pos`` can end just before spacing and ``region[verb:]``.

    A name's last word is a capitalised word, a number or a domain: the run of name characters
    before the spacing must hold a capital or a digit, or end like a domain ("he said": no).
    """
    j = verb
    while j > pos and region[j - 1] in _SPACE:
        j -= 1
    if j == verb:
        return False  # no spacing between the name and the verb
    i = j
    while i > pos and (region[i - 1].isalnum() or region[i - 1] in _NAME_PUNCT):
        i -= 1
    run = region[i:j]
    return any(c in _CAPITALS or c.isdecimal() for c in run) or run.endswith(_DOMAIN_ENDS)


def _first_start(region: str, lowered: str, pos: int, end: int, finals: tuple[str, ...]) -> int:
    """Where to start searching ``region[pos:end]`` for a match ending at ``end``: ``pos``, or a
    later position when no match can start before it.

    A match's verb ends with one of the rule's final words. When none of them occurs in the
    stretch except at its end, every match in the stretch ends at ``end``, so it spans at most
    ``_MAX_RUNS`` runs of non-space characters (a name's words and the verb's have no spaces
    inside): it cannot start before the ``_MAX_RUNS``-th run from the end, and the leftmost
    match from there is the leftmost from ``pos``.
    """
    if any(lowered.find(word, pos, end - 1) >= 0 for word in finals):
        return pos
    spaces = [m.end() for m in _SP_RUN.finditer(region, pos, end)]
    return spaces[-_MAX_RUNS] if len(spaces) >= _MAX_RUNS else pos


def _english(lowered: str) -> bool:
    """Whether a lower-cased paragraph reads as English, by three of its commonest words."""
    return " the " in lowered and (" and " in lowered or " to " in lowered)


def _candidates(text: str, lo: int, hi: int, aliases: Aliases) -> Iterator[Credit]:
    """Every credit phrase in ``text[lo:hi]``, unsorted, own outlet included."""
    region = text[lo:hi]
    lowered = region.lower()
    present = {w for w in _ENGLISH_RULE_WORDS if w in lowered}
    # A paragraph with "the" and "and" or "to" is English (nearly every English one has them; "the"
    # alone may be an outlet's: "selon The Times"): English text is spared looking for the other
    # languages' words, which cost more than the English rules' own look.
    if not _english(lowered):
        present.update(w for w in _FOREIGN_WORDS if w in lowered)
    for rule, words, cut in zip(_RULES, _RULE_WORDS, _SHORTCUTS, strict=True):
        if present.isdisjoint(words) or (cut.pre is not None and cut.pre.search(lowered) is None):
            continue
        yield from _rule_credits(text, lo, region, lowered, rule, cut, aliases)
    # "Source:" needs "ource" in any case (of its letters only "s" has a case variant, "ſ",
    # that lower() does not give), a tweet's sign-off needs "(@": most paragraphs have neither.
    for m in _SOURCE.finditer(region) if ":" in region and "ource" in lowered else ():
        rest = m.group("rest")
        if not rest.strip() or aliases.is_photo_credit(rest):
            continue
        nm = _SOURCE_NAME.match(rest)
        if nm is None:
            continue
        name_start = lo + m.start("rest")
        found = _resolve_run(text, name_start, name_start + nm.end(), aliases, False)
        if found is None:
            continue
        outlet, _, b = found
        start = lo + m.start()
        yield Credit(outlet, text[start:b], start, b, "source", not aliases.is_corpus_outlet(outlet))
    yield from _dateline_credits(text, lo, region, aliases)
    for m in _TWEET.finditer(region) if "(@" in region else ():
        handle = m.group("handle")
        start, end = lo + m.start("who"), lo + m.end()
        yield Credit(handle, text[start:end], start, end, "tweet", not aliases.is_corpus_outlet(handle))


def _rule_credits(
    text: str,
    lo: int,
    region: str,
    lowered: str,
    rule: tuple[str, tuple[re.Pattern[str], re.Pattern[str]], bool],
    cut: _Shortcut,
    aliases: Aliases,
) -> Iterator[Credit]:
    """The credits one rule of :data:`_RULES` finds in ``region`` (``text[lo:...]``; ``lowered``:
    it lower-cased; ``cut``: the rule's :class:`_Shortcut`)."""
    pattern, (regex, hint), name_first = rule
    for m in _rule_matches(region, regex, hint, name_first, cut, lowered):
        found = _resolve_run(text, lo + m.start("name"), lo + m.end("name"), aliases, name_first)
        if found is None:
            continue
        outlet, a, b = found
        start, end = (a, lo + m.end()) if name_first else (lo + m.start(), b)
        yield Credit(outlet, text[start:end], start, end, pattern, not aliases.is_corpus_outlet(outlet))


def _dateline_credits(text: str, lo: int, region: str, aliases: Aliases) -> Iterator[Credit]:
    """Agencies named in brackets as wire copy credits them (:data:`_DATELINE`), each one that
    resolves to an outlet ("(pictured)" does not)."""
    for m in _DATELINE.finditer(region) if ")" in region else ():
        start, end = lo + m.start(), lo + m.end()
        for name in _DATELINE_SPLIT.split(m.group("names").strip()):
            outlet = aliases.resolve(name) if name else None
            if outlet is not None:
                yield Credit(
                    outlet, text[start:end], start, end, "dateline", not aliases.is_corpus_outlet(outlet)
                )


# A byline: a short line of its own, no sentence's end, its names apart by commas or "and".
_BYLINE = re.compile(r"^[ \t]*By[ \t]+(?P<names>[^\n]{1,80}?)[ \t]*$", re.MULTILINE)
_BYLINE_SPLIT = re.compile(r"[ \t]*,[ \t]*|[ \t]+and[ \t]+")
_BYLINE_WORDS = 10
_ROLES = frozenset(
    {"reporter", "reporters", "staff", "correspondent", "correspondents", "writer", "writers", "team", "desk"}
)
# A sign-off: an article's last line, an outlet's name alone ("- PA", "— Press Association").
_SIGNOFF_WORDS = 4
_DASHES = "-\u2013\u2014"


def _signoff_credits(text: str, aliases: Aliases) -> Iterator[Credit]:
    """The outlet an article's last line names alone, as papers sign off agency copy ("- PA",
    "PA Media"): a line of at most a few words, no sentence's end, that resolves."""
    end = len(text.rstrip())
    start = text.rfind("\n", 0, end) + 1
    name = text[start:end].strip().lstrip(_DASHES).strip()
    if not name or name[-1] in ".!?:;," or len(name.split()) > _SIGNOFF_WORDS or name.startswith("By "):
        return  # (a byline heads an article)
    outlet = aliases.resolve(name)
    if outlet is not None:
        start += len(text[start:end]) - len(text[start:end].lstrip())
        yield Credit(outlet, text[start:end], start, end, "sign-off", not aliases.is_corpus_outlet(outlet))


def _byline_credits(text: str, aliases: Aliases) -> Iterator[Credit]:
    """Outlets a byline names as an article's author ("By PA Reporter": the longest run of its
    first words that resolves, so a role after the name is left out); a person's name never
    resolves, and a line ending as a sentence does ("By Tuesday, it had closed.") is none."""
    for m in _BYLINE.finditer(text):
        names = m.group("names")
        if names[-1] in ".!?:;" or len(names.split()) > _BYLINE_WORDS:
            continue
        for part in _BYLINE_SPLIT.split(names):
            words = part.split()
            while words and words[-1].lower() in _ROLES:  # "Press Association Reporters": the name
                words.pop()
            outlet = next(
                (o for k in range(len(words), 0, -1) if (o := aliases.resolve(" ".join(words[:k])))), None
            )
            if outlet is not None:
                yield Credit(
                    outlet,
                    m.group(0).strip(),
                    m.start(),
                    m.end(),
                    "byline",
                    not aliases.is_corpus_outlet(outlet),
                )


class SentenceBounds(NamedTuple):
    """A text's sentences, in order, as their starts and their ends."""

    starts: list[int]
    ends: list[int]

    @classmethod
    def of(cls, sentences: Sequence[tuple[int, int]]) -> SentenceBounds:
        return cls([a for a, _ in sentences], [b for _, b in sentences])


def _window(
    text: str,
    span: tuple[int, int],
    window: int,
    sentences: Sequence[tuple[int, int]] | SentenceBounds | None = None,
) -> tuple[int, int]:
    """[lo, hi) of the sentences holding ``span`` plus ``window`` sentences either side
    (``sentences``: ``text``'s, where the caller has them)."""
    if not isinstance(sentences, SentenceBounds):
        sentences = SentenceBounds.of(split_sentences(text) if sentences is None else sentences)
    starts, ends = sentences
    if not starts:
        return 0, 0
    s, e = span
    # Sentences are in text order and do not overlap: those holding the span (ending after
    # ``s``, starting before ``e`` or, for an empty span, at ``s``) are a run found by bisection.
    begin = bisect.bisect_right(ends, s)
    stop = bisect.bisect_right(starts, s) if s == e else bisect.bisect_left(starts, e)
    if begin >= stop:  # the span lies in whitespace between sentences: take the next one (or the last)
        begin = min(bisect.bisect_left(starts, e), len(starts) - 1)
        stop = begin + 1
    first = max(0, begin - window)
    last = min(len(starts) - 1, stop - 1 + window)
    return starts[first], ends[last]


def find_credits(
    text: str,
    span: tuple[int, int],
    aliases: Aliases,
    own_outlet: str | None = None,
    window: int = 1,
    sentences: Sequence[tuple[int, int]] | SentenceBounds | None = None,
    seen_regions: dict[str, list[Credit]] | None = None,
) -> list[Credit]:
    """Outlets explicitly credited near ``text[span[0]:span[1]]``, in text order, one per outlet.

    Looks at the sentence(s) overlapping ``span`` and ``window`` sentences before and after.
    A credit to ``own_outlet`` (the article's own outlet, compared after resolving both names)
    is not returned.  Raises ValueError for a span outside the text or a negative window.
    ``sentences``: :func:`~tracer.segment.split_sentences` of ``text``, where the caller has
    them (split with others at once: :func:`~tracer.segment.split_many`), as pairs or as
    :class:`SentenceBounds`. ``seen_regions``: a
    dict kept by a caller that asks of many texts with these ``aliases``, filled here with the
    credit phrases of each text looked at: wire copy puts one paragraph in many articles.
    """
    s, e = span
    if not 0 <= s <= e <= len(text):
        raise ValueError(f"span {span} is outside a text of {len(text)} characters")
    if window < 0:
        raise ValueError(f"window must be >= 0, got {window}")
    lo, hi = _window(text, span, window, sentences)
    return _one_per_outlet(_phrases(text, lo, hi, aliases, seen_regions), aliases, own_outlet)


# How far into an article, from either end, a credit of the whole article is looked for: a
# dateline may follow a line of the paper's own ("Local intro. / LONDON (Reuters) - ...").
ARTICLE_END_CHARS = 300


def article_ends(text: str) -> tuple[str, int, str]:
    """The first and the last :data:`ARTICLE_END_CHARS` characters of ``text`` (the last as
    ``(start, part)``; empty where the first reach it), where :func:`article_credits` looks."""
    head = text[:ARTICLE_END_CHARS]
    tail_start = max(len(text) - ARTICLE_END_CHARS, len(head))
    return head, tail_start, text[tail_start:]


def article_credits(
    ends: tuple[str, int, str], aliases: Aliases, own_outlet: str | None = None
) -> list[Credit]:
    """Outlets an article credits as a whole, one per outlet, in text order: a wire dateline
    ("LONDON (Reuters) - ") or "(dpa)" near its start or end, "Reuters contributed to this
    report". ``ends``: :func:`article_ends` of its text (offsets are the text's);
    ``own_outlet``: as for :func:`find_credits`."""
    head, tail_start, tail = ends
    found = [
        c
        for part, at, last in ((head, 0, not tail), (tail, tail_start, True))
        for c in _whole_article_phrases(part, at, aliases, last)
    ]
    return _one_per_outlet(found, aliases, own_outlet) if found else found


def _whole_article_phrases(part: str, at: int, aliases: Aliases, last: bool) -> list[Credit]:
    """The credits of the whole article in ``part`` of it (at ``at``; ``last``: where it ends),
    by the rules of ``dateline``, ``byline``, ``sign-off`` and ``contributed`` alone: they are
    looked for in every member's article."""
    found = list(_dateline_credits(part, 0, part, aliases))
    if at == 0 and "By" in part:
        found += _byline_credits(part, aliases)
    if last and part:
        found += _signoff_credits(part, aliases)
    lowered = part.lower()
    if "contributed" in lowered or "reporting" in lowered:
        for rule, cut in zip(_RULES, _SHORTCUTS, strict=True):
            if rule[0] == "contributed":
                found += _rule_credits(part, 0, part, lowered, rule, cut, aliases)
    return [replace(c, start=c.start + at, end=c.end + at) for c in found] if at else found


def _one_per_outlet(found: Iterable[Credit], aliases: Aliases, own_outlet: str | None) -> list[Credit]:
    """``found`` less credits to ``own_outlet`` and to an outlet credited before."""
    own_key: str | None = None
    if own_outlet is not None and own_outlet.strip():
        own_key = _key(aliases.resolve(own_outlet) or own_outlet)
    seen: set[str] = set()
    credits: list[Credit] = []
    for credit in found:
        key = _key(credit.outlet)
        if key == own_key or key in seen:
            continue
        seen.add(key)
        credits.append(credit)
    return credits


def _phrases(
    text: str, lo: int, hi: int, aliases: Aliases, seen_regions: dict[str, list[Credit]] | None
) -> list[Credit]:
    """:func:`_candidates` in text order, found once per region text in ``seen_regions``: they
    depend on nothing else (found in the region alone, their offsets are from its start)."""
    if seen_regions is None:
        return sorted(_candidates(text, lo, hi, aliases), key=_PLACE)
    region = text[lo:hi]
    found = seen_regions.get(region)
    if found is None:
        found = seen_regions[region] = sorted(_candidates(region, 0, len(region), aliases), key=_PLACE)
    return [replace(c, start=c.start + lo, end=c.end + lo) for c in found] if lo else found


_PLACE = operator.attrgetter("start", "end")
