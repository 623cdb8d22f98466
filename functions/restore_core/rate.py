"""The request-rate budget: its split across concurrent invocations, and the AIMD limiter inside a share.

OSS answers 503 (TotalQpsLimitExceeded and the other throttling codes) once a bucket's request rate is
over its limit. Each invocation paces its own requests with one `RateLimiter`: requests are spaced
1/rate apart (no bursts), a throttling answer halves the rate (multiplicative decrease) and every
second of answers without one adds to it (additive increase), never above the invocation's share.

The split is deterministic, so concurrent invocations need not talk to each other: while a batch is
restored, the next listing call runs beside it (one share) and the batch's groups, one invocation each
and at most `FOREACH_CONCURRENCY` of them, share the rest equally. The confirm phase's status calls run
alone and take the whole budget. Without a budget the same limiter starts low, doubles every second
until the first throttling answer (slow start) and then adapts as above: it finds the bucket's limit.
"""
from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from restore_core import oss_errors
from restore_core.retry import Sleep

T = TypeVar("T")

FOREACH_CONCURRENCY = 100  # CloudFlow runs at most 100 foreach iterations at once
UNBUDGETED_START = 50.0  # requests/s an invocation starts at when no budget is given
UNBUDGETED_INCREASE = 1.0  # requests/s added per second after the first throttling answer
DECREASE = 0.5
# OSS counts a bucket's requests per second: the answers to requests sent within one second of a
# decrease were sent at the old rate, so they do not halve the rate again.
DECREASE_HOLD = 1.0
FLOOR = 0.5  # requests/s; never lower (nor above the share, when the share is lower)
# Set by a runtime that runs fewer invocations at once than a foreach starts (the local FC stand-in runs
# one per worker process): the batch's groups then take turns, and each takes the share of one of that
# many. Absent in FC, where every iteration's invocation runs in an instance of its own.
CONCURRENT_INVOCATIONS_ENV = "OSS_RESTORE_CONCURRENT_INVOCATIONS"


def listing_share(budget: int) -> float:
    """The listing call's share of a budget (requests/s); 0: no budget."""
    return budget / (FOREACH_CONCURRENCY + 1)


def restore_share(budget: int, groups: int, *, concurrent: int | None = None) -> float:
    """One restore invocation's share when the batch's `groups` invocations run at once (at most
    `concurrent` of them, when the runtime says so; by default as `CONCURRENT_INVOCATIONS_ENV` says);
    0: no budget."""
    at_once = min(groups, FOREACH_CONCURRENCY, concurrent or runtime_concurrency() or FOREACH_CONCURRENCY)
    return budget * FOREACH_CONCURRENCY / (FOREACH_CONCURRENCY + 1) / max(1, at_once)


def runtime_concurrency() -> int | None:
    raw = os.environ.get(CONCURRENT_INVOCATIONS_ENV, "")
    return int(raw) if raw.isdigit() and int(raw) > 0 else None


# Without a budget, the rate the last limiter of this process (an FC instance, warm across invocations)
# had reached: a new invocation starts there instead of learning the bucket's limit again from the start.
_learned: list[float] = []


class RateLimiter:
    """Spaces one invocation's requests and adapts their rate (AIMD); shared by its worker threads."""

    def __init__(
        self, *, share: float, clock: Callable[[], float] = time.monotonic, sleep: Sleep = time.sleep,
    ) -> None:
        """share: the invocation's requests/s ceiling; 0 for none (start low and find the limit)."""
        if share < 0:
            raise ValueError(f"share must be at least 0 (got {share})")
        self._ceiling = share or float("inf")
        self._rate = share or (_learned[-1] if _learned else UNBUDGETED_START)
        self._increase = share / 2 if share else UNBUDGETED_INCREASE  # recovers from a halving in a second
        self._floor = min(FLOOR, self._rate)
        self._slow_start = not share
        self._clock, self._sleep = clock, sleep
        self._lock = threading.Lock()
        self._next = self._clock()
        self._grown = self._next
        self._held_until = float("-inf")

    @property
    def rate(self) -> float:
        return self._rate

    def reserve(self) -> float:
        """Take the next send slot; return how long to wait for it."""
        with self._lock:
            now = self._clock()
            slot = max(now, self._next)
            self._next = slot + 1 / self._rate
            return slot - now

    def acquire(self) -> None:
        delay = self.reserve()
        if delay > 0:
            self._sleep(delay)

    def throttled(self) -> None:
        """A throttling answer: halve the rate, once per hold period."""
        with self._lock:
            now = self._clock()
            if now < self._held_until:
                return
            self._held_until = now + DECREASE_HOLD
            self._slow_start = False
            self._rate = max(self._floor, self._rate * DECREASE)
            self._learn()
            self._grown = now
            self._next = max(self._next, now + 1 / self._rate)

    def succeeded(self) -> None:
        """An answer that was not throttled: grow with the time since the last change (at most 1 s of it)."""
        with self._lock:
            now = self._clock()
            elapsed = min(1.0, max(0.0, now - self._grown))
            self._grown = now
            grown = self._rate * 2 ** elapsed if self._slow_start else self._rate + self._increase * elapsed
            self._rate = min(self._ceiling, grown)
            self._learn()

    def _learn(self) -> None:
        if self._ceiling == float("inf"):
            _learned[:] = [self._rate]


def paced(limiter: RateLimiter | None, fn: Callable[[], T]) -> Callable[[], T]:
    """fn as one attempt sent through limiter (None: unpaced), its answer fed back into the limiter."""
    if limiter is None:
        return fn

    def attempt() -> T:
        limiter.acquire()
        try:
            result = fn()
        except Exception as e:
            if oss_errors.is_throttling(e):
                limiter.throttled()
            raise
        limiter.succeeded()
        return result

    return attempt
