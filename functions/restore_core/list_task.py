"""listArchiveFiles: one listing page turned into restore groups for the restore flow's foreach."""
from __future__ import annotations

import time
from collections import Counter
from typing import Any

import oss2

from restore_core import budget, classes, listing, retry
from restore_core.execution_names import next_name
from restore_core.inputs import ListRequest
from restore_core.listing import ObjectInfo
from restore_core.restore_info import RestoreState

OUTPUT_LIMIT = 16 * 1024
MAX_GROUPS = 100  # a foreach step runs at most 100 items


class _Groups:
    """Groups of at most `size` keys, refusing a key that would break the output budget."""

    def __init__(self, *, size: int, room: int) -> None:
        self.groups: list[dict[str, list[str]]] = []
        self.count = 0
        self._size, self._room = size, room
        self._in_last = size  # keys in the last group; "full" forces a new group first

    def add(self, obj: ObjectInfo) -> bool:
        new_group = self._in_last >= self._size
        if new_group and len(self.groups) >= MAX_GROUPS:
            return False
        last = {} if new_group else self.groups[-1]
        cost = budget.size(obj.key) + 1 + (3 if new_group else 0)
        cost += 0 if obj.storage_class in last else budget.size(obj.storage_class) + 4
        if cost > self._room and self.count:
            return False
        if new_group:
            self.groups.append(last)
            self._in_last = 0
        last.setdefault(obj.storage_class, []).append(obj.key)
        self._in_last += 1
        self._room -= cost
        self.count += 1
        return True


def skip_reason(obj: ObjectInfo) -> str | None:
    """Why an object needs no restore, or None if it does (ongoing restores are kept: restore
    answers 409 for them and counts them as in progress, so a rerun over them is harmless)."""
    if not classes.is_archive(obj.storage_class):
        return "notArchived"
    if obj.restore.state is RestoreState.RESTORED:
        return "alreadyRestored"
    return None


def list_archive_files(
    bucket: oss2.Bucket, req: ListRequest, *, sleep: retry.Sleep = time.sleep, raw_xml: bool | None = None,
) -> dict[str, Any]:
    page = listing.list_page(
        bucket, prefix=req.where.prefix, marker=req.marker, max_keys=req.max_keys, sleep=sleep, raw_xml=raw_xml,
    )
    longest = max((o.key for o in page.objects), key=budget.size, default="")
    out = _output(req, longest)  # worst case for the fixed part: the longest marker
    groups = _Groups(size=req.group_size, room=OUTPUT_LIMIT - budget.size(out))
    skipped: Counter[str] = Counter()
    last_examined, cut = req.marker, False
    for obj in page.objects:
        reason = skip_reason(obj)
        if reason:
            skipped[reason] += 1
        elif not groups.add(obj):
            cut = True
            break
        last_examined = obj.key
    end = not cut and not page.truncated
    marker = "" if end else (last_examined if cut else page.next_marker)
    ordered = [{c: g[c] for c in classes.ARCHIVE_CLASSES if c in g} for g in groups.groups]
    out.update(
        filesGroup=ordered, marker=marker, end=_flag(end), empty=_flag(not groups.groups),
        archiveFilesCount=groups.count, listedCount=groups.count + sum(skipped.values()), skipped={"notArchived": skipped["notArchived"], "alreadyRestored": skipped["alreadyRestored"]},
        handOver=_flag(not end and req.pages + 1 >= req.pages_per_execution),
    )
    if req.execution_name:
        out["nextExecutionName"] = next_name(req.execution_name, "list", marker)
    return out


def _output(req: ListRequest, marker: str) -> dict[str, Any]:
    big = 10**9
    out: dict[str, Any] = {
        "bucketName": req.where.bucket_name, "filesGroup": [], "pageMarker": req.marker, "marker": marker,
        "end": "false", "empty": "false", "archiveFilesCount": big, "listedCount": big,
        "skipped": {"notArchived": big, "alreadyRestored": big}, "pages": req.pages + 1, "handOver": "false",
        "pollInterval": req.poll_interval, "waitPerBatch": _flag(req.wait_per_batch),
    }
    if req.execution_name:
        out["nextExecutionName"] = next_name(req.execution_name, "list", marker)
    return out


def _flag(value: bool) -> str:
    return "true" if value else "false"
