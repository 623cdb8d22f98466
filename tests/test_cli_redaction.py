"""With STS credentials and `--verbose`, neither the secret nor the token reaches any output or file.

The command runs as a subprocess, as a user runs it, so its worker processes' output counts too.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ossemu import Emulator, RestoreLatency
from test_cloud_commands import FakeFnf, fnf  # noqa: F401  (the loopback Serverless Workflow API)

pytestmark = pytest.mark.e2e  # whole commands and whole runs of the flows

STS_AK, STS_SECRET, STS_TOKEN = "STS.verbose-ak", "verbose-sts-secret-5e4d3c", "CAIS+verbose/sts-token=="
BUCKET = "verbose-bucket"


def oss_restore(
    *args: str, env: dict[str, str], cwd: Path, secret: str = STS_SECRET
) -> subprocess.CompletedProcess[str]:
    env = {
        **env,
        "ALIBABA_CLOUD_ACCESS_KEY_ID": STS_AK,
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": secret,
        "ALIBABA_CLOUD_SECURITY_TOKEN": STS_TOKEN,
    }
    return subprocess.run(
        [sys.executable, "-m", "ossrestore", "--verbose", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
    )


def test_run_verbose_with_sts_credentials_prints_and_writes_neither_secret_nor_token(tmp_path):
    # GIVEN an emulator that serves the key as STS credentials, and archived objects to restore
    with Emulator(sts_tokens={STS_AK: (STS_SECRET, STS_TOKEN)}, latency=RestoreLatency.uniform(0.2)) as emu:
        emu.create_bucket(BUCKET)
        emu.seed(BUCKET, counts={"Archive": 20, "ColdArchive": 10, "Standard": 5}, prefix="v/")
        report = tmp_path / "report.jsonl"
        # WHEN the whole run is made with --verbose
        done = oss_restore(
            "run",
            "--endpoint",
            emu.endpoint,
            "--bucket",
            BUCKET,
            "--poll-interval",
            "1",
            "--report",
            str(report),
            env=dict(os.environ),
            cwd=tmp_path,
        )
    # THEN it succeeded, and its DEBUG output shows requests signed with the token...
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Make signature" in done.stderr and "x-oss-security-token:<redacted>" in done.stderr
    assert "'authorization': '<redacted>'" in done.stderr.lower()
    # ...but neither the secret nor the token appears in stdout, stderr, the report or any file written
    written = "".join(p.read_text(encoding="utf-8", errors="replace") for p in tmp_path.rglob("*") if p.is_file())
    for output in (done.stdout, done.stderr, written):
        assert STS_TOKEN not in output and STS_SECRET not in output
    assert len(report.read_text().splitlines()) == 35


def test_a_refused_signature_echoes_the_signed_string_but_the_output_does_not(tmp_path):
    # GIVEN STS credentials with the wrong secret: OSS answers SignatureDoesNotMatch with the string it
    # signed (token included) as text, as hex bytes and, for HEAD, base64 in a header
    with Emulator(sts_tokens={STS_AK: (STS_SECRET, STS_TOKEN)}) as emu:
        emu.create_bucket(BUCKET)
        done = oss_restore(
            "run",
            "--endpoint",
            emu.endpoint,
            "--bucket",
            BUCKET,
            env=dict(os.environ),
            cwd=tmp_path,
            secret="wrong-sts-secret-1a2b3c",
        )
    # THEN the run stops with exit 2, its DEBUG lines logged the refusal, and no credential was printed
    assert done.returncode == 2 and "SignatureDoesNotMatch" in done.stderr, done.stderr[-2000:]
    assert "'StringToSignBytes': '<redacted>'" in done.stderr
    for output in (done.stdout, done.stderr):
        assert STS_TOKEN not in output and "wrong-sts-secret-1a2b3c" not in output


def test_start_verbose_with_the_fnf_sdks_debug_on_prints_neither_secret_nor_token(fnf: FakeFnf, tmp_path):  # noqa: F811  (the fixture imported above)
    # GIVEN the fnf SDK's own request/response dump switched on (DEBUG=sdk: its loggers have their own handlers)
    env = {**os.environ, "DEBUG": "sdk"}
    # WHEN an execution is started with STS credentials and --verbose
    done = oss_restore(
        "start",
        "--env",
        "dev",
        "--region",
        "cn-hangzhou",
        "--bucket",
        "example-archive-dev",
        "--name",
        "verbose-1",
        env=env,
        cwd=tmp_path,
    )
    # THEN the SDK dumped its request (an RPC call: credentials in the query), token and signature masked
    assert done.returncode == 0, done.stderr[-2000:]
    assert "DEBUG darabonba-core:" in done.stderr and "> POST /Action=StartExecution" in done.stderr
    assert "SecurityToken=<redacted>" in done.stderr and "&Signature=<redacted>" in done.stderr
    assert fnf.requests[0]["SecurityToken"] == STS_TOKEN  # the request itself carried it
    for output in (done.stdout, done.stderr):
        assert STS_TOKEN not in output and STS_SECRET not in output
