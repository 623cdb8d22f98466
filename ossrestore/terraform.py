"""Terraform on synthesized stack directories, through `python_terraform`: init, plan -out, apply <plan>.

The saved plan is what CI promotes: the plan job reviews it, the apply job applies exactly that file.
"""
from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ossrestore.errors import CredentialsError, TerraformError

_LOGGER = logging.getLogger(__name__)
_LOGGER.addHandler(logging.NullHandler())

PLAN_FILE = "oss-restore.tfplan"
# Any one of these lets the alicloud provider authenticate (the provider's arguments and the environment
# variables it reads them from, per the alicloud provider's documentation).
_CREDENTIAL_SOURCES = (
    ("ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET"),
    ("ALICLOUD_ACCESS_KEY", "ALICLOUD_SECRET_KEY"),
    ("ALICLOUD_PROFILE",),
    ("ALIBABA_CLOUD_PROFILE",),
    ("ALIBABA_CLOUD_ROLE_ARN", "ALIBABA_CLOUD_OIDC_PROVIDER_ARN"),
    ("ALICLOUD_ASSUME_ROLE_ARN", "ALICLOUD_ACCESS_KEY", "ALICLOUD_SECRET_KEY"),
)


def find_terraform(binary: str) -> str:
    """The Terraform executable to run, or a TerraformError that says how to get one."""
    found = shutil.which(binary)
    if found is None:
        raise TerraformError(f"Terraform not found (looked for {binary!r}); install Terraform 1.5 or newer, "
                             "or pass --terraform PATH / set OSS_RESTORE_TERRAFORM")
    return found


def require_credentials(env: Mapping[str, str] = os.environ) -> None:
    """Fail before any Terraform run when the provider would have nothing to authenticate with."""
    if any(all(env.get(name) for name in source) for source in _CREDENTIAL_SOURCES):
        return
    raise CredentialsError("no Alibaba Cloud credentials: set ALIBABA_CLOUD_ACCESS_KEY_ID and "
                           "ALIBABA_CLOUD_ACCESS_KEY_SECRET (and ALIBABA_CLOUD_SECURITY_TOKEN for STS), "
                           "or ALIBABA_CLOUD_PROFILE")


@dataclass(frozen=True)
class PlanResult:
    stack_dir: Path
    plan_file: Path
    has_changes: bool
    output: str


class StackTerraform:
    """Terraform commands in one stack directory."""

    def __init__(self, stack_dir: Path, *, binary: str) -> None:
        from python_terraform import Terraform

        if not (stack_dir / "cdk.tf.json").is_file():
            raise TerraformError(f"{stack_dir} holds no synthesized stack (cdk.tf.json); run `oss-restore synth`")
        self.stack_dir = stack_dir
        os.environ.setdefault("CHECKPOINT_DISABLE", "1")
        self._tf = Terraform(working_dir=str(stack_dir), terraform_bin_path=binary)

    def init(self) -> str:
        return self._run("init", self._tf.init(capture_output=True, raise_on_error=False), ok=(0,))

    def plan(self) -> PlanResult:
        # -detailed-exitcode: 0 no changes, 2 changes, 1 error.
        result = self._tf.plan(out=PLAN_FILE, capture_output=True, raise_on_error=False)
        output = self._run("plan", result, ok=(0, 2))
        return PlanResult(self.stack_dir, self.stack_dir / PLAN_FILE, result[0] == 2, output)

    def apply_saved_plan(self) -> str:
        if not (self.stack_dir / PLAN_FILE).is_file():
            raise TerraformError(f"no saved plan {self.stack_dir / PLAN_FILE}; run `oss-restore plan` first")
        return self._run("apply", self._tf.apply(PLAN_FILE, capture_output=True, raise_on_error=False), ok=(0,))

    def _run(self, what: str, result: tuple[int, str, str], *, ok: tuple[int, ...]) -> str:
        code, out, err = result
        _LOGGER.debug("terraform %s in %s exited %s", what, self.stack_dir, code)
        if code not in ok:
            tail = "\n".join((err or out or "").strip().splitlines()[-15:])
            raise TerraformError(f"terraform {what} failed in {self.stack_dir} (exit {code}):\n{tail}")
        return out or ""
