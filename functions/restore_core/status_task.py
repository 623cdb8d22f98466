"""restoreStatus: are the objects asked about readable yet?

Three modes: a short explicit `keys` list (one HEAD each), a page's `filesGroup` (re-listed from its
`pageMarker`, one request per 1,000 keys), or a scan of the prefix from `statusMarker` (at most
`maxPages` listing pages per call), which may request frozen objects again.
"""
from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import oss2

from restore_core import actions, classes, heads, listing, rate, retry, sources
from restore_core.direct_read import archive_direct_read
from restore_core.errors import OSSAccessDenied, RestoreIncomplete
from restore_core.execution_names import next_name
from restore_core.inputs import StatusRequest
from restore_core.restore_info import RestoreInfo
from restore_core.restorer import Kind, Settings, Target, restore_all
from restore_core.status_tally import Tally

SCAN_PAGE_KEYS = 1000


def restore_status(
    bucket: oss2.Bucket, req: StatusRequest, *, sleep: retry.Sleep = time.sleep, raw_xml: bool | None = None,
) -> dict[str, Any]:
    direct = archive_direct_read(bucket)
    # A status call runs alone (no batch is being restored meanwhile): the whole budget is its share.
    limiter = rate.for_invocation(bucket.endpoint, bucket.bucket_name, share=req.max_requests_per_second, sleep=sleep)
    tally = Tally(scan=req.mode == "scan", direct_read=direct.enabled)
    status_marker, confirmed = req.status_marker, 0
    if req.action != actions.RESTORE:
        # extend and clean take effect when OSS answers them (200): there is nothing to wait for.
        tally.reached_end = True
    elif req.mode == "keys":
        for target, state in zip(req.targets, _head_all(bucket, req, sleep, limiter)):
            tally.add(target, state)
    elif req.mode == "group":
        _check_group(bucket, req, tally, sleep, raw_xml, limiter)
    else:
        status_marker, confirmed = _scan(bucket, req, tally, sleep, raw_xml, limiter)
    if tally.frozen and req.rerequest:
        _rerequest(bucket, req, tally, sleep, limiter)
    out = tally.output()
    out["statusMarker"] = status_marker
    if req.mode == "scan":
        # Archive objects the cursor moved past in this call: they add up to the run's readable count.
        out["confirmed"] = confirmed
    out["polls"] = req.polls + 1
    out["archiveDirectRead"], out["warnings"] = direct.state, [direct.warning] if direct.warning else []
    out["handOver"] = "true" if out["status"] == "running" and req.polls + 1 >= req.polls_per_execution else "false"
    if req.execution_name:
        out["nextExecutionName"] = next_name(req.execution_name, "status", f"{req.execution_name}\n{status_marker}")
    return out


# --- keys: one HEAD each ---------------------------------------------------------------------

def _head_all(
    bucket: oss2.Bucket, req: StatusRequest, sleep: retry.Sleep, limiter: rate.RateLimiter,
) -> list[tuple[str, RestoreInfo] | None]:
    return heads.head_all(bucket, [(t.key, t.version_id) for t in req.targets], workers=req.workers, sleep=sleep,
                          limiter=limiter)


# --- group: re-list the page ------------------------------------------------------------------

def _check_group(
    bucket: oss2.Bucket, req: StatusRequest, tally: Tally, sleep: retry.Sleep, raw_xml: bool | None,
    limiter: rate.RateLimiter,
) -> None:
    # A key given twice is counted twice, as `keys` mode (one HEAD per entry) counts it: the counts
    # always add up to the number of keys asked about.
    wanted: dict[str, list[Target]] = {}
    for target in req.targets:
        wanted.setdefault(target.key, []).append(target)
    last = max((k.encode("utf-8", "surrogatepass") for k in wanted), default=b"")
    marker = req.page_marker
    while wanted:
        page = listing.list_page(bucket, prefix=req.where.prefix, marker=marker, max_keys=SCAN_PAGE_KEYS,
                                 sleep=sleep, raw_xml=raw_xml, limiter=limiter)
        for obj in page.objects:
            for target in wanted.pop(obj.key, []):
                tally.add(target, (obj.storage_class, obj.restore))
        past = bool(page.objects) and page.objects[-1].key.encode("utf-8", "surrogatepass") >= last
        if past or not page.truncated:
            break
        marker = page.next_marker
    for targets in wanted.values():  # not listed where it was: deleted or renamed since
        for target in targets:
            tally.add(target, None)


# --- scan: everything under the prefix ---------------------------------------------------------

def _scan(
    bucket: oss2.Bucket, req: StatusRequest, tally: Tally, sleep: retry.Sleep, raw_xml: bool | None,
    limiter: rate.RateLimiter,
) -> tuple[str, int]:
    """Tally up to maxPages pages and return the new statusMarker (the last key of the leading run of
    objects already known readable, so the next poll starts at the first one that was not) and how
    many archive objects that run holds."""
    if req.manifest or req.all_versions:
        start = req.status_marker or req.marker  # cursors, not keys: they do not compare as keys do
    else:
        start = max(req.marker, req.status_marker, key=lambda k: k.encode("utf-8", "surrogatepass"))
    read = sources.page_reader(bucket, prefix=req.where.prefix, max_keys=SCAN_PAGE_KEYS, manifest=req.manifest,
                               all_versions=req.all_versions, sleep=sleep, raw_xml=raw_xml, limiter=limiter)
    marker, status_marker, leading, confirmed = start, start, True, 0
    for _ in range(req.max_pages):
        page = read(marker)
        for obj in page.objects:
            if not obj.missing and req.selection.selects(obj.key, obj.storage_class, obj.size, obj.modified) is not None:
                # Left out by the run's filters: not part of the job, so settled and never counted.
                status_marker = obj.resume if leading else status_marker
                continue
            # A manifest entry with no object behind it is settled: nothing will make it readable, and the
            # report names it failed (NoSuchKey); waiting for it would hold the confirm phase forever.
            settled = obj.missing or tally.add(Target(obj.key, obj.storage_class, obj.version_id),
                                               (obj.storage_class, obj.restore))
            leading = leading and settled
            if leading:
                status_marker = obj.resume
                confirmed += classes.is_archive(obj.storage_class)
        if not page.truncated:
            tally.reached_end = True
            break
        marker = page.next_marker
    return status_marker, confirmed


# --- rerequest frozen objects ---------------------------------------------------------------

def _rerequest(
    bucket: oss2.Bucket, req: StatusRequest, tally: Tally, sleep: retry.Sleep, limiter: rate.RateLimiter,
) -> None:
    # With a deadline, each class gets the tier that is in time from now (the fastest when none is).
    lenient = replace(req.deadline, best_effort=True) if req.deadline else None
    tiers = lenient.tiers({t.storage_class for t in tally.frozen}, now=time.time()) if lenient else {}
    settings = Settings(days=req.days, tier=req.tier, tiers=tiers, workers=req.workers, sleep=sleep)
    outcomes = restore_all(bucket, tally.frozen, settings, limiter=limiter)
    denied = next((o for o in outcomes if o.kind is Kind.DENIED), None)
    if denied is not None:
        raise OSSAccessDenied("RestoreObject", denied.code, denied.message)
    incomplete = [(o.key, o.code) for o in outcomes if o.kind is Kind.INCOMPLETE]
    if incomplete:
        raise RestoreIncomplete(incomplete, done=len(outcomes) - len(incomplete))
    for target, outcome in zip(tally.frozen, outcomes):
        tally.rerequested(target, outcome)
    tally.frozen = []
