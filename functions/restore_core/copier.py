"""Sending a run's copies (`restore_core.copy_plan`): each readable object converted in place, or copied to
another bucket or prefix, with the request that fits its size, and never twice.

- CopyObject for an object smaller than 1 GB (`copy_plan.COPY_OBJECT_MAX_BYTES`). Its metadata directive
  (`x-oss-metadata-directive`) and tagging directive are left at their default, COPY: the copy keeps the
  source's Content-Type, user metadata and tags
  (https://www.alibabacloud.com/help/en/oss/developer-reference/modify-object-metadata), and its bytes, so its
  ETag.
- A multipart copy above that: InitiateMultipartUpload with the source's stored headers, user metadata and
  tags (an UploadPartCopy copies bytes only), UploadPartCopy parts in parallel, each through the
  invocation's request budget, then CompleteMultipartUpload; aborted when OSS refuses it for good, kept
  when the invocation's time runs out (the next scan resumes it). Its ETag is OSS's multipart kind, not the
  source's; its bytes and CRC-64 are the source's.

In a versioned bucket an in-place copy becomes the current version, and the archived one stays as a
noncurrent version (still billed in its class) until a lifecycle rule or the user removes it.
RAM: CopyObject is oss:PutObject on the target and oss:GetObject on the source, and when the source has tags
(the copy keeps them) oss:GetObjectTagging on it and oss:PutObjectTagging on the copy; the multipart copy adds
oss:ListMultipartUploads (the target bucket), oss:ListParts and oss:AbortMultipartUpload (the target object);
a copy to another place lists the target (oss:ListObjects) or heads it (oss:GetObject); the expiry guard's
extension is oss:RestoreObject. `infra/policies.py` grants exactly these.
"""

from __future__ import annotations

import contextlib
import enum
import threading
import time
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import quote

import oss2
from oss2.models import PartInfo

from restore_core import client, listing, oss_errors, rate, retry, stopping
from restore_core.copy_plan import COPY, COPY_OBJECT_MAX_BYTES, Plan, part_ranges
from restore_core.listing import ObjectInfo

PARALLEL_PARTS = 8
COPY_RETRY = retry.RetryPolicy(max_attempts=6, initial_interval=0.2, maximum_interval=5.0)
# The headers PutObject stores with an object that an UploadPartCopy does not carry over: Initiate takes them.
_STORED = ("content-type", "content-encoding", "content-disposition", "content-language", "cache-control", "expires")


class Done(enum.Enum):
    COPIED = "copied"  # the copy is there (sent now, or found there with the same bytes)
    EXPIRED = "expired"  # the source is no longer readable (its restored copy expired): restore it again
    FAILED = "failed"  # refused for good, with OSS's code
    DENIED = "denied"  # the role may not copy: no object can be copied
    NOT_SENT = "notSent"  # out of time, or transient errors outlasted the retries: the next scan tries again


@dataclass(frozen=True)
class Copied:
    done: Done
    status: int = 0
    code: str = ""
    message: str = ""
    etag: str = ""
    version_id: str | None = None
    present: bool = False  # found at the target already: nothing sent
    operation: str = ""  # the request OSS refused (for a DENIED answer's error)


@dataclass(frozen=True)
class Sender:
    """How each request goes out: paced by the invocation's limiter, retried on transient errors, none after
    `stop_at` (a `clock` time)."""

    limiter: rate.RateLimiter | None
    stop_at: float | None
    sleep: retry.Sleep = time.sleep
    clock: retry.Clock = time.monotonic

    def __call__(self, fn: Callable[[], oss2.models.RequestResult]) -> oss2.models.RequestResult:
        return retry.call(
            rate.paced(self.limiter, fn, stop_at=self.stop_at, clock=self.clock),
            policy=COPY_RETRY,
            retryable=oss_errors.is_transient,
            sleep=self.sleep,
            stop_at=self.stop_at,
            clock=self.clock,
        )


def copy_one(source: oss2.Bucket, target: oss2.Bucket, obj: ObjectInfo, plan: Plan, send: Sender) -> Copied:
    """Copy `obj` as the plan says; every refusal or lack of time comes back as a `Copied`, never raised."""
    if stopping.requested() or (send.stop_at is not None and send.clock() >= send.stop_at):
        return Copied(Done.NOT_SENT)
    last = _LastRequest()
    try:
        if obj.size is not None and obj.size <= COPY_OBJECT_MAX_BYTES:
            result = send(last.wrap("CopyObject", lambda: _copy_object(source, target, obj, plan)))
            etag = _etag(result.etag)
        else:
            etag, result = _multipart(source, target, obj, plan, send, last)
        return Copied(Done.COPIED, 200, etag=etag, version_id=result.versionid)
    except retry.OutOfTime:
        return Copied(Done.NOT_SENT)
    except oss_errors.SDK_ERRORS as e:
        return refused(e, last.operation)


def refused(e: BaseException, operation: str) -> Copied:
    status, code = oss_errors.status_of(e), oss_errors.code_of(e)
    message = getattr(e, "message", "") or ""
    if status == 403 and code == "InvalidObjectState":
        done = Done.EXPIRED
    elif status == 403 and (code in oss_errors.CREDENTIAL_CODES or code == "AccessDenied"):
        done = Done.DENIED
    elif oss_errors.is_transient(e):
        done = Done.NOT_SENT
    else:
        done = Done.FAILED
    return Copied(done, status, code, message, operation=operation)


class _LastRequest:
    """The last request one object's copy sent: the one to name when OSS refuses it."""

    def __init__(self) -> None:
        self.operation = ""

    def wrap(
        self, operation: str, fn: Callable[[], oss2.models.RequestResult]
    ) -> Callable[[], oss2.models.RequestResult]:
        def sent() -> oss2.models.RequestResult:
            self.operation = operation
            return fn()

        return sent


def _source_params(obj: ObjectInfo) -> dict[str, str] | None:
    return {"versionId": obj.version_id} if obj.version_id else None


def _copy_object(source: oss2.Bucket, target: oss2.Bucket, obj: ObjectInfo, plan: Plan) -> oss2.models.PutObjectResult:
    headers = {"x-oss-storage-class": plan.storage_class}
    return target.copy_object(
        source.bucket_name, obj.key, plan.target_key(obj.key), headers=headers, params=_source_params(obj)
    )


_part_pool: ThreadPoolExecutor | None = None
_part_pool_lock = threading.Lock()


def _parts_pool() -> ThreadPoolExecutor:
    """Parts get a pool of their own: the objects' lanes run in the restorer's pool, and a lane waiting on
    parts queued behind other lanes in the same pool could wait for ever."""
    global _part_pool
    with _part_pool_lock:
        if _part_pool is None:
            _part_pool = ThreadPoolExecutor(max_workers=4 * PARALLEL_PARTS, thread_name_prefix="copy-part")
        return _part_pool


def _multipart(
    source: oss2.Bucket, target: oss2.Bucket, obj: ObjectInfo, plan: Plan, send: Sender, last: _LastRequest
) -> tuple[str, oss2.models.RequestResult]:
    params = _source_params(obj)
    key = plan.target_key(obj.key)
    size = obj.size if obj.size is not None else _size(_head(source, obj, send, last))
    ranges = part_ranges(size)
    found = _unfinished(target, key, ranges, send, last)
    if found is None:
        headers = _initiate_headers(source, obj, plan, send, last)
        upload_id = send(
            last.wrap("InitiateMultipartUpload", lambda: target.init_multipart_upload(key, headers=headers))
        ).upload_id
        done: dict[int, PartInfo] = {}
    else:  # resumed: the upload holds the headers it was initiated with, so the source is not read again
        upload_id, done = found
    try:

        def part(number: int) -> PartInfo:
            if number in done:
                return done[number]
            start, end = ranges[number - 1]
            copied = send(
                last.wrap(
                    "UploadPartCopy",
                    lambda: target.upload_part_copy(
                        source.bucket_name, obj.key, (start, end), key, upload_id, number, params=params
                    ),
                )
            )
            return PartInfo(number, copied.etag)

        parts = _in_parallel(part, len(ranges))
        completed = send(
            last.wrap("CompleteMultipartUpload", lambda: target.complete_multipart_upload(key, upload_id, parts))
        )
    except retry.OutOfTime:
        raise  # the upload stays: the next scan finds it (`_unfinished`) and copies only the parts it lacks
    except BaseException:
        # Refused for good: best effort to remove the parts (billed as storage until a lifecycle rule removes
        # them); the copy's own error is the one to report.
        failed_at = last.operation
        with contextlib.suppress(Exception):
            send(last.wrap("AbortMultipartUpload", lambda: target.abort_multipart_upload(key, upload_id)))
        last.operation = failed_at
        raise
    return _etag(completed.etag), completed


def _head(source: oss2.Bucket, obj: ObjectInfo, send: Sender, last: _LastRequest) -> oss2.models.HeadObjectResult:
    return send(last.wrap("HeadObject", lambda: source.head_object(obj.key, params=_source_params(obj))))


def _size(head: oss2.models.HeadObjectResult) -> int:
    return int(head.headers.get("Content-Length") or 0)


def _initiate_headers(
    source: oss2.Bucket, obj: ObjectInfo, plan: Plan, send: Sender, last: _LastRequest
) -> dict[str, str]:
    """What InitiateMultipartUpload must carry for the copy to keep the source's headers, metadata and tags (an
    UploadPartCopy copies bytes only), in the copy's class."""
    params = _source_params(obj)
    head = _head(source, obj, send, last)
    headers = {k: v for k, v in head.headers.items() if k.lower() in _STORED or k.lower().startswith("x-oss-meta-")}
    headers["x-oss-storage-class"] = plan.storage_class
    if int(head.headers.get("x-oss-tagging-count") or 0):
        tagging = send(last.wrap("GetObjectTagging", lambda: source.get_object_tagging(obj.key, params=params)))
        headers["x-oss-tagging"] = "&".join(
            f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in tagging.tag_set.tagging_rule.items()
        )
    return headers


def _unfinished(
    target: oss2.Bucket, key: str, ranges: list[tuple[int, int]], send: Sender, last: _LastRequest
) -> tuple[str, dict[int, PartInfo]] | None:
    """The newest upload of `key` an earlier scan left when its time ran out (a multipart copy of a large
    object can outlast an invocation), with the parts it holds that match this copy's ranges; None if none."""
    listed = send(last.wrap("ListMultipartUploads", lambda: target.list_multipart_uploads(prefix=key)))
    uploads = [u for u in listed.upload_list if u.key == key]
    if not uploads:
        return None
    upload_id = max(uploads, key=lambda u: u.initiation_date).upload_id
    done: dict[int, PartInfo] = {}
    marker = ""
    while True:
        page = send(
            last.wrap("ListParts", lambda m=marker: target.list_parts(key, upload_id, marker=m))  # type: ignore[misc]
        )
        for p in page.parts:
            if 1 <= p.part_number <= len(ranges):
                start, end = ranges[p.part_number - 1]
                if p.size == end - start + 1:
                    done[p.part_number] = PartInfo(p.part_number, p.etag)
        if not page.is_truncated:
            return upload_id, done
        marker = page.next_marker


def _in_parallel(part: Callable[[int], PartInfo], count: int) -> list[PartInfo]:
    """Each part, PARALLEL_PARTS at a time; the first failure is raised once the others started have ended."""
    numbers = iter(range(1, count + 1))
    lock = threading.Lock()
    results: dict[int, PartInfo] = {}
    failed: list[BaseException] = []

    def lane() -> None:
        while not failed:
            with lock:
                number = next(numbers, None)
            if number is None:
                return
            try:
                results[number] = part(number)
            except BaseException as e:  # handed to the caller below
                failed.append(e)

    for future in [_parts_pool().submit(lane) for _ in range(min(PARALLEL_PARTS, count))]:
        future.result()
    if failed:
        raise failed[0]
    return [results[n] for n in range(1, count + 1)]


def _etag(value: str | None) -> str:
    return (value or "").strip('"')


def copy_all(
    source: oss2.Bucket,
    objects: Sequence[ObjectInfo],
    plan: Plan,
    send: Sender,
    *,
    workers: int,
    listed: bool,
    pool: Callable[[], ThreadPoolExecutor],
    look_only: Collection[int] = (),
) -> list[Copied]:
    """One `Copied` per object, in order, `workers` at a time. A copy to another place first looks there: an
    object already there with the same bytes is not copied again (`listed`: the objects come from a listing, in
    key order, so one listing of the target covers them; otherwise one HeadObject each). The objects at the
    indices `look_only` (frozen ones) are only looked for: one not there comes back EXPIRED (restore it). After
    a DENIED nothing more is sent."""
    target = client.sibling_bucket(source, plan.bucket)
    try:
        found = present(source, objects, plan, send, listed=listed)
    except retry.OutOfTime:
        return [Copied(Done.NOT_SENT) for _ in objects]
    denied = threading.Event()
    results: list[Copied | None] = [None] * len(objects)
    position = iter(range(len(objects)))
    lock = threading.Lock()

    def lane() -> None:
        while True:
            with lock:
                index = next(position, None)
            if index is None:
                return
            obj = objects[index]
            there = found.get(obj.key)
            if there is not None:
                results[index] = Copied(Done.COPIED, 200, etag=there, present=True)
            elif index in look_only:
                results[index] = Copied(Done.EXPIRED)
            elif denied.is_set():
                results[index] = Copied(Done.NOT_SENT)
            else:
                results[index] = copy_one(source, target, obj, plan, send)
                if results[index].done is Done.DENIED:  # type: ignore[union-attr]
                    denied.set()

    for future in [pool().submit(lane) for _ in range(max(1, min(workers, len(objects))))]:
        future.result()
    return [r if r is not None else Copied(Done.NOT_SENT) for r in results]


def present(
    source: oss2.Bucket, objects: Sequence[ObjectInfo], plan: Plan, send: Sender, *, listed: bool
) -> dict[str, str]:
    """Which objects a copy elsewhere finds at the target already (source key: the copy's ETag); none for a
    conversion. The restore slice asks too: a frozen object already copied is not restored again."""
    if plan.mode != COPY or not objects:
        return {}
    target = client.sibling_bucket(source, plan.bucket)
    try:
        return _present(source, target, objects, plan, send, listed=listed)
    except oss_errors.SDK_ERRORS as e:
        raise oss_errors.translate(e, "HeadObject", target.bucket_name) from e


def _present(
    source: oss2.Bucket, target: oss2.Bucket, objects: Sequence[ObjectInfo], plan: Plan, send: Sender, *, listed: bool
) -> dict[str, str]:
    """The objects whose copy is already at the target, by source key: the copy's ETag. The same ETag means the
    same bytes; a multipart copy has an ETag of its own, so a target of the same size with a multipart ETag is
    compared by the CRC-64 both report (two HeadObjects, for objects of 1 GB or more only)."""
    if not objects:
        return {}
    there = _listed_targets(target, objects, plan, send) if listed else _headed_targets(target, objects, plan, send)
    found: dict[str, str] = {}
    for obj in objects:
        seen = there.get(plan.target_key(obj.key))
        if seen is None:
            continue
        etag, size = seen
        if etag == obj.etag or ("-" in etag and size == obj.size and _same_crc(source, target, obj, plan, send)):
            found[obj.key] = etag
    return found


def _listed_targets(
    target: oss2.Bucket, objects: Sequence[ObjectInfo], plan: Plan, send: Sender
) -> dict[str, tuple[str, int | None]]:
    """The target's objects from the first object's copy to the last's: one ListObjects page per 1,000."""
    first, last = plan.target_key(objects[0].key), plan.target_key(objects[-1].key)
    marker, out = first[:-1], {}  # the key just shorter lists `first` itself; a few keys before it cost nothing
    while True:
        page = listing.list_page(
            target, prefix=plan.prefix, marker=marker, max_keys=1000, limiter=send.limiter, sleep=send.sleep
        )
        for o in page.objects:
            out[o.key] = (o.etag, o.size)
        if not page.truncated or not page.objects or page.objects[-1].key >= last:
            return out
        marker = page.next_marker


def _headed_targets(
    target: oss2.Bucket, objects: Sequence[ObjectInfo], plan: Plan, send: Sender
) -> dict[str, tuple[str, int | None]]:
    out: dict[str, tuple[str, int | None]] = {}
    for obj in objects:
        key = plan.target_key(obj.key)
        try:
            head = send(lambda key=key: target.head_object(key))  # type: ignore[misc]
        except oss2.exceptions.NotFound:
            continue
        out[key] = (_etag(head.etag), head.content_length)
    return out


def _same_crc(source: oss2.Bucket, target: oss2.Bucket, obj: ObjectInfo, plan: Plan, send: Sender) -> bool:
    theirs = send(lambda: target.head_object(plan.target_key(obj.key))).headers.get("x-oss-hash-crc64ecma")
    ours = send(lambda: source.head_object(obj.key, params=_source_params(obj))).headers.get("x-oss-hash-crc64ecma")
    return theirs is not None and theirs == ours
