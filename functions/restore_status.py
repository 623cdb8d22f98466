"""FC handler `restore_status.handler`: one round's confirm scan of a shard, and its report lines (restoreStatus)."""

from __future__ import annotations

from typing import Any

from restore_core.confirm_task import confirm_scan
from restore_core.entry import handle
from restore_core.inputs import shard_request
from restore_core.shard_task import shard_task

_task = shard_task(confirm_scan)


def handler(event: Any, context: Any) -> str:
    return handle(event, context, parse=shard_request, task=_task)
