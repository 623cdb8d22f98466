"""`run --convert-to` and `run --copy-to` end to end: the real flows on the engine, the real handlers, oss2 over
HTTP to the emulator. What became of each object is checked with the emulator's own view and oss2, not the
run's report alone."""

from __future__ import annotations

import json
import random
from pathlib import Path

import oss2
import pytest

from conftest import invoke, run_command, use_credentials
from ossemu import Emulator, RestoreLatency

pytestmark = pytest.mark.e2e  # whole commands and whole runs of the flows

AK, SK = "convert-test-ak", "convert-test-secret"
BUCKET = "convert-bucket"
OTHER = "convert-target"


@pytest.fixture
def emu(monkeypatch):
    use_credentials(monkeypatch, AK, SK)
    with Emulator(credentials={AK: SK}, latency=RestoreLatency.uniform(0.3)) as emu:
        emu.create_bucket(BUCKET)
        yield emu


def client(emu: Emulator, name: str = BUCKET) -> oss2.Bucket:
    return oss2.Bucket(oss2.Auth(AK, SK), emu.endpoint, name)


def put_archived(emu: Emulator, n: int, *, prefix: str, seed: int) -> dict[str, tuple[str, str, str, str]]:
    """n objects of random archive classes, sizes, Content-Types and metadata: key -> (class, ETag, type, meta)."""
    rng = random.Random(seed)
    bucket = client(emu)
    put = {}
    for i in range(n):
        cls = rng.choice(["Archive", "ColdArchive", "DeepColdArchive"])
        ctype = rng.choice(["text/csv", "application/json", "image/png"])
        meta = f"owner-{rng.randrange(1000)}"
        key = f"{prefix}{rng.randrange(16**6):06x}-{i}.dat"
        result = bucket.put_object(
            key,
            rng.randbytes(rng.randrange(0, 5000)),
            headers={"x-oss-storage-class": cls, "Content-Type": ctype, "x-oss-meta-owner": meta},
        )
        put[key] = (cls, result.etag, ctype, meta)
    return put


def report(path: Path) -> dict[str, dict]:
    return {row["key"]: row for row in map(json.loads, path.read_text(encoding="utf-8").splitlines())}


def test_convert_to_standard_keeps_etag_type_and_metadata_with_one_restore_and_one_copy_each(emu, tmp_path):
    # GIVEN 120 archive objects of every archive class, each put with a Content-Type and user metadata
    put = put_archived(emu, 120, prefix="data/", seed=21)
    # WHEN they are restored and converted to Standard in one run
    result = run_command(
        "run", emu, BUCKET, "--prefix", "data/", "--convert-to", "Standard", "--max-keys", "50",
        "--report", str(tmp_path / "r.jsonl"),
    )  # fmt: skip
    # THEN it exits 0, and every one is Standard with the same ETag, Content-Type and metadata
    assert result.exit_code == 0, result.output + result.stderr
    bucket = client(emu)
    for key, (_, etag, ctype, meta) in put.items():
        head = bucket.head_object(key)
        assert head.headers["x-oss-storage-class"] == "Standard", key
        assert (head.etag, head.content_type, head.headers["x-oss-meta-owner"]) == (etag, ctype, meta)
    # AND at most 1.01 RestoreObject and 1.01 CopyObject per object, none refused (none tried while frozen)
    stats = emu.stats.snapshot()
    assert stats.get("RestoreObject", 0) <= 1.01 * len(put)
    assert stats.get("attempt:CopyObject", 0) <= 1.01 * len(put)
    assert stats.get("CopyObject:200", 0) == len(put) and stats.get("CopyObject:403", 0) == 0
    # AND the report says converted for each, with the copy's ETag
    rows = report(tmp_path / "r.jsonl")
    assert {k: (r["outcome"], r["copyEtag"]) for k, r in rows.items()} == {
        k: ("converted", v[1]) for k, v in put.items()
    }
    # AND `oss-restore report` reads it back, converted objects as a column of their own
    shown = invoke("report", str(tmp_path / "r.jsonl"))
    assert shown.exit_code == 0, shown.stderr
    assert "converted" in shown.output


def test_copy_to_another_bucket_copies_each_once_and_a_rerun_copies_nothing(emu, tmp_path):
    # GIVEN 60 archive objects under a prefix, and another bucket
    put = put_archived(emu, 60, prefix="in/", seed=7)
    emu.create_bucket(OTHER)
    args = ("--prefix", "in/", "--copy-to", f"oss://{OTHER}/restored/", "--copy-class", "IA", "--max-keys", "25")
    # WHEN they are restored and copied there
    first = run_command("run", emu, BUCKET, *args, "--report", str(tmp_path / "1.jsonl"))
    assert first.exit_code == 0, first.output + first.stderr
    # THEN every one is there once, re-rooted under restored/, as IA, with the same ETag and metadata
    target = client(emu, OTHER)
    copies = {o.key: o for o in oss2.ObjectIterator(target)}
    assert set(copies) == {"restored/" + k[len("in/") :] for k in put}
    for key, (_, etag, ctype, meta) in put.items():
        head = target.head_object("restored/" + key[len("in/") :])
        assert (head.etag, head.content_type, head.headers["x-oss-meta-owner"]) == (etag, ctype, meta)
        assert head.headers["x-oss-storage-class"] == "IA"
    # AND the sources are still archived (restored, not converted)
    assert {client(emu).head_object(k).headers["x-oss-storage-class"] for k in put} <= {
        "Archive",
        "ColdArchive",
        "DeepColdArchive",
    }
    copied = emu.stats.snapshot().get("CopyObject:200", 0)
    assert copied == len(put)
    # WHEN the run is made again
    again = run_command("run", emu, BUCKET, *args, "--report", str(tmp_path / "2.jsonl"))
    # THEN it copies nothing and still reports every object copied
    assert again.exit_code == 0, again.output + again.stderr
    assert emu.stats.snapshot().get("attempt:CopyObject", 0) == copied
    assert {r["outcome"] for r in report(tmp_path / "2.jsonl").values()} == {"copied"}
    # WHEN the sources' restored copies have expired and the run is made once more
    for key in put:
        emu.expire_restore(BUCKET, key)
    restores = emu.stats.snapshot().get("attempt:RestoreObject", 0)
    third = run_command("run", emu, BUCKET, *args, "--report", str(tmp_path / "3.jsonl"))
    # THEN nothing is restored or copied again: every copy is found at the target, and reported so
    assert third.exit_code == 0, third.output + third.stderr
    stats = emu.stats.snapshot()
    assert stats.get("attempt:RestoreObject", 0) == restores and stats.get("attempt:CopyObject", 0) == copied
    rows = report(tmp_path / "3.jsonl").values()
    assert {r["outcome"] for r in rows} == {"copied"}
    assert all("not restored or copied again" in r["reason"] for r in rows)


@pytest.mark.parametrize(
    "args, field",
    [
        (("--convert-to", "Archive"), "--convert-to"),
        (("--copy-to", "s3://x/"), "--copy-to"),
        (("--copy-to", "oss://convert-bucket/data/x/", "--prefix", "data/"), "--copy-to"),
        (("--copy-to", "oss://other-bucket/", "--convert-to", "IA"), "--copy-to"),
        (("--convert-to", "IA", "--all-versions"), "--convert-to"),
    ],
)
def test_a_conversion_or_copy_that_cannot_be_made_is_refused_naming_the_flag(emu, args, field):
    # GIVEN / WHEN a run asks for a conversion or copy out of range
    result = run_command("run", emu, BUCKET, *args)
    # THEN exit 2 and a message naming the flag, no traceback
    assert result.exit_code == 2, result.output + result.stderr
    assert field in result.stderr and "Traceback" not in result.stderr


def test_a_dry_run_of_a_conversion_prints_the_early_deletion_of_young_objects_per_class(emu):
    # GIVEN young archive objects (put just now) of two classes, and an older Archive one
    bucket = client(emu)
    for i in range(4):
        bucket.put_object(f"d/a{i}", b"a" * 2048, headers={"x-oss-storage-class": "Archive"})
        bucket.put_object(f"d/c{i}", b"c" * 4096, headers={"x-oss-storage-class": "ColdArchive"})
    # WHEN a dry run of a conversion to Standard is made in a priced region
    result = run_command("run", emu, BUCKET, "--dry-run", "--convert-to", "Standard", "--region", "cn-hangzhou")
    # THEN it sends nothing and prints the copy requests and, per class, the early deletion of the young objects
    assert result.exit_code == 0, result.output + result.stderr
    text = " ".join(result.output.split())
    assert "convert in place to Standard: 8 copy requests" in text
    assert "early deletion, Archive: 4 objects younger than the class's minimum storage duration" in text
    assert "early deletion, ColdArchive: 4 objects" in text and "at least" in text
    assert emu.stats.get("attempt:CopyObject") == 0 and emu.stats.get("attempt:RestoreObject") == 0


def test_a_manifest_runs_estimate_prices_its_conversion_from_its_sample(emu, tmp_path):
    # GIVEN three young Archive objects named by a manifest
    bucket = client(emu)
    for i in range(3):
        bucket.put_object(f"m/{i}", b"m" * 4096, headers={"x-oss-storage-class": "Archive"})
    manifest = tmp_path / "list.csv"
    manifest.write_text("".join(f"{BUCKET},m/{i}\n" for i in range(3)))
    # WHEN a dry run of their conversion is made
    result = run_command(
        "run", emu, BUCKET, "--manifest", str(manifest), "--dry-run", "--convert-to", "Standard",
        "--region", "cn-hangzhou",
    )  # fmt: skip
    # THEN the sampled estimate prints the copy requests and the early deletion, as a listed run's does
    assert result.exit_code == 0, result.output + result.stderr
    text = " ".join(result.output.split())
    assert "convert in place to Standard: 3 copy requests" in text
    assert "early deletion, Archive: 3 objects younger than the class's minimum storage duration" in text
