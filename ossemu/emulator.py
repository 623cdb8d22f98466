"""`Emulator`: the in-process facade over storage, the service and its HTTP server."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from types import TracebackType

from ossemu import classes as sc
from ossemu import restore
from ossemu.access import Authorize
from ossemu.auth import Verifier
from ossemu.clock import RealClock, TimeSource
from ossemu.errors import ConfigError
from ossemu.faults import FaultInjector, Faults
from ossemu.latency import RestoreLatency
from ossemu.seeding import seed_bucket
from ossemu.server import OssHTTPServer
from ossemu.service import Service
from ossemu.stats import Stats
from ossemu.store import BucketStore, Content, ObjectRecord, Store
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

    def object_bytes(self, bucket: str, key: str) -> bytes | None:
        """The current version's content, whatever its storage class; None when there is no such object."""
        with self._store.lock:
            rec = self._store.bucket(bucket).objects.get(key)
            return None if rec is None else rec.content.data

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


def _check_class(storage_class: str) -> None:
    if storage_class not in sc.STORAGE_CLASSES:
        raise ConfigError("storage_class", storage_class, f"one of {', '.join(sc.STORAGE_CLASSES)}")
