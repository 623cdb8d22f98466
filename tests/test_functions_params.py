"""Input validation of the handlers and of the main flow: every error names its field and range."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from ossrestore.paths import use_function_code

use_function_code()

from restore_core import inputs  # noqa: E402
from restore_core.errors import InvalidParameter  # noqa: E402
from restore_core.params import validate_flow_input  # noqa: E402

EVENTS = Path(__file__).parent / "events"
BASE = {"endpoint": "http://127.0.0.1:9000", "bucketName": "my-bucket"}


def test_flow_input_defaults_are_filled_in():
    # GIVEN only the required fields WHEN validated THEN every documented default is present
    assert validate_flow_input(BASE) == {
        **BASE, "prefix": "", "marker": "", "maxKeys": 100, "pollInterval": 10, "workers": 10, "groupSize": 10,
        "days": 1, "pagesPerExecution": 200, "pollsPerExecution": 300, "tier": "Standard", "waitPerBatch": False,
    }


def test_flow_input_normalises_strings_nulls_and_region():
    out = validate_flow_input({**BASE, "maxKeys": "1000", "waitPerBatch": "true", "region": "cn-hangzhou", "prefix": None})
    assert (out["maxKeys"], out["waitPerBatch"], out["region"], out["prefix"]) == (1000, True, "cn-hangzhou", "")


@pytest.mark.parametrize(
    "field, value, allowed",
    [
        ("maxKeys", 5000, "an integer from 1 to 1000"),
        ("maxKeys", 0, "an integer from 1 to 1000"),
        ("maxKeys", True, "an integer from 1 to 1000"),
        ("pollInterval", 172801, "an integer from 1 to 172800"),
        ("workers", 101, "an integer from 1 to 100"),
        ("groupSize", 1001, "an integer from 1 to 1000"),
        ("days", 366, "an integer from 1 to 365"),
        ("pagesPerExecution", 0, "an integer from 1 to 300"),
        ("pagesPerExecution", 301, "an integer from 1 to 300"),
        ("pollsPerExecution", 1.5, "an integer from 1 to 400"),
        ("tier", "Fast", "one of Expedited, Standard, Bulk"),
        ("waitPerBatch", "yes", "true or false"),
        ("prefix", "p" * 1024, "a string of at most 1023 UTF-8 bytes"),
        ("bucketName", "My_Bucket", "a bucket name"),
        ("endpoint", "ftp://x", "http(s)://host[:port]"),
        ("region", "CN HZ", "a region id"),
    ],
)
def test_flow_input_rejects_out_of_range_values(field, value, allowed):
    # GIVEN one bad field WHEN validated THEN the error names that field, its range and the value
    with pytest.raises(InvalidParameter) as caught:
        validate_flow_input({**BASE, field: value})
    assert caught.value.field == field
    assert caught.value.allowed.startswith(allowed)
    assert caught.value.value == value
    assert str(caught.value).startswith(f"{field} must be {allowed}")


def test_flow_input_message_matches_the_documented_form():
    with pytest.raises(InvalidParameter, match=r"^maxKeys must be an integer from 1 to 1000 \(got 5000\)$"):
        validate_flow_input({**BASE, "maxKeys": 5000})


def test_flow_input_rejects_a_misspelt_field():
    with pytest.raises(InvalidParameter) as caught:
        validate_flow_input({**BASE, "maxkeys": 10})
    assert caught.value.field == "maxkeys" and "maxKeys" in str(caught.value)


def test_flow_input_requires_endpoint_and_bucket():
    with pytest.raises(InvalidParameter) as caught:
        validate_flow_input({"bucketName": "my-bucket"})
    assert caught.value.field == "endpoint"


@pytest.mark.parametrize("name", sorted(p.name for p in EVENTS.glob("*.json")))
def test_canonical_events_parse(name):
    # GIVEN each canonical event as FC delivers it (bytes) WHEN parsed THEN it is a valid request
    raw = inputs.parse_event((EVENTS / name).read_bytes())
    parse = inputs.status_request if name.startswith("restore_status") else (
        inputs.restore_request if name.startswith("restore") else inputs.list_request
    )
    assert parse(raw).where.bucket_name == "test-bucket"


def test_group_keys_are_taken_in_class_order():
    req = inputs.restore_request({**BASE, "files": {"DeepColdArchive": ["d"], "Archive": ["a"], "ColdArchive": ["c"]}})
    assert [(t.key, t.storage_class) for t in req.targets] == [("a", "Archive"), ("c", "ColdArchive"), ("d", "DeepColdArchive")]


@pytest.mark.parametrize(
    "files, field",
    [
        ({"Standard": ["a"]}, "files.Standard"),
        ({"Archive": "a"}, "files.Archive"),
        (["ok", ""], "files[1]"),
        (["/abs"], "files[0]"),
        (["k" * 1024], "files[0]"),
        ("a", "files"),
        ([f"k{i}" for i in range(1001)], "files"),
    ],
)
def test_restore_files_are_checked(files, field):
    with pytest.raises(InvalidParameter) as caught:
        inputs.restore_request({**BASE, "files": files})
    assert caught.value.field == field


def test_status_modes_are_exclusive_and_keys_short():
    with pytest.raises(InvalidParameter) as both:
        inputs.status_request({**BASE, "keys": ["a"], "filesGroup": [{"Archive": ["a"]}]})
    with pytest.raises(InvalidParameter) as many:
        inputs.status_request({**BASE, "keys": [f"k{i}" for i in range(101)]})
    assert (both.value.field, many.value.field) == ("keys", "keys")
    assert inputs.status_request(BASE).mode == "scan"


@pytest.mark.parametrize("event", [b"not json", b"[1, 2]", "{"])
def test_events_must_be_json_objects(event):
    with pytest.raises(InvalidParameter) as caught:
        inputs.parse_event(event)
    assert caught.value.field == "event"


def test_event_accepts_bytes_str_and_dict():
    doc = {**BASE, "files": ["a"]}
    assert inputs.parse_event(json.dumps(doc).encode()) == inputs.parse_event(json.dumps(doc)) == inputs.parse_event(doc)
