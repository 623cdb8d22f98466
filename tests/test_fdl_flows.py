"""Nested flows (sync, requestResponse) and continue-as-new through fnf:StartExecution."""

from __future__ import annotations

import threading
from typing import Any

import pytest

import fdl
from fdl.testing import engine_for, json_handler

HEAD = "version: v1\ntype: flow\n"
CHILD = (
    HEAD
    + """
steps:
  - {type: task, name: double, resourceArn: "acs:fc:::services/svc/functions/double"}
"""
)
FAILING_CHILD = HEAD + "steps: [{type: fail, name: boom, error: AnyCustomError, cause: child says no}]"


def parent(pattern: str, extra: str = "") -> str:
    return (
        HEAD
        + f"""
steps:
  - type: task
    name: callChild
    resourceArn: acs:fnf:::flow/child
    pattern: {pattern}
    serviceParams:
      Input: $.payload
      ExecutionName: $.childName
{extra}"""
    )


def double(event: dict[str, Any]) -> dict[str, Any]:
    return {"n": event["n"] * 2}


def test_sync_child_output_becomes_the_step_result():
    engine = engine_for(
        {"parent": parent("sync"), "child": CHILD}, {"double": json_handler(double)}, clock=fdl.VirtualClock()
    )
    result = engine.run("parent", {"payload": {"n": 21}, "childName": "kid"})
    assert result.output == {"n": 42}
    assert engine.wait("kid").status == "Succeeded" and engine.wait("kid").flow_name == "child"
    submitted = [e for e in result.events if e.type == "TaskSubmitted"]
    assert submitted[0].detail == {"flowName": "child", "executionName": "kid"}


def test_sync_child_failure_is_catchable_by_its_error_name():
    extra = """    catch: [{errors: [AnyCustomError], goto: handled}]
  - {type: pass, name: handled, outputMappings: [{target: handled, source: $input.payload}]}"""
    engine = engine_for({"parent": parent("sync", extra), "child": FAILING_CHILD}, clock=fdl.VirtualClock())
    result = engine.run("parent", {"payload": {"n": 1}, "childName": "kid"})
    assert result.status == "Succeeded" and result.output == {"handled": {"n": 1}}


def test_uncaught_sync_child_failure_fails_the_parent_with_the_childs_error():
    engine = engine_for({"parent": parent("sync"), "child": FAILING_CHILD}, clock=fdl.VirtualClock())
    result = engine.run("parent", {"payload": {}, "childName": "kid"})
    assert (result.error, result.cause) == ("AnyCustomError", "child says no")


def test_request_response_returns_once_the_child_started():
    # GIVEN a child whose function blocks until the test releases it
    release = threading.Event()

    def blocked(event: dict[str, Any]) -> dict[str, Any]:
        assert release.wait(10)
        return double(event)

    engine = engine_for(
        {"parent": parent("requestResponse"), "child": CHILD},
        {"double": json_handler(blocked)},
        clock=fdl.VirtualClock(),
    )
    # WHEN the parent runs THEN it succeeds while the child still runs
    result = engine.run("parent", {"payload": {"n": 1}, "childName": "kid"})
    assert result.status == "Succeeded" and result.output == {}
    assert engine.status("kid") == "Running"
    release.set()
    assert engine.wait("kid").output == {"n": 2}


def test_without_service_params_the_child_gets_the_step_input_and_a_generated_name():
    flow = HEAD + "steps: [{type: task, name: c, resourceArn: 'acs:fnf:::flow/child', pattern: sync}]"
    engine = engine_for({"parent": flow, "child": CHILD}, {"double": json_handler(double)}, clock=fdl.VirtualClock())
    assert engine.run("parent", {"n": 5}).output == {"n": 10}
    assert len(engine.executions()) == 2


def test_a_missing_child_flow_is_fnf_flow_not_exists():
    engine = engine_for({"parent": parent("sync")}, clock=fdl.VirtualClock())
    assert engine.run("parent", {"payload": {}, "childName": "kid"}).error == "fnf.FlowNotExists"


CONTINUE_AS_NEW = (
    HEAD
    + """
steps:
  - {type: task, name: page, resourceArn: "acs:fc:::services/svc/functions/page"}
  - type: choice
    name: more
    choices:
      - condition: $.has_more
        steps:
          - type: task
            name: continueAsNew
            action: fnf:StartExecution
            serviceParams: {FlowName: pager, ExecutionName: $.next_name, Input: $}
            catch: [{errors: [fnf.ExecutionAlreadyExists], goto: alreadyStarted}]
          - {type: pass, name: alreadyStarted}
    default: {}
"""
)


def pages(event: dict[str, Any]) -> dict[str, Any]:
    page = event.get("page", 0) + 1
    return {"page": page, "has_more": page < 4, "next_name": f"pager-{page + 1}"}


def test_continue_as_new_chains_executions_and_wait_all_waits_for_the_whole_chain():
    engine = engine_for({"pager": CONTINUE_AS_NEW}, {"page": json_handler(pages)}, clock=fdl.VirtualClock())
    engine.start_execution("pager", {}, name="pager-1")
    results = engine.wait_all()
    assert sorted(r.name for r in results) == ["pager-1", "pager-2", "pager-3", "pager-4"]
    assert all(r.status == "Succeeded" for r in results)
    assert engine.wait("pager-4").output == {"page": 4, "has_more": False, "next_name": "pager-5"}


def test_a_repeated_continue_as_new_is_caught_as_execution_already_exists():
    # GIVEN the next execution already exists (a hand-off that happened before)
    engine = engine_for(
        {"pager": CONTINUE_AS_NEW},
        {"page": json_handler(lambda e: {**pages(e), "has_more": e.get("page", 0) < 1})},
        clock=fdl.VirtualClock(),
    )
    engine.run("pager", {"page": 1}, name="pager-2")
    # WHEN an execution hands off to that same name
    result = engine.run("pager", {}, name="pager-1")
    engine.wait_all()
    # THEN the start fails with fnf.ExecutionAlreadyExists, which the catch swallows
    assert result.status == "Succeeded"
    failed = [e.detail for e in result.events if e.type == "TaskFailed"]
    assert failed[0]["error"] == "fnf.ExecutionAlreadyExists"
    assert sorted(engine.executions()) == ["pager-1", "pager-2"]


def test_starting_a_name_twice_through_the_api_raises():
    engine = engine_for({"child": CHILD}, {"double": json_handler(double)}, clock=fdl.VirtualClock())
    engine.run("child", {"n": 1}, name="once")
    with pytest.raises(fdl.ExecutionAlreadyExists, match="execution 'once' of flow 'child' already exists"):
        engine.start_execution("child", {"n": 1}, name="once")


def test_unknown_flow_and_execution_are_typed_errors():
    engine = engine_for({"child": CHILD}, clock=fdl.VirtualClock())
    with pytest.raises(fdl.FlowNotFound):
        engine.start_execution("nope", {})
    with pytest.raises(fdl.ExecutionNotFound):
        engine.wait("nope")


def test_on_event_sees_every_event_of_every_execution_in_order():
    seen: list[tuple[str, int, str]] = []
    engine = engine_for(
        {"parent": parent("sync"), "child": CHILD},
        {"double": json_handler(double)},
        clock=fdl.VirtualClock(),
        on_event=lambda execution, event: seen.append((execution, event.event_id, event.type)),
    )
    engine.run("parent", {"payload": {"n": 1}, "childName": "kid"}, name="mom")
    for name in ("mom", "kid"):
        mine = [(event_id, kind) for execution, event_id, kind in seen if execution == name]
        assert mine == [(e.event_id, e.type) for e in engine.history(name)]
    assert ("kid", 1, "ExecutionStarted") in seen and seen[-1] == (
        "mom",
        len(engine.history("mom")),
        "ExecutionSucceeded",
    )


def test_flow_timeout_seconds_fails_an_execution_that_runs_too_long():
    flow = (
        HEAD
        + """
timeoutSeconds: 60
steps:
  - {type: wait, name: long, duration: 61}
  - {type: pass, name: late}
"""
    )
    result = engine_for({"f": flow}, clock=fdl.VirtualClock()).run("f", {})
    assert result.error == "FnF.ExecutionTimedOut" and "before step late" in (result.cause or "")
