"""Deadlines in the handlers: the tier per class from OSS's documented restore times, the refusal of a
class that cannot make it, and running restores sped up. Real oss2 over HTTP to the emulator, whose
restores take the documented times on a clock that only moves when told to."""

from __future__ import annotations

import json
import time
from types import SimpleNamespace

import oss2
import pytest
from oss2.models import RestoreConfiguration, RestoreJobParameters

from fc_runtimes import InProcess
from ossemu import Emulator
from restore_core import classes, deadline
from restore_core.errors import DeadlineUnreachable, InvalidParameter
from restore_core.params import iso_time
from shard_calls import settings

HOUR = 3600
CONTEXT = SimpleNamespace(
    credentials=SimpleNamespace(access_key_id="test-ak", access_key_secret="test-secret", security_token=None)
)


def plan(hours: float, *, best_effort: bool = False) -> deadline.Deadline:
    now = time.time()
    return deadline.Deadline(at=now + hours * HOUR, text=iso_time(now + hours * HOUR), best_effort=best_effort)


def test_each_class_gets_its_cheapest_tier_that_is_documented_to_be_in_time():
    now = time.time()
    assert plan(72).tiers(classes.ARCHIVE_CLASSES, now=now) == {"ColdArchive": "Bulk", "DeepColdArchive": "Standard"}
    assert plan(13).tiers(classes.ARCHIVE_CLASSES, now=now) == {"ColdArchive": "Bulk", "DeepColdArchive": "Expedited"}
    assert plan(6).tiers(["ColdArchive"], now=now) == {"ColdArchive": "Standard"}  # Bulk's 12 h is too slow
    assert plan(2).tiers(["ColdArchive", "Archive"], now=now) == {"ColdArchive": "Expedited"}


def test_a_class_no_tier_can_restore_in_time_is_refused_naming_it_and_its_fastest_time():
    with pytest.raises(DeadlineUnreachable) as e:
        plan(6).check({"ColdArchive", "DeepColdArchive"}, now=time.time())
    assert e.value.field == "deadline" and e.value.storage_class == "DeepColdArchive"
    assert "its fastest tier, Expedited, takes up to 12 h" in str(e.value)
    # bestEffort: the fastest tier instead
    assert plan(6, best_effort=True).tiers(["DeepColdArchive"], now=time.time()) == {"DeepColdArchive": "Expedited"}


def test_a_running_restore_is_threatened_when_its_class_slowest_tier_could_end_after_the_deadline():
    now = time.time()
    assert plan(13).threatened("ColdArchive", now=now) is False  # even Bulk (12 h) ends in time
    assert plan(11).threatened("ColdArchive", now=now) is True
    assert plan(0.001).threatened("Archive", now=now) is False  # one speed only: nothing to ask for


def test_a_time_scale_that_is_not_a_positive_number_is_refused():
    with pytest.raises(InvalidParameter):
        deadline.time_scale({deadline.TIME_SCALE_ENV: "fast"})
    assert deadline.time_scale({}) == 1.0 and deadline.time_scale({deadline.TIME_SCALE_ENV: "0.5"}) == 0.5


def invoke_restore(emulator, runtime=InProcess(), **fields):
    """One request slice over the whole bucket, as the restore sub-flow calls it."""
    event = {
        "settings": settings(emulator, **fields),
        "round": {"invocations": 1, "seconds": 20},
        "shard": {"i": "s0", "lo": "", "m": "", "s": ""},
    }
    return json.loads(runtime.invoke("restore", json.dumps(event).encode(), CONTEXT))


def test_a_slice_speeds_up_running_restores_that_could_miss_the_deadline(emulator, bucket, fc_runtime):
    # GIVEN a Cold Archive restore running at Bulk (12 h) and one frozen object
    emulator.put_object("test-bucket", "running", b"x", storage_class="ColdArchive")
    emulator.put_object("test-bucket", "frozen", b"x", storage_class="ColdArchive")
    bucket.restore_object("running", input=RestoreConfiguration(1, job_parameters=RestoreJobParameters("Bulk")))
    # WHEN a slice runs with a deadline 6 h away
    out = invoke_restore(emulator, fc_runtime, deadline=iso_time(time.time() + 6 * HOUR))
    # THEN the running restore was asked again at Standard (5 h) and OSS sped it up (202); the frozen
    # object was requested at Standard too
    assert out["c"]["escalated"] == 1 and out["c"]["inProgress"] == 1 and out["c"]["requested"] == 1
    assert emulator.stats.get("restore:upgraded") == 1
    assert out["c"]["tier.ColdArchive.Standard"] == 1


def test_a_refused_escalation_leaves_the_running_restore_alone_and_is_counted(emulator, bucket):
    # GIVEN a Cold Archive restore already running at Expedited: asked again at Standard, OSS refuses (409)
    emulator.put_object("test-bucket", "fast", b"x", storage_class="ColdArchive")
    bucket.restore_object("fast", input=RestoreConfiguration(1, job_parameters=RestoreJobParameters("Expedited")))
    # WHEN a slice runs with a deadline 6 h away (the class's slowest tier could miss it)
    out = invoke_restore(emulator, deadline=iso_time(time.time() + 6 * HOUR))
    # THEN the upgrade was asked for, refused (409), counted with its code, and the slice went on: nothing
    # sped up, no error
    assert emulator.stats.get("RestoreObject:409") == 1
    assert out["c"].get("escalated", 0) == 0 and out["c"]["escalationRefused.RestoreAlreadyInProgress"] == 1
    assert emulator.restore_state("test-bucket", "fast") == "restoring"


def test_an_escalation_the_role_may_not_make_is_counted_and_never_fails_the_slice(clock):
    # GIVEN a role refused every RestoreObject (403) and a Cold Archive restore started by someone who may
    def deny_restores(access_key_id: str, action: str, resource: str) -> None:
        if access_key_id == "test-ak" and action == "oss:RestoreObject":
            raise PermissionError(f"{action} on {resource} is denied: test says no")

    with Emulator(
        credentials={"test-ak": "test-secret", "owner": "owner-secret"}, clock=clock, authorize=deny_restores
    ) as emu:
        emu.create_bucket("test-bucket")
        emu.put_object("test-bucket", "running", b"x", storage_class="ColdArchive")
        oss2.Bucket(oss2.Auth("owner", "owner-secret"), emu.endpoint, "test-bucket").restore_object(
            "running", input=RestoreConfiguration(1, job_parameters=RestoreJobParameters("Bulk"))
        )
        # WHEN the slice, under the refused role, asks to speed it up for a deadline 6 h away
        out = invoke_restore(emu, deadline=iso_time(time.time() + 6 * HOUR))
        # THEN OSS's 403 is counted as a refused escalation (with its code), and the slice returns as usual
        assert emu.stats.get("RestoreObject:403") == 1
        assert out["c"]["escalationRefused"] == 1 and out["c"]["escalationRefused.AccessDenied"] == 1
        assert emu.restore_state("test-bucket", "running") == "restoring"


def test_a_slice_refuses_a_class_that_cannot_make_the_deadline_before_any_request(emulator, bucket):
    emulator.put_object("test-bucket", "deep", b"x", storage_class="DeepColdArchive")
    with pytest.raises(Exception) as e:
        invoke_restore(emulator, deadline=iso_time(time.time() + 6 * HOUR))
    assert type(e.value).__name__ == "DeadlineUnreachable" and "DeepColdArchive" in str(e.value)
    assert emulator.stats.get("RestoreObject") == 0
    # bestEffort requests it at its fastest tier instead
    out = invoke_restore(emulator, deadline=iso_time(time.time() + 6 * HOUR), bestEffort=True)
    assert out["c"]["requested"] == 1 and out["c"]["tier.DeepColdArchive.Expedited"] == 1


def test_restore_requests_carry_the_deadlines_tier(emulator, bucket):
    emulator.put_object("test-bucket", "c", b"x", storage_class="ColdArchive")
    out = invoke_restore(emulator, tier="Bulk", deadline=iso_time(time.time() + 2 * HOUR))
    assert out["c"]["requested"] == 1 and out["c"]["tier.ColdArchive.Expedited"] == 1
    # OSS holds Expedited: asking Expedited again is "same tier" (EC 0016-00000702), not a faster one (202)
    with pytest.raises(oss2.exceptions.RestoreAlreadyInProgress) as e:
        bucket.restore_object("c", input=RestoreConfiguration(1, job_parameters=RestoreJobParameters("Expedited")))
    assert e.value.ec == "0016-00000702"
