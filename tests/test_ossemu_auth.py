"""Signature verification with the real oss2 signers: V1 (Auth), STS (StsAuth) and V4 (AuthV4)."""

from __future__ import annotations

import time

import oss2
import pytest

from conftest import SESSION
from ossemu import Emulator, ManualClock

B = "test-bucket"
KEY = "dir/a b+c.txt"


@pytest.fixture
def sts_emulator():
    emu = Emulator(
        credentials={"test-ak": "test-secret"}, sts_tokens={"STS.ak": ("sts-secret", "sts-token")}, clock=ManualClock()
    )
    with emu:
        emu.create_bucket(B)
        emu.put_object(B, KEY, b"x", storage_class="ColdArchive")
        yield emu


def _bucket(emu, auth, **kw):
    return oss2.Bucket(auth, emu.endpoint, B, session=SESSION, **kw)


def _exercise(b):
    """Every request shape the handlers send: list V1/V2 with params, HEAD, restore, GET, PUT."""
    b.put_object("p/q r", b"1")
    assert [o.key for o in oss2.ObjectIterator(b, prefix="dir/", max_keys=1000)] == [KEY]
    assert [o.key for o in oss2.ObjectIteratorV2(b, delimiter="/", max_keys=1)] == ["dir/", "p/"]
    assert b.head_object(KEY).headers["x-oss-storage-class"] == "ColdArchive"
    assert b.restore_object(KEY).status == 202
    assert b.get_object("p/q r").read() == b"1"


@pytest.mark.parametrize(
    "make",
    [
        lambda: (oss2.Auth("test-ak", "test-secret"), {}),
        lambda: (oss2.AuthV4("test-ak", "test-secret"), {"region": "cn-hangzhou"}),
        lambda: (oss2.StsAuth("STS.ak", "sts-secret", "sts-token"), {}),
        lambda: (oss2.StsAuth("STS.ak", "sts-secret", "sts-token", auth_version="v4"), {"region": "cn-hangzhou"}),
    ],
    ids=["v1", "v4", "sts-v1", "sts-v4"],
)
def test_valid_signatures_are_accepted(sts_emulator, make):
    auth, kw = make()
    _exercise(_bucket(sts_emulator, auth, **kw))


@pytest.mark.parametrize(
    ("auth", "kw"),
    [(oss2.Auth("test-ak", "wrong"), {}), (oss2.AuthV4("test-ak", "wrong"), {"region": "cn-hangzhou"})],
    ids=["v1", "v4"],
)
def test_wrong_secret_is_signature_does_not_match(sts_emulator, auth, kw):
    b = _bucket(sts_emulator, auth, **kw)
    with pytest.raises(oss2.exceptions.SignatureDoesNotMatch) as e:
        b.list_objects()
    assert e.value.status == 403
    assert "StringToSign" in e.value.details
    # HEAD has no body: the error still arrives, through x-oss-err
    with pytest.raises(oss2.exceptions.SignatureDoesNotMatch):
        b.head_object(KEY)


def test_unknown_access_key_is_invalid_access_key_id(sts_emulator):
    with pytest.raises(oss2.exceptions.ServerError) as e:
        _bucket(sts_emulator, oss2.Auth("nobody", "x")).restore_object(KEY)
    assert (e.value.status, e.value.code) == (403, "InvalidAccessKeyId")


def test_missing_authorization_is_access_denied(sts_emulator):
    with pytest.raises(oss2.exceptions.AccessDenied):
        _bucket(sts_emulator, oss2.AnonymousAuth()).list_objects()


@pytest.mark.parametrize(
    "auth",
    [oss2.StsAuth("STS.ak", "sts-secret", "other-token"), oss2.Auth("STS.ak", "sts-secret")],
    ids=["wrong", "missing"],
)
def test_sts_key_needs_its_security_token(sts_emulator, auth):
    with pytest.raises(oss2.exceptions.ServerError) as e:
        _bucket(sts_emulator, auth).list_objects()
    assert (e.value.status, e.value.code) == (403, "InvalidSecurityToken")


def test_clock_skew_over_15_minutes_is_request_time_too_skewed(sts_emulator, monkeypatch):
    # GIVEN a client whose clock is 16 minutes slow
    real = oss2.utils.http_date
    monkeypatch.setattr(oss2.utils, "http_date", lambda timeval=None: real(time.time() - 960))
    with pytest.raises(oss2.exceptions.ServerError) as e:
        _bucket(sts_emulator, oss2.Auth("test-ak", "test-secret")).list_objects()
    assert (e.value.status, e.value.code, e.value.ec) == (403, "RequestTimeTooSkewed", "0002-00000504")


def test_restore_clock_does_not_affect_signature_checks(sts_emulator):
    # Advancing the manual restore clock by days must not make wall-clock signatures look skewed.
    sts_emulator.clock.advance(30 * 86400)
    assert _bucket(sts_emulator, oss2.Auth("test-ak", "test-secret")).list_objects().status == 200


def test_verification_can_be_turned_off():
    with Emulator(credentials={}, verify_signatures=False) as emu:
        emu.create_bucket(B)
        assert _bucket(emu, oss2.Auth("any", "thing")).list_objects().status == 200


def test_v4_additional_signed_headers_are_verified(sts_emulator):
    import requests

    # GIVEN a V4 request that also signs its Range header (AdditionalHeaders=range)
    url = f"{sts_emulator.endpoint}/{B}/{KEY.replace('/', '%2F').replace(' ', '%20').replace('+', '%2B')}"
    req = oss2.http.Request("HEAD", url, headers={"range": "bytes=0-0"}, region="cn-hangzhou", product="oss")
    oss2.AuthV4("test-ak", "test-secret")._sign_request(req, B, KEY, in_additional_headers=["range"])
    assert "AdditionalHeaders=range" in req.headers["authorization"]
    headers = {k: v for k, v in req.headers.items() if v is not None}
    assert requests.head(url, headers=headers).status_code == 200
    # WHEN the signed header is changed in transit THEN the signature no longer matches
    headers["range"] = "bytes=0-1"
    assert requests.head(url, headers=headers).status_code == 403
