"""Archive direct read: a bucket setting under which GetObject reads Archive objects without a restore.

Restoring Archive objects in such a bucket pays for nothing (Cold and Deep Cold Archive are not
covered by the setting and still need one). Asking costs one request, answered from a short cache so
a warm instance asks about once a minute, not once per page.
"""
from __future__ import annotations

import logging
import threading
import time
from xml.etree import ElementTree

import oss2

from restore_core import oss_errors

_LOGGER = logging.getLogger(__name__)
_LOGGER.addHandler(logging.NullHandler())

CACHE_SECONDS = 60.0
_cache: dict[tuple[str, str], tuple[float, bool]] = {}
_lock = threading.Lock()


def archive_direct_read(bucket: oss2.Bucket, *, now: float | None = None) -> bool:
    """True when the bucket serves Archive objects without a restore.

    Anything that keeps us from knowing (a role without oss:GetBucketArchiveDirectRead, an endpoint
    without the API, a network error) reads as off: restoring is then at worst unnecessary, never wrong.
    """
    moment = time.monotonic() if now is None else now
    key = (bucket.endpoint, bucket.bucket_name)
    with _lock:
        cached = _cache.get(key)
    if cached is not None and moment - cached[0] < CACHE_SECONDS:
        return cached[1]
    enabled = _ask(bucket)
    with _lock:
        _cache[key] = (moment, enabled)
    return enabled


def _ask(bucket: oss2.Bucket) -> bool:
    try:
        # The raw request works with every oss2 version; FC's python3.10 runtime has no
        # get_bucket_archive_direct_read (added in 2.18.5).
        resp = bucket._do("GET", bucket.bucket_name, "", params={"bucketArchiveDirectRead": ""})
        return (ElementTree.fromstring(resp.read()).findtext("Enabled") or "").strip().lower() == "true"
    except (*oss_errors.SDK_ERRORS, ElementTree.ParseError) as e:
        _LOGGER.info("archive direct read of %s unknown (%s); treating it as off", bucket.bucket_name, e)
        return False
