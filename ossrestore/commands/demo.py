"""`oss-restore demo`: the whole local path on made-up data, start to verdict, in about a minute."""

from __future__ import annotations

import math
from pathlib import Path

import click
from rich.console import Console

from ossrestore.estimate import estimate_table
from ossrestore.flow_options import flow_input_from_options
from ossrestore.local_estimate import local_estimate
from ossrestore.local_run import run_local
from ossrestore.option_types import FilePath
from ossrestore.prices import load as load_prices
from ossrestore.report import closing_report, open_report
from ossrestore.summary_print import print_summary
from restore_core.client import Credentials

DEMO_BUCKET = "demo-archive"
_DEMO_CREDENTIALS = Credentials("demo-access-key", "demo-access-secret")

# prefix -> share of the objects per storage class: every archive class, and objects that need no restore.
_LAYOUT: dict[str, dict[str, float]] = {
    "logs/2024/": {"Archive": 0.30, "Standard": 0.10},
    "media/": {"ColdArchive": 0.20, "IA": 0.05, "Archive": 0.05},
    "backups/": {"DeepColdArchive": 0.15, "ColdArchive": 0.05, "Standard": 0.10},
}


def demo_layout(objects: int) -> dict[str, dict[str, int]]:
    """Counts per prefix and class adding up to `objects`."""
    layout = {
        prefix: {cls: int(objects * share) for cls, share in shares.items()} for prefix, shares in _LAYOUT.items()
    }
    layout["logs/2024/"]["Archive"] += objects - sum(sum(c.values()) for c in layout.values())
    return layout


def _finite(ctx: click.Context, param: click.Parameter, value: float) -> float:
    # FloatRange compares, and every comparison with NaN is false: "nan" would pass it.
    if not math.isfinite(value):
        raise click.BadParameter(f"{value} is not a number from 0 to 3600.", ctx, param)
    return value


@click.command()
@click.option("--objects", type=click.IntRange(10, 200_000), default=3000, show_default=True, help="Objects to seed.")
@click.option(
    "--restore-latency",
    type=click.FloatRange(0, 3600),
    default=2.0,
    show_default=True,
    callback=_finite,
    help="Emulated seconds until a restore completes (every class and tier).",
)
@click.option("--report", type=FilePath(path_type=Path), help="Write one JSON line per object to this file.")
@click.option("--quiet", is_flag=True, help="No live progress; only the summary.")
def cli(objects: int, restore_latency: float, report: Path | None, quiet: bool) -> int:
    """Start the embedded OSS emulator, seed it, and restore everything with the local engine."""
    from ossemu import Emulator, RestoreLatency

    err = Console(stderr=True)
    creds = _DEMO_CREDENTIALS
    with (
        closing_report(open_report(report)) as out,
        Emulator(
            credentials={creds.access_key_id: creds.access_key_secret}, latency=RestoreLatency.uniform(restore_latency)
        ) as emu,
    ):
        emu.create_bucket(DEMO_BUCKET)
        for prefix, counts in demo_layout(objects).items():
            emu.seed(DEMO_BUCKET, counts=counts, prefix=prefix)
        err.print(f"emulator at {emu.endpoint}, bucket {DEMO_BUCKET}: {objects} objects under {', '.join(_LAYOUT)}")
        flow_input = flow_input_from_options(
            flow_endpoint=emu.endpoint,
            flow_bucketName=DEMO_BUCKET,
            flow_pollInterval=1,
            flow_workers=10,
            flow_days=3,
            flow_roundSeconds=5,
        )
        # The estimate first, as a real run shows it: the demo spends nothing, so it never asks.
        prices, console = load_prices(), Console()
        for renderable in estimate_table(
            local_estimate(flow_input, credentials=creds, prices=prices, console=err, show_progress=not quiet)
        ):
            console.print(renderable)
        run = run_local(flow_input, credentials=creds, report=out, console=err, show_progress=not quiet, prices=prices)
        restore_calls = emu.stats.get("RestoreObject")
    print_summary(run, console, opening_estimate=False)
    archive = sum(counts["objects"] for counts in run.totals.tally("tally").values())
    err.print(f"RestoreObject requests: {restore_calls} for {archive} archive objects listed")
    return run.summary.exit_code
