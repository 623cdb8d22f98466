"""Generated events for the four handlers, as JSON bytes the way FC passes them, against the emulator.

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
from ossrestore_functions import list_archive_files, restore, restore_status, summarize
from restore_core import shard_results
from restore_core.errors import InvalidParameter, RestoreCoreError
from restore_core.flow_inputs import FLOW_INPUTS, validate_flow_input
from restore_core.params import iso_time

AK, SK = "prop-ak", "prop-secret"
BUCKET = "prop-bucket"
CONTEXT = SimpleNamespace(
    request_id="r", credentials=SimpleNamespace(access_key_id=AK, access_key_secret=SK, security_token=None)
)
# Events per handler and CI run: 3 x 400 = 1,200 (the must-show asks for at least 1,000).
EVENTS_PER_HANDLER = 400
FLOW_INPUT_NAMES = {f.name for f in FLOW_INPUTS} | {"unknownField"}


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


def settings_fields(emu: Emulator) -> st.SearchStrategy[Any]:
    """The run's settings as the flow hands them on: mostly a valid object, its fields drawn valid or broken."""
    optional = {
        "region": gen.regions,
        "prefix": gen.string_field,
        "unknownField": gen.string_field,
        "deadline": DEADLINES,
        "bestEffort": gen.flags,
        "action": ACTIONS,
        "maxKeys": gen.integer_field(1, 1000),
        "pollInterval": gen.integer_field(1, 172800),
        "days": gen.integer_field(1, 365),
        "tier": gen.tiers,
        "dryRun": gen.flags,
        "maxConcurrentInvocations": gen.integer_field(1, 1000),
        "roundSeconds": gen.integer_field(5, 600),
        "roundsPerExecution": gen.integer_field(1, 320),
    }
    valid = {"endpoint": emu.endpoint, "bucketName": BUCKET, "reportUrl": f"oss://{BUCKET}/reports/prop/"}
    # Often valid as a whole, so the events that carry other fields get past the settings to them.
    return st.one_of(
        st.just(valid), st.fixed_dictionaries({**common(emu), "reportUrl": REPORT_URLS}, optional=optional)
    )


# Where the handlers write the run's report and progress: the emulator's bucket, or an address to refuse.
REPORT_URLS = st.one_of(
    st.just(f"oss://{BUCKET}/reports/prop/"),
    st.just(f"oss://{BUCKET}/reports/prop/"),
    st.sampled_from(["", "oss://", "s3://x/y/", "oss://Bad_Bucket/p/", "file:///tmp"]),
    gen.string_field,
)
SHARDS = st.one_of(
    st.fixed_dictionaries(
        {
            "i": st.sampled_from(["s0", "s1"]),
            "lo": st.sampled_from(["", "a/", "b"]),
            "m": st.sampled_from(["", "a/", "a/2", None]),
            "s": st.sampled_from(["", "a/1", None]),
        },
        optional={
            "hi": st.sampled_from(["b/", "c", "\U0010ffff"]),
            "n": st.integers(0, 5),
            "p": st.integers(0, 5),
            "q": st.integers(0, 5),
            "d": st.integers(0, 2**31),
        },
    ),
    st.fixed_dictionaries(
        {"i": st.just("s0"), "lo": st.just(""), "m": st.just(""), "s": st.just("")},
        optional={
            "n": gen.integer_field(0, 5),
            "p": gen.integer_field(0, 5),
            "j": gen.string_field,
            "r": gen.string_field,
            "d": gen.integer_field(0, 2**31),
            "hi": gen.string_field,
        },
    ),
    st.fixed_dictionaries(
        {"i": gen.string_field, "lo": gen.string_field, "m": gen.string_field, "s": gen.string_field}
    ),
    gen.string_field,
)
# Short rounds: a generated event never holds the test up for long.
ROUNDS = st.one_of(
    st.fixed_dictionaries(
        {"base": st.sampled_from(["", "a/"]), "invocations": st.integers(1, 1000), "seconds": st.integers(1, 2)}
    ),
    st.fixed_dictionaries(
        {"base": gen.string_field, "invocations": gen.integer_field(1, 1000), "seconds": gen.integer_field(1, 900)}
    ),
    gen.string_field,
)


class Events:
    """A handler's generated events: (event as generated or None, its bytes), and the fields it knows."""

    def __init__(self, emu: Emulator, fields: dict[str, Any]) -> None:
        self.fields = {"event", *fields}
        docs = st.fixed_dictionaries({"settings": settings_fields(emu)}, optional=fields)
        # JSON with \\u escapes, or raw UTF-8 (where a lone surrogate is no UTF-8 at all)...
        encoded = st.tuples(docs, st.booleans()).map(
            lambda d: (d[0], json.dumps(d[0], ensure_ascii=d[1]).encode("utf-8", "surrogatepass"))
        )
        # ...or bytes that are no usable JSON object.
        raw = gen.raw_documents({"settings": {"endpoint": emu.endpoint, "bucketName": BUCKET}}).map(lambda b: (None, b))
        self.strategy = st.one_of(encoded, encoded, encoded, raw)
        self.fields.add("settings")


def call(handler: Callable[[bytes, Any], str], events: Events, data: bytes, outcomes: Counter) -> dict[str, Any] | None:
    """The handler's result, or None after a typed error; any other exception propagates."""
    try:
        out = handler(data, CONTEXT)
    except InvalidParameter as e:
        outcomes["InvalidParameter"] += 1
        # THEN the error names a field the handler takes (or the event itself), in its message too; a
        # setting is named in the message as the flow input names it (the user's field)
        named = e.field.removeprefix("settings.")
        assert named in str(e)
        root = re.split(r"[.\[]", named, maxsplit=1)[0]
        assert root in events.fields or root in FLOW_INPUT_NAMES, e.field
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


@pytest.fixture(scope="module")
def first_plan(emu) -> dict[str, Any]:
    """A real planner answer for the bucket: its state and shards feed the later calls' events."""
    event = {"settings": {"endpoint": emu.endpoint, "bucketName": BUCKET, "reportUrl": f"oss://{BUCKET}/reports/prop/"}}
    return json.loads(list_archive_files.handler(json.dumps(event).encode(), CONTEXT))


def test_the_planner_takes_any_event_without_an_untyped_error(emu, first_plan):
    outcomes: Counter = Counter()
    result_of = st.fixed_dictionaries(
        {
            "shard": st.one_of(st.sampled_from(first_plan["restoring"]), SHARDS),
            "c": st.one_of(
                st.just({}),
                st.dictionaries(gen.string_field.filter(lambda v: isinstance(v, str)), gen.integer_field(0, 10)),
            ),
        },
        optional={"w": st.one_of(st.lists(gen.string_field, max_size=2)), "e": gen.integer_field(0, 10**6)},
    )
    events = Events(
        emu,
        {
            "state": st.one_of(
                st.just(first_plan["state"]),
                gen.string_field,
                st.builds(
                    lambda name, value: {**first_plan["state"], name: value},
                    st.sampled_from(
                        ["base", "resting", "started", "next", "round", "here", "totals", "estimate", "warnings"]
                    ),
                    st.one_of(gen.string_field, gen.integer_field(0, 10), st.lists(gen.string_field, max_size=2)),
                ),
            ),
            "restored": st.one_of(st.lists(result_of, max_size=3), gen.string_field),
            "confirmed": st.one_of(st.lists(result_of, max_size=3), gen.string_field),
            "executionName": gen.string_field,
            "unknownField": gen.string_field,
        },
    )

    def check(example: tuple[Any, bytes]) -> None:
        event, data = example
        result = call(list_archive_files.handler, events, data, outcomes)
        if result is not None and event is not None:
            # THEN the answer is a plan for the next round: shards no more than the invocations allowed, once each
            shards = result["restoring"] + result["confirming"]
            assert len(shards) <= validate_flow_input(event["settings"])["maxConcurrentInvocations"]
            assert len({s["i"] for s in shards}) == len(shards)
            assert result["finish"] in ("", "report") and result["wait"] >= 0

    run_property(events.strategy, check)
    assert outcomes["result"] and outcomes["InvalidParameter"], outcomes


@pytest.mark.parametrize("module", [restore, restore_status], ids=["restore", "restoreStatus"])
def test_a_shard_handler_takes_any_event_without_an_untyped_error(emu, module):
    outcomes: Counter = Counter()
    events = Events(emu, {"shard": SHARDS, "round": ROUNDS, "unknownField": gen.string_field})

    def check(example: tuple[Any, bytes]) -> None:
        event, data = example
        result = call(module.handler, events, data, outcomes)
        if result is not None and event is not None:
            # THEN the shard handed back is the one handed in, its cursors no further back than they were
            assert result["shard"]["i"] == event["shard"]["i"]
            # AND its counts come back inline, or by the name of their object in the run's store
            assert isinstance(result.get("c"), dict) or shard_results.valid(result.get("k", ""))

    run_property(events.strategy, check)
    assert outcomes["result"] and outcomes["InvalidParameter"], outcomes


def test_summarize_takes_any_event_without_an_untyped_error(emu, first_plan):
    outcomes: Counter = Counter()
    events = Events(
        emu,
        {
            "state": st.one_of(st.just(first_plan["state"]), gen.string_field),
            "error": st.one_of(st.sampled_from(["", "FnF.ALL", "DeadlineUnreachable"]), gen.string_field),
            "cause": gen.string_field,
            "executionName": gen.string_field,
            "unknownField": gen.string_field,
        },
    )

    def check(example: tuple[Any, bytes]) -> None:
        event, data = example
        result = call(summarize.handler, events, data, outcomes)
        if result is not None and event is not None:
            # THEN the summary has a verdict, and a run that failed is never called a success
            assert result["verdict"] in ("success", "dryRun", "failed", "error")
            if event.get("error"):
                assert result["verdict"] != "success"

    run_property(events.strategy, check)
    assert outcomes["result"] and outcomes["InvalidParameter"], outcomes
