"""FC handler `restore_status.handler`: are the objects readable yet (restoreStatus)."""
from __future__ import annotations

from typing import Any

from restore_core.entry import handle
from restore_core.inputs import status_request
from restore_core.status_task import restore_status


def handler(event: Any, context: Any) -> str:
    return handle(event, context, parse=status_request, task=restore_status)
