"""The four handlers of a run (listArchiveFiles, restore, restoreStatus, summarize) with the real oss2 SDK
against the OSS emulator, driven round by round as the flows drive them (tests/shard_calls.py)."""

from __future__ import annotations

import itertools
import json

import pytest

from ossemu import Faults
from restore_core import inputs, plan_task, report_parts, shard_results
from restore_core.settings import parse_settings
from restore_core.slice_task import restore_slice
from shard_calls import BUCKET, drive, plan, report_lines, settings, work

REPORT = f"oss://{BUCKET}/reports/r1/"


@pytest.fixture(autouse=True)
def fast_restores(monkeypatch):
    """Restores that take hours in OSS take moments in these tests (the emulator's clock is moved by hand):
    the confirm scans' waits shrink with them, down to the poll interval."""
    monkeypatch.setenv("OSS_RESTORE_TIME_SCALE", "0.000001")


def test_a_run_restores_each_frozen_object_once_and_reports_every_object(emulator, bucket, clock, fc_runtime):
    # GIVEN every class, one Archive object restored already and one Cold Archive restoring
    classes = ["Standard", "IA", "Archive", "ColdArchive", "DeepColdArchive"]
    for i, cls in enumerate(classes * 30):
        emulator.put_object(BUCKET, f"data/{i:04d}", b"x", storage_class=cls)
    bucket.restore_object("data/0002")
    emulator.finish_restore(BUCKET, "data/0002")
    bucket.restore_object("data/0003")
    requests_before = emulator.stats.get("RestoreObject")
    # WHEN the run is driven round by round (Expedited: 12 hours at most), restores finishing after the first
    run = drive(
        settings(emulator, prefix="data/", reportUrl=REPORT, tier="Expedited"),
        runtime=fc_runtime,
        between=lambda n: clock.advance(13 * 3600) if n == 1 else None,
    )
    # THEN each frozen archive object got exactly one RestoreObject, and nothing else did
    assert emulator.stats.get("RestoreObject") - requests_before == 30 * 3 - 2
    # AND the report holds every object once, in key order, with its outcome
    lines = report_lines(bucket, REPORT)
    assert [line["key"] for line in lines] == sorted(emulator.keys(BUCKET, "data/"))
    outcomes = {line["key"]: line["outcome"] for line in lines}
    assert outcomes["data/0002"] == outcomes["data/0003"] == "already_restored"
    assert outcomes["data/0000"] == "skipped" and outcomes["data/0004"] == "restored"
    assert run.summary is not None and run.summary["byOutcome"] == {
        "restored": 88,
        "already_restored": 2,
        "in_progress": 0,
        "skipped": 60,
        "failed": 0,
    }
    assert run.summary["verdict"] == "success" and run.summary["report"]["lines"] == 150


def test_shards_split_the_scope_and_each_holds_a_range(emulator, bucket, clock, monkeypatch):
    # GIVEN 6,000 Archive objects and room for four invocations at once
    monkeypatch.setenv("OSS_RESTORE_CONCURRENT_INVOCATIONS", "4")
    emulator.seed(BUCKET, counts={"Archive": 6000}, prefix="data/")
    planned = plan(settings(emulator, prefix="data/"))
    # THEN the planner hands out four shards whose ranges follow one another, all requesting
    shards = planned["restoring"]
    assert len(shards) == 4 and planned["round"]["invocations"] == 4
    assert shards[0]["lo"] == "" and "hi" not in shards[-1]
    assert [s["hi"] for s in shards[:-1]] == [s["lo"] for s in shards[1:]]
    assert planned["state"]["base"].startswith("data/") and planned["finish"] == ""


def test_a_slice_cut_short_sends_no_key_twice(emulator, bucket):
    # GIVEN 500 frozen objects, and a clock that lets the slice send about 120 requests before time is up
    emulator.seed(BUCKET, counts={"Archive": 500}, prefix="data/")
    flow_input = settings(emulator, prefix="data/", workers=4)
    planned = plan(flow_input)
    ticks = itertools.count()
    clock = lambda: next(ticks) * 0.01  # noqa: E731  (each look at the clock is 10 ms later)
    request = inputs.shard_request(
        {"settings": planned["settings"], "round": {**planned["round"], "seconds": 1}, "shard": planned["restoring"][0]}
    )
    # WHEN sliced until the shard has requested its whole range
    slices = 0
    while True:
        result = restore_slice(bucket, request, store=None, clock=clock)
        slices += 1
        if result.shard.m == "\U0010ffff" * 256:
            break
        request = inputs.shard_request(
            {
                "settings": planned["settings"],
                "round": {**planned["round"], "seconds": 1},
                "shard": result.shard.to_json(request.scope),
            }
        )
    # THEN it took several slices, and every object got exactly one request
    assert slices > 2
    assert emulator.stats.get("RestoreObject") == 500 and emulator.stats.get("restore:billed") == 500


def test_the_confirm_scan_waits_at_a_restore_still_running(emulator, bucket, clock):
    # GIVEN Cold Archive objects requested by the run, half of them finished
    emulator.seed(BUCKET, counts={"ColdArchive": 40}, prefix="data/")
    flow_input = settings(emulator, prefix="data/", reportUrl=REPORT)
    planned = plan(flow_input)
    restored = [work("restore", planned["settings"], planned, s) for s in planned["restoring"]]
    for key in emulator.keys(BUCKET)[:20]:
        emulator.finish_restore(BUCKET, key)
    shard = restored[0]["shard"]
    # WHEN scanned
    scanned = work("restore_status", planned["settings"], planned, shard)
    # THEN the first 20 are settled (report lines), the scan stopped at the 21st, and comes back later
    assert scanned["c"]["lines"] == 20 and scanned["c"]["readable"] == 20
    assert scanned["shard"]["s"] and scanned["shard"]["s"] < emulator.keys(BUCKET)[20][len(planned["state"]["base"]) :]
    assert scanned["shard"]["d"] > 0


def test_a_restore_that_expired_before_its_scan_is_requested_again(emulator, bucket, clock):
    emulator.seed(BUCKET, counts={"Archive": 5}, prefix="data/")
    flow_input = settings(emulator, prefix="data/", reportUrl=REPORT)
    planned = plan(flow_input)
    restored = [work("restore", planned["settings"], planned, s) for s in planned["restoring"]]
    first = emulator.keys(BUCKET)[0]
    emulator.finish_restore(BUCKET, first)
    emulator.expire_restore(BUCKET, first)
    scanned = work("restore_status", planned["settings"], planned, restored[0]["shard"])
    assert scanned["c"]["rerequested"] == 1 and emulator.stats.get("restore:rebilled") == 1


def test_a_dry_run_requests_nothing_and_reports_what_a_run_would_do(emulator, bucket, clock):
    for i, cls in enumerate(["Archive", "Standard", "ColdArchive"] * 4):
        emulator.put_object(BUCKET, f"d/{i:02d}", b"abc", storage_class=cls)
    run = drive(settings(emulator, prefix="d/", dryRun=True, reportUrl=REPORT))
    assert emulator.stats.get("RestoreObject") == 0
    assert run.summary is not None and run.summary["verdict"] == "dryRun"
    assert run.summary["byOutcome"]["would_restore"] == 8 and run.summary["byOutcome"]["skipped"] == 4
    assert run.summary["tally"]["ColdArchive"] == {
        "objects": 4,
        "bytes": 12,
        "requests": 4,
        "requestBytes": 12,
        "directReadObjects": 0,
        "directReadBytes": 0,
        # a run that neither converts nor copies counts no copy
        "copyRequests": 0,
        "youngObjects": 0,
        "youngByteDays": 0,
    }
    assert [line["outcome"] for line in report_lines(bucket, REPORT)][:3] == [
        "would_restore",
        "skipped",
        "would_restore",
    ]


def test_filters_leave_objects_out_and_their_lines_say_why(emulator, bucket, clock):
    for key in ("d/a.log", "d/b.tmp", "d/c.log"):
        emulator.put_object(BUCKET, key, b"", storage_class="Archive")
    drive(settings(emulator, prefix="d/", exclude=["**.tmp"], reportUrl=REPORT), between=lambda n: clock.advance(600))
    lines = {line["key"]: line for line in report_lines(bucket, REPORT)}
    assert lines["d/b.tmp"]["outcome"] == "skipped" and lines["d/b.tmp"]["reason"] == "filtered: exclude **.tmp"
    assert emulator.stats.get("RestoreObject") == 2


def test_a_refused_restore_is_failed_with_its_code_and_the_run_goes_on(emulator, bucket, clock):
    emulator.seed(BUCKET, counts={"Archive": 30}, prefix="d/")
    emulator.set_faults(Faults(rate=0.0))
    keys = emulator.keys(BUCKET)
    emulator.delete_object(BUCKET, keys[3])  # listed by nobody: gone before the run
    run = drive(settings(emulator, prefix="d/", reportUrl=REPORT), between=lambda n: clock.advance(600))
    assert run.summary is not None and run.summary["byOutcome"]["restored"] == 29


@pytest.mark.e2e
def test_step_data_stays_small_with_the_longest_keys(emulator, bucket, clock, monkeypatch):
    # GIVEN 3,000 objects with 1,023-byte random names and room for 50 invocations
    monkeypatch.setenv("OSS_RESTORE_CONCURRENT_INVOCATIONS", "50")
    import random

    rng = random.Random(3)
    for _ in range(3000):
        key = "p/" + "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(1021))
        emulator.put_object(BUCKET, key, b"", storage_class="Archive")
    flow_input = settings(emulator, prefix="p/", reportUrl=REPORT)
    planned = plan(flow_input)
    # THEN the planner's answer, and each shard's result, stay far inside CloudFlow's 32 KiB
    assert len(json.dumps(planned)) < 12 * 1024
    results = [work("restore", planned["settings"], planned, s) for s in planned["restoring"]]
    assert all(len(json.dumps(r)) < 1024 for r in results)


@pytest.mark.parametrize(("bound", "expected"), [(1, 1), (30, 30), (100, 100), (101, 100), (1000, 100)])
def test_a_round_holds_no_more_shards_than_a_foreach_takes(emulator, monkeypatch, bound, expected):
    # GIVEN a run allowed `bound` invocations at once, on a runtime that does not cap them
    monkeypatch.delenv("OSS_RESTORE_CONCURRENT_INVOCATIONS", raising=False)
    checked = parse_settings(settings(emulator, maxConcurrentInvocations=bound))
    # THEN a round may hold that many shards, but never more than CloudFlow's foreach takes (100 items)
    assert plan_task.slots(checked) == expected


def test_counts_too_big_to_hand_back_go_by_reference_and_still_add_up(emulator, bucket, clock, monkeypatch):
    # GIVEN every class in a bucket, and a round whose counters may take no room inline (as with 100 shards
    # that each met every class and outcome)
    for i, cls in enumerate(["Standard", "Archive", "ColdArchive", "DeepColdArchive"] * 25):
        emulator.put_object(BUCKET, f"data/{i:04d}", b"x", storage_class=cls)
    monkeypatch.setattr(shard_results, "ROUND_COUNTS_BYTES", 0)
    # WHEN the run is driven round by round, restores finishing after the first round
    run = drive(
        settings(emulator, prefix="data/", reportUrl=REPORT, tier="Expedited"),
        between=lambda n: clock.advance(13 * 3600) if n == 1 else None,
    )
    # THEN every shard handed its counts back by reference, named in the run's store, and none inline
    results = run.restored + run.confirmed
    assert results and all(set(r) >= {"shard", "k"} and "c" not in r for r in results)
    assert all(shard_results.valid(r["k"]) for r in results)
    # AND the planner read them: the summary counts every object once
    assert run.summary is not None and run.summary["byOutcome"] == {
        "restored": 75,
        "already_restored": 0,
        "in_progress": 0,
        "skipped": 25,
        "failed": 0,
    }
    assert run.summary["tally"]["ColdArchive"]["requests"] == 25


def test_a_scan_writes_its_lines_a_part_at_a_time(emulator, bucket, clock, monkeypatch):
    # GIVEN 150 archive objects listed 10 a page, and parts flushed once they hold 7 lines
    for i in range(150):
        emulator.put_object(BUCKET, f"data/{i:04d}", b"x", storage_class="Archive")
    monkeypatch.setattr(report_parts, "PART_LINES", 7)
    # WHEN the run is driven round by round, restores finishing after the first round
    drive(
        settings(emulator, prefix="data/", reportUrl=REPORT, maxKeys=10),
        between=lambda n: clock.advance(3600) if n == 1 else None,
    )
    # THEN the report holds every object once, in key order, in parts of a page or so each (never all at once)
    assert [line["key"] for line in report_lines(bucket, REPORT)] == sorted(emulator.keys(BUCKET, "data/"))
    manifest = json.loads(bucket.get_object("reports/r1/manifest.json").read())
    sizes = [part["lines"] for part in manifest["parts"]]
    assert len(sizes) >= 150 // 16 and max(sizes) <= 7 + 10 - 1 and sum(sizes) == 150


def test_a_dry_run_writes_its_lines_a_part_at_a_time(emulator, bucket, monkeypatch):
    # GIVEN 150 archive objects listed 3 a page, and parts flushed once they hold 7 lines
    for i in range(150):
        emulator.put_object(BUCKET, f"data/{i:04d}", b"x", storage_class="Archive")
    monkeypatch.setattr(report_parts, "PART_LINES", 7)
    # WHEN a dry run is driven (it lists as fast as OSS answers: one slice may list the whole range)
    drive(settings(emulator, prefix="data/", reportUrl=REPORT, maxKeys=3, dryRun=True))
    # THEN the report says what a run would do with every object once, in key order, a part at a time
    lines = report_lines(bucket, REPORT)
    assert [line["key"] for line in lines] == sorted(emulator.keys(BUCKET, "data/"))
    assert {line["outcome"] for line in lines} == {"would_restore"}
    manifest = json.loads(bucket.get_object("reports/r1/manifest.json").read())
    sizes = [part["lines"] for part in manifest["parts"]]
    assert sum(sizes) == 150 and manifest["complete"]
    # AND each part but a shard's last holds a part's worth of pages, never the whole range at once
    by_shard: dict[str, list[int]] = {}
    for part in manifest["parts"]:
        by_shard.setdefault(part["name"].rsplit("-", 1)[0], []).append(part["lines"])
    assert all(7 <= n <= 7 + 3 - 1 for shard in by_shard.values() for n in shard[:-1]), by_shard
