"""Where a run's objects come from, one page at a time from a marker: the prefix's listing (ListObjects),
every version under it (ListObjectVersions), or a manifest. listArchiveFiles and the confirm phase's scan
read pages through here, and nothing else in them depends on which it is."""

from __future__ import annotations

import time
from collections.abc import Callable

import oss2

from restore_core import listing, manifest_source, rate, retry, version_listing
from restore_core.listing import Page

PageReader = Callable[[str], Page]


def page_reader(
    bucket: oss2.Bucket,
    *,
    prefix: str,
    max_keys: int,
    manifest: str = "",
    all_versions: bool = False,
    sleep: retry.Sleep = time.sleep,
    raw_xml: bool | None = None,
    limiter: rate.RateLimiter | None = None,
) -> PageReader:
    if manifest:
        source = manifest_source.Manifest(bucket, manifest, sleep=sleep, limiter=limiter)
        return lambda marker: manifest_source.page(bucket, source, marker, sleep=sleep, limiter=limiter)
    if all_versions:
        return lambda marker: version_listing.list_versions_page(
            bucket, prefix=prefix, marker=marker, max_keys=max_keys, sleep=sleep, limiter=limiter
        )
    return lambda marker: listing.list_page(
        bucket, prefix=prefix, marker=marker, max_keys=max_keys, sleep=sleep, raw_xml=raw_xml, limiter=limiter
    )
