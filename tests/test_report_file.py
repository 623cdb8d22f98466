"""Safe local reports: `oss-restore run --report FILE` locks the path, writes beside it and renames the whole
report into place; a path that cannot be written stops the run before anything is requested. The command
runs in processes of its own (as a user starts it) against the OSS emulator in this process."""

from __future__ import annotations

import fcntl
import json
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import use_credentials
from ossemu import Emulator, RestoreLatency
from ossrestore.cli import group
from ossrestore.errors import UsageError
from ossrestore.report_file import report_file

pytestmark = pytest.mark.e2e  # whole commands and whole runs of the flows

AK, SK = "file-ak", "file-secret"
BUCKET = "file-bucket"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def emu(monkeypatch):
    use_credentials(monkeypatch, AK, SK)
    with Emulator(credentials={AK: SK}, latency=RestoreLatency.uniform(2)) as emu:
        emu.create_bucket(BUCKET)
        emu.seed(BUCKET, counts={"Archive": 150, "ColdArchive": 50}, prefix="r/")
        yield emu


def command(emu: Emulator, report: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "ossrestore",
        "run",
        "--endpoint",
        emu.endpoint,
        "--bucket",
        BUCKET,
        "--prefix",
        "r/",
        "--poll-interval",
        "1",
        "--group-size",
        "10",
        "--workers",
        "2",
        "--quiet",
        "--report",
        str(report),
    ]


def start(emu: Emulator, report: Path, **popen: object) -> subprocess.Popen[str]:
    env = {**os.environ, "ALIBABA_CLOUD_ACCESS_KEY_ID": AK, "ALIBABA_CLOUD_ACCESS_KEY_SECRET": SK}
    return subprocess.Popen(
        command(emu, report), env=env, cwd=ROOT, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **popen
    )  # type: ignore[call-overload]  # Popen's keywords, passed on


def locked(path: Path) -> bool:
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def valid_report(path: Path) -> list[dict]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert sorted(r["key"] for r in rows) == sorted(f"r/{i:08d}" for i in range(200))
    return rows


def test_a_report_that_cannot_be_written_stops_the_run_before_anything_is_requested(emu):
    # WHEN a run names /dev/full (every write fails: no space) as its report
    result = CliRunner(mix_stderr=False).invoke(
        group, ["run", "--endpoint", emu.endpoint, "--bucket", BUCKET, "--quiet", "--report", "/dev/full"]
    )
    # THEN exit 2 with a one-line message naming it, and not one request reached OSS
    assert result.exit_code == 2, result.stderr
    assert "--report" in result.stderr and "/dev/full" in result.stderr and "Traceback" not in result.stderr
    assert emu.stats.get("RestoreObject") == 0 and emu.stats.get("ListObjects") == 0


def _no_file_may_grow() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead of a signal
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))


def test_a_report_whose_first_byte_cannot_be_written_stops_the_run_before_anything_is_requested(emu, tmp_path):
    # GIVEN a command whose files may not grow by a single byte (as on a full disk)
    report = tmp_path / "report.jsonl"
    # WHEN it runs
    proc = start(emu, report, preexec_fn=_no_file_may_grow)
    out, err = proc.communicate(timeout=60)
    # THEN the probe of the report finds it out: exit 2 naming the file, nothing requested, no file left
    assert proc.returncode == 2, out + err
    assert str(report) in err and "Traceback" not in err
    assert emu.stats.get("RestoreObject") == 0 and emu.stats.get("ListObjects") == 0
    assert list(tmp_path.iterdir()) == []


def test_a_second_run_with_the_same_report_path_stops_at_once_and_the_first_report_stays_valid(emu, tmp_path):
    # GIVEN a run writing its report to a path
    report = tmp_path / "report.jsonl"
    first = start(emu, report)
    deadline = time.monotonic() + 60
    while not locked(report):
        assert first.poll() is None and time.monotonic() < deadline, first.communicate()
        time.sleep(0.01)
    # WHEN a second run names the same path
    second = CliRunner(mix_stderr=False).invoke(
        group,
        ["run", "--endpoint", emu.endpoint, "--bucket", BUCKET, "--prefix", "r/", "--quiet", "--report", str(report)],
    )
    # THEN it exits 2 naming the file, before the first has ended
    assert second.exit_code == 2, second.stderr
    assert str(report) in second.stderr and "another run" in second.stderr
    assert first.poll() is None
    # AND the first ends with a valid report: one line per object, nothing interleaved
    out, err = first.communicate(timeout=120)
    assert first.returncode == 0, out + err
    assert {r["outcome"] for r in valid_report(report)} == {"restored"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.jsonl"]


def test_two_runs_over_the_same_prefix_with_their_own_reports_bill_nothing_twice(emu, tmp_path):
    # GIVEN two runs over the same bucket and prefix at the same time, each with its own report
    runs = [start(emu, tmp_path / f"report-{i}.jsonl") for i in range(2)]
    # WHEN both end
    results = [proc.communicate(timeout=180) for proc in runs]
    # THEN both exit 0 with a whole report, every object is readable, and each restore was billed once:
    # the later run found restores in progress (or done) and did not ask for them again
    assert [proc.returncode for proc in runs] == [0, 0], results
    for i in range(2):
        assert {r["outcome"] for r in valid_report(tmp_path / f"report-{i}.jsonl")} <= {"restored", "already_restored"}
    stats = emu.stats.snapshot()
    assert stats["restore:billed"] == 200 and stats["restore:rebilled"] == 0
    assert {emu.restore_state(BUCKET, k) for k in emu.keys(BUCKET)} == {"restored"}


def test_a_run_that_fails_leaves_the_earlier_report_as_it_was_and_one_interrupted_replaces_it(tmp_path):
    # GIVEN an earlier report at the path
    path = tmp_path / "report.jsonl"
    path.write_text('{"key": "old"}\n')
    # WHEN a run writes lines but then fails (refused input found late, a crash)
    with pytest.raises(UsageError), report_file(path, keep_on=(KeyboardInterrupt,)) as target:
        assert target is not None and target.stream is not None
        target.stream.write('{"key": "new"}\n')
        raise UsageError("found late")
    # THEN the earlier report is untouched and no temporary file is left
    assert path.read_text() == '{"key": "old"}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["report.jsonl"]
    # WHEN a run is interrupted after writing its partial report THEN that replaces the earlier one whole
    with pytest.raises(KeyboardInterrupt), report_file(path, keep_on=(KeyboardInterrupt,)) as target:
        assert target is not None and target.stream is not None
        target.stream.write('{"key": "partial"}\n')
        raise KeyboardInterrupt
    assert path.read_text() == '{"key": "partial"}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["report.jsonl"]


def test_a_new_path_left_without_a_report_is_not_left_behind_empty(tmp_path):
    path = tmp_path / "new.jsonl"
    with pytest.raises(UsageError), report_file(path):
        assert path.exists()  # created to hold the lock
        raise UsageError("refused")
    assert not path.exists()


@pytest.mark.parametrize("path", ["/dev/null", "."])
def test_a_path_that_is_not_a_regular_file_is_refused(tmp_path, path):
    with pytest.raises(UsageError, match="not a regular file"), report_file(Path(path)):
        pass
