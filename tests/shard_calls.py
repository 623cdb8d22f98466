"""The handlers as the flows call them, for handler tests: listArchiveFiles plans, restore and restoreStatus
work one shard each, summarize ends the run. `drive` runs the rounds in this test's process the way the
main flow and the restore sub-flow do (one call per shard per round, results back to the planner)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from fc_runtimes import InProcess
from restore_core.flow_inputs import validate_flow_input
from restore_core.run_store import OssStore, get_json, unpack_lines

BUCKET = "test-bucket"
CONTEXT = SimpleNamespace(
    credentials=SimpleNamespace(access_key_id="test-ak", access_key_secret="test-secret", security_token=None)
)


def settings(emulator: Any, **fields: Any) -> dict[str, Any]:
    """A checked flow input for the test bucket on the emulator, every default filled in; polls 1 s apart."""
    return validate_flow_input({"endpoint": emulator.endpoint, "bucketName": BUCKET, "pollInterval": 1, **fields})


def report_lines(bucket: Any, url: str) -> list[dict[str, Any]]:
    """The lines of a finished run's report at `url` (oss://BUCKET/PREFIX/ on the test bucket), in order."""
    prefix = url.split("/", 3)[3]
    store = OssStore(bucket, prefix, url=url)
    manifest = get_json(store, "manifest.json")
    assert manifest is not None, f"no report at {url}"
    return [line for part in manifest["parts"] for line in unpack_lines(store.get(part["name"]) or b"")]


def call(module: str, event: dict[str, Any], *, runtime: Any = None, context: Any = CONTEXT) -> dict[str, Any]:
    body = (runtime or InProcess()).invoke(module, json.dumps(event).encode(), context)
    return json.loads(body)


def plan(flow_input: dict[str, Any], *, runtime: Any = None, **extra: Any) -> dict[str, Any]:
    return call("list_archive_files", {"settings": flow_input, "executionName": "run-1", **extra}, runtime=runtime)


def work(
    module: str,
    flow_input: dict[str, Any],
    planned: dict[str, Any],
    shard: dict[str, Any],
    *,
    runtime: Any = None,
    seconds: int | None = None,
) -> dict[str, Any]:
    terms = dict(planned["round"])
    if seconds is not None:
        terms["seconds"] = seconds
    return call(module, {"settings": flow_input, "round": terms, "shard": shard}, runtime=runtime)


@dataclass
class Drive:
    """What a driven run did: every planner answer, every shard result, and the summary."""

    plans: list[dict[str, Any]] = field(default_factory=list)
    restored: list[dict[str, Any]] = field(default_factory=list)
    confirmed: list[dict[str, Any]] = field(default_factory=list)
    summary: dict[str, Any] | None = None

    @property
    def state(self) -> dict[str, Any]:
        return self.plans[-1]["state"]


def drive(
    flow_input: dict[str, Any],
    *,
    runtime: Any = None,
    max_rounds: int = 200,
    between: Any = None,
    seconds: int | None = None,
) -> Drive:
    """Plan, then rounds until the planner says the run is over, then summarize. `between(round)` runs
    before each round (to move the emulator's clock, say); a wait the planner asks for is slept, as the
    flow's wait step does (handler tests scale restore times down, `OSS_RESTORE_TIME_SCALE`, so it is short)."""
    out = Drive()
    planned = plan(flow_input, runtime=runtime)
    settings_ = planned["settings"]
    out.plans.append(planned)
    for number in range(max_rounds):
        if planned["finish"]:
            break
        if between is not None:
            between(number)
        time.sleep(planned["wait"])
        restored = [
            work("restore", settings_, planned, s, runtime=runtime, seconds=seconds) for s in planned["restoring"]
        ]
        confirmed = [
            work("restore_status", settings_, planned, s, runtime=runtime, seconds=seconds)
            for s in planned["confirming"]
        ]
        out.restored += restored
        out.confirmed += confirmed
        planned = call(
            "list_archive_files",
            {
                "settings": settings_,
                "state": planned["state"],
                "restored": restored,
                "confirmed": confirmed,
                "executionName": "run-1",
            },
            runtime=runtime,
        )
        out.plans.append(planned)
    else:
        last = json.dumps(out.plans[-3:])[:3000]
        raise AssertionError(f"the run did not end in {max_rounds} rounds: {last}")
    out.summary = call(
        "summarize",
        {"settings": settings_, "state": planned["state"], "error": "", "cause": "", "executionName": "run-1"},
        runtime=runtime,
    )
    return out
