"""FC handler `summarize.handler`: the run's end: the report's index and summary (summarize)."""

from __future__ import annotations

from typing import Any

import oss2

from restore_core.entry import handle
from restore_core.inputs import SummaryRequest, summary_request
from restore_core.run_store import open_store
from restore_core.summary_task import Summary, summarize


def _summarize(bucket: oss2.Bucket, request: SummaryRequest, seconds_left: float | None) -> Summary:
    return summarize(request, store=open_store(request.settings.report_url, bucket))


def handler(event: Any, context: Any) -> str:
    return handle(event, context, parse=summary_request, task=_summarize)
