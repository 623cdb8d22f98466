"""FC's instance quota against the project's own flows: `oss-restore run`'s path (the real flows on the engine,
the handlers in their worker processes, the real oss2 over HTTP to the emulator, restores done in 0.2 s) with
the account's quotas on, FC's instances per region among them (`fdl.Quotas`). The run keeps at most
`maxConcurrentInvocations` invocations running at once; set past the quota, FC throttles and the flows' retry
rules carry the run through."""

from __future__ import annotations

from typing import Any

import pytest

import fdl
from ossemu import Emulator, RestoreLatency
from ossrestore.flow_options import flow_input_from_options
from ossrestore.local_run import LocalRun, run_local
from restore_core.client import Credentials

pytestmark = pytest.mark.e2e  # whole commands and whole runs of the flows

AK, SK = "fc-quota-ak", "fc-quota-secret"
BUCKET = "fc-quota-bucket"


@pytest.fixture
def emu():
    with Emulator(credentials={AK: SK}, latency=RestoreLatency.uniform(0.2)) as emu:
        emu.create_bucket(BUCKET)
        yield emu


def restore(emu: Emulator, quotas: fdl.Quotas, **flags: Any) -> LocalRun:
    flow_input = flow_input_from_options(
        flow_endpoint=emu.endpoint, flow_bucketName=BUCKET, **{f"flow_{name}": value for name, value in flags.items()}
    )
    return run_local(flow_input, credentials=Credentials(AK, SK), show_progress=False, quotas=quotas)


def all_readable(emu: Emulator, run: LocalRun, objects: int) -> bool:
    states = {emu.restore_state(BUCKET, key) for key in emu.keys(BUCKET)}
    return (run.summary.exit_code, run.summary.by_outcome["restored"], states) == (0, objects, {"restored"})


def test_a_default_run_over_20000_objects_is_never_throttled_by_fcs_instance_quota(emu):
    # GIVEN 20,000 Archive objects, and FC's default quota of 100 instances per region on in the engine
    emu.seed(BUCKET, counts={"Archive": 20_000})
    # WHEN restored with the default flags
    run = restore(emu, fdl.Quotas())
    # THEN no invocation was throttled, no more than the default 30 ran at once, and every object is readable
    assert run.quota_stats is not None and run.quota_stats.fc_throttled == 0
    assert 1 <= run.quota_stats.fc_peak_instances <= 30
    assert all_readable(emu, run, 20_000)


def test_a_round_never_runs_more_invocations_than_the_bound(emu):
    # GIVEN objects enough for many shards
    emu.seed(BUCKET, counts={"Archive": 4_000, "ColdArchive": 1_000})
    # WHEN restored with a bound of 4 invocations under FC's quota of 100
    run = restore(emu, fdl.Quotas(), maxConcurrentInvocations=4, pollInterval=1)
    # THEN the round held several shards, never more than 4 running at once, none throttled
    assert run.quota_stats is not None and run.quota_stats.fc_throttled == 0
    assert 2 <= run.quota_stats.fc_peak_instances <= 4
    assert run.tracker.snapshot().requested == 5_000 and all_readable(emu, run, 5_000)


def test_a_bound_past_the_quota_is_throttled_and_the_retries_still_restore_everything(emu):
    # GIVEN an account whose FC quota is 1 instance, and a run allowed 4 at once
    emu.seed(BUCKET, counts={"Archive": 5_000})
    # WHEN restored
    run = restore(emu, fdl.Quotas(fc_instances_per_region=1), maxConcurrentInvocations=4, pollInterval=1)
    # THEN FC throttled invocations (FC.ResourceThrottled), never more than 1 ran at once, the flows' retry rules
    # sent them again, every execution succeeded and every object is readable
    assert run.quota_stats is not None and run.quota_stats.fc_throttled > 0
    assert run.quota_stats.fc_peak_instances == 1
    throttled = [e for r in run.executions for e in r.events if e.type == "TaskFailed"]
    assert {e.detail["error"] for e in throttled} <= {"FC.ResourceThrottled"}
    assert {r.status for r in run.executions} == {"Succeeded"}
    assert all_readable(emu, run, 5_000)
