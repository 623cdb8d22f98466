"""The listArchiveFiles handler with the real oss2 SDK against the OSS emulator."""
from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import oss2
import pytest

from fc_runtimes import InProcess
from ossemu import Faults
from restore_core import client, inputs, keypack, listing
from restore_core.errors import InvalidParameter, OSSAccessDenied, OSSUnavailable
from restore_core.list_task import list_archive_files as list_plain

EVENTS = Path(__file__).parent / "events"
BUCKET = "test-bucket"
CONTEXT = SimpleNamespace(credentials=SimpleNamespace(access_key_id="test-ak", access_key_secret="test-secret", security_token=None))
ARCHIVE_CLASSES = ("Archive", "ColdArchive", "DeepColdArchive")


def invoke(emulator, context=CONTEXT, runtime=InProcess(), **fields):
    """The handler as FC calls it, in `runtime` (this process unless a test's fc_runtime says otherwise)."""
    doc = json.loads((EVENTS / "list_archive_files.json").read_text())
    event = json.dumps({**doc, "endpoint": emulator.endpoint, **fields}).encode()
    return json.loads(runtime.invoke("list_archive_files", event, context))


def list_all(emulator, runtime=InProcess(), **fields):
    """Page through as the main flow does: marker and pages carried until end == "true"."""
    outputs, marker, pages = [], fields.pop("marker", ""), 0
    while True:
        out = invoke(emulator, runtime=runtime, marker=marker, pages=pages, **fields)
        outputs.append(out)
        if out["end"] == "true":
            return outputs
        marker, pages = out["marker"], out["pages"]


def groups(out):
    """The output's groups with their keys unpacked (listArchiveFiles packs each class's keys)."""
    return [{cls: keypack.unpack(packed, "files") for cls, packed in group.items()} for group in out["filesGroup"]]


def listed_keys(outputs):
    return [k for out in outputs for group in groups(out) for keys in group.values() for k in keys]


def test_mixed_classes_are_filtered_grouped_and_counted(emulator, bucket, fc_runtime):
    # GIVEN every storage class, one Archive object restored and one ColdArchive restoring
    for i, cls in enumerate(["Standard", "IA", *ARCHIVE_CLASSES, "Archive", "ColdArchive"]):
        emulator.put_object(BUCKET, f"k{i}", b"", storage_class=cls)
    bucket.restore_object("k5")
    emulator.finish_restore(BUCKET, "k5")
    bucket.restore_object("k6")
    # WHEN listed in groups of two (restore states read from the XML where the runtime's oss2 drops them)
    (out,) = list_all(emulator, fc_runtime, groupSize=2)
    # THEN readable objects are skipped, groups follow listing order by class, and the ongoing restore
    # is not requested again but named, so that the run confirms it
    assert groups(out) == [{"Archive": ["k2"], "ColdArchive": ["k3"]}, {"DeepColdArchive": ["k4"]}]
    assert [list(g) for g in out["filesGroup"]] == [["Archive", "ColdArchive"], ["DeepColdArchive"]]
    assert out["skipped"] == {"notArchived": 2, "alreadyRestored": 1, "archiveDirectRead": 0, "restoreInProgress": 1,
                              "filtered": 0}
    assert out["inProgressKeys"] == ["k6"]
    assert (out["archiveFilesCount"], out["listedCount"], out["end"], out["empty"], out["marker"]) == (3, 7, "true", "false", "")
    assert (out["archiveDirectRead"], out["warnings"]) == ("off", [])


@pytest.mark.parametrize("count", [0, 1, 9, 10, 11, 20, 21])
def test_page_boundaries_lose_and_repeat_nothing(emulator, bucket, count):
    # GIVEN count archive objects and 10 keys per page
    emulator.seed(BUCKET, counts={"Archive": count} if count else {"Standard": 1})
    outputs = list_all(emulator, maxKeys=10)
    # THEN every key is listed exactly once and pages count the calls
    assert listed_keys(outputs) == [k for k in emulator.keys(BUCKET) if count]
    assert outputs[-1]["pages"] == len(outputs) and outputs[-1]["marker"] == ""
    assert all(o["empty"] == ("false" if o["filesGroup"] else "true") for o in outputs)


def test_the_prefix_limits_the_listing(emulator, bucket):
    emulator.seed(BUCKET, counts={"Archive": 3}, prefix="in/")
    emulator.seed(BUCKET, counts={"Archive": 3}, prefix="out/")
    assert listed_keys(list_all(emulator, prefix="in/")) == emulator.keys(BUCKET, "in/")


@pytest.mark.parametrize(("invocations", "cuts"), [
    (None, [49, 49, 49, 49, 49, 5]),  # the default 50: the listing call beside a batch of 49 restore invocations
    (11, [10] * 25),
    (1000, [100, 100, 50]),  # past 101, a foreach's 100 items bind
])
def test_a_page_is_cut_at_the_batchs_groups_and_resumed_after_the_last_key(emulator, bucket, invocations, cuts):
    # GIVEN 250 objects, one per group WHEN listed with the run's maxConcurrentInvocations
    emulator.seed(BUCKET, counts={"ColdArchive": 250})
    outputs = list_all(emulator, maxKeys=1000, **({} if invocations is None else {"maxConcurrentInvocations": invocations}))
    # THEN each call holds at most that many minus one groups (and 100), and resumes after the last key it took
    assert [len(o["filesGroup"]) for o in outputs] == cuts
    assert outputs[0]["marker"] == emulator.keys(BUCKET)[cuts[0] - 1] and outputs[0]["end"] == "false"
    assert listed_keys(outputs) == emulator.keys(BUCKET)


def test_long_keys_cut_the_page_to_12_kib(emulator, bucket):
    keys = [f"{i:03d}" + "é" * 500 for i in range(60)]
    for key in keys:
        emulator.put_object(BUCKET, key, b"", storage_class="DeepColdArchive")
    outputs = list_all(emulator, maxKeys=100, groupSize=1000)
    assert len(outputs) > 1
    assert all(len(json.dumps(o, ensure_ascii=False, separators=(",", ":")).encode()) <= 12 * 1024 for o in outputs)
    assert listed_keys(outputs) == keys


def test_awkward_keys_are_listed_decoded(emulator, bucket, fc_runtime):
    keys = sorted(["a b", "a+b", "100%", "x#y", "q?", "ü/中文", "k" * 1000], key=lambda k: k.encode())
    for key in keys:
        emulator.put_object(BUCKET, key, b"", storage_class="Archive")
    assert listed_keys(list_all(emulator, fc_runtime, maxKeys=2)) == keys


def test_oss2_216_fallback_reads_restore_info_from_the_xml(emulator, bucket, monkeypatch):
    # GIVEN oss2 as in FC python3.10, whose listing drops RestoreInfo
    emulator.seed(BUCKET, counts={"Archive": 4, "Standard": 1})
    first, *_ = emulator.keys(BUCKET)
    bucket.restore_object(first)
    emulator.finish_restore(BUCKET, first)
    sdk = invoke(emulator)
    monkeypatch.setattr(listing, "SDK_PARSES_RESTORE_INFO", False)
    # WHEN the handler lists with the fallback THEN it sees the same states as the SDK path
    assert invoke(emulator) == sdk and sdk["skipped"] == {
        "notArchived": 1,
        "alreadyRestored": 1,
        "archiveDirectRead": 0,
        "restoreInProgress": 0,
        "filtered": 0,
    }


def test_continue_as_new_fields(emulator, bucket):
    emulator.seed(BUCKET, counts={"Archive": 5})
    one_page = {"maxKeys": 2, "pagesPerExecution": 2, "waitPerBatch": True}
    first = invoke(emulator, pages=0, **one_page)
    second = invoke(emulator, pages=1, marker=first["marker"], **one_page)
    assert (first["handOver"], second["handOver"], second["pages"]) == ("false", "true", 2)
    assert second["nextExecutionName"].startswith("restore-run-1--")
    assert second["nextExecutionName"] == invoke(emulator, pages=1, marker=first["marker"], **one_page)["nextExecutionName"]
    assert (first["pollInterval"], first["waitPerBatch"]) == (10, "true")


def test_pipelined_calls_read_on_until_the_foreach_is_full_and_per_batch_calls_read_one_page(emulator, bucket):
    # GIVEN 250 archive objects behind pages of 20 keys
    emulator.seed(BUCKET, counts={"Archive": 250, "Standard": 30})
    # WHEN listed pipelined with one key per group, a run of up to 101 invocations at once
    out = invoke(emulator, maxKeys=20, groupSize=1, waitPerBatch=False, maxConcurrentInvocations=101)
    # THEN one call reads pages until it holds the foreach's 100 groups, and resumes after the last key taken
    assert len(out["filesGroup"]) == 100 and out["end"] == "false"
    taken = [k for g in groups(out) for k in g["Archive"]]
    assert out["marker"] == taken[-1]
    assert emulator.stats.get("ListObjects") > 1
    # AND waiting per batch, a call reads exactly one page
    emulator.stats.reset()
    single = invoke(emulator, maxKeys=20, groupSize=1, waitPerBatch=True)
    assert single["archiveFilesCount"] + single["skipped"]["notArchived"] == 20
    assert emulator.stats.get("ListObjects") == 1
    # AND pipelined paging from start to end still sees every object exactly once
    listed = [k for o in list_all(emulator, maxKeys=20, groupSize=3) for g in groups(o) for k in g["Archive"]]
    assert len(listed) == len(set(listed)) == 250


def test_transient_listing_faults_are_retried(emulator, bucket):
    emulator.seed(BUCKET, counts={"Archive": 30})
    emulator.set_faults(Faults(rate=0.5, seed=3))
    req = inputs.list_request({"endpoint": emulator.endpoint, "bucketName": BUCKET})
    out = list_plain(bucket, req, sleep=lambda s: None)
    assert out["archiveFilesCount"] == 30


def test_persistent_listing_faults_raise_oss_unavailable(emulator, bucket):
    emulator.set_faults(Faults(rate=1.0, kinds=("500",)))
    req = inputs.list_request({"endpoint": emulator.endpoint, "bucketName": BUCKET})
    with pytest.raises(OSSUnavailable, match="HTTP 500 InternalError"):
        list_plain(bucket, req, sleep=lambda s: None)


def test_listing_with_a_wrong_key_is_access_denied(emulator, bucket):
    wrong = SimpleNamespace(credentials=SimpleNamespace(access_key_id="other", access_key_secret="x", security_token=None))
    with pytest.raises(OSSAccessDenied, match="InvalidAccessKeyId"):
        invoke(emulator, context=wrong)


def test_a_missing_bucket_names_the_field(emulator):
    with pytest.raises(InvalidParameter) as caught:
        invoke(emulator, bucketName="no-such-bucket")
    assert caught.value.field == "bucketName"


def test_missing_credentials_are_reported(emulator, bucket, monkeypatch):
    for name in ("ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(InvalidParameter, match="no credentials") as caught:
        invoke(emulator, context=SimpleNamespace())
    assert caught.value.field == "credentials"


def test_bad_input_names_the_field(emulator):
    with pytest.raises(InvalidParameter, match=r"^maxKeys must be an integer from 1 to 1000 \(got 0\)$"):
        invoke(emulator, maxKeys=0)


def test_archive_objects_of_a_bucket_with_archive_direct_read_are_not_restored(emulator, bucket, fc_runtime):
    # GIVEN a bucket whose Archive objects GetObject already reads without a restore
    emulator.seed(BUCKET, counts={"Archive": 4, "ColdArchive": 2, "DeepColdArchive": 1})
    bucket.put_bucket_archive_direct_read(True)
    # WHEN listed (on FC python3.10 too, whose oss2 2.16.0 alone does not sign the request)
    (out,) = list_all(emulator, fc_runtime, groupSize=10)
    # THEN restoring them would pay for nothing: they are skipped with that reason, the colder classes kept
    assert out["skipped"]["archiveDirectRead"] == 4
    assert {cls for group in out["filesGroup"] for cls in group} == {"ColdArchive", "DeepColdArchive"}
    assert out["archiveFilesCount"] == 3
    assert (out["archiveDirectRead"], out["warnings"]) == ("on", [])
    # AND the tally counts them as read directly (billed per GB read), not as restore requests
    archive = out["tally"]["Archive"]
    assert (archive["objects"], archive["requests"], archive["directReadObjects"]) == (4, 0, 4)
    assert archive["directReadBytes"] == archive["bytes"] > 0
    assert out["tally"]["ColdArchive"]["directReadObjects"] == 0


def test_an_unreadable_archive_direct_read_is_reported_not_taken_for_off(emulator, bucket, monkeypatch):
    # GIVEN a bucket with archive direct read, asked with a V1 signer that leaves the sub-resource
    # unsigned (as oss2 2.16.0's own signer does), so OSS answers 403 SignatureDoesNotMatch
    emulator.seed(BUCKET, counts={"Archive": 2, "ColdArchive": 1})
    bucket.put_bucket_archive_direct_read(True)
    monkeypatch.setattr(client._ProviderAuth, "_subresource_key_set",
                        oss2.ProviderAuth._subresource_key_set - {"bucketArchiveDirectRead"})
    # WHEN listed
    (out,) = list_all(emulator)
    # THEN the output says the setting is unknown and why, and the Archive objects are kept (restored
    # as if it were off: at worst unnecessary, never an object left unreadable)
    assert out["archiveDirectRead"] == "unknown"
    assert out["warnings"] == ["archive direct read unknown (HTTP 403 SignatureDoesNotMatch): "
                               "Archive objects are restored as if it were off"]
    assert (out["archiveFilesCount"], out["skipped"]["archiveDirectRead"]) == (3, 0)


def test_no_answer_about_archive_direct_read_is_unknown_and_a_known_one_is_kept_a_minute(emulator, bucket, monkeypatch):
    # GIVEN an endpoint where nothing listens (connection refused), then the emulator on the same bucket
    from restore_core import direct_read
    from restore_core.direct_read import archive_direct_read

    monkeypatch.setattr(direct_read, "_cache", {})  # nothing from earlier tests on a reused port

    creds = client.Credentials("test-ak", "test-secret")
    nowhere = client.make_bucket(endpoint="http://127.0.0.1:1", bucket_name=BUCKET, credentials=creds)
    # WHEN asked THEN the setting is unknown, with the reason, rather than off
    answer = archive_direct_read(nowhere, now=0.0)
    assert (answer.state, answer.problem) == ("unknown", "no answer: RequestError")
    # AND a known answer is asked once and kept a minute
    bucket.put_bucket_archive_direct_read(True)
    here = client.make_bucket(endpoint=emulator.endpoint, bucket_name=BUCKET, credentials=creds)
    assert [archive_direct_read(here, now=t).state for t in (0.0, 30.0, 61.0)] == ["on"] * 3
    assert emulator.stats.get("GetBucketArchiveDirectRead") == 2


def test_filters_leave_objects_out_and_the_tally_runs_across_calls(emulator, bucket, fc_runtime):
    # GIVEN objects of every archive class and Standard, of two sizes, under two folders
    for i in range(30):
        cls = ("Archive", "ColdArchive", "DeepColdArchive", "Standard")[i % 4]
        emulator.put_object(BUCKET, f"{'ab'[i % 2]}/{i:03d}{'.tmp' if i % 5 == 0 else ''}", b"x" * (100 + i),
                            storage_class=cls)
    # (one page of 7 per call; the poll interval is one a Deep Cold batch may wait with)
    opts = {"maxKeys": 7, "waitPerBatch": True, "pollInterval": 500, "include": ["a/**"], "exclude": ["**.tmp"],
            "minSize": "110"}
    # WHEN listed with filters, each call handed the previous call's tally
    outs = [invoke(emulator, runtime=fc_runtime, **opts)]
    while outs[-1]["end"] != "true":
        outs.append(invoke(emulator, runtime=fc_runtime, marker=outs[-1]["marker"], tally=outs[-1]["tally"], **opts))
    # THEN exactly the selected archive objects are grouped, the rest counted as filtered
    chosen = [(i, ("Archive", "ColdArchive", "DeepColdArchive", "Standard")[i % 4]) for i in range(30)
              if i % 2 == 0 and i % 5 and 100 + i >= 110]
    assert len(outs) > 2
    assert sorted(listed_keys(outs)) == sorted(f"a/{i:03d}" for i, cls in chosen if cls != "Standard")
    assert sum(o["skipped"]["filtered"] for o in outs) == 30 - len(chosen)
    assert sum(o["listedCount"] for o in outs) == 30
    # AND the last call's tally covers every call's
    tally = outs[-1]["tally"]
    for cls in ARCHIVE_CLASSES:
        mine = [i for i, c in chosen if c == cls]
        assert tally[cls] == {"objects": len(mine), "bytes": sum(100 + i for i in mine), "requests": len(mine),
                              "requestBytes": sum(100 + i for i in mine), "directReadObjects": 0, "directReadBytes": 0}


def test_dry_run_groups_nothing_and_tallies(emulator, bucket, fc_runtime):
    emulator.seed(BUCKET, counts={"Archive": 5, "ColdArchive": 4, "Standard": 3}, size=10)
    (out,) = list_all(emulator, runtime=fc_runtime, dryRun=True)
    assert (out["filesGroup"], out["empty"], out["dryRun"], out["listedCount"]) == ([], "true", "true", 12)
    assert out["tally"]["Archive"] == {"objects": 5, "bytes": 50, "requests": 5, "requestBytes": 50,
                                       "directReadObjects": 0, "directReadBytes": 0}
    assert out["tally"]["ColdArchive"]["requests"] == 4
    assert emulator.stats.get("RestoreObject") == 0


@pytest.mark.parametrize(("fields", "named"), [
    ({"include": ["[x"]}, "include[0]"),
    ({"storageClass": ["IA"]}, "storageClass[0]"),
    ({"tally": {"Archive": {"objects": -1}}}, "tally.Archive.objects"),
    ({"tally": {"Standard": {}}}, "tally.Standard"),
])
def test_bad_filters_or_tally_are_refused_naming_the_field(emulator, bucket, fields, named):
    with pytest.raises(InvalidParameter) as e:
        invoke(emulator, **fields)
    assert e.value.field == named


def test_one_invocation_at_a_time_is_refused_pipelined_and_taken_waiting_per_batch(emulator, bucket):
    emulator.seed(BUCKET, counts={"Archive": 3})
    # GIVEN a run of one invocation at a time WHEN listed pipelined THEN refused: the listing runs beside the batch
    with pytest.raises(InvalidParameter) as e:
        invoke(emulator, maxConcurrentInvocations=1, waitPerBatch=False)
    assert e.value.field == "maxConcurrentInvocations" and "only with waitPerBatch" in str(e.value)
    # AND waiting per batch (no listing beside it) the batch holds one group
    out = invoke(emulator, maxConcurrentInvocations=1, waitPerBatch=True, pollInterval=60)
    assert len(out["filesGroup"]) == 1
