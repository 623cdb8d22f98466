"""`oss-restore report`: a run's per-object report (JSONL) read once, as a stream, into a few tables.

Memory does not grow with the number of lines: counts per (class, outcome), per failure code (with a
few example keys each), and objects readable per time bucket; a bucket doubles its width whenever
there would be more than `MAX_TIME_BUCKETS`, so a run of days keeps a chart of the same size.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.table import Table
from rich.text import Text

from ossrestore import report_line
from ossrestore.errors import UsageError
from ossrestore.report import OUTCOMES
from ossrestore.visible import visible_text
from restore_core import notify
from restore_core.errors import printable
from restore_core.report_lines import COPY_OUTCOMES, ReportLine, outcomes_for

MAX_TIME_BUCKETS = 512
EXAMPLE_KEYS = 5
# A file may hold any text: beyond these many distinct classes or codes, the rest share one row.
MAX_ROWS = 50
OTHER = "(other)"
GONE = "(object gone)"  # a line without a storage class: the object was deleted during the run
_MAX_LINE_BYTES = 1 << 20


@dataclass
class TimeBuckets:
    """Counts per time bucket of `width` seconds (epoch seconds // width)."""

    width: int = 1
    counts: Counter[int] = field(default_factory=Counter)

    def add(self, moment: float) -> None:
        self.counts[int(moment // self.width)] += 1
        while len(self.counts) > MAX_TIME_BUCKETS:
            self.width *= 2
            merged: Counter[int] = Counter()
            for index, n in self.counts.items():
                merged[index // 2] += n
            self.counts = merged

    def cumulative(self) -> list[tuple[float, int]]:
        """(end of bucket in epoch seconds, objects readable by then), in time order."""
        total, points = 0, []
        for index in sorted(self.counts):
            total += self.counts[index]
            points.append((float((index + 1) * self.width), total))
        return points


@dataclass
class Failures:
    objects: int = 0
    examples: list[str] = field(default_factory=list)


@dataclass
class ReportTally:
    lines: int = 0
    by_class: dict[str, Counter[str]] = field(default_factory=dict)
    failures: dict[str, Failures] = field(default_factory=dict)
    readable: TimeBuckets = field(default_factory=TimeBuckets)
    first_requested: float | None = None
    timed: int = 0  # restored lines that carry a readableAt

    def add(self, line: ReportLine) -> None:
        self.lines += 1
        cls = _bounded(self.by_class, line.storage_class or GONE)
        outcome = line.outcome
        known = outcome in OUTCOMES or outcome in COPY_OUTCOMES
        self.by_class.setdefault(cls, Counter())[outcome if known else OTHER] += 1
        requested = _moment(line.requested_at)
        if requested is not None and (self.first_requested is None or requested < self.first_requested):
            self.first_requested = requested
        if outcome == "failed":
            code = _bounded(self.failures, line.code or "(no code)")
            group = self.failures.setdefault(code, Failures())
            group.objects += 1
            if len(group.examples) < EXAMPLE_KEYS:
                group.examples.append(printable(line.key))
        readable = _moment(line.readable_at)
        if readable is not None:
            self.timed += 1
            self.readable.add(readable)

    def outcome_totals(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for counts in self.by_class.values():
            total.update(counts)
        return total

    def outcomes(self) -> list[str]:
        """The outcome columns: the five documented ones (with converted and copied after already_restored when a
        line has them), and (other) if a line had something else."""
        totals = self.outcome_totals()
        copying = any(totals[o] for o in COPY_OUTCOMES)
        shown = outcomes_for("restore", dry_run=False, copying=copying)
        return [*shown, *([OTHER] if totals[OTHER] else [])]


def _bounded(table: dict[str, Any], name: str) -> str:
    return name if name in table or len(table) < MAX_ROWS else OTHER


def _moment(value: Any) -> float | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def report_lines(path: Path) -> Iterator[ReportLine]:
    """Each line of a report as a JSON object; UsageError naming the file and the line otherwise."""
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        raise UsageError(f"FILE: no such report: {path}") from None
    except OSError as e:
        raise UsageError(f"FILE: cannot read {path}: {e.strerror or e}") from None
    with handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            if len(raw) > _MAX_LINE_BYTES:
                raise UsageError(f"FILE: {path} line {number}: longer than {_MAX_LINE_BYTES} bytes, not a report line")
            try:
                yield report_line.parse(raw)
            except report_line.NotAReportLine as e:
                raise UsageError(f"FILE: {path} line {number}: {printable(str(e))}") from None


def tally(lines: Iterable[ReportLine]) -> ReportTally:
    result = ReportTally()
    for line in lines:
        result.add(line)
    return result


def shown(value: str) -> Text:
    """User text for a table cell: plain text (never read as rich markup: a key may hold `[/b]`), with the
    characters that hide or reorder text written as code points."""
    return Text(visible_text(printable(value)))


def class_table(t: ReportTally) -> Any:
    from ossrestore.fit import Cells, fitted

    outcomes = t.outcomes()
    rows = [
        [
            visible_text(printable(cls)),
            *(f"{t.by_class[cls][o]:,}" for o in outcomes),
            f"{sum(t.by_class[cls].values()):,}",
        ]
        for cls in sorted(t.by_class)
    ]
    totals = t.outcome_totals()
    rows.append(["total", *(f"{totals[o]:,}" for o in outcomes), f"{t.lines:,}"])
    return fitted(
        Cells(
            title="objects by storage class and outcome",
            headers=["storage class", *outcomes, "total"],
            rows=rows,
            bold_last=True,
        )
    )


def failure_table(t: ReportTally) -> Table:
    # The code and the count never wrap; the example keys fold to the width left.
    table = Table(title="failures by OSS code", title_justify="left")
    table.add_column("code", no_wrap=True)
    table.add_column("objects", justify="right", no_wrap=True)
    table.add_column(f"examples (up to {EXAMPLE_KEYS})", overflow="fold")
    for code, group in sorted(t.failures.items(), key=lambda item: (-item[1].objects, item[0])):
        table.add_row(shown(code), f"{group.objects:,}", shown(", ".join(group.examples)))
    if not t.failures:
        table.add_row("none", "0", "")
    return table


def cost_lines(summary: dict[str, Any] | None) -> list[str]:
    """The estimated and actual cost of a run's summary (`run --summary-json`), or "not estimated"."""
    cost = summary.get("cost") if isinstance(summary, dict) else None
    if not isinstance(cost, dict):
        cost = notify.cost_fields(summary.get("estimate") if isinstance(summary, dict) else None)
    currency = f" {cost['currency']}" if cost.get("currency") else ""

    def shown(value: Any) -> str:
        return f"{value}{currency}" if isinstance(value, (int, float)) else str(value)

    return [
        f"estimated cost: {shown(cost.get('estimated', notify.NOT_ESTIMATED))}",
        f"actual cost: {shown(cost.get('actual', notify.NOT_ESTIMATED))}",
    ]


# The first and last seconds a report time can name (0001-01-01T00:00:00Z, 9999-12-31T23:59:59Z).
_FIRST_MOMENT, _LAST_MOMENT = -62_135_596_800.0, 253_402_300_799.0


def moment_text(seconds: float) -> str:
    """A time in the report's form; a time bucket's edge beyond the years 1 to 9999 reads as their end."""
    moment = datetime.fromtimestamp(min(max(seconds, _FIRST_MOMENT), _LAST_MOMENT), UTC)
    return f"{moment.year:04d}-{moment:%m-%dT%H:%M:%SZ}"  # %Y writes year 1 as "1" on some C libraries


def readable_line(t: ReportTally) -> str:
    points = t.readable.cumulative()
    if not points:
        return "readable over time: no line carries readableAt"
    first, last = points[0][0], points[-1][0]
    return (
        f"readable over time: {points[-1][1]} objects from {moment_text(first - t.readable.width)} to "
        f"{moment_text(last)} ({len(points)} steps of {t.readable.width} s)"
    )
