"""Words too common in a corpus to count as content, learned from the corpus itself.

Matching counts *content words*: a region must share enough of them, and shingles are made of
them. The English stopword list (:data:`tracer.text.STOPWORDS`) says nothing of a French or
German corpus, where "le", "de", "la" would count as content and short stock phrases ("le long
de la frontiere") would pass as copies. So a store learns its frequent words by *document
frequency*: a word (its match key) found in at least ``min_df`` of the documents is not content,
in any language; the English list still applies on top (a union). A document is a stretch of
:data:`WINDOW` tokens of an article rather than the article, so that the words learned do not
depend on how long a corpus's articles are (in a corpus of long articles nearly every word would
be in half of them). With ``min_df`` 0.3 that is about a language's hundred commonest words: its
function words (in a made-up language of the simulator's shape, the 63 that recur most; in the
simulator's English, "year" and "get" beyond the English list).

Why learned once, from a fixed sample, and frozen: everything a scan stores (sentence records'
content counts, signatures, verified pairs) depends on which words are content, and a scan only
adds to it. Frequencies recomputed at every scan would make the stored part disagree with the
new part, and an incremental store with a scan of everything. So the words are learned from the
store's first ``sample`` articles in ingest order, at the first scan that finds that many, and
kept in the store's meta; a store with fewer has no useful statistics and leaves out, with the
English list, the function words of six more languages (:data:`BUILT_IN`). A store scanned
before it reached the sample is scanned again from scratch at that point (at most ``sample``
articles of work, once), so every stored result was made with one
vocabulary, and a store scanned in steps equals one scanned at once (ingested in the same order).
"""

from __future__ import annotations

import json
import math
import re

import numpy as np

from .candidates import unique_sorted
from .text import STOPWORDS, fold, fold_joined, match_key, rejoin_hyphenated, token_table, token_text

META_KEY = "frequent_words"
WINDOW = 300  # tokens per document counted

# The function words of the languages of Western Europe's press after English, for a store too
# small to learn its own: there "le", "der", "una" would count as content, and a chance shared
# "le Grand Conseil a voté" pass as a copy. Left out: words that are content in English ("die",
# "war", "son", "car", "van", "era", "come", "man", "hat", "pour", "sin", "mit", "met", "door").
_FUNCTION_WORDS = {
    "fr": """le la les un une des du de et en au aux ce cet cette ces qui que quoi dont ou où mais
        donc ni par sur sous dans avec sans entre vers chez il ils elle elles nous vous leur leurs
        sa ses se ne pas plus est sont été être avoir ont était étaient fait aussi comme tout tous
        toute selon lors après avant depuis très bien encore déjà ainsi alors cela ça lui y""",
    "de": """der das des ein eine einer einem einen eines und oder aber nicht sich sie er es wir
        ich ihr ihre sein seine dass auch noch nur wird werden wurde wurden sind ist haben hatte
        habe kann vor bis um durch gegen ohne unter zwischen seit auf aus bei nach von zu zum zur
        im als wie dieser diese dieses laut""",
    "es": """el la los las un una unos unas de del al y o que en por para con se su sus lo le les
        es fue ha han está están como más pero sobre entre desde hasta este esta estos también
        muy ya ni""",
    "it": """il lo la gli le un uno una di del della dei delle degli da dal dalla in con su per tra
        fra e ed che non si è sono ha hanno anche più ma questo questa nel nella al alla ai""",
    "pt": """o os a as um uma de do da dos das em no na nos nas por para com que e é se não mais mas
        foi são como ao pelo pela seu sua também já ou""",
    "nl": """de het een en in op te dat is niet voor zijn aan er ook als bij naar om maar
        dan nog wordt werd worden heeft hebben of uit tot ze hij zij wij deze dit""",
}
BUILT_IN = (
    frozenset(match_key(fold(word)) for words in _FUNCTION_WORDS.values() for word in words.split())
    - STOPWORDS
)
BUILT_IN_KEY = "frequent_built_in"  # the version of BUILT_IN a small store's scans used
BUILT_IN_VERSION = "1"


def learn(texts: list[str], min_df: float) -> list[str]:
    """Match keys found in at least ``min_df`` (a share) of the documents of ``texts`` (two at
    least), a document being :data:`WINDOW` consecutive tokens of one text; English stopwords
    left out (they apply anyway); sorted."""
    if not texts or min_df <= 0:
        return []
    texts = _without_repeats(texts)
    batch, offsets = fold_joined(texts)
    starts, ends, keys = rejoin_hyphenated(batch, token_table(batch), offsets)
    if len(keys) == 0:
        return []
    distinct, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    # Python looks at each distinct token once: its match key, numbered.
    numbers: dict[str, int] = {}
    key_of = np.fromiter(
        (
            numbers.setdefault(match_key(token_text(batch, s, e)), len(numbers))
            for s, e in zip(starts[first].tolist(), ends[first].tolist(), strict=True)
        ),
        dtype=np.int64,
        count=len(distinct),
    )
    # Documents of at most WINDOW tokens (an article's first WINDOW tokens, its next...): a word's
    # share of them does not depend on how long the articles are.
    article = np.searchsorted(offsets, starts, side="right") - 1
    first_token = np.searchsorted(article, np.arange(len(texts)))
    windows = -(-np.diff(np.append(first_token, len(starts))) // WINDOW)  # of each article
    doc = (np.cumsum(windows) - windows)[article] + (np.arange(len(starts)) - first_token[article]) // WINDOW
    documents = int(windows.sum())
    # Each (document, key) once: the key's document frequency is then a count.
    pairs = unique_sorted(doc * len(numbers) + key_of[inverse.reshape(-1)])
    df = np.bincount(pairs % len(numbers), minlength=len(numbers))
    needed = max(2, math.ceil(min_df * documents))
    names = np.array(list(numbers), dtype=object)
    return sorted(k for k in names[df >= needed].tolist() if k not in STOPWORDS)


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


def _without_repeats(texts: list[str]) -> list[str]:
    """Each text less the sentences an earlier text (or itself) already printed, or nearly: a
    wire story or a template carried by many of the sample's articles counts once, edited
    copies included, so its words are not learned as function words (a story printed in every
    article of the sample, two words changed in each, made all of its words frequent)."""
    seen: set[str] = set()
    seen_grams: set[tuple[str, ...]] = set()
    out = []
    for text in texts:
        kept = []
        for sentence in _SENTENCE_END.split(text):
            words = sentence.lower().split()
            key = " ".join(words)
            grams = set(zip(words, words[1:], words[2:], strict=False))
            if not key or key in seen or (grams and 2 * len(grams & seen_grams) >= len(grams)):
                continue  # printed before, or half its word trigrams were: a copy, maybe edited
            seen.add(key)
            seen_grams |= grams
            kept.append(sentence)
        out.append(" ".join(kept))
    return out


def stored(value: str | None) -> frozenset[str] | None:
    """The words a store's meta holds (None: not learned yet)."""
    return None if value is None else frozenset(json.loads(value))


def to_meta(words: list[str]) -> str:
    return json.dumps(sorted(words), ensure_ascii=False)
