"""Archive direct read: a bucket setting under which GetObject reads Archive objects without a restore.

Restoring Archive objects in such a bucket pays for nothing (Cold and Deep Cold Archive are not
covered by the setting and still need one). Asking costs one request, answered from a short cache so
a warm instance asks about once a minute, not once per page.

The request is GetBucketArchiveDirectRead (`GET /?bucketArchiveDirectRead`). oss2 signs that
sub-resource only from 2.18.5 on; FC's python3.10 runtime ships 2.16.0, whose V1 signer leaves it out,
so OSS answers 403 SignatureDoesNotMatch. The handlers' signer (`client.make_auth`) adds it on every
oss2 version; should an answer still be anything but a clean "true" or "false", the result says so
(`problem`) instead of passing for "off".
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from xml.etree import ElementTree

import oss2

from restore_core import oss_errors

_LOGGER = logging.getLogger(__name__)
_LOGGER.addHandler(logging.NullHandler())

SUBRESOURCE = "bucketArchiveDirectRead"
DIRECT_READ_UNKNOWN = "archive direct read unknown"
"""How every warning about an unreadable setting starts."""
CACHE_SECONDS = 60.0


@dataclass(frozen=True)
class DirectRead:
    """What the bucket said. When it could not be read, `enabled` is False (restoring is then at worst
    unnecessary, never wrong) and `problem` says why, for the handler's output."""

    enabled: bool
    problem: str = ""

    @property
    def state(self) -> str:
        """`on`, `off` or `unknown`, as the handlers report it."""
        if self.problem:
            return "unknown"
        return "on" if self.enabled else "off"

    @property
    def warning(self) -> str:
        if not self.problem:
            return ""
        return f"{DIRECT_READ_UNKNOWN} ({self.problem}): Archive objects are restored as if it were off"


PROBLEM_CHARS = 120
LONGEST_UNKNOWN = DirectRead(False, "x" * PROBLEM_CHARS)
"""The largest answer a handler may have to report (output budgets reserve room for it)."""

_cache: dict[tuple[str, str], tuple[float, DirectRead]] = {}
_lock = threading.Lock()


def archive_direct_read(bucket: oss2.Bucket, *, now: float | None = None) -> DirectRead:
    """Whether the bucket serves Archive objects without a restore; a known answer is cached briefly.

    An unknown one is not cached: the next call asks again rather than carry a passing failure (a
    throttled request, a dropped connection) for a minute.
    """
    moment = time.monotonic() if now is None else now
    key = (bucket.endpoint, bucket.bucket_name)
    with _lock:
        cached = _cache.get(key)
    if cached is not None and moment - cached[0] < CACHE_SECONDS:
        return cached[1]
    answer = _ask(bucket)
    if not answer.problem:
        with _lock:
            _cache[key] = (moment, answer)
    return answer


def _ask(bucket: oss2.Bucket) -> DirectRead:
    try:
        # The raw request works with every oss2 version; 2.16.0 has no get_bucket_archive_direct_read.
        body = bucket._do("GET", bucket.bucket_name, "", params={SUBRESOURCE: ""}).read()
    except oss_errors.SDK_ERRORS as e:
        status, code = oss_errors.status_of(e), oss_errors.code_of(e)
        return _unknown(bucket, f"HTTP {status} {code}" if status > 0 else f"no answer: {code}")
    try:
        enabled = ElementTree.fromstring(body).findtext("Enabled")
    except ElementTree.ParseError:
        return _unknown(bucket, "the answer is not XML")
    value = (enabled or "").strip().lower()
    if value not in ("true", "false"):
        return _unknown(bucket, f"unexpected Enabled value {enabled!a}")
    return DirectRead(value == "true")


def _unknown(bucket: oss2.Bucket, problem: str) -> DirectRead:
    problem = problem.encode("ascii", "backslashreplace").decode()[:PROBLEM_CHARS]  # outputs stay small
    _LOGGER.warning("archive direct read of %s unknown (%s); treating it as off", bucket.bucket_name, problem)
    return DirectRead(False, problem)
