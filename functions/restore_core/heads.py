"""One object's class and restore state by HeadObject (a version's, given its ID), for objects no
listing shows: a manifest's entries, the keys a status call is asked about."""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import NamedTuple

import oss2

from restore_core import oss_errors, rate, retry
from restore_core.restore_info import RestoreInfo, parse

HEAD_RETRY = retry.RetryPolicy(max_attempts=5, initial_interval=0.2, maximum_interval=5.0)
# Answers that mean "no such object": the key (404 NoSuchKey) or the version (404 NoSuchVersion) is
# not there, or the version is a delete marker (405 MethodNotAllowed).
_GONE = (404, 405)


class Head(NamedTuple):
    """What HeadObject says of an object that the run uses."""

    storage_class: str
    restore: RestoreInfo
    size: int
    etag: str  # without quotes
    modified: datetime | None  # Last-Modified


def head_state(
    bucket: oss2.Bucket,
    key: str,
    version_id: str | None = None,
    *,
    sleep: retry.Sleep = time.sleep,
    limiter: rate.RateLimiter | None = None,
    stop_at: float | None = None,
) -> tuple[str, RestoreInfo] | None:
    """(storage class, restore state), or None when there is no such object (or version). `stop_at` (a
    `time.monotonic` time): no attempt after it; OSSUnavailable (retryable) if none could be made."""
    found = head_sized(bucket, key, version_id, sleep=sleep, limiter=limiter, stop_at=stop_at)
    return None if found is None else (found[0], found[1])


def head_sized(
    bucket: oss2.Bucket,
    key: str,
    version_id: str | None = None,
    *,
    sleep: retry.Sleep = time.sleep,
    limiter: rate.RateLimiter | None = None,
    stop_at: float | None = None,
) -> Head | None:
    """`head_state` and the object's size in bytes, ETag and Last-Modified."""
    params = {"versionId": version_id} if version_id else None
    try:
        result = retry.call(
            rate.paced(limiter, lambda: bucket.head_object(key, params=params), stop_at=stop_at),
            policy=HEAD_RETRY,
            retryable=oss_errors.is_transient,
            sleep=sleep,
            stop_at=stop_at,
        )
    except retry.OutOfTime:
        raise oss_errors.out_of_time("HeadObject") from None
    except oss_errors.SDK_ERRORS as e:
        if oss_errors.status_of(e) in _GONE and oss_errors.code_of(e) != "NoSuchBucket":
            return None
        raise oss_errors.translate(e, "HeadObject", bucket.bucket_name) from e
    size = result.headers.get("Content-Length") or "0"
    return Head(
        result.headers.get("x-oss-storage-class", ""),
        parse(result.headers.get("x-oss-restore")),
        int(size) if size.isdigit() else 0,
        (result.headers.get("ETag") or "").strip('"'),
        _http_date(result.headers.get("Last-Modified")),
    )


def _http_date(value: str | None) -> datetime | None:
    try:
        return parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError):
        return None


def head_all(
    bucket: oss2.Bucket,
    objects: Sequence[tuple[str, str | None]],
    *,
    workers: int,
    sleep: retry.Sleep = time.sleep,
    limiter: rate.RateLimiter | None = None,
    stop_at: float | None = None,
) -> list[Head | None]:
    """head_sized of each (key, version ID), in order, `workers` at a time (none after `stop_at`)."""
    if not objects:
        return []
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(objects)))) as pool:
        return list(
            pool.map(lambda o: head_sized(bucket, o[0], o[1], sleep=sleep, limiter=limiter, stop_at=stop_at), objects)
        )
