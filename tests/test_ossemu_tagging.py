"""Object tags in the emulator, through the real oss2 SDK over HTTP: `x-oss-tagging` on PutObject,
InitiateMultipartUpload and CopyObject (`x-oss-tagging-directive`), Get/Put/DeleteObjectTagging, OSS's
limits, tags of versions and of seeded objects, and the RAM actions tags need."""

from __future__ import annotations

import oss2
import pytest
from oss2.headers import OSS_OBJECT_TAGGING, OSS_OBJECT_TAGGING_COPY_DIRECTIVE
from oss2.models import PartInfo, Tagging, TaggingRule

from conftest import ACCESS_KEY_ID, ACCESS_KEY_SECRET, BUCKET_NAME, oss_bucket
from ossemu import Emulator


def tags_of(bucket: oss2.Bucket, key: str, **kwargs: object) -> dict[str, str]:
    return dict(bucket.get_object_tagging(key, **kwargs).tag_set.tagging_rule)


def tagging(**tags: str) -> Tagging:
    rule = TaggingRule()
    for k, v in tags.items():
        rule.add(k, v)
    return Tagging(rule)


def test_tags_put_with_an_object_are_counted_by_head_and_get_and_returned_by_getobjecttagging(emulator, bucket):
    # GIVEN an object put with two tags, one of them with a space and a slash (URL-encoded in the header)
    bucket.put_object("k", b"data", headers={OSS_OBJECT_TAGGING: "team=ml&path=a%20b%2Fc"})
    # WHEN its metadata, its bytes and its tags are read
    head, got = bucket.head_object("k"), bucket.get_object("k")
    # THEN HEAD and GET say it has 2 tags, and GetObjectTagging returns them decoded
    assert head.headers["x-oss-tagging-count"] == "2" and got.headers["x-oss-tagging-count"] == "2"
    assert tags_of(bucket, "k") == {"team": "ml", "path": "a b/c"}
    # AND an object without tags has no count and an empty tag set
    bucket.put_object("plain", b"")
    assert "x-oss-tagging-count" not in bucket.head_object("plain").headers and tags_of(bucket, "plain") == {}


def test_an_in_place_copy_keeps_tags_by_default_and_replace_takes_the_requests(emulator, bucket, clock):
    # GIVEN a tagged Archive object, restored
    bucket.put_object("a", b"1", headers={OSS_OBJECT_TAGGING: "keep=yes", "x-oss-storage-class": "Archive"})
    bucket.restore_object("a")
    clock.advance(3600)
    # WHEN it is copied onto itself as Standard with no tagging directive
    bucket.copy_object(BUCKET_NAME, "a", "a", headers={"x-oss-storage-class": "Standard"})
    # THEN it keeps its tags
    assert tags_of(bucket, "a") == {"keep": "yes"}
    # AND a copy with the REPLACE directive has the request's tags instead, or none without x-oss-tagging
    bucket.copy_object(
        BUCKET_NAME, "a", "a", headers={OSS_OBJECT_TAGGING_COPY_DIRECTIVE: "Replace", OSS_OBJECT_TAGGING: "new=1&n=2"}
    )
    assert tags_of(bucket, "a") == {"new": "1", "n": "2"}
    bucket.copy_object(BUCKET_NAME, "a", "b", headers={OSS_OBJECT_TAGGING_COPY_DIRECTIVE: "Replace"})
    assert tags_of(bucket, "b") == {} and "x-oss-tagging-count" not in bucket.head_object("b").headers


def test_a_copy_refuses_tags_it_would_drop_and_directives_it_does_not_know(emulator, bucket):
    # GIVEN a tagged object
    bucket.put_object("a", b"1", headers={OSS_OBJECT_TAGGING: "t=1"})
    # WHEN it is copied with x-oss-tagging but the default (COPY) directive, or with an unknown directive
    for headers in ({OSS_OBJECT_TAGGING: "t=2"}, {OSS_OBJECT_TAGGING_COPY_DIRECTIVE: "Merge"}):
        with pytest.raises(oss2.exceptions.ServerError) as e:
            bucket.copy_object(BUCKET_NAME, "a", "b", headers=headers)
        # THEN 400 InvalidArgument, and nothing is copied
        assert (e.value.status, e.value.code) == (400, "InvalidArgument")
    assert not bucket.object_exists("b")


def test_putobjecttagging_replaces_the_set_deleteobjecttagging_empties_it_and_last_modified_stays(
    emulator, bucket, clock
):
    # GIVEN a tagged object
    bucket.put_object("k", b"x", headers={OSS_OBJECT_TAGGING: "a=1&b=2"})
    modified = bucket.head_object("k").last_modified
    clock.advance(10)
    # WHEN its tags are put
    bucket.put_object_tagging("k", tagging(c="3"))
    # THEN they replace the old set, and Last-Modified and the ETag are unchanged
    assert tags_of(bucket, "k") == {"c": "3"} and bucket.head_object("k").last_modified == modified
    # AND DeleteObjectTagging leaves none
    bucket.delete_object_tagging("k")
    assert tags_of(bucket, "k") == {} and "x-oss-tagging-count" not in bucket.head_object("k").headers


@pytest.mark.parametrize(
    "header",
    [
        "&".join(f"k{i}=v" for i in range(11)),  # 11 tags
        "k" * 129 + "=v",  # a key of 129 characters
        "k=" + "v" * 257,  # a value of 257 characters
        "a=1&a=2",  # a key twice
        "aa=bb=cc",  # not key=value
        "=v",  # an empty key
        "k=%23hash",  # '#' is not an allowed character
    ],
)
def test_tags_outside_oss_limits_are_refused_with_invalidtag(emulator, bucket, header):
    # WHEN an object is put with tags OSS refuses THEN 400 InvalidTag, and no object is made
    with pytest.raises(oss2.exceptions.ServerError) as e:
        bucket.put_object("k", b"x", headers={OSS_OBJECT_TAGGING: header})
    assert (e.value.status, e.value.code) == (400, "InvalidTag")
    assert not bucket.object_exists("k")


def test_tags_at_oss_limits_are_accepted_and_the_limits_hold_for_putobjecttagging(emulator, bucket):
    # GIVEN ten tags, a key of 128 characters and a value of 256 made of every allowed kind of character
    tags = {f"k{i}": "v" for i in range(8)} | {"k" * 128: "v", "x": "Az09 +-=._:/" + "v" * 244}
    bucket.put_object("k", b"x")
    # WHEN they are put THEN they are all kept
    bucket.put_object_tagging("k", tagging(**tags))
    assert tags_of(bucket, "k") == tags
    # AND an eleventh is refused by PutObjectTagging too, keeping the ten
    with pytest.raises(oss2.exceptions.ServerError) as e:
        bucket.put_object_tagging("k", tagging(**tags, eleventh="v"))
    assert (e.value.status, e.value.code) == (400, "InvalidTag")
    assert tags_of(bucket, "k") == tags


def test_a_multipart_upload_gives_the_object_the_tags_it_was_initiated_with(emulator, bucket):
    # GIVEN an upload initiated with tags
    upload_id = bucket.init_multipart_upload("k", headers={OSS_OBJECT_TAGGING: "from=init"}).upload_id
    part = bucket.upload_part("k", upload_id, 1, b"x")
    # WHEN it is completed THEN the object has those tags
    bucket.complete_multipart_upload("k", upload_id, [PartInfo(1, part.etag)])
    assert tags_of(bucket, "k") == {"from": "init"}


def test_tagging_one_seeded_object_leaves_its_neighbours_which_share_its_content_untagged(emulator, bucket):
    # GIVEN seeded objects (they share one content record)
    emulator.seed(BUCKET_NAME, counts={"Standard": 3}, prefix="s/")
    first, second = emulator.keys(BUCKET_NAME, "s/")[:2]
    # WHEN one of them is tagged
    bucket.put_object_tagging(first, tagging(t="1"))
    # THEN only that one has the tag, and both keep their bytes
    assert tags_of(bucket, first) == {"t": "1"} and tags_of(bucket, second) == {}
    assert emulator.object_bytes(BUCKET_NAME, first) == emulator.object_bytes(BUCKET_NAME, second)


def test_tags_of_an_older_version_are_read_and_written_by_version_id(emulator, bucket):
    # GIVEN a versioned bucket with two versions of a key, the older one tagged
    bucket.put_bucket_versioning(oss2.models.BucketVersioningConfig("Enabled"))
    old = bucket.put_object("k", b"1", headers={OSS_OBJECT_TAGGING: "v=old"}).versionid
    bucket.put_object("k", b"2")
    # WHEN the tags are read with and without the older version's ID
    # THEN each version has its own
    assert tags_of(bucket, "k", params={"versionId": old}) == {"v": "old"} and tags_of(bucket, "k") == {}
    # AND tags put by version ID land on that version only
    bucket.put_object_tagging("k", tagging(v="older"), params={"versionId": old})
    assert tags_of(bucket, "k", params={"versionId": old}) == {"v": "older"} and tags_of(bucket, "k") == {}


def test_tags_need_their_own_ram_actions(clock):
    # GIVEN an emulator whose RAM hook records what it is asked, with a versioned bucket and a tagged object
    asked: list[tuple[str, str]] = []

    def authorize(access_key_id: str, action: str, resource: str) -> None:
        asked.append((action, resource.rpartition(":")[2]))

    with Emulator(credentials={ACCESS_KEY_ID: ACCESS_KEY_SECRET}, clock=clock, authorize=authorize) as emu:
        emu.create_bucket(BUCKET_NAME)
        emu.set_versioning(BUCKET_NAME, "Enabled")
        b = oss_bucket(emu, BUCKET_NAME)
        version = b.put_object("src", b"1", headers={OSS_OBJECT_TAGGING: "t=1"}).versionid
        b.put_object("plain", b"1")
        asked.clear()
        # WHEN tags are read, put and deleted (by version too), and tagged and untagged objects are copied
        b.get_object_tagging("src")
        b.get_object_tagging("src", params={"versionId": version})
        b.delete_object_tagging("src", params={"versionId": version})
        b.put_object_tagging("src", tagging(t="2"))
        b.copy_object(BUCKET_NAME, "src", "copy")
        b.copy_object(BUCKET_NAME, "plain", "copy2")
        b.put_object("new", b"", headers={OSS_OBJECT_TAGGING: "t=1"})
    # THEN each tagging call is its own action (by version: ...Version...), a copy that carries tags also
    # needs oss:GetObjectTagging on its source and oss:PutObjectTagging on the copy, a copy of an untagged
    # object does not, and a put with tags needs oss:PutObjectTagging
    bucket = f"{BUCKET_NAME}/"
    assert asked == [
        ("oss:GetObjectTagging", bucket + "src"),
        ("oss:GetObjectVersionTagging", bucket + "src"),
        ("oss:DeleteObjectVersionTagging", bucket + "src"),
        ("oss:PutObjectTagging", bucket + "src"),
        ("oss:PutObject", bucket + "copy"),
        ("oss:GetObject", bucket + "src"),
        ("oss:GetObjectTagging", bucket + "src"),
        ("oss:PutObjectTagging", bucket + "copy"),
        ("oss:PutObject", bucket + "copy2"),
        ("oss:GetObject", bucket + "plain"),
        ("oss:PutObject", bucket + "new"),
        ("oss:PutObjectTagging", bucket + "new"),
    ]


def test_a_denied_tagging_permission_refuses_the_copies_that_carry_tags(clock):
    # GIVEN a signer who may do anything but read tags
    def authorize(access_key_id: str, action: str, resource: str) -> None:
        if action == "oss:GetObjectTagging":
            raise PermissionError(action)

    with Emulator(credentials={ACCESS_KEY_ID: ACCESS_KEY_SECRET}, clock=clock, authorize=authorize) as emu:
        emu.create_bucket(BUCKET_NAME)
        b = oss_bucket(emu, BUCKET_NAME)
        b.put_object("src", b"1", headers={OSS_OBJECT_TAGGING: "t=1"})
        # WHEN the tagged object is copied keeping its tags THEN 403 AccessDenied and no copy
        with pytest.raises(oss2.exceptions.AccessDenied):
            b.copy_object(BUCKET_NAME, "src", "copy")
        assert not b.object_exists("copy")
        # AND so is a copy that replaces them with other tags, while one that drops them needs no tag permission
        replace = {OSS_OBJECT_TAGGING_COPY_DIRECTIVE: "Replace"}
        with pytest.raises(oss2.exceptions.AccessDenied):
            b.copy_object(BUCKET_NAME, "src", "copy", headers={**replace, OSS_OBJECT_TAGGING: "t=2"})
        b.copy_object(BUCKET_NAME, "src", "copy", headers=replace)
        assert b.object_exists("copy") and emu.object_tags(BUCKET_NAME, "copy") == {}
