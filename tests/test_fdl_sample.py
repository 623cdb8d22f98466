"""The article's two flows, run against fake functions registered under their real names.

The fakes reproduce what the original handlers returned: `end` and `empty` are JSON booleans, which
the flows compare with the strings "true" / "false".
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import fdl
from fdl.testing import engine_for, json_handler

FLOWS = Path(__file__).parent / "flows"
KEYS = ["a.txt", "b.txt", "c.txt", "d.txt", "e.txt"]
INPUT = {
    "endpoint": "oss-cn-hangzhou.aliyuncs.com",
    "bucketName": "bucket",
    "prefix": "",
    "marker": "",
    "maxKeys": 2,
    "pollInterval": 10,
    "workers": 10,
    "groupSize": 1,
}


class FakeBucket:
    def __init__(self) -> None:
        self.restored: list[str] = []
        self.polls = 0
        self.lock = threading.Lock()

    def list_archive_files(self, event: dict[str, Any]) -> dict[str, Any]:
        start = KEYS.index(event["marker"]) + 1 if event["marker"] else 0
        page = KEYS[start : start + event["maxKeys"]]
        truncated = start + event["maxKeys"] < len(KEYS)
        return {
            "bucketName": event["bucketName"],
            "filesGroup": [[key] for key in page],
            "marker": page[-1] if truncated else "",
            "end": not truncated,
            "empty": not page,
            "archiveFilesCount": len(page),
        }

    def restore(self, event: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            self.restored.extend(event["files"])
        return {}

    def restore_status(self, event: dict[str, Any]) -> dict[str, Any]:
        self.polls += 1
        return {"status": "running" if self.polls % 2 else "success"}


def sample_engine(bucket: FakeBucket, clock: fdl.VirtualClock, boolean_compare: str) -> fdl.Engine:
    # The article's CheckJobComplete has no default, which FDL v1's choice table requires (the loader refuses
    # it, tests/test_fdl_loader.py); an empty default takes no branch, as the prose says a missing one does.
    restore = (
        (FLOWS / "sample_restore.yaml")
        .read_text(encoding="utf-8")
        .replace("        goto: Wait\n", "        goto: Wait\n    default: {}\n")
    )
    flows: dict[str, str | Path] = {"mainRestoreFlow": FLOWS / "sample_main.yaml", "restoreFlow": restore}
    functions = {
        "listArchiveFiles": json_handler(bucket.list_archive_files),
        "restore": json_handler(bucket.restore),
        "restoreStatus": json_handler(bucket.restore_status),
    }
    variables = {"service": "OSSRestoreService", "restoreFlow": "restoreFlow"}
    return engine_for(flows, functions, variables=variables, clock=clock, boolean_compare=boolean_compare)


def test_sample_restores_every_page_when_booleans_compare_as_strings():
    # GIVEN five archived keys listed two per page, and the default boolean_compare="string"
    bucket, clock = FakeBucket(), fdl.VirtualClock()
    engine = sample_engine(bucket, clock, "string")
    # WHEN the main flow runs
    result = engine.run("mainRestoreFlow", INPUT, name="main")
    # THEN every page went through the child flow and every key was restored once
    assert result.status == "Succeeded", result.message
    assert sorted(bucket.restored) == KEYS
    children = [name for name in engine.executions() if name != "main"]
    assert len(children) == 3 and all(engine.wait(c).status == "Succeeded" for c in children)
    # AND each child polled twice (running, then success), waiting pollInterval before each poll
    assert bucket.polls == 6 and clock.sleeps == [10] * 6
    assert result.output is not None and result.output["end"] is True and result.output["marker"] == ""


def test_sample_child_flow_output_carries_files_group_and_marker():
    bucket, clock = FakeBucket(), fdl.VirtualClock()
    engine = sample_engine(bucket, clock, "string")
    result = engine.run("restoreFlow", {"filesGroup": [["a.txt"]], "marker": "a.txt", "pollInterval": 5})
    assert result.output == {"status": "success", "filesGroup": [["a.txt"]], "marker": "a.txt"}
    assert [e.detail["index"] for e in result.events if e.type == "IterationEntered"] == [0]


def test_with_strict_booleans_the_sample_never_sees_the_end_and_hits_the_event_limit():
    # GIVEN boolean_compare="strict": `$.end == "true"` is false for the boolean true
    bucket, clock = FakeBucket(), fdl.VirtualClock()
    engine = sample_engine(bucket, clock, "strict")
    # WHEN the main flow runs
    result = engine.run("mainRestoreFlow", INPUT, name="main")
    # THEN `$.empty == "false"` never matches either, so nothing is restored, and listing restarts
    # from the beginning after the last page until the execution runs out of events
    assert bucket.restored == []
    assert result.status == "Failed" and result.error == "FnF.EventLimitExceeded"
    listed_markers = [e.detail["input"]["marker"] for e in result.events if e.type == "TaskScheduled"]
    assert listed_markers[:4] == ["", "b.txt", "d.txt", ""]
