"""Retry as data: a validated policy and one loop that applies it (pacing under throttling: `rate`)."""
from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")
Sleep = Callable[[float], None]


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
) -> T:
    """Call fn until it returns, raises a non-retryable error, or runs out of attempts (the last
    error is re-raised unchanged, so the caller still sorts it by status and code)."""
    attempt = 1
    while True:
        try:
            return fn()
        except Exception as e:
            if attempt >= policy.max_attempts or not retryable(e):
                raise
            if on_retry is not None:
                on_retry(e)
            sleep(policy.backoff(attempt, rand))
            attempt += 1

