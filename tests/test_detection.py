"""Acceptance on the bundled rumour corpus: the planted reuse is found, boilerplate is not."""

from __future__ import annotations

import pytest

from tracer.matches import Match, query
from tracer.store import Store


def _span_of(s: Store, art_id: str, text: str) -> tuple[int, int]:
    body = s.article(art_id).text
    start = body.index(text)
    return start, start + len(text)


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def _side(m: Match, art_id: str) -> tuple[int, int]:
    return m.source_span if m.source_id == art_id else m.target_span


def _between(found: list[Match], x: str, y: str) -> list[Match]:
    return [m for m in found if {m.source_id, m.target_id} == {x, y}]


def _planted_echoes(truth: dict) -> list[tuple[str, dict, dict]]:
    out = []
    for claim in truth["claims"]:
        by_file = {m["file"]: m for m in claim["members"]}
        for member in claim["members"]:
            if member["edit"] in ("verbatim", "light", "partial"):
                out.append((claim["id"], member, by_file[member["parent"]]))
    return out


def test_every_planted_copy_is_found_with_its_span(rumour):
    s, ids, truth = rumour
    found = query(s)
    echoes = _planted_echoes(truth)
    assert len(echoes) >= 12
    for claim, child, parent in echoes:
        c_id, p_id = ids[child["file"]], ids[parent["file"]]
        c_span = _span_of(s, c_id, child["text"])
        p_span = _span_of(s, p_id, parent["text"])
        hits = [
            m
            for m in _between(found, c_id, p_id)
            if _overlap(_side(m, c_id), c_span) >= 0.7 * (c_span[1] - c_span[0])
            and _overlap(_side(m, p_id), p_span) > 0
        ]
        assert hits, f"claim {claim}: {child['edit']} copy in {child['file']} of {parent['file']} not found"


@pytest.mark.parametrize(
    "edit,kinds", [("verbatim", {"verbatim"}), ("light", {"near-verbatim"}), ("partial", {"partial"})]
)
def test_kind_follows_the_edit(rumour, edit, kinds):
    s, ids, truth = rumour
    found = query(s)
    for _claim, child, parent in _planted_echoes(truth):
        if child["edit"] != edit:
            continue
        c_id, p_id = ids[child["file"]], ids[parent["file"]]
        c_span = _span_of(s, c_id, child["text"])
        got = {m.kind for m in _between(found, c_id, p_id) if _overlap(_side(m, c_id), c_span)}
        assert got & kinds, f"{child['file']}: expected {kinds}, got {got}"


def test_partial_copy_reports_the_clause_not_the_whole_sentence(rumour):
    s, ids, truth = rumour
    found = query(s)
    for _claim, child, parent in _planted_echoes(truth):
        if child["edit"] != "partial":
            continue
        c_id, p_id = ids[child["file"]], ids[parent["file"]]
        c_span = _span_of(s, c_id, child["text"])
        body = s.article(c_id).text
        sentence_start = max(body.rfind(". ", 0, c_span[0]), body.rfind("\n", 0, c_span[0])) + 1
        for m in _between(found, c_id, p_id):
            span = _side(m, c_id)
            if _overlap(span, c_span) and m.kind == "partial":
                # the reported span starts inside the sentence, near the planted clause
                assert span[0] >= sentence_start
                assert span[1] - span[0] <= 1.6 * (c_span[1] - c_span[0])


def test_neighbouring_copied_sentences_merge_into_one_passage(rumour):
    s, ids, truth = rumour
    found = query(s)
    for passage in truth["passages"]:
        x, y = (ids[f] for f in passage["files"])
        x_span = _span_of(s, x, passage["texts"][0])
        y_span = _span_of(s, y, passage["texts"][1])
        whole = [
            m
            for m in _between(found, x, y)
            if _overlap(_side(m, x), x_span) >= 0.9 * (x_span[1] - x_span[0])
            and _overlap(_side(m, y), y_span) >= 0.9 * (y_span[1] - y_span[0])
        ]
        assert len(whole) == 1, f"passage {passage['files']} not reported as one match"
        assert whole[0].sentences >= 2


def test_boilerplate_is_not_reported_as_reuse(rumour):
    s, ids, truth = rumour
    lines = [b["text"] for b in truth["boilerplate"]] + truth["shared_ads"]
    found = query(s)
    for m in found:
        for art, span in ((m.source_id, m.source_span), (m.target_id, m.target_span)):
            body = s.article(art).text
            for line in lines:
                pos = body.find(line)
                if pos >= 0:
                    assert not _overlap(span, (pos, pos + len(line))), f"boilerplate reported: {line!r}"


def test_shared_ad_is_kept_as_boilerplate(rumour):
    s, ids, truth = rumour
    ad = truth["shared_ads"][0]
    flagged = [m for m in query(s, include_boilerplate=True) if m.boilerplate and m.scope == "cross-outlet"]
    assert any(ad.startswith(" ".join(m.source_text.split())[:20]) for m in flagged)


def test_fillers_share_nothing(rumour):
    s, ids, truth = rumour
    fillers = {ids[f] for f in truth["fillers"]}
    assert not [m for m in query(s) if {m.source_id, m.target_id} & fillers]


def test_source_is_the_earlier_article(rumour):
    s, ids, truth = rumour
    for m in query(s):
        if m.direction == "forward":
            assert m.source_published < m.target_published
        else:
            assert (
                m.source_published is None
                or m.target_published is None
                or (m.source_published == m.target_published)
            )


def test_reuse_within_one_outlet_is_reported_apart(rumour):
    s, ids, truth = rumour
    same = query(s, scope="same-outlet")
    assert same, "the corpus plants same-outlet reuse (Ledger 03 -> 13, Courier 05 -> 11)"
    assert all(m.source_outlet == m.target_outlet for m in same)
    assert all(m.source_outlet != m.target_outlet for m in query(s, scope="cross-outlet"))


def test_publication_orders_and_rounding_in_arrays_are_those_of_one_pair_at_a_time():
    # rebuild orders single-piece matches and rounds their scores as arrays; _match_row does it
    # one match at a time. Dates alone, date-times with and without offsets, missing, equal.
    import random

    import numpy as np

    from tracer import matches

    rng = random.Random(6)
    values = [None, "2024-03-01", "2024-03-02", "2024-03-01T10:00:00", "2024-03-01T09:00:00+00:00"]
    values += ["2024-03-01T12:00:00+02:00", "2024-03-02T00:30:00+01:00", "2024-02-28T23:59:59"]
    published = [rng.choice(values) for _ in range(300)]
    days = sorted({w[:10] for w in published if w is not None})
    day_rank = np.array([-1 if w is None else days.index(w[:10]) for w in published])
    timed = np.array([w is not None and len(w) != 10 for w in published])
    x, y = (np.array([rng.randrange(300) for _ in range(5000)]) for _ in range(2))
    got = matches._published_orders(published, day_rank, timed, x, y)
    want = [
        matches._published_order(published[i], published[j])
        for i, j in zip(x.tolist(), y.tolist(), strict=True)
    ]
    assert got.tolist() == want and {-1, 0, 1} <= set(want)

    score = np.array(
        [rng.choice([0.8123456789, 1 / 3, 0.99995, 0.00005, 0.5, 0.123449999]) for _ in range(2000)]
    )
    width = np.array([rng.choice([0, 1, 7, 53, 120]) for _ in range(2000)])
    got_scores = matches._rounded(score * width / np.where(width == 0, 1, width)).tolist()
    assert got_scores == [
        round(s * w / (w or 1), 4) for s, w in zip(score.tolist(), width.tolist(), strict=True)
    ]


def test_a_chinese_sentence_two_papers_print_is_found(tmp_path):
    # Written without spaces: each character is a token and "。" ends a sentence with none after.
    import json

    from tracer.pipeline import run

    shared = "市议会周一投票决定关闭榆树街的旧图书馆，理由是屋顶维修费用过高。"
    texts = [
        ("甲报", "本报讯。" + shared + "居民们已经为保留图书馆奔走了数月。他们收集了三千多个签名。"),
        ("乙报", "据当地媒体报道。" + shared + "市长表示将为藏书寻找新的馆址。"),
        ("丙报", "天气预报说明天晴转多云，气温将回升。交通部门提醒市民注意出行安全。"),
    ]
    corpus = tmp_path / "zh.jsonl"
    corpus.write_text(
        "".join(
            json.dumps(
                {"id": f"z{i}", "outlet": o, "published": f"2024-01-0{i + 1}", "text": t}, ensure_ascii=False
            )
            + "\n"
            for i, (o, t) in enumerate(texts)
        ),
        encoding="utf-8",
    )
    with Store.open(tmp_path / "zh.db") as s:
        run(s, [corpus])
        (m,) = query(s)
        assert (m.source_id, m.target_id, m.kind) == ("z0", "z1", "verbatim")
        assert m.source_text == shared and m.target_text == shared


_RIVER = [
    "The regional water authority confirmed on Thursday that nitrate levels in the catchment had exceeded the "
    "legal limit for the third summer in a row.",
    "Campaigners from the river group said the figures proved that voluntary agreements with farmers had failed "
    "and called for mandatory inspections.",
    "A spokesperson for the farmers' union said most members were already investing heavily in slurry storage and "
    "that blaming agriculture alone was unfair.",
    "Residents who draw water from private boreholes have been advised to have their supplies tested and to boil "
    "water before giving it to infants.",
    "Ministers are due to publish a new river quality strategy in the autumn, which officials say will include "
    "tougher penalties for repeat polluters.",
]
_FRAGMENTS = (
    "Critics in the county have long argued that voluntary agreements with farmers had failed, a view echoed by "
    "two of the three candidates for police commissioner. At a hustings in Ludlow, one farmer insisted that most "
    "members were already investing heavily in slurry storage even before grants became available."
)


def _river_store(tmp_path, targets: dict[str, str]) -> Store:
    import json

    from tracer.pipeline import run

    rows = [{"id": "src", "outlet": "Gazette", "published": "2024-08-01", "text": " ".join(_RIVER)}]
    rows += [
        {
            "id": k,
            "outlet": f"Paper {k}",
            "published": "2024-08-02",
            "text": f"The town council met on Monday. {t}",
        }
        for k, t in targets.items()
    ]
    corpus = tmp_path / "river.jsonl"
    corpus.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    s = Store.open(tmp_path / "river.db")
    run(s, [corpus])
    return s


def test_two_fragments_with_new_text_between_them_are_two_matches(tmp_path):
    with _river_store(tmp_path, {"frag": _FRAGMENTS}) as s:
        found = _between(query(s), "src", "frag")
        assert len(found) == 2 and {m.kind for m in found} == {"partial"}
        # Neither runs through the new text between the fragments.
        assert not any("candidates for police commissioner" in m.target_text for m in found)


def test_sentences_copied_in_another_order_are_no_verbatim_passage(tmp_path):
    swapped = f"{_RIVER[4]} {_RIVER[3]}"
    in_order = f"{_RIVER[3]} {_RIVER[4]}"
    with _river_store(tmp_path, {"swapped": swapped, "in_order": in_order}) as s:
        found = query(s)
        (moved,) = _between(found, "src", "swapped")
        (kept,) = _between(found, "src", "in_order")
    assert (kept.kind, kept.source_text, kept.target_text) == ("verbatim", in_order, in_order)
    assert (moved.kind, moved.score) == ("near-verbatim", 1.0)  # the same sentences, not the same text
    assert moved.source_text != moved.target_text


def test_a_span_never_ends_inside_a_number(tmp_path):
    # "1,710.26" is three tokens; the copy's "1,750.11" shares the first: the span read "at 1".
    with _river_store(
        tmp_path,
        {
            "wire": "The Nasdaq composite index fell 11.95 points, or 0.68 percent, at 1,710.26 in early trading.",
            "paper": "The Nasdaq composite index fell 11.95 points, or 0.68 percent, at 1,750.11 after the bell.",
        },
    ) as s:
        (m,) = _between(query(s), "wire", "paper")
    assert {m.source_text[-11:], m.target_text[-11:]} == {"at 1,710.26", "at 1,750.11"}
