"""What a run works through, and how a cursor into it is read, ordered, written and shortened.

Three kinds of scope, one interface: the objects under a prefix (ListObjects), every version under a
prefix (ListObjectVersions), or the entries of a manifest. A cursor is where a listing resumes: a key
(the listing resumes after it), a version marker (`version_listing.encode_marker`) or a manifest
position (`manifest.Cursor`). Two cursors have their own meaning everywhere: `shards.START` (the run's
own start marker) and `shards.END` (past the last object).

The flows carry cursors relative to `base`, a prefix of every key in scope (the run's prefix, or longer
where every key shares more), so that a table of shards stays small however long the keys are.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import oss2

from restore_core import keyspace, listing, manifest_source, rate, retry, version_listing
from restore_core.listing import ObjectInfo, Page
from restore_core.manifest import Cursor
from restore_core.shards import END, START, Shard

KEYS, VERSIONS, MANIFEST = "keys", "versions", "manifest"
PAGE_KEYS = 1000  # a listing page; a manifest page is manifest_source.ENTRIES_PER_PAGE entries (one HEAD each)
_ABSOLUTE = "\x00"  # tags a cursor written whole (one that does not start with `base`: a key added mid-run)

PageReader = Callable[[str], Page]


@dataclass(frozen=True)
class Scope:
    kind: str
    prefix: str
    start: str = ""  # the run's first marker: the scope is what comes after it
    manifest: str = ""
    base: str = ""  # keys: every cursor after START starts with it
    own: str = ""  # the run's store when it lies in the run's own bucket: its objects are not the run's to restore
    page_keys: int = PAGE_KEYS  # keys a listing page asks for (the flow input's maxKeys)

    # --- writing cursors into the flow's state ------------------------------------------------

    def compact(self, cursor: str) -> str:
        if cursor == START or self.kind != KEYS:
            return cursor
        if cursor.startswith(self.base) and len(cursor) > len(self.base):
            return cursor[len(self.base) :]
        return _ABSOLUTE + cursor

    def full(self, text: str) -> str:
        if text == START or self.kind != KEYS:
            return text
        return text[1:] if text.startswith(_ABSOLUTE) else self.base + text

    # --- order --------------------------------------------------------------------------------

    def order(self, cursor: str | None) -> tuple[Any, ...]:
        """A sort key: cursors compare as the positions they stand for (None, an open end, last)."""
        if cursor == START:
            return (0,)
        if cursor is None or cursor == END:
            return (2,)
        if self.kind == MANIFEST:
            c = Cursor.decode(cursor)
            return (1, c.file, c.offset)
        if self.kind == VERSIONS:
            key, version = version_listing.decode_marker(cursor)
            return (1, key, 0 if version else 1)  # after some of a key's versions, before "after all of them"
        return (1, cursor)

    def before(self, a: str, b: str | None) -> bool:
        return self.order(a) < self.order(b)

    def requesting(self, shard: Shard) -> bool:
        """The shard's request cursor has not reached its end."""
        return self.before(shard.m, shard.hi)

    def confirming(self, shard: Shard) -> bool:
        return not self.requesting(shard) and self.before(shard.s, shard.hi)

    def done(self, shard: Shard) -> bool:
        return not self.before(shard.s, shard.hi)

    # --- reading ------------------------------------------------------------------------------

    def marker(self, cursor: str) -> str:
        """The marker a listing from `cursor` sends."""
        return self.start if cursor == START else cursor

    def reader(
        self,
        bucket: oss2.Bucket,
        *,
        limiter: rate.RateLimiter | None,
        sleep: retry.Sleep = time.sleep,
        raw_xml: bool | None = None,
    ) -> PageReader:
        if self.kind == MANIFEST:
            source = manifest_source.Manifest(bucket, self.manifest, sleep=sleep, limiter=limiter)
            return lambda cursor: manifest_source.page(
                bucket, source, self.marker(cursor), sleep=sleep, limiter=limiter
            )
        if self.kind == VERSIONS:
            return lambda cursor: version_listing.list_versions_page(
                bucket,
                prefix=self.prefix,
                marker=self.marker(cursor),
                max_keys=self.page_keys,
                sleep=sleep,
                limiter=limiter,
            )
        return lambda cursor: listing.list_page(
            bucket,
            prefix=self.prefix,
            marker=self.marker(cursor),
            max_keys=self.page_keys,
            sleep=sleep,
            raw_xml=raw_xml,
            limiter=limiter,
        )

    def ours(self, obj: ObjectInfo) -> bool:
        """The object is one the run itself wrote (its report, journal, progress): passed over unseen."""
        return bool(self.own) and obj.key.startswith(self.own)

    def beyond(self, obj: ObjectInfo, hi: str | None) -> bool:
        """The object lies after the range's end `hi` (None: the scope's end, which nothing lies after)."""
        if hi is None:
            return False
        if self.kind == MANIFEST:
            return self.order(obj.resume) > self.order(hi)
        return self.order(obj.key) > self.order(hi) if self.kind == VERSIONS else obj.key > hi

    def after(self, obj: ObjectInfo, following: ObjectInfo | None) -> str:
        """The cursor after `obj` that still lists `following` (the next object, when known), as short as
        the two allow."""
        if self.kind == MANIFEST:
            return obj.resume
        if self.kind == VERSIONS:
            if following is None or following.key == obj.key:
                return obj.resume
            return keyspace.separator(obj.key, following.key)
        if following is None:
            return obj.key
        return keyspace.separator(obj.key, following.key)
