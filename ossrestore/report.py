"""The end of a run: check by listing what is readable, and account for every object in scope.

The verdict comes from a fresh listing (RestoreInfo per object), not from what the handlers said, so
the report shows what a reader of the bucket would find now. What the handlers said only explains why.
"""
from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import oss2

from ossrestore.contacts import ContactStore, KeyContact, contact_key, split_contact_key
from ossrestore.errors import OssRestoreError, UsageError
from restore_core import sources
from restore_core.classes import ARCHIVE
from restore_core.direct_read import DIRECT_READ_UNKNOWN, archive_direct_read
from restore_core.errors import RestoreCoreError
from restore_core.listing import ObjectInfo, list_page
from restore_core.restore_info import RestoreInfo
from restore_core.restore_need import Need, verdict
from restore_core.retry import RetryPolicy
from restore_core.selection import EVERYTHING, Selection
from restore_core.tally import Tally, empty_tally
from restore_core.tally import add as add_to_tally

# The verdict comes after all the work: worth more patience with a struggling OSS than one page inside
# a flow, which the flow's own retry would repeat anyway.
_VERDICT_RETRY = RetryPolicy(max_attempts=10, initial_interval=0.5, maximum_interval=10.0)

OUTCOMES = ("restored", "already_restored", "in_progress", "skipped", "failed")
Classify = Callable[..., tuple[str, str, str]]  # (storage class, restore, contact, *, direct_read) -> verdict


class VerificationFailed(OssRestoreError):
    """The final listing could not be made: the verdict is unknown, which is not a success."""

    exit_code = 1


@dataclass
class RunSummary:
    by_outcome: Counter[str] = field(default_factory=Counter)
    by_class: Counter[tuple[str, str]] = field(default_factory=Counter)  # (storage class, outcome) -> objects
    estimate: dict[str, Any] | None = None  # ossrestore.estimate's plain form, documented there
    # What this run's accepted restore requests (202) asked for, per class: priced as the actual cost.
    requested: Tally = field(default_factory=empty_tally)
    outcomes: tuple[str, ...] = OUTCOMES  # the outcomes this kind of run reports (extend and clean: their own)
    flow_errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # what the handlers or the verdict could not find out

    @property
    def all_readable(self) -> bool:
        return not self.flow_errors and self.by_outcome["in_progress"] == 0 and self.by_outcome["failed"] == 0

    @property
    def exit_code(self) -> int:
        return 0 if self.all_readable else 1


def _iso(moment: float | datetime | None) -> str | None:
    if moment is None:
        return None
    if not isinstance(moment, datetime):
        moment = datetime.fromtimestamp(moment, UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


iso = _iso  # the renderers of a report (notice, report command) write times the same way


def classify(
    storage_class: str, restore: RestoreInfo, contact: KeyContact | None, *, direct_read: bool = False
) -> tuple[str, str, str]:
    """(outcome, OSS code, reason) of one listed object, by the handlers' rule (`restore_need`)."""
    need = verdict(storage_class, restore, direct_read=direct_read).need
    if need is Need.NOT_ARCHIVED:
        return "skipped", "", f"storage class {storage_class} needs no restore"
    if need is Need.DIRECT_READ:
        return "skipped", "", "the bucket reads Archive objects directly (archive direct read): no restore needed"
    if need is Need.ALREADY_RESTORED:
        # Every key a restore was sent for was listed as not readable, so even a 200 (readable when
        # asked: a retried attempt's own 202, or a restore already under way) means it became readable
        # during this run. Only objects the listing already found readable were restored before.
        if contact is None:
            return "already_restored", "", "readable before this run asked"
        return "restored", "", "readable"
    if need is Need.IN_PROGRESS:
        return "in_progress", "", "restore still running"
    if contact is not None and contact.status >= 300 and contact.status != 409:
        return "failed", contact.code, f"restore refused with HTTP {contact.status}"
    return "failed", "", "frozen: restore never took effect or expired"


def listed_pages(bucket: oss2.Bucket, *, prefix: str, marker: str) -> Iterator[Sequence[ObjectInfo]]:
    """Every object under prefix after marker, a page of 1,000 at a time, transient errors retried."""
    while True:
        page = list_page(bucket, prefix=prefix, marker=marker, max_keys=1000, policy=_VERDICT_RETRY)
        yield page.objects
        if not page.truncated:
            return
        marker = page.next_marker


def _pages(bucket: oss2.Bucket, *, prefix: str, marker: str, manifest: str, all_versions: bool) -> Iterator[Sequence[ObjectInfo]]:
    """What the run's scope holds now, a page at a time: the prefix's objects, every version under it,
    or the manifest's entries (one HEAD each)."""
    if not manifest and not all_versions:
        yield from listed_pages(bucket, prefix=prefix, marker=marker)
        return
    read = sources.page_reader(bucket, prefix=prefix, max_keys=1000, manifest=manifest, all_versions=all_versions)
    while True:
        page = read(marker)
        yield page.objects
        if not page.truncated:
            return
        marker = page.next_marker


def _missing_row(obj: ObjectInfo, contact: KeyContact | None, checked_at: str | None) -> dict[str, Any]:
    """A manifest entry with no object (or version) behind it: failed, nothing can make it readable."""
    code = "NoSuchVersion" if obj.version_id else "NoSuchKey"
    return {
        "key": obj.key, "versionId": obj.version_id, "storageClass": None, "outcome": "failed", "code": code,
        "reason": "named by the manifest, but no such object" + (" version" if obj.version_id else ""),
        "requestedAt": _iso(contact.at) if contact else None, "checkedAt": checked_at, "expiry": None, "tier": None,
        "readableAt": None,
    }


# key -> when the confirm scan's cursor passed it (readable by then), or None.
ReadableSeen = Callable[[str], float | None]


def readable_at(outcome: str, contact: KeyContact | None, seen: float | None, checked_at: str | None) -> str | None:
    """When this run knew the object readable: OSS answered its restore 200, or else the confirm scan's
    cursor passed it, or else the final listing; None when it is not readable or was readable before the run."""
    if outcome != "restored":
        return None
    moments = [t for t in (contact.at if contact is not None and contact.status == 200 else None, seen) if t]
    return _iso(min(moments)) if moments else checked_at


def _rows(
    bucket: oss2.Bucket, *, prefix: str, marker: str, contacts: ContactStore, summary: RunSummary, judge: Classify,
    selection: Selection = EVERYTHING, manifest: str = "", all_versions: bool = False,
    seen: ReadableSeen | None = None,
) -> Iterator[dict[str, Any]]:
    # A page at a time: the contacts of its keys are read from the store (which marks them seen), so
    # memory holds one page, not the run.
    checked_at = _iso(time.time())
    direct = archive_direct_read(bucket)
    if direct.warning and direct.warning not in summary.warnings:
        summary.warnings.append(direct.warning)
    # An Archive object's outcome depends on archive direct read: its reason says when it was not known.
    unknown = [w for w in summary.warnings if w.startswith(DIRECT_READ_UNKNOWN)]
    archive_note = f" ({'; '.join(unknown)})" if unknown else ""
    for objects in _pages(bucket, prefix=prefix, marker=marker, manifest=manifest, all_versions=all_versions):
        page_contacts = contacts.lookup([contact_key(obj.key, obj.version_id) for obj in objects], mark_seen=True)
        for obj in objects:
            contact = page_contacts.get(contact_key(obj.key, obj.version_id))
            if obj.missing:
                yield _missing_row(obj, contact, checked_at)
                continue
            left_out = selection.selects(obj.key, obj.storage_class, obj.size, obj.modified)
            if left_out is not None:  # the run's filters: never requested, never waited for
                outcome, code, reason = "skipped", "", left_out
            else:
                outcome, code, reason = judge(obj.storage_class, obj.restore, contact, direct_read=direct.enabled)
            if obj.storage_class == ARCHIVE and left_out is None:
                reason += archive_note
            if contact is not None and contact.status == 202 and obj.storage_class in summary.requested:
                add_to_tally(summary.requested, obj.storage_class, obj.size, request=True)
            yield {
                "key": obj.key, "versionId": obj.version_id, "storageClass": obj.storage_class, "outcome": outcome,
                "code": code, "reason": reason, "requestedAt": _iso(contact.at) if contact else None,
                "checkedAt": checked_at, "expiry": _iso(obj.restore.expiry),
                "tier": (contact.tier or None) if contact else None,
                "readableAt": readable_at(outcome, contact, seen(obj.key)
                                          if seen and outcome == "restored" else None, checked_at),
            }
    # Keys the handlers touched that are gone now (deleted during the run) are still accounted for.
    for stored, contact in contacts.unseen():
        key, version_id = split_contact_key(stored)
        yield {
            "key": key, "versionId": version_id, "storageClass": None, "outcome": "skipped",
            "code": contact.code or "NoSuchKey", "reason": "object no longer exists", "requestedAt": _iso(contact.at),
            "checkedAt": checked_at, "expiry": None, "tier": contact.tier or None, "readableAt": None,
        }


def open_report(path: Path | None, *, flag: str = "--report") -> TextIO | None:
    """Open (create or truncate) the report before the run starts, so that a path that cannot be
    written fails at once with exit 2, not after every restore was paid for."""
    if path is None:
        return None
    try:
        return path.open("w", encoding="utf-8")
    except OSError as e:
        raise UsageError(f"{flag}: cannot write {str(path)!r}: {e.strerror or e}") from None


@contextmanager
def closing_report(out: TextIO | None) -> Iterator[TextIO | None]:
    """Close the report (if any) however the run ends, so whatever was written reaches the file."""
    try:
        yield out
    finally:
        if out is not None:
            out.close()


def write_row(out: TextIO | None, row: dict[str, Any]) -> None:
    if out is not None:
        out.write(json.dumps(row, ensure_ascii=False) + "\n")


def verify_and_report(
    bucket: oss2.Bucket, *, prefix: str, marker: str, contacts: ContactStore, report: TextIO | None,
    warnings: Sequence[str] = (), selection: Selection = EVERYTHING, manifest: str = "", all_versions: bool = False,
    judge: Classify = classify, outcomes: tuple[str, ...] = OUTCOMES, seen: ReadableSeen | None = None,
) -> RunSummary:
    """Check by listing and write one line per object into `report`, flushed even when interrupted
    (a signal lands between two whole lines). `warnings`: what the handlers said they could not find
    out; they reach the summary and the reasons of the objects they concern. `seen`: when the run's
    confirm polls first counted a key readable (each line's `readableAt`)."""
    summary = RunSummary(warnings=list(dict.fromkeys(warnings)), outcomes=outcomes)
    try:
        for row in _rows(bucket, prefix=prefix, marker=marker, contacts=contacts, summary=summary, judge=judge,
                         selection=selection, manifest=manifest, all_versions=all_versions, seen=seen):
            summary.by_outcome[row["outcome"]] += 1
            summary.by_class[(row["storageClass"] or "", row["outcome"])] += 1
            write_row(report, row)
    except RestoreCoreError as e:
        raise VerificationFailed(f"could not check the result by listing the bucket: {e}") from None
    finally:
        if report is not None:
            report.flush()
    return summary


def partial_rows(contacts: ContactStore) -> Iterator[dict[str, Any]]:
    """After an interruption: one line per object this run asked OSS about (or found restoring), as
    OSS answered then. Not checked by listing (`checkedAt` null): the rerun's report is the verdict."""
    for stored, contact in contacts.items():
        key, version_id = split_contact_key(stored)
        outcome, reason = _answered(contact)
        yield {
            "key": key, "versionId": version_id, "storageClass": None, "outcome": outcome, "code": contact.code,
            "reason": reason, "requestedAt": _iso(contact.at), "checkedAt": None, "expiry": None,
            "tier": contact.tier or None, "readableAt": _iso(contact.at) if contact.status == 200 else None,
        }


def _answered(contact: KeyContact) -> tuple[str, str]:
    if contact.status == 200:
        return "restored", "interrupted: readable when the restore was requested"
    if contact.status in (202, 409):
        return "in_progress", "interrupted: restore requested or found running, not yet confirmed"
    if contact.status == 404 or contact.code == "OperationNotSupported":
        return "skipped", "interrupted: the object changed or went away since it was listed"
    return "failed", f"interrupted: restore refused with HTTP {contact.status}"
