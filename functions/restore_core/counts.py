"""What a shard's invocation did, and the run's totals: named counters added up round after round.

One JSON object of non-zero counters (so the round's results stay small): flat names for what the
request slices and the confirm scans did, `skipped.<reason>` for objects left alone and why,
`outcome.<class>.<outcome>` for the report lines written, `failure.<code>` for objects that failed and
with which OSS code, and the per-class tally of `restore_core.tally` as `tally.<class>.<count>` (what the
listing selected) and `accepted.<class>.<count>` (the restores OSS accepted, 202: the actual cost).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from restore_core import classes
from restore_core.errors import InvalidParameter
from restore_core.tally import COUNTS as TALLY_COUNTS
from restore_core.tally import Tally, empty_tally

LISTED = "listed"  # objects a request slice looked at
REQUESTED = "requested"  # RestoreObject (or CleanRestoredObject) answered 202 / 200 for extend and clean
ALREADY_RESTORED = "alreadyRestored"  # answered 200: readable already
IN_PROGRESS = "inProgress"  # answered 409, or listed with a restore running
FAILED = "failed"  # a request refused for good
READABLE = "readable"  # settled by a confirm scan as readable
RE_REQUESTED = "rerequested"  # frozen again when a confirm scan came (expired, never took): requested again
ESCALATED = "escalated"  # running restores sped up for a deadline
ESCALATION_REFUSED = "escalationRefused"  # a faster tier OSS would not take: the restore runs on as it was
LINES = "lines"  # report lines written
MAX = 10**18

_NAME_LIMIT = 200


class Counts(Counter[str]):
    """Counters by name; adding two adds every counter."""

    def add_tally(self, prefix: str, tally: Tally) -> None:
        for cls, counts in tally.items():
            for name, n in counts.items():
                if n:
                    self[f"{prefix}.{cls}.{name}"] += n

    def tally(self, prefix: str = "tally") -> Tally:
        out = empty_tally()
        for cls in classes.ARCHIVE_CLASSES:
            for name in TALLY_COUNTS:
                out[cls][name] = self.get(f"{prefix}.{cls}.{name}", 0)
        return out

    def group(self, prefix: str) -> dict[str, int]:
        """The counters under `prefix.` by the rest of their name: skipped reasons, failure codes."""
        return {k[len(prefix) + 1 :]: v for k, v in sorted(self.items()) if k.startswith(prefix + ".") and v}

    def to_json(self) -> dict[str, int]:
        return {k: v for k, v in sorted(self.items()) if v}

    @classmethod
    def from_json(cls, value: Any, field: str) -> Counts:
        if value is None or value == {}:
            return cls()
        if not isinstance(value, Mapping):
            raise InvalidParameter(field, "an object of counters {name: count}", value)
        out = cls()
        for name, n in value.items():
            if not isinstance(name, str) or not 0 < len(name) <= _NAME_LIMIT:
                raise InvalidParameter(field, f"counter names of 1 to {_NAME_LIMIT} characters", name)
            if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= MAX:
                raise InvalidParameter(f"{field}.{name}", f"an integer from 0 to {MAX}", n)
            out[name] = n
        return out


def total(parts: Iterable[Counts]) -> Counts:
    out = Counts()
    for part in parts:
        out.update(part)
    return out
