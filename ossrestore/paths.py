"""Where the command finds the parts the distribution ships, and what it leaves to the working directory.

Shipped (package data, found the same way in an editable and a normal install, see `infra.shipped`): the
flows' YAML, the handlers (imported as `ossrestore_functions.<module>`, the FC entry modules of
`functions/`; their shared `restore_core` is a top-level package, as in the code package), the
deployment matrix `infra/environments.yaml` and the provider schema. The working directory holds only
what the command writes: `cdktf.out/` (synthesis, plans) and the reports asked for.
"""

from __future__ import annotations

from pathlib import Path

CDKTF_OUT = Path("cdktf.out")


def flow_file(name: str) -> Path:
    """One of the shipped flows (`main.yaml`, `restore.yaml`)."""
    from infra.shipped import flows_dir  # here, not on import: `--help` loads no infra module

    return flows_dir() / name


def handler_module(module_name: str) -> str:
    """The import name of an FC handler module of `functions/` (`restore` -> `ossrestore_functions.restore`)."""
    from infra.shipped import HANDLERS_PACKAGE

    return f"{HANDLERS_PACKAGE}.{module_name}"
