"""Every table the command prints fits 60 and 80 columns without cutting a number, and the progress counters
count what their names say. Rendered on a fixed-width console, as a terminal of that width shows them."""

from __future__ import annotations

import io
import re
from collections import Counter

import pytest
from rich.console import Console

from ossrestore.estimate import estimate, estimate_table, versus_table
from ossrestore.prices import load as load_prices
from ossrestore.progress import RunTracker, progress_counts, progress_table
from ossrestore.report_view import ReportTally, class_table, failure_table
from restore_core.report_lines import ReportLine
from restore_core.tally import empty_tally

WIDTHS = (60, 80)


def rendered(width: int, *renderables: object) -> str:
    console = Console(width=width, record=True, color_system=None, file=io.StringIO())
    for renderable in renderables:
        console.print(renderable)
    return console.export_text()


def assert_whole(text: str, width: int, values: list[str]) -> None:
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= width, text
    assert "…" not in text, text
    cells = {cell for line in lines for cell in re.split(r"\s{2,}", line.strip())}
    missing = [v for v in values if v not in cells and v not in text]
    assert missing == [], f"{missing} not shown whole in:\n{text}"


def big_estimate() -> dict:
    tally = empty_tally()
    for cls, n in (("Archive", 12_345_678), ("ColdArchive", 2_000_000), ("DeepColdArchive", 987_654)):
        tally[cls] = {"objects": n, "bytes": n * 4096, "requests": n - 1, "requestBytes": (n - 1) * 4096}
    return estimate(
        tally, prices=load_prices(), region=None, days=30, tier="Expedited", max_requests_per_second=0, poll_interval=2
    ).as_dict()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_estimate_and_the_estimate_beside_the_actual_fit(width):
    est = big_estimate()
    est["actual"] = {"objects": 1, "requests": 12_345_677, "bytes": 4096, "cost": 1234.5}
    by_class = Counter(
        {
            ("Archive", "restored"): 12_345_670,
            ("ColdArchive", "in_progress"): 1_999_999,
            ("DeepColdArchive", "failed"): 987_653,
        }
    )
    text = rendered(width, *estimate_table(est), versus_table(est, by_class, elapsed=200_000))
    assert_whole(
        text,
        width,
        [
            "12,345,678",
            "12,345,677",
            "2,000,000",
            "987,654",
            "1,999,999",
            "987,653",
            "DeepColdArchive",
            "est. objects",
            "est. requests",
            "time est./actual",
        ],
    )


@pytest.mark.parametrize("width", WIDTHS)
def test_the_progress_fits(width):
    tracker = RunTracker(clock=lambda: 100.0)
    tracker.observe(
        "restore",
        {},
        {
            "c": {
                "listed": 9_999_999,
                "requested": 8_888_888,
                "alreadyRestored": 777_777,
                "skipped.notArchived": 333_333,
            }
        },
    )
    text = rendered(width, progress_table(tracker, now=160.0))
    assert_whole(text, width, ["9,999,999", "777,777", "333,333", "8,888,888", "already readable", "restoring"])


@pytest.mark.parametrize("width", WIDTHS)
def test_the_report_tables_fit(width):
    t = ReportTally()
    for i in range(3):
        t.add(ReportLine.from_json({"key": f"k{i}", "storageClass": "DeepColdArchive", "outcome": "already_restored"}))
    t.add(
        ReportLine.from_json(
            {
                "key": "a-key-long-enough-to-need-folding/" + "x" * 90,
                "storageClass": "ColdArchive",
                "outcome": "failed",
                "code": "InvalidObjectState",
            }
        )
    )
    text = rendered(width, class_table(t), failure_table(t))
    assert_whole(text, width, ["already_restored", "in_progress", "DeepColdArchive", "InvalidObjectState"])


def test_already_readable_objects_are_not_counted_as_restoring():
    # GIVEN a shard's round that listed 100 objects: 40 readable already, 50 restores accepted, 10 found running
    tracker = RunTracker(clock=lambda: 1.0)
    tracker.observe("restore", {}, {"c": {"listed": 100, "alreadyRestored": 40, "requested": 50, "inProgress": 10}})
    counts = progress_counts(tracker.snapshot())
    # THEN restoring counts the 60 waited for, not the 40 readable before
    assert (counts["already readable"], counts["requested"], counts["found restoring"], counts["restoring"]) == (
        40,
        50,
        10,
        60,
    )
    # WHEN the confirm scan passes all 100 (the 40 among them) THEN nothing is restoring any more
    tracker.observe("restoreStatus", {}, {"c": {"readable": 100}})
    counts = progress_counts(tracker.snapshot())
    assert (counts["readable"], counts["restoring"]) == (100, 0)
