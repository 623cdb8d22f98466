"""Time for the engine: every wait, retry interval and task timeout goes through a clock.

`RealClock` sleeps. `VirtualClock` keeps virtual time: `sleep` advances it at once (sleeps of
concurrent threads add up), so tests never wait. A task timeout under `VirtualClock` is measured in
the virtual seconds the handler itself slept through the clock (`clock.sleep` from the handler's
thread), which lets a fake handler "take" 700 s in no real time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol, TypeVar

T = TypeVar("T")


class CallTimedOut(Exception):
    """`call_with_timeout` gave up waiting."""


class Clock(Protocol):
    def now(self) -> datetime: ...

    def sleep(self, seconds: float) -> None: ...

    def call_with_timeout(self, fn: Callable[[], T], timeout: float) -> T: ...


class RealClock:
    def __init__(self) -> None:
        self._interrupted = threading.Event()

    def now(self) -> datetime:
        return datetime.now(UTC)

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self._interrupted.wait(seconds)

    def interrupt(self) -> None:
        """End every sleep now and make later ones return at once (the engine is stopping)."""
        self._interrupted.set()

    def call_with_timeout(self, fn: Callable[[], T], timeout: float) -> T:
        """Run `fn` in a daemon thread; a thread cannot be killed, so a late one finishes unobserved."""
        box: dict[str, object] = {}

        def target() -> None:
            try:
                box["result"] = fn()
            except BaseException as e:  # handed over to the caller's thread
                box["error"] = e

        worker = threading.Thread(target=target, daemon=True, name="fdl-task")
        worker.start()
        worker.join(timeout)
        if worker.is_alive():
            raise CallTimedOut(f"no result after {timeout:g} s")
        if "error" in box:
            raise box["error"]  # type: ignore[misc]  # the box holds a BaseException under "error"
        return box["result"]  # type: ignore[return-value]  # and fn's T under "result"


class VirtualClock:
    """Virtual time, thread-safe. `sleeps` lists every sleep in order (retry intervals, waits)."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2024, 1, 1, tzinfo=UTC)
        self._lock = threading.Lock()
        self._local = threading.local()
        self.sleeps: list[float] = []

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self._now += timedelta(seconds=max(seconds, 0))
        elapsed = getattr(self._local, "elapsed", None)
        if elapsed is not None:
            self._local.elapsed = elapsed + max(seconds, 0)

    def advance(self, seconds: float) -> None:
        """Move time forward without recording a sleep (as if the world moved on)."""
        with self._lock:
            self._now += timedelta(seconds=seconds)

    def call_with_timeout(self, fn: Callable[[], T], timeout: float) -> T:
        outer = getattr(self._local, "elapsed", None)
        self._local.elapsed = 0.0
        error: Exception | None = None
        try:
            result = fn()
        except Exception as e:  # a timeout wins over what the late handler raised
            error = e
        finally:
            elapsed = self._local.elapsed
            self._local.elapsed = None if outer is None else outer + elapsed
        if elapsed > timeout:
            raise CallTimedOut(f"the call slept {elapsed:g} virtual s, over {timeout:g} s")
        if error is not None:
            raise error
        return result
