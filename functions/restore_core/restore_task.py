"""restore: request the restore of one group of keys and report what happened, briefly."""
from __future__ import annotations

import time
from typing import Any

import oss2

from restore_core import budget, classes, retry
from restore_core.errors import OSSAccessDenied, RestoreIncomplete
from restore_core.inputs import RestoreRequest
from restore_core.restorer import RESTORE_RETRY, Kind, Outcome, Settings, restore_all

_OUTCOME_STATUS = {Kind.REQUESTED: "202", Kind.ALREADY_RESTORED: "200", Kind.IN_PROGRESS: "409"}


def restore_files(
    bucket: oss2.Bucket, req: RestoreRequest, *,
    policy: retry.RetryPolicy = RESTORE_RETRY, sleep: retry.Sleep = time.sleep,
) -> dict[str, Any]:
    settings = Settings(days=req.days, tier=req.tier, workers=req.workers, policy=policy, sleep=sleep)
    outcomes = restore_all(bucket, req.targets, settings)
    _raise_for(outcomes)
    return report(outcomes, adjustments(req))


def adjustments(req: RestoreRequest) -> list[dict[str, Any]]:
    seen = dict.fromkeys(t.storage_class for t in req.targets)
    return [a.as_dict() for cls in seen for a in classes.fit(cls, req.days, req.tier)[1]]


def report(outcomes: list[Outcome], changes: list[dict[str, Any]]) -> dict[str, Any]:
    by_kind = {kind: [i for i, o in enumerate(outcomes) if o.kind is kind] for kind in Kind}
    skipped = [_entry(outcomes[i]) for i in by_kind[Kind.SKIPPED]]
    failed = [_entry(outcomes[i]) for i in by_kind[Kind.FAILED]]
    out: dict[str, Any] = {
        "requested": len(by_kind[Kind.REQUESTED]), "alreadyRestored": len(by_kind[Kind.ALREADY_RESTORED]),
        "inProgress": len(by_kind[Kind.IN_PROGRESS]), "skipped": len(skipped), "failed": len(failed),
        "outcomes": {status: by_kind[kind] for kind, status in _OUTCOME_STATUS.items() if by_kind[kind]},
        "skippedKeys": budget.capped(skipped), "failedKeys": budget.capped(failed), "adjustments": changes,
    }
    return out


def _raise_for(outcomes: list[Outcome]) -> None:
    """Credentials refused: nothing can succeed, stop the flow. Transient leftovers: let it retry."""
    denied = next((o for o in outcomes if o.kind is Kind.DENIED), None)
    if denied is not None:
        raise OSSAccessDenied("RestoreObject", denied.code, denied.message)
    incomplete = [(o.key, o.code) for o in outcomes if o.kind is Kind.INCOMPLETE]
    if incomplete:
        done = sum(1 for o in outcomes if o.kind is not Kind.INCOMPLETE)
        raise RestoreIncomplete(incomplete, done=done)


def _entry(outcome: Outcome) -> dict[str, Any]:
    return {"key": outcome.key, "status": outcome.status, "code": outcome.code}
