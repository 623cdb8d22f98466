"""`oss-restore report FILE.jsonl`: the summary tables, and the HTML page rendered in headless Chromium."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from headless_chromium import dump_dom, parse
from ossrestore.cli import group
from ossrestore.report_view import MAX_TIME_BUCKETS, TimeBuckets, report_lines, tally

START = datetime(2026, 11, 26, 10, 0, 0, tzinfo=UTC)
# Keys are user data: markup, a closing script tag, quotes, non-ASCII.
HOSTILE = [
    "<img src=x onerror=\"document.title='pwned'\">",
    "</script><script>document.title='pwned'</script>",
    "a&b \"quoted\" 'single' 日本語",
]


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def row(key: str, cls: str | None, outcome: str, *, code: str = "", readable: datetime | None = None) -> dict:
    return {
        "key": key,
        "storageClass": cls,
        "outcome": outcome,
        "code": code,
        "reason": "",
        "requestedAt": stamp(START),
        "checkedAt": stamp(START + timedelta(hours=2)),
        "expiry": None,
        "readableAt": stamp(readable) if readable else None,
    }


def write_report(path: Path) -> dict[str, int]:
    """A report of 1,200 lines: restored over 8 minutes (one per second from 10:01), the rest mixed."""
    rows = [
        row(f"logs/{i:06d}", "Archive", "restored", readable=START + timedelta(seconds=60 + i % 480))
        for i in range(900)
    ]
    rows += [row(f"cold/{i:06d}", "ColdArchive", "in_progress") for i in range(100)]
    rows += [row(f"std/{i:06d}", "Standard", "skipped") for i in range(150)]
    rows += [row(key, "DeepColdArchive", "failed", code="InvalidObjectState") for key in HOSTILE]
    rows += [row(f"deep/{i:06d}", "DeepColdArchive", "failed", code="AccessDenied") for i in range(40)]
    rows += [row(f"gone/{i:06d}", None, "skipped", code="NoSuchKey") for i in range(7)]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return {"lines": len(rows)}


def invoke(*args: str):
    # Wide enough that no table cell wraps (rich reads COLUMNS when the output is not a terminal).
    return CliRunner(mix_stderr=False).invoke(group, list(args), env={"COLUMNS": "200"})


def test_report_prints_counts_by_class_and_outcome_failures_by_code_and_the_cost(tmp_path):
    report = tmp_path / "report.jsonl"
    write_report(report)
    # WHEN the report is summarised
    result = invoke("report", str(report))
    # THEN exit 0, with the class x outcome counts, the failures by code and "not estimated" cost
    assert result.exit_code == 0, result.output + result.stderr
    lines = [" ".join(line.replace("│", " ").split()) for line in result.output.splitlines()]
    assert "Archive 900 0 0 0 0 900" in lines
    assert "DeepColdArchive 0 0 0 0 43 43" in lines
    assert "(object gone) 0 0 0 7 0 7" in lines
    assert "total 900 0 100 157 43 1,200" in lines
    assert any(line.startswith("AccessDenied 40 deep/000000") for line in lines)
    assert any(line.startswith("InvalidObjectState 3 ") for line in lines)
    assert "estimated cost: not estimated" in lines and "actual cost: not estimated" in lines


def test_report_shows_the_estimated_and_actual_cost_of_the_runs_summary(tmp_path):
    report, summary = tmp_path / "report.jsonl", tmp_path / "summary.json"
    write_report(report)
    summary.write_text(json.dumps({"cost": {"estimated": 12.5, "actual": 11.75, "currency": "USD"}}), encoding="utf-8")
    result = invoke("report", str(report), "--summary", str(summary))
    assert result.exit_code == 0, result.output + result.stderr
    assert "estimated cost: 12.5 USD" in result.output and "actual cost: 11.75 USD" in result.output


def test_the_html_report_renders_in_headless_chromium_with_its_chart_and_tables(tmp_path):
    report, page = tmp_path / "report.jsonl", tmp_path / "report.html"
    write_report(report)
    # WHEN the page is written and loaded by headless Chromium
    result = invoke("report", str(report), "--html", str(page))
    assert result.exit_code == 0, result.output + result.stderr
    dom = parse(dump_dom(page, tmp_path / "chromium-profile"))
    html = dom.iter("html")[0]
    body = dom.iter("body")[0]
    # THEN its script ran to the end without an error
    assert body.attrs.get("data-rendered") == "ok"
    assert "data-script-errors" not in html.attrs, dom.by_id("script-errors").all_text()
    # AND the chart has one point per second of the 8 minutes objects became readable, rising to 900
    chart = dom.by_id("chart")
    points = [c for c in chart.iter("circle") if "point" in c.attrs.get("class", "")]
    assert chart.attrs["data-points"] == "480" and len(points) == 480
    counts = [int(c.attrs["data-n"]) for c in points]
    assert counts == sorted(counts) and counts[-1] == 900
    assert len(chart.iter("polyline")) == 1
    # AND the tables hold the counts by class and outcome and the failures with their codes
    by_class = dom.by_id("by-class").rows()
    assert by_class[0] == ["storage class", "restored", "already_restored", "in_progress", "skipped", "failed", "total"]
    assert ["Archive", "900", "0", "0", "0", "0", "900"] in by_class
    assert ["total", "900", "0", "100", "157", "43", "1200"] in by_class
    failures = {r[0]: r for r in dom.by_id("failures").rows()[1:]}
    assert failures["AccessDenied"][1] == "40" and failures["InvalidObjectState"][1] == "3"
    # AND the hostile keys are text, not markup: no element came from them, their text is intact
    assert dom.iter("img") == [] and len(dom.iter("script")) == 3
    assert "pwned" not in dom.iter("title")[0].all_text()
    shown = failures["InvalidObjectState"][2]
    assert all(key in shown for key in HOSTILE)
    assert "not estimated" in dom.by_id("costs").all_text()


def test_the_html_chart_shows_with_javascript_disabled(tmp_path):
    # GIVEN a report's page WHEN headless Chromium loads it with JavaScript disabled
    report, page = tmp_path / "report.jsonl", tmp_path / "report.html"
    write_report(report)
    assert invoke("report", str(report), "--html", str(page)).exit_code == 0
    dom = parse(dump_dom(page, tmp_path / "chromium-profile", scripts=False))
    # THEN no script ran (the page says so itself)...
    assert dom.iter("body")[0].attrs.get("data-rendered") == "pending"
    # ...and the chart is there all the same: the step line, one point per second of the 8 minutes, rising to 900,
    # drawn with attributes (no stylesheet needed), and said in words
    chart = dom.by_id("chart")
    (svg,) = chart.iter("svg")
    points = [c for c in chart.iter("circle") if "point" in c.attrs.get("class", "")]
    assert len(points) == 480 and [int(c.attrs["data-n"]) for c in points][-1] == 900
    (line,) = chart.iter("polyline")
    assert line.attrs["stroke"] and len(line.attrs["points"].split()) == 1 + 2 * 480
    assert all(c.attrs["fill"] for c in points)
    assert "900 objects readable from" in svg.iter("desc")[0].all_text()
    assert "needs JavaScript" not in dom.all_text()


def test_a_report_without_readable_times_renders_an_empty_chart_without_error(tmp_path):
    report, page = tmp_path / "report.jsonl", tmp_path / "report.html"
    report.write_text(json.dumps(row("k", "Archive", "in_progress")) + "\n", encoding="utf-8")
    assert invoke("report", str(report), "--html", str(page)).exit_code == 0
    dom = parse(dump_dom(page, tmp_path / "chromium-profile"))
    assert dom.iter("body")[0].attrs.get("data-rendered") == "ok"
    assert "data-script-errors" not in dom.iter("html")[0].attrs
    assert dom.by_id("chart").attrs["data-points"] == "0" and dom.by_id("chart").iter("svg") == []


def test_time_buckets_stay_bounded_however_long_the_run():
    # GIVEN readable times one second apart over three days
    buckets = TimeBuckets()
    for second in range(0, 3 * 86400, 7):
        buckets.add(1_700_000_000 + second)
    # THEN the buckets widened instead of growing, and no object was lost
    assert len(buckets.counts) <= MAX_TIME_BUCKETS and buckets.width >= 512
    assert buckets.cumulative()[-1][1] == len(range(0, 3 * 86400, 7))


def test_the_report_is_read_as_a_stream(tmp_path):
    report = tmp_path / "report.jsonl"
    write_report(report)
    lines = report_lines(report)
    # THEN it yields one line at a time (a generator), and the tally keeps examples bounded
    assert next(lines).key == "logs/000000"
    assert tally(report_lines(report)).failures["AccessDenied"].examples == [f"deep/{i:06d}" for i in range(5)]


@pytest.mark.parametrize(
    "content, message",
    [
        ('{"key": "a", "outcome": "restored"}\nnot json\n', "line 2: not JSON"),
        ("[1, 2]\n", "line 1: not a report line"),
    ],
)
def test_a_malformed_report_is_refused_with_exit_2_naming_the_line(tmp_path, content, message):
    report = tmp_path / "report.jsonl"
    report.write_text(content, encoding="utf-8")
    result = invoke("report", str(report))
    assert result.exit_code == 2 and message in result.stderr and "Traceback" not in result.stderr


def test_a_missing_report_or_an_unwritable_page_is_refused_with_exit_2(tmp_path):
    result = invoke("report", str(tmp_path / "absent.jsonl"))
    assert result.exit_code == 2 and "no such report" in result.stderr
    report = tmp_path / "report.jsonl"
    write_report(report)
    result = invoke("report", str(report), "--html", str(tmp_path / "no-such-dir" / "page.html"))
    assert result.exit_code == 2 and "--html: cannot write" in result.stderr


def test_a_script_error_in_the_page_is_recorded_in_the_dom_the_test_reads(tmp_path):
    # GIVEN a page whose chart data is broken (so that its script throws)
    report, page = tmp_path / "report.jsonl", tmp_path / "report.html"
    write_report(report)
    assert invoke("report", str(report), "--html", str(page)).exit_code == 0
    text = page.read_text(encoding="utf-8")
    page.write_text(
        text.replace(
            '<script type="application/json" id="readable-data">{',
            '<script type="application/json" id="readable-data">{broken',
            1,
        ),
        encoding="utf-8",
    )
    # WHEN Chromium loads it
    dom = parse(dump_dom(page, tmp_path / "chromium-profile"))
    # THEN the error is in the DOM and the page does not claim to have rendered
    assert dom.iter("html")[0].attrs.get("data-script-errors") == "1"
    assert "JSON" in dom.by_id("script-errors").all_text()
    assert dom.iter("body")[0].attrs.get("data-rendered") == "pending"
