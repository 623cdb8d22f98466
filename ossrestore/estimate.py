"""What a run will cost and how long it will take, per storage class, from the listing's tally.

One module for every reader: `run --dry-run` prints it, a real run's summary opens with it (and ends
with the actual counts beside it), and `RunSummary.estimate` carries it as a plain dict (`as_dict`) for
any report built from the summary. Its shape:

    {"region" (the bucket's, or null when unknown), "regionAssumed" (priced by the default table), "priceRegion"
     (the table used, null when none covers the region), "currency" (null likewise), "covered" (which table
     covers which regions, when none covers this one), "priceTable" ("shipped" or a path), "retrieved",
     "requestsPerSecond",
     "classes": [{"storageClass", "objects", "bytes", "requests", "requestBytes", "tier" (null for Archive), "days",
       "retrievalCost", "requestCost", "temporaryStorageCost", "cost" (null when a price it needs is unpriced),
       "unpriced" (the prices it lacks), "pricesVerified", "sources", "restoreSeconds", "quotaSeconds"}],
     "directRead": null or {"objects", "bytes", "perGB", "cost", "verified", "source"},
     "copy": null or {"mode" ("convert" or "copy"), "storageClass", "target" (oss://BUCKET/PREFIX/, or null in place),
       "classes": [{"storageClass", "objects", "bytes", "requests", "requestCost", "storagePerMonth", "youngObjects",
                    "youngByteDays", "earlyDeletionCost", "atLeast"}],
       "requestCost", "storagePerMonth", "earlyDeletionCost" (of the priced classes), "unpriced" (the others)},
     "total": {"objects", "bytes", "requests", "cost" (of the priced classes; null only without a table),
               "unpriced" (the classes left out of it), "seconds"}}

Cost per class (fees as OSS bills them; https://www.alibabacloud.com/help/en/oss/data-processing-fees,
https://www.alibabacloud.com/help/en/oss/temporary-storage-fees): data retrieval = restored GB x the
price per GB of the class and tier; requests = restore requests / 10,000 x the price per 10,000 (an Archive
restore is billed as an Archive PUT request); temporary storage (Cold and Deep Cold Archive only, whose
restored copy is billed as Standard storage until it expires) = restored GB x the price per GB-month / 30 x
days. GB is 1024^3 bytes. Only objects that need a restore request count: already readable ones and restores
already running cost nothing more. A class whose price is unpriced (null) shows as unpriced, and the total
is what the priced classes cost, naming the ones left out: one unknown price never hides the rest.

Archive objects a bucket with archive direct read serves without a restore are not requested, but reading
them is billed per GB read (RetrievalDataArchiveDirect, https://www.alibabacloud.com/help/en/oss/user-guide/
archive-direct-reading): `directRead` shows that charge for their bytes (once each), beside the total, which
is what the restore costs.

A run that converts or copies (`convertTo`, `copyTo`) adds `copy`, beside the total (which is the restore's):
each readable object's copy requests (one CopyObject below 1 GB, a multipart copy's calls above) at the PUT
request price of its class or the copy's, whichever is higher (OSS does not say which one a CopyObject is
billed at: the stricter reading); the copies' storage per month at the copy's class; and, in place only, the
early deletion: an archive object converted before its class's minimum storage duration (Archive 60 days,
Cold and Deep Cold Archive 180) is billed the rest of it at its class's storage price
(`restore_core.classes.MIN_STORAGE_DAYS`). Cold and Deep Cold Archive count from their transition into the
class, which a listing does not show: from Last-Modified the charge is the least it can be (`atLeast`).

Time: the run's own requests (a conversion's or copy's included) at its rate (`maxRequestsPerSecond`, or
ASSUMED_REQUESTS_PER_SECOND without a budget) or, when slower, a class's restores at OSS's restore quota for
it (`quotaSeconds`: Cold Archive 500 objects/s and 100 TB a day, Deep Cold 100 objects/s and 10 TB a day,
`restore_core.classes`), then the slowest documented restore among the classes that need one (the upper
bound of OSS's range, `restore_core.classes.RESTORE_TIMES`), then one poll interval for the confirm scan. With a
deadline each class is priced at the tier the deadline picks for it (`restore_core.deadline`).
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from ossrestore.prices import NO_TIER, Price, PriceTable, RegionPrices
from restore_core import flow_inputs
from restore_core.classes import (
    ARCHIVE,
    ARCHIVE_CLASSES,
    COLD_ARCHIVE,
    DEEP_COLD_ARCHIVE,
    RESTORE_TIMES,
    fit,
    restore_quota_seconds,
)
from restore_core.copy_plan import CONVERT, Plan, plan_of
from restore_core.deadline import from_input
from restore_core.tally import Tally

GB = 1024**3
# Without a budget the run goes as fast as the bucket lets it: bench/throttled.py measured about 1,200
# restore requests/s unthrottled on one machine; 1,000 keeps the estimate on the safe side.
ASSUMED_REQUESTS_PER_SECOND = 1000
# An OSS endpoint names its region: oss-<region>[-internal].aliyuncs.com.
_ENDPOINT_REGION = re.compile(
    r"(?:^|//)oss-([a-z]{2}-[a-z0-9]+(?:-[a-z0-9]+)*?)(?:-internal)?\.aliyuncs\.com(?::\d+)?/?$"
)


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
    temporary_storage_cost: float | None
    cost: float | None
    unpriced: tuple[str, ...]  # the prices this class needs and the table lacks
    prices_verified: bool
    sources: tuple[str, ...]
    restore_seconds: int
    quota_seconds: int  # the least time OSS's restore quotas let this class's requests take


@dataclass(frozen=True, kw_only=True)
class Estimate:
    region: str | None
    region_assumed: bool
    price_region: str | None
    currency: str | None
    covered: str
    price_table: str
    retrieved: str | None
    requests_per_second: int
    classes: tuple[ClassEstimate, ...]
    direct_read: dict[str, Any] | None
    total: dict[str, Any]
    copy: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        """The plain JSON form, camelCase as the report's fields are."""
        camel: dict[str, Any] = _camel(asdict(self))
        return camel


def _camel(value: Any) -> Any:
    if isinstance(value, dict):
        return {re.sub(r"_([a-z])", lambda m: m.group(1).upper(), k): _camel(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_camel(v) for v in value]
    return value


def region_of(fields: Mapping[str, Any]) -> str | None:
    """The bucket's region: the flow input's `region`, else the one an OSS endpoint names; None if neither."""
    region = flow_inputs.value(fields, "region")
    if region:
        return str(region)
    match = _ENDPOINT_REGION.search(str(fields.get("endpoint") or ""))
    return match.group(1) if match else None


def estimate(
    tally: Tally,
    *,
    prices: PriceTable,
    region: str | None,
    days: int,
    tier: str,
    max_requests_per_second: int,
    poll_interval: int,
    tiers: Mapping[str, str] | None = None,
    copy: Plan | None = None,
) -> Estimate:
    table = prices.for_region(region)
    rate = max_requests_per_second or ASSUMED_REQUESTS_PER_SECOND
    chosen = tiers or {}
    rows = tuple(
        _row(cls, tally[cls], table, days=days, tier=chosen.get(cls, tier))
        for cls in ARCHIVE_CLASSES
        if tally[cls]["objects"]
    )
    requests = sum(r.requests for r in rows)
    restore = max((r.restore_seconds for r in rows if r.requests), default=0)
    # Each class's restore quota is its own; the request budget is shared (a conversion's or copy's requests
    # too): the slower of the two paces the run.
    copies = sum(tally[c]["copyRequests"] for c in ARCHIVE_CLASSES) if copy is not None else 0
    sending = max([(requests + copies) / rate, *(r.quota_seconds for r in rows)])
    total = {
        "objects": sum(r.objects for r in rows),
        "bytes": sum(r.bytes for r in rows),
        "requests": requests,
        "cost": None if table is None else round(sum(r.cost for r in rows if r.cost is not None), 4),
        "unpriced": [r.storage_class for r in rows if r.cost is None],
        "seconds": round(sending) + restore + (poll_interval if requests else 0),
    }
    return Estimate(
        region=region,
        region_assumed=region is None,
        price_region=None if table is None else table.name,
        currency=None if table is None else table.currency,
        covered="" if table is not None else prices.covered(),
        price_table=prices.origin,
        retrieved=None if table is None else table.retrieved,
        requests_per_second=rate,
        classes=rows,
        direct_read=_direct_read(tally[ARCHIVE], table),
        total=total,
        copy=None if copy is None else _copy(copy, tally, table),
    )


def estimate_for(fields: Mapping[str, Any], tally: Tally, prices: PriceTable) -> Estimate:
    """The estimate of a run whose flow input (or dry run's output) holds `fields`, over its listing's tally."""

    def value(name: str) -> Any:
        return flow_inputs.value(fields, name)

    # A deadline picks each class's tier; past reach, the fastest (what --best-effort would send).
    deadline = from_input(value("deadline"), True)
    tiers = deadline.tiers([c for c in ARCHIVE_CLASSES if tally[c]["objects"]], now=time.time()) if deadline else None
    return estimate(
        tally,
        prices=prices,
        region=region_of(fields),
        days=value("days"),
        tier=value("tier"),
        max_requests_per_second=value("maxRequestsPerSecond"),
        poll_interval=value("pollInterval"),
        tiers=tiers,
        copy=plan_of({"bucketName": fields.get("bucketName") or "", **{k: value(k) for k in _COPY_FIELDS}}),
    )


_COPY_FIELDS = ("convertTo", "copyTo", "copyClass", "prefix")


def actual_for(fields: Mapping[str, Any], requested: Tally, prices: PriceTable) -> dict[str, Any]:
    """The same formulas over what the run actually asked for: the objects whose restore OSS accepted
    (202) from this run, with their listed sizes ({"objects", "requests", "bytes", "cost", "unpriced"}; cost of
    the priced classes). Objects found readable or already restoring cost this run nothing."""
    total = estimate_for(fields, requested, prices).total
    return {
        "objects": total["objects"],
        "requests": total["requests"],
        "bytes": total["bytes"],
        "cost": total["cost"],
        "unpriced": total["unpriced"],
    }


def _row(cls: str, counts: Mapping[str, int], table: RegionPrices | None, *, days: int, tier: str) -> ClassEstimate:
    plan, _ = fit(cls, days, tier)
    gb = counts["requestBytes"] / GB
    if table is None:
        missing: tuple[str, ...] = ("no price table for the region",) if counts["requests"] else ()
        return ClassEstimate(
            storage_class=cls,
            objects=counts["objects"],
            bytes=counts["bytes"],
            requests=counts["requests"],
            request_bytes=counts["requestBytes"],
            tier=plan.tier,
            days=plan.days,
            retrieval_cost=None,
            request_cost=None,
            temporary_storage_cost=None,
            cost=None if missing else 0.0,
            unpriced=missing,
            prices_verified=False,
            sources=(),
            restore_seconds=RESTORE_TIMES[(cls, plan.tier)].seconds,
            quota_seconds=_quota_seconds(cls, counts),
        )
    price = table.classes[cls]
    tier_price = price.tiers[plan.tier or NO_TIER]
    used = {
        "retrievalPerGB": tier_price.retrieval_per_gb,
        "requestsPer10000": tier_price.requests_per_10000,
        "temporaryStoragePerGBMonth": price.temporary_storage_per_gb_month,
    }
    retrieval = _times(gb, tier_price.retrieval_per_gb)
    request = _times(counts["requests"] / 10_000, tier_price.requests_per_10000)
    storage = _times(gb / 30 * plan.days, price.temporary_storage_per_gb_month)
    # Nothing to request costs nothing, whatever the price: only a needed price that is missing leaves a class unpriced.
    missing = tuple(name for name, p in used.items() if p.value is None) if counts["requests"] else ()
    parts = (retrieval, request, storage)
    cost = None if missing else sum(part or 0.0 for part in parts)
    return ClassEstimate(
        storage_class=cls,
        objects=counts["objects"],
        bytes=counts["bytes"],
        requests=counts["requests"],
        request_bytes=counts["requestBytes"],
        tier=plan.tier,
        days=plan.days,
        retrieval_cost=_round(retrieval),
        request_cost=_round(request),
        temporary_storage_cost=_round(storage),
        cost=_round(cost),
        unpriced=missing,
        prices_verified=all(p.verified for p in used.values()),
        sources=tuple(dict.fromkeys(p.source for p in used.values())),
        restore_seconds=RESTORE_TIMES[(cls, plan.tier)].seconds,
        quota_seconds=_quota_seconds(cls, counts),
    )


def _quota_seconds(cls: str, counts: Mapping[str, int]) -> int:
    return math.ceil(restore_quota_seconds(cls, requests=counts["requests"], request_bytes=counts["requestBytes"]))


def _direct_read(counts: Mapping[str, int], table: RegionPrices | None) -> dict[str, Any] | None:
    """What reading the Archive objects left to archive direct read costs: their bytes x the price per GB read."""
    objects, size = counts.get("directReadObjects", 0), counts.get("directReadBytes", 0)
    if not objects:
        return None
    price = table.classes[ARCHIVE].direct_read_per_gb if table is not None else None
    return {
        "objects": objects,
        "bytes": size,
        "perGB": None if price is None else price.value,
        "cost": None if price is None else _round(_times(size / GB, price)),
        "verified": bool(price and price.verified),
        "source": "" if price is None else price.source,
    }


def _copy(plan: Plan, tally: Tally, table: RegionPrices | None) -> dict[str, Any]:
    """What converting or copying the readable objects costs, per class (see the module's docstring)."""
    rows: list[dict[str, Any]] = []
    for cls in ARCHIVE_CLASSES:
        counts = tally[cls]
        objects = counts["objects"] - counts["directReadObjects"]
        if not objects:
            continue
        size = counts["bytes"] - counts["directReadBytes"]
        young = plan.mode == CONVERT and counts["youngObjects"] > 0
        put = _higher(table.put_requests(cls), table.put_requests(plan.storage_class)) if table else None
        early: float | None = 0.0  # a copy elsewhere leaves the archived object where it is: no early deletion
        if young:
            early = _round(_times(counts["youngByteDays"] / GB / 30, table.storage(cls))) if table else None
        rows.append(
            {
                "storageClass": cls,
                "objects": objects,
                "bytes": size,
                "requests": counts["copyRequests"],
                "requestCost": _round(_times(counts["copyRequests"] / 10_000, put)) if put else None,
                "storagePerMonth": _round(_times(size / GB, table.storage(plan.storage_class))) if table else None,
                "youngObjects": counts["youngObjects"] if young else 0,
                "youngByteDays": counts["youngByteDays"] if young else 0,
                "earlyDeletionCost": early,
                "atLeast": young and cls in (COLD_ARCHIVE, DEEP_COLD_ARCHIVE),
            }
        )

    def total(name: str) -> float | None:
        """The priced classes' sum (`unpriced` names the others); None only when no class is priced."""
        values = [r[name] for r in rows if r[name] is not None]
        return _round(sum(values)) if values or not rows else None

    return {
        "mode": plan.mode,
        "storageClass": plan.storage_class,
        "target": None if plan.mode == CONVERT else f"oss://{plan.bucket}/{plan.prefix}",
        # one-time costs of the priced classes (`unpriced` names the others), and the copies' storage a month
        "classes": rows,
        "requestCost": total("requestCost"),
        "storagePerMonth": total("storagePerMonth"),
        "earlyDeletionCost": total("earlyDeletionCost"),
        "unpriced": [
            r["storageClass"] for r in rows if None in (r["requestCost"], r["storagePerMonth"], r["earlyDeletionCost"])
        ],
    }


def _higher(a: Price, b: Price) -> Price | None:
    """The higher of two prices; None (unpriced) when either is."""
    if a.value is None or b.value is None:
        return None
    return a if a.value >= b.value else b


def _times(quantity: float, price: Price) -> float | None:
    return None if price.value is None else quantity * price.value


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
    return "unpriced" if value is None else f"{value:,.2f}"


def estimate_table(est: Mapping[str, Any]) -> list[Any]:
    """The estimate as a table and the lines that qualify it (which prices, their standing, what is unpriced)."""
    from ossrestore.fit import Cells, fitted

    currency = est.get("currency")
    rows = []
    for row in est["classes"]:
        mark = " *" if row["cost"] is not None and not row["pricesVerified"] else ""
        rows.append(
            [
                row["storageClass"],
                f"{row['objects']:,}",
                human_bytes(row["bytes"]),
                f"{row['requests']:,}",
                f"{row['tier'] or '-'}/{row['days']}d",
                _money(row["cost"]) + mark,
                duration(row["restoreSeconds"]),
            ]
        )
    total = est["total"]
    rows.append(
        [
            "total",
            f"{total['objects']:,}",
            human_bytes(total["bytes"]),
            f"{total['requests']:,}",
            "",
            "-" if total["cost"] is None else _money(total["cost"]) + (" +" if total.get("unpriced") else ""),
            duration(total["seconds"]),
        ]
    )
    title = (
        f"estimate (before any restore; cost in {currency})"
        if currency
        else "estimate (before any restore; not priced)"
    )
    table = fitted(
        Cells(
            title=title,
            headers=["class", "objects", "bytes", "requests", "tier/days", "cost", "time"],
            rows=rows,
            text_columns=1,
            bold_last=False,
        )
    )
    return [table, *_notes(est)]


def _notes(est: Mapping[str, Any]) -> list[str]:
    total, currency = est["total"], est.get("currency")
    if not currency:
        region = est.get("region")
        notes = [
            f"no price table covers region {region}: costs are not estimated (the {est['priceTable']} table covers "
            f"{est.get('covered') or 'other regions'}; pass --price-table with one that names {region})"
        ]
    else:
        notes = [
            f"prices: {est['priceRegion']} ({currency}) from the {est['priceTable']} table, read {est['retrieved']}"
            + (
                "; the bucket's region is not known (pass --region), so this table is assumed"
                if est.get("regionAssumed")
                else ""
            )
        ]
    paced = [
        f"{row['storageClass']} {duration(row['quotaSeconds'])}"
        for row in est["classes"]
        if row.get("quotaSeconds", 0) > row["requests"] / est["requestsPerSecond"]
    ]
    sampled = est.get("sampled")
    if sampled and sampled["sample"] < sampled["entries"]:
        notes.append(
            f"sampled: {sampled['sample']:,} of the manifest's {sampled['entries']:,} entries asked about "
            "(HeadObject), the counts scaled to all of them"
        )
    notes.append(
        f"time: {est['requestsPerSecond']:,} requests/s"
        + (f" or OSS's restore quota, if slower ({', '.join(paced)})" if paced else "")
        + ", then the slowest documented restore, then one poll"
    )
    if any(row["cost"] is not None and not row["pricesVerified"] for row in est["classes"]):
        notes.append(
            "* prices not read on OSS's pricing page (each row's source is in the price table): check them "
            "or pass --price-table"
        )
    if currency and total.get("unpriced"):
        notes.append(
            f"unpriced: {', '.join(total['unpriced'])} (the table has no price for it: pass --price-table); "
            "+: the total is what the priced classes cost"
        )
    notes.extend(copy_notes(est))
    direct = est.get("directRead")
    if direct:
        cost = "unpriced" if direct["cost"] is None else f"{direct['cost']:,.2f} {currency}"
        notes.append(
            f"archive direct read: {direct['objects']:,} Archive objects ({human_bytes(direct['bytes'])}) are read "
            f"without a restore, billed per GB read: {cost} to read each once (not in the total)"
        )
    return notes


def copy_notes(est: Mapping[str, Any]) -> list[str]:
    """A conversion's or copy's cost, a line for its requests and storage and one per class for early deletion."""
    copy = est.get("copy")
    if not copy:
        return []
    currency = est.get("currency") or ""

    def amount(value: float | None) -> str:
        return "unpriced" if value is None else f"{value:,.2f} {currency}".strip()

    what = (
        f"convert in place to {copy['storageClass']}"
        if copy["mode"] == CONVERT
        else f"copy to {copy['target']} as {copy['storageClass']}"
    )
    requests = sum(r["requests"] for r in copy["classes"])
    size = sum(r["bytes"] for r in copy["classes"])
    lines = [
        f"{what}: {requests:,} copy requests, {amount(copy['requestCost'])}; the copies ({human_bytes(size)}) are "
        f"stored at {amount(copy['storagePerMonth'])} a month (not in the total)"
        + (f"; unpriced, not in these: {', '.join(copy['unpriced'])}" if copy.get("unpriced") else "")
    ]
    for row in copy["classes"]:
        if row["youngObjects"]:
            lines.append(
                f"early deletion, {row['storageClass']}: {row['youngObjects']:,} objects younger than the class's "
                f"minimum storage duration, {row['youngByteDays'] / GB:,.1f} GB-days left: "
                f"{'at least ' if row['atLeast'] and row['earlyDeletionCost'] is not None else ''}"
                f"{amount(row['earlyDeletionCost'])} (billed once when converted; not in the total)"
            )
    if copy["mode"] == CONVERT and not any(r["youngObjects"] for r in copy["classes"]):
        lines.append("early deletion: none (every object is older than its class's minimum storage duration)")
    return lines


def versus_table(est: Mapping[str, Any], by_class: Mapping[tuple[str, str], int], *, elapsed: float) -> Any:
    """The estimate per class beside what the report found."""
    from ossrestore.fit import Cells, fitted

    rows = []
    for row in est["classes"]:
        cls = row["storageClass"]
        rows.append(
            [
                cls,
                f"{row['objects']:,}",
                f"{row['requests']:,}",
                f"{by_class[(cls, 'restored')]:,}",
                f"{by_class[(cls, 'already_restored')]:,}",
                f"{by_class[(cls, 'in_progress')]:,}",
                f"{by_class[(cls, 'failed')]:,}",
                "",
            ]
        )
    rows.append(
        [
            "total",
            f"{est['total']['objects']:,}",
            f"{est['total']['requests']:,}",
            "",
            "",
            "",
            "",
            f"{duration(est['total']['seconds'])} / {duration(elapsed)}",
        ]
    )
    caption = None
    actual = est.get("actual")
    if isinstance(actual, Mapping):

        def money(value: Any) -> str:
            return "not priced" if value is None else f"{value:,.2f} {est.get('currency') or ''}".strip()

        left_out = est["total"].get("unpriced") or []
        caption = (
            f"cost est./actual: {money(est['total']['cost'])} / {money(actual['cost'])} "
            f"({actual['requests']:,} restore requests accepted)"
            + (f"; unpriced, not in either: {', '.join(left_out)}" if left_out else "")
        )
    return fitted(
        Cells(
            title="estimate and actual",
            caption=caption,
            rows=rows,
            headers=[
                "class",
                "est. objects",
                "est. requests",
                "restored",
                "already",
                "running",
                "failed",
                "time est./actual",
            ],
        )
    )
