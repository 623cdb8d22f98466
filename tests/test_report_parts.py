"""A shard's report parts in the run's store: a retried step never leaves a part of the attempt that failed."""

from __future__ import annotations

from restore_core import report_parts
from restore_core.report_lines import ReportLine
from restore_core.run_store import DirStore, get_json, unpack_lines
from restore_core.shards import Shard


def lines(*keys: str) -> list[ReportLine]:
    return [ReportLine(k, None, "Archive", "restored", "", "", None, None, None, None, None) for k in keys]


def listed(store: DirStore, shard: str) -> list[str]:
    record = get_json(store, report_parts.record_name(shard))
    return [key["key"] for name, _, _ in record["parts"] for key in unpack_lines(store.get(name) or b"")]


def test_a_retry_replaces_the_parts_its_failed_attempt_wrote(tmp_path):
    # GIVEN a shard whose scan wrote two parts and then failed before handing the shard back
    store = DirStore(str(tmp_path), url=f"file://{tmp_path}/")
    shard = Shard.whole("s0", "", None)
    report_parts.write(store, shard, [lines("a", "b"), lines("c", "d")], done=False)
    # WHEN its retry, from the shard as it was, settles a different stretch in one part
    moved = report_parts.write(store, shard, [lines("a", "b", "c")], done=False)
    # THEN the record lists that part alone: no line of the failed attempt is read, none twice
    assert listed(store, "s0") == ["a", "b", "c"] and moved.p == 1
    # AND a later scan goes on after it
    report_parts.write(store, moved, [lines("d", "e")], done=True)
    assert listed(store, "s0") == ["a", "b", "c", "d", "e"]
