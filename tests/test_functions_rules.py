"""Pure restore rules: Days/Tier per class, restore-state parsing, the retry policy, execution names."""

from __future__ import annotations

from datetime import UTC, datetime

import oss2
import pytest

from restore_core import classes, oss_errors, retry
from restore_core.execution_names import next_name
from restore_core.listing import parse_list_xml
from restore_core.restore_info import RestoreState, parse


@pytest.mark.parametrize(
    "storage_class, days, tier, plan, changed",
    [
        ("Archive", 3, "Standard", (3, None), []),
        ("Archive", 30, "Standard", (7, None), [("days", 30, 7)]),
        ("Archive", 1, "Expedited", (1, None), [("tier", "Expedited", None)]),
        ("ColdArchive", 365, "Bulk", (365, "Bulk"), []),
        ("ColdArchive", 2, "Expedited", (2, "Expedited"), []),
        ("DeepColdArchive", 10, "Bulk", (10, "Standard"), [("tier", "Bulk", "Standard")]),
        ("DeepColdArchive", 1, "Expedited", (1, "Expedited"), []),
        (None, 30, "Bulk", (7, None), [("days", 30, 7), ("tier", "Bulk", None)]),
    ],
)
def test_days_and_tier_are_fitted_per_class(storage_class, days, tier, plan, changed):
    fitted, adjustments = classes.fit(storage_class, days, tier)
    assert (fitted.days, fitted.tier) == plan
    assert [(a.field, a.before, a.after) for a in adjustments] == changed
    assert all(a.storage_class == storage_class for a in adjustments)


def test_adjustment_uses_contract_field_names():
    _, (adj,) = classes.fit("Archive", 9, "Standard")
    assert adj.as_dict() == {"storageClass": "Archive", "field": "days", "from": 9, "to": 7}


@pytest.mark.parametrize(
    "value, state",
    [
        (None, RestoreState.FROZEN),
        ("", RestoreState.FROZEN),
        ('ongoing-request="true"', RestoreState.RESTORING),
        ('ongoing-request="false", expiry-date="Sun, 16 Apr 2017 08:12:33 GMT"', RestoreState.RESTORED),
        ('ongoing-request = "FALSE"', RestoreState.RESTORED),
        ("something new", RestoreState.RESTORING),
    ],
)
def test_restore_info_states(value, state):
    assert parse(value).state is state


def test_restore_info_expiry_is_an_aware_datetime():
    info = parse('ongoing-request="false", expiry-date="Sun, 16 Apr 2017 08:12:33 GMT"')
    assert info.expiry == datetime(2017, 4, 16, 8, 12, 33, tzinfo=UTC)
    assert parse('ongoing-request="false", expiry-date="garbage"').expiry is None


def test_retry_policy_backoff_is_capped_full_jitter():
    policy = retry.RetryPolicy(max_attempts=10, initial_interval=0.5, backoff_coefficient=2, maximum_interval=3)
    assert [policy.ceiling(n) for n in range(1, 6)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    assert policy.backoff(3, rand=lambda: 0.5) == 1.0
    assert policy.backoff(3, rand=lambda: 0.0) == 0.0


@pytest.mark.parametrize(
    "kwargs", [{"max_attempts": 0}, {"initial_interval": -1}, {"backoff_coefficient": 0.5}, {"maximum_interval": 0.01}]
)
def test_retry_policy_validates_itself(kwargs):
    with pytest.raises(ValueError):
        retry.RetryPolicy(**kwargs)


def _server_error(status: int, code: str) -> oss2.exceptions.ServerError:
    return oss2.exceptions.ServerError(status, {}, b"", {"Code": code})


def test_retry_call_retries_transient_errors_then_gives_up():
    # GIVEN a call failing with 503 forever WHEN retried with an injected sleep THEN it stops after
    # max_attempts and re-raises the SDK error unchanged, having slept between attempts only
    calls: list[int] = []
    slept: list[float] = []
    policy = retry.RetryPolicy(max_attempts=4, initial_interval=1, maximum_interval=4)

    def fail():
        calls.append(1)
        raise _server_error(503, "TotalQpsLimitExceeded")

    with pytest.raises(oss2.exceptions.ServerError):
        retry.call(fail, policy=policy, retryable=oss_errors.is_transient, sleep=slept.append, rand=lambda: 1.0)
    assert (len(calls), slept) == (4, [1, 2, 4])


def test_retry_call_does_not_retry_permanent_errors():
    calls = []

    def fail():
        calls.append(1)
        raise _server_error(403, "AccessDenied")

    with pytest.raises(oss2.exceptions.ServerError):
        retry.call(fail, policy=retry.RetryPolicy(), retryable=oss_errors.is_transient, sleep=lambda s: None)
    assert len(calls) == 1


@pytest.mark.parametrize(
    "error, transient",
    [
        (_server_error(500, "InternalError"), True),
        (_server_error(503, "ServiceUnavailable"), True),
        (_server_error(429, ""), True),
        (oss2.exceptions.RequestError(ConnectionError("reset")), True),
        (_server_error(404, "NoSuchKey"), False),
        (_server_error(403, "SignatureDoesNotMatch"), False),
        (_server_error(409, "RestoreAlreadyInProgress"), False),
    ],
)
def test_sdk_errors_are_sorted_at_the_boundary(error, transient):
    assert oss_errors.is_transient(error) is transient


def test_execution_names_are_deterministic_per_position_and_keep_the_base():
    first = next_name("run-1", "list", "a/b")
    assert first == next_name("run-1", "list", "a/b") != next_name("run-1", "list", "a/c")
    assert first.startswith("run-1--") and next_name(first, "list", "x").startswith("run-1--")
    assert len(next_name("x" * 128, "list", "")) <= 128


def test_raw_listing_xml_is_decoded_like_the_sdk():
    # GIVEN the XML oss2 2.16 would not read RestoreInfo from WHEN parsed here THEN keys are URL-decoded
    body = (
        "<ListBucketResult><EncodingType>url</EncodingType><IsTruncated>true</IsTruncated>"
        "<NextMarker>b%2B%20c</NextMarker><Contents><Key>a%2Fx%25</Key><StorageClass>ColdArchive</StorageClass>"
        '<RestoreInfo>ongoing-request="true"</RestoreInfo></Contents></ListBucketResult>'
    )
    page = parse_list_xml(body)
    assert (page.truncated, page.next_marker) == (True, "b+ c")
    assert [(o.key, o.storage_class, o.restore.state) for o in page.objects] == [
        ("a/x%", "ColdArchive", RestoreState.RESTORING)
    ]
