"""The restoreStatus handler in its three modes, with the real oss2 SDK against the OSS emulator."""
from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from fc_runtimes import InProcess
from ossemu import Faults
from restore_core import listing
from restore_core.errors import OSSAccessDenied

EVENTS = Path(__file__).parent / "events"
BUCKET = "test-bucket"
CONTEXT = SimpleNamespace(credentials=SimpleNamespace(access_key_id="test-ak", access_key_secret="test-secret", security_token=None))


def invoke(emulator, name, context=CONTEXT, runtime=InProcess(), **fields):
    """The handler as FC calls it, in `runtime` (this process unless a test's fc_runtime says otherwise)."""
    doc = json.loads((EVENTS / name).read_text())
    event = json.dumps({**doc, "endpoint": emulator.endpoint, **fields}).encode()
    return json.loads(runtime.invoke("restore_status", event, context))


def put(emulator, *keys, storage_class="ColdArchive"):
    for key in keys:
        emulator.put_object(BUCKET, key, b"", storage_class=storage_class)


def test_keys_mode_follows_a_restore_to_success(emulator, bucket, fc_runtime):
    # GIVEN two objects whose restores were requested
    put(emulator, "a", "c")
    bucket.restore_object("a")
    bucket.restore_object("c")
    # WHEN polled while restoring, then after both finished
    running = invoke(emulator, "restore_status_keys.json", runtime=fc_runtime)
    emulator.finish_restore(BUCKET, "a")
    emulator.finish_restore(BUCKET, "c")
    done = invoke(emulator, "restore_status_keys.json", runtime=fc_runtime, polls=running["polls"])
    # THEN running, then success, one HEAD per key per poll
    assert (running["status"], running["restoring"]) == ("running", 2)
    assert (done["status"], done["readable"], done["polls"]) == ("success", 2, 2)
    assert emulator.stats.get("HeadObject") == 4


def test_keys_mode_counts_missing_and_frozen_as_failed(emulator, bucket):
    put(emulator, "frozen")
    put(emulator, "plain", storage_class="Standard")
    out = invoke(emulator, "restore_status_keys.json", keys=["frozen", "plain", "gone"])
    assert (out["status"], out["readable"], out["failed"]) == ("failed", 1, 2)
    assert out["failedKeys"] == [{"key": "gone", "reason": "NoSuchKey"}, {"key": "frozen", "reason": "NotRestored"}]


def test_group_mode_lists_instead_of_heads(emulator, bucket, fc_runtime):
    # GIVEN a page of 300 objects, 200 of them in the groups asked about, all requested
    emulator.seed(BUCKET, counts={"Archive": 200, "Standard": 100})
    archive = [k for k in emulator.keys(BUCKET) if emulator.storage_class(BUCKET, k) == "Archive"]
    for key in archive:
        bucket.restore_object(key)
    groups = [{"Archive": archive[i:i + 50]} for i in range(0, 200, 50)]
    before = emulator.stats.get("ListObjects")
    # WHEN polled before and after the restores finish
    running = invoke(emulator, "restore_status_group.json", runtime=fc_runtime, filesGroup=groups)
    for key in archive[:-1]:
        emulator.finish_restore(BUCKET, key)
    still = invoke(emulator, "restore_status_group.json", runtime=fc_runtime, filesGroup=groups)
    emulator.finish_restore(BUCKET, archive[-1])
    done = invoke(emulator, "restore_status_group.json", runtime=fc_runtime, filesGroup=groups)
    # THEN one listing request per poll and no HEAD at all
    assert [o["status"] for o in (running, still, done)] == ["running", "running", "success"]
    assert (still["readable"], still["restoring"], done["readable"]) == (199, 1, 200)
    assert emulator.stats.get("ListObjects") - before == 3 and emulator.stats.get("HeadObject") == 0


def test_group_mode_reports_keys_deleted_since_listing(emulator, bucket):
    put(emulator, "a", "b")
    bucket.restore_object("a")
    emulator.finish_restore(BUCKET, "a")
    out = invoke(emulator, "restore_status_group.json", filesGroup=[{"ColdArchive": ["a", "b", "zz"]}], pageMarker="")
    assert out["status"] == "failed"
    assert {f["key"]: f["reason"] for f in out["failedKeys"]} == {"b": "NotRestored", "zz": "NoSuchKey"}


def test_group_mode_counts_a_key_given_twice_twice(emulator, bucket):
    # GIVEN a readable key and a restoring key, each named twice in the group, and a missing key named twice
    put(emulator, "a", "b")
    bucket.restore_object("a")
    emulator.finish_restore(BUCKET, "a")
    bucket.restore_object("b")
    group = {"ColdArchive": ["a", "b", "a", "b", "zz", "zz"]}
    # WHEN polled in group mode
    out = invoke(emulator, "restore_status_group.json", filesGroup=[group], pageMarker="")
    # THEN every entry is counted, as keys mode (one HEAD per entry) counts it
    keys = invoke(emulator, "restore_status_keys.json", keys=group["ColdArchive"])
    assert (out["readable"], out["restoring"], out["failed"]) == (2, 2, 2)
    assert (keys["readable"], keys["restoring"], keys["failed"]) == (2, 2, 2)


def test_scan_rerequests_frozen_and_expired_objects(emulator, bucket, fc_runtime):
    # GIVEN one restored, one expired, one never requested and one Standard object
    put(emulator, "1-restored", "2-expired", "3-frozen")
    put(emulator, "0-plain", storage_class="Standard")
    for key in ("1-restored", "2-expired"):
        bucket.restore_object(key)
        emulator.finish_restore(BUCKET, key)
    emulator.expire_restore(BUCKET, "2-expired")
    # WHEN the confirm phase scans with rerequest
    out = invoke(emulator, "restore_status_scan.json", runtime=fc_runtime, days=30, tier="Expedited")
    # THEN the frozen ones are requested again and the marker stops before the first unreadable one
    assert (out["status"], out["readable"], out["restoring"], out["rerequested"]) == ("running", 1, 2, 2)
    assert out["rerequestedKeys"] == [{"key": "2-expired", "status": 202}, {"key": "3-frozen", "status": 202}]
    assert out["statusMarker"] == "1-restored"
    assert emulator.restore_state(BUCKET, "3-frozen") == "restoring"
    assert out["nextExecutionName"].startswith("restore-run-1--")
    assert (out["archiveDirectRead"], out["warnings"]) == ("off", [])


def test_scan_of_a_direct_read_bucket_counts_archive_readable_and_rerequests_the_colder(emulator, bucket, fc_runtime):
    # GIVEN a bucket with archive direct read holding frozen Archive and Cold Archive objects
    put(emulator, "a-archive", storage_class="Archive")
    put(emulator, "b-cold")
    bucket.put_bucket_archive_direct_read(True)
    # WHEN the confirm phase scans with rerequest (on FC python3.10 too)
    out = invoke(emulator, "restore_status_scan.json", runtime=fc_runtime)
    # THEN the Archive object is readable as it is, and only the Cold Archive one is requested
    assert (out["readable"], out["restoring"], out["rerequested"]) == (1, 1, 1)
    assert out["rerequestedKeys"] == [{"key": "b-cold", "status": 202}]
    assert emulator.restore_state(BUCKET, "a-archive") != "restoring" and emulator.stats.get("RestoreObject") == 1
    assert (out["archiveDirectRead"], out["warnings"]) == ("on", [])


def test_scan_without_rerequest_fails_on_frozen_objects(emulator, bucket):
    put(emulator, "a", "b")
    bucket.restore_object("a")
    emulator.finish_restore(BUCKET, "a")
    out = invoke(emulator, "restore_status_scan.json", rerequest=False)
    assert (out["status"], out["failedKeys"]) == ("failed", [{"key": "b", "reason": "NotRestored"}])


def test_scan_pages_resume_from_the_status_marker(emulator, bucket):
    # GIVEN 2,500 Standard objects then a restored archive one, and two 1,000-key pages per call
    emulator.seed(BUCKET, counts={"Standard": 2500})
    put(emulator, "zz-restored")
    bucket.restore_object("zz-restored")
    emulator.finish_restore(BUCKET, "zz-restored")
    keys = emulator.keys(BUCKET)
    first = invoke(emulator, "restore_status_scan.json", maxPages=2)
    second = invoke(emulator, "restore_status_scan.json", maxPages=2, statusMarker=first["statusMarker"], polls=1)
    # THEN the first call is running at key 2,000 and the second finishes from there
    assert (first["status"], first["statusMarker"], first["readable"]) == ("running", keys[1999], 0)
    assert (second["status"], second["statusMarker"], second["readable"]) == ("success", "zz-restored", 1)


def test_scan_never_goes_before_the_run_marker(emulator, bucket):
    put(emulator, "a-frozen-before-scope", "m-restoring")
    bucket.restore_object("m-restoring")
    out = invoke(emulator, "restore_status_scan.json", marker="b", rerequest=False)
    assert (out["status"], out["restoring"], out["failed"]) == ("running", 1, 0)


def test_scan_hands_over_after_polls_per_execution(emulator, bucket):
    put(emulator, "a")
    bucket.restore_object("a")
    out = invoke(emulator, "restore_status_scan.json", polls=4, pollsPerExecution=5)
    assert (out["status"], out["polls"], out["handOver"]) == ("running", 5, "true")


def test_scan_with_the_oss2_216_fallback(emulator, bucket, monkeypatch):
    put(emulator, "a", "b")
    bucket.restore_object("a")
    monkeypatch.setattr(listing, "SDK_PARSES_RESTORE_INFO", False)
    out = invoke(emulator, "restore_status_scan.json", rerequest=False)
    assert (out["status"], out["restoring"], out["failed"]) == ("running", 1, 1)


def test_status_polls_survive_injected_faults(emulator, bucket):
    put(emulator, "a", "c")
    emulator.set_faults(Faults(rate=0.3, seed=5))
    out = invoke(emulator, "restore_status_scan.json")
    emulator.set_faults(Faults())
    assert out["restoring"] + out["readable"] == 2
    assert all(emulator.restore_state(BUCKET, k) != "frozen" for k in ("a", "c"))


def test_head_with_a_wrong_secret_is_access_denied(emulator, bucket):
    put(emulator, "a")
    wrong = SimpleNamespace(credentials=SimpleNamespace(access_key_id="test-ak", access_key_secret="bad", security_token=None))
    with pytest.raises(OSSAccessDenied):
        invoke(emulator, "restore_status_keys.json", context=wrong, keys=["a"])


def test_scan_leaves_filtered_objects_alone(emulator, bucket, fc_runtime):
    # GIVEN frozen objects, some of which the run's filters leave out
    put(emulator, "keep/1", "keep/2.tmp", "other/3")
    put(emulator, "keep/4", storage_class="Archive")
    for key in ("keep/1",):
        bucket.restore_object(key)
        emulator.finish_restore(BUCKET, key)
    # WHEN the confirm phase scans with the same filters
    out = invoke(emulator, "restore_status_scan.json", runtime=fc_runtime, include=["keep/**"], exclude=["**.tmp"],
                 storageClass=["ColdArchive"])
    # THEN the left-out objects are neither counted, waited for nor requested again: the scan succeeds
    assert (out["status"], out["readable"], out["restoring"], out["rerequested"], out["failed"]) == ("success", 1, 0, 0, 0)
    assert out["confirmed"] == 1
    for key in ("keep/2.tmp", "other/3", "keep/4"):
        assert emulator.restore_state(BUCKET, key) == "frozen"
