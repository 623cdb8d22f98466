"""The emulated OSS service, independent of the HTTP transport: one request in, one response out.

Order of work per request, as on OSS: injected faults and throttling first (the request never reaches
the bucket), then routing, then the signature, then the operation.
"""

from __future__ import annotations

import base64
import itertools
import logging
import os
from collections.abc import Callable
from urllib.parse import parse_qsl, unquote_to_bytes

from ossemu import access, bucket_ops, multipart_lists, multipart_ops, object_ops, tagging
from ossemu.auth import SignedRequest, Verifier
from ossemu.clock import TimeSource
from ossemu.errors import OssError
from ossemu.faults import FaultInjector
from ossemu.formats import error_xml
from ossemu.latency import RestoreLatency
from ossemu.protocol import Call, Context, Request, Response
from ossemu.stats import Stats
from ossemu.store import Store

_LOGGER = logging.getLogger(__name__)
_LOGGER.addHandler(logging.NullHandler())

Operation = Callable[[Context, Call], Response]

# Bucket-level features the emulator does not model; a GET with one of them is not a listing.
_BUCKET_SUBRESOURCES = frozenset(
    "acl uploads versions versioning lifecycle logging website cors referer policy tagging encryption inventory "
    "worm replication bucketInfo location stat qos objectMeta symlink delete".split()
)

_FAULTS = {
    "throttled": (
        "throttled",
        OssError(503, "TotalQpsLimitExceeded", "Max total qps limit is exceeded", ec="0004-00000302"),
    ),
    "500": ("fault:500", OssError(500, "InternalError", "We encountered an internal error. Please try again.")),
    "503": ("fault:503", OssError(503, "ServiceUnavailable", "Thread pool is almost full, please retry later")),
}


def _unsupported(ctx: Context, call: Call) -> Response:
    raise OssError(
        501,
        "NotImplemented",
        f"{call.req.method} with {sorted(call.params) or 'no parameters'} is not implemented by the emulator.",
    )


def route(call: Call) -> tuple[str, Operation]:
    """The OSS operation name (as counted in stats) and its implementation."""
    m, p = call.req.method, call.params
    if not call.bucket:
        return "ListBuckets", bucket_ops.list_buckets
    if not call.key:
        return _route_bucket(m, p)
    if m == "POST" and "restore" in p:
        return "RestoreObject", object_ops.restore_object
    if m == "POST" and "cleanRestoredObject" in p:
        return "CleanRestoredObject", object_ops.clean_restored_object
    if m == "HEAD":
        return ("GetObjectMeta" if "objectMeta" in p else "HeadObject"), object_ops.head
    if m == "PUT" and not p and "x-oss-copy-source" in call.req.headers:
        return "CopyObject", object_ops.copy
    if m == "POST" and "uploads" in p:
        return "InitiateMultipartUpload", multipart_ops.initiate
    if "uploadId" in p and m in _UPLOAD_OPERATIONS:
        if m == "PUT" and "x-oss-copy-source" in call.req.headers:
            return "UploadPartCopy", multipart_ops.upload_part_copy
        return _UPLOAD_OPERATIONS[m]
    if "tagging" in p and m in _TAGGING_OPERATIONS:
        return _TAGGING_OPERATIONS[m]
    if any(k in _BUCKET_SUBRESOURCES for k in p) or "x-oss-copy-source" in call.req.headers:
        return "Unsupported", _unsupported
    plain = {
        "GET": ("GetObject", object_ops.get),
        "PUT": ("PutObject", object_ops.put),
        "DELETE": ("DeleteObject", object_ops.delete),
    }
    return plain.get(m, ("Unsupported", _unsupported))


_UPLOAD_OPERATIONS: dict[str, tuple[str, Operation]] = {
    "PUT": ("UploadPart", multipart_ops.upload_part),
    "POST": ("CompleteMultipartUpload", multipart_ops.complete),
    "DELETE": ("AbortMultipartUpload", multipart_ops.abort),
    "GET": ("ListParts", multipart_lists.list_parts),
}
_TAGGING_OPERATIONS: dict[str, tuple[str, Operation]] = {
    "GET": ("GetObjectTagging", tagging.get_object_tagging),
    "PUT": ("PutObjectTagging", tagging.put_object_tagging),
    "DELETE": ("DeleteObjectTagging", tagging.delete_object_tagging),
}


def _route_bucket(m: str, p: dict[str, str]) -> tuple[str, Operation]:
    if m == "PUT" and not p:
        return "PutBucket", bucket_ops.put_bucket
    if m == "DELETE" and not p:
        return "DeleteBucket", bucket_ops.delete_bucket
    if "bucketArchiveDirectRead" in p and m in ("GET", "PUT"):
        return f"{m.title()}BucketArchiveDirectRead", bucket_ops.archive_direct_read
    if "versioning" in p and m in ("GET", "PUT"):
        return f"{m.title()}BucketVersioning", bucket_ops.versioning
    if m == "GET" and "versions" in p:
        return "ListObjectVersions", bucket_ops.list_versions
    if m == "GET" and "uploads" in p:
        return "ListMultipartUploads", multipart_lists.list_uploads
    if m == "GET" and not any(k in _BUCKET_SUBRESOURCES for k in p):
        return (
            ("ListObjectsV2", bucket_ops.list_v2) if p.get("list-type") == "2" else ("ListObjects", bucket_ops.list_v1)
        )
    return "Unsupported", _unsupported


def parse(req: Request, request_id: str) -> Call:
    """Split the target into bucket, percent-decoded key (`%2F` or literal `/`) and decoded parameters."""
    path, _, query = req.target.partition("?")
    bucket, _, raw_key = path.lstrip("/").partition("/")
    try:
        key = unquote_to_bytes(raw_key).decode("utf-8")
    except UnicodeDecodeError:
        raise OssError(400, "InvalidObjectName", "The specified object is not valid.") from None
    if key and (len(key.encode()) > 1023 or key[0] in "/\\"):
        raise OssError(400, "InvalidObjectName", "The specified object is not valid.", extra={"ObjectName": key[:64]})
    params = dict(parse_qsl(query, keep_blank_values=True))
    return Call(req, unquote_to_bytes(bucket).decode("utf-8", "replace"), key, params, request_id)


def _operation_of(req: Request, request_id: str) -> str:
    try:
        return route(parse(req, request_id))[0]
    except OssError:
        return "Unknown"


class Service:
    def __init__(
        self,
        *,
        store: Store,
        stats: Stats,
        clock: TimeSource,
        latency: Callable[[], RestoreLatency],
        faults: Callable[[], FaultInjector],
        verifier: Verifier | None,
        authorize: access.Authorize | None = None,
    ) -> None:
        self.ctx = Context(store=store, stats=stats, clock=clock, latency=latency)
        self.stats = stats
        self._faults = faults
        self._verifier = verifier
        self._authorize = authorize
        self._ids = itertools.count(1)
        self._id_prefix = os.urandom(4).hex().upper()

    def handle(self, req: Request) -> Response | None:
        """Answer `req`; None means drop the connection without a response."""
        request_id = f"{self._id_prefix}{next(self._ids):016X}"
        # Every attempt counts, injected failures included: `attempt:RestoreObject` is what a client
        # really sent, `RestoreObject` what got past the faults.
        self.stats.incr(f"attempt:{_operation_of(req, request_id)}")
        fault = self._faults().decide()
        if fault == "drop":
            self.stats.incr("fault:drop")
            return None
        if fault is not None:
            counter, err = _FAULTS[fault]
            self.stats.incr(counter)
            return self._finish(self._error(err, req, request_id), request_id)
        op = "Unknown"
        try:
            call = parse(req, request_id)
            op, action = route(call)
            self.stats.incr(op)
            if call.bucket:
                self.stats.incr_in(call.bucket, op)
            signer = ""
            if self._verifier is not None:
                signer = self._verifier.verify(
                    SignedRequest(req.method, call.bucket, call.key, list(call.params.items()), req.headers)
                )
            access.check(self._authorize, signer, op, call.bucket, call.key, versioned="versionId" in call.params)
            for also, bucket, key, versioned in self._also_authorized(op, call):
                access.check(self._authorize, signer, also, bucket, key, versioned=versioned)
            resp = action(self.ctx, call)
        except OssError as e:
            resp = self._error(e, req, request_id)
        self.stats.incr(f"{op}:{resp.status}")
        return self._finish(resp, request_id)

    def _also_authorized(self, op: str, call: Call) -> list[tuple[str, str, str, bool]]:
        """What a request needs beyond its own action: (operation, bucket, key, by version).

        CopyObject and UploadPartCopy read their source: oss:GetObject (oss:GetObjectVersion by version) there
        (UploadPartCopy, https://help.aliyun.com/en/oss/developer-reference/uploadpartcopy, "Permissions").
        Tags written with an object need oss:PutObjectTagging on it (PutObject's and InitiateMultipartUpload's
        `x-oss-tagging`, https://help.aliyun.com/en/oss/developer-reference/initiatemultipartupload). CopyObject
        lists oss:GetObjectTagging and oss:PutObjectTagging together, "If you copy object tags through
        x-oss-tagging, these permissions are required", and oss:GetObjectVersionTagging for a source version's
        tags (copy-object, https://www.alibabacloud.com/help/en/oss/developer-reference/copy-objects-by-calling-
        an-api-operation). Read strictly: a copy whose result has tags, kept from a tagged source (the default
        directive) or given by `x-oss-tagging` under Replace, needs both, on its source and on itself; a copy
        without tags needs neither, as the page ties them to copying tags."""
        h = call.req.headers
        out: list[tuple[str, str, str, bool]] = []
        if op in ("CopyObject", "UploadPartCopy"):
            header = h["x-oss-copy-source"] if op == "CopyObject" else multipart_ops.copy_source_header(h)
            src_bucket, src_key, src_version = object_ops.copy_source(header)
            out.append(("GetObject", src_bucket, src_key, src_version is not None))
            if op == "CopyObject":
                replaced = object_ops.copy_tags_replaced(h)
                kept = object_ops.tagging_directive(h) == "COPY" and object_ops.source_tags(self.ctx, header)
                if kept or replaced:
                    out.append(("GetObjectTagging", src_bucket, src_key, src_version is not None))
                    out.append(("PutObjectTagging", call.bucket, call.key, False))
        elif op in ("PutObject", "InitiateMultipartUpload") and h.get(tagging.HEADER):
            out.append(("PutObjectTagging", call.bucket, call.key, False))
        return out

    @staticmethod
    def _finish(resp: Response, request_id: str) -> Response:
        resp.headers["x-oss-request-id"] = request_id
        return resp

    @staticmethod
    def _error(e: OssError, req: Request, request_id: str) -> Response:
        body = error_xml(e.code, e.message, request_id, req.headers.get("host", "127.0.0.1"), e.ec, e.extra)
        headers = {"Content-Type": "application/xml", **e.headers}
        if e.ec:
            headers["x-oss-ec"] = e.ec
        if req.method == "HEAD":
            # HEAD has no body: oss2 reads the error from this header instead.
            headers["x-oss-err"] = base64.b64encode(body).decode("ascii")
            body = b""
        return Response(e.status, headers, body)
