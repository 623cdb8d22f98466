"""CloudFlow service limits the engine enforces, and the flow/execution name rule.

The name rule is CloudFlow's "Limits" page (https://www.alibabacloud.com/help/en/serverless-workflow/latest/limits);
StartExecution refuses a name outside it, so the engine does too (`InvalidValueError`; from a task,
the step error `fnf.InvalidArgument`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields

from fdl.errors import InvalidValueError

NAME_RULE = "1-128 characters of [A-Za-z0-9_-], first character a letter or _"
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


@dataclass(frozen=True)
class Limits:
    """Defaults are CloudFlow's (FDL v1). Breaking one fails the execution with a named error."""

    step_data_bytes: int = 32 * 1024  # input + output + local of one step, JSON UTF-8
    events_per_execution: int = 5000
    foreach_items: int = 100
    foreach_concurrency: int = 100
    parallel_branches: int = 100
    wait_seconds: int = 172800  # two days
    execution_input_bytes: int = 1024 * 1024  # StartExecution request size
    name_length: int = 128

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise InvalidValueError(f"Limits.{field.name}", value, "an integer >= 1")


def check_name(field: str, name: object, *, max_length: int = 128) -> str:
    """Flow and execution names: raise `InvalidValueError` naming `field` when `name` breaks the rule."""
    if not isinstance(name, str) or not _NAME.fullmatch(name) or len(name) > max_length:
        rule = NAME_RULE.replace("128", str(max_length))
        raise InvalidValueError(field, name, rule)
    return name
