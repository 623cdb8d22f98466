"""listArchiveFiles: plans the listing. It splits the run's scope into shards (the run's first call) and,
after each round, takes the shards back, adds up what they did, splits again whatever has the most
work left into the slots that freed up, and says what the next round works on.

A round gives each shard one invocation: `restoring` (restore: a request slice) and `confirming`
(restoreStatus: a confirm scan), at most `slots` of them, where slots is `maxConcurrentInvocations`
(FC runs one invocation per instance) or fewer where the runtime runs fewer at once (the local
stand-in: one per worker process). Shards whose next scan is not due rest; when only those are left, the
round waits until the first is due. The table of shards is bounded by the bytes CloudFlow allows a step
(`TABLE_BYTES`): a split that would not fit is not made.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import oss2

from restore_core import manifest_source, params, rate, retry, shard_results, splitting, step_bytes
from restore_core.counts import LISTED, Counts
from restore_core.direct_read import archive_direct_read
from restore_core.execution_names import next_name
from restore_core.inputs import PlanRequest
from restore_core.run_state import RunState
from restore_core.run_store import RunStore, put_json
from restore_core.scope import KEYS, MANIFEST, Scope
from restore_core.settings import Settings
from restore_core.shard_results import ShardResult
from restore_core.shards import START, Shard

STEP_BYTES = 32 * 1024  # CloudFlow: a step's input + output + local
# The replan step holds the settings twice (in its input and the round's), the shards about four times (the
# results in, the state and the round's lists out, and again as its local), the totals twice, and room for
# the rest of the round's fields.
OTHER_BYTES = 3 * 1024
PROGRESS = "progress.json"


def plan(
    bucket: oss2.Bucket,
    req: PlanRequest,
    *,
    store: RunStore | None,
    sleep: retry.Sleep = time.sleep,
    now: Callable[[], float] = time.time,
) -> RoundPlan:
    settings = req.settings
    limiter = rate.for_invocation(
        bucket.endpoint, bucket.bucket_name, share=settings.max_requests_per_second, sleep=sleep
    )
    if req.state is None:
        state, scope = _start(bucket, settings, limiter=limiter, sleep=sleep, now=now())
        shards = state.resting
        state.resting = []
        remaining: dict[str, int] = {}
    else:
        state, scope = req.state, req.scope
        shards, remaining = _merge(state, tuple(shard_results.load(r, store) for r in req.results), scope)
    shards = [s for s in shards if not _finished(scope, s, settings)]
    shards = _rebalance(bucket, settings, scope, state, shards, remaining, limiter=limiter, sleep=sleep)
    state.estimate = sum(remaining.get(s.id, 0) for s in shards if scope.requesting(s))
    # An execution's first call comes before any round of its own: it counts none, and never hands over.
    out = _next_round(settings, scope, state, shards, now=now(), after_round=not req.first)
    if store is not None:
        _progress(store, settings, state, shards, scope, now=now())
    following = None
    if req.execution_name:
        following = next_name(req.execution_name, "round", str(state.round)) if out.hand_over else ""
    # an execution's first call: the checked settings the flow carries from here on, and no error yet
    return replace(out, settings=settings if req.first else None, next_execution_name=following)


@dataclass(frozen=True)
class RoundPlan:
    """listArchiveFiles' output: the next round (its shards, what each invocation gets, the wait before
    it), or the run's end (`finish`), or a hand-over to the next execution (continue-as-new)."""

    scope: Scope  # how the shards' cursors are written
    state: RunState
    restoring: tuple[Shard, ...]  # shards whose next slice requests
    confirming: tuple[Shard, ...]  # shards whose confirm scan is due
    invocations: int  # the round's invocations, which share the run's request budget
    seconds: int  # how long each invocation works
    wait: int  # seconds before the round (nothing to request, the first confirm scan not yet due)
    finish: bool  # every shard is done: on to the report
    hand_over: bool  # the execution made its rounds: the next one takes over
    settings: Settings | None = None  # an execution's first call: the checked settings the flow carries on
    next_execution_name: str | None = None  # with an execution name: the next one's ("" unless handing over)

    def to_json(self) -> dict[str, Any]:
        """The output as the flows read it (FC's boundary)."""
        scope = self.scope
        out: dict[str, Any] = {
            "state": self.state.to_json(scope),
            "restoring": [s.to_json(scope) for s in self.restoring],
            "confirming": [s.to_json(scope) for s in self.confirming],
            "round": {"base": self.state.base, "invocations": self.invocations, "seconds": self.seconds},
            "wait": self.wait,
            "finish": "report" if self.finish else "",
            "handOver": "true" if self.hand_over else "false",
        }
        if self.settings is not None:
            out.update(settings=self.settings.to_json(), error="", cause="")
        if self.next_execution_name is not None:
            out["nextExecutionName"] = self.next_execution_name
        return out


def shards_in(output: Mapping[str, Any]) -> int:
    """The shards of a round, read from listArchiveFiles' output as `RoundPlan.to_json` writes it."""
    return len(output.get("restoring") or []) + len(output.get("confirming") or [])


# A round's shards are the items of one foreach step, and CloudFlow's foreach takes at most 100 items.
FOREACH_ITEMS = 100


def slots(settings: Settings) -> int:
    """How many shards a round may hold: the run's bound, the instances the runtime has, a foreach's items."""
    bound = min(settings.max_concurrent_invocations, FOREACH_ITEMS)
    return max(1, min(bound, rate.runtime_concurrency() or bound))


def table_bytes(settings: Settings, totals: Counts) -> int:
    """Bytes the shards may take in the flow's state, given the settings' and the totals' size."""
    room = STEP_BYTES - 2 * step_bytes.size(settings.to_json()) - 2 * step_bytes.size(totals.to_json()) - OTHER_BYTES
    return max(room // 4, 512)


def _start(
    bucket: oss2.Bucket, settings: Settings, *, limiter: rate.RateLimiter, sleep: retry.Sleep, now: float
) -> tuple[RunState, Scope]:
    """The run's first call: check the manifest whole, find the scope's common prefix, split it."""
    scope = settings.scope()
    if scope.kind == MANIFEST:
        # A malformed line stops the run here (InvalidManifest, naming the line), before anything is requested.
        manifest_source.validate(
            manifest_source.Manifest(
                bucket, settings.manifest, sleep=sleep, chunk_bytes=manifest_source.SCAN_CHUNK_BYTES
            )
        )
    archive_direct_read(bucket)  # asked once here: a bucket that refuses it is named before any round
    probe = splitting.KeyProbe(bucket, scope, limiter=limiter, sleep=sleep)
    if scope.kind == KEYS:
        scope = replace(scope, base=splitting.common_base(probe, scope))
    state = RunState(base=scope.base, started=now)
    points = splitting.split_points(probe, scope, START, None, slots(settings))
    bounds: list[str | None] = [*points, None]
    lo = START
    for hi in bounds:
        state.resting.append(Shard.whole(state.new_id(), lo, hi))
        lo = hi or lo
    return state, scope


def _merge(state: RunState, results: tuple[ShardResult, ...], scope: Scope) -> tuple[list[Shard], dict[str, int]]:
    """The round's shards back, their counts added to the run's."""
    shards = list(state.resting)
    remaining: dict[str, int] = {}
    for result in results:
        shards.append(result.shard)
        state.totals.update(result.counts)
        state.warn(*result.warnings)
        if result.remaining is not None:
            remaining[result.shard.id] = result.remaining
    state.resting = []
    shards.sort(key=lambda s: scope.order(s.lo))
    return shards, remaining


def _finished(scope: Scope, shard: Shard, settings: Settings) -> bool:
    """A dry run ends a shard once it is listed; a real run once it is confirmed."""
    return not scope.requesting(shard) if settings.dry_run else scope.done(shard)


def _rebalance(
    bucket: oss2.Bucket,
    settings: Settings,
    scope: Scope,
    state: RunState,
    shards: list[Shard],
    remaining: dict[str, int],
    *,
    limiter: rate.RateLimiter,
    sleep: retry.Sleep,
) -> list[Shard]:
    """Split the shards with the most work left into the free slots, as long as the table fits."""
    free = slots(settings) - len(shards)
    if free <= 0 or scope.kind == MANIFEST or (state.round == 0 and not remaining):
        return shards
    candidates = sorted(
        (s for s in shards if scope.requesting(s) and remaining.get(s.id, 1) >= 2 * splitting.MIN_SHARD_KEYS),
        key=lambda s: -remaining.get(s.id, 0),
    )
    probe = splitting.KeyProbe(bucket, scope, limiter=limiter, sleep=sleep)
    limit = table_bytes(settings, state.totals)
    out = list(shards)
    for shard in candidates[:free]:
        point = splitting.bisect(probe, scope, shard.m, shard.hi)
        if point is None:
            continue
        left, right = shard.split_at(point, f"s{state.next_id}")
        trial = [left if s is shard else s for s in out] + [right]
        if _table_size(trial, scope) > limit:
            break
        state.new_id()
        out = trial
        half = remaining.get(shard.id, 0) // 2
        remaining[left.id], remaining[right.id] = half, half
    out.sort(key=lambda s: scope.order(s.lo))
    return out


def _table_size(shards: list[Shard], scope: Scope) -> int:
    return step_bytes.size([s.to_json(scope) for s in shards])


def _next_round(
    settings: Settings, scope: Scope, state: RunState, shards: list[Shard], *, now: float, after_round: bool
) -> RoundPlan:
    restoring: list[Shard] = []
    waiting: list[Shard] = []
    for shard in shards:
        confirm_first = settings.wait_per_batch and not settings.dry_run and scope.before(shard.s, shard.m)
        if scope.requesting(shard) and not confirm_first:
            restoring.append(shard)
        else:
            waiting.append(shard)
    due = min((s.d for s in waiting), default=0)
    # Nothing to request: wait for the first confirm scan that is due (whole seconds, as a wait step takes).
    wait = 0 if restoring or not waiting else min(max(0, math.ceil(due - now)), params.MAX_WAIT_SECONDS)
    confirming = [s for s in waiting if s.d <= now + wait]
    state.resting = [s for s in waiting if s.d > now + wait]
    done = not shards
    if after_round:
        state.round += 1
        state.here += 1
    hand_over = after_round and not done and state.here >= settings.rounds_per_execution
    if hand_over:
        # The next execution gets only {settings, state}: every shard goes with the state.
        state.here = 0
        state.resting = sorted(shards, key=lambda s: scope.order(s.lo))
        restoring, confirming, wait = [], [], 0
    return RoundPlan(
        scope=scope,
        state=state,
        restoring=tuple(restoring),
        confirming=tuple(confirming),
        invocations=max(1, len(restoring) + len(confirming)),
        seconds=settings.round_seconds,
        wait=wait,
        finish=done,
        hand_over=hand_over,
    )


def _progress(
    store: RunStore, settings: Settings, state: RunState, shards: list[Shard], scope: Scope, *, now: float
) -> None:
    """What `oss-restore status` shows while the run goes on."""
    put_json(
        store,
        PROGRESS,
        {
            "bucket": settings.bucket_name,
            "prefix": settings.prefix,
            "started": state.started,
            "updated": now,
            "round": state.round,
            "shards": len(shards),
            "requesting": sum(1 for s in shards if scope.requesting(s)),
            "listed": state.totals.get(LISTED, 0),
            "estimatedToList": state.estimate,
            "totals": state.totals.to_json(),
            "warnings": state.warnings,
            "done": not shards,
        },
    )
