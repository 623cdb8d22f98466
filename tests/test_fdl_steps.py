"""Control steps: foreach concurrency and failure rule, parallel, wait, succeed, fail, end, goto."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import fdl
from fdl.testing import engine_for, json_handler

HEAD = "version: v1\ntype: flow\n"


def run(
    body: str, payload: dict[str, Any], clock: fdl.VirtualClock | None = None, **functions: Any
) -> fdl.ExecutionResult:
    handlers = {name: json_handler(fn) for name, fn in functions.items()}
    return engine_for({"f": HEAD + body}, handlers, clock=clock or fdl.VirtualClock()).run("f", payload)


FOREACH = """
steps:
  - type: foreach
    name: each
    iterationMapping: {collection: $.items, item: item}
    steps: [{type: task, name: t, resourceArn: "acs:fc:::services/svc/functions/f"}]
    outputMappings: [{target: out, source: "$local[*].out"}]
"""


def test_foreach_iterations_really_overlap():
    # GIVEN a function that only returns once 100 calls are in flight at the same time
    barrier = threading.Barrier(100, timeout=10)

    def meet(event: dict[str, Any]) -> dict[str, Any]:
        barrier.wait()
        return {"out": event["item"]}

    # WHEN a foreach runs it over 100 items THEN it completes, so all 100 overlapped
    result = run(FOREACH, {"items": list(range(100))}, f=meet)
    assert result.status == "Succeeded" and result.output == {"out": list(range(100))}
    assert [e.detail["index"] for e in result.events if e.type == "IterationEntered"].__len__() == 100


def test_foreach_runs_at_most_the_concurrency_limit_at_once():
    # GIVEN a concurrency limit of 3
    lock, running, peak = threading.Lock(), [0], [0]
    release = threading.Event()

    def track(event: dict[str, Any]) -> dict[str, Any]:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
            if running[0] == 3:
                release.set()
        release.wait(5)
        with lock:
            running[0] -= 1
        return {"out": event["item"]}

    engine = engine_for(
        {"f": HEAD + FOREACH},
        {"f": json_handler(track)},
        clock=fdl.VirtualClock(),
        limits=fdl.Limits(foreach_concurrency=3),
    )
    assert engine.run("f", {"items": list(range(9))}).status == "Succeeded"
    assert peak[0] == 3


def test_foreach_first_error_fails_the_step_after_running_iterations_finish():
    finished: list[int] = []
    all_started = threading.Barrier(3, timeout=10)

    def some_fail(event: dict[str, Any]) -> dict[str, Any]:
        all_started.wait()
        if event["item"] == 2:
            raise KeyError("item 2 is bad")
        finished.append(event["item"])
        return {"out": event["item"]}

    result = run(FOREACH, {"items": [1, 2, 3]}, f=some_fail)
    assert result.status == "Failed" and result.error == "KeyError"
    assert sorted(finished) == [1, 3]  # the others were running, so they ran to the end


def test_foreach_index_and_item_are_merged_into_the_iteration_input():
    seen: list[dict[str, Any]] = []
    body = FOREACH.replace("item: item}", "item: item, index: idx}")
    run(body, {"items": ["a"], "shared": 1}, f=lambda e: seen.append(e) or {"out": 0})
    assert seen == [{"items": ["a"], "shared": 1, "item": "a", "idx": 0}]


def test_foreach_over_a_non_array_fails():
    assert run(FOREACH, {"items": "abc"}, f=lambda e: {}).error == "FnF.InvalidCollection"


def test_succeed_inside_an_iteration_ends_only_that_iteration():
    body = """
steps:
  - type: foreach
    name: each
    iterationMapping: {collection: $.items, item: item}
    steps:
      - type: choice
        name: skip
        choices: [{condition: $.item == 2, goto: done}]
        default: {}
      - {type: pass, name: mark, outputMappings: [{target: marked, source: $input.item}]}
      - {type: succeed, name: done}
    outputMappings: [{target: locals, source: $local}]
  - {type: pass, name: after, outputMappings: [{target: after, source: reached}]}
"""
    result = run(body, {"items": [1, 2, 3]})
    assert result.output == {"locals": [{"marked": 1}, {}, {"marked": 3}], "after": "reached"}


def test_succeed_in_a_choice_branch_ends_the_enclosing_sequence():
    body = """
steps:
  - type: choice
    name: stop
    choices:
      - condition: $.stop
        steps: [{type: succeed, name: early}]
    default: {}
  - {type: pass, name: later, outputMappings: [{target: later, source: ran}]}
"""
    assert run(body, {"stop": True}).output == {}
    assert run(body, {"stop": False}).output == {"later": "ran"}


def test_parallel_branches_run_concurrently_and_fail_with_the_first_error():
    barrier = threading.Barrier(2, timeout=10)
    body = """
steps:
  - type: parallel
    name: both
    branches:
      - steps: [{type: task, name: a, resourceArn: "acs:fc:::services/svc/functions/meet"}]
      - steps: [{type: task, name: b, resourceArn: "acs:fc:::services/svc/functions/meet"}]
    outputMappings: [{target: got, source: "$local[*].ok"}]
"""
    assert run(body, {}, meet=lambda e: barrier.wait() * 0 or {"ok": True}).output == {"got": [True, True]}
    failing = body.replace(
        '- steps: [{type: task, name: b, resourceArn: "acs:fc:::services/svc/functions/meet"}]',
        "- steps: [{type: fail, name: b, error: BranchBroke}]",
    )
    result = run(failing, {}, meet=lambda e: {"ok": True})
    assert result.error == "BranchBroke"
    assert [e.type for e in result.events if e.type.startswith("Branch")].count("BranchEntered") == 2


def test_wait_duration_constant_or_path_goes_through_the_clock():
    clock = fdl.VirtualClock()
    body = """
steps:
  - {type: wait, name: fixed, duration: 30}
  - {type: wait, name: fromInput, duration: $.pollInterval}
"""
    start = clock.now()
    assert run(body, {"pollInterval": 10}, clock=clock).status == "Succeeded"
    assert clock.sleeps == [30, 10] and clock.now() - start == timedelta(seconds=40)


def test_wait_timestamp_waits_until_then_and_a_past_one_ends_at_once():
    clock = fdl.VirtualClock(datetime(2024, 1, 1, tzinfo=UTC))
    body = "steps: [{type: wait, name: until, timestamp: $.at}]"
    run(body, {"at": "2024-01-01T01:00:00Z"}, clock=clock)
    run(body, {"at": "2023-12-31T00:00:00+08:00"}, clock=clock)
    assert clock.sleeps == [3600, 0]


def test_wait_with_a_bad_duration_fails():
    assert run("steps: [{type: wait, name: w, duration: $.d}]", {"d": "ten"}).error == "FnF.InvalidWait"


def test_fail_fails_upward_with_error_and_cause():
    body = """
steps:
  - type: choice
    name: check
    choices:
      - condition: $.bad
        steps: [{type: fail, name: stop, error: BadInput, cause: bad was set}]
    default: {}
"""
    result = run(body, {"bad": True})
    assert (result.status, result.error, result.cause) == ("Failed", "BadInput", "bad was set")
    assert [e.step_name for e in result.events if e.type == "StepFailed"] == ["stop", "check"]


def test_end_true_stops_the_sequence():
    body = """
steps:
  - {type: pass, name: first, end: true, outputMappings: [{target: a, source: 1}]}
  - {type: pass, name: second, outputMappings: [{target: b, source: 2}]}
"""
    assert run(body, {}).output == {"a": 1}


def test_choice_without_a_match_and_an_empty_default_moves_on():
    body = """
steps:
  - type: choice
    name: check
    choices: [{condition: $.status == "running", goto: check}]
    default: {}
  - {type: pass, name: next, outputMappings: [{target: next, source: reached}]}
"""
    assert run(body, {"status": "success"}).output == {"next": "reached"}
