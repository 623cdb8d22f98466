"""An execution as the engine keeps it while it runs, and its result once it ends.

Its own module so that the interpreter, which executes one run, and the engine, which keeps them, both
depend on it without depending on each other.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fdl.events import Event, History
from fdl.model import Flow

SUCCEEDED, FAILED, RUNNING, STOPPED = "Succeeded", "Failed", "Running", "Stopped"


@dataclass(frozen=True)
class ExecutionResult:
    name: str
    flow_name: str
    status: str
    output: dict[str, Any] | None
    error: str | None
    cause: str | None
    events: tuple[Event, ...]  # empty once the engine dropped the history (`keep_histories`)
    message: str | None = None  # on failure: flow, execution, step and attempt, error and cause
    event_count: int = 0  # events recorded, kept when the events themselves are dropped

    @property
    def succeeded(self) -> bool:
        return self.status == SUCCEEDED


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
