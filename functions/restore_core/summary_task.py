"""summarize: the run's end. Writes the report's index (`manifest.json`: its parts in key order with their
line counts) and `summary.json` (counts by class and outcome, failures by OSS code, what was selected
and what OSS accepted, times), and returns the summary for the completion notice and the command.

A run that failed on the way (the flow catches the error and still comes here) says so: status
`failed` with the error, and the manifest lists the parts written until then (`complete` false).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypedDict

from restore_core import report_lines
from restore_core.counts import LINES, Counts
from restore_core.inputs import SummaryRequest
from restore_core.run_store import RunStore, get_json, put_json
from restore_core.scope import Scope

MANIFEST = "manifest.json"
SUMMARY = "summary.json"
SCHEMA = 1


class ReportIndex(TypedDict):
    url: str
    lines: int
    parts: int
    complete: bool


class _Summary(TypedDict):
    schema: int
    status: str
    error: str | None
    errorName: str | None
    verdict: str  # success, failed, dryRun or error
    bucket: str
    prefix: str
    action: str
    dryRun: bool
    execution: str | None
    started: str | None
    ended: str | None
    seconds: float
    rounds: int
    byOutcome: dict[str, int]
    byClass: dict[str, dict[str, int]]
    failures: dict[str, int]
    skipped: dict[str, int]
    counts: dict[str, int]
    tally: dict[str, Any]
    accepted: dict[str, Any]
    tiers: dict[str, int]
    settings: dict[str, Any]
    warnings: list[str]
    allReadable: bool


class Summary(_Summary, total=False):
    """summarize's output and `summary.json`: the run's counts and verdict (docs/handlers.md, docs/reports.md);
    `report` only in a run with a store. (Not `NotRequired`: FC's python3.10 has no such name in typing.)"""

    report: ReportIndex


def summarize(req: SummaryRequest, *, store: RunStore | None, now: Callable[[], float] = time.time) -> Summary:
    settings, state = req.settings, req.state
    ended = now()
    summary = summary_of(req, ended=ended)
    if store is not None:
        parts = _parts(store, req.scope)
        lines = sum(p["lines"] for p in parts)
        complete = req.status == "done" and lines == state.totals.get(LINES, 0)
        put_json(
            store,
            MANIFEST,
            {
                "schema": SCHEMA,
                "bucket": settings.bucket_name,
                "prefix": settings.prefix,
                "action": settings.action,
                "complete": complete,
                "lines": lines,
                "parts": parts,
                "summary": SUMMARY,
            },
        )
        summary["report"] = {"url": store.url, "lines": lines, "parts": len(parts), "complete": complete}
        put_json(store, SUMMARY, summary)
    return summary


def summary_of(req: SummaryRequest, *, ended: float) -> Summary:
    settings, state = req.settings, req.state
    totals: Counts = state.totals
    outcomes = report_lines.outcomes_for(settings.action, dry_run=settings.dry_run, copying=settings.copy is not None)
    by_class: dict[str, dict[str, int]] = {}
    for name, n in totals.group("outcome").items():
        cls, _, outcome = name.rpartition(".")
        by_class.setdefault(cls, {})[outcome] = n
    by_outcome = {o: sum(c.get(o, 0) for c in by_class.values()) for o in outcomes}
    all_readable = req.status == "done" and not by_outcome.get("failed") and not by_outcome.get("in_progress")
    return {
        "schema": SCHEMA,
        "status": req.status,
        "error": req.error or None,
        "errorName": req.error_name or None,
        "verdict": "error"
        if req.status != "done"
        else "dryRun"
        if settings.dry_run
        else "success"
        if all_readable
        else "failed",
        "bucket": settings.bucket_name,
        "prefix": settings.prefix,
        "action": settings.action,
        "dryRun": settings.dry_run,
        "execution": req.execution_name,
        "started": report_lines.iso(state.started),
        "ended": report_lines.iso(ended),
        "seconds": round(max(0.0, ended - state.started), 3),
        "rounds": state.round,
        "byOutcome": by_outcome,
        "byClass": by_class,
        "failures": totals.group("failure"),
        "skipped": totals.group("skipped"),
        "counts": {k: v for k, v in totals.to_json().items() if "." not in k},
        "tally": totals.tally("tally"),
        "accepted": totals.tally("accepted"),
        "tiers": totals.group("tier"),
        "settings": {
            k: settings.raw[k]
            for k in ("region", "days", "tier", "pollInterval", "maxRequestsPerSecond", "deadline", "bestEffort")
            if k in settings.raw
        },
        "warnings": state.warnings,
        "allReadable": all_readable,
    }


def _parts(store: RunStore, scope: Scope) -> list[dict[str, Any]]:
    """Every shard's parts, shards in key order and each shard's parts in the order it wrote them."""
    records = [get_json(store, name) for name in store.names("shards/")]
    records = [r for r in records if isinstance(r, dict)]
    records.sort(key=lambda r: scope.order(r.get("lo") or ""))
    return [
        {"name": p[0], "lines": p[1], "outcomes": p[2] if len(p) > 2 else {}}
        for r in records
        for p in r.get("parts", [])
    ]
