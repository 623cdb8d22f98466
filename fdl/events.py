"""Execution history, shaped like CloudFlow's GetExecutionHistory.

Event types used (CloudFlow names): ExecutionStarted, ExecutionSucceeded, ExecutionFailed, ExecutionStopped,
StepEntered, StepExited, StepFailed, TaskScheduled, TaskStarted, TaskSubmitted, TaskSucceeded,
TaskFailed, TaskTimedOut, IterationEntered, IterationExited, BranchEntered, BranchExited.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fdl.errors import LimitExceeded

TERMINAL = ("ExecutionSucceeded", "ExecutionFailed", "ExecutionStopped")
EVENT_LIMIT = "FnF.EventLimitExceeded"

_LOGGER = logging.getLogger(__name__)
_LOGGER.addHandler(logging.NullHandler())

EventCallback = Callable[[str, "Event"], None]


@dataclass(frozen=True)
class Event:
    event_id: int
    type: str
    step_name: str
    time: datetime
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def event_detail(self) -> str:
        """The detail as CloudFlow returns it: a JSON object string."""
        return json.dumps(self.detail, ensure_ascii=False, default=str)


class History:
    """Thread-safe, append-only; refuses events past the limit (terminal events always fit).

    `on_event` runs under the history's (re-entrant) lock, so a listener sees one execution's
    events in order even when foreach iterations record concurrently; it must be cheap.
    """

    def __init__(
        self, execution: str, *, limit: int, now: Callable[[], datetime], on_event: EventCallback | None
    ) -> None:
        self.execution = execution
        self._limit = limit
        self._now = now
        self._on_event = on_event
        self._events: list[Event] = []
        self._lock = threading.RLock()

    def record(self, type_: str, step_name: str = "", **detail: Any) -> Event:
        with self._lock:
            if len(self._events) >= self._limit and type_ not in TERMINAL:
                raise LimitExceeded(
                    EVENT_LIMIT,
                    f"execution {self.execution} reached {self._limit} events (Limits.events_per_execution; "
                    f"CloudFlow's default is 5000) while recording {type_} of step {step_name or '-'}",
                    step=step_name,
                )
            event = Event(len(self._events) + 1, type_, step_name, self._now(), detail)
            self._events.append(event)
            if self._on_event is not None:
                try:
                    self._on_event(self.execution, event)
                except Exception:  # a listener's bug must not change how the flow runs
                    _LOGGER.exception("on_event listener failed on %s event %d", self.execution, event.event_id)
        return event

    def drop(self) -> None:
        """Forget the events of an ended execution (the engine's `keep_histories`)."""
        with self._lock:
            self._events = []

    def events(self) -> list[Event]:
        with self._lock:
            return list(self._events)

    def __len__(self) -> int:
        with self._lock:
            return len(self._events)
