"""Input validation of the handlers and of the main flow: every error names its field and range."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from restore_core import flow_inputs, inputs
from restore_core.errors import InvalidParameter
from restore_core.flow_inputs import validate_flow_input

EVENTS = Path(__file__).parent / "events"
BASE = {"endpoint": "http://127.0.0.1:9000", "bucketName": "my-bucket"}


def test_flow_input_defaults_are_filled_in():
    # GIVEN only the required fields WHEN validated THEN every documented default is present
    assert validate_flow_input(BASE) == {
        **BASE,
        "prefix": "",
        "marker": "",
        "maxKeys": 1000,
        "pollInterval": 5,
        "workers": 100,
        "groupSize": 1000,
        "days": 1,
        "roundsPerExecution": 300,
        "roundSeconds": 30,
        "maxConcurrentInvocations": 30,
        "tier": "Standard",
        "waitPerBatch": False,
        "maxRequestsPerSecond": 0,
        "include": [],
        "exclude": [],
        "storageClass": [],
        "modifiedAfter": "",
        "modifiedBefore": "",
        "minSize": "",
        "maxSize": "",
        "dryRun": False,
        "manifest": "",
        "allVersions": False,
        "deadline": "",
        "bestEffort": False,
        "action": "restore",
        "convertTo": "",
        "copyTo": "",
        "copyClass": "Standard",
        "notifyUrl": "",
        "notifyFormat": "json",
        "reportUrl": "",
    }


def test_flow_input_normalises_strings_nulls_and_region():
    out = validate_flow_input(
        {**BASE, "maxKeys": "1000", "waitPerBatch": "true", "region": "cn-hangzhou", "prefix": None}
    )
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
        ("roundsPerExecution", 0, "an integer from 1 to 320"),
        ("roundsPerExecution", 321, "an integer from 1 to 320"),
        ("roundSeconds", 4.5, "an integer from 5 to 600"),
        ("maxConcurrentInvocations", 0, "an integer from 1 to 1000"),
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


PARSERS: dict[str, Any] = {
    "list_archive_files": inputs.plan_request,
    "restore": inputs.shard_request,
    "restore_status": inputs.shard_request,
    "summarize": inputs.summary_request,
}


@pytest.mark.parametrize("name", sorted(p.name for p in EVENTS.glob("*.json")))
def test_canonical_events_parse(name):
    # GIVEN each canonical event as FC delivers it (bytes) WHEN parsed THEN it is a valid request
    raw = inputs.parse_event((EVENTS / name).read_bytes())
    assert PARSERS[name.removesuffix(".json")](raw).where.bucket_name == "test-bucket"


def test_a_shard_is_read_with_its_cursors_relative_to_the_base():
    raw = inputs.parse_event((EVENTS / "restore_status.json").read_bytes())
    req = inputs.shard_request(raw)
    assert (req.shard.lo, req.shard.s, req.shard.hi, req.shard.n) == ("data/5", "data/5", None, 3)
    assert req.scope.requesting(req.shard) is False and req.share == 0 and req.invocations == 2


@pytest.mark.parametrize(
    "event, field",
    [
        ({"settings": "x"}, "settings"),
        ({"round": {"invocations": 0}}, "round.invocations"),
        ({"shard": {"lo": ""}}, "shard.i"),
        ({"shard": {"i": "s0", "n": -1}}, "shard.n"),
        ({"round": "r"}, "round"),
    ],
)
def test_a_bad_shard_request_names_the_field(event, field):
    raw = {**json.loads((EVENTS / "restore.json").read_text()), **event}
    with pytest.raises(InvalidParameter) as caught:
        inputs.shard_request(raw)
    assert caught.value.field == field


@pytest.mark.parametrize("event", [b"not json", b"[1, 2]", "{"])
def test_events_must_be_json_objects(event):
    with pytest.raises(InvalidParameter) as caught:
        inputs.parse_event(event)
    assert caught.value.field == "event"


def test_event_accepts_bytes_str_and_dict():
    doc = {**BASE, "round": {"seconds": 3}}
    assert (
        inputs.parse_event(json.dumps(doc).encode()) == inputs.parse_event(json.dumps(doc)) == inputs.parse_event(doc)
    )


@pytest.mark.parametrize(
    "event, field",
    [
        ({"prefix": "\ud800"}, "settings.prefix"),
        ({"marker": "a\udcff"}, "settings.marker"),
    ],
)
def test_a_lone_surrogate_is_refused_naming_the_field(event, field):
    # GIVEN a string with a lone surrogate, as JSON's "\ud800" escape delivers it
    data = json.dumps({"settings": {**BASE, **event}}).encode()
    # WHEN the planner's input is parsed THEN it is refused: a surrogate has no UTF-8 form for OSS
    with pytest.raises(InvalidParameter) as caught:
        inputs.plan_request(inputs.parse_event(data))
    assert caught.value.field == field
    assert "without lone surrogates" in str(caught.value)
    str(caught.value).encode("utf-8")  # the message itself stays printable


def test_raw_utf8_surrogates_are_not_utf8():
    # GIVEN an event whose bytes encode a surrogate directly (invalid UTF-8) THEN the event is refused
    with pytest.raises(InvalidParameter, match=r"^event is not UTF-8"):
        inputs.parse_event(b'{"prefix": "\xed\xa0\x80"}')


def test_a_5000_digit_number_is_refused_before_conversion():
    # GIVEN a 5,000-digit number, as JSON and as a digit string (Python's int() refuses past 4,300)
    for value in ("9" * 5000, '"' + "9" * 5000 + '"'):
        data = ('{"settings": {"endpoint": "http://h", "bucketName": "my-bucket", "maxKeys": ' + value + "}}").encode()
        with pytest.raises(InvalidParameter) as caught:
            inputs.plan_request(inputs.parse_event(data))
        # THEN the error names the field and its range, and shows the value without converting it
        assert caught.value.field == "settings.maxKeys"
        assert str(caught.value).startswith("maxKeys must be an integer from 1 to 1000 (got ")


def test_an_unknown_field_may_hold_a_huge_number_without_harm():
    data = b'{"settings": {"endpoint": "http://h", "bucketName": "my-bucket"}, "flowState": ' + b"1" * 5000 + b"}"
    assert inputs.plan_request(inputs.parse_event(data)).settings.max_keys == flow_inputs.BY_NAME["maxKeys"].default


@pytest.mark.parametrize("depth", [33, 1000, 100_000])
def test_deep_nesting_is_refused_before_parsing(depth):
    # GIVEN an event nested deeper than 32 levels (Python's parser would raise RecursionError past ~1,000)
    data = b'{"files": ' + b"[" * depth + b"]" * depth + b"}"
    # WHEN parsed THEN a typed error names the event and the limit
    with pytest.raises(InvalidParameter, match=r"^event is nested more than 32 levels deep"):
        inputs.parse_event(data)


def test_brackets_inside_strings_do_not_count_as_nesting():
    doc = {**BASE, "prefix": "[" * 100 + '\\"{' * 50}
    assert inputs.parse_event(json.dumps(doc)) == doc


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://127.0.0.1:99999",
        "http://127.0.0.1:0",
        "http://127.0.0.1:65536",
        "ftp://h",
        "http://",
        "http://a..b",
        "http://-a.com",
        "http://a_b",
        "http://host\n",
        "http://" + "a" * 64 + ".com",
        "HTTP://h",
        "http://h:",
        "http://h/path",
    ],
)
def test_endpoints_are_checked_whole_before_any_request(endpoint):
    with pytest.raises(InvalidParameter) as caught:
        validate_flow_input({**BASE, "endpoint": endpoint})
    assert caught.value.field == "endpoint" and "port 1 to 65535" in caught.value.allowed


@pytest.mark.parametrize(
    "endpoint", ["http://127.0.0.1:1", "https://h:65535/", "oss-cn-hangzhou-internal.aliyuncs.com"]
)
def test_endpoints_at_the_edges_of_the_range_are_accepted(endpoint):
    assert validate_flow_input({**BASE, "endpoint": endpoint})["endpoint"] == endpoint.rstrip("/")


@pytest.mark.parametrize("field, value", [("bucketName", "my-bucket\n"), ("region", "cn-hangzhou\n")])
def test_names_do_not_accept_a_trailing_newline(field, value):
    with pytest.raises(InvalidParameter) as caught:
        validate_flow_input({**BASE, field: value})
    assert caught.value.field == field


def test_the_value_shown_in_an_error_is_bounded_whatever_it_is():
    # GIVEN values whose repr() would fail or recurse (a huge int, deep nesting) or run long
    nested: list = []
    for _ in range(5000):
        nested = [nested]
    for value in (10**5000, nested, "x" * 10**6):
        with pytest.raises(InvalidParameter) as caught:
            validate_flow_input({**BASE, "maxKeys": value})
        # THEN the message is still built, short
        assert len(str(caught.value)) < 200
