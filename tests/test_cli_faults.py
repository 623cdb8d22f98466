"""`oss-restore run` against an OSS that fails and throttles at once: the real command, flows and handlers,
the real oss2 over HTTP to the emulator. Every object ends readable and none is asked for twice."""

from __future__ import annotations

import json

import oss2
import pytest
from click.testing import CliRunner

from conftest import use_credentials
from ossemu import Emulator, Faults, RestoreLatency
from ossrestore.cli import group

pytestmark = pytest.mark.e2e  # whole commands and whole runs of the flows

AK, SK = "faults-ak", "faults-secret"
BUCKET = "faults-bucket"
ARCHIVE = {"Archive", "ColdArchive", "DeepColdArchive"}


def test_twenty_percent_faults_of_every_kind_and_a_qps_limit_end_with_everything_readable_and_nothing_asked_twice(
    monkeypatch,
    tmp_path,
):
    # GIVEN 300 archive objects (and 30 Standard ones) in an OSS that answers 20% of all requests 500, 503
    # ServiceUnavailable or not at all, and throttles past 60 requests a second
    use_credentials(monkeypatch, AK, SK)
    faults = Faults(rate=0.2, kinds=("500", "503", "drop"), qps_limit=60, seed=19)
    with Emulator(credentials={AK: SK}, latency=RestoreLatency.uniform(0.3)) as emu:
        emu.create_bucket(BUCKET)
        emu.seed(BUCKET, counts={"Archive": 200, "ColdArchive": 60, "DeepColdArchive": 40, "Standard": 30}, prefix="m/")
        emu.set_faults(faults)
        # WHEN the bucket is restored
        result = CliRunner(mix_stderr=False).invoke(
            group,
            [
                "run",
                "--endpoint",
                emu.endpoint,
                "--bucket",
                BUCKET,
                "--poll-interval",
                "1",
                "--group-size",
                "20",
                "--quiet",
                "--report",
                str(tmp_path / "report.jsonl"),
            ],
        )
        stats = emu.stats.snapshot()
        emu.set_faults(Faults())
        listed = list(oss2.ObjectIterator(oss2.Bucket(oss2.Auth(AK, SK), emu.endpoint, BUCKET), max_keys=1000))
    # THEN it exits 0 and an independent listing finds every archive object readable
    assert result.exit_code == 0, result.stderr
    archived = [o for o in listed if o.storage_class in ARCHIVE]
    assert len(archived) == 300
    assert all(o.restore_info and 'ongoing-request="false"' in o.restore_info for o in archived)
    # AND every fault kind and the limit were met, yet each object's restore reached OSS exactly once:
    # no 409, no expiry extended, nothing billed twice
    assert stats["fault:500"] and stats["fault:503"] and stats["fault:drop"] and stats["throttled"]
    assert stats["RestoreObject"] == stats["RestoreObject:202"] == stats["restore:billed"] == 300
    assert stats.get("RestoreObject:409", 0) == stats["restore:extended"] == stats["restore:rebilled"] == 0
    # AND the report has one line per object
    rows = [json.loads(line) for line in (tmp_path / "report.jsonl").read_text().splitlines()]
    assert sorted(r["key"] for r in rows) == sorted(o.key for o in listed)
