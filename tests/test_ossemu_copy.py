"""CopyObject in the emulator, through the real oss2 SDK: in place and across buckets, the metadata directive,
the storage class, a frozen source refused as OSS refuses it, the 1 GB limit, and the RAM actions it needs."""

from __future__ import annotations

import oss2
import pytest

from conftest import ACCESS_KEY_ID, ACCESS_KEY_SECRET, BUCKET_NAME, oss_bucket
from ossemu import Emulator, object_ops

OTHER = "copy-target"


def put(bucket: oss2.Bucket, key: str, data: bytes, storage_class: str = "Standard") -> None:
    bucket.put_object(
        key, data, headers={"x-oss-storage-class": storage_class, "Content-Type": "text/csv", "x-oss-meta-owner": "ml"}
    )


def test_an_in_place_copy_makes_a_restored_object_standard_keeping_its_bytes_etag_and_metadata(emulator, bucket, clock):
    # GIVEN an Archive object put with a Content-Type and user metadata, restored
    put(bucket, "a.csv", b"x,y\n1,2\n", "Archive")
    etag = bucket.head_object("a.csv").etag
    bucket.restore_object("a.csv")
    clock.advance(3600 * 5)
    # WHEN it is copied onto itself as Standard (the metadata directive left at COPY)
    result = bucket.copy_object(BUCKET_NAME, "a.csv", "a.csv", headers={"x-oss-storage-class": "Standard"})
    # THEN it is Standard with the same ETag, bytes, Content-Type and metadata, and no restore of its own
    head = bucket.head_object("a.csv")
    assert result.etag == etag == head.etag
    assert head.headers["x-oss-storage-class"] == "Standard" and "x-oss-restore" not in head.headers
    assert head.content_type == "text/csv" and head.headers["x-oss-meta-owner"] == "ml"
    assert bucket.get_object("a.csv").read() == b"x,y\n1,2\n"


@pytest.mark.parametrize("storage_class", ["Archive", "ColdArchive", "DeepColdArchive"])
def test_a_frozen_or_restoring_source_is_refused_as_getobject_refuses_it(emulator, bucket, storage_class):
    # GIVEN a frozen archive object, and one whose restore is still running
    put(bucket, "frozen", b"1", storage_class)
    put(bucket, "running", b"2", storage_class)
    bucket.restore_object("running")
    for key in ("frozen", "running"):
        # WHEN either is copied THEN 403 InvalidObjectState, and the object stays as it was
        with pytest.raises(oss2.exceptions.ServerError) as e:
            bucket.copy_object(BUCKET_NAME, key, key, headers={"x-oss-storage-class": "Standard"})
        assert (e.value.status, e.value.code) == (403, "InvalidObjectState")
        assert bucket.head_object(key).headers["x-oss-storage-class"] == storage_class


def test_a_copy_into_another_bucket_with_replace_takes_the_requests_metadata(emulator, bucket):
    # GIVEN a Standard object and a second bucket
    emulator.create_bucket(OTHER)
    other = oss_bucket(emulator, OTHER)
    put(bucket, "data/k", b"payload")
    # WHEN it is copied there under another key with REPLACE and a new Content-Type, as IA
    other.copy_object(
        BUCKET_NAME, "data/k", "copies/data/k",
        headers={"x-oss-metadata-directive": "REPLACE", "Content-Type": "application/json", "x-oss-storage-class": "IA"},
    )  # fmt: skip
    # THEN the copy holds the bytes under the new key with the request's metadata, and the source is unchanged
    head = other.head_object("copies/data/k")
    assert other.get_object("copies/data/k").read() == b"payload"
    assert head.content_type == "application/json" and "x-oss-meta-owner" not in head.headers
    assert head.headers["x-oss-storage-class"] == "IA"
    assert bucket.head_object("data/k").content_type == "text/csv"


def test_a_missing_source_or_a_bad_directive_is_refused(emulator, bucket):
    with pytest.raises(oss2.exceptions.NoSuchKey):
        bucket.copy_object(BUCKET_NAME, "nothing-here", "x")
    put(bucket, "k", b"1")
    with pytest.raises(oss2.exceptions.ServerError) as e:
        bucket.copy_object(BUCKET_NAME, "k", "k2", headers={"x-oss-metadata-directive": "MOVE"})
    assert (e.value.status, e.value.code) == (400, "InvalidArgument")


def test_a_source_of_1_gb_or_more_is_refused_for_uploadpartcopy(emulator, bucket, monkeypatch):
    # GIVEN OSS's limit (objects smaller than 1 GB), lowered to 4 bytes so the test holds no gigabyte
    assert object_ops.COPY_OBJECT_MAX_BYTES == 1024**3 - 1
    monkeypatch.setattr(object_ops, "COPY_OBJECT_MAX_BYTES", 4)
    put(bucket, "big", b"12345")
    # WHEN it is copied THEN it is refused, naming UploadPartCopy
    with pytest.raises(oss2.exceptions.ServerError) as e:
        bucket.copy_object(BUCKET_NAME, "big", "big2")
    assert e.value.status == 400 and "UploadPartCopy" in e.value.message


def test_a_copy_needs_getobject_on_its_source_and_putobject_on_its_target(clock):
    # GIVEN an emulator whose RAM hook records what it is asked
    asked: list[tuple[str, str]] = []

    def authorize(access_key_id: str, action: str, resource: str) -> None:
        asked.append((action, resource))

    with Emulator(credentials={ACCESS_KEY_ID: ACCESS_KEY_SECRET}, clock=clock, authorize=authorize) as emu:
        emu.create_bucket(BUCKET_NAME)
        b = oss_bucket(emu, BUCKET_NAME)
        b.put_object("src", b"1")
        asked.clear()
        # WHEN an object is copied
        b.copy_object(BUCKET_NAME, "src", "dst")
    # THEN the destination is authorized as oss:PutObject and the source as oss:GetObject
    assert asked == [
        ("oss:PutObject", f"acs:oss:*::{BUCKET_NAME}/dst"),
        ("oss:GetObject", f"acs:oss:*::{BUCKET_NAME}/src"),
    ]
