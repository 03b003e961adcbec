"""A self-contained HTML report of a scanned store, for editors.

One file, everything inline (CSS, the page's own script, the vendored Cytoscape.js and
the data it draws), so it opens from disk and makes no network request; a
Content-Security-Policy in the page blocks any that something might still try.

- overview: corpus counts, the most echoed claims (linked), an outlet-by-outlet heat map
  and an interactive outlet graph (pan, zoom, hover);
- one section per claim: a timeline drawn here as SVG (outlets as rows, dates across,
  undated members in their own column, arrows from parent to echo: solid when the echo
  credits its source, dashed when not), the members, and side-by-side evidence with the
  reused words marked in the parent's and the echo's text.

Every text from the store is escaped, data for the script sits in a JSON block with
``<``, ``>`` and ``&`` escaped, and the output is deterministic (no timestamp).
"""

from __future__ import annotations

import html
import json
import math
import re
import string
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

from . import __version__
from .atomic import atomic_write
from .dates import utc_naive
from .errors import TracerError
from .model import outlet_label
from .queries import (
    MARK_CLOSE,
    MARK_OPEN,
    articles_per_outlet,
    claims_carried_by,
    cross_outlet_kinds,
    list_claims,
    origins_per_outlet,
    outlet_matrix,
    outlet_pairs,
    resolve_outlet,
    timeline,
)
from .store import Store
from .summary import metadata_warnings, nothing_to_show

CYTOSCAPE_VERSION = "3.34.4"
UNKNOWN_OUTLET = "unknown"
HEAT_OUTLETS = 30  # columns of the who-echoes-whom matrix

# The outlet graph: its layout box (model units), outlets named from the start, and links shown
# at first (all of them up to _ALL_LINKS; beyond, each outlet's strongest and ~1.5 per outlet).
_GRAPH_W = 1100.0
_GRAPH_H = 620.0
_LABELLED = 12
_ALL_LINKS = 40

# Drawing constants of the timeline (SVG user units; the SVG scales to the page width).
_W = 980
_LABEL_W = 190
_ROW_H = 34
_TOP = 16
_AXIS_H = 34
_LEGEND_H = 30
_UNDATED_W = 120
_PAD = 24
_DOT_R = 6
_ORIGIN_R = 8
_HOURS_AXIS = 3  # a claim spread over fewer days gets an axis in hours

_CREDITED = "#2b6cb0"
_UNCREDITED = "#c05621"
_ORIGIN = "#2f855a"

_CSP = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; "
    "connect-src 'none'; font-src 'none'; frame-src 'none'; object-src 'none'; base-uri 'none'; "
    "form-action 'none'"
)


@dataclass
class Report:
    """The page and what it shows (for a one-line summary)."""

    html: str
    claims_total: int
    claims_shown: int
    outlets_total: int
    outlets_shown: int

    @property
    def summary(self) -> str:
        return (
            f"{self.claims_shown:,} of {self.claims_total:,} claims, "
            f"{self.outlets_shown:,} of {self.outlets_total:,} echoing outlets, "
            f"{len(self.html.encode('utf-8')) / 1024:,.0f} KiB"
        )


def generate_report(
    store: Store,
    claim: str | None = None,
    outlet: str | None = None,
    max_claims: int = 50,
    max_members: int = 200,
    max_outlets: int = 150,
) -> str:
    """The report as one HTML document (a string)."""
    return build_report(store, claim, outlet, max_claims, max_members, max_outlets).html


def write_report(
    store: Store,
    path: str | Path,
    claim: str | None = None,
    outlet: str | None = None,
    max_claims: int = 50,
    max_members: int = 200,
    max_outlets: int = 150,
) -> Report:
    """Write the report to ``path`` (UTF-8) and return what it shows."""
    report = build_report(store, claim, outlet, max_claims, max_members, max_outlets)
    try:
        atomic_write(path, [report.html])  # a failure leaves the previous report, not half of one
    except OSError as exc:
        raise TracerError(
            f"{path}: cannot write the report ({exc.strerror or exc})", "pass another path with -o"
        ) from exc
    return report


def build_report(
    store: Store,
    claim: str | None = None,
    outlet: str | None = None,
    max_claims: int = 50,
    max_members: int = 200,
    max_outlets: int = 150,
) -> Report:
    """Collect everything the page shows, then render it."""
    if max_claims < 1 or max_members < 1 or max_outlets < 1:
        raise TracerError("max_claims, max_members and max_outlets must be at least 1")
    outlet_name = resolve_outlet(store, outlet) if outlet is not None else None
    all_claims = list_claims(store)
    selected = all_claims
    if claim is not None:
        wanted = claim.strip()
        selected = [c for c in selected if c["claim_id"] == wanted or c["claim_id"].startswith(wanted)]
        if not selected:
            raise TracerError(f"no claim with id {claim!r}", "list claims with `tracer claims`")
    if outlet_name is not None:
        carried = claims_carried_by(store, outlet_name)
        selected = [c for c in selected if c["claim_id"] in carried]
    shown = selected[:max_claims]
    timelines = [timeline(store, c["claim_id"]) for c in shown]

    pairs = outlet_pairs(store)
    if outlet_name is not None:
        folded = outlet_name.lower()
        pairs = [p for p in pairs if folded in (p["source_outlet"].lower(), p["echo_outlet"].lower())]
    names, kept_pairs = _cap_outlets(pairs, max_outlets)
    # A matrix wider than ~30 columns cannot be read: the graph (and its filter) shows the rest.
    heat_names, heat_pairs = _cap_outlets(pairs, min(max_outlets, HEAT_OUTLETS))
    outlets_total = len({p["source_outlet"] for p in pairs} | {p["echo_outlet"] for p in pairs})

    parts = [
        _head(outlet_name, claim),
        _overview(store, all_claims, selected, shown, claim, outlet_name, max_claims),
        _outlets_section(heat_pairs, heat_names, outlets_total, outlet_name),
        _graph_section(store, kept_pairs, names, outlets_total, outlet_name),
        '<section id="claims"><h2 class="part">Claims</h2>',
    ]
    if not shown:
        parts.append(f"<p>{_no_claims_text(store, all_claims, claim, outlet_name)}</p>")
    for rank, (head, tl) in enumerate(zip(shown, timelines, strict=True), 1):
        parts.append(_claim_section(rank, head, tl, max_members, outlet_name))
    parts.append("</section>")
    parts.append(_foot())
    return Report(
        html="\n".join(parts) + "\n",
        claims_total=len(selected),
        claims_shown=len(shown),
        outlets_total=outlets_total,
        outlets_shown=len(names),
    )


# -- data helpers -----------------------------------------------------------


def _cap_outlets(pairs: list[dict[str, Any]], max_outlets: int) -> tuple[list[str], list[dict[str, Any]]]:
    """The most active outlets (claims taken and given), at most ``max_outlets``, and their pairs."""
    activity: dict[str, int] = {}
    for p in pairs:
        for name in (p["source_outlet"], p["echo_outlet"]):
            activity[name] = activity.get(name, 0) + int(p["claims"])
    ranked = sorted(activity, key=lambda n: (-activity[n], n))[:max_outlets]
    keep = set(ranked)
    kept = [p for p in pairs if p["source_outlet"] in keep and p["echo_outlet"] in keep]
    return sorted(keep), kept


def _no_claims_text(
    store: Store, all_claims: list[dict[str, Any]], claim: str | None, outlet: str | None
) -> str:
    if not all_claims:
        reason = nothing_to_show(store.counts()) or "no passage is reused in two articles or more"
        return "No claims: " + re.sub(r"`([^`]*)`", r"<code>\1</code>", _e(reason)) + "."
    return f"No claim matches the filters ({_filter_words(claim, outlet)})."


def _filter_words(claim: str | None, outlet: str | None) -> str:
    words = []
    if claim is not None:
        words.append(f"claim id <code>{_e(claim)}</code>")
    if outlet is not None:
        words.append(f"outlet <b>{_e(outlet)}</b>")
    return ", ".join(words)


def _day(value: str | None) -> float | None:
    """Days since year 1 (fractional for date-times), or None when there is no usable date."""
    if not value:
        return None
    if len(value) == 10:
        try:
            return float(date.fromisoformat(value).toordinal())
        except ValueError:
            return None
    dt = utc_naive(value)  # in UTC, as the provenance's lags
    return None if dt is None else dt.toordinal() + (dt.hour * 3600 + dt.minute * 60 + dt.second) / 86400


_FOLD = str.maketrans(
    {"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"',
     "\u2013": "-", "\u2014": "-", "\u00a0": " "}
)  # fmt: skip
_STRIP = string.punctuation + "\u2026\u00ab\u00bb"


def _word_key(word: str) -> str:
    folded = word.translate(_FOLD).casefold()
    return folded.strip(_STRIP) or folded


def shared_words(a: str, b: str, min_run: int = 2) -> tuple[list[str], list[bool], list[str], list[bool]]:
    """Words of ``a`` and ``b`` and, for each, whether it is part of a run both texts share.

    The texts' lower-cased words (quotes folded, punctuation at the ends ignored) are
    aligned by longest common subsequence; runs shorter than ``min_run`` words are left
    unmarked, so a lone "the" does not count as reuse.
    """
    from rapidfuzz.distance import LCSseq

    wa, wb = a.split(), b.split()
    ka, kb = [_word_key(w) for w in wa], [_word_key(w) for w in wb]
    fa, fb = [False] * len(wa), [False] * len(wb)
    need = min(min_run, len(wa), len(wb)) or 1
    for block in LCSseq.editops(ka, kb).as_matching_blocks():
        if block.size >= need:
            fa[block.a : block.a + block.size] = [True] * block.size
            fb[block.b : block.b + block.size] = [True] * block.size
    return wa, fa, wb, fb


def _marked(words: list[str], flags: list[bool]) -> str:
    """Escaped words with marked runs wrapped in ``<mark>``."""
    out: list[str] = []
    i = 0
    while i < len(words):
        j = i
        while j < len(words) and flags[j] == flags[i]:
            j += 1
        chunk = _e(" ".join(words[i:j]))
        out.append(f"<mark>{chunk}</mark>" if flags[i] else chunk)
        i = j
    return " ".join(out)


def _in_sentence(m: dict[str, Any], flags: list[bool]) -> str:
    """The member's sentence, its reused span (its words ``flags`` marked as shared) set apart from
    the rest of the sentence, which is there to read it in."""
    before, sep, rest = m["sentence"].partition(MARK_OPEN)
    span, _, after = rest.rpartition(MARK_CLOSE)
    if not sep:
        before, span, after = "", m["text"], ""
    words = span.split()
    inner = _marked(words, flags if len(flags) == len(words) else [False] * len(words))
    context = [f'<span class="context">{_e(x)}</span>' if x else "" for x in (before, after)]
    return f'{context[0]}<span class="span">{inner}</span>{context[1]}'


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _json_for_html(data: Any) -> str:
    """JSON that cannot end or alter the ``<script>`` block it sits in."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return (
        text.replace("&", "\\u0026")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _asset(name: str) -> str:
    return resources.files("tracer").joinpath("assets", name).read_text(encoding="utf-8")


def _inline_script(code: str) -> str:
    """``code`` inside a script element; a ``</script`` in it could end the element early."""
    return re.sub(r"</(script)", r"<\\/\1", code, flags=re.IGNORECASE)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def _lag(days: float | None) -> str:
    if days is None:
        return "?"
    return f"{days:g}" if days == int(days) else f"{days:.1f}"


def _mix(c0: tuple[int, int, int], c1: tuple[int, int, int], t: float) -> str:
    t = max(0.0, min(1.0, t))
    return "#" + "".join(f"{round(a + (b - a) * t):02x}" for a, b in zip(c0, c1, strict=True))


# -- page parts -------------------------------------------------------------

_STYLE = """
:root { --ink: #1a202c; --muted: #5a6472; --line: #d8dde4; --bg: #f6f7f9; --credited: #2b6cb0;
  --uncredited: #c05621; --origin: #2f855a; --mark: #fde68a; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
  sans-serif; color: var(--ink); background: var(--bg); }
header.top { background: #1f2937; color: #f9fafb; padding: 14px 28px; }
header.top h1 { margin: 0; font-size: 22px; }
header.top nav a { color: #cbd5e1; margin-right: 16px; text-decoration: none; font-size: 14px; }
header.top nav a:hover { color: #fff; text-decoration: underline; }
main { max-width: 1240px; margin: 0 auto; padding: 8px 28px 40px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 16px 22px;
  margin: 18px 0; }
section#claims { background: transparent; border: 0; padding: 0; }
h2 { font-size: 19px; margin: 0 0 10px; }
h2.part { font-size: 21px; margin: 26px 0 6px; }
h3 { font-size: 15px; margin: 18px 0 8px; }
.note { color: var(--muted); font-size: 13.5px; margin: 4px 0 10px; }
.cap { background: #fff7e6; border-left: 3px solid #d69e2e; padding: 4px 10px; font-size: 13.5px; }
.counts { display: flex; flex-wrap: wrap; gap: 10px; margin: 6px 0 14px; padding: 0; list-style: none; }
.counts li { border: 1px solid var(--line); border-radius: 5px; padding: 6px 12px; min-width: 120px; }
.counts b { display: block; font-size: 20px; }
.counts span { color: var(--muted); font-size: 12.5px; }
table { border-collapse: collapse; font-size: 13.5px; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f1f3f6; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
table.claims td.text { max-width: 640px; }
.scroll { overflow-x: auto; }
table.heat td { text-align: center; min-width: 44px; border: 1px solid #fff; font-variant-numeric: tabular-nums; }
table.heat th.col { vertical-align: bottom; height: 150px; padding: 4px 2px; }
table.heat th.col span { writing-mode: vertical-rl; transform: rotate(180deg); white-space: nowrap;
  display: inline-block; max-height: 145px; overflow: hidden; text-overflow: ellipsis; }
table.heat th.row { white-space: nowrap; text-align: right; }
table.heat td.zero { color: #b8c0cc; }
.graph-wrap { position: relative; }
#outlet-graph { height: 640px; border: 1px solid var(--line); border-radius: 5px; background: #fbfcfd; }
#graph-tip { position: absolute; display: none; pointer-events: none; background: #111827; color: #f9fafb;
  font-size: 12.5px; padding: 6px 9px; border-radius: 4px; max-width: 320px; white-space: pre-line; z-index: 5; }
.graph-controls { display: flex; flex-wrap: wrap; align-items: center; gap: 8px 18px; margin: 6px 0 8px;
  font-size: 13.5px; }
.graph-controls label { display: inline-flex; align-items: center; gap: 6px; }
.graph-controls select { max-width: 260px; font: inherit; }
.graph-controls .note { margin: 0; }
.claim h2 { font-size: 17px; }
.claim h2 .cid { font: 12.5px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; color: var(--muted);
  background: #eef1f5; padding: 1px 6px; border-radius: 3px; margin-right: 6px; vertical-align: middle; }
.claim .meta { color: var(--muted); font-size: 13.5px; margin: 0 0 8px; }
figure.timeline { margin: 8px 0 6px; }
figure.timeline svg { width: 100%; height: auto; display: block; }
table.members td.title { max-width: 360px; }
table.members td.date { white-space: nowrap; }
.credited { color: var(--credited); }
.uncredited { color: var(--uncredited); }
.pair { border: 1px solid var(--line); border-radius: 5px; margin: 10px 0; }
.pair > .what { background: #f1f3f6; padding: 5px 10px; font-size: 13px; border-bottom: 1px solid var(--line); }
.pair > .sides { display: grid; grid-template-columns: 1fr 1fr; }
.side { padding: 8px 12px; font-size: 14px; }
/* Arabic, Hebrew, Persian or Urdu text runs right to left: each paragraph takes the direction of its words. */
.side, table.claims td.text, h2 { unicode-bidi: plaintext; }
.side + .side { border-left: 1px solid var(--line); }
.side .who { font-size: 12.5px; color: var(--muted); margin-bottom: 4px; }
mark { background: var(--mark); padding: 0 1px; border-radius: 2px; }
.side .context { color: var(--muted); }
code { font: 13px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
footer { color: var(--muted); font-size: 12.5px; text-align: center; padding: 20px; }
a { color: #2b6cb0; }
"""

# Recorded before anything else runs, so a test (or a curious editor) can read errors off the DOM.
_ERROR_PROBE = """
(function () {
  var root = document.documentElement;
  function note(message) {
    var prev = root.getAttribute("data-js-errors");
    root.setAttribute("data-js-errors", (prev ? prev + " | " : "") + message);
  }
  window.addEventListener("error", function (e) {
    var where = e.target && e.target !== window && e.target.tagName ? " loading " + e.target.tagName : "";
    note(String(e.message || "error") + where + (e.lineno ? " @" + e.lineno : ""));
  }, true);
  window.addEventListener("unhandledrejection", function (e) { note("unhandled rejection: " + e.reason); });
  document.addEventListener("securitypolicyviolation", function (e) {
    note("blocked by policy: " + e.violatedDirective + " " + e.blockedURI);
  });
  var original = console.error;
  console.error = function () {
    note(Array.prototype.join.call(arguments, " "));
    return original.apply(console, arguments);
  };
})();
"""

_GRAPH_SCRIPT = """
(function () {
  var root = document.documentElement;
  var holder = document.getElementById("outlet-graph");
  var source = document.getElementById("graph-data");
  if (!holder || !source) { return; }
  var data = JSON.parse(source.textContent);
  if (!data.nodes.length) { root.setAttribute("data-graph", "empty"); return; }
  if (typeof cytoscape !== "function") {
    holder.textContent = "The graph library did not load; the table above has the same figures.";
    root.setAttribute("data-graph", "missing");
    return;
  }
  var elements = [];
  data.nodes.forEach(function (n) {
    elements.push({ group: "nodes", data: n, position: { x: n.x, y: n.y }, classes: n.named ? "named" : "" });
  });
  data.edges.forEach(function (e) { elements.push({ group: "edges", data: e }); });
  var cy = cytoscape({
    container: holder,
    elements: elements,
    minZoom: 0.15,
    maxZoom: 6,
    style: [
      { selector: "node", style: {
          "label": "", "width": "data(size)", "height": "data(size)",
          "background-color": "#4a5568", "color": "#1a202c", "font-size": 12, "min-zoomed-font-size": 0,
          "text-valign": "bottom", "text-margin-y": 3, "text-wrap": "ellipsis", "text-max-width": 160,
          "text-background-color": "#fbfcfd", "text-background-opacity": 0.9, "text-background-padding": 2,
          "border-width": 1, "border-color": "#ffffff" } },
      { selector: "node.named, node.near, node.hover, node.pick, .all-names node", style: { "label": "data(label)" } },
      { selector: "node.focus, node.pick", style: { "background-color": "#2d3748", "border-width": 3,
          "border-color": "#d69e2e", "font-weight": "bold", "z-index": 20 } },
      { selector: "edge", style: {
          "width": "data(width)", "line-color": "data(color)", "target-arrow-color": "data(color)",
          "target-arrow-shape": "triangle", "curve-style": "bezier", "arrow-scale": 0.9,
          "font-size": 11, "color": "#2d3748", "text-background-color": "#ffffff",
          "text-background-opacity": 0.85, "text-background-padding": 1, "opacity": 0.7 } },
      { selector: "edge.dashed", style: { "line-style": "dashed" } },
      { selector: "edge.hidden", style: { "display": "none" } },
      { selector: "edge.near, edge.hover", style: { "display": "element", "opacity": 1, "z-index": 10 } },
      { selector: "edge.hover", style: { "label": "data(claims)" } },
      { selector: ".faded", style: { "display": "none" } },
      { selector: "node.left, node.right", style: { "width": "mapData(size, 16, 46, 10, 26)",
          "height": "mapData(size, 16, 46, 10, 26)" } },
      { selector: "node.left", style: { "text-halign": "left", "text-valign": "center", "text-margin-x": -4,
          "text-margin-y": 0 } },
      { selector: "node.right", style: { "text-halign": "right", "text-valign": "center", "text-margin-x": 4,
          "text-margin-y": 0 } },
      { selector: "node.hover", style: { "z-index": 30, "overlay-opacity": 0.08 } }
    ],
    layout: { name: "preset", fit: true, padding: 30 }
  });
  cy.edges().forEach(function (e) { if (e.data("credited") === 0) { e.addClass("dashed"); } });
  cy.nodes().forEach(function (n) { if (n.data("focus")) { n.addClass("focus"); } });

  var links = document.getElementById("graph-links");
  var linksOut = document.getElementById("graph-links-out");
  var pick = document.getElementById("graph-filter");
  var names = document.getElementById("graph-names");
  var reset = document.getElementById("graph-reset");
  var total = data.edges.length;
  var shown = data.shown;

  // The slider is logarithmic: its first half covers the strongest few dozen links.
  function toSlider(n) { return total > 1 ? Math.round(1000 * Math.log(n) / Math.log(total)) : 1000; }
  function fromSlider(v) { return Math.round(Math.pow(total, v / 1000)); }
  function showLinks(n) {
    shown = Math.max(1, Math.min(total, n));
    cy.batch(function () {
      cy.edges().forEach(function (e) { e.toggleClass("hidden", e.data("rank") >= shown); });
    });
    if (linksOut) { linksOut.textContent = shown + " of " + total; }
    root.setAttribute("data-graph-links", String(cy.edges().not(".hidden").length));
  }
  var home = {};
  cy.nodes().forEach(function (n) { home[n.id()] = { x: n.position("x"), y: n.position("y") }; });
  function strength(edges) {
    var sum = 0;
    edges.forEach(function (e) { sum += e.data("claims"); });
    return sum;
  }
  // One outlet and its links: where it took claims from on the left, who took its claims on the
  // right, strongest nearest the middle, in columns of at most 16; every name outwards.
  function egoLayout(node) {
    var sides = { left: [], right: [] };
    node.neighborhood().nodes().forEach(function (other) {
      if (other.same(node)) { return; }
      var from = strength(other.edgesTo(node)), to = strength(node.edgesTo(other));
      sides[from > to ? "left" : "right"].push({ n: other, w: Math.max(from, to) });
    });
    var c = node.position(), rows = 16, step = 30;
    ["left", "right"].forEach(function (side) {
      var list = sides[side].sort(function (a, b) {
        return b.w - a.w || (a.n.data("label") < b.n.data("label") ? -1 : 1);
      });
      var dir = side === "left" ? -1 : 1, height = Math.min(list.length, rows);
      list.forEach(function (item, i) {
        var col = Math.floor(i / rows), row = i % rows;
        var y = c.y + (row - (height - 1) / 2) * step;
        item.n.position({ x: c.x + dir * (240 + col * 230), y: y });
        item.n.addClass(side);
      });
    });
  }
  function choose(id) {
    cy.batch(function () {
      cy.elements().removeClass("faded near pick left right");
      cy.nodes().forEach(function (n) { n.position(home[n.id()]); });
      if (!id) { return; }
      var node = cy.getElementById(id);
      if (node.empty()) { return; }
      var around = node.closedNeighborhood();
      cy.elements().not(around).addClass("faded");
      node.addClass("pick");
      around.addClass("near");
      egoLayout(node);
    });
    if (pick && pick.value !== (id || "")) { pick.value = id || ""; }
    var target = id ? cy.getElementById(id).closedNeighborhood() : cy.elements();
    cy.fit(target.nodes().length > 1 ? target : cy.elements(), 40);
    root.setAttribute("data-graph-pick", id || "");
  }
  if (links) {
    links.value = String(toSlider(shown));
    links.addEventListener("input", function () { showLinks(fromSlider(Number(links.value))); });
  }
  if (pick) { pick.addEventListener("change", function () { choose(pick.value); }); }
  if (names) { names.addEventListener("change", function () { holder.classList.toggle("all-names", names.checked);
    cy.nodes().toggleClass("near", names.checked && !(pick && pick.value)); }); }
  if (reset) { reset.addEventListener("click", function () {
    if (links) { links.value = String(toSlider(data.shown)); }
    if (names) { names.checked = false; }
    showLinks(data.shown); choose(""); }); }
  cy.on("tap", "node", function (evt) { choose(evt.target.id()); });
  cy.on("tap", function (evt) { if (evt.target === cy) { choose(""); } });

  var tip = document.getElementById("graph-tip");
  cy.on("mouseover", "node, edge", function (evt) {
    var el = evt.target;
    el.addClass("hover");
    if (el.isNode()) { el.connectedEdges().not(".hidden").addClass("hover"); }
    tip.textContent = el.data("tip");
    var p = evt.renderedPosition || { x: 0, y: 0 };
    tip.style.left = (holder.offsetLeft + p.x + 14) + "px";
    tip.style.top = (holder.offsetTop + p.y + 14) + "px";
    tip.style.display = "block";
  });
  cy.on("mouseout", "node, edge", function (evt) {
    evt.target.removeClass("hover");
    if (evt.target.isNode()) { evt.target.connectedEdges().removeClass("hover"); }
    tip.style.display = "none";
  });
  showLinks(shown);
  var first = cy.nodes(".focus");
  if (first.nonempty()) { choose(first[0].id()); }
  cy.one("render", function () {
    root.setAttribute("data-graph-rendered", String(cy.nodes().length));
  });
  root.setAttribute("data-graph", "ready");
  window.tracerGraph = cy;
})();
"""


def _head(outlet: str | None, claim: str | None) -> str:
    title = "tracer report" + (f": {outlet}" if outlet else "") + (f": claim {claim}" if claim else "")
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="generator" content="tracer ' + _e(__version__) + '">\n'
        f"<title>{_e(title)}</title>\n"
        f"<script>{_ERROR_PROBE}</script>\n"
        f"<style>{_STYLE}</style>\n</head>\n<body>\n"
        '<header class="top"><h1>' + _e(title) + "</h1>\n"
        '<nav><a href="#overview">Overview</a><a href="#outlets">Who echoes whom</a>'
        '<a href="#graph">Outlet graph</a><a href="#claims">Claims</a></nav></header>\n<main>'
    )


def _foot() -> str:
    return (
        f"</main>\n<footer>Written by tracer {_e(__version__)}. The outlet graph is drawn with "
        f"Cytoscape.js {CYTOSCAPE_VERSION} (MIT licence, included in this file).</footer>\n"
        f"<script>{_inline_script(_asset('cytoscape.min.js'))}</script>\n"
        f"<script>{_GRAPH_SCRIPT}</script>\n</body>\n</html>"
    )


def _overview(
    store: Store,
    all_claims: list[dict[str, Any]],
    selected: list[dict[str, Any]],
    shown: list[dict[str, Any]],
    claim: str | None,
    outlet: str | None,
    max_claims: int,
) -> str:
    counts = store.counts()
    kinds = cross_outlet_kinds(store)
    tiles = [
        (counts["articles"], "articles"),
        (counts["outlets"], "outlets"),
        (counts["undated"], "undated articles"),
        (counts["cross_outlet_matches"], "passages reused across outlets"),
        (counts["same_outlet_matches"], "reused within one outlet"),
        (counts["claims"], "claims"),
    ]
    out = ['<section id="overview"><h2>Overview</h2><ul class="counts">']
    out += [f"<li><b>{n:,}</b><span>{_e(label)}</span></li>" for n, label in tiles]
    out.append("</ul>")
    out += [f'<p class="note warning">Warning: {_e(w)}</p>' for w in metadata_warnings(counts)]
    kind_words = ", ".join(f"{n:,} {_e(k)}" for k, n in sorted(kinds.items()))
    out.append(
        f'<p class="note">Cross-outlet passages by kind: {kind_words or "none"}. '
        f"{counts['boilerplate_matches']:,} boilerplate matches (ads, promos, templates) are left out.</p>"
    )
    if claim is not None or outlet is not None:
        out.append(
            f'<p class="note">Filtered to {_filter_words(claim, outlet)}: the claim list and sections show only '
            "matching claims; the outlet table and graph show "
            + ("only pairs involving that outlet." if outlet else "the whole corpus.")
            + "</p>"
        )
    out.append("<h3>Most echoed claims</h3>")
    total_words = f"{len(selected):,} claims" + (
        " matching the filters" if selected is not all_claims else ""
    )
    if len(shown) < len(selected):
        out.append(
            f'<p class="cap">Showing {len(shown):,} of {total_words} (the most widely echoed; '
            f"raise the limit of {max_claims:,} or filter by claim or outlet to see others).</p>"
        )
    else:
        out.append(f'<p class="note">Showing all {total_words}.</p>')
    if not shown:
        out.append(f"<p>{_no_claims_text(store, all_claims, claim, outlet)}</p></section>")
        return "\n".join(out)
    out.append(
        '<div class="scroll"><table class="claims"><thead><tr><th class="num">#</th><th>Claim</th>'
        '<th class="num">Articles</th><th class="num">Outlets</th><th>First seen</th><th>Origin outlet</th>'
        "</tr></thead><tbody>"
    )
    for rank, c in enumerate(shown, 1):
        out.append(
            f'<tr><td class="num">{rank}</td><td class="text"><a href="#claim-{_e(c["claim_id"])}">'
            f'{_e(_short(c["text"], 160))}</a></td><td class="num">{c["articles"]:,}</td>'
            f'<td class="num">{c["outlets"]:,}</td><td>{_e(c["first_seen"] or "undated")}</td>'
            f"<td>{_e(c['origin_outlet'] or UNKNOWN_OUTLET)}</td></tr>"
        )
    out.append("</tbody></table></div></section>")
    return "\n".join(out)


def _pair_tip(p: dict[str, Any]) -> str:
    lag = p["median_lag_days"]
    return (
        f"{p['source_outlet']} \u2192 {p['echo_outlet']}: {p['claims']} claim(s) taken, {p['echoes']} echo(es), "
        f"median lag {_lag(lag)} day(s), {round(100 * p['share_credited'])}% credit the source"
    )


def _outlets_section(
    pairs: list[dict[str, Any]], names: list[str], outlets_total: int, outlet: str | None
) -> str:
    out = ['<section id="outlets"><h2>Who echoes whom</h2>']
    if not pairs:
        out.append("<p>No echoes between outlets.</p></section>")
        return "\n".join(out)
    out.append(
        '<p class="note">Row: the outlet a claim was taken from; column: the outlet that echoed it; '
        "each cell counts the claims taken (darker = more). Hover a cell for lag and credit.</p>"
    )
    if len(names) < outlets_total:
        out.append(
            f'<p class="cap">Showing {len(names):,} of {outlets_total:,} outlets (the most active); '
            "filter by outlet to see one outlet's pairs.</p>"
        )
    _, grid = outlet_matrix(pairs)
    by_pair = {(p["source_outlet"], p["echo_outlet"]): p for p in pairs}
    top = max((v for row in grid for v in row), default=0) or 1
    out.append(
        '<div class="scroll"><table class="heat"><thead><tr><th>taken from \u2193 / echoed by \u2192</th>'
    )
    out += [f'<th class="col" title="{_e(n)}"><span>{_e(_short(n, 28))}</span></th>' for n in names]
    out.append("</tr></thead><tbody>")
    for i, src in enumerate(names):
        style = ' style="color:#b7791f"' if src == outlet else ""
        out.append(f'<tr><th class="row" title="{_e(src)}"{style}>{_e(_short(src, 32))}</th>')
        for j, dst in enumerate(names):
            value = grid[i][j]
            if not value:
                out.append(f'<td class="zero" title="{_e(src)} \u2192 {_e(dst)}: none">0</td>')
                continue
            t = 0.18 + 0.82 * value / top
            color = "#ffffff" if t > 0.55 else "#1a202c"
            out.append(
                f'<td style="background:{_mix((235, 244, 255), (26, 54, 93), t)};color:{color}" '
                f'title="{_e(_pair_tip(by_pair[(src, dst)]))}">{value:,}</td>'
            )
        out.append("</tr>")
    out.append("</tbody></table></div></section>")
    return "\n".join(out)


def _graph_section(
    store: Store, pairs: list[dict[str, Any]], names: list[str], outlets_total: int, focus: str | None
) -> str:
    # An article of unknown outlet is an outlet of its own (outlet_label), never one "unknown" node.
    articles = articles_per_outlet(store)
    origins = origins_per_outlet(store)
    index = {n: i for i, n in enumerate(names)}
    most = max((articles.get(n, 0) for n in names), default=1) or 1
    taken = {n: sum(p["claims"] for p in pairs if p["echo_outlet"] == n) for n in names}
    given = {n: sum(p["claims"] for p in pairs if p["source_outlet"] == n) for n in names}
    order, backbone = _link_order(pairs)
    shown = (
        len(pairs) if len(pairs) <= _ALL_LINKS else min(len(pairs), max(backbone, round(1.5 * len(names))))
    )
    rank = {k: r for r, k in enumerate(order)}
    sizes = [round(16 + 30 * math.sqrt(articles.get(n, 0) / most), 1) for n in names]
    busiest = sorted(names, key=lambda n: (-(taken[n] + given[n]), -articles.get(n, 0), n))
    labelled = set(busiest[:_LABELLED]) | {n for n in names if n.lower() == (focus or "").lower()}
    positions = _layout(names, pairs, sizes, labelled)
    nodes = [
        {"id": f"n{index[n]}", "label": n, "focus": n.lower() == (focus or "").lower(), "size": sizes[i],
         "named": n in labelled, "x": positions[i][0], "y": positions[i][1],
         "tip": f"{n}\n{articles.get(n, 0)} article(s), origin of {origins.get(n, 0)} claim(s)\n"
                f"claims taken from others: {taken[n]}; taken by others: {given[n]}"}
        for i, n in enumerate(names)
    ]  # fmt: skip
    top = max((p["claims"] for p in pairs), default=1) or 1
    edges = []
    for k, p in enumerate(pairs):
        share = float(p["share_credited"])
        edges.append(
            {"id": f"e{k}", "source": f"n{index[p['source_outlet']]}", "target": f"n{index[p['echo_outlet']]}",
             "claims": p["claims"], "width": round(1.2 + 6.8 * math.sqrt(p["claims"] / top), 2), "rank": rank[k],
             "color": _mix((192, 86, 33), (43, 108, 176), share), "credited": 0 if share == 0 else 1,
             "tip": _pair_tip(p)}
        )  # fmt: skip
    data = {"nodes": nodes, "edges": edges, "shown": shown}
    out = ['<section id="graph"><h2>Outlet graph</h2>']
    if not nodes:
        out.append("<p>No echoes between outlets to draw.</p>")
    else:
        out.append(
            '<p class="note">An arrow runs from the outlet a claim was taken from to the outlet that echoed it; '
            "its width is the number of claims taken, its colour the share of echoes that credit the source "
            '(<span class="credited">blue: all credited</span>, <span class="uncredited">orange, dashed: none '
            "credited</span>). Node size: articles in the corpus. The busiest outlets are named; hover any "
            "other, zoom in, or pick one to see its links. Drag to pan, scroll to zoom.</p>"
        )
        if len(names) < outlets_total:
            out.append(
                f'<p class="cap">Showing {len(names):,} of {outlets_total:,} outlets (the most active).</p>'
            )
        out.append(_graph_controls(names, len(pairs), shown, backbone, focus))
        out.append(
            '<div class="graph-wrap"><div id="outlet-graph" role="img" aria-label="Outlet echo graph"></div>'
            '<div id="graph-tip"></div></div>'
            "<noscript><p>The interactive graph needs JavaScript; the table above has the same figures.</p>"
            "</noscript>"
        )
    out.append(f'<script type="application/json" id="graph-data">{_json_for_html(data)}</script>')
    out.append("</section>")
    return "\n".join(out)


def _graph_controls(names: list[str], total: int, shown: int, backbone: int, focus: str | None) -> str:
    options = "".join(
        f'<option value="n{i}"{" selected" if n.lower() == (focus or "").lower() else ""}>{_e(n)}</option>'
        for i, n in sorted(enumerate(names), key=lambda item: item[1].casefold())
    )
    return (
        '<div class="graph-controls">'
        '<label>Links shown <input type="range" id="graph-links" min="0" max="1000" step="1"> '
        f'<output id="graph-links-out" for="graph-links">{shown:,} of {total:,}</output></label>'
        f'<label>Outlet <select id="graph-filter"><option value="">all outlets</option>{options}</select></label>'
        '<label><input type="checkbox" id="graph-names"> all names</label>'
        '<button type="button" id="graph-reset">Reset view</button>'
        f'<span class="note">strongest links first; the first {backbone:,} give each outlet its strongest '
        "link</span></div>"
    )


def _link_order(pairs: list[dict[str, Any]]) -> tuple[list[int], int]:
    """Indexes of ``pairs``, strongest first, each outlet's strongest link ahead of all others (so
    the first links shown reach every outlet), and how many those first links are."""
    strongest = sorted(
        range(len(pairs)),
        key=lambda k: (-pairs[k]["claims"], -pairs[k]["echoes"], -float(pairs[k]["share_credited"]),
                       pairs[k]["source_outlet"], pairs[k]["echo_outlet"]),
    )  # fmt: skip
    reached: set[str] = set()
    first: list[int] = []
    for k in strongest:
        ends = {pairs[k]["source_outlet"], pairs[k]["echo_outlet"]}
        if not ends <= reached:
            first.append(k)
            reached |= ends
    chosen = set(first)
    return first + [k for k in strongest if k not in chosen], len(first)


def _layout(
    names: list[str], links: list[dict[str, Any]], sizes: list[float], named: set[str]
) -> list[tuple[float, float]]:
    """Node positions (model units): a force layout of all links (seeded, so the report stays
    deterministic; all of them, so that outlets linked only weakly are not cast off in islands),
    then boxes of each node and its name pushed apart."""
    if not names:
        return []
    import networkx as nx
    import numpy as np

    g = nx.Graph()
    g.add_nodes_from(range(len(names)))
    index = {n: i for i, n in enumerate(names)}
    for p in links:
        u, v = index[p["source_outlet"]], index[p["echo_outlet"]]
        if u != v:
            g.add_edge(u, v, weight=math.sqrt(p["claims"]))
    raw = nx.spring_layout(g, seed=7, iterations=200, k=1.6 / math.sqrt(len(names)))
    pos = np.array([raw[i] for i in range(len(names))], dtype=float)
    pos -= np.median(pos, axis=0)
    # a few outlets hanging off one link would otherwise squeeze everyone else into the middle
    extent = np.quantile(np.abs(pos), 0.95, axis=0)
    extent[extent == 0] = 1.0
    pos = np.clip(pos, -extent, extent)
    extent[extent == 0] = 1.0
    pos *= np.array([_GRAPH_W / 2, _GRAPH_H / 2]) / extent
    # Half-width and half-height of what each node draws: its disc, and its name below it.
    half = np.array(
        [[max(s / 2, 3.6 * len(n) if n in named else 0) + 6, s / 2 + (11 if n in named else 0) + 6]
         for n, s in zip(names, sizes, strict=True)]
    )  # fmt: skip
    below = np.array([11.0 if n in named else 0.0 for n in names])  # the box's centre sits lower
    pos = _separate(pos, half, below)
    return [(round(float(x), 1), round(float(y), 1)) for x, y in pos]


def _separate(pos: Any, half: Any, below: Any, rounds: int = 400) -> Any:
    """Push apart overlapping boxes (centres ``pos`` + ``below``, half sizes ``half``) along the
    axis where they overlap least, until none overlap."""
    import numpy as np

    n = len(pos)
    if n < 2:
        return pos
    pos = pos.copy()
    for _ in range(rounds):
        centre = pos + np.stack([np.zeros(n), below], axis=1)
        d = centre[:, None, :] - centre[None, :, :]
        need = half[:, None, :] + half[None, :, :]
        over = need - np.abs(d)
        hit = (over[..., 0] > 0) & (over[..., 1] > 0)
        np.fill_diagonal(hit, False)
        if not hit.any():
            break
        axis = np.where(over[..., 0] < over[..., 1], 0, 1)
        sign = np.sign(d)
        # tied centres: split by index, the same way every run
        ties = sign == 0
        order = np.sign(np.arange(n)[:, None] - np.arange(n)[None, :])
        sign[ties] = np.broadcast_to(order[..., None], sign.shape)[ties]
        step = np.zeros_like(d)
        for ax in (0, 1):
            mask = hit & (axis == ax)
            step[..., ax] = np.where(mask, sign[..., ax] * (over[..., ax] / 2 + 0.5), 0.0)
        pos += step.sum(axis=1) * 0.5
    return pos


# -- one claim --------------------------------------------------------------


def _claim_section(
    rank: int, head: dict[str, Any], tl: dict[str, Any], max_members: int, outlet: str | None
) -> str:
    cid = tl["claim_id"]
    members = tl["members"]
    drawn = members[:max_members]
    out = [f'<section class="claim" id="claim-{_e(cid)}">']
    out.append(f'<h2><span class="cid">#{rank} {_e(cid)}</span>{_e(tl["text"])}</h2>')
    terms = ", ".join(tl["terms"])
    out.append(
        f'<p class="meta">{tl["articles"]:,} article(s) in {tl["outlets"]:,} outlet(s); first seen '
        f"{_e(tl['first_seen'] or 'undated')}, last seen {_e(tl['last_seen'] or 'undated')}; origin: "
        f"{_e(head['origin_outlet'] or UNKNOWN_OUTLET)}"
        + (f"; key terms: {_e(terms)}" if terms else "")
        + "</p>"
    )
    if len(drawn) < len(members):
        out.append(
            f'<p class="cap">Showing {len(drawn):,} of {len(members):,} articles carrying this claim '
            "(the origin and the earliest echoes).</p>"
        )
    out.append(f'<figure class="timeline">{timeline_svg(cid, drawn, outlet)}</figure>')
    out.append(_members_table(drawn))
    out.append(_evidence(members, drawn))
    out.append('<p class="note"><a href="#overview">back to the overview</a></p></section>')
    return "\n".join(out)


def _members_table(members: list[dict[str, Any]]) -> str:
    out = [
        '<div class="scroll"><table class="members"><thead><tr><th>Published</th><th>Outlet</th><th>Role</th>'
        '<th>Taken from</th><th class="num">Lag (days)</th><th>Credit</th><th class="num">Confidence</th>'
        "<th>Title</th></tr></thead><tbody>"
    ]
    for m in members:
        credit = _credit_words(m)
        cls = (
            ""
            if m["role"] == "origin"
            else (' class="credited"' if m["credits_parent"] else ' class="uncredited"')
        )
        conf = "" if m["confidence"] is None else f"{m['confidence']:.2f}"
        out.append(
            f'<tr><td class="date">{_e(m["published"] or "undated")}</td><td>{_e(m["outlet"] or UNKNOWN_OUTLET)}</td>'
            f"<td>{_e(m['role'])}</td><td>{_e(m['parent_outlet'] or '') if m['parent_id'] else ''}</td>"
            f'<td class="num">{"" if m["role"] == "origin" else _e(_lag(m["lag_days"]))}</td>'
            f'<td{cls}>{_e(credit)}</td><td class="num">{conf}</td><td class="title">{_e(m["title"] or "")}</td></tr>'
        )
    out.append("</tbody></table></div>")
    return "\n".join(out)


def _credit_words(m: dict[str, Any]) -> str:
    """The member's credit in words, its three kinds apart: to its source (the parent's outlet),
    to another source, to a social account (a person, not an outlet)."""
    others = ", ".join(o for o in m["credit_to"] if o != m["parent_outlet"] or not m["credits_parent"])
    accounts = ", ".join(m["credit_accounts"])
    words = []
    if m["role"] == "origin":
        words.append("origin")
    elif m["credits_parent"]:
        words.append(f"credits its source, {m['parent_outlet']}")
    else:
        words.append("does not credit its source")
    if others:
        words.append(f"credits another source: {others}")
    if accounts:
        words.append(f"credits an account: {accounts}")
    return "; ".join(words)


def _evidence(members: list[dict[str, Any]], drawn: list[dict[str, Any]]) -> str:
    by_article: dict[str, dict[str, Any]] = {}
    by_span: dict[tuple[str, int], dict[str, Any]] = {}
    for m in members:
        by_article.setdefault(m["article_id"], m)
        by_span.setdefault((m["article_id"], m["span"][0]), m)
    echoes = [m for m in drawn if m["role"] != "origin"]
    if not echoes:
        return '<p class="note">No echoes to compare.</p>'
    out = [
        "<h3>Evidence</h3>",
        '<p class="note">Each echo beside the text it was taken from; <mark>marked</mark> words are shared '
        "(runs of two or more words, aligned in order).</p>",
    ]
    for m in echoes:
        parent = (
            by_span.get((m["parent_id"], m["parent_start"])) or by_article.get(m["parent_id"])
            if m["parent_id"]
            else None
        )
        status = (
            f'<b class="{"credited" if m["credits_parent"] else "uncredited"}">{_e(_credit_words(m))}</b>'
        )
        conf = "" if m["confidence"] is None else f", confidence {m['confidence']:.2f}"
        lag = "" if m["lag_days"] is None else f", {_e(_lag(m['lag_days']))} day(s) later"
        who = f"{_e(m['outlet'] or UNKNOWN_OUTLET)} ({_e(m['published'] or 'undated')})"
        if parent is None:
            out.append(
                f'<div class="pair"><div class="what">{who}: {status}{conf}; source not known</div>'
                f'<div class="sides"><div class="side"><div class="who">no parent found</div></div>'
                f'<div class="side"><div class="who">{who}</div>{_in_sentence(m, [])}</div></div></div>'
            )
            continue
        wa, fa, wb, fb = shared_words(parent["text"], m["text"])
        share = sum(fb) / len(fb) if fb else 0.0
        pwho = f"{_e(parent['outlet'] or UNKNOWN_OUTLET)} ({_e(parent['published'] or 'undated')})"
        out.append(
            f'<div class="pair"><div class="what">{who} took this from {pwho}{lag}: {status}{conf}; '
            f'{round(100 * share)}% of the echo\'s words are shared</div><div class="sides">'
            f'<div class="side parent"><div class="who">{pwho} \u00b7 {_e(_short(parent["title"] or "", 90))}'
            f"</div>{_in_sentence(parent, fa)}</div>"
            f'<div class="side echo"><div class="who">{who} \u00b7 {_e(_short(m["title"] or "", 90))}</div>'
            f"{_in_sentence(m, fb)}</div></div></div>"
        )
    return "\n".join(out)


def _ticks(lo: float, hi: float) -> list[float]:
    span = hi - lo
    if span <= 0:
        return [lo]
    if span <= _HOURS_AXIS + 1:
        hours = next(h for h in (3, 6, 12, 24) if span * 24 / h <= 9)
        first = math.ceil(lo * 24 / hours - 1e-9)
        return [k * hours / 24 for k in range(first, int(hi * 24 / hours + 1e-9) + 1)]
    step = next((s for s in (1, 2, 7, 14, 28, 56, 91, 182, 365, 730, 1826, 3652) if span / s <= 7), 7305)
    first = math.ceil(lo)
    return [float(first + k * step) for k in range(int((hi - first) // step) + 1)]


def timeline_svg(claim_id: str, members: list[dict[str, Any]], focus_outlet: str | None = None) -> str:
    """The claim's members as an SVG: a row per outlet, dates across, arrows from parent to echo."""
    uid = re.sub(r"[^A-Za-z0-9_-]", "_", claim_id)
    outlets: list[str] = []
    for m in members:
        name = outlet_label(m["outlet"], m["article_id"])
        if name not in outlets:
            outlets.append(name)
    days = _spread_days(members)
    known = [d for d in days if d is not None]
    undated = any(d is None for d in days)
    plot_l = _LABEL_W + _PAD
    sep = _W - _UNDATED_W if undated else _W  # the undated column starts here
    plot_r = sep - 40  # room for the last date's label
    height = _TOP + len(outlets) * _ROW_H + _AXIS_H + _LEGEND_H
    axis_y = _TOP + len(outlets) * _ROW_H
    lo, hi = (min(known), max(known)) if known else (0.0, 0.0)
    if known and hi - lo < _HOURS_AXIS:
        # a short story: whole days from midnight to midnight, so hours can be read off the axis
        lo, hi = float(math.floor(lo)), float(math.floor(hi) + 1)

    def x_of(day: float) -> float:
        if hi == lo:
            return (plot_l + plot_r) / 2
        return plot_l + (day - lo) / (hi - lo) * (plot_r - plot_l)

    # Positions: members on the same row and day (or both undated) sit side by side.
    slots: dict[tuple[int, float | None], list[int]] = {}
    for i, m in enumerate(members):
        row = outlets.index(outlet_label(m["outlet"], m["article_id"]))
        slots.setdefault((row, None if days[i] is None else round(days[i] or 0.0, 3)), []).append(i)
    pos: list[tuple[float, float]] = [(0.0, 0.0)] * len(members)
    for (row, day), idxs in slots.items():
        y = _TOP + row * _ROW_H + _ROW_H / 2
        base = x_of(day) if day is not None else sep + _UNDATED_W / 2
        gap = 15.0 if day is not None else min(15.0, (_UNDATED_W - 24) / max(len(idxs), 1))
        for k, i in enumerate(idxs):
            pos[i] = (base + (k - (len(idxs) - 1) / 2) * gap, y)

    s = [
        f'<svg viewBox="0 0 {_W} {height}" width="{_W}" height="{height}" '
        f'role="img" aria-label="Timeline of claim {_e(claim_id)}" class="timeline-svg" data-claim="{_e(claim_id)}" '
        'font-family="system-ui, -apple-system, Segoe UI, Roboto, Arial, sans-serif" font-size="12">',
        "<defs>",
    ]
    for kind, color in (("c", _CREDITED), ("u", _UNCREDITED)):
        s.append(
            f'<marker id="arrow-{uid}-{kind}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="9" '
            f'markerHeight="9" markerUnits="userSpaceOnUse" orient="auto-start-reverse">'
            f'<path d="M0,0 L10,5 L0,10 z" fill="{color}"/></marker>'
        )
    s.append("</defs>")
    # Rows and their labels.
    for r, name in enumerate(outlets):
        y = _TOP + r * _ROW_H
        if r % 2 == 0:
            s.append(f'<rect x="0" y="{y}" width="{_W}" height="{_ROW_H}" fill="#f7f8fa"/>')
        weight = ' font-weight="700" fill="#b7791f"' if focus_outlet == name else ' fill="#1a202c"'
        s.append(
            f'<text x="{_LABEL_W - 6}" y="{y + _ROW_H / 2 + 4:.1f}" text-anchor="end"{weight}>'
            f"<title>{_e(name)}</title>{_e(_short(name, 26))}</text>"
        )
    s.append(
        f'<line x1="{_LABEL_W}" y1="{_TOP}" x2="{_LABEL_W}" y2="{axis_y}" stroke="#cbd2dc"/>'
        f'<line x1="{_LABEL_W}" y1="{axis_y}" x2="{plot_r + 20:.1f}" y2="{axis_y}" stroke="#8a94a3"/>'
    )
    # Date axis.
    if known:
        for t in _ticks(lo, hi):
            x = x_of(t)
            label = _tick_label(t)
            s.append(
                f'<line x1="{x:.1f}" y1="{_TOP}" x2="{x:.1f}" y2="{axis_y + 4}" stroke="#e2e6ec"/>'
                f'<text x="{x:.1f}" y="{axis_y + 17}" text-anchor="middle" fill="#5a6472">{label}</text>'
            )
    else:
        s.append(
            f'<text x="{(plot_l + plot_r) / 2:.1f}" y="{axis_y + 17}" text-anchor="middle" fill="#5a6472">'
            "no dated articles</text>"
        )
    if undated:
        ux = float(sep)
        s.append(
            f'<line x1="{ux:.1f}" y1="{_TOP}" x2="{ux:.1f}" y2="{axis_y}" stroke="#a0aab8" stroke-dasharray="3 3"/>'
            f'<text x="{ux + _UNDATED_W / 2:.1f}" y="{axis_y + 17}" text-anchor="middle" fill="#5a6472" '
            'font-style="italic">undated</text>'
        )
    # Arrows from parent to echo (under the dots).
    first_pos: dict[str, tuple[float, float]] = {}
    for i, m in enumerate(members):
        first_pos.setdefault(m["article_id"], pos[i])
    for i, m in enumerate(members):
        if m["role"] == "origin" or not m["parent_id"] or m["parent_id"] not in first_pos:
            continue
        path = _arrow_path(first_pos[m["parent_id"]], pos[i])
        if path is None:
            continue
        kind, color = ("c", _CREDITED) if m["credits_parent"] else ("u", _UNCREDITED)
        dash = "" if m["credits_parent"] else ' stroke-dasharray="6 4"'
        tip = (
            f"{m['parent_outlet'] or UNKNOWN_OUTLET} \u2192 {m['outlet'] or UNKNOWN_OUTLET}: "
            f"{'credited' if m['credits_parent'] else 'uncredited'}, lag {_lag(m['lag_days'])} day(s)"
        )
        s.append(
            f'<path class="edge {"credited" if m["credits_parent"] else "uncredited"}" d="{path}" fill="none" '
            f'stroke="{color}" stroke-width="1.8"{dash} marker-end="url(#arrow-{uid}-{kind})">'
            f"<title>{_e(tip)}</title></path>"
        )
    # Dots.
    for i, m in enumerate(members):
        x, y = pos[i]
        origin = m["role"] == "origin"
        color = _ORIGIN if origin else (_CREDITED if m["credits_parent"] else _UNCREDITED)
        radius = _ORIGIN_R if origin else _DOT_R
        tip = (
            f"{m['outlet'] or UNKNOWN_OUTLET}, {m['published'] or 'undated'}: {m['role']}"
            + ("" if origin else f" of {m['parent_outlet'] or UNKNOWN_OUTLET}, {_credit_words(m)}")
            + (f"\n{m['title']}" if m["title"] else "")
        )
        s.append(
            f'<circle class="member {_e(m["role"])}" cx="{x:.1f}" cy="{y:.1f}" r="{radius}" fill="{color}" '
            f'stroke="#ffffff" stroke-width="1.5"><title>{_e(tip)}</title></circle>'
        )
    # Legend.
    ly = axis_y + _AXIS_H + 6
    s.append(
        f'<g class="legend" fill="#3d4654">'
        f'<circle cx="{_LABEL_W + 8}" cy="{ly}" r="{_ORIGIN_R - 1}" fill="{_ORIGIN}"/>'
        f'<text x="{_LABEL_W + 20}" y="{ly + 4}">origin</text>'
        f'<line x1="{_LABEL_W + 90}" y1="{ly}" x2="{_LABEL_W + 130}" y2="{ly}" stroke="{_CREDITED}" '
        f'stroke-width="1.8" marker-end="url(#arrow-{uid}-c)"/>'
        f'<circle cx="{_LABEL_W + 138}" cy="{ly}" r="{_DOT_R - 1}" fill="{_CREDITED}"/>'
        f'<text x="{_LABEL_W + 150}" y="{ly + 4}">credited echo (names its source)</text>'
        f'<line x1="{_LABEL_W + 360}" y1="{ly}" x2="{_LABEL_W + 400}" y2="{ly}" stroke="{_UNCREDITED}" '
        f'stroke-width="1.8" stroke-dasharray="6 4" marker-end="url(#arrow-{uid}-u)"/>'
        f'<circle cx="{_LABEL_W + 408}" cy="{ly}" r="{_DOT_R - 1}" fill="{_UNCREDITED}"/>'
        f'<text x="{_LABEL_W + 420}" y="{ly + 4}">uncredited echo</text>'
        f'<text x="{_LABEL_W + 540}" y="{ly + 4}" font-style="italic">arrow: from source to echo</text>'
        "</g>"
    )
    if known and hi - lo <= _HOURS_AXIS + 1 and any(_is_day_only(m["published"]) for m in members):
        s.append(
            f'<text x="{_W - 4}" y="{ly + 4}" text-anchor="end" fill="#5a6472" font-size="11" font-style="italic">'
            "no time of day: spread over the day, in order of echo</text>"
        )
    s.append("</svg>")
    return "".join(s)


def _is_day_only(published: str | None) -> bool:
    return bool(published) and len(str(published).strip()) == 10


def _spread_days(members: list[dict[str, Any]]) -> list[float | None]:
    """Each member's place in time (days, fractional): its date-time where the time is known;
    members dated to the day only share that day, spread evenly in their order (sources before
    their echoes), not stacked at midnight."""
    days = [_day(m["published"]) for m in members]
    same_day: dict[float, list[int]] = {}
    for i, m in enumerate(members):
        if days[i] is not None and _is_day_only(m["published"]):
            same_day.setdefault(days[i] or 0.0, []).append(i)
    for day, idxs in same_day.items():
        for k, i in enumerate(idxs):
            days[i] = day + (k + 0.5) / len(idxs) * 0.9 + 0.05 if len(idxs) > 1 else day + 0.5
    return days


def _tick_label(t: float) -> str:
    whole = math.floor(t + 1e-9)
    minutes = round((t - whole) * 1440)
    if minutes == 0:
        return date.fromordinal(int(whole)).isoformat()
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _arrow_path(a: tuple[float, float], b: tuple[float, float]) -> str | None:
    """A gently curved path from dot ``a`` to dot ``b``, ending at ``b``'s rim."""
    (x1, y1), (x2, y2) = a, b
    dx, dy = x2 - x1, y2 - y1
    dist = math.hypot(dx, dy)
    if dist < 2 * _DOT_R:
        return None
    nx, ny = -dy / dist, dx / dist
    if ny > 0 or (ny == 0 and nx > 0):
        nx, ny = -nx, -ny  # bow upwards
    bow = min(28.0, 6 + 0.12 * dist)
    cx, cy = (x1 + x2) / 2 + nx * bow, (y1 + y2) / 2 + ny * bow
    sx, sy = cx - x1, cy - y1
    sd = math.hypot(sx, sy) or 1.0
    ex, ey = x2 - cx, y2 - cy
    ed = math.hypot(ex, ey) or 1.0
    start = (x1 + sx / sd * (_DOT_R + 1), y1 + sy / sd * (_DOT_R + 1))
    end = (x2 - ex / ed * (_DOT_R + 1.5), y2 - ey / ed * (_DOT_R + 1.5))
    return f"M{start[0]:.1f},{start[1]:.1f} Q{cx:.1f},{cy:.1f} {end[0]:.1f},{end[1]:.1f}"
