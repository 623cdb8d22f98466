"""What flows between the transport, the service and the operations: requests, responses, context."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ossemu.body import Body
from ossemu.clock import TimeSource
from ossemu.errors import OssError
from ossemu.latency import RestoreLatency
from ossemu.stats import Stats
from ossemu.store import BucketStore, ObjectRecord, Store


@dataclass(frozen=True)
class Request:
    method: str
    target: str
    headers: dict[str, str]
    body: bytes = b""


@dataclass
class Response:
    """`body`: bytes, or an object's `Body`, which the transport streams without materializing it."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | Body = b""


@dataclass(frozen=True)
class Call:
    """A routed request: bucket and key decoded, query parameters decoded (`k=` and `k` alike)."""

    req: Request
    bucket: str
    key: str
    params: dict[str, str]
    request_id: str


def no_bucket(name: str) -> OssError:
    return OssError(
        404, "NoSuchBucket", "The specified bucket does not exist.", ec="0015-00000101", extra={"BucketName": name}
    )


def no_key(key: str) -> OssError:
    return OssError(404, "NoSuchKey", "The specified key does not exist.", ec="0026-00000001", extra={"Key": key})


@dataclass(frozen=True)
class Context:
    """What every operation may use. Callers hold `store.lock` around multi-step reads and writes."""

    store: Store
    stats: Stats
    clock: TimeSource
    latency: Callable[[], RestoreLatency]

    def bucket(self, call: Call) -> BucketStore:
        b = self.store.buckets.get(call.bucket)
        if b is None:
            raise no_bucket(call.bucket)
        return b

    def record(self, call: Call) -> ObjectRecord:
        """The object the call names: its `versionId`, else the current version."""
        b = self.bucket(call)
        version_id = call.params.get("versionId")
        if version_id is not None:
            return b.read_version(call.key, version_id)
        rec = b.objects.get(call.key)
        if rec is None:
            err = no_key(call.key)
            versions = b.history.versions(call.key)
            if versions and versions[0].delete_marker:  # the current version is a delete marker
                err.headers.update({"x-oss-delete-marker": "true", "x-oss-version-id": versions[0].version_id})
            raise err
        return rec

    def version_headers(self, call: Call) -> dict[str, str]:
        """`x-oss-version-id` of the version the call read or wrote, in a bucket that has versions."""
        version_id = call.params.get("versionId") or self.bucket(call).current_version_id(call.key)
        return {"x-oss-version-id": version_id} if version_id else {}
