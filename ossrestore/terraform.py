"""Terraform on synthesized stack directories, through `python_terraform`: init, plan -out, apply <plan>.

The saved plan is what CI promotes: the plan job reviews it, the apply job applies exactly that file.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ossrestore.errors import TerraformError
from restore_core.client import Credentials

_LOGGER = logging.getLogger(__name__)
_LOGGER.addHandler(logging.NullHandler())

PLAN_FILE = "oss-restore.tfplan"
# The variables the alicloud provider and Terraform's OSS backend read credentials from (the provider's
# documentation: `access_key`, `secret_key`, `security_token`).
_PROVIDER_ENV = ("ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ALIBABA_CLOUD_SECURITY_TOKEN")


def find_terraform(binary: str) -> str:
    """The Terraform executable to run, or a TerraformError that says how to get one."""
    found = shutil.which(binary)
    if found is None:
        raise TerraformError(
            f"Terraform not found (looked for {binary!r}); install Terraform 1.5 or newer, "
            "or pass --terraform PATH / set OSS_RESTORE_TERRAFORM"
        )
    return found


@contextmanager
def provider_credentials(credentials: Credentials) -> Iterator[None]:
    """The command's credentials (from the default chain or a profile) in the environment Terraform starts
    with, for as long as Terraform runs: python_terraform hands each run a copy of os.environ."""
    values = (credentials.access_key_id, credentials.access_key_secret, credentials.security_token)
    saved = {name: os.environ.get(name) for name in _PROVIDER_ENV}
    try:
        for name, value in zip(_PROVIDER_ENV, values):
            if value:
                os.environ[name] = value
            else:
                os.environ.pop(name, None)
        yield
    finally:
        for name, was in saved.items():
            if was is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = was


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
