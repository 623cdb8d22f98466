"""An invocation's time budget: when it must stop sending requests so that it returns before its timeout.

FC ends an invocation that runs past the function's timeout, and the flow's retry of that step sends the
same input again: every key the invocation had already asked about would be asked twice. So each
invocation works to a deadline of its own (`stop_at`, a `time.monotonic` time): the time it has (the
context's `get_remaining_time_in_millis()` where the runtime has one, else the function's configured
`context.function.timeout`, counted from the handler's start), less `SAFETY_SECONDS` for what still
follows the last request sent: its answer (a read may take the whole connection timeout) and the
output. FC's Python context documents `function.timeout` (seconds) and no remaining-time method; the
local FC stand-in hands a queued call the time it has left as `function.timeout`.
"""

from __future__ import annotations

import time
from typing import Any

from restore_core.client import CONNECT_TIMEOUT
from restore_core.retry import Clock

SAFETY_SECONDS = CONNECT_TIMEOUT + 5.0


def stop_at(context: Any, *, clock: Clock = time.monotonic) -> float | None:
    """The `clock` time after which the invocation sends no request; None when the context gives no
    timeout (then nothing stops it early). Never less than half the time it has from now."""
    remaining = remaining_seconds(context)
    if remaining is None:
        return None
    return clock() + remaining - min(SAFETY_SECONDS, remaining / 2)


def remaining_seconds(context: Any) -> float | None:
    """Seconds the invocation has from now, as its context says; None when it says nothing usable."""
    method = getattr(context, "get_remaining_time_in_millis", None)
    if callable(method):
        millis = _positive(method())
        if millis is not None:
            return millis / 1000
    return _positive(getattr(getattr(context, "function", None), "timeout", None))


def _positive(value: Any) -> float | None:
    """A finite number above 0, else None (a bool, a string, NaN, infinity are no timeout)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < float("inf"):
        return None
    return float(value)
