"""Buckets and objects in memory, compact enough for millions of objects.

Keys are kept in a `SortedList` of `str`: code-point order equals UTF-8 byte order, so a listing page
costs O(log n + page). Records use `__slots__`, and seeded objects share one content buffer.
"""
from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass

from oss2.utils import Crc64
from sortedcontainers import SortedList

from ossemu.errors import NoSuchBucketError, NoSuchKeyError


def _crc64(data: bytes) -> int:
    """The CRC-64 OSS reports in x-oss-hash-crc64ecma, by the SDK's own implementation (`oss2.utils.Crc64`),
    the one oss2 checks answers against; infra's code package checksum uses the same."""
    crc = Crc64()
    crc.update(data)
    return int(crc.crc)


# PutObject without a Content-Type: "If the object name has no extension, OSS defaults to
# application/octet-stream"; inferring a type from the extension is the SDKs' job, not the server's
# ("How do I configure the Content-Type of objects?", alibabacloud.com/help/doc-detail/39522.htm).
DEFAULT_CONTENT_TYPE = "application/octet-stream"


@dataclass(frozen=True)
class Content:
    """Bytes with the checksums OSS reports for them and the headers PutObject stored with them
    (Content-Type; the other standard HTTP headers and the user metadata as (name, value) pairs,
    values as sent on the wire). Shared by every object seeded with the same size, so the headers
    cost nothing per seeded object."""

    data: bytes
    etag: str
    crc64: int
    content_type: str = DEFAULT_CONTENT_TYPE
    stored_headers: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(
        cls, data: bytes, *, content_type: str = DEFAULT_CONTENT_TYPE, stored_headers: tuple[tuple[str, str], ...] = ()
    ) -> Content:
        return cls(data, hashlib.md5(data).hexdigest().upper(), _crc64(data), content_type, stored_headers)


class RestoreRecord:
    """One restore: when it was asked for, at which tier, when it becomes readable and when it expires."""

    __slots__ = ("expiry", "ready_at", "requested_at", "tier")

    def __init__(self, requested_at: float, tier: str | None, ready_at: float, expiry: float) -> None:
        self.requested_at = requested_at
        self.tier = tier
        self.ready_at = ready_at
        self.expiry = expiry


class ObjectRecord:
    __slots__ = ("content", "mtime", "restore", "storage_class")

    def __init__(self, storage_class: str, content: Content, mtime: float) -> None:
        self.storage_class = storage_class
        self.content = content
        self.mtime = mtime
        self.restore: RestoreRecord | None = None


class BucketStore:
    def __init__(self, name: str, created: float) -> None:
        self.name = name
        self.created = created
        self.keys: SortedList = SortedList()
        self.objects: dict[str, ObjectRecord] = {}
        self.seeded = 0
        # PutBucketArchiveDirectRead: GetObject may read Archive (not Cold) objects without a restore.
        self.archive_direct_read = False

    def put(self, key: str, record: ObjectRecord) -> None:
        if key not in self.objects:
            self.keys.add(key)
        self.objects[key] = record

    def delete(self, key: str) -> bool:
        if self.objects.pop(key, None) is None:
            return False
        self.keys.remove(key)
        return True

    def add_new(self, records: dict[str, ObjectRecord]) -> int:
        """Bulk insert of keys known to be absent: one sort instead of one bisect per key."""
        self.objects.update(records)
        self.keys.update(records.keys())
        return len(records)


class Store:
    """All buckets. One lock guards every mutation and every multi-step read."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.buckets: dict[str, BucketStore] = {}

    def bucket(self, name: str) -> BucketStore:
        try:
            return self.buckets[name]
        except KeyError:
            raise NoSuchBucketError(name) from None

    def record(self, bucket: str, key: str) -> ObjectRecord:
        rec = self.bucket(bucket).objects.get(key)
        if rec is None:
            raise NoSuchKeyError(bucket, key)
        return rec
