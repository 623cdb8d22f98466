"""A manifest's entries as listed objects: the manifest read a page at a time with range reads (an
inventory's gzipped files streamed from their start), each entry's class and restore state read by
HeadObject where the manifest does not give a class that needs no restore.

The manifest is named `oss://BUCKET/KEY` (read with the run's credentials; the bucket may differ from
the run's) or, for a local run only, a file path. A key ending in `manifest.json` is an OSS inventory.
"""

from __future__ import annotations

import hashlib
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import oss2

from restore_core import classes, client, first_seen, heads, oss_errors, params, rate, retry
from restore_core.errors import InvalidParameter
from restore_core.listing import ObjectInfo, Page
from restore_core.manifest import (
    INVENTORY_NAME,
    Cursor,
    Entry,
    InvalidManifest,
    InventoryFile,
    LineRules,
    lines,
    parse_inventory,
)
from restore_core.restore_info import FROZEN

CHUNK_BYTES = 64 * 1024  # one range read while paging: a page of entries, not much more
INFLATE_BYTES = 1024 * 1024  # at most this much inflated from a gzipped file at a time
SCAN_CHUNK_BYTES = 1024 * 1024  # one range read while checking the whole manifest: few requests, little memory
ENTRIES_PER_PAGE = 100  # HEADs per page: a listing call cut short by its output budget wastes at most these
READ_RETRY = retry.RetryPolicy(max_attempts=5, initial_interval=0.5, maximum_interval=8.0)
HEAD_WORKERS = 32


@dataclass(frozen=True)
class Location:
    bucket: str | None  # None: a file on this machine (local runs)
    key: str


def location(spec: str) -> Location:
    """`oss://BUCKET/KEY`, or a local path; InvalidParameter naming `manifest` otherwise."""
    if spec.startswith("oss://"):
        bucket, _, key = spec[len("oss://") :].partition("/")
        try:
            params.bucket_name({"bucketName": bucket})
            params.object_key(key, "manifest")
        except InvalidParameter:
            raise InvalidParameter("manifest", "oss://BUCKET/KEY (a bucket name, then an object key)", spec) from None
        return Location(bucket, key)
    if not spec or "\x00" in spec:
        raise InvalidParameter("manifest", "oss://BUCKET/KEY or, for a local run, a file path", spec)
    return Location(None, spec)


class _Reader:
    """The bytes of manifest files: ranges of an OSS object or a local file, or a whole gzipped one."""

    def __init__(
        self,
        run_bucket: oss2.Bucket,
        *,
        sleep: retry.Sleep,
        limiter: rate.RateLimiter | None,
        chunk_bytes: int = CHUNK_BYTES,
    ) -> None:
        self._run_bucket, self._sleep, self._limiter, self._chunk = run_bucket, sleep, limiter, chunk_bytes

    def _get(self, where: Location, byte_range: tuple[int, int] | None) -> oss2.models.GetObjectResult | None:
        assert where.bucket is not None
        bucket = client.sibling_bucket(self._run_bucket, where.bucket)
        try:
            return retry.call(
                rate.paced(self._limiter, lambda: bucket.get_object(where.key, byte_range=byte_range)),
                policy=READ_RETRY,
                retryable=oss_errors.is_transient,
                sleep=self._sleep,
            )
        except oss_errors.SDK_ERRORS as e:
            if oss_errors.status_of(e) == 416:  # a range from the end of the object on: nothing left
                return None
            if oss_errors.status_of(e) == 404:
                raise InvalidManifest(f"oss://{where.bucket}/{where.key}", "no such object") from None
            raise oss_errors.translate(e, "GetObject", where.bucket) from e

    def whole(self, where: Location) -> bytes:
        return b"".join(self.chunks(where, 0))

    def chunks(self, where: Location, start: int) -> Iterator[bytes]:
        """The bytes from `start` on, a range read of the reader's chunk size at a time."""
        while True:
            if where.bucket is None:
                data = _local_range(where.key, start, self._chunk)
            else:
                result = self._get(where, (start, start + self._chunk - 1))
                data = b"" if result is None else result.read()
            if data:
                yield data
            if len(data) < self._chunk:
                return
            start += len(data)

    def gunzip(self, where: Location, start: int, expected: InventoryFile | None = None) -> Iterator[bytes]:
        """A gzipped file's bytes from decompressed offset `start` on. Gzip allows no random access, so the
        file is streamed from its start and the first `start` bytes are passed over, never kept. Read to its
        end, the file must be whole (`_inflate`) and of the size and MD5 `expected` gives."""
        if where.bucket is None:
            raw: Iterator[bytes] = self.chunks(where, 0)
        else:
            result = self._get(where, None)
            raw = iter(lambda: result.read(CHUNK_BYTES), b"") if result is not None else iter(())
        name = where.key if where.bucket is None else f"oss://{where.bucket}/{where.key}"
        if expected is not None and (expected.size is not None or expected.md5 is not None):
            raw = _checked(raw, expected, name)
        skip = start
        for data in _inflate(raw, name):
            if skip >= len(data):
                skip -= len(data)
                continue
            yield data[skip:] if skip else data
            skip = 0


def _local_range(path: str, start: int, length: int) -> bytes:
    try:
        with Path(path).open("rb") as f:
            f.seek(start)
            return f.read(length)
    except OSError as e:
        raise InvalidManifest(path, f"cannot read: {e.strerror or e}") from None


def _checked(raw: Iterator[bytes], expected: InventoryFile, name: str) -> Iterator[bytes]:
    """raw as it is, then (at its end) its length and MD5 against what the inventory's manifest.json says."""
    digest, size = hashlib.md5(usedforsecurity=False), 0
    for data in raw:
        digest.update(data)
        size += len(data)
        yield data
    if expected.size is not None and size != expected.size:
        raise InvalidManifest(name, f"{size} bytes, but manifest.json gives {expected.size}: the file is not whole")
    if expected.md5 is not None and digest.hexdigest() != expected.md5:
        raise InvalidManifest(name, "its MD5 differs from manifest.json's MD5checksum: the file is not whole")


def _inflate(raw: Iterator[bytes], name: str) -> Iterator[bytes]:
    """Decompress gzip, members one after another as gzip allows, and insist that the stream is whole:
    each member checked against its CRC-32 and length (zlib does), and the last one ended by its trailer.
    A file cut anywhere (even at a flush point, where the data so far inflates cleanly) has no trailer."""
    inflater = zlib.decompressobj(wbits=31)
    empty = True
    try:
        for data in raw:
            while data:
                empty = False
                out = inflater.decompress(data, INFLATE_BYTES)  # bounded: a chunk of zeros inflates 1,000-fold
                if out:
                    yield out
                if not inflater.eof:
                    data = inflater.unconsumed_tail  # input left over once the output was full
                    continue
                data = inflater.unused_data
                if data:  # another member follows
                    inflater = zlib.decompressobj(wbits=31)
        tail = inflater.flush()
        if tail:
            yield tail
    except zlib.error as e:
        raise InvalidManifest(name, f"not a whole gzip file ({e})") from None
    if empty or not inflater.eof:
        raise InvalidManifest(
            name, "the gzip stream ends early (no end-of-stream marker, CRC and length): the file is cut short"
        )


Lines = Iterator[tuple[bytes, int, int]]  # manifest.lines(): a line, its number, the offset after it


class Manifest:
    """One manifest (a CSV, or an inventory's files), read a page of entries at a time from a cursor.

    An entry (key and version) named again further on is passed over: the reader keeps where it first saw
    each one (`first_seen`), so it is requested, checked and reported once, at its first line. A page read
    from where the last one ended goes on with the same stream, so reading a manifest page after page
    reads (and, for an inventory, inflates) each file once."""

    def __init__(
        self,
        run_bucket: oss2.Bucket,
        spec: str,
        *,
        sleep: retry.Sleep = time.sleep,
        limiter: rate.RateLimiter | None = None,
        chunk_bytes: int = CHUNK_BYTES,
    ) -> None:
        where = location(spec)
        if where.bucket is None and not Path(where.key).is_file():
            raise InvalidManifest(where.key, "no such file (a cloud run reads manifests from OSS: oss://BUCKET/KEY)")
        self._reader = _Reader(run_bucket, sleep=sleep, limiter=limiter, chunk_bytes=chunk_bytes)
        name = run_bucket.bucket_name
        self._expected: list[InventoryFile | None]
        if where.key.rsplit("/", 1)[-1] == INVENTORY_NAME:
            inventory = parse_inventory(self._reader.whole(where), where=spec)
            dest = inventory.bucket if where.bucket is not None else None
            base = Path(where.key).parent
            self._files = [
                Location(dest, f.key if dest is not None else str(base / Path(f.key).name)) for f in inventory.files
            ]
            self._rules = [
                LineRules(bucket=name, columns=inventory.columns, where=f"inventory file {f.key}")
                for f in inventory.files
            ]
            self._expected = list(inventory.files)
            self._gzip = True
        else:
            self._files, self._rules, self._gzip = [where], [LineRules(bucket=name, where=spec)], False
            self._expected = [None]
        self._seen = first_seen.FirstSeen()
        self._recalled = False
        self._open: tuple[int, int, Lines] | None = None  # (file, offset the stream has reached, its lines)

    def _lines(self, cursor: Cursor) -> Lines:
        """The lines of cursor's file from cursor on: the stream the last page stopped in, if it stopped there."""
        if self._open is not None and self._open[:2] == (cursor.file, cursor.offset):
            return self._open[2]
        where, expected = self._files[cursor.file], self._expected[cursor.file]
        chunks = (
            self._reader.gunzip(where, cursor.offset, expected)
            if self._gzip
            else self._reader.chunks(where, cursor.offset)
        )
        return lines(chunks, cursor)

    def _entries(self, cursor: Cursor) -> Iterator[tuple[Entry | None, Cursor]]:
        """Each line's entry from cursor on (None: a delete-marker row) and the cursor after it. While the
        caller holds a line, its stream is kept (`_open`), so a page that stops there can go on with it."""
        while cursor.file < len(self._files):
            file, rules, stream = cursor.file, self._rules[cursor.file], self._lines(cursor)
            self._open = None
            try:
                for raw, line, after in stream:
                    cursor = Cursor(file=file, offset=after, line=line + 1)
                    entry = rules.entry(raw, line=line, after=cursor)
                    self._open = (file, after, stream)
                    yield entry, cursor
                    self._open = None  # the stream moves on: a failure from here on must not leave it for reuse
            except InvalidManifest as e:
                raise InvalidManifest(
                    f"{rules.where} {e.where}" if e.where.startswith("line") else e.where, e.problem
                ) from None
            cursor = Cursor(file=file + 1)

    def _first_seen(self, entries: list[Entry]) -> list[Entry]:
        firsts = self._seen.firsts(
            [(first_seen.digest(e.key, e.version_id), first_seen.position(e.after.file, e.line)) for e in entries]
        )
        return [e for e, first in zip(entries, firsts, strict=True) if first]

    def page(self, cursor: Cursor, max_entries: int) -> tuple[list[Entry], Cursor | None]:
        """Up to max_entries entries from cursor on, each at its first line in the manifest, and the cursor
        after them (None: the manifest ended)."""
        self._recall(cursor)
        entries: list[Entry] = []
        batch: list[Entry] = []
        for entry, after in self._entries(cursor):
            if entry is not None:
                batch.append(entry)
            if len(entries) + len(batch) >= max_entries:
                entries += self._first_seen(batch)
                batch = []
                if len(entries) >= max_entries:
                    return entries, after
        return entries + self._first_seen(batch), None

    def _recall(self, cursor: Cursor) -> None:
        """Before reading from the middle of the manifest (a shard resumed by a later invocation, which has a
        reader of its own), learn what the lines before the cursor named: an entry named again after it is
        not its first mention. Streamed, once per reader; the stream then goes on from the cursor."""
        if self._recalled or (cursor.file, cursor.offset) == (0, 0):
            self._recalled = True
            return
        self._recalled = True
        batch: list[Entry] = []
        for entry, after in self._entries(Cursor()):
            if entry is not None:
                batch.append(entry)
            if len(batch) >= 1000:
                self._first_seen(batch)
                batch = []
            if (after.file, after.offset) >= (cursor.file, cursor.offset):
                break
        self._first_seen(batch)

    def check(self) -> int:
        """Read the whole manifest once, each file from its start to its end (a gzipped one must be whole,
        of the size and MD5 its manifest.json gives), and return how many lines name an object."""
        return sum(entry is not None for entry, _ in self._entries(Cursor()))


def objects(
    bucket: oss2.Bucket,
    entries: list[Entry],
    *,
    sleep: retry.Sleep = time.sleep,
    limiter: rate.RateLimiter | None = None,
) -> list[ObjectInfo]:
    """Each entry as a listed object: an inventory row whose class needs no restore as it stands, the
    others with the class and restore state HeadObject reports (missing: no such object or version)."""
    asked = [e for e in entries if e.storage_class is None or classes.is_archive(e.storage_class)]
    found = dict(
        zip(
            map(id, asked),
            heads.head_all(
                bucket, [(e.key, e.version_id) for e in asked], workers=HEAD_WORKERS, sleep=sleep, limiter=limiter
            ),
        )
    )
    out = []
    for e in entries:
        after = e.after.encode()
        if id(e) not in found:
            out.append(ObjectInfo(e.key, e.storage_class or "", FROZEN, version_id=e.version_id, after=after))
            continue
        state = found[id(e)]
        if state is None:
            out.append(ObjectInfo(e.key, "", FROZEN, version_id=e.version_id, after=after, missing=True))
        else:
            out.append(
                ObjectInfo(
                    e.key,
                    state.storage_class,
                    state.restore,
                    state.size,
                    state.modified,
                    version_id=e.version_id,
                    after=after,
                    etag=state.etag,
                )
            )
    return out


def page(
    bucket: oss2.Bucket,
    manifest: Manifest,
    marker: str,
    *,
    max_entries: int = ENTRIES_PER_PAGE,
    sleep: retry.Sleep = time.sleep,
    limiter: rate.RateLimiter | None = None,
) -> Page:
    """One page of the manifest from marker (a cursor), as a listing page."""
    entries, after = manifest.page(Cursor.decode(marker), max_entries)
    found = objects(bucket, entries, sleep=sleep, limiter=limiter)
    return Page(tuple(found), after is not None, after.encode() if after is not None else "")


def validate(manifest: Manifest) -> int:
    """Read the whole manifest once (streamed: memory stays flat, time linear in its size) and return how
    many lines name an object; InvalidManifest naming the first malformed line, or the file that is not
    whole. Nothing is asked of OSS about the entries."""
    return manifest.check()
