"""Retry as data: a validated policy and one loop that applies it (pacing under throttling: `rate`).

An invocation has a time budget (`time_budget`): with `stop_at` (a `time.monotonic` deadline) no
attempt starts after it, and a retry whose backoff would end after it is not made: the last error is
raised as it came, so the caller still sorts it (a restore key is handed back unanswered)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")
Sleep = Callable[[float], None]
Clock = Callable[[], float]


class OutOfTime(Exception):
    """No request may start now: the invocation's time budget (`stop_at`) is spent."""


@dataclass(frozen=True)
class RetryPolicy:
    """Capped exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff And
    Jitter"): attempt n waits uniform(0, min(maximum_interval, initial_interval * coefficient**(n-1)))."""

    max_attempts: int = 6
    """Attempts in all, the first included. 1 means no retry."""
    initial_interval: float = 0.2
    backoff_coefficient: float = 2.0
    maximum_interval: float = 5.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1 (got {self.max_attempts})")
        if self.initial_interval < 0 or self.maximum_interval < self.initial_interval:
            raise ValueError("intervals must satisfy 0 <= initial_interval <= maximum_interval")
        if self.backoff_coefficient < 1:
            raise ValueError(f"backoff_coefficient must be at least 1 (got {self.backoff_coefficient})")

    def ceiling(self, attempt: int) -> float:
        """Largest wait after the given failed attempt (1-based)."""
        return min(self.maximum_interval, self.initial_interval * self.backoff_coefficient ** (attempt - 1))

    def backoff(self, attempt: int, rand: Callable[[], float] = random.random) -> float:
        return self.ceiling(attempt) * rand()


def call(
    fn: Callable[[], T],
    *,
    policy: RetryPolicy,
    retryable: Callable[[BaseException], bool],
    sleep: Sleep = time.sleep,
    rand: Callable[[], float] = random.random,
    on_retry: Callable[[BaseException], None] | None = None,
    stop_at: float | None = None,
    clock: Clock = time.monotonic,
) -> T:
    """Call fn until it returns, raises a non-retryable error, or runs out of attempts or time (the last
    error is re-raised unchanged, so the caller still sorts it by status and code). OutOfTime when
    `stop_at` has passed before the first attempt."""
    attempt = 1
    while True:
        if stop_at is not None and clock() >= stop_at:
            raise OutOfTime(f"the time budget ended before attempt {attempt}")
        try:
            return fn()
        except Exception as e:
            if attempt >= policy.max_attempts or not retryable(e):
                raise
            wait = policy.backoff(attempt, rand)
            if stop_at is not None and clock() + wait >= stop_at:
                raise
            if on_retry is not None:
                on_retry(e)
            sleep(wait)
            attempt += 1
