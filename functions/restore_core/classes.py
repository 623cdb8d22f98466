"""Per-class restore rules: how many days and which tier each archive class accepts, and how long each
class and tier takes and what it costs relative to the others."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ARCHIVE = "Archive"
COLD_ARCHIVE = "ColdArchive"
DEEP_COLD_ARCHIVE = "DeepColdArchive"
# The order restore's `outcomes` indices follow inside a group.
ARCHIVE_CLASSES = (ARCHIVE, COLD_ARCHIVE, DEEP_COLD_ARCHIVE)
DEFAULT_TIER = "Standard"


@dataclass(frozen=True)
class ClassRule:
    max_days: int
    tiers: tuple[str, ...]  # empty: the class takes no tier (OSS rejects JobParameters)


RULES: dict[str, ClassRule] = {
    ARCHIVE: ClassRule(max_days=7, tiers=()),
    COLD_ARCHIVE: ClassRule(max_days=365, tiers=("Expedited", "Standard", "Bulk")),
    DEEP_COLD_ARCHIVE: ClassRule(max_days=365, tiers=("Expedited", "Standard")),
}
# Minimum storage durations: an object converted (or deleted) sooner is billed the rest of them at its class's
# storage price ("billing method for objects whose storage duration is less than the minimum storage duration",
# https://www.alibabacloud.com/help/en/oss/product-overview/billing-method-for-objects-whose-storage-duration-is-
# less-than-the-minimum-storage-duration). Archive counts from Last-Modified; Cold and Deep Cold Archive from the
# transition into the class, which only HeadObject reports (x-oss-transition-time): from a listing, Last-Modified
# gives the least that can be charged.
MIN_STORAGE_DAYS: dict[str, int] = {ARCHIVE: 60, COLD_ARCHIVE: 180, DEEP_COLD_ARCHIVE: 180}
# A request every archive class accepts, for keys whose class is unknown.
UNIVERSAL = ClassRule(max_days=7, tiers=())

HOUR = 3600

# OSS's restore quotas per account and region (reference values, raised by ticket: help.aliyun.com document
# 52930): Cold Archive about 500 objects/s and 100-120 TB a day, Deep Cold Archive about 100 objects/s and
# 10-15 TB a day; none documented for Archive. The lower end of each range, the stricter reading; TB as
# 10^12 bytes, the smaller reading. A refusal past them reads as throttling (`restore_core.rate`).
TB = 10**12
RESTORE_OBJECTS_PER_SECOND: dict[str, float] = {COLD_ARCHIVE: 500.0, DEEP_COLD_ARCHIVE: 100.0}
RESTORE_BYTES_PER_DAY: dict[str, int] = {COLD_ARCHIVE: 100 * TB, DEEP_COLD_ARCHIVE: 10 * TB}


def restore_quota_seconds(storage_class: str, *, requests: int, request_bytes: int) -> float:
    """The least time OSS's restore quotas allow for `requests` restores of `request_bytes` in a class."""
    rate = RESTORE_OBJECTS_PER_SECOND.get(storage_class)
    per_day = RESTORE_BYTES_PER_DAY.get(storage_class)
    by_count = requests / rate if rate else 0.0
    by_bytes = request_bytes / per_day * 86_400 if per_day else 0.0
    return max(by_count, by_bytes)


@dataclass(frozen=True)
class TierTime:
    seconds: int  # the documented upper bound from request to readable
    cost_rank: int  # 0 is the class's cheapest tier; a higher rank costs more per GB retrieved


# (class, tier; None for Archive, which takes none) -> documented time and cost rank. OSS's "Restore
# objects" page (https://www.alibabacloud.com/help/en/oss/user-guide/restore-objects) and the
# RestoreObject error pages 0016-00000703 / 0016-00000715 give: Archive about 1 minute; Cold Archive
# Expedited within 1 hour, Standard 2-5 hours, Bulk 5-12 hours; Deep Cold Archive Expedited within 12
# hours, Standard within 48 hours. The upper bound of each range is used (the stricter reading: a
# deadline planned on it is met whenever OSS keeps to its own figures). Slower tiers cost less.
RESTORE_TIMES: dict[tuple[str, str | None], TierTime] = {
    (ARCHIVE, None): TierTime(seconds=60, cost_rank=0),
    (COLD_ARCHIVE, "Bulk"): TierTime(seconds=12 * HOUR, cost_rank=0),
    (COLD_ARCHIVE, "Standard"): TierTime(seconds=5 * HOUR, cost_rank=1),
    (COLD_ARCHIVE, "Expedited"): TierTime(seconds=1 * HOUR, cost_rank=2),
    (DEEP_COLD_ARCHIVE, "Standard"): TierTime(seconds=48 * HOUR, cost_rank=0),
    (DEEP_COLD_ARCHIVE, "Expedited"): TierTime(seconds=12 * HOUR, cost_rank=1),
}


def tiers_by_cost(storage_class: str) -> list[tuple[str | None, TierTime]]:
    """The class's tiers (None for Archive), cheapest first."""
    found = [(tier, t) for (cls, tier), t in RESTORE_TIMES.items() if cls == storage_class]
    return sorted(found, key=lambda item: item[1].cost_rank)


@dataclass(frozen=True)
class RestorePlan:
    """What one RestoreObject request asks for; tier None sends no JobParameters."""

    days: int
    tier: str | None


@dataclass(frozen=True)
class Adjustment:
    storage_class: str | None  # None: class unknown (a plain list of keys)
    field: str
    before: Any
    after: Any

    def as_dict(self) -> dict[str, Any]:
        return {"storageClass": self.storage_class, "field": self.field, "from": self.before, "to": self.after}


def is_archive(storage_class: str | None) -> bool:
    return storage_class in RULES


def fit(storage_class: str | None, days: int, tier: str) -> tuple[RestorePlan, tuple[Adjustment, ...]]:
    """Fit the requested days and tier to a class and say what had to change.

    Archive silently ignoring the default tier is not reported: Archive has no tiers, so "Standard"
    asks for nothing it would not get. Any other tier on a tierless request is reported as dropped.
    """
    rule = RULES.get(storage_class or "", UNIVERSAL)
    changes: list[Adjustment] = []
    fitted_days = min(days, rule.max_days)
    if fitted_days != days:
        changes.append(Adjustment(storage_class, "days", days, fitted_days))
    fitted_tier: str | None = tier
    if not rule.tiers:
        fitted_tier = None
        if tier != DEFAULT_TIER:
            changes.append(Adjustment(storage_class, "tier", tier, None))
    elif tier not in rule.tiers:
        fitted_tier = DEFAULT_TIER  # Deep Cold has no Bulk; ossutil lowers it to Standard too
        changes.append(Adjustment(storage_class, "tier", tier, fitted_tier))
    return RestorePlan(fitted_days, fitted_tier), tuple(changes)
