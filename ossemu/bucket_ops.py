"""Bucket-level operations: listings, bucket creation and deletion, archive direct read."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ossemu import listing
from ossemu.errors import OssError
from ossemu.formats import iso_date
from ossemu.protocol import Call, Context, Response
from ossemu.store import BucketStore
from ossemu.versions import ENABLED, SUSPENDED


def list_buckets(ctx: Context, call: Call) -> Response:
    with ctx.store.lock:
        names = sorted(ctx.store.buckets)
        created = {n: ctx.store.buckets[n].created for n in names}
    items = "".join(
        f"<Bucket><CreationDate>{iso_date(created[n])}</CreationDate><ExtranetEndpoint>127.0.0.1</ExtranetEndpoint>"
        f"<IntranetEndpoint>127.0.0.1</IntranetEndpoint><Location>oss-local</Location><Name>{n}</Name>"
        f"<StorageClass>Standard</StorageClass></Bucket>"
        for n in names
    )
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<ListAllMyBucketsResult><Owner><ID>{listing.OWNER_ID}</ID><DisplayName>{listing.OWNER_ID}</DisplayName></Owner>"
        f"<Buckets>{items}</Buckets></ListAllMyBucketsResult>"
    )
    return Response(200, {"Content-Type": "application/xml"}, body.encode())


def put_bucket(ctx: Context, call: Call) -> Response:
    with ctx.store.lock:
        if call.bucket not in ctx.store.buckets:
            ctx.store.buckets[call.bucket] = BucketStore(call.bucket, ctx.clock.now())
    return Response(200, {"Location": f"/{call.bucket}"})


def delete_bucket(ctx: Context, call: Call) -> Response:
    with ctx.store.lock:
        if ctx.bucket(call).objects:
            raise OssError(
                409, "BucketNotEmpty", "The bucket you tried to delete is not empty.", extra={"BucketName": call.bucket}
            )
        del ctx.store.buckets[call.bucket]
    return Response(204)


def list_v1(ctx: Context, call: Call) -> Response:
    p = call.params
    url = listing.check_common(p)
    q = listing.ListQuery(p.get("prefix", ""), p.get("delimiter", ""), p.get("marker", ""), listing.parse_max_keys(p))
    with ctx.store.lock:
        page = listing.list_page(ctx.bucket(call), q)
        body = listing.render_v1(call.bucket, q, page, url=url, marker=q.after, now=ctx.clock.now())
    return Response(200, {"Content-Type": "application/xml"}, body)


def list_v2(ctx: Context, call: Call) -> Response:
    p = call.params
    url = listing.check_common(p)
    token, start_after = p.get("continuation-token", ""), p.get("start-after", "")
    after = listing.decode_token(token) if token else start_after
    q = listing.ListQuery(p.get("prefix", ""), p.get("delimiter", ""), after, listing.parse_max_keys(p))
    owner = p.get("fetch-owner", "false").lower() == "true"
    with ctx.store.lock:
        page = listing.list_page(ctx.bucket(call), q)
        body = listing.render_v2(
            call.bucket, q, page, url=url, token=token, start_after=start_after, owner=owner, now=ctx.clock.now()
        )
    return Response(200, {"Content-Type": "application/xml"}, body)


def list_versions(ctx: Context, call: Call) -> Response:
    p = call.params
    url = listing.check_common(p)
    if p.get("delimiter"):
        # Not modelled: refused rather than answered differently from OSS.
        raise OssError(501, "NotImplemented", "ListObjectVersions with a delimiter is not implemented by the emulator.")
    key_marker, version_marker = p.get("key-marker", ""), p.get("version-id-marker", "")
    if version_marker and not key_marker:
        # "If version-id-marker is not empty, key-marker cannot be empty" (ListObjectVersions, request parameters).
        raise listing.invalid("version-id-marker", version_marker, "requires key-marker")
    q = listing.ListQuery(p.get("prefix", ""), "", key_marker, listing.parse_max_keys(p))
    with ctx.store.lock:
        page = listing.list_versions_page(
            ctx.bucket(call), prefix=q.prefix, key_marker=key_marker, version_marker=version_marker, max_keys=q.max_keys
        )
        body = listing.render_versions(
            call.bucket, q, page, url=url, key_marker=key_marker, version_marker=version_marker, now=ctx.clock.now()
        )
    return Response(200, {"Content-Type": "application/xml"}, body)


def versioning(ctx: Context, call: Call) -> Response:
    """Get/PutBucketVersioning: Enabled or Suspended; a bucket never returns to unversioned."""
    with ctx.store.lock:
        b = ctx.bucket(call)
        if call.req.method == "PUT":
            b.versioning = _parse_status(call.req.body)
            return Response(200)
        status = f"<Status>{b.versioning}</Status>" if b.versioning else ""
    body = f'<?xml version="1.0" encoding="UTF-8"?>\n<VersioningConfiguration>{status}</VersioningConfiguration>'
    return Response(200, {"Content-Type": "application/xml"}, body.encode())


def _parse_status(body: bytes) -> str:
    try:
        status = (ET.fromstring(body).findtext("Status") or "").strip()
    except ET.ParseError:
        status = ""
    if status not in (ENABLED, SUSPENDED):
        raise OssError(
            400,
            "MalformedXML",
            "The XML you provided was not well-formed or did not validate against our published schema.",
        )
    return status


def archive_direct_read(ctx: Context, call: Call) -> Response:
    with ctx.store.lock:
        b = ctx.bucket(call)
        if call.req.method == "PUT":
            b.archive_direct_read = _parse_enabled(call.req.body)
            return Response(200)
        enabled = "true" if b.archive_direct_read else "false"
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<ArchiveDirectReadConfiguration><Enabled>{enabled}</Enabled></ArchiveDirectReadConfiguration>"
    )
    return Response(200, {"Content-Type": "application/xml"}, body.encode())


def _parse_enabled(body: bytes) -> bool:
    try:
        text = (ET.fromstring(body).findtext("Enabled") or "").strip().lower()
    except ET.ParseError:
        text = ""
    if text not in ("true", "false"):
        raise OssError(
            400,
            "MalformedXML",
            "The XML you provided was not well-formed or did not validate against our published schema.",
        )
    return text == "true"
