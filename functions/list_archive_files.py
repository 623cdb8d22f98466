"""FC handler `list_archive_files.handler`: one listing page as restore groups (listArchiveFiles)."""
from __future__ import annotations

from typing import Any

from restore_core.entry import handle
from restore_core.inputs import list_request
from restore_core.list_task import list_archive_files


def handler(event: Any, context: Any) -> str:
    return handle(event, context, parse=list_request, task=list_archive_files)
