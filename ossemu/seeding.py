"""Bulk creation of many objects: one shared content buffer and one sort of the key index."""
from __future__ import annotations

from collections.abc import Mapping

from ossemu import classes as sc
from ossemu.errors import ConfigError
from ossemu.store import BucketStore, Content, ObjectRecord

_PATTERN = b"oss-restore emulator seed object\n"


def check_counts(counts: Mapping[str, int]) -> None:
    for cls, n in counts.items():
        if cls not in sc.STORAGE_CLASSES:
            raise ConfigError("seed class", cls, f"one of {', '.join(sc.STORAGE_CLASSES)}")
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ConfigError(f"seed count for {cls}", n, "a whole number >= 0")


def interleave(counts: Mapping[str, int]) -> list[str]:
    """Classes spread evenly through the sequence, so every listing page mixes them as in real buckets."""
    slots = [((i + 0.5) / n, order, cls) for order, (cls, n) in enumerate(counts.items()) if n for i in range(n)]
    slots.sort()
    return [cls for _, _, cls in slots]


def seed_bucket(bucket: BucketStore, *, counts: Mapping[str, int], prefix: str, size: int, now: float) -> int:
    check_counts(counts)
    if isinstance(size, bool) or not isinstance(size, int) or not 0 <= size <= 64 * 1024 * 1024:
        raise ConfigError("size", size, "a whole number of bytes from 0 to 67108864")
    if len(prefix.encode()) > 1000:
        raise ConfigError("prefix", prefix[:32], "at most 1000 bytes")
    content = Content.of((_PATTERN * (size // len(_PATTERN) + 1))[:size])
    objects, records, n = bucket.objects, {}, bucket.seeded
    for cls in interleave(counts):
        key = f"{prefix}{n:08d}"
        while key in objects:
            n += 1
            key = f"{prefix}{n:08d}"
        records[key] = ObjectRecord(cls, content, now)
        n += 1
    bucket.seeded = n
    return bucket.add_new(records)
