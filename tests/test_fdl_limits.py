"""Service limits: each one fails the execution with an error naming the limit, its value and the step."""

from __future__ import annotations

from typing import Any

import pytest

import fdl
from fdl.testing import engine_for, json_handler

HEAD = "version: v1\ntype: flow\n"


def run(
    body: str, payload: dict[str, Any], *, limits: fdl.Limits | None = None, **functions: Any
) -> fdl.ExecutionResult:
    handlers = {name: json_handler(fn) for name, fn in functions.items()}
    engine = engine_for({"f": HEAD + body}, handlers, clock=fdl.VirtualClock(), limits=limits or fdl.Limits())
    return engine.run("f", payload)


def test_defaults_are_cloudflows():
    limits = fdl.Limits()
    assert (
        limits.step_data_bytes,
        limits.events_per_execution,
        limits.foreach_items,
        limits.foreach_concurrency,
        limits.parallel_branches,
        limits.wait_seconds,
    ) == (32768, 5000, 100, 100, 100, 172800)


def test_step_data_over_32_kib_fails_the_execution_even_with_catch_all():
    body = """
steps:
  - type: task
    name: big
    resourceArn: acs:fc:::services/svc/functions/f
    catch: [{errors: [FnF.ALL], goto: big}]
"""
    result = run(body, {}, f=lambda e: {"blob": "x" * 33000})
    assert result.status == "Failed" and result.error == "FnF.StepDataTooLarge"
    assert "step big" in (result.cause or "") and "32768 bytes" in (result.cause or "")


def test_step_data_counts_input_output_and_local_together():
    # 3 x 12,000 bytes: each part fits alone, the sum does not
    result = run(
        "steps: [{type: task, name: t, resourceArn: 'acs:fc:::services/svc/functions/f'}]",
        {"in": "i" * 12000},
        f=lambda e: {"out": "o" * 12000},
    )
    assert result.error == "FnF.StepDataTooLarge" and "input 12009 + output 12010 + local 12010 = 36029 bytes" in (
        result.cause or ""
    )


def test_event_limit_stops_an_endless_loop():
    body = """
steps:
  - {type: pass, name: spin}
  - type: choice
    name: again
    choices: [{condition: $.forever, goto: spin}]
    default: {}
"""
    result = run(body, {"forever": True})
    assert result.error == "FnF.EventLimitExceeded" and "5000 events" in (result.cause or "")
    assert len(result.events) == 5001  # the limit, plus the terminal ExecutionFailed


def test_a_lower_event_limit_is_honoured():
    result = run("steps: [{type: pass, name: a}, {type: pass, name: b}]", {}, limits=fdl.Limits(events_per_execution=3))
    assert result.error == "FnF.EventLimitExceeded" and "StepEntered of step b" in (result.cause or "")


def test_foreach_over_100_items_fails():
    body = """
steps:
  - type: foreach
    name: each
    iterationMapping: {collection: $.items, item: item}
    steps: [{type: pass, name: p}]
"""
    assert run(body, {"items": list(range(100))}).status == "Succeeded"
    result = run(body, {"items": list(range(101))})
    assert result.error == "FnF.ForeachItemsExceeded" and "101 items, over the limit of 100" in (result.cause or "")


def test_wait_from_input_over_two_days_fails():
    result = run("steps: [{type: wait, name: nap, duration: $.seconds}]", {"seconds": 172801})
    assert result.error == "FnF.WaitTooLong" and "step nap: waits 172801 s, over the limit of 172800 s" in (
        result.cause or ""
    )


def test_parallel_branches_over_a_lowered_limit_fail():
    body = "steps: [{type: parallel, name: par, branches: [{steps: [{type: pass, name: a}]}, {steps: [{type: pass, name: b}]}]}]"
    assert run(body, {}, limits=fdl.Limits(parallel_branches=1)).error == "FnF.ParallelBranchesExceeded"


def test_with_concurrency_one_a_failure_skips_iterations_not_started():
    calls: list[int] = []
    body = """
steps:
  - type: foreach
    name: each
    iterationMapping: {collection: $.items, item: item}
    steps: [{type: task, name: t, resourceArn: "acs:fc:::services/svc/functions/f"}]
"""

    def first_fails(event: dict[str, Any]) -> dict[str, Any]:
        calls.append(event["item"])
        raise RuntimeError("no")

    result = run(body, {"items": [1, 2, 3]}, limits=fdl.Limits(foreach_concurrency=1), f=first_fails)
    assert result.error == "RuntimeError" and calls == [1]


@pytest.mark.parametrize("name", ["1starts-with-digit", "has space", "", "x" * 129, "dot.ted"])
def test_execution_names_follow_the_rule(name: str):
    engine = engine_for({"f": HEAD + "steps: [{type: pass, name: p}]"}, clock=fdl.VirtualClock())
    with pytest.raises(fdl.InvalidValueError, match=r"execution name=.*allowed 1-128 characters of \[A-Za-z0-9_-\]"):
        engine.start_execution("f", {}, name=name)


def test_flow_names_follow_the_rule_and_good_names_pass():
    registry = fdl.Registry()
    flow = fdl.load_flow(HEAD + "steps: [{type: pass, name: p}]")
    registry.add_flow("_ok-Name_1", flow)
    with pytest.raises(fdl.InvalidValueError, match="flow name='bad/name'"):
        registry.add_flow("bad/name", flow)


def test_bad_engine_options_are_typed_errors_naming_the_field():
    with pytest.raises(fdl.InvalidValueError, match="boolean_compare='loose' is invalid: allowed string or strict"):
        fdl.Engine(fdl.Registry(), boolean_compare="loose")
    with pytest.raises(fdl.InvalidValueError, match=r"Limits.foreach_items=0"):
        fdl.Limits(foreach_items=0)
    with pytest.raises(fdl.InvalidValueError, match="input="):
        engine_for({"f": HEAD + "steps: [{type: pass, name: p}]"}).start_execution("f", ["not", "an", "object"])  # type: ignore[arg-type]  # the wrong type on purpose
