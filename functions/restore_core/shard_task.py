"""What the two shard handlers (restore, restoreStatus) do around their work: keep the round's seconds within
the invocation's time, open the run's store, and hand the result back within its share of the round's step
(`restore_core.shard_results`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import oss2

from restore_core import shard_results
from restore_core.inputs import ShardRequest
from restore_core.run_store import RunStore, open_store
from restore_core.shard_results import ShardResult

Work = Callable[..., ShardResult]  # (bucket, request, *, store) -> its result


def shard_task(work: Work) -> Callable[[oss2.Bucket, ShardRequest, float | None], dict[str, Any]]:
    def task(bucket: oss2.Bucket, request: ShardRequest, seconds_left: float | None) -> dict[str, Any]:
        if seconds_left is not None:
            request = replace(request, seconds=min(request.seconds, seconds_left))
        store: RunStore | None = open_store(request.settings.report_url, bucket)
        result = work(bucket, request, store=store)
        return shard_results.fit(result, invocations=request.invocations, store=store).to_json(request.scope)

    return task
