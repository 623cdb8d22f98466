"""Engine(keep_histories=n): a long run keeps the event histories of only the last n ended executions."""

from __future__ import annotations

from typing import Any

import pytest

import fdl
from fdl.testing import engine_for, json_handler

HEAD = "version: v1\ntype: flow\n"
CHILD = HEAD + 'steps: [{type: task, name: double, resourceArn: "acs:fc:::services/svc/functions/double"}]'
PARENT = (
    HEAD
    + """
steps:
  - type: task
    name: callChild
    resourceArn: acs:fnf:::flow/child
    pattern: sync
    serviceParams:
      Input: $.payload
"""
)


def double(event: dict[str, Any]) -> dict[str, Any]:
    return {"n": event["n"] * 2}


def _engine(**options: Any) -> fdl.Engine:
    return engine_for(
        {"parent": PARENT, "child": CHILD}, {"double": json_handler(double)}, clock=fdl.VirtualClock(), **options
    )


def test_only_the_last_ended_executions_keep_their_history():
    # GIVEN an engine keeping one history
    engine = _engine(keep_histories=1)
    # WHEN three executions of the child flow run one after the other
    *_, third = (engine.run("child", {"n": n}, name=f"c{n}") for n in (1, 2, 3))
    # THEN the first two keep their result and how many events they had, not the events themselves
    results = {r.name: r for r in engine.wait_all()}
    assert [results[n].events for n in ("c1", "c2")] == [(), ()]
    assert results["c1"].output == {"n": 2} and results["c1"].status == "Succeeded"
    assert results["c1"].event_count == len(third.events) > 0
    assert engine.history("c1") == [] and engine.status("c1") == "Succeeded"
    # AND the last one keeps its whole history
    assert results["c3"].events == third.events and engine.history("c3") == list(third.events)
    assert [e.type for e in third.events][-1] == "ExecutionSucceeded"


def test_a_sync_parent_still_gets_the_output_of_a_child_whose_history_is_gone():
    # GIVEN an engine keeping no history at all
    engine = _engine(keep_histories=0)
    # WHEN a parent waits for its sync child
    result = engine.run("parent", {"payload": {"n": 21}})
    # THEN the child's output reached it, and neither kept its events
    assert (result.status, result.output) == ("Succeeded", {"n": 42})
    assert [r.events for r in engine.wait_all()] == [(), ()]
    assert all(r.event_count > 0 for r in engine.wait_all())


def test_by_default_every_history_is_kept():
    engine = _engine()
    engine.run("child", {"n": 1}, name="c1")
    engine.run("child", {"n": 2}, name="c2")
    assert all(r.events and len(r.events) == r.event_count for r in engine.wait_all())


def test_a_negative_keep_histories_is_refused_naming_the_option():
    with pytest.raises(fdl.InvalidValueError, match="keep_histories"):
        _engine(keep_histories=-1)
