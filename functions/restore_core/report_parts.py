"""A shard's report in the run's store: its parts (gzipped JSON lines, in key order) and its record.

The record (`shards/<shard>.json`) holds the shard's range, its parts with their line counts and
outcomes, and whether it is done; `summarize` orders every shard's parts by their range into the
report's manifest. Names come from the shard's part counter (`p`), so a retried step rewrites the same
part, and a part written by an attempt that did not count is never listed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from restore_core.report_lines import ReportLine
from restore_core.run_store import RunStore, get_json, pack_lines, put_json
from restore_core.shards import Shard

PARTS = "parts/"
RECORDS = "shards/"
PART_LINES = 10_000  # report lines a part holds at most: what a writer and a report's reader keep at once


def part_name(shard: str, part: int) -> str:
    return f"{PARTS}{shard}-{part:06d}.jsonl.gz"


def record_name(shard: str) -> str:
    return f"{RECORDS}{shard}.json"


def write(store: RunStore, shard: Shard, pages: Sequence[Sequence[ReportLine]], *, done: bool) -> Shard:
    """Each non-empty list of lines as the shard's next part, then its record; the shard with its part
    counter moved on."""
    record: dict[str, Any] = get_json(store, record_name(shard.id)) or {"id": shard.id, "lo": shard.lo, "parts": []}
    # Parts from this one on were written by an attempt that did not count (it failed after writing them, and
    # this is its retry): they are dropped from the record, or their lines would be read twice.
    first = part_name(shard.id, shard.p)
    parts = [p for p in record.get("parts") or [] if p[0] < first]
    for lines in pages:
        if not lines:
            continue
        name = part_name(shard.id, shard.p)
        store.put(name, pack_lines(line.to_json() for line in lines))
        outcomes = Counter(f"{line.storage_class or ''}.{line.outcome}" for line in lines)
        parts.append([name, len(lines), dict(sorted(outcomes.items()))])
        shard = replace(shard, p=shard.p + 1)
    record.update(hi=shard.hi, parts=parts, done=done)
    put_json(store, record_name(shard.id), record)
    return shard
