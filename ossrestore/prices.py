"""The price table the estimate reads: shipped as `ossrestore/data/prices.json`, or `--price-table FILE`.

Shape (every region the same):

    {"default": REGION, "regions": {REGION: {
        "currency": "CNY", "appliesTo": [region ids], "retrieved": "YYYY-MM-DD", "sources": {what: page},
        "classes": {CLASS: {"verified": bool, "temporaryStoragePerGBMonth": number,
                            "tiers": {TIER or "none": {"retrievalPerGB": number|null, "requestsPer10000": number|null}}}}}}}

A null price is one nobody could look up: the estimate shows that class's cost as unknown rather than
guess. `verified` false marks prices that were not found in the documentation searched when the table
was written; the estimate says so beside the figure. A file that breaks the shape is refused with the
field's path (exit 2).
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from ossrestore.errors import UsageError
from restore_core.classes import ARCHIVE_CLASSES, RULES

NO_TIER = "none"  # Archive takes no tier
_MAX_FILE_BYTES = 1024 * 1024


@dataclass(frozen=True, kw_only=True)
class TierPrice:
    retrieval_per_gb: float | None
    requests_per_10000: float | None


@dataclass(frozen=True, kw_only=True)
class ClassPrices:
    verified: bool
    temporary_storage_per_gb_month: float
    tiers: dict[str, TierPrice]


@dataclass(frozen=True, kw_only=True)
class RegionPrices:
    name: str
    currency: str
    applies_to: tuple[str, ...]
    retrieved: str
    sources: dict[str, str]
    classes: dict[str, ClassPrices]


@dataclass(frozen=True, kw_only=True)
class PriceTable:
    default: str
    regions: dict[str, RegionPrices]
    origin: str  # "shipped" or the file's path

    def for_region(self, region: str | None) -> RegionPrices:
        """The prices of the region a run's bucket is in (its region id), else the table's default."""
        for prices in self.regions.values():
            if region and region in prices.applies_to:
                return prices
        return self.regions[self.default]


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


def _price(value: Any, path: str, *, nullable: bool = True) -> float | None:
    if value is None and nullable:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise _Bad(path, "a number >= 0" + (" or null (unknown)" if nullable else ""), value)
    return float(value)


def _text(value: Any, path: str) -> str:
    if not isinstance(value, str) or not value:
        raise _Bad(path, "a non-empty string", value)
    return value


def _parse(data: Any, *, origin: str) -> PriceTable:
    root = _object(data, "(top level)")
    regions_raw = _object(root.get("regions"), "regions")
    if not regions_raw:
        raise _Bad("regions", "at least one region", regions_raw)
    regions = {name: _region(name, value) for name, value in regions_raw.items()}
    default = _text(root.get("default"), "default")
    if default not in regions:
        raise _Bad("default", "one of the regions: " + ", ".join(regions), default)
    return PriceTable(default=default, regions=regions, origin=origin)


def _region(name: str, value: Any) -> RegionPrices:
    at = f"regions.{name}"
    raw = _object(value, at)
    applies = raw.get("appliesTo", [])
    if not isinstance(applies, list) or not all(isinstance(r, str) for r in applies):
        raise _Bad(f"{at}.appliesTo", "a list of region ids", applies)
    sources = _object(raw.get("sources"), f"{at}.sources")
    if not sources or not all(isinstance(v, str) and v for v in sources.values()):
        raise _Bad(f"{at}.sources", "an object of non-empty strings naming each price's source page", sources)
    classes_raw = _object(raw.get("classes"), f"{at}.classes")
    for cls in classes_raw:
        if cls not in ARCHIVE_CLASSES:
            raise _Bad(f"{at}.classes.{cls}", "a storage class: " + ", ".join(ARCHIVE_CLASSES), cls)
    return RegionPrices(
        name=name, currency=_text(raw.get("currency"), f"{at}.currency"), applies_to=tuple(applies),
        retrieved=_date(raw.get("retrieved"), f"{at}.retrieved"), sources=dict(sources),
        classes={cls: _class(cls, classes_raw.get(cls), f"{at}.classes.{cls}") for cls in ARCHIVE_CLASSES},
    )


def _date(value: Any, path: str) -> str:
    from datetime import date

    try:
        date.fromisoformat(value)
    except (TypeError, ValueError):
        raise _Bad(path, "the date the prices were read, YYYY-MM-DD", value) from None
    return str(value)


def _class(cls: str, value: Any, at: str) -> ClassPrices:
    raw = _object(value, at)
    verified = raw.get("verified", False)
    if not isinstance(verified, bool):
        raise _Bad(f"{at}.verified", "true or false", verified)
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
    storage = _price(raw.get("temporaryStoragePerGBMonth"), f"{at}.temporaryStoragePerGBMonth", nullable=False)
    return ClassPrices(verified=verified, temporary_storage_per_gb_month=storage or 0.0, tiers=tiers)
