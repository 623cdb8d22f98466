"""Parsing of the emulator's command-line option values, shared by `oss-restore emulator` and `demo`.

Every function raises `OptionError` naming the option and what it accepts; the commands turn it
into their usage error.
"""

from __future__ import annotations

from collections.abc import Sequence

from ossemu import classes as sc
from ossemu.errors import ConfigError
from ossemu.faults import FAULT_KINDS, Faults
from ossemu.latency import REALISTIC, RestoreLatency

# A fixed, documented pair so that local tools work without any setup; it grants nothing anywhere else.
DEV_ACCESS_KEY_ID = "oss-emulator-dev"
DEV_ACCESS_KEY_SECRET = "oss-emulator-dev-secret"

_CLASSES = ", ".join(sc.STORAGE_CLASSES)


class OptionError(ConfigError):
    """A command-line option value is not allowed."""


def parse_seed(spec: str, *, option: str = "--seed") -> dict[str, int]:
    """ "Archive=1000,ColdArchive=10" -> {"Archive": 1000, "ColdArchive": 10}."""
    counts: dict[str, int] = {}
    for item in filter(None, (s.strip() for s in spec.split(","))):
        cls, sep, raw = item.partition("=")
        cls = cls.strip()
        if not sep or cls not in sc.STORAGE_CLASSES:
            raise OptionError(option, item, f"CLASS=COUNT[,CLASS=COUNT...] with CLASS one of {_CLASSES}")
        try:
            count = int(raw)
        except ValueError:
            count = -1
        if count < 0:
            raise OptionError(option, item, f"a COUNT that is a whole number >= 0 after {cls}=")
        counts[cls] = counts.get(cls, 0) + count
    if not counts:
        raise OptionError(option, spec, f"CLASS=COUNT[,CLASS=COUNT...] with CLASS one of {_CLASSES}")
    return counts


def _seconds(raw: str, option: str, item: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value >= 0:
        raise OptionError(option, item, "SECONDS as a number >= 0")
    return value


def parse_latency(specs: Sequence[str], *, option: str = "--restore-latency") -> RestoreLatency:
    """["5"] -> every restore takes 5 s; ["ColdArchive:Bulk=30", "Archive=2"] -> those, others realistic."""
    per: dict[tuple[str, str | None], float] = {}
    for item in specs:
        target, sep, raw = item.rpartition("=")
        if not sep:
            seconds = _seconds(item, option, item)
            per.update({key: seconds for key in REALISTIC})
            continue
        cls, _, tier = target.partition(":")
        if cls not in sc.ARCHIVE_CLASSES:
            raise OptionError(
                option, item, f"SECONDS or CLASS[:TIER]=SECONDS with CLASS one of {', '.join(sc.ARCHIVE_CLASSES)}"
            )
        allowed = sc.RULES[cls].tiers
        if tier and tier not in allowed:
            raise OptionError(
                option, item, f"a TIER for {cls} among {', '.join(allowed) or '(none: Archive has no tiers)'}"
            )
        seconds = _seconds(raw, option, item)
        # A class without a tier covers all its tiers, also those an earlier uniform value set.
        per.update({key: seconds for key in REALISTIC if key[0] == cls and (not tier or key[1] == tier)})
    return RestoreLatency(per=per)


def parse_fault_rate(raw: str | float, *, option: str = "--fault-rate") -> float:
    try:
        rate = float(raw)
    except ValueError:
        rate = -1.0
    if not 0.0 <= rate <= 1.0:
        raise OptionError(option, raw, "a number from 0 to 1")
    return rate


def parse_fault_kinds(raw: str, *, option: str = "--fault-kinds") -> tuple[str, ...]:
    kinds = tuple(k.strip() for k in raw.split(",") if k.strip())
    if not kinds or any(k not in FAULT_KINDS for k in kinds):
        raise OptionError(option, raw, f"a comma-separated subset of {', '.join(FAULT_KINDS)}")
    return kinds


def parse_qps_limit(raw: int | None, *, option: str = "--qps-limit") -> int | None:
    if raw is not None and raw < 1:
        raise OptionError(option, raw, "a whole number >= 1")
    return raw


def build_faults(*, rate: str | float, kinds: str, qps_limit: int | None, seed: int | None = None) -> Faults:
    return Faults(
        rate=parse_fault_rate(rate), kinds=parse_fault_kinds(kinds), qps_limit=parse_qps_limit(qps_limit), seed=seed
    )
