"""Normalisation and tokenising for matching.

Matching runs on *folded* text: lower case, Unicode quotes/dashes/apostrophes/spaces
mapped to ASCII, accents stripped. Folding maps each character to exactly one
character, so an offset into the folded text is the same offset into the
original: that is the map back to original character offsets, at no cost.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping

import numpy as np

# Characters whose NFKD form is not what matching wants.
_SPECIAL = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u00b4": "'", "`": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
    "\u00a0": " ", "\u2009": " ", "\u200a": " ", "\u202f": " ", "\u2007": " ", "\u3000": " ",
    "\u2026": ".", "\u00ad": "-",
}  # fmt: skip

# ASCII upper case is in the table too, so translate() alone folds everything.
_fold_table: dict[int, str] = {c: chr(c).lower() for c in range(ord("A"), ord("Z") + 1)}


def _fold_char(ch: str) -> str:
    if ch in _SPECIAL:
        return _SPECIAL[ch]
    base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c)).lower()
    if len(base) == 1:
        return base
    low = ch.lower()
    # A few characters (e.g. U+0130) grow when lower-cased: keep them as they are.
    return low if len(low) == 1 else ch


_NON_ASCII = re.compile(r"([^\x00-\x7f]+)")


def fold(text: str) -> str:
    """Fold ``text`` for matching; the result has exactly the same length."""
    if text.isascii():
        return text.lower()
    # ASCII runs through str.lower and only the non-ASCII runs through the table: translate()
    # looks every character of a non-ASCII string up in a dict, ~5x slower for news text.
    parts = _NON_ASCII.split(text)
    for k in range(1, len(parts), 2):
        run = parts[k]
        missing = {ord(c) for c in set(run)} - _fold_table.keys()
        for code in missing:
            _fold_table[code] = _fold_char(chr(code))
        parts[k] = run.translate(_fold_table)
    for k in range(0, len(parts), 2):
        parts[k] = parts[k].lower()
    return "".join(parts)


def fold_joined(texts: list[str]) -> tuple[str, np.ndarray]:
    """The texts folded and joined by line breaks (which no token crosses), and where each
    starts in the result: folding keeps every character where it is, so text ``k``'s offsets
    are its own plus ``starts[k]``. Each is folded on its own: the few beyond ASCII take
    :func:`fold`'s slower way, not the whole batch."""
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)) + 1
    return "\n".join(map(fold, texts)), np.cumsum(lengths) - lengths


# Scripts written without spaces between words (Chinese, Japanese kana and kanji): each of their
# letters is a token of its own, as it is a syllable or a word, where a run would be a clause.
CJK_RANGES = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f\U00020000-\U0002fa1f"
_CJK_BOUNDS = np.array([(0x3040, 0x30FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF),
                        (0xFF66, 0xFF9F), (0x20000, 0x2FA1F)], dtype=np.uint32)  # fmt: skip


def _vowel_signs() -> np.ndarray:
    """The combining marks of scripts that write vowels as them (Indic scripts, Thai, Lao,
    Tibetan, Myanmar, Khmer): "किया" is one word, not "क" and "य". Marks of other scripts (Latin
    accents, Arabic and Hebrew vowel points) are left as they were: not part of a word."""
    blocks = ((0x0900, 0x0DFF), (0x0E00, 0x0FFF), (0x1000, 0x109F), (0x1780, 0x17FF))
    marks = [c for lo, hi in blocks for c in range(lo, hi + 1) if unicodedata.category(chr(c))[0] == "M"]
    return np.array(marks, dtype=np.uint32)


_VOWEL_SIGNS = _vowel_signs()
_SIGN_CLASS = "".join(chr(c) for c in _VOWEL_SIGNS.tolist())
_WORD_CHAR = f"[^\\W_{CJK_RANGES}]"
_WORD = f"{_WORD_CHAR}(?:{_WORD_CHAR}|[{_SIGN_CLASS}])*"
# A token: letters/digits (and the vowel signs after them), with internal apostrophes
# ("parkinson's", "couldn't"); or one letter of a script written without spaces.
TOKEN_RE = re.compile(f"(?=[^\\W_])[{CJK_RANGES}]|{_WORD}(?:'{_WORD})*")

STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further had has
    have having he her here hers herself him himself his how i if in into is it its itself just me more
    most my myself no nor not now of off on once only or other our ours ourselves out over own same she
    should so some such than that the their theirs them themselves then there these they this those
    through to too under until up very was we were what when where which while who whom why will with
    would you your yours yourself yourselves said says say told tell according also one two new mr mrs ms
    dr may might must shall us s t""".split()
)

_key_cache: dict[str, str] = {}


def match_key(token: str) -> str:
    """The form two tokens must share to count as the same word.

    Possessives and apostrophes are dropped and a light suffix stripping makes
    "denied"/"deny", "confirmed"/"confirming" and "twitches"/"twitch" agree: a copy
    that changes a word's inflection is still a copy of that word.
    """
    key = _key_cache.get(token)
    if key is None:
        key = token.replace("'s", "").replace("'", "") if "'" in token else token
        if "ß" in key:  # Swiss German and many a copy write "ss": "Strasse" is "Straße"
            key = key.replace("ß", "ss")
        if key not in STOPWORDS:  # stemming a stopword could make it look like content ("this" -> "thi")
            key = _stem(key)
        _key_cache[token] = key
    return key


def _stem(word: str) -> str:
    n = len(word)
    if n <= 3 or word.isdigit():
        return word
    if word.endswith("ies") and n > 4:
        return word[:-3] + "y"
    if word.endswith("ied") and n > 4:
        return word[:-3] + "y"
    if word.endswith("ing") and n > 5:
        return word[:-3]
    if word.endswith("ed") and n > 4:
        return word[:-2]
    if word.endswith("es") and n > 4 and word[-3] in "sxzh":
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss") and n > 3:
        return word[:-1]
    return word


# ASCII characters that can never be part of a token, as spaces: with str.split, what
# TOKEN_RE finds in ASCII text at ~1.4x its speed.
_ASCII_BREAKS = {c: " " for c in range(128) if not (chr(c).isalnum() or chr(c) == "'")}


def tokens(folded: str, start: int = 0, end: int | None = None) -> list[str]:
    """Tokens of ``folded[start:end]`` (fast path: no offsets): what :data:`TOKEN_RE` finds."""
    if start or end is not None:
        folded = folded[start:end]
    if not folded.isascii():
        return TOKEN_RE.findall(folded)
    words = folded.translate(_ASCII_BREAKS).split()
    if "'" not in folded:
        return words
    # Apostrophes join two word characters only ("don't"), not "'quoted'" or "rock 'n' roll".
    out: list[str] = []
    for word in words:
        if "'" in word:
            out.extend(TOKEN_RE.findall(word))
        else:
            out.append(word)
    return out


# A word broken at a line end and rejoined: a hyphen right after a letter, then spaces and at
# most one line break (OCR'd print: "fran-\ncais", or the break already turned into a space:
# "fran- cais"), then a letter. A blank line is a paragraph break, not a broken word.
_HYPHEN_GAP = re.compile(r"-(?:[ \t]+(?:\r\n|[\n\r])?|\r\n|[\n\r])[ \t]*")


def _hyphen_gaps(folded: str) -> Iterator[tuple[int, int]]:
    """``[start, end)`` of each gap that :func:`matching_tokens` closes: between two letters."""
    for m in _HYPHEN_GAP.finditer(folded):
        p, q = m.span()
        if p > 0 and q < len(folded) and folded[p - 1].isalpha() and folded[q].isalpha():
            yield p, q


def matching_tokens(folded: str) -> list[str]:
    """:func:`tokens` of ``folded`` with words hyphenated across a line break joined into one
    ("fran-" at a line's end, "cais" on the next, is the token "francais"; so is "fran- cais",
    where OCR made the break a space): the tokens that matching compares."""
    if "-" in folded:
        gaps = list(_hyphen_gaps(folded))
        if gaps:
            ends = [p for p, _ in gaps] + [len(folded)]
            starts = [0] + [q for _, q in gaps]
            folded = "".join(folded[a:b] for a, b in zip(starts, ends, strict=True))
    return tokens(folded)


def token_text(folded: str, start: int, end: int) -> str:
    """The token at ``folded[start:end]`` of a :func:`rejoin_hyphenated` table: its characters,
    less the hyphen and spaces of a line break it was joined across."""
    text = folded[start:end]
    return _HYPHEN_GAP.sub("", text) if "-" in text else text


def rejoin_hyphenated(
    folded: str, table: tuple[np.ndarray, np.ndarray, np.ndarray], bounds: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A :func:`token_table` of ``folded`` with the words :func:`matching_tokens` joins made one
    token each: its start is the first part's, its end the last part's (offsets still point into
    the text) and its key that of the joined word, as if it had been written whole.

    ``bounds``: sorted positions where a text begins (sentences or articles joined in one
    string): no word is joined across one. Gaps are rare, so they are found by a regex search
    and only they are looked at in Python.
    """
    starts, ends, keys = table
    if "-" not in folded or len(starts) < 2:
        return table
    first: list[int] = []  # the first token of each joined pair
    for p, q in _hyphen_gaps(folded):
        i = int(np.searchsorted(ends, p))
        if i + 1 >= len(starts) or ends[i] != p or starts[i + 1] != q:
            continue
        if bounds is not None and np.searchsorted(bounds, p, "right") != np.searchsorted(bounds, q, "right"):
            continue
        first.append(i)
    if not first:
        return table
    joined = np.zeros(len(starts), dtype=bool)  # token i is joined to the one before it
    joined[np.array(first) + 1] = True
    head = np.flatnonzero(~joined)  # the first token of each word
    last = np.append(head[1:], len(starts)) - 1  # and its last
    new_starts, new_ends, new_keys = starts[head], ends[last], keys[head].copy()
    for k in np.flatnonzero(last > head).tolist():
        word = token_text(folded, int(new_starts[k]), int(new_ends[k]))
        new_keys[k] = token_table(word)[2][0]
    return new_starts, new_ends, new_keys


_SEQ_BASE = np.uint64(0x100000001B3)  # odd, so powers never vanish modulo 2^64
_SEQ_LEN = np.uint64(0x9E3779B97F4A7C15)
_ASCII_WORD = np.array([chr(c).isalnum() for c in range(128)], dtype=bool)
# The same flags as bytes, for bytes.translate: an ASCII text's word flags without numpy indexing.
_ASCII_WORD_BYTES = bytes(_ASCII_WORD.tolist()) + bytes(128)
_APOSTROPHE = np.uint32(ord("'"))
# Token keys are hashed in blocks of about this many characters: the powers they need (and their
# inverses) are then at most this long, however long the text.
_KEY_BLOCK = 1 << 16


def token_table(folded: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every token of ``folded`` at once, in numpy: ``(starts, ends, keys)``.

    The spans are those of :data:`TOKEN_RE` matches (``[^\\W_]`` is ``str.isalnum``; an
    apostrophe between two word characters joins them, as in ``don't``). ``keys`` are
    64-bit hashes of each token's characters (a polynomial hash modulo 2^64, mixed): equal
    tokens get equal keys, so a vocabulary can be looked up without making Python strings.
    """
    if folded.isascii():
        # One byte a character, and the word flags by bytes.translate rather than UTF-32 and a
        # table lookup per character (news folds to ASCII almost always). With the prefix sums
        # below: 44.6 -> 16.8 us a simulated article for the whole table.
        raw = folded.encode("ascii")
        cp = np.frombuffer(raw, dtype=np.uint8)
        inside = np.frombuffer(raw.translate(_ASCII_WORD_BYTES), dtype=bool).copy()
    else:
        cp = np.frombuffer(folded.encode("utf-32-le"), dtype=np.uint32)
        inside = _ASCII_WORD[np.minimum(cp, 127)]
        high = cp > 127
        codes = cp[high]
        distinct = np.unique(codes)
        flags = np.array([chr(c).isalnum() for c in distinct.tolist()], dtype=bool)
        where = np.searchsorted(distinct, codes)
        inside[high] = flags[where]
        wide = _is_cjk(distinct) & flags  # (looked at once per distinct letter)
        cjk = None
        if wide.any():
            cjk = np.zeros(len(cp), dtype=bool)
            cjk[high] = wide[where]
        signs = np.isin(distinct, _VOWEL_SIGNS)
        if signs.any():
            sign = np.zeros(len(cp), dtype=bool)
            sign[high] = signs[where]
            _join_vowel_signs(inside, sign, cjk)
        if cjk is not None:
            return _keyed(cp, *_cjk_spans(cp, inside, cjk))
    # (the right-hand side is made before the flags change: it reads the word flags alone)
    inside[1:-1] |= (cp[1:-1] == _APOSTROPHE) & inside[:-2] & inside[2:]
    edges = np.flatnonzero(np.diff(inside, prepend=False, append=False))
    return _keyed(cp, edges[0::2], edges[1::2])


def _keyed(cp: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The tokens ``[starts, ends)`` of the code points ``cp`` with their keys."""
    if len(starts) == 0:
        return starts, ends, np.empty(0, dtype=np.uint64)
    keys = _polynomial_keys(cp, starts, ends)
    keys ^= (ends - starts).astype(np.uint64) * _SEQ_LEN
    return starts, ends, _fmix64(keys)


def _join_vowel_signs(inside: np.ndarray, sign: np.ndarray, cjk: np.ndarray | None) -> None:
    """Make the vowel signs right after a word's letter (not a CJK one) part of the word, in
    ``inside`` (the letters' flags, which no sign has yet)."""
    first = sign & ~np.concatenate(([False], sign[:-1]))  # the first sign of each run of them
    anchor = np.flatnonzero(first) - 1  # the character before the run
    word = np.zeros(len(anchor), dtype=bool)
    ok = anchor >= 0
    word[ok] = inside[anchor[ok]] & (True if cjk is None else ~cjk[anchor[ok]])
    run = np.cumsum(first) - 1  # each character's run of signs (valid where ``sign``)
    inside[sign] = word[run[sign]]


def _is_cjk(cp: np.ndarray) -> np.ndarray:
    """Which code points are of a script written without spaces (:data:`CJK_RANGES`)."""
    out = np.zeros(len(cp), dtype=bool)
    for lo, hi in _CJK_BOUNDS:
        out |= (cp >= lo) & (cp <= hi)
    return out


def _cjk_spans(cp: np.ndarray, inside: np.ndarray, cjk: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`token_table`'s spans in a text holding letters of scripts written without spaces:
    each of those a token, the other words as :data:`TOKEN_RE` finds them."""
    other = inside & ~cjk
    other[1:-1] |= (cp[1:-1] == _APOSTROPHE) & other[:-2] & other[2:]
    before = np.concatenate(([False], other[:-1]))
    after = np.concatenate((other[1:], [False]))
    return np.flatnonzero(cjk | (other & ~before)), np.flatnonzero(cjk | (other & ~after)) + 1


def _polynomial_keys(codes: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """``sum(codes[s + k] * BASE^k)`` over each token ``[s, e)``, modulo 2^64.

    From prefix sums: with ``P[i] = sum(codes[t] * BASE^t, t < i)``, a token's sum is
    ``(P[e] - P[s]) * BASE^-s`` (BASE is odd, so invertible modulo 2^64): three passes over
    the characters instead of gathering each token's characters and powers.
    """
    keys = np.empty(len(starts), dtype=np.uint64)
    lo = 0
    while lo < len(starts):
        # A block of whole tokens, positions counted from its first token's start.
        base = int(starts[lo])
        hi = max(int(np.searchsorted(ends, base + _KEY_BLOCK, side="right")), lo + 1)
        stop = int(ends[hi - 1])
        powers, inverses = _power_tables(stop - base + 1)
        prefix = np.empty(stop - base + 1, dtype=np.uint64)
        prefix[0] = 0
        np.cumsum(codes[base:stop] * powers[: stop - base], out=prefix[1:])
        s, e = starts[lo:hi] - base, ends[lo:hi] - base
        keys[lo:hi] = (prefix[e] - prefix[s]) * inverses[s]
        lo = hi
    return keys


_SEQ_BASE_INVERSE = np.uint64(pow(int(_SEQ_BASE), -1, 1 << 64))
_power_cache: list[np.ndarray] = []


def _power_tables(n: int) -> tuple[np.ndarray, np.ndarray]:
    """BASE^0..BASE^(n-1) and their inverses, modulo 2^64 (those of a block kept for every call;
    a token longer than a block gets its own)."""
    if n > _KEY_BLOCK + 1:
        return _powers(n), _powers(n, _SEQ_BASE_INVERSE)
    if not _power_cache:
        _power_cache[:] = [_powers(_KEY_BLOCK + 1), _powers(_KEY_BLOCK + 1, _SEQ_BASE_INVERSE)]
    return _power_cache[0][:n], _power_cache[1][:n]


def _powers(n: int, base: np.uint64 = _SEQ_BASE) -> np.ndarray:
    """base^0, base^1, ..., base^(n-1) modulo 2^64."""
    powers = np.ones(n, dtype=np.uint64)
    np.cumprod(np.full(max(n - 1, 0), base, dtype=np.uint64), out=powers[1:])
    return powers


def _fmix64(h: np.ndarray) -> np.ndarray:
    # MurmurHash3's fmix64
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xFF51AFD7ED558CCD)
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xC4CEB9FE1A85EC53)
    h ^= h >> np.uint64(33)
    return h


def token_spans(folded: str, start: int = 0, end: int | None = None) -> Iterator[tuple[int, int]]:
    """``[start, end)`` offsets of the tokens of ``folded[start:end]``."""
    for m in TOKEN_RE.finditer(folded, start, len(folded) if end is None else end):
        yield m.span()


def token_hash(token: str) -> int:
    """A stable 64-bit hash of one exact token (unsigned)."""
    return int.from_bytes(hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest(), "little")


def sequence_ids(token_hashes: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Stable signed 64-bit ids of many token sequences at once (SQLite integers are signed).

    ``token_hashes``: :func:`token_hash` of every token, sequences back to back;
    ``lengths``: tokens per sequence (all > 0). A polynomial hash modulo 2^64, mixed:
    equal sequences get equal ids, different ones collide about once in 2^64.
    """
    lengths = np.asarray(lengths, dtype=np.int64)
    if len(lengths) == 0:
        return np.empty(0, dtype=np.int64)
    powers = _powers(int(lengths.max()))
    within = np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    exponent = np.repeat(lengths, lengths) - 1 - within
    h = np.add.reduceat(
        np.asarray(token_hashes, dtype=np.uint64) * powers[exponent], np.cumsum(lengths) - lengths
    )
    h ^= lengths.astype(np.uint64) * _SEQ_LEN
    return _fmix64(h).view(np.int64)


def line_ids(
    folded: str, starts: np.ndarray, ends: np.ndarray, tok_at: np.ndarray, tok_key: np.ndarray
) -> np.ndarray:
    """Stable signed 64-bit ids of the lines ``folded[starts[i]:ends[i]]`` (sorted, disjoint).

    A line's id is a hash of the tokens on it (``tok_at``, ``tok_key``: :func:`token_table`
    of ``folded``), so lines that differ only in spacing or punctuation share an id; a line
    without tokens is identified by its text, spacing collapsed. From the token table a scan
    already has, the ids of a batch's lines are array arithmetic: hashing each line's text
    (blake2b) was 34 us a simulated article, an eighth of analysing it.
    """
    starts = np.asarray(starts, dtype=np.int64)
    ends = np.asarray(ends, dtype=np.int64)
    first = np.searchsorted(tok_at, starts)
    count = np.searchsorted(tok_at, ends) - first  # tokens start inside a line and end in it
    ids = np.empty(len(starts), dtype=np.int64)
    has = count > 0
    if has.any():
        keys = _polynomial_keys(tok_key, first[has], first[has] + count[has])
        keys ^= count[has].astype(np.uint64) * _SEQ_LEN
        ids[has] = _fmix64(keys).view(np.int64)
    for k in np.flatnonzero(~has).tolist():
        text = " ".join(folded[starts[k] : ends[k]].split())
        ids[k] = int.from_bytes(
            hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little", signed=True
        )
    return ids


_SPACE = re.compile(r"\s")


def whitespace_stretches(text: str, start: int, end: int, size: int) -> Iterator[tuple[int, int]]:
    """``text[start:end]`` as consecutive ``[lo, hi)`` stretches of about ``size`` characters or
    more, each cut before a whitespace character (which no token holds)."""
    lo = start
    while lo < end:
        found = _SPACE.search(text, lo + size, end) if lo + size < end else None
        hi = end if found is None else found.start()
        yield lo, hi
        lo = hi


def long_line_id(text: str, start: int, end: int, size: int = 1 << 22) -> int:
    """:func:`line_id` of the folded line ``text[start:end]``, folded and hashed ``size``
    characters at a time: the same polynomial hash of its tokens' keys, added up stretch by
    stretch (each stretch's sum times BASE to the number of tokens before it)."""
    modulus = 1 << 64
    total, count = 0, 0
    digest = hashlib.blake2b(digest_size=8)  # for a line without tokens: its words, spacing collapsed
    words = False
    for lo, hi in whitespace_stretches(text, start, end, size):
        folded = fold(text[lo:hi])
        keys = token_table(folded)[2]
        if len(keys):
            part = int(_polynomial_keys(keys, np.zeros(1, dtype=np.int64), np.array([len(keys)]))[0])
            total = (total + part * pow(int(_SEQ_BASE), count, modulus)) % modulus
            count += len(keys)
        elif not count:
            stretch_words = " ".join(folded.split())
            if stretch_words:
                digest.update((" " if words else "").encode() + stretch_words.encode("utf-8"))
                words = True
    if count:
        key = np.array([total ^ (count * int(_SEQ_LEN)) % modulus], dtype=np.uint64)
        return int(_fmix64(key).view(np.int64)[0])
    return int.from_bytes(digest.digest(), "little", signed=True)


class TokensOnDemand(Mapping[int, list[str]]):
    """Tokens of sentences, kept as their text and tokenised each time they are asked for.

    Text pickles smaller than token lists, and the tokenising then happens in whichever
    process uses the tokens (a worker), not in the one that gathered the sentences.
    Not memoised: verification asks once per sentence and keeps what it derives.
    """

    def __init__(self, texts: dict[int, str]) -> None:
        self.texts = texts  # key -> the sentence's original (unfolded) text

    def __getitem__(self, key: int) -> list[str]:
        return matching_tokens(fold(self.texts[key]))

    def __iter__(self) -> Iterator[int]:
        return iter(self.texts)

    def __len__(self) -> int:
        return len(self.texts)

    def all_texts(self) -> Mapping[int, str]:
        """Every sentence's text (unfolded), by key."""
        return self.texts

    def subset(self, keys: Iterable[int]) -> TokensOnDemand:
        return TokensOnDemand({k: self.texts[k] for k in keys})
