"""Content words learned from the corpus, banal (stock-phrase) matches, rejoined hyphenated words."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from tracer import frequent
from tracer.cli import cli
from tracer.matches import query
from tracer.params import ScanParams
from tracer.pipeline import ingest
from tracer.scan import scan
from tracer.store import Store
from tracer.text import fold, matching_tokens, rejoin_hyphenated, token_table, tokens
from tracer.tools.simulate import simulate

# --- a corpus in a language tracer has no stopword list for -----------------------------------

_FUNCTION = "lo de la ke ma su ni ta po vu".split()  # a made-up language's commonest words
STOCK = "lo vanu de la frontiro ke"  # "le long de la frontiere que": two content words


def _made_up(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("bcdfgklmnprstvz") + rng.choice("aeiou") for _ in range(n))


def _sentence(rng: random.Random, vocab: list[str], words: int) -> str:
    out = [rng.choice(_FUNCTION) if rng.random() < 0.5 else rng.choice(vocab) for _ in range(words)]
    return " ".join(out).capitalize() + "."


def _made_up_corpus(path: Path, n: int = 40, stock_every: int = 3, seed: int = 5) -> list[dict[str, str]]:
    """``n`` unrelated articles (their content words drawn from a large vocabulary), every
    ``stock_every``-th with a sentence holding :data:`STOCK`, and one long sentence copied from
    article 1 into article 2 (reuse to find)."""
    rng = random.Random(seed)
    vocab = sorted({_made_up(rng, rng.randint(2, 4)) for _ in range(6000)} - set(_FUNCTION))
    copied = _sentence(rng, vocab, 24)
    records = []
    for k in range(n):
        sentences = [_sentence(rng, vocab, rng.randint(12, 20)) for _ in range(10)]
        if k % stock_every == 0:
            before, after = _sentence(rng, vocab, 5)[:-1], _sentence(rng, vocab, 5).lower()
            sentences.insert(4, f"{before} {STOCK} {after}")
        if k in (1, 2):
            sentences.insert(6 if k == 1 else 2, copied)
        text = "\n\n".join(" ".join(sentences[i : i + 3]) for i in range(0, len(sentences), 3))
        records.append({"id": f"m{k:03d}", "outlet": f"Outlet {k % 7}", "published": f"2024-01-{1 + k % 28:02d}",
                        "text": text})  # fmt: skip
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return records


def _dump(s: Store, **kw: bool) -> str:
    return json.dumps([m.as_dict() for m in query(s, include_boilerplate=True, **kw)], sort_keys=True)


LEARN = replace(ScanParams(), frequent_sample=20)  # the small corpora here have statistics


def test_frequent_words_are_learned_by_document_frequency(tmp_path: Path):
    records = _made_up_corpus(tmp_path / "c.jsonl")
    words = frequent.learn([r["text"] for r in records], 0.5)
    assert set(_FUNCTION) <= set(words)  # in every article
    assert "vanu" not in words and "frontiro" not in words  # in a third of them
    assert frequent.learn([], 0.5) == [] and frequent.learn(["a b"], 0.0) == []


def test_a_shared_stock_phrase_of_common_words_is_no_match_in_another_language(tmp_path: Path):
    _made_up_corpus(tmp_path / "c.jsonl")
    with Store.open(tmp_path / "s.db") as s:
        ingest(s, [tmp_path / "c.jsonl"])
        scan(s, LEARN)
        found = query(s)
        assert set(json.loads(s.get_meta(frequent.META_KEY))) >= set(_FUNCTION)
    assert not [m for m in found if "vanu" in m.source_text], "the stock phrase has two content words"
    assert {(m.source_id, m.target_id) for m in found} == {("m001", "m002")}  # the copy is found


def test_without_the_learned_words_the_stock_phrase_matched(tmp_path: Path):
    """What the learned words fix (the English list knows no word of this language)."""
    _made_up_corpus(tmp_path / "c.jsonl")
    with Store.open(tmp_path / "s.db") as s:
        ingest(s, [tmp_path / "c.jsonl"])
        scan(s, replace(LEARN, frequent_df=0.0))
        assert [m for m in query(s) if "vanu" in m.source_text]


def test_a_store_smaller_than_the_sample_uses_the_built_in_words(tmp_path: Path):
    _made_up_corpus(tmp_path / "c.jsonl", n=19)
    with Store.open(tmp_path / "a.db") as a, Store.open(tmp_path / "b.db") as b:
        for s, p in ((a, LEARN), (b, replace(LEARN, frequent_df=0.0))):
            ingest(s, [tmp_path / "c.jsonl"])
            scan(s, p)
        assert a.get_meta(frequent.META_KEY) is None
        assert a.get_meta(frequent.BUILT_IN_KEY) == frequent.BUILT_IN_VERSION
        assert _dump(a) == _dump(b)


_FEW = [  # chance openings of French and German news, and one real copy (a -> c)
    ("a", "Le Grand Conseil a voté mardi une hausse de 12% du budget des transports publics, a annoncé la "
     "chancellerie. Les députés ont rejeté un amendement de la gauche qui demandait la gratuité pour les "
     "moins de 25 ans."),
    ("b", "Le Grand Conseil a voté jeudi une loi sur la chasse le long de la frontière. La police a procédé "
     "à trois arrestations dans le canton."),
    ("c", "Selon Le Temps, les députés ont rejeté un amendement de la gauche qui demandait la gratuité pour "
     "les moins de 25 ans."),
    ("d", "Die Polizei hat am Montag in der Stadt einen Mann festgenommen, der mit einem Messer bewaffnet "
     "war. Er wurde in eine Klinik gebracht."),
    ("e", "Die Polizei hat am Freitag in der Altstadt einen Mann kontrolliert, der zu schnell gefahren war. "
     "Die Ermittlungen dauern an."),
]  # fmt: skip


def _few(path: Path) -> Path:
    rows = [
        {"id": i, "outlet": f"Outlet {i}", "published": f"2024-05-0{k + 1}", "text": t}
        for k, (i, t) in enumerate(_FEW)
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_a_few_french_and_german_articles_share_no_function_words_as_content(tmp_path: Path):
    # Too few articles to learn their languages' function words: "le", "une", "der", "einen" are
    # known all the same, and "Le Grand Conseil a voté [mardi/jeudi] une" is no copy.
    with Store.open(tmp_path / "s.db") as s:
        ingest(s, [_few(tmp_path / "few.jsonl")])
        scan(s)
        assert {(m.source_id, m.target_id) for m in query(s)} == {("a", "c")}


def test_a_small_store_an_older_tracer_scanned_is_scanned_anew(tmp_path: Path):
    with Store.open(tmp_path / "s.db") as s:
        ingest(s, [_few(tmp_path / "few.jsonl")])
        scan(s)
        expected = _dump(s)
        with s.transaction("as an older tracer left it"):
            s.conn.execute("DELETE FROM meta WHERE key = ?", (frequent.BUILT_IN_KEY,))
        assert scan(s).articles == len(_FEW)  # every article done again, with the built-in words
        assert scan(s).articles == 0 and _dump(s) == expected


def test_a_store_scanned_in_steps_across_the_sample_equals_one_scanned_at_once(tmp_path: Path):
    records = _made_up_corpus(tmp_path / "all.jsonl")
    with Store.open(tmp_path / "full.db") as full:
        ingest(full, [tmp_path / "all.jsonl"])
        scan(full, LEARN)
        expected, words = _dump(full, include_banal=True), full.get_meta(frequent.META_KEY)
        sentences = full.counts()["sentences"]
    with Store.open(tmp_path / "steps.db") as steps:
        for k, (lo, hi) in enumerate(((0, 12), (12, 26), (26, 40))):  # learned at the second scan
            part = tmp_path / f"part{k}.jsonl"
            part.write_text("".join(json.dumps(r) + "\n" for r in records[lo:hi]), encoding="utf-8")
            ingest(steps, [part])
            scan(steps, LEARN if k == 0 else None)
            assert (steps.get_meta(frequent.META_KEY) is None) == (k == 0)
        assert steps.get_meta(frequent.META_KEY) == words
        assert steps.counts()["sentences"] == sentences  # the first scan's sentences made anew
        assert _dump(steps, include_banal=True) == expected
        assert json.loads(expected)


def test_the_learned_words_are_not_part_of_the_parameters():
    p = replace(ScanParams(), verify=replace(ScanParams().verify, frequent=frozenset({"lo"})))
    assert p == ScanParams() and p.fingerprint() == ScanParams().fingerprint()
    assert ScanParams.from_fingerprint(p.fingerprint()) == ScanParams()


# --- words hyphenated across line breaks ------------------------------------------------------


def test_hyphenated_words_are_rejoined_for_matching():
    folded = fold("Le peuple fran-\ncais et l'inter- national, bien-\r\naime; well-known 9- 5 x-\n\ny")
    assert matching_tokens(folded) == [
        "le", "peuple", "francais", "et", "l'international", "bienaime", "well", "known", "9", "5", "x", "y",
    ]  # fmt: skip
    assert tokens(folded).count("fran") == 1  # tokens() itself is unchanged
    starts, ends, keys = rejoin_hyphenated(folded, token_table(folded))
    assert [folded[s:e] for s, e in zip(starts, ends, strict=True)][2] == "fran-\ncais"
    assert keys[2] == token_table("francais")[2][0]  # the key of the word written whole
    assert len(starts) == len(matching_tokens(folded))


def test_no_word_is_rejoined_across_two_texts():
    joined = "le fran-\ncais"
    starts, _, _ = rejoin_hyphenated(joined, token_table(joined), np.array([0, 9]))
    assert len(starts) == 3


def test_a_copy_across_hyphenated_line_breaks_is_found_with_offsets_into_the_text(tmp_path: Path):
    sentence = (
        "Le gouvernement cantonal a annonce hier une reforme complete des transports publics regionaux."
    )
    broken = "Le gouver-\nnement canto- nal a an-\nnonce hier une re-\nforme com- plete des trans-\nports pu- blics regionaux."
    texts = {"a.txt": f"Titre A\n\n{sentence} Autre chose ici.", "b.txt": f"Titre B\n\nDebut. {broken}"}
    for name, text in texts.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    with Store.open(tmp_path / "s.db") as s:
        ingest(s, [tmp_path / "a.txt", tmp_path / "b.txt"])
        scan(s)
        found = query(s)
    assert len(found) == 1 and found[0].kind == "verbatim"
    assert {found[0].source_text, found[0].target_text} == {sentence, broken}


def test_a_partial_copy_across_hyphenated_words_is_cut_at_whole_words(tmp_path: Path):
    long = (
        "Selon nos informations, le gouver-\nnement cantonal a annonce hier une re-\nforme complete "
        "des trans-\nports publics regionaux, mais personne ne sait encore quand elle entrera en vi-\ngueur."
    )
    clause = "le gouvernement cantonal a annonce hier une reforme complete des transports publics regionaux"
    texts = {"a.txt": f"Titre A\n\n{long}", "b.txt": f"Titre B\n\nDebut du texte. Hier, {clause}, dit-on."}
    for name, text in texts.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    with Store.open(tmp_path / "s.db") as s:
        ingest(s, [tmp_path / "a.txt", tmp_path / "b.txt"])
        scan(s)
        found = query(s)
    assert len(found) == 1 and found[0].kind == "partial"
    assert found[0].score == 1.0  # the same words (split ones scored as changed words: 0.69)
    spans = {found[0].source_text, found[0].target_text}
    assert clause in spans
    assert (
        "le gouver-\nnement cantonal a annonce hier une re-\nforme complete des trans-\nports publics regionaux"
        in spans
    )


# --- banal matches ------------------------------------------------------------------------------

_PHRASE = "pleaded guilty at Chester Crown Court to"


@pytest.fixture(scope="module")
def stock_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """200 simulated articles; 40 of them, unrelated, carry a sentence with the same court phrase."""
    folder = tmp_path_factory.mktemp("stock")
    simulate(200, folder / "s.jsonl", seed=3)
    rng = random.Random(2)
    out = []
    for k, line in enumerate((folder / "s.jsonl").read_text(encoding="utf-8").splitlines()):
        rec = json.loads(line)
        if k % 5 == 0:
            words = [w for w in rec["text"].split() if w.isalpha() and len(w) > 3]
            tail = " ".join(rng.choice(words).lower() for _ in range(5))
            rec["text"] += f"\n\n{rng.choice(words).capitalize()} {_PHRASE} {tail}."
        out.append(json.dumps(rec) + "\n")
    (folder / "stock.jsonl").write_text("".join(out), encoding="utf-8")
    return folder / "stock.jsonl"


BANAL = replace(ScanParams(), banal_df=10)


def test_stock_phrases_in_unrelated_articles_are_flagged_banal_and_hidden(tmp_path: Path, stock_corpus: Path):
    with Store.open(tmp_path / "s.db") as s, Store.open(tmp_path / "off.db") as off:
        for store, p in ((s, BANAL), (off, replace(BANAL, banal_df=0))):
            ingest(store, [stock_corpus])
            scan(store, p)
        everything = query(s, include_banal=True)
        shown = query(s)
        before = query(off)  # without banality: every stock-phrase match is reported as reuse
    stock = [m for m in everything if "Chester Crown" in m.source_text]
    assert len(stock) >= 10 and all(m.banal for m in stock)
    assert not [m for m in shown if "Chester Crown" in m.source_text]
    # Each carrier of the stock phrase keeps one banal match (with its earliest earlier
    # carrier), not one with every other: the same articles as the pairs made without banality.
    unflagged = [m for m in before if "Chester Crown" in m.source_text]
    assert len(stock) < len(unflagged)
    assert {a for m in stock for a in (m.source_id, m.target_id)} == {
        a for m in unflagged for a in (m.source_id, m.target_id)
    }
    # Nothing else changes: the planted reuse is reported as before.
    assert [m.as_dict() for m in shown] == [
        {**m.as_dict(), "id": None} | {"id": m2.id}
        for m, m2 in zip([m for m in before if "Chester Crown" not in m.source_text], shown, strict=True)
    ]


def test_banal_matches_leave_the_claims_and_show_with_an_option(tmp_path: Path, stock_corpus: Path):
    db = str(tmp_path / "s.db")
    with Store.open(db) as s:
        ingest(s, [stock_corpus])
        scan(s, BANAL)
        claims = s.conn.execute("SELECT text FROM claims").fetchall()
        banal = s.counts()["banal_matches"]
    assert banal and not [t for (t,) in claims if "Chester Crown" in t]
    runner = CliRunner()
    hidden = json.loads(runner.invoke(cli, ["matches", "--db", db, "--format", "json"]).output)
    shown = json.loads(
        runner.invoke(cli, ["matches", "--db", db, "--format", "json", "--include-banal"]).output
    )
    every = ["matches", "--db", db, "--format", "json", "--include-banal", "--include-boilerplate"]
    assert all(r["banal"] is False for r in hidden)
    assert len([r for r in shown if r["banal"]]) == len(shown) - len(hidden) > 0
    assert len([r for r in json.loads(runner.invoke(cli, every).output) if r["banal"]]) == banal
    table = runner.invoke(cli, ["matches", "--db", db, "--include-banal"]).output
    assert "banal" in table.splitlines()[0]
    summary = runner.invoke(cli, ["stats", "--db", db, "--format", "json"]).output
    assert json.loads(summary)["banal_matches"] == banal


def test_banal_flags_of_a_store_scanned_in_steps_equal_one_scanned_at_once(
    tmp_path: Path, stock_corpus: Path
):
    lines = stock_corpus.read_text(encoding="utf-8").splitlines(keepends=True)
    with Store.open(tmp_path / "full.db") as full, Store.open(tmp_path / "steps.db") as steps:
        ingest(full, [stock_corpus])
        scan(full, BANAL)
        # In the order of the whole: which pairs of a band key shared by many sentences are
        # compared depends on the order they were first stored in (candidates.Anchors).
        third = -(-len(lines) // 3)
        for k in range(3):
            part = tmp_path / f"p{k}.jsonl"
            part.write_text("".join(lines[k * third : (k + 1) * third]), encoding="utf-8")
            ingest(steps, [part])
            scan(steps, BANAL)
        assert full.counts()["banal_matches"] > 0
        assert steps.counts()["banal_matches"] == full.counts()["banal_matches"]
        dump = {json.dumps({**m.as_dict(), "id": 0}, sort_keys=True) for m in query(full, include_banal=True)}
        assert {
            json.dumps({**m.as_dict(), "id": 0}, sort_keys=True) for m in query(steps, include_banal=True)
        } == dump


def test_a_store_scanned_with_unknown_parameters_is_scanned_anew(tmp_path):
    """A store an older tracer scanned (a fingerprint this version cannot make) is not refused:
    its articles are scanned again, with the same result as a new store's scan."""
    from click.testing import CliRunner

    from tracer.cli import cli
    from tracer.store import Store

    folder = Path(__file__).resolve().parents[1] / "fixtures" / "rumour" / "articles"
    old, fresh = str(tmp_path / "old.db"), str(tmp_path / "fresh.db")
    for db in (old, fresh):
        assert CliRunner().invoke(cli, ["run", str(folder), "--db", db, "-q"]).exit_code == 0
    with Store.open(old) as store, store.transaction():
        fingerprint = json.loads(store.get_meta("scan_params") or "{}")
        fingerprint.pop("frequent_df")  # as written by a tracer before that parameter
        store.set_meta("scan_params", json.dumps(fingerprint))
    result = CliRunner().invoke(cli, ["scan", "--db", old])
    assert result.exit_code == 0, result.output
    assert "scanned again" in result.output

    def rows(db: str) -> list[tuple]:
        with Store.open(db) as store:
            return store.conn.execute("SELECT * FROM matches ORDER BY id").fetchall()

    assert rows(old) == rows(fresh)


def test_sharp_s_and_ss_are_one_spelling(tmp_path: Path):
    from tracer.text import match_key

    assert match_key("straßenbahnlinie") == match_key("strassenbahnlinie") == "strassenbahnlinie"
    text = "Der Stadtrat hat am Dienstag beschlossen, die {} bis zum Flughafen zu verlängern, wie die Verkehrsbetriebe mitteilten."
    rows = [
        {
            "id": "de",
            "outlet": "Zeitung",
            "published": "2024-05-02",
            "text": text.format("Straßenbahnlinie 4"),
        },
        {
            "id": "ch",
            "outlet": "Blick",
            "published": "2024-05-03",
            "text": text.format("Strassenbahnlinie 4"),
        },
    ]
    corpus = tmp_path / "ss.jsonl"
    corpus.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    with Store.open(tmp_path / "s.db") as s:
        ingest(s, [corpus])
        scan(s)
        (m,) = query(s)
    assert m.score == 1.0  # every word the same, as in a copy that changes a letter's case
