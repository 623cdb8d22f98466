"""bench/cloud_model.py: the shipped flow-input defaults are the ones the cloud-time model chooses.

The model measures the real flows on the engine over the emulator (two small runs per candidate), so
this runs a narrow candidate set: the shipped defaults against their nearest rivals.
"""
from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import cloud_model
from ossemu import Emulator
from restore_core import keypack


@pytest.fixture(scope="module")
def predictions() -> list[cloud_model.Prediction]:
    shipped = cloud_model.shipped_setting()
    candidates = {
        "maxKeys": (shipped.max_keys,),
        "groupSize": tuple(sorted({100, shipped.group_size})),
        "workers": tuple(sorted({50, shipped.workers})),
        "pollInterval": cloud_model.CANDIDATES["pollInterval"],
        "scanPages": cloud_model.CANDIDATES["scanPages"],
    }
    return cloud_model.evaluate(candidates, objects=1_000_000, cloud=cloud_model.Cloud(), log=lambda _: None)


def test_the_shipped_defaults_are_the_models_choice(predictions):
    # GIVEN the real flows measured on the engine, scaled to 1,000,000 objects under CloudFlow's quotas
    shipped = cloud_model.shipped_setting()
    # WHEN the model picks the best candidate
    chosen = cloud_model.best(predictions).setting
    # THEN the shipped defaults (flow inputs and restoreStatus's pages per poll) are that candidate
    assert chosen == shipped


def test_the_model_counts_what_the_flows_do(predictions):
    # GIVEN the measured candidates
    shipped = cloud_model.shipped_setting()
    same = (shipped.workers, shipped.poll_interval, shipped.scan_pages)
    by_group = {p.setting.group_size: p for p in predictions
                if (p.setting.workers, p.setting.poll_interval, p.setting.scan_pages) == same}
    # THEN smaller groups cost more CloudFlow step entries (one foreach iteration each), every execution
    # stays inside CloudFlow's 5,000 events, and the floor is the request budget plus the restore latency
    assert by_group[100].step_entries > by_group[1000].step_entries
    assert all(p.max_events <= 5000 for p in predictions)
    cloud = cloud_model.Cloud()
    assert predictions[0].floor == pytest.approx(1_000_000 * 1.001 / cloud.requests_per_second + cloud.restore_latency, rel=0.01)
    assert all(p.predicted > p.floor for p in predictions)


def test_the_model_credits_the_parallel_restore_and_list_step_it_reads_from_the_flow(predictions):
    # GIVEN the main flow, which restores a batch in a parallel step beside the next listing call
    shape = cloud_model.flow_shape()
    assert shape.overlapped_steps == {"restoreBatch"} and shape.waiting_steps == {"invokeRestoreFlow"}
    assert {"restoreTask", "checkPending"} <= shape.iteration_steps
    # WHEN the flows are measured THEN each further listing call runs one restore sub-flow beside it and
    # waits for none (the listing waits only for an execution's last batch)
    p = cloud_model.best(predictions)
    assert p.rates.overlapped_per_call == pytest.approx(1.0) and p.rates.waited_per_call == pytest.approx(0.0)
    # AND were every sub-flow waited for, the listing chain would take longer
    waited = dataclasses.replace(p.rates, waited_per_call=1.0, overlapped_per_call=0.0)
    slower = cloud_model.predict(waited, p.setting, objects=1_000_000, cloud=cloud_model.Cloud())
    chain = "listing chain (sequential calls)"
    assert slower.limits[chain] > p.limits[chain]


def test_the_chosen_defaults_come_within_one_and_a_half_times_the_floor(predictions):
    # GIVEN 1,000,000 Archive objects, 2,000 requests/s WHEN the model predicts the chosen defaults
    # THEN the run takes at most 1.5 times what no design can beat (the budget, then the restore latency)
    assert cloud_model.best(predictions).ratio <= 1.5


def test_each_batch_is_restored_at_the_request_budget_on_the_listing_chain(predictions):
    # GIVEN the chosen setting WHEN the bucket allows half the requests per second
    p = cloud_model.best(predictions)
    half = cloud_model.Cloud(requests_per_second=cloud_model.Cloud().requests_per_second / 2)
    slower = cloud_model.predict(p.rates, p.setting, objects=1_000_000, cloud=half)
    # THEN the listing chain, which waits for each batch's restore requests in the parallel step, takes
    # at least the time those requests take within the budget
    chain = "listing chain (sequential calls)"
    assert slower.limits[chain] > p.limits[chain]
    assert slower.limits[chain] >= 1_000_000 / half.requests_per_second


def _seeded_keys(key_shape: str, *, objects: int = 500, key_bytes: int = 40) -> list[str]:
    emu = Emulator()  # direct methods only: no server needed
    emu.create_bucket(cloud_model.BUCKET)
    cloud_model.seed_keys(emu, objects=objects, key_bytes=key_bytes, key_shape=key_shape)
    return emu.keys(cloud_model.BUCKET)


def test_random_keys_are_reproducible_and_pack_worse_than_counting_ones():
    # GIVEN 500 keys of 40 bytes of each shape, the random ones seeded twice and once with more objects
    counting, random_keys = _seeded_keys("counting"), _seeded_keys("random")
    again, more = _seeded_keys("random"), _seeded_keys("random", objects=800)
    # THEN the random keys are the same each time, and a larger run holds the smaller run's keys
    assert random_keys == again and set(random_keys) < set(more)
    assert len(random_keys) == 500 and {len(k) for k in random_keys} == {40}
    # AND front coding writes a counting key in 2 or 3 bytes, a random one in most of its 40: it saves
    # only the shared prefix and the few leading digits sorted neighbours have in common
    assert len(keypack.pack(counting)) <= 3 * len(counting)
    assert len(keypack.pack(random_keys)) >= (40 - len(cloud_model.SEED_PREFIX) - 4) * len(random_keys)
    assert keypack.unpack(keypack.pack(random_keys), "keys") == random_keys
