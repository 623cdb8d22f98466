"""SIGINT and SIGTERM during a run: stop, keep what was learned, say how to resume, exit 130 or 143.

The first signal raises `Interrupted` in the main thread (where Python runs signal handlers), which
`run_local` turns into a clean stop. A second one while it stops only asks it to hurry (calls still in
flight are abandoned instead of awaited). Exit codes follow the shell's convention, 128 + the signal's
number: 130 for SIGINT (Ctrl-C), 143 for SIGTERM.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from ossrestore.errors import OssRestoreError

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(BaseException):
    """The run was asked to stop by a signal. A BaseException, like KeyboardInterrupt, so that no
    `except Exception` on the way swallows it."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        super().__init__(signal.Signals(signum).name)


class RunInterrupted(OssRestoreError):
    """What the command reports after an interruption: one line, and exit code 128 + signal."""

    label = "interrupted"

    def __init__(self, signum: int, message: str) -> None:
        self.exit_code = 128 + signum
        super().__init__(message)


class SignalState:
    """What the handler saw: the first signal, and whether another one asked to hurry."""

    def __init__(self) -> None:
        self.signum: int | None = None
        self.hurry = threading.Event()


@contextmanager
def interruptible() -> Iterator[SignalState]:
    """While inside, SIGINT and SIGTERM raise `Interrupted` once; the handlers before are put back after.

    Outside the main thread signals cannot be handled (Python runs handlers there only), so nothing
    is installed and the caller's own handling stays in force.
    """
    state = SignalState()
    if threading.current_thread() is not threading.main_thread():
        yield state
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        if state.signum is None:
            state.signum = signum
            raise Interrupted(signum)
        state.hurry.set()

    previous = {sig: signal.signal(sig, handler) for sig in SIGNALS}
    try:
        yield state
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
