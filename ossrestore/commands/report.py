"""`oss-restore report FILE.jsonl` or `oss-restore report oss://BUCKET/PREFIX/`: a run's per-object report as
tables, and optionally one HTML page."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import click
from rich.console import Console

from ossrestore import report_line
from ossrestore.credentials import profile_option, resolve_credentials
from ossrestore.errors import UsageError
from ossrestore.notice import load_summary
from ossrestore.option_types import FilePath
from ossrestore.report import closing_report, open_report, report_lines_of
from ossrestore.report_html import write_html
from ossrestore.report_view import class_table, cost_lines, failure_table, readable_line, report_lines, tally
from restore_core import params
from restore_core.errors import printable
from restore_core.report_lines import ReportLine
from restore_core.summary_task import MANIFEST


@click.command()
@click.argument("source", metavar="FILE | oss://BUCKET/PREFIX/")
@click.option(
    "--html",
    "html_out",
    type=FilePath(path_type=Path),
    help="Also write one self-contained HTML page (tables and a chart; nothing fetched) to this file.",
)
@click.option(
    "--summary",
    "summary_file",
    type=FilePath(path_type=Path),
    help="The run's summary (`run --summary-json`), for the estimated and actual cost.",
)
@click.option(
    "--endpoint",
    help="OSS endpoint of the report's bucket, for an oss:// report (e.g. https://oss-cn-hangzhou.aliyuncs.com).",
)
@click.option("--region", help="Region id, for an oss:// report: requests are signed with V4.")
@profile_option
def cli(
    source: str,
    html_out: Path | None,
    summary_file: Path | None,
    endpoint: str | None,
    region: str | None,
    profile: str | None,
) -> int:
    """Summarise a run's report: a file written by `run --report FILE`, or the store a run wrote under
    oss://BUCKET/PREFIX/ (`run --report oss://...`, and the cloud's runs): objects by storage class and
    outcome, failures by OSS code, objects readable over time, the cost. Reads it once, a line or a part at
    a time."""
    summary = load_summary(summary_file) if summary_file else None
    # Checked first: a store that cannot be reached, like a page that cannot be written, fails before reading.
    rows = (
        _from_store(source, endpoint=endpoint, region=region, profile=profile) if source.startswith("oss://") else None
    )
    if rows is None and (endpoint or region):
        raise UsageError("--endpoint and --region name the bucket of an oss:// report, not a file")
    file = Path(source)
    if rows is None:
        FilePath(path_type=Path).convert(source, None, None)  # the same refusals as any other file argument
    # Opened first, like --report: a page that cannot be written fails before the file is read.
    with closing_report(open_report(html_out, flag="--html")) as page:
        result = tally(report_lines(file) if rows is None else rows)
        console = Console()
        console.print(class_table(result))
        console.print(failure_table(result))
        console.print(readable_line(result), highlight=False)
        for line in cost_lines(summary):
            console.print(line, highlight=False)
        if page is not None:
            write_html(page, result, source=file.name if rows is None else source, summary=summary)
            console.print(f"wrote {html_out}", highlight=False)
    return 0


def _from_store(url: str, *, endpoint: str | None, region: str | None, profile: str | None) -> Iterator[ReportLine]:
    """The lines of the report a run wrote under `url`, read a part at a time, each checked as a file's are."""
    from restore_core.client import make_bucket
    from restore_core.errors import InvalidParameter, RestoreCoreError
    from restore_core.run_store import OssStore, parse_url

    try:
        where = parse_url(url, "FILE")
        checked = params.endpoint({"endpoint": endpoint}) if endpoint else None
        signed_in = params.region({"region": region}) if region else None
    except InvalidParameter as e:
        raise UsageError(str(e)) from None
    if checked is None:
        raise UsageError(f"--endpoint: the OSS endpoint of {url}'s bucket is needed to read it")
    assert where is not None and where.bucket is not None  # an oss:// URL names its bucket
    bucket = make_bucket(
        endpoint=checked, bucket_name=where.bucket, credentials=resolve_credentials(profile=profile), region=signed_in
    )
    store = OssStore(bucket, where.path, url=url)
    try:
        first = store.get(MANIFEST)  # reached now: a wrong endpoint or a refusal is said before anything is drawn
    except RestoreCoreError as e:
        raise UsageError(f"FILE: cannot read {url}: {e}") from None
    if first is None:
        raise UsageError(f"FILE: {url} holds no finished report (no {MANIFEST}): was the run interrupted?")
    return _checked(report_lines_of(store), url)


def _checked(lines: Iterator[ReportLine], url: str) -> Iterator[ReportLine]:
    """The store's lines held to what a report line is, as a file's are."""
    for number, line in enumerate(lines, start=1):
        try:
            yield report_line.parse(json.dumps(line.to_json(), ensure_ascii=False).encode())
        except report_line.NotAReportLine as e:
            raise UsageError(f"FILE: {url} line {number}: {printable(str(e))}") from None
