"""`oss-restore report --html OUT`: one self-contained HTML page of a run's report.

Nothing is fetched: the CSS, the script and the chart's data are inline, and the page's Content
Security Policy (`default-src 'none'`) forbids any request, so it opens the same offline, from a mail
attachment or an artifact store. Keys, codes and classes are user data: every one is HTML-escaped
where the tables are written, and the script only ever sets text (`textContent`), never markup. The
chart is inline SVG written with the page (`report_chart`), so it shows with scripts off and in mail; the
script only enhances it (the point under the pointer, read out below the chart, from the JSON data
island). When it has run it sets `data-rendered="ok"` on `<body>`, and any script error is recorded in the
page (`data-script-errors` on `<html>`, and a list under the chart), so a headless browser's DOM says
whether it ran.
"""

from __future__ import annotations

import html
import json
from typing import Any, TextIO

from ossrestore.report_chart import chart_svg
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

# Only an enhancement: the chart is drawn already. The point under the pointer is read out below it.
_CHART_SCRIPT = """
(function () {
  var data = JSON.parse(document.getElementById("readable-data").textContent);
  var readout = document.getElementById("chart-readout");
  function stamp(seconds) { return new Date(seconds * 1000).toISOString().replace(".000Z", "Z"); }
  var dots = document.querySelectorAll("#chart circle.point");
  Array.prototype.forEach.call(dots, function (dot) {
    dot.addEventListener("mouseenter", function () {
      readout.textContent = stamp(Number(dot.getAttribute("data-t"))) + ": " + dot.getAttribute("data-n") +
        " of " + data.points[data.points.length - 1][1] + " readable";
    });
  });
  document.body.setAttribute("data-rendered", "ok");
})();
"""


def _e(value: Any) -> str:
    """value as HTML text: escaped, a lone surrogate (possible in a JSON key) written as an escape, and a
    character that is invisible or reorders text (bidirectional controls) shown as its code point."""
    return visible_html(printable(str(value)))


def _json_island(data: Any) -> str:
    # Inside <script>, only "</" could end the element early: escaping <, > and & keeps the JSON the same.
    return (
        json.dumps(data, separators=(",", ":")).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    )


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
    chart = (
        chart_svg(points, start=start, width=t.readable.width, escape=_e)
        if points
        else '<p class="note">No line of this report carries readableAt: nothing to draw.</p>'
    )
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
<div id="chart" data-points="{len(points)}">{chart}</div>
<p id="chart-readout" class="note"></p>
<h2>Failures by OSS code</h2>
{_failure_table(t)}
<ul id="script-errors"></ul>
<script type="application/json" id="readable-data">{_json_island(data)}</script>
<script>{_CHART_SCRIPT}</script>
</body>
</html>
""")
