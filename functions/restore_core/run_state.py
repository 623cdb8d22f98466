"""The main flow's state between rounds: the shards at rest, the run's counters and totals.

Carried by the main flow from one listArchiveFiles call to the next and across continue-as-new (the
execution's input then holds `settings` and `state`). The shards a round works on travel in the round's
own lists (`restoring`, `confirming`) and come back in its results; `resting` holds the others (shards
whose next confirm scan is not due yet). In JSON:

| field | what |
|---|---|
| `base` | the prefix every key in scope shares: shard cursors are written relative to it |
| `resting` | shards that sit this round out |
| `next` | the number of the next shard id |
| `round` | rounds so far, in every execution of the run |
| `here` | rounds so far in this execution (continue-as-new starts it again at 0) |
| `started` | when the run started (epoch seconds) |
| `totals` | the run's counters so far (`restore_core.counts`) |
| `estimate` | objects the planner expects are still to be listed (from the shards' progress) |
| `warnings` | what the handlers could not find out, each once |
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from restore_core import params
from restore_core.counts import Counts
from restore_core.errors import InvalidParameter
from restore_core.scope import Scope
from restore_core.shards import Shard

MAX_WARNINGS = 10
_BIG = 10**12


@dataclass
class RunState:
    base: str
    started: float
    resting: list[Shard] = field(default_factory=list)
    next_id: int = 0
    round: int = 0
    here: int = 0
    totals: Counts = field(default_factory=Counts)
    estimate: int = 0
    warnings: list[str] = field(default_factory=list)

    def new_id(self) -> str:
        self.next_id += 1
        return f"s{self.next_id - 1}"

    def warn(self, *warnings: str) -> None:
        for warning in warnings:
            if warning and warning not in self.warnings and len(self.warnings) < MAX_WARNINGS:
                self.warnings.append(warning)

    def to_json(self, scope: Scope) -> dict[str, Any]:
        return {
            "base": self.base,
            "resting": [s.to_json(scope) for s in self.resting],
            "next": self.next_id,
            "round": self.round,
            "here": self.here,
            "started": round(self.started, 3),
            "totals": self.totals.to_json(),
            "estimate": self.estimate,
            "warnings": list(self.warnings),
        }


def read_base(value: Any) -> str:
    """The state's `base`, before the rest can be read (its cursors are relative to it)."""
    if not isinstance(value, Mapping):
        raise InvalidParameter("state", "the main flow's state object", value)
    with params.within("state"):
        return params.text(value, "base", default="")


def read_state(value: Any, scope: Scope) -> RunState:
    if not isinstance(value, Mapping):
        raise InvalidParameter("state", "the main flow's state object", value)
    resting = value.get("resting") or []
    if not isinstance(resting, list):
        raise InvalidParameter("state.resting", "a list of shards", resting)
    warnings = value.get("warnings") or []
    if not isinstance(warnings, list) or not all(isinstance(w, str) for w in warnings):
        raise InvalidParameter("state.warnings", "a list of strings", warnings)
    started = value.get("started")
    if isinstance(started, bool) or not isinstance(started, (int, float)) or not 0 <= started < 2**40:
        raise InvalidParameter("state.started", "epoch seconds", started)
    with params.within("state"):
        next_id = params.integer(value, "next", default=0, lo=0, hi=_BIG)
        round_ = params.integer(value, "round", default=0, lo=0, hi=_BIG)
        here = params.integer(value, "here", default=0, lo=0, hi=_BIG)
        estimate = params.integer(value, "estimate", default=0, lo=0, hi=10**18)
    return RunState(
        base=read_base(value),
        started=float(started),
        resting=[Shard.from_json(s, f"state.resting[{i}]", scope) for i, s in enumerate(resting)],
        next_id=next_id,
        round=round_,
        here=here,
        totals=Counts.from_json(value.get("totals"), "state.totals"),
        estimate=estimate,
        warnings=warnings[:MAX_WARNINGS],
    )
