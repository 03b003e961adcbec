"""The HTML report: self-contained, escaped, complete, filtered, capped, deterministic, and drawn in a
real browser (headless Chromium driven over the DevTools protocol; skipped when there is none)."""

from __future__ import annotations

import fcntl
import json
import os
import re
import select
import shutil
import subprocess
import time
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tracer.cli import cli
from tracer.errors import TracerError
from tracer.pipeline import run
from tracer.queries import list_claims, timeline
from tracer.report import build_report, generate_report, shared_words, timeline_svg, write_report
from tracer.store import Store
from tracer.tools.simulate import simulate

from .conftest import RUMOUR

PLANTED = "<script>alert(1)</script>"
REUSED = [
    "The harbour authority confirmed on Tuesday that the northern breakwater will be closed for repairs "
    "until the end of the summer season.",
    "Engineers found deep cracks in the concrete after the storms in February, according to a report seen "
    "by this newspaper.",
    "Ferry operators warned that crossings to the outer islands could be cut by half while the work goes on.",
]


# -- reading the page -----------------------------------------------------------


class _Page(HTMLParser):
    """Tags with their attributes, text outside scripts, and the contents of style and script blocks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.styles: list[str] = []
        self.scripts: list[tuple[dict[str, str], str]] = []
        self.text: list[str] = []
        self._open: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        d = {k: v or "" for k, v in attrs}
        self.tags.append((tag, d))
        if tag in ("script", "style"):
            self._open.append((tag, d))

    def handle_endtag(self, tag: str) -> None:
        if self._open and self._open[-1][0] == tag:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        if self._open and self._open[-1][0] == "style":
            self.styles.append(data)
        elif self._open and self._open[-1][0] == "script":
            self.scripts.append((self._open[-1][1], data))
        else:
            self.text.append(data)


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    page.close()
    return page


def _sections(html: str) -> dict[str, str]:
    """Claim id -> the visible text of its section."""
    out = {}
    for m in re.finditer(r'<section class="claim" id="claim-([^"]+)">(.*?)</section>', html, re.S):
        out[m.group(1)] = " ".join("".join(_parse(m.group(2)).text).split())
    return out


def _graph_data(html: str) -> dict[str, Any]:
    blocks = [(a, s) for a, s in _parse(html).scripts if a.get("id") == "graph-data"]
    assert len(blocks) == 1 and blocks[0][0].get("type") == "application/json"
    return json.loads(blocks[0][1])


REMOTE = re.compile(r"^\s*(https?:)?//|^\s*(ftp|ws|wss):", re.I)
CSS_URL = re.compile(r"url\(\s*['\"]?([^)'\"]*)", re.I)


def _remote_references(html: str) -> list[str]:
    """Everything in tags and CSS that would make the browser fetch something not in the file."""
    page = _parse(html)
    found = []
    for tag, attrs in page.tags:
        if tag in ("link", "iframe", "object", "embed", "base", "frame", "video", "audio", "source"):
            found.append(f"<{tag}>")
        if tag == "script" and "src" in attrs:
            found.append(f"<script src={attrs['src']}>")
        for name, value in attrs.items():
            if "http://" in value or "https://" in value or REMOTE.match(value):
                found.append(f"<{tag} {name}={value}>")
            if name in ("src", "srcset", "poster", "data", "action") and not value.startswith(("data:", "#")):
                found.append(f"<{tag} {name}={value}>")
            if name == "href" and not value.startswith("#"):
                found.append(f"<{tag} href={value}>")
    css = page.styles + [a["style"] for _, a in page.tags if "style" in a]
    css += [a[k] for _, a in page.tags for k in a if k in ("marker-end", "fill", "stroke", "filter", "mask")]
    for block in css:
        if "@import" in block:
            found.append("@import")
        for url in CSS_URL.findall(block):
            if not url.startswith(("#", "data:")):
                found.append(f"url({url})")
    return found


# -- corpora --------------------------------------------------------------------


def _write_article(folder: Path, name: str, outlet: str, day: str, title: str, body: list[str]) -> None:
    text = f"outlet: {outlet}\ndate: {day}\ntitle: {title}\n\n" + "\n\n".join(body) + "\n"
    (folder / name).write_text(text, encoding="utf-8")


@pytest.fixture
def planted(tmp_path: Path):
    """Three articles reusing the same sentences; one carries a script in a reused sentence and its title."""
    folder = tmp_path / "articles"
    folder.mkdir()
    evil = f"Officials said {PLANTED} the harbour will reopen in September once the repairs are finished and signed off."
    _write_article(folder, "a.txt", "Harbour Gazette", "2024-05-01", "Breakwater shut <img src=x onerror=alert(2)>",
                   [REUSED[0], REUSED[1], evil, REUSED[2]])  # fmt: skip
    _write_article(folder, "b.txt", "Island Post", "2024-05-03", "Ferries hit as breakwater closes",
                   ["Local traders are worried.", REUSED[0], REUSED[1], evil, REUSED[2]])  # fmt: skip
    _write_article(folder, "c.txt", "Coast & <Bay> Times", "2024-05-06", "Repairs to take all summer",
                   [REUSED[0], "The council did not comment.", REUSED[1], evil])  # fmt: skip
    store = Store.open(tmp_path / "planted.db")
    report, _ = run(store, [folder])
    assert not report.problems
    yield store
    store.close()


# -- unit tests -----------------------------------------------------------------


@pytest.fixture(scope="module")
def rumour_html(rumour) -> str:
    return generate_report(rumour[0])


def test_nothing_is_loaded_from_the_network(rumour_html):
    assert _remote_references(rumour_html) == []
    assert "Content-Security-Policy" in rumour_html and "default-src 'none'" in rumour_html
    assert "The Cytoscape Consortium" in rumour_html  # the library is inline, licence header kept


def test_the_checker_catches_remote_references():
    assert _remote_references('<img src="https://x.example/a.png">')
    assert _remote_references('<script src="//cdn.example/lib.js"></script>')
    assert _remote_references('<link rel="stylesheet" href="a.css">')
    assert _remote_references("<style>@font-face { src: url(https://f.example/a.woff) }</style>")
    assert _remote_references('<div style="background: url(http://x.example/b.png)"></div>')
    assert not _remote_references('<p>see https://example.com</p><a href="#top">top</a>')


def test_every_claim_has_a_section_with_timeline_and_evidence(rumour, rumour_html):
    store, ids, truth = rumour
    sections = _sections(rumour_html)
    claims = list_claims(store)
    assert set(sections) == {c["claim_id"] for c in claims}
    for c in claims:
        assert f'href="#claim-{c["claim_id"]}"' in rumour_html
        assert f'class="timeline-svg" data-claim="{c["claim_id"]}"' in rumour_html
    # Each planted claim: a section carries its origin's words (as the parent side of the evidence).
    names = {v: k for k, v in ids.items()}
    for planted_claim in truth["claims"]:
        origin = next(m for m in planted_claim["members"] if m["edit"] == "origin")
        text = " ".join(origin["text"].split())
        assert any(text in body for body in sections.values()), planted_claim["id"]
        assert origin["file"] in names.values()


def test_timeline_svg_draws_members_arrows_and_the_undated_column(rumour, rumour_html):
    store = rumour[0]
    for c in list_claims(store):
        members = timeline(store, c["claim_id"])["members"]
        svg = re.search(rf'<svg [^>]*data-claim="{c["claim_id"]}".*?</svg>', rumour_html, re.S)
        assert svg is not None
        body = svg.group(0)
        assert body.count('<circle class="member') == len(members)
        echoes = [m for m in members if m["role"] == "echo"]
        assert body.count('class="edge credited"') == sum(m["credits_parent"] for m in echoes)
        assert body.count('class="edge uncredited"') == sum(not m["credits_parent"] for m in echoes)
        assert (
            body.count('stroke-dasharray="6 4" marker-end')
            == sum(not m["credits_parent"] for m in echoes) + 1
        )
        assert ("undated</text>" in body) == any(m["published"] is None for m in members)
        assert "credited echo" in body and "uncredited echo" in body  # the legend
        for m in members:
            assert f">{m['outlet']}</text>" in body or f"<title>{m['outlet']}</title>" in body
    assert any(
        m["published"] is None for c in list_claims(store) for m in timeline(store, c["claim_id"])["members"]
    )


def test_shared_words_are_aligned_and_marked():
    a, fa, b, fb = shared_words(
        "Leaked hospital records show that Chancellor Aldo Varek has been treated, sources say.",
        "leaked Hospital records show that the chancellor has been treated according to sources",
    )
    assert [w for w, f in zip(a, fa, strict=True) if f] == ["Leaked", "hospital", "records", "show", "that",
                                                            "has", "been", "treated,"]  # fmt: skip
    assert [w for w, f in zip(b, fb, strict=True) if f] == ["leaked", "Hospital", "records", "show", "that",
                                                            "has", "been", "treated"]  # fmt: skip
    # a lone shared word is not reuse
    _, fa, _, fb = shared_words("alpha beta gamma", "delta beta epsilon")
    assert not any(fa) and not any(fb)
    _, fa, _, fb = shared_words("\u2018too serious\u2019 to ignore", "'too serious' to ignore")
    assert all(fa) and all(fb)


def test_evidence_marks_reused_words_on_both_sides(rumour_html):
    pairs = re.findall(r'<div class="side parent">(.*?)</div>\s*<div class="side echo">(.*?)</div></div></div>',
                       rumour_html, re.S)  # fmt: skip
    assert pairs
    for parent, echo in pairs:
        assert "<mark>" in parent and "<mark>" in echo


def test_article_text_is_escaped(planted, tmp_path):
    html = generate_report(planted)
    assert PLANTED not in html
    assert "<img src=x" not in html and "<Bay>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # shown as text, in the evidence
    assert "&lt;img src=x onerror=alert(2)&gt;" in html
    assert [t for t, _ in _parse(html).tags].count(
        "script"
    ) == 4  # error probe, graph data, the library, the graph script: nothing planted
    data = _graph_data(html)
    assert "Coast & <Bay> Times" in {n["label"] for n in data["nodes"]}
    block = html.split('id="graph-data">', 1)[1].split("</script>", 1)[0]
    assert "<" not in block and ">" not in block and "&" not in block
    assert "\\u003cBay\\u003e" in block and "\\u0026" in block


def test_graph_data_lists_the_outlet_pairs(rumour, rumour_html):
    data = _graph_data(rumour_html)
    labels = {n["label"] for n in data["nodes"]}
    assert labels == {
        "The Daily Beacon",
        "Capital Wire",
        "Metro Ledger",
        "Northern Courier",
        "The Evening Sentinel",
    }
    assert len(data["edges"]) == 15
    assert all(e["tip"] and e["claims"] >= 1 for e in data["edges"])


def test_heat_map_rows_are_sources_and_columns_echoers(rumour_html):
    table = re.search(r'<table class="heat">.*?</table>', rumour_html, re.S)
    assert table is not None
    row = re.search(r'<th class="row" title="Metro Ledger">.*?</tr>', table.group(0), re.S)
    assert row is not None
    cells = re.findall(r"<td[^>]*>([0-9,]+)</td>", row.group(0))
    assert cells == [
        "1",
        "1",
        "0",
        "2",
        "4",
    ]  # Capital Wire, Metro Ledger, Northern Courier, Beacon, Sentinel
    assert 'title="Metro Ledger \u2192 The Evening Sentinel: 4 claim(s) taken' in table.group(0)


# -- at 60+ outlets ------------------------------------------------------------------


@pytest.fixture(scope="module")
def sim66(tmp_path_factory: pytest.TempPathFactory):
    """A simulated corpus of 1,000 short articles from 66 outlets, scanned."""
    folder = tmp_path_factory.mktemp("sim66")
    simulate(1000, folder / "corpus.jsonl", seed=1, outlets=66, words=150)
    s = Store.open(folder / "tracer.db")
    run(s, [folder / "corpus.jsonl"])
    yield s
    s.close()


def _echoing(store: Store) -> set[str]:
    from tracer.queries import outlet_pairs

    return {x for p in outlet_pairs(store) for x in (p["source_outlet"], p["echo_outlet"])}


def test_outlet_graph_at_66_outlets_is_drawn_sparse_and_apart(sim66):
    assert sim66.counts()["outlets"] == 66
    data = _graph_data(generate_report(sim66))
    nodes, edges = data["nodes"], data["edges"]
    assert {n["label"] for n in nodes} == _echoing(sim66) and len(nodes) >= 60
    # strongest links first, far fewer than all of them, and every outlet keeps one
    assert len(nodes) <= data["shown"] <= 2 * len(nodes) < len(edges)
    assert sorted(e["rank"] for e in edges) == list(range(len(edges)))
    shown = [e for e in edges if e["rank"] < data["shown"]]
    assert {x for e in shown for x in (e["source"], e["target"])} == {n["id"] for n in nodes}
    strongest = max(e["claims"] for e in edges)
    assert any(e["claims"] == strongest and e["rank"] == 0 for e in edges)
    # a dozen names at first, the busiest; the discs never overlap
    assert 1 <= sum(n["named"] for n in nodes) <= 12
    for i, a in enumerate(nodes):
        for b in nodes[i + 1 :]:
            gap = ((a["x"] - b["x"]) ** 2 + (a["y"] - b["y"]) ** 2) ** 0.5
            assert gap >= (a["size"] + b["size"]) / 2, (a["label"], b["label"])
    # the matrix keeps 30 columns; the graph has everyone
    html = generate_report(sim66)
    assert f"Showing 30 of {len(nodes)} outlets" in html
    assert html.count('<option value="n') == len(nodes)


def _cx_by_outlet(svg: str) -> dict[str, float]:
    found = re.findall(r'<circle class="member [a-z]+" cx="([0-9.]+)"[^>]*><title>([^,]+),', svg)
    return {outlet: float(cx) for cx, outlet in found}


def test_same_day_echoes_are_spread_and_times_of_day_kept():
    def member(outlet, published, role="echo", parent="a"):
        return {"article_id": outlet, "outlet": outlet, "published": published, "role": role,
                "parent_id": None if role == "origin" else parent, "parent_outlet": "A", "credited": 0, "credits_parent": False, "credit_accounts": [],
                "lag_days": 0.0, "confidence": 0.5, "title": "", "credit_to": []}  # fmt: skip

    day_only = [member("a", "2024-03-01", "origin"), *(member(x, "2024-03-01") for x in "bcde")]
    cx = _cx_by_outlet(timeline_svg("c1", day_only))
    assert len(set(cx.values())) == 5, cx  # not stacked on one point
    assert cx["a"] < cx["b"] < cx["c"] < cx["d"] < cx["e"]  # in the order of the echoes
    timed = [member("a", "2024-03-01T06:00:00+00:00", "origin"), member("b", "2024-03-01T18:00:00+00:00")]
    svg = timeline_svg("c2", timed)
    cx = _cx_by_outlet(svg)
    assert ">06:00<" in svg and ">18:00<" in svg and ">2024-03-01<" in svg
    # 06:00 and 18:00 sit a quarter and three quarters into the day
    ticks = {
        t: float(x) for x, t in re.findall(r'<text x="([0-9.]+)"[^>]*>(\d\d:\d\d|\d{4}-\d\d-\d\d)<', svg)
    }
    assert abs(cx["a"] - ticks["06:00"]) < 1 and abs(cx["b"] - ticks["18:00"]) < 1


def test_claim_filter_takes_an_id_or_prefix(rumour):
    store = rumour[0]
    cid = list_claims(store)[2]["claim_id"]
    html = generate_report(store, claim=cid[:6])
    assert list(_sections(html)) == [cid]
    assert "Filtered to claim id <code>" in html
    with pytest.raises(TracerError, match="no claim"):
        generate_report(store, claim="nope")


def test_outlet_filter_keeps_claims_the_outlet_carries(rumour):
    store = rumour[0]
    html = generate_report(store, outlet="capital wire")
    carried = {
        c["claim_id"]
        for c in list_claims(store)
        if any(m["outlet"] == "Capital Wire" for m in timeline(store, c["claim_id"])["members"])
    }
    assert set(_sections(html)) == carried and 0 < len(carried) < 9
    data = _graph_data(html)
    index = {n["id"]: n["label"] for n in data["nodes"]}
    assert all("Capital Wire" in (index[e["source"]], index[e["target"]]) for e in data["edges"])
    with pytest.raises(TracerError, match="no articles from outlet"):
        generate_report(store, outlet="The Moon Herald")


def test_caps_say_what_was_left_out(rumour):
    store = rumour[0]
    report = build_report(store, max_claims=2, max_members=2, max_outlets=3)
    html = report.html
    assert (report.claims_shown, report.claims_total) == (2, 9)
    assert len(_sections(html)) == 2
    assert "Showing 2 of 9 claims" in html
    assert html.count("Showing 2 of 5 articles carrying this claim") == 2
    assert "Showing 3 of 5 outlets" in html
    assert len(_graph_data(html)["nodes"]) == 3
    assert "Showing all 9 claims" in generate_report(store)


def test_report_is_deterministic(rumour, tmp_path):
    store = rumour[0]
    first = generate_report(store)
    assert generate_report(store).encode() == first.encode()
    # A store built again from the same files gives the same bytes.
    again = Store.open(tmp_path / "again.db")
    run(again, [RUMOUR / "articles"])
    try:
        assert generate_report(again).encode() == first.encode()
    finally:
        again.close()


def test_write_report_and_empty_store(tmp_path):
    with Store.open(tmp_path / "empty.db") as store:
        report = write_report(store, tmp_path / "r.html")
        html = (tmp_path / "r.html").read_text(encoding="utf-8")
        assert report.claims_total == 0 and "No claims" in html and _remote_references(html) == []
        with pytest.raises(TracerError, match="cannot write"):
            write_report(store, tmp_path / "r.html" / "r.html")  # under a file, not a folder


# -- command line ---------------------------------------------------------------


def test_cli_report(rumour, tmp_path):
    db = rumour[0].path
    out = tmp_path / "report.html"
    result = CliRunner().invoke(cli, ["report", "-o", str(out), "--db", db, "--max-claims", "3"])
    assert result.exit_code == 0, result.output
    assert "wrote" in result.stderr and "3 of 9 claims" in result.stderr
    assert result.stdout == ""
    assert len(_sections(out.read_text(encoding="utf-8"))) == 3
    quiet = CliRunner().invoke(
        cli, ["report", "-o", str(out), "--db", db, "--quiet", "--outlet", "Metro Ledger"]
    )
    assert quiet.exit_code == 0 and quiet.stderr == ""
    bad = CliRunner().invoke(cli, ["report", "-o", str(out), "--db", db, "--claim", "zzz"])
    assert bad.exit_code == 1 and "no claim with id 'zzz'" in bad.stderr
    missing = CliRunner().invoke(cli, ["report", "--db", db])
    assert missing.exit_code == 2


# -- a real browser -------------------------------------------------------------


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


class _DevTools:
    """Headless Chromium over ``--remote-debugging-pipe``: the DevTools protocol with only the stdlib."""

    def __init__(self, binary: str, profile: Path, log: Path) -> None:
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()

        def wire() -> None:  # in the child: the protocol runs on fds 3 (in) and 4 (out)
            high_r = fcntl.fcntl(to_browser_r, fcntl.F_DUPFD, 10)  # out of the way of 3 and 4 first
            high_w = fcntl.fcntl(from_browser_w, fcntl.F_DUPFD, 10)
            os.dup2(high_r, 3)
            os.dup2(high_w, 4)

        self._log = log.open("wb")
        self.proc = subprocess.Popen(
            [binary, "--headless", "--remote-debugging-pipe", "--no-sandbox", "--disable-gpu",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--disable-default-apps", "--disable-extensions", "--no-first-run", "--no-default-browser-check",
             "--mute-audio", "--hide-scrollbars", f"--user-data-dir={profile}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=self._log, stderr=self._log, close_fds=False, preexec_fn=wire,
        )  # fmt: skip
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer = b""
        self._next = 0
        self.events: list[dict[str, Any]] = []
        self.session: str | None = None

    def _read(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no answer from the browser")
            ready, _, _ = select.select([self._from_browser], [], [], left)
            if ready:
                chunk = os.read(self._from_browser, 1 << 20)
                if not chunk:
                    raise RuntimeError("the browser closed the pipe")
                self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def send(self, method: str, timeout: float = 10.0, **params: Any) -> dict[str, Any]:
        self._next += 1
        msg: dict[str, Any] = {"id": self._next, "method": method, "params": params}
        if self.session and not method.startswith(("Target.", "Browser.")):
            msg["sessionId"] = self.session
        os.write(self._to_browser, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            answer = self._read(deadline)
            if answer.get("id") == self._next:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer.get("result", {})
            self.events.append(answer)

    def wait_for(self, method: str, timeout: float = 10.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        for i, event in enumerate(self.events):
            if event.get("method") == method:
                return self.events.pop(i)
        while True:
            event = self._read(deadline)
            if event.get("method") == method:
                return event
            self.events.append(event)

    def js(self, expression: str) -> Any:
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def open(self, url: str, width: int = 1400, height: int = 2000) -> None:
        target = self.send("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable")
        self.send("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1,
                  mobile=False)  # fmt: skip
        self.send("Page.navigate", url=url)
        self.wait_for("Page.loadEventFired")

    def screenshot(self, path: Path) -> None:
        import base64

        path.write_bytes(base64.b64decode(self.send("Page.captureScreenshot", format="png")["data"]))

    def close(self) -> None:
        try:
            self.send("Browser.close", timeout=5)
        except (RuntimeError, TimeoutError, OSError):
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self._to_browser, self._from_browser):
            os.close(fd)
        self._log.close()


def _problems(events: list[dict[str, Any]]) -> list[str]:
    """Console output, uncaught exceptions, log errors/warnings and requests for anything not in the file."""
    out = []
    for e in events:
        method, params = e.get("method"), e.get("params", {})
        if method == "Runtime.consoleAPICalled":
            out.append(f"console.{params['type']}: " + " ".join(str(a.get("value", a.get("description")))
                                                             for a in params.get("args", [])))  # fmt: skip
        elif method == "Runtime.exceptionThrown":
            out.append(f"exception: {params['exceptionDetails']}")
        elif method == "Log.entryAdded" and params["entry"]["level"] in ("error", "warning"):
            out.append(f"log {params['entry']['level']}: {params['entry']['text']}")
        elif method == "Network.requestWillBeSent":
            url = params["request"]["url"]
            if not url.startswith(("file://", "data:", "about:")):
                out.append(f"request: {url}")
        elif method == "Page.javascriptDialogOpening":
            out.append(f"dialog: {params.get('message')}")
    return out


def _screens_dir(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("TRACER_SCREENSHOTS") or tmp_path / "screens")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def browser(tmp_path: Path):
    binary = _chromium()
    if binary is None:
        pytest.skip("no Chromium binary found (install the Debian package `chromium` to run browser tests)")
    devtools = _DevTools(binary, tmp_path / "profile", tmp_path / "chromium.log")
    try:
        yield devtools
    finally:
        devtools.close()


def test_report_renders_in_a_real_browser(browser, rumour, tmp_path):
    store = rumour[0]
    page = tmp_path / "report.html"
    write_report(store, page)
    started = time.monotonic()
    browser.open(page.as_uri())
    rendered = browser.js(
        "new Promise(function (done) { var n = 0; (function poll() {"
        " var v = document.documentElement.getAttribute('data-graph-rendered');"
        " if (v || ++n > 100) { done(v); } else { setTimeout(poll, 50); } })(); })"
    )
    shots = _screens_dir(tmp_path)
    browser.screenshot(shots / "overview.png")

    assert rendered == "5", "the outlet graph did not render"
    assert browser.js("document.documentElement.getAttribute('data-js-errors')") is None
    assert browser.js("document.querySelectorAll('#outlet-graph canvas').length") >= 1
    claims = list_claims(store)
    assert browser.js("document.querySelectorAll('section.claim').length") == len(claims)
    assert browser.js("document.querySelectorAll('svg.timeline-svg').length") == len(claims)
    box = browser.js(
        "(function () { var r = document.querySelector('svg.timeline-svg circle.member').getBoundingClientRect();"
        " return [r.width, r.height]; })()"
    )
    assert box[0] > 5 and box[1] > 5, "timeline dots are not drawn"
    assert browser.js("document.querySelectorAll('mark').length") > 20

    # Hover a node: the tooltip shows its figures. Then zoom with the wheel.
    browser.js(
        "new Promise(function (done) { document.getElementById('outlet-graph').scrollIntoView();"
        " setTimeout(done, 100); })"
    )  # the graph learns where its container went on the scroll event
    node = browser.js(
        "(function () { var r = document.getElementById('outlet-graph').getBoundingClientRect();"
        " var n = window.tracerGraph.nodes()[0]; var p = n.renderedPosition();"
        " return [r.left + p.x, r.top + p.y, n.data('label')]; })()"
    )
    browser.send("Input.dispatchMouseEvent", type="mouseMoved", x=node[0], y=node[1])
    tip = browser.js(
        "new Promise(function (done) { setTimeout(function () { var t = document.getElementById('graph-tip');"
        " done([getComputedStyle(t).display, t.textContent]); }, 100); })"
    )
    assert tip[0] == "block" and tip[1].startswith(node[2]), tip
    browser.screenshot(shots / "graph-hover.png")
    zoom = browser.js("window.tracerGraph.zoom()")
    browser.send("Input.dispatchMouseEvent", type="mouseWheel", x=node[0], y=node[1], deltaX=0, deltaY=-400)
    assert (
        browser.js(
            "new Promise(function (done) { setTimeout(function () { done(window.tracerGraph.zoom()); }, 150); })"
        )
        > zoom
    )

    # A claim section, scrolled into view.
    undated = next(c["claim_id"] for c in claims
                   if any(m["published"] is None for m in timeline(store, c["claim_id"])["members"]))  # fmt: skip
    browser.js(f"document.getElementById('claim-{claims[0]['claim_id']}').scrollIntoView()")
    browser.screenshot(shots / "claim.png")
    browser.js(f"document.getElementById('claim-{undated}').scrollIntoView()")
    browser.screenshot(shots / "claim-undated.png")

    assert _problems(browser.events) == []
    assert time.monotonic() - started < 20


def test_planted_script_never_runs_in_a_browser(browser, planted, tmp_path):
    page = tmp_path / "planted.html"
    write_report(planted, page)
    browser.open(page.as_uri())
    browser.js("new Promise(function (done) { setTimeout(done, 300); })")
    assert browser.js("document.querySelectorAll('script').length") == 4
    assert PLANTED in browser.js("document.body.innerText")
    assert browser.js("document.documentElement.getAttribute('data-js-errors')") is None
    assert _problems(browser.events) == []
    browser.screenshot(_screens_dir(tmp_path) / "planted.png")


def test_report_at_66_outlets_in_a_real_browser(browser, sim66, tmp_path):
    page = tmp_path / "sim66.html"
    write_report(sim66, page)
    data = _graph_data(page.read_text(encoding="utf-8"))
    browser.open(page.as_uri(), width=1400, height=1000)
    rendered = browser.js(
        "new Promise(function (done) { var n = 0; (function poll() {"
        " var v = document.documentElement.getAttribute('data-graph-rendered');"
        " if (v || ++n > 100) { done(v); } else { setTimeout(poll, 50); } })(); })"
    )
    assert rendered == str(len(data["nodes"])), "the outlet graph did not render"
    assert browser.js("document.documentElement.getAttribute('data-js-errors')") is None
    assert browser.js("document.documentElement.getAttribute('data-graph-links')") == str(data["shown"])
    shots = _screens_dir(tmp_path)
    browser.js(
        "new Promise(function (d) { document.getElementById('graph').scrollIntoView(); setTimeout(d, 200); })"
    )
    browser.screenshot(shots / "sim66-graph.png")
    # Drawn apart: no two discs overlap on screen, and the names shown do not cover each other.
    boxes = browser.js(
        "window.tracerGraph.nodes().map(function (n) { var b = n.renderedBoundingBox({includeLabels: false});"
        " var l = n.renderedBoundingBox({includeNodes: false, includeLabels: true});"
        " return [b.x1, b.y1, b.x2, b.y2, l.x1, l.y1, l.x2, l.y2, n.hasClass('named')]; })"
    )
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not _overlap(a[:4], b[:4], 2), (a, b)
            if a[8] and b[8]:
                assert not _overlap(a[4:8], b[4:8], 1), (a, b)
    # More links with the slider; one outlet's links with the filter.
    browser.js(
        "(function () { var s = document.getElementById('graph-links'); s.value = '1000';"
        " s.dispatchEvent(new Event('input')); })()"
    )
    assert browser.js("document.documentElement.getAttribute('data-graph-links')") == str(len(data["edges"]))
    busiest = data["nodes"][0]["id"]
    browser.js(
        f"(function () {{ var s = document.getElementById('graph-filter'); s.value = '{busiest}';"
        " s.dispatchEvent(new Event('change')); })()"
    )
    picked = browser.js(
        "(function () { var cy = window.tracerGraph; var n = cy.$('node.pick');"
        " return [n.id(), n.connectedEdges().filter(':visible').length, n.connectedEdges().length,"
        " cy.nodes(':visible').length, n.neighborhood().nodes().length + 1]; })()"
    )
    assert picked[0] == busiest and picked[1] == picked[2] and picked[3] == picked[4], picked
    browser.js("new Promise(function (d) { setTimeout(d, 200); })")
    browser.screenshot(shots / "sim66-graph-outlet.png")
    # A claim's timeline: same-day echoes each at their own place.
    browser.js("document.querySelector('section.claim').scrollIntoView()")
    browser.screenshot(shots / "sim66-claim.png")
    xs = browser.js(
        "Array.prototype.map.call(document.querySelector('svg.timeline-svg').querySelectorAll('circle.member'),"
        " function (c) { return c.getAttribute('cx') + ',' + c.getAttribute('cy'); })"
    )
    assert len(set(xs)) == len(xs)
    assert _problems(browser.events) == []


def _overlap(a: list[float], b: list[float], slack: float) -> bool:
    return a[0] + slack < b[2] and b[0] + slack < a[2] and a[1] + slack < b[3] and b[1] + slack < a[3]
