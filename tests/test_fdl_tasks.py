"""Task steps: the FC call contract, error names, timeouts, retry timing and catch."""

from __future__ import annotations

import json
from typing import Any

import pytest

import fdl
from fdl.testing import engine_for, json_handler

HEAD = "version: v1\ntype: flow\n"
ARN = "acs:fc:cn-hangzhou:1234:services/svc.LATEST/functions/work"


class Throttled(Exception):
    pass


class RestoreAlreadyInProgress(Exception):
    pass


def flaky(errors: list[Exception], result: dict[str, Any] | None = None) -> Any:
    calls: list[bytes] = []

    def handler(event: bytes, context: Any) -> str:
        calls.append(event)
        if errors:
            raise errors.pop(0)
        return json.dumps(result or {"ok": True})

    handler.calls = calls  # type: ignore[attr-defined]  # the recorder, on the function object
    return handler


def task_flow(extra: str = "", after: str = "") -> str:
    return (
        HEAD
        + f"""
steps:
  - type: task
    name: work
    resourceArn: {ARN}
{extra}
{after}"""
    )


def test_handler_gets_json_bytes_and_an_fc_context():
    # GIVEN a handler that reports what FC gave it
    seen: dict[str, Any] = {}

    def handler(event: bytes, context: Any) -> bytes:
        seen.update(event=event, context=context)
        return b'{"answer": 42}'

    creds = fdl.Credentials("ak", "secret", "token")
    engine = engine_for({"f": task_flow()}, {ARN: handler}, clock=fdl.VirtualClock(), credentials=creds)
    # WHEN the flow runs
    result = engine.run("f", {"k": "v"})
    # THEN the event is the step input as JSON bytes and the context looks like FC's
    assert json.loads(seen["event"]) == {"k": "v"} and isinstance(seen["event"], bytes)
    context = seen["context"]
    assert context.credentials == creds and context.request_id
    assert (context.function.name, context.function.handler, context.function.timeout) == (
        "work",
        "test_fdl_tasks.handler",
        600,
    )
    assert (context.service.name, context.service.qualifier, context.region, context.account_id) == (
        "svc",
        "LATEST",
        "cn-hangzhou",
        "1234",
    )
    assert result.output == {"answer": 42}


def test_without_credentials_the_context_has_none_like_python312():
    seen: list[Any] = []
    engine = engine_for({"f": task_flow()}, {ARN: lambda e, c: seen.append(c) or "{}"}, clock=fdl.VirtualClock())
    engine.run("f", {})
    assert not hasattr(seen[0], "credentials")


@pytest.mark.parametrize("arn", [ARN, "acs:fc:::services/svc/functions/work", "acs:fc:::services/other/functions/work"])
def test_arns_resolve_exact_then_service_and_function_then_function(arn: str):
    engine = engine_for(
        {"f": task_flow().replace(ARN, arn)}, {ARN: lambda e, c: '{"hit": 1}'}, clock=fdl.VirtualClock()
    )
    assert engine.run("f", {}).output == {"hit": 1}


def test_unknown_function_fails_with_fc_function_not_found():
    result = engine_for({"f": task_flow()}, {}, clock=fdl.VirtualClock()).run("f", {})
    assert result.status == "Failed" and result.error == "FC.FunctionNotFound" and ARN in (result.cause or "")


def test_handler_exception_becomes_error_named_after_its_class():
    handler = flaky([RestoreAlreadyInProgress("The restore operation is in progress.")])
    result = engine_for({"f": task_flow()}, {ARN: handler}, clock=fdl.VirtualClock()).run("f", {})
    assert (result.error, result.cause) == ("RestoreAlreadyInProgress", "The restore operation is in progress.")
    failed = [e for e in result.events if e.type == "TaskFailed"]
    assert failed[0].detail == {"error": "RestoreAlreadyInProgress", "cause": "The restore operation is in progress."}


@pytest.mark.parametrize("returned", ["not json", "[1, 2]", None, b"\xff"])
def test_a_result_that_is_not_a_json_object_fails_the_task(returned: Any):
    result = engine_for({"f": task_flow()}, {ARN: lambda e, c: returned}, clock=fdl.VirtualClock()).run("f", {})
    assert result.error == "FnF.InvalidTaskResult" and "work" in (result.cause or "")


def test_task_timeout_seconds_gives_fnf_task_timeout():
    # GIVEN a function that takes 120 virtual seconds and a task allowing 60
    clock = fdl.VirtualClock()

    def slow(event: bytes, context: Any) -> str:
        clock.sleep(120)
        return "{}"

    engine = engine_for({"f": task_flow("    timeoutSeconds: 60")}, {ARN: slow}, clock=clock)
    result = engine.run("f", {})
    assert result.error == "FnF.TaskTimeout" and "60 s" in (result.cause or "")
    assert [e.type for e in result.events if e.type.startswith("Task")] == [
        "TaskScheduled",
        "TaskStarted",
        "TaskTimedOut",
    ]


def test_the_functions_own_timeout_applies_too():
    clock = fdl.VirtualClock()
    registry = fdl.Registry()
    registry.add_flow("f", fdl.load_flow(task_flow()))
    registry.add_function(ARN, lambda e, c: clock.sleep(61) or "{}", timeout_seconds=60)
    assert fdl.Engine(registry, clock=clock).run("f", {}).error == "FnF.TaskTimeout"


def test_retry_intervals_grow_geometrically_and_are_capped():
    # GIVEN a function failing 6 times, retried at most 6 times from 1 s, x2, capped at 10 s
    clock = fdl.VirtualClock()
    handler = flaky([Throttled("slow down")] * 6)
    retry = (
        "    retry: [{errors: [Throttled], intervalSeconds: 1, multiplier: 2, maxIntervalSeconds: 10, maxAttempts: 6}]"
    )
    result = engine_for({"f": task_flow(retry)}, {ARN: handler}, clock=clock).run("f", {})
    # THEN it succeeds on the 7th call after waits 1, 2, 4, 8, 10, 10
    assert result.status == "Succeeded" and len(handler.calls) == 7
    assert clock.sleeps == [1, 2, 4, 8, 10, 10]


def test_retry_gives_up_after_max_attempts_retries():
    clock = fdl.VirtualClock()
    handler = flaky([Throttled("1"), Throttled("2"), Throttled("3"), Throttled("4")])
    result = engine_for(
        {"f": task_flow("    retry: [{errors: [Throttled], maxAttempts: 2}]")}, {ARN: handler}, clock=clock
    ).run("f", {})
    assert result.error == "Throttled" and result.cause == "3" and len(handler.calls) == 3
    assert clock.sleeps == [1, 2]


def test_first_matching_retry_rule_wins_and_fnf_all_matches_everything():
    clock = fdl.VirtualClock()
    handler = flaky([Throttled("x"), ValueError("y")])
    retry = (
        "    retry: [{errors: [Throttled], intervalSeconds: 5, maxAttempts: 1},"
        " {errors: [FnF.ALL], intervalSeconds: 7, maxAttempts: 1}]"
    )
    result = engine_for({"f": task_flow(retry)}, {ARN: handler}, clock=clock).run("f", {})
    assert result.status == "Succeeded" and clock.sleeps == [5, 7]


def test_catch_goes_to_a_sibling_after_retries_with_error_mappings():
    # GIVEN a task that always fails, retried once, then caught
    clock = fdl.VirtualClock()
    handler = flaky([RestoreAlreadyInProgress("busy")] * 5)
    extra = """    retry: [{errors: [RestoreAlreadyInProgress], maxAttempts: 1}]
    catch: [{errors: [OtherError], goto: never}, {errors: [FnF.ALL], goto: recover}]
    errorMappings: [{target: why, source: $local.error}, {target: detail, source: $local.cause}]"""
    after = """  - {type: fail, name: never, error: Wrong}
  - {type: pass, name: recover, outputMappings: [{target: recovered, source: done}]}"""
    result = engine_for({"f": task_flow(extra, after)}, {ARN: handler}, clock=clock).run("f", {})
    # THEN retry ran first, then catch jumped to `recover`, skipping `never`
    assert len(handler.calls) == 2 and clock.sleeps == [1]
    assert result.status == "Succeeded"
    assert result.output == {"why": "RestoreAlreadyInProgress", "detail": "busy", "recovered": "done"}


def test_uncaught_error_names_flow_step_and_attempt():
    engine = engine_for(
        {"f": task_flow("    retry: [{errors: [Throttled], maxAttempts: 1}]")},
        {ARN: flaky([Throttled("a"), Throttled("b")])},
        clock=fdl.VirtualClock(),
    )
    result = engine.run("f", {}, name="exec1")
    assert result.message == "flow f, execution exec1, step work, attempt 2: Throttled: b"


def test_json_handler_adapter_round_trips_dicts():
    handler = json_handler(lambda e: {"got": e})
    assert json.loads(handler(b'{"a": 1}', None)) == {"got": {"a": 1}}
