"""Synthesis of the whole matrix: one code package, one `RestoreStack` per (environment, region)."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from cdktf import App

from infra.config import DEFAULT_CONFIG_PATH, DeploymentConfig, load_matrix
from infra.package import build_package
from infra.shipped import flows_dir as shipped_flows
from infra.shipped import stage_code_package
from infra.stack import RestoreStack

_LOGGER = logging.getLogger(__name__)
_LOGGER.addHandler(logging.NullHandler())

PACKAGE_NAME = "oss-restore-functions.zip"


def synthesize(
    *,
    outdir: Path,
    config_path: Path = DEFAULT_CONFIG_PATH,
    functions_dir: Path | None = None,
    flows_dir: Path | None = None,
) -> tuple[DeploymentConfig, ...]:
    """Write `outdir/stacks/<stack id>/cdk.tf.json` for every stack; return the stacks written.

    The code package and the flows are the installed ones (`infra.shipped`) unless folders are given."""
    matrix = load_matrix(config_path)
    with tempfile.TemporaryDirectory() as staging:
        package = build_package(
            functions_dir or stage_code_package(Path(staging) / "functions"), outdir / "package" / PACKAGE_NAME
        )
    _LOGGER.debug("code package %s crc64 %s", package.path, package.crc64)
    app = App(outdir=str(outdir))
    for cfg in matrix:
        RestoreStack(app, config=cfg, package=package, flows_dir=flows_dir or shipped_flows())
    app.synth()
    return matrix


def stack_dir(outdir: Path, cfg: DeploymentConfig) -> Path:
    return outdir / "stacks" / cfg.stack_id
