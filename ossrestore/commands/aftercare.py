"""`oss-restore extend` and `oss-restore clean`: the main flow with action extend / clean, or a dry run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from ossrestore.credentials import profile_option, resolve_credentials
from ossrestore.flow_options import flow_input_from_options, options_for
from ossrestore.interruption import RunInterrupted
from ossrestore.local_run import run_local
from ossrestore.option_types import ReportTarget
from ossrestore.report import RunSummary, VerificationFailed
from ossrestore.report_file import report_file
from ossrestore.summary_print import print_summary
from restore_core import classes, decisions

# The flow inputs extend and clean take as flags (the rest are a restore's, or set by the command: action).
CLEAN_FIELDS = (
    "endpoint",
    "bucketName",
    "region",
    "prefix",
    "marker",
    "maxKeys",
    "pollInterval",
    "workers",
    "roundsPerExecution",
    "roundSeconds",
    "maxConcurrentInvocations",
    "maxRequestsPerSecond",
    "include",
    "exclude",
    "storageClass",
    "modifiedAfter",
    "modifiedBefore",
    "minSize",
    "maxSize",
    "manifest",
    "allVersions",
)
EXTEND_FIELDS = (*CLEAN_FIELDS, "days")
FIELDS = {decisions.EXTEND: EXTEND_FIELDS, decisions.CLEAN: CLEAN_FIELDS}


def days_by_class(days: int) -> list[str]:
    """How `extend --days N` reads for each archive class, e.g. `Archive: 7 days (the class's most; 30 asked)`."""
    out = []
    for cls in classes.ARCHIVE_CLASSES:
        fitted = classes.fit(cls, days, classes.DEFAULT_TIER)[0].days
        capped = f" (the class's most; {days} asked)" if fitted != days else ""
        out.append(f"{cls}: {fitted} day{'s' if fitted != 1 else ''}{capped}")
    return out


def _command(action: str, doc: str) -> click.Command:
    @click.command(name=action, help=doc)
    @options_for(FIELDS[action])
    @click.option(
        "--report",
        "report_target",
        type=ReportTarget(),
        help="Where the per-object report goes: a file (one JSON line per object), or oss://BUCKET/PREFIX/.",
    )
    @click.option("--quiet", is_flag=True, help="No live progress; only the summary.")
    @click.option("--dry-run", is_flag=True, help="List and report what a run would send; send nothing.")
    @profile_option
    def cli(
        report_target: Path | str | None,
        quiet: bool,
        dry_run: bool,
        input_file: Path | None,
        profile: str | None,
        **options: Any,
    ) -> int:
        flow_input = flow_input_from_options(
            input_file, fields=FIELDS[action], flow_action=action, flow_dryRun=dry_run, **options
        )
        if isinstance(report_target, str):
            flow_input["reportUrl"] = report_target
        report = report_target if isinstance(report_target, Path) else None
        credentials = resolve_credentials(profile=profile)
        console = Console()
        if action == decisions.EXTEND:
            for line in days_by_class(flow_input["days"]):
                console.print(f"days: {line}", highlight=False)
        with report_file(report, keep_on=(RunInterrupted, VerificationFailed)) as target:
            run = run_local(
                flow_input,
                credentials=credentials,
                report=target.stream if target else None,
                console=Console(stderr=True),
                show_progress=not quiet,
            )
        if dry_run:
            console.print(_table(run.summary, title=f"{action} (dry run: nothing sent)"))
            return 0
        print_summary(run, console)
        return run.summary.exit_code

    return cli


def _table(summary: RunSummary, *, title: str) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column("outcome")
    table.add_column("objects", justify="right")
    for outcome in summary.outcomes:
        table.add_row(outcome, str(summary.by_outcome[outcome]))
    return table


extend = _command(
    "extend",
    """Keep restored objects readable longer: one RestoreObject per restored archive
object under the prefix, which OSS answers with 200 and an expiry moved by --days (within the class's
maximum). Exit 0 unless a request failed; 2: bad input.""",
)
clean = _command(
    "clean",
    """End the temporary copies of restored Cold Archive and Deep Cold Archive objects
under the prefix and their storage fees: one CleanRestoredObject per restored object; they become frozen
again. Exit 0 unless a request failed; 2: bad input.""",
)
