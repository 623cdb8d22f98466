"""`oss-restore run` as a plain function: the project's flows on the embedded engine, then the verdict.

The flows do the whole run, report included, as they do in the cloud: the command only gives them a
store to write to (`reportUrl`: the `oss://` one the user named, or a temporary directory), watches the
invocations' results for its progress display, and reads the summary and the report back at the end.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import oss2
from rich.console import Console

import fdl
from ossrestore.errors import UsageError
from ossrestore.estimate import actual_for, estimate_for
from ossrestore.fc_instances import FunctionInstances
from ossrestore.interruption import Interrupted, RunInterrupted, SignalState, interruptible
from ossrestore.local_flows import MAIN_FLOW, build_registry
from ossrestore.prices import PriceTable
from ossrestore.progress import ProgressView, RunTracker
from ossrestore.report import (
    RunSummary,
    VerificationFailed,
    partial_lines,
    report_lines_of,
    summary_document,
    write_row,
)

# The handlers' own Credentials, bucket factory and listing: the command reaches OSS exactly as they do.
from restore_core import heads, manifest_source
from restore_core.client import Credentials, make_bucket
from restore_core.counts import Counts
from restore_core.errors import InvalidParameter, OSSUnavailable, RestoreCoreError
from restore_core.execution_names import valid_name
from restore_core.listing import list_page
from restore_core.manifest import Cursor, InvalidManifest
from restore_core.retry import RetryPolicy
from restore_core.run_store import DirStore, OssStore, RunStore, parse_url
from restore_core.tally import read_tally

# Transient errors get a few quick retries; a wrong endpoint should not keep the user waiting.
_PREFLIGHT_RETRY = RetryPolicy(max_attempts=4, initial_interval=0.2, maximum_interval=1.0)
# Errors a flow stops on that are the user's input, not a failure of the run: exit 2, as the flag's.
_GROUPS = {"tiers": "tier", "skipped": "skipped", "failures": "failure"}  # summary.json's groups: their counter names
_INPUT_ERRORS = {"DeadlineUnreachable": "--deadline", "InvalidManifest": "--manifest", "InvalidParameter": ""}


def execution_name(bucket: str, *, now: float | None = None) -> str:
    """A CloudFlow-valid execution name: [A-Za-z0-9_-], a letter first, at most 128 characters."""
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(now or time.time()))
    return valid_name(f"restore-{bucket}-{stamp}", max_length=100)


def _bucket(flow_input: dict[str, Any], credentials: Credentials) -> oss2.Bucket:
    """The bucket as the handlers reach it (same signing, endpoint rules and connection pool)."""
    return make_bucket(
        endpoint=flow_input["endpoint"],
        bucket_name=flow_input["bucketName"],
        credentials=credentials,
        region=flow_input.get("region") or None,
    )


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
    document: dict[str, Any] = field(default_factory=dict)  # the flows' summary.json (a dry run: its counts)
    totals: Counts = field(default_factory=Counts)  # the run's counters, as the flows added them up

    @property
    def main_executions(self) -> int:
        return sum(1 for r in self.executions if r.flow_name == MAIN_FLOW)


# When interrupted, calls already running in the instances get this long to finish, so that what OSS
# answered them reaches the journal; a second Ctrl-C cuts it short.
GRACE_SECONDS = 3.0
_ENGINE_WIND_DOWN_SECONDS = 5.0


@contextmanager
def run_store(flow_input: dict[str, Any], bucket: oss2.Bucket) -> Iterator[tuple[RunStore, str]]:
    """The run's store and its URL: the user's `oss://` one, or a temporary directory removed afterwards."""
    url = flow_input.get("reportUrl") or ""
    where = parse_url(url) if url else None
    if where is not None and where.bucket is not None:
        store_bucket = (
            bucket
            if where.bucket == bucket.bucket_name
            else oss2.Bucket(
                bucket.auth,
                bucket.endpoint,
                where.bucket,
                session=bucket.session,
                connect_timeout=bucket.timeout,
                **({"region": bucket.region} if getattr(bucket, "region", None) else {}),
            )
        )
        yield OssStore(store_bucket, where.path, url=url), url
        return
    if where is not None:
        yield DirStore(where.path, url=url), url
        return
    directory = tempfile.mkdtemp(prefix="oss-restore-run-")
    try:
        local = Path(directory).as_uri() + "/"
        yield DirStore(directory, url=local), local
    finally:
        shutil.rmtree(directory, ignore_errors=True)


class _Session:
    """One local run's moving parts, so that an interruption at any moment can stop what has started."""

    def __init__(self, *, tracker: RunTracker, report: TextIO | None, signals: SignalState) -> None:
        self.tracker, self.report, self.signals = tracker, report, signals
        self.phase = "check"  # check (preflight) -> flows -> read
        self.engine: fdl.Engine | None = None
        self.instances: FunctionInstances | None = None
        self.store: RunStore | None = None

    def run_flows(
        self,
        flow_input: dict[str, Any],
        *,
        credentials: Credentials,
        clock: Any,
        quotas: fdl.Quotas | None,
        progress: ProgressView,
    ) -> list[fdl.ExecutionResult]:
        self.phase = "flows"
        self.instances = FunctionInstances()
        registry = build_registry(observer=self.tracker.observe, instances=self.instances)
        # Strict mappings (the engine's default): a flow reading an input key that is not there fails.
        # The command reads only the executions' results, so it keeps no event history of an ended one.
        self.engine = fdl.Engine(
            registry, clock=clock, credentials=_engine_credentials(credentials), quotas=quotas, keep_histories=0
        )
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

    def interrupted(self, signum: int) -> RunInterrupted:
        """Keep what the run learned (the report) and say, in one line, what was done and how to resume."""
        self.stop()
        name = signal.Signals(signum).name
        if self.phase == "check":
            return RunInterrupted(signum, f"{name} before anything was requested; run the same command again to start.")
        written = 0
        if self.store is not None and self.report is not None:
            for row in partial_lines(self.store):
                write_row(self.report, row)
                written += 1
            self.report.flush()
        c = self.tracker.snapshot()
        rows = (
            ""
            if self.report is None
            else (
                f" The report lists the {written} objects this run settled or asked "
                f"about (those not settled are not checked by listing)."
            )
        )
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
    """Run the main flow (and every execution it continues as) to the end, then read its verdict.

    SIGINT or SIGTERM (in the main thread) stops it cleanly: RunInterrupted, exit 130 or 143.
    With `prices`, the summary carries the estimate (`RunSummary.estimate`). A dry run (`dryRun`) lists and
    tallies only: no restore is requested; its report says what a run would do with each object.
    """
    console = console or Console(stderr=True)
    # The store is removed on leaving the ExitStack: after an interruption has read its partial report.
    with interruptible() as signals, contextlib.ExitStack() as temporary:
        session = _Session(tracker=RunTracker(), report=report, signals=signals)
        try:
            bucket = _bucket(flow_input, credentials)
            preflight(bucket, prefix=flow_input.get("prefix") or "", manifest=flow_input.get("manifest") or "")
            store, url = temporary.enter_context(run_store(flow_input, bucket))
            session.store = session.tracker.store = store
            progress = ProgressView(session.tracker, console=console, enabled=show_progress)
            executions = session.run_flows(
                {**flow_input, "reportUrl": url}, credentials=credentials, clock=clock, quotas=quotas, progress=progress
            )
            session.phase = "read"
            document, totals = _result(executions, store)
            summary = RunSummary.from_document(document)
            if report is not None:
                for row in report_lines_of(store):
                    write_row(report, row)
                report.flush()
            if prices is not None:
                summary.estimate = estimate_for(flow_input, totals.tally("tally"), prices).as_dict()
                if not flow_input.get("dryRun") and (flow_input.get("action") or "restore") == "restore":
                    summary.estimate["actual"] = actual_for(flow_input, totals.tally("accepted"), prices)
        except Interrupted as e:
            raise session.interrupted(e.signum) from None
        finally:
            session.close()
    summary.flow_errors.extend(
        f"{r.name}: {r.error}: {r.cause}"
        for r in executions
        if not r.succeeded and r.error not in ("RestoreFailed", "RunFailed")
    )
    engine = session.engine
    return LocalRun(
        summary=summary,
        tracker=session.tracker,
        executions=executions,
        quota_stats=engine.quota_stats if quotas is not None and engine is not None else None,
        elapsed=time.time() - session.tracker.started_at,
        document=document,
        totals=totals,
    )


def _result(executions: list[fdl.ExecutionResult], store: RunStore) -> tuple[dict[str, Any], Counts]:
    """The run's summary (summary.json) and its counters; an input the flows refused becomes the flag's
    error (exit 2), a run that never reached its end a failure."""
    mains = [r for r in executions if r.flow_name == MAIN_FLOW]
    refused = next((r for r in mains if r.error in _INPUT_ERRORS), None)
    if refused is not None:
        raise _usage(refused.error or "", refused.cause or "")
    document = summary_document(store)
    if document is None:
        failed = next((r for r in mains if not r.succeeded), None)
        detail = f"{failed.error}: {failed.cause}" if failed else "no summary was written"
        raise VerificationFailed(f"the run ended before its summary: {detail}")
    if document.get("errorName") in _INPUT_ERRORS:
        raise _usage(str(document["errorName"]), str(document.get("error") or ""))
    counts = Counts.from_json(document.get("counts"), "counts")
    for prefix in ("tally", "accepted"):
        counts.add_tally(prefix, read_tally(document.get(prefix)))
    for group in ("tiers", "skipped", "failures"):
        for name, n in (document.get(group) or {}).items():
            counts[f"{_GROUPS[group]}.{name}"] = int(n)
    return document, counts


def _usage(error: str, cause: str) -> UsageError:
    flag = _INPUT_ERRORS.get(error, "")
    detail = cause.split(": ", 1)[1] if cause.startswith(f"{error}: ") else cause
    return UsageError(f"{flag}: {detail}" if flag else detail)
