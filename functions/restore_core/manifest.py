"""Manifests: the objects a run restores named line by line, instead of listed under a prefix.

Two formats, both read a page at a time from a byte cursor, so no call holds more than a page:

- **CSV**, as S3 Batch Operations takes it (format `S3BatchOperations_CSV_20180820`, fields `Bucket`,
  `Key` and optional `VersionId`: "JobManifestSpec", docs.aws.amazon.com/AmazonS3/latest/API/
  API_control_JobManifestSpec.html): one object per line, `bucket,key` or `bucket,key,versionId`, and
  "the contents of the manifest must be URL encoded" ("S3 Batch Operations basics", docs.aws.amazon.com/
  AmazonS3/latest/dev/batch-ops-basics.html), so a comma in a key is written `%2C`.
- an **OSS bucket inventory**: its `manifest.json` names the gzipped CSV files (`files[].key`, objects of
  `destinationBucket`) and their columns (`fileSchema`: Bucket, Key, VersionId, IsLatest, IsDeleteMarker,
  Size, StorageClass, LastModifiedDate, ETag, ...; "Bucket inventory", alibabacloud.com/help/doc-detail/
  163489.htm); each row is quoted CSV with the key URL-encoded. Delete-marker rows name no object to
  restore and are passed over.

Keys are percent-decoded as RFC 3986 reads them (`%20` a space, `%2B` a plus); a literal `+` is a plus,
never a space. The stricter readings where the pages are silent: every `%` must start a valid escape, the
decoded bytes must be UTF-8, a blank line or a line with another number of columns is malformed, a quote
left open on its line is malformed (a key is URL-encoded, so a line break inside quotes is never part of
one), and a bucket column must name the run's bucket. Each error names the line. A UTF-8 byte order mark
(as spreadsheets write one) at the start of a file is read as nothing.

Lines are split in one pass over each chunk read (no copy per line), so a check is linear in the
manifest's size.
"""

from __future__ import annotations

import csv
import itertools
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes

from restore_core import params
from restore_core.errors import InvalidParameter, RestoreCoreError

MAX_VERSION_ID = 256  # OSS's are about 60 characters; the flows carry one in a marker (inputs.MAX_VERSION_ID)
MAX_LINE_BYTES = 64 * 1024  # a key is at most 1,023 bytes, 3,069 encoded: room for any real line
INVENTORY_NAME = "manifest.json"
BOM = b"\xef\xbb\xbf"
_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_MD5 = re.compile(r"[0-9A-Fa-f]{32}")


class InvalidManifest(RestoreCoreError):
    """A manifest line (or the inventory's manifest.json) that cannot be read: permanent, names the line."""

    def __init__(self, where: str, problem: str) -> None:
        self.where = where
        self.problem = problem
        super().__init__(f"{where}: {problem}")


@dataclass(frozen=True, kw_only=True)
class Cursor:
    """Where the next line starts: the inventory file (0 for CSV), its byte offset, its line number."""

    file: int = 0
    offset: int = 0
    line: int = 1

    def encode(self) -> str:
        return f"{self.file}:{self.offset}:{self.line}"

    @classmethod
    def decode(cls, text: str) -> Cursor:
        if not text:
            return cls()
        parts = text.split(":")
        if len(parts) != 3 or not all(p.isdigit() and len(p) <= 18 for p in parts):
            raise InvalidParameter("marker", "a manifest cursor FILE:OFFSET:LINE (empty at the start)", text)
        file, offset, line = (int(p) for p in parts)
        return cls(file=file, offset=offset, line=max(line, 1))


@dataclass(frozen=True, kw_only=True)
class Entry:
    key: str
    version_id: str | None
    storage_class: str | None  # an inventory's StorageClass column; None when the manifest has none
    line: int
    after: Cursor  # resumes after this entry


@dataclass(frozen=True, kw_only=True)
class InventoryFile:
    """One of an inventory's gzipped CSV files, with the size and MD5 its manifest.json gives (if any)."""

    key: str
    size: int | None = None  # bytes of the gzipped file
    md5: str | None = None  # hex MD5 of the gzipped file, lower case


@dataclass(frozen=True, kw_only=True)
class Inventory:
    """An inventory's manifest.json: where its CSV files are and which columns they hold."""

    bucket: str  # destinationBucket, which holds the files
    files: tuple[InventoryFile, ...]
    columns: tuple[str, ...]


def parse_inventory(body: bytes, *, where: str) -> Inventory:
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise InvalidManifest(where, "not a JSON document") from None
    if not isinstance(doc, dict):
        raise InvalidManifest(where, "not a JSON object")
    if doc.get("fileFormat") != "CSV":
        raise InvalidManifest(where, f"fileFormat must be CSV (got {doc.get('fileFormat')!r})")
    schema, files, bucket = doc.get("fileSchema"), doc.get("files"), doc.get("destinationBucket")
    columns = tuple(c.strip() for c in schema.split(",")) if isinstance(schema, str) else ()
    if "Bucket" not in columns or "Key" not in columns:
        raise InvalidManifest(where, f"fileSchema must name the columns Bucket and Key (got {schema!r})")
    if not isinstance(files, list) or not all(isinstance(f, dict) and isinstance(f.get("key"), str) for f in files):
        raise InvalidManifest(where, 'files must be a list of {"key": ...} objects')
    if not isinstance(bucket, str) or not bucket:
        raise InvalidManifest(where, "destinationBucket must name the bucket that holds the files")
    return Inventory(bucket=bucket, files=tuple(_file(f, i, where) for i, f in enumerate(files)), columns=columns)


def _file(doc: dict[str, object], index: int, where: str) -> InventoryFile:
    """A files[] entry: `key`, and the `size` and `MD5checksum` OSS writes beside it (checked when given)."""
    size, md5 = doc.get("size"), doc.get("MD5checksum")
    if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 0):
        raise InvalidManifest(where, f"files[{index}].size must be a whole number of bytes (got {size!r})")
    if md5 is not None and not (isinstance(md5, str) and _MD5.fullmatch(md5)):
        raise InvalidManifest(where, f"files[{index}].MD5checksum must be 32 hex digits (got {md5!r})")
    return InventoryFile(key=str(doc["key"]), size=size, md5=md5.lower() if isinstance(md5, str) else None)


@dataclass(frozen=True, kw_only=True)
class LineRules:
    """How one CSV line reads: the run's bucket and, for an inventory, its columns."""

    bucket: str
    columns: tuple[str, ...] = ()  # empty: Bucket,Key[,VersionId]
    where: str = "manifest"

    def entry(self, raw: bytes, *, line: int, after: Cursor) -> Entry | None:
        """The line's object; None for an inventory's delete-marker row."""
        at = f"{self.where} line {line}"
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidManifest(at, "not UTF-8 text") from None
        fields = split_fields(text, at)
        if self.columns:
            if len(fields) != len(self.columns):
                raise InvalidManifest(at, f"expected the {len(self.columns)} columns of fileSchema, got {len(fields)}")
            row = dict(zip(self.columns, fields))
        else:
            if len(fields) not in (2, 3):
                raise InvalidManifest(at, f"expected bucket,key or bucket,key,versionId, got {len(fields)} field(s)")
            row = dict(zip(("Bucket", "Key", "VersionId"), fields))
        if row["Bucket"] != self.bucket:
            raise InvalidManifest(at, f"bucket {row['Bucket']!r} is not the run's bucket {self.bucket!r}")
        if row.get("IsDeleteMarker", "").lower() == "true":
            return None
        version = row.get("VersionId") or None
        if version is not None and (len(version) > MAX_VERSION_ID or not version.isprintable()):
            raise InvalidManifest(at, f"versionId must be printable and at most {MAX_VERSION_ID} characters")
        return Entry(
            key=decode_key(row["Key"], at),
            version_id=version,
            storage_class=row.get("StorageClass") or None,
            line=line,
            after=after,
        )


def split_fields(text: str, at: str) -> Sequence[str]:
    """One line's CSV fields ([] for a blank line); quotes are read only where the line has one."""
    if not text.strip():
        return []
    if '"' not in text:
        return text.split(",")
    try:
        return next(csv.reader([text], strict=True), [])
    except csv.Error as e:
        if "end of data" in str(e):
            raise InvalidManifest(
                at,
                "a quoted field is not closed on its line (an unclosed quote, or a line break "
                "inside quotes: keys are URL-encoded, a line break is %0A)",
            ) from None
        raise InvalidManifest(at, f"malformed CSV: {e}") from None


def decode_key(encoded: str, at: str) -> str:
    if _ESCAPE.search(encoded):
        raise InvalidManifest(at, "the key has a % that starts no %XX escape (keys are URL-encoded)")
    try:
        key = unquote_to_bytes(encoded).decode("utf-8")
        return params.object_key(key, "key")
    except UnicodeDecodeError:
        raise InvalidManifest(at, "the decoded key is not UTF-8") from None
    except InvalidParameter as e:
        raise InvalidManifest(at, f"the decoded key is not an object key: {e.allowed}") from None


def lines(chunks: Iterable[bytes], start: Cursor) -> Iterator[tuple[bytes, int, int]]:
    """Complete lines of a stream that begins at `start`: (the line without its end, its number, the byte
    offset after it). One pass over each chunk: the only copy is the one partial line a chunk ends with.

    A file's last line may lack its newline; an empty file, or a final newline, ends without a line. A
    byte order mark that opens the file (offset 0) is not part of its first line.
    """
    stream, offset, line = iter(chunks), start.offset, start.line  # offset: where the next byte read sits
    if offset == 0:
        head = b""
        for chunk in stream:
            head += chunk
            if len(head) >= len(BOM):
                break
        if head.startswith(BOM):
            head, offset = head[len(BOM) :], len(BOM)
        stream = itertools.chain([head], stream)
    pending = b""
    for chunk in stream:
        buf = pending + chunk if pending else chunk
        pos, find = 0, buf.find
        while (end := find(b"\n", pos)) >= 0:
            raw = buf[pos:end]
            pos = end + 1
            yield (raw[:-1] if raw.endswith(b"\r") else raw), line, offset + pos
            line += 1
        pending, offset = buf[pos:], offset + pos
        if len(pending) > MAX_LINE_BYTES:
            raise InvalidManifest(f"line {line}", f"longer than {MAX_LINE_BYTES} bytes")
    if pending:
        yield pending.removesuffix(b"\r"), line, offset + len(pending)
