"""The estimate's prices end to end: `oss-restore run --dry-run` over the emulator, priced by the table that names
the bucket's region (in its currency), saying plainly when none does, leaving an unpriced class out of a total of
what is priced, and showing what reading Archive objects by archive direct read costs."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import oss2
import pytest
from click.testing import Result

from conftest import run_command, use_credentials
from ossemu import Emulator
from ossrestore.estimate import estimate, estimate_table, region_of
from ossrestore.prices import load as load_prices
from restore_core.tally import empty_tally

pytestmark = pytest.mark.e2e  # whole commands and whole runs of the flows

AK, SK = "price-test-ak", "price-test-secret"
BUCKET = "price-bucket"
MIB64 = 64 * 1024**2  # the largest object the emulator seeds


@pytest.fixture
def emu(monkeypatch):
    use_credentials(monkeypatch, AK, SK)
    monkeypatch.setenv("COLUMNS", "200")  # rich wraps the notes at the terminal's width
    with Emulator(credentials={AK: SK}) as emu:
        emu.create_bucket(BUCKET)
        yield emu


def dry_run(emu: Emulator, *args: str) -> Result:
    return run_command("run", emu, BUCKET, "--dry-run", *args, poll=False)


def shipped() -> dict:
    return json.loads(resources.files("ossrestore").joinpath("data/prices.json").read_text(encoding="utf-8"))


def test_a_region_no_table_covers_is_said_plainly_and_priced_in_no_currency(emu):
    # GIVEN Cold Archive objects, and a bucket in an international region (the shipped table prices the mainland)
    emu.seed(BUCKET, counts={"ColdArchive": 5})
    # WHEN a dry run names that region
    result = dry_run(emu, "--region", "ap-southeast-1")
    # THEN it lists and counts as usual, says no table covers the region, and prices nothing (no mainland CNY)
    assert result.exit_code == 0, result.output + result.stderr
    assert "estimate (before any restore; not priced)" in result.output
    assert "no price table covers region ap-southeast-1: costs are not estimated" in result.output
    row = next(line for line in result.output.splitlines() if line.strip().startswith("ColdArchive"))
    assert "unpriced" in row and "5" in row
    assert "cost in CNY" not in result.output and "prices: cn-mainland" not in result.output
    assert emu.stats.get("RestoreObject") == 0


def test_a_table_naming_the_region_prices_it_in_its_own_currency(emu, tmp_path: Path):
    # GIVEN a price table with an international table in USD that names ap-southeast-1
    table = shipped()
    intl = json.loads(json.dumps(table["regions"]["cn-mainland"]))
    intl.update(currency="USD", appliesTo=["ap-southeast-1"])
    for tier in intl["classes"]["ColdArchive"]["tiers"].values():
        tier["retrievalPerGB"] = {"value": 0.01, "source": "a quote"}
        tier["requestsPer10000"] = {"value": 1, "source": "a quote"}
    table["regions"]["international"] = intl
    path = tmp_path / "prices.json"
    path.write_text(json.dumps(table), encoding="utf-8")
    emu.seed(BUCKET, counts={"ColdArchive": 5})
    # WHEN a dry run names that region THEN it is priced in USD by that table; the mainland one is not used
    result = dry_run(emu, "--region", "ap-southeast-1", "--price-table", str(path))
    assert result.exit_code == 0, result.output + result.stderr
    assert "cost in USD" in result.output and "prices: international (USD)" in result.output
    # AND a mainland region gets the mainland table, in CNY
    result = dry_run(emu, "--region", "cn-hangzhou", "--price-table", str(path))
    assert "cost in CNY" in result.output and "prices: cn-mainland (CNY)" in result.output


def test_deep_cold_is_unpriced_beside_a_total_of_the_priced_classes(emu):
    # GIVEN Archive, Cold Archive and Deep Cold Archive objects; the shipped table has no Deep Cold price
    emu.seed(BUCKET, counts={"Archive": 40, "ColdArchive": 40, "DeepColdArchive": 4}, size=MIB64)
    # WHEN a dry run prices them in the mainland
    result = dry_run(emu, "--region", "cn-hangzhou", "--days", "2")
    # THEN Deep Cold's cost reads unpriced, the total is the other two classes' cost, marked as partial
    assert result.exit_code == 0, result.output + result.stderr
    lines = {line.split()[0]: line for line in result.output.splitlines() if line.strip()}
    assert "unpriced" in lines["DeepColdArchive"]
    # Archive: 2.5 GiB x 0.06 + 40 / 10,000 x 0.1; Cold Archive Standard: 2.5 GiB x 0.06 + 40 / 10,000 x 3
    # + 2.5 GiB x 0.12 / 30 x 2 days
    archive, cold = 2.5 * 0.06 + 40 / 10_000 * 0.1, 2.5 * 0.06 + 40 / 10_000 * 3 + 2.5 * 0.12 / 30 * 2
    assert f"{archive + cold:,.2f} +" in lines["total"]
    assert "unpriced: DeepColdArchive" in result.output and "the total is what the priced classes cost" in result.output
    # AND no price is claimed verified: none of the shipped figures was read on OSS's pricing page
    assert "* prices not read on OSS's pricing page" in result.output


def test_the_archive_direct_read_charge_is_shown_for_the_archive_objects_it_serves(emu):
    # GIVEN a bucket with archive direct read: its Archive objects are read without a restore
    emu.seed(BUCKET, counts={"Archive": 6, "ColdArchive": 2}, size=MIB64)
    oss2.Bucket(oss2.Auth(AK, SK), emu.endpoint, BUCKET).put_bucket_archive_direct_read(True)
    # WHEN a dry run lists it
    result = dry_run(emu, "--region", "cn-hangzhou")
    # THEN the Archive objects need no request, and reading them is shown as billed per GB read (unpriced)
    assert result.exit_code == 0, result.output + result.stderr
    assert (
        "archive direct read: 6 Archive objects (384.0 MiB) are read without a restore, billed per GB read: unpriced"
    ) in result.output


def test_without_a_region_the_default_table_is_assumed_and_said_so(emu):
    emu.seed(BUCKET, counts={"ColdArchive": 2})
    result = dry_run(emu)  # the emulator's endpoint names no region
    assert result.exit_code == 0, result.output + result.stderr
    assert "the bucket's region is not known (pass --region), so this table is assumed" in result.output


@pytest.mark.parametrize(
    ("fields", "region"),
    [
        ({"endpoint": "https://oss-ap-southeast-1.aliyuncs.com"}, "ap-southeast-1"),
        ({"endpoint": "oss-cn-hangzhou-internal.aliyuncs.com"}, "cn-hangzhou"),
        ({"endpoint": "https://oss-cn-hangzhou.aliyuncs.com", "region": "cn-shanghai"}, "cn-shanghai"),
        ({"endpoint": "https://oss-accelerate.aliyuncs.com"}, None),
        ({"endpoint": "http://127.0.0.1:9000"}, None),
    ],
)
def test_the_region_is_the_flow_inputs_or_the_one_the_endpoint_names(fields, region):
    assert region_of(fields) == region


@pytest.mark.parametrize(
    ("cls", "objects", "size", "more_than"),
    [
        ("ColdArchive", 50_000_000, 1_000_000, 86_400),  # 500 objects/s: 27.8 h of requests alone
        ("DeepColdArchive", 2_000_000, 100_000_000, 86_400),  # 200 TB at 10 TB a day: 20 days
    ],
)
def test_a_run_past_oss_restore_quota_is_told_how_long_it_takes_before_it_starts(cls, objects, size, more_than):
    # GIVEN a listing's tally of many objects of one class, and a request budget far above the class's restore quota
    tally = empty_tally()
    tally[cls].update(objects=objects, bytes=objects * size, requests=objects, requestBytes=objects * size)
    # WHEN estimated
    est = estimate(
        tally,
        prices=load_prices(),
        region="cn-hangzhou",
        days=1,
        tier="Standard",
        max_requests_per_second=100_000,
        poll_interval=5,
    ).as_dict()
    # THEN the time is paced by OSS's restore quota for the class, not the budget, and says so
    (row,) = est["classes"]
    assert row["quotaSeconds"] > objects / 100_000 and est["total"]["seconds"] > more_than
    assert est["total"]["seconds"] >= row["quotaSeconds"] + row["restoreSeconds"]
    text = "\n".join(str(x) for x in estimate_table(est)[1:])
    assert "OSS's restore quota" in text and cls in text
