"""`oss-restore report --html OUT`: one self-contained HTML page of a run's report.

Nothing is fetched: the CSS, the script and the chart's data are inline, and the page's Content
Security Policy (`default-src 'none'`) forbids any request, so it opens the same offline, from a mail
attachment or an artifact store. Keys, codes and classes are user data: every one is HTML-escaped
where the tables are written, and the script only ever sets text (`textContent`), never markup. The
chart is an SVG the inline script draws from the JSON data island; when it has drawn, it sets
`data-rendered="ok"` on `<body>`, and any script error is recorded in the page (`data-script-errors`
on `<html>`, and a list under the chart), so a headless browser's DOM says whether it rendered.
"""
from __future__ import annotations

import html
import json
from typing import Any, TextIO

from ossrestore.report_view import EXAMPLE_KEYS, ReportTally, cost_lines, moment_text
from ossrestore.visible import visible_html, visible_text
from restore_core.errors import printable

_STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 72em; color: #1d1d1f; padding: 0 1em; }
h1 { font-size: 1.5em; } h2 { font-size: 1.15em; margin-top: 2em; }
table { border-collapse: collapse; margin: .5em 0; }
th, td { border-bottom: 1px solid #ddd; padding: .3em .8em; text-align: right; vertical-align: top; }
th:first-child, td:first-child, td.keys { text-align: left; }
td.keys { font-family: ui-monospace, monospace; font-size: .9em; word-break: break-all; max-width: 40em; }
tr.total td { font-weight: 600; }
#chart svg { max-width: 100%; height: auto; }
#chart .line { fill: none; stroke: #0a64c8; stroke-width: 2; }
#chart .point { fill: #0a64c8; }
#chart .axis { stroke: #888; }
#chart text { font-size: 11px; fill: #444; }
.note { color: #555; }
.cp { border: 1px solid #b00020; border-radius: 3px; color: #b00020; font-size: .8em; padding: 0 .2em; }
#script-errors li { color: #b00020; }
"""

# Set up before anything else runs, so an error anywhere later is recorded in the page.
_ERRORS_SCRIPT = """
(function () {
  var count = 0;
  window.onerror = function (message, source, line) {
    count += 1;
    document.documentElement.setAttribute("data-script-errors", String(count));
    var item = document.createElement("li");
    item.textContent = String(message) + " (line " + String(line) + ")";
    var list = document.getElementById("script-errors");
    (list || document.documentElement).appendChild(item);
  };
})();
"""

_CHART_SCRIPT = """
(function () {
  var data = JSON.parse(document.getElementById("readable-data").textContent);
  var box = document.getElementById("chart");
  var NS = "http://www.w3.org/2000/svg";
  function el(name, attrs, text) {
    var node = document.createElementNS(NS, name);
    for (var k in attrs) { node.setAttribute(k, String(attrs[k])); }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }
  function stamp(seconds) { return new Date(seconds * 1000).toISOString().replace(".000Z", "Z"); }
  var points = data.points;
  box.setAttribute("data-points", String(points.length));
  if (points.length === 0) {
    var note = document.createElement("p");
    note.className = "note";
    note.textContent = "No line of this report carries readableAt: nothing to draw.";
    box.appendChild(note);
  } else {
    var W = 760, H = 300, L = 70, R = 20, T = 20, B = 50;
    var t0 = data.start, t1 = points[points.length - 1][0];
    if (t1 <= t0) { t1 = t0 + 1; }
    var top = points[points.length - 1][1];
    function x(t) { return L + (W - L - R) * (t - t0) / (t1 - t0); }
    function y(n) { return H - B - (H - T - B) * n / top; }
    var svg = el("svg", {viewBox: "0 0 " + W + " " + H, width: W, height: H, role: "img",
                         "aria-label": "objects readable over time"});
    svg.appendChild(el("line", {"class": "axis", x1: L, y1: H - B, x2: W - R, y2: H - B}));
    svg.appendChild(el("line", {"class": "axis", x1: L, y1: T, x2: L, y2: H - B}));
    svg.appendChild(el("text", {x: L - 6, y: y(top) + 4, "text-anchor": "end"}, String(top)));
    svg.appendChild(el("text", {x: L - 6, y: H - B + 4, "text-anchor": "end"}, "0"));
    svg.appendChild(el("text", {x: L, y: H - B + 18, "text-anchor": "start"}, stamp(t0)));
    svg.appendChild(el("text", {x: W - R, y: H - B + 18, "text-anchor": "end"}, stamp(t1)));
    svg.appendChild(el("text", {x: (L + W - R) / 2, y: H - 8, "text-anchor": "middle"},
                       "time (UTC), buckets of " + data.width + " s"));
    var path = [x(t0) + "," + y(0)], previous = 0;
    var dots = el("g", {"class": "points"});
    points.forEach(function (p) {
      path.push(x(p[0]) + "," + y(previous));
      path.push(x(p[0]) + "," + y(p[1]));
      previous = p[1];
      var dot = el("circle", {"class": "point", cx: x(p[0]), cy: y(p[1]), r: 3, "data-t": p[0], "data-n": p[1]});
      dot.appendChild(el("title", {}, stamp(p[0]) + ": " + p[1] + " readable"));
      dots.appendChild(dot);
    });
    svg.appendChild(el("polyline", {"class": "line", points: path.join(" ")}));
    svg.appendChild(dots);
    box.appendChild(svg);
  }
  document.body.setAttribute("data-rendered", "ok");
})();
"""


def _e(value: Any) -> str:
    """value as HTML text: escaped, a lone surrogate (possible in a JSON key) written as an escape, and a
    character that is invisible or reorders text (bidirectional controls) shown as its code point."""
    return visible_html(printable(str(value)))


def _json_island(data: Any) -> str:
    # Inside <script>, only "</" could end the element early: escaping <, > and & keeps the JSON the same.
    return json.dumps(data, separators=(",", ":")).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _class_table(t: ReportTally) -> str:
    outcomes = t.outcomes()
    head = "".join(f"<th>{_e(o)}</th>" for o in ["storage class", *outcomes, "total"])
    rows = []
    for cls in sorted(t.by_class):
        counts = t.by_class[cls]
        cells = "".join(f"<td>{counts[o]}</td>" for o in outcomes)
        rows.append(f"<tr><td>{_e(cls)}</td>{cells}<td>{sum(counts.values())}</td></tr>")
    totals = t.outcome_totals()
    cells = "".join(f"<td>{totals[o]}</td>" for o in outcomes)
    rows.append(f'<tr class="total"><td>total</td>{cells}<td>{t.lines}</td></tr>')
    return f'<table id="by-class"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def _failure_table(t: ReportTally) -> str:
    rows = []
    for code, group in sorted(t.failures.items(), key=lambda item: (-item[1].objects, item[0])):
        keys = "<br>".join(_e(k) for k in group.examples)
        rows.append(f'<tr><td>{_e(code)}</td><td>{group.objects}</td><td class="keys">{keys}</td></tr>')
    if not rows:
        rows.append('<tr><td>none</td><td>0</td><td class="keys"></td></tr>')
    head = f"<tr><th>OSS code</th><th>objects</th><th>examples (up to {EXAMPLE_KEYS})</th></tr>"
    return f'<table id="failures"><thead>{head}</thead><tbody>{"".join(rows)}</tbody></table>'


def write_html(out: TextIO, t: ReportTally, *, source: str, summary: dict[str, Any] | None) -> None:
    points = t.readable.cumulative()
    # The chart starts at the run's first request, or at the first readable bucket if that is earlier.
    first_bucket = points[0][0] - t.readable.width if points else None
    starts = [m for m in (t.first_requested, first_bucket) if m is not None]
    start = min(starts) if starts else 0.0
    data = {"width": t.readable.width, "start": start, "points": points}
    costs = "".join(f"<li>{_e(line)}</li>" for line in cost_lines(summary))
    span = f" from {_e(moment_text(start))}" if points else ""
    out.write(f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>oss-restore report: {html.escape(visible_text(printable(source)))}</title>
<style>{_STYLE}</style>
<script>{_ERRORS_SCRIPT}</script>
</head>
<body data-rendered="pending">
<h1>oss-restore report</h1>
<p class="note">{_e(source)}: {t.lines} objects</p>
<h2>Cost</h2>
<ul id="costs">{costs}</ul>
<h2>Objects by storage class and outcome</h2>
{_class_table(t)}
<h2>Objects readable over time</h2>
<p class="note">Restored objects by the time this run knew each readable (<code>readableAt</code>, an upper bound){span};
objects readable before the run are not drawn.</p>
<div id="chart" data-points="0"></div>
<noscript><p class="note">The chart needs JavaScript.</p></noscript>
<h2>Failures by OSS code</h2>
{_failure_table(t)}
<ul id="script-errors"></ul>
<script type="application/json" id="readable-data">{_json_island(data)}</script>
<script>{_CHART_SCRIPT}</script>
</body>
</html>
""")
