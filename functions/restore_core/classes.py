"""Per-class restore rules: how many days and which tier each archive class accepts."""
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
# A request every archive class accepts, for keys whose class is unknown.
UNIVERSAL = ClassRule(max_days=7, tiers=())


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
