"""Data flow between steps: mappings, $local merging, step outputs, $context."""

from __future__ import annotations

from typing import Any

import pytest

import fdl
from fdl.testing import engine_for, json_handler

HEAD = "version: v1\ntype: flow\n"


def run(body: str, payload: dict[str, Any], **functions: Any) -> fdl.ExecutionResult:
    handlers = {name: json_handler(fn) for name, fn in functions.items()}
    engine = engine_for({"f": HEAD + body}, handlers, clock=fdl.VirtualClock())
    return engine.run("f", payload, name="run1")


def test_pass_injects_constants_of_every_form():
    result = run(
        """
steps:
  - type: pass
    name: init
    outputMappings:
      - {target: number, source: 100}
      - {target: text, source: "hello"}
      - {target: empty, source: ''}
      - {target: word, source: dummy_email@dummy_address}
      - {target: copied, source: $input.a.b}
      - {target: first, source: "$input.list[0]"}
      - {target: null_value, source: $input.none}
""",
        {"a": {"b": "B"}, "list": ["x", "y"], "none": None},
    )
    assert result.status == "Succeeded"
    assert result.output == {
        "number": 100,
        "text": "hello",
        "empty": "",
        "word": "dummy_email@dummy_address",
        "copied": "B",
        "first": "x",
        "null_value": None,
    }


MISSING = """
steps:
  - type: task
    name: t
    resourceArn: acs:fc:::services/svc/functions/echo
    inputMappings:
      - {target: present, source: $input.a.b}
      - {target: region, source: $input.a.region}
"""


def test_strict_mappings_fail_the_step_naming_the_missing_path():
    # GIVEN the engine's default (strict) mappings and an input without a.region
    calls: list[dict[str, Any]] = []
    result = run(MISSING, {"a": {"b": 1}}, echo=lambda e: calls.append(e) or {})
    # THEN the step fails before the function is called, with the target, the source and the path named
    assert (result.status, result.error) == ("Failed", "FnF.MappingSourceMissing") and calls == []
    assert (
        result.cause
        == "inputMappings target 'region': source $input.a.region does not exist (nothing at $input.a.region)"
    )
    assert "step t" in (result.message or "")


@pytest.mark.parametrize(
    ("source", "payload", "missing"),
    [
        ("$input.list[2]", {"list": [1, 2]}, "$input.list[2]"),
        ("$input.a.b.c", {"a": {"b": 5}}, "$input.a.b.c"),
        ("$input.a.b.c", {"a": None}, "$input.a.b"),
        ("$input.rows[*].k", {"rows": [{"k": 1}, {}]}, "$input.rows[*].k"),
        ("$local.x", {}, "$local.x"),
    ],
)
def test_strict_mappings_name_the_first_part_of_the_path_that_is_missing(
    source: str, payload: dict[str, Any], missing: str
):
    result = run(f"steps: [{{type: pass, name: p, outputMappings: [{{target: out, source: '{source}'}}]}}]", payload)
    assert result.error == "FnF.MappingSourceMissing" and result.cause is not None
    assert result.cause.endswith(f"(nothing at {missing})")


def test_strict_mappings_check_service_params_and_flow_mappings_too():
    child = HEAD + "steps: [{type: pass, name: p}]"
    parent = (
        HEAD
        + """
steps:
  - type: task
    name: start
    action: fnf:StartExecution
    serviceParams: {FlowName: child, ExecutionName: $.nextName, Input: $}
"""
    )
    result = engine_for({"parent": parent, "child": child}, clock=fdl.VirtualClock()).run("parent", {})
    assert result.error == "FnF.MappingSourceMissing" and "serviceParams target 'ExecutionName'" in (result.cause or "")
    outputs = HEAD + "outputMappings: [{target: gone, source: $local.gone}]\nsteps: [{type: pass, name: p}]"
    result = engine_for({"f": outputs}, clock=fdl.VirtualClock()).run("f", {})
    assert result.error == "FnF.MappingSourceMissing" and "flow outputMappings target 'gone'" in (result.cause or "")


def test_lenient_mappings_map_a_missing_path_to_null():
    # GIVEN the engine told explicitly to be lenient WHEN a mapping reads a missing path THEN it gets null
    calls: list[dict[str, Any]] = []
    engine = engine_for(
        {"f": HEAD + MISSING},
        {"echo": json_handler(lambda e: calls.append(e) or {})},
        clock=fdl.VirtualClock(),
        mappings="lenient",
    )
    assert engine.run("f", {"a": {"b": 1}}).status == "Succeeded"
    assert calls == [{"present": 1, "region": None}]


def test_the_mapping_mode_is_checked():
    with pytest.raises(fdl.InvalidValueError, match="mappings"):
        fdl.Engine(fdl.Registry(), mappings="loose")


def test_without_input_mappings_input_is_parent_input_merged_with_parent_local():
    seen: list[dict[str, Any]] = []
    result = run(
        """
steps:
  - {type: pass, name: a, outputMappings: [{target: x, source: from_a}]}
  - {type: pass, name: b, outputMappings: [{target: x, source: from_b}, {target: y, source: 2}]}
  - {type: task, name: t, resourceArn: "acs:fc:::services/svc/functions/echo"}
""",
        {"x": "from_input", "z": 1},
        echo=lambda e: seen.append(e) or {"done": True},
    )
    # THEN local wins over input, and the later step wins over the earlier one
    assert seen == [{"x": "from_b", "z": 1, "y": 2}]
    # AND the flow output is the union of step outputs ($local), later wins
    assert result.output == {"x": "from_b", "y": 2, "done": True}


def test_input_mappings_read_parent_input_local_and_context():
    seen: list[dict[str, Any]] = []
    run(
        """
steps:
  - {type: pass, name: a, outputMappings: [{target: fromLocal, source: L}]}
  - type: task
    name: t
    resourceArn: acs:fc:::services/svc/functions/echo
    inputMappings:
      - {target: i, source: $input.value}
      - {target: l, source: $local.fromLocal}
      - {target: execution, source: $context.execution.name}
      - {target: token, source: $context.task.token}
""",
        {"value": 1, "other": 2},
        echo=lambda e: seen.append(e) or {},
    )
    event = seen[0]
    assert {k: event[k] for k in ("i", "l", "execution")} == {"i": 1, "l": "L", "execution": "run1"}
    assert isinstance(event["token"], str) and event["token"]
    assert "other" not in event  # with inputMappings the input is only the mapped keys


def test_output_mappings_read_the_steps_own_input_and_local():
    result = run(
        """
steps:
  - type: task
    name: t
    resourceArn: acs:fc:::services/svc/functions/f
    inputMappings: [{target: given, source: $input.g}]
    outputMappings:
      - {target: fromInput, source: $input.given}
      - {target: fromLocal, source: $local.made}
""",
        {"g": "G"},
        f=lambda e: {"made": "M", "dropped": 1},
    )
    assert result.output == {"fromInput": "G", "fromLocal": "M"}


def test_flow_level_mappings():
    result = run(
        """
inputMappings: [{target: v, source: $input.raw}]
outputMappings: [{target: out, source: $local.v2}, {target: original, source: $input.v}]
steps:
  - {type: task, name: t, resourceArn: "acs:fc:::services/svc/functions/f"}
""",
        {"raw": 3, "ignored": True},
        f=lambda e: {"v2": e["v"] * 2, "sawIgnored": "ignored" in e},
    )
    assert result.output == {"out": 6, "original": 3}


def test_foreach_and_parallel_output_is_empty_without_output_mappings():
    result = run(
        """
steps:
  - type: foreach
    name: each
    iterationMapping: {collection: $.items, item: item}
    steps: [{type: task, name: t, resourceArn: "acs:fc:::services/svc/functions/f"}]
  - type: parallel
    name: both
    branches:
      - steps: [{type: pass, name: p1, outputMappings: [{target: r, source: one}]}]
      - steps: [{type: pass, name: p2, outputMappings: [{target: r, source: two}]}]
""",
        {"items": [1, 2]},
        f=lambda e: {"double": e["item"] * 2},
    )
    assert result.output == {}


def test_projection_and_flattening_over_iteration_locals():
    result = run(
        """
steps:
  - type: foreach
    name: each
    iterationMapping: {collection: $.items, item: item, index: i}
    steps: [{type: task, name: t, resourceArn: "acs:fc:::services/svc/functions/f"}]
    outputMappings:
      - {target: doubles, source: "$local[*].double"}
      - {target: parts, source: "$local[*].parts[*]"}
      - {target: indexes, source: "$local[*].i"}
  - type: parallel
    name: both
    branches:
      - steps: [{type: pass, name: p1, outputMappings: [{target: r, source: one}]}]
      - steps: [{type: pass, name: p2, outputMappings: [{target: r, source: two}]}]
    outputMappings: [{target: result, source: "$local[*].r"}]
""",
        {"items": [1, 2, 3]},
        f=lambda e: {"double": e["item"] * 2, "parts": [e["item"]] * e["item"], "i": e["i"]},
    )
    assert result.output == {
        "doubles": [2, 4, 6],
        "parts": [1, 2, 2, 3, 3, 3],
        "indexes": [0, 1, 2],
        "result": ["one", "two"],
    }


def test_choice_outputs_the_local_of_the_branch_that_ran():
    result = run(
        """
steps:
  - type: choice
    name: pick
    choices:
      - condition: $.n > 10
        steps: [{type: pass, name: big, outputMappings: [{target: size, source: big}]}]
    default:
      steps: [{type: pass, name: small, outputMappings: [{target: size, source: small}]}]
""",
        {"n": 3},
    )
    assert result.output == {"size": "small"}


def test_events_record_step_input_and_output():
    result = run("steps: [{type: pass, name: p, outputMappings: [{target: k, source: v}]}]", {"a": 1})
    kinds = [(e.type, e.step_name) for e in result.events]
    assert kinds == [("ExecutionStarted", ""), ("StepEntered", "p"), ("StepExited", "p"), ("ExecutionSucceeded", "")]
    assert result.events[1].detail == {"input": {"a": 1}} and result.events[2].detail == {"output": {"k": "v"}}
    assert [e.event_id for e in result.events] == [1, 2, 3, 4]
    assert result.events[2].event_detail == '{"output": {"k": "v"}}'
