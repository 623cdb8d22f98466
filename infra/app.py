"""Synthesis of the whole matrix: one code package, one `RestoreStack` per (environment, region)."""
from __future__ import annotations

import logging
from pathlib import Path

from cdktf import App

from infra.config import DEFAULT_CONFIG_PATH, DeploymentConfig, load_matrix
from infra.package import build_package
from infra.stack import RestoreStack

_LOGGER = logging.getLogger(__name__)
_LOGGER.addHandler(logging.NullHandler())

PROJECT_ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS_DIR = PROJECT_ROOT / "functions"
PACKAGE_NAME = "oss-restore-functions.zip"


def synthesize(*, outdir: Path, config_path: Path = DEFAULT_CONFIG_PATH,
               functions_dir: Path = FUNCTIONS_DIR) -> tuple[DeploymentConfig, ...]:
    """Write `outdir/stacks/<stack id>/cdk.tf.json` for every stack; return the stacks written."""
    matrix = load_matrix(config_path)
    package = build_package(functions_dir, outdir / "package" / PACKAGE_NAME)
    _LOGGER.debug("code package %s crc64 %s", package.path, package.crc64)
    app = App(outdir=str(outdir))
    for cfg in matrix:
        RestoreStack(app, config=cfg, package=package)
    app.synth()
    return matrix


def stack_dir(outdir: Path, cfg: DeploymentConfig) -> Path:
    return outdir / "stacks" / cfg.stack_id
