"""The one code package of the three functions: a zip whose bytes depend only on file contents.

Timestamps, permissions and directory order vary between checkouts and machines; the zip fixes all
three so `code_checksum` (FC's CRC-64 of the bytes) is the same everywhere and Terraform sees no
change until a handler really changes.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

from oss2.utils import Crc64

_FIXED_TIME = (1980, 1, 1, 0, 0, 0)
_FILE_MODE = 0o100644 << 16
_SKIPPED_DIRS = {"__pycache__", ".pytest_cache", ".mypy_cache"}
_SKIPPED_SUFFIXES = {".pyc", ".pyo"}


@dataclass(frozen=True)
class CodePackage:
    path: Path
    crc64: str


def build_package(src: Path, dest: Path) -> CodePackage:
    """Zip `src` into `dest` deterministically and return it with its FC checksum."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in package_files(src):
            info = zipfile.ZipInfo(path.relative_to(src).as_posix(), date_time=_FIXED_TIME)
            info.external_attr = _FILE_MODE
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # always "Unix", whatever builds it, so the header bytes match
            zf.writestr(info, path.read_bytes(), compresslevel=9)
    return CodePackage(path=dest, crc64=fc_crc64(dest.read_bytes()))


def package_files(src: Path) -> list[Path]:
    """Files that ship, in a fixed order: no caches, no hidden files, no compiled bytecode."""

    def ships(p: Path) -> bool:
        parts = p.relative_to(src).parts
        return (
            p.is_file()
            and p.suffix not in _SKIPPED_SUFFIXES
            and not any(part in _SKIPPED_DIRS or part.startswith(".") for part in parts)
        )

    return sorted((p for p in src.rglob("*") if ships(p)), key=lambda p: p.relative_to(src).as_posix())


def fc_crc64(data: bytes) -> str:
    """CRC-64 as FC and OSS report it (CRC-64/XZ parameters), as an unsigned decimal string.

    Computed by the OSS SDK's own CRC-64 (`oss2.utils.Crc64`, which oss2 checks OSS's answers with),
    as the emulator's checksums are: one implementation, from a dependency both packages already have.
    """
    crc = Crc64()
    crc.update(data)
    return str(crc.crc)
