"""ListObjects (V1) and ListObjectsV2 through oss2: paging, delimiters, encoding, RestoreInfo."""

from __future__ import annotations

import re

import oss2
import pytest

from conftest import oss_bucket

B = "test-bucket"


def _put_all(emulator, keys, storage_class="Standard"):
    for k in keys:
        emulator.put_object(B, k, b"x", storage_class=storage_class)


def _v1_keys(bucket, **kw):
    return [o.key for o in oss2.ObjectIterator(bucket, **kw)]


def _v2_keys(bucket, **kw):
    return [o.key for o in oss2.ObjectIteratorV2(bucket, **kw)]


@pytest.mark.parametrize(("count", "truncated"), [(5, False), (6, True)])
def test_v1_page_of_exactly_max_keys_is_not_truncated_one_more_is(emulator, bucket, count, truncated):
    _put_all(emulator, [f"k{i}" for i in range(count)])
    page = bucket.list_objects(max_keys=5)
    assert [o.key for o in page.object_list] == [f"k{i}" for i in range(5)]
    assert page.is_truncated is truncated
    assert page.next_marker == ("k4" if truncated else "")


@pytest.mark.parametrize(("count", "truncated"), [(5, False), (6, True)])
def test_v2_page_of_exactly_max_keys_is_not_truncated_one_more_is(emulator, bucket, count, truncated):
    _put_all(emulator, [f"k{i}" for i in range(count)])
    page = bucket.list_objects_v2(max_keys=5)
    assert len(page.object_list) == 5
    assert page.is_truncated is truncated
    if truncated:
        assert re.fullmatch(r"[A-Za-z0-9_-]+", page.next_continuation_token)
        rest = bucket.list_objects_v2(max_keys=5, continuation_token=page.next_continuation_token)
        assert [o.key for o in rest.object_list] == ["k5"] and not rest.is_truncated


def test_iterators_walk_many_pages_in_order(emulator, bucket):
    emulator.seed(B, counts={"Archive": 150, "Standard": 100}, prefix="p/")
    expected = emulator.keys(B)
    assert len(expected) == 250 and expected == sorted(expected)
    assert _v1_keys(bucket, max_keys=100) == expected
    assert _v2_keys(bucket, max_keys=7) == expected


def test_delimiter_rolls_up_prefixes_and_counts_them_toward_max_keys(emulator, bucket):
    _put_all(emulator, ["a/1", "a/2", "b", "c/x/1", "c/y"])
    page = bucket.list_objects(delimiter="/", max_keys=2)
    assert (page.prefix_list, [o.key for o in page.object_list]) == (["a/"], ["b"])
    assert page.is_truncated and page.next_marker == "b"
    # The iterators yield prefixes and objects one page at a time, never repeating a prefix.
    items = [(o.key, o.is_prefix()) for o in oss2.ObjectIterator(bucket, delimiter="/", max_keys=1)]
    assert items == [("a/", True), ("b", False), ("c/", True)]
    assert [o.key for o in oss2.ObjectIteratorV2(bucket, prefix="c/", delimiter="/", max_keys=1)] == ["c/x/", "c/y"]


def test_marker_equal_to_a_common_prefix_skips_that_prefix(emulator, bucket):
    _put_all(emulator, ["a/1", "a/2", "b"])
    page = bucket.list_objects(delimiter="/", marker="a/")
    assert ([o.key for o in page.object_list], page.prefix_list) == (["b"], [])


def test_prefix_marker_and_start_after(emulator, bucket):
    _put_all(emulator, ["x/1", "x/2", "x/3", "y/1"])
    assert [o.key for o in bucket.list_objects(prefix="x/", marker="x/1").object_list] == ["x/2", "x/3"]
    assert [o.key for o in bucket.list_objects_v2(prefix="x/", start_after="x/2").object_list] == ["x/3"]
    assert bucket.list_objects(prefix="z").object_list == []


WEIRD = [
    "a b",
    "dir/a b+c.txt",
    "100%",
    "hash#tag",
    "what?",
    "plus+",
    "ünïcødé/日本語",
    "emoji 😀",
    "tab\tkey",
    "k" * 1000,
]


def test_keys_with_special_characters_round_trip_in_both_listings(emulator, bucket):
    # GIVEN keys that break naive encoders, written through oss2
    for key in WEIRD:
        bucket.put_object(key, b"x")
    # THEN both listings return them exactly, in UTF-8 byte order, and HEAD finds each one
    expected = sorted(WEIRD, key=lambda k: k.encode())
    assert _v1_keys(bucket, max_keys=3) == expected
    assert _v2_keys(bucket, max_keys=3) == expected
    for key in WEIRD:
        assert bucket.head_object(key).content_length == 1


def test_keys_sort_in_utf8_byte_order(emulator, bucket):
    keys = ["b", "a", "é", "Z", "😀", "\uff5e", "a/"]
    _put_all(emulator, keys)
    assert _v2_keys(bucket) == sorted(keys, key=lambda k: k.encode("utf-8"))


def test_encoded_prefix_and_delimiter_come_back_decoded(emulator, bucket):
    _put_all(emulator, ["sp ace/a+b/1", "sp ace/a+b/2"])
    page = bucket.list_objects_v2(prefix="sp ace/", delimiter="/")
    assert page.prefix_list == ["sp ace/a+b/"]


@pytest.mark.parametrize("max_keys", [0, 1001])
def test_max_keys_out_of_range_is_invalid_argument(bucket, max_keys):
    with pytest.raises(oss2.exceptions.ServerError) as e:
        bucket.list_objects(max_keys=max_keys)
    assert (e.value.status, e.value.code) == (400, "InvalidArgument")
    assert "max-keys" in e.value.message


def test_default_max_keys_is_100(emulator, bucket):
    emulator.seed(B, counts={"Standard": 101})
    assert len(bucket.list_objects().object_list) == 100


def test_restore_info_in_listing_matches_x_oss_restore_on_head(emulator, bucket, clock):
    # GIVEN one frozen, one restoring, one restored archive object and a Standard one
    _put_all(emulator, ["frozen", "restoring", "restored"], storage_class="Archive")
    emulator.put_object(B, "std", b"x")
    bucket.restore_object("restored")
    clock.advance(60)
    bucket.restore_object("restoring")
    # THEN listings carry the same string as HEAD, or nothing
    listed = {o.key: o.restore_info for o in bucket.list_objects().object_list}
    listed_v2 = {o.key: o.restore_info for o in bucket.list_objects_v2().object_list}
    heads = {k: bucket.head_object(k).headers.get("x-oss-restore") for k in listed}
    assert listed == listed_v2 == heads
    assert heads["restoring"] == 'ongoing-request="true"'
    assert heads["restored"].startswith('ongoing-request="false", expiry-date="')
    assert heads["frozen"] is None and heads["std"] is None


def test_listing_reports_storage_class_size_etag_and_time(emulator, bucket, clock):
    emulator.put_object(B, "k", b"hello", storage_class="DeepColdArchive")
    (obj,) = bucket.list_objects_v2(fetch_owner=True).object_list
    assert (obj.storage_class, obj.size, obj.etag, obj.type) == (
        "DeepColdArchive",
        5,
        "5D41402ABC4B2A76B9719D911017C592",
        "Normal",
    )
    assert obj.last_modified == int(clock.now())
    assert obj.owner is not None


def test_listing_a_missing_bucket_is_no_such_bucket(emulator):
    with pytest.raises(oss2.exceptions.NoSuchBucket):
        oss_bucket(emulator, "no-such-bucket").list_objects()


def test_bad_continuation_token_is_invalid_argument(bucket):
    with pytest.raises(oss2.exceptions.ServerError) as e:
        bucket.list_objects_v2(continuation_token="!!")
    assert (e.value.status, e.value.code) == (400, "InvalidArgument")


def test_list_object_versions_of_an_unversioned_bucket(emulator, bucket, clock):
    # GIVEN archive objects, one of them restoring
    _put_all(emulator, ["v/a b", "v/b", "v/c"], storage_class="ColdArchive")
    bucket.restore_object("v/b")
    # WHEN listed by versions two at a time
    first = bucket.list_object_versions(prefix="v/", max_keys=2)
    second = bucket.list_object_versions(
        prefix="v/", max_keys=2, key_marker=first.next_key_marker, versionid_marker=first.next_versionid_marker
    )
    # THEN every object is one latest "null" version carrying its RestoreInfo
    versions = first.versions + second.versions
    assert [v.key for v in versions] == ["v/a b", "v/b", "v/c"]
    assert first.is_truncated and not second.is_truncated
    assert all(v.versionid == "null" and v.is_latest for v in versions)
    assert [v.restore_info for v in versions] == [None, 'ongoing-request="true"', None]
