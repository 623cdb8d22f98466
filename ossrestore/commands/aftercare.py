"""`oss-restore extend` and `oss-restore clean`: the main flow with action extend / clean, or a dry run.

Each takes its own flags only: what to act on (where, which objects), the pace, and for extend the days;
nothing about tiers, deadlines or notices, which only a restore has.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, TextIO

import click
from rich.console import Console
from rich.table import Table

from ossrestore.aftercare import DRY_OUTCOMES, days_by_class, dry_classifier
from ossrestore.contacts import ContactStore
from ossrestore.credentials import profile_option, resolve_credentials
from ossrestore.flow_options import flow_input_from_options, options_for
from ossrestore.local_run import preflight, print_summary, run_local
from ossrestore.option_types import FilePath
from ossrestore.report import RunSummary, closing_report, open_report, verify_and_report
from restore_core import actions
from restore_core.client import make_bucket
from restore_core.selection import parse_selection

# The flow inputs extend and clean take as flags (the rest are a restore's, or set by the command: action).
CLEAN_FIELDS = (
    "endpoint", "bucketName", "region", "prefix", "marker", "maxKeys", "pollInterval", "workers", "groupSize",
    "pagesPerExecution", "pollsPerExecution", "maxRequestsPerSecond", "include", "exclude", "storageClass",
    "modifiedAfter", "modifiedBefore", "minSize", "maxSize", "manifest", "allVersions",
)
EXTEND_FIELDS = (*CLEAN_FIELDS, "days")
FIELDS = {actions.EXTEND: EXTEND_FIELDS, actions.CLEAN: CLEAN_FIELDS}


def _command(action: str, doc: str) -> click.Command:
    @click.command(name=action, help=doc)
    @options_for(FIELDS[action])
    @click.option("--report", type=FilePath(path_type=Path), help="Write one JSON line per object to this file.")
    @click.option("--quiet", is_flag=True, help="No live progress; only the summary.")
    @click.option("--dry-run", is_flag=True, help="List and report what a run would send; send nothing.")
    @profile_option
    def cli(report: Path | None, quiet: bool, dry_run: bool, input_file: Path | None, profile: str | None,
            **options: Any) -> int:
        flow_input = flow_input_from_options(input_file, fields=FIELDS[action], flow_action=action, **options)
        credentials = resolve_credentials(profile=profile)
        console = Console()
        if action == actions.EXTEND:
            for line in days_by_class(flow_input["days"]):
                console.print(f"days: {line}", highlight=False)
        with closing_report(open_report(report)) as out:
            if dry_run:
                summary = _dry_run(flow_input, credentials=credentials, report=out)
                console.print(_table(summary, title=f"{action} (dry run: nothing sent)"))
                return 0
            run = run_local(flow_input, credentials=credentials, report=out, console=Console(stderr=True),
                            show_progress=not quiet)
        print_summary(run, console)
        return run.summary.exit_code

    return cli


def _dry_run(flow_input: dict[str, Any], *, credentials: Any, report: TextIO | None) -> RunSummary:
    bucket = make_bucket(endpoint=flow_input["endpoint"], bucket_name=flow_input["bucketName"],
                         credentials=credentials, region=flow_input.get("region") or None)
    manifest = flow_input.get("manifest") or ""
    preflight(bucket, prefix=flow_input.get("prefix") or "", manifest=manifest)
    action, store = flow_input["action"], ContactStore()
    try:
        # The same scope and selection the flows would act on.
        return verify_and_report(bucket, prefix=flow_input.get("prefix") or "", marker=flow_input.get("startMarker") or "",
                                 contacts=store, report=report, judge=dry_classifier(action, days=flow_input["days"]),
                                 outcomes=DRY_OUTCOMES[action], selection=parse_selection(flow_input),
                                 manifest=manifest, all_versions=bool(flow_input.get("allVersions")))
    finally:
        store.close()


def _table(summary: RunSummary, *, title: str) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column("outcome")
    table.add_column("objects", justify="right", no_wrap=True)
    for outcome in summary.outcomes:
        table.add_row(outcome, f"{summary.by_outcome[outcome]:,}")
    return table


extend = _command("extend", """Keep restored objects readable longer: one RestoreObject per restored archive
object under the prefix, which OSS answers with 200 and an expiry moved by --days, within each class's most
(Archive: 7). Exit 0 unless a request failed; 2: bad input.""")
clean = _command("clean", """End the temporary copies of restored Cold Archive and Deep Cold Archive objects
under the prefix and their storage fees: one CleanRestoredObject per restored object; they become frozen
again. Exit 0 unless a request failed; 2: bad input.""")
