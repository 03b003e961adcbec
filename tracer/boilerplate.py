"""Boilerplate: text that is reused for reasons other than copying news.

Two kinds, both kept out of reported reuse by default:
- *promos*, recognised by their wording whatever the corpus ("sign up for our
  newsletter", "READ MORE:", "Source: Read Full Article", "Try 1 month free"): a single
  article is enough to know them, which matters for small corpora like the seeds. A short
  line is read whole; on a long line (a paragraph, or a whole article where a corpus keeps
  each article on one line) each sentence is read on its own;
- *templates*, recognised by frequency: a line an outlet prints in many of its own
  articles, or a line that recurs as such in several outlets (shared ads, syndication
  footers); and the same of sentences, which does not need line breaks: a sentence an
  outlet prints in many articles, or one *shape* ("Sign up to the <Name> newsletter for the
  politics briefing", capitalised words and numbers as slots) that many outlets print, each
  with its own words in the slots. Only occurrences outside passages count: a sentence with
  the same neighbour in two articles is part of a passage (a wire story, an outlet's update of
  its own story), reuse to report rather than a template. Nor is *wire copy* a template by
  its counts, a line or sentence that several outlets print within days (a burst of its dated
  carriers that the corpus's dates do not explain, or many outlets), however often each
  prints it: a template recurs for as long as its outlet publishes.

Templates are worked out from every stored sentence each time matches are rebuilt, so an
incremental scan finds the same ones as a scan of everything.
"""

from __future__ import annotations

import functools
import re

import numpy as np

from .params import BoilerplateParams
from .segment import line_table
from .text import _SEQ_LEN, TOKEN_RE, _fmix64, fold, line_ids, token_table, whitespace_stretches

# Navigation lines, recognised by how they start.
_NAVIGATION = (
    r"^\W*(?:read more|read next|more(?=\s*:)|more coverage|most read|related(?: articles?| stories)?|see also|"
    r"advertisement|sponsored|trending|recommended|watch(?: now| live)?|listen|more on this story)\b\W*"
)
# Promos and ads, recognised anywhere in a line.
_PROMO_PATTERNS = [
    r"\b(?:sign(?:ing)? up|subscribe|register)\b.{0,80}\b(?:newsletter|alerts?|updates|e-?mails?|bulletin)",
    r"\bnewsletter\b.{0,60}\b(?:sign(?:ing)? up|subscribe|inbox|free|here)\b",
    r"\bsource:\s*read full article\b",
    r"\b(?:click|tap) here\b",
    r"\bdownload (?:the|our) (?:\w+ )?app\b",
    r"\b(?:try|get) (?:\d+|one|a) (?:month|week)s? (?:for )?free\b",
    r"\bfree trial\b",
    r"\boffer (?:available|ends|valid)\b",
    r"\blimited time only\b",
    r"\bfollow us on\b",
    r"\ball rights reserved\b",
    r"\bcopyright\b|\u00a9",
    r"\bstream your news\b",
    r"\bcookie(?:s| policy)\b.{0,40}\b(?:accept|consent|use)\b",
    r"\bshare (?:this|on) (?:article|story|facebook|twitter|whatsapp)\b",
    # In French, German, Spanish and Italian (folded: no accents), as a press archive prints them.
    r"\b(?:abonnez-vous|inscrivez-vous|abonnieren sie|jetzt abonnieren|suscribete|suscribase|iscriviti)\b",
    r"\bmelden sie sich\b.{0,60}\bnewsletter\b|\bnewsletter\b.{0,40}\b(?:anmelden|abonnieren)\b",
    r"\b(?:suivez|folgen sie|siguenos|seguici|volg)\b.{0,60}\b(?:reseaux sociaux|redes sociales|social media"
    r"|sociale media|facebook|instagram|twitter|tiktok|youtube|whatsapp|telegram)\b",
    r"\b(?:wochen?|monate?|tage|mois|semaines?) (?:gratis|kostenlos|offerts?)\b|\b(?:gratis|kostenlos) testen\b"
    r"|\b(?:essai|prueba|prova) (?:gratuit|gratis)\b",
    r"\b(?:tous droits reserves|alle rechte vorbehalten|todos los derechos reservados|tutti i diritti riservati"
    r"|todos os direitos reservados|alle rechten voorbehouden)\b",
    r"\btelechargez (?:notre|l')",
    r"\b(?:schrijf je in|meld je aan|abonneer)\b.{0,60}\bnieuwsbrief\b|\bnieuwsbrief\b.{0,40}\b(?:aanmelden|inschrijven)\b",
    # A printed page's running head, as OCR keeps it: "LE PROGRES DE LYON - 12 mars 1997 - Page 3".
    r"(?:^|[-|\u2022/]\s*)(?:page|seite|pagina)\s*\d{1,4}\s*$",
]
PROMO_RE = re.compile("|".join(f"(?:{p})" for p in [_NAVIGATION, *_PROMO_PATTERNS]))
_NAVIGATION_RE = re.compile(_NAVIGATION)


# Every pattern that may match anywhere contains one of these; checking them first (plain
# substring tests) spares the regex on almost every line of news text. Navigation words
# ("more", "read", "watch"...) are common in news: they are tried only at a line's start.
_HINTS = (
    "sign", "subscri", "regist", "newsletter", "source:", "click", "tap here", "download", "free",
    "offer", "limited time", "follow us", "rights reserved", "copyright", "\u00a9", "stream your news",
    "cookie", "share", "abonnez-vous", "inscrivez-vous", "abonnieren", "suscrib", "iscriviti",
    "suivez", "folgen sie", "siguenos", "seguici", "volg ", "gratis", "kostenlos", "offert", "gratuit",
    "reserv", "riservati", "vorbehalten", "voorbehouden", "telechargez", "nieuwsbrief", "page", "seite", "pagina",
)  # fmt: skip
# The hints found in every match of each pattern (one of them at least), in pattern order: a
# line is searched only with the patterns of the hints it holds (the whole alternation took
# 16 us a line with a hint, and common words such as "share" or "free" are hints).
_PATTERN_HINTS = (
    ("sign", "subscri", "regist"), ("newsletter",), ("source:",), ("click", "tap here"), ("download",),
    ("free",), ("free",), ("offer",), ("limited time",), ("follow us",), ("rights reserved",),
    ("copyright", "\u00a9"), ("stream your news",), ("cookie",), ("share",),
    ("abonnez-vous", "inscrivez-vous", "abonnieren", "suscrib", "iscriviti"), ("newsletter",),
    ("suivez", "folgen sie", "siguenos", "seguici", "volg "), ("gratis", "kostenlos", "offert", "gratuit"),
    ("reserv", "riservati", "vorbehalten", "voorbehouden"), ("telechargez",), ("nieuwsbrief",),
    ("page", "seite", "pagina"),
)  # fmt: skip


@functools.lru_cache(maxsize=1024)
def _patterns_of(hints: int) -> re.Pattern[str]:
    """The promo patterns any of whose hints is among ``hints`` (bit ``k``: ``_HINTS[k]``), as one regex."""
    held = {h for k, h in enumerate(_HINTS) if hints >> k & 1}
    chosen = [p for p, need in zip(_PROMO_PATTERNS, _PATTERN_HINTS, strict=True) if held.intersection(need)]
    return re.compile("|".join(f"(?:{p})" for p in chosen))


# Promos, ads and navigation lines are short; a long line is a paragraph of news.
PROMO_MAX_CHARS = 320


def is_promo(folded_line: str) -> bool:
    """Whether a folded (lower-cased) line reads as a promo, ad or navigation line."""
    return bool(promo_lines(folded_line, np.zeros(1, dtype=np.int64), np.full(1, len(folded_line)))[0])


def long_line_promo(text: str, start: int, end: int, size: int = 1 << 22) -> bool:
    """:func:`is_promo` of the line ``text[start:end]`` folded and stripped, folded ``size``
    characters at a time (a long line is no promo: only its stripped length is needed)."""
    first, last = end, start
    for lo, hi in whitespace_stretches(text, start, end, size):
        folded = fold(text[lo:hi])
        kept = folded.strip()
        if kept:
            first = min(first, lo + len(folded) - len(folded.lstrip()))
            last = lo + len(folded.rstrip())
    if last - first > PROMO_MAX_CHARS:
        return False
    return is_promo(fold(text[first:last])) if last > first else is_promo("")


def long_line_flags(
    text: str, start: int, end: int, starts: np.ndarray, ends: np.ndarray, size: int = 1 << 22
) -> np.ndarray:
    """:func:`sentence_lines`' flags of the sentences ``text[starts[i]:ends[i]]`` (in order) that
    start on the line ``text[start:end]``, read ``size`` characters at a time: the line's promo
    flag where it is one, else each sentence's own (:func:`_promo_sentences`)."""
    whole = long_line_flag(text, start, end, size)
    if whole is not None:
        return np.full(len(starts), whole, dtype=np.int64)
    return long_line_sentence_flags(text, starts, ends, size)


def long_line_flag(text: str, start: int, end: int, size: int = 1 << 22) -> int | None:
    """The flag :func:`long_line_flags` gives every sentence of the line ``text[start:end]`` (its
    promo flag, where it is a promo); None where each has its own."""
    return 1 if long_line_promo(text, start, end, size) else None


def long_line_sentence_flags(
    text: str, starts: np.ndarray, ends: np.ndarray, size: int = 1 << 22
) -> np.ndarray:
    """:func:`long_line_flags` of sentences of a line that is no promo, each its own: asked of
    the sentences in any groups, the same flags (a long article's window at a time)."""
    starts, ends = np.asarray(starts, dtype=np.int64), np.asarray(ends, dtype=np.int64)
    flags = np.zeros(len(starts), dtype=np.int64)
    k = 0
    while k < len(starts):  # a window of sentences at a time, folded and joined by line breaks
        j = max(int(np.searchsorted(starts, starts[k] + size)), k + 1)
        pieces = [fold(text[a:b]) for a, b in zip(starts[k:j].tolist(), ends[k:j].tolist(), strict=True)]
        lengths = np.array([len(x) for x in pieces], dtype=np.int64)
        at = np.cumsum(lengths + 1) - lengths - 1
        joined = "\n".join(pieces)
        tok_at, _, tok_key = token_table(joined)
        flags[k:j] = _promo_sentences(joined, tok_at, tok_key, at, at + lengths)
        k = j
    return flags


def promo_lines(folded: str, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """:func:`is_promo` of each line ``folded[starts[i]:ends[i]]``: no longer than
    ``PROMO_MAX_CHARS``, and starting like navigation or holding a promo pattern.

    A scan asks this of every line of a batch of articles: each hint is looked for once in
    the short lines joined (``bytes.find`` from hit to hit), not in each line one by one.
    """
    starts = np.asarray(starts, dtype=np.int64)
    ends = np.asarray(ends, dtype=np.int64)
    flags = np.zeros(len(starts), dtype=bool)
    short = np.flatnonzero((ends - starts) <= PROMO_MAX_CHARS)
    if len(short) == 0:
        return flags
    lines = [folded[a:b] for a, b in zip(starts[short].tolist(), ends[short].tolist(), strict=True)]
    joined = "\n".join(lines)  # no hint holds a line break: none is found across two lines
    lengths = np.fromiter(map(len, lines), dtype=np.int64, count=len(lines))
    line_at = np.cumsum(lengths + 1) - (lengths + 1)
    # ASCII hints are looked for in bytes, one a character (others become "?"): str.find in
    # a text stored 2 or 4 bytes a character (any character beyond Latin-1) is slower.
    as_bytes = joined.encode("ascii", "replace")
    hinted = np.zeros(len(lines), dtype=np.int64)  # bit k: the line holds _HINTS[k]
    for bit, hint in enumerate(_HINTS):
        haystack, needle = (as_bytes, hint.encode("ascii")) if hint.isascii() else (joined, hint)
        hits = []
        at = haystack.find(needle)  # type: ignore[arg-type]
        while at >= 0:
            hits.append(at)
            at = haystack.find(needle, at + 1)  # type: ignore[arg-type]
        if hits:
            hinted[np.searchsorted(line_at, np.array(hits, dtype=np.int64), side="right") - 1] |= 1 << bit
    for k, (text, hints) in enumerate(zip(lines, hinted.tolist(), strict=True)):
        if _NAVIGATION_RE.match(text) is not None or (hints and _patterns_of(hints).search(text) is not None):
            flags[short[k]] = True
    return flags


def sentence_lines(
    folded: str,
    offsets: np.ndarray,
    tok_at: np.ndarray,
    tok_key: np.ndarray,
    article_of: np.ndarray,
    starts: np.ndarray,
    ends: np.ndarray,
    original: str | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The id of the line each sentence starts on, and its flags: ``PROMO_BIT`` where its line
    is a promo line or a line of a link list (:func:`link_lists`) or, on a line too long to be
    one, the sentence itself reads as one; ``LEAD_BIT`` (see :func:`_promo_sentences`).
    ``original``: ``folded`` before folding, where capitals tell a list of headlines.

    ``folded``: a batch of folded articles joined by line breaks, article ``k`` from
    ``offsets[k]``; ``tok_at``, ``tok_key``: its :func:`~tracer.text.token_table`; sentence
    ``i`` of article ``article_of[i]`` is ``folded[starts[i]:ends[i]]``.
    """
    line_at, line_end = line_table(folded)
    if len(line_at) == 0:
        zero = np.zeros(len(starts), dtype=np.int64)
        return zero, zero
    # A sentence starts at a non-space character, so inside a line; clamped to its article's first
    # line all the same, as a sentence is never given another article's line.
    lines_per_article = np.bincount(
        np.searchsorted(offsets, line_at, side="right") - 1, minlength=len(offsets)
    )
    line_first = np.cumsum(lines_per_article) - lines_per_article
    line_of = np.maximum(np.searchsorted(line_at, starts, side="right") - 1, line_first[article_of])
    ids = line_ids(folded, line_at, line_end, tok_at, tok_key)
    line_promo = promo_lines(folded, line_at, line_end)
    article_of_line = np.repeat(np.arange(len(offsets)), lines_per_article)
    listed = link_lists(folded, line_at, line_end, article_of_line, line_promo, original)
    promo = (line_promo | listed)[line_of]
    _news_on_promo_lines(promo, listed[line_of], line_at[line_of], folded, tok_at, tok_key, starts, ends)
    # A promo inside a paragraph (articles flattened to one line each, as many CSV and JSON
    # exports are) is a sentence of a long line: there the sentence is the unit to read. On a
    # short line that is no promo as a whole, each sentence is read too, as it would be were
    # the line run into its neighbours ("Want more news? Listen to our podcast every Friday.").
    inside = np.flatnonzero(~promo)
    flags = promo.astype(np.int64)
    if len(inside):
        flags[inside] = _promo_sentences(
            folded, tok_at, tok_key, np.asarray(starts)[inside], np.asarray(ends)[inside]
        )
    return ids[line_of], flags


# A sentence of this many words or more on a short promo line, no promo itself, is news: a brief
# flattened into one line with its newsletter line last is a promo line by its length alone.
NEWS_WORDS = 8
_HEAD_CHARS = 200  # of a line, enough for any navigation lead


def _news_on_promo_lines(
    promo: np.ndarray,
    listed: np.ndarray,
    line_start: np.ndarray,
    folded: str,
    tok_at: np.ndarray,
    tok_key: np.ndarray,
    starts: np.ndarray,
    ends: np.ndarray,
) -> None:
    """Clear, in place, the ``promo`` of each sentence that is on a promo line only because of
    its neighbours: ``NEWS_WORDS`` long or more and no promo read alone ("Want more news?"
    before "Listen to our podcast" is short, and stays one). A link list's line and a line that
    starts as a link ("READ MORE: ...") stay links whole, whatever they run on into."""
    on_line = np.flatnonzero(promo & ~listed)
    # (sliced: the pattern's "^" holds at a string's start only, not at match's ``pos``)
    heads = [folded[at : at + _HEAD_CHARS] for at in line_start[on_line].tolist()]
    on_line = on_line[np.array([_NAVIGATION_RE.match(head) is None for head in heads], dtype=bool)]
    if len(on_line) == 0:
        return
    lo, hi = np.asarray(starts)[on_line], np.asarray(ends)[on_line]
    words = np.searchsorted(tok_at, hi) - np.searchsorted(tok_at, lo)
    long = words >= NEWS_WORDS
    alone = _promo_sentences(folded, tok_at, tok_key, lo[long], hi[long])
    promo[on_line[long][alone == 0]] = False


# A link list's line: a headline's length, no sentence's end. A list is this many such lines in a
# row (one is enough after a "READ NEXT:" header), each with a list marker or in title case.
LINK_MAX_CHARS = 200
LINK_WORDS = (3, 25)
LINK_RUN = 3
_LINK_MARKERS = frozenset("-*\u2022\u00b7\u25aa\u25b8\u25ba\u203a\u00bb")  # - * • · ▪ ▸ ► › »
_CLOSERS = "\"')]"
# A headline in title case: most of its words (of letters) start with a capital.
TITLE_SHARE = 0.6


def link_lists(
    folded: str,
    line_at: np.ndarray,
    line_end: np.ndarray,
    article: np.ndarray,
    promo: np.ndarray,
    original: str | None = None,
) -> np.ndarray:
    """Which lines ``folded[line_at[k]:line_end[k]]`` (stripped, non-blank, of article
    ``article[k]``) belong to a list of links: related stories, "READ NEXT" lists, lists of
    headlines. Navigation, not text: it makes no claims. Language-light: a run of short lines
    that do not end a sentence, each with a list marker ("- ", "• ") or, given the ``original``
    text, in title case, :data:`LINK_RUN` of them, or any number right after a navigation
    header (a ``promo`` line such as "READ NEXT:"); an article's first line (its title) never
    starts a list of headlines."""
    n = len(line_at)
    flags = np.zeros(n, dtype=bool)
    short = np.flatnonzero((line_end - line_at) <= LINK_MAX_CHARS)
    # A line ending a sentence is no link: most lines of news, ruled out before any other test.
    last = [
        folded[a:b].rstrip(_CLOSERS)[-1:]
        for a, b in zip(line_at[short].tolist(), line_end[short].tolist(), strict=True)
    ]
    kind = np.zeros(n, dtype=np.int8)  # 4: a line a link could be; 1: with a marker, 2: in title case
    for k, end in zip(short.tolist(), last, strict=True):
        if end in ".;:," or not end:
            continue
        line = folded[line_at[k] : line_end[k]]
        words = line.count(" ") + 1
        if not LINK_WORDS[0] <= words <= LINK_WORDS[1]:
            continue
        marked = line[0] in _LINK_MARKERS and line[1:2] == " "
        titled = original is not None and _title_case(original[line_at[k] : line_end[k]])
        kind[k] = 4 | (1 if marked else 0) | (2 if titled else 0)
    first_line = np.ones(n, dtype=bool)
    first_line[1:] = article[1:] != article[:-1]
    title_ok = ~first_line  # an article's title is no headline of a list
    for need, allowed in ((1, None), (2, title_ok), (4, None)):
        held = (kind & need) != 0 if allowed is None else ((kind & need) != 0) & allowed
        for lo, hi in _runs(held, first_line):
            header = lo > 0 and not first_line[lo] and bool(promo[lo - 1])
            if need == 4 and header or need != 4 and hi - lo >= LINK_RUN:
                flags[lo:hi] = True
    return flags


def _runs(held: np.ndarray, first_line: np.ndarray) -> list[tuple[int, int]]:
    """``[lo, hi)`` of each maximal run of held lines, none crossing into another article."""
    edges = np.flatnonzero(np.diff(np.concatenate(([0], held.astype(np.int8), [0]))))
    out = []
    for lo, hi in zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True):
        cuts = [lo, *(np.flatnonzero(first_line[lo + 1 : hi]) + lo + 1).tolist(), hi]
        out += list(zip(cuts[:-1], cuts[1:], strict=True))
    return out


def _title_case(line: str) -> bool:
    """Whether most words of ``line`` that start with a letter start with a capital."""
    words = [w for w in line.split() if w[:1].isalpha()]
    return bool(words) and sum(w[0].isupper() for w in words) >= TITLE_SHARE * len(words)


# Words a navigation link's headline takes at most ("READ MORE: <headline>"). Inside a paragraph a
# link has no line break after it, so a headline without a full stop runs on into the sentence
# after it: such a sentence is no promo, but the region of it that starts with the link is.
NAVIGATION_MAX_WORDS = 16

# A word every match of a promo pattern holds (one of them, whole); and the words a navigation
# line can start with. Sentences are looked for by these among the tokens a scan has made
# (finding the _HINTS in the bytes of every long line cost as much as the rest of reading them).
_HINT_WORDS = (
    "sign", "signing", "subscribe", "register", "newsletter", "source", "click", "tap", "download",
    "free", "offer", "limited", "follow", "rights", "copyright", "stream", "cookie", "cookies", "share",
    "abonnez", "inscrivez", "abonnieren", "suscribete", "suscribase", "iscriviti",
    "suivez", "folgen", "siguenos", "seguici", "volg", "gratis", "kostenlos", "offert", "offerts", "gratuit",
    "reserves", "reservados", "riservati", "vorbehalten", "voorbehouden", "telechargez", "nieuwsbrief",
    "page", "seite", "pagina",
)  # fmt: skip
_NAVIGATION_WORDS = (
    "read", "more", "most", "related", "see", "advertisement", "sponsored", "trending", "recommended",
    "watch", "listen",
)  # fmt: skip


def _positions(text: str, needle: str) -> np.ndarray:
    """Where ``needle`` starts in ``text``, each place."""
    found = []
    at = text.find(needle)
    while at >= 0:
        found.append(at)
        at = text.find(needle, at + 1)
    return np.array(found, dtype=np.int64)


@functools.lru_cache(maxsize=1)
def _word_keys() -> tuple[np.ndarray, np.ndarray]:
    """Sorted token keys of ``_HINT_WORDS`` and of ``_NAVIGATION_WORDS``."""
    return tuple(np.unique(token_table(" ".join(words))[2]) for words in (_HINT_WORDS, _NAVIGATION_WORDS))  # type: ignore[return-value]


def _promo_sentences(
    folded: str, tok_at: np.ndarray, tok_key: np.ndarray, starts: np.ndarray, ends: np.ndarray
) -> np.ndarray:
    """Flags (``PROMO_BIT``, ``LEAD_BIT``) of sentences ``folded[starts[i]:ends[i]]`` (in order)
    inside long lines: a promo as :func:`is_promo` reads it; but one that starts like a
    navigation link and runs on past a headline's length only where a promo pattern is in it,
    and marked as led by a link. ``tok_at``, ``tok_key``: ``folded``'s token table."""
    flags = np.zeros(len(starts), dtype=np.int64)
    if len(starts) == 0:
        return flags
    hint_keys, navigation_keys = _word_keys()
    at = [tok_at[isin_sorted(tok_key, hint_keys)]]
    if "\u00a9" in folded:
        at.append(_positions(folded, "\u00a9"))
    hits = np.concatenate(at)
    holder = np.searchsorted(starts, hits, side="right") - 1  # the sentence each hit is in, if any
    inside = holder >= 0
    inside[inside] = hits[inside] < ends[holder[inside]]
    candidates = [holder[inside]]
    if len(tok_at):
        first = np.searchsorted(tok_at, starts).clip(max=len(tok_at) - 1)
        led = isin_sorted(tok_key[first], navigation_keys) & (tok_at[first] < ends)
        candidates.append(np.flatnonzero(led))
    for k in np.unique(np.concatenate(candidates)).tolist():
        if ends[k] - starts[k] > PROMO_MAX_CHARS:
            continue
        text = folded[starts[k] : ends[k]]
        lead = _NAVIGATION_RE.match(text)
        hints = sum(1 << bit for bit, hint in enumerate(_HINTS) if hint in text)
        pattern = hints != 0 and _patterns_of(hints).search(text) is not None
        if lead is not None and len(TOKEN_RE.findall(text, lead.end())) > NAVIGATION_MAX_WORDS:
            flags[k] = LEAD_BIT | pattern
        else:
            flags[k] = lead is not None or pattern
    return flags


# A stored sentence's ``promo`` field: its flags in the low bits, its shape above them (0: none).
PROMO_BIT = 1  # a promo (its line's wording, or its own inside a long line)
LEAD_BIT = 2  # inside a long line, it starts with a navigation link that runs on into news
SHAPE_SHIFT = 2
FLAG_MASK = (1 << SHAPE_SHIFT) - 1
SHAPE_BITS = 29
_SLOT = np.uint64(0x5BD1E9955BD1E995)  # the token key a slot takes in a shape


def pack_flags(flags: np.ndarray, shapes: np.ndarray) -> np.ndarray:
    """The ``promo`` field of sentences with these flags and shapes."""
    return np.asarray(flags, dtype=np.int64) | np.asarray(shapes, dtype=np.int64) << SHAPE_SHIFT


# A shape needs this many words outside its slots, and more of them than slots: a sentence of
# names alone (a title-case headline) is no template however many others look like it.
_SHAPE_MIN_WORDS = 4


def sentence_shapes(
    original: str,
    tok_at: np.ndarray,
    tok_end: np.ndarray,
    tok_key: np.ndarray,
    first: np.ndarray,
    ntok: np.ndarray,
) -> np.ndarray:
    """Each sentence's *shape*: an id of its tokens with each run of capitalised words, numbers
    and parts of addresses as one slot (an outlet's name, a weekday, a phone number, an e-mail
    address), ``SHAPE_BITS`` bits; 0 where it has no slot, or too few other words.

    ``original``: the batch's texts as written, joined as their folded text is (folding keeps
    every character where it is, so the folded text's :func:`~tracer.text.token_table`,
    ``tok_at``, ``tok_end``, ``tok_key``, index it too); sentence ``i`` is tokens
    ``first[i] : first[i] + ntok[i]`` (sentences in order, not overlapping).

    The id mixes the sum of the keys of its words and slots (a slot run counted once) with its
    first and last ones and the counts of each: running sums over the whole batch make it for
    every sentence at once, with no array a token per sentence (a sequence hash of each
    sentence's masked tokens cost a tenth of a scan's reading of the articles).
    """
    first = np.asarray(first, dtype=np.int64)
    ntok = np.asarray(ntok, dtype=np.int64)
    shapes = np.zeros(len(first), dtype=np.int64)
    has = ntok > 0
    if not has.any():
        return shapes
    first, last = first[has], first[has] + ntok[has] - 1  # first and last tokens of each sentence
    slot = _slot_tokens(original, tok_at, tok_end)
    run = slot.copy()  # the first word of each run of slot words, in a sentence
    run[1:] &= ~slot[:-1]
    run[first] = slot[first]
    value = np.where(slot, _SLOT, tok_key)
    value[slot & ~run] = 0
    before = np.maximum(first - 1, 0)
    at_start = first == 0

    def within(running: np.ndarray) -> np.ndarray:
        """Each sentence's part of a running sum over the batch's tokens."""
        return running[last] - np.where(at_start, 0, running[before]).astype(running.dtype)

    with np.errstate(over="ignore"):  # sums are modulo 2^64
        total = within(np.cumsum(value, dtype=np.uint64))
        n_slots = within(np.cumsum(run, dtype=np.int32))
        n_words = within(np.cumsum(~slot, dtype=np.int32))
        raw = total + np.uint64(3) * value[first] + np.uint64(5) * value[last]
        raw ^= n_words.astype(np.uint64) * _SEQ_LEN + n_slots.astype(np.uint64)
    ok = (n_slots > 0) & (n_words >= _SHAPE_MIN_WORDS) & (n_words > n_slots)
    ids = (_fmix64(raw) >> np.uint64(64 - SHAPE_BITS)).astype(np.int64)
    ids[ids == 0] = 1
    shapes[np.flatnonzero(has)[ok]] = ids[ok]
    return shapes


def _slot_tokens(original: str, at: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Whether each token ``original[at[i]:end[i]]`` (tokens in order) is a slot word: it starts
    with a capital or a digit, or is glued to the next or the last by "@", ".", "/" or ":" (an
    address: "news@outlet.example")."""
    # One byte a character, "?" for any beyond ASCII (a few curly quotes made a batch's text four
    # bytes a character, and reading it that way was most of the shapes' time).
    codes = np.frombuffer(original.encode("ascii", "replace"), dtype=np.uint8)
    head = codes[at]
    slot = _SLOT_HEAD[head]
    for k in np.flatnonzero(head == _QUESTION).tolist():
        ch = original[at[k]]
        slot[k] = ch.isupper() or ch.isdigit()
    if len(at) > 1:
        glued = _GLUE[codes.take(end[:-1], mode="clip")] & (at[1:] == end[:-1] + 1)
        slot[:-1] |= glued
        slot[1:] |= glued
    return slot


_SLOT_HEAD = np.array([c < 128 and (chr(c).isupper() or chr(c).isdigit()) for c in range(256)], dtype=bool)
_QUESTION = ord("?")
_GLUE = np.array([chr(c) in "@./:" for c in range(256)], dtype=bool)


def line_rows(
    line: np.ndarray, article: np.ndarray, outlet: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``line``, ``article``, ``outlet`` of the first sentence of each run of sentences on one
    line of an article with a known outlet: what :func:`template_lines` counts.

    The sentences of one line are stored one after another, so this can be taken a stored batch
    at a time and the parts joined (3.5 M sentences, 1.3 M lines at 10^5 simulated articles).
    """
    known = outlet >= 0
    line, article, outlet = line[known], article[known], outlet[known]
    new_line = np.ones(len(line), dtype=bool)
    new_line[1:] = (line[1:] != line[:-1]) | (article[1:] != article[:-1])
    return line[new_line], article[new_line], outlet[new_line]


def template_lines(
    line: np.ndarray,
    article: np.ndarray,
    outlet: np.ndarray,
    params: BoilerplateParams | None = None,
    day: np.ndarray | None = None,
    corpus_days: np.ndarray | None = None,
) -> set[int]:
    """Ids of lines that are templates, from stored sentences given as columns.

    ``line``, ``article`` and ``outlet`` hold each sentence's line id, article and
    outlet code (negative: outlet unknown, never a template by counts); ``day``, where given,
    its article's day number (negative: undated), and a line that is wire copy
    (:func:`wire_keys`, with ``corpus_days``) is then no template.
    """
    p = params or BoilerplateParams()
    found = _recurring(*line_rows(line, article, outlet), p)
    if day is not None and found:
        line, article, outlet, day = (np.asarray(x) for x in (line, article, outlet, day))
        rows = np.flatnonzero((outlet >= 0) & isin_sorted(line, np.array(sorted(found), dtype=np.int64)))
        wire = wire_keys(line[rows], article[rows], outlet[rows], day[rows], p, corpus_days)
        found.difference_update(wire.tolist())
        found.difference_update(_reprinted(line, article, outlet, day, found, p).tolist())
    return found


def _reprinted(
    line: np.ndarray,
    article: np.ndarray,
    outlet: np.ndarray,
    day: np.ndarray,
    found: set[int],
    p: BoilerplateParams,
) -> np.ndarray:
    """Lines of ``found`` that are a story an outlet printed twice (an update, its print and web
    editions), not its furniture: most of the articles printing them are made mostly of such
    lines, and printed within ``p.wire_days`` of each other. A template is a few lines of
    articles that otherwise differ; in a corpus of a few days, where no burst of wire copy can
    be told from the corpus's own days, this is what tells a story's paragraphs from it."""
    known = outlet >= 0
    line, article, day = line[known], article[known], day[known]
    articles, at = np.unique(article, return_inverse=True)
    total = np.bincount(at, minlength=len(articles))
    candidate = isin_sorted(line, np.array(sorted(found), dtype=np.int64))
    share = np.bincount(at, weights=candidate, minlength=len(articles)) / np.maximum(total, 1)
    rows = np.flatnonzero(candidate & (day >= 0))
    if len(rows) == 0:
        return rows
    order = rows[np.lexsort((day[rows], line[rows]))]
    key, mostly, when = line[order], share[at[order]] >= 0.5, day[order]
    start = np.flatnonzero(np.append(True, key[1:] != key[:-1]))
    size = np.diff(np.append(start, len(key)))
    group = np.repeat(np.arange(len(start)), size)
    near = np.abs(when - when[start + size // 2][group]) <= p.wire_days
    within = np.bincount(group, weights=near, minlength=len(start))
    made_of = np.bincount(group, weights=mostly, minlength=len(start))
    return key[start][(within >= p.wire_share * size) & (2 * made_of > size)]


def wire_keys(
    key: np.ndarray,
    article: np.ndarray,
    outlet: np.ndarray,
    day: np.ndarray,
    params: BoilerplateParams | None = None,
    corpus_days: np.ndarray | None = None,
) -> np.ndarray:
    """The keys (sorted: lines or norms) that are wire copy (:class:`BoilerplateParams`), from
    rows of (key, article, outlet, day number). ``corpus_days``: the day numbers of every dated
    article of the corpus, sorted (None: as if all were in every burst). Undated carriers and
    those of no known outlet are not counted (a corpus without dates has no wire copy)."""
    p = params or BoilerplateParams()
    ok = (np.asarray(day) >= 0) & (np.asarray(outlet) >= 0)
    key, article, outlet, day = key[ok], article[ok], outlet[ok], day[ok]
    order = np.lexsort((article, day, key))
    key, article, outlet, day = key[order], article[order], outlet[order], day[order]
    once = np.ones(len(key), dtype=bool)  # an article counts once, however often it prints the key
    once[1:] = (key[1:] != key[:-1]) | (article[1:] != article[:-1]) | (day[1:] != day[:-1])
    key, outlet, day = key[once], outlet[once], day[once]
    if len(key) == 0:
        return key
    start = np.flatnonzero(np.append(True, key[1:] != key[:-1]))
    size = np.diff(np.append(start, len(key)))
    group = np.repeat(np.arange(len(start)), size)
    median = day[start + size // 2]  # each key's rows are sorted by day
    burst = np.abs(day - median[group]) <= p.wire_days
    within = np.bincount(group, weights=burst, minlength=len(start))
    # Distinct outlets among each key's carriers in the burst.
    g, o = group[burst], outlet[burst]
    order = np.lexsort((o, g))
    g, o = g[order], o[order]
    new = np.ones(len(g), dtype=bool)
    new[1:] = (g[1:] != g[:-1]) | (o[1:] != o[:-1])
    outlets = np.bincount(g[new], minlength=len(start))
    wire = (within >= p.wire_share * size) & (outlets >= p.wire_outlets)
    unlikely = _unlikely_bursts(within, size, median, corpus_days, p)
    return key[start][wire & (unlikely | (outlets >= p.wire_many))]


def _unlikely_bursts(
    within: np.ndarray,
    size: np.ndarray,
    median: np.ndarray,
    corpus_days: np.ndarray | None,
    p: BoilerplateParams,
) -> np.ndarray:
    """Whether ``within`` of ``size`` carriers within ``p.wire_days`` of ``median`` is likelier
    than ``p.wire_chance`` for carriers drawn from the corpus's articles: Chernoff's bound on the
    binomial tail, exp(-n KL(within / n || share of the corpus's articles in those days))."""
    if corpus_days is None or len(corpus_days) == 0:
        return np.zeros(len(size), dtype=bool)
    inside = np.searchsorted(corpus_days, median + p.wire_days, side="right")
    inside -= np.searchsorted(corpus_days, median - p.wire_days, side="left")
    rate = np.clip(inside / len(corpus_days), 1e-9, 1.0)
    seen = within / size
    with np.errstate(divide="ignore", invalid="ignore"):
        kl = np.where(seen > 0, seen * np.log(seen / rate), 0.0)
        kl += np.where(seen < 1, (1 - seen) * np.log((1 - seen) / np.maximum(1 - rate, 1e-12)), 0.0)
    return (seen > rate) & (size * kl >= -np.log(p.wire_chance))


def _recurring(line: np.ndarray, article: np.ndarray, outlet: np.ndarray, p: BoilerplateParams) -> set[int]:
    """:func:`template_lines` by counts alone, from :func:`line_rows`' rows."""
    # One row per distinct (line, outlet, article), grouped by (line, outlet).
    order = np.lexsort((article, outlet, line))
    line, outlet, article = line[order], outlet[order], article[order]
    distinct = np.ones(len(line), dtype=bool)
    distinct[1:] = (line[1:] != line[:-1]) | (outlet[1:] != outlet[:-1]) | (article[1:] != article[:-1])
    line, outlet = line[distinct], outlet[distinct]
    first = np.ones(len(line), dtype=bool)
    first[1:] = (line[1:] != line[:-1]) | (outlet[1:] != outlet[:-1])
    starts = np.flatnonzero(first)
    articles = np.diff(np.append(starts, len(line)))  # articles of each (line, outlet)
    group_line = line[starts]
    found = set(group_line[articles >= p.outlet_repeats].tolist())
    repeated = group_line[articles >= 2]  # sorted by line; one entry per outlet
    if len(repeated):
        edge = np.flatnonzero(np.append(True, repeated[1:] != repeated[:-1]))
        outlets = np.diff(np.append(edge, len(repeated)))
        found.update(repeated[edge][outlets >= p.shared_outlets].tolist())
    return found


def template_sentences(
    article: np.ndarray,
    idx: np.ndarray,
    norm: np.ndarray,
    flags: np.ndarray,
    outlet: np.ndarray,
    params: BoilerplateParams | None = None,
    day: np.ndarray | None = None,
    corpus_days: np.ndarray | None = None,
) -> np.ndarray:
    """The norms (sorted) of sentences that are templates by recurrence, from columns of
    stored sentences: each sentence's article, place in it, norm, ``promo`` field (flags and
    shape) and outlet code (negative: unknown, never a template by counts); and, where given,
    its article's day number (negative: undated): a norm that is wire copy
    (:func:`wire_keys`, with ``corpus_days``) is then no template by its counts.

    Every sentence whose norm recurs in another article must be given (those that cannot be
    matched may be left out), an article's sentences one after another by place: that is
    where passages are seen (:func:`_in_passages`).
    """
    p = params or BoilerplateParams()
    own = (np.asarray(flags) & PROMO_BIT) == 0  # promos are boilerplate already; they end no passage
    article, idx, norm, flags, outlet = article[own], idx[own], norm[own], flags[own], outlet[own]
    shape = flags >> SHAPE_SHIFT
    found = counted = shaped = wire = checked = np.empty(0, dtype=np.int64)
    # Templates found end passages too: two of an outlet's templates side by side are each
    # alone once the other is known (a few rounds; most are found in the first).
    for _ in range(p.rounds):
        while True:
            by_counts, by_shape = _template_round(article, idx, norm, shape, outlet, found, wire, p)
            # Wire copy is reuse: it neither counts nor is a template by its counts (a sentence in
            # a template's shape is one whoever prints it: a formula, as "Officers were called to
            # the scene shortly after 3pm on Saturday."). Only the norms found are looked at (all
            # of them cost seconds at 10^5 articles), and the round is made again without those
            # that are wire copy.
            new = by_counts[~isin_sorted(by_counts, checked)] if day is not None else by_counts[:0]
            if len(new) == 0:
                break
            rows = isin_sorted(norm, new)
            more = wire_keys(
                norm[rows], article[rows], outlet[rows], np.asarray(day)[own][rows], p, corpus_days
            )
            checked = np.union1d(checked, new)
            if len(more) == 0:
                break
            wire = np.union1d(wire, more)
        counted = np.union1d(counted, by_counts[~isin_sorted(by_counts, wire)])
        shaped = np.union1d(shaped, by_shape)
        grown = np.union1d(counted, shaped)
        if len(grown) == len(found):
            break
        found = grown
    return found


def _template_round(
    article: np.ndarray,
    idx: np.ndarray,
    norm: np.ndarray,
    shape: np.ndarray,
    outlet: np.ndarray,
    found: np.ndarray,
    wire: np.ndarray,
    p: BoilerplateParams,
) -> tuple[np.ndarray, np.ndarray]:
    """The norms (sorted) :func:`template_sentences` finds by their counts, and those in a
    template's shape, given the templates ``found`` before (they end passages) and the norms
    known to be ``wire`` copy (they count for nothing)."""
    rest = np.flatnonzero(~isin_sorted(norm, found) & (outlet >= 0))
    alone = rest[~_in_passages(article[rest], idx[rest], norm[rest])]
    alone = alone[~isin_sorted(norm[alone], wire)]
    lines = template_lines(norm[alone], article[alone], outlet[alone], p)
    shapes = _slot_shapes(shape[alone], norm[alone], outlet[alone], article[alone], p)
    return np.array(sorted(lines), dtype=np.int64), np.unique(norm[isin_sorted(shape, shapes)])


def _in_passages(article: np.ndarray, idx: np.ndarray, norm: np.ndarray) -> np.ndarray:
    """Whether each shared sentence (an article's one after another by place) is part of a
    passage: the sentence next to it (or the one after that, one unshared sentence between)
    is next to it in another article too. A template has other neighbours in each article;
    a wire story, an update of a story, a paragraph repeated day after day keep theirs."""
    n = len(norm)
    near = np.zeros(n, dtype=bool)
    if n > 1:
        near[1:] = (article[1:] == article[:-1]) & (idx[1:] - idx[:-1] <= 2)
    left = np.where(near, np.roll(norm, 1), 0)  # the shared sentence before, if next to it
    right = np.where(np.roll(near, -1), np.roll(norm, -1), 0)
    if n:
        right[-1] = 0
    out = np.zeros(n, dtype=bool)
    for side, has in ((left, near), (right, np.roll(near, -1) & (np.arange(n) < n - 1))):
        order = np.lexsort((side, norm))
        a, b = norm[order], side[order]
        same = np.zeros(n, dtype=bool)
        if n > 1:
            same[1:] = (a[1:] == a[:-1]) & (b[1:] == b[:-1])
        twice = same.copy()
        twice[:-1] |= same[1:]  # the pair (sentence, neighbour) is found twice or more
        out[order] |= twice & has[order]
    return out


def _slot_shapes(
    shape: np.ndarray, norm: np.ndarray, outlet: np.ndarray, article: np.ndarray, p: BoilerplateParams
) -> np.ndarray:
    """Shapes (sorted) that ``p.slot_outlets`` outlets or more print with words in the slots that
    no other outlet prints (their own name), half or more of the outlets that print the shape,
    two of them or more in two articles or more (an outlet repeats its template; an edited copy
    of a news sentence, a name changed, is in one article of each outlet that prints it)."""
    known = shape != 0
    shape, norm, outlet, article = shape[known], norm[known], outlet[known], article[known]
    order = np.lexsort((article, outlet, norm, shape))
    shape, norm, outlet, article = shape[order], norm[order], outlet[order], article[order]
    new_norm = np.ones(len(shape), dtype=bool)
    new_norm[1:] = (shape[1:] != shape[:-1]) | (norm[1:] != norm[:-1])
    new_outlet = new_norm.copy()
    new_outlet[1:] |= outlet[1:] != outlet[:-1]
    # Private: the norm's rows are all of one outlet.
    group = np.cumsum(new_norm) - 1
    outlets_of_norm = np.bincount(group, weights=new_outlet)[group] if len(group) else group
    private = outlets_of_norm == 1
    # One row per (shape, outlet, article): private if any norm there is.
    order = np.lexsort((~private, article, outlet, shape))
    shape, outlet, article, private = shape[order], outlet[order], article[order], private[order]
    first = np.ones(len(shape), dtype=bool)
    first[1:] = (shape[1:] != shape[:-1]) | (outlet[1:] != outlet[:-1]) | (article[1:] != article[:-1])
    shape, outlet, private = shape[first], outlet[first], private[first]
    if len(shape) == 0:
        return shape
    # Per (shape, outlet): a private norm, and the shape in 2+ of its articles.
    at = np.flatnonzero(np.append(True, (shape[1:] != shape[:-1]) | (outlet[1:] != outlet[:-1])))
    shape = shape[at]
    private = np.logical_or.reduceat(private, at)
    again = private & (np.diff(np.append(at, len(outlet))) >= 2)
    edge = np.flatnonzero(np.append(True, shape[1:] != shape[:-1]))
    outlets = np.diff(np.append(edge, len(shape)))
    privately = np.add.reduceat(private.astype(np.int64), edge)
    repeated = np.add.reduceat(again.astype(np.int64), edge)
    return shape[edge][(privately >= p.slot_outlets) & (2 * privately >= outlets) & (repeated >= 2)]


def isin_sorted(x: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Which of ``x`` (64-bit integers) are in the sorted array ``values``: a few values among
    many, so a table of their low 16 bits is looked up first, and only its hits searched."""
    if len(values) == 0 or len(x) == 0:
        return np.zeros(len(x), dtype=bool)
    table = np.zeros(1 << 16, dtype=bool)
    table[np.asarray(values).astype(np.uint64) & np.uint64(0xFFFF)] = True
    if np.little_endian and x.dtype.itemsize == 8:  # the low 16 bits of each, with no arithmetic
        found = table[np.ascontiguousarray(x).view(np.uint16)[::4]]
    else:
        found = table[np.asarray(x).astype(np.uint64) & np.uint64(0xFFFF)]
    maybe = np.flatnonzero(found)
    at = np.searchsorted(values, x[maybe]).clip(max=len(values) - 1)
    found[maybe] = values[at] == x[maybe]
    return found
