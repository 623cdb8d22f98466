"""restore: request the restore of one group of keys and report what happened, briefly."""
from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import oss2

from restore_core import budget, classes, rate, retry
from restore_core.actions import CLEAN, RESTORE
from restore_core.errors import OSSAccessDenied, RestoreIncomplete
from restore_core.inputs import RestoreRequest
from restore_core.restorer import RESTORE_RETRY, KeyOutcome, Kind, Settings, restore_all

_OUTCOME_STATUS = {Kind.REQUESTED: "202", Kind.ALREADY_RESTORED: "200", Kind.IN_PROGRESS: "409"}


def restore_files(
    bucket: oss2.Bucket, req: RestoreRequest, *,
    policy: retry.RetryPolicy = RESTORE_RETRY, sleep: retry.Sleep = time.sleep, stop_at: float | None = None,
    clock: retry.Clock = time.monotonic,
) -> dict[str, Any]:
    """Request the group's restores, or with `pending` only those keys.

    Keys whose requests kept failing transiently come back as `pending` (indices into the group)
    with `retry` "true", and the flow sends only them again: a retry of the whole group would send
    every key that was already answered a second time (a 200 extends a finished restore, a 409 is a
    wasted request). Only when no key got an answer does the handler raise RestoreIncomplete, so the
    flow's retry of the same input again sends only keys that were never answered. `stop_at` (a
    `clock` time, from the invocation's time budget): keys not answered by then come back as pending too.
    """
    tiers = tiers_for(req, now=time.time())
    settings = Settings(days=req.days, tier=req.tier, tiers=tiers, action=req.action, workers=req.workers,
                        policy=policy, sleep=sleep, clock=clock)
    indices = list(req.pending) if req.pending is not None else list(range(len(req.targets)))
    share = rate.restore_share(req.max_requests_per_second, req.groups)
    start = rate.restore_share(rate.UNBUDGETED_START, req.groups)  # without a budget, until it learns the limit
    limiter = rate.for_invocation(bucket.endpoint, bucket.bucket_name, share=share, start=start, sleep=sleep)
    sent = restore_all(bucket, [req.targets[i] for i in indices], settings, limiter=limiter, stop_at=stop_at)
    _raise_for(sent, operation="CleanRestoredObject" if req.action == CLEAN else "RestoreObject")
    outcomes: list[KeyOutcome | None] = [None] * len(req.targets)
    for index, outcome in zip(indices, sent):
        outcomes[index] = outcome
    out = report(outcomes, adjustments(req, tiers))
    if req.action != CLEAN:
        out["tiers"] = used_tiers(req, tiers)
    return out


def used_tiers(req: RestoreRequest, tiers: dict[str, str]) -> dict[str, str]:
    """{class: tier} this call's requests carried, for the classes that take one."""
    out: dict[str, str] = {}
    for cls in dict.fromkeys(t.storage_class for t in req.targets):
        tier = classes.fit(cls, req.days, tiers.get(cls or "", req.tier))[0].tier
        if cls and tier:
            out[cls] = tier
    return out


def tiers_for(req: RestoreRequest, *, now: float) -> dict[str, str]:
    """With a deadline, the cheapest tier per class that is readable in time if requested now (the
    fastest where none is: the listing already refused such a class unless bestEffort)."""
    if req.deadline is None or req.action != RESTORE:
        return {}
    lenient = replace(req.deadline, best_effort=True)
    return lenient.tiers(dict.fromkeys(t.storage_class for t in req.targets), now=now)


def adjustments(req: RestoreRequest, tiers: dict[str, str]) -> list[dict[str, Any]]:
    """How Days and Tier were fitted to each class; a deadline's choice of tier is not a fitting."""
    if req.action == CLEAN:
        return []
    seen = dict.fromkeys(t.storage_class for t in req.targets)
    return [a.as_dict() for cls in seen for a in classes.fit(cls, req.days, tiers.get(cls or "", req.tier))[1]]


def report(outcomes: Sequence[KeyOutcome | None], changes: list[dict[str, Any]]) -> dict[str, Any]:
    """Counts of this call's answers; indices into the group (None: a key this call did not send)."""
    by_kind = {kind: [i for i, o in enumerate(outcomes) if o is not None and o.kind is kind] for kind in Kind}
    skipped = [_entry(o) for o in outcomes if o is not None and o.kind is Kind.SKIPPED]
    failed = [_entry(o) for o in outcomes if o is not None and o.kind is Kind.FAILED]
    pending = sorted(by_kind[Kind.INCOMPLETE] + by_kind[Kind.NOT_SENT])
    out: dict[str, Any] = {
        "requested": len(by_kind[Kind.REQUESTED]), "alreadyRestored": len(by_kind[Kind.ALREADY_RESTORED]),
        "inProgress": len(by_kind[Kind.IN_PROGRESS]), "skipped": len(skipped), "failed": len(failed),
        "outcomes": {status: by_kind[kind] for kind, status in _OUTCOME_STATUS.items() if by_kind[kind]},
        "skippedKeys": budget.capped(skipped), "failedKeys": budget.capped(failed), "adjustments": changes,
        "pending": pending, "retry": "true" if pending else "false",
    }
    return out


def _raise_for(outcomes: list[KeyOutcome], *, operation: str) -> None:
    """Credentials refused: nothing can succeed, stop the flow. No key answered at all: let the flow
    retry the same call (every key it sends is still owed an answer)."""
    denied = next((o for o in outcomes if o.kind is Kind.DENIED), None)
    if denied is not None:
        raise OSSAccessDenied(operation, denied.code, denied.message)
    incomplete = [(o.key, o.code or "NotSent") for o in outcomes if o.kind in (Kind.INCOMPLETE, Kind.NOT_SENT)]
    if incomplete and len(incomplete) == len(outcomes):
        raise RestoreIncomplete(incomplete, done=0)


def _entry(outcome: KeyOutcome) -> dict[str, Any]:
    named = {"versionId": outcome.version_id} if outcome.version_id else {}
    return {"key": outcome.key, **named, "status": outcome.status, "code": outcome.code}
