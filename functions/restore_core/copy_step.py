"""The confirm scan's copies (`convertTo`, `copyTo`): for the objects a scan found readable, the expiry guard,
then the copies, then each object's report line.

Expiry guard: a restored copy that would expire before its copy is done is extended first, by one
RestoreObject that OSS answers 200 on a restored object ("If you submit another restore request in this
state, the API returns 200 OK and extends" it, https://www.alibabacloud.com/help/en/oss/user-guide/
restore-objects). OSS documents no copy speed, so a copy is given an hour plus 20 MB a second of its size
(the multipart copy of a 48.8 TB object: about 28 days), both scaled by `OSS_RESTORE_TIME_SCALE` as restore
times are (`deadline.time_scale`). A copy OSS still refuses as InvalidObjectState (the copy expired in
between) is requested again, never reported lost.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace

import oss2

from restore_core import classes, copier, restorer
from restore_core.copier import Copied, Done
from restore_core.copy_plan import CONVERT, Plan
from restore_core.deadline import time_scale
from restore_core.listing import ObjectInfo
from restore_core.report_lines import ReportLine, iso

GUARD_SECONDS = 3600.0
COPY_BYTES_PER_SECOND = 20 * 1024 * 1024


def copy_seconds(size: int | None) -> float:
    """How long a copy of `size` bytes is allowed to take, for the expiry guard."""
    return (GUARD_SECONDS + (size or 0) / COPY_BYTES_PER_SECOND) * time_scale()


@dataclass(frozen=True)
class Result:
    copied: Copied
    extended_from: float | None = None  # the expiry the guard moved (seconds since the epoch), if it did


@dataclass(frozen=True)
class CopyStep:
    bucket: oss2.Bucket
    plan: Plan
    send: copier.Sender
    days: int
    workers: int
    listed: bool  # the objects come from a listing, in key order
    now: Callable[[], float] = time.time

    def __call__(self, objects: Sequence[ObjectInfo], frozen: Collection[int] = ()) -> list[Result]:
        """Each object copied, but those at the indices `frozen`: not readable, they are only looked for at the
        target (a copy made by an earlier run spares their restore)."""
        extended = self._guard([o for i, o in enumerate(objects) if i not in frozen])
        copied = copier.copy_all(
            self.bucket,
            objects,
            self.plan,
            self.send,
            workers=self.workers,
            listed=self.listed,
            pool=restorer.shared_pool,
            look_only=frozen,
        )
        return [Result(c, extended.get(id(o))) for o, c in zip(objects, copied)]

    def _guard(self, objects: Sequence[ObjectInfo]) -> dict[int, float]:
        """Extend each restored copy that would expire before its copy is done; the expiries moved, by object."""
        now = self.now()
        near = [
            o
            for o in objects
            if o.restore.expiry is not None and o.restore.expiry.timestamp() - now < copy_seconds(o.size)
        ]
        if not near:
            return {}
        settings = restorer.Settings(days=self.days, workers=self.workers, sleep=self.send.sleep, clock=self.send.clock)
        targets = [restorer.Target(o.key, o.storage_class or None, o.version_id) for o in near]
        outcomes = restorer.restore_all(
            self.bucket, targets, settings, limiter=self.send.limiter, stop_at=self.send.stop_at
        )
        return {
            id(o): o.restore.expiry.timestamp()  # type: ignore[union-attr]  # filtered on above
            for o, outcome in zip(near, outcomes)
            if outcome.kind is restorer.Kind.ALREADY_RESTORED
        }


def line(settled: ReportLine, result: Result, plan: Plan, *, days: int, frozen: bool = False) -> ReportLine:
    """The line of an object whose copy is done (`Done.COPIED`) or refused for good (`Done.FAILED`); `frozen`:
    it was not readable, and its copy was found at the target."""
    copied = result.copied
    if copied.done is Done.FAILED and copied.status == 404:  # deleted since it was listed, as `gone_line` says
        return replace(settled, outcome="skipped", code=copied.code or "NoSuchKey", reason="object no longer exists")
    if copied.done is Done.FAILED:
        verb = "conversion" if plan.mode == CONVERT else "copy"
        return replace(
            settled,
            outcome="failed",
            code=copied.code,
            reason=f"readable, but its {verb} was refused with HTTP {copied.status}",
        )
    if plan.mode == CONVERT:
        outcome, reason = "converted", f"readable, then converted in place to {plan.storage_class}"
    elif copied.present:
        where = f"already at {plan.url(settled.key)} with the same bytes"
        outcome, reason = (
            "copied",
            (f"{where}: not restored or copied again" if frozen else f"readable; {where}: not copied again"),
        )
    else:
        outcome, reason = "copied", f"readable, then copied to {plan.url(settled.key)} as {plan.storage_class}"
    if result.extended_from is not None:
        kept = classes.fit(settled.storage_class, days, classes.DEFAULT_TIER)[0].days
        reason += f"; its restored copy was to expire at {iso(result.extended_from)}: extended by {kept} day(s) first"
    return replace(
        settled,
        outcome=outcome,
        reason=reason,
        copy=plan.url(settled.key),
        copy_etag=copied.etag or None,
        copy_version_id=copied.version_id,
    )


def may_copy(obj: ObjectInfo, plan: Plan) -> bool:
    """Whether the plan copies this readable object: a version a manifest names is not converted in place (the
    copy would become the key's current version, over whatever version is current now)."""
    return not (plan.mode == CONVERT and obj.version_id)


def version_kept(settled: ReportLine, plan: Plan) -> ReportLine:
    return replace(
        settled,
        reason=f"{settled.reason}; a version is not converted in place to {plan.storage_class} (its copy would "
        "become the current version)",
    )


def converted_before(obj: ObjectInfo, plan: Plan, *, asked: bool) -> bool:
    """An object this run asked to restore that is already in the class it converts to: an earlier attempt of
    this scan converted it (its line was not written then), so it is reported converted, not skipped."""
    return plan.mode == CONVERT and asked and obj.storage_class == plan.storage_class


def converted_line(base: ReportLine, obj: ObjectInfo, plan: Plan) -> ReportLine:
    return replace(
        base,
        outcome="converted",
        code="",
        reason=f"converted in place to {plan.storage_class} (by an earlier attempt of this scan)",
        copy=plan.url(obj.key),
        copy_etag=obj.etag or None,
    )


Staged = tuple[ReportLine, str, "ObjectInfo | None", bool]  # a line, the position after it, what to copy, frozen


def settle_all(
    staged: Sequence[Staged], results: Sequence[Result], plan: Plan, *, days: int
) -> tuple[list[tuple[ReportLine, str]], list[ObjectInfo], Copied | None]:
    """The staged lines in order, each copied one's with its copy, up to the first whose copy is not done:
    (the lines settled with the position after each, the objects to restore again, a DENIED answer if any).
    Every frozen object not found at the target is restored again, also past that first one."""
    out: list[tuple[ReportLine, str]] = []
    again: list[ObjectInfo] = []
    found = iter(results)
    stopped = False
    for settled, after, obj, frozen in staged:
        if obj is None:
            if not stopped:
                out.append((settled, after))
            continue
        result = next(found)
        done = result.copied.done
        if done is Done.DENIED:
            return out, [], result.copied
        if done is Done.EXPIRED:
            again.append(obj)
        if stopped or done in (Done.EXPIRED, Done.NOT_SENT):
            stopped = True
            continue
        out.append((line(settled, result, plan, days=days, frozen=frozen), after))
    return out, again, None
