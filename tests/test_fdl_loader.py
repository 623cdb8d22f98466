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


@pytest.mark.parametrize("version", ["v1beta1", "v2"])
def test_only_the_documented_version_v1_is_accepted(version: str):
    # FDL's introduction: "version (Required) ... Only v1 is supported" (v1beta1 appears in old samples only)
    assert fdl.load_flow("version: v1\ntype: flow\nsteps: [{type: pass, name: p}]").version == "v1"
    with pytest.raises(fdl.FlowDefinitionError, match=rf"<flow>: version: '{version}' is not supported; use one of v1"):
        fdl.load_flow(f"version: {version}\ntype: flow\nsteps: [{{type: pass, name: p}}]")


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
            default: {}
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
    [
        ("$.x", "mapping sources use $input, $local or $context"),
        ("$context.who", "the $context fields FDL v1 documents are $context.execution.name, $context.task.token"),
        # in samples only (awesome-fnf/oss-copy), not in the reference
        ("$context.flow.name", "the $context fields FDL v1 documents are"),
        ("$context.step.name", "FDL v1 documents"),
        ("$context.execution", "FDL v1 documents"),
        ("$input.a[x]", "cannot parse"),
    ],
)
def test_mapping_sources_are_checked(source: str, expected: str):
    message = load_error(f"steps: [{{type: pass, name: p, outputMappings: [{{target: t, source: '{source}'}}]}}]")
    assert "steps[0] (p).outputMappings[0].source" in message and expected in message


def test_task_arn_and_pattern_are_checked():
    assert "is not a function ARN" in load_error("steps: [{type: task, name: t, resourceArn: 'arn:aws:lambda:x'}]")
    assert "waitForCallback is valid FDL but" in load_error(
        "steps: [{type: task, name: t, resourceArn: 'acs:fnf:::flow/f', pattern: waitForCallback}]"
    )
    assert "serviceParams.FlowName: is required" in load_error(
        "steps: [{type: task, name: t, action: fnf:StartExecution}]"
    )


FN = "acs:fc:::services/s/functions/f"


@pytest.mark.parametrize(
    ("step", "expected"),
    [
        # choice (document_detail/122497): `default` is required by the table, though the prose lets the step end without
        ("{type: choice, name: c, choices: [{condition: $.x == 1, goto: c}]}", "steps[0] (c).default: is required"),
        (
            "{type: choice, name: c, choices: [{goto: c}], default: {}}",
            "steps[0] (c).choices[0].condition: is required",
        ),
        (
            "{type: choice, name: c, choices: [{condition: $.x == 1}], default: {next: c}}",
            "steps[0] (c).default.next: unknown key",
        ),
        # succeed and fail (122500, 122501) have no `end`: they end the sequence themselves
        (
            "{type: succeed, name: s, end: true}",
            "steps[0] (s).end: unknown key; allowed here: type, name, inputMappings",
        ),
        ("{type: fail, name: f, error: E, end: true}", "steps[0] (f).end: unknown key"),
        # wait (122495): "either duration or timestamp, but not both"
        (
            "{type: wait, name: w, duration: 1, timestamp: '2024-01-01T00:00:00Z'}",
            "exactly one of duration or timestamp",
        ),
        # foreach (122499): collection and item are required, index optional
        (
            "{type: foreach, name: e, iterationMapping: {collection: $.xs}, steps: [{type: pass, name: p}]}",
            "steps[0] (e).iterationMapping.item: is required",
        ),
        (
            "{type: foreach, name: e, iterationMapping: {item: x}, steps: [{type: pass, name: p}]}",
            "steps[0] (e).iterationMapping.collection: is required",
        ),
        ("{type: parallel, name: par, branches: [{}]}", "steps[0] (par).branches[0].steps: is required"),
        # task (122494): resourceArn (or the sample's action), patterns per integration, errorMappings' reserved sources
        ("{type: task, name: t}", "a task needs exactly one of resourceArn or action"),
        (
            f"{{type: task, name: t, resourceArn: '{FN}', pattern: sync}}",
            "steps[0] (t).pattern: 'sync': the patterns documented for a function: requestResponse",
        ),
        (
            "{type: task, name: t, resourceArn: 'acs:fnf:::flow/f', pattern: callback}",
            "the patterns documented for a child flow",
        ),
        (
            "{type: task, name: t, action: fnf:StartExecution, pattern: sync, serviceParams: {FlowName: f}}",
            "the patterns documented for fnf:StartExecution: requestResponse",
        ),
        (
            f"{{type: task, name: t, resourceArn: '{FN}', serviceParams: {{Input: $}}}}",
            "steps[0] (t).serviceParams: serviceParams are documented for flow integration",
        ),
        (
            "{type: task, name: t, resourceArn: 'acs:fnf:::flow/f', serviceParams: {FlowName: g}}",
            "steps[0] (t).serviceParams.FlowName: unknown key; allowed here: Input, ExecutionName",
        ),
        (
            f"{{type: task, name: t, resourceArn: '{FN}', catch: [{{errors: [X], goto: t}}], "
            "errorMappings: [{target: e, source: $local.code}]}",
            "steps[0] (t).errorMappings[0].source: $local.code: errorMappings read only $local.error or $local.cause",
        ),
        (
            f"{{type: task, name: t, resourceArn: '{FN}', catch: [{{errors: [X]}}]}}",
            "steps[0] (t).catch[0].goto: is required",
        ),
    ],
)
def test_each_step_type_is_held_to_its_documented_attribute_table(step: str, expected: str):
    # GIVEN a step breaking its FDL v1 attribute table WHEN loaded THEN the error names the key path and the rule
    message = load_error(f"steps: [{step}]")
    assert message.startswith("flows/test.yaml: ") and expected in message, message


def test_what_the_tables_allow_loads():
    # GIVEN steps using only documented attributes (an empty choice default; error mappings of the reserved sources)
    flow = load(f"""
        steps:
          - type: task
            name: t
            resourceArn: {FN}
            catch: [{{errors: [X], goto: c}}]
            errorMappings: [{{target: why, source: $local.cause}}, {{target: what, source: $local.error}}]
          - {{type: choice, name: c, end: true, choices: [{{condition: $.x == 1, goto: t}}], default: {{}}}}
          - {{type: task, name: child, resourceArn: 'acs:fnf:::flow/f', pattern: sync, serviceParams: {{Input: $}}}}
    """)
    # THEN they load, the empty default as a default with no steps and no goto
    assert flow.steps[1].default == fdl.DefaultChoice()  # type: ignore[union-attr]  # a choice step


def test_placeholders_are_rendered_before_parsing():
    flow = load(
        "steps: [{type: task, name: t, resourceArn: 'acs:fc:::services/{{svc}}/functions/f'}]",
        variables={"svc": "prod"},
    )
    assert flow.steps[0].resource_arn == "acs:fc:::services/prod/functions/f"  # type: ignore[union-attr]  # a task step


def test_a_placeholder_without_value_is_an_error_naming_line_and_name():
    with pytest.raises(fdl.FlowDefinitionError, match=r"flows/test.yaml: line 4: placeholder \{\{svc\}\} has no value"):
        load(
            "steps:\n  - {type: task, name: t, resourceArn: 'acs:fc:::services/{{svc}}/functions/f'}",
            variables={"other": "x"},
        )


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
    flow = fdl.load_flow(FLOWS / "sample_main.yaml", variables={"service": "svc", "restoreFlow": "r"})
    assert flow.source.endswith("sample_main.yaml")
    assert [s.name for s in flow.steps] == ["init", "listArchiveFiles", "checkEmpty", "checkEnd", "success"]


def test_the_articles_restore_flow_is_refused_for_its_choice_without_default():
    # GIVEN the article's restoreFlow verbatim, whose CheckJobComplete has no default (FDL v1's choice table
    # marks it required) WHEN loaded THEN the error names the file and the key path
    with pytest.raises(fdl.FlowDefinitionError) as info:
        fdl.load_flow(FLOWS / "sample_restore.yaml", variables={"service": "svc"})
    assert str(info.value).endswith("sample_restore.yaml: steps[3] (CheckJobComplete).default: is required")
