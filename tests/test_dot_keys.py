"""The keys `.` and `..`: oss2 signs the key, but an HTTP client removes dot segments from a URL path, so
such a key has to be sent percent-encoded to be the key OSS is asked about (`restore_core.client`)."""

from __future__ import annotations

import json

import oss2
import pytest
from click.testing import CliRunner

from conftest import ACCESS_KEY_ID, ACCESS_KEY_SECRET, BUCKET_NAME, use_credentials
from ossemu import Emulator, RestoreLatency
from ossrestore.cli import group
from restore_core.client import Credentials, make_bucket
from shard_calls import plan, settings, work

pytestmark = pytest.mark.e2e  # whole commands and whole runs of the flows

DOTS = [".", ".."]


def test_plain_oss2_cannot_ask_about_a_dot_key_but_the_handlers_bucket_can(emulator, bucket):
    # GIVEN Archive objects named `.` and `..`
    for key in DOTS:
        emulator.put_object(BUCKET_NAME, key, b"x", storage_class="Archive")
    # WHEN plain oss2 restores them THEN the request that leaves is not the one signed (the path lost its dot segment)
    for key in DOTS:
        try:
            bucket.restore_object(key)
            raise AssertionError(f"{key!r} was restored by plain oss2")
        except oss2.exceptions.OssError as e:
            assert e.status == 403 and e.code == "SignatureDoesNotMatch"

    # WHEN the handlers' bucket does it, signed V1 THEN each is restored
    def handlers(region: str | None) -> oss2.Bucket:
        return make_bucket(
            endpoint=emulator.endpoint,
            bucket_name=BUCKET_NAME,
            region=region,
            credentials=Credentials(ACCESS_KEY_ID, ACCESS_KEY_SECRET),
        )

    assert [handlers(None).restore_object(k).status for k in DOTS] == [202, 202]
    assert [emulator.restore_state(BUCKET_NAME, k) for k in DOTS] == ["restoring", "restoring"]
    # AND signed V4 the same keys are found restoring (409), the signature verified for the key itself
    for key in DOTS:
        with pytest.raises(oss2.exceptions.OssError) as refused:
            handlers("cn-hangzhou").restore_object(key)
        assert refused.value.code == "RestoreAlreadyInProgress"
        assert 'ongoing-request="true"' in handlers("cn-hangzhou").head_object(key).headers["x-oss-restore"]


def test_the_restore_handler_restores_dot_keys_on_every_runtime(emulator, bucket, fc_runtime):
    # GIVEN `.`, `..` and an ordinary key, Archive
    for key in [*DOTS, "a"]:
        emulator.put_object(BUCKET_NAME, key, b"x", storage_class="Archive")
    # WHEN the planner and the restore handler work the bucket's one shard, in this process and in each FC
    # runtime with its own oss2
    planned = plan(settings(emulator), runtime=fc_runtime)
    restored = [
        work("restore", planned["settings"], planned, shard, runtime=fc_runtime) for shard in planned["restoring"]
    ]
    # THEN all three were requested and OSS restores exactly those keys
    assert sum(r["c"].get("requested", 0) for r in restored) == 3
    assert not any(r["c"].get("failed") for r in restored)
    assert {emulator.restore_state(BUCKET_NAME, k) for k in [*DOTS, "a"]} == {"restoring"}


def test_a_run_over_a_bucket_with_dot_keys_restores_and_reports_them(monkeypatch, tmp_path):
    # GIVEN a bucket whose top level holds `.` and `..` among other keys
    use_credentials(monkeypatch, "dots-ak", "dots-secret")
    with Emulator(credentials={"dots-ak": "dots-secret"}, latency=RestoreLatency.uniform(0.2)) as emu:
        emu.create_bucket("dots-bucket")
        for key in [*DOTS, ".hidden", "a/.", "b"]:
            emu.put_object("dots-bucket", key, b"x", storage_class="ColdArchive")
        # WHEN it is restored
        result = CliRunner(mix_stderr=False).invoke(
            group,
            [
                "run",
                "--endpoint",
                emu.endpoint,
                "--bucket",
                "dots-bucket",
                "--poll-interval",
                "1",
                "--quiet",
                "--report",
                str(tmp_path / "r.jsonl"),
            ],
        )
        states = {k: emu.restore_state("dots-bucket", k) for k in [*DOTS, ".hidden", "a/.", "b"]}
    # THEN it exits 0, every one is restored, and the report says so for each
    assert result.exit_code == 0, result.stderr
    assert set(states.values()) == {"restored"}
    rows = {r["key"]: r for r in map(json.loads, (tmp_path / "r.jsonl").read_text().splitlines())}
    assert {k: r["outcome"] for k, r in rows.items()} == dict.fromkeys(states, "restored")
