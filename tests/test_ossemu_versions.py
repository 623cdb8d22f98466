"""Versioning in the emulator, through the real oss2: versions, delete markers, ListObjectVersions with
RestoreInfo, and RestoreObject / HeadObject by version ID."""

from __future__ import annotations

import oss2
import pytest
from oss2.models import BucketVersioningConfig

from conftest import BUCKET_NAME


def _enable(bucket: oss2.Bucket) -> None:
    config = BucketVersioningConfig()
    config.status = "Enabled"
    bucket.put_bucket_versioning(config)


def test_versioning_is_off_until_enabled_and_then_reported(bucket):
    assert bucket.get_bucket_versioning().status is None
    _enable(bucket)
    assert bucket.get_bucket_versioning().status == "Enabled"


def test_each_put_adds_a_version_and_list_object_versions_returns_them_newest_first(emulator, bucket):
    # GIVEN an object written before versioning, then twice after
    bucket.put_object("k", b"0", headers={"x-oss-storage-class": "Archive"})
    _enable(bucket)
    first = bucket.put_object("k", b"1", headers={"x-oss-storage-class": "Archive"}).versionid
    second = bucket.put_object("k", b"2").versionid
    # WHEN its versions are listed
    result = bucket.list_object_versions()
    # THEN three versions, newest first, the oldest with the ID "null", only the newest latest
    assert [v.versionid for v in result.versions] == [second, first, "null"]
    assert [v.is_latest for v in result.versions] == [True, False, False]
    assert [v.storage_class for v in result.versions] == ["Standard", "Archive", "Archive"]
    # AND ListObjects shows the current version only
    assert [o.storage_class for o in bucket.list_objects().object_list] == ["Standard"]


def test_a_noncurrent_archive_version_is_restored_by_its_version_id_and_listed_with_restore_info(
    emulator, bucket, clock
):
    _enable(bucket)
    old = bucket.put_object("a", b"old", headers={"x-oss-storage-class": "Archive"}).versionid
    bucket.put_object("a", b"new", headers={"x-oss-storage-class": "Archive"})
    # WHEN the noncurrent version is restored
    result = bucket.restore_object("a", params={"versionId": old})
    # THEN OSS accepts it (202), names the version, and only that version is restoring
    assert result.status == 202 and result.headers["x-oss-version-id"] == old
    assert emulator.restore_state(BUCKET_NAME, "a", old) == "restoring"
    assert emulator.restore_state(BUCKET_NAME, "a") == "frozen"
    listed = {v.versionid: v for v in bucket.list_object_versions().versions}
    assert listed[old].restore_info == 'ongoing-request="true"'
    assert listed[old].is_latest is False
    # AND HEAD of that version reports its restore
    assert bucket.head_object("a", params={"versionId": old}).headers["x-oss-restore"] == 'ongoing-request="true"'


def test_delete_adds_a_marker_that_hides_the_key_and_deleting_the_marker_brings_it_back(bucket):
    _enable(bucket)
    kept = bucket.put_object("d", b"x").versionid
    deleted = bucket.delete_object("d")
    assert deleted.delete_marker is True
    with pytest.raises(oss2.exceptions.NoSuchKey):
        bucket.head_object("d")
    assert bucket.list_objects().object_list == []
    result = bucket.list_object_versions()
    assert [m.versionid for m in result.delete_marker] == [deleted.versionid]
    assert [v.versionid for v in result.versions] == [kept]
    # WHEN the delete marker itself is deleted, the version under it is current again
    bucket.delete_object("d", params={"versionId": deleted.versionid})
    assert bucket.head_object("d").headers["x-oss-version-id"] == kept


def test_an_unknown_version_id_is_refused_with_no_such_version(bucket):
    _enable(bucket)
    bucket.put_object("v", b"x")
    with pytest.raises(oss2.exceptions.ServerError) as e:
        bucket.restore_object("v", params={"versionId": "CAEQ-not-a-version"})
    assert (e.value.status, e.value.code) == (404, "NoSuchVersion")


def test_list_object_versions_pages_by_key_and_version_marker(bucket):
    # GIVEN 3 keys with 3 versions each
    _enable(bucket)
    written = {
        k: [bucket.put_object(k, str(i).encode()).versionid for i in range(3)][::-1] for k in ("p/a", "p/b", "p/c")
    }
    # WHEN listed two entries at a time
    seen, key_marker, version_marker = [], "", ""
    while True:
        page = bucket.list_object_versions(
            prefix="p/", key_marker=key_marker, versionid_marker=version_marker, max_keys=2
        )
        seen += [(v.key, v.versionid) for v in page.versions]
        if not page.is_truncated:
            break
        key_marker, version_marker = page.next_key_marker, page.next_versionid_marker
    # THEN every version comes exactly once, keys in order, each key's newest first
    assert seen == [(k, v) for k in sorted(written) for v in written[k]]


def test_a_suspended_bucket_overwrites_the_null_version_and_keeps_the_others(emulator, bucket):
    # GIVEN a version written while versioning was enabled, then versioning suspended
    _enable(bucket)
    kept = bucket.put_object("s", b"1").versionid
    config = BucketVersioningConfig()
    config.status = "Suspended"
    bucket.put_bucket_versioning(config)
    # WHEN the key is written twice more
    first = bucket.put_object("s", b"2").versionid
    second = bucket.put_object("s", b"3").versionid
    # THEN both writes are the one null version (the second overwrote the first), the enabled-era one kept
    assert first == second == "null"
    assert [(v.versionid, v.is_latest) for v in bucket.list_object_versions().versions] == [
        ("null", True),
        (kept, False),
    ]
    assert bucket.get_object("s").read() == b"3"
    assert bucket.get_bucket_versioning().status == "Suspended"
