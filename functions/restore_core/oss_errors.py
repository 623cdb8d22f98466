"""Sort oss2 errors into transient and permanent at the SDK boundary.

oss2 retries nothing but its list iterators, so every call site retries on `is_transient` itself.
"""

from __future__ import annotations

import errno
import logging
import socket
import ssl

import oss2
from oss2 import http as oss2_http

from restore_core.errors import (
    InvalidParameter,
    OSSAccessDenied,
    OSSRequestRejected,
    OSSUnavailable,
    RestoreCoreError,
)

_LOGGER = logging.getLogger(__name__)
_LOGGER.addHandler(logging.NullHandler())

# 408 and 429 are the only 4xx a retry can fix (as in OSS's own v2 SDK retry rules).
_RETRYABLE_4XX = frozenset({408, 429})
# 403 codes that say the request itself (credentials, token, clock) is wrong, not the object.
CREDENTIAL_CODES = frozenset(
    {
        "SignatureDoesNotMatch",
        "InvalidAccessKeyId",
        "SecurityTokenExpired",
        "InvalidSecurityToken",
        "RequestTimeTooSkewed",
    }
)
# Reading a streamed body can fail after oss2 has stopped wrapping errors into RequestError.
CONNECTION_ERRORS = (oss2_http.requests.RequestException, ConnectionError, TimeoutError)


def status_of(e: BaseException) -> int:
    if isinstance(e, oss2.exceptions.OssError):
        return int(e.status)
    return -2  # connection-level, as oss2's RequestError


def code_of(e: BaseException) -> str:
    """The OSS error code, else a stand-in that still says what happened."""
    if isinstance(e, (oss2.exceptions.RequestError, CONNECTION_ERRORS)):
        return "RequestError"
    code = getattr(e, "code", "") or ""
    return code or f"HTTP{status_of(e)}"


def is_transient(e: BaseException) -> bool:
    if isinstance(e, (oss2.exceptions.RequestError, *CONNECTION_ERRORS)):
        return True
    if isinstance(e, oss2.exceptions.ServerError):
        return e.status >= 500 or e.status in _RETRYABLE_4XX
    return False


# OSS's throttling answers: the 503 codes that say a limit of the account or bucket was reached (OSS's
# "HTTP status code 503" page and the limits page: requests per second, bucket-management requests,
# requests in flight, bandwidth; CpuLimitExceeded asks image processing to "reduce your request rate").
# ServiceUnavailable ("Thread pool is almost full, please retry later") is on the same page but says the
# server is busy, not that this client sends too much: it is a failure, retried at the current rate.
THROTTLING_CODES = frozenset(
    {
        "TotalQpsLimitExceeded",
        "MetaOperationQpsLimitExceeded",
        "ActiveRequestLimitExceeded",
        "DownloadTrafficRateLimitExceeded",
        "UploadTrafficRateLimitExceeded",
        "CpuLimitExceeded",
    }
)
# RestoreObject's pages quote the account's retrieval capacity (about 500 objects a second per region,
# 20-40 TB a day: EC 0016-00000703) but name no code for going past it. The stricter reading: any 503
# whose code names a limit exceeded (`...LimitExceeded`, the form of every documented throttling code)
# is throttling too, so a restore-quota answer slows the run instead of being retried at full rate.
_LIMIT_SUFFIX = "LimitExceeded"


def is_throttling(e: BaseException) -> bool:
    """An answer that asks for fewer requests: HTTP 429 (whatever its code), or a 503 with one of OSS's
    throttling codes (`THROTTLING_CODES`, or any code ending in `LimitExceeded`)."""
    if not isinstance(e, oss2.exceptions.ServerError):
        return False
    return e.status == 429 or (e.status == 503 and is_throttling_code(getattr(e, "code", "") or ""))


def is_throttling_code(code: str) -> bool:
    return code in THROTTLING_CODES or code.endswith(_LIMIT_SUFFIX)


def is_failure(e: BaseException) -> bool:
    """A transient answer that is not throttling: another 5xx (ServiceUnavailable included), 408, or a
    dropped connection. Retried with backoff at the current rate; only when they persist do they slow it."""
    return is_transient(e) and not is_throttling(e)


def translate(e: BaseException, operation: str, bucket: str) -> RestoreCoreError:
    """The domain error for a request the handler cannot do without (a listing, a HEAD)."""
    status, code = status_of(e), code_of(e)
    _LOGGER.error("%s on bucket %s failed: HTTP %s %s", operation, bucket, status, code)
    if is_transient(e):
        return OSSUnavailable(operation, status, code, connection_failure(e) if status == -2 else "")
    if status == 403:
        return OSSAccessDenied(operation, code, getattr(e, "message", "") or "")
    if code == "NoSuchBucket":
        return InvalidParameter("bucketName", "an existing bucket", bucket)
    return OSSRequestRejected(operation, status, code, getattr(e, "message", "") or "")


def out_of_time(operation: str) -> OSSUnavailable:
    """A request the invocation's time budget kept from being sent (or retried): the step may run again."""
    _LOGGER.warning("%s not sent: the invocation's time budget is spent", operation)
    return OSSUnavailable(operation, 0, OUT_OF_TIME)


OUT_OF_TIME = "TimeBudgetSpent"  # the code of an OSSUnavailable for a request that was never sent


# Why a connection failed, by the first of these found in the exception's chain (oss2 wraps requests' error,
# which wraps urllib3's, which wraps the socket's).
_FAILURES: tuple[tuple[type[BaseException], str], ...] = (
    (ConnectionRefusedError, "connection refused"),
    (socket.gaierror, "the host name does not resolve"),
    (ssl.SSLError, "the TLS handshake failed"),
    (ConnectionResetError, "the connection was reset"),
    (TimeoutError, "no answer in time"),
)


def connection_failure(e: BaseException) -> str:
    """Why no answer came, in words ("connection refused"), from the chain of errors behind e."""
    seen: list[BaseException] = []
    todo: list[object] = [e]
    while todo and len(seen) < 32:
        item = todo.pop(0)
        if not isinstance(item, BaseException) or any(item is s for s in seen):
            continue
        seen.append(item)
        todo += [
            getattr(item, "exception", None),
            getattr(item, "reason", None),
            item.__cause__,
            item.__context__,
            *item.args,
        ]
    for kind, words in _FAILURES:
        if any(isinstance(x, kind) for x in seen):
            return words
    if any(isinstance(x, OSError) and x.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH) for x in seen):
        return "the network or host is unreachable"
    text = " ".join(str(x) for x in seen)
    if "Connection refused" in text:
        return "connection refused"
    if "Name or service not known" in text or "nodename nor servname" in text or "Temporary failure in name" in text:
        return "the host name does not resolve"
    return f"no answer ({type(seen[-1]).__name__})"


# Everything an oss2 call can raise that `translate` knows how to sort.
SDK_ERRORS = (oss2.exceptions.OssError, *CONNECTION_ERRORS)


def is_transient_status(status: int) -> bool:
    """The status-only form of is_transient, for outcomes already reduced to (status, code)."""
    return status == -2 or status >= 500 or status in _RETRYABLE_4XX
