"""`oss-restore emulator`: option checking with CliRunner, and one real server in a subprocess."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import oss2
import pytest
from click.testing import CliRunner

from ossemu import RestoreLatency
from ossemu.options import DEV_ACCESS_KEY_ID, DEV_ACCESS_KEY_SECRET, OptionError, parse_latency, parse_seed
from ossrestore.commands.emulator import _build, cli
from ossrestore.errors import UsageError

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("args", "named", "allowed"),
    [
        (["--bucket", "bkt", "--seed", "Glacier=1"], "--seed", "DeepColdArchive"),
        (["--bucket", "bkt", "--seed", "Archive=-5"], "--seed", ">= 0"),
        (["--seed", "Archive=5"], "--seed", "--bucket"),
        (["--fault-rate", "1.5"], "--fault-rate", "0 to 1"),
        (["--fault-kinds", "500,boom"], "--fault-kinds", "drop"),
        (["--qps-limit", "0"], "--qps-limit", ">= 1"),
        (["--restore-latency", "Archive:Bulk=3"], "--restore-latency", "Archive"),
        (["--restore-latency", "DeepColdArchive:Bulk=3"], "--restore-latency", "Expedited"),
        (["--restore-latency", "soon"], "--restore-latency", ">= 0"),
    ],
)
def test_bad_option_values_are_usage_errors_naming_the_option(args, named, allowed):
    result = CliRunner().invoke(cli, ["--port", "0", *args])
    assert result.exit_code != 0
    assert isinstance(result.exception, UsageError)
    assert named in str(result.exception) and allowed in str(result.exception)


def test_parse_seed_sums_repeated_classes():
    assert parse_seed("Archive=2, ColdArchive=3,Archive=1") == {"Archive": 3, "ColdArchive": 3}


def test_parse_latency_uniform_then_overrides():
    latency = parse_latency(["2", "ColdArchive:Bulk=30", "Archive=1"])
    assert latency.seconds("ColdArchive", "Bulk") == 30
    assert latency.seconds("ColdArchive", "Expedited") == 2
    assert latency.seconds("Archive", None) == 1


def test_parse_latency_class_without_tier_covers_every_tier():
    latency = parse_latency(["1", "DeepColdArchive=7"])
    assert latency.seconds("DeepColdArchive", "Expedited") == latency.seconds("DeepColdArchive", "Standard") == 7
    assert latency.seconds("ColdArchive", "Standard") == 1
    assert parse_latency(["Archive=3"]).seconds("ColdArchive", "Bulk") == RestoreLatency.realistic().seconds(
        "ColdArchive", "Bulk"
    )


def test_option_error_is_a_value_error_with_the_field():
    with pytest.raises(OptionError) as e:
        parse_seed("")
    assert isinstance(e.value, ValueError) and e.value.field == "--seed"


def test_serves_on_port_0_until_interrupted():
    env = {k: v for k, v in os.environ.items() if not k.startswith("ALIBABA_CLOUD_")}
    cmd = [
        sys.executable,
        "-m",
        "ossrestore",
        "emulator",
        "--port",
        "0",
        "--bucket",
        "cli-bucket",
        "--seed",
        "Archive=3,Standard=2",
        "--restore-latency",
        "0",
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    try:
        # GIVEN the command printed its real endpoint
        first = proc.stdout.readline().strip()
        endpoint = first.rsplit(" ", 1)[-1]
        assert endpoint.startswith("http://127.0.0.1:") and not endpoint.endswith(":0")
        assert proc.stdout.readline().strip() == f"access key id: {DEV_ACCESS_KEY_ID}"
        # WHEN oss2 talks to it with the development pair THEN the seeded objects are there
        b = oss2.Bucket(oss2.Auth(DEV_ACCESS_KEY_ID, DEV_ACCESS_KEY_SECRET), endpoint, "cli-bucket")
        classes = sorted(o.storage_class for o in b.list_objects().object_list)
        assert classes == ["Archive"] * 3 + ["Standard"] * 2
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    # AND Ctrl-C stops it cleanly, without ever printing the secret
    assert proc.returncode == 0, err
    assert DEV_ACCESS_KEY_SECRET not in first + out + err


def test_bad_value_exits_2_with_one_line():
    proc = subprocess.run(
        [sys.executable, "-m", "ossrestore", "emulator", "--fault-rate", "7"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "error: --fault-rate: '7' is not allowed; expected a number from 0 to 1"
    ]


def test_port_in_use_is_a_usage_error_naming_the_port():
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(cli, ["--port", str(port)])
    assert isinstance(result.exception, UsageError)
    assert "--port" in str(result.exception)


def test_a_security_token_makes_the_served_key_an_sts_key():
    # GIVEN the command's emulator built with a security token
    emu = _build("127.0.0.1", 0, "STS.key", "sts-secret", "token-1", (), None, "0", "500,503,drop")
    with emu:
        emu.create_bucket("sts-bucket")
        # THEN the key works only together with its token, as STS credentials do
        good = oss2.Bucket(oss2.StsAuth("STS.key", "sts-secret", "token-1"), emu.endpoint, "sts-bucket")
        assert good.list_objects().status == 200
        for auth in (oss2.Auth("STS.key", "sts-secret"), oss2.StsAuth("STS.key", "sts-secret", "other")):
            with pytest.raises(oss2.exceptions.OssError) as denied:
                oss2.Bucket(auth, emu.endpoint, "sts-bucket").list_objects()
            assert denied.value.status == 403
