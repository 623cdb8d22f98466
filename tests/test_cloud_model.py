"""bench/cloud_model.py: the flows measured on the engine, a cloud run predicted from them under the quotas,
and the shipped defaults the model's choice.

One measurement (two small runs of random 60-byte keys, 5-second rounds so each takes several) feeds every
test here; the bench itself measures larger runs and every key shape.
"""

from __future__ import annotations

import dataclasses

import pytest

import cloud_model
import fdl


# Every test but the last reads rates measured by running the real flows on the engine: whole runs.
@pytest.fixture(scope="module")
def rates():
    return cloud_model.measure_rates("random60", small=2000, large=12000, budget=1000, round_seconds=5)


@pytest.mark.e2e
def test_the_flows_meter_few_entries_per_object_and_carry_no_keys(rates):
    # GIVEN the flows run on the engine over random 60-byte names, at two sizes, in 5-second rounds
    # THEN a round's metered entries (steps, iterations and branches entered) do not grow with its keys, so 1,000
    # more objects cost only the rounds they add: a few dozen entries even at 5-second rounds (carrying keys cost
    # 103.8), and at the shipped defaults a 100,000,000-object run meters at most 13 per 1,000 objects
    assert 0 < rates.entries_per_1000_objects <= 40
    p = cloud_model.predict(
        rates, cloud_model.shipped(), objects=100_000_000, cloud=cloud_model.Cloud(requests_per_second=10_000.0)
    )
    assert p.step_entries / 100_000 <= 13
    # AND a round costs a few entries of its own and two per shard (its iteration and its task step)
    assert rates.round_entries[1] == pytest.approx(2.0, abs=0.3)
    # AND every request is a restore but for about two listing pages per 1,000 objects and the planner's probes
    _small, large = rates.runs
    assert large.restores == large.objects and large.requests / large.objects <= 1.03
    # AND no step came near CloudFlow's 32 KiB, nor a round near its 5,000 events
    assert rates.largest_step_bytes < fdl.Limits().step_data_bytes // 4
    assert max(events for _, _, _, events in large.round_counts) < 1000


@pytest.mark.e2e
def test_100_million_objects_come_within_1_3_of_the_floor_at_the_request_budget(rates):
    # GIVEN the shipped defaults WHEN 100,000,000 Archive objects are restored at 10,000 requests/s, or
    # 1,000,000 at 2,000
    for objects, rps in ((100_000_000, 10_000.0), (1_000_000, 2000.0)):
        p = cloud_model.predict(
            rates, cloud_model.shipped(), objects=objects, cloud=cloud_model.Cloud(requests_per_second=rps)
        )
        # THEN the run takes at most 1.3 times the floor, and the request budget is what binds
        assert p.ratio <= 1.3, (objects, p.ratio)
        assert p.binding == "OSS request budget"
        assert p.floor == pytest.approx(objects * 1.001 / rps + 60, rel=1e-6)
        # AND an execution stays within 90% of CloudFlow's events with room for its worst round
        assert p.max_main_events <= 5000 * 0.9


@pytest.mark.e2e
def test_cold_archive_is_bound_by_the_accounts_restore_rate(rates):
    # GIVEN 50,000,000 Cold Archive objects WHEN predicted at 10,000 requests/s
    p = cloud_model.predict(
        rates,
        cloud_model.shipped(),
        objects=50_000_000,
        cloud=cloud_model.Cloud(requests_per_second=10_000.0),
        storage_class="ColdArchive",
    )
    # THEN the restore rate binds (500 objects/s), and the run needs more than a day
    assert p.binding == "OSS restore rate" and p.predicted > 86_400


@pytest.mark.e2e
def test_the_step_quota_slows_rounds_that_meter_more_than_it_refills(rates):
    # GIVEN an account whose step quota refills at 5 entries/s, short rounds and 90 shards
    cloud = cloud_model.Cloud(requests_per_second=10_000.0, quotas=fdl.Quotas(step_refill_per_second=5))
    setting = dataclasses.replace(cloud_model.shipped(), round_seconds=5, invocations=90)
    slow = cloud_model.predict(rates, setting, objects=10_000_000, cloud=cloud)
    fast = cloud_model.predict(
        rates, setting, objects=10_000_000, cloud=cloud_model.Cloud(requests_per_second=10_000.0)
    )
    # THEN the step entries bind, and the run is slower than under the documented quota
    assert slow.binding == "CloudFlow step entries" and slow.predicted > 1.5 * fast.predicted


@pytest.mark.e2e
def test_the_shipped_defaults_are_the_models_choice(rates):
    # GIVEN the measured flows WHEN the model chooses roundSeconds, maxConcurrentInvocations, pollInterval and
    # roundsPerExecution for its scenarios THEN the shipped defaults are its choice
    chosen, _ = cloud_model.choose(rates)
    assert chosen == cloud_model.shipped()


def test_key_shapes_are_reproducible_and_distinct():
    # GIVEN each shape's keys, twice and once with more
    for shape in cloud_model.SHAPES:
        first, again, more = (list(cloud_model.keys(shape, n)) for n in (300, 300, 500))
        # THEN the same keys each time, a larger run holding the smaller run's, all distinct
        assert first == again and more[:300] == first and len(set(more)) == 500
    assert {len(k) for k in cloud_model.keys("random60", 50)} == {len(cloud_model.PREFIX) + 60}
