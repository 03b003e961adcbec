"""Articles as a user manages them: list, edit, remove, re-ingest with corrected metadata, and
stores whose ids were made from the outlet (schema 6) upgraded."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from pathlib import Path

import pytest

from tracer.graph import build_graph
from tracer.ingest import article_id
from tracer.store import SCHEMA_VERSION, Store

from .conftest import RUMOUR as FIXTURE
from .hostile import invoke, stored, tables
from .old_schema import as_schema_7
from .test_hostile_sweep import REUSED

RUMOUR = FIXTURE / "articles"

HEADER = re.compile(r"^(outlet|date|url): .*\n", re.MULTILINE)


def _bare_copy(dest: Path) -> dict[str, tuple[str, str]]:
    """The rumour articles without their outlet and date lines; file name -> (outlet, date)."""
    dest.mkdir()
    truth = {}
    for path in sorted(RUMOUR.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        outlet = re.search(r"^outlet: (.*)$", text, re.MULTILINE)
        date = re.search(r"^date: (.*)$", text, re.MULTILINE)
        assert outlet
        truth[path.name] = (outlet.group(1), date.group(1) if date else "")
        (dest / path.name).write_text(HEADER.sub("", text).lstrip("\n"), encoding="utf-8")
    return truth


def _results(db: Path) -> dict[str, object]:
    """What the queries show of a store: matches, claims, every claim's timeline, outlet pairs."""
    out: dict[str, object] = {}
    for name, args in (
        ("matches", ["matches", "--format", "json"]),
        ("claims", ["claims", "--format", "json"]),
        ("outlets", ["outlets", "--format", "json"]),
    ):
        out[name] = json.loads(invoke(*args, "--db", db).stdout)
    out["traces"] = [
        json.loads(invoke("trace", c["claim_id"], "--db", db, "--format", "json").stdout)
        for c in out["claims"]  # type: ignore[attr-defined]
    ]
    return out


@pytest.fixture()
def bare(tmp_path: Path) -> tuple[Path, dict[str, tuple[str, str]]]:
    return tmp_path / "bare", _bare_copy(tmp_path / "bare")


def test_reingest_with_outlet_and_date_updates_instead_of_duplicating(tmp_path: Path, bare) -> None:
    folder, truth = bare
    db = tmp_path / "t.db"
    invoke("ingest", folder, "--db", db)
    name = "01_daily-beacon.txt"
    (before,) = stored(db, "source_path LIKE ?", [f"%{name}"])
    assert before["published"] is None
    result = invoke("ingest", folder / name, "--db", db, "--outlet", "Beacon", "--date", "2024-03-01")
    assert (
        f"updated {before['id']}: outlet " in result.stderr
        and "date unknown -> 2024-03-01 (option)" in result.stderr
    )
    assert "1 updated; 0 already stored" in result.stderr
    rows = stored(db)
    assert len(rows) == len(truth)  # no duplicate
    (after,) = stored(db, "id = ?", [before["id"]])  # the same id
    assert (after["outlet"], after["outlet_source"]) == ("Beacon", "option")
    assert (after["published"], after["published_source"]) == ("2024-03-01", "option")
    # Where the outlet was stated already, a new date is not ignored either.
    again = invoke("ingest", folder / name, "--db", db, "--date", "2024-03-02")
    assert "date 2024-03-01 -> 2024-03-02 (option)" in again.stderr
    # A plain re-ingest changes nothing: a guess never replaces what an option or an edit set.
    plain = invoke("ingest", folder / name, "--db", db)
    assert "0 article(s)" in plain.stderr and "1 already stored" in plain.stderr
    invoke("edit", before["id"][:6], "--db", db, "--outlet", "The Daily Beacon")
    invoke("ingest", folder / name, "--db", db)
    assert stored(db, "id = ?", [before["id"]])[0]["outlet"] == "The Daily Beacon"


def test_an_id_taken_by_another_text_gets_its_own_and_nothing_is_lost(tmp_path: Path) -> None:
    # Two exports numbering their rows alike: the second's articles are not the first's.
    mayor = "The mayor resigned on Tuesday after a week of protests over the budget cuts"
    first = tmp_path / "a.csv"
    first.write_text(f'id,text,outlet\n1,"{mayor}.",A\n2,"A cat climbed a tree and would not come down.",A\n')
    second = tmp_path / "b.csv"
    second.write_text(
        f'id,text,outlet\n1,"{mayor}, officials said.",B\n2,"Trains ran late across the north.",B\n'
    )
    db = tmp_path / "t.db"
    result = invoke("ingest", first, second, first, "--db", db)  # (the copy of a.csv: dropped quietly)
    renamed = article_id("B", f"{mayor}, officials said.")
    assert (
        f"warning: {second}:2: id '1' is taken by another article of this ingest with another text or outlet; "
        f"stored as {renamed}"
    ) in result.stderr
    assert f"{second}:3: id '2' is taken" in result.stderr and "ingested 4 article(s)" in result.stderr
    assert {r["id"]: r["outlet"] for r in stored(db)} == {
        "1": "A",
        "2": "A",
        renamed: "B",
        article_id("B", "Trains ran late across the north."): "B",
    }
    again = invoke("ingest", first, second, "--db", db)
    assert "ingested 0 article(s)" in again.stderr and "4 already stored" in again.stderr
    # Taken by a stored article: the same, and an option's outlet does not change the id it gets.
    third = tmp_path / "c.csv"
    third.write_text(f'id,text,outlet\n1,"{mayor}, police said.",C\n')
    late = article_id("C", f"{mayor}, police said.")
    for option in ((), ("--outlet", "D")):
        out = invoke("ingest", third, "--db", db, *option)
        assert (
            f"{third}:2: id '1' is taken by a stored article with another text or outlet; stored as {late}"
            in out.stderr
        )
        assert f"`tracer remove 1 {late}`" in out.stderr
    assert len(stored(db)) == 5 and stored(db, "id = ?", [late])[0]["outlet"] == "D"
    assert stored(db, "id = ?", ["1"])[0]["outlet"] == "A"  # the stored article is left as it was
    invoke("scan", "--db", db)
    assert "cross-outlet" in invoke("matches", "--db", db, "--format", "csv").stdout


def test_papers_copies_keeping_the_wires_story_id_are_each_stored(tmp_path: Path) -> None:
    wire = "Flood waters rose overnight across the northern valley, forcing two hundred families to leave."
    db = tmp_path / "t.db"
    rows = [f'AP-1,"{wire}",{paper}\n' for paper in ("Echo", "Press", "Echo")]  # the third: a copy
    first = tmp_path / "a.csv"
    first.write_text("id,text,outlet\n" + "".join(rows))
    result = invoke("ingest", first, "--db", db)
    assert "ingested 2 article(s)" in result.stderr and "with another text or outlet" in result.stderr
    later = tmp_path / "b.csv"
    later.write_text(f'id,text,outlet\nAP-1,"{wire}",Courier\n')
    invoke("ingest", later, "--db", db)
    assert sorted(r["outlet"] for r in stored(db)) == ["Courier", "Echo", "Press"]
    # An outlet an option sets is a correction of the stored article, not another article.
    echo = tmp_path / "c.csv"
    echo.write_text("id,text,outlet\n" + rows[0])
    fixed = invoke("ingest", echo, "--db", db, "--outlet", "The Echo")
    assert "updated AP-1: outlet Echo -> The Echo (option)" in fixed.stderr
    assert sorted(r["outlet"] for r in stored(db)) == ["Courier", "Press", "The Echo"]


def test_edits_then_scan_equal_a_store_ingested_with_the_right_metadata(tmp_path: Path, bare) -> None:
    folder, truth = bare
    fixed, right = tmp_path / "fixed.db", tmp_path / "right.db"
    invoke("run", folder, "--db", fixed)
    invoke("run", RUMOUR, "--db", right)
    ids = {Path(a["source_path"]).name: a["id"] for a in stored(fixed)}
    assert ids == {Path(a["source_path"]).name: a["id"] for a in stored(right)}  # ids from the text
    claims_before = {r[0] for r in sqlite3.connect(fixed).execute("SELECT id FROM claims")}
    keep = tables(fixed)
    for name, (outlet, date) in truth.items():
        invoke("edit", ids[name], "--db", fixed, "--outlet", outlet, *(["--date", date] if date else []))
    after = tables(fixed)
    # Signatures, sentences and verified pairs stay; only matches and claims of edited articles go.
    for table in ("sentence_blocks", "ix.signatures", "ix.band_keys", "near"):
        assert after[table] == keep[table]
    assert json.loads(invoke("claims", "--db", fixed, "--format", "json").stdout) == []
    assert claims_before
    summary = invoke("stats", "--db", fixed).stdout
    assert "changed: 16" in summary
    scan = invoke("scan", "--db", fixed)
    assert "matches and claims rebuilt for the 16 edited article(s)" in scan.stderr
    assert "scanned 0 new article(s)" in scan.stderr
    assert _results(fixed) == _results(right)
    assert "changed: 0" in invoke("stats", "--db", fixed).stdout


def test_title_edit_keeps_claims_and_outlet_edit_clears_only_its_own(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    invoke("run", RUMOUR, "--db", db)
    conn = sqlite3.connect(db)
    members = conn.execute("SELECT claim_id, article_id FROM claim_members").fetchall()
    target = members[0][1]
    mine = {c for c, a in members if a == target}
    all_claims = {c for c, _ in members}
    conn.close()
    keep = tables(db)
    invoke("edit", target, "--db", db, "--title", "A better title")
    after = tables(db)
    assert {k: v for k, v in after.items() if k != "articles"} == {
        k: v for k, v in keep.items() if k != "articles"
    }
    invoke("edit", target, "--db", db, "--outlet", "Somebody Else")
    conn = sqlite3.connect(db)
    left = {r[0] for r in conn.execute("SELECT id FROM claims")}
    assert left == all_claims - mine and mine
    assert conn.execute(
        "SELECT COUNT(*) FROM matches WHERE source_id = ? OR target_id = ?", (target, target)
    ).fetchone() == (0,)
    conn.close()


def test_remove_then_scan_equals_a_store_without_the_article(tmp_path: Path) -> None:
    gone = "05_northern-courier.txt"
    without = tmp_path / "without"
    shutil.copytree(RUMOUR, without)
    (without / gone).unlink()
    full, fewer = tmp_path / "full.db", tmp_path / "fewer.db"
    invoke("run", RUMOUR, "--db", full)
    invoke("run", without, "--db", fewer)
    (art,) = stored(full, "source_path LIKE ?", [f"%{gone}"])
    result = invoke("remove", art["id"][:8], "--db", full)
    assert f"removed 1 article(s): {art['id']}" in result.stderr
    assert stored(full, "id = ?", [art["id"]]) == []
    with Store.open(full) as s:
        seqs = set(s.sentences()["article"].tolist())
    assert art["seq"] not in seqs and len(seqs) == 15
    invoke("scan", "--db", full)
    assert _results(full) == _results(fewer)


def test_edit_and_remove_errors_leave_the_store_as_it_was(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    invoke("run", RUMOUR, "--db", db)
    keep = tables(db)
    (first, *_) = stored(db)
    assert "no article with id 'nope'" in invoke("edit", "nope", "--db", db, "--outlet", "X", code=1).output
    bad = invoke("edit", first["id"], "--db", db, "--date", "last week", code=1).output
    assert "invalid date 'last week'" in bad and "Traceback" not in bad
    ambiguous = invoke("edit", first["id"], "--db", db, "--date", "05/03/2024", code=1).output
    assert "--dayfirst" in ambiguous
    assert "give --outlet, --date or --title" in invoke("edit", first["id"], "--db", db, code=2).output
    assert invoke("edit", first["id"], "--db", db, "--outlet", " ", code=2).exit_code == 2
    assert "no article with id" in invoke("remove", first["id"], "nope", "--db", db, code=1).output
    assert tables(db) == keep
    invoke("edit", first["id"], "--db", db, "--date", "05/03/2024", "--dayfirst")
    assert stored(db, "id = ?", [first["id"]])[0]["published"] == "2024-03-05"


def test_articles_lists_filters_and_formats(tmp_path: Path, bare) -> None:
    folder, _ = bare
    db = tmp_path / "t.db"
    invoke("ingest", folder / "01_daily-beacon.txt", "--db", db)
    invoke("ingest", RUMOUR / "02_capital-wire.txt", "--db", db)
    (shutil.copy(RUMOUR / "03_metro-ledger.txt", tmp_path / "c.txt"))
    invoke("ingest", tmp_path / "c.txt", "--db", db, "--outlet", "Metro", "--date", "Mar 7, 2024")
    table = invoke("articles", "--db", db).stdout.splitlines()
    assert table[0].split() == [
        "id",
        "outlet",
        "outlet_from",
        "published",
        "date_from",
        "title",
        "title_from",
        "file",
    ]
    assert len(table) == 5
    assert "header line" in table[3] and "2024-03-06" in table[3]
    assert "option" in table[4] and "2024-03-07" in table[4] and "Metro" in table[4]
    rows = json.loads(invoke("articles", "--db", db, "--format", "json").stdout)
    assert [r["outlet_source"] for r in rows][1:] == ["header", "option"]
    assert [r["published_source"] for r in rows] == ["unknown", "header", "option"]
    assert rows[0]["title_source"] == "first-line"
    undated = json.loads(invoke("articles", "--db", db, "--format", "json", "--undated").stdout)
    assert [r["id"] for r in undated] == [rows[0]["id"]]
    invoke("edit", rows[2]["id"], "--db", db, "--title", "Hand-written")
    assert json.loads(invoke("articles", "--db", db, "--format", "json").stdout)[2]["title_source"] == "edit"
    invoke("ingest", tmp_path / "c.txt", "--db", db, "--outlet", "Metro", "--date", "Mar 7, 2024")
    assert json.loads(invoke("articles", "--db", db, "--format", "json").stdout)[2]["title"] == "Hand-written"
    (tmp_path / "d.txt").write_text("Nothing here names its outlet, and no date either.\n", encoding="utf-8")
    invoke("ingest", tmp_path / "d.txt", "--db", db)
    unknown = invoke("articles", "--db", db, "--format", "jsonl", "--unknown-outlet").stdout.splitlines()
    assert [json.loads(line)["source_path"] for line in unknown] == [str(tmp_path / "d.txt")]
    by_outlet = invoke("articles", "--db", db, "--format", "csv", "--outlet", "metro").stdout.splitlines()
    assert len(by_outlet) == 2 and by_outlet[1].startswith(rows[2]["id"])
    assert len(json.loads(invoke("articles", "--db", db, "--format", "json", "--limit", "2").stdout)) == 2
    assert "no articles match the filters" in invoke("articles", "--db", db, "--outlet", "nobody").stderr


def test_run_summary_and_report_warn_with_the_fix(tmp_path: Path, bare) -> None:
    folder, _ = bare
    db = tmp_path / "t.db"
    out = invoke("run", folder, "--db", db).stdout
    assert "warning: 16 articles undated" in out and "`tracer articles --undated`" in out
    assert "tracer edit ID --date DATE" in out
    assert "of unknown outlet, each shown as an outlet of its own" in out
    invoke("report", "--db", db, "-o", tmp_path / "r.html")
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "Warning: 16 articles undated" in page and "tracer edit ID --outlet NAME" in page


def test_unknown_outlets_stay_apart(tmp_path: Path, bare) -> None:
    folder, _ = bare
    db = tmp_path / "t.db"
    invoke("run", folder, "--db", db)
    with Store.open(db) as s:
        graph = build_graph(s)
        unknown = [
            n
            for n, d in graph.nodes(data=True)
            if d["type"] == "article" and d["outlet"].startswith("unknown")
        ]
        outlets = {d["outlet"] for n, d in graph.nodes(data=True) if d["type"] == "article"}
        assert len(unknown) >= 2 and "unknown" not in outlets
        assert len({graph.nodes[n]["outlet"] for n in unknown}) == len(unknown)  # one node each
    pairs = json.loads(invoke("outlets", "--db", db, "--format", "json").stdout)["pairs"]
    assert pairs and all(p["source_outlet"] != "unknown" for p in pairs)


def _downgrade_to_schema_6(db: Path) -> dict[str, str]:
    """Make ``db`` look as a schema 6 tracer left it: ids hashed from the outlet. Old id -> new id."""
    conn = sqlite3.connect(db)
    as_schema_7(conn)
    renamed = {}
    for art_id, outlet, text in conn.execute("SELECT id, outlet, text FROM articles").fetchall():
        old = article_id(outlet, text)
        conn.execute("UPDATE articles SET id = ? WHERE id = ?", (old, art_id))
        for table, column in (
            ("claim_members", "article_id"),
            ("matches", "source_id"),
            ("matches", "target_id"),
        ):
            conn.execute(f"UPDATE {table} SET {column} = ? WHERE {column} = ?", (old, art_id))
        renamed[old] = art_id
    conn.execute("UPDATE meta SET value = '6' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()
    return renamed


def test_schema_6_store_gets_ids_that_survive_corrections(tmp_path: Path) -> None:
    db, right = tmp_path / "old.db", tmp_path / "right.db"
    invoke("run", RUMOUR, "--db", db)
    invoke("run", RUMOUR, "--db", right)
    renamed = _downgrade_to_schema_6(db)
    # The old duplicate: one text ingested again with --outlet, as a second article.
    conn = sqlite3.connect(db)
    row = conn.execute("SELECT * FROM articles ORDER BY seq LIMIT 1").fetchone()
    cols = [d[1] for d in conn.execute("PRAGMA table_info(articles)")]
    dup = dict(zip(cols, row, strict=True))
    dup.update(id=article_id("Beacon Again", dup["text"]), seq=100, outlet="Beacon Again", outlet_source="option",
               scanned=0)  # fmt: skip
    conn.execute(
        f"INSERT INTO articles ({', '.join(dup)}) VALUES ({', '.join('?' * len(dup))})", list(dup.values())
    )
    conn.commit()
    conn.close()
    assert any(old != new for old, new in renamed.items())
    result = invoke("articles", "--db", db, "--format", "json")
    rows = json.loads(result.stdout)
    assert sorted(r["id"] for r in rows) == sorted(a["id"] for a in stored(right))  # merged, new ids
    merged = next(r for r in rows if r["id"] == renamed[row[0]])
    assert (merged["outlet"], merged["outlet_source"]) == ("Beacon Again", "option")  # the firmer value
    with Store.open(db) as s:
        assert s.get_meta("schema_version") == str(SCHEMA_VERSION)
        assert s.changes_since_scan()["edited"] > 0
    invoke("edit", merged["id"], "--db", db, "--outlet", "The Daily Beacon")
    invoke("scan", "--db", db)
    assert _results(db) == _results(right)


def test_csv_with_other_column_names(tmp_path: Path) -> None:
    body = (RUMOUR / "01_daily-beacon.txt").read_text(encoding="utf-8").split("\n\n", 1)[1]
    (tmp_path / "a.csv").write_text(
        'date,source,headline,body\n17/02/2023,The Sun,Leak,"' + body.replace('"', '""') + '"\n',
        encoding="utf-8",
    )
    db = tmp_path / "t.db"
    invoke("ingest", tmp_path / "a.csv", "--db", db)
    (art,) = stored(db)
    assert (art["outlet"], art["published"], art["title"]) == ("The Sun", "2023-02-17", "Leak")
    assert art["text"] == body and art["outlet_source"] == "field"
    (tmp_path / "b.csv").write_text(
        'when,who,copy\n"Feb 17, 2023",Mirror,"Some text here."\n', encoding="utf-8"
    )
    skipped = invoke("ingest", tmp_path / "b.csv", "--db", db, code=1)
    assert "no 'text' column" in skipped.stderr and "--columns text=NAME" in skipped.stderr
    invoke("ingest", tmp_path / "b.csv", "--db", db, "--columns", "text=copy,outlet=who,published=when")
    mirror = stored(db, "outlet = ?", ["Mirror"])
    assert [(a["published"], a["text"]) for a in mirror] == [("2023-02-17", "Some text here.")]
    missing = invoke("ingest", tmp_path / "b.csv", "--db", db, "--columns", "text=nope", code=1)
    assert "no column text=nope" in missing.stderr and "when, who, copy" in missing.stderr
    assert invoke("ingest", tmp_path / "b.csv", "--db", db, "--columns", "words=copy", code=2).exit_code == 2


def test_json_records_with_other_key_names(tmp_path: Path) -> None:
    record = {"content": "A text from a news API.", "source": "Wire", "publishedAt": "2023-02-17T10:00:00Z",
              "headline": "H"}  # fmt: skip
    (tmp_path / "a.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    db = tmp_path / "t.db"
    invoke("ingest", tmp_path / "a.jsonl", "--db", db)
    (art,) = stored(db)
    assert (art["text"], art["outlet"], art["published"], art["title"]) == (
        "A text from a news API.", "Wire", "2023-02-17T10:00:00+00:00", "H"
    )  # fmt: skip


def test_same_text_from_two_outlets_in_records_stays_two_articles(tmp_path: Path) -> None:
    lines = [json.dumps({"text": "The same wire copy, word for word.", "outlet": o}) for o in ("A", "B")]
    (tmp_path / "w.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    db = tmp_path / "t.db"
    invoke("ingest", tmp_path / "w.jsonl", "--db", db)
    assert sorted(a["outlet"] for a in stored(db)) == ["A", "B"]


def test_warnings_beyond_fifty_are_counted_not_listed(tmp_path: Path) -> None:
    wire = "Flood waters rose overnight across the northern valley, forcing two hundred families to leave."
    corpus = tmp_path / "wire.csv"
    corpus.write_text("id,text,outlet\n" + "".join(f'AP-1,"{wire}",Paper {i}\n' for i in range(61)))
    result = invoke("ingest", corpus, "--db", tmp_path / "t.db")
    assert result.stderr.count("is taken by another article") == 50
    assert (
        "warning: ... and 10 more like these" in result.stderr and "ingested 61 article(s)" in result.stderr
    )


def test_an_edited_outlet_is_stored_as_ingest_stores_outlets(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    (tmp_path / "a.txt").write_text(
        "A seal pup was rescued from the harbour wall on Tuesday.\n", encoding="utf-8"
    )
    invoke("ingest", tmp_path / "a.txt", "--db", db)
    (art,) = stored(db)
    invoke("edit", art["id"], "--db", db, "--outlet", " Su\u0308ddeutsche\u00a0 Zeitung ")
    assert [r["outlet"] for r in stored(db)] == ["S\u00fcddeutsche Zeitung"]


SHARED = REUSED[:3]


def test_old_mac_texts_are_stored_with_newlines_and_spans_point_into_them(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for k, outlet in enumerate(["Courier", "Press"]):
        body = "\r\r".join([f"Opening line {k} of the story.", *SHARED, f"Closing line {k}."])
        (folder / f"{k}.txt").write_bytes(f"outlet: {outlet}\rdate: 2024-05-0{k + 1}\r\r{body}\r".encode())
    db = tmp_path / "t.db"
    invoke("run", folder, "--db", db)
    texts = {a["id"]: a["text"] for a in stored(db)}
    assert all("\r" not in text and "\n\n" in text for text in texts.values())
    found = json.loads(invoke("matches", "--db", db, "--format", "json").stdout)
    assert found
    for m in found:
        for side in ("source", "target"):
            assert texts[m[f"{side}_id"]][slice(*m[f"{side}_span"])] == m[f"{side}_text"]


def test_a_text_stored_with_its_windows_line_endings_is_found_stored_again(tmp_path: Path) -> None:
    # An older tracer stored "\r\n" as it came: ingesting the same file again adds no copy.
    path = tmp_path / "a.txt"
    path.write_bytes(b"outlet: Courier\r\n\r\nA seal pup was rescued.\r\nIt is well.\r\n")
    db = tmp_path / "t.db"
    invoke("ingest", path, "--db", db)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE articles SET text = ?", ("A seal pup was rescued.\r\nIt is well.\r\n",))
    again = invoke("ingest", path, "--db", db)
    assert (
        "0 article(s)" in again.stderr and "1 already stored" in again.stderr and "taken" not in again.stderr
    )
    assert len(stored(db)) == 1


_FERRY = "The harbour master said the ferry service to the islands would resume on Monday after storms.\n"


def test_one_text_in_files_of_two_outlets_is_two_articles(tmp_path: Path) -> None:
    # A folder of papers' copies of one wire story, each file's header naming its paper.
    folder = tmp_path / "copies"
    folder.mkdir()
    for k, outlet in enumerate(["Alpha Post", "Beta News"]):
        (folder / f"{k}.txt").write_text(
            f"outlet: {outlet}\ndate: 2024-01-0{k + 1}\n\n{_FERRY}", encoding="utf-8"
        )
    together, apart = tmp_path / "together.db", tmp_path / "apart.db"
    result = invoke("ingest", folder, "--db", together)
    assert "ingested 2 article(s)" in result.stderr and "warning" not in result.stderr
    invoke("ingest", folder / "0.txt", "--db", apart)
    second = invoke("ingest", folder / "1.txt", "--db", apart)
    assert "ingested 1 article(s)" in second.stderr and "updated" not in second.stderr
    for db in (together, apart):
        rows = stored(db)
        assert {(r["outlet"], r["published"]) for r in rows} == {
            ("Alpha Post", "2024-01-01"),
            ("Beta News", "2024-01-02"),
        }
        # The first keeps the id of its text alone, as before; the copy's is made of its outlet too.
        assert {r["id"] for r in rows} == {article_id(None, f"{_FERRY}"), article_id("Beta News", _FERRY)}
    # The same file with its header corrected is the same article, updated.
    (folder / "0.txt").write_text(f"outlet: Alpha Daily\ndate: 2024-01-01\n\n{_FERRY}", encoding="utf-8")
    fixed = invoke("ingest", folder / "0.txt", "--db", apart)
    assert "1 updated" in fixed.stderr and "Alpha Post -> Alpha Daily" in fixed.stderr
    assert len(stored(apart)) == 2


def test_copies_in_one_ingest_are_counted(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("a.txt", "b.txt", "c.txt"):
        (folder / name).write_text(_FERRY, encoding="utf-8")
    result = invoke("ingest", folder, "--db", tmp_path / "t.db")
    assert (
        "ingested 1 article(s) from 3 file(s); 2 repeated in the input (same text and outlet); "
        in result.stderr
    )
