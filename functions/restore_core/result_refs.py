"""A round's results within CloudFlow's 32 KiB: counts handed back by reference when they do not fit.

The restore sub-flow holds every result of a round at once (its foreach step's output and local, the
main flow's `round` and `replan` steps), and a shard's counters grow with what it met: every storage class
and outcome, every OSS error code. So the counters of a round together get `ROUND_COUNTS_BYTES`, shared
equally by its invocations; an invocation whose counters and warnings take more than its share writes
them to the run's store (`counts/<shard>/<n>-<q>.json`, named by the shard's own counters, so a retried
invocation overwrites its own) and hands back only that name (`k`), which the planner reads. Without a
store the counts stay inline, and a round of many shards that meet many classes and codes can pass the
limit: runs in the cloud have a store (`reportUrl`).
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from restore_core.counts import Counts
from restore_core.errors import InvalidParameter
from restore_core.run_store import RunStore, get_json, put_json

if TYPE_CHECKING:
    from restore_core.inputs import ShardResult

# What all of a round's counters may take inline: the sub-flow's foreach holds the results twice (output and
# local) beside its input (settings and the shard table, `plan_task.table_bytes`), within 32 KiB.
ROUND_COUNTS_BYTES = 4096
_NAME = re.compile(r"counts/s[0-9]{1,9}/[0-9]{1,12}-[0-9]{1,12}\.json")


def valid(name: str) -> bool:
    return bool(_NAME.fullmatch(name))


def fit(result: ShardResult, *, invocations: int, store: RunStore | None) -> ShardResult:
    """The result as handed back: inline when its counters fit the invocation's share, else by reference."""
    size = len(json.dumps({"c": result.counts.to_json(), "w": list(result.warnings)}, separators=(",", ":")))
    if store is None or size <= ROUND_COUNTS_BYTES // max(1, invocations):
        return result
    shard = result.shard
    name = f"counts/{shard.id}/{shard.n}-{shard.q}.json"
    put_json(store, name, {"c": result.counts.to_json(), "w": list(result.warnings)})
    return replace(result, ref=name)


def load(result: ShardResult, store: RunStore | None) -> ShardResult:
    """The result with its counts and warnings, read from the store when it handed back a reference."""
    if not result.ref:
        return result
    if store is None:
        raise InvalidParameter("k", "a result by reference only in a run with a store (reportUrl)", result.ref)
    data: Any = get_json(store, result.ref)
    if not isinstance(data, dict):
        raise InvalidParameter("k", "the name of a shard's counts the run's store holds", result.ref)
    warnings = data.get("w") or []
    if not isinstance(warnings, list) or not all(isinstance(w, str) for w in warnings):
        raise InvalidParameter(f"{result.ref}.w", "a list of strings", warnings)
    return replace(result, counts=Counts.from_json(data.get("c"), result.ref), warnings=tuple(warnings), ref="")
