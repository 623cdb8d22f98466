"""The flow input as command-line options, shared by `run` (local) and `start` (cloud).

Precedence: a flag, then the `--input` JSON file, then the defaults of `validate_flow_input`, which
is the same validation the handlers apply, so a run is refused here exactly when the cloud would refuse it.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import click

from ossrestore.errors import UsageError
from ossrestore.option_types import FilePath

# flow input field -> (flag, click type, help)
FLOW_FIELDS: dict[str, tuple[str, Any, str]] = {
    "endpoint": ("--endpoint", str, "OSS endpoint, e.g. https://oss-cn-hangzhou.aliyuncs.com."),
    "bucketName": ("--bucket", str, "Bucket to restore."),
    "region": ("--region", str, "Region id (e.g. cn-hangzhou); when given, requests are signed with V4."),
    "prefix": ("--prefix", str, "Only keys under this prefix. Default: the whole bucket."),
    "marker": ("--marker", str, "Resume after this key. Default: from the start."),
    "maxKeys": ("--max-keys", int, "Keys per ListObjects page, 1-1000. Default 100."),
    "pollInterval": ("--poll-interval", int, "Seconds between status polls, 1-172800. Default 10."),
    "workers": ("--workers", int, "Restore threads per function invocation, 1-100. Default 10."),
    "groupSize": ("--group-size", int, "Keys per restore invocation, 1-1000. Default 10."),
    "days": ("--days", int, "Days to keep restored objects readable (fitted per class). Default 1."),
    "tier": ("--tier", click.Choice(["Expedited", "Standard", "Bulk"]), "Cold/Deep Cold retrieval tier. Default Standard."),
    "waitPerBatch": ("--wait-per-batch/--pipelined", bool, "Wait for each page to be readable before the next (the original sample's way). Default: pipelined."),
    "pagesPerExecution": ("--pages-per-execution", int, "Listing calls one execution makes before continuing as new, 1-300. Default 200."),
    "pollsPerExecution": ("--polls-per-execution", int, "Status polls one execution makes before continuing as new, 1-400. Default 300."),
}


def _param_name(field: str) -> str:
    return "flow_" + field


def flow_input_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add one option per flow input field, plus `--input FILE`."""
    for field, (flag, type_, help_) in reversed(list(FLOW_FIELDS.items())):
        if type_ is bool:
            command = click.option(flag, _param_name(field), default=None, help=help_)(command)
        else:
            command = click.option(flag, _param_name(field), type=type_, default=None, help=help_)(command)
    return click.option(
        "--input", "input_file", type=FilePath(path_type=Path), default=None,
        help="JSON file holding the flow input (flags override its fields).",
    )(command)


# A flow input is at most what StartExecution accepts (the engine's `execution_input_bytes`, CloudFlow's
# limit); reading stops there, so `--input /dev/zero` is refused instead of filling memory.
MAX_INPUT_FILE_BYTES = 1024 * 1024


def read_input_file(path: Path) -> dict[str, Any]:
    """The flow input in an `--input` file, within bounds; UsageError naming --input otherwise."""
    from restore_core import json_input
    from restore_core.errors import InvalidParameter

    try:
        with path.open("rb") as f:
            content = f.read(MAX_INPUT_FILE_BYTES + 1)
        if len(content) > MAX_INPUT_FILE_BYTES:
            raise UsageError(f"--input: {path} is larger than {MAX_INPUT_FILE_BYTES} bytes, a flow input's limit")
        # Bounded like a handler's event: nesting depth measured first, long integers never converted.
        data = json_input.loads(content, field="--input")
    except FileNotFoundError:
        raise UsageError(f"--input: no such file: {path}") from None
    except OSError as e:
        raise UsageError(f"--input: cannot read {path}: {e.strerror or e}") from None
    except InvalidParameter as e:
        raise UsageError(f"{e} ({path})") from None
    if not isinstance(data, dict):
        raise UsageError(f"--input: {path} must hold a JSON object with the flow input fields")
    unknown = sorted(set(data) - set(FLOW_FIELDS))
    if unknown:
        raise UsageError(f"--input: unknown field(s) {', '.join(unknown)}; allowed: {', '.join(FLOW_FIELDS)}")
    return data


def flow_input_from_options(input_file: Path | None = None, **options: Any) -> dict[str, Any]:
    """Merge flags over the input file and validate; raise UsageError naming the flag and the range."""
    raw = read_input_file(input_file) if input_file else {}
    for field in FLOW_FIELDS:
        value = options.get(_param_name(field))
        if value is not None:
            raw[field] = value
    from restore_core.errors import InvalidParameter
    from restore_core.params import validate_flow_input

    try:
        flow_input = validate_flow_input(raw)
    except InvalidParameter as e:
        flag = FLOW_FIELDS.get(e.field, (e.field,))[0].split("/")[0]
        raise UsageError(f"{flag}: {e}") from None
    return execution_input(flow_input)


def execution_input(flow_input: dict[str, Any]) -> dict[str, Any]:
    """The first execution's input: every key flows/main.yaml maps, so no mapping reads a missing path
    (CloudFlow does not document what that yields). Continuations pass the same keys on."""
    flow_input.setdefault("region", "")  # "" signs with V1, as an absent region does
    # The confirm phase scans from where this run's scope begins; continuations carry it along.
    flow_input.setdefault("startMarker", flow_input.get("marker", ""))
    flow_input.setdefault("phase", "list")
    flow_input.setdefault("statusMarker", "")
    return flow_input
