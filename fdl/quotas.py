"""CloudFlow's account quotas, modelled on the engine's clock (off unless an engine is given `Quotas`).

From CloudFlow's "Limits" page (https://www.alibabacloud.com/help/en/serverless-workflow/latest/limits):
step execution rate, a token bucket of 100 refilled at 100 tokens/s per account; StartExecution, a bucket
of 100 refilled at 100/s; at most 10,000 executions Running per account.

What a throttled call does, as modelled:
- StartExecution past its bucket fails with `ResourceThrottled` (`fnf.ResourceThrottled` from a task, the
  error name the FDL documentation lists for `fnf:StartExecution` tasks), never waits: an API call is
  refused, not queued.
- A step entry past its bucket waits on the clock for its token: the page calls the quota a rate of step
  concurrency and names no error for it, so a step is delayed, not failed. Delays are counted in
  `QuotaStats` so a benchmark shows what the quota cost.
- A start past the running-executions quota fails with `ExecutionLimitExceeded` (`fnf.ExecutionLimitExceeded`
  from a task). The page does not name the error; failing is the stricter reading (a queued start would
  hide the problem).
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import datetime

from fdl.errors import InvalidValueError


@dataclass(frozen=True)
class Quotas:
    """Defaults are CloudFlow's; pass `Quotas()` to an engine to enforce them."""

    step_tokens: int = 100
    step_refill_per_second: float = 100.0
    start_execution_tokens: int = 100
    start_execution_refill_per_second: float = 100.0
    running_executions: int = 10_000

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
                raise InvalidValueError(f"Quotas.{field.name}", value, "a number > 0")


@dataclass
class QuotaStats:
    step_delays: int = 0  # step entries that had to wait for a token
    step_delay_seconds: float = 0.0  # their waits added up (concurrent waits overlap in time)
    starts_throttled: int = 0
    starts_refused_running: int = 0


class TokenBucket:
    """`capacity` tokens, refilled continuously at `rate` per second of `now`'s time. Thread-safe."""

    def __init__(self, *, capacity: float, rate: float, now: Callable[[], datetime]) -> None:
        self._capacity = float(capacity)
        self._rate = float(rate)
        self._now = now
        self._tokens = float(capacity)
        self._last = now()
        self._lock = threading.Lock()

    def take(self) -> float:
        """Take a token and return 0, or take nothing and return the seconds until one is there."""
        with self._lock:
            now = self._now()
            elapsed = max((now - self._last).total_seconds(), 0.0)
            self._tokens = min(self._capacity, self._tokens + elapsed * self._rate)
            self._last = now
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return 0.0
            return (1.0 - self._tokens) / self._rate
