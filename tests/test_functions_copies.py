"""The confirm scan's conversions and copies as the flows call the handlers, on every FC runtime: the expiry
guard, a retried scan that converts nothing twice, a manifest's copies checked at the target one by one."""

from __future__ import annotations

import time
from typing import Any

import oss2
import pytest

from conftest import BUCKET_NAME, oss_bucket
from ossemu import ManualClock
from shard_calls import drive, report_lines, settings

REPORT = f"oss://{BUCKET_NAME}/reports/copies/"
DAY = 86400.0
ARCHIVE_RESTORE = 3600.0  # the emulator's realistic Archive restore
# The emulator's clock starts this far behind the wall clock (the handlers judge expiries by the wall clock), so
# that an object restored for a day at the start, once readable, has half an hour of its restored copy left:
# less than the hour the expiry guard gives a copy.
BEHIND = ARCHIVE_RESTORE + DAY - 1800.0


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start=time.time() - BEHIND)


def put(bucket: oss2.Bucket, key: str, storage_class: str, data: bytes = b"payload") -> str:
    return bucket.put_object(
        key, data, headers={"x-oss-storage-class": storage_class, "Content-Type": "text/plain", "x-oss-meta-team": "ml"}
    ).etag


def finish_restores(emulator):
    def between(_round: int) -> None:
        for key in emulator.keys(BUCKET_NAME):
            if emulator.restore_state(BUCKET_NAME, key) == "restoring":
                emulator.finish_restore(BUCKET_NAME, key)

    return between


def test_a_restored_copy_about_to_expire_is_extended_before_it_is_converted(emulator, bucket, clock, fc_runtime):
    # GIVEN an Archive object restored for a day, readable now with half an hour of its copy left, and a fresh one
    etag = put(bucket, "data/old", "Archive")
    bucket.restore_object("data/old")
    clock.advance(ARCHIVE_RESTORE)
    put(bucket, "data/new", "ColdArchive")
    # WHEN a run restores for three days and converts them to Standard
    run = drive(
        settings(emulator, prefix="data/", days=3, convertTo="Standard", reportUrl=REPORT),
        runtime=fc_runtime,
        between=finish_restores(emulator),
    )
    # THEN the old one's restore was extended first (one RestoreObject answered 200), then it was converted
    assert emulator.stats.get("RestoreObject:200") == 1
    head = bucket.head_object("data/old")
    assert (head.headers["x-oss-storage-class"], head.etag, head.headers["x-oss-meta-team"]) == ("Standard", etag, "ml")
    lines = {line["key"]: line for line in report_lines(bucket, REPORT)}
    assert lines["data/old"]["outcome"] == "converted"
    assert "extended by 3 day(s) first" in lines["data/old"]["reason"]
    # AND the fresh one, restored by the run with a day ahead of it, was converted without an extension
    assert lines["data/new"]["outcome"] == "converted" and "extended" not in lines["data/new"]["reason"]
    assert bucket.head_object("data/new").headers["x-oss-storage-class"] == "Standard"
    assert run.summary is not None and run.summary["byOutcome"]["converted"] == 2


class EveryScanTwice:
    """The runtime, with each confirm scan's first attempt lost after it ran (the step is retried)."""

    def __init__(self, runtime: Any) -> None:
        self.runtime = runtime

    def invoke(self, module: str, body: bytes, context: Any) -> bytes:
        if module == "restore_status":
            self.runtime.invoke(module, body, context)
        return self.runtime.invoke(module, body, context)


def test_a_retried_scan_converts_nothing_twice_and_still_reports_each_object(emulator, bucket, fc_runtime):
    # GIVEN archive objects of two classes
    keys = [f"data/{i}" for i in range(6)]
    for i, key in enumerate(keys):
        put(bucket, key, ("Archive", "ColdArchive")[i % 2])
    # WHEN a run of those two classes converts them to IA, and every confirm scan's first attempt is lost after it ran
    run = drive(
        settings(emulator, prefix="data/", storageClass=["Archive", "ColdArchive"], convertTo="IA", reportUrl=REPORT),
        runtime=EveryScanTwice(fc_runtime),
        between=finish_restores(emulator),
    )
    # THEN each object was copied once, is IA, and is reported converted once
    assert emulator.stats.get("CopyObject") == len(keys)
    assert {bucket.head_object(k).headers["x-oss-storage-class"] for k in keys} == {"IA"}
    lines = report_lines(bucket, REPORT)
    assert sorted(line["key"] for line in lines) == keys
    assert {line["outcome"] for line in lines} == {"converted"}
    assert run.summary is not None and run.summary["byOutcome"]["converted"] == len(keys)


def test_a_manifests_copies_are_looked_for_at_the_target_one_by_one(emulator, bucket, fc_runtime, tmp_path):
    # GIVEN a manifest naming three Cold Archive objects, one of which is already at the target
    emulator.create_bucket("copy-target")
    target = oss_bucket(emulator, "copy-target")
    for key in ("m/a", "m/b", "m/c"):
        put(bucket, key, "ColdArchive", key.encode())
    target.put_object("out/m/b", b"m/b")
    bucket.put_object("lists/manifest.csv", "".join(f"{BUCKET_NAME},{k}\n" for k in ("m/a", "m/b", "m/c")))
    # WHEN a run restores what the manifest names and copies it to the target
    run = drive(
        settings(
            emulator, manifest=f"oss://{BUCKET_NAME}/lists/manifest.csv", copyTo="oss://copy-target/out/",
            reportUrl=REPORT,
        ),
        runtime=fc_runtime,
        between=finish_restores(emulator),
    )  # fmt: skip
    # THEN the two missing ones are restored and copied; the one already there (same bytes, same ETag) is neither
    assert emulator.stats.get("CopyObject") == 2 and emulator.stats.get("RestoreObject:202") == 2
    assert emulator.restore_state(BUCKET_NAME, "m/b") == "frozen"
    assert {o.key for o in oss2.ObjectIterator(target)} == {"out/m/a", "out/m/b", "out/m/c"}
    lines = {line["key"]: line for line in report_lines(bucket, REPORT)}
    assert {k: lines[k]["outcome"] for k in ("m/a", "m/b", "m/c")} == dict.fromkeys(("m/a", "m/b", "m/c"), "copied")
    assert "not restored or copied again" in lines["m/b"]["reason"]
    assert lines["m/a"]["copy"] == "oss://copy-target/out/m/a"
    assert run.summary is not None and run.summary["verdict"] == "success"


def test_an_object_above_copyobjects_limit_is_converted_by_a_multipart_copy_bytes_identical(
    emulator, bucket, fc_runtime
):
    # GIVEN a 1.5 GiB Archive object (generated bytes) with a Content-Type, user metadata and tags
    size = 3 * 512 * 1024**2 + 12345
    emulator.put_generated(
        BUCKET_NAME, "big/model.bin", size, storage_class="Archive", content_type="application/x-model",
        metadata={"team": "ml"}, tags={"project": "p1"}, seed=7,
    )  # fmt: skip
    crc = emulator.object_crc64(BUCKET_NAME, "big/model.bin")
    part = 128 * 1024**2
    offsets = [0, part - 8, part, 5 * part + 3, size - 16]
    before = [emulator.read_range(BUCKET_NAME, "big/model.bin", at, at + 16) for at in offsets]
    # WHEN a run restores it and converts it to Standard
    run = drive(
        settings(emulator, prefix="big/", convertTo="Standard", reportUrl=REPORT),
        runtime=fc_runtime,
        between=finish_restores(emulator),
    )
    # THEN no CopyObject was tried (OSS refuses 1 GB and more): a multipart copy of 13 parts of 128 MiB made it
    assert emulator.stats.get("attempt:CopyObject") == 0
    assert emulator.stats.get("UploadPartCopy:200") == -(-size // part)
    assert emulator.stats.get("CompleteMultipartUpload:200") == 1 and emulator.multipart_uploads(BUCKET_NAME) == []
    # AND it is Standard with the same bytes (CRC-64 and the bytes at and around part boundaries), type, metadata, tags
    head = bucket.head_object("big/model.bin")
    assert head.headers["x-oss-storage-class"] == "Standard" and head.content_length == size
    assert emulator.object_crc64(BUCKET_NAME, "big/model.bin") == crc
    assert [emulator.read_range(BUCKET_NAME, "big/model.bin", at, at + 16) for at in offsets] == before
    assert (head.content_type, head.headers["x-oss-meta-team"]) == ("application/x-model", "ml")
    assert emulator.object_tags(BUCKET_NAME, "big/model.bin") == {"project": "p1"}
    (line,) = report_lines(bucket, REPORT)
    assert line["outcome"] == "converted" and line["copyEtag"] == head.etag and head.etag.endswith("-13")
    assert run.summary is not None and run.summary["verdict"] == "success"


def test_a_multipart_copy_cut_short_by_its_time_resumes_where_it_stopped(emulator, bucket):
    # GIVEN a 1.1 GB Cold Archive object (9 parts) and a budget of 3 requests a second, so a 3-second scan
    # can copy only some of its parts
    size = 8 * 128 * 1024**2 + 999
    emulator.put_generated(BUCKET_NAME, "big/cut.bin", size, storage_class="ColdArchive", seed=3)
    crc = emulator.object_crc64(BUCKET_NAME, "big/cut.bin")
    # WHEN a run converts it, each scan working 3 seconds
    run = drive(
        settings(emulator, prefix="big/", convertTo="IA", maxRequestsPerSecond=3, reportUrl=REPORT),
        between=finish_restores(emulator),
        seconds=3,
    )
    # THEN more than one scan worked on it, yet one upload was made and each part copied once
    assert emulator.stats.get("ListParts") >= 1
    assert emulator.stats.get("InitiateMultipartUpload") == 1
    assert emulator.stats.get("UploadPartCopy:200") == 9
    assert emulator.stats.get("AbortMultipartUpload") == 0 and emulator.multipart_uploads(BUCKET_NAME) == []
    assert emulator.object_crc64(BUCKET_NAME, "big/cut.bin") == crc
    assert bucket.head_object("big/cut.bin").headers["x-oss-storage-class"] == "IA"
    assert run.summary is not None and run.summary["byOutcome"]["converted"] == 1


def test_a_version_a_manifest_names_is_restored_but_not_converted_over_the_current_one(emulator, bucket, clock):
    # GIVEN a versioned bucket where a key has two archived versions, and a manifest naming the older one
    emulator.set_versioning(BUCKET_NAME, "Enabled")
    older = bucket.put_object("v/k", b"old", headers={"x-oss-storage-class": "Archive"}).versionid
    newer = bucket.put_object("v/k", b"new", headers={"x-oss-storage-class": "Archive"}).versionid
    bucket.put_object("lists/versions.csv", f"{BUCKET_NAME},v/k,{older}\n")
    # WHEN a run restores what the manifest names and converts it to Standard
    run = drive(
        settings(emulator, manifest=f"oss://{BUCKET_NAME}/lists/versions.csv", convertTo="Standard", reportUrl=REPORT),
        between=lambda _round: clock.advance(2 * ARCHIVE_RESTORE),  # the version's restore ends
    )
    # THEN the older version is restored, nothing is copied, and the current version is still the newer one
    assert emulator.stats.get("attempt:CopyObject") == 0
    assert emulator.restore_state(BUCKET_NAME, "v/k", older) == "restored"
    current = bucket.head_object("v/k")
    assert (current.versionid, current.headers["x-oss-storage-class"]) == (newer, "Archive")
    (line,) = report_lines(bucket, REPORT)
    assert line["outcome"] == "restored" and "not converted in place" in line["reason"]
    assert run.summary is not None and run.summary["verdict"] == "success"
