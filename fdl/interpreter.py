"""The interpreter: one dispatch over step types that recurses for nesting.

Data flow (FDL v1's inputMappings/outputMappings): a step's input is its inputMappings over the parent's `$input`/`$local`/
`$context` or, without them, the parent's input merged with the parent's `$local` (local wins).
Each step's output is merged into the parent's `$local` (later steps win). outputMappings read the
step's own `$input` and `$local`; without them a task or choice outputs its `$local` and every other
step outputs `{}`. A foreach's or parallel's `$local` is the list of iteration/branch locals.

Control: `end: true` ends the current sequence; `goto` jumps to a sibling; `succeed` ends the
current sequence and the sequences of enclosing choice branches, up to the nearest foreach
iteration, parallel branch or flow; `fail` fails upward.

Failure rule for foreach and parallel: iterations/branches run concurrently (at most
`Limits.foreach_concurrency` at once). The first one to fail (in time) decides the step's error;
those already running finish, those not yet started are skipped, and the step fails once all
running ones are done. Siblings are not interrupted, as CloudFlow has no cancellation of a
running function.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from fdl import access, fc
from fdl import model as m
from fdl.arns import FLOW_ARN
from fdl.conditions import ConditionTypeError, evaluate
from fdl.errors import (
    ExecutionAlreadyExists,
    ExecutionLimitExceeded,
    ExecutionStopped,
    ExecutionThrottled,
    FlowNotFound,
    InvalidValueError,
    LimitExceeded,
    MappingSourceMissing,
    StepError,
)
from fdl.host import ChildExecution, ExecutionHost
from fdl.loader import parse_timestamp
from fdl.paths import Constant, PathExpr, first_missing, path_text, resolve, walk

if TYPE_CHECKING:
    from fdl.executions import ExecutionRun

_LOGGER = logging.getLogger(__name__)
_LOGGER.addHandler(logging.NullHandler())


@dataclass(frozen=True)
class Outcome:
    """What a step's body produced: its `$local`, and where the sequence goes next."""

    local: Any
    goto: str | None = None
    succeeded: bool = False
    output: dict[str, Any] | None = None  # set when not derived from outputMappings (catch)


@dataclass(frozen=True)
class Sequence:
    local: dict[str, Any]
    succeeded: bool = False


class Interpreter:
    def __init__(self, run: ExecutionRun, host: ExecutionHost) -> None:
        self.run = run
        self.host = host
        self.limits = host.limits
        self.clock = host.clock
        self.record = run.history.record
        self.strict = host.mappings == "strict"

    # --- flow and sequences ---------------------------------------------------------------------

    def run_flow(self) -> dict[str, Any]:
        flow, context = self.run.flow, self.context("")
        raw = self.run.input
        data = (
            self.map("flow inputMappings", flow.input_mappings, input=raw, local={}, context=context)
            if flow.input_mappings
            else dict(raw)
        )
        sequence = self.run_steps(flow.steps, data)
        if flow.output_mappings:
            return self.map(
                "flow outputMappings", flow.output_mappings, input=data, local=sequence.local, context=context
            )
        return sequence.local

    def run_steps(self, steps: tuple[m.Step, ...], data: dict[str, Any]) -> Sequence:
        index, local = 0, {}  # type: int, dict[str, Any]
        positions = {step.name: i for i, step in enumerate(steps)}
        while index < len(steps):
            step = steps[index]
            result = self.run_step(step, data, local)
            local.update(result.output or {})
            if result.succeeded:
                return Sequence(local, succeeded=True)
            if result.goto is not None:
                index = positions[result.goto]
            elif step.end:
                break
            else:
                index += 1
        return Sequence(local)

    # --- one step: prepare → check → run → record -----------------------------------------------

    def run_step(self, step: m.Step, parent_input: dict[str, Any], parent_local: dict[str, Any]) -> Outcome:
        if self.host.stopping:
            raise ExecutionStopped(step=step.name)
        context = self.context(step.name, task=isinstance(step, m.TaskStep))
        self.host.admit_step()
        if step.input_mappings:
            data = self.map(
                "inputMappings",
                step.input_mappings,
                input=parent_input,
                local=parent_local,
                context=context,
                step=step.name,
            )
        else:
            data = {**parent_input, **parent_local}
        self.check_time(step.name)
        self.record("StepEntered", step.name, input=data)
        _LOGGER.debug("%s: step %s entered", self.run.label, step.name)
        self.check_size(step.name, data)
        try:
            outcome = self.dispatch(step, data, context)
        except StepError as e:
            e.step = e.step or step.name
            self.note_failure(step.name, e)
            raise
        output = outcome.output
        if output is None and step.output_mappings:
            output = self.map(
                "outputMappings", step.output_mappings, input=data, local=outcome.local, context=context, step=step.name
            )
        elif output is None:
            output = outcome.local if isinstance(step, (m.TaskStep, m.ChoiceStep)) else {}
        self.check_size(step.name, data, output, outcome.local)
        self.record("StepExited", step.name, output=output)
        _LOGGER.debug(
            "%s: step %s exited%s", self.run.label, step.name, f", goto {outcome.goto}" if outcome.goto else ""
        )
        return Outcome(outcome.local, outcome.goto, outcome.succeeded, output)

    def dispatch(self, step: m.Step, data: dict[str, Any], context: dict[str, Any]) -> Outcome:
        if isinstance(step, m.TaskStep):
            return self.task(step, data, context)
        if isinstance(step, m.ChoiceStep):
            return self.choice(step, data)
        if isinstance(step, m.ForeachStep):
            return Outcome(self.foreach(step, data))
        if isinstance(step, m.ParallelStep):
            return Outcome(self.together(step, [(i, data, b.steps) for i, b in enumerate(step.branches)], "Branch"))
        if isinstance(step, m.WaitStep):
            self.wait(step, data)
            return Outcome({})
        if isinstance(step, m.SucceedStep):
            return Outcome({}, succeeded=True)
        if isinstance(step, m.FailStep):
            raise StepError(step.error, step.cause, step=step.name)
        return Outcome({})  # pass

    def note_failure(self, step: str, error: StepError) -> None:
        _LOGGER.debug("%s: step %s failed: %s: %s", self.run.label, step, error.error, error.cause)
        with contextlib.suppress(LimitExceeded):  # the history is full; the execution is failing anyway
            self.record("StepFailed", step, error=error.error, cause=error.cause)

    # --- task -----------------------------------------------------------------------------------

    def task(self, step: m.TaskStep, data: dict[str, Any], context: dict[str, Any]) -> Outcome:
        try:
            return Outcome(self.with_retry(step, data, context))
        except LimitExceeded:
            raise
        except StepError as e:
            rule = next((c for c in step.catch if c.matches(e.error)), None)
            if rule is None or self.host.stopping:
                raise
            _LOGGER.debug("%s: step %s caught %s, goto %s", self.run.label, step.name, e.error, rule.goto)
            self.note_failure(step.name, e)
            caught = {"error": e.error, "cause": e.cause}
            output = (
                self.map(
                    "errorMappings", step.error_mappings, input=data, local=caught, context=context, step=step.name
                )
                if step.error_mappings
                else {}
            )
            return Outcome({}, goto=rule.goto, output=output)

    def with_retry(self, step: m.TaskStep, data: dict[str, Any], context: dict[str, Any]) -> dict[str, Any]:
        """The one retry loop: `maxAttempts` counts retries after the first call, per rule."""
        retries = [0] * len(step.retry)
        attempt = 0
        while True:
            attempt += 1
            try:
                return self.attempt(step, data, context)
            except LimitExceeded:
                raise
            except StepError as e:
                e.step, e.attempt = step.name, attempt
                index = next((i for i, rule in enumerate(step.retry) if rule.matches(e.error)), None)
                if index is None or retries[index] >= step.retry[index].max_attempts or self.host.stopping:
                    raise
                delay = step.retry[index].delay(retries[index])
                retries[index] += 1
                _LOGGER.debug(
                    "%s: step %s attempt %d failed with %s; retrying in %g s",
                    self.run.label,
                    step.name,
                    attempt,
                    e.error,
                    delay,
                )
                self.clock.sleep(delay)
                if self.host.stopping:
                    raise ExecutionStopped(step=step.name) from e

    def attempt(self, step: m.TaskStep, data: dict[str, Any], context: dict[str, Any]) -> dict[str, Any]:
        resource = step.resource_arn or step.action or ""
        self.record("TaskScheduled", step.name, resourceArn=resource, input=data)
        try:
            if step.action is not None or FLOW_ARN.fullmatch(resource):
                local = self.flow_task(step, data)
            else:
                access.check(self.host.authorize, "fc:InvokeFunction", resource, error=access.FC_DENIED)
                function = self.host.task_function(resource)
                self.record("TaskStarted", step.name)
                local = function(data, step.timeout_seconds)
        except LimitExceeded:
            raise
        except StepError as e:
            kind = "TaskTimedOut" if e.error == fc.TASK_TIMEOUT else "TaskFailed"
            self.record(kind, step.name, error=e.error, cause=e.cause)
            raise
        self.record("TaskSucceeded", step.name, output=local)
        return local

    def flow_task(self, step: m.TaskStep, data: dict[str, Any]) -> dict[str, Any]:
        for key, source in step.service_params:
            self.check_source("serviceParams", key, source, {"": data}, step.name)
        params = {key: resolve(source, {"": data}) for key, source in step.service_params}
        match = FLOW_ARN.fullmatch(step.resource_arn or "")
        flow_name = match.group(1) if match else params.get("FlowName")
        child_input = params.get("Input", data)
        if not isinstance(child_input, dict):
            raise StepError("fnf.InvalidArgument", f"serviceParams.Input must be a JSON object, got {child_input!r}")
        access.check(
            self.host.authorize, "fnf:StartExecution", access.flow_arn(str(flow_name)), error=access.FNF_DENIED
        )
        child = self.start_child(str(flow_name), child_input, params.get("ExecutionName"))
        self.record("TaskSubmitted", step.name, flowName=flow_name, executionName=child.name)
        if step.action is not None or step.pattern != "sync":
            return {}
        access.check(
            self.host.authorize,
            "fnf:DescribeExecution",
            access.flow_arn(child.flow_name, child.name),
            error=access.FNF_DENIED,
        )
        result = self.host.wait(child.name, flow_name=child.flow_name)
        if not result.succeeded:
            raise StepError(result.error or "FnF.Unknown", result.cause or "")
        return dict(result.output or {})

    def start_child(self, flow_name: str, data: dict[str, Any], name: Any) -> ChildExecution:
        try:
            return self.host.start_child(flow_name, data, name=None if name in (None, "") else str(name))
        except ExecutionAlreadyExists as e:
            raise StepError("fnf.ExecutionAlreadyExists", str(e)) from e
        except FlowNotFound as e:
            raise StepError("fnf.FlowNotExists", str(e)) from e
        except InvalidValueError as e:
            raise StepError("fnf.InvalidArgument", str(e)) from e
        except ExecutionThrottled as e:
            raise StepError("fnf." + e.code, str(e)) from e
        except ExecutionLimitExceeded as e:
            raise StepError("fnf." + e.code, str(e)) from e

    # --- choice, foreach, parallel, wait --------------------------------------------------------

    def choice(self, step: m.ChoiceStep, data: dict[str, Any]) -> Outcome:
        for choice in step.choices:
            try:
                matched = evaluate(choice.condition, data, boolean_compare=self.host.boolean_compare)
            except ConditionTypeError as e:
                raise StepError("FnF.InvalidCondition", f"{choice.condition_text}: {e}") from e
            if matched:
                return self.branch(choice.steps, choice.goto, data)
        if step.default is not None:
            return self.branch(step.default.steps, step.default.goto, data)
        return Outcome({})

    def branch(self, steps: tuple[m.Step, ...], goto: str | None, data: dict[str, Any]) -> Outcome:
        sequence = self.run_steps(steps, data) if steps else Sequence({})
        return Outcome(sequence.local, goto=None if sequence.succeeded else goto, succeeded=sequence.succeeded)

    def foreach(self, step: m.ForeachStep, data: dict[str, Any]) -> list[Any]:
        mapping = step.iteration_mapping
        collection = walk(data, mapping.collection.segments)
        if not isinstance(collection, list):
            raise StepError(
                "FnF.InvalidCollection",
                f"iterationMapping.collection {mapping.collection.text} is {collection!r}, not an array",
            )
        if len(collection) > self.limits.foreach_items:
            raise LimitExceeded(
                "FnF.ForeachItemsExceeded",
                f"step {step.name}: {len(collection)} items, over the limit of "
                f"{self.limits.foreach_items} (Limits.foreach_items)",
                step=step.name,
            )
        inputs = []
        for index, item in enumerate(collection):
            extra = {mapping.item: item, **({mapping.index: index} if mapping.index else {})}
            inputs.append((index, {**data, **extra}, step.steps))
        return self.together(step, inputs, "Iteration")

    def together(
        self, step: m.Step, jobs: list[tuple[int, dict[str, Any], tuple[m.Step, ...]]], kind: str
    ) -> list[Any]:
        if kind == "Branch" and len(jobs) > self.limits.parallel_branches:
            raise LimitExceeded(
                "FnF.ParallelBranchesExceeded",
                f"step {step.name}: {len(jobs)} branches, over the limit of "
                f"{self.limits.parallel_branches} (Limits.parallel_branches)",
                step=step.name,
            )
        results: list[Any] = [None] * len(jobs)
        failures: list[Exception] = []
        lock = threading.Lock()

        def one(index: int, data: dict[str, Any], steps: tuple[m.Step, ...]) -> None:
            if failures:
                return  # a sibling failed before this one started
            try:
                self.host.admit_step()  # iterations and branches are metered as steps are (fdl.quotas)
                self.record(f"{kind}Entered", step.name, index=index)
                results[index] = self.run_steps(steps, data).local
                self.record(f"{kind}Exited", step.name, index=index)
            except Exception as e:
                with lock:
                    failures.append(e)

        if jobs:
            workers = min(self.limits.foreach_concurrency, len(jobs))
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"fdl-{kind.lower()}") as pool:
                for job in jobs:
                    pool.submit(one, *job)
        if failures:
            raise failures[0]
        return results

    def wait(self, step: m.WaitStep, data: dict[str, Any]) -> None:
        if step.timestamp is not None:
            value = walk(data, step.timestamp.segments) if isinstance(step.timestamp, PathExpr) else step.timestamp
            moment = value if isinstance(value, datetime) else parse_timestamp(value)
            if moment is None:
                raise StepError("FnF.InvalidWait", f"timestamp {value!r} is not an RFC 3339 time with a zone")
            seconds = max((moment - self.clock.now()).total_seconds(), 0.0)
        else:
            value = walk(data, step.duration.segments) if isinstance(step.duration, PathExpr) else step.duration
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
                raise StepError("FnF.InvalidWait", f"duration {value!r} is not a number of seconds >= 0")
            seconds = float(value)
        if seconds > self.limits.wait_seconds:
            raise LimitExceeded(
                "FnF.WaitTooLong",
                f"step {step.name}: waits {seconds:g} s, over the limit of "
                f"{self.limits.wait_seconds} s (Limits.wait_seconds, two days)",
                step=step.name,
            )
        self.clock.sleep(seconds)

    # --- checks and helpers ---------------------------------------------------------------------

    def map(
        self,
        kind: str,
        mappings: tuple[m.FieldMapping, ...],
        *,
        input: Any,
        local: Any,
        context: dict[str, Any],
        step: str = "",
    ) -> dict[str, Any]:
        roots = {"input": input, "local": local, "context": context}
        for mapping in mappings:
            self.check_source(kind, mapping.target, mapping.source, roots, step)
        return map_values(mappings, input=input, local=local, context=context)

    def check_source(
        self, kind: str, target: str, source: PathExpr | Constant, roots: dict[str, Any], step: str
    ) -> None:
        """Strict mappings: a source path that names nothing fails the step, naming the path."""
        if not self.strict or not isinstance(source, PathExpr):
            return
        missing = first_missing(roots.get(source.root), source.segments)
        if missing is not None:
            raise MappingSourceMissing(kind, target, source.text, path_text(source.root, missing), step=step)

    def context(self, step: str, *, task: bool = False) -> dict[str, Any]:
        """`$context`: only the fields the loader lets a mapping read (`fdl.loader.CONTEXT_FIELDS`)."""
        return {"execution": {"name": self.run.name}, "task": {"token": uuid.uuid4().hex if task else None}}

    def check_size(self, step: str, *parts: Any) -> None:
        sizes = [json_size(part) for part in parts]
        if sum(sizes) > self.limits.step_data_bytes:
            named = " + ".join(f"{label} {size}" for label, size in zip(("input", "output", "local"), sizes))
            raise LimitExceeded(
                "FnF.StepDataTooLarge",
                f"step {step}: {named} = {sum(sizes)} bytes, over the limit of "
                f"{self.limits.step_data_bytes} bytes (Limits.step_data_bytes, input + output + local)",
                step=step,
            )

    def check_time(self, step: str) -> None:
        timeout = self.run.flow.timeout_seconds
        if timeout and (self.clock.now() - self.run.started).total_seconds() > timeout:
            raise LimitExceeded(
                "FnF.ExecutionTimedOut",
                f"execution ran past the flow's timeoutSeconds {timeout} before step {step}",
                step=step,
            )


def map_values(
    mappings: tuple[m.FieldMapping, ...], *, input: Any, local: Any, context: dict[str, Any]
) -> dict[str, Any]:
    roots = {"input": input, "local": local, "context": context}
    return {mapping.target: resolve(mapping.source, roots) for mapping in mappings}


def json_size(value: Any) -> int:
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str).encode("utf-8"))
