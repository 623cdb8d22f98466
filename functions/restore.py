"""FC handler `restore.handler`: one round's request slice of a shard (restore)."""
from __future__ import annotations

from dataclasses import replace
from typing import Any

import oss2

from restore_core import result_refs
from restore_core.entry import handle
from restore_core.inputs import ShardRequest, shard_request
from restore_core.run_store import open_store
from restore_core.slice_task import restore_slice


def _slice(bucket: oss2.Bucket, request: ShardRequest, seconds_left: float | None) -> dict[str, Any]:
    if seconds_left is not None:
        request = replace(request, seconds=min(request.seconds, seconds_left))
    store = open_store(request.settings.report_url, bucket)
    result = restore_slice(bucket, request, store=store)
    return result_refs.fit(result, invocations=request.invocations, store=store).to_json(request.scope)


def handler(event: Any, context: Any) -> str:
    return handle(event, context, parse=shard_request, task=_slice)
