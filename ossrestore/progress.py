"""What a run has done so far, added up from the invocations' own results, and its live display."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rich.console import Console
from rich.live import Live

from ossrestore.fit import Cells, Fitted, fitted
from restore_core import counts as names
from restore_core.counts import Counts
from restore_core.errors import InvalidParameter
from restore_core.plan_task import shards_in
from restore_core.run_store import RunStore, get_json


@dataclass(frozen=True)
class Counters:
    """The run's counters as the live display and the summary show them."""

    listed: int = 0
    requested: int = 0  # restores OSS accepted from this run (202), or extends and cleans it answered
    already_readable: int = 0  # found readable (listed so, or answered 200)
    in_progress: int = 0  # found restoring (listed so, or answered 409)
    readable: int = 0  # settled readable by the confirm scans
    skipped: int = 0  # left alone: not archived, direct read, filtered
    failed: int = 0
    rerequested: int = 0
    escalated: int = 0
    escalation_refused: int = 0
    lines: int = 0

    @property
    def restoring(self) -> int:
        """Asked for or found restoring, and not yet settled readable by a confirm scan (the already readable
        ones are readable, never restoring)."""
        return max(0, self.requested + self.in_progress - max(0, self.readable - self.already_readable))


def counters_of(totals: Counts) -> Counters:
    return Counters(
        listed=totals[names.LISTED],
        requested=totals[names.REQUESTED],
        already_readable=totals[names.ALREADY_RESTORED],
        in_progress=totals[names.IN_PROGRESS],
        readable=totals[names.READABLE],
        skipped=sum(totals.group("skipped").values()),
        failed=totals[names.FAILED],
        rerequested=totals[names.RE_REQUESTED],
        escalated=totals[names.ESCALATED],
        escalation_refused=totals[names.ESCALATION_REFUSED],
        lines=totals[names.LINES],
    )


class RunTracker:
    """Thread-safe sum of what the round's invocations handed back (the engine calls it from many
    threads); the planner adds up the same counts for the flow's own state."""

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._totals = Counts()
        self._warnings: dict[str, None] = {}  # insertion-ordered set
        self.shards = 0
        self.rounds = 0
        self.started_at = clock()
        self.store: RunStore | None = None  # where results handed back by reference are read (shard_results)

    def observe(self, function_name: str, event: dict[str, Any], result: dict[str, Any]) -> None:
        if function_name in ("restore", "restoreStatus") and isinstance(result.get("k"), str) and self.store:
            try:
                referenced = get_json(self.store, result["k"])  # read outside the lock: the store may be OSS
            except Exception:  # progress only: the planner reads the same counts for the verdict
                referenced = None
            result = {**result, **(referenced if isinstance(referenced, dict) else {})}
        with self._lock:
            if function_name in ("restore", "restoreStatus"):
                try:
                    self._totals.update(Counts.from_json(result.get("c"), "c"))
                except InvalidParameter:
                    return  # the planner refuses the same result and fails the run: nothing to count
                self._warnings.update(dict.fromkeys(str(w) for w in result.get("w") or []))
            elif function_name == "listArchiveFiles":
                self.rounds += 1
                self.shards = shards_in(result)

    def totals(self) -> Counts:
        with self._lock:
            return Counts(self._totals)

    def snapshot(self) -> Counters:
        return counters_of(self.totals())

    def warnings(self) -> list[str]:
        with self._lock:
            return list(self._warnings)


def _elapsed(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:d}:{minutes:02d}:{secs:02d}"


# What each progress counter counts, in the order shown (docs/usage.md, "Running a restore").
PROGRESS_COUNTERS = (
    "listed",
    "already readable",
    "requested",
    "found restoring",
    "restoring",
    "readable",
    "skipped",
    "failed",
)


def progress_counts(c: Counters) -> dict[str, int]:
    """The counters shown while a run goes: objects listed; readable when listed (nothing to do); restores this
    run requested (OSS accepted them, the confirm scans' re-requests included); restores found already running;
    of those two, how many are not yet confirmed readable (restoring: never the already readable ones); objects
    the confirm scans settled readable (the already readable included); left alone (not archived, read directly,
    filtered, gone); failed."""
    return {
        "listed": c.listed,
        "already readable": c.already_readable,
        "requested": c.requested + c.rerequested,
        "found restoring": c.in_progress,
        "restoring": c.restoring,
        "readable": c.readable,
        "skipped": c.skipped,
        "failed": c.failed,
    }


def progress_table(tracker: RunTracker, *, now: float | None = None) -> Fitted:
    c = tracker.snapshot()
    elapsed = max((now or time.time()) - tracker.started_at, 1e-9)
    counts = progress_counts(c)
    submitted = c.requested + c.in_progress + c.already_readable
    return fitted(
        Cells(
            title="oss-restore",
            headers=["", *PROGRESS_COUNTERS, "rate", "elapsed"],
            rows=[
                ["", *(f"{counts[k]:,}" for k in PROGRESS_COUNTERS), f"{submitted / elapsed:,.0f}/s", _elapsed(elapsed)]
            ],
        )
    )


class ProgressView:
    """A live table on a terminal; elsewhere (CI, pipes) one plain line every few seconds."""

    def __init__(self, tracker: RunTracker, *, console: Console, enabled: bool = True, interval: float = 5.0) -> None:
        self._tracker, self._console, self._enabled, self._interval = tracker, console, enabled, interval
        self._stop = threading.Event()

    def __enter__(self) -> ProgressView:
        if not self._enabled:
            return self
        if self._console.is_terminal:
            # transient: the summary prints the final table, so the live one need not stay behind
            self._live = Live(
                get_renderable=lambda: progress_table(self._tracker),
                console=self._console,
                refresh_per_second=4,
                transient=True,
            )
            self._live.__enter__()
        else:
            self._thread = threading.Thread(target=self._print_lines, daemon=True)
            self._thread.start()
        return self

    def _print_lines(self) -> None:
        while not self._stop.wait(self._interval):
            counts = progress_counts(self._tracker.snapshot())
            self._console.print("  ".join(f"{name} {counts[name]:,}" for name in PROGRESS_COUNTERS), highlight=False)

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        if self._enabled and self._console.is_terminal:
            self._live.__exit__(*exc)
