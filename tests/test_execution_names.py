"""Every execution name the project generates is one CloudFlow accepts, whatever the bucket or the parent
execution's name, and hand-over names stay deterministic."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

import pytest

import fdl
from fdl.testing import engine_for
from ossemu import Emulator, RestoreLatency
from ossrestore.executions import new_execution_name
from ossrestore.flow_options import flow_input_from_options
from ossrestore.local_flows import MAIN_FLOW, build_registry
from ossrestore.local_run import execution_name
from restore_core.execution_names import base_name, next_name, valid_name

# CloudFlow's rule as its "Limits" page states it, written out independently of the code under test.
CLOUDFLOW_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,127}")
UUID_FIRST_DIGIT = "0f8fad5b-d9cb-469f-a165-70867728950e"
PARENTS = [UUID_FIRST_DIGIT, "9" * 128, "a.b/c d" + "é" * 120, "-leading-dash", "", "x" * 128, "_ok", "運行-1"]


@pytest.mark.parametrize("parent", PARENTS)
def test_hand_over_names_are_valid_and_deterministic_whatever_the_parent(parent: str):
    child = next_name(parent, "list", "logs/2024/000100")
    assert CLOUDFLOW_NAME.fullmatch(child), child
    assert child == next_name(parent, "list", "logs/2024/000100") != next_name(parent, "list", "logs/2024/000101")
    # AND the chain keeps one base, which `status` lists continuations by
    grandchild = next_name(child, "status", "x")
    assert CLOUDFLOW_NAME.fullmatch(grandchild)
    assert child.startswith(base_name(parent) + "--") and grandchild.startswith(base_name(parent) + "--")


def test_a_uuid_parent_starting_with_a_digit_gets_a_valid_hand_over_name():
    assert next_name(UUID_FIRST_DIGIT, "list", "k").startswith("_0f8fad5b-d9cb-469f-a165-70867728950e--")


@pytest.mark.parametrize("bucket", ["2024-archive", "0" * 63, "a" * 63, "abc"])
def test_start_and_run_names_are_valid_for_any_bucket(bucket: str):
    now = datetime(2026, 1, 1, tzinfo=UTC)
    for name in (new_execution_name(bucket, now), execution_name(bucket, now=now.timestamp())):
        assert CLOUDFLOW_NAME.fullmatch(name), name
        assert bucket in name


def test_valid_names_pass_through_unchanged():
    for name in ("run-1", "_x", "A" * 128):
        assert valid_name(name) == name
    assert valid_name("A" * 129) == "A" * 128 and valid_name("") == "oss-restore"


@pytest.mark.parametrize("bad", ["2024-run", "run.1", "-x", "", "x" * 129, "运行"])
def test_the_engine_rejects_a_name_cloudflow_rejects(bad: str):
    engine = engine_for({"f": "version: v1\ntype: flow\nsteps: [{type: pass, name: p}]"})
    with pytest.raises(fdl.InvalidValueError, match="execution name"):
        engine.start_execution("f", {}, name=bad)


def test_the_engine_names_an_unnamed_execution_with_a_uuid_as_cloudflow_does():
    engine = engine_for({"f": "version: v1\ntype: flow\nsteps: [{type: pass, name: p}]"})
    assert uuid.UUID(engine.start_execution("f", {}))


@pytest.mark.e2e
def test_a_uuid_named_execution_hands_over_to_a_valid_name_on_the_engine(monkeypatch: pytest.MonkeyPatch):
    # GIVEN an execution started without a name, which the engine (as CloudFlow) names with a UUID
    # starting with a digit, and a listing that must continue as new after every call
    real_uuid4, given = uuid.uuid4, iter([uuid.UUID(UUID_FIRST_DIGIT)])
    monkeypatch.setattr(uuid, "uuid4", lambda: next(given, None) or real_uuid4())
    with Emulator(credentials={"ak": "sk"}, latency=RestoreLatency.uniform(0.1)) as emu:
        emu.create_bucket("names-bucket")
        emu.seed("names-bucket", counts={"Archive": 6}, prefix="n/")
        flow_input = flow_input_from_options(
            flow_endpoint=emu.endpoint,
            flow_bucketName="names-bucket",
            flow_pollInterval=1,
            flow_roundsPerExecution=1,
            flow_roundSeconds=5,
        )
        engine = fdl.Engine(build_registry(), credentials=fdl.Credentials("ak", "sk"))
        first = engine.start_execution(MAIN_FLOW, flow_input)
        results = engine.wait_all()
    # THEN every hand-over was accepted (the engine refuses invalid names) and the chain ran to the end
    assert first == UUID_FIRST_DIGIT
    main = [r for r in results if r.flow_name == MAIN_FLOW]
    assert len(main) >= 2 and {r.status for r in results} == {"Succeeded"}, [
        (r.name, r.error, r.cause) for r in results
    ]
    assert all(r.name.startswith("_" + UUID_FIRST_DIGIT + "--") for r in main if r.name != first)
