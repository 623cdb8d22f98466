"""The spend guard: a run's estimate before its first request, a ceiling on it, and one question on a terminal.

A real run first makes a dry run of the same flow input through the same flows (`dryRun`: listed, filtered,
tallied, nothing requested), shows its estimate, and only then starts. `--max-cost AMOUNT` refuses (exit 2,
naming the estimate) a run whose estimated cost is above AMOUNT, or unknown (a class without a price); on a
terminal, a run that would send restore requests is asked about once, unless `--yes`. Nothing is asked when
stdin is not a terminal (scripts, CI), nor by the demo, which spends nothing.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import click

from ossrestore.errors import OssRestoreError, UsageError


class NotConfirmed(OssRestoreError):
    """The user said no: nothing was requested, so nothing more is readable (exit 1)."""

    exit_code = 1
    label = "stopped"


class EstimateFailed(OssRestoreError):
    """The dry run that makes the estimate did not finish: nothing was requested (exit 1)."""

    exit_code = 1


def _amount(ctx: click.Context, param: click.Parameter, value: float | None) -> float | None:
    if value is not None and not math.isfinite(value):  # FloatRange lets nan through: every comparison is false
        raise click.BadParameter(f"{value} is not an amount of money (a number of at least 0)", ctx, param)
    return value


def guard_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """`--max-cost AMOUNT` and `--yes`."""
    command = click.option(
        "--yes",
        "-y",
        "assume_yes",
        is_flag=True,
        help="Do not ask before a run that costs money (on a terminal, it asks once).",
    )(command)
    return click.option(
        "--max-cost",
        type=click.FloatRange(min=0),
        default=None,
        callback=_amount,
        metavar="AMOUNT",
        help="Refuse (exit 2) a run whose estimated cost, in the price table's currency, is above "
        "AMOUNT or unknown; checked before any restore is requested.",
    )(command)


def on_a_terminal() -> bool:
    return sys.stdin.isatty()


@dataclass(frozen=True, kw_only=True)
class SpendGuard:
    max_cost: float | None = None
    ask: bool = False  # on a terminal, without --yes

    def check(self, estimate: Mapping[str, Any], *, dry_run: bool = False) -> None:
        """Refuse a run above the ceiling (UsageError, exit 2); ask once about one that costs money (never for
        a dry run, which requests nothing)."""
        total, currency = estimate["total"], estimate.get("currency", "")
        if self.max_cost is not None:
            # A total over the priced classes only (`unpriced` names the others) is a floor, not the cost.
            if total["cost"] is None or total.get("unpriced"):
                missing = ", ".join(total.get("unpriced") or []) or "a class and tier of this run"
                raise UsageError(
                    f"--max-cost: the estimate's cost is unknown (the price table has no price for "
                    f"{missing}; pass --price-table with one); nothing was requested"
                )
            if total["cost"] > self.max_cost:
                raise UsageError(
                    f"--max-cost: the estimate is {total['cost']:,.2f} {currency}, above the "
                    f"{self.max_cost:,.2f} {currency} allowed; nothing was requested"
                )
        if self.ask and not dry_run and total["requests"]:
            cost = (
                "an unknown cost"
                if total["cost"] is None
                else f"about {total['cost']:,.2f} {currency}"
                + (" and what the unpriced classes cost" if total.get("unpriced") else "")
            )
            if not click.confirm(f"Send {total['requests']:,} restore requests, for {cost}?", default=False, err=True):
                raise NotConfirmed("not confirmed: nothing was requested")
