"""Clocks for the restore state machine: the wall clock, or a manual one that tests move by hand."""

from __future__ import annotations

import threading
import time
from typing import Protocol

from ossemu.errors import ConfigError


class TimeSource(Protocol):
    def now(self) -> float:
        """Seconds since the epoch."""
        ...


class RealClock:
    """The wall clock."""

    def now(self) -> float:
        return time.time()


class ManualClock:
    """A clock that only moves when told to, so restore latencies and expiries need no waiting.

    It starts at the current wall time (so expiry dates look real) unless `start` is given.
    """

    def __init__(self, start: float | None = None) -> None:
        self._now = time.time() if start is None else float(start)
        self._lock = threading.Lock()

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> float:
        """Move forward by `seconds` (never backwards) and return the new time."""
        if seconds < 0:
            raise ConfigError("seconds", seconds, "a number >= 0 (a clock never goes back)")
        with self._lock:
            self._now += seconds
            return self._now
