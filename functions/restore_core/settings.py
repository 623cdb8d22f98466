"""The run's settings: the flow input, checked once against its table and held as one typed value.

The main flow carries the checked input as one object (`settings`), handed whole to every task, so a
new flow input touches its table entry (`restore_core.flow_inputs`) and the code that reads it here,
never the flows. The command builds the same value from its flags.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from restore_core import copy_plan, flow_inputs, run_store, selection
from restore_core.copy_plan import Plan
from restore_core.deadline import Deadline, from_input
from restore_core.scope import KEYS, MANIFEST, VERSIONS, Scope
from restore_core.selection import Selection


@dataclass(frozen=True, kw_only=True)
class Settings:
    raw: Mapping[str, Any]  # the checked flow input, every default filled in: what the flow carries
    endpoint: str
    bucket_name: str
    region: str | None
    prefix: str
    marker: str
    max_keys: int
    poll_interval: int
    workers: int
    days: int
    tier: str
    max_requests_per_second: int
    max_concurrent_invocations: int
    rounds_per_execution: int
    round_seconds: int
    wait_per_batch: bool
    selection: Selection
    dry_run: bool
    manifest: str
    all_versions: bool
    deadline: Deadline | None
    action: str
    notify_url: str
    notify_format: str
    report_url: str
    copy: Plan | None  # convertTo or copyTo: what becomes of each object once it is readable

    def scope(self, base: str = "") -> Scope:
        kind = MANIFEST if self.manifest else VERSIONS if self.all_versions else KEYS
        store = run_store.parse_url(self.report_url)
        own = store.path if store is not None and store.bucket == self.bucket_name else ""
        return Scope(
            kind=kind,
            prefix=self.prefix,
            start=self.marker,
            manifest=self.manifest,
            base=base or self.prefix,
            own=own,
            page_keys=self.max_keys,
        )

    def to_json(self) -> dict[str, Any]:
        return dict(self.raw)


def parse_settings(raw: Any) -> Settings:
    """The settings of a flow input (unknown fields refused, defaults filled in); InvalidParameter naming
    the field otherwise."""
    checked = flow_inputs.validate_flow_input(raw)
    value = checked.get
    return Settings(
        raw=checked,
        endpoint=checked["endpoint"],
        bucket_name=checked["bucketName"],
        region=value("region") or None,
        prefix=checked["prefix"],
        marker=checked["marker"],
        max_keys=checked["maxKeys"],
        poll_interval=checked["pollInterval"],
        workers=checked["workers"],
        days=checked["days"],
        tier=checked["tier"],
        max_requests_per_second=checked["maxRequestsPerSecond"],
        max_concurrent_invocations=checked["maxConcurrentInvocations"],
        rounds_per_execution=checked["roundsPerExecution"],
        round_seconds=checked["roundSeconds"],
        wait_per_batch=checked["waitPerBatch"],
        selection=selection.parse_selection(checked),
        dry_run=checked["dryRun"],
        manifest=checked["manifest"],
        all_versions=checked["allVersions"],
        deadline=from_input(checked["deadline"], checked["bestEffort"]),
        action=checked["action"],
        notify_url=checked["notifyUrl"],
        notify_format=checked["notifyFormat"],
        report_url=checked["reportUrl"],
        copy=copy_plan.plan_of(checked),
    )
