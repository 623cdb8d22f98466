"""Conditional GetObject and HeadObject: If-Match, If-Unmodified-Since, If-None-Match, If-Modified-Since.

Per header, as GetObject and HeadObject document it (help.aliyun.com/en/oss/developer-reference/getobject,
.../headobject; "Conditional download", alibabacloud.com/help/en/oss/user-guide/conditional-download):
If-Match (ETag differs) and If-Unmodified-Since (given time earlier than Last-Modified) fail with 412
PreconditionFailed; If-None-Match (ETag equal) and If-Modified-Since (given time equal to or later
than Last-Modified) answer 304 Not Modified; an If-Modified-Since that "does not conform to the
standards" is ignored. The pages say only that the date pairs and the ETag pairs may be combined.

Where they are silent this module takes the stricter reading:
- every condition present is checked (no RFC 7232 rule that a passing If-Match makes OSS skip
  If-Unmodified-Since, or a failing If-None-Match skip If-Modified-Since); any 412 condition that
  fails wins over a 304;
- an If-Unmodified-Since that is not an RFC 1123 GMT date fails (412);
- an ETag condition names one ETag, with or without its quotes: oss2's resumable download sends
  the bare ETag (`oss2/resumable.py`: `headers[IF_MATCH] = self.objectInfo.etag`) and the Go SDK the
  quoted header value (`IfMatch(meta.Get("Etag"))`), both against OSS; it is compared exactly, so
  lists, `*` and weak tags never match;
- dates compare at whole seconds, the resolution of Last-Modified.
"""

from __future__ import annotations

from collections.abc import Mapping

from ossemu.errors import OssError
from ossemu.formats import parse_http_date

# GetObject error codes: "Precondition Failed | 412"; message from "HTTP status code 412"
# (help.aliyun.com/en/oss/user-guide/http-status-code-412); EC from 0017-00001001.
PRECONDITION_MESSAGE = "At least one of the pre-conditions you specified did not hold"
PRECONDITION_EC = "0017-00001001"
# PutObject refuses all four: 400 NotImplemented naming the header (0017-00000245,
# help.aliyun.com/zh/oss/support/0017-00000245).
HEADERS = ("If-Modified-Since", "If-Unmodified-Since", "If-Match", "If-None-Match")


def _failed(header: str) -> OssError:
    return OssError(412, "PreconditionFailed", PRECONDITION_MESSAGE, ec=PRECONDITION_EC, extra={"Condition": header})


def _etag_matches(value: str, etag: str) -> bool:
    v = value.strip()
    if len(v) >= 2 and v[0] == v[-1] == '"':
        v = v[1:-1]
    return v == etag


def not_modified(headers: Mapping[str, str], *, etag: str, mtime: float) -> bool:
    """Raise the 412 OSS sends if a precondition fails; True where OSS answers 304, else False."""
    last = int(mtime)
    if "if-match" in headers and not _etag_matches(headers["if-match"], etag):
        raise _failed("If-Match")
    if "if-unmodified-since" in headers:
        since = parse_http_date(headers["if-unmodified-since"])
        if since is None or since < last:
            raise _failed("If-Unmodified-Since")
    if "if-none-match" in headers and _etag_matches(headers["if-none-match"], etag):
        return True
    if "if-modified-since" in headers:
        since = parse_http_date(headers["if-modified-since"])
        return since is not None and since >= last
    return False


def refuse_on_put(headers: Mapping[str, str]) -> None:
    for name in HEADERS:
        if name.lower() in headers:
            raise OssError(
                400,
                "NotImplemented",
                "A header you provided implies functionality that is not implemented.",
                ec="0017-00000245",
                extra={"Header": name},
            )
