"""Interrupting `oss-restore run` and running it again: the command in a process (and session) of its own, as a
user starts it, against the OSS emulator in this process, whose counters say what OSS was asked.

Each interruption is followed by a rerun of the same command, which must finish with every object readable
while the two runs together send at most 1.02 RestoreObject requests per object, none for an object whose
restore the first run had started (no 409), and bill none twice."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import use_credentials
from notice_receiver import receiver
from ossemu import Emulator, RestoreLatency
from ossrestore.cli import group

pytestmark = pytest.mark.e2e  # whole commands and whole runs of the flows

AK, SK = "intr-ak", "intr-secret"
BUCKET = "intr-bucket"
OBJECTS = 300
PACE = 100  # requests a second: the first run's restores take 3 s, so an interruption lands mid-way
ROOT = Path(__file__).resolve().parent.parent
OUTCOMES = {"restored", "already_restored", "in_progress", "skipped", "failed"}


@pytest.fixture
def emu():
    # Restores outlast the gap between the two runs, so the rerun finds some still in progress.
    with Emulator(credentials={AK: SK}, latency=RestoreLatency.uniform(4)) as emu:
        emu.create_bucket(BUCKET)
        emu.seed(BUCKET, counts={"Archive": 200, "ColdArchive": 100}, prefix="i/")
        yield emu


def command(emu: Emulator, report: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "ossrestore",
        "run",
        "--endpoint",
        emu.endpoint,
        "--bucket",
        BUCKET,
        "--poll-interval",
        "1",
        "--group-size",
        "5",
        "--workers",
        "2",
        "--quiet",
        "--report",
        str(report),
        *extra,
    ]


def start(emu: Emulator, report: Path, *extra: str) -> subprocess.Popen[str]:
    env = {**os.environ, "ALIBABA_CLOUD_ACCESS_KEY_ID": AK, "ALIBABA_CLOUD_ACCESS_KEY_SECRET": SK}
    # A session of its own: Ctrl-C reaches a terminal's whole foreground process group, and every process
    # the run starts (instances, fork server, resource tracker) can be found by its session id.
    return subprocess.Popen(
        command(emu, report, *extra),
        env=env,
        cwd=ROOT,
        start_new_session=True,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def wait_until(condition: Callable[[], bool], proc: subprocess.Popen[str], *, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert proc.poll() is None, f"the run ended before the interruption: {proc.communicate()}"
        assert time.monotonic() < deadline, "the run never got there"
        time.sleep(0.005)


def session_processes(session: int) -> list[str]:
    """Live (not zombie) processes in the session, from /proc (field 6 of stat is the session id)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        state, _ppid, _pgrp, sid = stat.rsplit(")", 1)[1].split()[:4]
        if int(sid) == session and state != "Z":
            found.append(f"{pid} {stat[:80]}")
    return found


def assert_no_process_left(session: int, *, within: float = 5.0) -> None:
    deadline = time.monotonic() + within
    while session_processes(session) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert session_processes(session) == []


def read_rows(report: Path) -> list[dict]:
    rows = [json.loads(line) for line in report.read_text(encoding="utf-8").splitlines()]
    assert all(row["outcome"] in OUTCOMES and row["key"].startswith("i/") for row in rows)
    return rows


def rerun_finishes_without_waste(emu: Emulator, tmp_path: Path) -> None:
    """The same command again: exit 0, every object readable, no restore requested twice."""
    restoring = sum(emu.restore_state(BUCKET, k) == "restoring" for k in emu.keys(BUCKET))
    report = tmp_path / "rerun.jsonl"
    proc = start(emu, report)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, out + err
    assert {emu.restore_state(BUCKET, k) for k in emu.keys(BUCKET)} == {"restored"}
    assert len(read_rows(report)) == OBJECTS
    stats = emu.stats.snapshot()
    assert restoring > 0  # the rerun met restores the first run had started ...
    assert stats.get("RestoreObject:409", 0) == 0  # ... and asked for none of them again
    assert stats["RestoreObject"] <= 1.02 * OBJECTS
    assert (stats["restore:billed"], stats["restore:rebilled"]) == (OBJECTS, 0)


def interrupted_cleanly(proc: subprocess.Popen[str], report: Path, *, code: int) -> list[dict]:
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == code, out + err
    assert "Traceback" not in out + err and "Aborted" not in err
    lines = [line for line in err.splitlines() if line.startswith("interrupted:")]
    assert len(lines) == 1 and "run the same command again" in lines[0], err
    assert_no_process_left(proc.pid)
    return read_rows(report)


@pytest.mark.parametrize("presses", [1, 2])
def test_ctrl_c_at_30_percent_stops_cleanly_and_the_rerun_finishes_without_waste(emu, tmp_path, presses):
    # GIVEN a run that has sent about 30% of its restores, at 100 requests a second
    report = tmp_path / "first.jsonl"
    proc = start(emu, report, "--max-requests-per-second", str(PACE))
    wait_until(lambda: emu.stats.get("RestoreObject") >= 0.3 * OBJECTS, proc)
    # WHEN Ctrl-C reaches its whole process group (once, or twice to hurry it)
    os.killpg(proc.pid, signal.SIGINT)
    sent = emu.stats.get("RestoreObject")
    if presses == 2:
        time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGINT)
    # THEN exit 130, no traceback, one line on how to resume, no process left, and a valid partial report
    rows = interrupted_cleanly(proc, report, code=130)
    # AND it stopped spending at once: at most half a second of requests after the signal
    assert emu.stats.get("RestoreObject") - sent <= PACE / 2
    # AND the partial report names exactly the objects OSS accepted a restore for: every one the run paid for
    accepted = {k for k in emu.keys(BUCKET) if emu.restore_state(BUCKET, k) != "frozen"}
    assert {r["key"] for r in rows} == accepted and len(rows) >= 0.25 * OBJECTS
    assert {r["outcome"] for r in rows} <= {"in_progress", "restored"} and all(r["checkedAt"] is None for r in rows)
    # AND the same command again finishes the job without paying twice
    rerun_finishes_without_waste(emu, tmp_path)


def test_sigterm_stops_cleanly_with_exit_143(emu, tmp_path):
    report = tmp_path / "first.jsonl"
    with receiver() as hook:
        proc = start(emu, report, "--notify", hook.url())
        wait_until(lambda: emu.stats.get("RestoreObject") >= 0.3 * OBJECTS, proc)
        # WHEN only the command is sent SIGTERM (as a service manager or `kill` does)
        os.kill(proc.pid, signal.SIGTERM)
        # THEN it stops as it does on Ctrl-C, with the exit code of SIGTERM
        assert interrupted_cleanly(proc, report, code=143)
    # AND its completion notice went once, saying it was interrupted, with no verdict and no secret
    assert [r.method for r in hook.requests] == ["POST"]
    notice = json.loads(hook.requests[0].body)
    assert (notice["exitCode"], notice["counts"], notice["allReadable"]) == (143, None, False)
    assert "run the same command again" in notice["interrupted"] and SK not in hook.requests[0].body.decode()
    rerun_finishes_without_waste(emu, tmp_path)


def test_ctrl_c_in_the_confirm_phase_and_the_rerun_requests_nothing(emu, tmp_path):
    # GIVEN a run that has requested every restore and is confirming them by listing (restores slow
    # enough to still run when the rerun lists them)
    emu.set_latency(RestoreLatency.uniform(6))
    report = tmp_path / "first.jsonl"
    proc = start(emu, report)
    wait_until(lambda: emu.stats.get("RestoreObject") >= OBJECTS, proc)
    listings = emu.stats.get("ListObjects")
    wait_until(lambda: emu.stats.get("ListObjects") >= listings + 2, proc)
    # WHEN Ctrl-C reaches it
    os.killpg(proc.pid, signal.SIGINT)
    # THEN it stops cleanly, its report names every object it asked for
    assert len(interrupted_cleanly(proc, report, code=130)) == OBJECTS
    # AND the rerun sends no RestoreObject at all
    rerun_finishes_without_waste(emu, tmp_path)
    assert emu.stats.get("RestoreObject") == OBJECTS


def test_sigkill_leaves_no_process_behind_and_the_rerun_finishes(emu, tmp_path):
    report = tmp_path / "first.jsonl"
    proc = start(emu, report)
    wait_until(lambda: emu.stats.get("RestoreObject") >= 0.3 * OBJECTS, proc)
    # WHEN the command alone is killed, with no chance to clean up
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    # THEN its instances, fork server and resource tracker notice and are gone within seconds
    assert proc.returncode == -signal.SIGKILL
    assert_no_process_left(proc.pid)
    rerun_finishes_without_waste(emu, tmp_path)


def test_a_report_into_a_missing_directory_exits_2_before_any_request(emu, tmp_path, monkeypatch):
    use_credentials(monkeypatch, AK, SK)
    report = tmp_path / "no-such-dir" / "r.jsonl"
    result = CliRunner(mix_stderr=False).invoke(
        group, ["run", "--endpoint", emu.endpoint, "--bucket", BUCKET, "--report", str(report)]
    )
    assert result.exit_code == 2 and "--report" in result.stderr and "Traceback" not in result.stderr
    assert sum(emu.stats.snapshot().values()) == 0
