"""The request-rate budget: its split across concurrent invocations, and the AIMD limiter inside a share.

OSS answers 503 (TotalQpsLimitExceeded and the other throttling codes) once a bucket's request rate is
over its limit. Each FC instance paces its requests to a bucket with one `RateLimiter`, kept from one
invocation to the next (an instance runs one invocation at a time, `instance_concurrency` 1): no
second ever holds more requests than the rate, a busy instance spaces them 1/rate apart (no bursts),
and time it spent idle between requests (an invocation's start and end) is made up for within the
second. The rate is never above the invocation's share of the budget.

The split is deterministic, so concurrent invocations need not talk to each other: the run keeps at most
`maxConcurrentInvocations` (N) invocations running at once (FC's instances per region are a quota), and
while a batch is restored the next listing call runs beside it, so a batch holds at most N - 1 groups
(`batch_groups`), one invocation each. The listing call takes one N-th of the budget and the batch's groups
share the rest equally. The confirm phase's status calls run alone and take the whole budget.

Only throttling answers lower the rate (`oss_errors.is_throttling`: 429 and OSS's limit codes such as
TotalQpsLimitExceeded). Other transient failures (ServiceUnavailable and the other 5xx, 408, dropped
connections) say nothing about this client's rate: they are retried with backoff at the current rate.
They lower it only when they persist, by this rule: when `FAILURE_MAJORITY` or more of the last
`FAILURE_WINDOW` answers were such failures, the limiter steps down as for one throttling answer and
starts counting afresh. At 20% random failures (on average 10 in 50, a standard deviation of 2.8) 25
in a window of 50 is over five standard deviations off: practically never; at 5%, never. An OSS that
fails most requests is eased off within 50 answers.

Inside a share the rate adapts to throttling answers (additive increase, multiplicative decrease). What
a throttling answer says is that the bucket's count for the current second went over its limit, so the
limiter takes as the instance's part of that limit the requests OSS accepted from it in the second
before (`limit`; never under half its rate), steps down to `DECREASE` of it (and sends nothing more
until its last second holds fewer requests than that), climbs back within about a second to
`TARGET` of it, and from there probes upward slowly (`PROBE` of it per second; without a budget
also with the cube of the quiet seconds, `PROBE_CUBE`): the rate stays just
under the limit, and a probe past it costs a few answers, not a second of them. Without a
budget the limiter starts at `UNBUDGETED_START` and doubles every second until the first throttling
answer (slow start), split over the invocations as a budget is; what it learned stays with the
instance, so later invocations start at the limit instead of probing for it again.
"""

from __future__ import annotations

import collections
import os
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from restore_core import oss_errors
from restore_core.retry import Clock, OutOfTime, Sleep

T = TypeVar("T")

FOREACH_CONCURRENCY = 100  # CloudFlow runs at most 100 foreach iterations at once
# The flow input maxConcurrentInvocations' default: FC 2.0 allows 100 instances per region by default, and
# half of them leaves room for the notify and status calls and for another run.
DEFAULT_CONCURRENT_INVOCATIONS = 50
# Without a budget: the run starts at UNBUDGETED_START requests/s (split as a budget is) and grows by
# SLOW_START_GROWTH per second until the first throttling answer. Tuned on a model of OSS's per-second
# count (two to 100 instances, limits of 300 to 2,000 requests/s: under 1% throttled, tests/test_rate.py):
# starting at 200 rather than 100 saves about a second of a 500/s limit, and a growth of 3 per
# second overshoots a window by more.
UNBUDGETED_START = 200.0
SLOW_START_GROWTH = 2.0
# The first throttling answer ends the slow start, whose last second may have been over the limit by
# more than a probe's: step further down than later (DECREASE).
SLOW_START_DECREASE = 0.9  # of the learned limit
# A lower rate also leaves no room in the second until the requests of the last second fall under it:
# that pause, not a deep cut, is what ends the run of throttling answers.
DECREASE = 0.95  # of the learned limit, after a later throttling answer
TARGET = 0.98  # of the learned limit: where the rate climbs back to within RECOVERY seconds
RECOVERY = 1.0
PROBE = 0.003  # of the learned limit per second: the climb past TARGET
# Without a budget an instance's part of the bucket's limit is what it got while others sent too; when
# another stops (its shard finished) the room it leaves is found only by probing. So an unbudgeted
# instance's probe also grows with the cube of the seconds since its last throttling answer (CUBIC's
# shape): slow near the limit it learned, where every probe past it costs throttled answers, and fast once
# nothing has throttled it for a while (2% over the limit after 2.3 s, 2x after 10 s, 10x after 21 s).
PROBE_CUBE = 0.001  # of the learned limit per second cubed
WINDOW = 1.0  # OSS counts a bucket's requests per second
# The rate grows only while the instance sends at least USED of it: a rate never reached says nothing
# about the bucket's limit, and growing it anyway would let a stalled instance (a busy machine) burst
# far past the limit when it catches up.
USED = 0.5
# Time an instance spends between requests (an invocation's start and end, a slow answer) is made up
# for, up to CATCH_UP_SECONDS of requests, sent up to CATCH_UP times faster than the rate, and never
# more than the rate allows within any second: a busy instance sends 1/rate apart. An invocation of a
# few keys otherwise spends most of its time waiting between them (10 keys at 150 requests/s: 60 ms)
# on top of its own start and end, and on a busy machine falls far short of its share.
CATCH_UP = 4.0
CATCH_UP_SECONDS = 0.25
# The answers to requests sent within a second of a decrease were sent at the old rate, so they do
# not lower it again.
DECREASE_HOLD = 1.0
FLOOR = 0.5  # requests/s; never lower (nor above the share, when the share is lower)
# Failures that are not throttling lower the rate only when they are most of the recent answers.
FAILURE_WINDOW = 50  # answers
FAILURE_MAJORITY = 25  # failures among them
# Set by a runtime that runs fewer invocations at once than a foreach starts (the local FC stand-in runs
# one per worker process): the batch's groups then take turns, and each takes the share of one of that
# many. Absent in FC, where every iteration's invocation runs in an instance of its own.
CONCURRENT_INVOCATIONS_ENV = "OSS_RESTORE_CONCURRENT_INVOCATIONS"


def batch_groups(invocations: int) -> int:
    """The most groups (restore invocations) a batch holds when the run keeps `invocations` running at once:
    one is the listing call beside the batch, and a foreach runs at most FOREACH_CONCURRENCY items. At least
    one: with a single invocation (waitPerBatch only, where no listing runs beside a batch) the batch has it."""
    return max(1, min(FOREACH_CONCURRENCY, invocations - 1))


def listing_share(budget: float, invocations: int = DEFAULT_CONCURRENT_INVOCATIONS) -> float:
    """The listing call's share of a budget (requests/s) when `invocations` run at once; 0: no budget."""
    return budget / max(1, invocations)


def restore_share(
    budget: float, groups: int, *, invocations: int = DEFAULT_CONCURRENT_INVOCATIONS, concurrent: int | None = None
) -> float:
    """One restore invocation's share when the batch's `groups` invocations run at once beside the listing call
    (`invocations` in all; at most `concurrent` of the groups, when the runtime says so, by default as
    `CONCURRENT_INVOCATIONS_ENV` says); 0: no budget."""
    batch = batch_groups(invocations)
    at_once = min(groups, batch, concurrent or runtime_concurrency() or batch)
    beside = 1 if invocations > 1 else 0  # the listing call's share, when one runs beside the batch
    return budget * (invocations - beside) / max(1, invocations) / max(1, at_once)


def runtime_concurrency() -> int | None:
    raw = os.environ.get(CONCURRENT_INVOCATIONS_ENV, "")
    return int(raw) if raw.isdigit() and int(raw) > 0 else None


class RateLimiter:
    """Spaces one instance's requests to a bucket and adapts their rate (AIMD); shared by its threads."""

    def __init__(
        self,
        *,
        share: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = time.sleep,
        start: float = UNBUDGETED_START,
    ) -> None:
        """share: the invocation's requests/s ceiling; 0 for none (start at `start` and find the limit)."""
        self._clock, self._sleep = clock, sleep
        self._lock = threading.Lock()
        self._learned = float("inf")  # the adapted rate; the share caps it
        self._limit: float | None = None  # the instance's part of the bucket's limit, once throttled
        self._slow_start = False
        self._accepted: collections.deque[float] = collections.deque()  # send times OSS accepted, last WINDOW
        self._next = self._grown = self._born = self._clock()
        self._probing = 0.0  # seconds spent probing past TARGET since the last step down
        self._last_slot = self._next
        self._due = self._next + CATCH_UP_SECONDS  # when the next request is due at the rate (no credit yet)
        self._slots: collections.deque[float] = collections.deque()  # the last send slots taken
        self._held_until = float("-inf")
        self._ceiling = float("inf")
        self._recent: collections.deque[bool] = collections.deque(maxlen=FAILURE_WINDOW)  # True: a failure
        self.configure(share=share, sleep=sleep, start=start)

    def configure(self, *, share: float, sleep: Sleep, start: float = UNBUDGETED_START) -> None:
        """The next invocation's share (0: none, then start at `start` unless the instance has learned a
        rate); what was learned about the bucket is kept."""
        if share < 0:
            raise ValueError(f"share must be at least 0 (got {share})")
        with self._lock:
            if (share or float("inf")) != self._ceiling:
                # Another share (locally one worker process serves the listing call and the restore
                # invocations in turn): the last second's requests were counted against the last one.
                self._slots.clear()
            self._ceiling = share or float("inf")
            self._sleep = sleep
            if not share and self._learned == float("inf"):
                self._learned, self._slow_start = start, True
            elif share and self._slow_start:
                self._learned, self._slow_start = float("inf"), False  # the budget says where to start
            # The spacing after the last request follows this invocation's share, not the last one's.
            self._next = max(self._last_slot, min(self._next, self._last_slot + 1 / (self.rate * CATCH_UP)))
            self._due = min(self._due, self._last_slot + 1 / self.rate)

    @property
    def rate(self) -> float:
        return min(self._learned, self._ceiling)

    @property
    def limit(self) -> float | None:
        """The instance's part of the bucket's limit, as learned from the last throttling answer."""
        return self._limit

    @property
    def idle_since(self) -> float:
        """The clock time of the last send slot taken (or of the limiter's creation)."""
        return self._last_slot

    @property
    def next_send(self) -> float:
        """The clock time of the next free send slot."""
        with self._lock:
            return self._free_slot(float("-inf"))

    def reserve(self) -> float:
        """Take the next send slot; return how long to wait for it."""
        delay = self.reserve_within(None)
        assert delay is not None  # without a bound every slot is taken
        return delay

    def reserve_within(self, within: float | None) -> float | None:
        """`reserve`, but a slot more than `within` seconds away is not taken (None): a request the time budget
        will not send must not hold a slot, or the invocation that comes next to this instance would wait for
        slots nobody used."""
        with self._lock:
            now = self._clock()
            slot = self._free_slot(now)
            if within is not None and slot - now >= within:
                return None
            self._last_slot = slot
            # Waiting for room in the second is not idle time: it earns nothing to make up for.
            full = slot > max(now, self._next, self._due - CATCH_UP_SECONDS)
            self._slots.append(slot)
            self._next = slot + 1 / (self.rate * CATCH_UP)
            self._due = max(self._due, slot + (CATCH_UP_SECONDS if full else 0.0)) + 1 / self.rate
            return slot - now

    def _free_slot(self, now: float) -> float:
        """The earliest slot from now that is due (less CATCH_UP_SECONDS), at least 1/(rate * CATCH_UP)
        after the last, and keeps every window of `span` seconds (a second, or longer for a rate under
        1/s) within rate * span sends."""
        span = max(WINDOW, 1 / self.rate)
        most = max(1, int(self.rate * span + 1e-9))
        while len(self._slots) > most:
            self._slots.popleft()
        slot = max(now, self._next, self._due - CATCH_UP_SECONDS)
        return max(slot, self._slots[0] + span) if len(self._slots) == most else slot

    def acquire(self) -> None:
        delay = self.reserve()
        if delay > 0:
            self._sleep(delay)

    def sleep(self, seconds: float) -> None:
        """Wait as this limiter waits (the invocation's sleep: injected in tests)."""
        self._sleep(seconds)

    def throttled(self) -> None:
        """A throttling answer: step down below the part of the limit OSS just accepted, once per hold."""
        with self._lock:
            self._step_down(self._clock())

    def failed(self) -> None:
        """A transient failure that is not throttling (a 5xx, a dropped connection): the rate stays,
        unless such failures are `FAILURE_MAJORITY` of the last `FAILURE_WINDOW` answers."""
        with self._lock:
            self._recent.append(True)
            if sum(self._recent) >= FAILURE_MAJORITY:
                self._recent.clear()
                self._step_down(self._clock())

    @property
    def recent_failures(self) -> int:
        """Failures among the last `FAILURE_WINDOW` answers, since the last step down they caused."""
        with self._lock:
            return sum(self._recent)

    def _step_down(self, now: float) -> None:
        """Below the part of the limit OSS accepted in the last second; once per DECREASE_HOLD."""
        if now < self._held_until:
            return
        self._held_until = now + DECREASE_HOLD
        current = self.rate
        self._limit = max(FLOOR, current / 2, min(current, self._accepted_since(now - WINDOW)))
        self._learned = max(FLOOR, self._limit * (SLOW_START_DECREASE if self._slow_start else DECREASE))
        self._slow_start = False
        self._grown = now
        self._probing = 0.0
        self._next = max(self._next, now + 1 / self.rate)  # a pause, before the lower rate

    def succeeded(self) -> None:
        """An answer that was neither throttled nor a transient failure (a refusal such as 404 or 409
        counts: OSS accepted the request): grow with the time since the last change (at most 1 s of it)."""
        with self._lock:
            now = self._clock()
            self._recent.append(False)
            self._accepted.append(now)
            self._accepted_since(now - WINDOW)
            elapsed = min(1.0, max(0.0, now - self._grown))
            self._grown = now
            if self._learned >= self._ceiling:
                return  # running at the share: nothing to climb to
            if len(self._accepted) < USED * self._learned * min(WINDOW, now - self._born):
                return  # not sending at the rate (a busy machine, short invocations): it proves nothing
            if self._slow_start:
                self._learned *= SLOW_START_GROWTH**elapsed
            elif self._limit is not None:
                target = TARGET * self._limit
                if self._learned < target:
                    step = (TARGET - DECREASE) / RECOVERY * self._limit * elapsed
                    self._learned = min(target, self._learned + step)
                else:
                    cube = 3 * PROBE_CUBE * self._probing**2 if self._ceiling == float("inf") else 0.0
                    self._learned += (PROBE + cube) * self._limit * elapsed
                    self._probing += elapsed

    def _accepted_since(self, since: float) -> int:
        while self._accepted and self._accepted[0] < since:
            self._accepted.popleft()
        return len(self._accepted)


# One limiter per bucket in this instance (FC keeps module state while an instance stays warm): a new
# invocation starts where the last one left off instead of learning the bucket's limit again. After
# FORGET_AFTER seconds without a request to the bucket what it learned is stale (the bucket's other
# traffic moves on), and the next invocation starts afresh.
FORGET_AFTER = 60.0
_instance_limiters: dict[tuple[str, str], RateLimiter] = {}
_instance_lock = threading.Lock()


def for_invocation(
    endpoint: str,
    bucket_name: str,
    *,
    share: float,
    start: float = UNBUDGETED_START,
    sleep: Sleep = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> RateLimiter:
    """This instance's limiter for the bucket, set to the invocation's share (0: no budget, then its
    part of `UNBUDGETED_START` is `start`); clock is the new limiter's, when the instance has none for
    the bucket yet."""
    with _instance_lock:
        limiter = _instance_limiters.get((endpoint, bucket_name))
        if limiter is None or limiter.idle_since < clock() - FORGET_AFTER:
            limiter = _instance_limiters[(endpoint, bucket_name)] = RateLimiter(
                share=share,
                sleep=sleep,
                clock=clock,
                start=start,
            )
        else:
            limiter.configure(share=share, sleep=sleep, start=start)
        return limiter


def paced(
    limiter: RateLimiter | None,
    fn: Callable[[], T],
    *,
    stop_at: float | None = None,
    clock: Clock = time.monotonic,
) -> Callable[[], T]:
    """fn as one attempt sent through limiter (None: unpaced), its answer fed back into the limiter:
    throttling lowers the rate, other transient failures count towards `RateLimiter.failed`'s rule,
    any other answer (success or refusal) is one OSS accepted. OutOfTime instead of waiting for a send
    slot that comes after `stop_at` (a `clock` time)."""
    if limiter is None and stop_at is None:
        return fn

    def attempt() -> T:
        if limiter is not None:
            delay = limiter.reserve_within(None if stop_at is None else stop_at - clock())
            if delay is None:
                raise OutOfTime("the next send slot comes after the time budget")
            if delay > 0:
                limiter.sleep(delay)
        elif stop_at is not None and clock() >= stop_at:
            raise OutOfTime("the time budget is spent")
        try:
            result = fn()
        except Exception as e:
            if limiter is not None:
                if oss_errors.is_throttling(e):
                    limiter.throttled()
                elif oss_errors.is_transient(e):
                    limiter.failed()
                else:
                    limiter.succeeded()
            raise
        if limiter is not None:
            limiter.succeeded()
        return result

    return attempt
