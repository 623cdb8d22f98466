"""What a run will cost and how long it will take, per storage class, from the listing's tally.

One module for every reader: `run --dry-run` prints it, a real run's summary opens with it (and ends
with the actual counts beside it), and `RunSummary.estimate` carries it as a plain dict (`as_dict`) for
any report built from the summary. Its shape:

    {"priceRegion", "currency", "priceTable" ("shipped" or a path), "retrieved", "sources": {...},
     "requestsPerSecond", "classes": [{"storageClass", "objects", "bytes", "requests", "requestBytes",
       "tier" (null for Archive), "days", "retrievalCost", "requestCost", "temporaryStorageCost", "cost"
       (null when a price is unknown), "pricesVerified", "restoreSeconds"}],
     "total": {"objects", "bytes", "requests", "cost" (null when any class's is unknown), "seconds"}}

Cost per class (fees as OSS bills them; https://www.alibabacloud.com/help/en/oss/data-processing-fees,
https://www.alibabacloud.com/help/en/oss/temporary-storage-fees): data retrieval = restored GB x the
price per GB of the class and tier; requests = restore requests / 10,000 x the price per 10,000; temporary
storage (Cold and Deep Cold Archive only, whose restored copy is billed as Standard storage until it
expires) = restored GB x the price per GB-month / 30 x days. GB is 1024^3 bytes. Only objects that need
a restore request count: already readable ones and restores already running cost nothing more.

Time: the run's own requests at its rate (`maxRequestsPerSecond`, or ASSUMED_REQUESTS_PER_SECOND without
a budget), then the slowest documented restore among the classes that need one (the upper bound of OSS's
range, `restore_core.classes.RESTORE_TIMES`), then one poll interval for the confirm scan. With a
deadline each class is priced at the tier the deadline picks for it (`restore_core.deadline`).
"""
from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from ossrestore.prices import NO_TIER, PriceTable, RegionPrices
from restore_core import flow_inputs
from restore_core.classes import ARCHIVE_CLASSES, RESTORE_TIMES, fit
from restore_core.deadline import from_input
from restore_core.tally import Tally

GB = 1024**3
# Without a budget the run goes as fast as the bucket lets it: bench/throttled.py measured about 1,200
# restore requests/s unthrottled on one machine; 1,000 keeps the estimate on the safe side.
ASSUMED_REQUESTS_PER_SECOND = 1000


@dataclass(frozen=True, kw_only=True)
class ClassEstimate:
    storage_class: str
    objects: int
    bytes: int
    requests: int
    request_bytes: int
    tier: str | None
    days: int
    retrieval_cost: float | None
    request_cost: float | None
    temporary_storage_cost: float
    cost: float | None
    prices_verified: bool
    restore_seconds: int


@dataclass(frozen=True, kw_only=True)
class Estimate:
    price_region: str
    currency: str
    price_table: str
    retrieved: str
    sources: dict[str, str]
    requests_per_second: int
    classes: tuple[ClassEstimate, ...]
    total: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        """The plain JSON form, camelCase as the report's fields are."""
        return _camel(asdict(self))


def _camel(value: Any) -> Any:
    if isinstance(value, dict):
        return {re.sub(r"_([a-z])", lambda m: m.group(1).upper(), k): _camel(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_camel(v) for v in value]
    return value


def estimate(
    tally: Tally, *, prices: PriceTable, region: str | None, days: int, tier: str, max_requests_per_second: int,
    poll_interval: int, tiers: Mapping[str, str] | None = None,
) -> Estimate:
    table = prices.for_region(region)
    rate = max_requests_per_second or ASSUMED_REQUESTS_PER_SECOND
    chosen = tiers or {}
    rows = tuple(_row(cls, tally[cls], table, days=days, tier=chosen.get(cls, tier))
                 for cls in ARCHIVE_CLASSES if tally[cls]["objects"])
    requests = sum(r.requests for r in rows)
    restore = max((r.restore_seconds for r in rows if r.requests), default=0)
    costs = [r.cost for r in rows]
    total = {
        "objects": sum(r.objects for r in rows), "bytes": sum(r.bytes for r in rows), "requests": requests,
        "cost": None if any(c is None for c in costs) else round(sum(c for c in costs if c is not None), 4),
        "seconds": round(requests / rate) + restore + (poll_interval if requests else 0),
    }
    return Estimate(
        price_region=table.name, currency=table.currency, price_table=prices.origin, retrieved=table.retrieved,
        sources=dict(table.sources), requests_per_second=rate, classes=rows, total=total,
    )


def estimate_for(fields: Mapping[str, Any], tally: Tally, prices: PriceTable) -> Estimate:
    """The estimate of a run whose flow input (or dry run's output) holds `fields`, over its listing's tally."""
    def value(name: str) -> Any:
        return flow_inputs.value(fields, name)

    # A deadline picks each class's tier; past reach, the fastest (what --best-effort would send).
    deadline = from_input(value("deadline"), True)
    tiers = deadline.tiers([c for c in ARCHIVE_CLASSES if tally[c]["objects"]], now=time.time()) if deadline else None
    return estimate(
        tally, prices=prices, region=value("region"), days=value("days"), tier=value("tier"),
        max_requests_per_second=value("maxRequestsPerSecond"), poll_interval=value("pollInterval"), tiers=tiers,
    )


def actual_for(fields: Mapping[str, Any], requested: Tally, prices: PriceTable) -> dict[str, Any]:
    """The same formulas over what the run actually asked for: the objects whose restore OSS accepted
    (202) from this run, with their listed sizes ({"objects", "requests", "bytes", "cost"}; cost None
    where a price is unknown). Objects found readable or already restoring cost this run nothing."""
    total = estimate_for(fields, requested, prices).total
    return {"objects": total["objects"], "requests": total["requests"], "bytes": total["bytes"], "cost": total["cost"]}


def _row(cls: str, counts: Mapping[str, int], table: RegionPrices, *, days: int, tier: str) -> ClassEstimate:
    plan, _ = fit(cls, days, tier)
    price = table.classes[cls]
    tier_price = price.tiers[plan.tier or NO_TIER]
    gb = counts["requestBytes"] / GB
    retrieval = None if tier_price.retrieval_per_gb is None else gb * tier_price.retrieval_per_gb
    request = None if tier_price.requests_per_10000 is None else counts["requests"] / 10_000 * tier_price.requests_per_10000
    storage = gb * price.temporary_storage_per_gb_month / 30 * plan.days
    cost = None if retrieval is None or request is None else retrieval + request + storage
    return ClassEstimate(
        storage_class=cls, objects=counts["objects"], bytes=counts["bytes"], requests=counts["requests"],
        request_bytes=counts["requestBytes"], tier=plan.tier, days=plan.days,
        retrieval_cost=_round(retrieval), request_cost=_round(request), temporary_storage_cost=round(storage, 4),
        cost=_round(cost), prices_verified=price.verified, restore_seconds=RESTORE_TIMES[(cls, plan.tier)].seconds,
    )


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def duration(seconds: float) -> str:
    """`2h 05m`, `3m 20s`, `45s`."""
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m {secs:02d}s" if minutes else f"{secs}s"


def human_bytes(n: int) -> str:
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"


# --- display (the plain form in, so that any reader of a summary can show it the same way) ---------

def _money(value: float | None) -> str:
    return "unknown" if value is None else f"{value:,.2f}"


def estimate_table(est: Mapping[str, Any]) -> list[Any]:
    """The estimate as a table and the lines that qualify it (prices' source, unverified or unknown ones)."""
    from ossrestore.fit import Cells, fitted

    currency = est["currency"]
    rows = []
    for row in est["classes"]:
        mark = "" if row["pricesVerified"] else " *"
        rows.append([row["storageClass"], f"{row['objects']:,}", human_bytes(row["bytes"]), f"{row['requests']:,}",
                     f"{row['tier'] or '-'}/{row['days']}d", _money(row["cost"]) + mark, duration(row["restoreSeconds"])])
    total = est["total"]
    rows.append(["total", f"{total['objects']:,}", human_bytes(total["bytes"]), f"{total['requests']:,}", "",
                 _money(total["cost"]), duration(total["seconds"])])
    table = fitted(Cells(title=f"estimate (before any restore; cost in {currency})",
                         headers=["class", "objects", "bytes", "requests", "tier/days", "cost", "time"], rows=rows,
                         text_columns=1, bold_last=False))
    notes = [
        f"prices: {est['priceRegion']} ({currency}) from the {est['priceTable']} table, read {est['retrieved']}; "
        f"time: {est['requestsPerSecond']:,} requests/s, then the slowest documented restore, then one poll",
    ]
    if any(not row["pricesVerified"] for row in est["classes"]):
        notes.append("* prices not confirmed by the documentation the table cites: check them or pass --price-table")
    if total["cost"] is None:
        notes.append("unknown: the price table has no price for that class and tier (pass --price-table)")
    return [table, *notes]


def versus_table(est: Mapping[str, Any], by_class: Mapping[tuple[str, str], int], *, elapsed: float) -> Any:
    """The estimate per class beside what the report found."""
    from ossrestore.fit import Cells, fitted

    rows = []
    for row in est["classes"]:
        cls = row["storageClass"]
        rows.append([cls, f"{row['objects']:,}", f"{row['requests']:,}", f"{by_class[(cls, 'restored')]:,}",
                     f"{by_class[(cls, 'already_restored')]:,}", f"{by_class[(cls, 'in_progress')]:,}",
                     f"{by_class[(cls, 'failed')]:,}", ""])
    rows.append(["total", f"{est['total']['objects']:,}", f"{est['total']['requests']:,}", "", "", "", "",
                 f"{duration(est['total']['seconds'])} / {duration(elapsed)}"])
    caption = None
    actual = est.get("actual")
    if isinstance(actual, Mapping):
        def money(value: Any) -> str:
            return "unknown" if value is None else f"{value:,.2f} {est.get('currency', '')}".strip()

        caption = (f"cost est./actual: {money(est['total']['cost'])} / {money(actual['cost'])} "
                   f"({actual['requests']:,} restore requests accepted)")
    return fitted(Cells(title="estimate and actual", caption=caption, rows=rows, headers=[
        "class", "est. objects", "est. requests", "restored", "already", "running", "failed", "time est./actual"]))
