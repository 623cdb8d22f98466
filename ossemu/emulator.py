"""`Emulator`: the in-process facade over storage, the service and its HTTP server."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Mapping
from types import TracebackType

from ossemu import classes as sc
from ossemu import multipart, object_meta, restore, tagging
from ossemu.access import Authorize
from ossemu.auth import Verifier
from ossemu.clock import RealClock, TimeSource
from ossemu.errors import ConfigError, OssError
from ossemu.faults import FaultInjector, Faults
from ossemu.generated import Generated
from ossemu.latency import RestoreLatency
from ossemu.seeding import seed_bucket
from ossemu.server import OssHTTPServer
from ossemu.service import Service
from ossemu.stats import Stats
from ossemu.store import DEFAULT_CONTENT_TYPE, BucketStore, Content, ObjectRecord, Store
from ossemu.versions import ENABLED, NULL, SUSPENDED


class Emulator:
    """An OSS-protocol server for the real oss2 SDK, with direct Python access for tests and tools.

    `credentials` maps access key ids to secrets and `sts_tokens` maps STS key ids to (secret, token);
    with neither, every signed request is refused as OSS would (InvalidAccessKeyId), unless
    `verify_signatures=False`. `clock` drives restores and expiries only (signatures are checked against
    wall time, within `max_skew_seconds`). `authorize(access_key_id, action, resource)`, when given,
    judges each request's RAM action (`ossemu.access`). `port=0` picks a free port; read it from
    `endpoint` after `start()`. Direct methods (create_bucket, put_object, seed, ...) bypass HTTP,
    signatures, authorization and faults.
    """

    def __init__(
        self,
        *,
        credentials: Mapping[str, str] | None = None,
        sts_tokens: Mapping[str, tuple[str, str]] | None = None,
        clock: TimeSource | None = None,
        latency: RestoreLatency | None = None,
        faults: Faults | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        verify_signatures: bool = True,
        max_skew_seconds: float = 900.0,
        authorize: Authorize | None = None,
    ) -> None:
        if not 0 <= port <= 65535:
            raise ConfigError("port", port, "0 (any free port) to 65535")
        self.clock: TimeSource = clock or RealClock()
        self.stats = Stats()
        self.credentials = dict(credentials or {})
        self._store = Store()
        self._latency = latency or RestoreLatency.realistic()
        self._injector = FaultInjector(faults or Faults())
        verifier = Verifier(
            credentials=self.credentials, sts_tokens=dict(sts_tokens or {}), max_skew_seconds=max_skew_seconds
        )
        self.service = Service(
            store=self._store,
            stats=self.stats,
            clock=self.clock,
            latency=lambda: self._latency,
            faults=lambda: self._injector,
            verifier=verifier if verify_signatures else None,
            authorize=authorize,
        )
        self._address = (host, port)
        self._server: OssHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle --------------------------------------------------------------------------------------

    def start(self) -> Emulator:
        if self._server is None:
            self._server = OssHTTPServer(self._address, self.service)
            self._thread = threading.Thread(
                target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True, name="ossemu"
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.close_connections()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the emulator is not started; call start() first")
        return int(self._server.server_address[1])

    @property
    def host(self) -> str:
        return self._address[0]

    @property
    def endpoint(self) -> str:
        return f"http://{self.host}:{self.port}"

    # -- settings ---------------------------------------------------------------------------------------

    def set_faults(self, faults: Faults, *, monotonic: Callable[[], float] = time.monotonic) -> None:
        """Fail and throttle requests from now on; `monotonic` is the clock of the QPS limit's one-second
        windows (wall time by default; a test may count requests instead)."""
        self._injector = FaultInjector(faults, monotonic=monotonic)

    def set_latency(self, latency: RestoreLatency) -> None:
        self._latency = latency

    # -- direct access (no HTTP, no signature, no faults) -----------------------------------------------

    def create_bucket(self, name: str) -> None:
        with self._store.lock:
            if name not in self._store.buckets:
                self._store.buckets[name] = BucketStore(name, self.clock.now())

    def put_object(self, bucket: str, key: str, data: bytes = b"", *, storage_class: str = sc.STANDARD) -> str | None:
        """Add an object (a new version in a versioned bucket); its version ID, None without versioning."""
        _check_class(storage_class)
        with self._store.lock:
            record = ObjectRecord(storage_class, Content.of(bytes(data)), self.clock.now())
            return self._store.bucket(bucket).put_version(key, record)

    def delete_object(self, bucket: str, key: str) -> bool:
        """Delete as DeleteObject without a version ID does (a delete marker in a versioned bucket)."""
        with self._store.lock:
            b = self._store.bucket(bucket)
            existed = key in b.objects
            b.delete_version(key, None, now=self.clock.now())
            return existed

    def set_versioning(self, bucket: str, status: str) -> None:
        """As PutBucketVersioning: "Enabled" or "Suspended"."""
        if status not in (ENABLED, SUSPENDED):
            raise ConfigError("status", status, f"{ENABLED} or {SUSPENDED}")
        with self._store.lock:
            self._store.bucket(bucket).versioning = status

    def set_archive_direct_read(self, bucket: str, enabled: bool) -> None:
        """As PutBucketArchiveDirectRead, without a signed request (a test's setup beside a RAM hook)."""
        with self._store.lock:
            self._store.bucket(bucket).archive_direct_read = enabled

    def versions(self, bucket: str, key: str) -> list[tuple[str, str | None]]:
        """(version ID, storage class or None for a delete marker) of every version of key, newest first."""
        with self._store.lock:
            b = self._store.bucket(bucket)
            history = b.history.versions(key)
            if history is None:
                rec = b.objects.get(key)
                return [] if rec is None else [(NULL, rec.storage_class)]
            return [
                (v.version_id, v.record.storage_class if isinstance(v.record, ObjectRecord) else None) for v in history
            ]

    def keys(self, bucket: str, prefix: str = "") -> list[str]:
        """Keys under `prefix` in listing order."""
        with self._store.lock:
            return _prefixed(self._store.bucket(bucket), prefix)

    def put_generated(
        self,
        bucket: str,
        key: str,
        size: int,
        *,
        storage_class: str = sc.STANDARD,
        content_type: str = DEFAULT_CONTENT_TYPE,
        metadata: Mapping[str, str] | None = None,
        tags: Mapping[str, str] | None = None,
        seed: int = 0,
        parts: int = 1,
    ) -> str | None:
        """Add an object of `size` bytes that are generated from (`seed`, offset) when read, never held
        (`ossemu.generated`), so tests can have objects of several GB. `metadata`: user metadata by name
        (without `x-oss-meta-`); `tags`: its tags. `parts`: how many parts the multipart upload that made it
        had (1 to 10,000, each but the last 100 KB to 5 GB): its ETag is then the upper-case MD5 of a
        description of it and `-parts`, and its type Multipart. `parts=0`: one PutObject made it (5 GB at
        most); its ETag is the MD5 of its bytes, computed here, a pass over them (about 2 s a GB). Returns
        the version ID, None without versioning."""
        _check_class(storage_class)
        _check_generated(size, parts)
        names = {f"{object_meta.META_PREFIX}{name.lower()}": value for name, value in (metadata or {}).items()}
        try:
            stored = object_meta.user_meta(names)
            tag_pairs = tagging.check(tuple((tags or {}).items()))
        except OssError as e:
            raise ConfigError("metadata or tags", e.message, "what PutObject accepts") from None
        body = Generated(size, seed)
        if parts:
            described = f"ossemu generated size={size} seed={seed} parts={parts}".encode()
            etag = f"{hashlib.md5(described).hexdigest().upper()}-{parts}"
        else:
            md5 = hashlib.md5()
            for chunk in body.chunks():
                md5.update(chunk)
            etag = md5.hexdigest().upper()
        content = Content(body, etag, content_type, stored, tag_pairs)
        with self._store.lock:
            return self._store.bucket(bucket).put_version(key, ObjectRecord(storage_class, content, self.clock.now()))

    # object_bytes reads a whole object into memory: fine for what tests put, not for generated GBs.
    OBJECT_BYTES_MAX = 256 * 1024 * 1024

    def object_bytes(self, bucket: str, key: str) -> bytes | None:
        """The current version's content, whatever its storage class; None when there is no such object. Up to
        `OBJECT_BYTES_MAX` bytes; read larger objects with `read_range`."""
        with self._store.lock:
            rec = self._store.bucket(bucket).objects.get(key)
            if rec is None:
                return None
            body = rec.content.body
        if len(body) > self.OBJECT_BYTES_MAX:
            raise ConfigError("key", key, f"an object of at most {self.OBJECT_BYTES_MAX} bytes (use read_range)")
        return body.read(0, len(body))

    def read_range(self, bucket: str, key: str, start: int, end: int) -> bytes:
        """Bytes [start, end) of the current version, as Python slices count them, inside the object."""
        with self._store.lock:
            body = self._store.record(bucket, key).content.body
        if not 0 <= start <= end <= len(body):
            raise ConfigError("range", (start, end), f"0 <= start <= end <= {len(body)}")
        return body.read(start, end)

    def object_crc64(self, bucket: str, key: str) -> int:
        """The CRC-64 OSS reports for the current version (x-oss-hash-crc64ecma)."""
        with self._store.lock:
            content = self._store.record(bucket, key).content
        return content.crc64

    def object_tags(self, bucket: str, key: str) -> dict[str, str]:
        with self._store.lock:
            return dict(self._store.record(bucket, key).content.tags)

    def multipart_uploads(self, bucket: str) -> list[tuple[str, str]]:
        """(key, upload ID) of every multipart upload in progress, in ListMultipartUploads order."""
        with self._store.lock:
            uploads = sorted(self._store.bucket(bucket).uploads.values(), key=lambda u: (u.key, u.order))
            return [(u.key, u.upload_id) for u in uploads]

    def object_count(self, bucket: str) -> int:
        with self._store.lock:
            return len(self._store.bucket(bucket).objects)

    def storage_class(self, bucket: str, key: str) -> str:
        with self._store.lock:
            return self._store.record(bucket, key).storage_class

    def seed(
        self,
        bucket: str,
        *,
        counts: Mapping[str, int],
        prefix: str = "seed/",
        size: int = 1024,
        names: str = "counting",
        key_bytes: int = 0,
    ) -> int:
        """Add `counts[class]` objects per class under `prefix`, classes interleaved; return how many. `names`:
        "counting" keys, or "random" ones of `key_bytes` bytes (`ossemu.seeding.seed_bucket`)."""
        with self._store.lock:
            return seed_bucket(
                self._store.bucket(bucket),
                counts=counts,
                prefix=prefix,
                size=size,
                now=self.clock.now(),
                names=names,
                key_bytes=key_bytes,
            )

    def restore_state(self, bucket: str, key: str, version_id: str | None = None) -> str:
        """ "frozen" | "restoring" | "restored" | "not-archived", as of the emulator's clock."""
        with self._store.lock:
            rec = (
                self._store.record(bucket, key)
                if version_id is None
                else self._store.bucket(bucket).read_version(key, version_id)
            )
            return restore.state_of(rec, self.clock.now())

    def expire_restore(self, bucket: str, key: str) -> None:
        """End a restored period now: the object is frozen again and the next restore is billed."""
        with self._store.lock:
            rec = self._store.record(bucket, key)
            if rec.restore is None:
                raise ConfigError("key", key, "an archive object with a restore request")
            rec.restore.ready_at = min(rec.restore.ready_at, self.clock.now())
            rec.restore.expiry = self.clock.now()

    def finish_restore(self, bucket: str, key: str) -> None:
        """Make a running restore complete now, whatever its latency."""
        with self._store.lock:
            r = self._store.record(bucket, key).restore
            if r is None:
                raise ConfigError("key", key, "an archive object with a restore request")
            now = self.clock.now()
            if r.ready_at > now:
                r.expiry -= r.ready_at - now
                r.ready_at = now


def _prefixed(b: BucketStore, prefix: str) -> list[str]:
    out = []
    for k in b.keys.irange(minimum=prefix):
        if not k.startswith(prefix):
            break
        out.append(k)
    return out


# PutObject uploads at most 5 GB ("Simple upload: ... up to 5 GB", https://www.alibabacloud.com/help/doc-detail/32030.htm).
PUT_OBJECT_MAX_BYTES = 5 * 1024**3


def _check_generated(size: int, parts: int) -> None:
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise ConfigError("size", size, "a whole number of bytes >= 0")
    if isinstance(parts, bool) or not isinstance(parts, int) or not 0 <= parts <= multipart.MAX_PART_NUMBER:
        raise ConfigError("parts", parts, f"0 (one PutObject) to {multipart.MAX_PART_NUMBER}")
    if parts == 0 and size > PUT_OBJECT_MAX_BYTES:
        raise ConfigError("size", size, f"at most {PUT_OBJECT_MAX_BYTES} bytes for one PutObject (declare parts)")
    if parts and not (parts - 1) * multipart.MIN_PART_BYTES <= size <= parts * multipart.MAX_PART_BYTES:
        raise ConfigError(
            "size", size, f"what {parts} parts of 100 KB to 5 GB (the last one smaller) can hold"
        )  # fmt: skip


def _check_class(storage_class: str) -> None:
    if storage_class not in sc.STORAGE_CLASSES:
        raise ConfigError("storage_class", storage_class, f"one of {', '.join(sc.STORAGE_CLASSES)}")
