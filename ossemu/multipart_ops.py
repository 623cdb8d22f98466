"""The multipart operations over HTTP: InitiateMultipartUpload (`POST /key?uploads`), UploadPart and
UploadPartCopy (`PUT /key?partNumber=N&uploadId=ID`, the latter with `x-oss-copy-source`),
CompleteMultipartUpload (`POST /key?uploadId=ID`) and AbortMultipartUpload (`DELETE /key?uploadId=ID`); the
listings are in `ossemu.multipart_lists`, the rules in `ossemu.multipart`.

InitiateMultipartUpload takes what PutObject takes (https://help.aliyun.com/en/oss/developer-reference/
initiatemultipartupload): `x-oss-storage-class`, Content-Type and the other standard headers, `x-oss-meta-*`
and `x-oss-tagging`; the completed object has them, its class and versioning as PutObject's.

UploadPartCopy (https://help.aliyun.com/en/oss/developer-reference/uploadpartcopy) reads its source as
CopyObject does (`object_ops.read_source`: 403 InvalidObjectState for an archive object not restored, the
`x-oss-copy-source-if-*` conditions), from any bucket of the emulator (all of them are in one region). Its
part is a view of the source's bytes, never a copy. Where its pages are silent the emulator reads them
strictly: `x-oss-copy-source` must start with `/` (0042-00000301) and not be empty (0042-00000302);
`x-oss-copy-source-range` must be `bytes=first-last` or `bytes=first-` inside the source (0042-00000306,
https://help.aliyun.com/zh/oss/user-guide/0042-00000306, says the range may not exceed the source; it names
no code, so 400 InvalidArgument); a version ID naming a delete marker is 400 ("OSS returns 400 Bad Request").
The answer carries no x-oss-hash-crc64ecma, which the page does not list (UploadPart's does).
"""

from __future__ import annotations

import base64
import hashlib
import re
import xml.etree.ElementTree as ET
from urllib.parse import quote
from xml.sax.saxutils import escape

from ossemu import multipart, object_meta, object_ops, tagging
from ossemu.body import Bytes
from ossemu.errors import OssError
from ossemu.formats import iso_date
from ossemu.protocol import Call, Context, Response
from ossemu.store import ObjectRecord, Part, Upload

_XML = '<?xml version="1.0" encoding="UTF-8"?>\n'
_RANGE = re.compile(r"bytes=(\d+)-(\d*)")


def xml_response(body: str, extra: dict[str, str] | None = None) -> Response:
    return Response(200, {"Content-Type": "application/xml", **(extra or {})}, (_XML + body).encode())


def url_encoding(params: dict[str, str]) -> tuple[bool, str]:
    encoding = params.get("encoding-type", "")
    if encoding not in ("", "url"):
        raise OssError(
            400, "InvalidArgument", "encoding-type must be 'url'.",
            extra={"ArgumentName": "encoding-type", "ArgumentValue": encoding},
        )  # fmt: skip
    return encoding == "url", ("<EncodingType>url</EncodingType>" if encoding == "url" else "")


def text(value: str, url: bool) -> str:
    return quote(value, safe="") if url else escape(value)


def initiate(ctx: Context, call: Call) -> Response:
    h = call.req.headers
    url, encoding = url_encoding(call.params)
    upload = Upload(
        call.key,
        initiated=ctx.clock.now(),
        storage_class=object_ops.requested_class(h),
        content_type=object_meta.content_type(h),
        stored_headers=object_meta.stored_headers(h),
        tags=tagging.from_header(h.get(tagging.HEADER, "")),
    )
    with ctx.store.lock:
        ctx.bucket(call).uploads[upload.upload_id] = upload
    return xml_response(
        f"<InitiateMultipartUploadResult>{encoding}<Bucket>{escape(call.bucket)}</Bucket>"
        f"<Key>{text(call.key, url)}</Key><UploadId>{upload.upload_id}</UploadId></InitiateMultipartUploadResult>"
    )


def upload_part(ctx: Context, call: Call) -> Response:
    n = multipart.part_number(call.params.get("partNumber"))
    data = call.req.body
    multipart.check_part_size(len(data))
    md5 = hashlib.md5(data).digest()
    sent = call.req.headers.get("content-md5")
    if sent is not None and sent != base64.b64encode(md5).decode():
        raise OssError(400, "InvalidDigest", "The Content-MD5 you specified was invalid.")
    body = Bytes(data)
    part = Part(body, multipart.etag_of(md5), ctx.clock.now())
    with ctx.store.lock:
        multipart.find(ctx.bucket(call), call.key, call.params["uploadId"]).parts[n] = part
    return Response(200, {"ETag": f'"{part.etag}"', "x-oss-hash-crc64ecma": str(body.crc())})


def copy_source_header(headers: dict[str, str]) -> str:
    """`x-oss-copy-source` of an UploadPartCopy, in the form its pages require."""
    value = headers.get("x-oss-copy-source", "")
    if not value:
        raise OssError(400, "InvalidArgument", "x-oss-copy-source is empty.", ec="0042-00000302")
    if not value.startswith("/"):
        raise OssError(
            400, "InvalidArgument", "x-oss-copy-source must be /bucket/object[?versionId=...].", ec="0042-00000301"
        )  # fmt: skip
    return value


def _copy_range(header: str | None, size: int) -> tuple[int, int]:
    """[start, end) of `x-oss-copy-source-range`, or the whole source without it."""
    if header is None:
        return 0, size
    m = _RANGE.fullmatch(header.strip())
    if m is not None:
        first, last = int(m.group(1)), (int(m.group(2)) if m.group(2) else size - 1)
        if first <= last < size:
            return first, last + 1
    raise OssError(
        400, "InvalidArgument", f"x-oss-copy-source-range {header!r} is not a range inside the {size}-byte source.",
        extra={"ArgumentName": "x-oss-copy-source-range", "ArgumentValue": header},
    )  # fmt: skip


def upload_part_copy(ctx: Context, call: Call) -> Response:
    h = call.req.headers
    n = multipart.part_number(call.params.get("partNumber"))
    source_header = copy_source_header(h)
    with ctx.store.lock:
        upload = multipart.find(ctx.bucket(call), call.key, call.params["uploadId"])
        now = ctx.clock.now()
        try:
            rec, src_version = object_ops.read_source(ctx, source_header, now=now, conditions_in=h)
        except OssError as e:
            if e.status == 405:  # a delete marker named by its version ID
                raise OssError(400, "InvalidArgument", "The source version is a delete marker.") from None
            raise
        source = rec.content.body
        start, end = _copy_range(h.get("x-oss-copy-source-range"), len(source))
        multipart.check_part_size(end - start)
        body = source.slice(start, end)
        part = Part(body, multipart.etag_of(body.digest(0, len(body))), now)
        upload.parts[n] = part
    # oss2 reads the part's ETag from the header (`PutObjectResult`), as from UploadPart's answer.
    headers = {"ETag": f'"{part.etag}"'}
    if src_version is not None:
        headers["x-oss-copy-source-version-id"] = src_version
    return xml_response(
        f"<CopyPartResult><LastModified>{iso_date(now)}</LastModified>"
        f"<ETag>&quot;{part.etag}&quot;</ETag></CopyPartResult>",
        headers,
    )


def _listed_parts(body: bytes) -> list[tuple[int, str]]:
    malformed = OssError(
        400,
        "MalformedXML",
        "The XML you provided was not well-formed or did not validate against our published schema.",
    )
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        raise malformed from None
    if root.tag != "CompleteMultipartUpload":
        raise malformed
    listed = []
    for node in root:
        number, etag = node.findtext("PartNumber"), node.findtext("ETag")
        if node.tag != "Part" or number is None or etag is None or not number.strip().isdigit():
            raise malformed
        listed.append((int(number), etag))
    if not listed:
        raise malformed
    return listed


def complete(ctx: Context, call: Call) -> Response:
    url, encoding = url_encoding(call.params)
    complete_all = call.req.headers.get("x-oss-complete-all")
    # x-oss-complete-all: "yes" is its only value, and then the request has no body (CompleteMultipartUpload,
    # https://help.aliyun.com/en/oss/developer-reference/completemultipartupload).
    if complete_all is not None and (complete_all != "yes" or call.req.body.strip()):
        raise OssError(
            400, "InvalidArgument", "x-oss-complete-all takes only 'yes', and then no part list.",
            extra={"ArgumentName": "x-oss-complete-all", "ArgumentValue": complete_all},
        )  # fmt: skip
    listed = None if complete_all else _listed_parts(call.req.body)
    with ctx.store.lock:
        bucket = ctx.bucket(call)
        upload = multipart.find(bucket, call.key, call.params["uploadId"])
        if listed is None:
            listed = [(n, upload.parts[n].etag) for n in sorted(upload.parts)]
            if not listed:
                raise OssError(400, "InvalidArgument", "The upload has no parts to complete it with.")
        content = multipart.complete(upload, listed)
        now = ctx.clock.now()
        version_id = bucket.put_version(call.key, ObjectRecord(upload.storage_class, content, now))
        del bucket.uploads[upload.upload_id]
    headers = {"ETag": f'"{content.etag}"', "x-oss-hash-crc64ecma": str(content.crc64)}
    if version_id is not None:
        headers["x-oss-version-id"] = version_id
    host = call.req.headers.get("host", "127.0.0.1")
    return xml_response(
        f"<CompleteMultipartUploadResult>{encoding}"
        f"<Location>{escape(f'http://{host}/{call.bucket}/{call.key}')}</Location>"
        f"<Bucket>{escape(call.bucket)}</Bucket><Key>{text(call.key, url)}</Key>"
        f"<ETag>&quot;{content.etag}&quot;</ETag></CompleteMultipartUploadResult>",
        headers,
    )


def abort(ctx: Context, call: Call) -> Response:
    with ctx.store.lock:
        bucket = ctx.bucket(call)
        del bucket.uploads[multipart.find(bucket, call.key, call.params["uploadId"]).upload_id]
    return Response(204)
