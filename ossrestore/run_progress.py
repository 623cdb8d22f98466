"""A cloud run's progress as `oss-restore status` shows it: the `progress.json` its planner writes to the run's
store every round (`restore_core.plan_task`), read with the caller's credentials.

The execution's input names the store (`reportUrl`) and the bucket's endpoint. The functions reach OSS by
the region's internal endpoint, which answers only inside the region's network, so the command reads the
public one of the same region unless `--endpoint` says otherwise.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from ossrestore.progress import counters_of, progress_counts
from restore_core.client import Credentials, make_bucket
from restore_core.counts import Counts
from restore_core.errors import InvalidParameter, RestoreCoreError
from restore_core.plan_task import PROGRESS
from restore_core.run_store import OssStore, get_json, parse_url

_INTERNAL = re.compile(r"^(https?://oss-[a-z0-9-]+?)-internal(\.aliyuncs\.com)(:\d+)?/?$")


@dataclass(frozen=True)
class RunProgress:
    """What progress.json said, or why it could not be read (`problem`)."""

    url: str = ""
    document: dict[str, Any] | None = None
    problem: str = ""

    def counts(self) -> dict[str, int]:
        totals = Counts.from_json((self.document or {}).get("totals"), "totals")
        return progress_counts(counters_of(totals))

    def pace(self) -> tuple[float | None, float | None]:
        """(objects listed per second so far, seconds left to list the rest at that pace); None where unknown."""
        doc = self.document or {}
        started, updated, listed = doc.get("started"), doc.get("updated"), doc.get("listed")
        if not (
            isinstance(started, (int, float))
            and isinstance(updated, (int, float))
            and isinstance(listed, int)
            and updated > started
        ):
            return None, None
        rate = listed / (updated - started)
        left = doc.get("estimatedToList")
        return rate, (left / rate if isinstance(left, (int, float)) and rate > 0 else None)

    def as_json(self) -> dict[str, Any]:
        if self.document is None:
            return {"url": self.url or None, "problem": self.problem}
        doc = self.document
        return {
            "url": self.url,
            "round": doc.get("round"),
            "updated": doc.get("updated"),
            "shards": doc.get("shards"),
            "requesting": doc.get("requesting"),
            "done": doc.get("done"),
            "estimatedToList": doc.get("estimatedToList"),
            "warnings": doc.get("warnings") or [],
            "counts": {_camel(name): n for name, n in self.counts().items()},
            "totals": doc.get("totals") or {},
            "objectsPerSecond": self.pace()[0],
            "secondsToList": self.pace()[1],
        }

    def line(self) -> str:
        if self.document is None:
            return f"progress: {self.problem}"
        shown = ", ".join(f"{name} {n:,}" for name, n in self.counts().items())
        rate, left = self.pace()
        pace = (
            ""
            if rate is None
            else f"; {rate:,.0f} objects/s" + ("" if left is None else f", about {left:,.0f} s to list the rest")
        )
        return (
            f"progress (round {self.document.get('round')}, {self.document.get('shards')} shards, report "
            f"{self.url}): {shown}{pace}"
        )


def _camel(name: str) -> str:
    first, *rest = name.split()
    return first + "".join(word.capitalize() for word in rest)


def public_endpoint(endpoint: str) -> str:
    """The region's public endpoint for an internal one (`oss-cn-hangzhou-internal...` -> `oss-cn-hangzhou...`)."""
    match = _INTERNAL.match(endpoint)
    return f"{match.group(1)}{match.group(2)}{match.group(3) or ''}" if match else endpoint


def read_progress(execution_input: str, *, credentials: Credentials, endpoint: str | None = None) -> RunProgress:
    """The run's progress, from the store its input names; a RunProgress with a `problem` when there is none."""
    try:
        given = json.loads(execution_input or "{}")
    except ValueError:
        return RunProgress(problem="the execution's input is not JSON")
    settings = given.get("settings", given) if isinstance(given, dict) else {}
    url = str(settings.get("reportUrl") or "") if isinstance(settings, dict) else ""
    if not url:
        return RunProgress(problem="the run writes no report (reportUrl is empty), so no progress either")
    try:
        where = parse_url(url)
    except InvalidParameter:
        return RunProgress(url=url, problem=f"reportUrl {url!r} is not an oss:// store")
    if where is None or where.bucket is None:
        return RunProgress(url=url, problem=f"reportUrl {url} is not in OSS")
    oss = endpoint or public_endpoint(str(settings.get("endpoint") or ""))
    region = settings.get("region") or None
    bucket = make_bucket(
        endpoint=oss, bucket_name=where.bucket, credentials=credentials, region=str(region) if region else None
    )
    try:
        document = get_json(OssStore(bucket, where.path, url=url), PROGRESS)
    except RestoreCoreError as e:
        return RunProgress(url=url, problem=f"cannot read {url}{PROGRESS} at {oss}: {e}")
    if not isinstance(document, dict):
        return RunProgress(url=url, problem=f"{url}{PROGRESS} is not written yet (the run's first round has not ended)")
    return RunProgress(url=url, document=document)
