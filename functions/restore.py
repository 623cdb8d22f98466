"""FC handler `restore.handler`: request the restore of one group of keys (restore)."""
from __future__ import annotations

from functools import partial
from typing import Any

from restore_core import time_budget
from restore_core.entry import handle
from restore_core.inputs import restore_request
from restore_core.restore_task import restore_files


def handler(event: Any, context: Any) -> str:
    # The deadline is read first: the budget counts from the invocation's start.
    stop_at = time_budget.stop_at(context)
    return handle(event, context, parse=restore_request, task=partial(restore_files, stop_at=stop_at))
