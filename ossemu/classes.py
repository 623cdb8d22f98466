"""Storage classes, restore tiers and the per-class restore rules of OSS, as RestoreObject documents them."""

from __future__ import annotations

from dataclasses import dataclass

STANDARD = "Standard"
IA = "IA"
ARCHIVE = "Archive"
COLD_ARCHIVE = "ColdArchive"
DEEP_COLD_ARCHIVE = "DeepColdArchive"

STORAGE_CLASSES = (STANDARD, IA, ARCHIVE, COLD_ARCHIVE, DEEP_COLD_ARCHIVE)
ARCHIVE_CLASSES = (ARCHIVE, COLD_ARCHIVE, DEEP_COLD_ARCHIVE)
# Cold classes report x-oss-transition-time / TransitionTime.
COLD_CLASSES = (COLD_ARCHIVE, DEEP_COLD_ARCHIVE)

EXPEDITED = "Expedited"
STANDARD_TIER = "Standard"
BULK = "Bulk"
# Slowest first: a restore may only be moved to a later entry while it runs.
TIER_ORDER = (BULK, STANDARD_TIER, EXPEDITED)


@dataclass(frozen=True)
class RestoreRule:
    max_days: int
    days_ec: str
    tiers: tuple[str, ...]
    default_tier: str | None


RULES: dict[str, RestoreRule] = {
    ARCHIVE: RestoreRule(max_days=7, days_ec="0016-00000708", tiers=(), default_tier=None),
    COLD_ARCHIVE: RestoreRule(max_days=365, days_ec="0016-00000704", tiers=TIER_ORDER, default_tier=STANDARD_TIER),
    DEEP_COLD_ARCHIVE: RestoreRule(
        max_days=365, days_ec="0016-00000704", tiers=(STANDARD_TIER, EXPEDITED), default_tier=STANDARD_TIER
    ),
}

EC_INVALID_TIER = "0016-00000703"
EC_RESTORE_IN_PROGRESS = "0016-00000702"
EC_LOWER_TIER = "0016-00000715"


def tier_rank(tier: str | None) -> int:
    return TIER_ORDER.index(tier) if tier in TIER_ORDER else -1
