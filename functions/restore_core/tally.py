"""Per archive class: the objects a run selected, their bytes, and the restore requests they take.

listArchiveFiles adds each selected archive object it lists to the tally it was handed and returns
the sum (`tally` in and out), so the flow carries a running total from call to call and across
continue-as-new: a dry run ends with the whole scope's tally in its last execution's output, and a real
run's command reads the same figures for its estimate. The estimate itself (prices, times) is the
command's (`ossrestore/estimate.py`); this is only the counting both sides share.

The flow state holds it as plain JSON: {class: {"objects", "bytes", "requests", "requestBytes",
"directReadObjects", "directReadBytes", "copyRequests", "youngObjects", "youngByteDays"}}. The direct-read pair
counts the Archive objects a bucket with archive direct read serves without a restore (skipped, never
requested): reading them is billed per GB read, which the estimate shows beside the restore's cost. The last
three price a conversion or copy (`copy_plan`): the copy requests each object takes (CopyObject, or a multipart
copy's), and the objects younger than their class's minimum storage duration with the bytes x days left of it
(an in-place conversion is billed those days). A tally without them (an older run's) reads them as 0.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from restore_core import classes, copy_plan
from restore_core.errors import InvalidParameter

COUNTS = (
    "objects",
    "bytes",
    "requests",
    "requestBytes",
    "directReadObjects",
    "directReadBytes",
    "copyRequests",
    "youngObjects",
    "youngByteDays",
)
DAY = 86400
_MAX = 10**18  # a bound for the counters a flow hands back, far above any bucket

Tally = dict[str, dict[str, int]]


def empty_tally() -> Tally:
    return {c: dict.fromkeys(COUNTS, 0) for c in classes.ARCHIVE_CLASSES}


def read_tally(value: Any, field: str = "tally") -> Tally:
    """A tally handed in by the flow ({} or absent: empty); InvalidParameter naming the bad part."""
    out = empty_tally()
    if value is None or value == {} or value == "":
        return out
    if not isinstance(value, Mapping):
        raise InvalidParameter(field, "an object {storageClass: {" + ", ".join(COUNTS) + "}}", value)
    for name, counts in value.items():
        if name not in out:
            raise InvalidParameter(f"{field}.{name}", "a storage class: " + ", ".join(classes.ARCHIVE_CLASSES), name)
        if not isinstance(counts, Mapping):
            raise InvalidParameter(f"{field}.{name}", "an object of counts", counts)
        for count in COUNTS:
            n = counts.get(count, 0)
            if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= _MAX:
                raise InvalidParameter(f"{field}.{name}.{count}", f"an integer from 0 to {_MAX}", n)
            out[name][count] = n
    return out


def add(
    tally: Tally,
    storage_class: str,
    size: int | None,
    *,
    request: bool,
    direct_read: bool = False,
    copy_since: tuple[datetime | None, float] | None = None,
) -> None:
    """Count one selected archive object; `request`: it needs a restore request; `direct_read`: it is left
    to archive direct read (GetObject reads it without a restore); `copy_since`: a run that converts or copies
    counts its copy too, with (its Last-Modified, now) for its age."""
    counts = tally[storage_class]
    if copy_since is not None and not direct_read:
        counts["copyRequests"] += copy_plan.copy_requests(size)
        modified, now = copy_since  # an unknown age (no Last-Modified) counts as new: the higher charge
        left = classes.MIN_STORAGE_DAYS[storage_class] - (max(0.0, now - modified.timestamp()) / DAY if modified else 0)
        if left > 0:
            counts["youngObjects"] += 1
            counts["youngByteDays"] += math.ceil((size or 0) * left)
    counts["objects"] += 1
    counts["bytes"] += size or 0
    if request:
        counts["requests"] += 1
        counts["requestBytes"] += size or 0
    if direct_read:
        counts["directReadObjects"] += 1
        counts["directReadBytes"] += size or 0
