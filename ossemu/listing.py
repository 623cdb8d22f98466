"""ListObjects (V1) and ListObjectsV2 pages, rendered exactly as oss2's parser needs (`oss2/xml_utils.py`).

A page walks the sorted key index from the marker; a common prefix is emitted once and the whole
subtree under it is skipped with one bisect, so a page costs O(log n + page) whatever the bucket holds.
"""
from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import quote
from xml.sax.saxutils import escape

from ossemu import classes as sc
from ossemu.errors import OssError
from ossemu.formats import iso_date, restore_value
from ossemu.restore import state_of
from ossemu.store import BucketStore, ObjectRecord

MAX_KEYS_LIMIT = 1000
DEFAULT_MAX_KEYS = 100
OWNER_ID = "1000000000000000"
_TOKEN = re.compile(r"[A-Za-z0-9_-]+")


@dataclass(frozen=True)
class ListQuery:
    prefix: str = ""
    delimiter: str = ""
    after: str = ""
    max_keys: int = DEFAULT_MAX_KEYS


@dataclass
class Page:
    entries: list[tuple[str, ObjectRecord]] = field(default_factory=list)
    prefixes: list[str] = field(default_factory=list)
    truncated: bool = False
    last: str = ""


def _invalid(name: str, value: str, allowed: str) -> OssError:
    return OssError(
        400,
        "InvalidArgument",
        f"Argument {name} ({value!r}) is invalid: {allowed}.",
        extra={"ArgumentName": name, "ArgumentValue": value},
    )


def parse_max_keys(params: Mapping[str, str]) -> int:
    raw = params.get("max-keys", "")
    if raw == "":
        return DEFAULT_MAX_KEYS
    try:
        value = int(raw)
    except ValueError:
        raise _invalid("max-keys", raw, f"must be an integer from 1 to {MAX_KEYS_LIMIT}") from None
    if not 1 <= value <= MAX_KEYS_LIMIT:
        raise _invalid("max-keys", raw, f"must be an integer from 1 to {MAX_KEYS_LIMIT}")
    return value


def check_common(params: Mapping[str, str]) -> bool:
    """Validate prefix / encoding-type; return whether output is URL-encoded."""
    if len(params.get("prefix", "").encode()) > 1023:
        raise _invalid("prefix", params["prefix"][:32] + "...", "must be at most 1023 bytes")
    encoding = params.get("encoding-type", "")
    if encoding not in ("", "url"):
        raise _invalid("encoding-type", encoding, "must be 'url'")
    return encoding == "url"


def encode_token(after: str) -> str:
    # oss2 URL-decodes the token, so only [A-Za-z0-9_-] may appear in it.
    return base64.urlsafe_b64encode(after.encode("utf-8")).decode("ascii").rstrip("=")


def decode_token(token: str) -> str:
    try:
        if not _TOKEN.fullmatch(token):
            raise ValueError(token)
        after = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode("utf-8")
        if after:
            return after
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise _invalid("continuation-token", token, "was not issued by this service")


def _past(prefix: str) -> str:
    """The smallest string greater than every string that starts with `prefix`."""
    return prefix[:-1] + chr(min(ord(prefix[-1]) + 1, 0x10FFFF))


def _start(bucket: BucketStore, q: ListQuery) -> int:
    keys = bucket.keys
    i = keys.bisect_right(q.after) if q.after else 0
    if q.prefix:
        i = max(i, keys.bisect_left(q.prefix))
    if q.delimiter and q.after.startswith(q.prefix):
        # A marker inside a rolled-up prefix (e.g. the NextMarker "dir/") skips that whole prefix.
        j = q.after.find(q.delimiter, len(q.prefix))
        if j >= 0:
            i = max(i, keys.bisect_left(_past(q.after[: j + len(q.delimiter)])))
    return i


def list_page(bucket: BucketStore, q: ListQuery) -> Page:
    page, keys, i = Page(), bucket.keys, _start(bucket, q)
    count, plen, dlen = 0, len(q.prefix), len(q.delimiter)
    while True:
        restart = False
        for key in keys.islice(i):
            if not key.startswith(q.prefix):
                return page
            if count == q.max_keys:
                page.truncated = True
                return page
            j = key.find(q.delimiter, plen) if dlen else -1
            if j >= 0:
                cp = key[: j + dlen]
                page.prefixes.append(cp)
                page.last, count, restart = cp, count + 1, True
                i = keys.bisect_left(_past(cp))
                break
            page.entries.append((key, bucket.objects[key]))
            page.last, count = key, count + 1
        if not restart:
            return page


_OWNER = f"<Owner><ID>{OWNER_ID}</ID><DisplayName>{OWNER_ID}</DisplayName></Owner>"


class _Writer:
    def __init__(self, url: bool) -> None:
        self.url = url
        self.parts: list[str] = ['<?xml version="1.0" encoding="UTF-8"?>\n']

    def text(self, value: str) -> str:
        return quote(value, safe="") if self.url else escape(value)

    def el(self, tag: str, value: str, *, encode: bool = False) -> None:
        self.parts.append(f"<{tag}>{self.text(value) if encode else escape(value)}</{tag}>")

    def start(self, root: str, bucket: str, q: ListQuery) -> None:
        self.parts.append(f"<{root}>")
        self.el("Name", bucket)
        self.el("Prefix", q.prefix, encode=True)

    def limits(self, q: ListQuery, page: Page) -> None:
        """The elements every listing carries between its markers and its continuation."""
        self.el("MaxKeys", str(q.max_keys))
        self.el("Delimiter", q.delimiter, encode=True)
        if self.url:
            self.el("EncodingType", "url")
        self.el("IsTruncated", "true" if page.truncated else "false")

    def common_prefixes(self, page: Page) -> None:
        for cp in page.prefixes:
            self.parts.append(f"<CommonPrefixes><Prefix>{self.text(cp)}</Prefix></CommonPrefixes>")

    def restore_info(self, rec: ObjectRecord, *, now: float) -> None:
        """`<RestoreInfo>` where an archive object has a live restore; absent otherwise, as in OSS."""
        info = restore_value(rec, state_of(rec, now)) if rec.storage_class in sc.ARCHIVE_CLASSES else None
        if info is not None:
            self.parts.append(f"<RestoreInfo>{escape(info)}</RestoreInfo>")

    def entry(self, tag: str, key: str, rec: ObjectRecord, *, now: float, owner: bool, version: bool = False) -> None:
        """One object: `<Contents>` of a listing, or `<Version>` (the "null" version, no TransitionTime)."""
        c = rec.content
        self.parts.append(
            f"<{tag}><Key>{self.text(key)}</Key>"
            + ("<VersionId>null</VersionId><IsLatest>true</IsLatest>" if version else "")
            + f'<LastModified>{iso_date(rec.mtime)}</LastModified><ETag>"{c.etag}"</ETag><Type>Normal</Type>'
            f"<Size>{len(c.data)}</Size><StorageClass>{rec.storage_class}</StorageClass>"
        )
        self.restore_info(rec, now=now)
        if not version and rec.storage_class in sc.COLD_CLASSES:
            self.parts.append(f"<TransitionTime>{iso_date(rec.mtime)}</TransitionTime>")
        if owner:
            self.parts.append(_OWNER)
        self.parts.append(f"</{tag}>")

    def contents(self, page: Page, *, now: float, owner: bool) -> None:
        for key, rec in page.entries:
            self.entry("Contents", key, rec, now=now, owner=owner)
        self.common_prefixes(page)

    def body(self) -> bytes:
        return "".join(self.parts).encode("utf-8")


def render_v1(bucket: str, q: ListQuery, page: Page, *, url: bool, marker: str, now: float) -> bytes:
    w = _Writer(url)
    w.start("ListBucketResult", bucket, q)
    w.el("Marker", marker, encode=True)
    w.limits(q, page)
    if page.truncated:
        w.el("NextMarker", page.last, encode=True)
    w.contents(page, now=now, owner=True)
    w.parts.append("</ListBucketResult>")
    return w.body()


def render_v2(
    bucket: str, q: ListQuery, page: Page, *, url: bool, token: str, start_after: str, owner: bool, now: float
) -> bytes:
    w = _Writer(url)
    w.start("ListBucketResult", bucket, q)
    if start_after:
        w.el("StartAfter", start_after, encode=True)
    if token:
        w.el("ContinuationToken", token)
    w.limits(q, page)
    if page.truncated:
        w.el("NextContinuationToken", encode_token(page.last), encode=True)
    w.el("KeyCount", str(len(page.entries) + len(page.prefixes)))
    w.contents(page, now=now, owner=owner)
    w.parts.append("</ListBucketResult>")
    return w.body()


def render_versions(bucket: str, q: ListQuery, page: Page, *, url: bool, key_marker: str, now: float) -> bytes:
    """ListObjectVersions for an unversioned bucket: one "null" version per object, always the latest."""
    w = _Writer(url)
    w.start("ListVersionsResult", bucket, q)
    w.el("KeyMarker", key_marker, encode=True)
    w.el("VersionIdMarker", "")
    w.limits(q, page)
    if page.truncated:
        w.el("NextKeyMarker", page.last, encode=True)
        w.el("NextVersionIdMarker", "null")
    for key, rec in page.entries:
        w.entry("Version", key, rec, now=now, owner=True, version=True)
    w.common_prefixes(page)
    w.parts.append("</ListVersionsResult>")
    return w.body()
