"""The price tables the estimate reads: shipped as `ossrestore/data/prices.json`, or `--price-table FILE`.

Shape (every table the same):

    {"default": TABLE, "regions": {TABLE: {
        "currency": "CNY", "appliesTo": [region ids], "retrieved": "YYYY-MM-DD",
        "classes": {CLASS: {"tiers": {TIER or "none": {"retrievalPerGB": PRICE, "requestsPer10000": PRICE}},
                            "temporaryStoragePerGBMonth": PRICE,
                            "directReadPerGB": PRICE}},          # Archive only: archive direct read
        "storagePerGBMonth": {ANY CLASS: PRICE},                # optional: converting and copying
        "putRequestsPer10000": {ANY CLASS: PRICE}}}}            # optional: converting and copying
    PRICE = {"value": number >= 0 or null, "source": "where the figure was read", "verified": bool}

Each table holds one currency and the regions it prices (`appliesTo`): OSS prices the Chinese mainland in
CNY and its international regions in USD, so a region is priced only by the table that names it, never by
another region's. A region no table names has no prices: the estimate says so and prices nothing. The
`default` table prices a run whose region is not known at all (no `--region`, an endpoint that names
none), and the estimate says it assumed it.

Every price carries its source. `verified` may be true only for a figure read on OSS's official pricing
page (`OFFICIAL_PRICING_PAGES`): a community answer, a copy of the price list or a billing rule without a
figure is a source, not a verification, and a table claiming otherwise is refused. A null value is a price
nobody could look up: the estimate shows that class as unpriced beside a total of what is priced, rather
than guess. A file that breaks the shape is refused with the field's path (exit 2).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from ossrestore.errors import UsageError
from restore_core.classes import ARCHIVE, ARCHIVE_CLASSES, RULES

STORAGE_CLASSES = ("Standard", "IA", *ARCHIVE_CLASSES)

NO_TIER = "none"  # Archive takes no tier
_MAX_FILE_BYTES = 1024 * 1024
# OSS's own price pages: international (USD) and Chinese mainland (CNY).
OFFICIAL_PRICING_PAGES = ("https://www.alibabacloud.com/product/oss/pricing", "https://www.aliyun.com/price/product")


@dataclass(frozen=True, kw_only=True)
class Price:
    value: float | None  # None: nobody could look it up
    source: str
    verified: bool


@dataclass(frozen=True, kw_only=True)
class TierPrice:
    retrieval_per_gb: Price
    requests_per_10000: Price


@dataclass(frozen=True, kw_only=True)
class ClassPrices:
    tiers: dict[str, TierPrice]
    temporary_storage_per_gb_month: Price
    direct_read_per_gb: Price | None  # Archive only


@dataclass(frozen=True, kw_only=True)
class RegionPrices:
    name: str
    currency: str
    applies_to: tuple[str, ...]
    retrieved: str
    classes: dict[str, ClassPrices]
    # What a conversion or copy costs, per storage class (Standard and IA too): the copy's storage, the early
    # deletion of a young archive object, and a copy's PUT requests. A class the table leaves out is unpriced.
    storage_per_gb_month: dict[str, Price] = field(default_factory=dict)
    put_requests_per_10000: dict[str, Price] = field(default_factory=dict)

    def storage(self, storage_class: str) -> Price:
        return self.storage_per_gb_month.get(storage_class) or _unpriced(storage_class, "storagePerGBMonth")

    def put_requests(self, storage_class: str) -> Price:
        return self.put_requests_per_10000.get(storage_class) or _unpriced(storage_class, "putRequestsPer10000")


def _unpriced(storage_class: str, name: str) -> Price:
    return Price(value=None, source=f"the table has no {name} for {storage_class}", verified=False)


@dataclass(frozen=True, kw_only=True)
class PriceTable:
    default: str
    regions: dict[str, RegionPrices]
    origin: str  # "shipped" or the file's path

    def for_region(self, region: str | None) -> RegionPrices | None:
        """The table that names `region`; None when none does. Without a region, the default table."""
        if not region:
            return self.regions[self.default]
        return next((prices for prices in self.regions.values() if region in prices.applies_to), None)

    def covered(self) -> str:
        """Which table covers which regions, for a message."""
        return "; ".join(
            f"{t.name} ({t.currency}): {', '.join(t.applies_to) or 'no region'}" for t in self.regions.values()
        )


class _Bad(Exception):
    def __init__(self, path: str, allowed: str, value: Any) -> None:
        super().__init__(f"{path}: must be {allowed} (got {json.dumps(value, ensure_ascii=False)[:80]})")


def load(path: Path | None = None) -> PriceTable:
    """The shipped table, or the one in `path`; UsageError naming --price-table and the field otherwise."""
    if path is None:
        text = resources.files("ossrestore").joinpath("data/prices.json").read_text(encoding="utf-8")
        return _parse(json.loads(text), origin="shipped")
    try:
        with path.open("rb") as f:
            content = f.read(_MAX_FILE_BYTES + 1)
    except OSError as e:
        raise UsageError(f"--price-table: cannot read {path}: {e.strerror or e}") from None
    if len(content) > _MAX_FILE_BYTES:
        raise UsageError(f"--price-table: {path} is larger than {_MAX_FILE_BYTES} bytes")
    try:
        data = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise UsageError(f"--price-table: {path} is not UTF-8 JSON: {e}") from None
    try:
        return _parse(data, origin=str(path))
    except _Bad as e:
        raise UsageError(f"--price-table: {e}") from None


def _object(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _Bad(path, "an object", value)
    return value


def _text(value: Any, path: str) -> str:
    if not isinstance(value, str) or not value:
        raise _Bad(path, "a non-empty string", value)
    return value


def _price(value: Any, path: str) -> Price:
    raw = _object(value, path)
    for key in raw:
        if key not in ("value", "source", "verified"):
            raise _Bad(f"{path}.{key}", "one of value, source, verified", key)
    number = raw.get("value")
    if number is not None and (
        isinstance(number, bool) or not isinstance(number, (int, float)) or not math.isfinite(number) or number < 0
    ):
        raise _Bad(f"{path}.value", "a number >= 0 or null (unpriced)", number)
    source = _text(raw.get("source"), f"{path}.source")
    verified = raw.get("verified", False)
    if not isinstance(verified, bool):
        raise _Bad(f"{path}.verified", "true or false", verified)
    if verified and (number is None or not source.startswith(OFFICIAL_PRICING_PAGES)):
        raise _Bad(
            f"{path}.verified",
            "false unless the value was read on OSS's pricing page ("
            + " or ".join(OFFICIAL_PRICING_PAGES)
            + ") and the source says so",
            verified,
        )
    return Price(value=None if number is None else float(number), source=source, verified=verified)


def _parse(data: Any, *, origin: str) -> PriceTable:
    root = _object(data, "(top level)")
    regions_raw = _object(root.get("regions"), "regions")
    if not regions_raw:
        raise _Bad("regions", "at least one region", regions_raw)
    regions = {name: _region(name, value) for name, value in regions_raw.items()}
    default = _text(root.get("default"), "default")
    if default not in regions:
        raise _Bad("default", "one of the regions: " + ", ".join(regions), default)
    claimed: dict[str, str] = {}
    for table in regions.values():
        for region in table.applies_to:
            if region in claimed:
                raise _Bad(
                    f"regions.{table.name}.appliesTo",
                    f"regions no other table names ({claimed[region]} has it)",
                    region,
                )
            claimed[region] = table.name
    return PriceTable(default=default, regions=regions, origin=origin)


def _region(name: str, value: Any) -> RegionPrices:
    at = f"regions.{name}"
    raw = _object(value, at)
    applies = raw.get("appliesTo", [])
    if not isinstance(applies, list) or not all(isinstance(r, str) and r for r in applies):
        raise _Bad(f"{at}.appliesTo", "a list of region ids", applies)
    classes_raw = _object(raw.get("classes"), f"{at}.classes")
    for cls in classes_raw:
        if cls not in ARCHIVE_CLASSES:
            raise _Bad(f"{at}.classes.{cls}", "a storage class: " + ", ".join(ARCHIVE_CLASSES), cls)
    for key in raw:
        if key not in _REGION_KEYS:
            raise _Bad(f"{at}.{key}", "one of " + ", ".join(_REGION_KEYS), key)
    return RegionPrices(
        name=name,
        currency=_text(raw.get("currency"), f"{at}.currency"),
        applies_to=tuple(applies),
        retrieved=_date(raw.get("retrieved"), f"{at}.retrieved"),
        classes={cls: _class(cls, classes_raw.get(cls), f"{at}.classes.{cls}") for cls in ARCHIVE_CLASSES},
        storage_per_gb_month=_per_class(raw.get("storagePerGBMonth"), f"{at}.storagePerGBMonth"),
        put_requests_per_10000=_per_class(raw.get("putRequestsPer10000"), f"{at}.putRequestsPer10000"),
    )


_REGION_KEYS = ("currency", "appliesTo", "retrieved", "classes", "storagePerGBMonth", "putRequestsPer10000")


def _per_class(value: Any, at: str) -> dict[str, Price]:
    """An optional {class: PRICE} of any storage class."""
    if value is None:
        return {}
    raw = _object(value, at)
    for cls in raw:
        if cls not in STORAGE_CLASSES:
            raise _Bad(f"{at}.{cls}", "a storage class: " + ", ".join(STORAGE_CLASSES), cls)
    return {cls: _price(price, f"{at}.{cls}") for cls, price in raw.items()}


def _date(value: Any, path: str) -> str:
    from datetime import date

    try:
        date.fromisoformat(value)
    except (TypeError, ValueError):
        raise _Bad(path, "the date the prices were read, YYYY-MM-DD", value) from None
    return str(value)


def _class(cls: str, value: Any, at: str) -> ClassPrices:
    raw = _object(value, at)
    allowed = ("tiers", "temporaryStoragePerGBMonth", *(("directReadPerGB",) if cls == ARCHIVE else ()))
    for key in raw:
        if key not in allowed:
            raise _Bad(f"{at}.{key}", "one of " + ", ".join(allowed), key)
    tiers_raw = _object(raw.get("tiers"), f"{at}.tiers")
    wanted = RULES[cls].tiers or (NO_TIER,)
    tiers: dict[str, TierPrice] = {}
    for tier in wanted:
        tier_raw = _object(tiers_raw.get(tier), f"{at}.tiers.{tier}")
        tiers[tier] = TierPrice(
            retrieval_per_gb=_price(tier_raw.get("retrievalPerGB"), f"{at}.tiers.{tier}.retrievalPerGB"),
            requests_per_10000=_price(tier_raw.get("requestsPer10000"), f"{at}.tiers.{tier}.requestsPer10000"),
        )
    for tier in tiers_raw:
        if tier not in wanted:
            raise _Bad(f"{at}.tiers.{tier}", "a tier this class takes: " + ", ".join(wanted), tier)
    direct = _price(raw.get("directReadPerGB"), f"{at}.directReadPerGB") if cls == ARCHIVE else None
    return ClassPrices(
        tiers=tiers,
        temporary_storage_per_gb_month=_price(
            raw.get("temporaryStoragePerGBMonth"), f"{at}.temporaryStoragePerGBMonth"
        ),
        direct_read_per_gb=direct,
    )
