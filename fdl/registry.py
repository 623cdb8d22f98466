"""Where tasks resolve: Function Compute handlers by ARN and flows by name.

A task's function ARN resolves to the exact registered ARN first, then to the same
service + function (any qualifier), then to the function name alone when only one service has it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fdl.arns import FC_ARN
from fdl.errors import FlowNotFound, InvalidValueError, StepError
from fdl.limits import check_name
from fdl.model import Flow

Handler = Callable[[bytes, Any], Any]
ARN_FORM = "acs:fc:<region>:<account>:services/<service>[.<qualifier>]/functions/<function>"


@dataclass(frozen=True)
class FunctionArn:
    region: str
    account_id: str
    service: str
    qualifier: str
    function: str
    text: str

    @classmethod
    def parse(cls, text: str) -> FunctionArn | None:
        match = FC_ARN.fullmatch(text) if isinstance(text, str) else None
        if match is None:
            return None
        region, account, service, function = match.groups()
        name, _, qualifier = (service or "").partition(".")
        return cls(region, account, name, qualifier, function, text)


@dataclass(frozen=True)
class FunctionSpec:
    arn: FunctionArn
    handler: Handler
    timeout_seconds: int
    memory_size: int

    @property
    def handler_name(self) -> str:
        module = getattr(self.handler, "__module__", "index") or "index"
        return f"{module.rsplit('.', 1)[-1]}.{getattr(self.handler, '__name__', 'handler')}"


class Registry:
    def __init__(self) -> None:
        self._functions: dict[str, FunctionSpec] = {}
        self._flows: dict[str, Flow] = {}
        self._lock = threading.Lock()

    def add_function(self, arn: str, handler: Handler, *, timeout_seconds: int = 600, memory_size: int = 128) -> None:
        parsed = FunctionArn.parse(arn)
        if parsed is None:
            raise InvalidValueError("arn", arn, ARN_FORM)
        if not isinstance(timeout_seconds, int) or not 1 <= timeout_seconds <= 86400:
            raise InvalidValueError("timeout_seconds", timeout_seconds, "an integer from 1 to 86400")
        if not callable(handler):
            raise InvalidValueError("handler", handler, "a callable handler(event: bytes, context)")
        with self._lock:
            self._functions[arn] = FunctionSpec(parsed, handler, timeout_seconds, memory_size)

    def add_flow(self, name: str, flow: Flow) -> None:
        check_name("flow name", name)
        if not isinstance(flow, Flow):
            raise InvalidValueError("flow", flow, "a Flow from fdl.load_flow")
        with self._lock:
            self._flows[name] = flow

    def flow(self, name: str) -> Flow:
        with self._lock:
            if name not in self._flows:
                raise FlowNotFound(name)
            return self._flows[name]

    def function(self, arn: str) -> FunctionSpec:
        """Resolve a task's ARN; a miss is the step error `FC.FunctionNotFound`."""
        with self._lock:
            functions = list(self._functions.values())
            exact = self._functions.get(arn)
        if exact is not None:
            return exact
        wanted = FunctionArn.parse(arn)
        if wanted is None:
            raise StepError("FC.InvalidArgument", f"{arn!r} is not a function ARN ({ARN_FORM})")
        same_service = [f for f in functions if f.arn.service == wanted.service and f.arn.function == wanted.function]
        same_name = [f for f in functions if f.arn.function == wanted.function]
        for candidates in (same_service, same_name):
            if len(candidates) == 1:
                return candidates[0]
        known = ", ".join(sorted(self._functions)) or "none"
        why = "several functions have that name" if len(same_name) > 1 else "no function registered under it"
        raise StepError("FC.FunctionNotFound", f"{arn}: {why} (registered: {known})")
