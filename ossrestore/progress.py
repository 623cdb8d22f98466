"""What a run has done so far, learned from the handlers' own results, and its live display."""
from __future__ import annotations

import bisect
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from rich.console import Console
from rich.live import Live

from ossrestore.contacts import ContactStore, KeyContact, contact_key, entry_contact_key
from ossrestore.fit import Cells, Fitted, fitted
from restore_core import inputs
from restore_core.errors import InvalidParameter


def group_keys(files: Any) -> list[str]:
    """The contact keys of one restore group (`contact_key`: a key, or a version of it), in the order the
    handler indexes its outcomes."""
    return [key for key, _ in group_targets(files)]


def group_targets(files: Any) -> list[tuple[str, str | None]]:
    """(contact key, class) of one restore group, in the order the handler indexes its outcomes (read as
    the handler reads them: packed or plain, classes in the order Archive, ColdArchive, DeepColdArchive)."""
    try:
        return [(contact_key(t.key, t.version_id), t.storage_class) for t in inputs.files(files, "files")]
    except InvalidParameter:
        return []  # the handler refused it too: it has no outcomes to map


@dataclass
class Counters:
    listed: int = 0
    archive: int = 0
    not_archived: int = 0
    direct_read: int = 0  # Archive objects a bucket with archive direct read serves without a restore
    already_readable: int = 0
    requested: int = 0
    in_progress: int = 0
    already_restored: int = 0
    skipped: int = 0
    failed: int = 0
    readable: int = 0
    restoring: int = 0
    rerequested: int = 0
    escalated: int = 0  # running restores a deadline sped up (answered 202 to a faster tier)
    pages: int = 0
    polls: int = 0
    filtered: int = 0  # left out by the run's filters


class RunTracker:
    """Thread-safe tally of handler results; the engine calls it from many foreach threads.

    What OSS answered about each key goes to a `ContactStore` on disk as it arrives, so memory stays
    flat however many objects the run touches; `close()` deletes it.
    """

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._counters = Counters()
        self._contacts = ContactStore()
        self._adjustments: set[tuple[str, str, str, str]] = set()
        self._tiers: Counter[tuple[str, str]] = Counter()  # (class, tier) -> restores requested with it
        self._warnings: dict[str, None] = {}  # insertion-ordered set
        self._tally: dict[str, Any] = {}
        # When the confirm scan's cursor passed each key: each poll moves it (statusMarker) past the
        # leading objects known readable, in listing order, so (cursor, time) per poll bounds from above
        # when every key became readable. One entry per poll, none per object.
        self._readable_marks: list[bytes] = []
        self._readable_times: list[float] = []
        self.started_at = clock()

    def observe(self, function_name: str, event: dict[str, Any], result: dict[str, Any]) -> None:
        with self._lock:
            # listArchiveFiles and restoreStatus say when they could not read a setting they rely on
            self._warnings.update(dict.fromkeys(str(w) for w in result.get("warnings") or []))
            if function_name == "listArchiveFiles":
                self._on_listing(result)
            elif function_name == "restore":
                self._on_restore(event, result)
            elif function_name == "restoreStatus":
                self._on_status(event, result)

    def _on_listing(self, result: dict[str, Any]) -> None:
        c = self._counters
        skipped = result.get("skipped") or {}
        running = int(skipped.get("restoreInProgress") or 0)
        c.pages += 1
        c.listed += int(result.get("listedCount") or 0)
        c.archive += int(result.get("archiveFilesCount") or 0) + running
        c.not_archived += int(skipped.get("notArchived") or 0)
        c.direct_read += int(skipped.get("archiveDirectRead") or 0)
        c.already_readable += int(skipped.get("alreadyRestored") or 0)
        c.filtered += int(skipped.get("filtered") or 0)
        c.failed += int(result.get("missing") or 0)  # named by a manifest, not in the bucket
        # The listing hands on a running total (restore_core/tally.py): the largest seen is the latest.
        tally = result.get("tally") or {}
        if _objects(tally) >= _objects(self._tally):
            self._tally = tally
        # A restore found running (an earlier run asked for it) is not requested again, but it is this
        # run's to confirm: counted and remembered as OSS would have answered a request, 409.
        c.in_progress += running
        now = self._clock()
        running_keys = [entry_contact_key(entry) for entry in result.get("inProgressKeys") or []]
        self._contacts.record((key, KeyContact(409, at=now)) for key in running_keys)
        # A deadline sped these up: this run's request took effect (202), with the tier it names.
        tiers = result.get("escalationTiers") or {}
        for cls, indices in (result.get("escalated") or {}).items():
            sped = [running_keys[i] for i in indices if 0 <= i < len(running_keys)]
            c.escalated += len(sped)
            self._tiers[(cls, str(tiers.get(cls, "")))] += len(sped)
            self._contacts.record((key, KeyContact(202, at=now, tier=str(tiers.get(cls, "")))) for key in sped)

    def _on_restore(self, event: dict[str, Any], result: dict[str, Any]) -> None:
        c, now = self._counters, self._clock()
        c.requested += int(result.get("requested") or 0)
        c.in_progress += int(result.get("inProgress") or 0)
        c.already_restored += int(result.get("alreadyRestored") or 0)
        c.skipped += int(result.get("skipped") or 0)
        c.failed += int(result.get("failed") or 0)
        for a in result.get("adjustments") or []:
            self._adjustments.add((str(a.get("storageClass")), str(a.get("field")), str(a.get("from")), str(a.get("to"))))
        targets = group_targets(event.get("files"))
        tiers = result.get("tiers") or {}
        answered = [(targets[i], int(status)) for status, indices in (result.get("outcomes") or {}).items()
                    for i in indices if 0 <= i < len(targets)]
        for (_, cls), status in answered:
            if status == 202 and cls in tiers:
                self._tiers[(cls, str(tiers[cls]))] += 1
        self._contacts.record(
            (key, KeyContact(status, at=now, tier=str(tiers.get(cls, "")) if cls else "")) for (key, cls), status in answered
        )
        self._contacts.record(
            (contact_key(entry["key"], entry.get("versionId")), KeyContact(int(entry.get("status") or 0), entry.get("code") or "", now))
            for entry in (result.get("skippedKeys") or []) + (result.get("failedKeys") or [])
        )

    def _on_status(self, event: dict[str, Any], result: dict[str, Any]) -> None:
        c = self._counters
        c.polls += 1
        c.restoring = int(result.get("restoring") or 0)
        c.rerequested += int(result.get("rerequested") or 0)
        now = self._clock()
        # the confirm phase asked again: this run paid
        self._contacts.record((contact_key(entry["key"], entry.get("versionId")), KeyContact(int(entry.get("status") or 202), at=now))
                              for entry in result.get("rerequestedKeys") or [])
        if "confirmed" in result:  # scan mode: the cursor only moves past objects known readable
            c.readable += int(result.get("confirmed") or 0)
            mark = _listing_order(str(result.get("statusMarker") or ""))
            if mark and (not self._readable_marks or mark > self._readable_marks[-1]):
                self._readable_marks.append(mark)
                self._readable_times.append(now)
        elif result.get("status") == "success":  # a per-batch check of a whole page
            c.readable += int(result.get("readable") or 0)

    def readable_seen_at(self, key: str) -> float | None:
        """When the confirm scan's cursor first passed key (known readable by then); None if it never did."""
        with self._lock:
            i = bisect.bisect_left(self._readable_marks, _listing_order(key))
            return self._readable_times[i] if i < len(self._readable_times) else None

    def snapshot(self) -> Counters:
        with self._lock:
            return replace(self._counters)

    def tally(self) -> dict[str, Any]:
        """What the listing selected so far per class (objects, bytes, restore requests)."""
        with self._lock:
            return dict(self._tally)

    def adjustments(self) -> list[str]:
        """How Days and Tier were fitted to each class, e.g. `Archive: days 30 -> 7`."""
        with self._lock:
            return [f"{cls}: {field_} {was} -> {now}" for cls, field_, was, now in sorted(self._adjustments)]

    def tiers(self) -> list[str]:
        """Which tier each class's restores used, e.g. `ColdArchive: Standard (1200)`."""
        with self._lock:
            return [f"{cls}: {tier} ({n})" for (cls, tier), n in sorted(self._tiers.items()) if tier]

    def warnings(self) -> list[str]:
        """What the handlers could not find out (each once), e.g. an unreadable archive direct read."""
        with self._lock:
            return list(self._warnings)

    def contacts(self) -> ContactStore:
        """What OSS answered about each key so far (read-only use: the tracker records into it)."""
        return self._contacts

    def close(self) -> None:
        self._contacts.close()


def _objects(tally: dict[str, Any]) -> int:
    return sum(int((counts or {}).get("objects") or 0) for counts in tally.values())


def _listing_order(key: str) -> bytes:
    """key as OSS orders listings: by its UTF-8 bytes."""
    return key.encode("utf-8", "surrogatepass")


def _elapsed(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:d}:{minutes:02d}:{secs:02d}"


# What each progress counter counts, in the order shown (README, "Running a restore").
PROGRESS_COUNTERS = ("listed", "already readable", "requested", "found restoring", "restoring", "readable",
                     "skipped", "failed")


def progress_counts(c: Counters) -> dict[str, int]:
    """The counters shown while a run goes: objects listed; readable when listed (nothing to do); restores this
    run requested (OSS accepted them, the confirm phase's re-requests included); restores found already running;
    of those two, how many are not yet confirmed readable (restoring: never the already readable ones); archive
    objects the confirm scan found readable (the already readable included); left alone (not archived, read
    directly, filtered, gone); failed."""
    newly_readable = max(c.readable - c.already_readable - c.direct_read, 0)
    return {
        "listed": c.listed, "already readable": c.already_readable, "requested": c.requested + c.rerequested,
        "found restoring": c.in_progress,
        "restoring": max(c.restoring, c.archive - newly_readable - c.skipped - c.failed, 0),
        "readable": c.readable, "skipped": c.not_archived + c.direct_read + c.skipped + c.filtered,
        "failed": c.failed,
    }


def progress_table(tracker: RunTracker, *, now: float | None = None) -> Fitted:
    c = tracker.snapshot()
    elapsed = max((now or time.time()) - tracker.started_at, 1e-9)
    counts = progress_counts(c)
    submitted = c.requested + c.in_progress + c.already_restored
    return fitted(Cells(
        title="oss-restore", headers=["", *PROGRESS_COUNTERS, "rate", "elapsed"],
        rows=[["", *(f"{counts[k]:,}" for k in PROGRESS_COUNTERS), f"{submitted / elapsed:,.0f}/s", _elapsed(elapsed)]],
    ))


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
            self._live = Live(get_renderable=lambda: progress_table(self._tracker), console=self._console,
                              refresh_per_second=4, transient=True)
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

