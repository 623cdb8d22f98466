"""Credentials through the default chain and the aliyun CLI's profiles: `run` against the emulator (the real
flows, handlers and oss2), with a temporary HOME holding `~/.aliyun/config.json` and no credential variable."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import oss2
import pytest
from click.testing import Result

from conftest import run_command
from ossemu import Emulator, RestoreLatency
from ossrestore.credentials import ENV_NAMES, resolve_credentials
from ossrestore.errors import CredentialsError

pytestmark = pytest.mark.e2e  # whole commands and whole runs of the flows

AK, SK = "LTAIprofile-test-key", "profile-test-secret-0123456789"
STS_AK, STS_SECRET, STS_TOKEN = "STS.profile-ak", "profile-sts-secret-9f8e7d", "CAIS+profile/sts-token=="
BUCKET = "profile-bucket"
CHAIN_VARIABLES = (
    *(name for names in ENV_NAMES for name in names),
    "ALIBABA_CLOUD_PROFILE",
    "ALIBABA_CLOUD_CREDENTIALS_FILE",
    "ALIBABA_CLOUD_ROLE_ARN",
    "ALIBABA_CLOUD_OIDC_PROVIDER_ARN",
    "ALIBABA_CLOUD_OIDC_TOKEN_FILE",
    "ALIBABA_CLOUD_CREDENTIALS_URI",
)


def aliyun_config(home: Path, *profiles: dict, current: str = "default") -> Path:
    """~/.aliyun/config.json as `aliyun configure` writes it."""
    path = home / ".aliyun" / "config.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"current": current, "profiles": list(profiles), "meta_path": ""}), encoding="utf-8")
    return path


def ak_profile(name: str, ak: str = AK, sk: str = SK) -> dict:
    return {
        "name": name,
        "mode": "AK",
        "access_key_id": ak,
        "access_key_secret": sk,
        "region_id": "cn-hangzhou",
        "output_format": "json",
        "language": "en",
    }


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """A HOME of its own and no credential variable at all."""
    for name in CHAIN_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    return home


@pytest.fixture
def emu():
    with Emulator(
        credentials={AK: SK}, sts_tokens={STS_AK: (STS_SECRET, STS_TOKEN)}, latency=RestoreLatency.uniform(0.2)
    ) as emu:
        emu.create_bucket(BUCKET)
        emu.seed(BUCKET, counts={"Archive": 6, "ColdArchive": 4}, prefix="p/")
        yield emu


def run(emu: Emulator, *args: str) -> Result:
    return run_command("run", emu, BUCKET, *args)


def restored(emu: Emulator) -> int:
    bucket = oss2.Bucket(oss2.Auth(AK, SK), emu.endpoint, BUCKET)
    return sum(1 for o in oss2.ObjectIterator(bucket) if o.restore_info)


def test_run_with_a_profile_of_the_aliyun_cli_config_restores_everything(emu, home):
    # GIVEN no credential variable, and an aliyun CLI config whose current profile is not the one named
    aliyun_config(home, ak_profile("default", "LTAIother", "other-secret-00000"), ak_profile("archive"))
    # WHEN a run names the profile
    result = run(emu, "--profile", "archive")
    # THEN it signs with that profile's key: exit 0, every archive object restored, the secret never shown
    assert result.exit_code == 0, result.output + result.stderr
    assert restored(emu) == 10
    assert SK not in result.output + result.stderr


def test_alibaba_cloud_profile_names_the_profile_as_the_flag_does(emu, home, monkeypatch):
    aliyun_config(home, ak_profile("default", "LTAIother", "other-secret-00000"), ak_profile("archive"))
    monkeypatch.setenv("ALIBABA_CLOUD_PROFILE", "archive")
    result = run(emu)
    assert result.exit_code == 0, result.output + result.stderr
    assert restored(emu) == 10


def test_without_a_name_the_chain_takes_the_cli_configs_current_profile(emu, home):
    aliyun_config(home, ak_profile("other", "LTAIother", "other-secret-00000"), ak_profile("mine"), current="mine")
    result = run(emu)
    assert result.exit_code == 0, result.output + result.stderr


def test_a_profile_of_the_credentials_file_is_read_too(emu, home):
    (home / ".alibabacloud").mkdir()
    (home / ".alibabacloud" / "credentials.ini").write_text(
        f"[archive]\ntype = access_key\naccess_key_id = {AK}\naccess_key_secret = {SK}\n", encoding="utf-8"
    )
    result = run(emu, "--profile", "archive")
    assert result.exit_code == 0, result.output + result.stderr


def test_ossutils_variables_are_read(emu, home, monkeypatch):
    monkeypatch.setenv("OSS_ACCESS_KEY_ID", AK)
    monkeypatch.setenv("OSS_ACCESS_KEY_SECRET", SK)
    result = run(emu)
    assert result.exit_code == 0, result.output + result.stderr
    assert restored(emu) == 10


def test_a_missing_profile_is_a_clear_error_and_nothing_is_requested(emu, home):
    # GIVEN a config without the profile named
    config = aliyun_config(home, ak_profile("default"), ak_profile("prod"))
    # WHEN a run names it
    result = run(emu, "--profile", "staging")
    # THEN exit 2 naming the profile, the file and the profiles it holds, no traceback, no request
    assert result.exit_code == 2, result.output + result.stderr
    assert f"--profile: no profile named 'staging' in {config} (its profiles: default, prod)" in result.stderr
    assert "Traceback" not in result.stderr
    assert emu.stats.get("RestoreObject") == 0


def test_no_credentials_anywhere_says_where_they_may_come_from(emu, home):
    result = run(emu)
    assert result.exit_code == 2
    assert "no credentials" in result.stderr and "--profile" in result.stderr and "OSS_ACCESS_KEY_ID" in result.stderr


def test_no_credentials_prints_one_error_and_no_traceback_from_the_credential_chain(emu, home):
    # GIVEN no credentials anywhere WHEN the command runs as a user runs it (the chain's library logs each
    # provider's failure with its traceback on a handler of its own, outside what CliRunner captures)
    env = {k: v for k, v in os.environ.items() if k not in CHAIN_VARIABLES}
    done = subprocess.run(
        [sys.executable, "-m", "ossrestore", "run", "--endpoint", emu.endpoint, "--bucket", BUCKET, "--quiet"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    # THEN exit 2 and one line of error, nothing else
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("error: no credentials") and done.stderr.count("\n") == 1, done.stderr
    assert "Traceback" not in done.stderr


def test_a_sts_profile_signs_with_its_token_and_neither_secret_nor_token_is_printed(emu, tmp_path):
    # GIVEN a StsToken profile and no credential variable; the command runs as a user runs it, --verbose
    home = tmp_path / "sts-home"
    aliyun_config(
        home,
        {
            "name": "sts",
            "mode": "StsToken",
            "access_key_id": STS_AK,
            "access_key_secret": STS_SECRET,
            "sts_token": STS_TOKEN,
            "region_id": "cn-hangzhou",
        },
    )
    env = {k: v for k, v in os.environ.items() if k not in CHAIN_VARIABLES} | {"HOME": str(home)}
    # WHEN the run is made with --profile
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "ossrestore",
            "--verbose",
            "run",
            "--endpoint",
            emu.endpoint,
            "--bucket",
            BUCKET,
            "--poll-interval",
            "1",
            "--profile",
            "sts",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    # THEN every request carried the token (the emulator accepts the key only with it), and no output shows either
    assert done.returncode == 0, done.stderr[-2000:]
    assert "x-oss-security-token:<redacted>" in done.stderr
    for output in (done.stdout, done.stderr):
        assert STS_TOKEN not in output and STS_SECRET not in output


def test_the_chain_prefers_the_environment_and_hands_secrets_to_the_redaction(home, monkeypatch):
    from restore_core import redaction

    aliyun_config(home, ak_profile("default"))
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAIfrom-env")
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "secret-from-the-environment-42")
    found = resolve_credentials()
    assert found.access_key_id == "LTAIfrom-env"
    assert redaction.redact("x secret-from-the-environment-42 y") == f"x {redaction.MASK} y"
    # AND a named profile is used alone, whatever the environment holds
    assert resolve_credentials(profile="default").access_key_id == AK
    with pytest.raises(CredentialsError, match="no profile named 'nope'"):
        resolve_credentials(profile="nope")
