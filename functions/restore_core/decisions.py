"""What each action does with an object, from its class and restore state: one table per action.

The request slice (what to send), the confirm scan and the report (how each object ends), the dry run and
the manifest's sampled estimate all ask `decide`, so no two of them can disagree about an object.

- restore: Standard and IA objects are readable: nothing to do. Archive objects in a bucket with archive
  direct read (real-time access of Archive objects) are read by GetObject without a restore: OSS error
  0016-00000404 names the setting missing as one of the two causes of an unreadable Archive object
  (https://alibabacloud.com/help/en/oss/support/0016-00000404). A restored object
  (`ongoing-request="false"`) is readable. A restore in progress (`ongoing-request="true"`) is waited for,
  never requested again: OSS would answer 409 and count the request against the bucket's QPS, and after an
  interrupted run that is every object the run had asked for. Anything else (frozen: never restored, or
  the restored copy expired) needs a restore request.
- extend: one RestoreObject per restored archive object; OSS answers 200 and moves its expiry by Days
  (within the class's maximum), https://www.alibabacloud.com/help/en/oss/user-guide/restore-objects:
  "If you submit another restore request in this state, the API returns 200 OK and extends" it.
- clean: one CleanRestoredObject per restored Cold Archive or Deep Cold Archive object, which ends its
  temporary copy and its storage fees (https://www.alibabacloud.com/help/en/oss/developer-reference/
  cleanrestoredobject); the operation exists for those two classes only.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from restore_core import classes
from restore_core.restore_info import RestoreInfo, RestoreState

RESTORE = "restore"
EXTEND = "extend"
CLEAN = "clean"
ACTIONS = (RESTORE, EXTEND, CLEAN)
CLEANABLE = (classes.COLD_ARCHIVE, classes.DEEP_COLD_ARCHIVE)


class Skip(enum.Enum):
    """Why an action leaves an object alone; the values are the handlers' counter and report names."""

    NOT_ARCHIVED = "notArchived"
    DIRECT_READ = "archiveDirectRead"  # restore: the bucket reads Archive objects without one
    NOT_RESTORED = "notRestored"  # extend, clean: frozen, no copy to act on
    IN_PROGRESS = "restoreInProgress"  # extend, clean: the copy is not there yet
    NOT_CLEANABLE = "notCleanable"  # clean: Archive has no CleanRestoredObject
    FILTERED = "filtered"  # left out by the run's selection (include, exclude, class, size, time)
    AT_TARGET = "atTarget"  # restore with copyTo: frozen, but its copy is at the target already (`copier.present`)


class Outcome(enum.Enum):
    """What the action does with the object as it was listed."""

    REQUEST = "request"  # send the action's request
    READABLE = "readable"  # restore: already restored, nothing to send
    WAIT = "wait"  # restore: a restore is running; wait for it
    SKIP = "skip"  # leave it alone (`Decision.skip` says why)


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    skip: Skip | None = None

    @property
    def request(self) -> bool:
        return self.outcome is Outcome.REQUEST


REQUEST = Decision(Outcome.REQUEST)
_SKIP = {reason: Decision(Outcome.SKIP, reason) for reason in Skip}

# Each action's row per restore state, once the class checks below have passed.
_BY_STATE: dict[str, dict[RestoreState, Decision]] = {
    RESTORE: {
        RestoreState.FROZEN: REQUEST,
        RestoreState.RESTORING: Decision(Outcome.WAIT),
        RestoreState.RESTORED: Decision(Outcome.READABLE),
    },
    EXTEND: {
        RestoreState.FROZEN: _SKIP[Skip.NOT_RESTORED],
        RestoreState.RESTORING: _SKIP[Skip.IN_PROGRESS],
        RestoreState.RESTORED: REQUEST,
    },
    CLEAN: {
        RestoreState.FROZEN: _SKIP[Skip.NOT_RESTORED],
        RestoreState.RESTORING: _SKIP[Skip.IN_PROGRESS],
        RestoreState.RESTORED: REQUEST,
    },
}
# The reasons each action may give, in the order the summary shows them.
SKIP_REASONS: dict[str, tuple[Skip, ...]] = {
    RESTORE: (Skip.NOT_ARCHIVED, Skip.DIRECT_READ, Skip.FILTERED, Skip.AT_TARGET),
    EXTEND: (Skip.NOT_ARCHIVED, Skip.NOT_RESTORED, Skip.IN_PROGRESS, Skip.FILTERED),
    CLEAN: (Skip.NOT_ARCHIVED, Skip.NOT_CLEANABLE, Skip.NOT_RESTORED, Skip.IN_PROGRESS, Skip.FILTERED),
}


def decide(action: str, storage_class: str, restore: RestoreInfo, *, direct_read: bool = False) -> Decision:
    """The action's decision for one object, as listed or HEAD-read (the selection is applied before)."""
    if not classes.is_archive(storage_class):
        return _SKIP[Skip.NOT_ARCHIVED]
    if action == RESTORE and direct_read and storage_class == classes.ARCHIVE:
        return _SKIP[Skip.DIRECT_READ]
    if action == CLEAN and storage_class not in CLEANABLE:
        return _SKIP[Skip.NOT_CLEANABLE]
    return _BY_STATE[action][restore.state]
