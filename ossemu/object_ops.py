"""Object operations: HEAD / GetObjectMeta, GET (with ranges), PUT, DELETE, RestoreObject, CleanRestoredObject."""
from __future__ import annotations

import base64
import hashlib

from ossemu import classes as sc
from ossemu import restore
from ossemu.errors import OssError
from ossemu.formats import http_date, restore_value
from ossemu.protocol import Call, Context, Response
from ossemu.store import Content, ObjectRecord


def _object_headers(rec: ObjectRecord, *, now: float) -> dict[str, str]:
    c = rec.content
    h = {
        "Content-Type": "application/octet-stream",
        "Content-Length": str(len(c.data)),
        "ETag": f'"{c.etag}"',
        "Last-Modified": http_date(rec.mtime),
        "x-oss-object-type": "Normal",
        "x-oss-hash-crc64ecma": str(c.crc64),
        "x-oss-storage-class": rec.storage_class,
    }
    if rec.storage_class in sc.COLD_CLASSES:
        h["x-oss-transition-time"] = http_date(rec.mtime)
    if rec.storage_class in sc.ARCHIVE_CLASSES:
        value = restore_value(rec, restore.state_of(rec, now))
        if value is not None:
            h["x-oss-restore"] = value
    return h


def head(ctx: Context, call: Call) -> Response:
    with ctx.store.lock:
        rec = ctx.record(call)
        headers = _object_headers(rec, now=ctx.clock.now())
    if "objectMeta" in call.params:
        # GetObjectMeta carries neither storage class nor restore status.
        for name in ("x-oss-storage-class", "x-oss-restore", "x-oss-transition-time", "x-oss-object-type", "Content-Type"):
            headers.pop(name, None)
    return Response(200, headers)


def get(ctx: Context, call: Call) -> Response:
    with ctx.store.lock:
        rec = ctx.record(call)
        now = ctx.clock.now()
        direct = rec.storage_class == sc.ARCHIVE and ctx.bucket(call).archive_direct_read
        if rec.storage_class in sc.ARCHIVE_CLASSES and not direct and restore.state_of(rec, now) != restore.RESTORED:
            raise OssError(403, "InvalidObjectState", "The operation is not valid for the object's state")
        headers = _object_headers(rec, now=now)
    headers["Accept-Ranges"] = "bytes"
    data = rec.content.data
    span = _byte_range(call.req.headers.get("range", ""), len(data))
    if span is None:
        return Response(200, headers, data)
    start, end = span
    headers["Content-Range"] = f"bytes {start}-{end}/{len(data)}"
    del headers["Content-Length"]
    return Response(206, headers, data[start : end + 1])


def put(ctx: Context, call: Call) -> Response:
    h = call.req.headers
    storage_class = h.get("x-oss-storage-class", sc.STANDARD)
    if storage_class not in sc.STORAGE_CLASSES:
        raise OssError(
            400,
            "InvalidArgument",
            f"Invalid storage class {storage_class!r}; expected one of {', '.join(sc.STORAGE_CLASSES)}.",
            extra={"ArgumentName": "x-oss-storage-class", "ArgumentValue": storage_class},
        )
    md5 = h.get("content-md5")
    if md5 is not None and md5 != base64.b64encode(hashlib.md5(call.req.body).digest()).decode():
        raise OssError(400, "InvalidDigest", "The Content-MD5 you specified was invalid.")
    content = Content.of(call.req.body)
    with ctx.store.lock:
        ctx.bucket(call).put(call.key, ObjectRecord(storage_class, content, ctx.clock.now()))
    return Response(200, {"ETag": f'"{content.etag}"', "x-oss-hash-crc64ecma": str(content.crc64)})


def delete(ctx: Context, call: Call) -> Response:
    with ctx.store.lock:
        ctx.bucket(call).delete(call.key)
    return Response(204)


def restore_object(ctx: Context, call: Call) -> Response:
    req = restore.parse_request(call.req.body)
    with ctx.store.lock:
        rec = ctx.record(call)
        outcome = restore.request(rec, req, now=ctx.clock.now(), latency=ctx.latency())
    for event in outcome.events:
        ctx.stats.incr(event)
    return Response(outcome.status, dict(outcome.headers))


def clean_restored_object(ctx: Context, call: Call) -> Response:
    with ctx.store.lock:
        restore.clean(ctx.record(call), now=ctx.clock.now())
    return Response(200)


def _byte_range(header: str, size: int) -> tuple[int, int] | None:
    """One `bytes=a-b` / `a-` / `-n` range; like OSS, a malformed or multi-part range means the whole object."""
    spec = header.strip()
    if not spec.startswith("bytes=") or "," in spec:
        return None
    first, sep, last = spec[6:].partition("-")
    try:
        if not first:
            start, end = max(size - int(last), 0), size - 1
        else:
            start, end = int(first), (int(last) if last else size - 1)
    except ValueError:
        return None
    if not sep or start > end:
        return None
    if start >= size:
        raise OssError(416, "InvalidRange", "The requested range cannot be satisfied.", headers={"Content-Range": f"bytes */{size}"})
    return start, min(end, size - 1)
