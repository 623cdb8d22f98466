"""Object operations and protocol details: headers, errors, routing, seeding, concurrency."""

from __future__ import annotations

import base64
import calendar
import threading

import oss2
import pytest
import requests

from conftest import SESSION, oss_bucket
from ossemu import ConfigError, Emulator, ManualClock, NoSuchBucketError

B = "test-bucket"


def _raw(emulator, method, target, *, key="", signed_params=None):
    """Send a V1-signed request with a hand-made target (literal '/', 'k=' vs 'k'), as other SDKs do."""
    req = oss2.http.Request(method, emulator.endpoint, params=signed_params or {})
    oss2.Auth("test-ak", "test-secret")._sign_request(req, B, key)
    headers = {k: v for k, v in req.headers.items() if v is not None}
    return requests.request(method, f"{emulator.endpoint}{target}", headers=headers)


def test_put_head_get_delete_round_trip(emulator, bucket):
    result = bucket.put_object("k", b"hello", headers={"x-oss-storage-class": "IA"})
    crc = oss2.utils.Crc64()
    crc.update(b"hello")
    assert result.crc == crc.crc  # oss2 also checked it itself (enable_crc)
    head = bucket.head_object("k")
    assert (head.content_length, head.etag, head.headers["x-oss-storage-class"]) == (
        5,
        "5D41402ABC4B2A76B9719D911017C592",
        "IA",
    )
    assert "x-oss-transition-time" not in head.headers
    assert bucket.get_object("k").read() == b"hello"
    assert bucket.delete_object("k").status == 204
    assert not bucket.object_exists("k")
    assert bucket.delete_object("k").status == 204


@pytest.mark.parametrize("cls", ["ColdArchive", "DeepColdArchive"])
def test_cold_classes_report_transition_time(emulator, bucket, cls):
    bucket.put_object("k", b"x", headers={"x-oss-storage-class": cls})
    assert bucket.head_object("k").headers["x-oss-transition-time"].endswith(" GMT")


def test_last_modified_has_a_two_digit_day():
    # GIVEN a clock on the 2nd of a month (oss2's parser rejects "2 Dec")
    start = calendar.timegm((2050, 12, 2, 8, 0, 0))
    with Emulator(credentials={"test-ak": "test-secret"}, clock=ManualClock(start)) as emu:
        emu.create_bucket(B)
        emu.put_object(B, "k", b"x")
        head = oss_bucket(emu, B).head_object("k")
    assert head.headers["Last-Modified"] == "Fri, 02 Dec 2050 08:00:00 GMT"
    assert head.last_modified == start


def test_head_error_carries_code_in_x_oss_err(emulator, bucket):
    with pytest.raises(oss2.exceptions.NoSuchKey) as e:
        bucket.head_object("missing")
    assert (e.value.code, e.value.ec) == ("NoSuchKey", "0026-00000001")
    assert b"<Code>NoSuchKey</Code>" in base64.b64decode(e.value.headers["x-oss-err"])


def test_missing_bucket_is_no_such_bucket(emulator):
    b = oss_bucket(emulator, "absent-bucket")
    with pytest.raises(oss2.exceptions.NoSuchBucket):
        b.put_object("k", b"x")
    with pytest.raises(oss2.exceptions.NoSuchBucket):
        b.restore_object("k")


def test_create_bucket_over_http(emulator):
    b = oss_bucket(emulator, "made-by-oss2")
    b.create_bucket()
    b.put_object("k", b"x")
    assert emulator.keys("made-by-oss2") == ["k"]


def test_bad_storage_class_header_is_invalid_argument(bucket):
    with pytest.raises(oss2.exceptions.InvalidArgument) as e:
        bucket.put_object("k", b"x", headers={"x-oss-storage-class": "Glacier"})
    assert "x-oss-storage-class" in e.value.details.get("ArgumentName", "")


@pytest.mark.parametrize("key", ["/leading-slash", "\\leading-backslash", "k" * 1024])
def test_invalid_object_names_are_rejected(bucket, key):
    with pytest.raises(oss2.exceptions.InvalidObjectName):
        bucket.put_object(key, b"x")


def test_literal_slash_and_percent_2f_reach_the_same_key(emulator, bucket):
    emulator.put_object(B, "dir/a b.txt", b"x", storage_class="Archive")
    assert _raw(emulator, "HEAD", f"/{B}/dir/a%20b.txt", key="dir/a b.txt").status_code == 200
    assert _raw(emulator, "HEAD", f"/{B}/dir%2Fa%20b.txt", key="dir/a b.txt").status_code == 200


def test_value_less_parameter_with_or_without_equals(emulator):
    emulator.create_bucket(B)
    emulator.put_object(B, "a", b"x", storage_class="Archive")
    emulator.put_object(B, "b", b"x", storage_class="Archive")
    assert _raw(emulator, "POST", f"/{B}/a?restore", key="a", signed_params={"restore": ""}).status_code == 202
    assert _raw(emulator, "POST", f"/{B}/b?restore=", key="b", signed_params={"restore": ""}).status_code == 202


def test_every_response_has_request_id_length_and_keep_alive(emulator, bucket):
    emulator.put_object(B, "k", b"x", storage_class="Archive")
    for result in (bucket.restore_object("k"), bucket.list_objects()):
        h = result.headers
        assert result.request_id and len(result.request_id) == 24
        assert h["Connection"] == "keep-alive" and "Content-Length" in h
    with pytest.raises(oss2.exceptions.RestoreAlreadyInProgress) as e:
        bucket.restore_object("k")
    assert e.value.request_id and int(e.value.headers["Content-Length"]) > 0


def test_stats_count_operations_and_reset(emulator, bucket):
    emulator.put_object(B, "k", b"x", storage_class="Archive")
    bucket.restore_object("k")
    bucket.list_objects_v2()
    snap = emulator.stats.snapshot()
    assert (snap["RestoreObject"], snap["RestoreObject:202"], snap["ListObjectsV2"], snap["restore:billed"]) == (
        1,
        1,
        1,
        1,
    )
    emulator.stats.reset()
    assert set(emulator.stats.snapshot().values()) == {0}
    assert emulator.stats.snapshot()["DeleteObject"] == 0


def test_seed_adds_counts_per_class_interleaved(emulator, bucket):
    emulator.create_bucket(B)
    counts = {"Archive": 60, "ColdArchive": 20, "DeepColdArchive": 10, "Standard": 6, "IA": 4}
    assert emulator.seed(B, counts=counts, prefix="s/", size=10) == 100
    objs = list(oss2.ObjectIteratorV2(bucket, max_keys=1000))
    assert {c: sum(o.storage_class == c for o in objs) for c in counts} == counts
    assert all(o.size == 10 and o.key.startswith("s/") for o in objs)
    # Classes are spread out: the first page of 10 is not all Archive.
    assert len({o.storage_class for o in objs[:10]}) >= 3
    # A second seed adds new keys instead of overwriting the first ones.
    assert emulator.seed(B, counts={"Archive": 5}, prefix="s/") == 5
    assert emulator.object_count(B) == 105


def test_seeded_archive_objects_restore_like_any_other(emulator, bucket, clock):
    emulator.create_bucket(B)
    emulator.seed(B, counts={"Archive": 1}, prefix="s/", size=3)
    (key,) = emulator.keys(B)
    assert bucket.restore_object(key).status == 202
    clock.advance(60)
    assert len(bucket.get_object(key).read()) == 3


@pytest.mark.parametrize(
    ("counts", "field"), [({"Glacier": 1}, "seed class"), ({"Archive": -1}, "seed count for Archive")]
)
def test_bad_seed_counts_name_the_field(emulator, counts, field):
    emulator.create_bucket(B)
    with pytest.raises(ConfigError) as e:
        emulator.seed(B, counts=counts)
    assert e.value.field == field


def test_direct_calls_on_missing_bucket_raise_typed_error(emulator):
    with pytest.raises(NoSuchBucketError):
        emulator.put_object("nope-bucket", "k", b"")


def test_32_concurrent_keep_alive_clients(emulator, bucket):
    emulator.seed(B, counts={"Archive": 32}, prefix="c/")
    keys = emulator.keys(B)
    errors: list[BaseException] = []

    def worker(key: str) -> None:
        try:
            for _ in range(10):
                bucket.head_object(key)
            bucket.restore_object(key)
        except BaseException as e:  # reported to the main thread
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(k,)) for k in keys]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert emulator.stats.get("HeadObject") == 320 and emulator.stats.get("RestoreObject:202") == 32


def test_stop_closes_idle_keep_alive_connections():
    emu = Emulator(credentials={"test-ak": "test-secret"}).start()
    emu.create_bucket(B)
    b = oss_bucket(emu, B)
    b.list_objects()
    emu.stop()
    with pytest.raises(oss2.exceptions.RequestError):
        b.list_objects()


def test_shared_session_is_bounded():
    assert SESSION.session.adapters["http://"]._pool_maxsize >= 32


@pytest.mark.parametrize(
    ("byte_range", "expected"), [((1, 3), b"ell"), ((None, 2), b"lo"), ((3, None), b"lo"), ((2, 99), b"llo")]
)
def test_ranged_get_returns_the_slice(bucket, byte_range, expected):
    bucket.put_object("k", b"hello")
    result = bucket.get_object("k", byte_range=byte_range)
    assert (result.status, result.read()) == (206, expected)


def test_range_past_the_end_is_416(bucket):
    bucket.put_object("k", b"hello")
    with pytest.raises(oss2.exceptions.ServerError) as e:
        bucket.get_object("k", byte_range=(10, 20))
    assert (e.value.status, e.value.code) == (416, "InvalidRange")


def test_archive_direct_read_lets_get_read_archive_but_not_cold(emulator, bucket):
    # GIVEN a bucket with archive direct read turned on through oss2
    emulator.put_object(B, "a", b"archive", storage_class="Archive")
    emulator.put_object(B, "c", b"cold", storage_class="ColdArchive")
    assert bucket.get_bucket_archive_direct_read().enabled is False
    bucket.put_bucket_archive_direct_read(True)
    assert bucket.get_bucket_archive_direct_read().enabled is True
    # THEN frozen Archive objects read directly, Cold Archive ones still need a restore
    assert bucket.get_object("a").read() == b"archive"
    with pytest.raises(oss2.exceptions.ServerError) as e:
        bucket.get_object("c")
    assert e.value.code == "InvalidObjectState"
