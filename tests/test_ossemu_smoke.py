"""The fixtures other test files rely on work end to end."""

from __future__ import annotations

import oss2

from conftest import oss_bucket


def test_fixture_bucket_round_trips_an_object(emulator, bucket):
    # GIVEN the shared fixtures WHEN an object is written through oss2
    bucket.put_object("k", b"data")
    # THEN it reads back and the emulator counted the calls
    assert bucket.get_object("k").read() == b"data"
    assert emulator.stats.get("PutObject") == 1


def test_oss_bucket_helper_binds_other_buckets(emulator):
    emulator.create_bucket("other-bucket")
    b = oss_bucket(emulator, "other-bucket")
    b.put_object("x", b"1")
    assert [o.key for o in oss2.ObjectIterator(b)] == ["x"]
