"""Bulk creation of many objects: one shared content buffer and one sort of the key index."""

from __future__ import annotations

import random
from collections.abc import Mapping

from ossemu import classes as sc
from ossemu.errors import ConfigError
from ossemu.store import BucketStore, Content, ObjectRecord

_PATTERN = b"oss-restore emulator seed object\n"
NAMES = ("counting", "random")
_HEX = "0123456789abcdef"


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


def seed_bucket(
    bucket: BucketStore,
    *,
    counts: Mapping[str, int],
    prefix: str,
    size: int,
    now: float,
    names: str = "counting",
    key_bytes: int = 0,
) -> int:
    """`names`: "counting" (`<prefix>00000000`, `...01`, ...) or "random" (`<prefix>` and hex digits up to
    `key_bytes` in all, as hashed or UUID-named objects are; the same keys for the same bucket and counts)."""
    check_counts(counts)
    if names not in NAMES:
        raise ConfigError("names", names, " or ".join(NAMES))
    digits = key_bytes - len(prefix.encode())
    if names == "random" and not 8 <= digits <= 1023 - len(prefix.encode()):
        raise ConfigError(
            "key_bytes", key_bytes, f"from {len(prefix.encode()) + 8} to 1023 (the prefix and 8 or more digits)"
        )
    if isinstance(size, bool) or not isinstance(size, int) or not 0 <= size <= 64 * 1024 * 1024:
        raise ConfigError("size", size, "a whole number of bytes from 0 to 67108864")
    if len(prefix.encode()) > 1000:
        raise ConfigError("prefix", prefix[:32], "at most 1000 bytes")
    content = Content.of((_PATTERN * (size // len(_PATTERN) + 1))[:size])
    objects, records, n = bucket.objects, {}, bucket.seeded
    rng = random.Random(n)
    for cls in interleave(counts):
        key = f"{prefix}{n:08d}" if names == "counting" else prefix + "".join(rng.choices(_HEX, k=digits))
        while key in objects or key in records:
            n += 1
            key = f"{prefix}{n:08d}" if names == "counting" else prefix + "".join(rng.choices(_HEX, k=digits))
        records[key] = ObjectRecord(cls, content, now)
        n += 1
    bucket.seeded = n
    return bucket.add_new(records)
