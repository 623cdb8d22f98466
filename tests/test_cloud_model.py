"""bench/cloud_model.py: the shipped flow-input defaults are the ones the cloud-time model chooses.

The model measures the real flows on the engine over the emulator (two small runs per candidate), so
this runs a narrow candidate set: the shipped defaults against their nearest rivals.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import cloud_model


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
