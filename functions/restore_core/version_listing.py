"""ListObjectVersions pages as listed objects, one per version (delete markers passed over), for runs
that restore noncurrent versions too (`allVersions`).

Parsed from the XML here, through the same signed request path as oss2 (`bucket._do`), because oss2
reads `<RestoreInfo>` of a version only from 2.18 on. ListObjectVersions returns keys in order and each
key's versions newest first ("ListObjectVersions (GetBucketVersions)", alibabacloud.com/help/en/oss/
developer-reference/listobjectversions); it resumes after (key-marker, version-id-marker).

The marker that resumes after a version is `/<length of the version ID>:<version ID><key>`: no object key
starts with `/`, so it cannot be mistaken for a key (a key alone resumes after that key's last version),
and the length keeps any character of the ID from being read as part of the key.
"""

from __future__ import annotations

import time
from urllib.parse import unquote
from xml.etree import ElementTree

import oss2

from restore_core import oss_errors, rate, retry
from restore_core.listing import LIST_RETRY, ObjectInfo, Page
from restore_core.params import parse_moment
from restore_core.restore_info import parse


def encode_marker(key: str, version_id: str) -> str:
    return f"/{len(version_id)}:{version_id}{key}"


def decode_marker(marker: str) -> tuple[str, str]:
    """(key-marker, version-id-marker) of a marker; a plain key resumes after all its versions."""
    if not marker.startswith("/"):
        return marker, ""
    length, _, rest = marker[1:].partition(":")
    if not length.isdigit() or int(length) > len(rest):
        return marker, ""
    size = int(length)
    return rest[size:], rest[:size]


def list_versions_page(
    bucket: oss2.Bucket,
    *,
    prefix: str,
    marker: str,
    max_keys: int,
    sleep: retry.Sleep = time.sleep,
    limiter: rate.RateLimiter | None = None,
    stop_at: float | None = None,
) -> Page:
    key_marker, version_marker = decode_marker(marker)
    query = {
        "versions": "",
        "prefix": prefix,
        "key-marker": key_marker,
        "max-keys": str(max_keys),
        "encoding-type": "url",
    }
    if version_marker:
        query["version-id-marker"] = version_marker

    def fetch() -> bytes:
        return bytes(bucket._do("GET", bucket.bucket_name, "", params=query).read())

    try:
        body = retry.call(
            rate.paced(limiter, fetch, stop_at=stop_at),
            policy=LIST_RETRY,
            retryable=oss_errors.is_transient,
            sleep=sleep,
            stop_at=stop_at,
        )
    except retry.OutOfTime:
        raise oss_errors.out_of_time("ListObjectVersions") from None
    except oss_errors.SDK_ERRORS as e:
        raise oss_errors.translate(e, "ListObjectVersions", bucket.bucket_name) from e
    return parse_versions_xml(body)


def parse_versions_xml(body: bytes | str) -> Page:
    root = ElementTree.fromstring(body)
    decode = unquote if (root.findtext("EncodingType") or "") == "url" else (lambda s: s)
    objects = []
    for node in root.findall("Version"):
        key, version = decode(node.findtext("Key") or ""), node.findtext("VersionId") or ""
        size = (node.findtext("Size") or "").strip()
        objects.append(
            ObjectInfo(
                key,
                node.findtext("StorageClass") or "",
                parse(node.findtext("RestoreInfo")),
                size=int(size) if size.isdigit() else None,
                modified=parse_moment((node.findtext("LastModified") or "").strip()),
                version_id=version,
                after=encode_marker(key, version),
            )
        )
    truncated = (root.findtext("IsTruncated") or "").strip().lower() == "true"
    next_marker = ""
    if truncated:
        next_marker = encode_marker(
            decode(root.findtext("NextKeyMarker") or ""), root.findtext("NextVersionIdMarker") or ""
        )
    return Page(tuple(objects), truncated, next_marker)
