"""An instance asked to stop sends no further request: what it was told is kept, what it has not sent stays
unsent.

A shard's round sends restores for up to `roundSeconds`. When the run is stopped (Ctrl-C on a local run),
the requests an invocation would still send are money spent for a run nobody waits for, so every loop that
sends checks `requested()` beside its time budget, and the invocation ends as if its budget ran out: it
writes its journal (what OSS answered, for the rerun and the partial report) and returns. FC documents no
such signal for its Python runtime, so in the cloud nothing sets it and a stopped execution's running
invocations end at their budget; the local FC stand-in (`ossrestore.fc_instances`) sets it in an instance
on SIGTERM.
"""

from __future__ import annotations

import threading

_stop = threading.Event()


def request() -> None:
    """From now on, this process sends no request it has not already started."""
    _stop.set()


def requested() -> bool:
    return _stop.is_set()
