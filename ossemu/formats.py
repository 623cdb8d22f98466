"""The exact text formats oss2 parses: dates, x-oss-restore values, error XML."""

from __future__ import annotations

import calendar
import re
import time
from xml.sax.saxutils import escape

from ossemu.restore import RESTORED, RESTORING
from ossemu.store import ObjectRecord

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def http_date(ts: float) -> str:
    """RFC 1123 in GMT with a two-digit day, as oss2's strict Last-Modified regex requires."""
    t = time.gmtime(ts)
    return f"{_DAYS[t.tm_wday]}, {t.tm_mday:02d} {_MONTHS[t.tm_mon - 1]} {t.tm_year} {t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} GMT"


_HTTP_DATE = re.compile(
    r"(?:{}), (\d{{2}}) ({}) (\d{{4}}) (\d{{2}}):(\d{{2}}):(\d{{2}}) GMT".format("|".join(_DAYS), "|".join(_MONTHS))
)


def parse_http_date(text: str) -> int | None:
    """Seconds since the epoch of an RFC 1123 GMT date (the form OSS documents for request dates), or None."""
    m = _HTTP_DATE.fullmatch(text.strip())
    if m is None:
        return None
    day, month, year, hour, minute, second = m.groups()
    try:
        return calendar.timegm(
            time.strptime(f"{year} {_MONTHS.index(month) + 1} {day} {hour} {minute} {second}", "%Y %m %d %H %M %S")
        )
    except ValueError:
        return None


def iso_date(ts: float) -> str:
    """Listing `LastModified`: oss2 insists on the `.000Z` suffix."""
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(ts))


def restore_value(rec: ObjectRecord, state: str) -> str | None:
    """`x-oss-restore` / `RestoreInfo`: absent when frozen, else ongoing-request true or false + expiry."""
    if state == RESTORING:
        return 'ongoing-request="true"'
    if state == RESTORED and rec.restore is not None:
        return f'ongoing-request="false", expiry-date="{http_date(rec.restore.expiry)}"'
    return None


def error_xml(code: str, message: str, request_id: str, host_id: str, ec: str, extra: dict[str, str]) -> bytes:
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<Error>',
        f"<Code>{escape(code)}</Code>",
        f"<Message>{escape(message)}</Message>",
        f"<RequestId>{request_id}</RequestId>",
        f"<HostId>{escape(host_id)}</HostId>",
    ]
    parts.extend(f"<{k}>{escape(v)}</{k}>" for k, v in extra.items())
    if ec:
        parts.append(f"<EC>{ec}</EC><RecommendDoc>https://api.aliyun.com/troubleshoot?q={ec}</RecommendDoc>")
    parts.append("</Error>\n")
    return "".join(parts).encode("utf-8")
