"""The account quotas a cloud run meets, modelled on the engine's clock (off unless an engine is given `Quotas`):
CloudFlow's, and Function Compute's instance quota the flows' task steps invoke under.

From CloudFlow's "Limits" page (https://www.alibabacloud.com/help/en/serverless-workflow/latest/limits):
step execution rate, a token bucket of 100 refilled at 100 tokens/s per account; StartExecution, a bucket
of 100 refilled at 100/s; at most 10,000 executions Running per account.

From Function Compute 2.0's "Synchronous invocations" page
(https://www.alibabacloud.com/help/en/functioncompute/fc-2-0/user-guide/synchronous-invocations): "By
default, each Alibaba Cloud account can run up to 100 instances in each region", raised in the Quota Center
console. An instance with `instance_concurrency` 1 (what the stacks declare) serves one invocation at a
time, so the quota bounds the concurrent invocations of all of a region's functions
(`fc_instances_per_region`, counted per the region field of the function's ARN). Past it an invocation
fails at once with `FC.ResourceThrottled` (FDL v1's error for "throttled on concurrency"; FC answers such a
request ResourceThrottled rather than queueing it), which a task's retry rules may retry; throttled
invocations are counted in `QuotaStats.fc_throttled`, and the most running at once in `fc_peak_instances`.
(FC 3.0's pages give 300; the stacks deploy FC 2.0 functions, and the smaller figure is the stricter.)

What a throttled call does, as modelled:
- StartExecution past its bucket fails with `ResourceThrottled` (`fnf.ResourceThrottled` from a task, the
  error name the FDL documentation lists for `fnf:StartExecution` tasks), never waits: an API call is
  refused, not queued.
- A step entry past its bucket waits on the clock for its token: the page calls the quota a rate of step
  concurrency and names no error for it, so a step is delayed, not failed. Delays are counted in
  `QuotaStats` so a benchmark shows what the quota cost. What the bucket meters: every step entered
  (StepEntered), and every foreach iteration and parallel branch entered (IterationEntered, BranchEntered);
  the page does not say whether iterations and branches count, so they do (the stricter reading). Every
  metered entry is counted in `QuotaStats.metered_entries`, quotas on or off.
- A start past the running-executions quota fails with `ExecutionLimitExceeded` (`fnf.ExecutionLimitExceeded`
  from a task). The page does not name the error; failing is the stricter reading (a queued start would
  hide the problem).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from datetime import datetime

from fdl.errors import InvalidValueError, StepError

FC_THROTTLED = "FC.ResourceThrottled"


@dataclass(frozen=True)
class Quotas:
    """Defaults are CloudFlow's and FC 2.0's; pass `Quotas()` to an engine to enforce them."""

    step_tokens: int = 100
    step_refill_per_second: float = 100.0
    start_execution_tokens: int = 100
    start_execution_refill_per_second: float = 100.0
    running_executions: int = 10_000
    fc_instances_per_region: int = 100

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
                raise InvalidValueError(f"Quotas.{field.name}", value, "a number > 0")


@dataclass
class QuotaStats:
    metered_entries: int = 0  # StepEntered + IterationEntered + BranchEntered: what the step quota meters
    step_delays: int = 0  # step entries that had to wait for a token
    step_delay_seconds: float = 0.0  # their waits added up (concurrent waits overlap in time)
    starts_throttled: int = 0
    starts_refused_running: int = 0
    fc_throttled: int = 0  # invocations refused with FC.ResourceThrottled: their region's instances were all busy
    fc_peak_instances: int = 0  # the most invocations running at once in one region


class FcInstances:
    """Invocations running per region under a quota of `limit` instances. Thread-safe."""

    def __init__(self, *, limit: int, stats: QuotaStats, lock: threading.Lock) -> None:
        self._limit = limit
        self._stats = stats
        self._lock = lock  # the engine's: the stats are read under it
        self._running: dict[str, int] = {}

    @contextlib.contextmanager
    def instance(self, region: str) -> Iterator[None]:
        """Hold one of `region`'s instances for an invocation; FC.ResourceThrottled when none is free."""
        with self._lock:
            running = self._running.get(region, 0)
            if running >= self._limit:
                self._stats.fc_throttled += 1
                where = f"region {region}" if region else "the caller's region"
                raise StepError(
                    FC_THROTTLED,
                    f"{running} invocations are running in {where}, the account's quota of "
                    f"instances (Quotas.fc_instances_per_region {self._limit})",
                )
            self._running[region] = running + 1
            self._stats.fc_peak_instances = max(self._stats.fc_peak_instances, running + 1)
        try:
            yield
        finally:
            with self._lock:
                self._running[region] -= 1


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
