"""`oss-restore run --report oss://BUCKET/PREFIX/`: the flows write the report into OSS as the cloud's runs do,
and `oss-restore report oss://...` reads it back: one line per object in scope, `summary.json` agreeing,
through faults and an interruption."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import oss2
import pytest
from click.testing import CliRunner

from conftest import use_credentials
from ossemu import Emulator, Faults, RestoreLatency
from ossrestore.cli import group
from shard_calls import report_lines

pytestmark = pytest.mark.e2e  # whole commands and whole runs of the flows

AK, SK = "oss-report-ak", "oss-report-secret"
BUCKET = "oss-report-bucket"
REPORT = f"oss://{BUCKET}/reports/r1/"
ROOT = Path(__file__).resolve().parent.parent
CLASSES = {"Archive": 60, "ColdArchive": 30, "DeepColdArchive": 20, "Standard": 15}


@pytest.fixture
def emu(monkeypatch):
    use_credentials(monkeypatch, AK, SK)
    with Emulator(credentials={AK: SK}, latency=RestoreLatency.uniform(0.3)) as emu:
        emu.create_bucket(BUCKET)
        emu.seed(BUCKET, counts=CLASSES, prefix="data/")
        yield emu


def invoke(*args: str):
    return CliRunner(mix_stderr=False).invoke(group, list(args), env={"COLUMNS": "200"})


def bucket_of(emu: Emulator) -> oss2.Bucket:
    return oss2.Bucket(oss2.Auth(AK, SK), emu.endpoint, BUCKET)


def summary_of(emu: Emulator) -> dict:
    return json.loads(bucket_of(emu).get_object("reports/r1/summary.json").read())


def assert_one_line_per_object(emu: Emulator) -> list[dict]:
    lines = report_lines(bucket_of(emu), REPORT)
    keys = sorted(emu.keys(BUCKET, "data/"))
    assert [line["key"] for line in lines] == keys  # each object once, in key order, none of the report's own
    summary = summary_of(emu)
    outcomes = Counter(line["outcome"] for line in lines)
    assert {k: v for k, v in summary["byOutcome"].items() if v} == dict(outcomes)
    assert summary["report"]["lines"] == len(keys) and summary["report"]["complete"] is True
    return lines


def test_a_run_writes_its_report_into_oss_and_report_reads_it_back(emu, tmp_path):
    # GIVEN a bucket of mixed classes WHEN it is restored with the report in OSS
    result = invoke(
        "run",
        "--endpoint",
        emu.endpoint,
        "--bucket",
        BUCKET,
        "--prefix",
        "data/",
        "--poll-interval",
        "1",
        "--quiet",
        "--yes",
        "--report",
        REPORT,
    )
    assert result.exit_code == 0, result.stderr
    # THEN the report's parts hold one line per object in scope, and summary.json agrees with them
    lines = assert_one_line_per_object(emu)
    assert Counter(line["outcome"] for line in lines) == {"restored": 110, "skipped": 15}
    # WHEN `report` reads it from OSS, with a page
    page = tmp_path / "page.html"
    shown = invoke("report", REPORT, "--endpoint", emu.endpoint, "--html", str(page))
    # THEN it exits 0 with the counts by class, and writes the page
    assert shown.exit_code == 0, shown.stderr
    assert "DeepColdArchive" in shown.output and "110" in shown.output.replace(",", "")
    assert page.exists() and "restored" in page.read_text(encoding="utf-8")


def test_report_of_an_oss_url_needs_the_endpoint_and_a_finished_report(emu):
    # WHEN no endpoint is given THEN exit 2 naming --endpoint
    missing = invoke("report", REPORT)
    assert missing.exit_code == 2 and "--endpoint" in missing.stderr
    # WHEN the prefix holds no finished report THEN exit 2 saying so, without a traceback
    empty = invoke("report", f"oss://{BUCKET}/reports/none/", "--endpoint", emu.endpoint)
    assert empty.exit_code == 2 and "no finished report" in empty.stderr and "Traceback" not in empty.stderr


def test_faults_lose_and_duplicate_no_line(emu):
    # GIVEN an OSS that fails 15% of every request, report writes and reads included
    emu.set_faults(Faults(rate=0.15, kinds=("500", "503", "drop"), seed=11))
    # WHEN restored with the report in OSS
    result = invoke(
        "run",
        "--endpoint",
        emu.endpoint,
        "--bucket",
        BUCKET,
        "--prefix",
        "data/",
        "--poll-interval",
        "1",
        "--quiet",
        "--yes",
        "--report",
        REPORT,
    )
    emu.set_faults(Faults())
    # THEN exit 0, and still one line per object
    assert result.exit_code == 0, result.stderr
    assert_one_line_per_object(emu)


def test_an_interrupted_run_resumed_loses_and_duplicates_no_line(emu):
    # GIVEN a run with its report in OSS, paced so that Ctrl-C lands mid-way
    env = {**os.environ, "ALIBABA_CLOUD_ACCESS_KEY_ID": AK, "ALIBABA_CLOUD_ACCESS_KEY_SECRET": SK}
    command = [
        sys.executable,
        "-m",
        "ossrestore",
        "run",
        "--endpoint",
        emu.endpoint,
        "--bucket",
        BUCKET,
        "--prefix",
        "data/",
        "--poll-interval",
        "1",
        "--quiet",
        "--yes",
        "--report",
        REPORT,
    ]
    proc = subprocess.Popen(
        [*command, "--max-requests-per-second", "40"],
        env=env,
        cwd=ROOT,
        start_new_session=True,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while emu.stats.get("RestoreObject") < 30:
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.01)
    # WHEN interrupted, then the same command run again
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    again = subprocess.run(command, env=env, cwd=ROOT, text=True, capture_output=True, timeout=120)
    # THEN the rerun exits 0 and its report has one line per object, none lost, none twice
    assert again.returncode == 0, again.stderr
    assert_one_line_per_object(emu)
    assert emu.stats.get("RestoreObject:409") == 0
