"""The YAML we deploy is the YAML we test: each synthesized stack's flow definitions run on the local
engine, the stack's function ARNs bound to the real handlers, against the OSS emulator."""
from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import oss2
import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

import fdl  # noqa: E402
from infra.app import synthesize  # noqa: E402
from infra.flows import from_terraform_literal  # noqa: E402
from infra.naming import FUNCTIONS, names_for  # noqa: E402
from ossemu import Emulator, RestoreLatency  # noqa: E402
from ossrestore.flow_options import flow_input_from_options  # noqa: E402
from ossrestore.local_flows import load_handler  # noqa: E402

AK, SK = "stack-test-ak", "stack-test-secret"
_FC_ARN = re.compile(r"acs:fc:[A-Za-z0-9-]*:[0-9*]*:services/[A-Za-z0-9_-]+/functions/[A-Za-z0-9_-]+")


@pytest.fixture(scope="module")
def stacks(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Any, dict[str, Any]]]:
    outdir = tmp_path_factory.mktemp("cdktf.out")
    return [(cfg, json.loads((outdir / "stacks" / cfg.stack_id / "cdk.tf.json").read_text()))
            for cfg in synthesize(outdir=outdir)]


def _registry(cfg: Any, stack: dict[str, Any]) -> fdl.Registry:
    """Each handler registered under the ARN the synthesized definition names, each flow under its name."""
    names = names_for(cfg)
    handler_of = {names.functions[base]: load_handler(module.split(".")[0]) for base, module in FUNCTIONS.items()}
    registry = fdl.Registry()
    for flow in stack["resource"]["alicloud_fnf_flow"].values():
        definition = from_terraform_literal(flow["definition"])
        for arn in set(_FC_ARN.findall(definition)):
            registry.add_function(arn, handler_of[arn.rsplit("/", 1)[1]])
        registry.add_flow(flow["name"], fdl.load_flow(definition, name=flow["name"]))
    return registry


def test_every_stacks_flows_restore_a_bucket_on_the_local_engine(stacks: list[tuple[Any, dict[str, Any]]],
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", AK)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", SK)
    for cfg, stack in stacks:
        bucket_name = cfg.buckets[0]
        with Emulator(credentials={AK: SK}, latency=RestoreLatency.uniform(0.2)) as emu:
            # GIVEN a bucket with archive and standard objects in the stack's first configured bucket
            emu.create_bucket(bucket_name)
            emu.seed(bucket_name, counts={"Archive": 6, "ColdArchive": 4, "DeepColdArchive": 3, "Standard": 5}, prefix="d/")
            flow_input = flow_input_from_options(flow_endpoint=emu.endpoint, flow_bucketName=bucket_name,
                                                 flow_maxKeys=5, flow_groupSize=2, flow_pollInterval=385,
                                                 flow_pagesPerExecution=2, flow_waitPerBatch=True)
            # WHEN the stack's main flow runs to the end, one page per batch so that it must continue as new
            # (waits in virtual time: 385 s is the smallest poll a Deep Cold batch is allowed with waitPerBatch)
            engine = fdl.Engine(_registry(cfg, stack), credentials=fdl.Credentials(AK, SK), clock=fdl.ManualClock())
            engine.start_execution(names_for(cfg).main_flow, flow_input, name=f"{cfg.env}-run")
            results = engine.wait_all()
            # THEN every execution succeeded, it continued as new, and every archive object is readable
            assert {r.status for r in results} == {"Succeeded"}, [(r.name, r.error, r.cause) for r in results]
            assert len([r for r in results if r.flow_name == names_for(cfg).main_flow]) >= 2
            states = {key: emu.restore_state(bucket_name, key) for key in _keys(emu, bucket_name)}
            assert sorted(set(states.values())) == ["not-archived", "restored"], states
            assert list(states.values()).count("restored") == 13


def _keys(emu: Emulator, bucket_name: str) -> list[str]:
    bucket = oss2.Bucket(oss2.Auth(AK, SK), emu.endpoint, bucket_name)
    return [o.key for o in oss2.ObjectIterator(bucket, max_keys=1000)]
