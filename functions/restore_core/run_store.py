"""The run's store: where the flows write what a run did, object by object, and its report.

`reportUrl` names it: `oss://BUCKET/PREFIX/` (the cloud, and `oss-restore run --report oss://...`), or for
a local run a directory (`file:///...`, which the command makes when the report goes to a local file).
Both hold the same objects under the same names; a run without one writes no report and keeps no
journal (it still counts).

| name | written by | what |
|---|---|---|
| `journal/<shard>/<slice>-<page>.jsonl.gz` | restore | OSS's answer to each request of one listing page |
| `journal/<shard>/r<scan>.jsonl.gz` | restoreStatus | its re-requests (restores that expired or never took) |
| `parts/<shard>-<part>.jsonl.gz` | restoreStatus | report lines of the objects a confirm scan settled |
| `shards/<shard>.json` | restoreStatus | the shard's range, its parts and their counts |
| `progress.json` | listArchiveFiles | the run's counts after each round (`oss-restore status`) |
| `manifest.json`, `summary.json` | summarize | the report's parts in order, and the run's summary |

Every name is derived from the flow's state, so a retried step writes the same names again: it
replaces its own objects and never adds lines twice. gzip output is deterministic (no time stamp).
"""

from __future__ import annotations

import gzip
import json
import os
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlparse

import oss2

from restore_core import client, oss_errors, params, rate, retry
from restore_core.errors import InvalidParameter

STORE_RETRY = retry.RetryPolicy(max_attempts=6, initial_interval=0.3, maximum_interval=8.0)
_LIST_PAGE = 1000


class RunStore(Protocol):
    url: str

    def put(self, name: str, data: bytes) -> None: ...

    def get(self, name: str) -> bytes | None: ...

    def names(self, prefix: str, *, after: str = "") -> Iterator[str]: ...


@dataclass(frozen=True)
class Where:
    bucket: str | None  # None: a local directory
    path: str  # the key prefix (ends with "/" or is empty), or the directory


def parse_url(url: str, field: str = "reportUrl") -> Where | None:
    """`oss://BUCKET/PREFIX/`, `file:///DIR/` or "" (none); InvalidParameter naming the field otherwise."""
    if not url:
        return None
    allowed = "oss://BUCKET/PREFIX/ (a bucket, then a key prefix ending in /) or, for a local run, file:///DIRECTORY/"
    if url.startswith("oss://"):
        bucket, _, prefix = url[len("oss://") :].partition("/")
        try:
            params.bucket_name({"bucketName": bucket})
        except InvalidParameter:
            raise InvalidParameter(field, allowed, url) from None
        if (
            (prefix and not prefix.endswith("/"))
            or prefix.startswith("/")
            or len(prefix.encode("utf-8", "surrogatepass")) > 700
        ):
            raise InvalidParameter(field, allowed + "; the prefix at most 700 bytes", url)
        return Where(bucket, prefix)
    parsed = urlparse(url)
    if parsed.scheme == "file" and parsed.path.startswith("/") and not parsed.netloc and "\x00" not in url:
        return Where(None, unquote(parsed.path))
    raise InvalidParameter(field, allowed, url)


def open_store(
    url: str, run_bucket: oss2.Bucket, *, limiter: rate.RateLimiter | None = None, sleep: retry.Sleep = time.sleep
) -> RunStore | None:
    where = parse_url(url)
    if where is None:
        return None
    if where.bucket is None:
        return DirStore(where.path, url=url)
    return OssStore(client.sibling_bucket(run_bucket, where.bucket), where.path, url=url, limiter=limiter, sleep=sleep)


class OssStore:
    def __init__(
        self,
        bucket: oss2.Bucket,
        prefix: str,
        *,
        url: str,
        limiter: rate.RateLimiter | None = None,
        sleep: retry.Sleep = time.sleep,
    ) -> None:
        self._bucket, self._prefix, self.url = bucket, prefix, url
        self._limiter, self._sleep = limiter, sleep

    def _call(self, operation: str, fn: Any) -> Any:
        try:
            return retry.call(
                rate.paced(self._limiter, fn), policy=STORE_RETRY, retryable=oss_errors.is_transient, sleep=self._sleep
            )
        except oss_errors.SDK_ERRORS as e:
            if oss_errors.status_of(e) == 404 and operation == "GetObject":
                return None
            raise oss_errors.translate(e, operation, self._bucket.bucket_name) from e

    def put(self, name: str, data: bytes) -> None:
        self._call("PutObject", lambda: self._bucket.put_object(self._prefix + name, data))

    def get(self, name: str) -> bytes | None:
        result = self._call("GetObject", lambda: self._bucket.get_object(self._prefix + name))
        return None if result is None else bytes(result.read())

    def names(self, prefix: str, *, after: str = "") -> Iterator[str]:
        marker = self._prefix + after if after else ""
        while True:
            page = self._call(
                "ListObjects",
                lambda m=marker: self._bucket.list_objects(prefix=self._prefix + prefix, marker=m, max_keys=_LIST_PAGE),
            )
            for info in page.object_list:
                yield info.key[len(self._prefix) :]
            if not page.is_truncated:
                return
            marker = page.next_marker


class DirStore:
    """A local directory standing in for the prefix: one file per object, named as the object."""

    def __init__(self, path: str, *, url: str) -> None:
        self._root, self.url = Path(path), url

    def put(self, name: str, data: bytes) -> None:
        target = self._root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        temporary.write_bytes(data)
        os.replace(temporary, target)  # a reader sees the old object or the new one, as with OSS

    def get(self, name: str) -> bytes | None:
        try:
            return (self._root / name).read_bytes()
        except FileNotFoundError:
            return None

    def names(self, prefix: str, *, after: str = "") -> Iterator[str]:
        folder = self._root / prefix.rpartition("/")[0]  # only the folder the names are in, not the whole run
        if not folder.is_dir():
            return iter(())
        found = sorted(
            p.relative_to(self._root).as_posix()
            for p in folder.rglob("*")
            if p.is_file() and not p.name.startswith(".")
        )
        return (n for n in found if n.startswith(prefix) and n > after)


# --- gzipped JSON lines, written the same bytes every time ---------------------------------------


def pack_lines(records: Iterable[dict[str, Any]]) -> bytes:
    body = "".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n" for r in records)
    return gzip.compress(body.encode("utf-8", "surrogatepass"), compresslevel=6, mtime=0)


def unpack_lines(data: bytes) -> Iterator[dict[str, Any]]:
    for line in gzip.decompress(data).decode("utf-8", "surrogatepass").splitlines():
        if line:
            yield json.loads(line)


def put_json(store: RunStore, name: str, value: Any) -> None:
    store.put(name, json.dumps(value, ensure_ascii=False, indent=1).encode("utf-8", "surrogatepass"))


def get_json(store: RunStore, name: str) -> Any:
    data = store.get(name)
    return None if data is None else json.loads(data.decode("utf-8", "surrogatepass"))
