"""The three handlers' inputs as frozen dataclasses, validated field by field."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from restore_core import classes, flow_inputs, json_input, keypack, params
from restore_core.deadline import Deadline, from_input
from restore_core.errors import InvalidParameter
from restore_core.manifest import MAX_VERSION_ID
from restore_core.restorer import Target
from restore_core.selection import EVERYTHING, Selection, encoded_size, parse_selection
from restore_core.tally import Tally, read_tally

MAX_GROUP_KEYS = 1000
MAX_HEAD_KEYS = 100
# Listing pages (1,000 keys each) one confirm-phase poll scans: the value bench/cloud_model.py chooses, since
# every poll also waits pollInterval, so a 1,000,000-object confirm takes N / (1000 * pages) polls.
DEFAULT_SCAN_PAGES = 100
_COUNTER_MAX = 10**9


def parse_event(event: Any) -> dict[str, Any]:
    """FC passes the event as JSON bytes; tests and the local engine may pass str or dict."""
    if isinstance(event, Mapping):
        return dict(event)
    if not isinstance(event, (str, bytes, bytearray)) and event is not None:
        raise InvalidParameter("event", "a JSON object", event)
    data = json_input.loads(event or b"{}", field="event")
    if not isinstance(data, dict):
        raise InvalidParameter("event", "a JSON object", data)
    return data


def _counter(raw: Mapping[str, Any], field: str) -> int:
    """A count the flow carries from one call to the next (pages listed, polls made)."""
    return params.integer(raw, field, default=0, lo=0, hi=_COUNTER_MAX)


def _execution_name(raw: Mapping[str, Any]) -> str | None:
    """The calling execution's name (`$context.execution.name`), which names the next one."""
    return params.text(raw, "executionName", default="", max_bytes=128) or None


def _deadline(raw: Mapping[str, Any]) -> Deadline | None:
    return from_input(flow_inputs.value(raw, "deadline"), flow_inputs.value(raw, "bestEffort"))


@dataclass(frozen=True)
class Location:
    endpoint: str
    bucket_name: str
    region: str | None
    prefix: str


def location(raw: Mapping[str, Any]) -> Location:
    return Location(*(flow_inputs.value(raw, name) for name in ("endpoint", "bucketName", "region", "prefix")))


@dataclass(frozen=True)
class ListRequest:
    where: Location
    marker: str
    max_keys: int
    group_size: int
    pages: int
    pages_per_execution: int
    execution_name: str | None
    poll_interval: int
    wait_per_batch: bool
    tier: str  # waitPerBatch: the batch's classes must finish at this tier within one execution's events
    max_requests_per_second: int  # the run's budget (0: none); this call takes `rate.listing_share` of it
    selection: Selection = EVERYTHING
    filters_size: int = 0  # bytes the filters take in the flow's state beside this call's output
    dry_run: bool = False
    tally: Tally | None = None  # the running total handed in (None: from zero)
    manifest: str = ""  # restore what it names instead of listing the prefix
    all_versions: bool = False  # list every version (ListObjectVersions)
    deadline: Deadline | None = None
    action: str = "restore"
    days: int = 1  # a running restore sped up by a deadline is asked with the run's days


# A marker that resumes a manifest or a version listing holds more than a key (`manifest.Cursor`,
# `version_listing.encode_marker`): a version ID beside a 1,023-byte key. OSS's version IDs are about 60
# characters; allowing 256 keeps the main flow's parallel step (which holds four markers) inside 32 KiB.
_CURSOR_BYTES = params.MAX_KEY_BYTES + MAX_VERSION_ID + 8


def scope(raw: Mapping[str, Any]) -> tuple[str, bool]:
    """(manifest, allVersions), checked together with the fields they exclude."""
    manifest, all_versions = flow_inputs.value(raw, "manifest"), flow_inputs.value(raw, "allVersions")
    flow_inputs.check_scope({"manifest": manifest, "allVersions": all_versions, "prefix": raw.get("prefix"),
                             "waitPerBatch": flow_inputs.value(raw, "waitPerBatch")})
    return manifest, all_versions


def cursor(raw: Mapping[str, Any], field: str, *, manifest: str, all_versions: bool) -> str:
    """A marker: a key, or where a manifest or a version listing resumes."""
    if manifest or all_versions:
        return params.text(raw, field, max_bytes=_CURSOR_BYTES)
    return flow_inputs.value(raw, "marker") if field == "marker" else params.text(raw, field)


def list_request(raw: Mapping[str, Any]) -> ListRequest:
    manifest, all_versions = scope(raw)
    return ListRequest(
        manifest=manifest, all_versions=all_versions,
        where=location(raw),
        marker=cursor(raw, "marker", manifest=manifest, all_versions=all_versions),
        max_keys=flow_inputs.value(raw, "maxKeys"),
        group_size=flow_inputs.value(raw, "groupSize"),
        pages=_counter(raw, "pages"),
        pages_per_execution=flow_inputs.value(raw, "pagesPerExecution"),
        execution_name=_execution_name(raw),
        poll_interval=flow_inputs.value(raw, "pollInterval"),
        wait_per_batch=flow_inputs.value(raw, "waitPerBatch"),
        tier=flow_inputs.value(raw, "tier"),
        max_requests_per_second=flow_inputs.value(raw, "maxRequestsPerSecond"),
        selection=parse_selection(raw),
        filters_size=encoded_size(raw),
        dry_run=flow_inputs.value(raw, "dryRun"),
        tally=read_tally(raw.get("tally")),
        deadline=_deadline(raw),
        action=flow_inputs.value(raw, "action"),
        days=flow_inputs.value(raw, "days"),
    )


@dataclass(frozen=True)
class RestoreRequest:
    where: Location
    targets: tuple[Target, ...]
    workers: int
    days: int
    tier: str
    pending: tuple[int, ...] | None = None  # a retry: only these indices into targets get a request
    max_requests_per_second: int = 0  # the run's budget (0: none)
    groups: int = 1  # invocations restoring the batch at once (its groups), sharing the budget
    deadline: Deadline | None = None
    action: str = "restore"


def restore_request(raw: Mapping[str, Any]) -> RestoreRequest:
    targets = files(raw.get("files"), "files")
    return RestoreRequest(
        where=location(raw),
        targets=targets,
        workers=flow_inputs.value(raw, "workers"),
        days=flow_inputs.value(raw, "days"),
        tier=flow_inputs.value(raw, "tier"),
        pending=_pending(raw.get("pending"), len(targets)),
        max_requests_per_second=flow_inputs.value(raw, "maxRequestsPerSecond"),
        groups=params.integer(raw, "groups", default=1, lo=1, hi=1000),
        deadline=_deadline(raw),
        action=flow_inputs.value(raw, "action"),
    )


def _pending(value: Any, count: int) -> tuple[int, ...] | None:
    """Indices of the group's keys still owed a request (a previous call's `pending`); None: all."""
    if value is None:
        return None
    allowed = f"a list of distinct indices from 0 to {count - 1} into the keys of files"
    if not isinstance(value, list) or not value or len(value) > count:
        raise InvalidParameter("pending", allowed, value)
    if any(isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < count for i in value) or len(set(value)) != len(value):
        raise InvalidParameter("pending", allowed, value)
    return tuple(sorted(value))


def target(entry: Any, field: str, storage_class: str | None) -> Target:
    """A key, or [key, versionId] for one version of it."""
    if isinstance(entry, list):
        if len(entry) != 2 or not isinstance(entry[1], str) or not 1 <= len(entry[1]) <= MAX_VERSION_ID:
            raise InvalidParameter(field, f"a key or [key, versionId] (a versionId of 1 to {MAX_VERSION_ID} characters)", entry)
        return Target(params.object_key(entry[0], f"{field}[0]"), storage_class, entry[1])
    return Target(params.object_key(entry, field), storage_class)


def files(value: Any, field: str) -> tuple[Target, ...]:
    """A group ({class: [keys]}, taken in the order Archive, ColdArchive, DeepColdArchive; a class's keys
    may come packed into one string, as listArchiveFiles writes keys without versions) or a plain list of
    keys whose class is unknown; a key may be [key, versionId]."""
    if isinstance(value, list):
        targets = tuple(target(k, f"{field}[{i}]", None) for i, k in enumerate(value))
    elif isinstance(value, Mapping):
        targets = _group(value, field)
    else:
        raise InvalidParameter(field, "a group {storageClass: [keys]} or a list of keys", value)
    if len(targets) > MAX_GROUP_KEYS:
        raise InvalidParameter(field, f"at most {MAX_GROUP_KEYS} keys", f"{len(targets)} keys")
    return targets


def _group(value: Mapping[str, Any], field: str) -> tuple[Target, ...]:
    for name in value:
        if name not in classes.ARCHIVE_CLASSES:
            raise InvalidParameter(f"{field}.{name}", "a storage class: " + ", ".join(classes.ARCHIVE_CLASSES), name)
    targets: list[Target] = []
    for name in classes.ARCHIVE_CLASSES:
        keys = value.get(name) or []
        if isinstance(keys, str):
            keys = keypack.unpack(keys, f"{field}.{name}")
        if not isinstance(keys, list):
            raise InvalidParameter(f"{field}.{name}", "a list of keys, or keys packed by listArchiveFiles", keys)
        targets += [target(k, f"{field}.{name}[{i}]", name) for i, k in enumerate(keys)]
    return tuple(targets)


@dataclass(frozen=True)
class StatusRequest:
    where: Location
    mode: str  # "keys" | "group" | "scan"
    targets: tuple[Target, ...]  # keys and group modes; class None in keys mode
    page_marker: str  # group mode: where the listing that holds the keys starts
    marker: str  # scan mode: the start of the run's scope, never scanned before
    status_marker: str  # scan mode: where the previous poll left off
    max_pages: int
    rerequest: bool
    days: int
    tier: str
    workers: int
    polls: int
    polls_per_execution: int
    execution_name: str | None
    max_requests_per_second: int  # the run's budget (0: none); a status call runs alone and takes all of it
    selection: Selection = EVERYTHING  # scan mode: objects left out are not waited for
    manifest: str = ""  # scan mode: the manifest's entries (one HEAD each), not the prefix
    all_versions: bool = False  # scan mode: every version (ListObjectVersions)
    deadline: Deadline | None = None
    action: str = "restore"


def status_request(raw: Mapping[str, Any]) -> StatusRequest:
    has_keys, has_group = raw.get("keys") is not None, raw.get("filesGroup") is not None
    if has_keys and has_group:
        raise InvalidParameter("keys", "absent when filesGroup is given (one mode per call)", raw["keys"])
    mode, targets = "scan", ()  # type: str, tuple[Target, ...]
    if has_keys:
        mode, targets = "keys", _head_keys(raw["keys"])
    elif has_group:
        mode, targets = "group", _groups(raw["filesGroup"])
    manifest, all_versions = scope(raw)
    return StatusRequest(
        manifest=manifest, all_versions=all_versions,
        where=location(raw), mode=mode, targets=targets,
        page_marker=params.text(raw, "pageMarker"),
        marker=cursor(raw, "marker", manifest=manifest, all_versions=all_versions),
        status_marker=cursor(raw, "statusMarker", manifest=manifest, all_versions=all_versions),
        max_pages=params.integer(raw, "maxPages", default=DEFAULT_SCAN_PAGES, lo=1, hi=100),
        rerequest=params.boolean(raw, "rerequest", default=False),
        days=flow_inputs.value(raw, "days"),
        tier=flow_inputs.value(raw, "tier"),
        workers=flow_inputs.value(raw, "workers"),
        polls=_counter(raw, "polls"),
        polls_per_execution=flow_inputs.value(raw, "pollsPerExecution"),
        execution_name=_execution_name(raw),
        max_requests_per_second=flow_inputs.value(raw, "maxRequestsPerSecond"),
        selection=parse_selection(raw),
        deadline=_deadline(raw),
        action=flow_inputs.value(raw, "action"),
    )


def _head_keys(value: Any) -> tuple[Target, ...]:
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_HEAD_KEYS:
        raise InvalidParameter("keys", f"a list of 1 to {MAX_HEAD_KEYS} keys (use filesGroup or a scan for more)", value)
    return tuple(target(k, f"keys[{i}]", None) for i, k in enumerate(value))


def _groups(value: Any) -> tuple[Target, ...]:
    if isinstance(value, Mapping):
        value = [value]  # one foreach item passed on its own
    if not isinstance(value, list):
        raise InvalidParameter("filesGroup", "a list of groups {storageClass: [keys]}", value)
    targets: list[Target] = []
    for i, group in enumerate(value):
        targets += files(group, f"filesGroup[{i}]")
    return tuple(targets)


@dataclass(frozen=True)
class NotifyRequest:
    """The main flow's end, as the notify function receives it: where to post, and what the last
    confirm poll counted."""

    url: str
    bucket_name: str
    prefix: str
    status: str  # "success" or "failed": the confirm phase's verdict
    readable: int
    restoring: int
    failed: int
    execution_name: str | None
    format: str = "json"  # the webhook's message format (`notice_formats`)


def notify_request(raw: Mapping[str, Any]) -> NotifyRequest:
    url = flow_inputs.value(raw, "notifyUrl")
    if not url:
        raise InvalidParameter("notifyUrl", "an http:// or https:// URL (the flow calls notify only with one)", url)
    return NotifyRequest(
        url=url, bucket_name=params.bucket_name(raw), prefix=flow_inputs.value(raw, "prefix"),
        status=params.choice(raw, "status", default="failed", allowed=("success", "failed")),
        readable=_counter(raw, "readable"), restoring=_counter(raw, "restoring"), failed=_counter(raw, "failed"),
        execution_name=_execution_name(raw), format=flow_inputs.value(raw, "notifyFormat"),
    )
