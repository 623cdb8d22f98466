"""The engine: starts executions of registered flows, each on its own thread, and keeps their results.

Execution names are unique per flow, as in CloudFlow; starting a name twice raises
`ExecutionAlreadyExists` (from a task: the step error `fnf.ExecutionAlreadyExists`).
"""
from __future__ import annotations

import json
import logging
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fdl.access import Authorize
from fdl.clock import Clock, RealClock
from fdl.conditions import BOOLEAN_COMPARE_MODES
from fdl.errors import ExecutionAlreadyExists, ExecutionNotFound, InvalidValueError, StepError
from fdl.events import Event, EventCallback, History
from fdl.fc import Credentials
from fdl.interpreter import Interpreter
from fdl.limits import Limits, check_name
from fdl.model import Flow
from fdl.registry import Registry

_LOGGER = logging.getLogger(__name__)
_LOGGER.addHandler(logging.NullHandler())

SUCCEEDED, FAILED, RUNNING = "Succeeded", "Failed", "Running"


@dataclass(frozen=True)
class ExecutionResult:
    name: str
    flow_name: str
    status: str
    output: dict[str, Any] | None
    error: str | None
    cause: str | None
    events: tuple[Event, ...]
    message: str | None = None  # on failure: flow, execution, step and attempt, error and cause


@dataclass
class ExecutionRun:
    """Engine-internal state of one execution."""

    name: str
    flow_name: str
    flow: Flow
    input: dict[str, Any]
    history: History
    started: datetime
    done: threading.Event = field(default_factory=threading.Event)
    result: ExecutionResult | None = None

    @property
    def label(self) -> str:
        return f"{self.flow_name}/{self.name}"


class Engine:
    def __init__(
        self,
        registry: Registry,
        *,
        clock: Clock | None = None,
        limits: Limits = Limits(),
        credentials: Credentials | None = None,
        on_event: EventCallback | None = None,
        boolean_compare: str = "string",
        authorize: Authorize | None = None,
    ) -> None:
        if boolean_compare not in BOOLEAN_COMPARE_MODES:
            raise InvalidValueError("boolean_compare", boolean_compare, " or ".join(BOOLEAN_COMPARE_MODES))
        self.registry = registry
        self.clock: Clock = clock or RealClock()
        self.limits = limits
        self.credentials = credentials
        self.on_event = on_event
        self.boolean_compare = boolean_compare
        self.authorize = authorize  # the execution role's permissions (fdl.access); None checks nothing
        self._runs: dict[tuple[str, str], ExecutionRun] = {}
        self._lock = threading.Lock()

    # --- public API -----------------------------------------------------------------------------

    def start_execution(self, flow_name: str, input: dict[str, Any], *, name: str | None = None) -> str:
        """Start `flow_name` on a background thread; returns the execution name."""
        return self.launch(flow_name, input, name=name).name

    def run(self, flow_name: str, input: dict[str, Any], *, name: str | None = None) -> ExecutionResult:
        run = self.launch(flow_name, input, name=name)
        return self.wait(run.name, flow_name=flow_name)

    def wait(self, name: str, *, flow_name: str | None = None) -> ExecutionResult:
        run = self._find(name, flow_name)
        run.done.wait()
        assert run.result is not None
        return run.result

    def wait_all(self) -> list[ExecutionResult]:
        """Wait until nothing runs, including executions started meanwhile (continue-as-new chains)."""
        while True:
            with self._lock:
                pending = [run for run in self._runs.values() if not run.done.is_set()]
                if not pending:
                    return [run.result for run in self._runs.values() if run.result is not None]
            for run in pending:
                run.done.wait()

    def history(self, name: str, *, flow_name: str | None = None) -> list[Event]:
        return self._find(name, flow_name).history.events()

    def executions(self) -> list[str]:
        with self._lock:
            return [run.name for run in self._runs.values()]

    def status(self, name: str, *, flow_name: str | None = None) -> str:
        run = self._find(name, flow_name)
        return run.result.status if run.result is not None else RUNNING

    # --- internals ------------------------------------------------------------------------------

    def launch(self, flow_name: str, input: dict[str, Any], *, name: str | None = None) -> ExecutionRun:
        flow = self.registry.flow(flow_name)
        name = name if name is not None else f"exec-{uuid.uuid4().hex}"
        check_name("execution name", name, max_length=self.limits.name_length)
        self._check_input(input)
        history = History(name, limit=self.limits.events_per_execution, now=self.clock.now, on_event=self.on_event)
        run = ExecutionRun(name, flow_name, flow, json.loads(json.dumps(input)), history, self.clock.now())
        with self._lock:
            if (flow_name, name) in self._runs:
                raise ExecutionAlreadyExists(flow_name, name)
            self._runs[(flow_name, name)] = run
        threading.Thread(target=self._execute, args=(run,), name=f"fdl-{name}", daemon=True).start()
        return run

    def _check_input(self, input: Any) -> None:
        if not isinstance(input, dict):
            raise InvalidValueError("input", input, "a JSON object (dict)")
        try:
            size = len(json.dumps(input, ensure_ascii=False).encode("utf-8"))
        except (TypeError, ValueError) as e:
            raise InvalidValueError("input", input, f"JSON-serializable values only ({e})") from e
        if size > self.limits.execution_input_bytes:
            raise InvalidValueError("input", f"<{size} bytes>", f"at most {self.limits.execution_input_bytes} bytes of JSON")

    def _execute(self, run: ExecutionRun) -> None:
        run.history.record("ExecutionStarted", input=run.input)
        _LOGGER.debug("%s: started", run.label)
        output: dict[str, Any] | None = None
        error: str | None = None
        cause: str | None = None
        message: str | None = None
        try:
            output = Interpreter(run, self).run_flow()
        except StepError as e:
            e.flow, e.execution = run.flow_name, run.name
            error, cause, message = e.error, e.cause, str(e)
            _LOGGER.debug("%s: failed: %s", run.label, e)
        except Exception as e:  # a bug in the engine must still end the execution
            _LOGGER.exception("%s: engine error", run.label)
            error, cause = "FnF.InternalError", f"{type(e).__name__}: {e}"
            message = f"flow {run.flow_name}, execution {run.name}: {error}: {cause}"
        if error is None:
            run.history.record("ExecutionSucceeded", output=output)
        else:
            run.history.record("ExecutionFailed", error=error, cause=cause)
        status = SUCCEEDED if error is None else FAILED
        run.result = ExecutionResult(run.name, run.flow_name, status, output, error, cause, tuple(run.history.events()), message)
        run.done.set()

    def _find(self, name: str, flow_name: str | None) -> ExecutionRun:
        with self._lock:
            found = [run for (flow, n), run in self._runs.items() if n == name and flow_name in (None, flow)]
        if not found:
            raise ExecutionNotFound(name)
        if len(found) > 1:
            raise ExecutionNotFound(name, "several flows have an execution of that name; pass flow_name")
        return found[0]
