"""Multipart uploads in the emulator, through the real oss2 SDK over HTTP: a generated archive object of more
than 1.5 GB made Standard in place by UploadPartCopy, OSS's part rules (part numbers, sizes, order, ETags),
aborted uploads, listings, and the RAM actions each step needs. Objects of GBs are generated, never held, and
the tests read only CRC headers and a few ranges of them."""

from __future__ import annotations

import hashlib
import re

import oss2
import pytest
from oss2.models import PartInfo

from conftest import ACCESS_KEY_ID, ACCESS_KEY_SECRET, BUCKET_NAME, oss_bucket
from ossemu import ConfigError, Emulator, multipart
from ossemu.crc64 import crc64

MiB = 1024 * 1024
PART = 512 * MiB
SIZE = 3 * PART + 12_345  # more than 1.5 GB; the last part is the odd one
META = {"Content-Type": "application/x-parquet", "x-oss-meta-owner": "ml", "x-oss-meta-run": "2024-06"}
KB100 = 100 * 1024


def generated(emulator: Emulator, key: str, storage_class: str = "Archive", seed: int = 7, size: int = SIZE) -> None:
    emulator.put_generated(
        BUCKET_NAME, key, size, storage_class=storage_class, content_type=META["Content-Type"],
        metadata={"owner": "ml", "run": "2024-06"}, seed=seed, parts=200,
    )  # fmt: skip


def copy_in_parts(bucket: oss2.Bucket, key: str, ranges: list[tuple[int, int]], headers: dict[str, str]) -> None:
    """Initiate, one UploadPartCopy of `key` onto itself per (first, last) byte range, Complete."""
    upload_id = bucket.init_multipart_upload(key, headers=headers).upload_id
    parts = []
    for n, byte_range in enumerate(ranges, start=1):
        result = bucket.upload_part_copy(BUCKET_NAME, key, byte_range, key, upload_id, n)
        parts.append(PartInfo(n, result.etag))
    bucket.complete_multipart_upload(key, upload_id, parts)


def test_a_restored_archive_object_of_over_1_5_gb_is_made_standard_in_place_by_uploadpartcopy(emulator, bucket, clock):
    # GIVEN a generated Archive object of more than 1.5 GB with a Content-Type and metadata, restored, and a
    # Standard twin of the same bytes to compare against
    generated(emulator, "big.parquet")
    generated(emulator, "twin", storage_class="Standard")
    before = bucket.head_object("big.parquet")
    bucket.restore_object("big.parquet")
    clock.advance(3600 * 5)
    # WHEN it is copied onto itself as Standard: Initiate with its Content-Type and metadata, three parts of
    # 512 MiB copied by range (the last one with the odd bytes), Complete
    ranges = [(0, PART - 1), (PART, 2 * PART - 1), (2 * PART, SIZE - 1)]
    copy_in_parts(bucket, "big.parquet", ranges, {**META, "x-oss-storage-class": "Standard"})
    # THEN it is a Standard multipart object of the same length and CRC-64, with its Content-Type and metadata
    head = bucket.head_object("big.parquet")
    assert emulator.stats.get("UploadPartCopy") == 3
    assert head.headers["x-oss-storage-class"] == "Standard" and "x-oss-restore" not in head.headers
    assert head.content_length == before.content_length == SIZE
    assert head.headers["x-oss-hash-crc64ecma"] == before.headers["x-oss-hash-crc64ecma"]
    assert int(head.headers["x-oss-hash-crc64ecma"]) == emulator.object_crc64(BUCKET_NAME, "twin")
    assert re.fullmatch(r"[0-9A-F]{32}-3", head.etag) and head.headers["x-oss-object-type"] == "Multipart"
    assert head.content_type == META["Content-Type"]
    assert (head.headers["x-oss-meta-owner"], head.headers["x-oss-meta-run"]) == ("ml", "2024-06")
    # AND the bytes around every part boundary and at both ends are the source's, at the same offsets
    for start, end in [(0, 99), (PART - 50, PART + 49), (2 * PART - 8, 2 * PART + 7), (SIZE - 100, SIZE - 1)]:
        got = bucket.get_object("big.parquet", byte_range=(start, end)).read()
        assert got == emulator.read_range(BUCKET_NAME, "twin", start, end + 1)
        assert crc64(got) == crc64(emulator.read_range(BUCKET_NAME, "twin", start, end + 1))


def test_a_part_copied_to_the_wrong_offset_changes_the_objects_crc(emulator, bucket):
    # GIVEN a generated Standard object of 3 MiB
    emulator.put_generated(BUCKET_NAME, "src", 3 * MiB, seed=1)
    upload_id = bucket.init_multipart_upload("dst").upload_id
    # WHEN its two halves are copied in swapped order
    half = 3 * MiB // 2
    first = bucket.upload_part_copy(BUCKET_NAME, "src", (half, 3 * MiB - 1), "dst", upload_id, 1)
    second = bucket.upload_part_copy(BUCKET_NAME, "src", (0, half - 1), "dst", upload_id, 2)
    bucket.complete_multipart_upload("dst", upload_id, [PartInfo(1, first.etag), PartInfo(2, second.etag)])
    # THEN the copy is as long as the source but its CRC differs, and its bytes are the swapped halves
    src, dst = bucket.head_object("src"), bucket.head_object("dst")
    assert dst.content_length == src.content_length
    assert dst.headers["x-oss-hash-crc64ecma"] != src.headers["x-oss-hash-crc64ecma"]
    assert bucket.get_object("dst", byte_range=(0, 15)).read() == emulator.read_range(
        BUCKET_NAME, "src", half, half + 16
    )


@pytest.mark.parametrize("storage_class", ["Archive", "ColdArchive"])
def test_uploadpartcopy_of_a_frozen_or_restoring_source_is_refused_with_invalidobjectstate(
    emulator, bucket, storage_class
):
    # GIVEN a frozen archive object of more than 1.5 GB, and one whose restore is still running
    generated(emulator, "frozen", storage_class)
    generated(emulator, "running", storage_class)
    bucket.restore_object("running")
    for key in ("frozen", "running"):
        upload_id = bucket.init_multipart_upload(key).upload_id
        # WHEN a part of it is copied THEN 403 InvalidObjectState, and the upload has no part
        with pytest.raises(oss2.exceptions.ServerError) as e:
            bucket.upload_part_copy(BUCKET_NAME, key, (0, PART - 1), key, upload_id, 1)
        assert (e.value.status, e.value.code) == (403, "InvalidObjectState")
        assert bucket.list_parts(key, upload_id).parts == []


def test_every_part_but_the_last_must_be_at_least_100_kb_when_completed(emulator, bucket):
    # GIVEN an upload whose first part is one byte short of 100 KB (102,400 bytes)
    upload_id = bucket.init_multipart_upload("small").upload_id
    first = bucket.upload_part("small", upload_id, 1, b"a" * (KB100 - 1))
    last = bucket.upload_part("small", upload_id, 2, b"z")
    # WHEN it is completed THEN 400 EntityTooSmall: sizes are checked only now, not at UploadPart
    with pytest.raises(oss2.exceptions.ServerError) as e:
        bucket.complete_multipart_upload("small", upload_id, [PartInfo(1, first.etag), PartInfo(2, last.etag)])
    assert (e.value.status, e.value.code) == (400, "EntityTooSmall")
    # AND with a first part of exactly 100 KB and a 1-byte last part it completes, CRC checked by oss2
    first = bucket.upload_part("small", upload_id, 1, b"a" * KB100)
    parts = [
        PartInfo(1, first.etag, size=KB100, part_crc=first.crc),
        PartInfo(2, last.etag, size=1, part_crc=last.crc),
    ]
    bucket.complete_multipart_upload("small", upload_id, parts)
    assert bucket.get_object("small").read() == b"a" * KB100 + b"z"
    assert multipart.MIN_PART_BYTES == KB100


@pytest.mark.parametrize("number", [0, 10_001])
def test_part_numbers_outside_1_to_10000_are_refused(emulator, bucket, number):
    # GIVEN an upload
    upload_id = bucket.init_multipart_upload("k").upload_id
    # WHEN a part is uploaded with a number outside 1..10000 THEN 400 InvalidArgument naming PartNumber
    with pytest.raises(oss2.exceptions.ServerError) as e:
        bucket.upload_part("k", upload_id, number, b"x")
    assert (e.value.status, e.value.code) == (400, "InvalidArgument")
    assert "between 1 and 10000" in e.value.message
    # AND part 10000 itself is accepted
    assert bucket.upload_part("k", upload_id, 10_000, b"x").etag


def test_parts_listed_out_of_order_or_with_a_wrong_etag_are_refused(emulator, bucket):
    # GIVEN an upload with two parts
    upload_id = bucket.init_multipart_upload("k").upload_id
    one = bucket.upload_part("k", upload_id, 1, b"1" * KB100)
    two = bucket.upload_part("k", upload_id, 2, b"2")
    # WHEN a part is listed twice (oss2 sorts the list, so a repeat is how it sends one out of order)
    with pytest.raises(oss2.exceptions.ServerError) as e:
        bucket.complete_multipart_upload("k", upload_id, [PartInfo(1, one.etag), PartInfo(1, one.etag)])
    # THEN 400 InvalidPartOrder
    assert (e.value.status, e.value.code) == (400, "InvalidPartOrder")
    # AND a descending list, signed and sent by oss2 as it is written, is refused the same way
    xml = (
        f'<CompleteMultipartUpload><Part><PartNumber>2</PartNumber><ETag>"{two.etag}"</ETag></Part>'
        f'<Part><PartNumber>1</PartNumber><ETag>"{one.etag}"</ETag></Part></CompleteMultipartUpload>'
    )
    with pytest.raises(oss2.exceptions.ServerError) as e:
        bucket._do("POST", BUCKET_NAME, "k", params={"uploadId": upload_id}, data=xml)
    assert (e.value.status, e.value.code) == (400, "InvalidPartOrder")
    # AND an ETag that is not the part's, or a part never uploaded, is 400 InvalidPart
    for parts in ([PartInfo(1, one.etag), PartInfo(2, one.etag)], [PartInfo(1, one.etag), PartInfo(3, two.etag)]):
        with pytest.raises(oss2.exceptions.ServerError) as e:
            bucket.complete_multipart_upload("k", upload_id, parts)
        assert (e.value.status, e.value.code) == (400, "InvalidPart")
    assert not bucket.object_exists("k")


def test_an_aborted_upload_is_gone_for_complete_list_and_abort(emulator, bucket):
    # GIVEN an upload with a part, listed among the bucket's uploads
    upload_id = bucket.init_multipart_upload("k").upload_id
    part = bucket.upload_part("k", upload_id, 1, b"x")
    assert [(u.key, u.upload_id) for u in bucket.list_multipart_uploads().upload_list] == [("k", upload_id)]
    # WHEN it is aborted
    bucket.abort_multipart_upload("k", upload_id)
    # THEN Complete, ListParts and a second Abort answer 404 NoSuchUpload, and no upload is listed
    with pytest.raises(oss2.exceptions.NoSuchUpload):
        bucket.complete_multipart_upload("k", upload_id, [PartInfo(1, part.etag)])
    with pytest.raises(oss2.exceptions.NoSuchUpload):
        bucket.list_parts("k", upload_id)
    with pytest.raises(oss2.exceptions.NoSuchUpload):
        bucket.abort_multipart_upload("k", upload_id)
    assert bucket.list_multipart_uploads().upload_list == [] and emulator.multipart_uploads(BUCKET_NAME) == []
    assert not bucket.object_exists("k")


def test_an_upload_id_is_valid_only_for_its_own_key_and_only_until_completed(emulator, bucket):
    # GIVEN an upload of "a", completed
    upload_id = bucket.init_multipart_upload("a").upload_id
    part = bucket.upload_part("a", upload_id, 1, b"x")
    # WHEN its ID is used for another key THEN 404 NoSuchUpload
    with pytest.raises(oss2.exceptions.NoSuchUpload):
        bucket.upload_part("b", upload_id, 1, b"x")
    bucket.complete_multipart_upload("a", upload_id, [PartInfo(1, part.etag)])
    # AND after Complete it names nothing any more
    with pytest.raises(oss2.exceptions.NoSuchUpload):
        bucket.upload_part("a", upload_id, 2, b"x")


def test_a_copy_range_outside_the_source_and_a_part_over_5_gb_are_refused(emulator, bucket):
    # GIVEN a 3 MiB source and a generated 6 GB one made of two parts
    emulator.put_generated(BUCKET_NAME, "src", 3 * MiB)
    emulator.put_generated(BUCKET_NAME, "huge", 6 * 1024**3, parts=2)
    upload_id = bucket.init_multipart_upload("dst").upload_id
    # WHEN a range ends past the source, or starts after its end THEN 400 InvalidArgument
    for byte_range in ((0, 3 * MiB), (3 * MiB, 3 * MiB + 5), (10, 5)):
        with pytest.raises(oss2.exceptions.ServerError) as e:
            bucket.upload_part_copy(BUCKET_NAME, "src", byte_range, "dst", upload_id, 1)
        assert (e.value.status, e.value.code) == (400, "InvalidArgument")
    # AND the whole 6 GB source as one part is over the 5 GB part limit: 400 EntityTooLarge
    with pytest.raises(oss2.exceptions.ServerError) as e:
        bucket.upload_part_copy(BUCKET_NAME, "huge", None, "dst", upload_id, 1)
    assert (e.value.status, e.value.code) == (400, "EntityTooLarge")
    assert bucket.list_parts("dst", upload_id).parts == []


def test_uploaded_parts_are_listed_and_make_the_object_in_part_number_order(emulator, bucket):
    # GIVEN an upload into a versioned bucket with parts 3 and 1 uploaded (numbers need not be consecutive)
    bucket.put_bucket_versioning(oss2.models.BucketVersioningConfig("Enabled"))
    upload_id = bucket.init_multipart_upload("k", headers={"x-oss-storage-class": "IA"}).upload_id
    three = bucket.upload_part("k", upload_id, 3, b"c" * 10)
    one = bucket.upload_part("k", upload_id, 1, b"a" * KB100)
    # WHEN the parts are listed
    listed = bucket.list_parts("k", upload_id).parts
    # THEN they come in part-number order with their sizes and ETags
    assert [(p.part_number, p.size, p.etag) for p in listed] == [(1, KB100, one.etag), (3, 10, three.etag)]
    # AND Complete makes an IA object of the parts in that order, as a new version, its CRC checked by oss2
    result = bucket.complete_multipart_upload(
        "k",
        upload_id,
        [PartInfo(1, one.etag, size=KB100, part_crc=one.crc), PartInfo(3, three.etag, size=10, part_crc=three.crc)],
    )
    assert result.versionid and bucket.get_object("k").read() == b"a" * KB100 + b"c" * 10
    assert bucket.head_object("k").headers["x-oss-storage-class"] == "IA"


def test_a_generated_object_is_read_over_http_as_its_range_reads_and_crc_say(emulator, bucket):
    # GIVEN a generated object of 3 MiB and 5 bytes put as by one PutObject (ETag = MD5 of the bytes)
    emulator.put_generated(BUCKET_NAME, "g", 3 * MiB + 5, seed=42, parts=0)
    # WHEN it is read whole over HTTP (oss2 checks the CRC-64 header against the bytes it receives)
    data = bucket.get_object("g").read()
    # THEN the bytes are the emulator's, the ETag their MD5, the object Normal, and every 8-byte word differs
    # from the one a word later (bytes depend on their offset, inside a block too)
    head = bucket.head_object("g")
    assert data == emulator.read_range(BUCKET_NAME, "g", 0, 3 * MiB + 5) and len(data) == 3 * MiB + 5
    assert head.etag == hashlib.md5(data).hexdigest().upper() and head.headers["x-oss-object-type"] == "Normal"
    assert int(head.headers["x-oss-hash-crc64ecma"]) == crc64(data)
    assert data[:8] != data[8:16] and data[MiB : MiB + 8] != data[:8]


def test_put_generated_refuses_sizes_its_declared_parts_cannot_hold(emulator, bucket):
    with pytest.raises(ConfigError):
        emulator.put_generated(BUCKET_NAME, "k", 11 * 1024**3, parts=2)  # over 2 x 5 GB
    with pytest.raises(ConfigError):
        emulator.put_generated(BUCKET_NAME, "k", 6 * 1024**3, parts=0)  # one PutObject: 5 GB at most
    with pytest.raises(ConfigError):
        emulator.put_generated(BUCKET_NAME, "k", 10, parts=3)  # two parts under 100 KB before the last
    assert emulator.object_bytes(BUCKET_NAME, "k") is None


def test_uploadpartcopy_needs_getobject_on_its_source_and_putobject_on_its_target(clock):
    # GIVEN an emulator whose RAM hook records what it is asked and refuses oss:GetObject on "secret"
    asked: list[tuple[str, str]] = []

    def authorize(access_key_id: str, action: str, resource: str) -> None:
        asked.append((action, resource))
        if action == "oss:GetObject" and resource.endswith("/secret"):
            raise PermissionError(f"{action} on {resource}")

    with Emulator(credentials={ACCESS_KEY_ID: ACCESS_KEY_SECRET}, clock=clock, authorize=authorize) as emu:
        emu.create_bucket(BUCKET_NAME)
        emu.put_generated(BUCKET_NAME, "src", 3 * MiB)
        emu.put_generated(BUCKET_NAME, "secret", 3 * MiB)
        b = oss_bucket(emu, BUCKET_NAME)
        upload_id = b.init_multipart_upload("dst").upload_id
        asked.clear()
        # WHEN a part is copied from "src", the parts listed, and the upload completed
        part = b.upload_part_copy(BUCKET_NAME, "src", (0, MiB - 1), "dst", upload_id, 1)
        b.list_parts("dst", upload_id)
        b.complete_multipart_upload("dst", upload_id, [PartInfo(1, part.etag)])
        # THEN the target is authorized as oss:PutObject and the source as oss:GetObject; ListParts is its own
        assert asked == [
            ("oss:PutObject", f"acs:oss:*::{BUCKET_NAME}/dst"),
            ("oss:GetObject", f"acs:oss:*::{BUCKET_NAME}/src"),
            ("oss:ListParts", f"acs:oss:*::{BUCKET_NAME}/dst"),
            ("oss:PutObject", f"acs:oss:*::{BUCKET_NAME}/dst"),
        ]
        # AND a source the signer may not read is refused with 403 AccessDenied before any part is made
        upload_id = b.init_multipart_upload("dst2").upload_id
        with pytest.raises(oss2.exceptions.AccessDenied):
            b.upload_part_copy(BUCKET_NAME, "secret", (0, MiB - 1), "dst2", upload_id, 1)
        assert b.list_parts("dst2", upload_id).parts == []
        asked.clear()
        b.abort_multipart_upload("dst2", upload_id)
        b.list_multipart_uploads()
    assert asked == [
        ("oss:AbortMultipartUpload", f"acs:oss:*::{BUCKET_NAME}/dst2"),
        ("oss:ListMultipartUploads", f"acs:oss:*::{BUCKET_NAME}"),
    ]


def test_a_bucket_with_an_upload_in_progress_cannot_be_deleted(emulator, bucket):
    # GIVEN an empty bucket with an upload in progress
    upload_id = bucket.init_multipart_upload("k").upload_id
    # WHEN it is deleted THEN 409 BucketNotEmpty; after Abort it can be
    with pytest.raises(oss2.exceptions.BucketNotEmpty):
        bucket.delete_bucket()
    bucket.abort_multipart_upload("k", upload_id)
    bucket.delete_bucket()


def test_uploadpartcopy_reads_the_version_it_names_and_checks_the_conditions_on_its_source(emulator, bucket):
    # GIVEN a versioned bucket where "src" has two versions and a key whose current version is a delete marker
    bucket.put_bucket_versioning(oss2.models.BucketVersioningConfig("Enabled"))
    old = bucket.put_object("src", b"old" * KB100).versionid
    bucket.put_object("src", b"new")
    bucket.put_object("gone", b"x")
    marker = bucket.delete_object("gone").versionid
    upload_id = bucket.init_multipart_upload("dst").upload_id
    # WHEN the older version is copied by its ID
    result = bucket.upload_part_copy(BUCKET_NAME, "src", (0, 5), "dst", upload_id, 1, params={"versionId": old})
    # THEN the part holds that version's bytes and the answer names it
    assert result.headers["x-oss-copy-source-version-id"] == old
    bucket.complete_multipart_upload("dst", upload_id, [PartInfo(1, result.etag)])
    assert bucket.get_object("dst").read() == b"oldold"
    # AND a delete marker is 404 without a version ID and 400 by its ID
    upload_id = bucket.init_multipart_upload("dst").upload_id
    with pytest.raises(oss2.exceptions.NoSuchKey):
        bucket.upload_part_copy(BUCKET_NAME, "gone", None, "dst", upload_id, 1)
    with pytest.raises(oss2.exceptions.ServerError) as e:
        bucket.upload_part_copy(BUCKET_NAME, "gone", None, "dst", upload_id, 1, params={"versionId": marker})
    assert e.value.status == 400
    # AND an x-oss-copy-source-if-match the source's ETag does not match is 412, one it matches copies
    etag = bucket.head_object("src").etag
    with pytest.raises(oss2.exceptions.PreconditionFailed):
        bucket.upload_part_copy(
            BUCKET_NAME, "src", None, "dst", upload_id, 1, headers={"x-oss-copy-source-if-match": '"0BAD"'}
        )
    ok = bucket.upload_part_copy(
        BUCKET_NAME, "src", None, "dst", upload_id, 1, headers={"x-oss-copy-source-if-match": etag}
    )
    assert [(p.part_number, p.size, p.etag) for p in bucket.list_parts("dst", upload_id).parts] == [(1, 3, ok.etag)]


def test_parts_and_uploads_are_listed_a_page_at_a_time_and_by_delimiter(emulator, bucket):
    # GIVEN an upload with parts 1 to 3, and uploads of "logs/a", "logs/b" and "top"
    upload_id = bucket.init_multipart_upload("top").upload_id
    for n in (1, 2, 3):
        bucket.upload_part("top", upload_id, n, b"x" * n)
    for key in ("logs/a", "logs/b"):
        bucket.init_multipart_upload(key)
    # WHEN the parts are listed two at a time
    first = bucket.list_parts("top", upload_id, max_parts=2)
    rest = bucket.list_parts("top", upload_id, marker=first.next_marker, max_parts=2)
    # THEN the first page ends truncated at part 2 and the next one holds part 3
    assert [p.part_number for p in first.parts] == [1, 2] and first.is_truncated and first.next_marker == "2"
    assert [p.part_number for p in rest.parts] == [3] and not rest.is_truncated
    # AND uploads listed by "/" group "logs/" as a common prefix, and one at a time they page by key
    grouped = bucket.list_multipart_uploads(delimiter="/")
    assert grouped.prefix_list == ["logs/"] and [u.key for u in grouped.upload_list] == ["top"]
    page = bucket.list_multipart_uploads(max_uploads=1)
    after = bucket.list_multipart_uploads(key_marker=page.next_key_marker, upload_id_marker=page.next_upload_id_marker)
    assert [u.key for u in page.upload_list] == ["logs/a"] and page.is_truncated
    assert [u.key for u in after.upload_list] == ["logs/b", "top"] and not after.is_truncated
