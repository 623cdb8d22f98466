"""What a report line is, as `run --report` (and `extend`, `clean`) write one: a JSON object of these
fields, each of its type, `key` and `outcome` always present. `oss-restore report` reads nothing else: a
line that is not one (another JSON value, an unknown field, a field of another type, a time that is not
`YYYY-MM-DDTHH:MM:SSZ`, NaN or Infinity, a key given twice) is refused with its problem, which the
reader names with the line's number."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from restore_core.report_lines import COPY_OUTCOMES, DRY_OUTCOMES, OUTCOMES, ReportLine

ALL_OUTCOMES = frozenset(
    (*COPY_OUTCOMES, *(o for table in (OUTCOMES, DRY_OUTCOMES) for t in table.values() for o in t))
)
_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")


class NotAReportLine(ValueError):
    """The problem with one line; the reader adds the file and the line number."""


def _text(value: Any) -> str | None:
    return None if isinstance(value, str) else "must be a string"


def _key(value: Any) -> str | None:
    return None if isinstance(value, str) and value else "must be a non-empty string"


def _optional_text(value: Any) -> str | None:
    return None if value is None or isinstance(value, str) else "must be a string or null"


def _outcome(value: Any) -> str | None:
    return (
        None
        if isinstance(value, str) and value in ALL_OUTCOMES
        else f"must be one of {', '.join(sorted(ALL_OUTCOMES))}"
    )


def _moment(value: Any) -> str | None:
    """null, or a UTC time to the second as the command writes it (any real date: year 1 to 9999)."""
    if value is None:
        return None
    if isinstance(value, str) and _MOMENT.fullmatch(value):
        try:
            datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")
            return None
        except ValueError:
            pass
    return "must be null or a UTC time YYYY-MM-DDTHH:MM:SSZ"


FIELDS: dict[str, Callable[[Any], str | None]] = {
    "key": _key,
    "versionId": _optional_text,
    "storageClass": _optional_text,
    "outcome": _outcome,
    "code": _text,
    "reason": _text,
    "requestedAt": _moment,
    "checkedAt": _moment,
    "expiry": _moment,
    "tier": _optional_text,
    "readableAt": _moment,
    "copy": _optional_text,
    "copyEtag": _optional_text,
    "copyVersionId": _optional_text,
}
REQUIRED = ("key", "outcome")


def _refuse_constant(name: str) -> Any:
    raise NotAReportLine(f"not JSON ({name} is no number JSON allows)")


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for name, value in pairs:
        if name in row:
            raise NotAReportLine(f"not a report line: {name!r} given twice")
        row[name] = value
    return row


def parse(raw: bytes) -> ReportLine:
    """One line as a report line; NotAReportLine saying what is wrong otherwise."""
    try:
        row = json.loads(raw, parse_constant=_refuse_constant, object_pairs_hook=_object)
    except (ValueError, RecursionError) as e:
        if isinstance(e, NotAReportLine):
            raise
        raise NotAReportLine(f"not JSON ({e})") from None
    if not isinstance(row, dict) or any(name not in row for name in REQUIRED):
        raise NotAReportLine("not a report line (a JSON object with key and outcome)")
    for name, value in row.items():
        check = FIELDS.get(name)
        if check is None:
            raise NotAReportLine(f"not a report line: unknown field {name[:40]!r}")
        problem = check(value)
        if problem is not None:
            raise NotAReportLine(f"not a report line: {name} {problem} (got {json.dumps(value)[:60]})")
    return ReportLine.from_json(row)
