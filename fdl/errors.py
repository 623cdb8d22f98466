"""Errors of the FDL engine. Everything raised to callers derives from `FdlError`."""

from __future__ import annotations


class FdlError(Exception):
    """Base class of every error the engine raises to its callers."""


class FlowDefinitionError(FdlError):
    """A flow document breaks an FDL rule; names the file and the key path."""

    def __init__(self, source: str, path: str, message: str) -> None:
        self.source = source
        self.path = path
        self.message = message
        super().__init__(f"{source}: {path}: {message}" if path else f"{source}: {message}")


class TemplateError(FdlError):
    """A `{{name}}` placeholder has no value (or a `{{` is not a placeholder)."""

    def __init__(self, placeholder: str, line: int, known: list[str]) -> None:
        self.placeholder = placeholder
        self.line = line
        names = ", ".join(sorted(known)) or "none"
        super().__init__(f"line {line}: placeholder {{{{{placeholder}}}}} has no value (variables given: {names})")


class InvalidValueError(FdlError, ValueError):
    """A value given to the engine's API is out of its allowed range."""

    def __init__(self, field: str, value: object, allowed: str) -> None:
        self.field = field
        self.value = value
        self.allowed = allowed
        super().__init__(f"{field}={value!r} is invalid: allowed {allowed}")


class FlowNotFound(FdlError, LookupError):
    def __init__(self, flow_name: str) -> None:
        self.flow_name = flow_name
        super().__init__(f"flow {flow_name!r} is not registered")


class ExecutionAlreadyExists(FdlError):
    def __init__(self, flow_name: str, name: str) -> None:
        self.flow_name = flow_name
        self.name = name
        super().__init__(f"execution {name!r} of flow {flow_name!r} already exists")


class ExecutionNotFound(FdlError, LookupError):
    def __init__(self, name: str, detail: str = "no such execution") -> None:
        self.name = name
        super().__init__(f"execution {name!r}: {detail}")


class StepError(FdlError):
    """A step failed with an FDL error name (what `retry`/`catch` match) and a cause.

    `flow`, `execution`, `step` and `attempt` are filled in as the error travels up, so the
    message says where it happened.
    """

    def __init__(self, error: str, cause: str = "", *, step: str = "", attempt: int = 0) -> None:
        self.error = error
        self.cause = cause
        self.step = step
        self.attempt = attempt
        self.flow = ""
        self.execution = ""
        super().__init__(error)

    def __str__(self) -> str:
        where = [
            f"flow {self.flow}" if self.flow else "",
            f"execution {self.execution}" if self.execution else "",
            f"step {self.step}" if self.step else "",
            f"attempt {self.attempt}" if self.attempt else "",
        ]
        prefix = ", ".join(w for w in where if w)
        return f"{prefix}: {self.error}: {self.cause}" if prefix else f"{self.error}: {self.cause}"


class LimitExceeded(StepError):
    """A service limit broke: the execution fails; `retry` and `catch` never see it."""


class MappingSourceMissing(StepError):
    """Strict mappings: a mapping's source path names nothing, so the step fails naming the path.

    CloudFlow does not document what a mapping from a missing path yields; the engine's default
    (`mappings="strict"`) refuses to guess, so a flow never depends on it.
    """

    ERROR = "FnF.MappingSourceMissing"

    def __init__(self, kind: str, target: str, source: str, missing: str, *, step: str = "") -> None:
        self.kind = kind
        self.target = target
        self.source = source
        self.missing = missing
        cause = f"{kind} target {target!r}: source {source} does not exist (nothing at {missing})"
        super().__init__(self.ERROR, cause, step=step)


class ExecutionThrottled(FdlError):
    """StartExecution past the account's token bucket (quotas on): the API's ResourceThrottled."""

    code = "ResourceThrottled"

    def __init__(self, flow_name: str, name: str, retry_after: float) -> None:
        self.flow_name = flow_name
        self.name = name
        self.retry_after = retry_after
        super().__init__(
            f"{self.code}: StartExecution of {flow_name}/{name} throttled (next token in {retry_after:.3f} s)"
        )


class ExecutionLimitExceeded(FdlError):
    """StartExecution while the account already has its quota of running executions (quotas on)."""

    code = "ExecutionLimitExceeded"

    def __init__(self, flow_name: str, name: str, limit: int) -> None:
        self.flow_name = flow_name
        self.name = name
        self.limit = limit
        super().__init__(
            f"{self.code}: cannot start {flow_name}/{name}: {limit} executions are already running "
            f"(Quotas.running_executions)"
        )


class ExecutionStopped(StepError):
    """The engine was stopped (`Engine.stop`): the execution ends as Stopped; retry and catch never see it."""

    ERROR = "FnF.ExecutionStopped"

    def __init__(self, cause: str = "the engine was stopped", *, step: str = "") -> None:
        super().__init__(self.ERROR, cause, step=step)
