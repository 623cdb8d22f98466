"""Bad input on the command line or in `--input`: exit 2 with the flag named, before any request."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from conftest import use_credentials
from ossemu import Emulator
from ossrestore.cli import group
from test_cloud_commands import fnf  # noqa: F401  (the loopback Serverless Workflow API)

AK, SK = "cli-validation-ak", "cli-validation-secret"


@pytest.fixture(scope="module")
def emu():
    with Emulator(credentials={AK: SK}) as emu:
        emu.create_bucket("valid-bucket")
        yield emu


@pytest.fixture
def creds(monkeypatch):
    use_credentials(monkeypatch, AK, SK)


def run(*args: str):
    return CliRunner(mix_stderr=False).invoke(group, ["run", *args])


@pytest.mark.parametrize("flag", ["--prefix", "--marker"])
def test_an_undecodable_byte_in_argv_exits_2_naming_the_flag(emu, flag):
    # GIVEN a prefix or marker holding a byte that is not UTF-8, as a shell passes it
    env = {**os.environ, "ALIBABA_CLOUD_ACCESS_KEY_ID": AK, "ALIBABA_CLOUD_ACCESS_KEY_SECRET": SK}
    argv = [
        sys.executable,
        "-m",
        "ossrestore",
        "run",
        "--endpoint",
        emu.endpoint,
        "--bucket",
        "valid-bucket",
        flag,
        b"logs/\xff",
    ]
    # WHEN run THEN it stops with exit 2 and one line naming the flag, the byte shown as an escape
    done = subprocess.run(argv, capture_output=True, env=env, timeout=60)
    stderr = done.stderr.decode("utf-8")
    assert done.returncode == 2, stderr
    assert stderr.startswith(f"error: {flag}: ") and "without lone surrogates" in stderr and "\\udcff" in stderr
    assert "Traceback" not in stderr and emu.stats.get("ListObjects") == 0


@pytest.mark.parametrize("endpoint", ["http://127.0.0.1:99999", "http://127.0.0.1:0", "http://a..b"])
def test_a_bad_endpoint_exits_2_before_any_request(emu, creds, endpoint):
    result = run("--endpoint", endpoint, "--bucket", "valid-bucket")
    assert result.exit_code == 2 and result.stderr.startswith("error: --endpoint: ")
    assert "port 1 to 65535" in result.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"[" * 5000 + b"]" * 5000, "--input is nested more than 32 levels deep"),
        (
            b'{"maxKeys": ' + b"9" * 5000 + b"}",
            "--max-keys: maxKeys must be an integer from 1 to 1000 (got <a number of 5000 digits>)",
        ),
        (b'{"maxKeys": "' + b"9" * 5000 + b'"}', "--max-keys: maxKeys must be an integer from 1 to 1000"),
        (
            b'{"prefix": "\\ud800"}',
            "--prefix: prefix must be a string of at most 1023 UTF-8 bytes, without lone surrogates",
        ),
        (b'{"prefix": "\xed\xa0\x80"}', "--input is not UTF-8"),
        (b"\xef\xbb\xbf{}", "--input is not JSON"),
    ],
)
def test_a_bad_input_file_exits_2_naming_the_field(emu, creds, tmp_path, content, message):
    # GIVEN an --input file otherwise valid, with one field (or the document) out of bounds
    spec = tmp_path / "input.json"
    body = json.dumps({"endpoint": emu.endpoint, "bucketName": "valid-bucket"})[1:-1].encode()
    spec.write_bytes(content.replace(b"{", b"{" + body + b", ", 1) if content.startswith(b'{"') else content)
    # WHEN run THEN exit 2 with the field and its range, and no request was sent
    result = run("--input", str(spec))
    assert result.exit_code == 2, result.stderr
    assert result.stderr.startswith("error: " + message), result.stderr
    assert emu.stats.get("ListObjects") == 0


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (
            ["--max-concurrent-invocations", "1001"],
            "--max-concurrent-invocations: maxConcurrentInvocations must be an integer from 1 to 1000 (got 1001)",
        ),
        (["--round-seconds", "4"], "--round-seconds: roundSeconds must be an integer from 5 to 600 (got 4)"),
        (
            ["--rounds-per-execution", "321"],
            "--rounds-per-execution: roundsPerExecution must be an integer from 1 to 320 (got 321)",
        ),
    ],
)
def test_a_concurrency_bound_out_of_range_exits_2_naming_flag_and_range(emu, creds, flags, message):
    result = run("--endpoint", emu.endpoint, "--bucket", "valid-bucket", *flags)
    assert result.exit_code == 2, result.stderr
    assert result.stderr.startswith("error: " + message), result.stderr
    assert emu.stats.get("ListObjects") == 0


def test_demo_refuses_a_latency_that_is_not_a_number():
    result = CliRunner(mix_stderr=False).invoke(group, ["demo", "--restore-latency", "nan"])
    assert result.exit_code == 2 and "--restore-latency" in result.stderr


@pytest.mark.parametrize("name", ["a b", "9starts-with-a-digit", "x" * 129, "\udcff"])
def test_status_refuses_an_execution_name_the_service_would_refuse(fnf, name):  # noqa: F811  (the fixture imported above)
    result = CliRunner(mix_stderr=False).invoke(group, ["status", name, "--env", "dev", "--region", "cn-hangzhou"])
    assert result.exit_code == 2 and result.stderr.startswith("error: EXECUTION_NAME: ")
    assert "[A-Za-z0-9_-]" in result.stderr and fnf.requests == []


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (["--env", "nope", "--region", "cn-hangzhou"], "--env: unknown environment"),
        (["--env", "dev", "--region", "eu-central-1"], "--region: unknown region"),
    ],
)
def test_start_names_the_flag_of_an_unknown_stack(fnf, args, flag):  # noqa: F811  (the fixture imported above)
    result = CliRunner(mix_stderr=False).invoke(group, ["start", *args, "--bucket", "example-archive-dev"])
    assert result.exit_code == 2 and result.stderr.startswith("error: " + flag)


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (["run", "--report", "r\x00.jsonl"], "--report"),
        (["run", "--input", "i\x00.json"], "--input"),
        (["demo", "--report", "r\x00.jsonl"], "--report"),
    ],
)
def test_a_path_holding_a_nul_character_is_a_usage_error(args, flag):
    result = CliRunner(mix_stderr=False).invoke(group, args)
    assert result.exit_code == 2 and f"Invalid value for '{flag}'" in result.stderr and "NUL" in result.stderr


def test_an_input_file_past_a_flow_inputs_limit_is_refused_without_reading_it_all(creds, tmp_path):
    # GIVEN an --input that never ends (a device) and one of 1 MiB + 1 byte
    big = tmp_path / "big.json"
    big.write_bytes(b" " * (1024 * 1024) + b"{}")
    for path in ("/dev/zero", str(big)):
        # WHEN run THEN exit 2: larger than StartExecution accepts
        result = run("--input", path)
        assert result.exit_code == 2 and "larger than 1048576 bytes" in result.stderr


@pytest.mark.parametrize("command", [["start", "--bucket", "example-archive-dev"], ["status", "run-1"]])
@pytest.mark.parametrize("endpoint", ["http://127.0.0.1:99999", "ftp://h", "a b", "\udcff"])
def test_a_bad_fnf_endpoint_exits_2_naming_it_before_any_request(fnf, command, endpoint):  # noqa: F811  (the fixture imported above)
    result = CliRunner(mix_stderr=False).invoke(
        group, [*command, "--env", "dev", "--region", "cn-hangzhou", "--fnf-endpoint", endpoint]
    )
    assert result.exit_code == 2 and result.stderr.startswith("error: --fnf-endpoint: ")
    assert "port 1 to 65535" in result.stderr and fnf.requests == []
