"""The semantic stage (tracer scan --semantic): reworded and cross-language echoes.

Tests that load a model run on the packaged models of the ``semantic`` extra (.ci/run installs
it); where the extra is not installed they are skipped with that reason."""

from __future__ import annotations

import importlib.util
import json
import sqlite3

import numpy as np
import pytest
from click.testing import CliRunner

from tracer import semantic
from tracer.cli import cli
from tracer.errors import ParamError, TracerError
from tracer.params import ScanParams
from tracer.store import Store

from .conftest import FIXTURES, SEEDS

CROSSLANG = FIXTURES / "crosslang"


def _installed(model: str) -> bool:
    return all(importlib.util.find_spec(name) is not None for name in semantic._NEEDS[model])


needs_english = pytest.mark.skipif(not _installed("english"), reason="the semantic extra is not installed")
needs_multilingual = pytest.mark.skipif(
    not _installed("multilingual"), reason="the semantic extra is not installed"
)


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def test_missing_extra_is_one_line_with_the_hint(tmp_path, monkeypatch):
    monkeypatch.setitem(semantic._NEEDS, "english", ("no_such_package_for_tracer",))
    db = str(tmp_path / "t.db")
    code, _ = _run("ingest", str(CROSSLANG / "articles.jsonl"), "--db", db, "-q")
    assert code == 0
    before = sqlite3.connect(db).execute("SELECT value FROM meta WHERE key = 'scan_params'").fetchone()
    code, out = _run("scan", "--db", db, "--semantic", "english")
    assert code == 1 and "Traceback" not in out
    lines = out.strip().splitlines()
    # PyPI's "tracer" is another project: the extra installs from the checkout, as the README says.
    assert len(lines) == 1 and "in the tracer checkout: pip install -e '.[semantic]'" in lines[0], out
    with Store.open(db) as store:  # the store as it was: nothing scanned
        assert not store.any_scanned()
        assert store.get_meta("scan_params") == (before[0] if before else None)
    code, out = _run(
        "run", str(CROSSLANG / "articles.jsonl"), "--db", str(tmp_path / "u.db"), "--semantic", "english"
    )
    assert (
        code == 1
        and "pip install" in out
        and not (tmp_path / "u.db").exists()
        or _no_articles(tmp_path / "u.db")
    )


def _no_articles(db) -> bool:
    with Store.open(db) as store:
        return store.conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0] == 0


def test_fingerprint_keeps_semantic_and_leaves_old_stores_alone():
    plain = ScanParams()
    assert "semantic" not in json.loads(plain.fingerprint())  # stores scanned before: unchanged
    on = ScanParams(semantic="multilingual")
    assert ScanParams.from_fingerprint(on.fingerprint()) == on
    assert ScanParams.from_fingerprint(plain.fingerprint()) == plain
    with pytest.raises(ParamError, match="ScanParams.semantic"):
        ScanParams(semantic="klingon")


def test_agreement_checks():
    said = "The mayor of Lyon announced that three primary schools will close in May."
    assert semantic.agree(said, "Three primary schools will close in May, the mayor of Lyon announced.")
    assert not semantic.agree(
        said, "The mayor of Lyon announced that five primary schools will close in May."
    )
    assert not semantic.agree(
        said, "The mayor of Marseille announced that three primary schools will close in May."
    )
    assert not semantic.agree(said, "The mayor of Lyon announced that no primary schools will close in May.")
    # German capitalises nouns: not names swapped for others.
    assert semantic.agree(
        "Die Regierung in Berlin plant eine Steuer auf Diesel.",
        "The government in Berlin plans a diesel tax.",
    )


@needs_english
def test_packaged_english_model_loads_and_embeds():
    model = semantic.load("english").second
    assert model is not None
    vectors = model.encode(["The minister resigned on Friday.", "On Friday the minister stepped down."])
    assert vectors.shape == (2, 384)
    assert float(vectors[0] @ vectors[1]) > 0.6
    other = model.encode(["Heavy rain flooded the village."])
    assert float(vectors[0] @ other[0]) < 0.3


@needs_english
def test_seeds_reworded_kremlin_denial_is_one_claim(tmp_path):
    db, plain = str(tmp_path / "p.db"), str(tmp_path / "plain.db")
    for name, date in (("000", "2022-11-28"), ("001", "2023-02-01"), ("002", None), ("003", "2025-08-16")):
        (path,) = SEEDS.glob(f"{name}_*.txt")
        for store_path in (db, plain):
            code, out = _run(
                "ingest", str(path), "--db", store_path, "-q", *(("--date", date) if date else ())
            )
            assert code == 0, out
    code, out = _run("scan", "--db", db, "-q", "--semantic", "english")
    assert code == 0, out
    code, out = _run("scan", "--db", plain, "-q")
    assert code == 0, out
    copies = "SELECT source_id, target_id, kind FROM matches WHERE kind != 'paraphrase' ORDER BY 1, 2"
    with Store.open(plain) as store:
        found_plain = store.conn.execute(copies).fetchall()
    with Store.open(db) as store:
        assert json.loads(store.get_meta("scan_params") or "{}")["semantic"] == "english"
        members: dict[str, list[str]] = {}
        for claim, article, start, end in store.conn.execute(
            "SELECT claim_id, article_id, start, end FROM claim_members ORDER BY claim_id, member"
        ):
            (text,) = store.span_texts([(article, start, end)])
            members.setdefault(claim, []).append(text)
        lexical = store.conn.execute(copies).fetchall()
    together = [c for c, texts in members.items() if any("Kremlin officials deny" in t for t in texts)]
    assert len(together) == 1
    assert any("fighting rumors about his declining health" in t for t in members[together[0]])
    assert lexical == found_plain and len(lexical) >= 9  # the copies found without --semantic
    for texts in members.values():
        for t in texts:
            assert not any(w in t.lower() for w in ("newsletter", "sign up", "getty", "subscribe")), t
    # An incremental scan goes on with it.
    code, out = _run("scan", "--db", db)
    assert code == 0
    with Store.open(db) as store:
        assert json.loads(store.get_meta("scan_params") or "{}")["semantic"] == "english"


@needs_multilingual
def test_crosslang_fixture_every_echo_and_no_false_claim(tmp_path):
    db = str(tmp_path / "x.db")
    code, out = _run("run", str(CROSSLANG / "articles.jsonl"), "--db", db, "-q", "--semantic", "multilingual")
    assert code == 0, out
    truth = json.loads((CROSSLANG / "truth.json").read_text(encoding="utf-8"))
    with Store.open(db) as store:
        claims: dict[str, set[tuple[str, str]]] = {}
        for claim, article, start, end in store.conn.execute(
            "SELECT claim_id, article_id, start, end FROM claim_members"
        ):
            (text,) = store.span_texts([(article, start, end)])
            claims.setdefault(claim, set()).add((article, text))
    planted = [{tuple(e["origin"]), tuple(e["echo"])} for e in truth["echoes"]]
    heads = {key for group in planted for key in group}
    found = []
    for members in claims.values():
        keys = {(a, h) for a, h in heads for art, text in members if art == a and text.startswith(h)}
        assert len(keys) == len(members) and keys in planted, f"a false claim: {members}"
        found.append(keys)
    assert sorted(map(sorted, found)) == sorted(map(sorted, planted))


class _Recorder:
    """A stand-in embedder: texts about a harbour alike, any other apart; and what it was given."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def encode(self, texts):
        import numpy as np

        self.seen.extend(texts)
        out = np.zeros((len(texts), 384), dtype=np.float32)
        for row, text in enumerate(texts):
            out[row, 0 if "harbour" in text else 1 + len(text) % 383] = 1
        return out


def _article(key: str, day: int, text: str) -> str:
    return json.dumps({"id": key, "outlet": key.upper(), "published": f"2024-03-0{day}", "text": text}) + "\n"


@needs_english
def test_incremental_scan_rescores_only_new_sentences_and_keeps_old_pairs(tmp_path, monkeypatch):
    first, second = _Recorder(), _Recorder()
    monkeypatch.setattr(semantic, "load", lambda model, progress=None: semantic.Models(first, second, False))
    db = str(tmp_path / "i.db")
    said = "The harbour authority closed the northern port after the storm damaged two cranes."
    again = "Storm damage to two cranes led officials of the harbour to shut its northern docks."
    other = "Volunteers planted four hundred oak trees along the river bank on Sunday morning."
    # Sentences on other things: a pair stands out among the window's sentences, not alone.
    filler = " ".join(
        f"Local {'very ' * k}keen walkers counted {k + 2} herons by the lake." for k in range(20)
    )
    (tmp_path / "first.jsonl").write_text(
        _article("a", 1, said) + _article("b", 2, again) + _article("e", 1, filler), encoding="utf-8"
    )
    assert _run("run", str(tmp_path / "first.jsonl"), "--db", db, "-q", "--semantic", "english")[0] == 0
    assert sorted(second.seen) == sorted([said, again])
    with Store.open(db) as store:
        before = store.conn.execute("SELECT * FROM near WHERE kind = 'paraphrase'").fetchall()
    assert len(before) == 1
    third = "Two cranes damaged by the storm: the harbour's northern port stays closed, officials say."
    (tmp_path / "later.jsonl").write_text(_article("c", 3, other) + _article("d", 4, third), encoding="utf-8")
    first.seen.clear()
    second.seen.clear()
    assert _run("run", str(tmp_path / "later.jsonl"), "--db", db, "-q")[0] == 0
    assert set(first.seen) >= {said, again, other, third}  # the fast model: the window
    assert second.seen == [third]  # the others' vectors come from the store
    with Store.open(db) as store:
        after = store.conn.execute("SELECT * FROM near WHERE kind = 'paraphrase'").fetchall()
    assert set(before) < set(after) and len(after) == 3


@needs_english
def test_static_model_is_built_once_and_kept(tmp_path, monkeypatch):
    from tracer import static_embed

    monkeypatch.setenv("TRACER_CACHE_DIR", str(tmp_path / "cache"))
    path = static_embed.table_path()
    assert str(path).startswith(str(tmp_path))
    model = static_embed.load()
    assert path.exists()
    vectors = model.encode(
        [
            "Kremlin officials deny that their leader is in poor health",
            "The Kremlin has long been fighting rumors about his declining health",
            "Heavy rain flooded the village overnight",
            "",
        ]
    )
    assert vectors.shape == (4, static_embed.DIM)
    assert float(vectors[0] @ vectors[1]) > float(vectors[0] @ vectors[2]) + 0.2
    assert not vectors[3].any()
    monkeypatch.setattr(static_embed, "build", lambda progress=None: pytest.fail("built again"))
    again = static_embed.load().encode(["Kremlin officials deny that their leader is in poor health"])
    assert np.array_equal(again[0], vectors[0])
    path.write_bytes(b"not a table")  # a damaged file is built again
    monkeypatch.setattr(
        static_embed, "build", lambda progress=None: np.ones((10, static_embed.DIM), np.float16)
    )
    assert static_embed.load().table.shape == (10, static_embed.DIM)


@needs_english
def test_static_model_unwritable_cache_is_one_line(tmp_path, monkeypatch):
    from tracer import static_embed

    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("TRACER_CACHE_DIR", str(blocker / "cache"))
    monkeypatch.setattr(
        static_embed, "build", lambda progress=None: np.ones((10, static_embed.DIM), np.float16)
    )
    with pytest.raises(TracerError, match="TRACER_CACHE_DIR") as info:
        static_embed.load()
    assert "cache" in info.value.message
