"""Injected faults and QPS throttling, seen through oss2."""

from __future__ import annotations

import oss2
import pytest

from ossemu import ConfigError, Faults
from ossemu.faults import FaultInjector


def test_dropped_connection_is_a_request_error_and_the_pool_recovers(emulator, bucket):
    # GIVEN every request is dropped WHEN oss2 calls THEN it sees a RequestError
    emulator.set_faults(Faults(rate=1.0, kinds=("drop",)))
    with pytest.raises(oss2.exceptions.RequestError):
        bucket.list_objects()
    assert emulator.stats.get("fault:drop") == 1
    # AND once faults stop, the same session works again
    emulator.set_faults(Faults())
    assert bucket.list_objects().status == 200


@pytest.mark.parametrize(
    ("kind", "status", "code"), [("500", 500, "InternalError"), ("503", 503, "ServiceUnavailable")]
)
def test_server_faults_are_oss_errors(emulator, bucket, kind, status, code):
    emulator.set_faults(Faults(rate=1.0, kinds=(kind,)))
    with pytest.raises(oss2.exceptions.ServerError) as e:
        bucket.head_object("anything")
    assert (e.value.status, e.value.code) == (status, code)
    assert e.value.request_id
    assert emulator.stats.get(f"fault:{kind}") == 1
    # Faulted requests never reach an operation, but they count as attempts at it.
    assert emulator.stats.get("HeadObject") == 0
    assert emulator.stats.get("attempt:HeadObject") == 1


def test_qps_limit_rejects_requests_past_the_budget(emulator, bucket):
    # GIVEN one request per second WHEN five are sent back to back (well under two seconds)
    emulator.set_faults(Faults(qps_limit=1))
    outcomes: list[object] = []
    for _ in range(5):
        try:
            bucket.list_objects()
            outcomes.append("ok")
        except oss2.exceptions.ServerError as e:
            outcomes.append((e.status, e.code, e.ec))
    # THEN at most two windows let one through each and the rest are 503 TotalQpsLimitExceeded
    assert outcomes.count("ok") <= 2
    assert set(outcomes) - {"ok"} == {(503, "TotalQpsLimitExceeded", "0004-00000302")}
    assert emulator.stats.get("throttled") == 5 - outcomes.count("ok")


def test_qps_budget_is_per_one_second_window():
    now = [100.0]
    injector = FaultInjector(Faults(qps_limit=3), monotonic=lambda: now[0])
    first = [injector.decide() for _ in range(5)]
    now[0] = 101.2
    second = [injector.decide() for _ in range(2)]
    assert first == [None, None, None, "throttled", "throttled"]
    assert second == [None, None]


def test_fault_rate_is_deterministic_for_a_seed_and_close_to_the_rate():
    a = FaultInjector(Faults(rate=0.2, seed=7))
    b = FaultInjector(Faults(rate=0.2, seed=7))
    seq_a = [a.decide() for _ in range(2000)]
    assert seq_a == [b.decide() for _ in range(2000)]
    failed = [x for x in seq_a if x]
    assert 300 < len(failed) < 500
    assert set(failed) == {"500", "503", "drop"}


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"rate": 1.5}, "fault rate"),
        ({"rate": -0.1}, "fault rate"),
        ({"kinds": ("boom",)}, "fault kinds"),
        ({"kinds": ()}, "fault kinds"),
        ({"qps_limit": 0}, "qps limit"),
    ],
)
def test_bad_fault_settings_name_the_field(kwargs, field):
    with pytest.raises(ConfigError) as e:
        Faults(**kwargs)
    assert e.value.field == field
    assert field in str(e.value)
