"""Thread-safe request counters: per operation, per operation and status, faults and billing."""

from __future__ import annotations

import threading
from collections import Counter

# Always present in a snapshot, so callers can index them without a default.
BASE_COUNTERS = (
    "ListObjects",
    "ListObjectsV2",
    "ListObjectVersions",
    "HeadObject",
    "GetObjectMeta",
    "GetObject",
    "PutObject",
    "DeleteObject",
    "RestoreObject",
    "CleanRestoredObject",
    "restore:billed",
    "restore:rebilled",
    "restore:extended",
    "restore:upgraded",
    "fault:500",
    "fault:503",
    "fault:drop",
    "throttled",
)


class Stats:
    """Counters by name: operations ("RestoreObject"), outcomes ("RestoreObject:409"), billing, faults."""

    def __init__(self) -> None:
        self._counts: Counter[str] = Counter()
        # Operations per bucket, apart from the totals (which a snapshot sums): a run's report store beside its data.
        self._by_bucket: Counter[tuple[str, str]] = Counter()
        self._lock = threading.Lock()

    def incr_in(self, bucket: str, operation: str) -> None:
        with self._lock:
            self._by_bucket[bucket, operation] += 1

    def get_in(self, bucket: str, operation: str) -> int:
        """How many `operation` requests named `bucket`."""
        with self._lock:
            return self._by_bucket[bucket, operation]

    def incr(self, name: str, n: int = 1) -> None:
        with self._lock:
            self._counts[name] += n

    def get(self, name: str) -> int:
        with self._lock:
            return self._counts[name]

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return {**dict.fromkeys(BASE_COUNTERS, 0), **self._counts}

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()
            self._by_bucket.clear()
