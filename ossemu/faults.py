"""Injected failures: a fraction of requests answered 500 / 503 or dropped, and a per-second QPS budget.

The QPS budget counts real requests in one-second wall-clock windows (traffic is real even when the
restore clock is manual); requests past the budget are rejected, not queued, as OSS does.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from ossemu.errors import ConfigError

FAULT_KINDS = ("500", "503", "drop")


@dataclass(frozen=True)
class Faults:
    """`rate` (0..1) of requests fail with one of `kinds`; `qps_limit` caps requests per second."""

    rate: float = 0.0
    kinds: tuple[str, ...] = FAULT_KINDS
    qps_limit: int | None = None
    seed: int | None = None

    def __post_init__(self) -> None:
        if not 0.0 <= self.rate <= 1.0:
            raise ConfigError("fault rate", self.rate, "a number from 0 to 1")
        kinds = tuple(self.kinds)
        bad = [k for k in kinds if k not in FAULT_KINDS]
        if bad or not kinds:
            raise ConfigError(
                "fault kinds", ",".join(bad) or "(none)", f"a non-empty subset of {', '.join(FAULT_KINDS)}"
            )
        object.__setattr__(self, "kinds", kinds)
        if self.qps_limit is not None and (
            isinstance(self.qps_limit, bool) or int(self.qps_limit) != self.qps_limit or self.qps_limit < 1
        ):
            raise ConfigError("qps limit", self.qps_limit, "a whole number >= 1, or None for no limit")


class FaultInjector:
    """Decides, per request, whether to fail it. Deterministic for a seed and a request order."""

    def __init__(self, faults: Faults, *, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.faults = faults
        self._monotonic = monotonic
        self._random = random.Random(faults.seed)
        self._lock = threading.Lock()
        self._window = -1
        self._count = 0

    def decide(self) -> str | None:
        """Return "throttled", a fault kind, or None for a request that goes through."""
        with self._lock:
            if self.faults.qps_limit is not None and self._over_budget():
                return "throttled"
            if self.faults.rate and self._random.random() < self.faults.rate:
                return self._random.choice(self.faults.kinds)
        return None

    def _over_budget(self) -> bool:
        window = int(self._monotonic())
        if window != self._window:
            self._window, self._count = window, 0
        self._count += 1
        return self._count > (self.faults.qps_limit or 0)
