"""Every execution's input carries every key the project's flows map, and the project's flows run with
strict mappings, in which a mapping from a missing path fails the step (CloudFlow does not document
what such a mapping yields, so the flows must never depend on it)."""
from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

import fdl
from fdl.paths import PathExpr
from ossemu import Emulator, RestoreLatency
from ossrestore.flow_options import flow_input_from_options
from ossrestore.local_flows import MAIN_FLOW, build_registry
from ossrestore.local_run import Credentials, run_local

AK, SK = "inputs-test-ak", "inputs-test-secret"
BUCKET = "inputs-bucket"
TESTS = Path(__file__).parent


def main_flow() -> fdl.Flow:
    return build_registry().flow(MAIN_FLOW)


def mapped_from_input(flow: fdl.Flow) -> set[str]:
    """The execution input keys the main flow's init step maps."""
    init = flow.steps[0]
    return {str(m.source.segments[0]) for m in init.output_mappings
            if isinstance(m.source, PathExpr) and m.source.root == "input"}


def start_execution_tasks(steps: tuple[fdl.Step, ...]) -> list[fdl.TaskStep]:
    found: list[fdl.TaskStep] = []
    for step in steps:
        if isinstance(step, fdl.TaskStep) and step.action == "fnf:StartExecution":
            found.append(step)
        if isinstance(step, fdl.ChoiceStep):
            for branch in step.choices:
                found += start_execution_tasks(branch.steps)
            if step.default:
                found += start_execution_tasks(step.default.steps)
    return found


def test_the_commands_first_input_carries_every_key_the_main_flow_maps():
    # GIVEN the keys init maps from the execution input (phase, statusMarker, startMarker, region among them)
    needed = mapped_from_input(main_flow())
    assert {"phase", "statusMarker", "startMarker", "region"} <= needed
    # WHEN `run`/`start`/`demo` build the input from nothing but the required flags
    flow_input = flow_input_from_options(flow_endpoint="http://127.0.0.1:9", flow_bucketName="some-bucket")
    # THEN it carries every one of them, with the defaults the flow expects
    assert needed <= set(flow_input), needed - set(flow_input)
    assert (flow_input["phase"], flow_input["statusMarker"], flow_input["startMarker"], flow_input["region"]) == ("list", "", "", "")


def test_every_hand_over_passes_on_every_key_the_main_flow_maps():
    flow = main_flow()
    needed = mapped_from_input(flow)
    tasks = start_execution_tasks(flow.steps)
    assert {t.name for t in tasks} == {"continueListing", "continueConfirming"}
    for task in tasks:
        passed = {m.target for m in task.input_mappings}
        assert needed <= passed, (task.name, needed - passed)


def test_the_engine_is_strict_by_default_and_no_project_test_turns_it_off_unannounced():
    assert inspect.signature(fdl.Engine).parameters["mappings"].default == "strict"
    # Only the engine's own test of the lenient mode may ask for it.
    lenient = {path.name for path in TESTS.glob("*.py") if re.search(r"mappings\s*=\s*[\"']lenient", path.read_text(encoding="utf-8"))}
    assert lenient <= {"test_fdl_dataflow.py"}, lenient


def test_a_local_run_is_strict_an_input_without_phase_fails_naming_the_path():
    with Emulator(credentials={AK: SK}, latency=RestoreLatency.uniform(0.1)) as emu:
        emu.create_bucket(BUCKET)
        emu.seed(BUCKET, counts={"Archive": 3}, prefix="p/")
        # GIVEN an input as the command built it before every mapped key was filled in
        flow_input = flow_input_from_options(flow_endpoint=emu.endpoint, flow_bucketName=BUCKET)
        del flow_input["phase"]
        # WHEN `run`'s code path runs it
        run = run_local(flow_input, credentials=Credentials(AK, SK), show_progress=False)
    # THEN the first step fails, naming the missing path, instead of mapping null
    (first,) = [r for r in run.executions if r.flow_name == MAIN_FLOW]
    assert (first.status, first.error) == ("Failed", "FnF.MappingSourceMissing")
    assert "$input.phase" in (first.cause or "") and run.summary.exit_code == 1


@pytest.mark.parametrize("missing", ["statusMarker", "startMarker", "region", "phase"])
def test_a_first_execution_without_a_mapped_key_fails_on_the_engine(missing: str):
    # GIVEN the project's main flow on the engine (strict by default) and an input lacking one mapped key
    flow_input = flow_input_from_options(flow_endpoint="http://127.0.0.1:9", flow_bucketName="some-bucket")
    del flow_input[missing]
    engine = fdl.Engine(build_registry(), clock=fdl.ManualClock())
    # WHEN it starts THEN init fails naming the key, before any function is called
    result = engine.run(MAIN_FLOW, flow_input)
    assert result.error == "FnF.MappingSourceMissing" and f"$input.{missing}" in (result.cause or "")
    assert [e.type for e in result.events if e.type.startswith("Task")] == []
