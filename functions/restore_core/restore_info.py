"""Parse the restore state OSS reports in `x-oss-restore` (HEAD) and `<RestoreInfo>` (listings)."""

from __future__ import annotations

import enum
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

_LOGGER = logging.getLogger(__name__)
_LOGGER.addHandler(logging.NullHandler())

_ONGOING = re.compile(r'ongoing-request\s*=\s*"(true|false)"', re.IGNORECASE)
_EXPIRY = re.compile(r'expiry-date\s*=\s*"([^"]*)"', re.IGNORECASE)


class RestoreState(enum.Enum):
    FROZEN = "frozen"  # never requested, or the restored copy expired: OSS omits the value
    RESTORING = "restoring"
    RESTORED = "restored"


@dataclass(frozen=True)
class RestoreInfo:
    state: RestoreState
    expiry: datetime | None = None


FROZEN = RestoreInfo(RestoreState.FROZEN)


def parse(value: str | None) -> RestoreInfo:
    """Read a RestoreInfo / x-oss-restore value; None or "" means frozen.

    An unrecognised value is taken as restoring: a later poll or the restore call itself (which
    answers 200, 202 or 409 truthfully) settles it, whereas "restored" or "frozen" would end the
    wait or count a failure on a guess.
    """
    if not value:
        return FROZEN
    ongoing = _ONGOING.search(value)
    if ongoing is None:
        _LOGGER.warning("unrecognised restore state %r, treating it as restoring", value)
        return RestoreInfo(RestoreState.RESTORING)
    if ongoing.group(1).lower() == "true":
        return RestoreInfo(RestoreState.RESTORING)
    return RestoreInfo(RestoreState.RESTORED, _expiry(value))


def _expiry(value: str) -> datetime | None:
    found = _EXPIRY.search(value)
    if found is None:
        return None
    try:
        moment = parsedate_to_datetime(found.group(1))
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
