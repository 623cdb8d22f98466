"""Splitting a range of the listing into shards that hold about the same work, by probing it.

OSS cannot count the keys of a range, but a listing from any marker says what follows it. A range is
split at a point in the middle of its key space (`keyspace.midpoint`) between its first key and its
end; where a probe finds (almost) nothing above the point, the end moves down to it and the middle is
taken again, so sparse or clustered names converge on where the keys are in a few probes, and names
that are hashed, UUIDs, counters or dated paths alike split near their middle. Both halves must hold at
least `MIN_SHARD_KEYS` keys: a smaller range is not worth a shard. A split that turns out uneven is
put right later: the planner splits again whatever still has the most work when a slot frees up.

A delimiter listing (common prefixes) would name the folders, not their sizes, so it is not used;
versions are split by the keys of ListObjects (a key's versions always stay together).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import oss2

from restore_core import keyspace, listing, rate, retry
from restore_core.scope import MANIFEST, Scope
from restore_core.shards import START

PROBE_KEYS = 1000
MIN_SHARD_KEYS = 1000  # fewer than this: one invocation's slice of work, not worth a shard of its own
MAX_PROBES = 40  # per split point: enough for any alphabet (about 8 a character position where keys are sparse)
PROBE_WORKERS = 8
MAX_ALPHABET = 64  # characters walked at one position before the middle of the code points is taken instead
_ABOVE_EVERYTHING = "\U0010ffff"  # after a prefix: above every key that starts with it (but those starting with it)


class KeyProbe:
    """The keys after a marker, within the scope's prefix, a listing page at a time; each marker asked once."""

    def __init__(
        self, bucket: oss2.Bucket, scope: Scope, *, limiter: rate.RateLimiter | None, sleep: retry.Sleep = time.sleep
    ) -> None:
        self._bucket, self._scope, self._limiter, self._sleep = bucket, scope, limiter, sleep
        self._pages: dict[tuple[str, int], list[str]] = {}
        self._lock = threading.Lock()
        self.requests = 0

    def after(self, cursor: str, count: int = PROBE_KEYS) -> list[str]:
        with self._lock:
            known = self._pages.get((cursor, count)) or self._pages.get((cursor, PROBE_KEYS))
        if known is not None:
            return known[:count]
        page = listing.list_page(
            self._bucket,
            prefix=self._scope.prefix,
            marker=self._scope.marker(cursor),
            max_keys=count,
            sleep=self._sleep,
            limiter=self._limiter,
        )
        keys = [o.key for o in page.objects]
        with self._lock:
            self._pages[(cursor, count)] = keys
            self.requests += 1
        return keys


def common_base(probe: KeyProbe, scope: Scope, after: str = START) -> str:
    """The longest prefix every key of the scope after `after` shares (at least the scope's prefix), by
    binary search: a length holds when no key lies above everything that starts with the first key's
    prefix of that length."""
    first = probe.after(after, 1)
    if not first:
        return scope.prefix
    key = first[0]
    good, bad = len(scope.prefix), len(key) + 1
    while bad - good > 1:
        mid = (good + bad) // 2
        if probe.after(key[:mid] + _ABOVE_EVERYTHING, 1):
            bad = mid
        else:
            good = mid
    return key[:good]


def bisect(probe: KeyProbe, scope: Scope, lo: str, hi: str | None, *, min_keys: int = MIN_SHARD_KEYS) -> str | None:
    """A point between `lo` and `hi` with at least `min_keys` keys of (lo, hi] on each side, near the
    middle of their key space; None when the range is too small to split or no such point was found."""
    left = _within(probe.after(lo), hi)
    if len(left) < PROBE_KEYS and len(left) < 2 * min_keys:
        return None  # too few keys to give each side its minimum
    low: str = left[0]
    high = hi
    # An open end: start from what every key after lo shares, and end just above the last key's first
    # character after it, so the middle is taken where the keys are.
    floor = common_base(probe, scope, lo) if hi is None else scope.base
    if hi is None and len(low) > len(floor):
        high = _upper(probe, floor, low)
    first_try = _median_character(probe, low, high)
    for attempt in range(MAX_PROBES):
        point = first_try if attempt == 0 and first_try is not None else keyspace.midpoint(low, high, floor=floor)
        if point is None or (high is not None and not point < high) or not low < point:
            return None
        right = _within(probe.after(point), hi)
        if len(right) < min(min_keys, PROBE_KEYS):
            high = point  # (almost) nothing above: the keys are below it
            continue
        below = sum(1 for k in left if k <= point)
        if below < min(min_keys, PROBE_KEYS) and not (len(left) == PROBE_KEYS and left[-1] <= point):
            low = point  # (almost) nothing below: the keys are above it
            continue
        return point
    return None


def _median_character(probe: KeyProbe, low: str, high: str | None) -> str | None:
    """The point that splits the characters the keys have where `low` and `high` part, half below and half
    above, found by walking them (one 1-key probe each, at most MAX_ALPHABET): hashed and UUID names use a
    small alphabet (0-9a-f) whose code points are not spread evenly, so the middle of the code points splits
    their keys unevenly (10 of 16 hex digits lie below the middle of 0-f) and the middle character does not.
    None when the keys there share one character, or use more than MAX_ALPHABET."""
    if high is None:
        return None
    at = next((i for i, (a, b) in enumerate(zip(low, high)) if a != b), min(len(low), len(high)))
    stem = low[:at]
    if len(low) <= at:
        return None
    seen = [low[at]]
    while len(seen) <= MAX_ALPHABET:
        after = probe.after(stem + seen[-1] + _ABOVE_EVERYTHING, 1)
        if not after or not after[0].startswith(stem) or len(after[0]) <= at or not after[0] < high:
            break
        seen.append(after[0][at])
    if len(seen) < 2 or len(seen) > MAX_ALPHABET:
        return None
    return stem + seen[len(seen) // 2]


def _upper(probe: KeyProbe, floor: str, low: str) -> str | None:
    """A bound just above every key after `low`: `floor` and one character past the highest character any
    key has right after `floor` (binary search, ASCII first); None when that is the last code point."""
    at = ord(low[len(floor)])

    def above(code: int) -> bool:  # some key starts with floor + a character >= code
        return code <= at or bool(probe.after(floor + chr(code - 1) + _ABOVE_EVERYTHING, 1))

    good, bad = at, (0x80 if not above(0x80) else 0x110000)
    while bad - good > 1:
        mid = (good + bad) // 2
        if 0xD800 <= mid < 0xE000:  # no key holds a surrogate
            mid = 0xD7FF if mid - 0xD800 < 0xE000 - mid else 0xE000
            if not good < mid < bad:
                break
        if above(mid):
            good = mid
        else:
            bad = mid
    return None if bad >= 0x110000 else floor + chr(bad)


def split_points(
    probe: KeyProbe, scope: Scope, lo: str, hi: str | None, pieces: int, *, min_keys: int = MIN_SHARD_KEYS
) -> list[str]:
    """Up to `pieces - 1` points that split (lo, hi] into pieces of about the same key space, each with at
    least `min_keys` keys; halves are split in parallel, a level at a time."""
    if scope.kind == MANIFEST or pieces < 2:
        return []
    ranges: list[tuple[str, str | None, int]] = [(lo, hi, pieces)]
    points: list[str] = []
    with ThreadPoolExecutor(max_workers=PROBE_WORKERS, thread_name_prefix="split") as pool:
        while ranges:
            found = list(pool.map(lambda r: bisect(probe, scope, r[0], r[1], min_keys=min_keys), ranges))
            following: list[tuple[str, str | None, int]] = []
            for (a, b, n), point in zip(ranges, found):
                if point is None:
                    continue
                points.append(point)
                half = n // 2
                if half > 1:
                    following.append((a, point, half))
                if n - half > 1:
                    following.append((point, b, n - half))
            ranges = following
    return sorted(points)


def _within(keys: Sequence[str], hi: str | None) -> list[str]:
    return list(keys) if hi is None else [k for k in keys if k <= hi]
