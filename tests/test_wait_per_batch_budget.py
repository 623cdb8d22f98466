"""waitPerBatch's event budget: the restore sub-flow polls inside one execution, so a pollInterval that
the batch's classes cannot finish in within 5,000 events is refused by listArchiveFiles (and so by the
command, and by a cloud run), naming the smallest that works."""
from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

import fdl
from fdl.testing import engine_for, json_handler
from infra.naming import FUNCTIONS
from ossrestore.local_flows import RESTORE_FLOW, local_variables
from ossrestore.paths import flow_file
from ossrestore_functions import list_archive_files
from restore_core import poll_budget
from restore_core.errors import InvalidParameter, PollIntervalTooShort

EVENTS = Path(__file__).parent / "events"
CONTEXT = SimpleNamespace(credentials=SimpleNamespace(access_key_id="test-ak", access_key_secret="test-secret", security_token=None))


def restore_flow_engine(*, polls_until_success: int) -> tuple[fdl.Engine, dict[str, int]]:
    """The real restore.yaml with fake restore / restoreStatus functions under its ARNs."""
    seen = {"polls": 0}

    def status(event: dict[str, Any]) -> dict[str, Any]:
        seen["polls"] += 1
        return {"status": "success" if seen["polls"] >= polls_until_success else "running"}

    variables = local_variables()
    counts = {"requested": 1, "alreadyRestored": 0, "inProgress": 0, "skipped": 0, "failed": 0, "pending": [], "retry": "false"}
    functions = {variables["restoreArn"]: json_handler(lambda e: counts), variables["restoreStatusArn"]: json_handler(status)}
    assert {f.placeholder for f in FUNCTIONS.values()} >= {"restoreArn", "restoreStatusArn"}
    engine = engine_for({RESTORE_FLOW: flow_file("restore.yaml")}, functions, variables=variables, clock=fdl.ManualClock())
    return engine, seen


def batch_input(groups: int) -> dict[str, Any]:
    return {"endpoint": "http://127.0.0.1:9", "bucketName": "b", "region": "", "prefix": "",
            "filesGroup": [{"ColdArchive": [f"k{i}"]} for i in range(groups)], "pageMarker": "", "pollInterval": 60,
            "workers": 10, "days": 1, "tier": "Standard", "waitPerBatch": "true",
            "groups": groups, "maxRequestsPerSecond": 0, "maxConcurrentInvocations": 50, "deadline": "", "bestEffort": False,
            "action": "restore"}


@pytest.mark.parametrize(("groups", "polls"), [(1, 1), (3, 2), (10, 7)])
def test_the_budgets_event_count_is_what_the_restore_flow_records(groups: int, polls: int):
    engine, _ = restore_flow_engine(polls_until_success=polls)
    result = engine.run(RESTORE_FLOW, batch_input(groups))
    assert result.status == "Succeeded", result.message
    assert len(result.events) == poll_budget.child_events(groups=groups, polls=polls)


def test_a_full_batch_fits_its_max_polls_and_the_retry_reserve_in_5000_events():
    # GIVEN a batch of 100 groups whose restores complete on the last poll the budget allows
    engine, _ = restore_flow_engine(polls_until_success=poll_budget.MAX_POLLS)
    result = engine.run(RESTORE_FLOW, batch_input(100))
    # THEN the sub-flow succeeds with the retry reserve still free
    assert result.status == "Succeeded", result.message
    assert len(result.events) <= poll_budget.EVENT_LIMIT - poll_budget.RETRY_RESERVE_EVENTS
    # AND one that needs the reserve's worth of polls more runs out of events (what the check prevents)
    engine, _ = restore_flow_engine(polls_until_success=poll_budget.MAX_POLLS + 30)
    assert engine.run(RESTORE_FLOW, batch_input(100)).error == "FnF.EventLimitExceeded"


def invoke(emulator, **fields: Any) -> dict[str, Any]:
    doc = json.loads((EVENTS / "list_archive_files.json").read_text())
    event = {**doc, "endpoint": emulator.endpoint, "waitPerBatch": "true", **fields}
    return json.loads(list_archive_files.handler(json.dumps(event).encode(), CONTEXT))


@pytest.mark.parametrize(("seed", "tier", "smallest"), [
    ({"Archive": 3}, "Standard", 1),
    ({"Archive": 2, "ColdArchive": 2}, "Expedited", 9),
    ({"ColdArchive": 2}, "Standard", 43),
    ({"ColdArchive": 2}, "Bulk", 102),
    ({"DeepColdArchive": 2}, "Expedited", 102),
    ({"Archive": 1, "DeepColdArchive": 2}, "Standard", 406),
    ({"DeepColdArchive": 2}, "Bulk", 406),  # Deep Cold has no Bulk: restored at Standard
])
def test_list_archive_files_refuses_a_poll_interval_the_batch_cannot_finish_in(emulator, bucket, seed, tier, smallest):
    emulator.seed("test-bucket", counts=seed)
    # WHEN the smallest interval that works is given THEN the batch is returned
    assert invoke(emulator, pollInterval=smallest, tier=tier)["archiveFilesCount"] == sum(seed.values())
    if smallest == 1:
        return
    # WHEN one second less THEN the handler refuses, naming the field and the smallest that works
    with pytest.raises(PollIntervalTooShort) as refused:
        invoke(emulator, pollInterval=smallest - 1, tier=tier)
    assert isinstance(refused.value, InvalidParameter) and refused.value.field == "pollInterval"
    assert refused.value.minimum == smallest and f"the smallest that works is {smallest}" in str(refused.value)


def test_pipelined_listing_is_not_limited_by_the_poll_budget(emulator, bucket):
    # Pipelined, the confirm phase polls with continue-as-new, so any interval is fine
    emulator.seed("test-bucket", counts={"DeepColdArchive": 2})
    assert invoke(emulator, waitPerBatch="false", pollInterval=1)["archiveFilesCount"] == 2
