"""The FDL v1 document as frozen dataclasses. Field names are the YAML keys in snake_case."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fdl.conditions import Condition
from fdl.paths import Constant, PathExpr

ALL_ERRORS = "FnF.ALL"
Source = PathExpr | Constant


@dataclass(frozen=True)
class FieldMapping:
    target: str
    source: Source


@dataclass(frozen=True)
class RetryRule:
    """One `retry[]` entry: retry as data, read by the engine's single task loop."""

    errors: tuple[str, ...]
    interval_seconds: float = 1
    max_attempts: int = 3
    multiplier: float = 2
    max_interval_seconds: float = 86400

    def matches(self, error: str) -> bool:
        return ALL_ERRORS in self.errors or error in self.errors

    def delay(self, retries_done: int) -> float:
        """Seconds to wait before retry number `retries_done + 1`: geometric, capped."""
        return float(min(self.interval_seconds * self.multiplier**retries_done, self.max_interval_seconds))


@dataclass(frozen=True)
class CatchRule:
    errors: tuple[str, ...]
    goto: str

    def matches(self, error: str) -> bool:
        return ALL_ERRORS in self.errors or error in self.errors


@dataclass(frozen=True, kw_only=True)
class BaseStep:
    name: str
    end: bool = False
    input_mappings: tuple[FieldMapping, ...] = ()
    output_mappings: tuple[FieldMapping, ...] = ()


@dataclass(frozen=True, kw_only=True)
class PassStep(BaseStep):
    pass


@dataclass(frozen=True, kw_only=True)
class TaskStep(BaseStep):
    resource_arn: str | None = None
    action: str | None = None
    pattern: str = "requestResponse"
    timeout_seconds: int | None = None
    service_params: tuple[tuple[str, Source], ...] = ()
    retry: tuple[RetryRule, ...] = ()
    catch: tuple[CatchRule, ...] = ()
    error_mappings: tuple[FieldMapping, ...] = ()


@dataclass(frozen=True)
class Choice:
    condition: Condition
    condition_text: str
    steps: tuple[Step, ...] = ()
    goto: str | None = None


@dataclass(frozen=True)
class DefaultChoice:
    steps: tuple[Step, ...] = ()
    goto: str | None = None


@dataclass(frozen=True, kw_only=True)
class ChoiceStep(BaseStep):
    choices: tuple[Choice, ...]
    default: DefaultChoice | None = None


@dataclass(frozen=True)
class IterationMapping:
    collection: PathExpr
    item: str
    index: str | None = None


@dataclass(frozen=True, kw_only=True)
class ForeachStep(BaseStep):
    iteration_mapping: IterationMapping
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class Branch:
    steps: tuple[Step, ...]


@dataclass(frozen=True, kw_only=True)
class ParallelStep(BaseStep):
    branches: tuple[Branch, ...]


@dataclass(frozen=True, kw_only=True)
class WaitStep(BaseStep):
    duration: float | PathExpr | None = None
    timestamp: datetime | PathExpr | None = None


@dataclass(frozen=True, kw_only=True)
class SucceedStep(BaseStep):
    pass


@dataclass(frozen=True, kw_only=True)
class FailStep(BaseStep):
    error: str
    cause: str = ""


Step = PassStep | TaskStep | ChoiceStep | ForeachStep | ParallelStep | WaitStep | SucceedStep | FailStep


@dataclass(frozen=True)
class Flow:
    version: str
    type: str
    steps: tuple[Step, ...]
    timeout_seconds: int | None = None
    input_mappings: tuple[FieldMapping, ...] = ()
    output_mappings: tuple[FieldMapping, ...] = ()
    source: str = "<flow>"
