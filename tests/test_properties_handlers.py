"""Generated events for the three handlers, as JSON bytes the way FC passes them, against the emulator.

The only outcomes allowed: a JSON result that describes its input, or one of the handlers' typed errors
(`RestoreCoreError`); an `InvalidParameter` must name a field of the event. Anything else (a
UnicodeEncodeError, a RecursionError, a ValueError from int()) fails the test with its traceback.
"""
from __future__ import annotations

import json
import re
import time
from collections import Counter
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import strategies as gen
from ossemu import Emulator
from ossrestore_functions import list_archive_files, restore, restore_status
from restore_core import keypack
from restore_core.errors import InvalidParameter, RestoreCoreError
from restore_core.params import iso_time

AK, SK = "prop-ak", "prop-secret"
BUCKET = "prop-bucket"
CONTEXT = SimpleNamespace(request_id="r", credentials=SimpleNamespace(access_key_id=AK, access_key_secret=SK,
                                                                      security_token=None))
# Events per handler and CI run: 3 x 400 = 1,200 (the must-show asks for at least 1,000).
EVENTS_PER_HANDLER = 400


@pytest.fixture(scope="module")
def emu():
    with Emulator(credentials={AK: SK}) as emu:
        emu.create_bucket(BUCKET)
        for key, cls in (("a/1", "Archive"), ("a/2", "ColdArchive"), ("b/1", "DeepColdArchive"), ("c", "Standard")):
            emu.put_object(BUCKET, key, b"x", storage_class=cls)
        yield emu


def common(emu: Emulator) -> dict[str, st.SearchStrategy[Any]]:
    # The valid endpoint and bucket are drawn often, so most events get past them to the other fields.
    return {
        "endpoint": st.one_of(st.just(emu.endpoint), gen.endpoints(emu.endpoint)),
        "bucketName": st.one_of(st.just(BUCKET), gen.buckets(BUCKET)),
    }


# A deadline in the future (from a minute to four months away), or anything else.
DEADLINES = st.one_of(st.integers(60, 10**7).map(lambda s: iso_time(time.time() + s)), gen.string_field)
ACTIONS = st.one_of(st.sampled_from(["restore", "extend", "clean"]), gen.string_field)


def common_optional() -> dict[str, st.SearchStrategy[Any]]:
    return {"region": gen.regions, "prefix": gen.string_field, "unknownField": gen.string_field,
            "deadline": DEADLINES, "bestEffort": gen.flags, "action": ACTIONS}


class Events:
    """A handler's generated events: (event as generated or None, its bytes), and the fields it knows."""

    def __init__(self, emu: Emulator, required: dict[str, Any], optional: dict[str, Any]) -> None:
        optional = {**common_optional(), **optional}
        self.fields = {"event", *required, *optional} - {"unknownField"}
        docs = st.fixed_dictionaries(required, optional=optional)
        # JSON with \\u escapes, or raw UTF-8 (where a lone surrogate is no UTF-8 at all)...
        encoded = st.tuples(docs, st.booleans()).map(
            lambda d: (d[0], json.dumps(d[0], ensure_ascii=d[1]).encode("utf-8", "surrogatepass")))
        # ...or bytes that are no usable JSON object.
        raw = gen.raw_documents({"endpoint": emu.endpoint, "bucketName": BUCKET}).map(lambda b: (None, b))
        self.strategy = st.one_of(encoded, encoded, encoded, raw)


def call(handler: Callable[[bytes, Any], str], events: Events, data: bytes, outcomes: Counter) -> dict[str, Any] | None:
    """The handler's result, or None after a typed error; any other exception propagates."""
    try:
        out = handler(data, CONTEXT)
    except InvalidParameter as e:
        outcomes["InvalidParameter"] += 1
        # THEN the error names a field the handler takes (or the event itself), in its message too
        assert e.field in str(e)
        assert re.split(r"[.\[]", e.field, maxsplit=1)[0] in events.fields, e.field
        return None
    except RestoreCoreError as e:
        outcomes[type(e).__name__] += 1
        return None
    outcomes["result"] += 1
    out.encode("utf-8")  # FC sends it as UTF-8: a lone surrogate would fail here
    result = json.loads(out)
    assert isinstance(result, dict)
    return result


def run_property(strategy: st.SearchStrategy[Any], check: Callable[[Any], None]) -> Counter:
    seen: Counter = Counter()

    @settings(max_examples=max(EVENTS_PER_HANDLER, settings().max_examples))  # more with a profile that asks
    @given(strategy)
    def each(example: Any) -> None:
        seen["events"] += 1
        check(example)

    each()
    assert seen["events"] >= EVENTS_PER_HANDLER
    return seen


def total_keys(files: Any) -> int:
    if isinstance(files, list):
        return len(files)
    return sum(len(keypack.unpack(v, "files") if isinstance(v, str) else v) for v in files.values() if isinstance(v, (list, str)))


def test_list_handler_takes_any_event_without_an_untyped_error(emu):
    outcomes: Counter = Counter()
    events = Events(emu, common(emu), {
        "marker": gen.string_field, "maxKeys": gen.integer_field(1, 1000), "groupSize": gen.integer_field(1, 1000),
        "pages": gen.integer_field(0, 10**9), "pagesPerExecution": gen.integer_field(1, 224),
        "executionName": gen.string_field, "pollInterval": gen.integer_field(1, 172800), "waitPerBatch": gen.flags,
        "days": gen.integer_field(1, 365),
    })

    def check(example: tuple[Any, bytes]) -> None:
        event, data = example
        result = call(list_archive_files.handler, events, data, outcomes)
        if result is not None and event is not None:  # THEN the page describes the listing it was asked for
            assert result["bucketName"] == event["bucketName"]
            assert result["pageMarker"] == (event.get("marker") or "")
            assert result["archiveFilesCount"] == sum(total_keys(g) for g in result["filesGroup"])
            assert result["pages"] == int(event.get("pages") or 0) + 1

    run_property(events.strategy, check)
    assert outcomes["result"] and outcomes["InvalidParameter"], outcomes


def test_restore_handler_takes_any_event_without_an_untyped_error(emu):
    outcomes: Counter = Counter()
    events = Events(emu, {**common(emu), "files": gen.groups}, {
        "workers": gen.integer_field(1, 100), "days": gen.integer_field(1, 365), "tier": gen.tiers,
    })

    def check(example: tuple[Any, bytes]) -> None:
        event, data = example
        result = call(restore.handler, events, data, outcomes)
        if result is not None and event is not None:  # THEN every key of the group has exactly one outcome
            counted = sum(result[k] for k in ("requested", "alreadyRestored", "inProgress", "skipped", "failed"))
            assert counted == total_keys(event["files"])
            answered = [i for indices in result["outcomes"].values() for i in indices]  # 202, 200, 409 by index
            assert len(set(answered)) == len(answered) == counted - result["skipped"] - result["failed"]
            assert all(0 <= i < counted for i in answered)

    run_property(events.strategy, check)
    assert outcomes["result"] and outcomes["InvalidParameter"], outcomes


def test_status_handler_takes_any_event_without_an_untyped_error(emu):
    outcomes: Counter = Counter()
    events = Events(emu, common(emu), {
        "keys": gen.key_lists, "filesGroup": st.one_of(gen.groups, st.lists(gen.groups, max_size=3)),
        "pageMarker": gen.string_field, "marker": gen.string_field, "statusMarker": gen.string_field,
        "maxPages": gen.integer_field(1, 100), "rerequest": gen.flags, "days": gen.integer_field(1, 365),
        "tier": gen.tiers, "workers": gen.integer_field(1, 100), "polls": gen.integer_field(0, 10**9),
        "pollsPerExecution": gen.integer_field(1, 400), "executionName": gen.string_field,
    })

    def check(example: tuple[Any, bytes]) -> None:
        event, data = example
        result = call(restore_status.handler, events, data, outcomes)
        if result is not None and event is not None:  # THEN the poll is counted and its verdict is one of the three
            assert result["status"] in ("success", "running", "failed")
            assert result["polls"] == int(event.get("polls") or 0) + 1
            if event.get("keys") is not None or event.get("filesGroup") is not None:
                assert result["statusMarker"] == (event.get("statusMarker") or "")

    run_property(events.strategy, check)
    assert outcomes["result"] and outcomes["InvalidParameter"], outcomes
