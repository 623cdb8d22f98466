"""The run's store: the same objects under the same names in OSS (the emulator) and in a local directory."""

from __future__ import annotations

import pytest

from conftest import ACCESS_KEY_ID, ACCESS_KEY_SECRET, oss_bucket
from ossemu import Emulator
from restore_core.errors import InvalidParameter, OSSAccessDenied
from restore_core.journal import Contact, Reader, better, part_name, read, rerequest_name, write
from restore_core.run_store import DirStore, OssStore, RunStore, pack_lines, parse_url, unpack_lines

BUCKET = "test-bucket"


@pytest.fixture(params=["oss", "dir"])
def store(request, emulator, bucket, tmp_path) -> RunStore:
    if request.param == "oss":
        return OssStore(bucket, "reports/r1/", url=f"oss://{BUCKET}/reports/r1/")
    return DirStore(str(tmp_path), url=tmp_path.as_uri() + "/")


def test_objects_round_trip_and_list_in_name_order_after_a_marker(store):
    # GIVEN objects written out of order, in folders
    for name in ("b/2", "a/1", "b/10", "a/0", "c"):
        store.put(name, name.encode())
    # THEN each reads back, a missing one is None, and names list sorted under a prefix, after a marker
    assert store.get("b/10") == b"b/10" and store.get("nope") is None
    assert list(store.names("b/")) == ["b/10", "b/2"]
    assert list(store.names("")) == ["a/0", "a/1", "b/10", "b/2", "c"]
    assert list(store.names("a/", after="a/0")) == ["a/1"]


def test_a_rewrite_replaces_and_gzip_is_the_same_bytes_every_time(store):
    lines = [{"key": "k", "n": i} for i in range(3)]
    assert pack_lines(lines) == pack_lines(lines)
    store.put("p", pack_lines(lines))
    store.put("p", pack_lines(lines[:1]))
    assert list(unpack_lines(store.get("p") or b"")) == lines[:1]


@pytest.mark.parametrize("url", ["oss://Bad_Bucket/x/", "oss://bkt/no-slash", "http://x/", "file://host/p", "oss:/b/"])
def test_a_bad_store_url_is_refused_naming_the_field(url):
    with pytest.raises(InvalidParameter, match="reportUrl"):
        parse_url(url)


def test_a_store_the_credentials_may_not_write_fails_naming_the_action():
    # GIVEN an emulator whose RAM hook refuses PutObject
    def authorize(access_key_id: str, action: str, resource: str) -> None:
        if action == "oss:PutObject":
            raise PermissionError(f"{action} on {resource}")

    with Emulator(credentials={ACCESS_KEY_ID: ACCESS_KEY_SECRET}, authorize=authorize) as emu:
        emu.create_bucket(BUCKET)
        # THEN writing to the store fails at once, naming the operation and the action
        with pytest.raises(OSSAccessDenied, match=r"PutObject.*oss:PutObject"):
            OssStore(oss_bucket(emu, BUCKET), "r/", url="").put("x", b"1")


def test_the_journal_reads_back_in_order_with_re_requests_overriding(store):
    # GIVEN two pages of answers and a scan's re-request of one key
    write(store, part_name("s0", 0, 0), [Contact("a", None, 202, at=1.0), Contact("b", None, 409, at=1.0)])
    write(store, part_name("s0", 1, 0), [Contact("c", None, 403, "AccessDenied", 2.0)])
    write(store, rerequest_name("s0", 3), [Contact("c", None, 202, at=3.0, tier="Standard")])
    reader = Reader(store, "s0", after="", position=lambda c: c.key)
    # WHEN read up to "b", then to the end
    first = [c.key for c in reader.upto("b")]
    rest = list(reader.upto("z"))
    # THEN the contacts come in order, the re-request is beside them, and the mark is the part read through
    assert first == ["a", "b"] and [c.key for c in rest] == ["c"]
    assert better(rest[0], reader.rerequested(("c", "")) or rest[0]).status == 202
    assert reader.mark("b") == part_name("s0", 0, 0) and reader.mark("z") == part_name("s0", 1, 0)
    assert read(store, "journal/none.jsonl.gz") == []
