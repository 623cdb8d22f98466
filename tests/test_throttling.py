"""Throttling is told from failure: only OSS's throttling answers lower the rate, other transient errors
are retried at the current rate (and lower it only when they persist), and each invocation stops
sending before its time budget ends. Injected clocks throughout: nothing here sleeps."""

from __future__ import annotations

import itertools
import json
import random
import threading
from types import SimpleNamespace

import oss2
import pytest

from fc_runtimes import InProcess
from ossemu import Faults, RestoreLatency
from restore_core import inputs, oss_errors, rate, retry, time_budget
from restore_core.restorer import Kind, Settings, Target, restore_all
from restore_core.shards import END
from restore_core.slice_task import restore_slice

BUCKET = "test-bucket"
CONTEXT = SimpleNamespace(
    credentials=SimpleNamespace(access_key_id="test-ak", access_key_secret="test-secret", security_token=None)
)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def server_error(status: int, code: str) -> oss2.exceptions.ServerError:
    return oss2.exceptions.ServerError(status, {}, b"", {"Code": code})


DROPPED = oss2.exceptions.RequestError(ConnectionError("connection reset"))


@pytest.mark.parametrize(
    "status, code",
    [
        (503, "TotalQpsLimitExceeded"),
        (503, "MetaOperationQpsLimitExceeded"),
        (503, "ActiveRequestLimitExceeded"),
        (503, "DownloadTrafficRateLimitExceeded"),
        (503, "UploadTrafficRateLimitExceeded"),
        (503, "CpuLimitExceeded"),
        (503, "RestoreRateLimitExceeded"),
        (429, "TooManyRequests"),
        (429, ""),
    ],
)
def test_throttling_answers_are_told_apart(status, code):
    # GIVEN an answer with one of OSS's throttling codes, a 503 naming another exceeded limit, or a 429
    error = server_error(status, code)
    # THEN it is throttling, transient, and not a failure
    assert oss_errors.is_throttling(error) and oss_errors.is_transient(error) and not oss_errors.is_failure(error)


@pytest.mark.parametrize(
    "error",
    [
        server_error(503, "ServiceUnavailable"),
        server_error(500, "InternalError"),
        server_error(502, ""),
        server_error(503, ""),
        server_error(408, "RequestTimeout"),
        DROPPED,
    ],
)
def test_server_errors_and_dropped_connections_are_failures_not_throttling(error):
    assert oss_errors.is_failure(error) and oss_errors.is_transient(error) and not oss_errors.is_throttling(error)


@pytest.mark.parametrize(
    "error",
    [server_error(404, "NoSuchKey"), server_error(409, "RestoreAlreadyInProgress"), server_error(403, "AccessDenied")],
)
def test_permanent_answers_are_neither(error):
    assert not oss_errors.is_failure(error) and not oss_errors.is_throttling(error)


def limiter(share: float) -> tuple[rate.RateLimiter, Clock]:
    clock = Clock()
    return rate.RateLimiter(share=share, clock=clock, sleep=clock.sleep), clock


def answers(lim: rate.RateLimiter, clock: Clock, kinds: list[str], *, per_second: float) -> None:
    """Feed the limiter answers as paced attempts would: "ok", "fail" (a 5xx) or "throttle"."""
    for kind in kinds:
        clock.now += 1 / per_second
        {"ok": lim.succeeded, "fail": lim.failed, "throttle": lim.throttled}[kind]()


def test_random_server_errors_never_lower_the_rate():
    # GIVEN an instance sending at its share of 200 requests/s
    lim, clock = limiter(200)
    rng = random.Random(5)
    # WHEN 20,000 answers come back of which 20% (drawn at random) are 503 ServiceUnavailable or 500
    answers(lim, clock, ["fail" if rng.random() < 0.2 else "ok" for _ in range(20_000)], per_second=200)
    # THEN the rate never moved: no limit was learned and it still runs at its share
    assert lim.rate == 200 and lim.limit is None


def test_failures_that_persist_lower_the_rate_once_then_count_afresh():
    # GIVEN an instance at 200 requests/s whose answers were all fine
    lim, clock = limiter(200)
    answers(lim, clock, ["ok"] * 400, per_second=200)
    # WHEN OSS fails one fewer than FAILURE_MAJORITY of the last FAILURE_WINDOW answers
    answers(lim, clock, ["fail"] * (rate.FAILURE_MAJORITY - 1), per_second=200)
    # THEN nothing changes yet
    assert lim.rate == 200
    # WHEN one more fails
    answers(lim, clock, ["fail"], per_second=200)
    # THEN the rate steps down as for one throttling answer, and the count starts afresh
    assert lim.rate < 200 and lim.limit is not None
    assert lim.recent_failures == 0


def test_a_throttling_answer_lowers_the_rate_at_once():
    lim, clock = limiter(200)
    answers(lim, clock, ["ok"] * 400, per_second=200)
    answers(lim, clock, ["throttle"], per_second=200)
    assert lim.rate < 200 and lim.limit is not None


def test_paced_feeds_failures_to_the_rule_and_refusals_as_accepted_answers():
    # GIVEN paced calls answered 503 ServiceUnavailable, 409 and a dropped connection
    lim, clock = limiter(50)
    for error in (server_error(503, "ServiceUnavailable"), server_error(409, "RestoreAlreadyInProgress"), DROPPED):

        def call(error: Exception = error) -> None:
            raise error

        # WHEN each is attempted THEN the error reaches the caller unchanged
        with pytest.raises(type(error)):
            rate.paced(lim, call, clock=clock)()
    # AND the two failures were counted towards the rule, the 409 as an answer OSS accepted; the rate stayed
    assert lim.recent_failures == 2 and lim.rate == 50


def test_no_request_waits_for_a_send_slot_after_the_time_budget():
    # GIVEN an instance at 2 requests/s whose budget ends 1.2 s from now
    lim, clock = limiter(2)
    sent: list[float] = []
    attempt = rate.paced(lim, lambda: sent.append(clock.now), stop_at=clock.now + 1.2, clock=clock)
    # WHEN it tries to send 5 requests
    outcomes = []
    for _ in range(5):
        try:
            attempt()
            outcomes.append("sent")
        except retry.OutOfTime:
            outcomes.append("out of time")
    # THEN only those whose slots come before the budget's end were sent, and it never slept past it
    k = outcomes.count("sent")
    assert 1 <= k < 5 and outcomes == ["sent"] * k + ["out of time"] * (5 - k)
    assert len(sent) == k and all(t < 101.2 for t in sent) and clock.now < 101.2


def test_a_retry_whose_backoff_ends_after_the_time_budget_is_not_made():
    # GIVEN a call failing with 503 ServiceUnavailable, backoff up to 5 s, 2 s of budget left
    clock = Clock()
    calls = []

    def failing() -> None:
        calls.append(clock.now)
        raise server_error(503, "ServiceUnavailable")

    policy = retry.RetryPolicy(max_attempts=10, initial_interval=1.0, maximum_interval=5.0)
    # WHEN it is retried
    with pytest.raises(oss2.exceptions.ServerError):
        retry.call(
            failing,
            policy=policy,
            retryable=oss_errors.is_transient,
            sleep=clock.sleep,
            rand=lambda: 1.0,
            stop_at=clock.now + 2.0,
            clock=clock,
        )
    # THEN the last error comes back as it was, after the attempts that fit: none starts or waits past the end
    assert calls == [100.0, 101.0] and clock.now == 101.0


@pytest.mark.parametrize(
    "context, expected",
    [
        (SimpleNamespace(function=SimpleNamespace(timeout=600)), 600 - time_budget.SAFETY_SECONDS),
        (SimpleNamespace(function=SimpleNamespace(timeout=10)), 5.0),
        (
            SimpleNamespace(get_remaining_time_in_millis=lambda: 90_000, function=SimpleNamespace(timeout=600)),
            90 - time_budget.SAFETY_SECONDS,
        ),
        (SimpleNamespace(function=SimpleNamespace(timeout=float("nan"))), None),
        (SimpleNamespace(function=SimpleNamespace(timeout=True)), None),
        (SimpleNamespace(function=SimpleNamespace(name="restore")), None),
        (SimpleNamespace(), None),
    ],
)
def test_the_time_budget_comes_from_the_context(context, expected):
    # WHEN the budget is read at clock time 1,000
    stop_at = time_budget.stop_at(context, clock=lambda: 1000.0)
    # THEN it ends a safety margin (at most half the time) before the timeout, or not at all without one
    assert (stop_at if stop_at is None else stop_at - 1000.0) == expected


class Ticks:
    """A clock that moves one unit each time it is read (thread-safe): a budget of N reads."""

    def __init__(self) -> None:
        self._count = itertools.count()
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return float(next(self._count))


def test_keys_not_sent_before_the_budget_ends_come_back_unanswered_and_are_never_asked_twice(emulator, bucket):
    # GIVEN 200 Archive objects and a budget that ends part way through their requests
    keys = [f"budget/{i:03d}" for i in range(200)]
    for key in keys:
        emulator.put_object(BUCKET, key, b"x", storage_class="Archive")
    settings = Settings(workers=4, sleep=lambda s: None, clock=Ticks())
    # WHEN they are requested
    first = restore_all(bucket, [Target(k, "Archive") for k in keys], settings, stop_at=300.0)
    # THEN some were answered (202) and the rest came back not sent; OSS saw exactly the answered ones
    sent = [o.key for o in first if o.kind is Kind.REQUESTED]
    unsent = [o.key for o in first if o.kind is Kind.NOT_SENT]
    assert sent and unsent and len(sent) + len(unsent) == 200
    assert emulator.stats.get("RestoreObject") == len(sent)
    # WHEN the unanswered ones are requested again without a budget
    second = restore_all(bucket, [Target(k, "Archive") for k in unsent], Settings(workers=4, sleep=lambda s: None))
    # THEN every key got exactly one request: none answered 409, none extended or billed twice
    assert all(o.kind is Kind.REQUESTED for o in second)
    stats = emulator.stats.snapshot()
    assert stats["RestoreObject"] == stats["RestoreObject:202"] == stats["restore:billed"] == 200
    assert stats.get("RestoreObject:409", 0) == stats["restore:extended"] == stats["restore:rebilled"] == 0


def test_a_slice_stops_sending_when_its_budget_ends_and_the_next_sends_only_the_rest(emulator, bucket):
    # GIVEN 120 Archive objects and a budget of a few clock reads
    keys = [f"pend/{i:03d}" for i in range(120)]
    for key in keys:
        emulator.put_object(BUCKET, key, b"x", storage_class="Archive")
    event = {
        "settings": {"endpoint": emulator.endpoint, "bucketName": BUCKET, "workers": 2},
        "round": {"invocations": 1, "seconds": 1},
        "shard": {"i": "s0", "lo": "", "m": "", "s": ""},
    }
    ticks = Ticks()
    # WHEN the handler runs out of time part way
    first = restore_slice(
        bucket, inputs.shard_request(event), store=None, sleep=lambda s: None, clock=lambda: ticks() / 100
    )
    # THEN it returns (no error) with its cursor before the first key it did not send, and the next slice
    # from there sends only the rest
    assert 0 < first.counts["requested"] < 120 and first.shard.m != END
    again = restore_slice(
        bucket,
        inputs.shard_request(
            {
                **event,
                "round": {"invocations": 1, "seconds": 60},
                "shard": first.shard.to_json(inputs.shard_request(event).scope),
            }
        ),
        store=None,
        sleep=lambda s: None,
    )
    assert again.shard.m == END and first.counts["requested"] + again.counts["requested"] == 120
    assert emulator.stats.get("RestoreObject") == 120


def test_five_percent_service_unavailable_neither_slows_the_handler_nor_asks_twice(emulator, bucket):
    # GIVEN 400 Archive objects, a budget of 2,000 requests/s for one group, and an OSS that answers 5% of
    # all requests 503 ServiceUnavailable (no QPS limit), restores taking an hour
    emulator.set_latency(RestoreLatency.uniform(3600))
    keys = [f"flaky/{i:03d}" for i in range(400)]
    for key in keys:
        emulator.put_object(BUCKET, key, b"x", storage_class="Archive")
    emulator.set_faults(Faults(rate=0.05, kinds=("503",), seed=3))
    event = {
        "settings": {"endpoint": emulator.endpoint, "bucketName": BUCKET, "workers": 16, "maxRequestsPerSecond": 2000},
        "round": {"invocations": 1, "seconds": 60},
        "shard": {"i": "s0", "lo": "", "m": "", "s": ""},
    }
    context = SimpleNamespace(credentials=CONTEXT.credentials, function=SimpleNamespace(name="restore", timeout=600))
    # WHEN the handler restores the shard as FC calls it
    out = json.loads(InProcess().invoke("restore", json.dumps(event).encode(), context))
    stats = emulator.stats.snapshot()
    # THEN every key was requested and answered in this one call
    assert out["c"]["requested"] == 400 and out["shard"]["m"] is None and stats["fault:503"] > 0
    # AND the instance's rate is still its whole share: no 503 was taken for throttling
    share = 2000.0
    limiter = rate.for_invocation(bucket.endpoint, BUCKET, share=share)
    assert limiter.rate == pytest.approx(share) and limiter.limit is None
    # AND each key reached OSS exactly once: nothing answered 409, extended or billed twice
    assert stats["RestoreObject"] == stats["RestoreObject:202"] == stats["restore:billed"] == 400
    assert stats.get("RestoreObject:409", 0) == stats["restore:extended"] == stats["restore:rebilled"] == 0
    assert stats["attempt:RestoreObject"] == 400 + stats["fault:503"]
