"""listArchiveFiles: one listing page turned into restore groups for the restore flow's foreach.

Each group's keys are packed per class (`keypack`): a call's output is held to OUTPUT_LIMIT, and packed
keys let one call hand on several times more of them, so a 1,000,000-object run makes that many fewer
listing calls on the main flow's sequential path (bench/cloud_model.py).
"""
from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

import oss2

from restore_core import actions, budget, classes, keypack, manifest_source, poll_budget, rate, retry, sources, tally
from restore_core.deadline import Deadline
from restore_core.direct_read import LONGEST_UNKNOWN, archive_direct_read
from restore_core.errors import OSSAccessDenied
from restore_core.execution_names import next_name
from restore_core.inputs import ListRequest
from restore_core.listing import ObjectInfo
from restore_core.restore_need import SKIP_REASONS, Need, verdict
from restore_core.restorer import Kind, Settings, Target, restore_all

# The main flow's parallel step (restore this batch, list the next) holds a batch in its input, the
# next in its output and again in its $local (the branch's result), beside at most 3.5 KiB of other
# fields (prefix and markers up to 1,023 bytes each; a version's cursor adds at most 264 bytes to a
# marker): 3 x 9 KiB + 3.5 KiB (+ 1 KiB) stays inside the 32 KiB CloudFlow allows a step's input + output + local.
OUTPUT_LIMIT = 9 * 1024
MAX_GROUPS = rate.FOREACH_CONCURRENCY  # a foreach step runs at most 100 items
MAX_PAGES_PER_CALL = 10  # keeps one pipelined call well inside FC's timeout
FILTERED = "filtered"  # `skipped` count of objects the run's selection left out (restore_core/selection.py)
OUTPUT_SKIP_REASONS = (*SKIP_REASONS, FILTERED)
ESCALATION_WORKERS = 50
INDEX_COST = 6  # bytes an index into inProgressKeys may take in `escalated`


class _Groups:
    """Groups of at most `size` keys, refusing a key that would break the output budget."""

    def __init__(self, *, size: int, room: int, in_progress_extra: int = 0) -> None:
        self.groups: list[dict[str, list[str | list[str]]]] = []
        self.in_progress: list[str | list[str]] = []
        self._extra = in_progress_extra  # room each in-progress key may also need elsewhere in the output
        self.count = 0
        self._size, self._room = size, room
        self._in_last = size  # keys in the last group; "full" forces a new group first
        self._values: list[dict[str, _Value]] = []  # per group and class

    @property
    def _holds_any(self) -> bool:
        # The first key is always taken, so that a call makes progress whatever the key's length.
        return bool(self.count or self.in_progress)

    @property
    def full(self) -> bool:
        return len(self.groups) >= MAX_GROUPS and self._in_last >= self._size

    def reserve(self, size: int) -> None:
        self._room -= size

    def note_in_progress(self, obj: ObjectInfo) -> bool:
        """Name a key whose restore is already running, from the same budget as the groups."""
        cost = budget.size(obj.entry) + 1 + self._extra
        if cost > self._room and self._holds_any:
            return False
        self.in_progress.append(obj.entry)
        self._room -= cost
        return True

    def add(self, obj: ObjectInfo) -> bool:
        new_group = self._in_last >= self._size
        if new_group and len(self.groups) >= MAX_GROUPS:
            return False
        last: dict[str, list[str | list[str]]] = {} if new_group else self.groups[-1]
        values: dict[str, _Value] = {} if new_group else self._values[-1]
        entries = last.get(obj.storage_class, [])
        was = values.get(obj.storage_class, _Value())
        now = was.joined(entries, obj.entry)
        cost = now.size - was.size + (3 if new_group else 0) + (0 if entries else budget.size(obj.storage_class) + 2)
        if cost > self._room and self._holds_any:
            return False
        if new_group:
            self.groups.append(last)
            self._values.append(values)
            self._in_last = 0
        last.setdefault(obj.storage_class, []).append(obj.entry)
        values[obj.storage_class] = now
        self._in_last += 1
        self._room -= cost
        self.count += 1
        return True


@dataclass(frozen=True)
class _Value:
    """The JSON bytes of a class's value in a group (`_packed`): keys alone are packed into one string;
    the first entry with a versionId turns it into a plain list."""

    size: int = 0
    listed: bool = False

    def joined(self, entries: list[str | list[str]], entry: str | list[str]) -> _Value:
        if self.listed:
            return _Value(self.size + budget.size(entry) + 1, listed=True)
        if isinstance(entry, list):
            return _Value(budget.size([*entries, entry]), listed=True)  # counted afresh, once
        previous = str(entries[-1]) if entries else ""
        return _Value((self.size or 2) + budget.size(keypack.entry(previous, entry)) - 2)



def list_archive_files(
    bucket: oss2.Bucket, req: ListRequest, *, sleep: retry.Sleep = time.sleep, raw_xml: bool | None = None,
) -> dict[str, Any]:
    """One page, or in pipelined mode as many pages as it takes to fill the restore flow's foreach.

    Waiting per batch, a call reads exactly one page. Pipelined, it reads
    on until it holds 100 groups (or the output budget is spent): each restore flow then runs a full
    foreach, and there are fewer round trips per object in the main flow.
    """
    pages_left = 1 if req.wait_per_batch else MAX_PAGES_PER_CALL
    if req.manifest and not req.marker and not req.pages:
        # The run's first call reads the whole manifest before anything is requested: a malformed line
        # stops the run here (InvalidManifest, naming the line), not after the lines before it were restored.
        manifest_source.validate(manifest_source.Manifest(bucket, req.manifest, sleep=sleep,
                                                          chunk_bytes=manifest_source.SCAN_CHUNK_BYTES))
    direct = archive_direct_read(bucket)
    marker, longest = req.marker, ""
    out = _output(req, longest)
    now = time.time()
    deadline = req.deadline if req.action == actions.RESTORE else None
    # The filters sit once in the parallel step's input beside the three copies of a batch: each copy
    # gives up a third of their size.
    groups = _Groups(size=req.group_size, room=OUTPUT_LIMIT - budget.size(out) - -(-req.filters_size // 3),
                     in_progress_extra=INDEX_COST if deadline else 0)
    threatened: list[tuple[int, Target]] = []  # (index into inProgressKeys, running restore to speed up)
    dry_requested, dry_threatened = set[str](), set[str]()  # a dry run: the classes a real run would act on
    skipped: Counter[str] = Counter()
    selected = tally.read_tally(req.tally)
    listed = missing = 0
    cut = truncated = False
    limiter = rate.for_invocation(
        bucket.endpoint, bucket.bucket_name, share=rate.listing_share(req.max_requests_per_second), sleep=sleep,
    )
    read = sources.page_reader(bucket, prefix=req.where.prefix, max_keys=req.max_keys, manifest=req.manifest,
                               all_versions=req.all_versions, sleep=sleep, raw_xml=raw_xml, limiter=limiter)
    while pages_left and not cut:
        page = read(marker)
        pages_left -= 1
        # The output's marker may be any key (or cursor) read so far: keep room for the longest.
        page_longest = max((o.resume for o in page.objects), key=budget.size, default="")
        if budget.size(page_longest) > budget.size(longest):
            groups.reserve(budget.size(page_longest) - budget.size(longest))
            longest = page_longest
        for obj in page.objects:
            if obj.missing:  # named by the manifest, not in the bucket: the report says NoSuchKey
                missing += 1
                marker, listed = obj.resume, listed + 1
                continue
            if req.selection.selects(obj.key, obj.storage_class, obj.size, obj.modified) is not None:
                skipped[FILTERED] += 1  # left out before anything is asked: never restored, never waited for
                marker, listed = obj.resume, listed + 1
                continue
            if req.action != actions.RESTORE:
                reason = actions.skip_reason(req.action, obj.storage_class, obj.restore)
                request = reason is None
                kept = not request or req.dry_run or groups.add(obj)
            else:
                # A restore in progress is not requested again, but named in the output (`inProgressKeys`).
                found = verdict(obj.storage_class, obj.restore, direct_read=direct.enabled)
                reason, request = found.skip_reason, found.request
                if req.dry_run:
                    kept = True  # counted, never grouped: a dry run requests nothing
                    # ...but refused below as the real run would be: by the classes it would request or speed up
                    if request:
                        dry_requested.add(obj.storage_class)
                    elif found.need is Need.IN_PROGRESS and deadline and deadline.threatened(obj.storage_class, now=now):
                        dry_threatened.add(obj.storage_class)
                elif found.need is Need.IN_PROGRESS:
                    kept = groups.note_in_progress(obj)
                    if kept and deadline and deadline.threatened(obj.storage_class, now=now):
                        threatened.append((len(groups.in_progress) - 1,
                                           Target(obj.key, obj.storage_class, obj.version_id)))
                else:
                    kept = not request or groups.add(obj)
            if not kept:
                cut = True
                break
            if reason:
                skipped[reason] += 1
            if classes.is_archive(obj.storage_class):
                tally.add(selected, obj.storage_class, obj.size, request=request)
            marker, listed = obj.resume, listed + 1
        truncated = page.truncated
        if not cut:
            marker = page.next_marker if truncated else marker
            if not truncated or groups.full:
                break
    end = not cut and not truncated
    if req.wait_per_batch:
        # Before any restore of this batch is requested: a cloud run refuses here, as the command does.
        poll_budget.check_wait_per_batch(req.poll_interval, {c for g in groups.groups for c in g} | dry_requested, req.tier)
    if deadline is not None:
        # Only the listing knows the classes: a class that cannot make it is refused before its batch.
        deadline.check({c for g in groups.groups for c in g} | {t.storage_class or "" for _, t in threatened}
                       | dry_requested | dry_threatened, now=now)
        out.update(escalate(bucket, threatened, deadline, days=req.days, now=now, limiter=limiter, sleep=sleep))
    ordered = [{c: _packed(g[c]) for c in classes.ARCHIVE_CLASSES if c in g} for g in groups.groups]
    out.update(
        filesGroup=ordered, groups=max(1, len(ordered)), marker="" if end else marker, end=_flag(end), empty=_flag(not groups.groups),
        archiveFilesCount=groups.count, listedCount=listed, missing=missing,
        skipped={reason: skipped[reason] for reason in _reasons(req.action)}, inProgressKeys=groups.in_progress,
        tally=selected, dryRun=_flag(req.dry_run),
        handOver=_flag(not end and req.pages + 1 >= req.pages_per_execution),
        archiveDirectRead=direct.state, warnings=[direct.warning] if direct.warning else [],
    )
    if req.execution_name:
        out["nextExecutionName"] = next_name(req.execution_name, "list", out["marker"])
    return out


def escalate(
    bucket: oss2.Bucket, threatened: list[tuple[int, Target]], deadline: Deadline, *, days: int, now: float,
    limiter: rate.RateLimiter, sleep: retry.Sleep,
) -> dict[str, Any]:
    """Ask running restores that may end after the deadline again, with the tier chosen now: 202 sped
    one up, 409 says it already runs at that tier or faster. {escalated: {class: [indices]}, tiers}."""
    tiers = deadline.tiers({t.storage_class for _, t in threatened}, now=now)
    settings = Settings(days=days, tiers=tiers, workers=ESCALATION_WORKERS, sleep=sleep)
    outcomes = restore_all(bucket, [t for _, t in threatened], settings, limiter=limiter) if threatened else []
    denied = next((o for o in outcomes if o.kind is Kind.DENIED), None)
    if denied is not None:
        raise OSSAccessDenied("RestoreObject", denied.code, denied.message)
    # A 409 (already at that tier or faster) or a request that kept failing transiently leaves the restore
    # running as it was: the confirm phase waits for it either way.
    escalated: dict[str, list[int]] = {}
    for (index, target), outcome in zip(threatened, outcomes):
        if outcome.kind is Kind.REQUESTED:
            escalated.setdefault(target.storage_class or "", []).append(index)
    return {"escalated": escalated, "escalationTiers": {c: tiers[c] for c in escalated}}


def _reasons(action: str) -> tuple[str, ...]:
    return OUTPUT_SKIP_REASONS if action == actions.RESTORE else (*actions.SKIP_REASONS[action], FILTERED)


def _output(req: ListRequest, marker: str) -> dict[str, Any]:
    big = 10**9
    out: dict[str, Any] = {
        "bucketName": req.where.bucket_name, "filesGroup": [], "groups": MAX_GROUPS,
        "inProgressKeys": [], "pageMarker": req.marker, "marker": marker,
        "end": "false", "empty": "false", "archiveFilesCount": big, "listedCount": big, "missing": big,
        "skipped": dict.fromkeys(_reasons(req.action), big), "pages": req.pages + 1, "handOver": "false",
        "tally": {c: dict.fromkeys(tally.COUNTS, big * big) for c in classes.ARCHIVE_CLASSES}, "dryRun": "false",
        "pollInterval": req.poll_interval, "waitPerBatch": _flag(req.wait_per_batch),
        "archiveDirectRead": "unknown", "warnings": [LONGEST_UNKNOWN.warning],
    }
    if req.deadline is not None and req.action == actions.RESTORE:
        # the skeleton of what `escalate` adds; the indices are reserved with each in-progress key
        tiered = [c for c in classes.ARCHIVE_CLASSES if classes.RULES[c].tiers]
        out["escalated"] = {c: [] for c in tiered}
        out["escalationTiers"] = dict.fromkeys(tiered, "Expedited")
    if req.execution_name:
        out["nextExecutionName"] = next_name(req.execution_name, "list", marker)
    return out


def _packed(entries: list[str | list[str]]) -> str | list[str | list[str]]:
    """A class's keys packed into one string; entries with a versionId stay a list."""
    keys = [e for e in entries if isinstance(e, str)]
    return keypack.pack(keys) if len(keys) == len(entries) else entries


def _flag(value: bool) -> str:
    return "true" if value else "false"
