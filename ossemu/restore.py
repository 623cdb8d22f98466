"""The RestoreObject state machine OSS documents, derived lazily from a clock: 202 for a first request,
409 while restoring, 200 once restored, 400 for classes that need no restore.

An object's state is never stored as such: each archive object holds at most one `RestoreRecord`
(requested_at, tier, ready_at, expiry), and the state follows from comparing it with the clock.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from ossemu import classes as sc
from ossemu.errors import OssError
from ossemu.latency import RestoreLatency
from ossemu.store import ObjectRecord, RestoreRecord

FROZEN = "frozen"
RESTORING = "restoring"
RESTORED = "restored"
NOT_ARCHIVED = "not-archived"


@dataclass(frozen=True)
class RestoreRequest:
    days: int = 1
    tier: str | None = None
    has_job_parameters: bool = False


@dataclass(frozen=True)
class RestoreOutcome:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    events: tuple[str, ...] = ()


def state_of(rec: ObjectRecord, now: float) -> str:
    if rec.storage_class not in sc.ARCHIVE_CLASSES:
        return NOT_ARCHIVED
    r = rec.restore
    if r is None or now >= r.expiry:
        return FROZEN
    return RESTORING if now < r.ready_at else RESTORED


def _malformed(
    message: str = "The XML you provided was not well-formed or did not validate against our published schema.",
) -> OssError:
    return OssError(400, "MalformedXML", message)


def parse_request(body: bytes) -> RestoreRequest:
    """Read an optional `<RestoreRequest>` body; an empty body means Days=1 and the class's default tier."""
    if not body.strip():
        return RestoreRequest()
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        raise _malformed() from None
    if root.tag != "RestoreRequest":
        raise _malformed()
    days_text = root.findtext("Days")
    try:
        days = 1 if days_text is None else int(days_text.strip())
    except ValueError:
        raise _malformed("Days must be an integer.") from None
    job = root.find("JobParameters")
    tier = None if job is None else (job.findtext("Tier") or "").strip()
    return RestoreRequest(days=days, tier=tier, has_job_parameters=job is not None)


def _validate(storage_class: str, req: RestoreRequest) -> str | None:
    """Check Days and Tier against the class; return the effective tier."""
    if storage_class not in sc.ARCHIVE_CLASSES:
        raise OssError(400, "OperationNotSupported", "The storage class of the requested object is not Archive")
    rule = sc.RULES[storage_class]
    if req.has_job_parameters and not rule.tiers:
        raise _malformed("JobParameters is only supported for ColdArchive and DeepColdArchive objects.")
    if not 1 <= req.days <= rule.max_days:
        raise OssError(
            400,
            "InvalidArgument",
            f"The Days must be between 1 and {rule.max_days} for {storage_class} objects.",
            ec=rule.days_ec,
        )
    if not rule.tiers:
        return None
    tier = req.tier if req.tier is not None else rule.default_tier
    if tier not in rule.tiers:
        raise OssError(
            400,
            "InvalidArgument",
            f"The Tier must be one of {', '.join(rule.tiers)} for {storage_class} objects.",
            ec=sc.EC_INVALID_TIER,
        )
    return tier


def request(rec: ObjectRecord, req: RestoreRequest, *, now: float, latency: RestoreLatency) -> RestoreOutcome:
    """Apply one RestoreObject call to `rec` (caller holds the store lock) and say how OSS answers."""
    tier = _validate(rec.storage_class, req)
    state = state_of(rec, now)
    day = latency.day_seconds
    if state == FROZEN:
        ready = now + latency.seconds(rec.storage_class, tier)
        rebill = ("restore:rebilled",) if rec.restore is not None else ()
        rec.restore = RestoreRecord(now, tier, ready, ready + req.days * day)
        return RestoreOutcome(202, headers=_priority(rec), events=("restore:billed", *rebill))
    r = rec.restore
    assert r is not None
    if state == RESTORING:
        return _while_restoring(rec, r, tier, now=now, latency=latency)
    max_days = sc.RULES[rec.storage_class].max_days
    r.expiry = min(r.expiry + req.days * day, r.ready_at + max_days * day)
    return RestoreOutcome(200, headers=_priority(rec), events=("restore:extended",))


def _priority(rec: ObjectRecord) -> dict[str, str]:
    """`x-oss-object-restore-priority`: the tier of the object's restore, Cold and Deep Cold only.

    RestoreObject's page says the header is "displayed only for the Cold Archive or Deep Cold Archive
    object in the restored state" and shows it on a 200 (help.aliyun.com/en/oss/developer-reference/
    restoreobject); ali-oss's tests against OSS (ali-sdk/ali-oss test/node/object.test.js, "Restore
    Cold Archive object with default settings" and the Deep Cold ones) read it from the first, 202,
    answer too: Standard by default, else the Tier asked for. Archive objects have no tier and never
    get it; HeadObject and GetObject document no such header.
    """
    r = rec.restore
    if rec.storage_class not in sc.COLD_CLASSES or r is None:
        return {}
    return {"x-oss-object-restore-priority": r.tier or sc.STANDARD_TIER}


def _while_restoring(
    rec: ObjectRecord, r: RestoreRecord, tier: str | None, *, now: float, latency: RestoreLatency
) -> RestoreOutcome:
    if tier is not None and sc.tier_rank(tier) > sc.tier_rank(r.tier):
        # A faster tier speeds the running restore up; it never slows it down.
        ready = min(r.ready_at, now + latency.seconds(rec.storage_class, tier))
        r.expiry += ready - r.ready_at
        r.ready_at, r.tier = ready, tier
        return RestoreOutcome(202, headers=_priority(rec), events=("restore:upgraded",))
    lowered = tier is not None and sc.tier_rank(tier) < sc.tier_rank(r.tier)
    raise OssError(
        409,
        "RestoreAlreadyInProgress",
        "The restore operation is in progress.",
        ec=sc.EC_LOWER_TIER if lowered else sc.EC_RESTORE_IN_PROGRESS,
    )


def clean(rec: ObjectRecord, *, now: float) -> None:
    """CleanRestoredObject: end a finished Cold / Deep Cold restore early."""
    if rec.storage_class not in sc.COLD_CLASSES:
        raise OssError(
            400,
            "OperationNotSupported",
            "The storage class of the requested object is not ColdArchive or DeepColdArchive",
        )
    state = state_of(rec, now)
    if state == RESTORING:
        raise OssError(409, "ArchiveRestoreNotFinished", "The archive file's restore is not finished.")
    if state != RESTORED:
        raise OssError(409, "ArchiveRestoreFileStale", "The archive file is not restored or already cleaned.")
    rec.restore = None
