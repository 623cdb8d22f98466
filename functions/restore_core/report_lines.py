"""One report line per object, and the rule that says when an object is settled and how.

The confirm scan (`restoreStatus`) reads each object's state from its listing and what OSS answered
this run about it (`journal.Contact`); an object is settled when nothing more will change for the run:
readable, left alone (and why), or failed for good (with OSS's code). A settled object gets its line;
one still restoring is waited for, and a frozen one (its restore expired, or it is new) is requested
again. Every kind of run, and the command's reading of a report, use these lines.

A line is a JSON object: `key`, `versionId`, `storageClass`, `outcome`, `code`, `reason`, `requestedAt`,
`checkedAt`, `expiry`, `tier`, `readableAt` (times ISO 8601 UTC, or null), and for a run that converts or
copies, `copy` (`oss://BUCKET/KEY` of the copy), `copyEtag` and `copyVersionId` (null otherwise).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from restore_core import classes, decisions, oss_errors
from restore_core.decisions import Outcome, Skip, decide
from restore_core.journal import Contact
from restore_core.listing import ObjectInfo
from restore_core.restore_info import RestoreState

OUTCOMES: dict[str, tuple[str, ...]] = {
    decisions.RESTORE: ("restored", "already_restored", "in_progress", "skipped", "failed"),
    decisions.EXTEND: ("extended", "skipped", "failed"),
    decisions.CLEAN: ("cleaned", "skipped", "failed"),
}
# A dry run sends nothing: its lines say what a run would do with each object.
DRY_OUTCOMES: dict[str, tuple[str, ...]] = {
    decisions.RESTORE: ("would_restore", "already_restored", "in_progress", "skipped", "failed"),
    decisions.EXTEND: ("would_extend", "skipped", "failed"),
    decisions.CLEAN: ("would_clean", "skipped", "failed"),
}
# A restore that converts or copies (`copy_plan`) reports each readable object as converted or copied instead.
COPY_OUTCOMES = ("converted", "copied")


def outcomes_for(action: str, *, dry_run: bool, copying: bool) -> tuple[str, ...]:
    """The outcomes a run reports, in the order summaries show them."""
    base = (DRY_OUTCOMES if dry_run else OUTCOMES)[action]
    if copying and not dry_run and action == decisions.RESTORE:
        return (*base[:2], *COPY_OUTCOMES, *base[2:])
    return base


FIELDS = (
    "key",
    "versionId",
    "storageClass",
    "outcome",
    "code",
    "reason",
    "requestedAt",
    "checkedAt",
    "expiry",
    "tier",
    "readableAt",
    "copy",
    "copyEtag",
    "copyVersionId",
)
# Readable when the run ends: restored (by this run or before it), or made permanent (`copy_plan`).
READABLE = ("restored", "already_restored", "converted", "copied")
# Each reason to leave an object alone, as its report line says it (`cls`: its class; `verb`: the action).
_WHY = {
    (decisions.RESTORE, Skip.NOT_ARCHIVED): "storage class {cls} needs no restore",
    (decisions.RESTORE, Skip.DIRECT_READ): "the bucket reads Archive objects directly (archive direct read): "
    "no restore needed",
    Skip.NOT_ARCHIVED: "storage class {cls} has no restored copy",
    Skip.NOT_CLEANABLE: "CleanRestoredObject applies to Cold Archive and Deep Cold Archive only",
    Skip.NOT_RESTORED: "not restored: no copy to {verb}",
    Skip.IN_PROGRESS: "restore still running: no copy to {verb} yet",
}
_DONE = {decisions.EXTEND: "extended", decisions.CLEAN: "cleaned"}


def iso(moment: float | datetime | None) -> str | None:
    if moment is None:
        return None
    if not isinstance(moment, datetime):
        moment = datetime.fromtimestamp(moment, timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class ReportLine:
    key: str
    version_id: str | None
    storage_class: str | None
    outcome: str
    code: str
    reason: str
    requested_at: str | None
    checked_at: str | None
    expiry: str | None
    tier: str | None
    readable_at: str | None
    copy: str | None = None
    copy_etag: str | None = None
    copy_version_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        return dict(
            zip(
                FIELDS,
                (
                    self.key,
                    self.version_id,
                    self.storage_class,
                    self.outcome,
                    self.code,
                    self.reason,
                    self.requested_at,
                    self.checked_at,
                    self.expiry,
                    self.tier,
                    self.readable_at,
                    self.copy,
                    self.copy_etag,
                    self.copy_version_id,
                ),
            )
        )

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> ReportLine:
        return cls(*(value.get(name) for name in FIELDS))  # type: ignore[arg-type]


@dataclass(frozen=True)
class Verdict:
    outcome: str
    code: str
    reason: str


REREQUEST = Verdict("", "", "frozen: request the restore again")


def judge(action: str, obj: ObjectInfo, contact: Contact | None, *, direct_read: bool, days: int) -> Verdict | None:
    """How the run leaves `obj`: a Verdict (settled), REREQUEST (frozen: ask again), or None (restoring:
    wait for it)."""
    if obj.missing:
        code = "NoSuchVersion" if obj.version_id else "NoSuchKey"
        return Verdict(
            "failed", code, "named by the manifest, but no such object" + (" version" if obj.version_id else "")
        )
    if action == decisions.RESTORE:
        return _restore(obj, contact, direct_read=direct_read)
    return _aftercare(action, obj, contact, days=days)


def _restore(obj: ObjectInfo, contact: Contact | None, *, direct_read: bool) -> Verdict | None:
    decision = decide(decisions.RESTORE, obj.storage_class, obj.restore, direct_read=direct_read)
    if decision.skip is not None:
        return _skipped(decisions.RESTORE, obj, decision.skip)
    if decision.outcome is Outcome.READABLE:
        # Every object this run asked about was listed as not readable, so a contact means it became
        # readable during this run (a 200 too: a retried request's own 202, or a restore under way).
        if contact is None:
            return Verdict("already_restored", "", "readable before this run asked")
        return Verdict("restored", "", "readable")
    if decision.outcome is Outcome.WAIT:
        return None
    if contact is not None and refused(contact):
        return Verdict("failed", contact.code, f"restore refused with HTTP {contact.status}")
    return REREQUEST


def _skipped(action: str, obj: ObjectInfo, reason: Skip) -> Verdict:
    why = _WHY.get((action, reason)) or _WHY[reason]
    return Verdict("skipped", "", why.format(cls=obj.storage_class, verb=action))


def dry_judge(action: str, obj: ObjectInfo, *, direct_read: bool, days: int) -> Verdict:
    """What a run of `action` would do with `obj`, as listed now; nothing is sent."""
    if obj.missing:
        return judge(action, obj, None, direct_read=direct_read, days=days) or REREQUEST
    decision = decide(action, obj.storage_class, obj.restore, direct_read=direct_read)
    if decision.request and action == decisions.RESTORE:
        return Verdict("would_restore", "", "frozen: a run would request its restore")
    if decision.request:
        what = (
            f"a run would extend its expiry by {class_days(obj.storage_class, days)} day(s)"
            if action == decisions.EXTEND
            else "a run would clean it"
        )
        return Verdict(f"would_{action}", "", f"restored: {what}")
    if decision.outcome is Outcome.WAIT:
        return Verdict("in_progress", "", "restore already running: a run would wait for it")
    if action == decisions.RESTORE:
        found = _restore(obj, None, direct_read=direct_read)  # readable or skipped: as the run would report it
        assert found is not None and found is not REREQUEST
        return found
    assert decision.skip is not None
    return _skipped(action, obj, decision.skip)


def class_days(storage_class: str, days: int) -> int:
    """The days an extend of this class carries: OSS caps each class (Archive at 7), as a restore's are."""
    return classes.fit(storage_class, days, classes.DEFAULT_TIER)[0].days


def refused(contact: Contact) -> bool:
    """OSS refused the request for good (not in progress, not a transient error)."""
    return contact.status >= 300 and contact.status != 409 and not oss_errors.is_transient_status(contact.status)


def _aftercare(action: str, obj: ObjectInfo, contact: Contact | None, *, days: int) -> Verdict:
    if contact is not None and contact.status >= 300 and contact.status != 409:
        return Verdict("failed", contact.code, f"{action} refused with HTTP {contact.status}")
    if contact is not None and contact.status == 200:
        if action == decisions.EXTEND and obj.restore.state is RestoreState.RESTORED:
            return Verdict("extended", "", f"restored: expiry moved by {class_days(obj.storage_class, days)} day(s)")
        if action == decisions.CLEAN and obj.restore.state is RestoreState.FROZEN:
            return Verdict("cleaned", "", "temporary copy ended: frozen again")
        return Verdict("failed", "", f"OSS answered 200 but the listing shows it {obj.restore.state.value}")
    decision = decide(action, obj.storage_class, obj.restore)
    if decision.skip is None:  # restored now, but not when this run listed it: nothing was sent
        return Verdict("skipped", "", f"restored after this run listed it: not {_DONE[action]}")
    return _skipped(action, obj, decision.skip)


def line(obj: ObjectInfo, found: Verdict, contact: Contact | None, *, checked_at: str, now: float) -> ReportLine:
    """The settled object's line; `now` is when this scan saw it readable (its `readableAt`, unless OSS
    already answered 200 earlier)."""
    readable_at = None
    if found.outcome == "restored":
        readable_at = iso(min(contact.at, now) if contact is not None and contact.status == 200 else now)
    return ReportLine(
        key=obj.key,
        version_id=obj.version_id,
        storage_class=None if obj.missing else obj.storage_class,
        outcome=found.outcome,
        code=found.code,
        reason=found.reason,
        requested_at=iso(contact.at) if contact is not None else None,
        checked_at=checked_at,
        expiry=iso(obj.restore.expiry) if not obj.missing else None,
        tier=(contact.tier or None) if contact is not None else None,
        readable_at=readable_at,
    )


def filtered_line(obj: ObjectInfo, reason: str, *, checked_at: str) -> ReportLine:
    return ReportLine(
        obj.key,
        obj.version_id,
        obj.storage_class,
        "skipped",
        "",
        reason,
        None,
        checked_at,
        iso(obj.restore.expiry),
        None,
        None,
    )


def gone_line(contact: Contact, *, checked_at: str) -> ReportLine:
    """An object this run asked about that the listing no longer holds (deleted during the run)."""
    return ReportLine(
        contact.key,
        contact.version_id,
        None,
        "skipped",
        contact.code or "NoSuchKey",
        "object no longer exists",
        iso(contact.at),
        checked_at,
        None,
        contact.tier or None,
        None,
    )


def count(counts: Counter[str], written: ReportLine) -> None:
    """A line's counters: `lines`, `outcome.<class>.<outcome>`, `readable`, `failure.<code>`."""
    counts["lines"] += 1
    counts[f"outcome.{written.storage_class or ''}.{written.outcome}"] += 1
    if written.outcome in READABLE:
        counts["readable"] += 1
    if written.outcome == "failed":
        counts[f"failure.{written.code or 'unknown'}"] += 1


def expected_seconds(storage_class: str, tier: str | None) -> float:
    """How long a restore of this class and tier may take (the documented upper bound)."""
    if storage_class == classes.ARCHIVE:
        return classes.RESTORE_TIMES[(classes.ARCHIVE, None)].seconds
    key = (storage_class, tier or classes.DEFAULT_TIER)
    found = classes.RESTORE_TIMES.get(key) or classes.RESTORE_TIMES.get((storage_class, classes.DEFAULT_TIER))
    return float(found.seconds) if found else float(classes.RESTORE_TIMES[(classes.ARCHIVE, None)].seconds)
