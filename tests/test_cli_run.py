"""`oss-restore run` and `demo` end to end: the real flows on the engine, the real handlers, the real
oss2 over HTTP to the emulator. Verdicts are checked with an independent listing, not the run's report."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import oss2
import pytest

import fdl
from conftest import invoke, use_credentials
from ossemu import Emulator, Faults, RestoreLatency
from ossrestore.fc_instances import FunctionInstances
from ossrestore.flow_options import flow_input_from_options
from ossrestore.local_flows import MAIN_FLOW, build_registry
from ossrestore.local_run import run_local
from restore_core.client import Credentials
from restore_core.direct_read import DIRECT_READ_UNKNOWN

pytestmark = pytest.mark.e2e  # whole commands and whole runs of the flows

AK, SK = "run-test-ak", "run-test-secret"
BUCKET = "run-bucket"
ARCHIVE = {"Archive", "ColdArchive", "DeepColdArchive"}


@pytest.fixture
def emu():
    with Emulator(credentials={AK: SK}, latency=RestoreLatency.uniform(0.3)) as emu:
        emu.create_bucket(BUCKET)
        yield emu


@pytest.fixture
def creds_env(monkeypatch):
    use_credentials(monkeypatch, AK, SK)


def listed(emu: Emulator, prefix: str = "") -> dict[str, oss2.models.SimplifiedObjectInfo]:
    bucket = oss2.Bucket(oss2.Auth(AK, SK), emu.endpoint, BUCKET)
    return {o.key: o for o in oss2.ObjectIterator(bucket, prefix=prefix, max_keys=1000)}


def read_report(path: Path) -> dict[str, dict]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return {row["key"]: row for row in rows}


def test_run_restores_every_archive_object_of_5000_and_skips_the_rest(emu, creds_env, tmp_path):
    # GIVEN 5,000 objects of every class under two prefixes
    emu.seed(BUCKET, counts={"Archive": 1500, "ColdArchive": 800, "DeepColdArchive": 700, "Standard": 600}, prefix="a/")
    emu.seed(BUCKET, counts={"Archive": 500, "ColdArchive": 200, "IA": 700}, prefix="b/")
    report = tmp_path / "report.jsonl"
    # WHEN the whole bucket is restored
    result = invoke(
        "run",
        "--endpoint",
        emu.endpoint,
        "--bucket",
        BUCKET,
        "--max-keys",
        "1000",
        "--poll-interval",
        "1",
        "--tier",
        "Bulk",
        "--days",
        "30",
        "--report",
        str(report),
        "--quiet",
    )
    # THEN it exits 0, and an independent listing finds every archive object readable
    assert result.exit_code == 0, result.output + result.stderr
    objects = listed(emu)
    assert len(objects) == 5000
    for key, obj in objects.items():
        if obj.storage_class in ARCHIVE:
            assert obj.restore_info and 'ongoing-request="false"' in obj.restore_info, key
    # AND the report accounts for every object: archives restored, the others skipped with a reason
    rows = read_report(report)
    assert set(rows) == set(objects)
    for key, row in rows.items():
        expected = "restored" if objects[key].storage_class in ARCHIVE else "skipped"
        assert row["outcome"] == expected, row
        assert row["storageClass"] == objects[key].storage_class
    assert all("needs no restore" in r["reason"] for r in rows.values() if r["outcome"] == "skipped")
    # AND the summary says how Days and Tier were fitted to each class
    assert "Archive: days 30 -> 7" in result.output and "DeepColdArchive: tier Bulk -> Standard" in result.output
    # AND each archive object was asked for once (the confirm phase found nothing to re-request)
    assert emu.stats.get("RestoreObject") == 3700


def test_a_second_run_reports_already_restored_and_requests_nothing_again(emu, creds_env, tmp_path):
    emu.seed(BUCKET, counts={"Archive": 30, "ColdArchive": 20}, prefix="x/")
    args = ("run", "--endpoint", emu.endpoint, "--bucket", BUCKET, "--poll-interval", "1", "--quiet")
    assert invoke(*args).exit_code == 0
    requests_after_first = emu.stats.get("RestoreObject")
    # WHEN the same run is repeated
    result = invoke(*args, "--report", str(tmp_path / "r.jsonl"))
    # THEN nothing is paid for twice and every object is reported as already restored
    assert result.exit_code == 0, result.stderr
    assert emu.stats.get("RestoreObject") == requests_after_first
    assert {r["outcome"] for r in read_report(tmp_path / "r.jsonl").values()} == {"already_restored"}


def test_archive_direct_read_buckets_pay_only_for_the_colder_classes(emu, creds_env, tmp_path):
    # GIVEN a bucket that serves Archive objects without a restore (archive direct read)
    emu.seed(BUCKET, counts={"Archive": 40, "ColdArchive": 10}, prefix="d/")
    oss2.Bucket(oss2.Auth(AK, SK), emu.endpoint, BUCKET).put_bucket_archive_direct_read(True)
    # WHEN it is restored
    result = invoke(
        "run",
        "--endpoint",
        emu.endpoint,
        "--bucket",
        BUCKET,
        "--poll-interval",
        "1",
        "--quiet",
        "--report",
        str(tmp_path / "r.jsonl"),
    )
    # THEN only the Cold Archive objects were requested (the confirm phase re-requested nothing either),
    # and the Archive objects are reported as skipped with the reason
    assert result.exit_code == 0, result.stderr
    assert emu.stats.get("RestoreObject") == 10
    rows = read_report(tmp_path / "r.jsonl").values()
    assert {(r["storageClass"], r["outcome"]) for r in rows} == {("Archive", "skipped"), ("ColdArchive", "restored")}
    assert all("archive direct read" in r["reason"] for r in rows if r["storageClass"] == "Archive")


def test_an_archive_direct_read_nobody_may_read_is_warned_once_and_archive_objects_are_restored(creds_env, tmp_path):
    # GIVEN a direct-read bucket whose setting the run's credentials may not read (RAM denies the action)
    def authorize(access_key_id: str, action: str, resource: str) -> None:
        if action == "oss:GetBucketArchiveDirectRead":
            raise PermissionError(f"{action} on {resource} is not allowed")

    with Emulator(credentials={AK: SK}, latency=RestoreLatency.uniform(0.3), authorize=authorize) as denied:
        denied.create_bucket(BUCKET)
        denied.seed(BUCKET, counts={"Archive": 2, "ColdArchive": 1}, prefix="u/")
        denied.set_archive_direct_read(BUCKET, True)
        # WHEN the prefix is restored
        result = invoke(
            "run",
            "--endpoint",
            denied.endpoint,
            "--bucket",
            BUCKET,
            "--prefix",
            "u/",
            "--poll-interval",
            "1",
            "--report",
            str(tmp_path / "r.jsonl"),
            "--quiet",
        )
        requested = denied.stats.get("RestoreObject")
    # THEN the setting counts as off: every archive object is restored, and the summary warns once, saying why
    assert result.exit_code == 0, result.output + result.stderr
    assert requested == 3
    assert {r["outcome"] for r in read_report(tmp_path / "r.jsonl").values()} == {"restored"}
    warning = f"{DIRECT_READ_UNKNOWN} (HTTP 403 AccessDenied)"
    assert result.output.count(warning) == 1, result.output


def test_marker_resumes_after_a_key_and_leaves_earlier_objects_alone(emu, creds_env, tmp_path):
    for i in range(20):
        emu.put_object(BUCKET, f"k{i:02d}", b"x", storage_class="Archive")
    result = invoke(
        "run",
        "--endpoint",
        emu.endpoint,
        "--bucket",
        BUCKET,
        "--marker",
        "k09",
        "--poll-interval",
        "1",
        "--report",
        str(tmp_path / "r.jsonl"),
        "--quiet",
    )
    assert result.exit_code == 0, result.stderr
    objects = listed(emu)
    assert all(objects[f"k{i:02d}"].restore_info is None for i in range(10))
    assert all(objects[f"k{i:02d}"].restore_info for i in range(10, 20))
    assert sorted(read_report(tmp_path / "r.jsonl")) == [f"k{i:02d}" for i in range(10, 20)]


def test_wait_per_batch_mode_restores_everything_too(emu, creds_env):
    # Archive restores take at most a minute: a 1 s poll finishes well inside one sub-flow's events
    emu.seed(BUCKET, counts={"Archive": 25, "Standard": 5}, prefix="w/")
    result = invoke(
        "run",
        "--endpoint",
        emu.endpoint,
        "--bucket",
        BUCKET,
        "--max-keys",
        "10",
        "--poll-interval",
        "1",
        "--wait-per-batch",
        "--quiet",
    )
    assert result.exit_code == 0, result.stderr
    assert all(o.restore_info for o in listed(emu).values() if o.storage_class in ARCHIVE)


def test_a_run_longer_than_an_execution_continues_as_new_and_still_restores_everything(emu):
    # GIVEN restores that take a few seconds, and one round per execution of the main flow
    emu.seed(BUCKET, counts={"Archive": 300, "ColdArchive": 50}, prefix="c/")
    flow_input = flow_input_from_options(
        flow_endpoint=emu.endpoint,
        flow_bucketName=BUCKET,
        flow_maxKeys=50,
        flow_pollInterval=1,
        flow_roundsPerExecution=1,
    )
    # WHEN it runs
    run = run_local(flow_input, credentials=Credentials(AK, SK), show_progress=False)
    # THEN several executions of the main flow, each named anew, carry the run, and every object is readable
    main = [r for r in run.executions if r.flow_name == "oss-restore-main"]
    assert len(main) >= 3 and all(r.status == "Succeeded" for r in run.executions)
    assert len({r.name for r in main}) == len(main)
    assert run.summary.exit_code == 0
    assert run.summary.by_outcome["restored"] == 350
    assert emu.stats.get("RestoreObject") == 350


def largest_step_bytes(events: Iterable[fdl.Event]) -> int:
    """The largest input plus the largest output of any one step (an upper bound of what it held)."""
    sizes: dict[str, list[int]] = {}
    for e in events:
        part = {"StepEntered": ("input", 0), "StepExited": ("output", 1)}.get(e.type)
        if part is not None:
            pair = sizes.setdefault(e.step_name, [0, 0])
            pair[part[1]] = max(pair[part[1]], len(json.dumps(e.detail.get(part[0]), ensure_ascii=False).encode()))
    return max((a + b for a, b in sizes.values()), default=0)


def test_objects_with_1023_byte_keys_go_through_the_flows_in_steps_that_do_not_grow_with_them(emu):
    # GIVEN 3,000 archive objects whose keys are 1,023 bytes (OSS's longest), two-byte characters among them
    for i in range(3000):
        key = f"long/{i:05d}-" + "k\u00e9y" * 252
        key += "x" * (1023 - len(key.encode()))
        emu.put_object(BUCKET, key, b"x", storage_class="ColdArchive")
    assert {len(k.encode()) for k in emu.keys(BUCKET, "long/")} == {1023}
    flow_input = flow_input_from_options(
        flow_endpoint=emu.endpoint,
        flow_bucketName=BUCKET,
        flow_maxKeys=100,
        flow_pollInterval=1,
        flow_maxConcurrentInvocations=4,
        flow_roundSeconds=5,
    )
    # WHEN they are restored through the flows on an engine that enforces CloudFlow's limits and keeps every event
    instances = FunctionInstances()
    try:
        engine = fdl.Engine(build_registry(instances=instances), credentials=fdl.Credentials(AK, SK, ""))
        engine.start_execution(MAIN_FLOW, flow_input, name="long-keys")
        executions = engine.wait_all()
    finally:
        instances.close()
    # THEN no step broke a limit, every object is readable, and no step held more than 8 KiB: the flows carry
    # cursors (a few keys' worth) and counters, never the page of keys (3 MB here)
    assert [f"{r.error}: {r.cause}" for r in executions if r.status != "Succeeded"] == []
    assert {emu.restore_state(BUCKET, k) for k in emu.keys(BUCKET, "long/")} == {"restored"}
    assert max(largest_step_bytes(r.events) for r in executions) < 8 * 1024


def test_injected_faults_are_absorbed_and_no_object_is_lost(creds_env, tmp_path):
    # GIVEN an OSS that fails 15% of all requests with 500, 503 or a dropped connection
    faults = Faults(rate=0.15, kinds=("500", "503", "drop"), seed=7)
    with Emulator(credentials={AK: SK}, latency=RestoreLatency.uniform(0.3), faults=faults) as flaky:
        flaky.create_bucket(BUCKET)
        flaky.seed(BUCKET, counts={"Archive": 300, "ColdArchive": 100, "Standard": 50}, prefix="f/")
        # WHEN the whole bucket is restored
        result = invoke(
            "run",
            "--endpoint",
            flaky.endpoint,
            "--bucket",
            BUCKET,
            "--poll-interval",
            "1",
            "--quiet",
            "--report",
            str(tmp_path / "r.jsonl"),
        )
        flaky.set_faults(Faults())
        objects = listed(flaky)
    # THEN the handlers' and the flows' retries absorb every fault: exit 0, every archive object readable,
    # and each object appears in the report exactly once
    assert result.exit_code == 0, result.stderr
    assert all(o.restore_info for o in objects.values() if o.storage_class in ARCHIVE)
    lines = (tmp_path / "r.jsonl").read_text().splitlines()
    assert len(lines) == len(objects) == 450


def test_input_file_is_read_and_flags_override_it(emu, creds_env, tmp_path):
    emu.seed(BUCKET, counts={"Archive": 5}, prefix="in/")
    emu.seed(BUCKET, counts={"Archive": 5}, prefix="out/")
    spec = tmp_path / "input.json"
    spec.write_text(json.dumps({"endpoint": emu.endpoint, "bucketName": BUCKET, "prefix": "out/", "pollInterval": 1}))
    result = invoke("run", "--input", str(spec), "--prefix", "in/", "--quiet")
    assert result.exit_code == 0, result.stderr
    objects = listed(emu)
    assert all(o.restore_info for k, o in objects.items() if k.startswith("in/"))
    assert not any(o.restore_info for k, o in objects.items() if k.startswith("out/"))


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--max-keys", "5000"], "--max-keys"),
        (["--workers", "0"], "--workers"),
        (["--poll-interval", "200000"], "--poll-interval"),
        (["--days", "366"], "--days"),
        (["--group-size", "0"], "--group-size"),
    ],
)
def test_bad_input_names_the_flag_and_range_and_exits_2(emu, creds_env, args, expected):
    result = invoke("run", "--endpoint", emu.endpoint, "--bucket", BUCKET, *args)
    assert result.exit_code == 2
    assert expected in result.stderr and " to " in result.stderr
    assert "Traceback" not in result.stderr + result.output


def test_bad_bucket_name_and_unknown_input_field_exit_2(emu, creds_env, tmp_path):
    assert "--bucket" in invoke("run", "--endpoint", emu.endpoint, "--bucket", "Bad_Name").stderr
    spec = tmp_path / "input.json"
    spec.write_text(json.dumps({"endpoint": emu.endpoint, "bucketName": BUCKET, "maxkeys": 10}))
    result = invoke("run", "--input", str(spec))
    assert result.exit_code == 2 and "maxkeys" in result.stderr


def test_missing_credentials_exit_2_without_a_traceback(emu, monkeypatch):
    monkeypatch.delenv("ALIBABA_CLOUD_ACCESS_KEY_ID", raising=False)
    monkeypatch.delenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", raising=False)
    result = invoke("run", "--endpoint", emu.endpoint, "--bucket", BUCKET)
    assert result.exit_code == 2
    assert "ALIBABA_CLOUD_ACCESS_KEY_ID" in result.stderr


def test_wrong_secret_or_missing_bucket_fail_fast_with_exit_2_and_the_secret_never_shows(emu, monkeypatch):
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", AK)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "not-the-secret")
    result = invoke("run", "--endpoint", emu.endpoint, "--bucket", BUCKET)
    assert result.exit_code == 2 and "SignatureDoesNotMatch" in result.stderr
    assert "not-the-secret" not in result.stderr + result.output
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", SK)
    result = invoke("run", "--endpoint", emu.endpoint, "--bucket", "no-such-bucket")
    assert result.exit_code == 2 and "no-such-bucket" in result.stderr


def test_demo_runs_end_to_end_and_reports_every_object(tmp_path):
    result = invoke(
        "demo", "--objects", "300", "--restore-latency", "0.2", "--quiet", "--report", str(tmp_path / "d.jsonl")
    )
    assert result.exit_code == 0, result.stderr
    rows = read_report(tmp_path / "d.jsonl")
    assert len(rows) == 300
    assert {r["outcome"] for r in rows.values()} == {"restored", "skipped"}
    assert "restored" in result.output


def test_the_console_script_starts_and_lists_its_commands():
    out = subprocess.run(
        [sys.executable, "-m", "ossrestore", "--help"], capture_output=True, text=True, env=os.environ, check=True
    )
    for command in ("run", "demo", "emulator", "synth", "plan", "deploy", "start", "status"):
        assert command in out.stdout


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_an_endpoint_nobody_answers_on_says_cannot_connect(creds_env):
    # GIVEN an endpoint where nothing listens WHEN a run is started
    endpoint = f"http://127.0.0.1:{free_port()}"
    result = invoke("run", "--endpoint", endpoint, "--bucket", BUCKET)
    # THEN exit 2 with what happened in words, not an HTTP status nobody sent
    assert result.exit_code == 2, result.output + result.stderr
    assert f"cannot connect to {endpoint}: connection refused" in result.stderr
    assert "HTTP -2" not in result.stderr and "RequestError" not in result.stderr
