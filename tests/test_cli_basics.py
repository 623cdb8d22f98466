"""What a user of any other CLI tries first: `--version` and `-h` answer and exit 0, on the group and every command."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import version

import pytest
from click.testing import CliRunner

from ossrestore.cli import _COMMANDS, group


def test_version_exits_0_and_prints_the_installed_version():
    done = subprocess.run(
        [sys.executable, "-m", "ossrestore", "--version"], capture_output=True, text=True, env=os.environ, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"oss-restore {version('oss-restore')}"


@pytest.mark.parametrize("args", [["-h"], ["--help"], *([name, "-h"] for name in sorted(_COMMANDS))])
def test_h_exits_0_with_the_help(args):
    result = CliRunner().invoke(group, args)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Usage: ") and ("-h, --help" in result.output)


def test_run_h_exits_0_as_a_user_runs_it():
    done = subprocess.run(
        [sys.executable, "-m", "ossrestore", "run", "-h"], capture_output=True, text=True, env=os.environ, timeout=60
    )
    assert done.returncode == 0 and "--max-cost AMOUNT" in done.stdout and "--profile NAME" in done.stdout
