"""The one rule of "does this object need a restore?", from its class, its restore state and the bucket.

listArchiveFiles (which objects to request), restoreStatus (which to re-request, which count as
readable) and the command's report (each object's outcome) all ask `verdict`, so the three can never
disagree about an object.

- Standard and IA objects are readable: nothing to do.
- Archive objects in a bucket with archive direct read (real-time access of Archive objects) are read
  by GetObject without a restore: OSS error 0016-00000404 names the setting missing as one of the two
  causes of an unreadable Archive object (https://alibabacloud.com/help/en/oss/support/0016-00000404).
- An object whose RestoreInfo / x-oss-restore says `ongoing-request="false"` is readable.
- A restore in progress (`ongoing-request="true"`) is waited for, never requested again: OSS would
  answer 409 and count the request against the bucket's QPS, and after an interrupted run that is
  every object the run had asked for.
- Anything else (frozen: never restored, or the restored copy expired) needs a restore request.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from restore_core import classes
from restore_core.restore_info import RestoreInfo, RestoreState


class Need(enum.Enum):
    """Why an object needs no request, or that it needs one; values are the handlers' output names."""

    NOT_ARCHIVED = "notArchived"
    ALREADY_RESTORED = "alreadyRestored"
    DIRECT_READ = "archiveDirectRead"
    IN_PROGRESS = "restoreInProgress"
    RESTORE = "restore"


SKIP_REASONS: tuple[str, ...] = tuple(n.value for n in Need if n is not Need.RESTORE)


@dataclass(frozen=True)
class Verdict:
    need: Need

    @property
    def request(self) -> bool:
        """A restore request is to be sent."""
        return self.need is Need.RESTORE

    @property
    def readable(self) -> bool:
        """GetObject reads the object now."""
        return self.need in (Need.NOT_ARCHIVED, Need.DIRECT_READ, Need.ALREADY_RESTORED)

    @property
    def skip_reason(self) -> str | None:
        """The handlers' name for why nothing is requested; None when a request is."""
        return None if self.request else self.need.value


def verdict(storage_class: str, restore: RestoreInfo, *, direct_read: bool) -> Verdict:
    """The rule above for one object, as listed or HEAD-read."""
    if not classes.is_archive(storage_class):
        return Verdict(Need.NOT_ARCHIVED)
    if direct_read and storage_class == classes.ARCHIVE:
        return Verdict(Need.DIRECT_READ)
    if restore.state is RestoreState.RESTORED:
        return Verdict(Need.ALREADY_RESTORED)
    if restore.state is RestoreState.RESTORING:
        return Verdict(Need.IN_PROGRESS)
    return Verdict(Need.RESTORE)
