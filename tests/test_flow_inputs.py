"""The main flow takes the flow input whole (the sample's parameters, or any subset of the documented ones)
and carries it as one `settings` object; every later mapping reads what an earlier step produced, and
the project's flows run with strict mappings, in which a mapping from a missing path fails the step
(CloudFlow does not document what such a mapping yields, so the flows must never depend on it)."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest
import yaml

import fdl
from ossemu import Emulator, RestoreLatency
from ossrestore.local_flows import MAIN_FLOW, build_registry
from ossrestore.paths import flow_file

AK, SK = "inputs-test-ak", "inputs-test-secret"
BUCKET = "inputs-bucket"
TESTS = Path(__file__).parent


def test_the_engine_is_strict_by_default_and_no_project_test_turns_it_off_unannounced():
    assert inspect.signature(fdl.Engine).parameters["mappings"].default == "strict"
    # Only the engine's own test of the lenient mode may ask for it.
    lenient = {
        path.name
        for path in TESTS.glob("*.py")
        if re.search(r"mappings\s*=\s*[\"']lenient", path.read_text(encoding="utf-8"))
    }
    assert lenient <= {"test_fdl_dataflow.py"}, lenient


def test_the_main_flow_maps_the_input_once_and_no_setting_more_than_twice():
    # GIVEN the main flow's text
    text = flow_file("main.yaml").read_text(encoding="utf-8")
    flow = yaml.safe_load(text)
    # THEN only init reads the execution input ($input), as one object
    init = flow["steps"][0]
    assert init["outputMappings"] == [{"target": "settings", "source": "$input"}]
    readers = [s["name"] for s in flow["steps"][1:] if "$input." in str(s.get("inputMappings", ""))]
    assert readers == []
    # AND no setting is written out in it more than twice (settings travel whole)
    for name in ("maxRequestsPerSecond", "prefix", "marker", "days", "tier", "manifest", "deadline", "include"):
        assert len(re.findall(rf"\b{name}\b", text)) <= 2, name


@pytest.mark.e2e
def test_the_samples_parameters_alone_start_a_whole_run():
    # GIVEN only the parameters the original sample's flow took
    with Emulator(credentials={AK: SK}, latency=RestoreLatency.uniform(0.05)) as emu:
        emu.create_bucket(BUCKET)
        emu.seed(BUCKET, counts={"Archive": 30, "Standard": 5}, prefix="p/")
        sample_input = {
            "endpoint": emu.endpoint,
            "bucketName": BUCKET,
            "prefix": "p/",
            "marker": "",
            "maxKeys": 100,
            "pollInterval": 1,
            "workers": 10,
            "groupSize": 1,
        }
        engine = fdl.Engine(build_registry(), credentials=fdl.Credentials(AK, SK))
        # WHEN the main flow runs on the engine (strict mappings)
        result = engine.run(MAIN_FLOW, sample_input)
        # THEN it succeeds, every archive object restored once
        assert result.succeeded, (result.error, result.cause)
        assert emu.stats.get("RestoreObject") == 30


def test_a_setting_the_table_does_not_know_fails_the_first_step_naming_it():
    engine = fdl.Engine(build_registry(), clock=fdl.VirtualClock())
    result = engine.run(MAIN_FLOW, {"endpoint": "http://127.0.0.1:9", "bucketName": "some-bucket", "maxkeys": 10})
    assert result.error == "InvalidParameter" and "maxkeys" in (result.cause or "")
    assert [e.step_name for e in result.events if e.type == "TaskFailed"] == ["plan"]
