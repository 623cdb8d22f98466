"""`oss-restore run --manifest` end to end: the real flows on the engine, the real handlers, the real oss2
over HTTP to the emulator. Keys are drawn by hypothesis (commas, `+`, spaces, `%`, non-ASCII, `/`), so
every run checks a key set it was not written for."""

from __future__ import annotations

import gzip
import hashlib
import io
import itertools
import json
from pathlib import Path
from urllib.parse import quote

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from conftest import use_credentials
from ossemu import Emulator, RestoreLatency
from ossrestore.cli import group

pytestmark = pytest.mark.e2e  # whole commands and whole runs of the flows

AK, SK = "manifest-ak", "manifest-secret"
BUCKET = "manifest-bucket"
ARCHIVE = ("Archive", "ColdArchive", "DeepColdArchive")

# Key characters a manifest must carry through URL encoding: the CSV separator, `+` (a plus, never a
# space), spaces, `%`, quotes, non-ASCII of 2, 3 and 4 UTF-8 bytes, and `/`.
_CHARS = st.sampled_from(list("abcXYZ019-_.,+ %\"'/=&?#é中😀"))
KEYS = st.text(_CHARS, min_size=1, max_size=40).filter(lambda k: k[0] not in "/\\")
# Few examples, no shrinking: each example is a whole run (about a second).
_SETTINGS = settings(
    max_examples=3,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@pytest.fixture
def emu(monkeypatch):
    use_credentials(monkeypatch, AK, SK)
    with Emulator(credentials={AK: SK}, latency=RestoreLatency.uniform(0.2)) as emu:
        yield emu


_BUCKETS = itertools.count()


def fresh_bucket(emu: Emulator, stem: str = BUCKET) -> str:
    """A new, empty bucket: a hypothesis example must not see the versions an earlier one left."""
    name = f"{stem}-{next(_BUCKETS)}"
    emu.create_bucket(name)
    return name


def run(emu: Emulator, bucket: str, *args: str, report: Path):
    return CliRunner(mix_stderr=False).invoke(
        group,
        [
            "run",
            "--endpoint",
            emu.endpoint,
            "--bucket",
            bucket,
            "--poll-interval",
            "1",
            "--quiet",
            "--report",
            str(report),
            *args,
        ],
    )


def rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def encode(key: str, plain_plus: bool) -> str:
    """URL-encode a key as a manifest writer may: every reserved byte escaped, `+` escaped or left literal."""
    return quote(key, safe="+" if plain_plus else "")


@_SETTINGS
@given(keys=st.lists(KEYS, min_size=1, max_size=12, unique=True), data=st.data())
def test_a_csv_manifest_restores_exactly_its_entries_and_lists_nothing(emu, tmp_path, keys, data):
    # GIVEN archive objects named by a CSV manifest in the bucket (keys URL-encoded, some `+` left literal,
    # some lines with a versionId column left empty), others not named, and a named key that does not exist
    bucket = fresh_bucket(emu)
    named, missing = keys[:-1] or keys, keys[-1:] if len(keys) > 1 else []
    classes = {k: data.draw(st.sampled_from((*ARCHIVE, "Standard")), label=k) for k in named}
    for key, cls in classes.items():
        emu.put_object(bucket, key, b"x", storage_class=cls)
    emu.put_object(bucket, "not-named/" + named[0], b"x", storage_class="Archive")
    lines = [
        f"{bucket},{encode(k, data.draw(st.booleans()))}" + ("," if data.draw(st.booleans()) else "")
        for k in named + missing
    ]
    emu.put_object(bucket, "manifests/restore.csv", ("\n".join(lines) + "\n").encode())
    emu.stats.reset()
    # WHEN the manifest is restored
    result = run(emu, bucket, "--manifest", f"oss://{bucket}/manifests/restore.csv", report=tmp_path / "r.jsonl")
    # THEN nothing was listed: not one ListObjects (V1 or V2) or ListObjectVersions
    assert emu.stats.get("ListObjects") + emu.stats.get("ListObjectsV2") + emu.stats.get("ListObjectVersions") == 0
    # AND exactly the named archive objects were requested, once each, and are readable
    archive = [k for k in named if classes[k] in ARCHIVE]
    assert emu.stats.get("RestoreObject") == len(archive)
    assert all(emu.restore_state(bucket, k) == "restored" for k in archive)
    assert emu.restore_state(bucket, "not-named/" + named[0]) == "frozen"
    # AND the report has one line per manifest entry, in manifest order; the missing one failed, NoSuchKey
    report = rows(tmp_path / "r.jsonl")
    assert [r["key"] for r in report] == named + missing
    for row in report:
        if row["key"] in missing:
            assert (row["outcome"], row["code"]) == ("failed", "NoSuchKey")
        else:
            assert row["outcome"] == ("restored" if classes[row["key"]] in ARCHIVE else "skipped"), row
        assert row["versionId"] is None
    assert result.exit_code == (1 if missing else 0), result.stderr


def _inventory(emu: Emulator, bucket: str, dest: str, files: list[list[list[str]]]) -> str:
    """An inventory as OSS writes one: gzipped CSV files of quoted columns and a manifest.json naming them."""
    schema = [
        "Bucket",
        "Key",
        "VersionId",
        "IsLatest",
        "IsDeleteMarker",
        "Size",
        "StorageClass",
        "LastModifiedDate",
        "ETag",
    ]
    names = []
    for i, rows_ in enumerate(files):
        out = io.StringIO()
        for row in rows_:
            out.write(",".join(f'"{c}"' for c in row) + "\n")
        name = f"inv/{bucket}/daily/data/part-{i}.csv.gz"
        body = gzip.compress(out.getvalue().encode())
        emu.put_object(dest, name, body)
        names.append({"key": name, "size": len(body), "MD5checksum": hashlib.md5(body).hexdigest().upper()})
    doc = {
        "creationTimestamp": "1700000000",
        "destinationBucket": dest,
        "fileFormat": "CSV",
        "fileSchema": ", ".join(schema),
        "sourceBucket": bucket,
        "version": "2019-09-01",
        "files": names,
    }
    emu.put_object(dest, f"inv/{bucket}/daily/2026-11-30T16-00Z/manifest.json", json.dumps(doc).encode())
    return f"oss://{dest}/inv/{bucket}/daily/2026-11-30T16-00Z/manifest.json"


@_SETTINGS
@given(keys=st.lists(KEYS, min_size=3, max_size=10, unique=True), split=st.integers(0, 10))
def test_an_inventory_manifest_restores_its_archive_rows_across_its_gzipped_files(emu, tmp_path, keys, split):
    # GIVEN an inventory in another bucket: archive rows, a Standard row (no HEAD, skipped) and a
    # delete-marker row (passed over), split over two gzipped files
    bucket = fresh_bucket(emu)
    dest = fresh_bucket(emu, "inventory-dest")
    emu.set_versioning(bucket, "Enabled")
    versions = {k: emu.put_object(bucket, k, b"x", storage_class=ARCHIVE[i % 3]) for i, k in enumerate(keys[:-2])}
    standard, deleted = keys[-2], keys[-1]
    versions[standard] = emu.put_object(bucket, standard, b"x")
    emu.put_object(bucket, deleted, b"x", storage_class="Archive")
    emu.delete_object(bucket, deleted)
    marker_id = emu.versions(bucket, deleted)[0][0]

    def row(key: str, cls: str, version: str, marker: str = "false") -> list[str]:
        return [bucket, quote(key, safe=""), version, "true", marker, "1", cls, "2026-11-30T00:00:00Z", "ETAG"]

    all_rows = [row(k, ARCHIVE[i % 3], versions[k]) for i, k in enumerate(keys[:-2])]
    all_rows += [row(standard, "Standard", versions[standard]), row(deleted, "Archive", marker_id, marker="true")]
    cut = split % (len(all_rows) + 1)
    spec = _inventory(emu, bucket, dest, [all_rows[:cut], all_rows[cut:]])
    emu.stats.reset()
    # WHEN it is restored
    result = run(emu, bucket, "--manifest", spec, report=tmp_path / "r.jsonl")
    # THEN every archive row was requested once, by its version, and is readable; nothing was listed
    assert result.exit_code == 0, result.stderr
    assert emu.stats.get("RestoreObject") == len(keys) - 2
    assert all(emu.restore_state(bucket, k, versions[k]) == "restored" for k in keys[:-2])
    assert emu.stats.get("ListObjects") + emu.stats.get("ListObjectVersions") == 0
    # AND the report names each object row once with its versionId (the delete marker is no object)
    report = rows(tmp_path / "r.jsonl")
    assert [(r["key"], r["versionId"]) for r in report] == [(k, versions[k]) for k in keys[:-1]]
    assert report[-1]["outcome"] == "skipped"


@settings(_SETTINGS, max_examples=2)  # two runs per example
@given(counts=st.lists(st.integers(1, 4), min_size=1, max_size=5), data=st.data())
def test_all_versions_restores_noncurrent_archive_versions_and_without_it_only_current_ones(
    emu, tmp_path, counts, data
):
    for all_versions in (False, True):
        # GIVEN a versioned bucket whose keys have several archive versions (some with a delete marker on top)
        bucket = fresh_bucket(emu)
        emu.set_versioning(bucket, "Enabled")
        written: dict[str, list[str]] = {}
        for i, count in enumerate(counts):
            key = f"v/{i}"
            written[key] = [
                emu.put_object(bucket, key, b"x", storage_class=data.draw(st.sampled_from(ARCHIVE)))
                for _ in range(count)
            ][::-1]  # newest first
        hidden = [k for k in written if data.draw(st.booleans(), label=f"delete {k}")]
        for key in hidden:
            emu.delete_object(bucket, key)
        emu.stats.reset()
        # WHEN the bucket is restored with or without --all-versions
        flag = "--all-versions" if all_versions else "--current-versions"
        result = run(emu, bucket, flag, report=tmp_path / "r.jsonl")
        # THEN with it every archive version is readable; without it only the current ones, the rest frozen
        expected = {
            (k, v)
            for k, vs in written.items()
            for i, v in enumerate(vs)
            if all_versions or (i == 0 and k not in hidden)
        }
        assert {
            (k, v) for k, vs in written.items() for v in vs if emu.restore_state(bucket, k, v) == "restored"
        } == expected
        assert emu.stats.get("RestoreObject") == len(expected)
        # AND the report has one line per version restored, naming it (null: the current version)
        report = rows(tmp_path / "r.jsonl")
        if all_versions:
            assert {(r["key"], r["versionId"]) for r in report} == expected and len(report) == len(expected)
        else:
            assert {r["key"] for r in report} == {k for k, _ in expected}
            assert {r["versionId"] for r in report} <= {None}
        assert result.exit_code == 0, result.stderr


_MALFORMED = {
    "four fields": lambda b: f"{b},k,v,extra",
    "one field": lambda b: f"{b}",
    "another bucket": lambda b: "other-bucket,k",
    "a % that is no escape": lambda b: f"{b},50%off",
    "not UTF-8 once decoded": lambda b: f"{b},%FF%FE",
    "a blank line": lambda b: "",
    "a key starting with /": lambda b: f"{b},%2Fabs",
}


@settings(_SETTINGS, max_examples=8)
@given(
    good=st.lists(KEYS, min_size=1, max_size=20, unique=True),
    where=st.integers(0, 20),
    kind=st.sampled_from(sorted(_MALFORMED)),
)
def test_a_malformed_manifest_stops_the_run_before_any_restore_naming_the_line(emu, tmp_path, good, where, kind):
    # GIVEN a manifest of valid lines with one malformed line at a drawn position
    bucket = fresh_bucket(emu)
    for key in good:
        emu.put_object(bucket, key, b"x", storage_class="Archive")
    lines = [f"{bucket},{quote(k, safe='')}" for k in good]
    at = where % (len(lines) + 1)
    lines.insert(at, _MALFORMED[kind](bucket))
    emu.put_object(bucket, "m.csv", ("\n".join(lines) + "\n").encode())
    emu.stats.reset()
    # WHEN it is run
    result = run(emu, bucket, "--manifest", f"oss://{bucket}/m.csv", report=tmp_path / "r.jsonl")
    # THEN exit 2 naming the line, and not one restore was requested
    assert result.exit_code == 2, result.stderr
    assert f"line {at + 1}:" in result.stderr and "--manifest" in result.stderr
    assert "Traceback" not in result.stderr
    assert emu.stats.get("RestoreObject") == 0


def test_a_local_manifest_file_is_read_for_a_local_run(emu, bucket, tmp_path):
    # GIVEN a manifest on this machine (a local run may use one; the cloud reads manifests from OSS)
    bucket = fresh_bucket(emu)
    emu.put_object(bucket, "a b+c", b"x", storage_class="ColdArchive")
    path = tmp_path / "m.csv"
    path.write_text(f"{bucket},a%20b+c\r\n", encoding="utf-8")  # CRLF, `+` literal
    result = run(emu, bucket, "--manifest", str(path), report=tmp_path / "r.jsonl")
    assert result.exit_code == 0, result.stderr
    assert [(r["key"], r["outcome"]) for r in rows(tmp_path / "r.jsonl")] == [("a b+c", "restored")]


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (("--prefix", "p/"), "prefix"),
        (("--marker", "m"), "marker"),
        (("--all-versions",), "allVersions"),
        (("--wait-per-batch",), "waitPerBatch"),
        # A manifest entry carries no listed size or time: those filters would apply to some entries only.
        (("--min-size", "1K"), "minSize"),
        (("--max-size", "1G"), "maxSize"),
        (("--modified-after", "2024-01-01"), "modifiedAfter"),
        (("--modified-before", "2024-01-01"), "modifiedBefore"),
    ],
)
def test_a_manifest_with_a_flag_that_names_another_scope_is_refused(emu, tmp_path, args, named):
    bucket = fresh_bucket(emu)
    result = run(emu, bucket, "--manifest", f"oss://{bucket}/m.csv", *args, report=tmp_path / "r.jsonl")
    assert result.exit_code == 2 and named in result.stderr, result.stderr


def test_a_manifest_run_is_priced_from_a_sample_before_its_first_request(emu, tmp_path, monkeypatch):
    # GIVEN a manifest of 3,000 entries: 2,000 Archive and 1,000 Cold Archive objects of 1 KiB, and a sample of 300
    import ossrestore.manifest_estimate as manifest_estimate

    monkeypatch.setattr(manifest_estimate, "SAMPLE_ENTRIES", 300)
    bucket = fresh_bucket(emu)
    emu.seed(bucket, counts={"Archive": 2000, "ColdArchive": 1000}, prefix="m/", size=1024)
    keys = emu.keys(bucket, "m/")
    emu.put_object(bucket, "manifests/all.csv", "".join(f"{bucket},{quote(k)}\n" for k in keys).encode())
    emu.stats.reset()
    # WHEN it is restored
    result = run(emu, bucket, "--manifest", f"oss://{bucket}/manifests/all.csv", report=tmp_path / "r.jsonl")
    # THEN the estimate came first, from 300 of the 3,000 entries, scaled to all of them, and says so
    assert result.exit_code == 0, result.stderr
    assert "sampled: 300 of the manifest's 3,000 entries asked about (HeadObject)" in result.output
    estimate = result.output.split("sampled:")[0]  # the estimate's table comes before its notes

    def objects(cls: str) -> int:
        line = next(x.split() for x in estimate.splitlines() if x.split()[:1] == [cls])
        return int(line[1].replace(",", ""))

    archive, cold = objects("Archive"), objects("ColdArchive")
    assert archive + cold == 3000 and 1600 <= archive <= 2400
    # AND the estimate asked about the sample only: the run itself asks about each entry twice (its request
    # slice and its confirm scan, a manifest having no listing to read), and restored each object once
    assert emu.stats.get("HeadObject") <= 2 * 3000 + 300 + 30  # and the few the preflight makes
    assert emu.stats.get("RestoreObject") == 3000 and len(rows(tmp_path / "r.jsonl")) == 3000
