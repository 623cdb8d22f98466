"""The headers PutObject stores with an object and GetObject/HeadObject return: Content-Type, the
other standard HTTP headers, and the user metadata.

Header values arrive as the transport decoded them, latin-1, one character per wire byte; they are
stored and sent back that way, so a UTF-8 value (what oss2 sends for `bytes` values) round-trips
byte for byte, as it does on OSS.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from ossemu.errors import OssError
from ossemu.store import DEFAULT_CONTENT_TYPE

META_PREFIX = "x-oss-meta-"
# "OSS retains standard HTTP headers for each object": Content-Type, Content-Encoding,
# Content-Language, Content-Disposition, Cache-Control, Expires ("Manage object metadata",
# alibabacloud.com/help/en/oss/user-guide/manage-object-metadata). Returned under these names.
STANDARD_HEADERS = ("Cache-Control", "Content-Disposition", "Content-Encoding", "Content-Language", "Expires")
# "the total size of all user metadata cannot exceed 8 KB"; the error page counts "all x-oss-meta-*
# header names and values" and fails at "8 KB or more" (0011-00000002,
# help.aliyun.com/en/oss/user-guide/0011-00000002): names with their prefix count, 8,192 bytes fails.
MAX_META_BYTES = 8 * 1024
# Names: "only letters, digits, and hyphens"; upper case "is automatically converted to lowercase"
# (0011-00000004, help.aliyun.com/en/oss/user-guide/0011-00000004). The transport lower-cases
# every header name already, so the stored name is the lower-case one.
_META_NAME = re.compile(r"[a-z0-9-]+")
# Values: 0011-00000005 ("value contains characters that OSS does not support") lists no set that
# fits OSS's own examples (spaces, dots, UTF-8 text round-trip on OSS); control characters are the
# ones no reading allows, so they are refused.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def _invalid(name: str, message: str, ec: str) -> OssError:
    # The value is not echoed: a control character would make the error XML unparseable.
    return OssError(400, "InvalidArgument", message, ec=ec, extra={"ArgumentName": name})


def user_meta(headers: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """The request's `x-oss-meta-*` headers, checked against OSS's rules, sorted by name."""
    pairs = sorted((k, v) for k, v in headers.items() if k.startswith(META_PREFIX))
    total = 0
    for name, value in pairs:
        if not _META_NAME.fullmatch(name[len(META_PREFIX) :]):
            raise _invalid(name, "User metadata names may contain only letters, digits and hyphens.", "0011-00000004")
        if _CONTROL.search(value):
            raise _invalid(name, "User metadata values may not contain control characters.", "0011-00000005")
        total += len(name) + len(value)
    if total >= MAX_META_BYTES:
        raise OssError(
            400,
            "InvalidArgument",
            f"User metadata ({total} bytes of x-oss-meta-* names and values) must stay under {MAX_META_BYTES} bytes.",
            ec="0011-00000002",
            extra={"ArgumentName": "x-oss-meta-*", "ArgumentValue": str(total)},
        )
    return tuple(pairs)


# GetObject's response-* parameters set these headers "only when the request is successful"
# (GetObject, "Request headers"; help.aliyun.com/en/oss/developer-reference/getobject).
RESPONSE_OVERRIDES = {
    "response-content-type": "Content-Type",
    "response-content-language": "Content-Language",
    "response-expires": "Expires",
    "response-cache-control": "Cache-Control",
    "response-content-disposition": "Content-Disposition",
    "response-content-encoding": "Content-Encoding",
}


def response_overrides(params: Mapping[str, str]) -> dict[str, str]:
    return {header: params[name] for name, header in RESPONSE_OVERRIDES.items() if params.get(name)}


def content_type(headers: Mapping[str, str]) -> str:
    return headers.get("content-type") or DEFAULT_CONTENT_TYPE


def stored_headers(headers: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """What a PutObject request stores besides Content-Type: standard headers first, then user metadata."""
    standard = tuple((name, headers[name.lower()]) for name in STANDARD_HEADERS if headers.get(name.lower()))
    return standard + user_meta(headers)
