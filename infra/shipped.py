"""The folders the distribution ships as data: the flows' YAML and the Function Compute code package.

`functions/` and `flows/` keep their place in the repository (the code package is `functions/` zipped as
it is) and install under names of their own (`pyproject.toml`: `ossrestore_functions`, `ossrestore_flows`,
with `restore_core` as the top-level package the handlers import). They are found through the import
system, never relative to a source file, so an editable install (a clone) and a normal install find them
alike. In a clone the handlers' folder holds `restore_core/` too; installed, `restore_core` sits beside it
and `stage_code_package` lays the two out again as `functions/` is, so the zip has the same bytes.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

from infra.errors import InfraError
from infra.package import package_files

FLOWS_PACKAGE = "ossrestore_flows"
HANDLERS_PACKAGE = "ossrestore_functions"
SHARED_PACKAGE = "restore_core"


def package_dir(name: str) -> Path:
    """The one folder an installed package (regular or namespace) of this distribution lives in."""
    spec = importlib.util.find_spec(name)
    # A namespace package's path may also hold an editable install's placeholder entry: only folders count.
    found = spec.submodule_search_locations or () if spec is not None else ()
    locations = [location for location in found if Path(location).is_dir()]
    if len(locations) != 1:
        raise InfraError(f"{name}: not installed as one folder (found {locations}); reinstall oss-restore")
    return Path(locations[0])


def flows_dir() -> Path:
    return package_dir(FLOWS_PACKAGE)


def functions_dir() -> Path:
    """The handlers' folder: `functions/` itself in a clone, the installed `ossrestore_functions` otherwise."""
    return package_dir(HANDLERS_PACKAGE)


def stage_code_package(staging: Path) -> Path:
    """A folder laid out as `functions/` is: the folder itself when it already holds `restore_core/`,
    else a copy of the installed handlers with the installed `restore_core/` beside them."""
    handlers, shared = functions_dir(), package_dir(SHARED_PACKAGE)
    if shared.parent == handlers:
        return handlers
    for src, root in [(p, handlers) for p in package_files(handlers)] + [
        (p, shared.parent) for p in package_files(shared)
    ]:
        dest = staging / src.relative_to(root)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dest)
    return staging
