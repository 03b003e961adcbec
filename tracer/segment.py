"""Sentence and line splitting that survives news text.

Both functions return ``[start, end)`` character spans into the original string, which is
never modified: the spans are in order, do not overlap, never start or end with whitespace
and are never empty.  ``split_sentences`` covers every non-whitespace character of the text
except bullet markers at the start of a line.

How ``split_sentences`` decides (one compiled regex finds every candidate *gap*, cheap checks
then decide whether the gap ends a sentence):

* A gap is either terminal punctuation (``.``, ``!``, ``?``, ``…``, runs like ``?!`` or
  ``...``; the stops of other scripts, ``।`` ``؟`` ``۔`` ...), optional closing quotes/brackets
  and the whitespace after them (none needed after the Chinese and Japanese ``。！？``), or any
  run of whitespace that contains a line break (``\\n``, ``\\r\\n``, ``\\r`` and the other
  ``str.splitlines`` separators).
* Within a line, a gap after terminal punctuation ends a sentence when the next character
  starts one: an upper-case (or caseless) letter, a digit, an opening quote or bracket, a
  bullet or a currency sign.  The closing quotes stay with the sentence they close.
* After a single ``.`` (and no closing quote) these do not end a sentence:

  - titles: Mr, Mrs, Ms, Dr, Prof, St, Gen, Col, Lt, Sgt, Rep, Sen, Gov, Rev, Hon, ...;
    ``e.g.``, ``i.e.``, ``vs.``, ``v.``;
  - No, Vol, Fig, pp, Art and month abbreviations (Jan ... Dec, Sept) before a digit;
  - a numbered-list label ("1.") at the start of a line.

* The *starter rule* for ambiguous abbreviations: after an acronym with dots (``U.S.``,
  ``U.K.``, ``a.m.``), a company or name suffix (Inc, Ltd, Co, Corp, Plc, Jr, Sr, Bros, Ave)
  or a single capital initial (``George W. Bush``), the sentence ends only when the next word
  is a common sentence starter (The, A, He, She, It, They, We, I, But, And, In, On, This, ...;
  see ``_STARTERS``) or an opening quote.  For initials the starter must have two letters or
  more, so ``A. A. Milne`` stays whole.  Decimals, versions, URLs and domains never contain
  whitespace after their dots, so they are never gaps.
* Line breaks: a blank line, or a form feed (a page break), always ends a sentence.  A single line break ends one when the
  next line is a bullet line, or starts with an upper-case letter, digit or quote, unless the
  line ends with a hyphen right after a letter and the next line starts with a letter (a word
  broken across lines, ``Kassym-\\nJomart``) or the line ends with a title/initial that
  never ends a sentence (``Mr.``).  It never ends one when the next line starts with a
  lower-case letter (soft-wrapped text), nor, in hard-wrapped text (see ``_Wrap``), when the
  next line starts with a capital after a line as long as the wrapped ones ("bound from\n
  Liverpool").  When the next line starts with anything else
  (``(``, ``@``, a dash, ...) it ends one if the line ends with terminal punctuation, is a
  bullet line, or looks like a heading (a line that began a sentence, at most ``_HEADING_MAX``
  characters, not ending with ``,`` or ``;``).  The starter rule does not apply across line breaks: ``U.S.`` at the end
  of a paragraph line ends the sentence.
* Bullet lines (``- x``, ``* x``, ``– x``, ``— x``, ``• x``, indented or not) are sentences
  of their own; their span starts after the marker and its spaces.
* A "sentence" longer than ``SENTENCE_MAX`` characters (text without stops or line breaks)
  is cut into pieces of at most ``PIECE_MAX``, each ending where the first run of whitespace
  in its second half starts (or, with none there, after ``PIECE_MAX`` characters).

The splitter is a heuristic: it never fails, whatever the input.
"""

from __future__ import annotations

import functools
import re
from array import array
from collections.abc import Callable, Iterator, Sequence
from typing import cast

import numpy as np

__all__ = ["line_table", "split_lines", "split_many", "split_sentences"]

# Line separators, as str.splitlines() sees them ("\r\n" counts as one).
_NL_CHARS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_LINEBREAK = re.compile(f"\r\n|[{_NL_CHARS}]")
_NL_SET = frozenset(_NL_CHARS)

# Chinese and Japanese stops and closing brackets: a sentence ends at them with no space after.
_WIDE_TERMINAL = "\u3002\uff01\uff1f\uff61"
_WIDE_CLOSERS = "\u300d\u300f\uff09\u3011\u3015\u300b\u3009"
# Stops of other scripts, followed by a space as Latin ones are: Devanagari and Bengali dandas,
# the Arabic question mark and Urdu full stop, Armenian, Ethiopic and Myanmar full stops.
_OTHER_TERMINAL = "\u0964\u0965\u061f\u06d4\u0589\u1362\u104b"
_TERMINAL = ".!?\u2026" + _WIDE_TERMINAL + _OTHER_TERMINAL
_CLOSERS = "\"'\u201d\u2019\u00bb)\\]" + _WIDE_CLOSERS
# Characters that may open a sentence besides letters and digits.
_OPENERS = "\"'\u201c\u2018\u201e\u201a\u00ab([\u00bf\u00a1\u300c\u300e\uff08\u3010\u3014\u300a\u3008"
_START_EXTRA = frozenset(_OPENERS + "\u2022\u25aa\u25e6\u2023$\u00a3\u20ac")
_OPEN_QUOTES = frozenset("\"'\u201c\u2018\u201e\u201a\u00ab")
_HYPHENS = frozenset("-\u2010\u00ad")

# Candidate gaps: terminal punctuation + closers + whitespace, or whitespace with a line break.
# The pattern opens with one character class covering both branches, which lets the regex
# engine skip ahead to candidates (two branches opening with groups made it try every
# character: 70% of the splitter's time). Group 1 is the rest of the punctuation run after
# its first character; the spaces at the end of a line, before its break, are found by
# looking back.
# After a wide stop (or a closing quote or bracket after one), no space is needed: group 3, the
# spaces, is then empty.
_GAP = re.compile(
    f"[{_TERMINAL}{_NL_CHARS}](?:(?<=[{_TERMINAL}])([{_TERMINAL}]*)([{_CLOSERS}]*)"
    f"(\\s+|(?<=[{_WIDE_TERMINAL}{_WIDE_CLOSERS}\u201d\u2019])(?=\\S))|(?<=[{_NL_CHARS}])\\s*)"
)
# A bullet marker at the start of a line, followed by the item's text.
_BULLET_CHARS = frozenset("-*\u2013\u2014\u2022\u25aa\u25e6\u2023\u00b7")
_BULLET = re.compile("(?:[\u2022\u25aa\u25e6\u2023\u00b7][ \t]*|[-*\u2013\u2014][ \t]+)(?=\\S)")
_NONSPACE = re.compile(r"\S")
_WORD = re.compile(r"[^\W\d_]+")
_ACRONYM = re.compile(r"(?:[^\W\d_]\.)+[^\W\d_]")
# A line's stripped content (\S never matches a line separator): what split_lines finds.
_LINE = re.compile(f"\\S(?:[^{_NL_CHARS}]*\\S)?")

_HEADING_MAX = 80
# The two commonest gaps, which split_sentences decides on a short path (a test turns it off).
_STOP_SPACE = ". "
_STOP_PARAGRAPH = ".\n\n"
_TOKEN_LOOKBACK = 40


def _with_upper(words: str) -> frozenset[str]:
    return frozenset(w for word in words.split() for w in (word, word.upper()))


# Never end a sentence (after a single "."), whatever follows.
_TITLES = _with_upper(
    "Mr Mrs Messrs Dr Prof Gen Col Lt Sgt Rep Reps Sen Sens Gov Rev Hon Capt Maj Adm Cmdr Cpl Pvt"
    " Supt Det Insp Mt"
) | frozenset("Ms Mmes St e.g i.e E.g I.e eg vs Vs VS v cf viz approx incl".split())
# Do not end a sentence when a digit follows.
_BEFORE_DIGIT = _with_upper("No Nos Vol Fig Art Sec Ch Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec") | {
    "no",
    "nos",
    "p",
    "pp",
}
# End a sentence only before a common sentence starter (the starter rule).
_SOFT = _with_upper("Inc Ltd Co Corp Plc Jr Sr Bros Ave Blvd Ph.D") | {"LLC"}
_STARTERS = frozenset(
    (
        "The A An He She It They We I You But And Or So Yet In On At As For If This That These Those"
        " There Here His Her Its Their Our My Your When While After Before However Meanwhile Now Then"
        " What Why How Who Where According Last Earlier Later Also"
    ).split()
)


def _starter_follows(text: str, q: int, min_len: int) -> bool:
    """Whether the word at ``q`` is a common sentence starter (or an opening quote)."""
    if text[q] in _OPEN_QUOTES:
        return True
    w = _WORD.match(text, q)
    return w is not None and len(w.group()) >= min_len and w.group() in _STARTERS


# Longer than any word listed above: a "." after this many letters ends a sentence.
_PLAIN_WORD = max(len(w) for w in _TITLES | _BEFORE_DIGIT | _SOFT) + 1


# Lower-case words of two letters or more that the rules below let continue a sentence:
# the only answers they can give for such a word (no digit, no dot, not an initial).
_LOWER_TITLES = frozenset(w for w in _TITLES if len(w) >= 2 and w.isalpha() and w.islower())
_LOWER_BEFORE_DIGIT = frozenset(w for w in _BEFORE_DIGIT if len(w) >= 2 and w.isalpha() and w.islower())
assert not any(w.isalpha() and w.islower() for w in _SOFT)


def _period_continues(text: str, p: int, q: int, line_start: int, across_line: bool) -> bool:
    """Whether the single "." at ``p`` does not end a sentence; the next one would start at ``q``."""
    if p >= _PLAIN_WORD and text[p - _PLAIN_WORD : p].isalpha():
        # The word before is longer than any title or abbreviation, has no dot (so it is no
        # acronym) and no digit: the checks below would all say no. Most sentences end so.
        return False
    space = text.rfind(" ", p - _PLAIN_WORD if p > _PLAIN_WORD else 0, p)
    # (No space found: no word is cut, since text[0:p] would copy the text's whole head.)
    word = text[space + 1 : p] if space >= 0 else ""
    if len(word) >= 2 and word.isalpha() and word.islower():
        # A shorter lower-case word after a space ("said."): most of the other sentence ends.
        # Letters hold no whitespace or opener, so it is the token the rules would cut.
        return word in _LOWER_TITLES or (word in _LOWER_BEFORE_DIGIT and text[q].isdigit())
    return _period_continues_by_rules(text, p, q, line_start, across_line)


def _period_continues_by_rules(text: str, p: int, q: int, line_start: int, across_line: bool) -> bool:
    """:func:`_period_continues` without its shortcuts (a test holds them equal)."""
    lo = p - _TOKEN_LOOKBACK if p > _TOKEN_LOOKBACK else 0
    chunk = text[lo:p]
    if not chunk or chunk[-1].isspace():
        return False
    tok = chunk.rsplit(None, 1)[-1]
    tok_start = p - len(tok)
    tok = tok.lstrip(_OPENERS)
    if not tok:
        return False
    if tok in _TITLES:
        return True
    c = text[q]
    if c.isdigit() and tok in _BEFORE_DIGIT:
        return True
    if tok.isdigit():
        return len(tok) <= 3 and tok_start == line_start
    if len(tok) == 1:
        return tok.isupper() and not _starter_follows(text, q, 2)
    if tok in _SOFT or ("." in tok and _ACRONYM.fullmatch(tok) is not None):
        return not across_line and not _starter_follows(text, q, 1)
    return False


def _starts_sentence(c: str) -> bool:
    """After terminal punctuation: upper-case or caseless letter, digit, opener, bullet, currency."""
    return c.isalnum() and not c.islower() or c in _START_EXTRA


def _starts_line_sentence(c: str) -> bool:
    """At the start of a line: upper-case or caseless letter, digit, opening quote."""
    return c.isalnum() and not c.islower() or c in _OPEN_QUOTES


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Split ``text`` into sentences: ``[start, end)`` spans into the original string.

    The rules are in the module docstring.
    """
    flat = _split(text, _GAP.finditer, None, array("q"))
    spans = list(zip(flat[0::2], flat[1::2], strict=True))
    if any(end - start > SENTENCE_MAX for start, end in spans):
        spans = [cut for a, b in spans for cut in (_pieces(text, a, b) if b - a > SENTENCE_MAX else [(a, b)])]
    return spans


# Characters of a sentence at most: a longer one (a text without stops or line breaks, tens of
# megabytes of it at worst) is cut into pieces of at most PIECE_MAX, about a sentence's length.
# A scan works through a long article a window of whole sentences at a time, and aligns
# candidate sentences whole: one of millions of characters could be neither cut nor aligned.
SENTENCE_MAX = 5000
PIECE_MAX = 500
_RUN_START = re.compile(r"(?<=\S)\s")  # where a run of whitespace starts


def _pieces(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The sentence ``text[start:end]`` as pieces of at most ``PIECE_MAX`` characters, each
    ending where the first run of whitespace in its second half starts (or, with none there,
    after ``PIECE_MAX`` characters, its whitespace there stripped); the next starts at the next
    non-space."""
    out = []
    while end - start > PIECE_MAX:
        found = _RUN_START.search(text, start + PIECE_MAX // 2, start + PIECE_MAX)
        cut = start + PIECE_MAX if found is None else found.start()
        # (Cut inside a run of whitespace that starts in the first half: the piece ends before it.)
        out.append((start, start + len(text[start:cut].rstrip())))
        start = cast(re.Match[str], _NONSPACE.search(text, cut)).start()  # (the sentence ends on one)
    out.append((start, end))
    return out


def _cap(
    texts: list[str], starts: np.ndarray, ends: np.ndarray, counts: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`split_many`'s spans, those over ``SENTENCE_MAX`` characters cut into pieces."""
    long = np.flatnonzero(ends - starts > SENTENCE_MAX)
    if not len(long):
        return starts, ends, counts
    owner = np.repeat(np.arange(len(texts)), counts)[long]
    spans = zip(owner.tolist(), starts[long].tolist(), ends[long].tolist(), strict=True)
    pieces = [np.array(_pieces(texts[t], a, b), dtype=np.int64) for t, a, b in spans]
    extra = np.array([len(p) - 1 for p in pieces], dtype=np.int64)
    cut = np.concatenate(pieces)
    first = np.cumsum(extra + 1) - (extra + 1)  # each long span's first piece, in ``cut``
    rest = np.ones(len(cut), dtype=bool)
    rest[first] = False
    starts, ends, counts = starts.copy(), ends.copy(), counts.copy()
    starts[long], ends[long] = cut[first, 0], cut[first, 1]
    np.add.at(counts, owner, extra)
    at = np.repeat(long, extra) + 1  # the other pieces go in after the first
    return np.insert(starts, at, cut[rest, 0]), np.insert(ends, at, cut[rest, 1]), counts


Gaps = Callable[[str, int], Iterator[re.Match[str]]]
_UNDECIDED, _CUT, _PARAGRAPH = 0, 1, 2  # kinds of the stops split_many decides


def _split(
    text: str, gaps: Gaps, stops: tuple[Sequence[int], Sequence[int]] | None, out: array[int]
) -> array[int]:
    """:func:`split_sentences` of ``text`` with the gaps ``gaps(text, start)`` gives from
    ``start`` on, each span's start and end appended to ``out`` (16 bytes a span: a long
    article's millions of tuples took ~130), which is returned. ``stops``: the positions of the
    full stops of the ". " and ".\\n\\n" gaps that ``gaps`` leaves out (the last gap it gives
    must then be the empty one at the end), in order, each with its kind: ``_PARAGRAPH``,
    ``_CUT`` (a ". " gap that ends a sentence) or ``_UNDECIDED`` (one
    :func:`_period_continues` decides); ". " gaps that cannot end a sentence are left out too."""
    first = _NONSPACE.search(text)
    if first is None:
        return out
    n = len(text)
    start = line_start = first.start()
    bm = _BULLET.match(text, start) if text[start] in _BULLET_CHARS else None
    line_bullet = bm is not None
    if bm is not None:
        start = bm.end()
    append = out.append
    wrap: _Wrap | None = None  # found where first needed: most texts never ask
    stop_at, stop_kind = stops if stops is not None else ((), ())
    k, n_stops = 0, len(stop_at)  # the next of ``stops``, and how many there are
    for m in gaps(text, start):
        # The stops before this gap, decided as the short paths below decide them.
        while k < n_stops and stop_at[k] < m.start():
            p, kind = stop_at[k], stop_kind[k]
            k += 1
            if kind == _PARAGRAPH:
                q = p + 3
                bm = _BULLET.match(text, q) if text[q] in _BULLET_CHARS else None
                append(start)
                append(p + 1)
                line_start = q
                line_bullet = bm is not None
                start = q if bm is None else bm.end()
            elif kind == _CUT or not _period_continues(text, p, p + 2, line_start, False):
                append(start)
                append(p + 1)
                start = p + 2
        q = m.end()
        if q >= n:
            break
        # The two commonest gaps (99.6% of a simulated corpus's, 41% of the seeds'), decided as
        # the general path below decides them without its bookkeeping (89.5 -> 75.9 us an article).
        gap = m.group()
        if gap == _STOP_SPACE:  # a full stop and one space inside a line
            c = text[q]
            if (c.isalnum() and not c.islower() or c in _START_EXTRA) and not (
                (q < _PLAIN_WORD + 2 or not text[q - 2 - _PLAIN_WORD : q - 2].isalpha())
                and _period_continues(text, q - 2, q, line_start, False)
            ):
                append(start)
                append(q - 1)
                start = q
            continue
        if gap == _STOP_PARAGRAPH:  # a full stop ending a paragraph: a blank line always ends a sentence
            bm = _BULLET.match(text, q) if text[q] in _BULLET_CHARS else None
            append(start)
            append(q - 2)
            line_start = q
            line_bullet = bm is not None
            start = q if bm is None else bm.end()
            continue
        punct_end = m.end(1)  # -1 for a line break
        punct = None if punct_end < 0 else text[m.start() : punct_end]
        if punct is None:
            ws_start = m.start()
            while ws_start > start and text[ws_start - 1].isspace():
                ws_start -= 1
            newline = True
        else:
            ws_start = m.start(3)
            ws = m.group(3)
            newline = ws != " " and not _NL_SET.isdisjoint(ws)
        c = text[q]
        if not newline:
            # A gap inside a line.
            if not _starts_sentence(c):
                continue
            if (
                punct == "."
                and ws_start == punct_end
                and _period_continues(text, m.start(), q, line_start, False)
            ):
                continue
            append(start)
            append(ws_start)
            start = q
            continue
        # A gap with one or more line breaks.
        gap = text[ws_start:q]
        bm = _BULLET.match(text, q) if c in _BULLET_CHARS else None
        # Two "\n" are two line breaks (each "\r\n" holds one): the common case without a regex.
        # A form feed is a page break (pdftotext's): what follows it is another page's, often its
        # running head ("Page 2"), which joined the sentence it fell in.
        if (
            gap != "\n"
            and (gap.count("\n") >= 2 or "\f" in gap or len(_LINEBREAK.findall(gap)) >= 2)
            or bm is not None
        ):
            cut = True
        elif c.islower():
            cut = False
        elif (
            punct is None
            and ws_start >= 2
            and c.isalpha()
            and text[ws_start - 1] in _HYPHENS
            and text[ws_start - 2].isalpha()
        ):
            cut = False  # a word broken across lines: "Kassym-\nJomart"
        elif (
            punct == "." and ws_start == punct_end and _period_continues(text, m.start(), q, line_start, True)
        ):
            cut = False
        elif line_bullet or punct is not None:
            cut = True
        elif _starts_line_sentence(c):
            # A capital after a full line of hard-wrapped text (a newspaper's column as OCR'd, a
            # wire's fixed width) is a name more often than a sentence: "bound from\nLiverpool".
            if wrap is None:
                wrap = _Wrap(text)
            cut = not (c.isalpha() and wrap.full(text, line_start, ws_start))
        else:
            # A heading: a short line that began a sentence of its own.
            cut = (
                start >= line_start
                and ws_start - line_start <= _HEADING_MAX
                and text[ws_start - 1] not in ",;"
            )
        line_start = q
        line_bullet = bm is not None
        if cut:
            append(start)
            append(ws_start)
            start = q if bm is None else bm.end()
    append(start)
    append(_stripped_end(text))
    return out


class _Wrap:
    """How wide a hard-wrapped text's lines were cut (``width``; 0 where the text is not one).

    Wrapped text is told by its soft wraps: line breaks after a line that ends with no stop,
    before one that starts in lower case. It is wrapped where at least ``_WRAP_MIN`` of them are
    at least a third of the breaks after lines with no stop; or, as German starts many a line
    with a noun, where there is one and three quarters of the lines before those breaks (three
    or more) are about as long as the longer of them, as lines cut at a width are. The width is
    the length of the longer lines (a high percentile: OCR's character counts vary, a merged
    column is longer)."""

    def __init__(self, text: str) -> None:
        self.width = 0
        lines = [line.strip() for line in _LINEBREAK.split(text)]
        unended, soft = [], []  # lengths of lines with no stop before a line, and of the softly wrapped
        for line, following in zip(lines, lines[1:], strict=False):  # (a blank line: a paragraph)
            if line and following and line[-1] not in _TERMINAL and line[-1] not in _CLOSERS:
                unended.append(len(line))
                if following[0].islower():
                    soft.append(len(line))
        if len(soft) >= _WRAP_MIN and 3 * len(soft) >= len(unended):
            self.width = _high(soft)
        elif soft and len(unended) >= _WRAP_MIN:
            width = _high(unended)
            if 4 * sum(n >= _WRAP_FULL * width for n in unended) >= 3 * len(unended):
                self.width = width

    def full(self, text: str, start: int, end: int) -> bool:
        """Whether the line ``text[start:end]`` was cut by the wrapping, not ended by its writer:
        about as long as the wrapped lines (a much longer one is a paragraph that was not
        wrapped, as a passage pasted into the text), not a heading in capitals, and not ending
        with a colon (a list, a formula or a quotation follows)."""
        return (
            self.width > 0
            and _WRAP_FULL * self.width <= end - start <= _WRAP_LONG * self.width
            and text[end - 1] != ":"
            and any(ch.islower() for ch in text[start:end])
        )


def _high(lengths: list[int]) -> int:
    """A high percentile (the 90th) of ``lengths``."""
    return sorted(lengths)[(len(lengths) - 1) * 9 // 10]


_WRAP_MIN = 3  # soft wraps a wrapped text has at least
# A line cut by the wrapping is this share of the wrap width long at least, and at most.
_WRAP_FULL, _WRAP_LONG = 0.75, 1.3


def _stripped_end(text: str, size: int = 1 << 12) -> int:
    """``len(text.rstrip())``, without a copy of a long text: its end stripped a piece at a time."""
    end = len(text)
    while end > 0:
        piece = text[max(end - size, 0) : end]
        kept = piece.rstrip()
        if kept:
            return end - len(piece) + len(kept)
        end -= len(piece)
    return 0


# Lower-case words shorter than _PLAIN_WORD after which a "." may continue a sentence, as
# numbers: the letters' codes, last letter in the lowest byte (as split_many reads them).
_LOWER_TITLE_CODES = np.array(sorted(int.from_bytes(w.encode()[::-1], "little") for w in _LOWER_TITLES))
_LOWER_DIGIT_CODES = np.array(sorted(int.from_bytes(w.encode()[::-1], "little") for w in _LOWER_BEFORE_DIGIT))
# Where a gap can start besides "." and "\n": looked for only in a batch that holds them.
_EMPTY = re.compile("")
_RARE_GAP_STARTS = [c for c in _TERMINAL + _NL_CHARS if c not in ".\n"]


def split_many(texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`split_sentences` of each text, as int64 arrays: the spans' starts and ends, text
    after text, and how many spans each text has.

    The same spans (a test holds them equal), found faster for many texts: the characters
    where a gap can start are found for all texts at once with numpy, and so are the
    decisions on the commonest gaps, a full stop and one space or a blank line (99.6% of a
    simulated corpus's gaps): ". " where the word before the stop is long (no title or
    abbreviation is) or lower-case, and every ".\\n\\n"; Python decides the rest.
    """
    joined = "\n".join(texts)
    lengths = np.array([len(t) for t in texts], dtype=np.int64)
    offsets = np.cumsum(lengths + 1) - (lengths + 1)
    # The gaps are found a stretch of the joined texts at a time: each decision reads a few
    # characters around its stop, and a whole batch's code points and masks (several bytes a
    # character) would be what one very long article costs most.
    parts = [
        _gaps_in(joined, lo, min(lo + _GAP_STRETCH, len(joined)), offsets, lengths)
        for lo in range(0, max(len(joined), 1), _GAP_STRETCH)
    ]
    gap_at, stop, kind, taken = (np.concatenate(column) for column in zip(*parts, strict=True))
    del parts
    # The other gaps: those that start elsewhere, but not at a stop's line breaks.
    other = np.delete(gap_at, np.searchsorted(gap_at, taken))  # each of ``taken`` is in ``gap_at``
    del gap_at, taken
    # Positions as arrays of machine integers, not lists of Python ones (8 bytes each, not ~40).
    stops, stop_bounds = _per_text(stop, offsets)
    others, other_bounds = _per_text(other, offsets)
    kinds = array("q", kind.astype(np.int64).tobytes())
    del stop, other, kind
    spans = array("q")
    counts = np.empty(len(texts), dtype=np.int64)
    for k, text in enumerate(texts):
        lo, hi = stop_bounds[k], stop_bounds[k + 1]
        gaps = functools.partial(_gaps_at, others[other_bounds[k] : other_bounds[k + 1]])
        before = len(spans)
        _split(text, gaps, (stops[lo:hi], kinds[lo:hi]), spans)
        counts[k] = (len(spans) - before) // 2
    del stops, others, kinds
    flat = np.frombuffer(spans, dtype=np.int64) if spans else np.empty(0, dtype=np.int64)
    return _cap(texts, flat[0::2].copy(), flat[1::2].copy(), counts)


# Characters of the joined texts whose gaps split_many finds at once (before and after them, the
# few more that its decisions read).
_GAP_STRETCH = 1 << 22
_GAP_BEFORE, _GAP_AFTER = _PLAIN_WORD + 2, 4


def _gaps_in(
    joined: str, lo: int, hi: int, offsets: np.ndarray, lengths: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Where gaps may start in ``joined[lo:hi]``; the ". " and ".\\n\\n" stops there that
    split_many decides or leaves to :func:`_period_continues`, with their kinds; and the gap
    starts those stops take (their own, and a paragraph's line breaks). Positions in ``joined``."""
    base = max(lo - _GAP_BEFORE, 0)
    stretch = joined[base : hi + _GAP_AFTER]
    codes = _code_points(stretch)
    starts = (codes == ord(".")) | (codes == ord("\n"))
    for c in _RARE_GAP_STARTS:
        if c in stretch:
            starts |= codes == ord(c)
    del stretch
    starts[: lo - base] = False
    starts[hi - base :] = False
    gap_at = np.flatnonzero(starts)
    del starts
    # Stops: a full stop that is not the last of a run (whose gap starts at the run's first),
    # then one space or two line breaks, then no space, inside the text.
    p = gap_at[codes[gap_at] == ord(".")]
    p = p[(p + base == 0) | ~np.isin(codes[p - 1], _TERMINAL_CODES)]
    end = (offsets + lengths)[np.searchsorted(offsets, p + base, side="right") - 1] - base
    last = len(codes) - 1  # the joined texts' last character, or beyond the stops' reach
    one, two, three = (codes[np.minimum(p + k, last)] for k in (1, 2, 3))
    space = (one == ord(" ")) & ~_is_space(two)  # inside the text: the line break joining two is a space
    paragraph = (p + 3 < end) & (one == ord("\n")) & (two == ord("\n")) & ~_is_space(three)
    stop, paragraph = p[space | paragraph], paragraph[space | paragraph]
    taken = np.concatenate((stop, stop[paragraph] + 1, stop[paragraph] + 2))
    # Of the ". " gaps, only those before a character that starts a sentence may end one.
    follows = codes[np.minimum(stop + 2, last)]
    keep = paragraph | _char_class(follows, _starts_sentence)
    stop, paragraph, follows = stop[keep], paragraph[keep], follows[keep]
    # The word before the stop: how many letters (up to _PLAIN_WORD), and whether all are
    # lower-case ASCII letters.
    letters = np.zeros(len(stop), dtype=np.int64)
    lower = np.zeros(len(stop), dtype=np.int64)
    word = np.zeros(len(stop), dtype=np.int64)
    going = np.ones(len(stop), dtype=bool)
    going_lower = np.ones(len(stop), dtype=bool)
    for back in range(1, _PLAIN_WORD + 1):
        c = codes[np.maximum(stop - back, 0)].astype(np.int64)
        going &= (stop + base >= back) & _char_class(c, str.isalpha)
        letters += going
        going_lower &= going & (c >= ord("a")) & (c <= ord("z"))
        lower += going_lower
        word |= np.where(going_lower, c << (8 * (back - 1)), 0)
    # As _period_continues decides them: a long word ends the sentence; a shorter lower-case
    # word after a space does unless it is listed; any other stop is left to it.
    plain = (letters >= 2) & (letters < _PLAIN_WORD) & (lower == letters) & (stop + base - letters - 1 >= 0)
    plain &= codes[np.maximum(stop - letters - 1, 0)] == ord(" ")
    continues = np.isin(word, _LOWER_TITLE_CODES) | (
        np.isin(word, _LOWER_DIGIT_CODES) & _char_class(follows, str.isdigit)
    )
    cut = (letters >= _PLAIN_WORD) | (plain & ~continues)
    kind = np.where(paragraph, _PARAGRAPH, np.where(cut, _CUT, _UNDECIDED))
    keep = paragraph | cut | ~plain
    return gap_at + base, stop[keep] + base, kind[keep], taken + base


def _per_text(positions: np.ndarray, offsets: np.ndarray) -> tuple[array[int], list[int]]:
    """Sorted positions in the joined texts as positions in their own texts, and where each
    text's positions begin and end in that array (text ``k``: ``bounds[k]:bounds[k + 1]``)."""
    text = np.searchsorted(offsets, positions, side="right") - 1
    bounds = np.searchsorted(text, np.arange(len(offsets) + 1)).tolist()
    return array("q", (positions - offsets[text]).astype(np.int64).tobytes()), bounds


def _gaps_at(positions: Sequence[int], text: str, start: int) -> Iterator[re.Match[str]]:
    """What ``_GAP.finditer(text, start)`` finds, given every position where a match may begin
    but the stops :func:`split_many` decides; then the empty match at the end, before which
    :func:`_split` decides the stops after the last gap (a gap reaching the end ends it)."""
    end = start
    for pos in positions:
        if pos >= end:
            m = _GAP.match(text, pos)
            if m is not None:
                end = m.end()
                yield m
    yield _EMPTY.match(text, len(text))  # type: ignore[misc]  # always matches


def _code_points(text: str) -> np.ndarray:
    """The code points of ``text``, as small an unsigned type as holds them all."""
    if text.isascii():
        return np.frombuffer(text.encode("ascii"), dtype=np.uint8)
    as_16 = text.encode("utf-16-le")
    if len(as_16) == 2 * len(text):  # no character beyond U+FFFF: one unit each
        return np.frombuffer(as_16, dtype=np.uint16)
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)


_TERMINAL_CODES = np.array([ord(c) for c in _TERMINAL])


def _char_class(codes: np.ndarray, test: Callable[[str], bool]) -> np.ndarray:
    """``test`` of each code point's character (ASCII from a table made once per test)."""
    table = _ASCII_TABLES.get(test)
    if table is None:
        table = _ASCII_TABLES[test] = np.array([test(chr(c)) for c in range(128)], dtype=bool)
    out = table[np.minimum(codes, 127)]
    high = np.flatnonzero(codes > 127)
    if len(high):
        values, where = np.unique(codes[high], return_inverse=True)
        out[high] = np.array([test(chr(c)) for c in values.tolist()], dtype=bool)[where]
    return out


_ASCII_TABLES: dict[Callable[[str], bool], np.ndarray] = {}


def split_lines(text: str) -> list[tuple[int, int]]:
    """Spans of the non-empty lines of ``text``, each stripped of surrounding whitespace."""
    # str.splitlines and str.strip know the same line breaks and whitespace as _LINE, and
    # are 2x faster than its character-by-character regex (a property test holds them equal).
    spans = []
    pos = 0
    for line in text.splitlines(True):
        stripped = line.strip()
        if stripped:
            first = pos + len(line) - len(line.lstrip())
            spans.append((first, first + len(stripped)))
        pos += len(line)
    return spans


# For line_table: which ASCII bytes break a line (a translate table), and the code points that do.
_BREAK_BYTES = bytes(int(chr(c) in _NL_SET) for c in range(256))
_BREAK_CODES = np.array(sorted(ord(c) for c in _NL_CHARS), dtype=np.uint32)


def line_table(text: str) -> tuple[np.ndarray, np.ndarray]:
    """:func:`split_lines` of ``text`` as ``(starts, ends)`` int64 arrays, found with numpy.

    A scan asks this of a whole batch of articles joined by line breaks: the lines are cut at
    every line-break character (the empty "line" inside a ``\r\n`` is dropped like any
    blank one) and only lines with whitespace at an end are stripped in Python (per line,
    the loop of :func:`split_lines` cost 8 us a simulated article; a test holds them equal).
    """
    if text.isascii():
        raw = text.encode("ascii")
        codes: np.ndarray = np.frombuffer(raw, dtype=np.uint8)
        breaks = np.flatnonzero(np.frombuffer(raw.translate(_BREAK_BYTES), dtype=bool))
    else:
        codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
        maybe = np.flatnonzero((codes <= 0x1E) | (codes == 0x85) | ((codes | 1) == 0x2029))
        breaks = maybe[np.isin(codes[maybe], _BREAK_CODES)]
    starts = np.concatenate((np.zeros(1, dtype=np.int64), breaks + 1))
    ends = np.append(breaks, len(text)).astype(np.int64)
    filled = ends > starts
    starts, ends = starts[filled], ends[filled]
    ragged = np.flatnonzero(_is_space(codes[starts]) | _is_space(codes[ends - 1]))
    if len(ragged):
        keep = np.ones(len(starts), dtype=bool)
        for k in ragged.tolist():
            line = text[starts[k] : ends[k]]
            stripped = line.strip()
            if stripped:
                starts[k] += len(line) - len(line.lstrip())
                ends[k] = starts[k] + len(stripped)
            else:
                keep[k] = False
        starts, ends = starts[keep], ends[keep]
    return starts, ends


def _is_space(codes: np.ndarray) -> np.ndarray:
    """``str.isspace`` of each code point."""
    return _char_class(codes, str.isspace)


# Characters read either side of a span to find the sentences it lies in: news sentences are shorter.
SENTENCE_REACH = 400


def whole_sentences(text: str, start: int, end: int, reach: int = SENTENCE_REACH) -> tuple[int, int]:
    """Bounds of the sentence(s) that ``text[start:end]`` lies in: a span that starts or ends
    mid-sentence grows to whole sentences. Only ``reach`` characters either side are read; where
    a sentence runs past them, the span keeps its own edge on that side."""
    lo, hi = max(0, start - reach), min(len(text), end + reach)
    found = [(a + lo, b + lo) for a, b in split_sentences(text[lo:hi]) if a + lo < end and b + lo > start]
    if not found:
        return start, end
    first, last = found[0][0], found[-1][1]
    # a sentence that reaches the window's edge may run on past it
    first = start if lo > 0 and not text[lo:first].strip() else min(first, start)
    last = end if hi < len(text) and not text[last:hi].strip() else max(last, end)
    return first, last
