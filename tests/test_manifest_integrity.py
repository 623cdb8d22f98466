"""Whole manifests only, end to end (`oss-restore run --manifest` on the real flows and handlers, oss2 over
HTTP to the emulator): a gzipped inventory file cut short, or not of the size and MD5 its manifest.json
gives, stops the run before any restore, naming the file; CSV syntax errors name their line; a byte
order mark is read; an entry named twice is requested once and reported once."""

from __future__ import annotations

import gzip
import hashlib
import json
import zlib

import pytest

from conftest import use_credentials
from ossemu import Emulator, RestoreLatency
from test_manifests import AK, SK, fresh_bucket, rows, run

pytestmark = pytest.mark.e2e  # whole commands and whole runs of the flows

SCHEMA = "Bucket, Key, VersionId, IsLatest, IsDeleteMarker, Size, StorageClass"


@pytest.fixture
def emu(monkeypatch):
    use_credentials(monkeypatch, AK, SK)
    with Emulator(credentials={AK: SK}, latency=RestoreLatency.uniform(0.2)) as emulator:
        yield emulator


def inventory_rows(bucket: str, keys: list[str]) -> bytes:
    return "".join(f'"{bucket}","{k}","","true","false","1","Archive"\n' for k in keys).encode()


def flushed_gzip(data: bytes) -> tuple[bytes, int]:
    """gzip of data with a full flush half way, and where that flush ends: a copy cut there inflates
    cleanly up to the cut."""
    z = zlib.compressobj(wbits=31)
    head = z.compress(data[: len(data) // 2]) + z.flush(zlib.Z_FULL_FLUSH)
    return head + z.compress(data[len(data) // 2 :]) + z.flush(), len(head)


def put_inventory(emu, bucket: str, body: bytes, *, size: int | None = None, md5: str | None = None) -> str:
    entry: dict[str, object] = {"key": "inv/data/0.csv.gz"}
    if size is not None:
        entry["size"] = size
    if md5 is not None:
        entry["MD5checksum"] = md5
    emu.put_object(bucket, "inv/data/0.csv.gz", body)
    doc = {"destinationBucket": bucket, "fileFormat": "CSV", "fileSchema": SCHEMA, "files": [entry]}
    emu.put_object(bucket, "inv/manifest.json", json.dumps(doc).encode())
    return f"oss://{bucket}/inv/manifest.json"


def archived(emu, bucket: str, count: int) -> list[str]:
    keys = [f"obj-{i:04d}" for i in range(count)]
    for key in keys:
        emu.put_object(bucket, key, b"x", storage_class="Archive")
    return keys


def test_an_inventory_file_cut_at_a_flush_point_stops_the_run_before_any_restore(emu, tmp_path):
    # GIVEN an inventory of 3,000 rows whose gzipped file was cut at a flush point: the first half
    # inflates cleanly, but the stream has no end-of-stream marker, no CRC and no length
    bucket = fresh_bucket(emu)
    keys = archived(emu, bucket, 3000)
    whole, cut = flushed_gzip(inventory_rows(bucket, keys))
    assert len(zlib.decompressobj(wbits=31).decompress(whole[:cut])) == len(gzip.decompress(whole)) // 2
    manifest = put_inventory(emu, bucket, whole[:cut])
    emu.stats.reset()
    # WHEN it is run
    result = run(emu, bucket, "--manifest", manifest, report=tmp_path / "r.jsonl")
    # THEN exit 2 naming the file, and not one restore was requested
    assert result.exit_code == 2, result.stderr
    assert "inv/data/0.csv.gz" in result.stderr and "cut short" in result.stderr
    assert "Traceback" not in result.stderr and emu.stats.get("RestoreObject") == 0


@pytest.mark.parametrize("wrong", ["size", "md5"])
def test_an_inventory_file_of_another_size_or_md5_than_its_manifest_gives_stops_the_run(emu, tmp_path, wrong):
    # GIVEN a whole gzip file, but manifest.json gives another size, or another MD5 (of an older copy)
    bucket = fresh_bucket(emu)
    body = gzip.compress(inventory_rows(bucket, archived(emu, bucket, 20)))
    size = len(body) + (1 if wrong == "size" else 0)
    md5 = hashlib.md5(body if wrong == "size" else body + b"older").hexdigest().upper()
    manifest = put_inventory(emu, bucket, body, size=size, md5=md5)
    emu.stats.reset()
    # WHEN it is run
    result = run(emu, bucket, "--manifest", manifest, report=tmp_path / "r.jsonl")
    # THEN exit 2 naming the file and what differs, before any restore
    assert result.exit_code == 2, result.stderr
    assert "inv/data/0.csv.gz" in result.stderr and ("bytes" if wrong == "size" else "MD5") in result.stderr
    assert emu.stats.get("RestoreObject") == 0


def test_a_file_of_the_size_and_md5_its_manifest_gives_is_restored(emu, tmp_path):
    bucket = fresh_bucket(emu)
    keys = archived(emu, bucket, 20)
    body = gzip.compress(inventory_rows(bucket, keys))
    manifest = put_inventory(emu, bucket, body, size=len(body), md5=hashlib.md5(body).hexdigest().upper())
    result = run(emu, bucket, "--manifest", manifest, report=tmp_path / "r.jsonl")
    assert result.exit_code == 0, result.stderr
    assert sorted(r["key"] for r in rows(tmp_path / "r.jsonl")) == keys


@pytest.mark.parametrize(
    "bad, problem",
    [
        ('{b},"obj-0001', "not closed"),
        ('{b},"obj\n0001"', "not closed"),
        ('{b},"obj"0001', "malformed CSV"),
    ],
)
def test_csv_syntax_errors_stop_the_run_naming_the_line(emu, tmp_path, bad, problem):
    # GIVEN a CSV whose third line opens a quote it never closes (or holds a raw line break inside quotes)
    bucket = fresh_bucket(emu)
    keys = archived(emu, bucket, 4)
    path = tmp_path / "m.csv"
    path.write_text(
        f"{bucket},{keys[0]}\n{bucket},{keys[1]}\n" + bad.format(b=bucket) + f"\n{bucket},{keys[3]}\n", encoding="utf-8"
    )
    emu.stats.reset()
    # WHEN it is run
    result = run(emu, bucket, "--manifest", str(path), report=tmp_path / "r.jsonl")
    # THEN exit 2 naming line 3, no traceback, nothing requested
    assert result.exit_code == 2, result.stderr
    assert "line 3:" in result.stderr and problem in result.stderr and "Traceback" not in result.stderr
    assert emu.stats.get("RestoreObject") == 0


def test_a_byte_order_mark_is_read_as_nothing(emu, tmp_path):
    # GIVEN a CSV saved by a spreadsheet: a UTF-8 byte order mark, then the lines, CRLF line ends
    bucket = fresh_bucket(emu)
    keys = archived(emu, bucket, 3)
    path = tmp_path / "m.csv"
    path.write_bytes(b"\xef\xbb\xbf" + "".join(f"{bucket},{k}\r\n" for k in keys).encode())
    # WHEN it is run THEN every entry is restored, the first one's bucket read without the mark
    result = run(emu, bucket, "--manifest", str(path), report=tmp_path / "r.jsonl")
    assert result.exit_code == 0, result.stderr
    assert [r["key"] for r in rows(tmp_path / "r.jsonl")] == keys


def test_an_entry_named_twice_is_requested_once_and_reported_once(emu, tmp_path):
    # GIVEN a manifest naming 150 objects, each twice: once next to itself, once 150 lines on
    bucket = fresh_bucket(emu)
    keys = archived(emu, bucket, 150)
    lines = [f"{bucket},{k}" for k in keys for _ in range(2)] + [f"{bucket},{k}" for k in keys]
    path = tmp_path / "m.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    emu.stats.reset()
    # WHEN it is run
    result = run(emu, bucket, "--manifest", str(path), report=tmp_path / "r.jsonl")
    # THEN every object was requested exactly once (no 409) and has one report line, at its first mention
    assert result.exit_code == 0, result.stderr
    stats = emu.stats.snapshot()
    assert stats["RestoreObject"] == stats["RestoreObject:202"] == 150 and stats.get("RestoreObject:409", 0) == 0
    assert [r["key"] for r in rows(tmp_path / "r.jsonl")] == keys


def test_reading_a_local_gzip_inventory_needs_its_files_whole_too(emu, tmp_path):
    # GIVEN an inventory on this machine whose file lost its last 4 bytes (the length in the trailer)
    bucket = fresh_bucket(emu)
    body = gzip.compress(inventory_rows(bucket, archived(emu, bucket, 5)))
    (tmp_path / "0.csv.gz").write_bytes(body[:-4])  # beside manifest.json, where a local inventory's files sit
    doc = {
        "destinationBucket": bucket,
        "fileFormat": "CSV",
        "fileSchema": SCHEMA,
        "files": [{"key": "inv/data/0.csv.gz"}],
    }
    (tmp_path / "manifest.json").write_text(json.dumps(doc))
    # WHEN it is run THEN exit 2 naming the file
    result = run(emu, bucket, "--manifest", str(tmp_path / "manifest.json"), report=tmp_path / "r.jsonl")
    assert result.exit_code == 2 and "0.csv.gz" in result.stderr and "cut short" in result.stderr, result.stderr


def test_a_reader_resuming_mid_manifest_knows_the_entries_named_before_its_cursor(emu, tmp_path):
    # GIVEN a manifest naming 20 objects, then the same 20 again, read half-way by one reader (one invocation)
    import oss2

    from restore_core.manifest import Cursor
    from restore_core.manifest_source import Manifest

    bucket = fresh_bucket(emu)
    keys = archived(emu, bucket, 20)
    path = tmp_path / "m.csv"
    path.write_text("".join(f"{bucket},{k}\n" for k in keys + keys), encoding="utf-8")
    run_bucket = oss2.Bucket(oss2.Auth(AK, SK), emu.endpoint, bucket)
    first, cursor = Manifest(run_bucket, str(path)).page(Cursor(), 20)
    assert [e.key for e in first] == keys and cursor is not None
    # WHEN a new reader (the next invocation, in another instance) goes on from that cursor
    rest, end = Manifest(run_bucket, str(path)).page(cursor, 100)
    # THEN it finds nothing more: every entry after the cursor was named before it
    assert rest == [] and end is None
