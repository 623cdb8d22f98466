"""`oss-restore extend` and `oss-restore clean`: the main flow with action extend / clean, or a dry run."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from ossrestore.credentials import credentials_from_env
from ossrestore.flow_options import flow_input_from_options, flow_input_options
from ossrestore.interruption import RunInterrupted
from ossrestore.local_run import print_summary, run_local
from ossrestore.option_types import ReportTarget
from ossrestore.report import RunSummary, VerificationFailed
from ossrestore.report_file import report_file


def _command(action: str, doc: str) -> click.Command:
    @click.command(name=action, help=doc)
    @flow_input_options
    @click.option("--report", "report_target", type=ReportTarget(),
                  help="Where the per-object report goes: a file (one JSON line per object), or oss://BUCKET/PREFIX/.")
    @click.option("--quiet", is_flag=True, help="No live progress; only the summary.")
    def cli(report_target: Path | str | None, quiet: bool, input_file: Path | None, **options: Any) -> int:
        options["flow_action"] = action
        flow_input = flow_input_from_options(input_file, **options)
        if isinstance(report_target, str):
            flow_input["reportUrl"] = report_target
        report = report_target if isinstance(report_target, Path) else None
        credentials = credentials_from_env()
        with report_file(report, keep_on=(RunInterrupted, VerificationFailed)) as target:
            run = run_local(flow_input, credentials=credentials, report=target.stream if target else None,
                            console=Console(stderr=True), show_progress=not quiet)
        if flow_input["dryRun"]:
            Console().print(_table(run.summary, title=f"{action} (dry run: nothing sent)"))
            return 0
        print_summary(run, Console())
        return run.summary.exit_code

    return cli


def _table(summary: RunSummary, *, title: str) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column("outcome")
    table.add_column("objects", justify="right")
    for outcome in summary.outcomes:
        table.add_row(outcome, str(summary.by_outcome[outcome]))
    return table


extend = _command("extend", """Keep restored objects readable longer: one RestoreObject per restored archive
object under the prefix, which OSS answers with 200 and an expiry moved by --days (within the class's
maximum). Exit 0 unless a request failed; 2: bad input.""")
clean = _command("clean", """End the temporary copies of restored Cold Archive and Deep Cold Archive objects
under the prefix and their storage fees: one CleanRestoredObject per restored object; they become frozen
again. Exit 0 unless a request failed; 2: bad input.""")
