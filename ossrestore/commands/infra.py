"""`oss-restore synth`, `plan` and `deploy`: Terraform on the synthesized stacks.

cdktf, python_terraform and the infra package are imported inside the commands, so `--help` and the
local commands never start the jsii Node kernel.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from ossrestore.credentials import profile_option
from ossrestore.errors import UsageError
from ossrestore.paths import CDKTF_OUT

DEFAULT_OUTDIR = CDKTF_OUT  # in the working directory: what the command writes is the user's, not the install's
# Resolved: cdktf refuses an asset path relative to a directory without a cdktf.json (any directory of a user's).
_OUT_DIR = click.Path(file_okay=False, resolve_path=True, path_type=Path)

_T = TypeVar("_T")


def _stack_options(command: Callable[..., Any]) -> Callable[..., Any]:
    command = click.option(
        "--out",
        "outdir",
        type=_OUT_DIR,
        default=DEFAULT_OUTDIR,
        show_default="cdktf.out",
        help="Synthesis output directory.",
    )(command)
    command = click.option(
        "--terraform",
        "terraform_bin",
        envvar="OSS_RESTORE_TERRAFORM",
        default="terraform",
        show_default=True,
        help="Terraform executable (env OSS_RESTORE_TERRAFORM).",
    )(command)
    command = click.option("--region", default=None, help="Only this region of the environment. Default: all.")(command)
    command = profile_option(command)
    return click.option("--env", "env", required=True, help="Environment from infra/environments.yaml.")(command)


@click.command()
@click.option(
    "--out",
    "outdir",
    type=_OUT_DIR,
    default=DEFAULT_OUTDIR,
    show_default="cdktf.out",
    help="Synthesis output directory.",
)
def synth(outdir: Path) -> None:
    """Synthesize every stack of infra/environments.yaml (no network needed)."""
    for cfg in _synthesize(outdir):
        click.echo(f"{cfg.stack_id}\t{outdir / 'stacks' / cfg.stack_id}")


@click.command()
@_stack_options
def plan(env: str, region: str | None, terraform_bin: str, outdir: Path, profile: str | None) -> None:
    """Synthesize, then `terraform init` and `plan -out` for each selected stack."""
    from ossrestore.terraform import provider_credentials

    binary, stacks, credentials = _prepare(env, region, terraform_bin, profile)
    _synthesize(outdir)
    with provider_credentials(credentials):
        for cfg in stacks:
            result = _plan_stack(outdir, cfg, binary)
            click.echo(
                f"{cfg.stack_id}: {'changes' if result.has_changes else 'no changes'}, plan saved to {result.plan_file}"
            )


@click.command()
@_stack_options
@click.option(
    "--saved-plan",
    is_flag=True,
    help="Apply the plan that `oss-restore plan` saved, without synthesizing again (CI promotion).",
)
def deploy(
    env: str, region: str | None, terraform_bin: str, outdir: Path, profile: str | None, saved_plan: bool
) -> None:
    """Apply each selected stack from a saved plan (made now, or by an earlier `plan` with --saved-plan)."""
    from ossrestore.terraform import provider_credentials

    binary, stacks, credentials = _prepare(env, region, terraform_bin, profile)
    if not saved_plan:
        _synthesize(outdir)
    with provider_credentials(credentials):
        for cfg in stacks:
            if not saved_plan:
                _plan_stack(outdir, cfg, binary)
            tf = _stack_terraform(outdir, cfg, binary)
            if saved_plan:
                _guard(tf.init)
            click.echo(_guard(tf.apply_saved_plan).rstrip())
            click.echo(f"{cfg.stack_id}: applied")


def _prepare(env: str, region: str | None, terraform_bin: str, profile: str | None) -> tuple[str, tuple[Any, ...], Any]:
    """Fail fast, before any synthesis: unknown env/region, no Terraform, no credentials (the default chain, or
    the profile; Terraform is handed what they resolve to)."""
    from infra.config import load_matrix, select
    from ossrestore.credentials import resolve_credentials
    from ossrestore.terraform import find_terraform

    stacks = _guard(lambda: select(load_matrix(), env=env, region=region))
    binary = _guard(lambda: find_terraform(terraform_bin))
    return binary, stacks, resolve_credentials(profile=profile)


def _plan_stack(outdir: Path, cfg: Any, binary: str) -> Any:
    tf = _stack_terraform(outdir, cfg, binary)
    _guard(tf.init)
    return _guard(tf.plan)


def _stack_terraform(outdir: Path, cfg: Any, binary: str) -> Any:
    from infra.app import stack_dir
    from ossrestore.terraform import StackTerraform

    return _guard(lambda: StackTerraform(stack_dir(outdir, cfg), binary=binary))


def _synthesize(outdir: Path) -> tuple[Any, ...]:
    import os

    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    from infra.app import synthesize

    return _guard(lambda: synthesize(outdir=outdir))


def _guard(call: Callable[[], _T]) -> _T:
    """Infra errors become the command's one-line usage errors (exit 2)."""
    from infra.errors import InfraError

    try:
        return call()
    except InfraError as e:
        raise UsageError(str(e)) from None
