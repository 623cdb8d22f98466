"""Deadlines: the cheapest tier per class that is readable in time, and which running restores to speed up.

A restore requested at time t with tier T is readable by t + the documented time of T
(`classes.RESTORE_TIMES`, upper bounds), so choosing, at the moment of each request, the cheapest tier
with now + its time <= deadline meets the deadline by construction. A restore found already running
(an earlier run, another tool) has a tier and a start OSS does not report in a listing, so its
remaining time is taken as the whole documented time of the class's slowest tier (the stricter
reading): when that would end after the deadline, it is requested again with the tier chosen now. OSS
accepts a higher-priority RestoreObject for a restore in progress and answers 202; a same or lower one
gets 409 RestoreAlreadyInProgress, which then means it already runs at that tier or faster and ends in
time (https://www.alibabacloud.com/help/en/oss/user-guide/restore-objects: "you can submit a request
with a higher priority to accelerate the restoration"; error 0016-00000715 for a lower one).

`OSS_RESTORE_TIME_SCALE` multiplies every documented time: it exists for emulator runs whose restores
take seconds (`ossemu.RestoreLatency.realistic(scale=...)` with the same factor); unset, the documented
times apply.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from restore_core import classes
from restore_core.errors import DeadlineUnreachable, InvalidParameter
from restore_core.params import iso_time, parse_iso_time

TIME_SCALE_ENV = "OSS_RESTORE_TIME_SCALE"
_RELATIVE = re.compile(r"\s*([0-9]{1,6}(?:\.[0-9]{1,6})?)\s*([smhd])\s*")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def time_scale(environ: Mapping[str, str] = os.environ) -> float:
    raw = environ.get(TIME_SCALE_ENV, "")
    if not raw:
        return 1.0
    try:
        scale = float(raw)
    except ValueError:
        scale = 0.0
    if not scale > 0:
        raise InvalidParameter(TIME_SCALE_ENV, "a number > 0", raw)
    return scale


def absolute(text: str, *, now: float) -> str:
    """The command's --deadline: a relative `36h`, `90m`, `2d`, `45s` from now, or an ISO 8601 time, as
    the absolute UTC time the flows carry. Anything else is left for the flow input's check to refuse."""
    found = _RELATIVE.fullmatch(text)
    if found is None:
        return text
    return iso_time(now + float(found.group(1)) * _UNIT_SECONDS[found.group(2)])


@dataclass(frozen=True, kw_only=True)
class Deadline:
    at: float  # epoch seconds
    text: str  # as given, for messages
    best_effort: bool = False
    scale: float = 1.0

    def seconds(self, storage_class: str, tier: str | None) -> float:
        return classes.RESTORE_TIMES[(storage_class, tier)].seconds * self.scale

    def tier(self, storage_class: str, *, now: float) -> str | None:
        """The cheapest tier of the class that is readable by the deadline if requested now (None for
        Archive); the fastest when none is, with bestEffort; DeadlineUnreachable otherwise."""
        options = classes.tiers_by_cost(storage_class)
        for tier, _ in options:
            if now + self.seconds(storage_class, tier) <= self.at:
                return tier
        fastest = options[-1][0]
        if self.best_effort:
            return fastest
        raise DeadlineUnreachable(self.text, storage_class, fastest, self.seconds(storage_class, fastest))

    def tiers(self, storage_classes: Iterable[str | None], *, now: float) -> dict[str, str]:
        """{class: tier} for the tiered classes among these (Archive and unknown classes take none)."""
        out: dict[str, str] = {}
        for cls in storage_classes:
            if cls is not None and classes.RULES.get(cls, classes.UNIVERSAL).tiers:
                out[cls] = self.tier(cls, now=now) or ""
        return out

    def check(self, storage_classes: Iterable[str], *, now: float) -> None:
        """Refuse (DeadlineUnreachable) when one of these classes cannot make it, unless bestEffort."""
        present = set(storage_classes)
        for cls in classes.ARCHIVE_CLASSES:
            if cls in present:
                self.tier(cls, now=now)

    def threatened(self, storage_class: str, *, now: float) -> bool:
        """A restore of this class found running (tier and start unknown) may end after the deadline, and
        the class has a faster tier to ask for (Archive has one restore speed only)."""
        options = classes.tiers_by_cost(storage_class)
        return len(options) > 1 and now + self.seconds(storage_class, options[0][0]) > self.at


def from_input(text: str, best_effort: bool, environ: Mapping[str, str] = os.environ) -> Deadline | None:
    """The flow's `deadline` (already checked: "" or an ISO 8601 time) as a Deadline; None without one."""
    if not text:
        return None
    return Deadline(at=parse_iso_time(text), text=text, best_effort=best_effort, scale=time_scale(environ))
