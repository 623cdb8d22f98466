"""A local run's estimate before its first request: a dry run of the same flow input through the same flows."""

from __future__ import annotations

from typing import Any

from rich.console import Console

from ossrestore.local_run import run_local
from ossrestore.manifest_estimate import manifest_estimate
from ossrestore.prices import PriceTable
from ossrestore.spend_guard import EstimateFailed
from restore_core.client import Credentials


def local_estimate(
    flow_input: dict[str, Any],
    *,
    credentials: Credentials,
    prices: PriceTable,
    console: Console,
    show_progress: bool,
) -> dict[str, Any]:
    """The estimate (`ossrestore.estimate`'s plain form) of the run flow_input asks for. The dry run lists and
    tallies only, so it refuses what the real run would (a deadline no tier makes: exit 2) before any request;
    if it cannot finish, nothing is requested either (EstimateFailed)."""
    if flow_input.get("manifest"):
        # A dry run would HeadObject every entry before the run starts: a sample prices it (ossrestore.manifest_estimate).
        return manifest_estimate(flow_input, credentials=credentials, prices=prices)
    dry = run_local(
        {**flow_input, "dryRun": True, "notifyUrl": ""},
        credentials=credentials,
        console=console,
        show_progress=show_progress,
        prices=prices,
    )
    if dry.summary.flow_errors or dry.summary.estimate is None:
        raise EstimateFailed(
            "the dry run for the estimate did not finish ("
            + "; ".join(dry.summary.flow_errors)
            + "); nothing was requested"
        )
    return dry.summary.estimate
