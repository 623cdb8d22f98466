"""Real Terraform core on every synthesized stack, offline, against the stand-in alicloud provider.

Terraform itself checks each stack against the provider's schema (every argument and block, types,
counts, required ones), resolves every reference, plans, applies and re-plans: a stack whose second plan
is not empty would show a perpetual diff in the cloud. What the stand-in models: `terraform_standin/`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from infra.app import stack_dir, synthesize
from infra.config import DeploymentConfig, OssStateBackend, load_matrix
from terraform_standin.harness import LOCAL_BACKEND_OVERRIDE, TerraformHarness
from terraform_standin.lifecycle import DEFAULT_ACCOUNT

pytestmark = pytest.mark.e2e  # whole commands and whole runs of the flows

MATRIX = {cfg.stack_id: cfg for cfg in load_matrix()}


@pytest.fixture(scope="module")
def outdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cdktf.out")
    synthesize(outdir=out)
    return out


@pytest.fixture()
def terraform(tmp_path: Path) -> TerraformHarness:
    harness = TerraformHarness.create(tmp_path)
    if harness is None:
        pytest.skip(
            "no `terraform` binary on PATH: install Terraform (CI has 1.11) to run real Terraform "
            "on the synthesized stacks"
        )
    return harness


def _state(work: Path, cfg: DeploymentConfig) -> dict[str, Any]:
    name = "terraform.tfstate" if isinstance(cfg.backend, OssStateBackend) else f"{cfg.stack_id}.tfstate"
    return json.loads((work / name).read_text())


@pytest.mark.parametrize("stack_id", sorted(MATRIX))
def test_terraform_validates_plans_applies_and_replans_with_no_changes(
    terraform: TerraformHarness, outdir: Path, stack_id: str
) -> None:
    cfg = MATRIX[stack_id]
    # GIVEN a throwaway copy of the synthesized stack
    work = terraform.workdir(stack_dir(outdir, cfg))
    # WHEN Terraform validates it (no backend: an oss backend would need the network at init)
    terraform.run(work, "init", "-backend=false")
    terraform.run(work, "validate")
    # AND plans and applies it with a local backend in place of the synthesized one
    if isinstance(cfg.backend, OssStateBackend):
        (work / "backend_override.tf.json").write_text(json.dumps(LOCAL_BACKEND_OVERRIDE))
    terraform.run(work, "init", "-reconfigure")
    terraform.run(work, "plan", "-out=tfplan", "-detailed-exitcode", ok=(2,))  # 2: changes to make
    terraform.run(work, "apply", "tfplan")
    # THEN a second plan finds nothing to change (exit 0 with -detailed-exitcode)
    terraform.run(work, "plan", "-detailed-exitcode", ok=(0,))
    # AND every resource of the stack exists, with the ids and ARNs the provider gives
    stack = json.loads((work / "cdk.tf.json").read_text())
    resources: dict[str, list[dict[str, Any]]] = {}
    for resource in _state(work, cfg)["resources"]:
        resources.setdefault(resource["type"], []).extend(i["attributes"] for i in resource["instances"])
    assert {t: len(v) for t, v in resources.items()} == {t: len(v) for t, v in stack["resource"].items()}
    account = cfg.account_id or DEFAULT_ACCOUNT
    for function in resources["alicloud_fc_function"]:
        assert function["id"] == f"{function['service']}:{function['name']}"
        assert function["function_arn"] == (
            f"acs:fc:{cfg.region}:{account}:services/{function['service']}.LATEST/functions/{function['name']}"
        )


def _mutated(terraform: TerraformHarness, outdir: Path, **function_attrs: str) -> Path:
    cfg = MATRIX[sorted(MATRIX)[0]]
    work = terraform.workdir(stack_dir(outdir, cfg))
    stack = json.loads((work / "cdk.tf.json").read_text())
    if isinstance(cfg.backend, OssStateBackend):
        (work / "backend_override.tf.json").write_text(json.dumps(LOCAL_BACKEND_OVERRIDE))
    next(iter(stack["resource"]["alicloud_fc_function"].values())).update(function_attrs)
    (work / "cdk.tf.json").write_text(json.dumps(stack))
    terraform.run(work, "init")
    return work


def test_an_argument_the_schema_lacks_fails_validate(terraform: TerraformHarness, outdir: Path) -> None:
    # GIVEN a stack whose function sets an argument alicloud_fc_function does not have
    work = _mutated(terraform, outdir, code_sha256="abc")
    # WHEN Terraform validates it THEN it refuses the argument by name
    result = terraform.run(work, "validate", ok=(1,))
    assert 'No argument or block type is named "code_sha256"' in result.stderr


def test_a_purely_computed_attribute_set_in_the_configuration_fails_validate(
    terraform: TerraformHarness, outdir: Path
) -> None:
    # GIVEN a stack that sets function_arn, which the provider computes
    work = _mutated(terraform, outdir, function_arn="acs:fc:cn-hangzhou:1:services/s/functions/f")
    # WHEN Terraform validates it THEN the provider refuses it, as SDK providers do
    result = terraform.run(work, "validate", ok=(1,))
    assert '"function_arn": this field cannot be set' in result.stderr


def test_a_code_checksum_fc_would_not_report_is_a_perpetual_diff(terraform: TerraformHarness, outdir: Path) -> None:
    # GIVEN a stack whose function declares a checksum that is not FC's CRC-64 of its package
    work = _mutated(terraform, outdir, code_checksum="0123456789abcdef")
    # WHEN it is applied and planned again
    terraform.run(work, "apply", "-auto-approve")
    result = terraform.run(work, "plan", "-detailed-exitcode", ok=(2,))
    # THEN the second plan wants to change code_checksum again: the stack is never stable
    assert "~ code_checksum" in result.stdout


def test_the_deploy_command_applies_its_saved_plan_with_real_terraform(
    terraform: TerraformHarness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from ossrestore.commands.infra import deploy, plan

    # GIVEN real Terraform with the stand-in provider, and an environment whose stack keeps state locally
    (env,) = {cfg.env for cfg in MATRIX.values() if not isinstance(cfg.backend, OssStateBackend)}
    for key, value in terraform.environment("commands").items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "test-key-id")
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "test-key-secret")
    out = tmp_path / "out"
    # WHEN `oss-restore plan` saves a plan and `deploy --saved-plan` applies it
    planned = CliRunner().invoke(plan, ["--env", env, "--out", str(out), "--terraform", terraform.binary])
    applied = CliRunner().invoke(
        deploy, ["--env", env, "--out", str(out), "--terraform", terraform.binary, "--saved-plan"]
    )
    # THEN the plan had changes, the apply succeeded, and planning again finds none
    assert planned.exit_code == 0 and ": changes, plan saved to" in planned.output, planned.output
    assert applied.exit_code == 0 and ": applied" in applied.output, applied.output
    again = CliRunner().invoke(plan, ["--env", env, "--out", str(out), "--terraform", terraform.binary])
    assert again.exit_code == 0 and ": no changes" in again.output, again.output
