"""ListParts (`GET /key?uploadId=ID`) and ListMultipartUploads (`GET /?uploads`): the parts of one upload in
part-number order, and the uploads in progress by key, then in the order they were initiated, each page at
most 1,000 entries (`max-parts`, `max-uploads`), with markers, prefix and delimiter as ListParts and
ListMultipartUploads document them (https://help.aliyun.com/en/oss/developer-reference/listparts,
https://help.aliyun.com/en/oss/developer-reference/listmultipartuploads)."""

from __future__ import annotations

from collections.abc import Iterator
from xml.sax.saxutils import escape

from ossemu import multipart
from ossemu.errors import OssError
from ossemu.formats import iso_date
from ossemu.multipart_ops import text, url_encoding, xml_response
from ossemu.protocol import Call, Context, Response
from ossemu.store import Upload


def _limit(params: dict[str, str], name: str) -> int:
    value = params.get(name) or str(multipart.MAX_LIST)
    if not value.isdigit() or not 1 <= int(value) <= multipart.MAX_LIST:
        raise OssError(
            400, "InvalidArgument", f"{name} must be an integer from 1 to {multipart.MAX_LIST}.",
            extra={"ArgumentName": name, "ArgumentValue": value},
        )  # fmt: skip
    return int(value)


def list_parts(ctx: Context, call: Call) -> Response:
    p = call.params
    url, encoding = url_encoding(p)
    limit = _limit(p, "max-parts")
    marker_text = p.get("part-number-marker") or "0"
    if not marker_text.isdigit():
        raise OssError(400, "InvalidArgument", "part-number-marker must be a number.")
    marker = int(marker_text)
    with ctx.store.lock:
        upload = multipart.find(ctx.bucket(call), call.key, p["uploadId"])
        numbers = [n for n in sorted(upload.parts) if n > marker]
        page = [(n, upload.parts[n]) for n in numbers[:limit]]
        items = "".join(
            f"<Part><PartNumber>{n}</PartNumber><LastModified>{iso_date(part.mtime)}</LastModified>"
            f"<ETag>&quot;{part.etag}&quot;</ETag><HashCrc64ecma>{part.body.crc()}</HashCrc64ecma>"
            f"<Size>{len(part.body)}</Size></Part>"
            for n, part in page
        )
        storage_class = upload.storage_class
    truncated = len(numbers) > limit
    next_marker = page[-1][0] if page else marker
    return xml_response(
        f"<ListPartsResult>{encoding}<Bucket>{escape(call.bucket)}</Bucket><Key>{text(call.key, url)}</Key>"
        f"<UploadId>{upload.upload_id}</UploadId><StorageClass>{storage_class}</StorageClass>"
        f"<PartNumberMarker>{marker}</PartNumberMarker><NextPartNumberMarker>{next_marker}</NextPartNumberMarker>"
        f"<MaxParts>{limit}</MaxParts><IsTruncated>{'true' if truncated else 'false'}</IsTruncated>"
        f"{items}</ListPartsResult>"
    )


def _after(uploads: list[Upload], key_marker: str, id_marker: str) -> Iterator[Upload]:
    """Uploads in listing order (key, then initiation) past the markers."""
    passed = not id_marker
    for u in uploads:
        if u.key < key_marker:
            continue
        if u.key == key_marker:
            if not passed:
                passed = u.upload_id == id_marker
                continue
            if not id_marker:
                continue
        yield u


def list_uploads(ctx: Context, call: Call) -> Response:
    p = call.params
    url, encoding = url_encoding(p)
    limit = _limit(p, "max-uploads")
    prefix, delimiter = p.get("prefix", ""), p.get("delimiter", "")
    key_marker, id_marker = p.get("key-marker", ""), p.get("upload-id-marker", "")
    with ctx.store.lock:
        uploads = sorted(ctx.bucket(call).uploads.values(), key=lambda u: (u.key, u.order))
    entries: list[str] = []
    prefixes: set[str] = set()
    truncated, last_key, last_id = False, "", ""
    for u in _after(uploads, key_marker, id_marker):
        if not u.key.startswith(prefix):
            continue
        cut = u.key.find(delimiter, len(prefix)) if delimiter else -1
        common = u.key[: cut + len(delimiter)] if cut >= 0 else None
        if common is not None and common in prefixes:
            continue
        if len(entries) + len(prefixes) == limit:
            truncated = True
            break
        last_key, last_id = u.key, u.upload_id
        if common is not None:
            prefixes.add(common)
            entries.append(f"<CommonPrefixes><Prefix>{text(common, url)}</Prefix></CommonPrefixes>")
        else:
            entries.append(
                f"<Upload><Key>{text(u.key, url)}</Key><UploadId>{u.upload_id}</UploadId>"
                f"<StorageClass>{u.storage_class}</StorageClass><Initiated>{iso_date(u.initiated)}</Initiated></Upload>"
            )
    return xml_response(
        f"<ListMultipartUploadsResult>{encoding}<Bucket>{escape(call.bucket)}</Bucket>"
        f"<KeyMarker>{text(key_marker, url)}</KeyMarker><UploadIdMarker>{escape(id_marker)}</UploadIdMarker>"
        f"<NextKeyMarker>{text(last_key if truncated else '', url)}</NextKeyMarker>"
        f"<NextUploadIdMarker>{last_id if truncated else ''}</NextUploadIdMarker>"
        f"<Delimiter>{text(delimiter, url)}</Delimiter><Prefix>{text(prefix, url)}</Prefix>"
        f"<MaxUploads>{limit}</MaxUploads><IsTruncated>{'true' if truncated else 'false'}</IsTruncated>"
        f"{''.join(entries)}</ListMultipartUploadsResult>"
    )
