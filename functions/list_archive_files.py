"""FC handler `list_archive_files.handler`: plans the run's listing, round after round (listArchiveFiles)."""

from __future__ import annotations

from typing import Any

import oss2

from restore_core.entry import handle
from restore_core.inputs import PlanRequest, plan_request
from restore_core.plan_task import plan
from restore_core.run_store import open_store


def _plan(bucket: oss2.Bucket, request: PlanRequest, seconds_left: float | None) -> dict[str, Any]:
    return plan(bucket, request, store=open_store(request.settings.report_url, bucket)).to_json()


def handler(event: Any, context: Any) -> str:
    return handle(event, context, parse=plan_request, task=_plan)
