"""`oss-restore extend` and `clean` after a run: the real flows on the engine, the real handlers, the real
oss2 over HTTP to the emulator; counts from the emulator's own request counters, expiries from a listing."""

from __future__ import annotations

import json
from email.utils import parsedate_to_datetime
from pathlib import Path

import oss2
import pytest
from click.testing import CliRunner, Result

from conftest import run_command, use_credentials
from ossemu import Emulator, RestoreLatency
from ossrestore.cli import group

pytestmark = pytest.mark.e2e  # whole commands and whole runs of the flows

AK, SK = "care-test-ak", "care-test-secret"
BUCKET = "care-bucket"
COUNTS = {"Archive": 12, "ColdArchive": 9, "DeepColdArchive": 7, "Standard": 4}
COLD = {"ColdArchive", "DeepColdArchive"}


@pytest.fixture
def emu(monkeypatch):
    use_credentials(monkeypatch, AK, SK)
    with Emulator(credentials={AK: SK}, latency=RestoreLatency.uniform(0.2)) as emu:
        emu.create_bucket(BUCKET)
        emu.seed(BUCKET, counts=COUNTS, prefix="c/")
        yield emu


def invoke(emu: Emulator, command: str, *args: str) -> Result:
    return run_command(command, emu, BUCKET, *args)


def listing(emu: Emulator) -> dict[str, oss2.models.SimplifiedObjectInfo]:
    bucket = oss2.Bucket(oss2.Auth(AK, SK), emu.endpoint, BUCKET)
    return {o.key: o for o in oss2.ObjectIterator(bucket, max_keys=1000)}


def expiry(info: str | None) -> float:
    assert info and 'ongoing-request="false"' in info, info
    return parsedate_to_datetime(info.split('expiry-date="')[1].rstrip('"')).timestamp()


def report(path: Path) -> dict[str, dict]:
    return {row["key"]: row for row in map(json.loads, path.read_text(encoding="utf-8").splitlines())}


def restored_run(emu: Emulator) -> dict[str, oss2.models.SimplifiedObjectInfo]:
    assert invoke(emu, "run").exit_code == 0
    emu.stats.reset()
    return {k: o for k, o in listing(emu).items() if o.storage_class != "Standard"}


def test_extend_sends_one_restore_per_restored_object_and_moves_every_expiry(emu, tmp_path):
    # GIVEN every archive object restored by a run (Days 1)
    before = restored_run(emu)
    # WHEN extend --days 5 runs
    result = invoke(emu, "extend", "--days", "5", "--report", str(tmp_path / "x.jsonl"))
    # THEN it exits 0 after exactly one RestoreObject per readable archive object, each answered 200
    assert result.exit_code == 0, result.output + result.stderr
    stats = emu.stats.snapshot()
    assert stats["RestoreObject"] == stats["RestoreObject:200"] == len(before) == 28
    assert stats["CleanRestoredObject"] == 0
    # AND an independent listing shows every expiry 5 days later (Archive: within its 7 days)
    after = listing(emu)
    for key, obj in before.items():
        assert expiry(after[key].restore_info) - expiry(obj.restore_info) == pytest.approx(5 * 86400, abs=2), key
    # AND the report says extended for each, skipped (with why) for the Standard objects
    rows = report(tmp_path / "x.jsonl")
    assert {k for k, r in rows.items() if r["outcome"] == "extended"} == set(before)
    assert all(r["outcome"] == "skipped" and "Standard" in r["reason"] for k, r in rows.items() if k not in before)
    assert "extended" in result.output


def test_clean_sends_one_clean_per_restored_cold_object_and_leaves_them_frozen(emu, tmp_path):
    before = restored_run(emu)
    cold = {k for k, o in before.items() if o.storage_class in COLD}
    # WHEN clean runs
    result = invoke(emu, "clean", "--report", str(tmp_path / "c.jsonl"))
    # THEN it exits 0 after exactly one CleanRestoredObject per restored Cold / Deep Cold object, all 200
    assert result.exit_code == 0, result.output + result.stderr
    stats = emu.stats.snapshot()
    assert stats["CleanRestoredObject"] == stats["CleanRestoredObject:200"] == len(cold) == 16
    assert stats["RestoreObject"] == 0  # the confirm phase restored nothing again
    # AND those are frozen again while the Archive objects (no such operation) stay readable
    after = listing(emu)
    assert all(not after[k].restore_info for k in cold)
    assert all('ongoing-request="false"' in (after[k].restore_info or "") for k in set(before) - cold)
    rows = report(tmp_path / "c.jsonl")
    assert {k for k, r in rows.items() if r["outcome"] == "cleaned"} == cold
    assert all("Cold Archive and Deep Cold Archive only" in rows[k]["reason"] for k in set(before) - cold)


def test_dry_runs_send_nothing_and_report_what_a_run_would_do(emu, tmp_path):
    before = restored_run(emu)
    for command, outcome in (("extend", "would_extend"), ("clean", "would_clean")):
        result = invoke(emu, command, "--dry-run", "--report", str(tmp_path / f"{command}.jsonl"))
        assert result.exit_code == 0, result.stderr
        rows = report(tmp_path / f"{command}.jsonl")
        chosen = {k for k, r in rows.items() if r["outcome"] == outcome}
        assert chosen == (
            {k for k, o in before.items() if o.storage_class in COLD} if command == "clean" else set(before)
        )
    assert emu.stats.get("RestoreObject") == emu.stats.get("CleanRestoredObject") == 0


def test_extend_before_any_restore_sends_nothing_and_says_why(emu, tmp_path):
    # GIVEN frozen objects only
    result = invoke(emu, "extend", "--days", "2", "--report", str(tmp_path / "f.jsonl"))
    # THEN nothing is requested, and each archive object is skipped as not restored
    assert result.exit_code == 0, result.stderr
    assert emu.stats.get("RestoreObject") == 0
    rows = report(tmp_path / "f.jsonl").values()
    assert {r["reason"] for r in rows if r["storageClass"] != "Standard"} == {"not restored: no copy to extend"}


def test_extend_days_are_worded_per_class_and_archive_says_it_is_capped_at_7(emu, tmp_path):
    before = restored_run(emu)
    # WHEN a 30-day extend is tried as a dry run
    result = invoke(emu, "extend", "--days", "30", "--dry-run", "--report", str(tmp_path / "x.jsonl"))
    # THEN the days are said per class: Archive at its most, 7
    assert result.exit_code == 0, result.output + result.stderr
    assert "Archive: 7 days (the class's most; 30 asked)" in result.output
    assert "ColdArchive: 30 days" in result.output and "DeepColdArchive: 30 days" in result.output
    assert "by 30 day" not in "".join(line for line in result.output.splitlines() if line.startswith("Archive"))
    # AND so does each report line
    rows = report(tmp_path / "x.jsonl")
    for key, obj in before.items():
        days = 7 if obj.storage_class == "Archive" else 30
        assert rows[key]["reason"] == f"restored: a run would extend its expiry by {days} day(s)", rows[key]


@pytest.mark.parametrize(
    ("command", "flag"),
    [
        ("extend", ["--action", "clean"]),
        ("clean", ["--action", "extend"]),
        ("extend", ["--tier", "Bulk"]),
        ("clean", ["--days", "3"]),
        ("extend", ["--deadline", "2d"]),
        ("clean", ["--notify", "http://h/x"]),
        ("extend", ["--no-dry-run"]),
    ],
)
def test_extend_and_clean_take_only_their_own_flags(emu, command, flag):
    result = invoke(emu, command, *flag)
    assert result.exit_code == 2, result.output + result.stderr
    assert "No such option" in result.stderr
    assert emu.stats.get("RestoreObject") == emu.stats.get("CleanRestoredObject") == 0


def test_extend_and_clean_list_dry_run_once_and_refuse_an_input_field_not_theirs(emu, tmp_path):
    for command in ("extend", "clean"):
        shown = CliRunner(mix_stderr=False).invoke(group, [command, "-h"]).output
        assert shown.count("--dry-run") == 1, shown
    spec = tmp_path / "input.json"
    spec.write_text(json.dumps({"endpoint": emu.endpoint, "bucketName": BUCKET, "action": "clean"}))
    result = CliRunner(mix_stderr=False).invoke(group, ["extend", "--input", str(spec)])
    assert result.exit_code == 2 and "unknown field(s) action" in result.stderr
