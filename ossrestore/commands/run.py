"""`oss-restore run`: restore one bucket (or prefix) on the embedded engine with the project's flows."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from ossrestore import notice
from ossrestore.credentials import profile_option, resolve_credentials
from ossrestore.flow_options import flow_input_from_options, flow_input_options
from ossrestore.interruption import RunInterrupted
from ossrestore.local_run import print_summary, run_local
from ossrestore.option_types import FilePath
from ossrestore.prices import load as load_prices
from ossrestore.report import closing_report, iso, open_report


@click.command()
@flow_input_options
@click.option("--report", type=FilePath(path_type=Path), help="Write one JSON line per object to this file.")
@click.option("--summary-json", type=FilePath(path_type=Path),
              help="Write the run's summary (the completion notice's body) to this file as JSON.")
@click.option("--quiet", is_flag=True, help="No live progress; only the summary.")
@click.option("--price-table", type=FilePath(path_type=Path), default=None,
              help="JSON price table for the estimate (the shipped one's shape). Default: the shipped table.")
@profile_option
def cli(report: Path | None, summary_json: Path | None, quiet: bool, price_table: Path | None, input_file: Path | None,
        profile: str | None, **options: Any) -> int:
    """Restore every archived object under a prefix and wait until all are readable.

    Credentials come from ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET and optional
    ALIBABA_CLOUD_SECURITY_TOKEN. Exit 0: every archive object in scope is readable; 1: some are not;
    2: bad input; 130 / 143: interrupted by SIGINT / SIGTERM (run the same command again to resume).
    With --dry-run: list, apply the filters and print the estimate per class; no restore is requested (exit 0).
    """
    flow_input = flow_input_from_options(input_file, **options)
    prices = load_prices(price_table)  # a bad table is refused before anything is listed
    credentials = resolve_credentials(profile=profile)
    url, stderr = flow_input[notice.NOTIFY_FIELD], Console(stderr=True)
    # Opened before any request: a report that cannot be written must not be found out after the restores were paid for.
    with closing_report(open_report(report)) as out, closing_report(open_report(summary_json, flag="--summary-json")) as summary_out:
        try:
            run = run_local(notice.engine_input(flow_input), credentials=credentials, report=out, console=stderr,
                            show_progress=not quiet, prices=prices)
        except RunInterrupted as e:
            if url:  # the run ended, without a verdict: the notice says so
                notice.send(url, notice.interrupted_document(flow_input=flow_input, exit_code=e.exit_code, message=str(e),
                                                             finished_at=iso(time.time()) or ""),
                            credentials=credentials, console=stderr)
            raise
        print_summary(run, Console(), dry_run=flow_input["dryRun"])
        document = notice.summary_document(run.summary, flow_input=flow_input, exit_code=run.summary.exit_code,
                                           finished_at=iso(time.time()) or "")
        if summary_out is not None:
            summary_out.write(notice.body(document, credentials=credentials).decode("utf-8") + "\n")
    if url:
        notice.send(url, document, credentials=credentials, console=stderr)
    return run.summary.exit_code
