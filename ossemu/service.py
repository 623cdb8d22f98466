"""The emulated OSS service, independent of the HTTP transport: one request in, one response out.

Order of work per request, as on OSS: injected faults and throttling first (the request never reaches
the bucket), then routing, then the signature, then the operation.
"""
from __future__ import annotations

import base64
import hashlib
import itertools
import logging
import os
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote_to_bytes

from ossemu import classes as sc
from ossemu import listing, restore
from ossemu.auth import SignedRequest, Verifier
from ossemu.clock import Clock
from ossemu.errors import OssError
from ossemu.faults import FaultInjector
from ossemu.formats import error_xml, http_date, iso_date, restore_value
from ossemu.latency import RestoreLatency
from ossemu.stats import Stats
from ossemu.store import BucketStore, Content, ObjectRecord, Store

_LOGGER = logging.getLogger(__name__)
_LOGGER.addHandler(logging.NullHandler())

_LIST_PARAMS = frozenset({"continuation-token"})


@dataclass(frozen=True)
class Request:
    method: str
    target: str
    headers: dict[str, str]
    body: bytes = b""


@dataclass
class Response:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


@dataclass(frozen=True)
class _Call:
    req: Request
    bucket: str
    key: str
    params: dict[str, str]
    request_id: str


def _no_bucket(name: str) -> OssError:
    return OssError(404, "NoSuchBucket", "The specified bucket does not exist.", ec="0015-00000101", extra={"BucketName": name})


def _no_key(key: str) -> OssError:
    return OssError(404, "NoSuchKey", "The specified key does not exist.", ec="0026-00000001", extra={"Key": key})


def _not_implemented(what: str) -> OssError:
    return OssError(501, "NotImplemented", f"{what} is not implemented by the emulator.")


class Service:
    def __init__(
        self,
        *,
        store: Store,
        stats: Stats,
        clock: Clock,
        latency: Callable[[], RestoreLatency],
        faults: Callable[[], FaultInjector],
        verifier: Verifier | None,
    ) -> None:
        self.store = store
        self.stats = stats
        self.clock = clock
        self._latency = latency
        self._faults = faults
        self._verifier = verifier
        self._ids = itertools.count(1)
        self._id_prefix = os.urandom(4).hex().upper()

    def handle(self, req: Request) -> Response | None:
        """Answer `req`; None means drop the connection without a response."""
        request_id = f"{self._id_prefix}{next(self._ids):016X}"
        fault = self._faults().decide()
        if fault is not None:
            return self._fault(fault, req, request_id)
        op = "Unknown"
        try:
            call = self._parse(req, request_id)
            op, action = self._route(call)
            self.stats.incr(op)
            if self._verifier is not None:
                self._verifier.verify(self._signed(call))
            resp = action(call)
        except OssError as e:
            resp = self._error(e, req, request_id)
        self.stats.incr(f"{op}:{resp.status}")
        resp.headers["x-oss-request-id"] = request_id
        return resp

    # -- plumbing -------------------------------------------------------------------------------------

    def _fault(self, fault: str, req: Request, request_id: str) -> Response | None:
        if fault == "drop":
            self.stats.incr("fault:drop")
            return None
        if fault == "throttled":
            self.stats.incr("throttled")
            err = OssError(503, "TotalQpsLimitExceeded", "Max total qps limit is exceeded", ec="0004-00000302")
        elif fault == "500":
            self.stats.incr("fault:500")
            err = OssError(500, "InternalError", "We encountered an internal error. Please try again.")
        else:
            self.stats.incr("fault:503")
            err = OssError(503, "ServiceUnavailable", "Thread pool is almost full, please retry later")
        resp = self._error(err, req, request_id)
        resp.headers["x-oss-request-id"] = request_id
        return resp

    def _error(self, e: OssError, req: Request, request_id: str) -> Response:
        host = req.headers.get("host", "127.0.0.1")
        body = error_xml(e.code, e.message, request_id, host, e.ec, e.extra)
        headers = {"Content-Type": "application/xml", **e.headers}
        if e.ec:
            headers["x-oss-ec"] = e.ec
        if req.method == "HEAD":
            # HEAD has no body: oss2 reads the error from this header instead.
            headers["x-oss-err"] = base64.b64encode(body).decode("ascii")
            body = b""
        return Response(e.status, headers, body)

    def _parse(self, req: Request, request_id: str) -> _Call:
        path, _, query = req.target.partition("?")
        bucket, _, raw_key = path.lstrip("/").partition("/")
        try:
            key = unquote_to_bytes(raw_key).decode("utf-8")
        except UnicodeDecodeError:
            raise OssError(400, "InvalidObjectName", "The specified object is not valid.") from None
        params = dict(parse_qsl(query, keep_blank_values=True))
        if key and (len(key.encode()) > 1023 or key[0] in "/\\"):
            raise OssError(400, "InvalidObjectName", "The specified object is not valid.", extra={"ObjectName": key[:64]})
        return _Call(req, unquote_to_bytes(bucket).decode("utf-8", "replace"), key, params, request_id)

    def _signed(self, call: _Call) -> SignedRequest:
        return SignedRequest(call.req.method, call.bucket, call.key, list(call.params.items()), call.req.headers)

    def _route(self, call: _Call) -> tuple[str, Callable[[_Call], Response]]:
        m, p = call.req.method, call.params
        if not call.bucket:
            return "ListBuckets", self._list_buckets
        if not call.key:
            if m == "PUT" and not p:
                return "PutBucket", self._put_bucket
            if m == "DELETE" and not p:
                return "DeleteBucket", self._delete_bucket
            if "bucketArchiveDirectRead" in p and m in ("GET", "PUT"):
                return f"{m.title()}BucketArchiveDirectRead", self._archive_direct_read
            if m == "GET" and "versions" in p:
                return "ListObjectVersions", self._list_versions
            if m == "GET" and not any(k in _BUCKET_SUBRESOURCES for k in p):
                return ("ListObjectsV2", self._list_v2) if p.get("list-type") == "2" else ("ListObjects", self._list_v1)
            return "Unsupported", self._unsupported
        if m == "POST" and "restore" in p:
            return "RestoreObject", self._restore
        if m == "POST" and "cleanRestoredObject" in p:
            return "CleanRestoredObject", self._clean
        if m == "HEAD":
            return ("GetObjectMeta", self._head) if "objectMeta" in p else ("HeadObject", self._head)
        subresources = [k for k in p if k in _BUCKET_SUBRESOURCES or k in ("restore", "cleanRestoredObject")]
        if not subresources and "x-oss-copy-source" not in call.req.headers:
            if m == "GET":
                return "GetObject", self._get
            if m == "PUT":
                return "PutObject", self._put
            if m == "DELETE":
                return "DeleteObject", self._delete
        return "Unsupported", self._unsupported

    def _unsupported(self, call: _Call) -> Response:
        raise _not_implemented(f"{call.req.method} with {sorted(call.params) or 'no parameters'}")

    def _bucket(self, call: _Call) -> BucketStore:
        b = self.store.buckets.get(call.bucket)
        if b is None:
            raise _no_bucket(call.bucket)
        return b

    def _record(self, call: _Call) -> ObjectRecord:
        rec = self._bucket(call).objects.get(call.key)
        if rec is None:
            raise _no_key(call.key)
        return rec

    # -- buckets ----------------------------------------------------------------------------------------

    def _list_buckets(self, call: _Call) -> Response:
        with self.store.lock:
            names = sorted(self.store.buckets)
            created = {n: self.store.buckets[n].created for n in names}
        items = "".join(
            f"<Bucket><CreationDate>{iso_date(created[n])}</CreationDate><ExtranetEndpoint>127.0.0.1</ExtranetEndpoint>"
            f"<IntranetEndpoint>127.0.0.1</IntranetEndpoint><Location>oss-local</Location><Name>{n}</Name>"
            f"<StorageClass>Standard</StorageClass></Bucket>"
            for n in names
        )
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<ListAllMyBucketsResult><Owner><ID>{0}</ID><DisplayName>{0}</DisplayName></Owner>'
            "<Buckets>{1}</Buckets></ListAllMyBucketsResult>"
        ).format(listing.OWNER_ID, items)
        return Response(200, {"Content-Type": "application/xml"}, body.encode())

    def _put_bucket(self, call: _Call) -> Response:
        with self.store.lock:
            if call.bucket not in self.store.buckets:
                self.store.buckets[call.bucket] = BucketStore(call.bucket, self.clock.now())
        return Response(200, {"Location": f"/{call.bucket}"})

    def _delete_bucket(self, call: _Call) -> Response:
        with self.store.lock:
            if self._bucket(call).objects:
                raise OssError(409, "BucketNotEmpty", "The bucket you tried to delete is not empty.", extra={"BucketName": call.bucket})
            del self.store.buckets[call.bucket]
        return Response(204)

    def _list_v1(self, call: _Call) -> Response:
        p = call.params
        url = listing.check_common(p)
        q = listing.ListQuery(p.get("prefix", ""), p.get("delimiter", ""), p.get("marker", ""), listing.parse_max_keys(p))
        with self.store.lock:
            page = listing.list_page(self._bucket(call), q)
            body = listing.render_v1(call.bucket, q, page, url=url, marker=q.after, now=self.clock.now())
        return Response(200, {"Content-Type": "application/xml"}, body)

    def _list_v2(self, call: _Call) -> Response:
        p = call.params
        url = listing.check_common(p)
        token, start_after = p.get("continuation-token", ""), p.get("start-after", "")
        after = listing.decode_token(token) if token else start_after
        q = listing.ListQuery(p.get("prefix", ""), p.get("delimiter", ""), after, listing.parse_max_keys(p))
        owner = p.get("fetch-owner", "false").lower() == "true"
        with self.store.lock:
            page = listing.list_page(self._bucket(call), q)
            body = listing.render_v2(
                call.bucket, q, page, url=url, token=token, start_after=start_after, owner=owner, now=self.clock.now()
            )
        return Response(200, {"Content-Type": "application/xml"}, body)

    def _list_versions(self, call: _Call) -> Response:
        p = call.params
        url = listing.check_common(p)
        key_marker = p.get("key-marker", "")
        q = listing.ListQuery(p.get("prefix", ""), p.get("delimiter", ""), key_marker, listing.parse_max_keys(p))
        with self.store.lock:
            page = listing.list_page(self._bucket(call), q)
            body = listing.render_versions(call.bucket, q, page, url=url, key_marker=key_marker, now=self.clock.now())
        return Response(200, {"Content-Type": "application/xml"}, body)

    def _archive_direct_read(self, call: _Call) -> Response:
        with self.store.lock:
            b = self._bucket(call)
            if call.req.method == "PUT":
                b.archive_direct_read = _parse_enabled(call.req.body)
                return Response(200)
            enabled = "true" if b.archive_direct_read else "false"
        body = f'<?xml version="1.0" encoding="UTF-8"?>\n<ArchiveDirectReadConfiguration><Enabled>{enabled}</Enabled></ArchiveDirectReadConfiguration>'
        return Response(200, {"Content-Type": "application/xml"}, body.encode())

    # -- objects ----------------------------------------------------------------------------------------

    def _object_headers(self, rec: ObjectRecord, *, now: float) -> dict[str, str]:
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

    def _head(self, call: _Call) -> Response:
        with self.store.lock:
            rec = self._record(call)
            headers = self._object_headers(rec, now=self.clock.now())
        if "objectMeta" in call.params:
            # GetObjectMeta carries neither storage class nor restore status.
            for name in ("x-oss-storage-class", "x-oss-restore", "x-oss-transition-time", "x-oss-object-type", "Content-Type"):
                headers.pop(name, None)
        return Response(200, headers)

    def _get(self, call: _Call) -> Response:
        with self.store.lock:
            rec = self._record(call)
            now = self.clock.now()
            direct = rec.storage_class == sc.ARCHIVE and self._bucket(call).archive_direct_read
            if rec.storage_class in sc.ARCHIVE_CLASSES and not direct and restore.state_of(rec, now) != restore.RESTORED:
                raise OssError(403, "InvalidObjectState", "The operation is not valid for the object's state")
            headers = self._object_headers(rec, now=now)
        headers["Accept-Ranges"] = "bytes"
        data = rec.content.data
        span = _byte_range(call.req.headers.get("range", ""), len(data))
        if span is None:
            return Response(200, headers, data)
        start, end = span
        headers["Content-Range"] = f"bytes {start}-{end}/{len(data)}"
        del headers["Content-Length"]
        return Response(206, headers, data[start : end + 1])

    def _put(self, call: _Call) -> Response:
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
        with self.store.lock:
            self._bucket(call).put(call.key, ObjectRecord(storage_class, content, self.clock.now()))
        return Response(200, {"ETag": f'"{content.etag}"', "x-oss-hash-crc64ecma": str(content.crc64)})

    def _delete(self, call: _Call) -> Response:
        with self.store.lock:
            self._bucket(call).delete(call.key)
        return Response(204)

    def _restore(self, call: _Call) -> Response:
        req = restore.parse_request(call.req.body)
        with self.store.lock:
            rec = self._record(call)
            outcome = restore.request(rec, req, now=self.clock.now(), latency=self._latency())
        for event in outcome.events:
            self.stats.incr(event)
        return Response(outcome.status, dict(outcome.headers))

    def _clean(self, call: _Call) -> Response:
        with self.store.lock:
            restore.clean(self._record(call), now=self.clock.now())
        return Response(200)


def _parse_enabled(body: bytes) -> bool:
    try:
        text = (ET.fromstring(body).findtext("Enabled") or "").strip().lower()
    except ET.ParseError:
        text = ""
    if text not in ("true", "false"):
        raise OssError(400, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema.")
    return text == "true"


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


# Bucket-level features the emulator does not model; a GET with one of them is not a listing.
_BUCKET_SUBRESOURCES = frozenset(
    "acl uploads versions versioning lifecycle logging website cors referer policy tagging encryption inventory "
    "worm replication bucketInfo location stat qos objectMeta symlink delete".split()
)
