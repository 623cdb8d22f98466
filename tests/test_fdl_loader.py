"""Loading flows: the model mirrors the YAML, and every broken rule names the file and the key path."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

import fdl
from fdl.paths import Constant, PathExpr

FLOWS = Path(__file__).parent / "flows"


def load(body: str, **options: object) -> fdl.Flow:
    return fdl.load_flow("version: v1\ntype: flow\n" + textwrap.dedent(body), name="flows/test.yaml", **options)  # type: ignore[arg-type]  # load_flow's keywords


def load_error(body: str) -> str:
    with pytest.raises(fdl.FlowDefinitionError) as info:
        load(body)
    return str(info.value)


def test_task_fields_mirror_the_yaml_keys():
    # GIVEN a task with every option WHEN loaded
    flow = load("""
        steps:
          - type: task
            name: call
            resourceArn: acs:fc:cn-hangzhou:123:services/svc.LATEST/functions/fn
            timeoutSeconds: 30
            retry: [{errors: [FC.Unknown], intervalSeconds: 2, maxAttempts: 5, multiplier: 3, maxIntervalSeconds: 60}]
            catch: [{errors: [FnF.ALL], goto: call}]
            inputMappings: [{target: a, source: '$input.x[0]'}, {target: b, source: 7}, {target: c, source: ''}]
    """)
    # THEN the dataclasses carry the values, typed
    task = flow.steps[0]
    assert isinstance(task, fdl.TaskStep)
    assert task.timeout_seconds == 30 and task.pattern == "requestResponse"
    assert task.retry == (fdl.RetryRule(("FC.Unknown",), 2, 5, 3, 60),)
    assert task.catch == (fdl.CatchRule(("FnF.ALL",), "call"),)
    assert task.input_mappings[0].source == PathExpr("input", ("x", 0), "$input.x[0]")
    assert [m.source for m in task.input_mappings[1:]] == [Constant(7), Constant("")]


def test_retry_defaults_are_cloudflows():
    flow = load("""
        steps:
          - {type: task, name: t, resourceArn: "acs:fc:::services/s/functions/f", retry: [{errors: [X]}]}
    """)
    assert flow.steps[0].retry[0] == fdl.RetryRule(("X",), 1, 3, 2, 86400)  # type: ignore[union-attr]  # a task step


def test_v1beta1_is_accepted_and_other_versions_are_not():
    assert fdl.load_flow("version: v1beta1\ntype: flow\nsteps: [{type: pass, name: p}]").version == "v1beta1"
    with pytest.raises(fdl.FlowDefinitionError, match=r"<flow>: version: 'v2' is not supported"):
        fdl.load_flow("version: v2\ntype: flow\nsteps: [{type: pass, name: p}]")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("steps: [{type: pass, name: p, colour: red}]", "flows/test.yaml: steps[0] (p).colour: unknown key"),
        ("steps: [{type: pass}]", "flows/test.yaml: steps[0].name: is required"),
        ("steps: [{type: loop, name: l}]", "steps[0] (l).type: 'loop' is not a step type"),
        ("steps: [{type: pass, name: p}, {type: pass, name: p}]", "steps[1] (p).name: duplicate step name"),
        ("steps: []", "steps: expected a non-empty list"),
        ("type2: x\nsteps: [{type: pass, name: p}]", "type2: unknown key"),
    ],
)
def test_structure_errors_name_file_and_key_path(body: str, expected: str):
    assert expected in load_error(body)


def test_condition_syntax_is_checked_at_load_time_with_its_path():
    message = load_error("""
        steps:
          - type: pass
            name: a
          - type: choice
            name: checkEnd
            choices:
              - condition: $.end == "true" &&
                goto: a
    """)
    assert message.startswith("flows/test.yaml: steps[1] (checkEnd).choices[0].condition: ")
    assert "ends too early" in message


def test_goto_must_target_a_sibling():
    message = load_error("""
        steps:
          - type: choice
            name: outer
            choices:
              - condition: $.x == 1
                steps:
                  - {type: pass, name: inner}
            default: {goto: inner}
    """)
    assert "steps[0] (outer).default.goto: goto 'inner' is not a sibling step; siblings: outer" in message


def test_catch_goto_must_target_a_sibling():
    message = load_error("""
        steps:
          - {type: task, name: t, resourceArn: "acs:fc:::services/s/functions/f", catch: [{errors: [FnF.ALL], goto: nowhere}]}
    """)
    assert "steps[0] (t).catch[0].goto: goto 'nowhere' is not a sibling" in message


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("intervalSeconds: 86401", "retry[0].intervalSeconds: 86401 is out of range: allowed a number from 1 to 86400"),
        ("maxIntervalSeconds: 100000", "retry[0].maxIntervalSeconds: 100000 is out of range"),
        ("maxAttempts: -1", "retry[0].maxAttempts: -1 is out of range: allowed an integer >= 0"),
        ("multiplier: 0.5", "retry[0].multiplier: 0.5 is out of range: allowed a number >= 1"),
    ],
)
def test_retry_values_are_range_checked(rule: str, expected: str):
    message = load_error(f"""
        steps:
          - type: task
            name: t
            resourceArn: acs:fc:::services/s/functions/f
            retry: [{{errors: [X], {rule}}}]
    """)
    assert f"steps[0] (t).{expected}" in message


def test_wait_constant_over_two_days_is_refused():
    message = load_error("steps: [{type: wait, name: w, duration: 172801}]")
    assert "steps[0] (w).duration: 172801 is out of range: allowed a number from 0 to 172800" in message


def test_wait_needs_exactly_one_of_duration_and_timestamp():
    assert "exactly one of duration or timestamp" in load_error("steps: [{type: wait, name: w}]")
    assert "not an RFC 3339 time" in load_error("steps: [{type: wait, name: w, timestamp: tomorrow}]")


def test_more_than_100_parallel_branches_is_refused():
    branches = ", ".join("{steps: [{type: pass, name: p}]}" for _ in range(101))
    assert "branches: 101 branches: CloudFlow allows at most 100" in load_error(
        f"steps: [{{type: parallel, name: par, branches: [{branches}]}}]"
    )


@pytest.mark.parametrize(
    ("source", "expected"),
    [("$.x", "mapping sources use $input, $local or $context"), ("$context.who", "$context has execution, flow, step, task"),
     ("$input.a[x]", "cannot parse")],
)
def test_mapping_sources_are_checked(source: str, expected: str):
    message = load_error(f"steps: [{{type: pass, name: p, outputMappings: [{{target: t, source: '{source}'}}]}}]")
    assert "steps[0] (p).outputMappings[0].source" in message and expected in message


def test_task_arn_and_pattern_are_checked():
    assert "is not a function ARN" in load_error("steps: [{type: task, name: t, resourceArn: 'arn:aws:lambda:x'}]")
    assert "waitForCallback is valid FDL but" in load_error(
        "steps: [{type: task, name: t, resourceArn: 'acs:fnf:::flow/f', pattern: waitForCallback}]")
    assert "serviceParams.FlowName: is required" in load_error("steps: [{type: task, name: t, action: fnf:StartExecution}]")


def test_placeholders_are_rendered_before_parsing():
    flow = load("steps: [{type: task, name: t, resourceArn: 'acs:fc:::services/{{svc}}/functions/f'}]", variables={"svc": "prod"})
    assert flow.steps[0].resource_arn == "acs:fc:::services/prod/functions/f"  # type: ignore[union-attr]  # a task step


def test_a_placeholder_without_value_is_an_error_naming_line_and_name():
    with pytest.raises(fdl.FlowDefinitionError, match=r"flows/test.yaml: line 4: placeholder \{\{svc\}\} has no value"):
        load("steps:\n  - {type: task, name: t, resourceArn: 'acs:fc:::services/{{svc}}/functions/f'}", variables={"other": "x"})


def test_render_is_shared_text_substitution():
    assert fdl.render("a {{ x }} b {{y}}", {"x": "1", "y": "2"}) == "a 1 b 2"
    assert fdl.placeholders("{{a}} {{b}} {{a}}") == ["a", "b"]
    with pytest.raises(fdl.TemplateError, match="line 2"):
        fdl.render("ok\n{{ not a name }}", {})


def test_yaml_tags_of_the_original_sample_are_refused_with_the_line():
    # GIVEN the article's restoreFlow, which uses a CloudFormation !Ref tag
    text = (
        "version: v1\ntype: flow\nsteps:\n  - type: task\n    name: restoreTask\n"
        "    resourceArn: !Ref OSSRestoreService/restoreFunction\n"
    )
    # WHEN loaded THEN safe_load's refusal becomes a FlowDefinitionError naming the line
    with pytest.raises(fdl.FlowDefinitionError, match=r"subflow.yml: line 6: not valid YAML"):
        fdl.load_flow(text, name="subflow.yml")


def test_files_are_labelled_with_their_path():
    flow = fdl.load_flow(FLOWS / "sample_restore.yaml", variables={"service": "svc"})
    assert flow.source.endswith("sample_restore.yaml")
    assert [s.name for s in flow.steps] == ["retoreForeach", "Wait", "GetJobStatus", "CheckJobComplete", "JobSucceeded"]
