"""The request-rate budget: its split across concurrent invocations and the AIMD limiter (injected clock)."""
from __future__ import annotations

import oss2
import pytest

from restore_core import rate


class Clock:
    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def limiter(share: float) -> tuple[rate.RateLimiter, Clock]:
    rate._learned.clear()  # each test starts as a fresh instance
    clock = Clock()
    return rate.RateLimiter(share=share, clock=clock, sleep=clock.sleep), clock


def throttling() -> oss2.exceptions.ServerError:
    return oss2.exceptions.ServerError(503, {}, b"", {"Code": "TotalQpsLimitExceeded"})


@pytest.mark.parametrize("groups", [1, 7, 60, 100])
def test_the_listing_and_the_batch_groups_together_take_exactly_the_budget(groups: int):
    # GIVEN a budget of 500 requests/s WHEN a batch of `groups` invocations is restored beside a listing
    total = rate.listing_share(500) + groups * rate.restore_share(500, groups)
    # THEN their shares add up to the budget, never more
    assert total == pytest.approx(500)
    assert rate.restore_share(0, groups) == rate.listing_share(0) == 0


def test_requests_are_spaced_one_over_the_share_apart_without_a_burst():
    # GIVEN a share of 4 requests/s
    lim, clock = limiter(4)
    # WHEN five requests go out back to back
    for _ in range(5):
        lim.acquire()
    # THEN the first goes at once and each later one waits a quarter second after the previous
    assert clock.sleeps == pytest.approx([0.25, 0.25, 0.25, 0.25])


def test_a_throttling_answer_halves_the_rate_once_per_second_and_success_brings_it_back_to_the_share():
    # GIVEN a share of 40 requests/s
    lim, clock = limiter(40)
    # WHEN two throttling answers come within the same second
    lim.throttled()
    lim.throttled()
    # THEN the rate is halved once
    assert lim.rate == pytest.approx(20)
    # WHEN another comes a second later THEN it halves again
    clock.now += 1.0
    lim.throttled()
    assert lim.rate == pytest.approx(10)
    # WHEN answers come without throttling for half a second, then for two more seconds
    clock.now += 0.5
    lim.succeeded()
    assert lim.rate == pytest.approx(20)  # additive: share/2 per second
    for _ in range(4):
        clock.now += 0.5
        lim.succeeded()
    # THEN the rate is back at the share and never above it
    assert lim.rate == pytest.approx(40)


def test_the_rate_never_drops_below_the_floor():
    lim, clock = limiter(2)
    for _ in range(10):
        clock.now += 1.0
        lim.throttled()
    assert lim.rate == pytest.approx(rate.FLOOR)


def test_without_a_budget_the_rate_doubles_each_second_until_throttled_then_grows_additively():
    # GIVEN no budget
    lim, clock = limiter(0)
    assert lim.rate == rate.UNBUDGETED_START
    # WHEN two seconds of answers pass without throttling THEN the rate has doubled twice (slow start)
    for _ in range(2):
        clock.now += 1.0
        lim.succeeded()
    assert lim.rate == pytest.approx(4 * rate.UNBUDGETED_START)
    # WHEN the bucket throttles THEN it halves, and from then on grows by a fixed step per second
    lim.throttled()
    assert lim.rate == pytest.approx(2 * rate.UNBUDGETED_START)
    clock.now += 1.0
    lim.succeeded()
    assert lim.rate == pytest.approx(2 * rate.UNBUDGETED_START + rate.UNBUDGETED_INCREASE)


def test_paced_feeds_throttling_answers_back_and_reraises_them():
    # GIVEN a paced call that OSS answers with 503 TotalQpsLimitExceeded, then with success
    lim, _ = limiter(40)
    answers: list[object] = [throttling(), "ok"]

    def call() -> object:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    attempt = rate.paced(lim, call)
    # WHEN it is attempted twice
    with pytest.raises(oss2.exceptions.ServerError):
        attempt()
    # THEN the error reaches the caller unchanged (its retry sorts it) and the rate was halved
    assert lim.rate == pytest.approx(20)
    assert attempt() == "ok"


def test_a_negative_share_is_refused():
    with pytest.raises(ValueError, match="share"):
        rate.RateLimiter(share=-1)


def test_where_fewer_invocations_run_at_once_than_the_batch_has_groups_each_takes_one_of_that_many_shares():
    # GIVEN a runtime that runs 2 invocations at once (the local stand-in) and a batch of 60 groups
    share = rate.restore_share(500, 60, concurrent=2)
    # THEN the two running at once, whichever two, stay under the budget, and use all but the listing's share
    assert 2 * share == pytest.approx(500 - rate.listing_share(500))
    assert share + rate.listing_share(500) < 500


def test_without_a_budget_a_new_invocation_starts_at_the_rate_the_instance_learned():
    # GIVEN an invocation without a budget that was throttled once, then ran for a second
    first, clock = limiter(0)
    first.throttled()
    clock.now += 1.0
    first.succeeded()
    # WHEN the next invocation in the same instance starts THEN it starts where the first left off
    assert rate.RateLimiter(share=0, clock=clock, sleep=clock.sleep).rate == pytest.approx(first.rate)
    # AND a budgeted one ignores it
    assert rate.RateLimiter(share=3, clock=clock, sleep=clock.sleep).rate == 3
