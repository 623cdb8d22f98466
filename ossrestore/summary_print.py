"""What the command prints when a run ends: the estimate, the outcome table, how Days and Tier were fitted,
warnings and flow errors, then the estimate beside what happened."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from ossrestore.estimate import estimate_table, versus_table
from ossrestore.local_run import LocalRun
from ossrestore.progress import progress_table
from restore_core import classes
from restore_core.tally import read_tally


def adjustments(document: dict[str, Any]) -> list[str]:
    """How Days and Tier were fitted to each class the run requested, e.g. `Archive: days 30 -> 7`."""
    settings = document.get("settings") or {}
    days, tier = int(settings.get("days") or 1), str(settings.get("tier") or classes.DEFAULT_TIER)
    requested = {cls for cls, counts in read_tally(document.get("accepted")).items() if counts["objects"]}
    found = [a for cls in classes.ARCHIVE_CLASSES if cls in requested for a in classes.fit(cls, days, tier)[1]]
    return [f"{a.storage_class}: {a.field} {a.before} -> {a.after}" for a in found]


def summary_table(run: LocalRun) -> Table:
    table = Table(title="result (checked by listing)", title_justify="left")
    table.add_column("outcome")
    table.add_column("objects", justify="right")
    for outcome in run.summary.outcomes:
        table.add_row(outcome, str(run.summary.by_outcome[outcome]))
    table.add_row("main flow executions", str(run.main_executions))
    table.add_row("rounds (restore sub-flow executions)", str(len(run.executions) - run.main_executions))
    return table


def print_summary(run: LocalRun, console: Console, *, dry_run: bool = False, opening_estimate: bool = True) -> None:
    """A dry run: the estimate. A real run: the estimate first (unless already shown before the run:
    `opening_estimate=False`), what happened, then the two side by side."""
    if run.summary.estimate is not None and (dry_run or opening_estimate):
        for renderable in estimate_table(run.summary.estimate):
            console.print(renderable)
    if dry_run:
        for error in run.summary.flow_errors:
            console.print(f"[red]execution failed[/red] {error}")
        return
    console.print(progress_table(run.tracker))
    console.print(summary_table(run))
    for adjustment in adjustments(run.document):
        console.print(f"fitted to the class: {adjustment}", highlight=False)
    for name, n in sorted(run.totals.group("tier").items()):
        cls, _, tier = name.rpartition(".")
        console.print(f"tier used: {cls}: {tier} ({n})", highlight=False)
    counters = run.tracker.snapshot()
    if counters.escalated:
        console.print(f"escalated to a faster tier to meet the deadline: {counters.escalated}", highlight=False)
    if counters.escalation_refused:
        # Best effort: a refused speed-up leaves the running restore as it was (restore_core.slice_task._escalate).
        console.print(
            f"speed-up refused by OSS, restore left as it was: {counters.escalation_refused}", highlight=False
        )
    for warning in run.summary.warnings:
        console.print(f"[yellow]warning[/yellow] {warning}")
    for error in run.summary.flow_errors:
        console.print(f"[red]execution failed[/red] {error}")
    if run.summary.estimate is not None:
        console.print(versus_table(run.summary.estimate, run.summary.by_class, elapsed=run.elapsed))
