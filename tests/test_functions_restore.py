"""The restore handler with the real oss2 SDK against the OSS emulator over loopback HTTP."""
from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from fc_runtimes import InProcess
from ossemu import Faults
from restore_core import inputs
from restore_core.errors import InvalidParameter, OSSAccessDenied, RestoreIncomplete
from restore_core.restore_task import restore_files
from restore_core.retry import RetryPolicy

EVENTS = Path(__file__).parent / "events"
BUCKET = "test-bucket"
CONTEXT = SimpleNamespace(credentials=SimpleNamespace(access_key_id="test-ak", access_key_secret="test-secret", security_token=None))
NO_WAIT = RetryPolicy(max_attempts=8, initial_interval=0.0, maximum_interval=0.0)
TIERS = ("Expedited", "Standard", "Bulk")
ARCHIVE_CLASSES = ("Archive", "ColdArchive", "DeepColdArchive")
SPECIAL_KEYS = ["dir/a b.txt", "dir/ü 中文.bin", "a+b", "100%", "x#y", "what?", "k" * 1000, "é" * 500]


def event(emulator, name: str = "restore_group.json", **fields):
    doc = json.loads((EVENTS / name).read_text())
    return json.dumps({**doc, "endpoint": emulator.endpoint, **fields}).encode()


def invoke(emulator, context=CONTEXT, runtime=InProcess(), **fields):
    """The handler as FC calls it, in `runtime` (this process unless a test's fc_runtime says otherwise)."""
    return json.loads(runtime.invoke("restore", event(emulator, **fields), context))


def run_plain(emulator, bucket, *, policy=NO_WAIT, **fields):
    req = inputs.restore_request(json.loads(event(emulator, **fields)))
    return restore_files(bucket, req, policy=policy, sleep=lambda s: None)


@pytest.fixture
def objects(emulator, bucket):
    def put(*keys, storage_class="Archive"):
        for key in keys:
            emulator.put_object(BUCKET, key, b"x", storage_class=storage_class)
    return put


@pytest.mark.parametrize("storage_class", ARCHIVE_CLASSES)
@pytest.mark.parametrize("tier", TIERS)
def test_outcome_table_for_every_class_and_tier(emulator, objects, storage_class, tier, fc_runtime):
    # GIVEN one frozen, one restoring and one restored object of the class, a Standard one and a missing key
    objects("frozen", "restoring", "restored", storage_class=storage_class)
    objects("standard", storage_class="Standard")
    invoke(emulator, files={storage_class: ["restoring", "restored"]}, tier=tier)
    emulator.finish_restore(BUCKET, "restored")
    keys = ["frozen", "restoring", "restored", "standard", "missing"]
    # WHEN the handler restores them all as that class
    out = invoke(emulator, runtime=fc_runtime, files={storage_class: keys}, tier=tier, days=2)
    # THEN 202 / 409 / 200 are successes and 400 / 404 are skipped with their codes
    assert out["outcomes"] == {"202": [0], "409": [1], "200": [2]}
    assert (out["requested"], out["inProgress"], out["alreadyRestored"], out["skipped"], out["failed"]) == (1, 1, 1, 2, 0)
    assert out["skippedKeys"] == [
        {"key": "standard", "status": 400, "code": "OperationNotSupported"},
        {"key": "missing", "status": 404, "code": "NoSuchKey"},
    ]
    assert emulator.restore_state(BUCKET, "frozen") == "restoring"


@pytest.mark.parametrize(
    "storage_class, tier, days, expected",
    [
        ("Archive", "Standard", 30, [{"storageClass": "Archive", "field": "days", "from": 30, "to": 7}]),
        ("DeepColdArchive", "Bulk", 3, [{"storageClass": "DeepColdArchive", "field": "tier", "from": "Bulk", "to": "Standard"}]),
        ("ColdArchive", "Bulk", 365, []),
    ],
)
def test_days_and_tier_are_fitted_and_reported(emulator, objects, storage_class, tier, days, expected):
    # GIVEN a request the class does not accept as is WHEN restored THEN OSS accepts the fitted one
    objects("k", storage_class=storage_class)
    out = invoke(emulator, files={storage_class: ["k"]}, tier=tier, days=days)
    assert (out["requested"], out["adjustments"]) == (1, expected)


def test_plain_key_list_restores_every_class_without_extra_requests(emulator, objects, fc_runtime):
    for cls in ARCHIVE_CLASSES:
        objects(cls, storage_class=cls)
    out = invoke(emulator, runtime=fc_runtime, name="restore_keys.json", files=list(ARCHIVE_CLASSES), days=30, tier="Bulk")
    assert out["outcomes"] == {"202": [0, 1, 2]}
    assert {"storageClass": None, "field": "days", "from": 30, "to": 7} in out["adjustments"]
    assert emulator.stats.get("RestoreObject") == 3 and emulator.stats.get("HeadObject") == 0


def test_a_class_changed_since_listing_is_still_restored(emulator, objects):
    # GIVEN an object listed as ColdArchive (so a Tier is sent) that is Archive now
    objects("moved", storage_class="Archive")
    out = invoke(emulator, files={"ColdArchive": ["moved"]}, tier="Expedited")
    # THEN the class-agnostic request follows the refusal and the key is requested
    assert out["outcomes"] == {"202": [0]} and out["failed"] == 0


def test_awkward_keys_survive_the_round_trip(emulator, objects, fc_runtime):
    objects(*SPECIAL_KEYS, storage_class="ColdArchive")
    out = invoke(emulator, runtime=fc_runtime, files={"ColdArchive": SPECIAL_KEYS})
    assert out["outcomes"] == {"202": list(range(len(SPECIAL_KEYS)))}
    assert all(emulator.restore_state(BUCKET, k) == "restoring" for k in SPECIAL_KEYS)


def test_v4_signing_when_region_is_given(emulator, objects, fc_runtime):
    objects("k")
    assert invoke(emulator, runtime=fc_runtime, files=["k"], region="cn-hangzhou")["requested"] == 1


def test_injected_faults_lose_and_double_no_key(emulator, bucket, objects):
    # GIVEN 120 keys and a server failing 40% of requests with 500, 503 or a dropped connection
    keys = [f"f/{i:04d}" for i in range(120)]
    objects(*keys, storage_class="DeepColdArchive")
    emulator.set_faults(Faults(rate=0.4, seed=7))
    # WHEN restored by 16 workers with retries, keys left pending sent again as the flow sends them
    outs = [run_plain(emulator, bucket, files={"DeepColdArchive": keys}, workers=16)]
    while outs[-1]["pending"]:
        outs.append(run_plain(emulator, bucket, files={"DeepColdArchive": keys}, workers=16, pending=outs[-1]["pending"]))
    # THEN every key has exactly one outcome and is restoring, each requested (billed) once
    indices = sorted(i for out in outs for group in out["outcomes"].values() for i in group)
    assert indices == list(range(120)) and sum(out["requested"] + out["inProgress"] for out in outs) == 120
    assert all(emulator.restore_state(BUCKET, k) == "restoring" for k in keys)
    assert emulator.stats.get("restore:billed") == 120
    assert emulator.stats.get("fault:drop") > 0 and emulator.stats.get("fault:503") > 0


def test_throttling_by_a_qps_limit_is_absorbed(emulator, bucket, objects):
    # GIVEN a 40 requests/second budget and 80 keys restored by 20 workers
    keys = [f"q/{i:03d}" for i in range(80)]
    objects(*keys)
    emulator.set_faults(Faults(qps_limit=40))
    policy = RetryPolicy(max_attempts=12, initial_interval=0.05, maximum_interval=0.5)
    req = inputs.restore_request(json.loads(event(emulator, files=keys, workers=20)))
    # WHEN restored with real (short) backoff THEN all are requested despite the 503s
    out = restore_files(bucket, req, policy=policy)
    assert out["requested"] == 80 and emulator.stats.get("throttled") > 0


def test_persistent_failures_raise_restore_incomplete_naming_the_keys(emulator, bucket, objects):
    objects("a", "b")
    emulator.set_faults(Faults(rate=1.0, kinds=("503",)))
    with pytest.raises(RestoreIncomplete) as caught:
        run_plain(emulator, bucket, policy=RetryPolicy(max_attempts=3, initial_interval=0, maximum_interval=0), files=["a", "b"])
    assert caught.value.failures == (("a", "ServiceUnavailable"), ("b", "ServiceUnavailable"))
    assert "'a' (ServiceUnavailable)" in str(caught.value) and caught.value.retryable


def test_keys_left_without_an_answer_come_back_pending_and_only_they_are_sent_again(emulator, bucket, objects):
    # GIVEN 40 keys and a server failing half the requests, with no retry inside the handler
    keys = [f"p/{i:02d}" for i in range(40)]
    objects(*keys, storage_class="ColdArchive")
    emulator.set_faults(Faults(rate=0.5, kinds=("503",), seed=3))
    once = RetryPolicy(max_attempts=1, initial_interval=0, maximum_interval=0)
    # WHEN the group is restored
    first = run_plain(emulator, bucket, policy=once, files={"ColdArchive": keys}, workers=4)
    # THEN the keys that got no answer come back as pending indices, the others are answered
    answered = sorted(i for group in first["outcomes"].values() for i in group)
    assert first["retry"] == "true" and first["pending"] and answered
    assert sorted(answered + first["pending"]) == list(range(40))
    # WHEN the pending keys are sent again until none is left
    emulator.set_faults(Faults())
    before = emulator.stats.get("attempt:RestoreObject")
    again = run_plain(emulator, bucket, policy=once, files={"ColdArchive": keys}, workers=4, pending=first["pending"])
    # THEN only they were sent, their outcomes use the group's indices, and no key was answered twice
    assert emulator.stats.get("attempt:RestoreObject") - before == len(first["pending"])
    assert sorted(again["outcomes"]["202"]) == first["pending"] and (again["pending"], again["retry"]) == ([], "false")
    assert emulator.stats.get("RestoreObject") == 40 and emulator.stats.get("restore:billed") == 40


@pytest.mark.parametrize("pending", [[], [40], [-1], [1, 1], ["1"], [True], "0"])
def test_pending_must_name_distinct_keys_of_the_group(emulator, pending):
    keys = [f"p/{i:02d}" for i in range(40)]
    with pytest.raises(InvalidParameter, match="pending"):
        invoke(emulator, files={"Archive": keys}, pending=pending)


def test_wrong_secret_is_access_denied(emulator, objects):
    objects("k")
    wrong = SimpleNamespace(credentials=SimpleNamespace(access_key_id="test-ak", access_key_secret="nope", security_token=None))
    with pytest.raises(OSSAccessDenied, match="SignatureDoesNotMatch"):
        invoke(emulator, context=wrong, files=["k"])
    assert emulator.restore_state(BUCKET, "k") == "frozen"


def test_credentials_from_the_environment_when_context_has_none(emulator, objects, monkeypatch):
    # GIVEN the python3.12 runtime: no context.credentials, ALIBABA_CLOUD_* variables set
    objects("k")
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "test-ak")
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "test-secret")
    monkeypatch.delenv("ALIBABA_CLOUD_SECURITY_TOKEN", raising=False)
    assert invoke(emulator, context=SimpleNamespace(), files=["k"])["requested"] == 1


def test_large_groups_keep_the_output_small(emulator, objects):
    keys = [f"{i:04d}/" + "n" * 900 for i in range(300)]
    objects(*keys, storage_class="Standard")
    out = invoke(emulator, files=keys, workers=32)
    assert out["skipped"] == 300 and len(json.dumps(out)) < 8 * 1024
