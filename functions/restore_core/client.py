"""Build the oss2 Bucket a handler works with: credentials, one shared connection pool, signing."""

from __future__ import annotations

import os
import threading
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import oss2
from oss2.credentials import StaticCredentialsProvider

from restore_core.errors import InvalidParameter

CONNECT_TIMEOUT = 10.0
"""Seconds; oss2 passes it to requests as the single timeout, so it bounds connect and each read."""
_ENV = ("ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ALIBABA_CLOUD_SECURITY_TOKEN")


@dataclass(frozen=True)
class Credentials:
    access_key_id: str
    access_key_secret: str = ""
    security_token: str | None = None

    def __repr__(self) -> str:  # keep secrets out of logs and tracebacks
        return f"Credentials(access_key_id={self.access_key_id!r}, ...)"


def resolve_credentials(context: Any, environ: Mapping[str, str] = os.environ) -> Credentials:
    """`context.credentials` (FC python3.10 and older) first, else the ALIBABA_CLOUD_* variables
    that every runtime sets (python3.12 removed `context.credentials`)."""
    given = getattr(context, "credentials", None)
    if given is not None and getattr(given, "access_key_id", None):
        return Credentials(given.access_key_id, given.access_key_secret, getattr(given, "security_token", None) or None)
    found = env_credentials(environ)
    if found is None:
        raise InvalidParameter(
            "credentials",
            "context.credentials or ALIBABA_CLOUD_ACCESS_KEY_ID and _SECRET in the environment",
            None,
            message="no credentials: neither context.credentials nor ALIBABA_CLOUD_ACCESS_KEY_ID / "
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET are set",
        )
    return found


def env_credentials(environ: Mapping[str, str] = os.environ) -> Credentials | None:
    """The ALIBABA_CLOUD_* credentials (the token optional: STS), or None without a key id and secret."""
    ak, sk, token = (environ.get(name, "") for name in _ENV)
    return Credentials(ak, sk, token or None) if ak and sk else None


# An instance may serve several invocations at once (FC instance concurrency; the local engine runs up
# to 100 foreach iterations in one process), each with up to 100 workers (the `workers` input's range).
# urllib3 opens connections lazily, so a generous pool costs nothing unused and spares the churn of
# discarded connections.
POOL_SIZE = 256

_session: oss2.Session | None = None
_session_lock = threading.Lock()


def shared_session() -> oss2.Session:
    """One Session per process: a warm FC instance serves many invocations, and sharing the pool keeps
    their connections alive."""
    global _session
    with _session_lock:
        if _session is None:
            _session = _new_session(POOL_SIZE)
        return _session


def _new_session(pool_size: int) -> oss2.Session:
    session = oss2.Session(pool_size=pool_size)
    # requests re-reads every proxy variable and ~/.netrc from the environment on each request, a third
    # of a restore's client-side CPU. With no proxy configured (FC, most machines) there is nothing to
    # find, so stop looking; with one, keep requests' own handling (no_proxy included).
    if not urllib.request.getproxies():
        session.session.trust_env = False
    return session


# Sub-resources the handlers send that some oss2 versions leave out of the V1 string to sign, so OSS
# answers 403 SignatureDoesNotMatch: oss2 signs bucketArchiveDirectRead only from 2.18.5 on, and FC's
# python3.10 runtime ships 2.16.0. V1 signs exactly the query names in its sub-resource list (OSS docs,
# "Include a V1 signature in the Authorization header": CanonicalizedResource); V4 signs every query
# parameter, so only V1 needs this. cleanRestoredObject is in no oss2 version's list; OSS's own V2 SDKs
# sign it as a sub-resource (alibabacloud-oss-go-sdk-v2 CleanRestoredObject: `signer.SubResource`).
HANDLER_SUBRESOURCES = frozenset({"bucketArchiveDirectRead", "cleanRestoredObject"})


class _ProviderAuth(oss2.ProviderAuth):  # type: ignore[misc]  # oss2 ships no type information
    """oss2's V1 signer, signing the handlers' sub-resources whatever the installed oss2 knows."""

    _subresource_key_set = frozenset(oss2.ProviderAuth._subresource_key_set) | HANDLER_SUBRESOURCES


def make_auth(credentials: Credentials, region: str | None) -> Any:
    provider = StaticCredentialsProvider(
        credentials.access_key_id, credentials.access_key_secret, credentials.security_token
    )
    if region and hasattr(oss2, "ProviderAuthV4"):
        return oss2.ProviderAuthV4(provider)
    return _ProviderAuth(provider)


def normalise_endpoint(endpoint: str) -> str:
    """A bare host name gets https://: oss2 would otherwise default to plain http."""
    return endpoint if "://" in endpoint else "https://" + endpoint


def make_bucket(
    *,
    endpoint: str,
    bucket_name: str,
    credentials: Credentials,
    region: str | None = None,
    connect_timeout: float = CONNECT_TIMEOUT,
) -> oss2.Bucket:
    extra: dict[str, Any] = {}
    if region and hasattr(oss2, "ProviderAuthV4"):
        extra["region"] = region  # V4 signs with it; an oss2 without ProviderAuthV4 has no such argument either
    return dot_safe(
        oss2.Bucket(
            make_auth(credentials, region),
            normalise_endpoint(endpoint),
            bucket_name,
            session=shared_session(),
            connect_timeout=connect_timeout,
            **extra,
        )
    )


# oss2 puts a key into the URL path percent-encoded with no safe character (`/` too is %2F), so a key is
# one path segment, and the keys `.` and `..` come out as the segments `.` and `..`. requests (urllib3's
# URL parsing) removes dot segments, as RFC 3986 has clients do: `/bucket/.` goes out as `/bucket/` and
# `/bucket/..` as `/`, so the request names the bucket (or the service) while its signature covers the
# key (V1 and V4 sign the key, not the URL): the object was never requested. Sent percent-encoded
# (`%2E`, `%2E%2E`), the segment survives, and OSS decodes it back to the key that was signed, as it
# decodes every other escape in a key. oss2 itself is left as it is: the handlers wrap its URL maker.
DOT_SEGMENTS = {".": "%2E", "..": "%2E%2E"}


class _DotSafeUrls:
    """oss2's URL maker, with a key that is a dot segment sent percent-encoded."""

    def __init__(self, make_url: Any) -> None:
        self._make_url = make_url

    def __call__(self, bucket_name: str, key: str, *args: Any, **kwargs: Any) -> str:
        url = str(self._make_url(bucket_name, key, *args, **kwargs))
        encoded = DOT_SEGMENTS.get(key)
        if encoded is not None and url.endswith("/" + key):
            url = url[: -len(key)] + encoded
        return url

    def __getattr__(self, name: str) -> Any:  # the maker's own attributes (oss2 reads its `type`)
        return getattr(self._make_url, name)


def dot_safe(bucket: oss2.Bucket) -> oss2.Bucket:
    """bucket, sending the keys `.` and `..` so that they reach OSS (`DOT_SEGMENTS`)."""
    if not isinstance(bucket._make_url, _DotSafeUrls):
        bucket._make_url = _DotSafeUrls(bucket._make_url)
    return bucket


def sibling_bucket(bucket: oss2.Bucket, name: str) -> oss2.Bucket:
    """Another bucket reached as `bucket` is (same endpoint, signer, region and connection pool): the run's
    report bucket, a copy's target bucket."""
    if name == bucket.bucket_name:
        return bucket
    extra = {"region": bucket.region} if getattr(bucket, "region", None) else {}
    return dot_safe(
        oss2.Bucket(bucket.auth, bucket.endpoint, name, session=bucket.session, connect_timeout=bucket.timeout, **extra)
    )
