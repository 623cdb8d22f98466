"""Calling a Function Compute handler the way FC does.

The handler gets `event` as the JSON bytes of the step input and a context with `request_id`,
`function` (name, handler, memory, timeout), `service` (name, qualifier), `region`, `account_id`
and, when the engine has credentials, `credentials` (`access_key_id`, `access_key_secret`,
`security_token`); without credentials the attribute is absent, as on the python3.12 runtime.

Its return value (str or bytes holding JSON, or a dict) must be a JSON object: it becomes the
step's `$local`. Anything else fails the task with `FnF.InvalidTaskResult`. An exception becomes
the error named after its class (FC's `errorType`), with the message as cause. Running past the
task's `timeoutSeconds` or the function's timeout (the smaller) is `FnF.TaskTimeout`.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from fdl.clock import CallTimedOut, Clock
from fdl.errors import StepError
from fdl.registry import FunctionSpec

TASK_TIMEOUT = "FnF.TaskTimeout"
INVALID_RESULT = "FnF.InvalidTaskResult"


@dataclass(frozen=True)
class Credentials:
    access_key_id: str
    access_key_secret: str = field(repr=False)  # never in a log line or a traceback
    security_token: str = field(default="", repr=False)


@dataclass(frozen=True)
class FunctionMeta:
    name: str
    handler: str
    memory: int
    timeout: int


@dataclass(frozen=True)
class ServiceMeta:
    name: str
    qualifier: str
    log_project: str = ""
    log_store: str = ""
    version_id: str = ""


class FCContext:
    """The `context` argument; a plain object so `credentials` can be absent like on the real runtime."""

    def __init__(self, spec: FunctionSpec, credentials: Credentials | None) -> None:
        self.request_id = str(uuid.uuid4())
        self.function = FunctionMeta(spec.arn.function, spec.handler_name, spec.memory_size, spec.timeout_seconds)
        self.service = ServiceMeta(spec.arn.service, spec.arn.qualifier)
        self.region = spec.arn.region
        self.account_id = spec.arn.account_id
        if credentials is not None:
            self.credentials = credentials


def invoke(
    spec: FunctionSpec, payload: Any, *, clock: Clock, credentials: Credentials | None, timeout: int | None
) -> dict[str, Any]:
    event = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    context = FCContext(spec, credentials)
    limit = min(timeout, spec.timeout_seconds) if timeout else spec.timeout_seconds
    try:
        raw = clock.call_with_timeout(lambda: spec.handler(event, context), limit)
    except CallTimedOut as e:
        raise StepError(TASK_TIMEOUT, f"function {spec.arn.function} did not return within {limit} s: {e}") from e
    except Exception as e:  # FC reports any unhandled exception by its class name
        raise StepError(type(e).__name__, str(e)) from e
    return parse_result(raw, spec.arn.function)


def parse_result(raw: Any, function: str) -> dict[str, Any]:
    try:
        value = raw if isinstance(raw, dict) else json.loads(raw.decode("utf-8") if isinstance(raw, bytes) else raw)
        value = json.loads(json.dumps(value))  # a dict result must survive JSON like a response body
    except (TypeError, ValueError) as e:
        raise StepError(
            INVALID_RESULT, f"function {function} returned {str(raw)[:200]!r}, which is not JSON: {e}"
        ) from e
    if not isinstance(value, dict):
        raise StepError(
            INVALID_RESULT, f"function {function} returned {str(raw)[:200]!r}: $local must be a JSON object"
        )
    return value
