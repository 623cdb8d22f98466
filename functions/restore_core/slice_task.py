"""restore: one round's request slice of a shard.

Lists the shard's range from its request cursor, a page at a time, and requests the restore of what
needs one (extend and clean: their own request), for `seconds` or until the range ends. OSS's answers
to each page go to the journal before the cursor moves past them; a page cut short (time ran out, or
requests kept failing) leaves the cursor before its first unanswered object, and the next slice skips
the keys that page's journal part already holds, so no key is sent twice.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import oss2

from restore_core import (
    classes,
    copier,
    decisions,
    journal,
    keyspace,
    listing,
    rate,
    report_lines,
    report_parts,
    retry,
    stopping,
    tally,
)
from restore_core.counts import (
    ALREADY_RESTORED,
    ESCALATED,
    ESCALATION_REFUSED,
    FAILED,
    IN_PROGRESS,
    LISTED,
    REQUESTED,
    Counts,
)
from restore_core.decisions import Outcome, Skip
from restore_core.direct_read import archive_direct_read
from restore_core.errors import OSSAccessDenied
from restore_core.inputs import ShardRequest
from restore_core.journal import Contact
from restore_core.listing import ObjectInfo
from restore_core.report_lines import ReportLine
from restore_core.restorer import RESTORE_RETRY, KeyOutcome, Kind, Settings, Target, restore_all
from restore_core.run_store import RunStore
from restore_core.scope import KEYS, MANIFEST, Scope
from restore_core.shard_results import ShardResult
from restore_core.shards import END, Shard

ESCALATION_WORKERS = 50
SHORT_CURSOR = 64  # characters: a cursor longer than this is worth a listing of one key to shorten


@dataclass(frozen=True)
class _Plan:
    """What the slice does with one listed object."""

    request: bool
    reason: str = ""  # why nothing is requested (a skipped.<reason> counter), "" when it is
    counter: str = ""  # the counter it adds to instead (alreadyRestored, inProgress)


def restore_slice(
    bucket: oss2.Bucket,
    req: ShardRequest,
    *,
    store: RunStore | None,
    sleep: retry.Sleep = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    now: Callable[[], float] = time.time,
    policy: retry.RetryPolicy = RESTORE_RETRY,
) -> ShardResult:
    settings, scope, shard = req.settings, req.scope, req.shard
    stop_at = clock() + req.seconds
    limiter = rate.for_invocation(bucket.endpoint, bucket.bucket_name, share=req.share, sleep=sleep, start=req.start)
    direct = archive_direct_read(bucket)
    read = scope.reader(bucket, limiter=limiter, sleep=sleep)
    answered = {c.ident for c in journal.read(store, shard.r)} if store is not None and shard.r else set()
    counts = Counts()
    restorer = Settings(
        days=settings.days,
        tier=settings.tier,
        action=settings.action,
        workers=settings.workers,
        policy=policy,
        sleep=sleep,
        clock=clock,
    )
    cursor, page_number, resume = shard.m, 0, ""
    start_position = shard.m
    dry_lines: list[ReportLine] = []  # a dry run's lines not yet written
    part = shard.p
    while True:
        page = read(cursor)
        inside = [o for o in page.objects if not scope.beyond(o, shard.hi)]
        last_page = len(inside) < len(page.objects) or not page.truncated
        objects = [o for o in inside if not scope.ours(o)]
        if not objects and inside and not last_page and clock() < stop_at and not stopping.requested():
            cursor = scope.after(inside[-1], None)  # a page of the run's own objects: on to the next
            continue
        plans = [_plan(o, req, direct_read=direct.enabled, answered=answered) for o in objects]
        plans = _skip_copied(bucket, req, objects, plans, copier.Sender(limiter, stop_at, sleep=sleep, clock=clock))
        _check_deadline(req, [o for o, p in zip(objects, plans) if p.request], now())
        targets = [Target(o.key, o.storage_class or None, o.version_id) for o, p in zip(objects, plans) if p.request]
        sending = _with_tiers(restorer, req, targets, now())
        outcomes = (
            []
            if settings.dry_run or not targets
            else restore_all(bucket, targets, sending, limiter=limiter, stop_at=stop_at)
        )
        _raise_if_denied(outcomes, settings.action)
        escalations = _escalate(
            bucket, req, objects, plans, limiter=limiter, stop_at=stop_at, clock=clock, now=now(), sleep=sleep
        )
        if settings.dry_run and store is not None:
            dry_lines += _dry_lines(objects, req, direct_read=direct.enabled, at=now())
            if len(dry_lines) >= report_parts.PART_LINES:
                # A dry run lists as fast as OSS answers: its lines go out a part at a time, or a slice
                # would hold every line of its range.
                part = _write_dry(store, replace(shard, p=part), dry_lines, counts, done=False).p
                dry_lines = []
        done, contacts, cut = _take_answers(
            objects, plans, outcomes, escalations, req=req, counts=counts, sending=sending, restorer=restorer, at=now()
        )
        if store is not None and contacts:
            name = journal.part_name(shard.id, shard.n, page_number)
            journal.write(store, name, contacts)
            resume = name if cut else ""
        page_number += 1
        if done:
            following = objects[done] if done < len(objects) else None
            cursor = scope.after(objects[done - 1], following)
        if cut:
            break
        if last_page:
            cursor = END
            break
        if stopping.requested():
            break  # the run is stopped: the journal above is what counts, no listing more
        if clock() >= stop_at:
            cursor = _shorter(bucket, scope, cursor, shard.hi, limiter=limiter, sleep=sleep)
            break
    moved = replace(shard, m=cursor, n=shard.n + 1, r=resume, p=part)
    if store is not None and (dry_lines or part != shard.p):
        moved = _write_dry(store, moved, dry_lines, counts, done=not scope.requesting(moved))
    warnings = (direct.warning,) if direct.warning else ()
    return ShardResult(moved, counts, warnings, _remaining(scope, shard, start_position, cursor, counts[LISTED]))


def _skip_copied(
    bucket: oss2.Bucket, req: ShardRequest, objects: list[ObjectInfo], plans: list[_Plan], send: copier.Sender
) -> list[_Plan]:
    """With copyTo, a frozen object whose copy is at the target already (an earlier run made it) needs no
    restore: its restore would be paid twice."""
    plan = req.settings.copy
    if plan is None or req.settings.dry_run:
        return plans
    asked = [o for o, p in zip(objects, plans) if p.request]
    try:
        there = copier.present(bucket, asked, plan, send, listed=req.scope.kind != MANIFEST)
    except retry.OutOfTime:
        return plans  # not looked for: the confirm scan looks again before it asks again
    at_target = _Plan(False, Skip.AT_TARGET.value)
    return [at_target if p.request and o.key in there else p for o, p in zip(objects, plans)]


def _take_answers(
    objects: list[ObjectInfo],
    plans: list[_Plan],
    outcomes: list[KeyOutcome],
    escalations: dict[tuple[str, str], KeyOutcome],
    *,
    req: ShardRequest,
    counts: Counts,
    sending: Settings,
    restorer: Settings,
    at: float,
) -> tuple[int, list[Contact], bool]:
    """A page's answers, in listing order: how many objects the slice is finished with (up to the first
    unanswered request), the contacts to journal, and whether the page was cut short."""
    sent = iter(outcomes)
    done = 0
    contacts: list[Contact] = []
    cut = False
    for obj, plan in zip(objects, plans):
        outcome = next(sent) if plan.request and not req.settings.dry_run else None
        if outcome is not None and _unanswered(outcome):
            cut = True
        contact = None
        if outcome is not None and not _unanswered(outcome):
            contact = _contact(obj, outcome, sending, req, at)
            contacts.append(contact)
        if cut:
            continue
        done += 1
        _count(counts, obj, plan, outcome, req, contact.tier if contact is not None else "")
        escalation = escalations.get((obj.key, obj.version_id or ""))
        if escalation is not None:
            _count_escalation(counts, escalation)
            contacts.append(_contact(obj, escalation, restorer, req, at))
    return done, contacts, cut


def _write_dry(store: RunStore, shard: Shard, lines: list[ReportLine], counts: Counts, *, done: bool) -> Shard:
    """A dry run writes its lines as it lists (nothing to wait for): what a run would do with each object."""
    moved = report_parts.write(store, shard, [lines], done=done)
    for written in lines:
        report_lines.count(counts, written)
    return moved


def _dry_lines(objects: list[ObjectInfo], req: ShardRequest, *, direct_read: bool, at: float) -> list[ReportLine]:
    settings = req.settings
    checked_at = report_lines.iso(at) or ""
    out = []
    for obj in objects:
        left_out = (
            None if obj.missing else settings.selection.selects(obj.key, obj.storage_class, obj.size, obj.modified)
        )
        if left_out is not None:
            out.append(report_lines.filtered_line(obj, left_out, checked_at=checked_at))
            continue
        found = report_lines.dry_judge(settings.action, obj, direct_read=direct_read, days=settings.days)
        out.append(report_lines.line(obj, found, None, checked_at=checked_at, now=at))
    return out


def _unanswered(outcome: KeyOutcome) -> bool:
    """No answer from OSS to keep: not sent (time ran out, or after a refusal), or its retries ran out."""
    return outcome.kind in (Kind.NOT_SENT, Kind.NOT_TRIED, Kind.INCOMPLETE)


def _plan(obj: ObjectInfo, req: ShardRequest, *, direct_read: bool, answered: set[tuple[str, str]]) -> _Plan:
    settings = req.settings
    if obj.missing:
        return _Plan(False, "", "")  # named by the manifest, not in the bucket: the confirm scan reports NoSuchKey
    left_out = settings.selection.selects(obj.key, obj.storage_class, obj.size, obj.modified)
    if left_out is not None:
        return _Plan(False, Skip.FILTERED.value)
    if (obj.key, obj.version_id or "") in answered:
        return _Plan(False, "", "")  # answered in the slice before, which was cut short after it
    decision = decisions.decide(settings.action, obj.storage_class, obj.restore, direct_read=direct_read)
    if decision.outcome is Outcome.WAIT:
        return _Plan(False, "", IN_PROGRESS)
    if decision.outcome is Outcome.READABLE:
        return _Plan(False, "", ALREADY_RESTORED)
    return _Plan(decision.request, decision.skip.value if decision.skip else "")


def _count(
    counts: Counts, obj: ObjectInfo, plan: _Plan, outcome: KeyOutcome | None, req: ShardRequest, tier: str = ""
) -> None:
    counts[LISTED] += 1
    if plan.reason:
        counts[f"skipped.{plan.reason}"] += 1
    if plan.counter:
        counts[plan.counter] += 1
    selected = plan.reason != Skip.FILTERED.value and not obj.missing and classes.is_archive(obj.storage_class)
    if selected and req.settings.action == decisions.RESTORE:
        one = tally.empty_tally()
        tally.add(
            one,
            obj.storage_class,
            obj.size,
            request=plan.request,
            direct_read=plan.reason == Skip.DIRECT_READ.value,
            copy_since=(obj.modified, time.time()) if req.settings.copy is not None else None,
        )
        counts.add_tally("tally", one)
    if outcome is None:
        return
    if outcome.kind is Kind.REQUESTED or (
        outcome.kind is Kind.ALREADY_RESTORED and req.settings.action != decisions.RESTORE
    ):
        counts[REQUESTED] += 1
        if outcome.kind is Kind.REQUESTED and classes.is_archive(obj.storage_class):
            accepted = tally.empty_tally()
            tally.add(accepted, obj.storage_class, obj.size, request=True)
            counts.add_tally("accepted", accepted)
            if tier:
                counts[f"tier.{obj.storage_class}.{tier}"] += 1
    elif outcome.kind is Kind.ALREADY_RESTORED:
        counts[ALREADY_RESTORED] += 1
    elif outcome.kind is Kind.IN_PROGRESS:
        counts[IN_PROGRESS] += 1
    elif outcome.kind is Kind.SKIPPED:
        counts["skipped.changed"] += 1
    else:
        # failure.<code> is counted once, from the object's report line (the confirm scan settles it)
        counts[FAILED] += 1


def _contact(obj: ObjectInfo, outcome: KeyOutcome, restorer: Settings, req: ShardRequest, at: float) -> Contact:
    tier = ""
    if req.settings.action == decisions.RESTORE and outcome.kind is Kind.REQUESTED:
        tier = (
            classes.fit(obj.storage_class or None, restorer.days, restorer.tiers.get(obj.storage_class, restorer.tier))[
                0
            ].tier
            or ""
        )
    position = obj.resume if req.scope.kind == MANIFEST else ""
    return Contact(obj.key, obj.version_id, outcome.status, outcome.code, at, tier, position)


def _with_tiers(restorer: Settings, req: ShardRequest, targets: list[Target], now: float) -> Settings:
    """With a deadline, each class gets the cheapest tier that is readable in time if requested now."""
    deadline = req.settings.deadline
    if deadline is None or req.settings.action != decisions.RESTORE:
        return restorer
    lenient = replace(deadline, best_effort=True)
    return replace(restorer, tiers=lenient.tiers({t.storage_class for t in targets}, now=now))


def _check_deadline(req: ShardRequest, requested: list[ObjectInfo], now: float) -> None:
    """A class no tier can restore by the deadline is refused before its first request (DeadlineUnreachable)."""
    deadline = req.settings.deadline
    if deadline is not None and req.settings.action == decisions.RESTORE:
        deadline.check({o.storage_class for o in requested}, now=now)


def _raise_if_denied(outcomes: list[KeyOutcome], action: str) -> None:
    denied = next((o for o in outcomes if o.kind is Kind.DENIED), None)
    if denied is not None:
        raise OSSAccessDenied(
            "CleanRestoredObject" if action == decisions.CLEAN else "RestoreObject", denied.code, denied.message
        )


def _escalate(
    bucket: oss2.Bucket,
    req: ShardRequest,
    objects: list[ObjectInfo],
    plans: list[_Plan],
    *,
    limiter: rate.RateLimiter,
    stop_at: float,
    clock: Callable[[], float],
    now: float,
    sleep: retry.Sleep,
) -> dict[tuple[str, str], KeyOutcome]:
    """Restores found running that may end after the deadline are asked again with the tier chosen now:
    202 sped one up; 409 says it already runs at that tier or faster. OSS documents the upgrade of a
    running Cold Archive restore, not its answer's status nor whether Deep Cold can be upgraded: any other
    answer leaves the restore running as it was (best effort, counted as refused), never fails the run."""
    deadline = req.settings.deadline
    if deadline is None or req.settings.action != decisions.RESTORE or req.settings.dry_run:
        return {}
    threatened = [
        o for o, p in zip(objects, plans) if p.counter == IN_PROGRESS and deadline.threatened(o.storage_class, now=now)
    ]
    if not threatened:
        return {}
    tiers = replace(deadline, best_effort=True).tiers({o.storage_class for o in threatened}, now=now)
    settings = Settings(days=req.settings.days, tiers=tiers, workers=ESCALATION_WORKERS, sleep=sleep, clock=clock)
    targets = [Target(o.key, o.storage_class, o.version_id) for o in threatened]
    outcomes = restore_all(bucket, targets, settings, limiter=limiter, stop_at=stop_at)
    return {(o.key, o.version_id or ""): out for o, out in zip(threatened, outcomes) if not _unanswered(out)}


def _count_escalation(counts: Counts, outcome: KeyOutcome) -> None:
    """202: sped up. 200: it finished meanwhile, nothing to speed up. Anything else (a 409: already at that
    tier or faster, or an upgrade OSS does not take; an error) is a refused upgrade, counted with its code."""
    if outcome.kind is Kind.REQUESTED:
        counts[ESCALATED] += 1
    elif outcome.kind is not Kind.ALREADY_RESTORED:
        counts[ESCALATION_REFUSED] += 1
        counts[f"escalationRefused.{outcome.code or outcome.status}"] += 1


def _shorter(
    bucket: oss2.Bucket, scope: Scope, cursor: str, hi: str | None, *, limiter: rate.RateLimiter, sleep: retry.Sleep
) -> str:
    """The cursor after a page's last key, as short as the next key allows: a long key would otherwise
    ride in the flow's state (one listing of a single key, once per slice, and only for long keys)."""
    if scope.kind != KEYS or len(cursor) <= SHORT_CURSOR:
        return cursor
    page = listing.list_page(bucket, prefix=scope.prefix, marker=cursor, max_keys=1, sleep=sleep, limiter=limiter)
    following = page.objects[0].key if page.objects else None
    if following is None or (hi is not None and following > hi) or not cursor < following:
        return cursor
    return keyspace.separator(cursor, following)


def _remaining(scope: Scope, shard: Shard, before: str, after: str, listed: int) -> int | None:
    """Objects still to list in the shard, estimated from how far into its key space this slice moved."""
    if after == END or scope.kind != KEYS:
        return 0 if after == END else None
    floor = scope.base
    start = shard.lo if shard.lo else floor
    try:
        at_before = keyspace.position(before or start, start, shard.hi, floor=floor)
        at_after = keyspace.position(after, start, shard.hi, floor=floor)
    except ValueError:
        return None
    moved = at_after - at_before
    if moved <= 0:
        return None
    return int(listed * (1.0 - at_after) / moved)
