"""Buckets and objects in memory, compact enough for millions of objects.

Keys are kept in a `SortedList` of `str`: code-point order equals UTF-8 byte order, so a listing page
costs O(log n + page). Records use `__slots__`, and seeded objects share one content buffer.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import threading
from dataclasses import dataclass

from sortedcontainers import SortedList

from ossemu.body import Body, Bytes
from ossemu.errors import NoSuchBucketError, NoSuchKeyError, OssError
from ossemu.versions import ENABLED, NULL, History, Version, VersionIds

# PutObject without a Content-Type: "If the object name has no extension, OSS defaults to
# application/octet-stream"; inferring a type from the extension is the SDKs' job, not the server's
# ("How do I configure the Content-Type of objects?", alibabacloud.com/help/doc-detail/39522.htm).
DEFAULT_CONTENT_TYPE = "application/octet-stream"


Pairs = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Content:
    """An object's bytes (`ossemu.body`), its ETag, and what PutObject stored with them: Content-Type, the
    other standard HTTP headers and the user metadata as (name, value) pairs (values as sent on the wire),
    and the object's tags (`ossemu.tagging`). Shared by every object seeded with the same size, so none of
    it costs anything per seeded object; changing one object's tags gives that object a copy.

    The CRC-64 is the body's, computed when first asked for and cached there. An ETag with a `-N` suffix
    is a multipart upload's (N parts); such objects are of type Multipart, the others Normal."""

    body: Body
    etag: str
    content_type: str = DEFAULT_CONTENT_TYPE
    stored_headers: Pairs = ()
    tags: Pairs = ()

    @property
    def crc64(self) -> int:
        return self.body.crc()

    @property
    def object_type(self) -> str:
        return "Multipart" if "-" in self.etag else "Normal"

    @classmethod
    def of(
        cls, data: bytes, *, content_type: str = DEFAULT_CONTENT_TYPE, stored_headers: Pairs = (), tags: Pairs = ()
    ) -> Content:
        """What PutObject makes of a request body: the ETag is the body's MD5."""
        return cls(Bytes(data), hashlib.md5(data).hexdigest().upper(), content_type, stored_headers, tags)


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


_upload_order = itertools.count()


class Part:
    __slots__ = ("body", "etag", "mtime")

    def __init__(self, body: Body, etag: str, mtime: float) -> None:
        self.body, self.etag, self.mtime = body, etag, mtime


class Upload:
    """One InitiateMultipartUpload: what the object will be stored with, and the parts so far
    (`ossemu.multipart` has the rules)."""

    __slots__ = (
        "content_type",
        "initiated",
        "key",
        "order",
        "parts",
        "storage_class",
        "stored_headers",
        "tags",
        "upload_id",
    )

    def __init__(
        self, key: str, *, initiated: float, storage_class: str, content_type: str, stored_headers: Pairs, tags: Pairs
    ) -> None:
        self.key = key
        self.upload_id = os.urandom(16).hex().upper()
        self.initiated = initiated
        self.order = next(_upload_order)  # uploads of one key list in the order they were initiated
        self.storage_class = storage_class
        self.content_type = content_type
        self.stored_headers = stored_headers
        self.tags = tags
        self.parts: dict[int, Part] = {}


class BucketStore:
    def __init__(self, name: str, created: float) -> None:
        self.name = name
        self.created = created
        self.keys: SortedList = SortedList()
        self.objects: dict[str, ObjectRecord] = {}
        self.seeded = 0
        # PutBucketArchiveDirectRead: GetObject may read Archive (not Cold) objects without a restore.
        self.archive_direct_read = False
        # PutBucketVersioning: "" (never set), "Enabled" or "Suspended" (`ossemu.versions`). `objects` and
        # `keys` always hold the current versions that are not delete markers: what ListObjects shows.
        self.versioning = ""
        self.history = History()
        self._version_ids = VersionIds()
        # Multipart uploads in progress (InitiateMultipartUpload until Complete or Abort), by upload ID.
        self.uploads: dict[str, Upload] = {}

    def put(self, key: str, record: ObjectRecord) -> None:
        if key not in self.objects:
            self.keys.add(key)
        self.objects[key] = record

    def delete(self, key: str) -> bool:
        if self.objects.pop(key, None) is None:
            return False
        self.keys.remove(key)
        return True

    # -- versions (ossemu.versions says which rule each follows) -------------------------------------

    def _new_version_id(self, versions: list[Version]) -> str:
        if self.versioning == ENABLED:
            return self._version_ids.next()
        versions[:] = [v for v in versions if v.version_id != NULL]  # Suspended: the null version is replaced
        return NULL

    def put_version(self, key: str, record: ObjectRecord) -> str | None:
        """PutObject: the new version's ID (None in a bucket that never had versioning)."""
        if not self.versioning:
            self.put(key, record)
            return None
        current = self.objects.get(key)
        versions = self.history.ensure(key, current, current.mtime if current else 0.0)
        version_id = self._new_version_id(versions)
        versions.insert(0, Version(version_id, record, record.mtime))
        self.put(key, record)
        return version_id

    def delete_version(self, key: str, version_id: str | None, *, now: float) -> tuple[str | None, bool]:
        """DeleteObject: (the ID of the version removed or of the delete marker added, is it a delete marker)."""
        if version_id is None:
            if not self.versioning:
                self.delete(key)
                return None, False
            current = self.objects.get(key)
            versions = self.history.ensure(key, current, current.mtime if current else 0.0)
            marker = self._new_version_id(versions)
            versions.insert(0, Version(marker, None, now))
            self.delete(key)
            return marker, True
        found = self.history.versions(key)
        if found is None:  # only a pre-versioning object, whose ID is "null"
            if version_id != NULL or key not in self.objects:
                raise no_version(version_id)
            self.delete(key)
            return NULL, False
        versions = found
        index = next((i for i, v in enumerate(versions) if v.version_id == version_id), None)
        if index is None:
            raise no_version(version_id)
        removed = versions.pop(index)
        if index == 0:
            newest = versions[0].record if versions else None
            if isinstance(newest, ObjectRecord):
                self.put(key, newest)
            else:
                self.delete(key)
        self.history.drop_if_empty(key)
        return version_id, removed.delete_marker

    def read_version(self, key: str, version_id: str) -> ObjectRecord:
        """The object of one version; 404 NoSuchVersion, or 405 for a delete marker."""
        versions = self.history.versions(key)
        if versions is None:
            rec = self.objects.get(key)
            if version_id != NULL or rec is None:
                raise no_version(version_id)
            return rec
        for v in versions:
            if v.version_id == version_id:
                if not isinstance(v.record, ObjectRecord):
                    raise OssError(
                        405,
                        "MethodNotAllowed",
                        "The specified method is not allowed against this resource.",
                        headers={"x-oss-delete-marker": "true", "x-oss-version-id": version_id},
                    )
                return v.record
        raise no_version(version_id)

    def current_version_id(self, key: str) -> str | None:
        """`x-oss-version-id` of the current version; None in a bucket that never had versioning."""
        versions = self.history.versions(key)
        if versions:
            return versions[0].version_id
        return NULL if self.versioning else None

    def add_new(self, records: dict[str, ObjectRecord]) -> int:
        """Bulk insert of keys known to be absent: one sort instead of one bisect per key."""
        self.objects.update(records)
        self.keys.update(records.keys())
        return len(records)


def no_version(version_id: str) -> OssError:
    return OssError(404, "NoSuchVersion", "The specified version does not exist.", extra={"VersionId": version_id})


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
