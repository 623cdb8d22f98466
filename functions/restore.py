"""FC handler `restore.handler`: request the restore of one group of keys (restore)."""
from __future__ import annotations

from typing import Any

from restore_core.entry import handle
from restore_core.inputs import restore_request
from restore_core.restore_task import restore_files


def handler(event: Any, context: Any) -> str:
    return handle(event, context, parse=restore_request, task=restore_files)
