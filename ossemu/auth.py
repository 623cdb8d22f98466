"""Server-side verification of OSS V1 (HMAC-SHA1) and V4 (OSS4-HMAC-SHA256) signatures, as oss2 2.19.1
computes them (`oss2/auth.py`).

Signatures and clock skew are checked against the wall clock, never the (possibly manual) restore
clock, because clients sign with their own wall time.
"""

from __future__ import annotations

import base64
import calendar
import hashlib
import hmac
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

from ossemu.errors import OssError

# oss2 2.19.1 `ProviderAuth._subresource_key_set`: the only query names V1 signs. Checked whatever the
# client's SDK knows, as OSS does: oss2 2.16.0 (FC python3.10) leaves bucketArchiveDirectRead out and
# gets 403 SignatureDoesNotMatch here too. cleanRestoredObject is in no oss2 version's list, but OSS's V2
# SDKs sign it as a sub-resource (alibabacloud-oss-go-sdk-v2 `signer.SubResource`, alibabacloud-oss-cpp-sdk-v2's
# V1 list): a client that leaves it out is refused here (the stricter reading).
SUBRESOURCES = frozenset(
    "response-content-type response-content-language response-cache-control logging response-content-encoding "
    "acl uploadId uploads partNumber group link delete website location objectInfo objectMeta response-expires "
    "response-content-disposition cors lifecycle restore qos referer stat bucketInfo append position security-token "
    "live comp status vod startTime endTime x-oss-process symlink callback callback-var tagging encryption versions "
    "versioning versionId policy requestPayment x-oss-traffic-limit qosInfo asyncFetch x-oss-request-payer sequential "
    "inventory inventoryId continuation-token worm wormId wormExtend replication replicationLocation "
    "replicationProgress transferAcceleration cname metaQuery x-oss-ac-source-ip x-oss-ac-subnet-mask x-oss-ac-vpc-id "
    "x-oss-ac-forward-allow resourceGroup style styleName x-oss-async-process regionList "
    "x-oss-write-get-object-response bucketArchiveDirectRead httpsConfig redundancyTransition "
    "x-oss-target-redundancy-type x-oss-redundancy-transition-taskid accessPoint accessPointPolicy "
    "publicAccessBlock x-oss-access-point-name requesterQosInfo qosRequester resourcePoolInfo resourcePool "
    "resourcePoolBuckets cleanRestoredObject".split()
)

_V4_SAFE = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")


@dataclass(frozen=True)
class SignedRequest:
    """What a signature covers: decoded key and query values, header names in lower case, header
    values as the transport delivers them (each wire byte one latin-1 character)."""

    method: str
    bucket: str
    key: str
    params: Sequence[tuple[str, str]]
    headers: Mapping[str, str]


def v4_encode(text: str, *, keep_slash: bool) -> str:
    out = []
    for b in text.encode("utf-8"):
        if b in _V4_SAFE or (keep_slash and b == 0x2F):
            out.append(chr(b))
        else:
            out.append(f"%{b:02X}")
    return "".join(out)


def _denied(code: str, message: str, ec: str = "", **extra: str) -> OssError:
    return OssError(403, code, message, ec=ec, extra=extra)


class Verifier:
    def __init__(
        self,
        *,
        credentials: Mapping[str, str],
        sts_tokens: Mapping[str, tuple[str, str]],
        max_skew_seconds: float,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self._credentials = dict(credentials)
        self._sts = dict(sts_tokens)
        self._max_skew = max_skew_seconds
        self._wall = wall

    def verify(self, req: SignedRequest) -> str:
        """Return the access key id that signed `req`, or raise the 403 OSS would send."""
        authorization = req.headers.get("authorization", "")
        if not authorization:
            raise _denied("AccessDenied", "You have no right to access this object because of bucket acl.")
        if authorization.startswith("OSS4-HMAC-SHA256 "):
            return self._verify_v4(req, authorization)
        if authorization.startswith("OSS ") and ":" in authorization:
            return self._verify_v1(req, authorization)
        raise OssError(
            400, "InvalidArgument", "Authorization header is invalid.", extra={"ArgumentName": "Authorization"}
        )

    def _secret(self, ak: str, req: SignedRequest) -> str:
        if ak in self._sts:
            secret, token = self._sts[ak]
            if not hmac.compare_digest(req.headers.get("x-oss-security-token", ""), token):
                raise _denied("InvalidSecurityToken", "The security token you provided is invalid.")
            return secret
        if ak in self._credentials:
            return self._credentials[ak]
        raise _denied(
            "InvalidAccessKeyId", "The OSS Access Key Id you provided does not exist in our records.", OSSAccessKeyId=ak
        )

    def _check_skew(self, signed_at: float, raw: str) -> None:
        now = self._wall()
        if abs(now - signed_at) > self._max_skew:
            raise _denied(
                "RequestTimeTooSkewed",
                "The difference between the request time and the current time is too large.",
                "0002-00000504",
                RequestTime=raw,
                ServerTime=time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(now)),
                MaxAllowedSkewMilliseconds=str(int(self._max_skew * 1000)),
            )

    def _verify_v1(self, req: SignedRequest, authorization: str) -> str:
        ak, _, provided = authorization[4:].strip().rpartition(":")
        secret = self._secret(ak, req)
        date = req.headers.get("x-oss-date") or req.headers.get("date", "")
        try:
            signed_at = parsedate_to_datetime(date).timestamp()
        except (TypeError, ValueError, IndexError):
            raise _denied("AccessDenied", "Date header not specified or invalid.") from None
        self._check_skew(signed_at, date)
        to_sign = string_to_sign_v1(req, date)
        expected = base64.b64encode(hmac.new(secret.encode(), to_sign, hashlib.sha1).digest()).decode()
        if not hmac.compare_digest(expected, provided):
            raise _mismatch(ak, to_sign, provided)
        return ak

    def _verify_v4(self, req: SignedRequest, authorization: str) -> str:
        fields = dict(part.strip().partition("=")[::2] for part in authorization[len("OSS4-HMAC-SHA256 ") :].split(","))
        ak, _, scope = fields.get("Credential", "").partition("/")
        scope_parts = scope.split("/")
        if len(scope_parts) != 4 or scope_parts[3] != "aliyun_v4_request" or "Signature" not in fields:
            raise OssError(
                400, "InvalidArgument", "Authorization header is invalid.", extra={"ArgumentName": "Authorization"}
            )
        secret = self._secret(ak, req)
        stamp = req.headers.get("x-oss-date", "")
        try:
            signed_at = float(calendar.timegm(time.strptime(stamp, "%Y%m%dT%H%M%SZ")))
        except ValueError:
            raise _denied("AccessDenied", "x-oss-date header not specified or invalid.") from None
        self._check_skew(signed_at, stamp)
        additional = sorted(h for h in fields.get("AdditionalHeaders", "").lower().split(";") if h)
        canonical = canonical_request_v4(req, additional)
        to_sign = "\n".join(["OSS4-HMAC-SHA256", stamp, scope, hashlib.sha256(canonical).hexdigest()]).encode()
        key = ("aliyun_v4" + secret).encode()
        for part in scope_parts:
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        expected = hmac.new(key, to_sign, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, fields["Signature"]):
            raise _mismatch(ak, to_sign, fields["Signature"], canonical)
        return ak


def _mismatch(ak: str, to_sign: bytes, provided: str, canonical: bytes | None = None) -> OssError:
    extra = {
        "StringToSign": to_sign.decode("utf-8", "replace"),
        "StringToSignBytes": " ".join(f"{b:02x}" for b in to_sign),
        "SignatureProvided": provided,
        "OSSAccessKeyId": ak,
    }
    if canonical is not None:
        extra["CanonicalRequest"] = canonical.decode("utf-8", "replace")
    message = "The request signature we calculated does not match the signature you provided. Check your key and signing method."
    return OssError(403, "SignatureDoesNotMatch", message, ec="0002-00000040", extra=extra)


def _wire(text: str) -> bytes:
    """Header values as they crossed the wire: the transport decodes each byte as one latin-1 character.

    OSS signs the header bytes it receives. oss2 signs a value's UTF-8 encoding (`compat.to_bytes`)
    while `http.client` sends a str value as latin-1 and a bytes value as is: so UTF-8 `bytes`
    values verify (oss2's `test_put_object_with_unicode_header` runs against OSS) and a str such as
    "café" does not (signed c3 a9, sent e9). Re-encoding the decoded value as UTF-8 would accept the
    second and refuse the first.
    """
    return text.encode("latin-1")


def string_to_sign_v1(req: SignedRequest, date: str) -> bytes:
    oss_headers = sorted((k, v) for k, v in req.headers.items() if k.startswith("x-oss-"))
    headers = "".join(f"{k}:{v}\n" for k, v in oss_headers)
    resource = f"/{req.bucket}/{req.key}" if req.bucket else "/"
    subs = sorted((k, v) for k, v in req.params if k in SUBRESOURCES)
    if subs:
        resource += "?" + "&".join(f"{k}={v}" if v else k for k, v in subs)
    h = req.headers
    signed_headers = "\n".join([req.method, h.get("content-md5", ""), h.get("content-type", ""), date, headers])
    return _wire(signed_headers) + resource.encode("utf-8")


def canonical_request_v4(req: SignedRequest, additional: Sequence[str]) -> bytes:
    uri = v4_encode(f"/{req.bucket}/{req.key}" if req.bucket else "/", keep_slash=True)
    encoded = sorted((v4_encode(k, keep_slash=False), v4_encode(v, keep_slash=False)) for k, v in req.params)
    query = "&".join(f"{k}={v}" if v else k for k, v in encoded)
    signed = {"content-type", "content-md5", *additional}
    headers = sorted((k, v) for k, v in req.headers.items() if k.startswith("x-oss-") or k in signed)
    canon_headers = "".join(f"{k}:{v}\n" for k, v in headers)
    payload = req.headers.get("x-oss-content-sha256", "UNSIGNED-PAYLOAD")
    # Everything but the header values is ASCII by now (URI and query are percent-encoded).
    return _wire("\n".join([req.method, uri, query, canon_headers, ";".join(additional), payload]))
