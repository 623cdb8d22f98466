"""FC handler `restore.handler`: one round's request slice of a shard (restore)."""

from __future__ import annotations

from typing import Any

from restore_core.entry import handle
from restore_core.inputs import shard_request
from restore_core.shard_task import shard_task
from restore_core.slice_task import restore_slice

_task = shard_task(restore_slice)


def handler(event: Any, context: Any) -> str:
    return handle(event, context, parse=shard_request, task=_task)
