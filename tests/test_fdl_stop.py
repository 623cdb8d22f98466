"""Engine.stop(): what an interrupted command calls. Nothing starts after it, and every execution ends Stopped."""

from __future__ import annotations

import threading

import fdl
from fdl.testing import engine_for

HEAD = "version: v1\ntype: flow\n"
LONG_WAIT = (
    HEAD
    + """
steps:
  - {type: wait, name: nap, duration: 86400}
  - {type: task, name: after, resourceArn: "acs:fc:::services/svc/functions/after"}
"""
)
RETRIED = (
    HEAD
    + """
steps:
  - type: task
    name: flaky
    resourceArn: "acs:fc:::services/svc/functions/flaky"
    retry: [{errors: [Transient], intervalSeconds: 1, maxAttempts: 5}]
    catch: [{errors: [Transient], goto: handled}]
  - {type: pass, name: handled}
"""
)


class Transient(Exception):
    pass


def test_stop_ends_a_wait_at_once_and_no_step_starts_after_it():
    # GIVEN an execution sleeping for a day on the real clock, before a task
    called = threading.Event()
    engine = engine_for({"main": LONG_WAIT}, {"after": lambda event, context: called.set() or "{}"})
    name = engine.start_execution("main", {})
    # WHEN the engine is stopped
    engine.stop()
    (result,) = engine.wait_all(timeout=30)
    # THEN the execution ended Stopped, with the event CloudFlow records, and the task never ran
    assert (result.name, result.status, result.error) == (name, "Stopped", "FnF.ExecutionStopped")
    assert result.events[-1].type == "ExecutionStopped"
    assert not called.is_set()


def test_a_failure_after_stop_is_neither_retried_nor_caught():
    # GIVEN a task whose error matches a retry and a catch rule, and that stops the engine as it fails
    calls = []
    engine: fdl.Engine

    def flaky(event, context):
        calls.append(1)
        engine.stop()
        raise Transient("try again")

    engine = engine_for({"main": RETRIED}, {"flaky": flaky}, clock=fdl.VirtualClock())
    # WHEN it runs THEN it is called once and the execution is Stopped, not handled
    result = engine.run("main", {})
    assert (len(calls), result.status) == (1, "Stopped")
    assert not [e for e in result.events if e.step_name == "handled"]


def test_a_keyboard_interrupt_from_a_handler_ends_the_execution_instead_of_escaping_its_thread():
    # GIVEN a handler that raises KeyboardInterrupt (as a worker's Ctrl-C once came back through its future)
    def interrupted(event, context):
        raise KeyboardInterrupt

    engine = engine_for(
        {"main": LONG_WAIT.replace("nap, duration: 86400", "nap, duration: 0")},
        {"after": interrupted},
        clock=fdl.VirtualClock(),
    )
    # WHEN it runs THEN the execution ends (Stopped) and wait() returns instead of hanging
    result = engine.run("main", {})
    assert (result.status, result.error) == ("Stopped", "FnF.ExecutionStopped")
    assert "KeyboardInterrupt" in (result.cause or "")
