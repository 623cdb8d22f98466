"""The restore sub-flow's group retry: the real `flows/restore.yaml` on the engine, the real restore code over
oss2 to the emulator. A retried group sends only the keys that got no answer."""
from __future__ import annotations

from functools import partial

import fdl
from ossemu import Emulator, Faults, RestoreLatency
from ossrestore.local_flows import RESTORE_FLOW, local_variables
from ossrestore.paths import flow_file
from restore_core.entry import handle
from restore_core.inputs import restore_request
from restore_core.restore_task import restore_files
from restore_core.retry import RetryPolicy

AK, SK = "retry-ak", "retry-secret"
BUCKET = "retry-bucket"
# One attempt per key inside the handler: every injected fault leaves a key without an answer for the flow.
ONCE = RetryPolicy(max_attempts=1, initial_interval=0, maximum_interval=0)


def restore_once(event, context):
    task = partial(restore_files, policy=ONCE, sleep=lambda _: None)
    return handle(event, context, parse=restore_request, task=task)


def restore_flow_engine() -> fdl.Engine:
    variables = local_variables()
    registry = fdl.Registry()
    registry.add_function(variables["restoreArn"], restore_once)
    registry.add_flow(RESTORE_FLOW, fdl.load_flow(flow_file("restore.yaml"), name=RESTORE_FLOW, variables=variables))
    return fdl.Engine(registry, clock=fdl.ManualClock(), credentials=fdl.Credentials(AK, SK))


def test_a_retried_group_sends_only_the_keys_that_got_no_answer():
    # GIVEN 60 Cold Archive objects in 6 groups and an OSS failing 30% of the requests with 503
    keys = [f"g/{i:02d}" for i in range(60)]
    with Emulator(credentials={AK: SK}, latency=RestoreLatency.uniform(3600)) as emu:
        emu.create_bucket(BUCKET)
        for key in keys:
            emu.put_object(BUCKET, key, b"x", storage_class="ColdArchive")
        emu.set_faults(Faults(rate=0.3, kinds=("503",), seed=11))
        groups = [{"ColdArchive": keys[i:i + 10]} for i in range(0, 60, 10)]
        # WHEN the restore sub-flow requests them
        result = restore_flow_engine().run(RESTORE_FLOW, {
            "endpoint": emu.endpoint, "bucketName": BUCKET, "region": None, "prefix": "g/", "filesGroup": groups,
            "pageMarker": "", "pollInterval": 1, "workers": 4, "days": 1, "tier": "Standard", "waitPerBatch": "false",
                "groups": len(groups), "maxRequestsPerSecond": 0, "maxConcurrentInvocations": 50,
            "deadline": "", "bestEffort": False, "action": "restore",
        })
        stats = emu.stats.snapshot()
        states = {emu.restore_state(BUCKET, k) for k in keys}
    # THEN it succeeds, some groups went round again with their pending keys only, and every key got
    # exactly one answer: nothing answered 409 or extended, each restore billed once
    assert result.status == "Succeeded", result.message
    rounds = [e for e in result.events if e.type == "TaskSucceeded" and e.step_name == "restorePending"]
    assert rounds and stats["fault:503"] > 0
    assert states == {"restoring"}
    assert stats["RestoreObject"] == 60 and stats["RestoreObject:202"] == 60
    assert stats.get("RestoreObject:409", 0) == 0 and stats["restore:extended"] == 0 and stats["restore:billed"] == 60
