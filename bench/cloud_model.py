"""A model of a cloud run's wall time, from the flows' own step and event counts and the documented quotas.

It runs the real `flows/*.yaml` on the embedded engine (`fdl`) over the emulator twice for each candidate
setting, the second run one full listing call larger, counts what the flows did (step entries, sub-flow
StartExecutions, FC invocations, events, RestoreObject requests, keys per listing call), takes "per listing
call" figures from the difference and "per execution" figures from what is left, and scales them to
`--objects` (default 1,000,000). Nothing the engine can count is written down here; whether the next
listing waits for a batch's restore sub-flow is read from the main flow (a `sync` sub-flow task waits,
unless a parallel step runs it beside a listing task: then only the part longer than that listing call
counts), and how many of each the flows start is counted, so a change of the flows is picked up by
running it again. It then predicts the cloud's wall time from the quotas and latencies below,
prints every candidate's prediction and the best one's breakdown (`predicted_seconds:`, `floor_seconds:`,
`ratio:`, which resource binds), and the defaults it chooses.

    ./bootstrap bench cloud_model [--objects 1000000] [--max-requests-per-second 2000] [--quick]
        [--key-bytes 40] [--key-shape counting|random]

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
| a sub-flow's steps | its foreach's iterations run at once: one iteration's steps on its path | FDL foreach and parallel steps [5] |
| a parallel step | lasts as long as its longest branch | FDL foreach and parallel steps [5] |
| a batch's restore requests | paced at the budget less the listing's share (`restore_core.rate`): one batch at a time | the flows |
| sub-flow start latency | 0.1 s | assumption: CloudFlow documents none |
| restore requests | spread evenly over the listing phase | the restore flow requests each listed group at once |

[1] CloudFlow "Limits": https://www.alibabacloud.com/help/en/serverless-workflow/latest/limits
[2] OSS "0004-00000302" (QPS limit): https://www.alibabacloud.com/help/en/oss/user-guide/0004-00000302
[3] OSS "restore" (ossutil): https://www.alibabacloud.com/help/doc-detail/120058.htm
[4] FC "Best practice for reducing cold start latencies": https://alibabacloud.com/help/doc-detail/138831.htm
[5] CloudFlow FDL "Overview" (parallel steps run branches in parallel, foreach steps process array data in parallel):
    https://www.alibabacloud.com/help/en/serverless-workflow/latest/flow-definition-language-overview

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
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import yaml

import fdl
from ossemu import Emulator, RestoreLatency
from ossrestore.flow_options import flow_input_from_options
from ossrestore.local_flows import MAIN_FLOW, build_registry
from ossrestore.local_run import execution_name
from ossrestore.paths import flow_file
from restore_core import flow_inputs, inputs, rate
from restore_core.status_task import SCAN_PAGE_KEYS

AK, SK = "model-ak", "model-secret"
BUCKET = "model-bucket"
EVENT_MARGIN = 0.9  # use at most 90% of an execution's 5,000 events
_LIMITS = fdl.Limits()


# --- what the flows do, measured on the engine ---------------------------------------------------

@dataclass(frozen=True)
class FlowShape:
    """The flows' task steps by kind, read from the YAML.

    A sync sub-flow task in the main flow makes the listing wait for the restore sub-flow it starts,
    unless it runs in a parallel step beside a listing task: then the step lasts as long as the longer
    of the two (`overlapped_steps`), and the sub-flow's time counts only where it is longer.
    """

    list_steps: frozenset[str]
    status_steps: frozenset[str]
    restore_steps: frozenset[str]
    waiting_steps: frozenset[str]  # sync sub-flow tasks the next listing waits for
    overlapped_steps: frozenset[str]  # sync sub-flow tasks in a parallel step beside a listing task
    iteration_steps: frozenset[str]  # the restore sub-flow's steps inside its foreach


def flow_shape() -> FlowShape:
    kinds: dict[str, set[str]] = {"list": set(), "status": set(), "restore": set()}
    for name in ("main.yaml", "restore.yaml"):
        for step, _ in _steps(_flow(name)["steps"]):
            arn = str(step.get("resourceArn", ""))
            for kind, placeholder in (("list", "listArchiveFilesArn"), ("status", "restoreStatusArn"), ("restore", "restoreArn")):
                if "{{" + placeholder + "}}" in arn:
                    kinds[kind].add(step["name"])
    waiting: set[str] = set()
    overlapped: set[str] = set()
    for step, parallel in _steps(_flow("main.yaml")["steps"]):
        if str(step.get("resourceArn", "")).startswith("acs:fnf:::flow/") and step.get("pattern") == "sync":
            beside = {s["name"] for branch in parallel.get("branches", []) for s, _ in _steps(branch.get("steps", []))}
            (overlapped if beside & kinds["list"] else waiting).add(step["name"])
    iteration = {s["name"] for step, _ in _steps(_flow("restore.yaml")["steps"]) if step.get("type") == "foreach"
                 for s, _ in _steps(step.get("steps", []))}
    return FlowShape(frozenset(kinds["list"]), frozenset(kinds["status"]), frozenset(kinds["restore"]),
                     frozenset(waiting), frozenset(overlapped), frozenset(iteration))


def _flow(name: str) -> dict[str, Any]:
    return dict(yaml.safe_load(flow_file(name).read_text(encoding="utf-8")))


def _steps(steps: Iterable[dict[str, Any]], parallel: dict[str, Any] | None = None,
           ) -> Iterable[tuple[dict[str, Any], dict[str, Any]]]:
    """Every step, nested ones too, with the innermost parallel step around it ({} if none)."""
    for step in steps:
        yield step, parallel or {}
        yield from _steps(step.get("steps", []), parallel)
        for choice in step.get("choices", []):
            yield from _steps(choice.get("steps", []), parallel)
        for branch in step.get("branches", []):
            yield from _steps(branch.get("steps", []), step)


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
    waited_restores: int  # sub-flows the next listing waited for
    overlapped_restores: int  # sub-flows that ran beside a listing call
    subflows: int
    subflow_steps: int
    subflow_iteration_steps: int
    max_subflow_events: int
    restore_invocations: int
    restore_requests: int
    polls: int
    confirm_steps: int
    confirm_events: int


# Objects of the first measurement run: more than one listing call holds (about 4,000 packed keys).
FIRST_SIZE = 6000
SEED_PREFIX = "data/"
SEED_KEY_BYTES = len(SEED_PREFIX) + 8  # the emulator seeds keys as prefix + 8 digits
KEY_SHAPES = ("counting", "random")


def seed_keys(emu: Emulator, *, objects: int, key_bytes: int, key_shape: str) -> None:
    """Add `objects` Archive objects to BUCKET, their keys `key_bytes` long.

    "counting": the emulator's seeded keys, a longer common prefix for longer keys; front coding
    (`restore_core.keypack`) writes each in 2 or 3 bytes. "random": `SEED_PREFIX`, then random hex digits
    (as hashes or UUIDs), so sorted neighbours share only the prefix and a few leading digits.
    """
    if key_shape == "counting":
        emu.seed(BUCKET, counts={"Archive": objects}, prefix=SEED_PREFIX + "k" * max(0, key_bytes - SEED_KEY_BYTES))
        return
    # A fixed seed: the same keys every run, and the larger measurement run's keys begin with the smaller one's.
    rng, digits = random.Random(0), max(1, key_bytes - len(SEED_PREFIX))
    keys: dict[str, None] = {}
    while len(keys) < objects:
        keys[f"{SEED_PREFIX}{rng.getrandbits(4 * digits):0{digits}x}"] = None
    for key in keys:
        emu.put_object(BUCKET, key, storage_class="Archive")


def measure(*, objects: int, max_keys: int, group_size: int, workers: int, shape: FlowShape,
            key_bytes: int = SEED_KEY_BYTES, key_shape: str = "counting") -> Counts:
    """Run the real flows on the engine over the emulator and count what they did.

    Keys are `key_bytes` long: a listing call's output (and so the keys it hands on) is capped in bytes.
    """
    with Emulator(credentials={AK: SK}, latency=RestoreLatency.uniform(0.3)) as emu:
        emu.create_bucket(BUCKET)
        seed_keys(emu, objects=objects, key_bytes=key_bytes, key_shape=key_shape)
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
        waited_restores=sum(_entered(r, shape.waiting_steps) for r in listing),
        overlapped_restores=sum(_entered(r, shape.overlapped_steps) for r in listing),
        subflows=len(subs),
        subflow_steps=sum(1 for r in subs for e in r.events if e.type == entered),
        subflow_iteration_steps=sum(_entered(r, shape.iteration_steps) for r in subs),
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
    subflow_iteration_steps_per_call: float  # of subflow_steps_per_call, those inside the foreach
    invocations_per_call: float
    requests_per_object: float
    steps_per_poll: float
    events_per_poll: float
    max_subflow_events: int
    # Restore sub-flows the listing waited for (the last batch before a hand-over or the end) and those
    # that ran beside the next listing call (the parallel step), per call and per execution.
    waited_per_call: float
    waited_per_listing_execution: float
    overlapped_per_call: float
    overlapped_per_listing_execution: float


def fit(small: Counts, large: Counts) -> Rates:
    calls = large.listing_calls - small.listing_calls
    if calls <= 0:
        raise SystemExit("the two measurement runs made the same number of listing calls")

    def per_call(a: float, b: float) -> float:
        return (b - a) / calls

    def per_execution(total: float, each_call: float) -> float:
        return (total - each_call * large.listing_calls) / large.listing_executions

    steps_per_call = per_call(small.listing_steps, large.listing_steps)
    events_per_call = per_call(small.listing_events, large.listing_events)
    waited = per_call(small.waited_restores, large.waited_restores)
    overlapped = per_call(small.overlapped_restores, large.overlapped_restores)
    return Rates(
        keys_per_call=per_call(small.objects, large.objects),
        steps_per_call=steps_per_call,
        steps_per_listing_execution=per_execution(large.listing_steps, steps_per_call),
        events_per_call=events_per_call,
        events_per_listing_execution=per_execution(large.listing_events, events_per_call),
        subflows_per_call=per_call(small.subflows, large.subflows),
        subflow_steps_per_call=per_call(small.subflow_steps, large.subflow_steps),
        subflow_iteration_steps_per_call=per_call(small.subflow_iteration_steps, large.subflow_iteration_steps),
        invocations_per_call=per_call(small.restore_invocations, large.restore_invocations),
        requests_per_object=large.restore_requests / large.objects,
        # Confirm executions' init and hand-over counted into each poll: slightly more than a poll costs.
        steps_per_poll=large.confirm_steps / max(large.polls, 1),
        events_per_poll=large.confirm_events / max(large.polls, 1),
        max_subflow_events=max(small.max_subflow_events, large.max_subflow_events),
        waited_per_call=waited,
        waited_per_listing_execution=per_execution(large.waited_restores, waited),
        overlapped_per_call=overlapped,
        overlapped_per_listing_execution=per_execution(large.overlapped_restores, overlapped),
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
    rates: Rates  # what the flows were measured to do

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
    invocations = max(rates.invocations_per_call, 1e-9)
    keys_per_invocation = rates.keys_per_call / invocations
    # A batch's invocations run at once; each is bound by its threads' round trips or by its share of the
    # budget, which the batch's invocations split (all but the listing's share): one batch at a time.
    batch_rate = cloud.requests_per_second - rate.listing_share(int(cloud.requests_per_second))
    restore_seconds = cloud.fc_overhead + max(math.ceil(keys_per_invocation / setting.workers) * cloud.request_latency,
                                              rates.keys_per_call * rates.requests_per_object / batch_rate)

    # One listing call on the main flow's sequential path. A restore sub-flow's path holds its steps
    # outside the foreach and one iteration's (the iterations run at once). The parallel step's restore
    # branch is not on the main path: the step lasts as long as its longer branch, so the sub-flow adds
    # only what it takes beyond the listing call beside it; a waited-for sub-flow adds all of it.
    list_call_seconds = cloud.fc_overhead + pages_per_call * cloud.list_seconds(min(setting.max_keys, rates.keys_per_call))
    call_seconds = (rates.steps_per_call - rates.overlapped_per_call) * cloud.step_latency + list_call_seconds
    per_subflow = 1 / max(rates.subflows_per_call, 1e-9)
    subflow_path_steps = ((rates.subflow_steps_per_call - rates.subflow_iteration_steps_per_call) * per_subflow
                          + rates.subflow_iteration_steps_per_call / invocations)
    subflow_seconds = cloud.subflow_start_latency + subflow_path_steps * cloud.step_latency + restore_seconds
    beyond = max(0.0, subflow_seconds - list_call_seconds)
    call_seconds += rates.waited_per_call * subflow_seconds + rates.overlapped_per_call * beyond
    execution_seconds = (cloud.subflow_start_latency + rates.steps_per_listing_execution * cloud.step_latency
                         + rates.waited_per_listing_execution * subflow_seconds
                         + rates.overlapped_per_listing_execution * beyond)
    step_entries_listing = calls * (rates.steps_per_call + rates.subflow_steps_per_call) + executions * rates.steps_per_listing_execution
    starts = calls * rates.subflows_per_call + executions
    requests_listing = n * rates.requests_per_object + calls * pages_per_call
    q = cloud.quotas
    limits = {
        "listing chain (sequential calls)": calls * call_seconds + executions * execution_seconds,
        "CloudFlow step entries": max(0.0, step_entries_listing - q.step_tokens) / q.step_refill_per_second,
        "StartExecution": max(0.0, starts - q.start_execution_tokens) / q.start_execution_refill_per_second,
        "OSS request budget": requests_listing / cloud.requests_per_second,
    }
    binding = max(limits, key=lambda k: limits[k])
    listing_seconds = limits[binding] + cloud.fc_cold_start

    confirm_seconds, polls = _confirm(rates, setting, objects=n, listing_seconds=listing_seconds, cloud=cloud)
    # One restore request per object (not the measured rate: a flow that sent more would raise its own floor).
    floor = (n + n / SCAN_PAGE_KEYS) / cloud.requests_per_second + cloud.restore_latency
    max_events = max(rates.events_per_listing_execution + rates.events_per_call * setting.pages_per_execution,
                     rates.max_subflow_events)
    return Prediction(
        setting=setting, predicted=listing_seconds + confirm_seconds, floor=floor, listing_seconds=listing_seconds,
        confirm_seconds=confirm_seconds, binding=binding, limits=limits,
        step_entries=step_entries_listing + polls * rates.steps_per_poll, polls=polls, max_events=max_events,
        rates=rates,
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
# Candidates within 2% of the fastest count as equally fast; of those the one with the fewest CloudFlow step
# entries wins (they are billed, and a longer poll interval also serves classes that take hours). 2%, not
# more: each step of pollInterval adds its seconds to every confirm poll, and the choice must stay near the
# fastest one the flows allow.
WITHIN = 0.02


def shipped_setting() -> Setting:
    d = {f.name: f.default for f in flow_inputs.FLOW_INPUTS}
    return Setting(d["maxKeys"], d["groupSize"], d["workers"], d["pollInterval"], d["pagesPerExecution"], inputs.DEFAULT_SCAN_PAGES)


def measure_rates(*, max_keys: int, group_size: int, first: int, key_bytes: int = SEED_KEY_BYTES,
                  key_shape: str = "counting") -> Rates:
    """Measure at `first` objects, then at one full listing call more."""
    shape = flow_shape()
    # workers do not change what the flows count; 100 makes the measurement quick
    small = measure(objects=first, max_keys=max_keys, group_size=group_size, workers=100, shape=shape, key_bytes=key_bytes,
                    key_shape=key_shape)
    if small.listing_calls < 2:
        raise SystemExit(f"{first} objects fit in one listing call: measure with more (--first-size)")
    large = measure(objects=first + small.full_call_keys, max_keys=max_keys, group_size=group_size, workers=100,
                    shape=shape, key_bytes=key_bytes, key_shape=key_shape)
    return fit(small, large)


def evaluate(candidates: dict[str, tuple[int, ...]], *, objects: int, cloud: Cloud, first: int = FIRST_SIZE,
             key_bytes: int = SEED_KEY_BYTES, key_shape: str = "counting", log: Any = print) -> list[Prediction]:
    out = []
    for max_keys, group_size in itertools.product(candidates["maxKeys"], candidates["groupSize"]):
        rates = measure_rates(max_keys=max_keys, group_size=group_size, first=first, key_bytes=key_bytes,
                              key_shape=key_shape)
        ppe = pages_per_execution_limit(rates, cloud)
        log(f"measured maxKeys={max_keys} groupSize={group_size}: keys/call {rates.keys_per_call:.0f}, "
            f"steps/call {rates.steps_per_call:.1f} + sub-flow {rates.subflow_steps_per_call:.1f}, "
            f"sub-flows/call {rates.subflows_per_call:.2f}, FC restore invocations/call {rates.invocations_per_call:.1f}, "
            f"events/call {rates.events_per_call:.1f}, requests/object {rates.requests_per_object:.3f}, "
            f"sub-flows/call beside the next listing {rates.overlapped_per_call:.2f} (waited for {rates.waited_per_call:.2f}), "
            f"steps/poll {rates.steps_per_poll:.1f}")
        for workers, poll, scan in itertools.product(candidates["workers"], candidates["pollInterval"], candidates["scanPages"]):
            out.append(predict(rates, Setting(max_keys, group_size, workers, poll, ppe, scan), objects=objects, cloud=cloud))
    return out


def best(predictions: list[Prediction]) -> Prediction:
    fastest = min(p.predicted for p in predictions)
    near = [p for p in predictions if p.predicted <= fastest * (1 + WITHIN)]
    # Last, more threads: as fast here, and room for a larger budget.
    return min(near, key=lambda p: (p.step_entries, -p.setting.poll_interval, p.predicted, -p.setting.workers))


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
    parser.add_argument("--first-size", type=int, default=FIRST_SIZE,
                        help="objects of the first measurement run (more than one listing call holds)")
    parser.add_argument("--key-bytes", type=int, default=SEED_KEY_BYTES,
                        help="length of the measured keys (default: the emulator's seeded keys, as the local runs use)")
    parser.add_argument("--key-shape", choices=KEY_SHAPES, default="counting",
                        help="counting: keys that count up (a longer shared prefix for longer keys); random: a random "
                             "hex suffix after a short shared prefix, as hashes or UUIDs, which front coding barely shortens")
    parser.add_argument("--quick", action="store_true", help="fewer candidates (those that can win)")
    args = parser.parse_args()
    cloud = Cloud(requests_per_second=args.max_requests_per_second, restore_latency=args.restore_latency,
                  request_latency=args.request_latency, fc_overhead=args.fc_overhead, step_latency=args.step_latency)
    shape = flow_shape()
    print(f"flows: restore sub-flows beside the next listing call: {sorted(shape.overlapped_steps)}; "
          f"waited for: {sorted(shape.waiting_steps)}; {args.key_shape} keys of {args.key_bytes} bytes")
    predictions = evaluate(QUICK if args.quick else CANDIDATES, objects=args.objects, cloud=cloud, first=args.first_size,
                           key_bytes=args.key_bytes, key_shape=args.key_shape)
    for p in sorted(predictions, key=lambda p: p.predicted)[:10]:
        s = p.setting
        print(f"candidate maxKeys={s.max_keys} groupSize={s.group_size} workers={s.workers} pollInterval={s.poll_interval} "
              f"scanPages={s.scan_pages}: "
              f"{p.predicted:.1f} s, ratio {p.ratio:.2f}, {p.binding}")
    shipped = shipped_setting()
    rates = measure_rates(max_keys=shipped.max_keys, group_size=shipped.group_size, first=args.first_size,
                          key_bytes=args.key_bytes, key_shape=args.key_shape)
    print(f"\nshipped defaults ({args.objects} objects, {cloud.requests_per_second:.0f} requests/s):")
    show(predict(rates, shipped, objects=args.objects, cloud=cloud))
    chosen = best(predictions)
    print(f"\nchosen ({args.objects} objects, {cloud.requests_per_second:.0f} requests/s):")
    show(chosen)


if __name__ == "__main__":
    main()
