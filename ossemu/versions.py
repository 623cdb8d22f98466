"""Object versions as OSS documents them, kept per key only once a bucket has versioning.

OSS's versioning guides ("Manage objects in a versioning-suspended bucket", alibabacloud.com/help/en/oss/
user-guide/manage-objects-in-a-versioning-suspended-bucket, and its versioning-enabled companion) and
"ListObjectVersions (GetBucketVersions)" (alibabacloud.com/help/en/oss/developer-reference/listobjectversions):
- a bucket is unversioned until PutBucketVersioning sets `Enabled`; after that it can only be
  `Suspended`, never unversioned again;
- with versioning `Enabled`, every PutObject adds a version with a new, opaque version ID; objects that
  existed before keep the version ID `null`;
- with `Suspended`, a PutObject writes the `null` version, overwriting an earlier `null` version and
  keeping the others; a DeleteObject adds a delete marker whose ID is `null`, the same way;
- DeleteObject without a version ID adds a delete marker, which becomes the current version: the key
  is no longer listed by ListObjects and HeadObject/GetObject answer 404; with a version ID it
  removes that version for good, and the next newer version left becomes current;
- ListObjectVersions returns keys in order and each key's versions newest first, delete markers too.
A version ID that names no version is refused with 404 `NoSuchVersion`; a request that reads a delete
marker by its version ID is refused with 405 `MethodNotAllowed` (the stricter of the readings: the pages
name no success for it).
"""

from __future__ import annotations

import itertools
import os

from sortedcontainers import SortedList

ENABLED = "Enabled"
SUSPENDED = "Suspended"
NULL = "null"


class Version:
    """One version of a key: an object, or a delete marker (`record` None)."""

    __slots__ = ("mtime", "record", "version_id")

    def __init__(self, version_id: str, record: object | None, mtime: float) -> None:
        self.version_id = version_id
        self.record = record
        self.mtime = mtime

    @property
    def delete_marker(self) -> bool:
        return self.record is None


class VersionIds:
    """Opaque IDs in OSS's shape (base64-like, about 60 characters), unique per emulator."""

    def __init__(self) -> None:
        self._count = itertools.count(1)
        self._salt = os.urandom(8).hex().upper()

    def next(self) -> str:
        return f"CAEQ{next(self._count):012d}GiIg{self._salt}"


class History:
    """Every version of every key that has more than the pre-versioning `null` one, newest first."""

    def __init__(self) -> None:
        self.by_key: dict[str, list[Version]] = {}
        self.keys: SortedList = SortedList()

    def versions(self, key: str) -> list[Version] | None:
        return self.by_key.get(key)

    def ensure(self, key: str, current: object | None, mtime: float) -> list[Version]:
        """The key's version list, started with its pre-versioning object as the `null` version."""
        versions = self.by_key.get(key)
        if versions is None:
            versions = [Version(NULL, current, mtime)] if current is not None else []
            self.by_key[key] = versions
            self.keys.add(key)
        return versions

    def drop_if_empty(self, key: str) -> None:
        if not self.by_key.get(key, True):
            del self.by_key[key]
            self.keys.remove(key)
