"""`oss-restore run` as a plain function: the project's flows on the embedded engine, then the verdict."""
from __future__ import annotations

import signal
import time
from dataclasses import dataclass
from typing import Any, TextIO

import oss2
from rich.console import Console
from rich.table import Table

import fdl
from ossrestore.aftercare import verdicts
from ossrestore.errors import UsageError
from ossrestore.estimate import actual_for, estimate_for, estimate_table, versus_table
from ossrestore.fc_instances import FunctionInstances
from ossrestore.interruption import Interrupted, RunInterrupted, SignalState, interruptible
from ossrestore.local_flows import MAIN_FLOW, build_registry
from ossrestore.prices import PriceTable
from ossrestore.progress import ProgressView, RunTracker, progress_table
from ossrestore.report import RunSummary, partial_rows, verify_and_report, write_row

# The handlers' own Credentials, bucket factory and listing: the command reaches OSS exactly as they do.
from restore_core import heads, manifest_source
from restore_core.client import Credentials, make_bucket
from restore_core.errors import (
    DeadlineUnreachable,
    InvalidParameter,
    OSSUnavailable,
    PollIntervalTooShort,
    RestoreCoreError,
)
from restore_core.execution_names import valid_name
from restore_core.listing import list_page
from restore_core.manifest import Cursor, InvalidManifest
from restore_core.retry import RetryPolicy
from restore_core.selection import parse_selection
from restore_core.tally import read_tally

# Transient errors get a few quick retries; a wrong endpoint should not keep the user waiting.
_PREFLIGHT_RETRY = RetryPolicy(max_attempts=4, initial_interval=0.2, maximum_interval=1.0)


def execution_name(bucket: str, *, now: float | None = None) -> str:
    """A CloudFlow-valid execution name: [A-Za-z0-9_-], a letter first, at most 128 characters."""
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(now or time.time()))
    return valid_name(f"restore-{bucket}-{stamp}", max_length=100)


def _bucket(flow_input: dict[str, Any], credentials: Credentials) -> oss2.Bucket:
    """The bucket as the handlers reach it (same signing, endpoint rules and connection pool)."""
    return make_bucket(endpoint=flow_input["endpoint"], bucket_name=flow_input["bucketName"],
                       credentials=credentials, region=flow_input.get("region") or None)


def preflight(bucket: oss2.Bucket, *, prefix: str, manifest: str = "") -> None:
    """One cheap listing before anything runs, so a wrong endpoint, bucket or key fails in seconds
    with a plain message instead of deep inside a flow. A manifest run lists nothing: it reads the whole
    manifest instead (`check_manifest`) and HEADs its first entry."""
    try:
        if manifest:
            check_manifest(bucket, manifest)
        else:
            list_page(bucket, prefix=prefix, marker="", max_keys=1, policy=_PREFLIGHT_RETRY)
    except InvalidParameter:
        raise UsageError(f"--bucket: no bucket named {bucket.bucket_name!r} at {bucket.endpoint}") from None
    except OSSUnavailable as e:
        if e.reason:  # no answer at all: say why the connection failed, not a status nobody sent
            raise UsageError(f"--endpoint: cannot connect to {bucket.endpoint}: {e.reason}") from None
        raise UsageError(f"--endpoint: cannot list {bucket.bucket_name!r} at {bucket.endpoint}: {e}") from None
    except RestoreCoreError as e:  # 403 and other refusals: the credentials or the role
        raise UsageError(f"OSS refused to list bucket {bucket.bucket_name!r}: {e}") from None


def check_manifest(bucket: oss2.Bucket, manifest: str) -> None:
    """Read the whole manifest before anything is requested, so a malformed line (or a bucket column that
    is not the run's bucket) stops the run with its line number, exit 2, before any restore is paid for;
    then HEAD its first entry, which checks the run's bucket as the preflight listing would."""
    try:
        source = manifest_source.Manifest(bucket, manifest, chunk_bytes=manifest_source.SCAN_CHUNK_BYTES)
        manifest_source.validate(source)
    except InvalidManifest as e:
        raise UsageError(f"--manifest: {e}") from None
    except InvalidParameter as e:
        raise UsageError(f"--manifest: {e}" if e.field == "manifest" else f"--bucket: {e}") from None
    except RestoreCoreError as e:
        raise UsageError(f"--manifest: cannot read {manifest}: {e}") from None
    first, _ = source.page(Cursor(), 1)
    if first:
        heads.head_state(bucket, first[0].key, first[0].version_id)


def _engine_credentials(credentials: Credentials) -> fdl.Credentials:
    return fdl.Credentials(credentials.access_key_id, credentials.access_key_secret, credentials.security_token or "")


@dataclass(frozen=True)
class LocalRun:
    summary: RunSummary
    tracker: RunTracker
    executions: list[fdl.ExecutionResult]
    quota_stats: fdl.QuotaStats | None = None  # with CloudFlow's quotas on: what they cost
    elapsed: float = 0.0  # seconds from the start to the verdict


# When interrupted, calls already running in the instances get this long to finish, so that what OSS
# answered them reaches the report; a second Ctrl-C cuts it short.
GRACE_SECONDS = 3.0
_ENGINE_WIND_DOWN_SECONDS = 5.0


class _Session:
    """One local run's moving parts, so that an interruption at any moment can stop what has started."""

    def __init__(self, *, tracker: RunTracker, report: TextIO | None, signals: SignalState) -> None:
        self.tracker, self.report, self.signals = tracker, report, signals
        self.phase = "check"  # check (preflight) -> flows -> verify
        self.engine: fdl.Engine | None = None
        self.instances: FunctionInstances | None = None

    def run_flows(
        self, flow_input: dict[str, Any], *, credentials: Credentials, clock: Any, quotas: fdl.Quotas | None, progress: ProgressView,
    ) -> list[fdl.ExecutionResult]:
        self.phase = "flows"
        self.instances = FunctionInstances()
        registry = build_registry(observer=self.tracker.observe, instances=self.instances)
        # Strict mappings (the engine's default): a flow reading an input key that is not there fails.
        # The command reads only the executions' results (status, error, output), so it keeps no event
        # history of an ended execution: memory then stays flat however many objects a run restores.
        self.engine = fdl.Engine(registry, clock=clock, credentials=_engine_credentials(credentials), quotas=quotas,
                                 keep_histories=0)
        try:
            self.engine.start_execution(MAIN_FLOW, flow_input, name=execution_name(flow_input["bucketName"]))
        except fdl.InvalidValueError as e:  # CloudFlow would refuse the same input: bad input, not a crash
            raise UsageError(f"flow {e.field}: {e}") from None
        with progress:
            executions = self.engine.wait_all()
        self.instances.close()
        return executions

    def stop(self) -> None:
        """Stop the engine, give calls in flight their grace, end the instances, let the engine wind down."""
        if self.engine is not None:
            self.engine.stop()
        if self.instances is not None:
            self.instances.close(grace=GRACE_SECONDS, hurry=self.signals.hurry)
        if self.engine is not None:
            self.engine.wait_all(timeout=_ENGINE_WIND_DOWN_SECONDS)

    def close(self) -> None:
        if self.instances is not None:
            self.instances.close(grace=0)
        self.tracker.close()  # the per-key answers have reached the report by now

    def interrupted(self, signum: int) -> RunInterrupted:
        """Keep what the run learned (the report) and say, in one line, what was done and how to resume."""
        self.stop()
        name = signal.Signals(signum).name
        if self.phase == "check":
            return RunInterrupted(signum, f"{name} before anything was requested; run the same command again to start.")
        if self.phase == "verify":
            rows = "" if self.report is None else " The report holds the objects checked so far."
            return RunInterrupted(signum, f"{name} while checking the result by listing; every restore had been requested."
                                  f"{rows} To finish, run the same command again: nothing is requested twice.")
        written = 0
        for row in partial_rows(self.tracker.contacts()):
            write_row(self.report, row)
            written += 1
        if self.report is not None:
            self.report.flush()
        c = self.tracker.snapshot()
        rows = "" if self.report is None else f" The report lists the {written} objects this run asked about (not checked by listing)."
        return RunInterrupted(
            signum,
            f"{name} after listing {c.listed} objects: {c.requested} restores requested, {c.in_progress} found in progress, "
            f"{c.readable} confirmed readable.{rows} To resume, run the same command again: objects already readable "
            f"and restores in progress are not requested again.",
        )


def run_local(
    flow_input: dict[str, Any],
    *,
    credentials: Credentials,
    report: TextIO | None = None,
    console: Console | None = None,
    show_progress: bool = True,
    clock: Any = None,
    quotas: fdl.Quotas | None = None,
    prices: PriceTable | None = None,
) -> LocalRun:
    """Run the main flow (and every execution it continues as) to the end, then verify by listing.

    SIGINT or SIGTERM (in the main thread) stops it cleanly: RunInterrupted, exit 130 or 143.
    With `prices`, the summary carries the estimate (`RunSummary.estimate`). A dry run (`dryRun`) lists and
    tallies only: no restore is requested, nothing is verified, no report line is written.
    """
    console = console or Console(stderr=True)
    with interruptible() as signals:
        session = _Session(tracker=RunTracker(), report=report, signals=signals)
        try:
            bucket = _bucket(flow_input, credentials)
            preflight(bucket, prefix=flow_input.get("prefix") or "", manifest=flow_input.get("manifest") or "")
            progress = ProgressView(session.tracker, console=console, enabled=show_progress)
            executions = session.run_flows(flow_input, credentials=credentials, clock=clock, quotas=quotas, progress=progress)
            _refuse_if_poll_interval_too_short(executions)
            _refuse_if_deadline_unreachable(executions)
            if flow_input.get("dryRun"):
                # Nothing was requested, so there is nothing to verify: the tally is the result.
                summary = RunSummary(warnings=session.tracker.warnings())
            else:
                session.phase = "verify"
                judge, outcomes = verdicts(flow_input)
                summary = verify_and_report(
                    bucket,
                    prefix=flow_input.get("prefix") or "",
                    marker=flow_input.get("startMarker") or "",
                    contacts=session.tracker.contacts(),
                    report=report,
                    warnings=session.tracker.warnings(),
                    selection=parse_selection(flow_input),
                    manifest=flow_input.get("manifest") or "",
                    all_versions=bool(flow_input.get("allVersions")),
                    judge=judge,
                    outcomes=outcomes,
                    # The scan's cursor orders keys; a manifest's or a version listing's cursor does not.
                    seen=None if flow_input.get("manifest") or flow_input.get("allVersions")
                    else session.tracker.readable_seen_at,
                )
            if prices is not None:
                summary.estimate = estimate_for(flow_input, read_tally(session.tracker.tally()), prices).as_dict()
                if not flow_input.get("dryRun") and (flow_input.get("action") or "restore") == "restore":
                    summary.estimate["actual"] = actual_for(flow_input, summary.requested, prices)
        except Interrupted as e:
            raise session.interrupted(e.signum) from None
        finally:
            session.close()
    summary.flow_errors.extend(f"{r.name}: {r.error}: {r.cause}" for r in executions if not r.succeeded)
    engine = session.engine
    return LocalRun(summary=summary, tracker=session.tracker, executions=executions,
                    quota_stats=engine.quota_stats if quotas is not None and engine is not None else None,
                    elapsed=time.time() - session.tracker.started_at)


def _refuse_if_poll_interval_too_short(executions: list[fdl.ExecutionResult]) -> None:
    """listArchiveFiles refuses (as it would in the cloud) a waitPerBatch pollInterval a batch's classes
    cannot finish in within one execution's events: the command reports it as the bad flag it is."""
    refused = next((r for r in executions if r.error == PollIntervalTooShort.__name__), None)
    if refused is not None:
        raise UsageError(f"--poll-interval: {refused.cause}")


def _refuse_if_deadline_unreachable(executions: list[fdl.ExecutionResult]) -> None:
    """listArchiveFiles refuses a deadline a listed class cannot make (before that batch's restores)."""
    refused = next((r for r in executions if r.error == DeadlineUnreachable.__name__), None)
    if refused is not None:
        raise UsageError(f"--deadline: {refused.cause}")


def summary_table(run: LocalRun) -> Table:
    table = Table(title="result (checked by listing)", title_justify="left")
    table.add_column("outcome")
    table.add_column("objects", justify="right")
    for outcome in run.summary.outcomes:
        table.add_row(outcome, str(run.summary.by_outcome[outcome]))
    main = sum(1 for r in run.executions if r.flow_name == MAIN_FLOW)
    table.add_row("main flow executions", str(main))
    table.add_row("restore sub-flow executions", str(len(run.executions) - main))
    return table


def print_summary(run: LocalRun, console: Console, *, dry_run: bool = False, opening_estimate: bool = True) -> None:
    """A dry run: the estimate. A real run: the estimate first (unless already shown before the run:
    `opening_estimate=False`), what happened, then the two side by side."""
    if run.summary.estimate is not None and (dry_run or opening_estimate):
        for renderable in estimate_table(run.summary.estimate):
            console.print(renderable)
    if dry_run:
        for error in run.summary.flow_errors:
            console.print(f"[red]execution failed[/red] {error}")
        return
    console.print(progress_table(run.tracker))
    console.print(summary_table(run))
    for adjustment in run.tracker.adjustments():
        console.print(f"fitted to the class: {adjustment}", highlight=False)
    for tier in run.tracker.tiers():
        console.print(f"tier used: {tier}", highlight=False)
    escalated = run.tracker.snapshot().escalated
    if escalated:
        console.print(f"escalated to a faster tier to meet the deadline: {escalated}", highlight=False)
    for warning in run.summary.warnings:
        console.print(f"[yellow]warning[/yellow] {warning}")
    for error in run.summary.flow_errors:
        console.print(f"[red]execution failed[/red] {error}")
    if run.summary.estimate is not None:
        console.print(versus_table(run.summary.estimate, run.summary.by_class, elapsed=run.elapsed))
