"""`oss-restore report FILE.jsonl`: a run's per-object report as tables, and optionally one HTML page."""
from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console

from ossrestore.notice import load_summary
from ossrestore.option_types import FilePath
from ossrestore.report import closing_report, open_report
from ossrestore.report_html import write_html
from ossrestore.report_view import class_table, cost_lines, failure_table, readable_line, report_lines, tally


@click.command()
@click.argument("file", type=FilePath(path_type=Path))
@click.option("--html", "html_out", type=FilePath(path_type=Path),
              help="Also write one self-contained HTML page (tables and a chart; nothing fetched) to this file.")
@click.option("--summary", "summary_file", type=FilePath(path_type=Path),
              help="The run's summary (`run --summary-json`), for the estimated and actual cost.")
def cli(file: Path, html_out: Path | None, summary_file: Path | None) -> int:
    """Summarise a report written by `run --report`: objects by storage class and outcome, failures by
    OSS code, objects readable over time, the cost. Reads the file once, line by line."""
    summary = load_summary(summary_file) if summary_file else None
    # Opened first, like --report: a page that cannot be written fails before the file is read.
    with closing_report(open_report(html_out, flag="--html")) as page:
        result = tally(report_lines(file))
        console = Console()
        console.print(class_table(result))
        console.print(failure_table(result))
        console.print(readable_line(result), highlight=False)
        for line in cost_lines(summary):
            console.print(line, highlight=False)
        if page is not None:
            write_html(page, result, source=file.name, summary=summary)
            console.print(f"wrote {html_out}", highlight=False)
    return 0
