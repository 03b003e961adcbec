"""How work is cut and how much is held at once: every size threshold of a scan, in one place.

None of these changes a result, only time and memory (the tests run scans with them set small
and compare). Stages read them as ``sizes.NAME`` when they run, so a test can set them.
The figures behind each choice are in docs/performance.md.
"""

from __future__ import annotations

# --- how work is cut into tasks ---------------------------------------------------------------

BATCH_SIZE = 500  # articles per batch of the per-batch analysis
VERIFY_CHUNK = 5000  # candidate pairs per alignment task
BUCKET_UNITS = 100_000  # units per key bucket when banding is cut into tasks (a cluster)
BANDS_PER_ROUND = 8  # LSH bands whose keys are sent to a cluster at once

# --- what is held in memory at once -------------------------------------------------------------

# Sentences whose texts an alignment task prepares in one batch (a task has at most
# 2 * VERIFY_CHUNK); more, as when one process is given every pair, are prepared as needed.
PREPARED_AT_ONCE = 20_000
# Check bytes held in memory whole up to this size (bytes); beyond, pairs are spilled to disk and
# checked in partitions of half this size.
CHECKS_IN_MEMORY = 1 << 30
# Candidate pairs aligned in one call of the verify stage (their sentences' keys in memory at once).
VERIFY_ROUND = 200_000
# Sentence spans of flattened articles the claims stage holds at most (8 bytes each), so that a
# paragraph that is a whole article is not split again for each claim it is in.
CLAIM_SPANS = 8_000_000
# Characters of articles' texts read at once, about, while the sentences to align are gathered.
TEXTS_AT_ONCE = 1 << 25
# Characters analysed at once, at most, where a batch holds more: its articles are analysed in
# parts of about this many characters, and a longer article in windows of ARTICLE_WINDOW.
ANALYSE_WINDOW = 1 << 22
ARTICLE_WINDOW = 1 << 20
# Sentences of verified pairs whose tokens banality reads once for all its parts, at most (5 bytes
# a token: its key hash and content flag); more are read again for each part a sentence is in.
BANAL_WORDS_AT_ONCE = 300_000
# Pairs made at once when equal band keys are paired (~25 MB of temporaries).
PAIRS_CHUNK = 1 << 20
# Keys sorted at once: more are cut by their top bits into ranges sorted one after another.
KEYS_SORTED_AT_ONCE = 1 << 24
COMPARE_SLICE = 1 << 22  # sorted keys compared with their neighbours this many at a time

# --- work begun in a worker while this process does something else ------------------------------

# Candidate pairs ordered in a worker while their texts are gathered, at most (the ordering's
# temporaries are ~57 bytes a pair).
ORDER_ELSEWHERE = 4_000_000
# Pieces of matches whose claims' mention graph is made in a worker while the matches are
# written, at most (~380-510 bytes a piece).
GRAPH_ELSEWHERE = 1_000_000
# Verified pairs judged for banality in a worker while the pieces of matches are made, at most
# (and no more sentences than BANAL_WORDS_AT_ONCE: the worker reads all their words at once).
BANAL_ELSEWHERE = 1_000_000
# Tasks that judge those pairs side by side, each a share of the pairs and every sentence's text.
BANAL_TASKS = 2

# --- how results come back ---------------------------------------------------------------------

# A local worker's result arrays at least this large cross as files in memory (/dev/shm), not
# pickled through the pool's pipe.
SPILL_MIN_BYTES = 1 << 20
