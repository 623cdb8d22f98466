"""A normal (non-editable) install works on its own: the wheel carries the handlers, their shared package
and the flows, and `oss-restore demo` runs from a directory that has nothing of the repository.

The wheel is built from a copy of the working tree's files (as a fresh clone holds them) and installed
with `--no-deps` into a new virtual environment that sees this environment's third-party packages through
a `.pth` line (a folder added that way has its own `.pth` files ignored, so the editable install of this
tree stays invisible): the project itself can only come from the wheel, and no dependency is downloaded.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e  # whole commands and whole runs of the flows

ROOT = Path(__file__).resolve().parent.parent


def _tracked_files() -> list[str]:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs git to list the files a clone holds")
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout
    return [name for name in listed.split("\0") if name and (ROOT / name).is_file()]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new virtual environment holding the project's wheel; returns its bin folder."""
    base = tmp_path_factory.mktemp("dist")
    clone = base / "clone"
    for name in _tracked_files():
        (clone / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, clone / name)
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(base / "dist"), str(clone)],
        capture_output=True,
        text=True,
    )
    if built.returncode != 0:
        pytest.skip(f"pip cannot build a wheel here: {built.stderr.strip()[-300:]}")
    (wheel,) = (base / "dist").glob("oss_restore-*.whl")
    env_dir = base / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    deps = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    Path(site, "test-dependencies.pth").write_text("\n".join(sorted(deps)) + "\n", encoding="utf-8")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", "--no-index", str(wheel)],
        check=True,
        capture_output=True,
        text=True,
    )
    return env_dir / "bin"


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"}}


def test_the_installed_command_runs_the_demo_from_an_unrelated_directory(installed: Path, tmp_path: Path) -> None:
    # GIVEN the project installed from its wheel into a new virtual environment, and a directory of nothing
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # WHEN the demo runs from there (worker processes import the handlers from the install)
    result = subprocess.run(
        [str(installed / "oss-restore"), "demo", "--objects", "300", "--quiet"],
        cwd=elsewhere,
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    # THEN every archive object is readable (exit 0) and nothing was written beside it
    assert result.returncode == 0, result.stderr[-2000:]
    assert list(elsewhere.iterdir()) == []


def test_the_install_holds_its_own_copy_and_zips_the_same_code_package(installed: Path, tmp_path: Path) -> None:
    # GIVEN the installed distribution WHEN it locates its parts and zips the code package from them
    probe = (
        "import json, ossrestore, restore_core, ossrestore_functions.restore as h\n"
        "from pathlib import Path\n"
        "from infra.package import build_package\n"
        "from infra.shipped import flows_dir, stage_code_package\n"
        "zip = build_package(stage_code_package(Path('staged')), Path('code.zip'))\n"
        "print(json.dumps({'files': [ossrestore.__file__, restore_core.__file__, h.__file__, str(flows_dir())],\n"
        "                  'flows': sorted(p.name for p in flows_dir().glob('*.yaml')), 'crc64': zip.crc64}))\n"
    )
    found = json.loads(
        subprocess.run(
            [str(installed / "python"), "-c", probe],
            cwd=tmp_path,
            env=_clean_env(),
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    # THEN every part comes from the environment, not the source tree
    prefix = str(installed.parent)
    assert all(path.startswith(prefix) for path in found["files"]), found["files"]
    assert found["flows"] == ["main.yaml", "restore.yaml"]
    # AND the code package has the bytes of the one zipped from functions/
    from infra.package import build_package

    assert found["crc64"] == build_package(ROOT / "functions", tmp_path / "source.zip").crc64
