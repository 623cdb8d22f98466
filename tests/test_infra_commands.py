"""`oss-restore synth/plan/deploy` drive Terraform through python_terraform; here a fake terraform records argv."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from ossrestore.commands.infra import deploy, plan, synth
from ossrestore.errors import UsageError

FAKE_TERRAFORM = """#!{python}
import json, os, sys
args = sys.argv[1:]
with open(os.environ["FAKE_TF_LOG"], "a") as log:
    log.write(json.dumps({{"cwd": os.path.basename(os.getcwd()), "args": args,
                        "key": os.environ.get("ALIBABA_CLOUD_ACCESS_KEY_ID")}}) + "\\n")
if args[0] == os.environ.get("FAKE_TF_FAIL"):
    sys.stderr.write("Error: something the provider refused\\n")
    sys.exit(1)
if args[0] == "plan":
    out = [a.split("=", 1)[1] for a in args if a.startswith("-out=")][0]
    open(out, "w").write("plan")
    sys.exit(2)  # -detailed-exitcode: changes present
"""


@pytest.fixture()
def fake_terraform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    binary = tmp_path / "bin" / "terraform"
    binary.parent.mkdir()
    binary.write_text(FAKE_TERRAFORM.format(python=sys.executable))
    binary.chmod(0o755)
    log = tmp_path / "terraform.log"
    monkeypatch.setenv("FAKE_TF_LOG", str(log))
    monkeypatch.setenv("OSS_RESTORE_TERRAFORM", str(binary))
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "test-key-id")
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "test-key-secret")
    return log


def _calls(log: Path) -> list[tuple[str, list[str]]]:
    return [(c["cwd"], c["args"]) for c in map(json.loads, log.read_text().splitlines())]


def test_plan_inits_and_saves_a_plan_in_every_stack_of_the_environment(fake_terraform: Path, tmp_path: Path) -> None:
    # GIVEN a fake terraform WHEN planning the two-region environment
    result = CliRunner().invoke(plan, ["--env", "prod", "--out", str(tmp_path / "out")])
    # THEN each stack directory gets `init` then `plan -out=<file>`, and the saved plan is reported
    assert result.exit_code == 0, result.output
    assert _calls(fake_terraform) == [
        (stack, args)
        for stack in ("oss-restore-prod-cn-hangzhou", "oss-restore-prod-cn-shanghai")
        for args in (
            ["init", "-no-color", "-input=false", "-reconfigure", "-backend=true"],
            ["plan", "-no-color", "-input=false", "-out=oss-restore.tfplan", "-detailed-exitcode"],
        )
    ]
    assert "oss-restore-prod-cn-shanghai: changes, plan saved to" in result.output
    assert "test-key-secret" not in result.output


def test_deploy_of_a_saved_plan_applies_that_file_without_planning_again(fake_terraform: Path, tmp_path: Path) -> None:
    # GIVEN a plan saved by `plan` (the CI plan job)
    out = str(tmp_path / "out")
    assert CliRunner().invoke(plan, ["--env", "prod", "--region", "cn-shanghai", "--out", out]).exit_code == 0
    fake_terraform.write_text("")
    # WHEN the apply job deploys the saved plan
    result = CliRunner().invoke(deploy, ["--env", "prod", "--region", "cn-shanghai", "--out", out, "--saved-plan"])
    # THEN it runs init and applies exactly that plan file
    assert result.exit_code == 0, result.output
    assert [args[0] for _, args in _calls(fake_terraform)] == ["init", "apply"]
    assert _calls(fake_terraform)[1] == (
        "oss-restore-prod-cn-shanghai",
        ["apply", "-no-color", "-input=false", "-auto-approve=true", "oss-restore.tfplan"],
    )


def test_deploy_without_saved_plan_plans_then_applies_that_plan(fake_terraform: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(deploy, ["--env", "dev", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert [(cwd, args[0]) for cwd, args in _calls(fake_terraform)] == [
        ("oss-restore-dev-cn-hangzhou", "init"),
        ("oss-restore-dev-cn-hangzhou", "plan"),
        ("oss-restore-dev-cn-hangzhou", "apply"),
    ]


def test_saved_plan_missing_is_a_clear_error(fake_terraform: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert CliRunner().invoke(synth, ["--out", str(out)]).exit_code == 0
    result = CliRunner().invoke(deploy, ["--env", "dev", "--out", str(out), "--saved-plan"])
    assert isinstance(result.exception, UsageError)
    assert "no saved plan" in str(result.exception) and "run `oss-restore plan` first" in str(result.exception)


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--env", "qa"], {}, "unknown environment 'qa'; the configuration declares: dev, prod"),
        (["--env", "prod", "--region", "us-east-1"], {}, "unknown region 'us-east-1' for environment 'prod'"),
        (["--env", "dev", "--terraform", "/nonexistent/terraform"], {}, "Terraform not found"),
        (["--env", "dev"], {"ALIBABA_CLOUD_ACCESS_KEY_ID": None}, "no credentials"),
        (["--env", "dev", "--profile", "nope"], {}, "--profile: no profile named 'nope'"),
    ],
)
def test_bad_requests_fail_before_synthesis(
    fake_terraform: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    env: dict[str, str | None],
    message: str,
) -> None:
    for name, value in env.items():
        monkeypatch.delenv(name) if value is None else monkeypatch.setenv(name, value)
    result = CliRunner().invoke(plan, [*args, "--out", str(tmp_path / "out")])
    assert isinstance(result.exception, UsageError)
    assert message in str(result.exception)
    assert not (tmp_path / "out").exists()
    assert not fake_terraform.exists()


def test_plan_hands_terraform_the_credentials_of_the_profile_named(
    fake_terraform: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN no credential variable and an aliyun CLI profile in HOME
    monkeypatch.delenv("ALIBABA_CLOUD_ACCESS_KEY_ID")
    monkeypatch.delenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET")
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".aliyun").mkdir()
    (tmp_path / ".aliyun" / "config.json").write_text(
        json.dumps(
            {
                "current": "default",
                "profiles": [
                    {
                        "name": "deployer",
                        "mode": "AK",
                        "access_key_id": "LTAIdeployer",
                        "access_key_secret": "deployer-secret-1",
                    }
                ],
            }
        )
    )
    # WHEN planning with --profile
    result = CliRunner().invoke(plan, ["--env", "dev", "--profile", "deployer", "--out", str(tmp_path / "out")])
    # THEN every Terraform run found the profile's key in its environment, and the command's own is left as it was
    assert result.exit_code == 0, result.output
    assert {json.loads(line)["key"] for line in fake_terraform.read_text().splitlines()} == {"LTAIdeployer"}
    assert "ALIBABA_CLOUD_ACCESS_KEY_ID" not in os.environ
    assert "deployer-secret-1" not in result.output


def test_terraform_failure_is_reported_with_its_error(
    fake_terraform: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_TF_FAIL", "plan")
    result = CliRunner().invoke(plan, ["--env", "dev", "--out", str(tmp_path / "out")])
    assert isinstance(result.exception, UsageError)
    assert "terraform plan failed" in str(result.exception)
    assert "Error: something the provider refused" in str(result.exception)


def test_command_line_reports_a_bad_environment_in_one_line_with_exit_2() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "ossrestore", "plan", "--env", "qa"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 2
    assert proc.stderr.strip() == "error: unknown environment 'qa'; the configuration declares: dev, prod"


def test_command_modules_do_not_load_cdktf_terraform_or_the_sdk_on_import() -> None:
    # `oss-restore --help` imports every command module; none may start the jsii kernel or load the SDKs.
    code = (
        "import sys, ossrestore.commands.infra, ossrestore.commands.cloud; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('cdktf', 'jsii', 'python_terraform', 'alibabacloud_fnf20190315', 'infra')))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert proc.stdout.strip() == "[]"
