"""restoreStatus: one round's confirm scan of a shard, and the report lines of what it settled.

Lists the shard from its confirm cursor beside the journal of what OSS answered this run, and settles
the leading run of objects that need nothing more (`report_lines.judge`): each gets its report line,
and the cursor moves past it. It stops at the first object still restoring (the next scan starts
there, when it is due); frozen objects on the way (a restore that expired, an object added since the
listing) are requested again. One report part per scan that settled anything, recorded with its line
count in the shard's record; the shard is done when its cursor reaches the end of its range.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import oss2

from restore_core import classes, copier, copy_step, journal, rate, report_parts, retry, stopping
from restore_core.copy_plan import COPY
from restore_core.copy_step import CopyStep
from restore_core.counts import RE_REQUESTED, Counts
from restore_core.deadline import time_scale
from restore_core.direct_read import archive_direct_read
from restore_core.errors import OSSAccessDenied
from restore_core.inputs import ShardRequest
from restore_core.journal import Contact, better
from restore_core.listing import ObjectInfo
from restore_core.report_lines import (
    REREQUEST,
    ReportLine,
    count,
    expected_seconds,
    filtered_line,
    gone_line,
    iso,
    judge,
    line,
)
from restore_core.restorer import Kind, Settings, Target, restore_all
from restore_core.run_store import RunStore
from restore_core.scope import MANIFEST, VERSIONS
from restore_core.shard_results import ShardResult
from restore_core.shards import END

POLLS_PER_RESTORE = 50  # a scan waiting on a restore comes back at least this often during its documented time
MAX_REREQUESTS = 10_000  # a scan that finds more frozen objects than this leaves the rest to the next one
_AFTER_EVERYTHING = (3,)  # above every position (`Scope.order` ranks them 0 to 2)


class _Scan:
    """The state of one scan: where it got to, what it settled, what it must ask again."""

    def __init__(self, req: ShardRequest, store: RunStore | None, *, direct_read: bool, now: float) -> None:
        self.req, self.scope, self.shard = req, req.scope, req.shard
        self.direct_read, self.now = direct_read, now
        self.checked_at = iso(now) or ""
        self.contacts = (
            None
            if store is None
            else journal.Reader(store, self.shard.id, after=self.shard.j, position=self._contact_position)
        )
        if self.contacts is not None:
            for _ in self.contacts.upto(self.scope.order(self.shard.s)):
                pass  # settled before: their lines are written
        self.pending: dict[tuple[str, str], Contact] = {}
        self.lines: list[ReportLine] = []
        self.counts = Counts()
        self.frontier = self.shard.s
        self.leading = True
        self.rerequests: list[ObjectInfo] = []
        # Frozen or expired ones `flush` found (a copy elsewhere has looked for them at its target already).
        self.restore_again: list[ObjectInfo] = []
        self.waiting: tuple[ObjectInfo, Contact | None] | None = None
        # With convertTo or copyTo, the lines of readable objects wait for their copies (`flush`), and every
        # line after them waits too, so the cursor never passes an object whose copy is not done.
        self.staged: list[copy_step.Staged] = []

    def _contact_position(self, contact: Contact) -> Any:
        if self.scope.kind == MANIFEST:
            return self.scope.order(contact.position)
        return self._key_position(contact.key)

    def _key_position(self, key: str) -> Any:
        return (1, key, 0) if self.scope.kind == VERSIONS else (1, key)

    def position(self, obj: ObjectInfo) -> Any:
        return self.scope.order(obj.resume) if self.scope.kind == MANIFEST else self._key_position(obj.key)

    def _settle(self, settled: ReportLine, after: str, copy: ObjectInfo | None = None, *, frozen: bool = False) -> None:
        if copy is not None or self.staged:
            self.staged.append((settled, after, copy, frozen))
            return
        self.lines.append(settled)
        self.frontier = after
        count(self.counts, settled)

    def flush(self, step: CopyStep | None) -> bool:
        """Send the staged copies and settle the staged lines in order, up to the first whose copy is not done;
        False when one is not (the scan stops there, and the next one starts from it)."""
        plan = self.req.settings.copy
        if not self.staged or step is None or plan is None:
            return True
        staged, self.staged = self.staged, []
        copies = [(obj, frozen) for _, _, obj, frozen in staged if obj is not None]
        results = step([obj for obj, _ in copies], frozen={i for i, (_, frozen) in enumerate(copies) if frozen})
        settled, again, denied = copy_step.settle_all(staged, results, plan, days=self.req.settings.days)
        if denied is not None:
            raise OSSAccessDenied(denied.operation, denied.code, denied.message)
        for done, after in settled:
            self._settle(done, after)
        self.restore_again.extend(again)
        if len(settled) < len(staged):
            self.leading = False
            return False
        return True

    def _gone_before(self, position: Any) -> None:
        for ident, contact in list(self.pending.items()):
            if self._contact_position(contact) < position:
                del self.pending[ident]
                if self.leading:
                    after = self.staged[-1][1] if self.staged else self.frontier
                    self._settle(gone_line(contact, checked_at=self.checked_at), after)

    def _contact_of(self, obj: ObjectInfo) -> Contact | None:
        """What OSS answered this run about `obj` (the journal up to its position), settling what was deleted
        before it."""
        position = self.position(obj)
        if self.contacts is not None:
            for read in self.contacts.upto(position):
                self.pending[read.ident] = better(self.pending.get(read.ident), read)
        self._gone_before(position)
        ident = (obj.key, obj.version_id or "")
        contact = self.pending.pop(ident, None)
        if self.contacts is not None:
            again = self.contacts.rerequested(ident)
            if again is not None:
                contact = again if contact is None else better(contact, again)
        return contact

    def visit(self, obj: ObjectInfo, following: ObjectInfo | None) -> bool:
        """Judge one object; False when the scan stops here (it is still restoring)."""
        contact = self._contact_of(obj)
        settings, plan = self.req.settings, self.req.settings.copy
        after = self.scope.after(obj, following)
        # Before the filters: its new class may be one a class filter leaves out.
        if plan is not None and copy_step.converted_before(obj, plan, asked=contact is not None):
            if self.leading:
                base = line(obj, REREQUEST, contact, checked_at=self.checked_at, now=self.now)
                self._settle(copy_step.converted_line(base, obj, plan), after)
            return True
        left_out = (
            None if obj.missing else settings.selection.selects(obj.key, obj.storage_class, obj.size, obj.modified)
        )
        if left_out is not None:
            if self.leading:
                self._settle(filtered_line(obj, left_out, checked_at=self.checked_at), after)
            return True
        found = judge(settings.action, obj, contact, direct_read=self.direct_read, days=settings.days)
        if found is REREQUEST and self.leading and plan is not None and plan.mode == COPY and not settings.dry_run:
            # Frozen, but a copy elsewhere may be there already (an earlier run's): looked for before a restore.
            self._settle(
                line(obj, REREQUEST, contact, checked_at=self.checked_at, now=self.now), after, obj, frozen=True
            )
            return True
        if found is REREQUEST:
            self.leading = False
            self.rerequests.append(obj)
            return len(self.rerequests) < MAX_REREQUESTS
        if found is None:
            self.leading = False
            self.waiting = (obj, contact)
            return False
        if self.leading:
            settled = line(obj, found, contact, checked_at=self.checked_at, now=self.now)
            readable = plan is not None and not settings.dry_run and found.outcome in ("restored", "already_restored")
            if readable and plan is not None and not copy_step.may_copy(obj, plan):
                settled, readable = copy_step.version_kept(settled, plan), False
            self._settle(settled, after, obj if readable else None)
        return True

    def reached(self, bound: str | None) -> None:
        """The listing ended at the range's bound: what the journal still holds there was deleted."""
        if not self.leading:
            return
        if self.contacts is not None:
            for contact in self.contacts.upto(self.scope.order(bound)):
                self.pending[contact.ident] = better(self.pending.get(contact.ident), contact)
        self._gone_before(_AFTER_EVERYTHING)
        self.frontier = END if bound is None else bound


def confirm_scan(
    bucket: oss2.Bucket,
    req: ShardRequest,
    *,
    store: RunStore | None,
    sleep: retry.Sleep = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    now: Callable[[], float] = time.time,
) -> ShardResult:
    settings, scope, shard = req.settings, req.scope, req.shard
    stop_at = clock() + req.seconds
    limiter = rate.for_invocation(bucket.endpoint, bucket.bucket_name, share=req.share, sleep=sleep, start=req.start)
    direct = archive_direct_read(bucket)
    scan = _Scan(req, store, direct_read=direct.enabled, now=now())
    bound = shard.m if scope.requesting(shard) else shard.hi  # waitPerBatch: only what was requested so far
    read = scope.reader(bucket, limiter=limiter, sleep=sleep)
    step = _copy_step(bucket, req, limiter=limiter, stop_at=stop_at, clock=clock, sleep=sleep, now=now)
    cursor, going, part = shard.s, True, shard.p
    while going:
        page = read(cursor)
        inside = [o for o in page.objects if bound is None or not scope.beyond(o, bound)]
        ended = len(inside) < len(page.objects) or not page.truncated
        objects = [o for o in inside if not scope.ours(o)]  # the run's own report: not the run's to settle
        for i, obj in enumerate(objects):
            if not scan.visit(obj, objects[i + 1] if i + 1 < len(objects) else None):
                going = False
                break
        if not scan.flush(step):
            going = False
        elif going and ended:
            scan.reached(bound)
        if store is not None and len(scan.lines) >= report_parts.PART_LINES:
            # A scan may settle a whole shard at once: its lines go out a part at a time, so neither this
            # invocation nor a reader of the report holds more than a part of them.
            part = report_parts.write(store, replace(shard, p=part), [scan.lines], done=False).p
            scan.lines = []
        if going and ended:
            break
        if going and (clock() >= stop_at or stopping.requested()):
            break
        cursor = page.next_marker
    counts = scan.counts
    # Frozen objects past the leading run were not looked for at the target yet; those `flush` found were.
    scan.rerequests = [*scan.restore_again, *_not_at_target(bucket, step, scan.rerequests)]
    if scan.rerequests and not settings.dry_run:
        _rerequest(
            bucket,
            req,
            scan.rerequests,
            store,
            counts,
            limiter=limiter,
            stop_at=stop_at,
            clock=clock,
            sleep=sleep,
            at=now(),
        )
    moved = replace(shard, s=scan.frontier, q=shard.q + 1, d=_due(req, scan, now()), p=part)
    if scan.contacts is not None:
        moved = replace(moved, j=scan.contacts.mark(scope.order(scan.frontier)))
    if store is not None and (scan.lines or scope.done(moved)):
        moved = report_parts.write(store, moved, [scan.lines], done=scope.done(moved))
    warnings = (direct.warning,) if direct.warning else ()
    return ShardResult(moved, counts, warnings)


def _copy_step(
    bucket: oss2.Bucket,
    req: ShardRequest,
    *,
    limiter: rate.RateLimiter,
    stop_at: float,
    clock: Callable[[], float],
    sleep: retry.Sleep,
    now: Callable[[], float],
) -> CopyStep | None:
    settings = req.settings
    if settings.copy is None or settings.dry_run:
        return None
    return CopyStep(
        bucket,
        settings.copy,
        copier.Sender(limiter, stop_at, sleep=sleep, clock=clock),
        days=settings.days,
        workers=settings.workers,
        listed=req.scope.kind != MANIFEST,
        now=now,
    )


def _not_at_target(bucket: oss2.Bucket, step: CopyStep | None, frozen: list[ObjectInfo]) -> list[ObjectInfo]:
    """With copyTo, the frozen objects whose copy is not at the target: one that is (an earlier run copied it) is
    not restored again, and the scan settles it as copied once its cursor reaches it."""
    if step is None or step.plan.mode != COPY or not frozen:
        return frozen
    there = copier.present(bucket, frozen, step.plan, step.send, listed=step.listed)
    return [o for o in frozen if o.key not in there]


def _rerequest(
    bucket: oss2.Bucket,
    req: ShardRequest,
    objects: list[ObjectInfo],
    store: RunStore | None,
    counts: Counts,
    *,
    limiter: rate.RateLimiter,
    stop_at: float,
    clock: Callable[[], float],
    sleep: retry.Sleep,
    at: float,
) -> None:
    settings = req.settings
    deadline = settings.deadline
    tiers = replace(deadline, best_effort=True).tiers({o.storage_class for o in objects}, now=at) if deadline else {}
    restorer = Settings(
        days=settings.days, tier=settings.tier, tiers=tiers, workers=settings.workers, sleep=sleep, clock=clock
    )
    targets = [Target(o.key, o.storage_class or None, o.version_id) for o in objects]
    outcomes = restore_all(bucket, targets, restorer, limiter=limiter, stop_at=stop_at + 5.0)
    denied = next((o for o in outcomes if o.kind is Kind.DENIED), None)
    if denied is not None:
        raise OSSAccessDenied("RestoreObject", denied.code, denied.message)
    contacts = []
    for obj, outcome in zip(objects, outcomes):
        if outcome.kind in (Kind.NOT_SENT, Kind.NOT_TRIED, Kind.INCOMPLETE):
            continue  # the next scan finds it frozen again and asks again
        if outcome.kind is Kind.REQUESTED:
            counts[RE_REQUESTED] += 1
        tier = classes.fit(obj.storage_class or None, settings.days, tiers.get(obj.storage_class, settings.tier))[
            0
        ].tier
        position = obj.resume if req.scope.kind == MANIFEST else ""
        contacts.append(
            Contact(
                obj.key,
                obj.version_id,
                outcome.status,
                outcome.code,
                at,
                (tier or "") if outcome.kind is Kind.REQUESTED else "",
                position,
            )
        )
    if store is not None and contacts:
        journal.write(store, journal.rerequest_name(req.shard.id, req.shard.q), contacts)


def _due(req: ShardRequest, scan: _Scan, now: float) -> int:
    """When the next scan is worth making. One that stopped at a restore still running comes back after
    half the time that restore has run so far (a restore is about as far from its end as from its start:
    seconds in an emulator, hours for Deep Cold), never sooner than the poll interval and never later
    than a fiftieth of the class's documented time; one cut short comes back at once."""
    if scan.waiting is None:
        return 0
    obj, contact = scan.waiting
    tier = (contact.tier or None) if contact is not None else None
    longest = expected_seconds(obj.storage_class, tier) * time_scale() / POLLS_PER_RESTORE
    # A restore found running (no answer of this run's to date it) backs off with each scan instead.
    age = (now - contact.at) / 2 if contact is not None else req.settings.poll_interval * 2.0 ** min(req.shard.q, 12)
    wait = max(float(req.settings.poll_interval), min(longest, age))
    return int(now + wait + 0.999)
