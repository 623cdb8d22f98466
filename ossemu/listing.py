"""ListObjects (V1) and ListObjectsV2 pages, rendered exactly as oss2's parser needs (`oss2/xml_utils.py`).

A page walks the sorted key index from the marker; a common prefix is emitted once and the whole
subtree under it is skipped with one bisect, so a page costs O(log n + page) whatever the bucket holds.
"""

from __future__ import annotations

import base64
import binascii
import heapq
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from urllib.parse import quote
from xml.sax.saxutils import escape

from ossemu import classes as sc
from ossemu.errors import OssError
from ossemu.formats import iso_date, restore_value
from ossemu.restore import state_of
from ossemu.store import BucketStore, ObjectRecord
from ossemu.versions import NULL, Version

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


def invalid(name: str, value: str, allowed: str) -> OssError:
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
        raise invalid("max-keys", raw, f"must be an integer from 1 to {MAX_KEYS_LIMIT}") from None
    if not 1 <= value <= MAX_KEYS_LIMIT:
        raise invalid("max-keys", raw, f"must be an integer from 1 to {MAX_KEYS_LIMIT}")
    return value


def check_common(params: Mapping[str, str]) -> bool:
    """Validate prefix / encoding-type; return whether output is URL-encoded."""
    if len(params.get("prefix", "").encode()) > 1023:
        raise invalid("prefix", params["prefix"][:32] + "...", "must be at most 1023 bytes")
    encoding = params.get("encoding-type", "")
    if encoding not in ("", "url"):
        raise invalid("encoding-type", encoding, "must be 'url'")
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
    raise invalid("continuation-token", token, "was not issued by this service")


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

    def entry(
        self,
        tag: str,
        key: str,
        rec: ObjectRecord,
        *,
        now: float,
        owner: bool,
        version: tuple[str, bool] | None = None,
    ) -> None:
        """One object: `<Contents>` of a listing, or `<Version>` (version ID and IsLatest; no TransitionTime)."""
        c = rec.content
        latest = (
            ""
            if version is None
            else (
                f"<VersionId>{escape(version[0])}</VersionId><IsLatest>{'true' if version[1] else 'false'}</IsLatest>"
            )
        )
        self.parts.append(
            f"<{tag}><Key>{self.text(key)}</Key>"
            + latest
            + f'<LastModified>{iso_date(rec.mtime)}</LastModified><ETag>"{c.etag}"</ETag><Type>{c.object_type}</Type>'
            f"<Size>{len(c.body)}</Size><StorageClass>{rec.storage_class}</StorageClass>"
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


@dataclass
class VersionPage:
    entries: list[tuple[str, Version, bool]] = field(default_factory=list)  # key, version, is latest
    truncated: bool = False


def _version_keys(bucket: BucketStore, start: str, inclusive: bool) -> Iterator[str]:
    """Keys with a version from `start` on, in order: current objects and keys with a history, merged
    (a key in both comes once: merged sorted lists put its two copies next to each other)."""
    bounds = (inclusive, True)
    previous = None
    for key in heapq.merge(
        bucket.keys.irange(minimum=start, inclusive=bounds), bucket.history.keys.irange(minimum=start, inclusive=bounds)
    ):
        if key != previous:
            yield key
        previous = key


def _versions_of(bucket: BucketStore, key: str) -> list[Version]:
    versions = bucket.history.versions(key)
    if versions:
        return versions
    rec = bucket.objects[key]
    return [Version(NULL, rec, rec.mtime)]


def list_versions_page(
    bucket: BucketStore, *, prefix: str, key_marker: str, version_marker: str, max_keys: int
) -> VersionPage:
    """ListObjectVersions: after (key-marker, version-id-marker), or after key-marker's last version when
    no version-id-marker is given; every version counts against max-keys."""
    page = VersionPage()
    start, inclusive = (key_marker, True) if key_marker and version_marker else (key_marker, False)
    if prefix and prefix > start:
        start, inclusive = prefix, True
    for key in _version_keys(bucket, start, inclusive):
        if not key.startswith(prefix):
            break
        versions = _versions_of(bucket, key)
        skip = 0
        if key == key_marker and version_marker:
            ids = [v.version_id for v in versions]
            if version_marker not in ids:
                raise invalid("version-id-marker", version_marker, "must name a version of key-marker")
            skip = ids.index(version_marker) + 1
        for index in range(skip, len(versions)):
            if len(page.entries) == max_keys:
                page.truncated = True
                return page
            page.entries.append((key, versions[index], index == 0))
    return page


def render_versions(
    bucket: str,
    q: ListQuery,
    page: VersionPage,
    *,
    url: bool,
    key_marker: str,
    version_marker: str,
    now: float,
) -> bytes:
    """ListVersionsResult: `<Version>` and `<DeleteMarker>` entries, each key's newest first."""
    w = _Writer(url)
    w.start("ListVersionsResult", bucket, q)
    w.el("KeyMarker", key_marker, encode=True)
    w.el("VersionIdMarker", version_marker)
    w.limits(q, Page(truncated=page.truncated))
    if page.truncated and page.entries:
        last_key, last, _ = page.entries[-1]
        w.el("NextKeyMarker", last_key, encode=True)
        w.el("NextVersionIdMarker", last.version_id)
    for key, version, latest in page.entries:
        if isinstance(version.record, ObjectRecord):
            w.entry("Version", key, version.record, now=now, owner=True, version=(version.version_id, latest))
        else:
            w.parts.append(
                f"<DeleteMarker><Key>{w.text(key)}</Key><VersionId>{escape(version.version_id)}</VersionId>"
                f"<IsLatest>{'true' if latest else 'false'}</IsLatest><LastModified>{iso_date(version.mtime)}</LastModified>"
                f"{_OWNER}</DeleteMarker>"
            )
    w.parts.append("</ListVersionsResult>")
    return w.body()
