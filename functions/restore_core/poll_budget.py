"""waitPerBatch's event budget: the restore sub-flow polls a batch inside one execution, which CloudFlow
caps at 5,000 events, so a poll interval too short for the batch's classes would run out of events
before the restores can complete. Such a setting is refused, naming the smallest interval that works.

Worst-case restore times per class and tier: the documented upper bounds of `classes.RESTORE_TIMES`.

Events of one restore sub-flow execution (flows/restore.yaml, counted on the engine by the tests):
8 fixed, 9 per foreach iteration (group: task 5, the choice that checks for pending keys 2, iteration 2),
9 per poll (wait 2, status task 5, choice 2). A batch has at most 100 groups, and retries of failing
tasks (and rounds for a group's pending keys, 9 each) need room too, hence the reserve.
"""
from __future__ import annotations

import math
from collections.abc import Iterable

from restore_core import classes
from restore_core.errors import PollIntervalTooShort

EVENT_LIMIT = 5000
FIXED_EVENTS = 8
EVENTS_PER_GROUP = 9
EVENTS_PER_POLL = 9
MAX_GROUPS = 100
RETRY_RESERVE_EVENTS = 250
MAX_POLLS = (EVENT_LIMIT - FIXED_EVENTS - EVENTS_PER_GROUP * MAX_GROUPS - RETRY_RESERVE_EVENTS) // EVENTS_PER_POLL

HOUR = classes.HOUR


def child_events(*, groups: int, polls: int) -> int:
    """Events of a restore sub-flow execution that runs `groups` iterations and `polls` polls, no retries."""
    return FIXED_EVENTS + EVENTS_PER_GROUP * groups + EVENTS_PER_POLL * polls


def worst_restore_seconds(storage_class: str, tier: str) -> int:
    plan, _ = classes.fit(storage_class, 1, tier)
    return classes.RESTORE_TIMES[(storage_class, plan.tier)].seconds


def min_poll_interval(storage_classes: Iterable[str], tier: str) -> int:
    """The smallest pollInterval whose MAX_POLLS polls outlast the slowest restore of these classes."""
    worst = max((worst_restore_seconds(c, tier) for c in storage_classes if classes.is_archive(c)), default=0)
    return max(1, math.ceil(worst / MAX_POLLS))


def check_wait_per_batch(poll_interval: int, storage_classes: Iterable[str], tier: str) -> None:
    """Refuse (PollIntervalTooShort, field pollInterval) an interval the batch's classes cannot finish in."""
    present = sorted({c for c in storage_classes if classes.is_archive(c)}, key=classes.ARCHIVE_CLASSES.index)
    needed = min_poll_interval(present, tier)
    if poll_interval < needed:
        slowest = max(present, key=lambda c: worst_restore_seconds(c, tier))
        hours = worst_restore_seconds(slowest, tier) / HOUR
        raise PollIntervalTooShort(
            needed, poll_interval,
            f"with waitPerBatch a batch polls inside one sub-flow execution, at most {MAX_POLLS} polls under "
            f"CloudFlow's {EVENT_LIMIT} events, and a {slowest} restore at tier {tier} may take {hours:g} h",
        )
