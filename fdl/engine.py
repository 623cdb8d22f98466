"""The engine: starts executions of registered flows, each on its own thread, and keeps their results.

Execution names are unique per flow and StartExecution is idempotent as CloudFlow documents it
("StartExecution", https://www.alibabacloud.com/help/en/serverless-workflow/latest/api-fnf-2019-03-15-startexecution):
starting the name of an execution still running returns that execution and starts nothing; the name
of one that has ended raises `ExecutionAlreadyExists` (from a task: `fnf.ExecutionAlreadyExists`).
A name given must follow CloudFlow's rule (`fdl.limits.check_name`); without one the engine names the
execution with a UUID, as CloudFlow does, which may start with a digit.

`keep_histories=n` bounds the memory of a long run: only the last n executions to end keep their
event history (and input); older ones keep their `ExecutionResult` (status, output, error, and
`event_count`) with `events=()`, and `history()` of them is empty. CloudFlow serves an ended
execution's history ("GetExecutionHistory", https://www.alibabacloud.com/help/en/doc-detail/123078.html),
but a local run of millions of objects cannot keep every event of every execution in memory.
The default, None, keeps all.

`mappings="strict"` (the default) fails a step whose mapping reads a path that does not exist;
"lenient" maps it to null. `quotas=Quotas()` turns on the account quotas of `fdl.quotas`: CloudFlow's, and
FC's instances per region (an invocation past them fails at once with `FC.ResourceThrottled`).

`stop()` is what an interrupted command calls (CloudFlow's StopExecution, for every execution): no
step starts after it, waits and retry intervals end at once, calls in flight finish or fail, and every
execution ends with status Stopped. Nothing that happens in an execution thread escapes it, so a
stopped run never prints a traceback.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections import deque
from dataclasses import replace
from typing import Any

from fdl import fc
from fdl.access import Authorize
from fdl.clock import Clock, RealClock
from fdl.conditions import BOOLEAN_COMPARE_MODES
from fdl.errors import (
    ExecutionAlreadyExists,
    ExecutionLimitExceeded,
    ExecutionNotFound,
    ExecutionStopped,
    ExecutionThrottled,
    InvalidValueError,
    StepError,
)
from fdl.events import Event, EventCallback, History
from fdl.executions import FAILED, RUNNING, STOPPED, SUCCEEDED, ExecutionResult, ExecutionRun
from fdl.fc import Credentials
from fdl.host import TaskFunction
from fdl.interpreter import Interpreter
from fdl.limits import Limits, check_name
from fdl.quotas import FcInstances, Quotas, QuotaStats, TokenBucket
from fdl.registry import Registry

_LOGGER = logging.getLogger(__name__)
_LOGGER.addHandler(logging.NullHandler())

MAPPING_MODES = ("strict", "lenient")


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
        mappings: str = "strict",
        quotas: Quotas | None = None,
        authorize: Authorize | None = None,
        keep_histories: int | None = None,
    ) -> None:
        if boolean_compare not in BOOLEAN_COMPARE_MODES:
            raise InvalidValueError("boolean_compare", boolean_compare, " or ".join(BOOLEAN_COMPARE_MODES))
        if mappings not in MAPPING_MODES:
            raise InvalidValueError("mappings", mappings, " or ".join(MAPPING_MODES))
        self.registry = registry
        self.clock: Clock = clock or RealClock()
        self.limits = limits
        self.credentials = credentials
        self.on_event = on_event
        self.boolean_compare = boolean_compare
        self.mappings = mappings
        self.quotas = quotas
        self.quota_stats = QuotaStats()
        self.authorize = authorize  # the execution role's permissions (fdl.access); None checks nothing
        if keep_histories is not None and keep_histories < 0:
            raise InvalidValueError("keep_histories", keep_histories, "None or an integer >= 0")
        self.keep_histories = keep_histories
        self._runs: dict[tuple[str, str], ExecutionRun] = {}
        self._with_history: deque[ExecutionRun] = deque()  # ended executions still holding their history
        self._running = 0
        self._lock = threading.Lock()
        self._step_bucket: TokenBucket | None = None
        self._start_bucket: TokenBucket | None = None
        self._fc_instances: FcInstances | None = None
        if quotas is not None:
            self._fc_instances = FcInstances(
                limit=quotas.fc_instances_per_region, stats=self.quota_stats, lock=self._lock
            )
            now = self.clock.now
            self._step_bucket = TokenBucket(capacity=quotas.step_tokens, rate=quotas.step_refill_per_second, now=now)
            self._start_bucket = TokenBucket(
                capacity=quotas.start_execution_tokens, rate=quotas.start_execution_refill_per_second, now=now
            )
        self._stopping = threading.Event()

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

    def wait_all(self, *, timeout: float | None = None) -> list[ExecutionResult]:
        """Wait until nothing runs, including executions started meanwhile (continue-as-new chains);
        with a timeout, return the results there are when it passes."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            with self._lock:
                pending = [run for run in self._runs.values() if not run.done.is_set()]
                if not pending:
                    return [run.result for run in self._runs.values() if run.result is not None]
            for run in pending:
                left = None if deadline is None else max(deadline - time.monotonic(), 0.0)
                if not run.done.wait(left):
                    with self._lock:
                        return [r.result for r in self._runs.values() if r.result is not None]

    def stop(self) -> None:
        """Stop every execution (see the module's docstring); returns at once, `wait_all` waits."""
        self._stopping.set()
        interrupt = getattr(self.clock, "interrupt", None)  # a virtual clock's sleeps end at once anyway
        if interrupt is not None:
            interrupt()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

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
        """StartExecution: a new run, or the running one of that name (see the module docstring)."""
        flow = self.registry.flow(flow_name)
        if name is None:
            name = str(uuid.uuid4())
        else:
            check_name("execution name", name, max_length=self.limits.name_length)
        self._check_input(input)
        if self._start_bucket is not None:
            wait = self._start_bucket.take()
            if wait > 0:
                with self._lock:
                    self.quota_stats.starts_throttled += 1
                raise ExecutionThrottled(flow_name, name, wait)
        history = History(name, limit=self.limits.events_per_execution, now=self.clock.now, on_event=self.on_event)
        run = ExecutionRun(name, flow_name, flow, json.loads(json.dumps(input)), history, self.clock.now())
        with self._lock:
            existing = self._runs.get((flow_name, name))
            if existing is not None:
                if not existing.done.is_set():
                    return existing
                raise ExecutionAlreadyExists(flow_name, name)
            if self.quotas is not None and self._running >= self.quotas.running_executions:
                self.quota_stats.starts_refused_running += 1
                raise ExecutionLimitExceeded(flow_name, name, self.quotas.running_executions)
            self._runs[(flow_name, name)] = run
            self._running += 1
        threading.Thread(target=self._execute, args=(run,), name=f"fdl-{name}", daemon=True).start()
        return run

    # --- the interpreter's view of the engine (fdl.host.ExecutionHost) ---------------------------

    def task_function(self, arn: str) -> TaskFunction:
        spec = self.registry.function(arn)

        def invoke(data: dict[str, Any], timeout: int | None) -> dict[str, Any]:
            if self._fc_instances is None:
                return fc.invoke(spec, data, clock=self.clock, credentials=self.credentials, timeout=timeout)
            with self._fc_instances.instance(spec.arn.region):  # FC's instance quota (fdl.quotas)
                return fc.invoke(spec, data, clock=self.clock, credentials=self.credentials, timeout=timeout)

        return invoke

    def start_child(self, flow_name: str, input: dict[str, Any], *, name: str | None) -> ExecutionRun:
        return self.launch(flow_name, input, name=name)

    def admit_step(self) -> None:
        """A metered entry (a step, an iteration, a branch) under the step-rate quota: wait on the clock until
        the account's bucket has a token."""
        with self._lock:
            self.quota_stats.metered_entries += 1
        if self._step_bucket is None:
            return
        started = None
        while (wait := self._step_bucket.take()) > 0:
            started = started or self.clock.now()
            self.clock.sleep(wait)
        if started is not None:
            with self._lock:
                self.quota_stats.step_delays += 1
                self.quota_stats.step_delay_seconds += (self.clock.now() - started).total_seconds()

    def _check_input(self, input: Any) -> None:
        if not isinstance(input, dict):
            raise InvalidValueError("input", input, "a JSON object (dict)")
        try:
            size = len(json.dumps(input, ensure_ascii=False).encode("utf-8"))
        except (TypeError, ValueError) as e:
            raise InvalidValueError("input", input, f"JSON-serializable values only ({e})") from e
        if size > self.limits.execution_input_bytes:
            raise InvalidValueError(
                "input", f"<{size} bytes>", f"at most {self.limits.execution_input_bytes} bytes of JSON"
            )

    def _execute(self, run: ExecutionRun) -> None:
        run.history.record("ExecutionStarted", input=run.input)
        _LOGGER.debug("%s: started", run.label)
        output: dict[str, Any] | None = None
        error: str | None = None
        cause: str | None = None
        message: str | None = None
        try:
            try:
                output = Interpreter(run, self).run_flow()
            except StepError as e:
                e.flow, e.execution = run.flow_name, run.name
                error, cause, message = e.error, e.cause, str(e)
                _LOGGER.debug("%s: failed: %s", run.label, e)
            except Exception as e:  # a bug in the engine must still end the execution
                if not self.stopping:
                    _LOGGER.exception("%s: engine error", run.label)
                error, cause = "FnF.InternalError", f"{type(e).__name__}: {e}"
                message = f"flow {run.flow_name}, execution {run.name}: {error}: {cause}"
            except BaseException as e:  # KeyboardInterrupt or SystemExit carried over from a handler call
                error, cause = ExecutionStopped.ERROR, f"{type(e).__name__}: {e}"
                message = f"flow {run.flow_name}, execution {run.name}: stopped by {type(e).__name__}"
            if self.stopping and error is not None:
                # Whatever failed after stop() failed because of it (a call cut short, a step refused).
                error = ExecutionStopped.ERROR
            status = SUCCEEDED if error is None else STOPPED if error == ExecutionStopped.ERROR else FAILED
            if status == SUCCEEDED:
                run.history.record("ExecutionSucceeded", output=output)
            else:
                run.history.record(
                    "ExecutionStopped" if status == STOPPED else "ExecutionFailed", error=error, cause=cause
                )
            events = tuple(run.history.events())
            run.result = ExecutionResult(
                run.name, run.flow_name, status, output, error, cause, events, message, len(events)
            )
        finally:
            with self._lock:
                self._running -= 1
                self._drop_old_histories(run)
            run.done.set()

    def _drop_old_histories(self, ended: ExecutionRun) -> None:
        """Under the lock: keep the histories of the last `keep_histories` executions to end."""
        if self.keep_histories is None:
            return
        self._with_history.append(ended)
        while len(self._with_history) > self.keep_histories:
            old = self._with_history.popleft()
            old.history.drop()
            old.input = {}
            if old.result is not None:
                old.result = replace(old.result, events=())

    def _find(self, name: str, flow_name: str | None) -> ExecutionRun:
        with self._lock:
            found = [run for (flow, n), run in self._runs.items() if n == name and flow_name in (None, flow)]
        if not found:
            raise ExecutionNotFound(name)
        if len(found) > 1:
            raise ExecutionNotFound(name, "several flows have an execution of that name; pass flow_name")
        return found[0]
