"""Manifests in the handlers, as FC calls them, with the real oss2 against the emulator: paging by byte
cursor (any page size gives the same entries), step data within CloudFlow's limit over thousands of long
lines, the first call's check of the whole manifest, versions named by ID, and a run that reports exactly
the manifest's objects, in the manifest's order."""

from __future__ import annotations

import gzip
import json
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import BUCKET_NAME, oss_bucket
from restore_core import manifest_source
from restore_core.manifest import Cursor, Entry, InvalidManifest, LineRules, lines
from restore_core.plan_task import STEP_BYTES
from shard_calls import drive, plan, report_lines
from shard_calls import settings as flow_settings

# In a bucket of its own: the run lists nothing in the restored bucket, but its report store is listed.
REPORT_BUCKET = "report-bucket"
REPORT = f"oss://{REPORT_BUCKET}/reports/m1/"


@pytest.fixture(autouse=True)
def fast_restores(monkeypatch):
    """Restores take moments here (the emulator's clock is moved by hand): confirm waits shrink with them."""
    monkeypatch.setenv("OSS_RESTORE_TIME_SCALE", "0.000001")


@pytest.fixture
def report_bucket(emulator):
    emulator.create_bucket(REPORT_BUCKET)
    return oss_bucket(emulator, REPORT_BUCKET)


def listings_of_the_data(emulator) -> int:
    return sum(emulator.stats.get_in(BUCKET_NAME, op) for op in ("ListObjects", "ListObjectsV2", "ListObjectVersions"))


def step_bytes(value) -> int:
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode())


KEYS = st.text(st.sampled_from(list("ab/,+ %é中😀")), min_size=1, max_size=12).filter(lambda k: k[0] not in "/\\")


@settings(max_examples=60, deadline=None)
@given(
    keys=st.lists(KEYS, max_size=30),
    sizes=st.lists(st.integers(1, 7), min_size=1, max_size=8),
    crlf=st.booleans(),
    final_newline=st.booleans(),
)
def test_reading_a_manifest_page_by_page_from_cursors_gives_every_line_once(keys, sizes, crlf, final_newline):
    # GIVEN a CSV manifest's bytes, read from cursors in pages of drawn sizes
    end = "\r\n" if crlf else "\n"
    body = end.join(f"b-1,{quote(k, safe='')}" for k in keys) + (end if final_newline and keys else "")
    data = body.encode()
    rules = LineRules(bucket="b-1")
    seen: list[Entry] = []
    cursor, turn = Cursor(), 0
    while True:
        size = sizes[turn % len(sizes)]
        turn += 1
        got: list[Entry] = []
        for raw, line, offset in lines(iter([data[cursor.offset :]]), cursor):
            after = Cursor(offset=offset, line=line + 1)
            entry = rules.entry(raw, line=line, after=after)
            assert entry is not None
            got.append(entry)
            cursor = after
            if len(got) == size:
                break
        seen += got
        if len(got) < size:
            break
        cursor = Cursor.decode(cursor.encode())  # through the flow as text
    # THEN every key comes back once, in order, decoded; line numbers count from 1
    assert [e.key for e in seen] == keys
    assert [e.line for e in seen] == list(range(1, len(keys) + 1))


@pytest.mark.e2e
def test_a_manifest_of_1000_long_lines_is_restored_in_its_order_with_step_data_in_bounds(
    emulator, bucket, report_bucket, clock
):
    # GIVEN 1,000 archive objects with long keys, named by a manifest in an order that is not the keys' order
    keys = [f"long/{'x' * 150}/{(i * 7919) % 1000:05d}" for i in range(1000)]
    for key in keys:
        emulator.put_object(BUCKET_NAME, key, b"", storage_class="Archive")
    emulator.put_object(BUCKET_NAME, "m.csv", "".join(f"{BUCKET_NAME},{quote(k, safe='')}\n" for k in keys).encode())
    # WHEN the run is driven round by round as the flows do
    run = drive(
        flow_settings(emulator, manifest=f"oss://{BUCKET_NAME}/m.csv", reportUrl=REPORT, maxRequestsPerSecond=10_000),
        between=lambda n: clock.advance(13 * 3600) if n == 1 else None,
    )
    # THEN every planner answer and every shard result fits CloudFlow's step data limit
    assert all(step_bytes(p) <= STEP_BYTES // 2 for p in run.plans)
    assert all(step_bytes(r) <= 1024 for r in run.restored + run.confirmed)
    # AND each key got one restore, nothing was listed, and the report names every entry once, in manifest order
    assert emulator.stats.get("RestoreObject") == 1000 and listings_of_the_data(emulator) == 0
    lines_ = report_lines(report_bucket, REPORT)
    assert [line["key"] for line in lines_] == keys
    assert {line["outcome"] for line in lines_} == {"restored"}


def test_the_first_call_refuses_a_malformed_manifest_before_any_restore(emulator, bucket, report_bucket):
    # GIVEN a manifest whose 2,500th line is malformed
    rows = [f"{BUCKET_NAME},k{i}" for i in range(3000)]
    rows[2499] = f"{BUCKET_NAME},k,v,extra"
    emulator.put_object(BUCKET_NAME, "m.csv", ("\n".join(rows) + "\n").encode())
    # WHEN the run's first call is made (in the cloud, no command checked it before)
    with pytest.raises(InvalidManifest, match="line 2500"):
        plan(flow_settings(emulator, manifest=f"oss://{BUCKET_NAME}/m.csv", reportUrl=REPORT))
    # THEN it fails naming the line, with a permanent error, and nothing was requested
    assert emulator.stats.get("RestoreObject") == 0


def test_a_manifest_names_a_version_by_its_id_and_a_missing_object_fails_with_its_code(
    emulator, bucket, report_bucket, clock
):
    # GIVEN a versioned key whose old version is Archive and current one Standard, two restored objects, a
    # frozen one, one named but absent, and a frozen object outside the manifest
    emulator.set_versioning(BUCKET_NAME, "Enabled")
    old = emulator.put_object(BUCKET_NAME, "k", b"", storage_class="Archive")
    emulator.put_object(BUCKET_NAME, "k", b"", storage_class="Standard")
    for key in ("a", "b", "c", "outside"):
        emulator.put_object(BUCKET_NAME, key, b"", storage_class="Archive")
    for key in ("a", "b"):
        bucket.restore_object(key)
        emulator.finish_restore(BUCKET_NAME, key)
    emulator.put_object(BUCKET_NAME, "inv.csv.gz", gzip.compress(b""))  # not a manifest: never read
    emulator.put_object(
        BUCKET_NAME,
        "m.csv",
        "".join(f"{BUCKET_NAME},{row}\n" for row in (f"k,{old}", "k", "a", "gone", "b", "c")).encode(),
    )
    before = emulator.stats.get("RestoreObject")
    # WHEN the run is driven, restores finishing after the first round
    run = drive(
        flow_settings(emulator, manifest=f"oss://{BUCKET_NAME}/m.csv", reportUrl=REPORT, tier="Expedited"),
        between=lambda n: clock.advance(13 * 3600) if n == 1 else None,
    )
    # THEN the old version and `c` were requested, nothing else; the report follows the manifest line by line
    assert emulator.stats.get("RestoreObject") - before == 2
    assert emulator.restore_state(BUCKET_NAME, "outside") == "frozen"
    got = [
        (line["key"], line["versionId"], line["outcome"], line["code"]) for line in report_lines(report_bucket, REPORT)
    ]
    assert got == [
        ("k", old, "restored", ""),
        ("k", None, "skipped", ""),
        ("a", None, "already_restored", ""),
        ("gone", None, "failed", "NoSuchKey"),
        ("b", None, "already_restored", ""),
        ("c", None, "restored", ""),
    ]
    assert run.summary is not None and run.summary["verdict"] == "failed"
    assert listings_of_the_data(emulator) == 0


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(st.tuples(KEYS, st.booleans()), min_size=1, max_size=15, unique_by=lambda r: r[0]),
    split=st.integers(0, 15),
)
def test_an_inventory_is_read_across_its_files_and_passes_over_delete_markers(emulator, bucket, rows, split):
    # GIVEN an inventory of two gzipped files (quoted CSV, keys URL-encoded), some rows delete markers
    schema = "Bucket, Key, VersionId, IsLatest, IsDeleteMarker, Size, StorageClass"
    text = [
        f'"{BUCKET_NAME}","{quote(k, safe="")}","v{i}","true","{str(m).lower()}","1","Standard"\n'
        for i, (k, m) in enumerate(rows)
    ]
    cut = split % (len(text) + 1)
    for i, part in enumerate((text[:cut], text[cut:])):
        emulator.put_object(BUCKET_NAME, f"inv/data/{i}.csv.gz", gzip.compress("".join(part).encode()))
    doc = {
        "destinationBucket": BUCKET_NAME,
        "fileFormat": "CSV",
        "fileSchema": schema,
        "files": [{"key": f"inv/data/{i}.csv.gz"} for i in range(2)],
    }
    emulator.put_object(BUCKET_NAME, "inv/manifest.json", json.dumps(doc).encode())
    source = manifest_source.Manifest(bucket, f"oss://{BUCKET_NAME}/inv/manifest.json")
    # WHEN read a page of two at a time from cursors
    seen: list[tuple[str, str | None, str | None]] = []
    cursor: Cursor | None = Cursor()
    while cursor is not None:
        entries, cursor = source.page(cursor, 2)
        seen += [(e.key, e.version_id, e.storage_class) for e in entries]
    # THEN every row that is not a delete marker, once, in order, with its version and class
    assert seen == [(k, f"v{i}", "Standard") for i, (k, m) in enumerate(rows) if not m]
    assert manifest_source.validate(source) == len(seen)


def test_all_versions_restores_every_archive_version_and_passes_over_delete_markers(
    emulator, bucket, report_bucket, clock
):
    # GIVEN keys with several versions (a delete marker on one), listed two entries per ListObjectVersions page
    emulator.set_versioning(BUCKET_NAME, "Enabled")
    written = {
        k: [emulator.put_object(BUCKET_NAME, k, b"", storage_class=c) for c in ("Archive", "ColdArchive", "Standard")]
        for k in ("a", "b/c", "d")
    }
    emulator.delete_object(BUCKET_NAME, "b/c")
    # WHEN the run is driven
    drive(
        flow_settings(emulator, allVersions=True, maxKeys=2, reportUrl=REPORT, tier="Expedited"),
        between=lambda n: clock.advance(13 * 3600) if n == 1 else None,
    )
    # THEN every archive version was restored by its ID, the Standard ones skipped, delete markers left out
    lines_ = report_lines(report_bucket, REPORT)
    restored = sorted((line["key"], line["versionId"]) for line in lines_ if line["outcome"] == "restored")
    assert restored == sorted((k, v) for k, vs in written.items() for v in vs[:2])
    assert sorted((line["key"], line["versionId"]) for line in lines_ if line["outcome"] == "skipped") == sorted(
        (k, vs[2]) for k, vs in written.items()
    )
    assert len(lines_) == 9
    # AND the versions were read with ListObjectVersions (the planner's one probe of the key space aside)
    assert (
        emulator.stats.get_in(BUCKET_NAME, "ListObjectVersions") >= 2
        and listings_of_the_data(emulator) <= emulator.stats.get_in(BUCKET_NAME, "ListObjectVersions") + 1
    )
