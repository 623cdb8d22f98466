"""Manifests in the handlers, as FC calls them, with the real oss2 against the emulator: paging by byte
cursor (any page size gives the same entries), the output budget over thousands of lines, the first
call's check of the whole manifest, and the confirm phase's scan of exactly the manifest's objects."""
from __future__ import annotations

import gzip
import json
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from restore_core.list_task import OUTPUT_LIMIT
from test_functions_list import invoke, list_all
from test_functions_status import invoke as invoke_status

from conftest import BUCKET_NAME
from restore_core import inputs, manifest_source
from restore_core.manifest import Cursor, Entry, InvalidManifest, LineRules, lines

KEYS = st.text(st.sampled_from(list("ab/,+ %é中😀")), min_size=1, max_size=12).filter(lambda k: k[0] not in "/\\")


@settings(max_examples=60, deadline=None)
@given(keys=st.lists(KEYS, max_size=30), sizes=st.lists(st.integers(1, 7), min_size=1, max_size=8),
       crlf=st.booleans(), final_newline=st.booleans())
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
        for raw, line, offset in lines(iter([data[cursor.offset:]]), cursor):
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


def test_listing_a_manifest_of_1000_lines_stays_in_the_output_budget_and_names_each_entry_once(emulator, bucket):
    # GIVEN 1,000 archive objects with long keys (about 50 fill a call's output), named by a manifest
    keys = [f"long/{'x' * 150}/{i:05d}" for i in range(1000)]
    for key in keys:
        emulator.put_object(BUCKET_NAME, key, b"", storage_class="Archive")
    emulator.put_object(BUCKET_NAME, "m.csv", "".join(f"{BUCKET_NAME},{quote(k, safe='')}\n" for k in keys).encode())
    # WHEN listed call by call as the flow does, the marker carried from each call to the next
    # (a budget high enough that pacing the HEADs does not slow the test down)
    outputs = list_all(emulator, manifest=f"oss://{BUCKET_NAME}/m.csv", maxRequestsPerSecond=1_000_000)
    # THEN each call's output fits its budget, every key comes exactly once, in manifest order
    assert all(len(json.dumps(o, ensure_ascii=False, separators=(",", ":")).encode()) <= OUTPUT_LIMIT for o in outputs)
    assert [t.key for o in outputs for g in o["filesGroup"] for t in inputs.files(g, "files")] == keys
    assert len(outputs) > 3  # the budget, not the manifest's end, cut the calls
    assert emulator.stats.get("ListObjects") == 0


def test_the_first_listing_call_refuses_a_malformed_manifest_before_any_entry_is_handed_on(emulator, bucket):
    # GIVEN a manifest whose 2,500th line is malformed (well past the first call's page)
    lines_ = [f"{BUCKET_NAME},k{i}" for i in range(3000)]
    lines_[2499] = f"{BUCKET_NAME},k,v,extra"
    emulator.put_object(BUCKET_NAME, "m.csv", ("\n".join(lines_) + "\n").encode())
    # WHEN the run's first call is made (in the cloud, no command checked it before)
    with pytest.raises(Exception, match="line 2500") as e:
        invoke(emulator, manifest=f"oss://{BUCKET_NAME}/m.csv")
    # THEN it fails, naming the line, with the permanent error the flow does not retry
    assert "InvalidManifest" in repr(e.value) or isinstance(e.value, InvalidManifest)
    assert emulator.stats.get("RestoreObject") == 0


def test_a_manifest_version_is_listed_with_its_version_id(emulator, bucket, fc_runtime):
    emulator.set_versioning(BUCKET_NAME, "Enabled")
    old = emulator.put_object(BUCKET_NAME, "k", b"", storage_class="Archive")
    emulator.put_object(BUCKET_NAME, "k", b"", storage_class="Standard")
    emulator.put_object(BUCKET_NAME, "m.csv", f"{BUCKET_NAME},k,{old}\n{BUCKET_NAME},k\n".encode())
    (out,) = list_all(emulator, fc_runtime, manifest=f"oss://{BUCKET_NAME}/m.csv")
    # the old Archive version is a restore target by its ID; the current version is Standard: skipped
    assert out["filesGroup"] == [{"Archive": [["k", old]]}]
    assert out["skipped"]["notArchived"] == 1


def test_the_confirm_scan_of_a_manifest_checks_exactly_its_objects_and_settles_missing_ones(emulator, bucket):
    # GIVEN a manifest of two restored objects, one frozen one and one that does not exist, and an
    # object outside the manifest that stays frozen
    for key in ("a", "b", "c", "outside"):
        emulator.put_object(BUCKET_NAME, key, b"", storage_class="Archive")
    for key in ("a", "b"):
        bucket.restore_object(key)
        emulator.finish_restore(BUCKET_NAME, key)
    emulator.put_object(BUCKET_NAME, "inv.csv.gz", gzip.compress(b""))  # not a manifest: never read
    emulator.put_object(BUCKET_NAME, "m.csv", f"{BUCKET_NAME},a\n{BUCKET_NAME},gone\n{BUCKET_NAME},b\n{BUCKET_NAME},c\n".encode())
    # WHEN the confirm phase scans it with re-requests on
    out = invoke_status(emulator, "restore_status_scan.json", manifest=f"oss://{BUCKET_NAME}/m.csv", rerequest=True)
    # THEN the frozen entry is requested again (and nothing else), the missing one holds nothing up, and
    # the cursor stops at the first entry not yet readable (`c`, line 4)
    assert out["rerequested"] == 1 and out["status"] == "running"
    assert emulator.restore_state(BUCKET_NAME, "c") == "restoring"
    assert emulator.restore_state(BUCKET_NAME, "outside") == "frozen"
    assert Cursor.decode(out["statusMarker"]).line == 4
    assert emulator.stats.get("ListObjects") == 0


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(KEYS, st.booleans()), min_size=1, max_size=15, unique_by=lambda r: r[0]),
       split=st.integers(0, 15))
def test_an_inventory_is_read_across_its_files_and_passes_over_delete_markers(emulator, bucket, rows, split):
    # GIVEN an inventory of two gzipped files (quoted CSV, keys URL-encoded), some rows delete markers
    schema = "Bucket, Key, VersionId, IsLatest, IsDeleteMarker, Size, StorageClass"
    text = [f'"{BUCKET_NAME}","{quote(k, safe="")}","v{i}","true","{str(m).lower()}","1","Standard"\n'
            for i, (k, m) in enumerate(rows)]
    cut = split % (len(text) + 1)
    for i, part in enumerate((text[:cut], text[cut:])):
        emulator.put_object(BUCKET_NAME, f"inv/data/{i}.csv.gz", gzip.compress("".join(part).encode()))
    doc = {"destinationBucket": BUCKET_NAME, "fileFormat": "CSV", "fileSchema": schema,
           "files": [{"key": f"inv/data/{i}.csv.gz"} for i in range(2)]}
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


def test_all_versions_lists_every_archive_version_across_pages_and_passes_over_delete_markers(emulator, bucket, fc_runtime):
    # GIVEN keys with several versions (a delete marker on one), listed two entries per ListObjectVersions page
    emulator.set_versioning(BUCKET_NAME, "Enabled")
    written = {k: [emulator.put_object(BUCKET_NAME, k, b"", storage_class=c) for c in ("Archive", "ColdArchive", "Standard")][::-1]
               for k in ("a", "b/c", "d")}
    emulator.delete_object(BUCKET_NAME, "b/c")
    # WHEN listed call by call (one page per call with waitPerBatch off is still cut by pages of 2)
    outputs = list_all(emulator, fc_runtime, allVersions=True, maxKeys=2)
    # THEN every archive version is a target by its ID, in listing order, and the Standard ones are skipped
    targets = [(t.key, t.version_id) for o in outputs for g in o["filesGroup"] for t in inputs.files(g, "files")]
    assert sorted(targets) == sorted((k, v) for k, vs in written.items() for v in vs[1:])
    assert sum(o["skipped"]["notArchived"] for o in outputs) == 3
    assert emulator.stats.get("ListObjects") == 0


def test_a_group_class_mixing_keys_and_versions_is_a_plain_list_within_the_output_budget(emulator, bucket):
    # GIVEN a manifest naming Archive objects, one of them by an old version, in the middle
    emulator.set_versioning(BUCKET_NAME, "Enabled")
    keys = [f"mixed/{i:04d}" for i in range(400)]
    versions = {k: emulator.put_object(BUCKET_NAME, k, b"", storage_class="Archive") for k in keys}
    lines = [f"{BUCKET_NAME},{k},{versions[k]}" if i == 200 else f"{BUCKET_NAME},{k}" for i, k in enumerate(keys)]
    emulator.put_object(BUCKET_NAME, "m.csv", ("\n".join(lines) + "\n").encode())
    # WHEN listed
    outputs = list_all(emulator, manifest=f"oss://{BUCKET_NAME}/m.csv", groupSize=1000)
    # THEN the keys before the version were packed until it came, then the class is a plain list that
    # names the version; every output stays within its budget and every entry comes once, in order
    values = [v for o in outputs for g in o["filesGroup"] for v in g.values()]
    assert any(isinstance(v, list) and [keys[200], versions[keys[200]]] in v for v in values)
    assert all(len(json.dumps(o, ensure_ascii=False, separators=(",", ":")).encode()) <= OUTPUT_LIMIT for o in outputs)
    targets = [(t.key, t.version_id) for o in outputs for g in o["filesGroup"] for t in inputs.files(g, "files")]
    assert targets == [(k, versions[k] if i == 200 else None) for i, k in enumerate(keys)]
