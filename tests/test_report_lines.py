"""`oss-restore report` reads report lines and nothing else: every other line is refused with its number
(exit 2), whatever it holds; what it accepts it renders without crashing, in the terminal and in the HTML
page, with characters that hide or reorder text shown as code points, never raw."""

from __future__ import annotations

import io
import json
import unicodedata

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from ossrestore.cli import group
from ossrestore.errors import UsageError
from ossrestore.report_html import write_html
from ossrestore.report_view import class_table, failure_table, readable_line, report_lines, tally

GOOD = {
    "key": "logs/1",
    "versionId": None,
    "storageClass": "Archive",
    "outcome": "restored",
    "code": "",
    "reason": "readable",
    "requestedAt": "2026-11-26T10:00:01Z",
    "checkedAt": "2026-11-26T10:03:12Z",
    "expiry": None,
    "tier": None,
    "readableAt": "2026-11-26T10:01:05Z",
}


def invoke(*args: str):
    return CliRunner(mix_stderr=False).invoke(group, list(args))


def report_of(tmp_path, *lines: str):
    path = tmp_path / "report.jsonl"
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "bad, problem",
    [
        ('{"key": "a", "outcome": "restored", "readableAt": NaN}', "NaN"),
        ('{"key": "a", "outcome": "restored", "code": Infinity}', "Infinity"),
        (
            '{"key": "a", "outcome": "restored", "readableAt": "2026-02-30T00:00:00Z"}',
            "readableAt must be null or a UTC time",
        ),
        ('{"key": "a", "outcome": "restored", "readableAt": "2026-11-26 10:00:00"}', "readableAt"),
        ('{"key": "a", "outcome": "restored", "requestedAt": 1790000000}', "requestedAt"),
        ('{"key": 7, "outcome": "restored"}', "key must be a non-empty string"),
        ('{"key": "a", "outcome": "lost"}', "outcome must be one of"),
        ('{"key": "a", "outcome": "restored", "colour": "red"}', "unknown field 'colour'"),
        ('{"key": "a", "key": "b", "outcome": "restored"}', "'key' given twice"),
        ('{"key": "a"}', "a JSON object with key and outcome"),
        ('["a", "restored"]', "not a report line"),
        ("not json", "not JSON"),
    ],
)
def test_every_line_that_is_not_a_report_line_is_refused_with_its_number(tmp_path, bad, problem):
    # GIVEN a report whose third line is not a report line
    path = report_of(tmp_path, json.dumps(GOOD), json.dumps({**GOOD, "key": "logs/2"}), bad, json.dumps(GOOD))
    # WHEN it is read THEN exit 2 naming the file, the line and the problem, no traceback
    result = invoke("report", str(path))
    assert result.exit_code == 2, result.output
    assert "line 3:" in result.stderr and problem in result.stderr and "Traceback" not in result.stderr


def test_times_at_the_ends_of_the_calendar_are_read_and_drawn(tmp_path):
    # GIVEN lines readable in the years 1 and 9999 beside an ordinary one
    path = report_of(
        tmp_path,
        *(
            json.dumps({**GOOD, "key": f"k{i}", "readableAt": t})
            for i, t in enumerate(["0001-01-01T00:00:00Z", "2026-11-26T10:01:05Z", "9999-12-31T23:59:59Z"])
        ),
    )
    # WHEN the report and its page are made THEN both succeed, the span named by its true ends
    result = invoke("report", str(path), "--html", str(tmp_path / "page.html"))
    assert result.exit_code == 0, result.stderr
    assert "from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z" in result.output.replace("\n", " ")


HIDDEN = "\u202e\u2066\u200f\u200b\ufeff\u2028\x1b"


def test_characters_that_hide_or_reorder_text_are_shown_as_code_points_in_the_page_and_the_terminal(tmp_path):
    # GIVEN failed keys and a code holding bidirectional controls, zero-width and control characters,
    # and rich markup
    keys = ["invoice\u202efdp.exe", "a\u2066b\u2069c", "zero\u200bwidth", "[/bold] [red]x"]
    path = report_of(
        tmp_path, *(json.dumps({**GOOD, "key": k, "outcome": "failed", "code": "Bad\u200fCode"}) for k in keys)
    )
    page = tmp_path / "page.html"
    # WHEN the report and its page are made
    result = invoke("report", str(path), "--html", str(page))
    # THEN neither holds one of those characters raw; each is written as its code point
    assert result.exit_code == 0, result.stderr
    html = page.read_text(encoding="utf-8")
    for text in (html, result.output):
        assert not any(c in text for c in HIDDEN), [c for c in HIDDEN if c in text]
    assert 'invoice<span class="cp">U+202E</span>fdp.exe' in html and 'Bad<span class="cp">U+200F</span>Code' in html
    assert "invoice<U+202E>fdp.exe" in result.output and "[/bold] [red]x" in result.output


_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)
_TIMES = st.datetimes().map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ").rjust(20, "0"))
_FIELDS = {
    name: (_TIMES | _VALUES if name.endswith("At") or name == "expiry" else st.text(max_size=20) | _VALUES)
    for name in GOOD
}
_LINES = st.fixed_dictionaries(
    {}, optional={**_FIELDS, "outcome": st.sampled_from(["restored", "failed", "x"]) | _VALUES, "other": _VALUES}
)


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(_LINES, min_size=1, max_size=5))
def test_any_json_lines_are_summarised_or_refused_never_a_crash(tmp_path_factory, rows):
    # GIVEN lines of JSON objects with report fields of any value (NaN and Infinity as Python writes them,
    # times of any year)
    text = "".join(json.dumps(row) + "\n" for row in rows)
    path = tmp_path_factory.mktemp("lines") / "report.jsonl"
    path.write_text(text, encoding="utf-8")
    # WHEN the report command's reading and rendering run over them
    try:
        result = tally(report_lines(path))
    except UsageError as e:
        # THEN either a line is refused by its number ...
        assert " line " in str(e)
        return
    # ... or every table, the readable line and the page render, with no hidden character left raw
    terminal = io.StringIO()
    out = Console(file=terminal, width=200)
    for table in (class_table(result), failure_table(result)):
        out.print(table)
    out.print(readable_line(result))
    page = io.StringIO()
    write_html(page, result, source="report.jsonl", summary=None)
    rendered = terminal.getvalue() + page.getvalue()
    assert not any(unicodedata.category(c) in ("Cf", "Co", "Zl", "Zp") for c in rendered)
