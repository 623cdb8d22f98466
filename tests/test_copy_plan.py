"""The conversion and copy inputs, checked together, the copy's arithmetic (parts, requests, prices), and how a
scan settles the copies it sent."""

from __future__ import annotations

import itertools

import pytest

from ossrestore.estimate import GB, estimate_for
from ossrestore.prices import Price
from ossrestore.prices import load as load_prices
from restore_core import copy_plan, tally
from restore_core.copier import Copied, Done
from restore_core.copy_plan import CONVERT, COPY, Plan, parse_target, plan_of
from restore_core.copy_step import Result, settle_all
from restore_core.errors import InvalidParameter
from restore_core.flow_inputs import validate_flow_input
from restore_core.listing import ObjectInfo
from restore_core.report_lines import ReportLine
from restore_core.restore_info import RestoreInfo, RestoreState

BASE = {"endpoint": "http://127.0.0.1:9", "bucketName": "source-bucket"}


def test_a_copy_re_roots_each_key_from_the_runs_prefix_to_the_targets():
    # GIVEN a copy of a prefix to another bucket's prefix
    plan = plan_of(validate_flow_input({**BASE, "prefix": "data/2023/", "copyTo": "oss://other-bucket/out/"}))
    # THEN keys lose the run's prefix and gain the target's; the class defaults to Standard
    assert plan == Plan(COPY, "Standard", "other-bucket", "out/", "data/2023/")
    assert plan.target_key("data/2023/x/y.csv") == "out/x/y.csv"
    assert plan.url("data/2023/a") == "oss://other-bucket/out/a"


def test_a_conversion_keeps_each_key():
    plan = plan_of(validate_flow_input({**BASE, "convertTo": "IA"}))
    assert plan == Plan(CONVERT, "IA", "source-bucket") and plan.target_key("k") == "k"


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"copyTo": "oss://x/"}, "copyTo"),  # not a bucket name
        ({"copyTo": "oss://other-bucket/no-slash"}, "copyTo"),
        ({"copyTo": "s3://other-bucket/"}, "copyTo"),
        ({"copyTo": "oss://source-bucket/data/in/", "prefix": "data/"}, "copyTo"),  # inside the run's prefix
        ({"copyTo": "oss://source-bucket/", "prefix": "data/"}, "copyTo"),  # the run's prefix inside it
        ({"copyTo": "oss://other-bucket/", "convertTo": "IA"}, "copyTo"),
        ({"convertTo": "Archive"}, "convertTo"),
        ({"convertTo": "IA", "action": "extend"}, "convertTo"),
        ({"convertTo": "IA", "allVersions": True}, "convertTo"),
        ({"copyTo": "oss://other-bucket/", "copyClass": "ColdArchive"}, "copyClass"),
    ],
)
def test_a_conversion_or_copy_that_cannot_be_made_is_refused_naming_the_field(fields, field):
    # GIVEN / WHEN a flow input asks for one THEN InvalidParameter names the field
    with pytest.raises(InvalidParameter) as e:
        validate_flow_input({**BASE, **fields})
    assert e.value.field == field


def test_a_copy_into_the_runs_own_bucket_outside_its_prefix_is_allowed():
    plan = plan_of(validate_flow_input({**BASE, "prefix": "data/", "copyTo": "oss://source-bucket/restored/"}))
    assert plan is not None and plan.bucket == "source-bucket" and plan.prefix == "restored/"
    assert parse_target("") is None


@pytest.mark.parametrize("size", [1024**3, 5 * 1024**3 + 1, 3 * 10**12, 48 * 10**12])
def test_a_multipart_copy_covers_the_object_in_at_most_10000_parts_of_100kb_to_5gb(size):
    # GIVEN an object of 1 GB or more WHEN its parts are planned
    ranges = copy_plan.part_ranges(size)
    # THEN they cover every byte once, in order, within OSS's part limits, and the tally counts their requests
    assert ranges[0][0] == 0 and ranges[-1][1] == size - 1
    assert all(b[0] == a[1] + 1 for a, b in itertools.pairwise(ranges))
    assert len(ranges) <= copy_plan.MAX_PARTS
    assert all(100 * 1024 <= end - start + 1 <= copy_plan.MAX_PART_BYTES for start, end in ranges[:-1])
    assert copy_plan.copy_requests(size) == len(ranges) + 4


def test_an_object_below_1_gb_is_one_copyobject():
    assert copy_plan.copy_requests(copy_plan.COPY_OBJECT_MAX_BYTES) == 1
    assert copy_plan.copy_requests(copy_plan.COPY_OBJECT_MAX_BYTES + 1) == 4 + 8
    assert copy_plan.copy_requests(None) == 1


def test_the_estimate_prices_a_conversions_requests_storage_and_early_deletion_per_class():
    # GIVEN a tally of 1,000 Archive objects (10 GiB), 400 of them young with 100 GiB-days of their 60 days left
    counts = tally.empty_tally()
    counts["Archive"].update(
        objects=1000, bytes=10 * GB, requests=1000, requestBytes=10 * GB, copyRequests=1000, youngObjects=400,
        youngByteDays=100 * GB,
    )  # fmt: skip
    prices = load_prices()
    table = prices.for_region("cn-hangzhou")
    assert table is not None
    fields = {"endpoint": "https://oss-cn-hangzhou.aliyuncs.com", "bucketName": "b-bucket", "maxRequestsPerSecond": 10}
    plain = estimate_for(fields, counts, prices).as_dict()
    # WHEN it is estimated as a conversion to Standard
    est = estimate_for({**fields, "convertTo": "Standard"}, counts, prices).as_dict()
    # THEN the copy adds its requests (at the higher PUT price), the copies' storage and the early deletion
    (row,) = est["copy"]["classes"]
    put = max(_value(table.put_requests("Archive")), _value(table.put_requests("Standard")))
    assert row["requestCost"] == pytest.approx(1000 / 10_000 * put)
    assert row["storagePerMonth"] == pytest.approx(10 * _value(table.storage("Standard")))
    assert row["earlyDeletionCost"] == pytest.approx(100 / 30 * _value(table.storage("Archive")))
    assert (row["youngObjects"], row["atLeast"]) == (400, False)
    # AND its requests share the request budget: the run takes longer, the restore's own cost is unchanged
    assert est["total"]["seconds"] >= plain["total"]["seconds"] + 1000 // 10
    assert est["total"]["cost"] == plain["total"]["cost"] and plain["copy"] is None
    # AND a copy elsewhere bills no early deletion (the archived object stays)
    copy = estimate_for({**fields, "copyTo": "oss://other-bucket/x/"}, counts, prices).as_dict()["copy"]
    assert copy["classes"][0]["earlyDeletionCost"] == 0.0 and copy["classes"][0]["youngObjects"] == 0


def _value(price: Price) -> float:
    assert price.value is not None, price.source
    return price.value


def test_a_copy_refused_as_expired_is_restored_again_and_nothing_after_it_is_settled():
    # GIVEN four staged lines: copied, refused as InvalidObjectState (expired in between), copied, frozen and absent
    objs = [ObjectInfo(f"k{i}", "Archive", RestoreInfo(RestoreState.RESTORED)) for i in range(4)]
    staged = [(_line(o.key), f"k{i}", o, i == 3) for i, o in enumerate(objs)]
    results = [
        Result(Copied(Done.COPIED, 200, etag="E0")),
        Result(Copied(Done.EXPIRED, 403, "InvalidObjectState")),
        Result(Copied(Done.COPIED, 200, etag="E2")),
        Result(Copied(Done.EXPIRED)),
    ]
    plan = Plan(COPY, "Standard", "other-bucket", "out/")
    # WHEN the scan settles them
    settled, again, denied = settle_all(staged, results, plan, days=1)
    # THEN only the first is settled (the cursor stops before the expired one), and both the expired one and the
    # frozen one not at the target are restored again: none is reported lost
    assert [(line.key, line.outcome, after) for line, after in settled] == [("k0", "copied", "k0")]
    assert [o.key for o in again] == ["k1", "k3"] and denied is None


def _line(key: str) -> ReportLine:
    return ReportLine(key, None, "Archive", "restored", "", "readable", None, None, None, None, None)


def test_an_object_deleted_before_its_copy_is_skipped_as_gone_and_a_refused_copy_fails_with_osss_code():
    # GIVEN two readable objects: one deleted before its copy (404), one whose copy OSS refuses (400)
    objs = [ObjectInfo(f"k{i}", "Archive", RestoreInfo(RestoreState.RESTORED)) for i in range(2)]
    staged = [(_line(o.key), o.key, o, False) for o in objs]
    results = [
        Result(Copied(Done.FAILED, 404, "NoSuchKey")),
        Result(Copied(Done.FAILED, 400, "InvalidArgument")),
    ]
    # WHEN the scan settles them
    settled, again, _ = settle_all(staged, results, Plan(CONVERT, "IA", "b-bucket"), days=1)
    # THEN the first is skipped as gone (as the report says of any object deleted during a run), the second failed
    assert [(line.outcome, line.code) for line, _ in settled] == [
        ("skipped", "NoSuchKey"),
        ("failed", "InvalidArgument"),
    ]
    assert settled[0][0].reason == "object no longer exists" and again == []
