"""A model of a cloud run's wall time, from the flows' own step and event counts and the documented quotas.

It runs the real `flows/*.yaml` on the embedded engine (`fdl`) over the emulator twice for each candidate
setting, the second run one full listing call larger, counts what the flows did (step entries, sub-flow
StartExecutions, FC invocations, events, RestoreObject requests, keys per listing call), takes "per listing
call" figures from the difference and "per execution" figures from what is left, and scales them to
`--objects` (default 1,000,000). Nothing the engine can count is written down here; whether the next
listing waits for the restores is read from the main flow (a `sync` sub-flow task), so a change of the
flows is picked up by running it again. It then predicts the cloud's wall time from the quotas and latencies below,
prints every candidate's prediction and the best one's breakdown (`predicted_seconds:`, `floor_seconds:`,
`ratio:`, which resource binds), and the defaults it chooses.

    ./bootstrap bench cloud_model [--objects 1000000] [--max-requests-per-second 2000] [--quick]
        [--listing-overlaps] [--key-bytes 40]

Assumptions (the latencies are flags):

| assumption | value | source |
|---|---|---|
| step entries per account | bucket 100, +100/s | [1] (`fdl.Quotas`) |
| StartExecution per account | bucket 100, +100/s | [1] (`fdl.Quotas`) |
| events per execution | 5,000 (the model keeps 10% spare) | [1] (`fdl.Limits`) |
| foreach items | 100 | FDL foreach step (`fdl.Limits`); listArchiveFiles fills at most 100 groups |
| OSS requests per second | 2,000 (`--max-requests-per-second`) | [2]: 10,000 per account, 2,000 for sequential names (a listing's order) |
| Archive restore latency | 60 s | [3]: Archive about 1 minute |
| OSS request latency | 0.05 s (RestoreObject) | assumption: OSS documents none; slow for an internal endpoint |
| ListObjects latency | 0.03 s + 0.1 s per 1,000 keys | assumption: OSS documents none |
| FC invocation overhead | 0.05 s warm, 1 s cold once | assumption: [4] describes cold starts, gives no figure |
| CloudFlow step latency | 0.05 s per step entry on a sequential path | assumption: CloudFlow documents none |
| sub-flow start latency | 0.1 s | assumption: CloudFlow documents none |
| restore requests | spread evenly over the listing phase | the restore flow requests each listed group at once |

[1] CloudFlow "Limits": https://www.alibabacloud.com/help/en/serverless-workflow/latest/limits
[2] OSS "0004-00000302" (QPS limit): https://www.alibabacloud.com/help/en/oss/user-guide/0004-00000302
[3] OSS "restore" (ossutil): https://www.alibabacloud.com/help/doc-detail/120058.htm
[4] FC "Best practice for reducing cold start latencies": https://alibabacloud.com/help/doc-detail/138831.htm

The floor is the true lower bound for any run that requests each restore once and finds the objects by
listing: every restore request and one 1,000-key listing page per 1,000 objects must fit in the request
budget, and the last object restored becomes readable a restore latency after its request:
`floor = (N + N / 1000) / budget + latency`. The poll interval is not part of
the floor: it is a setting the model chooses.

Not modelled: FC's per-region instance limit and cold starts beyond the first, throttling answers and
retries (the run is taken to hold its budget exactly), the confirm polls' requests against the budget
(about one per 1,000 objects), and restores slower than the documented latency.
"""
from __future__ import annotations

import argparse
import itertools
import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import yaml

import fdl
from ossemu import Emulator, RestoreLatency
from ossrestore.flow_options import flow_input_from_options
from ossrestore.local_flows import MAIN_FLOW, build_registry
from ossrestore.local_run import execution_name
from ossrestore.paths import flow_file
from restore_core import flow_inputs, inputs
from restore_core.status_task import SCAN_PAGE_KEYS

AK, SK = "model-ak", "model-secret"
BUCKET = "model-bucket"
EVENT_MARGIN = 0.9  # use at most 90% of an execution's 5,000 events
_LIMITS = fdl.Limits()


# --- what the flows do, measured on the engine ---------------------------------------------------

@dataclass(frozen=True)
class FlowShape:
    """The flows' task steps by kind, read from the YAML, and whether listing waits for the restores."""

    list_steps: frozenset[str]
    status_steps: frozenset[str]
    restore_steps: frozenset[str]
    listing_waits_for_restores: bool  # a sync sub-flow task in the main flow: the next listing waits


def flow_shape() -> FlowShape:
    kinds: dict[str, set[str]] = {"list": set(), "status": set(), "restore": set()}
    waits = False
    for name in ("main.yaml", "restore.yaml"):
        for step in _steps(yaml.safe_load(flow_file(name).read_text(encoding="utf-8"))["steps"]):
            arn = str(step.get("resourceArn", ""))
            for kind, placeholder in (("list", "listArchiveFilesArn"), ("status", "restoreStatusArn"), ("restore", "restoreArn")):
                if "{{" + placeholder + "}}" in arn:
                    kinds[kind].add(step["name"])
            if name == "main.yaml" and arn.startswith("acs:fnf:::flow/") and step.get("pattern") == "sync":
                waits = True
    return FlowShape(frozenset(kinds["list"]), frozenset(kinds["status"]), frozenset(kinds["restore"]), waits)


def _steps(steps: Iterable[dict[str, Any]]) -> Iterable[dict[str, Any]]:
    for step in steps:
        yield step
        yield from _steps(step.get("steps", []))
        for choice in step.get("choices", []):
            yield from _steps(choice.get("steps", []))
        for branch in step.get("branches", []):
            yield from _steps(branch.get("steps", []))


@dataclass(frozen=True)
class Counts:
    """One run's counts: the listing phase (main executions that list), its sub-flows, the confirm phase."""

    objects: int
    listing_calls: int
    full_call_keys: int  # the most keys one listing call examined (a full call when the scope is larger)
    listing_executions: int
    listing_steps: int
    listing_events: int
    max_listing_events: int
    subflows: int
    subflow_steps: int
    max_subflow_events: int
    restore_invocations: int
    restore_requests: int
    polls: int
    confirm_steps: int
    confirm_events: int


SEED_PREFIX = "data/"
SEED_KEY_BYTES = len(SEED_PREFIX) + 8  # the emulator seeds keys as prefix + 8 digits


def measure(*, objects: int, max_keys: int, group_size: int, workers: int, shape: FlowShape,
            key_bytes: int = SEED_KEY_BYTES) -> Counts:
    """Run the real flows on the engine over the emulator and count what they did.

    Keys are `key_bytes` long: a listing call's output (and so the keys it hands on) is capped in bytes.
    """
    prefix = SEED_PREFIX + "k" * max(0, key_bytes - SEED_KEY_BYTES)
    with Emulator(credentials={AK: SK}, latency=RestoreLatency.uniform(0.3)) as emu:
        emu.create_bucket(BUCKET)
        emu.seed(BUCKET, counts={"Archive": objects}, prefix=prefix)
        flow_input = flow_input_from_options(
            flow_endpoint=emu.endpoint, flow_bucketName=BUCKET, flow_maxKeys=max_keys, flow_groupSize=group_size,
            flow_workers=workers, flow_pollInterval=1, flow_pagesPerExecution=flow_inputs.BY_NAME["pagesPerExecution"].hi,
        )
        # The engine with the handlers in this process: the counts are the same as in worker processes
        # (`oss-restore run`), and a measurement takes a second, not several.
        engine = fdl.Engine(build_registry(), credentials=fdl.Credentials(AK, SK, ""))
        engine.start_execution(MAIN_FLOW, flow_input, name=execution_name(BUCKET))
        executions = engine.wait_all()
        restore_requests = emu.stats.get("RestoreObject")
    failed = [f"{r.name}: {r.error}: {r.cause}" for r in executions if r.status != "Succeeded"]
    if failed:
        raise SystemExit(f"measurement run failed: {failed}")
    entered = "StepEntered"
    listing = [r for r in executions if r.flow_name == MAIN_FLOW and not _entered(r, shape.status_steps)]
    confirm = [r for r in executions if r.flow_name == MAIN_FLOW and _entered(r, shape.status_steps)]
    subs = [r for r in executions if r.flow_name != MAIN_FLOW]
    return Counts(
        objects=objects,
        listing_calls=sum(_entered(r, shape.list_steps) for r in listing),
        full_call_keys=max(int(e.detail.get("output", {}).get("listedCount", 0)) for r in listing for e in r.events
                           if e.type == "TaskSucceeded" and e.step_name in shape.list_steps),
        listing_executions=len(listing),
        listing_steps=sum(1 for r in listing for e in r.events if e.type == entered),
        listing_events=sum(len(r.events) for r in listing),
        max_listing_events=max(len(r.events) for r in listing),
        subflows=len(subs),
        subflow_steps=sum(1 for r in subs for e in r.events if e.type == entered),
        max_subflow_events=max((len(r.events) for r in subs), default=0),
        restore_invocations=sum(_entered(r, shape.restore_steps) for r in subs),
        restore_requests=restore_requests,
        polls=sum(_entered(r, shape.status_steps) for r in confirm),
        confirm_steps=sum(1 for r in confirm for e in r.events if e.type == entered),
        confirm_events=sum(len(r.events) for r in confirm),
    )


def _entered(run: fdl.ExecutionResult, names: frozenset[str]) -> int:
    return sum(1 for e in run.events if e.type == "StepEntered" and e.step_name in names)


@dataclass(frozen=True)
class Rates:
    """Per listing call and per execution: two runs that differ by exactly one full listing call, so the
    difference is one call's cost and what is left is paid once per execution."""

    keys_per_call: float
    steps_per_call: float  # main flow, listing phase
    steps_per_listing_execution: float  # init, hand-over: paid once per execution
    events_per_call: float
    events_per_listing_execution: float
    subflows_per_call: float
    subflow_steps_per_call: float
    invocations_per_call: float
    requests_per_object: float
    steps_per_poll: float
    events_per_poll: float
    max_subflow_events: int
    listing_waits: bool  # the next listing call waits for the previous call's restore sub-flow


def fit(small: Counts, large: Counts, *, listing_waits: bool) -> Rates:
    calls = large.listing_calls - small.listing_calls
    if calls <= 0:
        raise SystemExit("the two measurement runs made the same number of listing calls")

    def per_call(a: float, b: float) -> float:
        return (b - a) / calls

    steps_per_call = per_call(small.listing_steps, large.listing_steps)
    events_per_call = per_call(small.listing_events, large.listing_events)
    return Rates(
        keys_per_call=per_call(small.objects, large.objects),
        steps_per_call=steps_per_call,
        steps_per_listing_execution=(large.listing_steps - steps_per_call * large.listing_calls) / large.listing_executions,
        events_per_call=events_per_call,
        events_per_listing_execution=(large.listing_events - events_per_call * large.listing_calls) / large.listing_executions,
        subflows_per_call=per_call(small.subflows, large.subflows),
        subflow_steps_per_call=per_call(small.subflow_steps, large.subflow_steps),
        invocations_per_call=per_call(small.restore_invocations, large.restore_invocations),
        requests_per_object=large.restore_requests / large.objects,
        # Confirm executions' init and hand-over counted into each poll: slightly more than a poll costs.
        steps_per_poll=large.confirm_steps / max(large.polls, 1),
        events_per_poll=large.confirm_events / max(large.polls, 1),
        max_subflow_events=max(small.max_subflow_events, large.max_subflow_events),
        listing_waits=listing_waits,
    )


# --- the cloud --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Cloud:
    requests_per_second: float = 2000.0
    restore_latency: float = 60.0
    request_latency: float = 0.05
    list_base_latency: float = 0.03
    list_latency_per_1000_keys: float = 0.1
    fc_overhead: float = 0.05
    fc_cold_start: float = 1.0
    step_latency: float = 0.05
    subflow_start_latency: float = 0.1
    quotas: fdl.Quotas = field(default_factory=fdl.Quotas)
    events_per_execution: int = _LIMITS.events_per_execution

    def list_seconds(self, keys: float) -> float:
        return self.list_base_latency + self.list_latency_per_1000_keys * keys / 1000


@dataclass(frozen=True)
class Setting:
    max_keys: int
    group_size: int
    workers: int
    poll_interval: int
    pages_per_execution: int
    scan_pages: int  # restoreStatus maxPages: pages one confirm poll lists


@dataclass(frozen=True)
class Prediction:
    setting: Setting
    predicted: float
    floor: float
    listing_seconds: float
    confirm_seconds: float
    binding: str
    limits: dict[str, float]
    step_entries: float
    polls: int
    max_events: float

    @property
    def ratio(self) -> float:
        return self.predicted / self.floor


def pages_per_execution_limit(rates: Rates, cloud: Cloud) -> int:
    """The most listing calls an execution can make within 90% of its events (and the input's range)."""
    room = cloud.events_per_execution * EVENT_MARGIN - rates.events_per_listing_execution
    declared = flow_inputs.BY_NAME["pagesPerExecution"]
    lo, hi = declared.lo, declared.hi
    return max(lo, min(hi, int(room // rates.events_per_call)))


def predict(rates: Rates, setting: Setting, *, objects: int, cloud: Cloud) -> Prediction:
    n = objects
    calls = n / rates.keys_per_call
    executions = math.ceil(calls / setting.pages_per_execution)
    pages_per_call = math.ceil(rates.keys_per_call / setting.max_keys)
    keys_per_invocation = rates.keys_per_call / max(rates.invocations_per_call, 1e-9)
    restore_seconds = cloud.fc_overhead + math.ceil(keys_per_invocation / setting.workers) * cloud.request_latency

    # One listing call on the main flow's sequential path; with a sync sub-flow the next call also waits
    # for the sub-flow (counted as if its steps ran one after another: stricter than a foreach's).
    call_seconds = (rates.steps_per_call * cloud.step_latency + cloud.fc_overhead
                    + pages_per_call * cloud.list_seconds(min(setting.max_keys, rates.keys_per_call)))
    subflow_seconds = cloud.subflow_start_latency + rates.subflow_steps_per_call * cloud.step_latency + restore_seconds
    if rates.subflows_per_call and rates.listing_waits:
        call_seconds += subflow_seconds
    step_entries_listing = calls * (rates.steps_per_call + rates.subflow_steps_per_call) + executions * rates.steps_per_listing_execution
    starts = calls * rates.subflows_per_call + executions
    requests_listing = n * rates.requests_per_object + calls * pages_per_call
    q = cloud.quotas
    limits = {
        "listing chain (sequential calls)": calls * call_seconds + executions * cloud.subflow_start_latency,
        "CloudFlow step entries": max(0.0, step_entries_listing - q.step_tokens) / q.step_refill_per_second,
        "StartExecution": max(0.0, starts - q.start_execution_tokens) / q.start_execution_refill_per_second,
        "OSS request budget": requests_listing / cloud.requests_per_second,
    }
    binding = max(limits, key=lambda k: limits[k])
    listing_seconds = limits[binding] + cloud.fc_cold_start + (0.0 if rates.listing_waits else subflow_seconds)

    confirm_seconds, polls = _confirm(rates, setting, objects=n, listing_seconds=listing_seconds, cloud=cloud)
    # One restore request per object (not the measured rate: a flow that sent more would raise its own floor).
    floor = (n + n / SCAN_PAGE_KEYS) / cloud.requests_per_second + cloud.restore_latency
    max_events = max(rates.events_per_listing_execution + rates.events_per_call * setting.pages_per_execution,
                     rates.max_subflow_events)
    return Prediction(
        setting=setting, predicted=listing_seconds + confirm_seconds, floor=floor, listing_seconds=listing_seconds,
        confirm_seconds=confirm_seconds, binding=binding, limits=limits,
        step_entries=step_entries_listing + polls * rates.steps_per_poll, polls=polls, max_events=max_events,
    )


def _confirm(rates: Rates, setting: Setting, *, objects: int, listing_seconds: float, cloud: Cloud) -> tuple[float, int]:
    """Poll by listing, as restoreStatus does, until every object is readable.

    Restore requests are taken as spread evenly over the listing phase, so the object at fraction f of
    the scope becomes readable at f * listing_seconds + latency. Each poll waits pollInterval, then lists
    maxPages pages of 1,000 keys from the first object not yet readable (all of them, whatever it finds:
    the handler reads its pages before it decides), and the next poll starts after the leading run of
    readable objects.
    """
    t, cursor, polls = listing_seconds, 0.0, 0
    while cursor < objects:
        t += setting.poll_interval
        pages = min(setting.scan_pages, max(1, math.ceil((objects - cursor) / SCAN_PAGE_KEYS)))
        t += rates.steps_per_poll * cloud.step_latency + cloud.fc_overhead + pages * cloud.list_seconds(SCAN_PAGE_KEYS)
        readable = objects * min(1.0, max(0.0, (t - cloud.restore_latency) / listing_seconds))
        cursor += max(0.0, min(pages * SCAN_PAGE_KEYS, readable - cursor))
        polls += 1
    return t - listing_seconds, polls


# --- choosing the defaults -----------------------------------------------------------------------------

CANDIDATES = {
    "maxKeys": (100, 1000),
    "groupSize": (10, 100, 1000),
    "workers": (10, 50, 100),
    "pollInterval": (1, 2, 5, 10),
    "scanPages": (10, 50, 100),
}
QUICK = {"maxKeys": (1000,), "groupSize": (100, 1000), "workers": (100,), "pollInterval": (1, 2, 5, 10), "scanPages": (10, 100)}
# Candidates within 5% of the fastest count as equally fast; of those the one with the fewest CloudFlow step
# entries wins (they are billed, and a longer poll interval also serves classes that take hours).
WITHIN = 0.05


def shipped_setting() -> Setting:
    d = {f.name: f.default for f in flow_inputs.FLOW_INPUTS}
    return Setting(d["maxKeys"], d["groupSize"], d["workers"], d["pollInterval"], d["pagesPerExecution"], inputs.DEFAULT_SCAN_PAGES)


def measure_rates(*, max_keys: int, group_size: int, first: int, key_bytes: int = SEED_KEY_BYTES) -> Rates:
    """Measure at `first` objects, then at one full listing call more."""
    shape = flow_shape()
    # workers do not change what the flows count; 100 makes the measurement quick
    small = measure(objects=first, max_keys=max_keys, group_size=group_size, workers=100, shape=shape, key_bytes=key_bytes)
    if small.listing_calls < 2:
        raise SystemExit(f"{first} objects fit in one listing call: measure with more (--first-size)")
    large = measure(objects=first + small.full_call_keys, max_keys=max_keys, group_size=group_size, workers=100,
                    shape=shape, key_bytes=key_bytes)
    return fit(small, large, listing_waits=shape.listing_waits_for_restores)


def evaluate(candidates: dict[str, tuple[int, ...]], *, objects: int, cloud: Cloud, first: int = 1000,
             key_bytes: int = SEED_KEY_BYTES, listing_overlaps: bool = False, log: Any = print) -> list[Prediction]:
    out = []
    for max_keys, group_size in itertools.product(candidates["maxKeys"], candidates["groupSize"]):
        rates = measure_rates(max_keys=max_keys, group_size=group_size, first=first, key_bytes=key_bytes)
        if listing_overlaps:
            rates = replace(rates, listing_waits=False)
        ppe = pages_per_execution_limit(rates, cloud)
        log(f"measured maxKeys={max_keys} groupSize={group_size}: keys/call {rates.keys_per_call:.0f}, "
            f"steps/call {rates.steps_per_call:.1f} + sub-flow {rates.subflow_steps_per_call:.1f}, "
            f"sub-flows/call {rates.subflows_per_call:.2f}, FC restore invocations/call {rates.invocations_per_call:.1f}, "
            f"events/call {rates.events_per_call:.1f}, requests/object {rates.requests_per_object:.3f}, "
            f"steps/poll {rates.steps_per_poll:.1f}")
        for workers, poll, scan in itertools.product(candidates["workers"], candidates["pollInterval"], candidates["scanPages"]):
            out.append(predict(rates, Setting(max_keys, group_size, workers, poll, ppe, scan), objects=objects, cloud=cloud))
    return out


def best(predictions: list[Prediction]) -> Prediction:
    fastest = min(p.predicted for p in predictions)
    near = [p for p in predictions if p.predicted <= fastest * (1 + WITHIN)]
    return min(near, key=lambda p: (p.step_entries, -p.setting.poll_interval, p.predicted))


def show(p: Prediction) -> None:
    s = p.setting
    print(f"setting: maxKeys={s.max_keys} groupSize={s.group_size} workers={s.workers} pollInterval={s.poll_interval} "
          f"pagesPerExecution={s.pages_per_execution} scanPages={s.scan_pages}")
    for name, seconds in p.limits.items():
        print(f"  listing bound by {name}: {seconds:.1f} s")
    print(f"binding: {p.binding}")
    print(f"listing_seconds: {p.listing_seconds:.1f}  confirm_seconds: {p.confirm_seconds:.1f}  polls: {p.polls}")
    print(f"step_entries: {p.step_entries:.0f}  max_events_per_execution: {p.max_events:.0f}")
    print(f"predicted_seconds: {p.predicted:.1f}")
    print(f"floor_seconds: {p.floor:.1f}")
    print(f"ratio: {p.ratio:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--objects", type=int, default=1_000_000)
    parser.add_argument("--max-requests-per-second", type=float, default=Cloud.requests_per_second)
    parser.add_argument("--restore-latency", type=float, default=Cloud.restore_latency)
    parser.add_argument("--request-latency", type=float, default=Cloud.request_latency)
    parser.add_argument("--fc-overhead", type=float, default=Cloud.fc_overhead)
    parser.add_argument("--step-latency", type=float, default=Cloud.step_latency)
    parser.add_argument("--first-size", type=int, default=1000,
                        help="objects of the first measurement run (more than one listing call holds)")
    parser.add_argument("--key-bytes", type=int, default=SEED_KEY_BYTES,
                        help="length of the measured keys (default: the emulator's seeded keys, as the local runs use)")
    parser.add_argument("--quick", action="store_true", help="fewer candidates (those that can win)")
    parser.add_argument("--listing-overlaps", action="store_true",
                        help="what if: predict as if listing did not wait for each sub-flow's restores")
    args = parser.parse_args()
    cloud = Cloud(requests_per_second=args.max_requests_per_second, restore_latency=args.restore_latency,
                  request_latency=args.request_latency, fc_overhead=args.fc_overhead, step_latency=args.step_latency)
    waits = flow_shape().listing_waits_for_restores and not args.listing_overlaps
    print(f"flows: listing waits for each sub-flow's restores: {waits}; keys of {args.key_bytes} bytes")
    predictions = evaluate(QUICK if args.quick else CANDIDATES, objects=args.objects, cloud=cloud, first=args.first_size,
                           key_bytes=args.key_bytes, listing_overlaps=args.listing_overlaps)
    for p in sorted(predictions, key=lambda p: p.predicted)[:10]:
        s = p.setting
        print(f"candidate maxKeys={s.max_keys} groupSize={s.group_size} workers={s.workers} pollInterval={s.poll_interval} "
              f"scanPages={s.scan_pages}: "
              f"{p.predicted:.1f} s, ratio {p.ratio:.2f}, {p.binding}")
    shipped = shipped_setting()
    rates = measure_rates(max_keys=shipped.max_keys, group_size=shipped.group_size, first=args.first_size,
                          key_bytes=args.key_bytes)
    if args.listing_overlaps:
        rates = replace(rates, listing_waits=False)
    print(f"\nshipped defaults ({args.objects} objects, {cloud.requests_per_second:.0f} requests/s):")
    show(predict(rates, shipped, objects=args.objects, cloud=cloud))
    chosen = best(predictions)
    print(f"\nchosen ({args.objects} objects, {cloud.requests_per_second:.0f} requests/s):")
    show(chosen)


if __name__ == "__main__":
    main()
