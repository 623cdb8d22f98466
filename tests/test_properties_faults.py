"""Generated fault mixes against the restore sub-flow: the real `flows/restore.yaml` on the engine, the real
restore handler over oss2 to the emulator. Whatever fails (500, 503 ServiceUnavailable, dropped
connections, a QPS limit), every key is requested until it is answered and no key is asked twice."""
from __future__ import annotations

import itertools
import threading
from functools import partial

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fdl
from ossemu import Emulator, Faults, RestoreLatency
from ossrestore.local_flows import RESTORE_FLOW, local_variables
from ossrestore.paths import flow_file
from restore_core.entry import handle
from restore_core.inputs import restore_request
from restore_core.restore_task import restore_files
from restore_core.retry import RetryPolicy

AK, SK = "mix-ak", "mix-secret"
KEYS = 40
GROUP = 10
# Two attempts per key inside the handler: most faults leave keys for the flow's pending rounds.
TWICE = RetryPolicy(max_attempts=2, initial_interval=0, maximum_interval=0)


def restore_quickly(event, context):
    return handle(event, context, parse=restore_request, task=partial(restore_files, policy=TWICE, sleep=lambda _: None))


def engine(clock: fdl.ManualClock) -> fdl.Engine:
    variables = local_variables()
    registry = fdl.Registry()
    registry.add_function(variables["restoreArn"], restore_quickly)
    registry.add_flow(RESTORE_FLOW, fdl.load_flow(flow_file("restore.yaml"), name=RESTORE_FLOW, variables=variables))
    return fdl.Engine(registry, clock=clock, credentials=fdl.Credentials(AK, SK))


class RequestSeconds:
    """The QPS limit's clock: the engine's virtual time (its waits and retry intervals) plus 1/100 s per
    request, so a limit of N lets N of each 100 requests sent without a wait through."""

    def __init__(self, clock: fdl.ManualClock) -> None:
        self._clock = clock
        self._ticks = itertools.count()
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._clock.now().timestamp() + next(self._ticks) / 100


BUCKETS = itertools.count()


@pytest.fixture(scope="module")
def emu():
    with Emulator(credentials={AK: SK}, latency=RestoreLatency.uniform(3600)) as emulator:
        yield emulator


@settings(max_examples=25)
@given(kinds=st.sets(st.sampled_from(["500", "503", "drop"]), min_size=1),
       rate=st.floats(min_value=0.0, max_value=0.4), qps=st.one_of(st.none(), st.integers(min_value=20, max_value=80)),
       seed=st.integers(min_value=0, max_value=2**16))
def test_every_fault_mix_ends_with_each_key_requested_once(emu, kinds, rate, qps, seed):
    # GIVEN 40 Cold Archive objects in 4 groups and an OSS failing `rate` of its requests with `kinds`,
    # and throttling past `qps` requests a second
    bucket = f"mix-{next(BUCKETS)}"
    emu.create_bucket(bucket)
    keys = [f"k/{i:02d}" for i in range(KEYS)]
    for key in keys:
        emu.put_object(bucket, key, b"x", storage_class="ColdArchive")
    emu.stats.reset()
    clock = fdl.ManualClock()
    emu.set_faults(Faults(rate=rate, kinds=tuple(sorted(kinds)), qps_limit=qps, seed=seed), monotonic=RequestSeconds(clock))
    groups = [{"ColdArchive": keys[i:i + GROUP]} for i in range(0, KEYS, GROUP)]
    # WHEN the restore sub-flow requests them
    result = engine(clock).run(RESTORE_FLOW, {
        "endpoint": emu.endpoint, "bucketName": bucket, "region": None, "prefix": "k/", "filesGroup": groups,
        "pageMarker": "", "pollInterval": 1, "workers": 4, "days": 1, "tier": "Standard", "waitPerBatch": "false",
        "groups": len(groups), "maxRequestsPerSecond": 0, "deadline": "", "bestEffort": False, "action": "restore",
    })
    emu.set_faults(Faults())
    stats = emu.stats.snapshot()
    # THEN it succeeds, every key is restoring, and each key's request reached OSS exactly once
    assert result.status == "Succeeded", result.message
    assert {emu.restore_state(bucket, k) for k in keys} == {"restoring"}
    assert stats["RestoreObject"] == stats["RestoreObject:202"] == stats["restore:billed"] == KEYS
    assert stats.get("RestoreObject:409", 0) == stats["restore:extended"] == stats["restore:rebilled"] == 0
