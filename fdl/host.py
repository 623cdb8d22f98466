"""What an execution needs from the engine that runs it, and nothing more.

The interpreter runs one execution's steps; the engine owns every execution, the registry, the
credentials, the quotas and the stop flag. The interpreter receives an `ExecutionHost` and reaches the
engine only through it: a task's function, a child execution and its result, step admission under the
quotas, the stop flag, the authorization hook and the configuration that shapes evaluation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from fdl.access import Authorize
from fdl.clock import Clock
from fdl.limits import Limits

# A task's function, ready to invoke as FC does: (event as JSON-able data, step timeout or None) -> output.
TaskFunction = Callable[[dict[str, Any], "int | None"], dict[str, Any]]


class ChildExecution(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def flow_name(self) -> str: ...


class ChildResult(Protocol):
    @property
    def status(self) -> str: ...

    @property
    def succeeded(self) -> bool: ...

    @property
    def output(self) -> dict[str, Any] | None: ...

    @property
    def error(self) -> str | None: ...

    @property
    def cause(self) -> str | None: ...


class ExecutionHost(Protocol):
    @property
    def limits(self) -> Limits: ...

    @property
    def clock(self) -> Clock: ...

    @property
    def mappings(self) -> str: ...

    @property
    def boolean_compare(self) -> str: ...

    @property
    def authorize(self) -> Authorize | None: ...

    @property
    def stopping(self) -> bool: ...

    def admit_step(self) -> None:
        """Return when the step-rate quota lets one more step, iteration or branch start."""

    def task_function(self, arn: str) -> TaskFunction:
        """The function `arn` names (a StepError when none is registered under it)."""

    def start_child(self, flow_name: str, input: dict[str, Any], *, name: str | None) -> ChildExecution:
        """StartExecution of a child flow (the engine's errors for a refused start)."""

    def wait(self, name: str, *, flow_name: str | None = None) -> ChildResult:
        """Block until the execution ends; its result."""
