"""ListObjects pages as typed object infos carrying storage class and restore state.

oss2 parses `<RestoreInfo>` only from 2.17.0 on; FC's python3.10 runtime ships 2.16.0, which drops it
silently. There the page is fetched through the same signed request path and its XML parsed here.
"""

from __future__ import annotations

import inspect
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import unquote
from xml.etree import ElementTree

import oss2

from restore_core import oss_errors, rate, retry
from restore_core.params import parse_moment
from restore_core.restore_info import RestoreInfo, parse

SDK_PARSES_RESTORE_INFO = "restore_info" in inspect.signature(oss2.models.SimplifiedObjectInfo.__init__).parameters
LIST_RETRY = retry.RetryPolicy(max_attempts=5, initial_interval=0.5, maximum_interval=8.0)


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    storage_class: str
    restore: RestoreInfo
    size: int | None = None  # bytes, as listed
    modified: datetime | None = None  # LastModified, as listed
    version_id: str | None = None  # a version (ListObjectVersions, a manifest); None: the current one
    after: str = ""  # the marker that resumes after this object, when it is not the key (a manifest, versions)
    missing: bool = False  # a manifest names it, but there is no such object (or version)
    etag: str = ""  # as listed, without quotes ("" where unknown)

    @property
    def resume(self) -> str:
        """The marker that resumes after this object."""
        return self.after or self.key

    @property
    def entry(self) -> str | list[str]:
        """How a restore group names it: the key, or [key, versionId] for a version."""
        return self.key if self.version_id is None else [self.key, self.version_id]


@dataclass(frozen=True)
class Page:
    objects: tuple[ObjectInfo, ...]
    truncated: bool
    next_marker: str  # "" when not truncated


def list_page(
    bucket: oss2.Bucket,
    *,
    prefix: str,
    marker: str,
    max_keys: int,
    policy: retry.RetryPolicy = LIST_RETRY,
    sleep: retry.Sleep = time.sleep,
    raw_xml: bool | None = None,
    limiter: rate.RateLimiter | None = None,
    stop_at: float | None = None,
) -> Page:
    """One ListObjects page after `marker`, retried on transient errors, errors translated for the flow.

    raw_xml forces (True) or forbids (False) parsing the XML here; None decides by the oss2 version.
    `stop_at` (a `time.monotonic` time): no attempt after it; OSSUnavailable (retryable) if none could be made.
    """
    use_raw = (not SDK_PARSES_RESTORE_INFO) if raw_xml is None else raw_xml
    fetch = _raw_page if use_raw else _sdk_page
    try:
        return retry.call(
            rate.paced(limiter, lambda: fetch(bucket, prefix, marker, max_keys), stop_at=stop_at),
            policy=policy,
            retryable=oss_errors.is_transient,
            sleep=sleep,
            stop_at=stop_at,
        )
    except retry.OutOfTime:
        raise oss_errors.out_of_time("ListObjects") from None
    except oss_errors.SDK_ERRORS as e:
        raise oss_errors.translate(e, "ListObjects", bucket.bucket_name) from e


def _sdk_page(bucket: oss2.Bucket, prefix: str, marker: str, max_keys: int) -> Page:
    result = bucket.list_objects(prefix=prefix, marker=marker, max_keys=max_keys)
    objects = tuple(
        ObjectInfo(
            o.key,
            o.storage_class,
            parse(o.restore_info),
            o.size,
            datetime.fromtimestamp(o.last_modified, timezone.utc) if o.last_modified is not None else None,
            etag=(o.etag or "").strip('"'),
        )
        for o in result.object_list
        if not o.is_prefix()
    )
    return Page(objects, bool(result.is_truncated), result.next_marker if result.is_truncated else "")


def _raw_page(bucket: oss2.Bucket, prefix: str, marker: str, max_keys: int) -> Page:
    # The same request list_objects sends (oss2's _do signs it and raises on non-2xx), read unparsed.
    params = {"prefix": prefix, "delimiter": "", "marker": marker, "max-keys": str(max_keys), "encoding-type": "url"}
    resp = bucket._do("GET", bucket.bucket_name, "", params=params)
    return parse_list_xml(resp.read())


def parse_list_xml(body: bytes | str) -> Page:
    root = ElementTree.fromstring(body)
    encoded = (root.findtext("EncodingType") or "") == "url"
    decode = unquote if encoded else (lambda s: s)
    truncated = (root.findtext("IsTruncated") or "").strip().lower() == "true"
    objects = tuple(_object(node, decode) for node in root.findall("Contents"))
    next_marker = decode(root.findtext("NextMarker") or "") if truncated else ""
    if truncated and not next_marker and objects:
        next_marker = objects[-1].key  # V1 marker means "strictly after": the last key resumes exactly
    return Page(objects, truncated, next_marker)


def _object(node: Any, decode: Any) -> ObjectInfo:
    size = (node.findtext("Size") or "").strip()
    return ObjectInfo(
        decode(node.findtext("Key") or ""),
        node.findtext("StorageClass") or "",
        parse(node.findtext("RestoreInfo")),
        int(size) if size.isdigit() else None,
        parse_moment((node.findtext("LastModified") or "").strip()),
        etag=(node.findtext("ETag") or "").strip().strip('"'),
    )
