"""Checks of handler and flow inputs, one per kind of value (the main flow's fields: `flow_inputs`).

Every check raises `InvalidParameter` naming the field, the allowed values and what was given. Missing
fields and JSON nulls both mean "use the default": a flow mapping an absent optional input yields null.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any

from restore_core.errors import InvalidParameter

TIERS = ("Expedited", "Standard", "Bulk")
MAX_KEY_BYTES = 1023
MAX_WAIT_SECONDS = 172800  # an FDL wait step lasts at most two days
# Keys per restore invocation: one invocation per listing call (bench/cloud_model.py's choice).
DEFAULT_GROUP_SIZE = 1000

# Patterns are matched with fullmatch: `$` would also accept a trailing newline.
# Host names as RFC 1123 spells them: dot-separated labels of 1-63 letters, digits or '-', no label starting
# or ending with '-', at most 253 characters (IPv4 addresses fit the same rule).
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_ENDPOINT = re.compile(rf"(?:(?P<scheme>https?)://)?(?P<host>{_LABEL}(?:\.{_LABEL})*)(?::(?P<port>[0-9]{{1,5}}))?/?")
_MAX_HOST_LENGTH = 253
# The naming rules, once for the handlers, the command and the stacks (infra/config.py); use `fullmatch`.
# OSS bucket names: 3-63 lowercase letters, digits and hyphens, starting and ending with a letter or digit.
BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9-]{1,61}[a-z0-9]")
# Region ids as Alibaba Cloud writes them: a two-letter area and hyphenated parts (cn-hangzhou,
# ap-southeast-1, cn-north-2-gov-1), at most 64 characters: the stricter of the two readings the project had.
REGION_ID = re.compile(r"(?=[a-z0-9-]{4,64}\Z)[a-z]{2}(?:-[a-z0-9]+)+")
_DIGITS = re.compile(r"\s*[0-9]+\s*")
# Every integer the flows take fits in 10 digits; a longer digit string is refused before int() sees it,
# since converting a few thousand digits fails (Python's int conversion limit) or costs quadratic time.
MAX_INTEGER_DIGITS = 18


@contextmanager
def within(path: str) -> Iterator[None]:
    """Errors raised reading an object nested at `path` name their field by its whole path (`round.seconds`)."""
    try:
        yield
    except InvalidParameter as e:
        raise InvalidParameter(f"{path}.{e.field}", e.allowed, e.value) from None


def _absent(raw: Mapping[str, Any], field: str) -> bool:
    return raw.get(field) is None


def integer(raw: Mapping[str, Any], field: str, *, default: int, lo: int, hi: int) -> int:
    """An integer in [lo, hi]; integral floats and digit strings count, booleans do not."""
    if _absent(raw, field):
        return default
    value = raw[field]
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif (isinstance(value, float) and value.is_integer()) or (
        isinstance(value, str) and len(value.strip()) <= MAX_INTEGER_DIGITS and _DIGITS.fullmatch(value)
    ):
        number = int(value)
    if number is None or not lo <= number <= hi:
        raise InvalidParameter(field, f"an integer from {lo} to {hi}", value)
    return number


def boolean(raw: Mapping[str, Any], field: str, *, default: bool) -> bool:
    """A boolean; the strings "true" / "false" count because flow conditions compare strings."""
    if _absent(raw, field):
        return default
    value = raw[field]
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise InvalidParameter(field, "true or false", value)


def choice(raw: Mapping[str, Any], field: str, *, default: str, allowed: tuple[str, ...]) -> str:
    if _absent(raw, field):
        return default
    value = raw[field]
    if value not in allowed:
        raise InvalidParameter(field, "one of " + ", ".join(allowed), value)
    return str(value)


def utf8_length(value: Any) -> int | None:
    """Bytes of value in UTF-8; None when it is not a string that has a UTF-8 form.

    A lone surrogate (JSON's "\\ud800", or an undecodable byte in a command-line argument) has none:
    OSS names are UTF-8 ("Object naming conventions",
    https://www.alibabacloud.com/help/en/oss/user-guide/object-naming-conventions), and such a string
    could be neither sent nor returned as JSON, so it is refused here rather than passed on.
    """
    if not isinstance(value, str):
        return None
    try:
        return len(value.encode("utf-8"))
    except UnicodeEncodeError:
        return None


def text(raw: Mapping[str, Any], field: str, *, default: str = "", max_bytes: int = MAX_KEY_BYTES) -> str:
    """A string of at most max_bytes UTF-8 bytes (OSS limits keys, prefixes and markers to 1,023)."""
    if _absent(raw, field):
        return default
    value = raw[field]
    size = utf8_length(value)
    if size is None or size > max_bytes:
        raise InvalidParameter(field, f"a string of at most {max_bytes} UTF-8 bytes, without lone surrogates", value)
    return str(value)


def object_key(value: Any, field: str) -> str:
    """One object key: a non-empty string of at most 1,023 UTF-8 bytes, not starting with / or \\."""
    size = utf8_length(value)
    if size is None or not 1 <= size <= MAX_KEY_BYTES or str(value)[0] in "/\\":
        raise InvalidParameter(
            field,
            "an object key: 1 to 1023 UTF-8 bytes without lone surrogates, not starting with '/' or '\\'",
            value,
        )
    return str(value)


def endpoint(raw: Mapping[str, Any]) -> str:
    """Checked whole before any request: scheme http or https, an RFC 1123 host name, port 1-65535."""
    value = raw.get("endpoint")
    match = _ENDPOINT.fullmatch(value) if isinstance(value, str) else None
    port = match.group("port") if match else None
    if not match or len(match.group("host")) > _MAX_HOST_LENGTH or (port is not None and not 1 <= int(port) <= 65535):
        raise InvalidParameter(
            "endpoint",
            "http(s)://host[:port] (port 1 to 65535) or a host name such as oss-cn-hangzhou.aliyuncs.com",
            value,
        )
    return str(value).rstrip("/")  # a match: value is a string


def bucket_name(raw: Mapping[str, Any]) -> str:
    value = raw.get("bucketName")
    if not isinstance(value, str) or not BUCKET_NAME.fullmatch(value):
        raise InvalidParameter(
            "bucketName",
            "a bucket name: 3 to 63 lowercase letters, digits or '-', starting and ending with a letter or digit",
            value,
        )
    return value


# A completion notice's address: http or https, a host (name, IPv4, or bracketed IPv6), an optional port and
# path. Checked here, not by urlsplit alone, which accepts "http://" and "http:host" without complaint.
_NOTICE_URL = re.compile(
    rf"(?P<scheme>https?)://(?:(?P<userinfo>[^@/?#\s]*)@)?(?P<host>{_LABEL}(?:\.{_LABEL})*|\[[0-9A-Fa-f:.]+\])"
    r"(?::(?P<port>[0-9]{1,5}))?(?P<rest>[/?#][^\s]*)?",
    re.IGNORECASE,
)
MAX_URL_BYTES = 2048


def notice_url(raw: Mapping[str, Any], field: str) -> str:
    """An http(s) URL with a host (and a port 1-65535 if given); "" (or absent) means no notice."""
    value = raw.get(field)
    if value is None or value == "":
        return ""
    match = _NOTICE_URL.fullmatch(value) if isinstance(value, str) else None
    port = match.group("port") if match else None
    size = utf8_length(value)
    if (
        not match
        or size is None
        or size > MAX_URL_BYTES
        or len(match.group("host")) > _MAX_HOST_LENGTH
        or (port is not None and not 1 <= int(port) <= 65535)
    ):
        allowed = f"an http:// or https:// URL with a host (port 1 to 65535, at most {MAX_URL_BYTES} bytes)"
        # A webhook URL often carries a password or a token: the message never repeats it.
        raise InvalidParameter(
            field,
            allowed,
            "<not shown>",
            message=f"{field} must be {allowed} (the value given is not shown: it may hold a secret)",
        )
    return str(value)


def region(raw: Mapping[str, Any]) -> str | None:
    if _absent(raw, "region") or raw["region"] == "":
        return None
    value = raw["region"]
    if not isinstance(value, str) or not REGION_ID.fullmatch(value):
        raise InvalidParameter("region", "a region id such as cn-hangzhou", value)
    return value


MAX_TIME_LENGTH = 64


def iso_time(moment: float) -> str:
    """Epoch seconds as the UTC form the flows carry, e.g. 2026-12-04T09:00:00Z (microseconds when any)."""
    return datetime.fromtimestamp(moment, timezone.utc).isoformat().replace("+00:00", "Z")


# ISO 8601 as the project reads it everywhere (flow inputs, listings' LastModified): checked by hand as
# well as by fromisoformat, since Python 3.10 (FC's runtime) reads neither `Z` nor every form 3.11 reads.
_ISO_TIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?(?:Z|[+-][0-9]{2}:[0-9]{2})?)?"
)


def parse_moment(value: Any, *, require_offset: bool = False) -> datetime | None:
    """An ISO 8601 date, or date and time, as an aware datetime; None when it is not one. Without an offset
    it is read as UTC, or refused (None) with `require_offset`."""
    if not isinstance(value, str) or not _ISO_TIME.fullmatch(value):
        return None
    text = value[:-1] + "+00:00" if value.endswith("Z") else value
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None if require_offset else parsed.replace(tzinfo=timezone.utc)
    return parsed


def parse_iso_time(text: str) -> float:
    """An ISO 8601 time with a UTC offset (or Z) as epoch seconds; ValueError otherwise."""
    moment = parse_moment(text.strip(), require_offset=True)
    if moment is None:
        raise ValueError("not an ISO 8601 time with a UTC offset")
    return moment.timestamp()


def time_with_offset(raw: Mapping[str, Any], field: str) -> str:
    """An ISO 8601 time with its UTC offset, returned in UTC (`...Z`); "" (the default) for none."""
    if _absent(raw, field) or raw[field] == "":
        return ""
    value = raw[field]
    allowed = "an ISO 8601 time with a UTC offset, such as 2026-12-04T09:00:00+08:00 or 2026-12-04T01:00:00Z"
    if not isinstance(value, str) or len(value) > MAX_TIME_LENGTH:
        raise InvalidParameter(field, allowed, value)
    try:
        return iso_time(parse_iso_time(value))
    except (ValueError, OverflowError, OSError):
        raise InvalidParameter(field, allowed, value) from None
