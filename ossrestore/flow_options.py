"""The flow input as command-line options, shared by `run` (local) and `start` (cloud).

Precedence: a flag, then the `--input` JSON file, then the defaults of the flow input table
(`restore_core.flow_inputs`), which the handlers validate with too, so a run is refused here exactly when
the cloud would refuse it. The options, their help and the defaults all come from that table.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

import click

from ossrestore.errors import UsageError
from ossrestore.option_types import FilePath
from restore_core import deadline, json_input, params, selection
from restore_core.errors import InvalidParameter
from restore_core.flow_inputs import (
    BY_NAME,
    FLOW_FIELDS,
    FLOW_INPUTS,
    LIST_KINDS,
    FlowInput,
    validate_flow_input,
)


def _param_name(field: str) -> str:
    return "flow_" + field


def flow_input_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add one option per flow input field, plus `--input FILE`."""
    return options_for(FLOW_FIELDS)(command)


def options_for(fields: Collection[str]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The options of these flow input fields only (a command that sets the others itself: extend, clean),
    plus `--input FILE`, whose fields must be among them too."""

    def add(command: Callable[..., Any]) -> Callable[..., Any]:
        for field in reversed(FLOW_INPUTS):
            if field.name in fields and field.option:  # reportUrl: the commands' own --report sets it
                command = click.option(
                    field.flag, _param_name(field.name), default=None, help=field.flag_help, **_click_type(field)
                )(command)
        return click.option(
            "--input",
            "input_file",
            type=FilePath(path_type=Path),
            default=None,
            help="JSON file holding the flow input (flags override its fields).",
        )(command)

    return add


def _click_type(field: FlowInput) -> dict[str, Any]:
    if field.kind == "boolean":
        return {}
    if field.kind == "choice":
        return {"type": click.Choice(field.choices)}
    if field.kind in LIST_KINDS:
        # Checked by the table's own check (as the handlers check it), so a bad class is named the same way.
        return {"type": str, "multiple": True}
    return {"type": int if field.kind == "integer" else str}


# A flow input is at most what StartExecution accepts (the engine's `execution_input_bytes`, CloudFlow's
# limit); reading stops there, so `--input /dev/zero` is refused instead of filling memory.
MAX_INPUT_FILE_BYTES = 1024 * 1024


def read_input_file(path: Path, fields: Collection[str] = FLOW_FIELDS) -> dict[str, Any]:
    """The flow input in an `--input` file, within bounds; UsageError naming --input otherwise."""
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
    unknown = sorted(set(data) - set(fields))
    if unknown:
        allowed = ", ".join(f for f in FLOW_FIELDS if f in fields)
        raise UsageError(f"--input: unknown field(s) {', '.join(unknown)}; allowed: {allowed}")
    return data


def flow_input_from_options(
    input_file: Path | None = None, *, fields: Collection[str] = FLOW_FIELDS, **options: Any
) -> dict[str, Any]:
    """Merge flags over the input file and validate; raise UsageError naming the flag and the range."""
    raw = read_input_file(input_file, fields) if input_file else {}
    for field in FLOW_FIELDS:
        value = options.get(_param_name(field))
        if value is not None and value != ():  # a repeatable flag not given is ()
            raw[field] = list(value) if isinstance(value, tuple) else value
    now = time.time()
    if isinstance(raw.get("deadline"), str):
        # `36h` from now, as the absolute UTC time the flows (and the cloud's handlers) carry
        raw["deadline"] = deadline.absolute(raw["deadline"], now=now)
    try:
        flow_input = validate_flow_input(raw)
    except InvalidParameter as e:
        name = e.field.split("[")[0]  # include[2]: the third --include
        flag = BY_NAME[name].flag.split("/")[0] + e.field[len(name) :] if name in BY_NAME else e.field
        raise UsageError(f"{flag}: {e}") from None
    if flow_input.get("deadline") and params.parse_iso_time(flow_input["deadline"]) <= now:
        raise UsageError(f"--deadline: {flow_input['deadline']} has already passed")
    for hint in selection.hints(flow_input):  # patterns that can match, but probably not what was meant
        click.echo(f"warning: {hint}", err=True)
    return flow_input
