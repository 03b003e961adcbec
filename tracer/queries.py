"""Provenance queries over a scanned store: claims, a claim's timeline, outlet pairs, an article's origins."""

from __future__ import annotations

import json
import re
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Any

from .attribution import credit_kind, is_account
from .banality import BANAL, BOILERPLATE
from .errors import TracerError
from .model import outlet_label
from .segment import whole_sentences
from .store import SPAN_BATCH, Store
from .summary import resolve_article
from .text import STOPWORDS, fold, match_key, tokens

# --sort for claims: SQL orderings, each ending on the rank so that ties keep one order.
CLAIM_SORTS = {
    "echoed": "c.rank",
    "articles": "c.articles DESC, c.rank",
    "outlets": "c.outlets DESC, c.rank",
    "newest": "c.first_seen IS NULL, c.first_seen DESC, c.rank",
    "oldest": "c.first_seen IS NULL, c.first_seen, c.rank",
}
DATE_HINT = "give a day such as 2023-09-13"
# --sort for matches: SQL orderings (the stored order first: cross-outlet, then by source).
MATCH_SORTS = {
    "scope": "m.scope, m.source_id, m.source_start, m.target_id, m.target_start",
    "score": "m.score DESC, m.id",
    "newest": "t.published IS NULL, t.published DESC, m.id",
    "oldest": "t.published IS NULL, t.published, m.id",
}


def day_bound(value: str | None, name: str) -> str | None:
    """The ``YYYY-MM-DD`` day of a --since/--until value (None stays None); :class:`TracerError`
    naming the option where it is not a date tracer reads."""
    if value is None:
        return None
    from .dates import DateError, normalise

    try:
        return normalise(value)[:10]
    except DateError as exc:
        raise TracerError(f"invalid --{name} date {value!r}: {exc}", DATE_HINT) from exc


def day_range(since: str | None, until: str | None) -> tuple[str | None, str | None]:
    """The days of --since and --until (:func:`day_bound`); :class:`TracerError` where since is
    after until."""
    from .dates import check_day_order

    lo, hi = day_bound(since, "since"), day_bound(until, "until")
    check_day_order(lo, hi)
    return lo, hi


def _claim_filter(outlet: str | None, since: str | None, until: str | None) -> tuple[str, list[Any]]:
    """A WHERE clause keeping claims with an article of ``outlet`` published in [since, until]."""
    where, args = [], []
    if outlet is not None:
        where.append("lower(x.outlet) = lower(?)")
        args.append(outlet)
    for op, day in zip((">=", "<="), day_range(since, until), strict=True):
        if day is not None:
            where.append(f"substr(x.published, 1, 10) {op} ?")
            args.append(day)
    if not where:
        return "", []
    return (
        " WHERE EXISTS (SELECT 1 FROM claim_members k JOIN articles x ON x.id = k.article_id "
        f"WHERE k.claim_id = c.id AND {' AND '.join(where)})",
        args,
    )


def list_claims(
    store: Store,
    limit: int | None = None,
    offset: int = 0,
    sort: str = "echoed",
    outlet: str | None = None,
    since: str | None = None,
    until: str | None = None,
) -> list[dict[str, Any]]:
    """Claims, most widely echoed first (``sort``: a key of ``CLAIM_SORTS``); ``outlet``,
    ``since`` and ``until`` keep claims that this outlet printed in those days (inclusive)."""
    if sort not in CLAIM_SORTS:
        raise TracerError(f"unknown sort {sort!r}", f"choose one of {', '.join(CLAIM_SORTS)}")
    where, args = _claim_filter(outlet, since, until)
    rows = store.conn.execute(
        "SELECT c.id, c.articles, c.outlets, c.first_seen, c.last_seen, a.outlet, c.text, c.terms "
        f"FROM claims c JOIN articles a ON a.id = c.origin_id{where} ORDER BY {CLAIM_SORTS[sort]} "
        "LIMIT ? OFFSET ?",
        [*args, -1 if limit is None else int(limit), int(offset)],
    )
    return [
        {"claim_id": r[0], "articles": r[1], "outlets": r[2], "first_seen": r[3], "last_seen": r[4],
         "origin_outlet": r[5], "text": r[6], "terms": json.loads(r[7])}
        for r in rows
    ]  # fmt: skip


def count_claims(
    store: Store, outlet: str | None = None, since: str | None = None, until: str | None = None
) -> int:
    """How many claims :func:`list_claims` lists with these filters and no limit."""
    where, args = _claim_filter(outlet, since, until)
    return int(store.conn.execute(f"SELECT count(*) FROM claims c{where}", args).fetchone()[0])


# A claim query longer than this is not words of a claim (claims are sentences or short passages);
# fuzzy-matching it against every member would take long and mean nothing.
MAX_QUERY_CHARS = 1_000
# Fewer letters and digits than this match part of almost any text (a fuzzy partial match).
MIN_QUERY_WORD_CHARS = 3
# A query of fewer distinct words must hold them all: a short word fuzzy-matches part of almost
# any sentence ("Parkinson" scored 60 against "...pictured with speculated track marks...").
MIN_FUZZY_QUERY_WORDS = 4
CLAIM_ID = re.compile(r"c[0-9a-f]{10}")
QUERY_HINT = "give a claim id (from `tracer claims`) or words of the claim"


def query_problem(query: str) -> str | None:
    """Why ``query`` cannot name a claim (None where it can): empty, too few letters, too long."""
    q = query.strip()
    if not q:
        return f"the query is empty; {QUERY_HINT}"
    if len(q) > MAX_QUERY_CHARS:
        return (
            f"the query is too long ({len(q):,} characters; the limit is {MAX_QUERY_CHARS:,}); "
            "use fewer words of the claim, or its id"
        )
    if sum(ch.isalnum() for ch in q) < MIN_QUERY_WORD_CHARS:
        return f"the query {q!r} has fewer than {MIN_QUERY_WORD_CHARS} letters or digits; {QUERY_HINT}"
    return None


def _is_id_like(q: str) -> bool:
    """A claim id, or a prefix of one that no words would be (four hex digits or more, one a digit)."""
    if CLAIM_ID.fullmatch(q):
        return True
    return re.fullmatch(r"c[0-9a-f]{4,9}", q) is not None and any(ch.isdigit() for ch in q)


def find_claims(store: Store, query: str, limit: int | None = 3, min_score: float = 60.0) -> list[str]:
    """Claim ids for ``query``, best first (at most ``limit``; None: all that match): an id (or
    prefix), else the claims whose texts (displayed or a member's) hold the query's words, the
    phrase itself first; then, for a query of several words, texts that fuzzy-match it and
    share at least half its words (a pasted sentence with small differences).

    Raises :class:`TracerError` where the query cannot name a claim (:func:`query_problem`) or
    looks like a claim id that the store does not have."""
    problem = query_problem(query)
    if problem is not None:
        raise TracerError(problem)
    q = query.strip()
    if re.fullmatch(r"c[0-9a-f]*", q):
        # substr, not LIKE: the query's characters are never wildcards.
        exact = [
            r[0]
            for r in store.conn.execute(
                "SELECT id FROM claims WHERE id = ? OR substr(id, 1, ?) = ?", (q, len(q), q)
            )
        ]
        if exact:
            return sorted(exact)[:limit] if len(exact) > 1 else exact  # [:None] keeps all
        if _is_id_like(q):
            raise TracerError(f"no claim with id {q!r}", "list claims with `tracer claims`")
    from rapidfuzz import fuzz

    words = _word_keys(q)
    # The words a text must hold: the content words, or every word of a query of stopwords only.
    needed = {w for w in words if w not in STOPWORDS} or set(words)
    phrase = f" {' '.join(words)} "
    fuzzy = len(set(words)) >= MIN_FUZZY_QUERY_WORDS
    folded_query = " ".join(q.lower().split())
    best: dict[str, tuple[int, float]] = {}

    def consider(claim_id: str, text: str) -> None:
        keys = _word_keys(text)
        shared = needed.intersection(keys)
        score = fuzz.partial_ratio(folded_query, " ".join(text.lower().split()))
        if shared == needed:
            tier = 2 if phrase in f" {' '.join(keys)} " else 1
        elif fuzzy and score >= min_score and 2 * len(shared) >= len(needed):
            tier = 0
        else:
            return
        if (tier, score) > best.get(claim_id, (-1, -1.0)):
            best[claim_id] = (tier, score)

    # The displayed text first: a claim's text can reach past what its members' spans cover.
    for claim_id, text in store.conn.execute("SELECT id, text FROM claims"):
        consider(claim_id, text)
    cursor = store.conn.execute("SELECT claim_id, article_id, start, end FROM claim_members")
    while rows := cursor.fetchmany(SPAN_BATCH):
        texts = store.span_texts([r[1:] for r in rows])
        for (claim_id, *_), text in zip(rows, texts, strict=True):
            consider(claim_id, text)
    ranked = sorted(best.items(), key=lambda kv: (-kv[1][0], -kv[1][1], kv[0]))
    return [cid for cid, _ in ranked][:limit]


def _word_keys(text: str) -> list[str]:
    """The words of ``text`` as matching compares them: case, accents and apostrophes folded, a
    possessive dropped ("Parkinson's" is "parkinson"), light suffixes stripped."""
    return [match_key(t) for t in tokens(fold(text))]


def timeline(store: Store, claim_id: str) -> dict[str, Any]:
    """A claim and its members in time order: origin first, then each echo with parent, lag and credit."""
    head = store.conn.execute(
        "SELECT id, text, terms, first_seen, last_seen, articles, outlets FROM claims WHERE id = ?",
        (claim_id,),
    ).fetchone()
    if head is None:
        raise TracerError(f"no claim with id {claim_id!r}", "list claims with `tracer claims`")
    members = []
    rows = store.conn.execute(
        "SELECT m.member, m.article_id, a.outlet, a.published, m.role, m.parent_id, p.outlet, m.lag_days, "
        "m.credited, m.credits_parent, m.credit_to, m.confidence, m.evidence, m.date_unknown, "
        "m.start, m.end, a.title, m.parent_start "
        "FROM claim_members m JOIN articles a ON a.id = m.article_id LEFT JOIN articles p ON p.id = m.parent_id "
        "WHERE m.claim_id = ? ORDER BY m.role != 'origin', a.published IS NULL, a.published, m.member",
        (claim_id,),
    ).fetchall()
    found = span_contexts(store, [(r[1], r[14], r[15]) for r in rows])
    for r, (text, sentence) in zip(rows, found, strict=True):
        members.append(
            {"article_id": r[1], "outlet": r[2], "published": r[3], "role": r[4], "parent_id": r[5],
             "parent_outlet": r[6], "parent_start": r[17], "lag_days": r[7], "credited": bool(r[8]),
             **credit_fields(bool(r[9]), json.loads(r[10])), "confidence": r[11],
             "evidence": json.loads(r[12]) if r[12] else None, "date_unknown": bool(r[13]),
             "text": " ".join(text.split()), "sentence": sentence, "span": [r[14], r[15]], "title": r[16]}
        )  # fmt: skip
    return {
        "claim_id": head[0], "text": head[1], "terms": json.loads(head[2]), "first_seen": head[3],
        "last_seen": head[4], "articles": head[5], "outlets": head[6], "members": members,
    }  # fmt: skip


def credit_fields(credits_parent: bool, names: list[str]) -> dict[str, Any]:
    """A member's credit, its three kinds kept apart: ``credit`` (:data:`~tracer.attribution.CREDIT_KINDS`),
    ``credits_parent``, ``credit_to`` (outlets and other sources named) and ``credit_accounts``
    (social accounts named: "@golub" is a person or an account, not an outlet)."""
    return {
        "credit": credit_kind(credits_parent, names), "credits_parent": credits_parent,
        "credit_to": [n for n in names if not is_account(n)], "credit_accounts": [n for n in names if is_account(n)],
    }  # fmt: skip


MARK_OPEN, MARK_CLOSE = "[[", "]]"  # the matched words inside their sentence, as `tracer show` marks them


def marked_sentence(text: str, start: int, end: int) -> str:
    """The whole sentence(s) holding ``text[start:end]``, spaces collapsed, the span in ``[[...]]``."""
    lo, hi = whole_sentences(text, start, end)
    return " ".join(f"{text[lo:start]}{MARK_OPEN}{text[start:end].strip()}{MARK_CLOSE}{text[end:hi]}".split())


def span_contexts(store: Store, spans: list[tuple[str, int, int]]) -> list[tuple[str, str]]:
    """Each ``(article_id, start, end)`` span's text and :func:`marked_sentence`, the texts read
    ``SPAN_BATCH`` spans at a time."""
    out: list[tuple[str, str]] = []
    for i in range(0, len(spans), SPAN_BATCH):
        batch = spans[i : i + SPAN_BATCH]
        texts = store.texts({aid for aid, _, _ in batch})
        out += [(texts[aid][s:e], marked_sentence(texts[aid], s, e)) for aid, s, e in batch]
    return out


# --sort for outlet pairs: a key over a pair's row; ties keep the order of the names.
OUTLET_SORTS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "claims": lambda r: (-r["claims"], -r["echoes"]),
    "echoes": lambda r: (-r["echoes"], -r["claims"]),
    "lag": lambda r: (r["median_lag_days"] is None, r["median_lag_days"] or 0.0, -r["claims"]),
    "credited": lambda r: (-r["share_credited"], -r["claims"]),
    "uncredited": lambda r: (r["share_credited"], -r["claims"]),
}


def outlet_pairs(
    store: Store,
    outlet: str | None = None,
    since: str | None = None,
    until: str | None = None,
    sort: str = "claims",
) -> list[dict[str, Any]]:
    """Who echoes whom: for each (source outlet, echoing outlet), claims taken, median lag, and the
    share of echoes that credit the source outlet (a credit to another outlet or to an account is
    not credit to the source); most claims first (``sort``: a key of ``OUTLET_SORTS``). ``outlet`` keeps the pairs
    it is in; ``since``/``until`` count the echoes published in those days (inclusive)."""
    if sort not in OUTLET_SORTS:
        raise TracerError(f"unknown sort {sort!r}", f"choose one of {', '.join(OUTLET_SORTS)}")
    where, args = ["m.role = 'echo'"], []
    for op, day in zip((">=", "<="), day_range(since, until), strict=True):
        if day is not None:
            where.append(f"substr(a.published, 1, 10) {op} ?")
            args.append(day)
    rows = store.conn.execute(
        "SELECT p.outlet, a.outlet, m.claim_id, m.lag_days, m.credits_parent, p.id, a.id FROM claim_members m "
        "JOIN articles a ON a.id = m.article_id JOIN articles p ON p.id = m.parent_id "
        f"WHERE {' AND '.join(where)}",
        args,
    )
    pairs: dict[tuple[str, str], list[tuple[str, float | None, int]]] = defaultdict(list)
    for src, dst, claim, lag, credited, src_id, dst_id in rows:
        pairs[(outlet_label(src, src_id), outlet_label(dst, dst_id))].append((claim, lag, credited))
    wanted = None if outlet is None else outlet.lower()
    out: list[dict[str, Any]] = []
    for (src, dst), items in pairs.items():
        if wanted is not None and wanted not in (src.lower(), dst.lower()):
            continue
        lags = [lag for _, lag, _ in items if lag is not None]
        out.append(
            {"source_outlet": src, "echo_outlet": dst, "claims": len({c for c, _, _ in items}),
             "echoes": len(items), "median_lag_days": statistics.median(lags) if lags else None,
             "share_credited": round(sum(cr for _, _, cr in items) / len(items), 3)}
        )  # fmt: skip
    out.sort(key=lambda r: (*OUTLET_SORTS[sort](r), str(r["source_outlet"]), str(r["echo_outlet"])))
    return out


def outlet_matrix(pairs: list[dict[str, Any]]) -> tuple[list[str], list[list[int]]]:
    """Outlets and a matrix: row = source outlet, column = echoing outlet, cell = claims taken."""
    names = sorted({p["source_outlet"] for p in pairs} | {p["echo_outlet"] for p in pairs})
    index = {n: i for i, n in enumerate(names)}
    grid = [[0] * len(names) for _ in names]
    for p in pairs:
        grid[index[p["source_outlet"]]][index[p["echo_outlet"]]] = p["claims"]
    return names, grid


def article_origin(store: Store, article_id: str) -> dict[str, Any]:
    """Where an article's reused text came from, and what share of the article is reused."""
    full_id = resolve_article(store, article_id)
    art = store.article(full_id)
    assert art is not None
    spans = sorted(
        (s, e)
        for s, e in store.conn.execute(
            "SELECT source_start, source_end FROM matches WHERE source_id = ? AND boilerplate = 0 "
            "UNION ALL SELECT target_start, target_end FROM matches WHERE target_id = ? AND boilerplate = 0",
            (full_id, full_id),
        )
    )
    covered, last = 0, 0
    for s, e in spans:
        s = max(s, last)
        if e > s:
            covered += sum(1 for ch in art.text[s:e] if not ch.isspace())
            last = e
    total = sum(1 for ch in art.text if not ch.isspace()) or 1
    sources = []
    # Sliced here, not with SQLite's substr(): it stops at a NUL character in the text.
    for r in store.conn.execute(
        "SELECT m.claim_id, m.role, m.parent_id, p.outlet, p.published, m.lag_days, m.credited, m.credit_to, "
        "m.confidence, m.start, m.end, m.credits_parent FROM claim_members m "
        "LEFT JOIN articles p ON p.id = m.parent_id WHERE m.article_id = ? ORDER BY m.start, m.claim_id",
        (full_id,),
    ):
        sources.append(
            {"claim_id": r[0], "role": r[1], "parent_id": r[2], "parent_outlet": r[3], "parent_published": r[4],
             "lag_days": r[5], "credited": bool(r[6]), **credit_fields(bool(r[11]), json.loads(r[7])),
             "confidence": r[8], "text": " ".join(art.text[r[9] : r[10]].split()),
             "sentence": marked_sentence(art.text, r[9], r[10])}
        )  # fmt: skip
    return {
        "article_id": full_id, "outlet": art.outlet, "published": art.published, "title": art.title,
        "reused_share": round(covered / total, 3), "claims": sources,
    }  # fmt: skip


# -- rows other modules read (graph, report, evaluate): their SQL kept here -------------------


def claimed_articles(store: Store) -> list[tuple[str, str | None, str | None, str | None, str | None]]:
    """``(id, outlet, published, title, url)`` of each article in a claim, by id."""
    return store.conn.execute(
        "SELECT id, outlet, published, title, url FROM articles WHERE id IN "
        "(SELECT article_id FROM claim_members) ORDER BY id"
    ).fetchall()


def cited_names(store: Store) -> set[str]:
    """Every outlet or account some article credits."""
    return {r[0] for r in store.conn.execute("SELECT DISTINCT outlet FROM citations")}


def claimed_article_citations(store: Store) -> list[tuple[str, str]]:
    """``(article_id, credited name)`` once each, for articles in a claim, by article and name."""
    return store.conn.execute(
        "SELECT DISTINCT article_id, outlet FROM citations WHERE article_id IN "
        "(SELECT article_id FROM claim_members) ORDER BY article_id, outlet"
    ).fetchall()


def claim_rows(store: Store) -> list[tuple[str, str, str, str | None, str | None, int, int]]:
    """``(id, text, terms as JSON, first_seen, last_seen, articles, outlets)`` of each claim, by id."""
    return store.conn.execute(
        "SELECT id, text, terms, first_seen, last_seen, articles, outlets FROM claims ORDER BY id"
    ).fetchall()


def member_rows(store: Store) -> list[tuple[Any, ...]]:
    """Each claim member by claim and member: ``(claim_id, article_id, start, end, role,
    parent_id, lag_days, similarity, credits_parent, confidence, outlet, parent's outlet)``."""
    return store.conn.execute(
        "SELECT m.claim_id, m.article_id, m.start, m.end, m.role, m.parent_id, m.lag_days, m.similarity, "
        "m.credits_parent, m.confidence, a.outlet, p.outlet FROM claim_members m JOIN articles a ON a.id = m.article_id "
        "LEFT JOIN articles p ON p.id = m.parent_id ORDER BY m.claim_id, m.member"
    ).fetchall()


def member_spans(store: Store) -> list[tuple[str, int, str, int, int, str | None, int]]:
    """``(claim_id, member, article_id, start, end, parent_id, credited)`` of every claim member."""
    return store.conn.execute(
        "SELECT claim_id, member, article_id, start, end, parent_id, credited FROM claim_members"
    ).fetchall()


def claim_origins(store: Store) -> dict[str, str | None]:
    """Each claim's origin article (None: no origin found)."""
    return dict(store.conn.execute("SELECT id, origin_id FROM claims").fetchall())


def article_ids(store: Store) -> set[str]:
    return {r[0] for r in store.conn.execute("SELECT id FROM articles")}


def match_spans(store: Store) -> list[tuple[str, int, int, str, int, int]]:
    """``(source_id, source_start, source_end, target_id, target_start, target_end)`` of each
    stored match that is neither boilerplate nor banal."""
    return store.conn.execute(
        "SELECT source_id, source_start, source_end, target_id, target_start, target_end FROM matches "
        "WHERE boilerplate = 0"
    ).fetchall()


def claims_carried_by(store: Store, outlet: str) -> set[str]:
    """Ids of claims with a member published by ``outlet`` (any case)."""
    return {
        r[0]
        for r in store.conn.execute(
            "SELECT DISTINCT m.claim_id FROM claim_members m JOIN articles a ON a.id = m.article_id "
            "WHERE lower(a.outlet) = lower(?)",
            (outlet,),
        )
    }


def outlet_spellings(store: Store, outlet: str | None = None, limit: int | None = None) -> list[str]:
    """Stored outlet names, sorted: those equal to ``outlet`` but for case (all where None), at
    most ``limit``."""
    where, args = ("AND lower(outlet) = lower(?)", [outlet]) if outlet is not None else ("", [])
    tail = f" LIMIT {int(limit)}" if limit is not None else ""
    sql = f"SELECT DISTINCT outlet FROM articles WHERE outlet IS NOT NULL {where} ORDER BY outlet{tail}"
    return [r[0] for r in store.conn.execute(sql, args)]


def resolve_outlet(store: Store, outlet: str) -> str:
    """The stored spelling of ``outlet`` (matched without regard to case); :class:`TracerError`
    listing the stored outlets where no article has it."""
    rows = outlet_spellings(store, outlet.strip())
    if not rows:
        known = outlet_spellings(store, limit=11)
        listed = ", ".join(known[:10]) + (", ..." if len(known) > 10 else "")
        raise TracerError(f"no articles from outlet {outlet!r}", f"outlets in the store: {listed or 'none'}")
    return str(rows[0])


def cross_outlet_kinds(store: Store) -> dict[str, int]:
    """How many cross-outlet matches (not boilerplate or banal) there are of each kind."""
    return dict(
        store.conn.execute(
            "SELECT kind, COUNT(*) FROM matches WHERE boilerplate = 0 AND scope = 'cross-outlet' "
            "GROUP BY kind ORDER BY kind"
        ).fetchall()
    )


def articles_per_outlet(store: Store) -> dict[str, int]:
    """Articles of each known outlet; each article of unknown outlet is an outlet of its own
    (:func:`~tracer.model.outlet_label`), never one "unknown"."""
    out = {
        str(r[0]): int(r[1])
        for r in store.conn.execute(
            "SELECT outlet, COUNT(*) FROM articles WHERE outlet IS NOT NULL GROUP BY 1"
        )
    }
    out.update(
        {
            outlet_label(None, r[0]): 1
            for r in store.conn.execute("SELECT id FROM articles WHERE outlet IS NULL")
        }
    )
    return out


def origins_per_outlet(store: Store) -> dict[str, int]:
    """How many claims each outlet (labelled as :func:`articles_per_outlet`) is the origin of."""
    origins: dict[str, int] = defaultdict(int)
    for name, art_id in store.conn.execute(
        "SELECT a.outlet, a.id FROM claim_members m JOIN articles a ON a.id = m.article_id WHERE m.role = 'origin'"
    ):
        origins[outlet_label(name, art_id)] += 1
    return origins


def passage_occurrences(store: Store, passage_id: int) -> list[tuple[str, int, int, int, int]]:
    """``(article_id, idx, start, end, boilerplate)`` of each occurrence of a passage, by article
    and place."""
    return store.conn.execute(
        "SELECT article_id, idx, start, end, boilerplate FROM occurrences WHERE passage_id = ? "
        "ORDER BY article_id, idx",
        (passage_id,),
    ).fetchall()


def linked_passages(store: Store) -> list[tuple[int, int, int]]:
    """``(id, sentences, flags)`` of each linked passage printed twice or more that is not
    boilerplate, by id."""
    return store.conn.execute(
        f"SELECT id, sentences, boilerplate FROM passages WHERE part = 0 AND linked = 1 "
        f"AND (boilerplate & {BOILERPLATE}) = 0 AND carriers >= 2 ORDER BY id"
    ).fetchall()


def passage_links(store: Store) -> list[tuple[Any, ...]]:
    """Each stored near copy of a passage by another: ``(a_id, b_id, a_start, a_end, b_start,
    b_end, score, kind, flags)``, by ``a_id, b_id``."""
    return store.conn.execute(
        "SELECT a_id, b_id, a_start, a_end, b_start, b_end, score, kind, boilerplate FROM passage_links "
        "ORDER BY a_id, b_id"
    ).fetchall()


def printed_passages(
    store: Store, include_boilerplate: bool, include_banal: bool, limit: int | None
) -> list[tuple[int, int, int, int, int]]:
    """``(id, sentences, carriers, flags, linked)`` of each passage printed twice or more, most
    carriers first, then by id; boilerplate and banal ones only if asked; at most ``limit``."""
    where = "part = 0 AND carriers >= 2"
    where += "" if include_boilerplate else f" AND (boilerplate & {BOILERPLATE}) = 0"
    where += "" if include_banal else f" AND (boilerplate & {BANAL}) = 0"
    sql = f"SELECT id, sentences, carriers, boilerplate, linked FROM passages WHERE {where} ORDER BY carriers DESC, id"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return store.conn.execute(sql).fetchall()


def match_row_batches(
    store: Store,
    min_score: float,
    since_day: str | None,
    until_day: str | None,
    unlinked_only: bool,
    include_boilerplate: bool,
    include_banal: bool,
    scope: str,
    outlet: str | None,
    article_id: str | None,
    sort: str,
) -> Iterator[list[tuple[Any, ...]]]:
    """Stored matches with their articles' outlets and dates, :data:`SPAN_BATCH` rows at a time,
    as ``sort`` (a key of :data:`MATCH_SORTS`) orders them: ``(id, source_id, target_id,
    direction, source_start, source_end, target_start, target_end, score, kind, scope, flags,
    sentences, source outlet, target outlet, source published, target published)``. Filters as
    :func:`tracer.matches.query`'s; ``since_day``/``until_day`` bound the target's day."""
    where = ["m.score >= ?"]
    args: list[object] = [min_score]
    for op, day in ((">=", since_day), ("<=", until_day)):
        if day is not None:
            where.append(f"substr(t.published, 1, 10) {op} ?")
            args.append(day)
    if unlinked_only:
        where.append("m.linked = 0")
    if not include_boilerplate:
        where.append(f"(m.boilerplate & {BOILERPLATE}) = 0")
    if not include_banal:
        where.append(f"(m.boilerplate & {BANAL}) = 0")
    if scope != "all":
        where.append("m.scope = ?")
        args.append(scope)
    if outlet is not None:
        where.append("(lower(s.outlet) = lower(?) OR lower(t.outlet) = lower(?))")
        args += [outlet, outlet]
    if article_id is not None:
        where.append("(m.source_id = ? OR m.target_id = ?)")
        args += [article_id, article_id]
    sql = (
        "SELECT m.id, m.source_id, m.target_id, m.direction, m.source_start, m.source_end, m.target_start, "
        "m.target_end, m.score, m.kind, m.scope, m.boilerplate, m.sentences, s.outlet, t.outlet, "
        "s.published, t.published "
        "FROM matches m JOIN articles s ON s.id = m.source_id JOIN articles t ON t.id = m.target_id "
        f"WHERE {' AND '.join(where)} ORDER BY {MATCH_SORTS[sort]}"
    )
    cursor = store.conn.execute(sql, args)
    while rows := cursor.fetchmany(SPAN_BATCH):
        yield rows
