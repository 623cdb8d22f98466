"""The request-rate budget: its split across concurrent invocations and the AIMD limiter (injected clock)."""

from __future__ import annotations

import heapq
import itertools
from collections import Counter

import oss2
import pytest

from restore_core import rate
from restore_core.retry import OutOfTime


class Clock:
    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def limiter(share: float, *, start: float = rate.UNBUDGETED_START) -> tuple[rate.RateLimiter, Clock]:
    clock = Clock()
    return rate.RateLimiter(share=share, clock=clock, sleep=clock.sleep, start=start), clock


def answer(lim: rate.RateLimiter, clock: Clock, *, for_seconds: float, accepted: int) -> None:
    """`accepted` requests sent evenly over `for_seconds` and answered without throttling."""
    for _ in range(accepted):
        clock.now += for_seconds / accepted
        lim.succeeded()


def throttling() -> oss2.exceptions.ServerError:
    return oss2.exceptions.ServerError(503, {}, b"", {"Code": "TotalQpsLimitExceeded"})


@pytest.mark.parametrize(("invocations", "groups"), [(50, 1), (50, 7), (50, 49), (2, 1), (101, 100), (1000, 100)])
def test_the_listing_and_the_batch_groups_together_take_exactly_the_budget(invocations: int, groups: int):
    # GIVEN a budget of 500 requests/s and a run keeping `invocations` running at once
    # WHEN a batch of `groups` invocations (at most invocations - 1, and 100) is restored beside a listing
    assert groups <= rate.batch_groups(invocations)
    total = rate.listing_share(500, invocations) + groups * rate.restore_share(500, groups, invocations=invocations)
    # THEN their shares add up to the budget at most, exactly when the batch is full
    assert total <= 500 + 1e-9
    if groups == rate.batch_groups(invocations) and invocations <= 101:
        assert total == pytest.approx(500)
    assert rate.restore_share(0, groups, invocations=invocations) == rate.listing_share(0, invocations) == 0


def test_a_batch_holds_one_group_less_than_the_invocations_and_at_most_a_foreachs_100():
    assert [rate.batch_groups(n) for n in (1, 2, 50, 101, 1000)] == [1, 1, 49, 100, 100]
    # one invocation at a time (waitPerBatch: no listing beside the batch) takes the whole budget
    assert rate.restore_share(500, 1, invocations=1) == 500


def test_requests_keep_to_the_share_in_every_second_and_make_up_for_idle_time_without_a_burst():
    # GIVEN a share of 4 requests/s
    lim, clock = limiter(4)
    # WHEN 41 requests go out back to back
    sent = []
    for _ in range(41):
        lim.acquire()
        sent.append(clock.now)
    # THEN no second holds more than 4, none follows another closer than 1/(CATCH_UP * 4) s, and
    # the 41 take ten seconds (the share), less at most the catch-up allowance
    assert all(later - earlier >= 1.0 - 1e-9 for earlier, later in zip(sent, sent[4:]))
    assert min(b - a for a, b in itertools.pairwise(sent)) >= 1 / (rate.CATCH_UP * 4) - 1e-9
    assert 10.0 - rate.CATCH_UP_SECONDS - 1e-9 <= sent[-1] - sent[0] <= 10.0 + 1e-9
    # AND a busy limiter sends 1/4 s apart
    assert sent[-1] - sent[-2] == pytest.approx(0.25)
    # WHEN it was idle for a while THEN what it missed is made up for: the next goes sooner
    clock.now += 1.0
    assert lim.reserve() == 0
    assert lim.reserve() == pytest.approx(1 / (rate.CATCH_UP * 4))


def test_a_throttling_answer_steps_down_below_what_oss_accepted_then_climbs_back_and_probes_slowly():
    # GIVEN a share of 400 requests/s, of which OSS accepted 200 in the last second
    lim, clock = limiter(400)
    answer(lim, clock, for_seconds=1.0, accepted=200)
    # WHEN two throttling answers come within the same second
    clock.now += 0.001
    lim.throttled()
    lim.throttled()
    # THEN the limit learned is what OSS accepted, and the rate steps down below it once
    assert lim.limit == 200
    assert lim.rate == pytest.approx(rate.DECREASE * 200)
    # WHEN a second passes without throttling THEN the rate is back near the limit, not over it
    answer(lim, clock, for_seconds=rate.RECOVERY, accepted=180)
    assert lim.rate == pytest.approx(rate.TARGET * 200)
    # AND from there it probes upward slowly: PROBE of the limit per second
    answer(lim, clock, for_seconds=2.0, accepted=400)
    assert lim.rate == pytest.approx((rate.TARGET + 2 * rate.PROBE) * 200)


def test_a_throttling_answer_never_more_than_halves_the_rate():
    # GIVEN a limiter at its share of 40 that OSS throttles before accepting anything
    lim, clock = limiter(40)
    lim.throttled()
    # THEN the limit learned is half the rate, never what a first request's answer suggests (zero)
    assert lim.limit == pytest.approx(20)
    for _ in range(12):
        clock.now += rate.DECREASE_HOLD
        lim.throttled()
    # AND repeated throttling lowers it to the floor, no further
    assert lim.rate == rate.FLOOR
    assert lim.limit == rate.FLOOR


def test_the_rate_never_climbs_above_the_share():
    lim, clock = limiter(100)
    answer(lim, clock, for_seconds=1.0, accepted=100)
    lim.throttled()
    answer(lim, clock, for_seconds=60.0, accepted=6000)
    assert lim.rate == 100


def test_without_a_budget_the_rate_doubles_each_second_until_throttled_then_stays_under_what_oss_accepted():
    # GIVEN no budget and a start of 50 requests/s
    lim, clock = limiter(0, start=50)
    assert lim.rate == 50
    # WHEN two seconds of answers pass without throttling THEN the rate has doubled twice (slow start)
    answer(lim, clock, for_seconds=1.0, accepted=75)
    answer(lim, clock, for_seconds=1.0, accepted=150)
    assert lim.rate == pytest.approx(200)
    # WHEN the bucket throttles THEN the slow start ends further below what OSS accepted in the
    # last second than a later throttling answer steps down
    clock.now += 0.001
    lim.throttled()
    assert lim.limit == 150
    assert lim.rate == pytest.approx(rate.SLOW_START_DECREASE * 150)
    # AND from then on it grows towards the limit, not by doubling
    answer(lim, clock, for_seconds=1.0, accepted=120)
    assert lim.rate == pytest.approx((rate.SLOW_START_DECREASE + rate.TARGET - rate.DECREASE) * 150)


def test_the_rate_does_not_grow_while_the_instance_sends_far_less():
    # GIVEN no budget, a start of 200 requests/s, and an instance that gets only 20 answers a second
    # (a busy machine)
    lim, clock = limiter(0, start=200)
    # WHEN five seconds pass THEN the rate has not doubled at all: a rate never reached proves nothing
    answer(lim, clock, for_seconds=5.0, accepted=100)
    assert lim.rate == 200
    # WHEN it then sends at the rate THEN the slow start goes on
    answer(lim, clock, for_seconds=1.0, accepted=250)
    assert lim.rate > 300


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
    # THEN the error reaches the caller unchanged (its retry sorts it) and the rate stepped down (OSS
    # had accepted nothing yet, so to half the rate, the most one answer takes off)
    assert lim.rate == pytest.approx(rate.DECREASE * 20)
    assert attempt() == "ok"


def test_a_negative_share_is_refused():
    with pytest.raises(ValueError, match="share"):
        rate.RateLimiter(share=-1)


def test_where_fewer_invocations_run_at_once_than_the_batch_has_groups_each_takes_one_of_that_many_shares():
    # GIVEN a runtime that runs 2 invocations at once (the local stand-in) and a batch of 60 groups
    share = rate.restore_share(500, 60, concurrent=2)
    # THEN the two running at once, whichever two, stay under the budget, and use all but the listing's share
    assert 2 * share == pytest.approx(500 - rate.listing_share(500, rate.DEFAULT_CONCURRENT_INVOCATIONS))
    assert share + rate.listing_share(500) < 500


def test_an_instance_keeps_what_it_learned_about_a_bucket_from_one_invocation_to_the_next():
    # GIVEN an invocation without a budget that doubled to 100 requests/s in a second, then was throttled
    clock = Clock()
    first = rate.for_invocation("http://oss.test:1", "learned", share=0, start=50, clock=clock, sleep=clock.sleep)
    answer(first, clock, for_seconds=1.0, accepted=300)
    first.throttled()
    learned = first.rate
    # WHEN the next invocation in the same instance starts, for the same bucket
    second = rate.for_invocation("http://oss.test:1", "learned", share=0, start=50, clock=clock, sleep=clock.sleep)
    # THEN it goes on from the rate learned instead of slow-starting again
    assert second is first and second.rate == learned == pytest.approx(rate.SLOW_START_DECREASE * 100)
    # AND a budgeted invocation is held to its share, the learned limit kept for the next
    assert rate.for_invocation("http://oss.test:1", "learned", share=5, clock=clock, sleep=clock.sleep).rate == 5
    assert rate.for_invocation("http://oss.test:1", "learned", share=0, clock=clock, sleep=clock.sleep).rate == learned
    # AND another bucket starts afresh
    other = rate.for_invocation("http://oss.test:1", "other", share=0, start=50, clock=clock, sleep=clock.sleep)
    assert other is not first and other.rate == 50
    # AND so does the same bucket once the instance has sent it nothing for a while
    clock.now += rate.FORGET_AFTER + 1
    again = rate.for_invocation("http://oss.test:1", "learned", share=0, start=50, clock=clock, sleep=clock.sleep)
    assert again is not first and again.rate == 50


def test_a_small_share_does_not_hold_back_the_next_invocation_of_the_instance():
    # GIVEN an instance whose last invocation (a listing call) had a share of 1 request/s and sent one
    clock = Clock()
    lim = rate.for_invocation("http://oss.test:1", "spacing", share=1, clock=clock, sleep=clock.sleep)
    lim.acquire()
    # WHEN the next invocation has a share of 100 requests/s
    rate.for_invocation("http://oss.test:1", "spacing", share=100, clock=clock, sleep=clock.sleep)
    # THEN its first request follows that one as the new share allows, not a second later
    assert lim.reserve() == pytest.approx(1 / (rate.CATCH_UP * 100))
    # WHEN a busy invocation with a share of 100 is followed by one with a share of 2
    for _ in range(150):
        lim.acquire()
    rate.for_invocation("http://oss.test:1", "spacing", share=2, clock=clock, sleep=clock.sleep)
    # THEN the new one's first request does not wait for the last second to empty: those requests
    # counted against the other share
    assert lim.reserve() < 0.1


def test_requests_the_time_budget_will_not_send_hold_no_send_slot():
    # GIVEN an invocation with a share of 10 requests/s and half a second left, and 100 targets to send
    lim, clock = limiter(10, start=10)
    stop_at = clock.now + 0.5
    sent, refused = 0, 0
    for _ in range(100):
        try:
            rate.paced(lim, lambda: None, stop_at=stop_at, clock=lambda: clock.now)()
            sent += 1
        except OutOfTime:
            refused += 1
    # THEN those the budget allows are sent and the rest refused at once
    assert 0 < sent <= 10 and sent + refused == 100
    # AND the next invocation of the instance finds its first slot within a second, not 10 s of unused slots away
    clock.now = stop_at
    assert lim.reserve() <= 1.0


class Bucket:
    """OSS's count of a bucket's requests per second: past `limit` in a second, a throttling answer."""

    def __init__(self, limit: int) -> None:
        self.limit, self.counts, self.throttled = limit, Counter[int](), 0

    def answer(self, at: float) -> bool:
        self.counts[int(at)] += 1
        over = self.counts[int(at)] > self.limit
        self.throttled += over
        return not over


def simulate(
    lims: list[rate.RateLimiter], clock: Clock, bucket: Bucket, *, until: float, stops: dict[int, float] | None = None
) -> Counter[tuple[int, int]]:
    """Each limiter sends as fast as it may (limiter i stops at `stops[i]`), each answer 3 ms after its
    request; returns what OSS accepted per (limiter, second)."""
    stops = stops or {}
    accepted_per: Counter[tuple[int, int]] = Counter()
    sends = [(lim.next_send, i) for i, lim in enumerate(lims)]
    answers: list[tuple[float, int, bool]] = []
    while sends and sends[0][0] < until:
        at, i = heapq.heappop(sends)
        while answers and answers[0][0] <= at:
            clock.now, j, accepted = heapq.heappop(answers)
            (lims[j].succeeded if accepted else lims[j].throttled)()
        clock.now = at
        if at >= stops.get(i, until):
            continue  # this one has finished its work: it sends nothing more
        if lims[i].next_send > at:  # a throttling answer just put its next slot later
            heapq.heappush(sends, (lims[i].next_send, i))
            continue
        assert lims[i].reserve() == 0
        ok = bucket.answer(at)
        accepted_per[(i, int(at))] += ok
        heapq.heappush(answers, (at + 0.003, i, ok))
        heapq.heappush(sends, (lims[i].next_send, i))
    return accepted_per


@pytest.mark.parametrize(
    ("instances", "limit", "share"), [(2, 500, 0), (2, 300, 0), (10, 1000, 0), (2, 500, 250), (2, 500, 400)]
)
def test_instances_without_a_budget_find_the_bucket_limit_and_stay_just_under_it(
    instances: int, limit: int, share: int
):
    # GIVEN `instances` limiters without a budget (or with one over the bucket's limit) sending as fast
    # as they may to a bucket that accepts `limit` requests per second, answered 3 ms after sending
    clock = Clock()
    bucket = Bucket(limit)
    start = rate.restore_share(rate.UNBUDGETED_START, instances, concurrent=instances)
    lims = [rate.RateLimiter(share=share, clock=clock, sleep=clock.sleep, start=start) for _ in range(instances)]
    # WHEN they run for 60 s
    simulate(lims, clock, bucket, until=clock.now + 60)
    # THEN under 1% of the requests are throttled and OSS accepts over 95% of what its limit allows,
    # the slow start included
    sent = sum(bucket.counts.values())
    assert bucket.throttled / sent < 0.01
    assert (sent - bucket.throttled) / (60 * limit) > 0.95


@pytest.mark.parametrize(("instances", "limit"), [(2, 500), (6, 1000), (10, 300)])
def test_an_instance_without_a_budget_takes_up_the_room_others_leave_when_they_stop(instances: int, limit: int):
    # GIVEN `instances` limiters without a budget sharing a bucket's limit for 20 s
    clock = Clock()
    bucket = Bucket(limit)
    start = rate.restore_share(rate.UNBUDGETED_START, instances, concurrent=instances)
    lims = [rate.RateLimiter(share=0, clock=clock, sleep=clock.sleep, start=start) for _ in range(instances)]
    t0 = clock.now
    # WHEN all but the last stop after 20 s (their shards finished) and the last goes on alone
    accepted = simulate(lims, clock, bucket, until=t0 + 50, stops={i: t0 + 20 for i in range(instances - 1)})
    # THEN within about 20 s the last one sends at nearly the whole limit (not at its old part of it, probing
    # up by PROBE a second: that took minutes), and under 1% of all requests were throttled
    last = instances - 1
    alone = sum(accepted[(last, int(t0) + second)] for second in range(42, 50))
    assert alone > 0.9 * 8 * limit, alone
    assert bucket.throttled / sum(bucket.counts.values()) < 0.01
