"""How long a restore takes per storage class and tier, and how long a day lasts.

Realistic defaults (the upper end of what OSS documents for RestoreObject per class and tier):

| class | tier | time to readable |
|---|---|---|
| Archive | (none) | 60 s |
| ColdArchive | Expedited / Standard / Bulk | 1 h / 5 h / 12 h |
| DeepColdArchive | Expedited / Standard | 12 h / 48 h |

`scale` multiplies every duration, the restore latencies and the length of a restored day alike, so
`scale=0.001` turns a 5 h Cold Archive restore into 18 s and a 1-day restored period into 86.4 s.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from ossemu.classes import (
    ARCHIVE,
    BULK,
    COLD_ARCHIVE,
    DEEP_COLD_ARCHIVE,
    EXPEDITED,
    STANDARD_TIER,
    STORAGE_CLASSES,
    TIER_ORDER,
)
from ossemu.errors import ConfigError

HOUR = 3600.0
DAY = 86400.0

REALISTIC: Mapping[tuple[str, str | None], float] = MappingProxyType(
    {
        (ARCHIVE, None): 60.0,
        (COLD_ARCHIVE, EXPEDITED): 1 * HOUR,
        (COLD_ARCHIVE, STANDARD_TIER): 5 * HOUR,
        (COLD_ARCHIVE, BULK): 12 * HOUR,
        (DEEP_COLD_ARCHIVE, EXPEDITED): 12 * HOUR,
        (DEEP_COLD_ARCHIVE, STANDARD_TIER): 48 * HOUR,
    }
)


def _check_key(key: tuple[str, str | None]) -> None:
    cls, tier = key
    if cls not in STORAGE_CLASSES:
        raise ConfigError("latency class", cls, f"one of {', '.join(STORAGE_CLASSES)}")
    if tier is not None and tier not in TIER_ORDER:
        raise ConfigError("latency tier", tier, f"one of {', '.join(TIER_ORDER)} or none")


@dataclass(frozen=True)
class RestoreLatency:
    """Restore durations in seconds keyed by (class, tier); a `None` tier covers every tier of the class.

    Missing entries fall back to the realistic defaults above.
    """

    per: Mapping[tuple[str, str | None], float] = field(default_factory=dict)
    scale: float = 1.0

    def __post_init__(self) -> None:
        if not self.scale > 0:
            raise ConfigError("scale", self.scale, "a number > 0")
        for key, seconds in self.per.items():
            _check_key(key)
            if seconds < 0:
                raise ConfigError(f"latency {key[0]}:{key[1] or '*'}", seconds, "seconds >= 0")
        object.__setattr__(self, "per", MappingProxyType(dict(self.per)))

    @classmethod
    def realistic(cls, *, scale: float = 1.0) -> RestoreLatency:
        return cls(per={}, scale=scale)

    @classmethod
    def uniform(cls, seconds: float) -> RestoreLatency:
        return cls(per={k: seconds for k in REALISTIC})

    @classmethod
    def immediate(cls) -> RestoreLatency:
        return cls.uniform(0.0)

    def seconds(self, storage_class: str, tier: str | None) -> float:
        """Scaled time from a restore request (or a tier change) to the object being readable."""
        for key in ((storage_class, tier), (storage_class, None)):
            if key in self.per:
                return self.per[key] * self.scale
        base = REALISTIC.get((storage_class, tier if storage_class != ARCHIVE else None))
        return (base if base is not None else 0.0) * self.scale

    @property
    def day_seconds(self) -> float:
        """Scaled length of one restored day."""
        return DAY * self.scale
