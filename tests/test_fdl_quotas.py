"""CloudFlow's account quotas (off by default, on with `quotas=Quotas()`) and StartExecution's
documented idempotency, on the engine's injectable clock."""

from __future__ import annotations

import dataclasses
import threading
import time
from typing import Any

import pytest

import fdl
from fdl.testing import engine_for, json_handler

HEAD = "version: v1\ntype: flow\n"
PASS = HEAD + "steps: [{type: pass, name: p}]"
BLOCKING = HEAD + 'steps: [{type: task, name: hold, resourceArn: "acs:fc:::services/svc/functions/hold"}]'
HAND_OFF = (
    HEAD
    + """
steps:
  - type: task
    name: handOff
    action: fnf:StartExecution
    serviceParams: {FlowName: held, ExecutionName: $.next, Input: $}
    retry: [{errors: [fnf.ResourceThrottled], intervalSeconds: 1, maxAttempts: 3}]
"""
)


class Gate:
    """A function that holds every call until opened, so executions stay Running."""

    def __init__(self) -> None:
        self.opened = threading.Event()
        self.entered = threading.Semaphore(0)

    def __call__(self, event: dict[str, Any]) -> dict[str, Any]:
        self.entered.release()
        assert self.opened.wait(10)
        return {"done": True}


def held_engine(gate: Gate, **options: Any) -> fdl.Engine:
    return engine_for(
        {"held": BLOCKING, "parent": HAND_OFF, "pass": PASS},
        {"hold": json_handler(gate)},
        clock=fdl.VirtualClock(),
        **options,
    )


# --- StartExecution idempotency ------------------------------------------------------------------


def test_starting_the_name_of_a_running_execution_returns_it_and_starts_nothing():
    gate = Gate()
    engine = held_engine(gate)
    # GIVEN an execution "run-1" still running
    engine.start_execution("held", {"a": 1}, name="run-1")
    assert gate.entered.acquire(timeout=10)
    # WHEN it is started again by name, even with another input
    again = engine.start_execution("held", {"a": 2}, name="run-1")
    # THEN the running execution is returned and nothing new runs
    assert again == "run-1" and engine.executions() == ["run-1"] and engine.status("run-1") == "Running"
    gate.opened.set()
    assert engine.wait("run-1").status == "Succeeded"
    assert [e.detail["input"] for e in engine.history("run-1") if e.type == "ExecutionStarted"] == [{"a": 1}]


def test_starting_the_name_of_a_finished_execution_is_execution_already_exists():
    engine = engine_for({"pass": PASS}, clock=fdl.VirtualClock())
    assert engine.run("pass", {}, name="done-1").status == "Succeeded"
    with pytest.raises(fdl.ExecutionAlreadyExists, match="done-1"):
        engine.start_execution("pass", {}, name="done-1")


def test_a_hand_off_to_a_running_execution_succeeds_without_a_second_start():
    gate = Gate()
    engine = held_engine(gate)
    engine.start_execution("held", {}, name="next-1")
    assert gate.entered.acquire(timeout=10)
    # WHEN a flow hands off (fnf:StartExecution) to the name of that running execution
    result = engine.run("parent", {"next": "next-1"}, name="parent-1")
    # THEN the task succeeds, as the service returns the running execution, and no duplicate runs
    assert result.status == "Succeeded"
    assert sorted(engine.executions()) == ["next-1", "parent-1"]
    gate.opened.set()
    engine.wait_all()


# --- quotas --------------------------------------------------------------------------------------


def test_quotas_are_off_by_default():
    engine = engine_for({"pass": PASS}, clock=fdl.VirtualClock())
    names = [engine.start_execution("pass", {}, name=f"e{i}") for i in range(150)]
    assert len(engine.wait_all()) == len(names) == 150
    # AND nothing was throttled, though every step entry was still metered (so a benchmark can read it)
    stats = engine.quota_stats
    assert stats.metered_entries == 150 and dataclasses.replace(stats, metered_entries=0) == fdl.QuotaStats()


def test_start_execution_is_a_bucket_of_100_refilled_at_100_per_second():
    # GIVEN CloudFlow's quotas on a clock that does not move
    clock = fdl.VirtualClock()
    engine = engine_for({"pass": PASS}, clock=clock, quotas=fdl.Quotas())
    for i in range(100):
        engine.start_execution("pass", {}, name=f"e{i}")
    # WHEN a 101st start comes within the same instant THEN it is throttled, naming ResourceThrottled
    with pytest.raises(fdl.ExecutionThrottled, match="ResourceThrottled") as throttled:
        engine.start_execution("pass", {}, name="e100")
    assert throttled.value.code == "ResourceThrottled" and throttled.value.retry_after == pytest.approx(0.01)
    # AND a hundredth of a second later one token is back, and only one
    clock.advance(0.01)
    engine.start_execution("pass", {}, name="e100")
    with pytest.raises(fdl.ExecutionThrottled):
        engine.start_execution("pass", {}, name="e101")
    engine.wait_all()
    assert engine.quota_stats.starts_throttled == 2


def test_a_throttled_start_from_a_task_is_fnf_resource_throttled_and_retried():
    # GIVEN a bucket of one StartExecution, refilled at one per second, which starting the parent empties
    gate = Gate()
    gate.opened.set()
    engine = held_engine(gate, quotas=fdl.Quotas(start_execution_tokens=1, start_execution_refill_per_second=1))
    # WHEN the parent hands off at once
    result = engine.run("parent", {"next": "child-1"}, name="parent-1")
    engine.wait_all()
    # THEN its first attempt fails with fnf.ResourceThrottled and the retry, a second later, starts the child
    failed = [e.detail["error"] for e in result.events if e.type == "TaskFailed"]
    assert failed == ["fnf.ResourceThrottled"] and result.status == "Succeeded"
    assert engine.status("child-1") == "Succeeded"


def test_step_entries_wait_for_the_accounts_step_tokens():
    # GIVEN a bucket of 2 step tokens refilled at 1 per second, and a flow of 5 steps
    clock = fdl.VirtualClock()
    flow = HEAD + "steps: [" + ", ".join(f"{{type: pass, name: s{i}}}" for i in range(5)) + "]"
    engine = engine_for({"f": flow}, clock=clock, quotas=fdl.Quotas(step_tokens=2, step_refill_per_second=1))
    # WHEN it runs
    result = engine.run("f", {})
    # THEN it succeeds, the first two steps enter at once and each later one waits a second for its token
    assert result.status == "Succeeded" and clock.sleeps == [1.0, 1.0, 1.0]
    entered = [e.time for e in result.events if e.type == "StepEntered"]
    assert [(t - entered[0]).total_seconds() for t in entered] == [0, 0, 1, 2, 3]
    assert (engine.quota_stats.step_delays, engine.quota_stats.step_delay_seconds) == (3, 3.0)


def test_a_foreach_of_100_steps_past_the_bucket_is_slowed_to_100_per_second():
    clock = fdl.VirtualClock()
    flow = (
        HEAD
        + """
steps:
  - type: foreach
    name: each
    iterationMapping: {collection: $.items, item: item}
    steps: [{type: pass, name: a}, {type: pass, name: b}]
"""
    )
    engine = engine_for({"f": flow}, clock=clock, quotas=fdl.Quotas())
    result = engine.run("f", {"items": list(range(100))})
    # 201 step entries (the foreach and two per iteration) against 100 tokens: about a second of waiting
    assert result.status == "Succeeded" and engine.quota_stats.step_delays >= 101
    assert sum(clock.sleeps) >= 1.0


def test_at_most_the_quota_of_executions_run_at_once():
    gate = Gate()
    engine = held_engine(gate, quotas=fdl.Quotas(running_executions=2))
    engine.start_execution("held", {}, name="r1")
    engine.start_execution("held", {}, name="r2")
    # WHEN a third starts while two run THEN it is refused
    with pytest.raises(fdl.ExecutionLimitExceeded, match="2 executions are already running"):
        engine.start_execution("held", {}, name="r3")
    # AND once they end it starts
    gate.opened.set()
    engine.wait_all()
    engine.start_execution("held", {}, name="r3")
    assert engine.wait("r3").status == "Succeeded" and engine.quota_stats.starts_refused_running == 1


def test_quota_values_are_checked():
    with pytest.raises(fdl.InvalidValueError, match=r"Quotas.step_tokens"):
        fdl.Quotas(step_tokens=0)


# --- FC's instances per region -------------------------------------------------------------------

FAN_OUT = (
    HEAD
    + """
steps:
  - type: foreach
    name: each
    iterationMapping: {collection: $.items, item: item}
    steps:
      - type: task
        name: call
        resourceArn: "{{arn}}"
        retry: [{errors: [FC.ResourceThrottled], intervalSeconds: 1, maxAttempts: 5}]
"""
)


def test_an_invocation_past_the_regions_instances_fails_at_once_and_is_retried():
    # GIVEN FC's quota at 2 instances per region, and a foreach invoking one function 3 times at once, each
    # call held open until the third has been refused (on the real clock: the retry waits its second)
    gate = Gate()
    arn = "acs:fc:cn-hangzhou:1:services/svc/functions/hold"
    engine = engine_for(
        {"f": FAN_OUT.replace("{{arn}}", arn)}, {arn: json_handler(gate)}, quotas=fdl.Quotas(fc_instances_per_region=2)
    )
    engine.start_execution("f", {"items": [1, 2, 3]}, name="burst")
    assert gate.entered.acquire(timeout=10) and gate.entered.acquire(timeout=10)
    while not engine.quota_stats.fc_throttled:
        time.sleep(0.01)
    # WHEN the held calls end
    gate.opened.set()
    result = engine.wait("burst")
    # THEN the third invocation had failed at once with FC.ResourceThrottled, and its retry succeeded
    failed = [e.detail["error"] for e in result.events if e.type == "TaskFailed"]
    assert result.status == "Succeeded" and failed and set(failed) == {"FC.ResourceThrottled"}
    assert engine.quota_stats.fc_throttled == len(failed) and engine.quota_stats.fc_peak_instances == 2


def test_without_quotas_or_in_another_region_nothing_is_throttled():
    gate = Gate()
    gate.opened.set()
    # GIVEN the same burst without quotas THEN all run at once, none throttled
    arn = "acs:fc:cn-hangzhou:1:services/svc/functions/hold"
    engine = engine_for({"f": FAN_OUT.replace("{{arn}}", arn)}, {arn: json_handler(gate)}, clock=fdl.VirtualClock())
    assert engine.run("f", {"items": [1, 2, 3]}).status == "Succeeded"
    assert dataclasses.replace(engine.quota_stats, metered_entries=0) == fdl.QuotaStats()
    # AND each region has its own instances: two functions in two regions at a quota of one each
    hangzhou, shanghai = (
        "acs:fc:cn-hangzhou:1:services/svc/functions/a",
        "acs:fc:cn-shanghai:1:services/svc/functions/b",
    )
    held = Gate()
    engine = engine_for(
        {"a": FAN_OUT.replace("{{arn}}", hangzhou), "b": FAN_OUT.replace("{{arn}}", shanghai)},
        {hangzhou: json_handler(held), shanghai: json_handler(held)},
        clock=fdl.VirtualClock(),
        quotas=fdl.Quotas(fc_instances_per_region=1),
    )
    engine.start_execution("a", {"items": [1]}, name="ra")
    engine.start_execution("b", {"items": [1]}, name="rb")
    assert held.entered.acquire(timeout=10) and held.entered.acquire(timeout=10)  # both running at once
    held.opened.set()
    assert {r.status for r in engine.wait_all()} == {"Succeeded"} and engine.quota_stats.fc_throttled == 0
