"""`oss-restore run`: restore one bucket (or prefix) on the embedded engine with the project's flows."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from ossrestore import notice
from ossrestore.credentials import profile_option, resolve_credentials
from ossrestore.estimate import estimate_table
from ossrestore.flow_options import flow_input_from_options, flow_input_options
from ossrestore.interruption import RunInterrupted
from ossrestore.local_estimate import local_estimate
from ossrestore.local_run import run_local
from ossrestore.option_types import FilePath, ReportTarget
from ossrestore.prices import load as load_prices
from ossrestore.report import VerificationFailed, closing_report, iso, open_report
from ossrestore.report_file import report_file
from ossrestore.spend_guard import SpendGuard, guard_options, on_a_terminal
from ossrestore.summary_print import print_summary

STDOUT = Path("-")  # --summary-json -: the summary on stdout, and nothing else there


@click.command()
@flow_input_options
@click.option(
    "--report",
    "report_target",
    type=ReportTarget(),
    help="Where the per-object report goes: a file (one JSON line per object), or oss://BUCKET/PREFIX/ "
    "(the flows write its parts, manifest.json and summary.json there, as in the cloud).",
)
@click.option(
    "--summary-json",
    type=FilePath(path_type=Path, allow_dash=True),
    help="Write the run's summary (the completion notice's body) to this file as JSON; - for stdout "
    "(then everything else goes to stderr).",
)
@click.option("--quiet", is_flag=True, help="No live progress; only the summary.")
@click.option(
    "--price-table",
    type=FilePath(path_type=Path),
    default=None,
    help="JSON price table for the estimate (the shipped one's shape). Default: the shipped table.",
)
@guard_options
@profile_option
def cli(
    report_target: Path | str | None,
    summary_json: Path | None,
    quiet: bool,
    price_table: Path | None,
    input_file: Path | None,
    max_cost: float | None,
    assume_yes: bool,
    profile: str | None,
    **options: Any,
) -> int:
    """Restore every archived object under a prefix and wait until all are readable.

    First a dry run of the same input prices the run, and the estimate is shown before the first request;
    --max-cost refuses a run estimated above it, and on a terminal a run that costs money is asked about once
    (--yes: not). Credentials: the default chain (ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET / _SECURITY_TOKEN,
    OSS_ACCESS_KEY_ID / _SECRET, the aliyun CLI's current profile, ...) or --profile. Exit 0: every archive
    object in scope is readable; 1: some are not (or the run was not confirmed); 2: bad input or above
    --max-cost; 130 / 143: interrupted (run the same command again to resume). With --dry-run: list, apply
    the filters and print the estimate per class; no restore is requested (exit 0).
    """
    flow_input = flow_input_from_options(input_file, **options)
    if isinstance(report_target, str):
        flow_input["reportUrl"] = report_target
    report = report_target if isinstance(report_target, Path) else None
    prices = load_prices(price_table)  # a bad table is refused before anything is listed
    credentials = resolve_credentials(profile=profile)
    url, stderr = flow_input[notice.NOTIFY_FIELD], Console(stderr=True)
    to_stdout = summary_json == STDOUT
    human = stderr if to_stdout else Console()
    guard = SpendGuard(max_cost=max_cost, ask=not assume_yes and on_a_terminal())
    # Locked and probed before any request: a report that cannot be written (or that another run is writing)
    # must not be found out after the restores were paid for. What an interrupted run learned (its partial
    # report) replaces an earlier report too.
    with (
        report_file(report, keep_on=(RunInterrupted, VerificationFailed)) as target,
        closing_report(None if to_stdout else open_report(summary_json, flag="--summary-json")) as summary_out,
    ):
        out = target.stream if target else None
        try:
            if flow_input["dryRun"]:
                run = run_local(
                    notice.engine_input(flow_input),
                    credentials=credentials,
                    report=out,
                    console=stderr,
                    show_progress=not quiet,
                    prices=prices,
                )
                print_summary(run, human, dry_run=True)
                if run.summary.estimate is not None:
                    guard.check(run.summary.estimate, dry_run=True)  # a dry run refuses what the real run would
            else:
                estimate = local_estimate(
                    notice.engine_input(flow_input),
                    credentials=credentials,
                    prices=prices,
                    console=stderr,
                    show_progress=not quiet,
                )
                for renderable in estimate_table(estimate):
                    human.print(renderable)
                guard.check(estimate)
                run = run_local(
                    notice.engine_input(flow_input),
                    credentials=credentials,
                    report=out,
                    console=stderr,
                    show_progress=not quiet,
                    prices=prices,
                )
                print_summary(run, human, opening_estimate=False)
        except RunInterrupted as e:
            if url:  # the run ended, without a verdict: the notice says so
                notice.send(
                    url,
                    notice.interrupted_document(
                        flow_input=flow_input, exit_code=e.exit_code, message=str(e), finished_at=iso(time.time()) or ""
                    ),
                    credentials=credentials,
                    console=stderr,
                    fmt=flow_input[notice.FORMAT_FIELD],
                )
            raise
        document = notice.summary_document(
            run.summary,
            flow_input=flow_input,
            exit_code=run.summary.exit_code,
            finished_at=iso(time.time()) or "",
            report=run.document.get("report"),
        )
        text = notice.body(document, credentials=credentials).decode("utf-8") + "\n"
        if to_stdout:
            sys.stdout.write(text)
            sys.stdout.flush()
        elif summary_out is not None:
            summary_out.write(text)
    if url:
        notice.send(url, document, credentials=credentials, console=stderr, fmt=flow_input[notice.FORMAT_FIELD])
    return run.summary.exit_code
