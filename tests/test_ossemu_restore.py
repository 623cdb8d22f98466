"""The RestoreObject state machine of every archive class and tier, driven through oss2 over HTTP."""

from __future__ import annotations

import oss2
import pytest
from oss2.models import RestoreConfiguration, RestoreJobParameters

HOUR = 3600
DAY = 86400

# (class, tier sent or None for an empty body, realistic seconds to readable)
ROWS = [
    ("Archive", None, 60),
    ("ColdArchive", None, 5 * HOUR),
    ("ColdArchive", "Expedited", 1 * HOUR),
    ("ColdArchive", "Standard", 5 * HOUR),
    ("ColdArchive", "Bulk", 12 * HOUR),
    ("DeepColdArchive", None, 48 * HOUR),
    ("DeepColdArchive", "Expedited", 12 * HOUR),
    ("DeepColdArchive", "Standard", 48 * HOUR),
]


def _restore(bucket, key, *, days=None, tier=None):
    if days is None and tier is None:
        return bucket.restore_object(key)
    job = RestoreJobParameters(tier) if tier else None
    return bucket.restore_object(key, input=RestoreConfiguration(days or 1, job_parameters=job))


@pytest.mark.parametrize(("cls", "tier", "seconds"), ROWS)
def test_restore_goes_frozen_restoring_restored(emulator, bucket, clock, cls, tier, seconds):
    # GIVEN a frozen archive object
    emulator.put_object("test-bucket", "k", b"cold", storage_class=cls)
    assert "x-oss-restore" not in bucket.head_object("k").headers
    # WHEN a restore is requested THEN 202 and the object is restoring
    assert _restore(bucket, "k", tier=tier).status == 202
    assert bucket.head_object("k").headers["x-oss-restore"] == 'ongoing-request="true"'
    # AND asking again while it runs is 409 with the in-progress EC
    clock.advance(seconds - 1)
    with pytest.raises(oss2.exceptions.RestoreAlreadyInProgress) as e:
        _restore(bucket, "k", tier=tier)
    assert (e.value.status, e.value.ec) == (409, "0016-00000702")
    # AND one second later it is readable, with an expiry one day after it became readable
    clock.advance(1)
    assert emulator.restore_state("test-bucket", "k") == "restored"
    value = bucket.head_object("k").headers["x-oss-restore"]
    assert value == f'ongoing-request="false", expiry-date="{oss2.utils.http_date(clock.now() + DAY)}"'
    assert bucket.get_object("k").read() == b"cold"


@pytest.mark.parametrize("cls", ["Archive", "ColdArchive", "DeepColdArchive"])
def test_get_on_frozen_object_is_403_invalid_object_state(emulator, bucket, cls):
    emulator.put_object("test-bucket", "k", b"x", storage_class=cls)
    with pytest.raises(oss2.exceptions.ServerError) as e:
        bucket.get_object("k")
    assert (e.value.status, e.value.code) == (403, "InvalidObjectState")


def test_restored_object_expires_and_next_restore_is_billed_again(emulator, bucket, clock):
    # GIVEN an Archive object restored for 2 days
    emulator.put_object("test-bucket", "k", b"x", storage_class="Archive")
    _restore(bucket, "k", days=2)
    clock.advance(60)
    # WHEN the 2 days pass
    clock.advance(2 * DAY)
    # THEN it is frozen again: no x-oss-restore, GET refused, and a new restore is 202 and billed
    assert "x-oss-restore" not in bucket.head_object("k").headers
    with pytest.raises(oss2.exceptions.ServerError):
        bucket.get_object("k")
    assert _restore(bucket, "k").status == 202
    assert emulator.stats.get("restore:billed") == 2
    assert emulator.stats.get("restore:rebilled") == 1


def test_restore_of_restored_object_extends_expiry_up_to_class_maximum(emulator, bucket, clock):
    emulator.put_object("test-bucket", "k", b"x", storage_class="Archive")
    _restore(bucket, "k", days=2)
    clock.advance(60)
    ready = clock.now()
    # WHEN restored again for 3 days THEN 200 and the expiry moves 3 days later
    assert _restore(bucket, "k", days=3).status == 200
    assert oss2.utils.http_date(ready + 5 * DAY) in bucket.head_object("k").headers["x-oss-restore"]
    # AND a further 7 days are capped at 7 days after it became readable
    _restore(bucket, "k", days=7)
    assert oss2.utils.http_date(ready + 7 * DAY) in bucket.head_object("k").headers["x-oss-restore"]
    assert emulator.stats.get("restore:billed") == 1


def test_restored_cold_archive_reports_restore_priority(emulator, bucket, clock):
    emulator.put_object("test-bucket", "k", b"x", storage_class="ColdArchive")
    _restore(bucket, "k", tier="Bulk")
    clock.advance(12 * HOUR)
    result = _restore(bucket, "k", days=2, tier="Bulk")
    assert result.status == 200
    assert result.headers["x-oss-object-restore-priority"] == "Bulk"


def test_restored_archive_has_no_restore_priority_header(emulator, bucket, clock):
    emulator.put_object("test-bucket", "k", b"x", storage_class="Archive")
    assert "x-oss-object-restore-priority" not in _restore(bucket, "k").headers
    clock.advance(60)
    assert "x-oss-object-restore-priority" not in _restore(bucket, "k").headers


@pytest.mark.parametrize(
    ("cls", "tier", "expected"),
    [
        ("ColdArchive", None, "Standard"),
        ("ColdArchive", "Bulk", "Bulk"),
        ("DeepColdArchive", None, "Standard"),
        ("DeepColdArchive", "Expedited", "Expedited"),
    ],
)
def test_first_cold_restore_reports_its_priority(emulator, bucket, clock, cls, tier, expected):
    # GIVEN a frozen Cold or Deep Cold object WHEN a restore is accepted (202)
    emulator.put_object("test-bucket", "k", b"x", storage_class=cls)
    result = _restore(bucket, "k", tier=tier)
    # THEN the answer names the tier in effect, the default Standard when none was asked for
    assert (result.status, result.headers["x-oss-object-restore-priority"]) == (202, expected)
    # AND HeadObject, which documents no such header, does not carry it while restoring
    head = bucket.head_object("k").headers
    assert head["x-oss-restore"] == 'ongoing-request="true"' and "x-oss-object-restore-priority" not in head


def test_faster_tier_while_restoring_reports_the_new_priority(emulator, bucket, clock):
    emulator.put_object("test-bucket", "k", b"x", storage_class="DeepColdArchive")
    _restore(bucket, "k")
    result = _restore(bucket, "k", tier="Expedited")
    assert (result.status, result.headers["x-oss-object-restore-priority"]) == (202, "Expedited")
    clock.advance(12 * HOUR)
    assert _restore(bucket, "k").headers["x-oss-object-restore-priority"] == "Expedited"


def test_higher_tier_while_restoring_is_accepted_and_speeds_up(emulator, bucket, clock):
    # GIVEN a Cold Archive restore at Bulk (12 h)
    emulator.put_object("test-bucket", "k", b"x", storage_class="ColdArchive")
    _restore(bucket, "k", tier="Bulk")
    clock.advance(HOUR)
    # WHEN Expedited (1 h) is asked for THEN it is accepted and the object is readable an hour later
    assert _restore(bucket, "k", tier="Expedited").status == 202
    clock.advance(HOUR)
    assert emulator.restore_state("test-bucket", "k") == "restored"
    assert emulator.stats.get("restore:billed") == 1


@pytest.mark.parametrize("cls", ["ColdArchive", "DeepColdArchive"])
def test_lower_tier_while_restoring_is_409_with_ec_715(emulator, bucket, cls):
    emulator.put_object("test-bucket", "k", b"x", storage_class=cls)
    _restore(bucket, "k", tier="Expedited")
    with pytest.raises(oss2.exceptions.RestoreAlreadyInProgress) as e:
        _restore(bucket, "k", tier="Standard")
    assert e.value.ec == "0016-00000715"


@pytest.mark.parametrize(
    ("cls", "days", "ec"),
    [
        ("Archive", 8, "0016-00000708"),
        ("Archive", 0, "0016-00000708"),
        ("ColdArchive", 366, "0016-00000704"),
        ("DeepColdArchive", 366, "0016-00000704"),
    ],
)
def test_days_out_of_range_is_400_invalid_argument(emulator, bucket, cls, days, ec):
    emulator.put_object("test-bucket", "k", b"x", storage_class=cls)
    body = f"<RestoreRequest><Days>{days}</Days></RestoreRequest>"
    with pytest.raises(oss2.exceptions.ServerError) as e:
        bucket.restore_object("k", input=body)
    assert (e.value.status, e.value.code, e.value.ec) == (400, "InvalidArgument", ec)
    assert emulator.restore_state("test-bucket", "k") == "frozen"


def test_cold_archive_accepts_365_days(emulator, bucket):
    emulator.put_object("test-bucket", "k", b"x", storage_class="ColdArchive")
    assert _restore(bucket, "k", days=365, tier="Standard").status == 202


@pytest.mark.parametrize(("cls", "tier"), [("DeepColdArchive", "Bulk"), ("ColdArchive", "Fast")])
def test_bad_tier_is_400_with_ec_703(emulator, bucket, cls, tier):
    emulator.put_object("test-bucket", "k", b"x", storage_class=cls)
    body = f"<RestoreRequest><Days>1</Days><JobParameters><Tier>{tier}</Tier></JobParameters></RestoreRequest>"
    with pytest.raises(oss2.exceptions.ServerError) as e:
        bucket.restore_object("k", input=body)
    assert (e.value.status, e.value.code, e.value.ec) == (400, "InvalidArgument", "0016-00000703")


def test_archive_with_job_parameters_is_malformed_xml(emulator, bucket):
    emulator.put_object("test-bucket", "k", b"x", storage_class="Archive")
    with pytest.raises(oss2.exceptions.ServerError) as e:
        _restore(bucket, "k", days=1, tier="Standard")
    assert (e.value.status, e.value.code) == (400, "MalformedXML")


@pytest.mark.parametrize("cls", ["Standard", "IA"])
def test_restore_of_standard_or_ia_is_operation_not_supported(emulator, bucket, cls):
    emulator.put_object("test-bucket", "k", b"x", storage_class=cls)
    with pytest.raises(oss2.exceptions.OperationNotSupported):
        bucket.restore_object("k")
    assert emulator.restore_state("test-bucket", "k") == "not-archived"


def test_restore_of_missing_key_is_no_such_key(bucket):
    with pytest.raises(oss2.exceptions.NoSuchKey):
        bucket.restore_object("missing")


def test_malformed_body_is_400(emulator, bucket):
    emulator.put_object("test-bucket", "k", b"x", storage_class="Archive")
    with pytest.raises(oss2.exceptions.ServerError) as e:
        bucket.restore_object("k", input="<RestoreRequest><Days>")
    assert (e.value.status, e.value.code) == (400, "MalformedXML")


def test_expire_restore_helper_freezes_object(emulator, bucket, clock):
    emulator.put_object("test-bucket", "k", b"x", storage_class="Archive")
    bucket.restore_object("k")
    clock.advance(60)
    emulator.expire_restore("test-bucket", "k")
    assert emulator.restore_state("test-bucket", "k") == "frozen"


def test_scaled_latency_shortens_restore_and_days(emulator, bucket, clock):
    from ossemu import RestoreLatency

    emulator.set_latency(RestoreLatency(per={("ColdArchive", "Bulk"): 5.0}, scale=0.001))
    emulator.put_object("test-bucket", "k", b"x", storage_class="ColdArchive")
    _restore(bucket, "k", tier="Bulk")
    clock.advance(0.005)
    assert emulator.restore_state("test-bucket", "k") == "restored"
    clock.advance(86.4)
    assert emulator.restore_state("test-bucket", "k") == "frozen"


class _CleanSigningAuth(oss2.Auth):
    """oss2's V1 signer with cleanRestoredObject among its sub-resources, as OSS's own V2 SDKs sign it."""

    _subresource_key_set = frozenset(oss2.Auth._subresource_key_set) | {"cleanRestoredObject"}


def _clean(bucket, key):
    # oss2 2.19.1 has no public CleanRestoredObject call; this signs and sends it the way oss2 does.
    signed = oss2.Bucket(_CleanSigningAuth("test-ak", "test-secret"), bucket.endpoint, bucket.bucket_name)
    return signed._Bucket__do_object("POST", key, params={"cleanRestoredObject": ""})


def test_clean_restored_object_unsigned_sub_resource_is_signature_does_not_match(emulator, bucket, clock):
    # oss2's own V1 signer leaves cleanRestoredObject out of the string to sign: refused (the stricter reading)
    emulator.put_object("test-bucket", "k", b"x", storage_class="ColdArchive")
    with pytest.raises(oss2.exceptions.ServerError) as e:
        bucket._Bucket__do_object("POST", "k", params={"cleanRestoredObject": ""})
    assert (e.value.status, e.value.code) == (403, "SignatureDoesNotMatch")


def test_clean_restored_object_ends_restore_early(emulator, bucket, clock):
    emulator.put_object("test-bucket", "k", b"x", storage_class="ColdArchive")
    bucket.restore_object("k")
    with pytest.raises(oss2.exceptions.ServerError) as e:
        _clean(bucket, "k")
    assert (e.value.status, e.value.code) == (409, "ArchiveRestoreNotFinished")
    clock.advance(5 * HOUR)
    _clean(bucket, "k")
    assert emulator.restore_state("test-bucket", "k") == "frozen"


def test_get_of_a_restored_object_carries_x_oss_restore_like_head(emulator, bucket, clock):
    # GetObject's "object is restored" example returns x-oss-restore with the expiry, as HeadObject does.
    emulator.put_object("test-bucket", "k", b"x", storage_class="ColdArchive")
    _restore(bucket, "k", tier="Expedited")
    clock.advance(HOUR)
    got = bucket.get_object("k")
    assert got.headers["x-oss-restore"] == bucket.head_object("k").headers["x-oss-restore"]
    assert got.headers["x-oss-restore"].startswith('ongoing-request="false", expiry-date="')
