"""What `extend` and `clean` act on: restored archive objects, where `restore` acts on frozen ones.

- extend: one RestoreObject per restored archive object; OSS answers 200 and moves its expiry by Days
  (within the class's maximum), https://www.alibabacloud.com/help/en/oss/user-guide/restore-objects:
  "If you submit another restore request in this state, the API returns 200 OK and extends" it.
- clean: one CleanRestoredObject per restored Cold Archive or Deep Cold Archive object, which ends its
  temporary copy and its storage fees (https://www.alibabacloud.com/help/en/oss/developer-reference/
  cleanrestoredobject); the operation exists for those two classes only.
"""

from __future__ import annotations

from restore_core import classes
from restore_core.restore_info import RestoreInfo, RestoreState

RESTORE = "restore"
EXTEND = "extend"
CLEAN = "clean"
ACTIONS = (RESTORE, EXTEND, CLEAN)

NOT_ARCHIVED = "notArchived"
NOT_RESTORED = "notRestored"  # frozen: no copy to extend or clean
IN_PROGRESS = "restoreInProgress"
NOT_CLEANABLE = "notCleanable"  # Archive: CleanRestoredObject applies to Cold and Deep Cold Archive only
SKIP_REASONS: dict[str, tuple[str, ...]] = {
    EXTEND: (NOT_ARCHIVED, NOT_RESTORED, IN_PROGRESS),
    CLEAN: (NOT_ARCHIVED, NOT_CLEANABLE, NOT_RESTORED, IN_PROGRESS),
}
CLEANABLE = (classes.COLD_ARCHIVE, classes.DEEP_COLD_ARCHIVE)


def skip_reason(action: str, storage_class: str, restore: RestoreInfo) -> str | None:
    """Why extend or clean leaves this listed object alone; None when it is requested."""
    if not classes.is_archive(storage_class):
        return NOT_ARCHIVED
    if action == CLEAN and storage_class not in CLEANABLE:
        return NOT_CLEANABLE
    if restore.state is RestoreState.RESTORING:
        return IN_PROGRESS
    if restore.state is RestoreState.FROZEN:
        return NOT_RESTORED
    return None
