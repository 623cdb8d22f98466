"""`--deadline` end to end: the real flows on the engine, the real handlers in their worker processes, the
real oss2 over HTTP to the emulator. The emulator's restore times are OSS's documented ones scaled down
(`RestoreLatency.realistic(scale=...)`), and the handlers plan against the same scaled table
(`OSS_RESTORE_TIME_SCALE`), so a documented hour takes a fraction of a second."""

from __future__ import annotations

import json
import time
from pathlib import Path

import oss2
import pytest
from click.testing import Result
from oss2.models import RestoreConfiguration, RestoreJobParameters

from conftest import run_command, use_credentials
from ossemu import Emulator, RestoreLatency
from restore_core.deadline import TIME_SCALE_ENV
from restore_core.params import parse_iso_time

pytestmark = pytest.mark.e2e  # whole commands and whole runs of the flows

AK, SK = "deadline-ak", "deadline-secret"
BUCKET = "deadline-bucket"
# Cold Archive at this scale: Expedited 0.72 s, Standard 3.6 s, Bulk 8.64 s (documented 1 h, 5 h, 12 h).
SCALE = 0.0002
# The deadline tests wait for real restores: a run has seconds of its own (worker processes, listings, the
# 1 s confirm poll), more on a loaded machine, so they scale the documented hours less and leave the
# tier's window wide: at 0.0004 Standard takes 7.2 s and Bulk 17.28 s, and a 16 s deadline leaves a run
# 8.8 s of its own before Standard would no longer be in time.
WIDE = 0.0004


def emulator(monkeypatch, scale: float) -> Emulator:
    use_credentials(monkeypatch, AK, SK)
    monkeypatch.setenv(TIME_SCALE_ENV, str(scale))
    emu = Emulator(credentials={AK: SK}, latency=RestoreLatency.realistic(scale=scale))
    emu.start()
    emu.create_bucket(BUCKET)
    return emu


@pytest.fixture
def emu(monkeypatch):
    emu = emulator(monkeypatch, SCALE)
    yield emu
    emu.stop()


def run(emu: Emulator, *args: str) -> Result:
    return run_command("run", emu, BUCKET, *args)


def bucket(emu: Emulator) -> oss2.Bucket:
    return oss2.Bucket(oss2.Auth(AK, SK), emu.endpoint, BUCKET)


def report(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def wide(monkeypatch):
    emu = emulator(monkeypatch, WIDE)
    yield emu
    emu.stop()


def test_a_deadline_bulk_cannot_meet_but_standard_can_gets_standard(wide, tmp_path):
    # GIVEN Cold Archive objects, and a deadline 16 s away: Bulk (17.28 s) is too slow, Standard (7.2 s) in time
    emu = wide
    emu.seed(BUCKET, counts={"ColdArchive": 20}, prefix="s/")
    result = run(emu, "--deadline", "16s", "--report", str(tmp_path / "r.jsonl"))
    # THEN every object is restored with Standard
    assert result.exit_code == 0, result.output + result.stderr
    rows = report(tmp_path / "r.jsonl")
    assert {(r["outcome"], r["tier"]) for r in rows} == {("restored", "Standard")}
    assert "tier used: ColdArchive: Standard (20)" in result.output
    # AND OSS itself holds Standard as the restore's priority (answered on a restored Cold object)
    answer = bucket(emu).restore_object(rows[0]["key"])
    assert answer.status == 200 and answer.headers["x-oss-object-restore-priority"] == "Standard"
    assert emu.stats.get("RestoreObject:202") == 20


def test_without_a_deadline_the_tier_flag_applies(emu, tmp_path):
    emu.seed(BUCKET, counts={"ColdArchive": 3}, prefix="n/")
    result = run(emu, "--tier", "Expedited", "--report", str(tmp_path / "r.jsonl"))
    assert result.exit_code == 0, result.stderr
    assert {r["tier"] for r in report(tmp_path / "r.jsonl")} == {"Expedited"}


def test_running_restores_that_would_miss_the_deadline_are_escalated_and_the_run_ends_before_it(wide, tmp_path):
    # GIVEN restores already running at Bulk (an earlier run without a deadline): readable 17.28 s from now
    emu = wide
    emu.seed(BUCKET, counts={"ColdArchive": 15}, prefix="e/")
    slow = RestoreConfiguration(1, job_parameters=RestoreJobParameters("Bulk"))
    for key in emu.keys(BUCKET, "e/"):
        assert bucket(emu).restore_object(key, input=slow).status == 202
    bulk_ready = time.time() + 17.28 * 0.99
    # WHEN a run must have them readable within 16 s
    started = time.time()
    result = run(emu, "--deadline", "16s", "--report", str(tmp_path / "r.jsonl"))
    # THEN each was asked again with a faster tier (202: OSS sped it up), and the run ended before the
    # deadline, which the Bulk restores would have missed
    assert result.exit_code == 0, result.output + result.stderr
    assert emu.stats.get("restore:upgraded") == 15
    assert emu.stats.get("RestoreObject:202") == 15 + 15
    assert time.time() < min(bulk_ready, started + 16)
    assert "escalated to a faster tier to meet the deadline: 15" in result.output
    rows = report(tmp_path / "r.jsonl")
    assert {(r["outcome"], r["tier"]) for r in rows} == {("restored", "Standard")}


def test_a_speed_up_oss_refuses_is_reported_and_the_run_still_succeeds(monkeypatch):
    # GIVEN restores already running at Expedited (7.2 s at this scale, time enough for a run on a loaded machine
    # to list them while they run): asked again at the deadline's tier, Standard (36 s; Bulk's 86.4 s is too
    # slow), OSS refuses the lower tier (409)
    emu = emulator(monkeypatch, 0.002)
    try:
        emu.seed(BUCKET, counts={"ColdArchive": 3}, prefix="x/")
        for key in emu.keys(BUCKET, "x/"):
            bucket(emu).restore_object(
                key, input=RestoreConfiguration(1, job_parameters=RestoreJobParameters("Expedited"))
            )
        # WHEN a run must have them readable within 60 s (the listing cannot tell their tier, so it asks)
        result = run(emu, "--deadline", "60s")
        refused = emu.stats.get("RestoreObject:409")
    finally:
        emu.stop()
    # THEN each refusal was counted and shown in the summary, nothing failed, and the run succeeded
    assert result.exit_code == 0, result.output + result.stderr
    assert refused == 3
    assert "speed-up refused by OSS, restore left as it was: 3" in result.output
    assert "escalated to a faster tier" not in result.output


def test_running_restores_already_in_time_are_left_alone(monkeypatch):
    # GIVEN restores running at Bulk (2.16 s at this scale) and a deadline Bulk meets: nothing is sent for them
    emu = emulator(monkeypatch, SCALE / 4)
    emu.seed(BUCKET, counts={"ColdArchive": 4}, prefix="k/")
    for key in emu.keys(BUCKET, "k/"):
        bucket(emu).restore_object(key, input=RestoreConfiguration(1, job_parameters=RestoreJobParameters("Bulk")))
    emu.stats.reset()
    try:
        result = run(emu, "--deadline", "1d")
    finally:
        emu.stop()
    assert result.exit_code == 0, result.stderr
    assert emu.stats.get("RestoreObject") == 0


def test_an_impossible_deadline_is_refused_naming_the_class_before_anything_is_requested(emu):
    # GIVEN Cold Archive objects and a deadline even Expedited (0.72 s) cannot make
    emu.seed(BUCKET, counts={"ColdArchive": 5}, prefix="i/")
    result = run(emu, "--deadline", "0.5s")
    # THEN exit 2, naming the class and its fastest tier's time; nothing was requested
    assert result.exit_code == 2, result.output + result.stderr
    assert "--deadline" in result.stderr and "ColdArchive" in result.stderr and "Expedited" in result.stderr
    assert "takes up to 0.72 s" in result.stderr
    assert emu.stats.get("RestoreObject") == 0


def test_a_dry_run_refuses_an_impossible_deadline_as_the_real_run_does(emu):
    # GIVEN the same impossible deadline WHEN only a dry run is asked for
    emu.seed(BUCKET, counts={"ColdArchive": 5}, prefix="i/")
    dry, real = run(emu, "--deadline", "0.5s", "--dry-run"), run(emu, "--deadline", "0.5s")
    # THEN it refuses with the real run's exit code and words, and nothing was requested by either
    assert (dry.exit_code, real.exit_code) == (2, 2), dry.output + dry.stderr
    said = [r.stderr.split("cannot be met for")[1].split("takes up to")[0] for r in (dry, real)]
    assert said[0] == said[1] and "ColdArchive" in said[0]
    assert emu.stats.get("RestoreObject") == 0


def test_best_effort_runs_an_impossible_deadline_with_the_fastest_tier(emu, tmp_path):
    emu.seed(BUCKET, counts={"ColdArchive": 5}, prefix="b/")
    result = run(emu, "--deadline", "0.5s", "--best-effort", "--report", str(tmp_path / "r.jsonl"))
    assert result.exit_code == 0, result.output + result.stderr
    assert {r["tier"] for r in report(tmp_path / "r.jsonl")} == {"Expedited"}


@pytest.mark.parametrize("given", ["yesterday", "2026-13-01T00:00:00Z", "2026-12-01T00:00:00", "36x"])
def test_a_malformed_deadline_is_refused_naming_the_flag(emu, given):
    result = run(emu, "--deadline", given)
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: --deadline:") or "--deadline" in result.stderr
    assert "UTC offset" in result.stderr


def test_a_deadline_that_has_passed_is_refused(emu):
    result = run(emu, "--deadline", "2020-01-01T00:00:00+08:00")
    assert result.exit_code == 2 and "has already passed" in result.stderr


def test_the_flow_carries_the_deadline_as_utc(emu):
    from ossrestore.flow_options import flow_input_from_options

    flow_input = flow_input_from_options(
        None, flow_endpoint=emu.endpoint, flow_bucketName=BUCKET, flow_deadline="2099-12-04T09:00:00+08:00"
    )
    assert flow_input["deadline"] == "2099-12-04T01:00:00Z"
    relative = flow_input_from_options(None, flow_endpoint=emu.endpoint, flow_bucketName=BUCKET, flow_deadline="36h")
    assert parse_iso_time(relative["deadline"]) == pytest.approx(time.time() + 36 * 3600, abs=5)
