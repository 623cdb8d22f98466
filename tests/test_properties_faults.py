"""Generated fault mixes against a run's request slices: the real restore handler over oss2 to the
emulator, shard by shard until every range is requested. Whatever fails (500, 503 ServiceUnavailable,
dropped connections, a QPS limit), every key is requested until it is answered and no key is asked twice."""

from __future__ import annotations

import itertools
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ossemu import Emulator, Faults, RestoreLatency
from restore_core import inputs
from restore_core.client import Credentials, make_bucket
from restore_core.errors import OSSUnavailable
from restore_core.flow_inputs import validate_flow_input
from restore_core.retry import RetryPolicy
from restore_core.shards import END
from restore_core.slice_task import restore_slice

AK, SK = "mix-ak", "mix-secret"
KEYS = 40
# Two attempts per key inside the handler: most faults leave keys for the next slice.
TWICE = RetryPolicy(max_attempts=2, initial_interval=0, maximum_interval=0)


class RequestTicks:
    """The QPS limit's clock: 1/100 s per request, so a limit of N lets N of each 100 requests through."""

    def __init__(self) -> None:
        self._ticks = itertools.count()
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return next(self._ticks) / 100


BUCKETS = itertools.count()


@pytest.fixture(scope="module")
def emu():
    with Emulator(credentials={AK: SK}, latency=RestoreLatency.uniform(3600)) as emulator:
        yield emulator


@settings(max_examples=25)
@given(
    kinds=st.sets(st.sampled_from(["500", "503", "drop"]), min_size=1),
    rate=st.floats(min_value=0.0, max_value=0.4),
    qps=st.one_of(st.none(), st.integers(min_value=20, max_value=80)),
    seed=st.integers(min_value=0, max_value=2**16),
)
def test_every_fault_mix_ends_with_each_key_requested_once(emu, kinds, rate, qps, seed):
    # GIVEN 40 Cold Archive objects and an OSS failing `rate` of its requests with `kinds`, and throttling past
    # `qps` requests a second
    bucket = f"mix-{next(BUCKETS)}"
    emu.create_bucket(bucket)
    keys = [f"k/{i:02d}" for i in range(KEYS)]
    for key in keys:
        emu.put_object(bucket, key, b"x", storage_class="ColdArchive")
    emu.stats.reset()
    emu.set_faults(Faults(rate=rate, kinds=tuple(sorted(kinds)), qps_limit=qps, seed=seed), monotonic=RequestTicks())
    flow_input = validate_flow_input({"endpoint": emu.endpoint, "bucketName": bucket, "prefix": "k/", "workers": 4})
    oss = make_bucket(endpoint=emu.endpoint, bucket_name=bucket, credentials=Credentials(AK, SK))
    # WHEN each shard's slices run until its range is requested (faults make some slices stop early)
    shard = {"i": "s0", "lo": "", "m": "", "s": ""}
    for _ in range(200):
        req = inputs.shard_request({"settings": flow_input, "round": {"invocations": 1, "seconds": 60}, "shard": shard})
        try:
            result = restore_slice(oss, req, store=None, sleep=lambda _: None, policy=TWICE)
        except OSSUnavailable:
            continue  # the listing kept failing: the flow's retry calls the slice again with the same shard
        if result.shard.m == END:
            break
        shard = result.shard.to_json(req.scope)
    emu.set_faults(Faults())
    stats = emu.stats.snapshot()
    # THEN every key is restoring, and each key's request reached OSS exactly once
    assert {emu.restore_state(bucket, k) for k in keys} == {"restoring"}
    assert stats["RestoreObject"] == stats["RestoreObject:202"] == stats["restore:billed"] == KEYS
    assert stats.get("RestoreObject:409", 0) == stats["restore:extended"] == stats["restore:rebilled"] == 0
