"""restore_core.keypack: keys front-coded into one string, as listArchiveFiles hands them to the restore flow."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from restore_core import budget, inputs, keypack
from restore_core.errors import InvalidParameter

# Valid object keys (no lone surrogates), up to 1,023 characters, sorted and distinct as a listing returns them.
key = st.text(st.characters(codec="utf-8"), min_size=1, max_size=1023)


@settings(max_examples=200, deadline=None)
@given(st.lists(key, max_size=30, unique=True).map(sorted))
def test_packed_keys_come_back_exactly(keys):
    # GIVEN keys in listing order WHEN packed and unpacked THEN the same keys come back, in order
    assert keypack.unpack(keypack.pack(keys), "files") == keys


def test_keys_that_count_up_cost_two_or_three_bytes_each():
    # GIVEN 1,000 keys of 40 bytes that differ in their last digits, as a listing returns them
    keys = [f"logs/2024/archive/host-0001/part-{i:07d}" for i in range(1000)]
    # WHEN packed THEN they take at most 2.2 bytes a key, against 43 as a JSON list
    assert budget.size(keypack.pack(keys)) <= 2.2 * len(keys) < budget.size(keys) / 19


@pytest.mark.parametrize("packed", ["Z", "1", ".1", "._0", ".W0W", ".0\"", ".50abc", ".011a.211", "!", ".00"])
def test_a_string_pack_cannot_have_written_is_refused_naming_the_field(packed):
    # WHEN a restore invocation is given a class whose packed keys are malformed
    # THEN it is refused before any request, naming the group's field
    with pytest.raises(InvalidParameter) as raised:
        inputs.files({"Archive": packed}, "files")
    assert raised.value.field == "files.Archive"


def test_a_group_may_mix_packed_and_plain_classes():
    group = {"Archive": keypack.pack(["a/1", "a/2"]), "ColdArchive": ["b/1"]}
    assert [(t.key, t.storage_class) for t in inputs.files(group, "files")] == [
        ("a/1", "Archive"), ("a/2", "Archive"), ("b/1", "ColdArchive")]
