"""Object operations: HEAD / GetObjectMeta, GET (with ranges), PUT, CopyObject, DELETE, RestoreObject,
CleanRestoredObject."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from urllib.parse import unquote

from ossemu import classes as sc
from ossemu import conditions, object_meta, restore, tagging
from ossemu.body import Bytes
from ossemu.errors import OssError
from ossemu.formats import http_date, restore_value
from ossemu.protocol import Call, Context, Response, no_bucket, no_key
from ossemu.store import Content, ObjectRecord, Pairs


def _object_headers(rec: ObjectRecord, *, now: float) -> dict[str, str]:
    c = rec.content
    h = {
        "Content-Type": c.content_type,
        "Content-Length": str(len(c.body)),
        "ETag": f'"{c.etag}"',
        "Last-Modified": http_date(rec.mtime),
        "x-oss-object-type": c.object_type,
        "x-oss-hash-crc64ecma": str(c.crc64),
        "x-oss-storage-class": rec.storage_class,
    }
    if rec.storage_class in sc.COLD_CLASSES:
        h["x-oss-transition-time"] = http_date(rec.mtime)
    if rec.storage_class in sc.ARCHIVE_CLASSES:
        value = restore_value(rec, restore.state_of(rec, now))
        if value is not None:
            h["x-oss-restore"] = value
    h.update(c.stored_headers)
    h.update(tagging.count_headers(c.tags))
    return h


def _not_modified(headers: dict[str, str]) -> Response:
    """304: no body; the validators and the length a 200 would carry (RFC 7230 3.3.2)."""
    keep = ("ETag", "Last-Modified", "Content-Length")
    return Response(304, {k: headers[k] for k in keep})


def head(ctx: Context, call: Call) -> Response:
    with ctx.store.lock:
        rec = ctx.record(call)
        headers = _object_headers(rec, now=ctx.clock.now())
        headers.update(ctx.version_headers(call))
    if "objectMeta" in call.params:
        # GetObjectMeta returns only ETag, size and Last-Modified (no storage class, restore status,
        # Content-Type or other stored headers) and documents no conditional headers.
        return Response(
            200, {k: headers[k] for k in ("ETag", "Content-Length", "Last-Modified", "x-oss-hash-crc64ecma")}
        )
    if conditions.not_modified(call.req.headers, etag=rec.content.etag, mtime=rec.mtime):
        return _not_modified(headers)
    return Response(200, headers)


def get(ctx: Context, call: Call) -> Response:
    with ctx.store.lock:
        rec = ctx.record(call)
        now = ctx.clock.now()
        direct = rec.storage_class == sc.ARCHIVE and ctx.bucket(call).archive_direct_read
        if rec.storage_class in sc.ARCHIVE_CLASSES and not direct and restore.state_of(rec, now) != restore.RESTORED:
            raise OssError(403, "InvalidObjectState", "The operation is not valid for the object's state")
        headers = _object_headers(rec, now=now)
        headers.update(ctx.version_headers(call))
    # Conditions after the object state: GetObject on a frozen object is refused whatever it asks for.
    if conditions.not_modified(call.req.headers, etag=rec.content.etag, mtime=rec.mtime):
        return _not_modified(headers)
    headers["Accept-Ranges"] = "bytes"
    headers.update(object_meta.response_overrides(call.params))
    body = rec.content.body
    span = _byte_range(call.req.headers.get("range", ""), len(body))
    if span is None:
        return Response(200, headers, body.data if isinstance(body, Bytes) else body)
    start, end = span
    headers["Content-Range"] = f"bytes {start}-{end}/{len(body)}"
    del headers["Content-Length"]
    return Response(206, headers, body.read(start, end + 1))


def put(ctx: Context, call: Call) -> Response:
    h = call.req.headers
    conditions.refuse_on_put(h)
    storage_class = requested_class(h)
    md5 = h.get("content-md5")
    if md5 is not None and md5 != base64.b64encode(hashlib.md5(call.req.body).digest()).decode():
        raise OssError(400, "InvalidDigest", "The Content-MD5 you specified was invalid.")
    content = Content.of(
        call.req.body,
        content_type=object_meta.content_type(h),
        stored_headers=object_meta.stored_headers(h),
        tags=tagging.from_header(h.get(tagging.HEADER, "")),
    )
    with ctx.store.lock:
        version_id = ctx.bucket(call).put_version(call.key, ObjectRecord(storage_class, content, ctx.clock.now()))
    headers = {"ETag": f'"{content.etag}"', "x-oss-hash-crc64ecma": str(content.crc64)}
    if version_id is not None:
        headers["x-oss-version-id"] = version_id
    return Response(200, headers)


# CopyObject copies objects smaller than 1 GB; larger ones take UploadPartCopy
# (https://www.alibabacloud.com/help/en/oss/developer-reference/uploadpartcopy: "To copy an object larger than
# 1 GB, use UploadPartCopy"). Where the docs say "smaller than", an object of exactly 1 GiB is refused too.
COPY_OBJECT_MAX_BYTES = 1024**3 - 1
_DIRECTIVES = ("COPY", "REPLACE")


def copy(ctx: Context, call: Call) -> Response:
    """CopyObject: PUT with `x-oss-copy-source: /bucket/key[?versionId=...]` (the key URL-encoded), in place or
    into another bucket. The bytes (and so the ETag) are the source's; `x-oss-metadata-directive` COPY (the
    default) keeps its Content-Type and user metadata, REPLACE takes the request's; `x-oss-tagging-directive`
    likewise for its tags (REPLACE takes `x-oss-tagging`); the copy's class is `x-oss-storage-class` (default
    Standard) and it starts with no restore of its own. An archive source that is not restored is refused as
    GetObject refuses it: 403 InvalidObjectState."""
    h = call.req.headers
    conditions.refuse_on_put(h)
    directive = _directive(h, "x-oss-metadata-directive")
    tags_directive = tagging_directive(h)
    replaced_tags = copy_tags_replaced(h)
    storage_class = requested_class(h)
    with ctx.store.lock:
        now = ctx.clock.now()
        rec, src_version = read_source(ctx, h["x-oss-copy-source"], now=now)
        if len(rec.content.body) > COPY_OBJECT_MAX_BYTES:
            raise OssError(
                400, "InvalidRequest", "The source object is 1 GB or larger: copy it with UploadPartCopy."
            )  # fmt: skip
        source = rec.content
        content = Content(
            source.body,
            source.etag,
            source.content_type if directive == "COPY" else object_meta.content_type(h),
            source.stored_headers if directive == "COPY" else object_meta.stored_headers(h),
            source.tags if tags_directive == "COPY" else replaced_tags,
        )
        version_id = ctx.bucket(call).put_version(call.key, ObjectRecord(storage_class, content, now))
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<CopyObjectResult>'
        f"<ETag>&quot;{content.etag}&quot;</ETag><LastModified>{http_date(now)}</LastModified></CopyObjectResult>"
    ).encode()
    headers = {"ETag": f'"{content.etag}"', "Content-Type": "application/xml"}
    if version_id is not None:
        headers["x-oss-version-id"] = version_id
    if src_version is not None:
        headers["x-oss-copy-source-version-id"] = src_version
    return Response(200, headers, body)


TAGGING_DIRECTIVE = "x-oss-tagging-directive"


def _directive(h: dict[str, str], name: str) -> str:
    directive = h.get(name, "COPY").upper()
    if directive not in _DIRECTIVES:
        raise OssError(
            400, "InvalidArgument", f"Invalid {name} {directive!r}; expected COPY or REPLACE.",
            extra={"ArgumentName": name, "ArgumentValue": directive},
        )  # fmt: skip
    return directive


def tagging_directive(h: dict[str, str]) -> str:
    return _directive(h, TAGGING_DIRECTIVE)


def copy_tags_replaced(h: dict[str, str]) -> Pairs:
    """The tags a CopyObject request gives its copy under `x-oss-tagging-directive: REPLACE`. With COPY (the
    default) OSS documents the source's tags and no use for `x-oss-tagging`; the emulator refuses the header
    there rather than drop it silently (the stricter reading: CopyObject,
    https://www.alibabacloud.com/help/en/oss/developer-reference/copyobject)."""
    if tagging_directive(h) == "COPY":
        if tagging.HEADER in h:
            raise OssError(
                400, "InvalidArgument", "x-oss-tagging needs x-oss-tagging-directive: Replace.",
                extra={"ArgumentName": tagging.HEADER},
            )  # fmt: skip
        return ()
    return tagging.from_header(h.get(tagging.HEADER, ""))


# UploadPartCopy's conditions on its source: each of the four fails with 412 where GetObject's namesake would
# fail or answer 304 (UploadPartCopy, "x-oss-copy-source-if-*", https://www.alibabacloud.com/help/tc/object-
# storage-service/latest/uploadpartcopy: "否則返回412"). CopyObject does not check them yet.
_SOURCE_CONDITIONS = {f"x-oss-copy-source-{name.lower()}": name for name in conditions.HEADERS}


def read_source(
    ctx: Context, header: str, *, now: float, conditions_in: Mapping[str, str] | None = None
) -> tuple[ObjectRecord, str | None]:
    """The object `x-oss-copy-source` names and the version it names, readable as GetObject reads it: an
    archive object must be restored (403 InvalidObjectState otherwise), and the request's
    `x-oss-copy-source-if-*` headers (in `conditions_in`) must hold. Caller holds the store lock."""
    src_bucket, src_key, src_version = copy_source(header)
    source_store = ctx.store.buckets.get(src_bucket)
    if source_store is None:
        raise no_bucket(src_bucket)
    if src_version is not None:
        rec = source_store.read_version(src_key, src_version)
    else:
        found = source_store.objects.get(src_key)
        if found is None:
            raise no_key(src_key)
        rec = found
    if rec.storage_class in sc.ARCHIVE_CLASSES and restore.state_of(rec, now) != restore.RESTORED:
        raise OssError(403, "InvalidObjectState", "The operation is not valid for the object's state")
    given = conditions_in or {}
    asked = {plain.lower(): given[name] for name, plain in _SOURCE_CONDITIONS.items() if name in given}
    if asked and conditions.not_modified(asked, etag=rec.content.etag, mtime=rec.mtime):
        raise OssError(412, "PreconditionFailed", conditions.PRECONDITION_MESSAGE, ec=conditions.PRECONDITION_EC)
    return rec, src_version


def source_tags(ctx: Context, header: str) -> Pairs:
    """The tags of the object `x-oss-copy-source` names; none when it names nothing (the copy fails later)."""
    with ctx.store.lock:
        try:
            return read_source(ctx, header, now=ctx.clock.now())[0].content.tags
        except OssError:
            return ()


def copy_source(value: str) -> tuple[str, str, str | None]:
    """`/bucket/key[?versionId=ID]`, the key URL-encoded: (bucket, key, version ID or None)."""
    path, _, query = value.partition("?")
    bucket, _, key = path.lstrip("/").partition("/")
    if not bucket or not key:
        raise OssError(400, "InvalidArgument", f"x-oss-copy-source {value!r} names no bucket and key.")
    version = query[len("versionId=") :] if query.startswith("versionId=") else None
    return bucket, unquote(key), version


def requested_class(h: dict[str, str]) -> str:
    storage_class = h.get("x-oss-storage-class", sc.STANDARD)
    if storage_class not in sc.STORAGE_CLASSES:
        raise OssError(
            400,
            "InvalidArgument",
            f"Invalid storage class {storage_class!r}; expected one of {', '.join(sc.STORAGE_CLASSES)}.",
            extra={"ArgumentName": "x-oss-storage-class", "ArgumentValue": storage_class},
        )
    return storage_class


def delete(ctx: Context, call: Call) -> Response:
    with ctx.store.lock:
        version_id, marker = ctx.bucket(call).delete_version(
            call.key, call.params.get("versionId"), now=ctx.clock.now()
        )
    headers = {} if version_id is None else {"x-oss-version-id": version_id}
    if marker:
        headers["x-oss-delete-marker"] = "true"
    return Response(204, headers)


def restore_object(ctx: Context, call: Call) -> Response:
    req = restore.parse_request(call.req.body)
    with ctx.store.lock:
        rec = ctx.record(call)
        outcome = restore.request(rec, req, now=ctx.clock.now(), latency=ctx.latency())
        version = ctx.version_headers(call)
    for event in outcome.events:
        ctx.stats.incr(event)
    return Response(outcome.status, {**outcome.headers, **version})


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
        raise OssError(
            416,
            "InvalidRange",
            "The requested range cannot be satisfied.",
            headers={"Content-Range": f"bytes */{size}"},
        )
    return start, min(end, size - 1)
