"""What an invocation of a round hands back (`ShardResult`), within CloudFlow's 32 KiB: counts handed back
by reference when they do not fit.

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
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from restore_core import params
from restore_core.counts import Counts
from restore_core.errors import InvalidParameter
from restore_core.run_store import RunStore, get_json, put_json
from restore_core.scope import Scope
from restore_core.shards import Shard

# What all of a round's counters may take inline: the sub-flow's foreach holds the results twice (output and
# local) beside its input (settings and the shard table, `plan_task.table_bytes`), within 32 KiB.
ROUND_COUNTS_BYTES = 4096
_NAME = re.compile(r"counts/s[0-9]{1,9}/[0-9]{1,12}-[0-9]{1,12}\.json")


def valid(name: str) -> bool:
    return bool(_NAME.fullmatch(name))


@dataclass(frozen=True)
class ShardResult:
    """What one invocation of a round handed back: its shard, what it did, what it could not find out,
    and (request slices) how many objects it expects are still to list in its shard."""

    shard: Shard
    counts: Counts
    warnings: tuple[str, ...] = ()
    remaining: int | None = None
    ref: str = ""  # the run store's object holding counts and warnings, when they were too big to hand back

    def to_json(self, scope: Scope) -> dict[str, Any]:
        out: dict[str, Any] = {"shard": self.shard.to_json(scope)}
        if self.ref:
            out["k"] = self.ref
        else:
            out["c"] = self.counts.to_json()
            if self.warnings:
                out["w"] = list(self.warnings)
        if self.remaining is not None:
            out["e"] = self.remaining
        return out


def shard_result(value: Any, field: str, scope: Scope) -> ShardResult:
    if not isinstance(value, Mapping):
        raise InvalidParameter(field, "a shard's result {shard, c}", value)
    warnings = value.get("w") or []
    if not isinstance(warnings, list) or not all(isinstance(w, str) for w in warnings):
        raise InvalidParameter(f"{field}.w", "a list of strings", warnings)
    remaining = value.get("e")
    if remaining is not None:
        remaining = params.integer(value, "e", default=0, lo=0, hi=10**18)
    ref = value.get("k", "")
    if not isinstance(ref, str) or (ref and not valid(ref)):
        raise InvalidParameter(f"{field}.k", "the name of a shard's counts in the run's store (counts/...)", ref)
    return ShardResult(
        Shard.from_json(value.get("shard"), f"{field}.shard", scope),
        Counts.from_json(value.get("c"), f"{field}.c"),
        tuple(warnings),
        remaining,
        ref,
    )


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
