"""Hostile input: one long paragraph that repeats a sentence, or that many claims share. Each
claim member was traced with its own copy of its paragraph (the whole article, where that is
one line): a 2.8 MB article repeating a sentence 20,000 times needed 56 GB (MemoryError)."""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

from tracer import provenance
from tracer.claims import build_claims
from tracer.pipeline import run
from tracer.store import Store

from .test_hostile_bigarticle import _simulated_text

_SENTENCE = "The harbour master said the ferry service to the islands would resume on Monday after storms. "


def _repeating_store(tmp_path: Path, repeats: int) -> Store:
    """One article of one paragraph repeating a sentence ``repeats`` times; one printing it once."""
    (tmp_path / "rep.txt").write_text(
        "outlet: Rep\ndate: 2024-01-10\n\nRep\n\n" + _SENTENCE * repeats, encoding="utf-8"
    )
    (tmp_path / "once.txt").write_text(
        "outlet: Island Times\ndate: 2024-01-05\n\nFerry back\n\n" + _SENTENCE + "Fishermen lost days.",
        encoding="utf-8",
    )
    store = Store.open(tmp_path / "s.db")
    run(store, [tmp_path / "rep.txt", tmp_path / "once.txt"], workers=1)
    return store


def test_a_sentence_an_article_repeats_is_one_member_of_its_claim(tmp_path: Path) -> None:
    # Each repeat was a member of its own (301 members, 300 of one article).
    with _repeating_store(tmp_path, 300) as store:
        (claim,) = build_claims(store)
        assert [(m.outlet, m.start) for m in claim.members] == [("Island Times", 12), ("Rep", 5)]
        rows = store.conn.execute("SELECT article_id, role FROM claim_members").fetchall()
        assert len(rows) == 2 and sorted(role for _, role in rows) == ["echo", "origin"]


def _shared_paragraph_store(tmp_path: Path) -> tuple[Store, int]:
    """An article of one long paragraph (after its title) whose sentences another article prints
    one a paragraph: many claims with a member each in the long one. Also its paragraph's size."""
    said = _simulated_text(40).split(". ")
    sentences = [s.strip() + "." for s in said if 60 < len(s) < 200 and "\n" not in s.strip()][:150]
    long_one = " ".join(sentences)
    (tmp_path / "long.txt").write_text("outlet: A\ndate: 2024-01-05\n\nLong\n\n" + long_one, encoding="utf-8")
    (tmp_path / "cut.txt").write_text(
        "outlet: B\ndate: 2024-01-06\n\nCut\n\n" + "\n\n".join(sentences), encoding="utf-8"
    )
    store = Store.open(tmp_path / "s.db")
    run(store, [tmp_path / "long.txt", tmp_path / "cut.txt"], workers=1)
    return store, len(long_one)


def test_members_of_one_paragraph_share_it_in_the_batches_sent_to_workers(tmp_path: Path) -> None:
    # Each member's paragraph was cut anew: pickled for the workers, a copy a claim.
    store, size = _shared_paragraph_store(tmp_path)
    with store:
        pickled: list[int] = []

        def task(jobs: list[provenance.ClaimJob], table: object, max_terms: int) -> list[int]:
            pickled.append(len(pickle.dumps(jobs)))
            return [0] * len(jobs)

        claims = [
            claim for batch, _ in provenance._in_batches(store, None, None, None, task) for claim in batch
        ]
        assert len(claims) > 50
        assert sum(pickled) < 2 * size + 2000 * len(claims), (sum(pickled), size, len(claims))


_FAILING_SCAN = (
    "import sys; from tracer import provenance\n"
    "def out_of_memory(*args): raise MemoryError\n"
    "provenance._trace_claims = out_of_memory\n"
    "from tracer.cli import main; sys.argv[0] = 'tracer'; main()\n"
)


def test_running_out_of_memory_is_one_line_and_leaves_the_store_as_it_was(tmp_path: Path) -> None:
    # A MemoryError rose through the CLI as a traceback.
    with _repeating_store(tmp_path, 3) as store:
        before = store.conn.execute("SELECT * FROM claim_members ORDER BY 1, 2").fetchall()
    (tmp_path / "new.txt").write_text("outlet: New\n\nNew\n\n" + _SENTENCE, encoding="utf-8")
    db = str(tmp_path / "s.db")
    subprocess.run(
        [sys.executable, "-m", "tracer", "--db", db, "ingest", "-q", str(tmp_path / "new.txt")], check=True
    )
    cmd = [sys.executable, "-c", _FAILING_SCAN, "--db", db, "scan", "-q", "--workers", "1"]
    out = subprocess.run(cmd, capture_output=True, text=True)
    assert out.returncode == 1, out.stderr
    assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1, out.stderr
    assert "ran out of memory" in out.stderr
    with Store.open(tmp_path / "s.db") as store:
        assert store.conn.execute("SELECT * FROM claim_members ORDER BY 1, 2").fetchall() == before
