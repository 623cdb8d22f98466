"""The code package and the synthesized stacks are the same bytes from any copy of the repository."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import oss2.utils
import pytest

from infra.package import build_package, fc_crc64, package_files

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ("main.py", "cdktf.json", "infra", "flows", "functions", "fdl")


def _copy_repository(dest: Path, *, mtime: int, mode: int, reverse: bool) -> Path:
    """A copy made at another time, with other permissions, files created in another order."""
    dest.mkdir()
    for name in sorted(SHIPPED, reverse=reverse):
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(src, dest / name)
    for path in sorted(dest.rglob("*"), reverse=reverse):
        if path.is_file():
            path.chmod(mode)
            os.utime(path, (mtime, mtime))
    return dest


def _synth(repo: Path) -> Path:
    env = {**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
    subprocess.run([sys.executable, "main.py"], cwd=repo, env=env, check=True, capture_output=True, timeout=120)
    return repo / "cdktf.out"


@pytest.mark.e2e
def test_two_copies_synthesize_byte_identical_packages_and_stacks(tmp_path: Path) -> None:
    # GIVEN two copies of the repository with different timestamps, modes and file order,
    # one of them with bytecode caches lying around
    a = _copy_repository(tmp_path / "a", mtime=315_532_800, mode=0o644, reverse=False)
    b = _copy_repository(tmp_path / "b", mtime=1_900_000_000, mode=0o755, reverse=True)
    (b / "functions" / "__pycache__").mkdir()
    (b / "functions" / "__pycache__" / "stray.cpython-311.pyc").write_bytes(b"\0junk")
    # WHEN `python main.py` runs in each
    out_a, out_b = _synth(a), _synth(b)
    # THEN every stack file and every asset is byte-identical
    files_a = sorted(p.relative_to(out_a) for p in (out_a / "stacks").rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(out_b) for p in (out_b / "stacks").rglob("*") if p.is_file())
    assert files_a == files_b and len(files_a) >= 6
    for rel in files_a:
        assert (out_a / rel).read_bytes() == (out_b / rel).read_bytes(), rel
    # AND the checksum in each stack is FC's CRC-64 of the asset bytes (computed independently by oss2)
    for stack in (out_a / "stacks").iterdir():
        tf = json.loads((stack / "cdk.tf.json").read_text())
        for function in tf["resource"]["alicloud_fc_function"].values():
            crc = oss2.utils.Crc64()
            crc.update((stack / function["filename"]).read_bytes())
            assert function["code_checksum"] == str(crc.crc)


def test_package_holds_exactly_the_shipped_files_with_fixed_metadata(tmp_path: Path) -> None:
    # GIVEN the functions folder WHEN it is packaged
    package = build_package(ROOT / "functions", tmp_path / "code.zip")
    # THEN entries are the shipped files in sorted order, with one date and one mode
    with zipfile.ZipFile(package.path) as zf:
        infos = zf.infolist()
    names = [i.filename for i in infos]
    assert names == sorted(names)
    assert names == [p.relative_to(ROOT / "functions").as_posix() for p in package_files(ROOT / "functions")]
    assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)
    assert {(i.date_time, i.external_attr >> 16) for i in infos} == {((1980, 1, 1, 0, 0, 0), 0o100644)}
    assert package.crc64 == fc_crc64(package.path.read_bytes())


def test_crc64_is_the_xz_parameter_set() -> None:
    # The catalogue check value of CRC-64/XZ, which FC and OSS report; not CRC-64/ECMA-182.
    assert fc_crc64(b"123456789") == str(0x995DC9BBDF1939FA)
    assert fc_crc64(b"") == "0"
