"""The per-object verdicts of `extend` and `clean`, from the final listing and what OSS answered.

extend: `extended` (OSS answered 200 and the listing shows the object restored), clean: `cleaned` (OSS
answered 200 and the object is frozen again); both: `skipped` with why nothing was sent, `failed` with
the OSS code. A dry run sends nothing: `would_extend` / `would_clean` name what a run would send.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ossrestore import report
from ossrestore.contacts import KeyContact
from restore_core import actions, classes
from restore_core.restore_info import RestoreInfo, RestoreState

Verdict = tuple[str, str, str]  # outcome, OSS code, reason
Classify = Callable[..., Verdict]

OUTCOMES: dict[str, tuple[str, ...]] = {
    actions.EXTEND: ("extended", "skipped", "failed"),
    actions.CLEAN: ("cleaned", "skipped", "failed"),
}
DRY_OUTCOMES: dict[str, tuple[str, ...]] = {
    actions.EXTEND: ("would_extend", "skipped"),
    actions.CLEAN: ("would_clean", "skipped"),
}
_WHY = {
    actions.NOT_ARCHIVED: "storage class {cls} has no restored copy",
    actions.NOT_CLEANABLE: "CleanRestoredObject applies to Cold Archive and Deep Cold Archive only",
    actions.NOT_RESTORED: "not restored: no copy to {verb}",
    actions.IN_PROGRESS: "restore still running: no copy to {verb} yet",
}
_DONE = {actions.EXTEND: "extended", actions.CLEAN: "cleaned"}


def _skipped(action: str, reason: str, storage_class: str) -> Verdict:
    return "skipped", "", _WHY[reason].format(cls=storage_class, verb=action)


def class_days(storage_class: str, days: int) -> int:
    """The days an extend of this class carries: OSS caps each class (Archive at 7), as a restore's are."""
    plan, _ = classes.fit(storage_class, days, classes.DEFAULT_TIER)
    return plan.days


def days_by_class(days: int) -> list[str]:
    """How `extend --days N` reads for each archive class, e.g. `Archive: 7 days (the class's most; 30 asked)`."""
    out = []
    for cls in classes.ARCHIVE_CLASSES:
        fitted = class_days(cls, days)
        capped = f" (the class's most; {days} asked)" if fitted != days else ""
        out.append(f"{cls}: {fitted} day{'s' if fitted != 1 else ''}{capped}")
    return out


def classifier(action: str, *, days: int) -> Classify:
    """The verdict of one listed object after `action` ran."""

    def classify(storage_class: str, restore: RestoreInfo, contact: KeyContact | None, *, direct_read: bool = False) -> Verdict:
        if contact is not None and contact.status >= 300 and contact.status != 409:
            return "failed", contact.code, f"{action} refused with HTTP {contact.status}"
        if contact is not None and contact.status == 200:
            if action == actions.EXTEND and restore.state is RestoreState.RESTORED:
                return "extended", "", f"restored: expiry moved by {class_days(storage_class, days)} day(s)"
            if action == actions.CLEAN and restore.state is RestoreState.FROZEN:
                return "cleaned", "", "temporary copy ended: frozen again"
            return "failed", "", f"OSS answered 200 but the listing shows it {restore.state.value}"
        reason = actions.skip_reason(action, storage_class, restore)
        if reason is None:  # restored now, but not when this run listed it: nothing was sent
            return "skipped", "", f"restored after this run listed it: not {_DONE[action]}"
        return _skipped(action, reason, storage_class)

    return classify


def dry_classifier(action: str, *, days: int) -> Classify:
    """What a run of `action` would do with one listed object; nothing is sent."""

    def classify(storage_class: str, restore: RestoreInfo, contact: KeyContact | None, *, direct_read: bool = False) -> Verdict:
        reason = actions.skip_reason(action, storage_class, restore)
        if reason is None:
            what = (f"a run would extend its expiry by {class_days(storage_class, days)} day(s)"
                    if action == actions.EXTEND else "a run would clean it")
            return f"would_{action}", "", f"restored: {what}"
        return _skipped(action, reason, storage_class)

    return classify


def verdicts(flow_input: dict[str, Any]) -> tuple[Classify, tuple[str, ...]]:
    """How a run's final listing judges each object, and the outcomes it reports, by the run's action."""
    action = flow_input.get("action") or actions.RESTORE
    if action == actions.RESTORE:
        return report.classify, report.OUTCOMES
    return classifier(action, days=int(flow_input.get("days") or 1)), OUTCOMES[action]
