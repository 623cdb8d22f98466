"""Request restores for many keys at once over one shared connection pool.

Outcomes per key: 202 requested, 200 already restored (the call extends it), 409 in progress; 400
OperationNotSupported and 404 are skipped (the object changed or went away since it was listed);
other permanent errors are failures reported with their code; transient ones (5xx, 503, connection)
are retried with backoff and, if they persist, come back unanswered. With `stop_at` (the invocation's
time budget, `time_budget`) no request starts after it: every key not answered by then comes back
unanswered too (NOT_SENT), and the caller hands both kinds back as pending. A key is sent once per call
(a retry only repeats an attempt that got no answer), so a key that got an answer is never sent again.
"""

from __future__ import annotations

import enum
import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import oss2
from oss2.models import RestoreConfiguration, RestoreJobParameters

from restore_core import classes, oss_errors, rate, retry, stopping
from restore_core.decisions import CLEAN, RESTORE

_LOGGER = logging.getLogger(__name__)
_LOGGER.addHandler(logging.NullHandler())

RESTORE_RETRY = retry.RetryPolicy(max_attempts=6, initial_interval=0.2, maximum_interval=5.0)


class Kind(enum.Enum):
    REQUESTED = "requested"
    ALREADY_RESTORED = "alreadyRestored"
    IN_PROGRESS = "inProgress"
    SKIPPED = "skipped"
    FAILED = "failed"  # permanent, reported per key
    INCOMPLETE = "incomplete"  # transient errors outlasted the retries
    DENIED = "denied"  # the credentials or the role's policy are refused: no other key can succeed either
    NOT_TRIED = "notTried"  # left alone after a DENIED
    NOT_SENT = "notSent"  # the time budget ended before its request could be sent


@dataclass(frozen=True)
class Target:
    key: str
    storage_class: str | None  # None: unknown, send the request every archive class accepts
    version_id: str | None = None  # a version of the key (versioned buckets); None: the current one


@dataclass(frozen=True)
class KeyOutcome:
    key: str
    kind: Kind
    status: int
    code: str = ""
    message: str = ""  # OSS's error message, for a DENIED outcome's error
    version_id: str | None = None


@dataclass(frozen=True)
class Settings:
    days: int = 1
    tier: str = classes.DEFAULT_TIER
    tiers: Mapping[str, str] = field(default_factory=dict)  # per class, overriding `tier` (a deadline's choice)
    action: str = RESTORE  # CLEAN sends CleanRestoredObject instead of RestoreObject
    workers: int = 10
    policy: retry.RetryPolicy = RESTORE_RETRY
    sleep: retry.Sleep = field(default=time.sleep, compare=False)
    clock: retry.Clock = field(default=time.monotonic, compare=False)  # the time `stop_at` is read against


def kind_of(status: int, code: str) -> Kind:
    if status == 202:
        return Kind.REQUESTED
    if status == 200:
        return Kind.ALREADY_RESTORED
    if status == 409:
        return Kind.IN_PROGRESS
    if status == 404 or (status == 400 and code == "OperationNotSupported"):
        return Kind.SKIPPED
    # AccessDenied: the role's policy lacks oss:RestoreObject on the bucket; every key would be refused.
    if status == 403 and (code in oss_errors.CREDENTIAL_CODES or code == "AccessDenied"):
        return Kind.DENIED
    return Kind.FAILED


def restore_all(
    bucket: oss2.Bucket,
    targets: Sequence[Target],
    settings: Settings,
    *,
    limiter: rate.RateLimiter | None = None,
    stop_at: float | None = None,
) -> list[KeyOutcome]:
    """One outcome per target, in the targets' order; every request paced by limiter (the invocation's
    share of the request budget), or by one without a ceiling when none is given.

    Targets are sent in order, `workers` at a time. After `stop_at` (a `settings.clock` time) no request is
    sent: the targets not answered by then are NOT_SENT, and they are the tail of the list but for the few
    whose requests were still being retried, so a caller can resume after the last answered one.
    """
    throttle = limiter or rate.for_invocation(bucket.endpoint, bucket.bucket_name, share=0, sleep=settings.sleep)
    denied = threading.Event()
    outcomes: list[KeyOutcome | None] = [None] * len(targets)
    position = iter(range(len(targets)))
    lock = threading.Lock()

    def take() -> int | None:
        with lock:
            return next(position, None)

    def one(target: Target) -> KeyOutcome:
        if denied.is_set():
            return KeyOutcome(target.key, Kind.NOT_TRIED, 0, version_id=target.version_id)
        if stopping.requested() or (stop_at is not None and settings.clock() >= stop_at):
            return KeyOutcome(target.key, Kind.NOT_SENT, 0, version_id=target.version_id)
        outcome = restore_one(bucket, target, settings, throttle, stop_at=stop_at)
        if outcome.kind is Kind.DENIED:
            denied.set()
        return outcome

    def lane() -> None:
        while (index := take()) is not None:
            outcomes[index] = one(targets[index])

    lanes = max(1, min(settings.workers, len(targets)))
    for future in [shared_pool().submit(lane) for _ in range(lanes)]:
        future.result()
    return [
        o if o is not None else KeyOutcome(t.key, Kind.NOT_SENT, 0, version_id=t.version_id)
        for o, t in zip(outcomes, targets)
    ]


_POOL_SIZE = 100  # the largest `workers` allowed
_shared_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def shared_pool() -> ThreadPoolExecutor:
    """Threads outlive an invocation, like the connection pool: a warm instance reuses both instead
    of starting `workers` new threads for every group."""
    global _shared_pool
    with _pool_lock:
        if _shared_pool is None:
            _shared_pool = ThreadPoolExecutor(max_workers=_POOL_SIZE, thread_name_prefix="restore")
        return _shared_pool


def restore_one(
    bucket: oss2.Bucket,
    target: Target,
    settings: Settings,
    throttle: rate.RateLimiter,
    *,
    stop_at: float | None = None,
) -> KeyOutcome:
    if settings.action == CLEAN:
        # 409 to a clean: the object is no longer restored (expired, or cleaned meanwhile) or is restoring
        # again since it was listed; either way there is nothing to clean.
        status, code, message = _send(lambda: _clean(bucket, target), settings, throttle, stop_at)
        return _outcome(target, status, code, message, conflict=Kind.SKIPPED)
    tier = settings.tiers.get(target.storage_class or "", settings.tier)
    plan, _ = classes.fit(target.storage_class, settings.days, tier)
    status, code, message = _request(bucket, target, plan, settings, throttle, stop_at)
    universal, _ = classes.fit(None, settings.days, settings.tier)
    if status == 400 and code != "OperationNotSupported" and plan != universal:
        # The object's class changed since it was listed (an Archive object rejects a Tier): the
        # request every archive class accepts still restores it.
        _LOGGER.info("restore of %r refused with %s, retrying as class-agnostic", target.key, code)
        status, code, message = _request(bucket, target, universal, settings, throttle, stop_at)
    return _outcome(target, status, code, message)


def _outcome(target: Target, status: int, code: str, message: str, *, conflict: Kind = Kind.IN_PROGRESS) -> KeyOutcome:
    if status == _NOT_SENT:
        return KeyOutcome(target.key, Kind.NOT_SENT, 0, version_id=target.version_id)
    kind = conflict if status == 409 else kind_of(status, code)
    if kind is Kind.FAILED and oss_errors.is_transient_status(status):
        kind = Kind.INCOMPLETE
    return KeyOutcome(target.key, kind, status, code, message if kind is Kind.DENIED else "", target.version_id)


def _request(
    bucket: oss2.Bucket,
    target: Target,
    plan: classes.RestorePlan,
    settings: Settings,
    throttle: rate.RateLimiter,
    stop_at: float | None,
) -> tuple[int, str, str]:
    # OSS's own defaults (1 day; Standard tier where a tier applies) need no body at all, which spares
    # building and parsing the XML on every request.
    config = None
    if plan.days != 1 or plan.tier not in (None, classes.DEFAULT_TIER):
        job = RestoreJobParameters(plan.tier) if plan.tier else None
        config = RestoreConfiguration(plan.days, job_parameters=job)

    # RestoreObject takes the version as `versionId` (RestoreObject, request parameters), which oss2 signs.
    params = {"versionId": target.version_id} if target.version_id else None

    def send() -> int:
        result = bucket.restore_object(target.key, params=params, input=config)
        return int(result.status)

    return _send(send, settings, throttle, stop_at)


def _clean(bucket: oss2.Bucket, target: Target) -> int:
    """CleanRestoredObject (`POST /key?cleanRestoredObject`, https://www.alibabacloud.com/help/en/oss/
    developer-reference/cleanrestoredobject): oss2 has no method for it, so it goes through the SDK's
    signed request path; a refusal raises as any oss2 call does. A version is named as RestoreObject
    names it, `versionId`."""
    params = {"cleanRestoredObject": ""}
    if target.version_id:
        params["versionId"] = target.version_id
    return int(bucket._do("POST", bucket.bucket_name, target.key, params=params).status)


_NOT_SENT = 0  # the status of a request the time budget kept from being sent


def _send(
    send: Callable[[], int],
    settings: Settings,
    throttle: rate.RateLimiter,
    stop_at: float | None,
) -> tuple[int, str, str]:
    try:
        attempt = rate.paced(throttle, send, stop_at=stop_at, clock=settings.clock)
        status = retry.call(
            attempt,
            policy=settings.policy,
            retryable=oss_errors.is_transient,
            sleep=settings.sleep,
            stop_at=stop_at,
            clock=settings.clock,
        )
        return status, "", ""
    except retry.OutOfTime:
        return _NOT_SENT, "", ""
    except oss_errors.SDK_ERRORS as e:
        return oss_errors.status_of(e), oss_errors.code_of(e), getattr(e, "message", "") or ""
