"""A model of a cloud run's wall time: the real flows measured on the engine, scaled under the documented quotas.

It runs the real `flows/*.yaml` on the embedded engine (`fdl`, quotas on) over the emulator, the handlers in
worker processes as `oss-restore run` runs them, at two sizes for each key shape, and fits what the flows did:
OSS requests per object (every kind: listings, restores, confirm scans, the planner's probes), CloudFlow's
metered entries (StepEntered + IterationEntered + BranchEntered) per round and per shard in a round, the
steps on a round's sequential path, events per round and per execution, the largest step's data. It then
predicts a cloud run of 1,000,000 to 100,000,000 objects from those figures and the quotas below, prints
for each size and key shape `predicted_seconds:`, `floor_seconds:`, `ratio:` and which limit binds, and
chooses the defaults of `roundSeconds` and `maxConcurrentInvocations` (the shipped ones are its choice).

    ./bootstrap bench cloud_model [--quick] [--objects N --max-requests-per-second R] [--storage-class C]

How a run goes (the flows): the planner splits the scope into shards; each round hands every shard to one
FC invocation at once for `roundSeconds` (a restore sub-flow execution: a foreach per kind of work); the
planner takes them back, splits the shard with most work left into free slots, and starts the next round.
The request phase is the rounds' working time plus each round's overhead (the planner's call, the sub-flow's
start, the steps on the path, the page in hand when time is up); then the confirm rounds settle what was
requested in the restore latency's last stretch.

| assumption | value | source |
|---|---|---|
| step entries per account (Step, Iteration, Branch entered) | bucket 100, +100/s | [1] (`fdl.Quotas`) |
| StartExecution per account | bucket 100, +100/s | [1] (`fdl.Quotas`) |
| events per execution | 5,000 (the model keeps 10% spare) | [1] (`fdl.Limits`) |
| FC instances per region | 100, one invocation each (`instance_concurrency` 1); the planner holds one | [2] (`fdl.Quotas`) |
| OSS requests per second | `--max-requests-per-second` | [3]: 10,000 per account, 2,000 for sequential names |
| OSS restore rate per account | Cold Archive 500 objects/s, Deep Cold Archive 100 objects/s; Archive none documented | [4] |
| restore latency | Archive 60 s; Cold Archive 5 h (Standard); Deep Cold Archive 48 h (Standard) | [5] |
| RestoreObject latency | 0.05 s; a shard's invocation sends `workers` (100) at once | assumption: OSS documents none |
| ListObjects latency | 0.03 s + 0.1 s per 1,000 keys | assumption: OSS documents none |
| FC invocation overhead | 0.05 s warm, 1 s cold once | assumption: [6] describes cold starts, gives no figure |
| CloudFlow step latency | 0.05 s per step on a sequential path | assumption: CloudFlow documents none |
| sub-flow start latency | 0.1 s | assumption: CloudFlow documents none |

[1] CloudFlow "Limits": https://www.alibabacloud.com/help/en/serverless-workflow/latest/limits
[2] FC 2.0 "Synchronous invocations": https://www.alibabacloud.com/help/en/functioncompute/fc-2-0/user-guide/synchronous-invocations
[3] OSS "0004-00000302" (QPS limit): https://www.alibabacloud.com/help/en/oss/user-guide/0004-00000302
[4] OSS "Restore objects" (help.aliyun.com document 52930): reference restore rates per account and region, raised by ticket
[5] OSS "Storage classes": https://www.alibabacloud.com/help/en/oss/user-guide/overview-53
[6] FC "Best practice for reducing cold start latencies": https://alibabacloud.com/help/doc-detail/138831.htm

The floor is what no design that finds objects by listing and requests each restore once can beat: every
restore request and one 1,000-key listing page per 1,000 objects within the request budget (or the class's
restore rate, when lower), and the last object readable one restore latency after its request:
`floor = N / min(budget / 1.001, restore rate) + latency`.

Not modelled: throttling answers and retries (the run holds its budget exactly), restores slower than the
documented latency, and shards of unequal pace (the planner splits the shard with the most work left into
every free slot each round, which the engine runs show).
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import random
import string
from collections.abc import Iterable
from dataclasses import dataclass, field

import fdl
from ossemu import Emulator, RestoreLatency
from ossrestore.fc_instances import FunctionInstances
from ossrestore.flow_options import flow_input_from_options
from ossrestore.local_flows import MAIN_FLOW, build_registry
from ossrestore.local_run import execution_name
from restore_core import classes, flow_inputs

AK, SK = "model-ak", "model-secret"
BUCKET = "model-bucket"
REPORTS = "model-reports"  # the run's report store, in a bucket of its own: its requests are not the data's
PREFIX = "data/"
PAGE_KEYS = 1000
EVENT_MARGIN = 0.9
METERED = ("StepEntered", "IterationEntered", "BranchEntered")
ROUND_STEP = "round"  # the main flow's step that runs a round's sub-flow
SHAPES = ("counting", "random13", "random60", "deep")
RESTORE_RATES = {cls: classes.RESTORE_OBJECTS_PER_SECOND.get(cls) for cls in classes.ARCHIVE_CLASSES}  # objects/s
RESTORE_LATENCY = {"Archive": 60.0, "ColdArchive": 5 * 3600.0, "DeepColdArchive": 48 * 3600.0}


# --- keys ---------------------------------------------------------------------------------------------


def keys(shape: str, count: int, *, seed: int = 7) -> Iterable[str]:
    """`count` distinct keys under PREFIX: counting up, random letters and digits of 13 or 60 characters (hashes,
    UUIDs), or deep paths of hashed folders; the same keys each time for a seed, a larger count a superset."""
    rng = random.Random(seed)
    alphabet = string.ascii_letters + string.digits
    for i in range(count):
        if shape == "counting":
            yield f"{PREFIX}{i:012d}"
        elif shape in ("random13", "random60"):
            yield PREFIX + "".join(rng.choice(alphabet) for _ in range(int(shape[6:])))
        elif shape == "deep":
            folders = "/".join(f"{rng.getrandbits(16):04x}" for _ in range(6))
            yield f"{PREFIX}{folders}/part-{i:08d}.parquet"
        else:
            raise ValueError(f"key shape {shape!r}: one of {', '.join(SHAPES)}")


# --- what the flows do, measured on the engine ---------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """One engine run's counts."""

    objects: int
    requests: int  # every request to the data bucket
    restores: int
    rounds: int  # restore sub-flow executions
    shard_rounds: int  # shards handed out, summed over the rounds (each one invocation)
    main_executions: int
    main_entries: int
    main_steps: int  # StepEntered in the main flow: its sequential path
    main_events: int
    max_main_events: int
    max_round_main_events: int  # the most main-flow events from one round's start to the next
    # per round: (shards, metered entries, steps entered, events)
    round_counts: tuple[tuple[int, int, int, int], ...]
    entries: int  # every metered entry, as the engine's quota counted them
    largest_step_bytes: int
    step_delays: int
    fc_throttled: int


def _step_bytes(events: Iterable[fdl.Event]) -> int:
    """The largest input + output of one step (each step's largest input and largest output: an upper bound)."""
    sizes: dict[str, list[int]] = {}
    for e in events:
        part = {"StepEntered": ("input", 0), "StepExited": ("output", 1)}.get(e.type)
        if part is not None:
            size = len(json.dumps(e.detail.get(part[0]), ensure_ascii=False).encode())
            pair = sizes.setdefault(e.step_name, [0, 0])
            pair[part[1]] = max(pair[part[1]], size)
    return max((a + b for a, b in sizes.values()), default=0)


def measure(
    *, shape: str, objects: int, budget: int, round_seconds: int | None = None, latency: float = 2.0, processes: int = 8
) -> Run:
    """Run the real flows on the engine (quotas on) over `objects` Archive objects of `shape`."""
    with Emulator(credentials={AK: SK}, latency=RestoreLatency.uniform(latency)) as emu:
        emu.create_bucket(BUCKET)
        emu.create_bucket(REPORTS)
        for key in keys(shape, objects):
            emu.put_object(BUCKET, key, b"", storage_class="Archive")
        flow_input = flow_input_from_options(
            flow_endpoint=emu.endpoint,
            flow_bucketName=BUCKET,
            flow_prefix=PREFIX,
            flow_maxRequestsPerSecond=budget,
            flow_roundSeconds=round_seconds,
            flow_reportUrl=f"oss://{REPORTS}/run-{objects}/",
        )
        instances = FunctionInstances(processes=processes)
        try:
            engine = fdl.Engine(
                build_registry(instances=instances), credentials=fdl.Credentials(AK, SK, ""), quotas=fdl.Quotas()
            )
            engine.start_execution(MAIN_FLOW, flow_input, name=execution_name(BUCKET))
            executions = engine.wait_all()
        finally:
            instances.close()
        requests = sum(emu.stats.get_in(BUCKET, op) for op in _OPERATIONS)
        restores = emu.stats.get_in(BUCKET, "RestoreObject")
    failed = [f"{r.name}: {r.error}: {r.cause}" for r in executions if r.status != "Succeeded"]
    if failed:
        raise SystemExit(f"measurement run failed: {failed}")
    mains = [r for r in executions if r.flow_name == MAIN_FLOW]
    subs = [r for r in executions if r.flow_name != MAIN_FLOW]

    def count(r: fdl.ExecutionResult, *types: str) -> int:
        return sum(1 for e in r.events if e.type in types)

    def between_rounds(r: fdl.ExecutionResult) -> list[int]:
        starts = [i for i, e in enumerate(r.events) if e.type == "StepEntered" and e.step_name == ROUND_STEP]
        return [b - a for a, b in itertools.pairwise(starts)]

    return Run(
        objects=objects,
        requests=requests,
        restores=restores,
        rounds=len(subs),
        shard_rounds=sum(count(r, "IterationEntered") for r in subs),
        main_executions=len(mains),
        main_entries=sum(count(r, *METERED) for r in mains),
        main_steps=sum(count(r, "StepEntered") for r in mains),
        main_events=sum(len(r.events) for r in mains),
        max_main_events=max(len(r.events) for r in mains),
        max_round_main_events=max((n for r in mains for n in between_rounds(r)), default=0),
        round_counts=tuple(
            (count(r, "IterationEntered"), count(r, *METERED), count(r, "StepEntered"), len(r.events)) for r in subs
        ),
        entries=engine.quota_stats.metered_entries,
        largest_step_bytes=max(_step_bytes(r.events) for r in executions),
        step_delays=engine.quota_stats.step_delays,
        fc_throttled=engine.quota_stats.fc_throttled,
    )


_OPERATIONS = (
    "ListObjects",
    "ListObjectsV2",
    "ListObjectVersions",
    "HeadObject",
    "GetObjectMeta",
    "GetObject",
    "RestoreObject",
    "GetBucketArchiveDirectRead",
)


def _line(points: list[tuple[float, float]]) -> tuple[float, float]:
    """Least squares a + b x."""
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    var = sum((x - mx) ** 2 for x, _ in points)
    b = sum((x - mx) * (y - my) for x, y in points) / var if var else 0.0
    return my - b * mx, b


@dataclass(frozen=True)
class Rates:
    """Two runs' counts, fitted: per object, per round, per shard in a round, per execution."""

    shape: str
    restores_per_object: float
    # Listings (and the like) beyond a request slice's and a confirm scan's page per 1,000 objects: per shard
    # handed out in a round (the page a slice or a scan starts and ends in, a scan repeated while a restore
    # runs), and once per run (the planner's probes).
    requests_per_shard_round: float
    requests_fixed: float
    main_entries_per_round: float
    main_steps_per_round: float
    main_events_per_round: float
    main_entries_per_execution: float
    main_events_per_execution: float
    max_main_events_per_round: int  # the most one round added (a wait before it, a retry)
    round_entries: tuple[float, float]  # a + b * shards
    round_steps: tuple[float, float]  # steps entered in a round: a + b * shards
    round_events: tuple[float, float]
    entries_per_1000_objects: float  # the difference of the two runs' metered entries, per 1,000 objects more
    largest_step_bytes: int
    runs: tuple[Run, Run]


class SameRounds(ValueError):
    """The two runs cannot tell a round's cost from a run's: a run's rounds depend on the machine's pace."""


def fit(small: Run, large: Run, *, shape: str) -> Rates:
    dn = large.objects - small.objects
    # Listings beyond two pages per 1,000 objects = fixed + per shard-round, from the two runs.
    extra = [(r.shard_rounds, r.requests - r.restores - 2 * r.objects / PAGE_KEYS) for r in (small, large)]
    if extra[1][0] > extra[0][0]:
        per_shard_round = max(0.0, (extra[1][1] - extra[0][1]) / (extra[1][0] - extra[0][0]))
        once = max(0.0, extra[0][1] - per_shard_round * extra[0][0])
    else:  # as many shard-rounds in both: nothing to tell them apart, so all of it per shard-round (the dearer)
        per_shard_round, once = max(0.0, max(e / max(1, k) for k, e in extra)), 0.0
    rounds = [
        (small.rounds, small.main_entries, small.main_steps, small.main_events, small.main_executions),
        (large.rounds, large.main_entries, large.main_steps, large.main_events, large.main_executions),
    ]
    if large.rounds == small.rounds:
        raise SameRounds("both measurement runs took as many rounds: measure with more objects or a lower budget")
    per_round = [(b - a) / (large.rounds - small.rounds) for a, b in zip(rounds[0][1:4], rounds[1][1:4])]
    fixed = [(rounds[1][i + 1] - per_round[i] * large.rounds) / large.main_executions for i in range(3)]
    counts = small.round_counts + large.round_counts
    return Rates(
        shape=shape,
        restores_per_object=large.restores / large.objects,
        requests_per_shard_round=per_shard_round,
        requests_fixed=once,
        main_entries_per_round=per_round[0],
        main_steps_per_round=per_round[1],
        main_events_per_round=per_round[2],
        main_entries_per_execution=max(0.0, fixed[0]),
        main_events_per_execution=max(0.0, fixed[2]),
        max_main_events_per_round=max(small.max_round_main_events, large.max_round_main_events),
        round_entries=_line([(k, e) for k, e, _, _ in counts]),
        round_steps=_line([(k, s) for k, _, s, _ in counts]),
        round_events=_line([(k, v) for k, _, _, v in counts]),
        entries_per_1000_objects=(large.entries - small.entries) / dn * 1000,
        largest_step_bytes=max(small.largest_step_bytes, large.largest_step_bytes),
        runs=(small, large),
    )


def measure_rates(shape: str, *, small: int, large: int, budget: int, round_seconds: int | None = None) -> Rates:
    """Two runs' rates; when they took as many rounds (a fast moment of the machine), the large run again
    with twice the objects, at most twice, rather than giving up."""
    first = measure(shape=shape, objects=small, budget=budget, round_seconds=round_seconds)
    second = measure(shape=shape, objects=large, budget=budget, round_seconds=round_seconds)
    for _ in range(2):
        try:
            return fit(first, second, shape=shape)
        except SameRounds:
            large *= 2
            print(f"note: {shape}: both runs took {second.rounds} rounds; measuring {large:,} objects instead")
            second = measure(shape=shape, objects=large, budget=budget, round_seconds=round_seconds)
    try:
        return fit(first, second, shape=shape)
    except SameRounds as e:
        raise SystemExit(str(e)) from None


# --- the cloud ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cloud:
    requests_per_second: float = 2000.0
    request_latency: float = 0.05
    list_latency: float = 0.03
    list_latency_per_1000_keys: float = 0.1
    fc_overhead: float = 0.05
    fc_cold_start: float = 1.0
    step_latency: float = 0.05
    subflow_start_latency: float = 0.1
    workers: int = 100
    quotas: fdl.Quotas = field(default_factory=fdl.Quotas)
    events_per_execution: int = fdl.Limits().events_per_execution

    def list_seconds(self, keys: float) -> float:
        return self.list_latency + self.list_latency_per_1000_keys * keys / 1000

    @property
    def page_seconds(self) -> float:
        """One page of a request slice: list 1,000 keys, then request them `workers` at a time."""
        return self.list_seconds(PAGE_KEYS) + math.ceil(PAGE_KEYS / self.workers) * self.request_latency


@dataclass(frozen=True)
class Setting:
    round_seconds: int
    invocations: int  # maxConcurrentInvocations
    poll_interval: int
    rounds_per_execution: int


@dataclass(frozen=True)
class Prediction:
    objects: int
    storage_class: str
    setting: Setting
    predicted: float
    floor: float
    bounds: dict[str, float]  # seconds each resource alone would take for the request phase
    binding: str
    rounds: int
    step_entries: float
    instance_seconds: float  # FC instances busy, summed: what the invocations are billed for
    max_main_events: float
    max_round_events: float
    shards: int

    @property
    def ratio(self) -> float:
        return self.predicted / self.floor


def predict(r: Rates, s: Setting, *, objects: int, cloud: Cloud, storage_class: str = "Archive") -> Prediction:
    n = objects
    q = cloud.quotas
    shards = max(1, min(s.invocations, q.fc_instances_per_region - 1))  # the planner's call holds one instance
    latency = RESTORE_LATENCY[storage_class]
    restore_rate = RESTORE_RATES[storage_class]
    scan_every = max(
        s.poll_interval, latency / 50
    )  # a confirm scan waiting on a restore repeats this often (confirm_task)
    tail_rounds = math.ceil(latency / scan_every) + 1
    # Requests per object: its restore, a request slice's and a confirm scan's share of a page, and the
    # listings paid per shard handed out in a round (rounds depend on the pace: two passes settle it).
    rpo = r.restores_per_object + 2 / PAGE_KEYS
    for _ in range(2):
        paces = {  # what each resource alone allows, in objects per second of the rounds' working time
            "OSS request budget": cloud.requests_per_second / rpo,
            "FC invocations (shards x one invocation's pace)": shards * PAGE_KEYS / cloud.page_seconds,
        }
        if restore_rate is not None:
            paces["OSS restore rate"] = restore_rate
        pace = min(paces.values())
        working = n / pace
        request_rounds = math.ceil(working / s.round_seconds)
        rounds = request_rounds + tail_rounds
        rpo = (
            r.restores_per_object
            + 2 / PAGE_KEYS
            + (rounds * shards * r.requests_per_shard_round + r.requests_fixed) / n
        )
    # A round: its working time, then what stands between it and the next one: the planner's call, the
    # sub-flow's start, the steps on the path (one iteration's), the page in hand when the time is up.
    path_steps = r.main_steps_per_round + r.round_steps[0] + r.round_steps[1]
    overhead = (
        2 * cloud.fc_overhead + cloud.subflow_start_latency + path_steps * cloud.step_latency + cloud.page_seconds
    )
    entries_per_round = r.main_entries_per_round + r.round_entries[0] + r.round_entries[1] * shards
    stretch = max(0.0, entries_per_round / q.step_refill_per_second - (s.round_seconds + overhead))
    # The last request round ends with the slowest shard: the others' slots idle half a round on average.
    request_phase = working + request_rounds * (overhead + stretch) + s.round_seconds / 2
    # After the last request: its restore's latency, a confirm round that finds it readable, and the scan of
    # what became readable meanwhile.
    settle_pages = math.ceil(min(n, latency * pace) / shards / PAGE_KEYS)
    tail = latency + scan_every + overhead + settle_pages * cloud.list_seconds(PAGE_KEYS)
    executions = math.ceil(rounds / s.rounds_per_execution)
    entries = rounds * entries_per_round + executions * r.main_entries_per_execution
    plan = cloud.fc_cold_start + r.requests_fixed * cloud.list_seconds(1)  # the planner's probes, one after another
    predicted = plan + request_phase + tail + cloud.fc_overhead + 2 * cloud.step_latency  # summarize
    floor_pace = cloud.requests_per_second / (1 + 1 / PAGE_KEYS)
    if restore_rate is not None:
        floor_pace = min(floor_pace, restore_rate)
    bounds = {name: n / p for name, p in paces.items()}
    bounds["CloudFlow step entries"] = entries / q.step_refill_per_second
    bounds["StartExecution"] = (rounds + executions) / q.start_execution_refill_per_second
    bounds["round overhead"] = request_rounds * (overhead + stretch) + s.round_seconds / 2
    return Prediction(
        objects=n,
        storage_class=storage_class,
        setting=s,
        predicted=predicted,
        floor=n / floor_pace + latency,
        bounds=bounds,
        binding=max(bounds, key=lambda k: bounds[k]),
        rounds=rounds,
        step_entries=entries,
        instance_seconds=shards * request_phase
        + tail_rounds * shards * (cloud.fc_overhead + settle_pages * cloud.page_seconds),
        max_main_events=r.main_events_per_execution + r.main_events_per_round * s.rounds_per_execution,
        max_round_events=r.round_events[0] + r.round_events[1] * shards,
        shards=shards,
    )


# --- the defaults it chooses -------------------------------------------------------------------------------

# Sizes and budgets the choice must serve: the smallest run it is made for and the largest, and one request
# latency four times the assumed (a shard's invocation is then four times slower: enough of them must be there).
SCENARIOS = ((1_000_000, 2000.0, 0.05), (100_000_000, 10_000.0, 0.05), (100_000_000, 10_000.0, 0.2))
# Rounds of at most 30 s: the run's progress (`status`, the command's view) and report lines come a round
# apart, and half a minute is as stale as they may be; longer rounds would only save a little overhead.
CANDIDATES = {
    "roundSeconds": (10, 15, 20, 30),
    "maxConcurrentInvocations": (10, 20, 30, 50, 90),
    "pollInterval": (1, 2, 5, 10),
}
# A candidate whose ratio in every scenario is within 1% of the best there counts as fast; of those, the ones
# within 1% of the least FC instance time (what the invocations are billed for); then the shortest round
# (progress and report lines come a round apart), the fewest invocations, the longest poll (fewer scans).
WITHIN = 0.01


def rounds_per_execution(r: Rates, cloud: Cloud) -> int:
    """The rounds an execution holds within 90% of its events, each round as many as the most one made, rounded
    down to the hundred (a round whose steps retry adds more), within the input's range."""
    room = cloud.events_per_execution * EVENT_MARGIN - r.main_events_per_execution
    declared = flow_inputs.BY_NAME["roundsPerExecution"]
    assert declared.lo is not None and declared.hi is not None
    fits = int(room // max(r.main_events_per_round, r.max_main_events_per_round, 1))
    return max(declared.lo, min(declared.hi, fits // 100 * 100 or fits))


def choose(r: Rates) -> tuple[Setting, dict[Setting, list[float]]]:
    """The fast candidates (each scenario's ratio within WITHIN of the best there), then the cheapest, then
    the shortest rounds, the fewest invocations and the longest poll."""
    ratios: dict[Setting, list[float]] = {}
    cost: dict[Setting, float] = {}
    for seconds, invocations, poll in itertools.product(*CANDIDATES.values()):
        s = Setting(seconds, invocations, poll, rounds_per_execution(r, Cloud()))
        runs = [
            predict(r, s, objects=n, cloud=Cloud(requests_per_second=rps, request_latency=lat))
            for n, rps, lat in SCENARIOS
        ]
        ratios[s] = [p.ratio for p in runs]
        cost[s] = sum(p.instance_seconds for p in runs)
    best = [min(v[i] for v in ratios.values()) for i in range(len(SCENARIOS))]
    fast = [s for s, v in ratios.items() if all(x <= b * (1 + WITHIN) for x, b in zip(v, best))]
    cheap = [s for s in fast if cost[s] <= min(cost[c] for c in fast) * (1 + WITHIN)]
    return min(cheap, key=lambda s: (s.round_seconds, s.invocations, -s.poll_interval)), ratios


def shipped() -> Setting:
    d = {f.name: f.default for f in flow_inputs.FLOW_INPUTS}
    return Setting(
        int(d["roundSeconds"]), int(d["maxConcurrentInvocations"]), int(d["pollInterval"]), int(d["roundsPerExecution"])
    )


# --- printing ----------------------------------------------------------------------------------------------


def show_rates(r: Rates) -> None:
    small, large = r.runs
    print(
        f"measured {r.shape}: {small.objects} and {large.objects} objects, {small.rounds} and {large.rounds} rounds; "
        f"requests/object {large.requests / large.objects:.4f} (restores {r.restores_per_object:.4f}, "
        f"+{r.requests_per_shard_round:.2f} per shard-round, +{r.requests_fixed:.0f} once); "
        f"metered entries per 1,000 more objects {r.entries_per_1000_objects:.2f}; "
        f"per round: main {r.main_entries_per_round:.1f} + sub-flow {r.round_entries[0]:.1f} + "
        f"{r.round_entries[1]:.2f} per shard; events per round {r.main_events_per_round:.1f} "
        f"(at most {r.max_main_events_per_round}) "
        f"(+{r.main_events_per_execution:.0f} per execution); largest step {r.largest_step_bytes} bytes; "
        f"step-quota delays {large.step_delays}, FC throttled {large.fc_throttled}"
    )


def describe(s: Setting) -> str:
    return (
        f"roundSeconds={s.round_seconds} maxConcurrentInvocations={s.invocations} pollInterval={s.poll_interval} "
        f"roundsPerExecution={s.rounds_per_execution}"
    )


def show(p: Prediction, *, label: str) -> None:
    s = p.setting
    print(f"{label}: {p.objects:,} {p.storage_class} objects, {describe(s)} ({p.shards} shards)")
    for name, seconds in p.bounds.items():
        print(f"  {name}: {seconds:,.1f} s")
    print(
        f"  binding: {p.binding}; rounds {p.rounds:,}; step entries {p.step_entries:,.0f}; "
        f"FC instance-seconds {p.instance_seconds:,.0f}; "
        f"events per execution {p.max_main_events:,.0f} (main), {p.max_round_events:,.0f} (round)"
    )
    print(f"  predicted_seconds: {p.predicted:,.1f}  floor_seconds: {p.floor:,.1f}  ratio: {p.ratio:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--objects", type=int, help="one size (default: 1M at 2,000/s, 10M and 100M at 10,000/s)")
    parser.add_argument("--max-requests-per-second", type=float, default=10_000.0)
    parser.add_argument("--storage-class", choices=sorted(RESTORE_RATES), default="Archive")
    parser.add_argument("--shapes", default=",".join(SHAPES), help=f"key shapes to measure ({', '.join(SHAPES)})")
    parser.add_argument("--quick", action="store_true", help="smaller measurement runs, counting and random60 only")
    parser.add_argument("--budget", type=int, default=1000, help="the measurement runs' request budget per second")
    parser.add_argument("--round-seconds", type=int, help="the measurement runs' roundSeconds (default: the flows')")
    args = parser.parse_args()
    shapes = ("counting", "random60") if args.quick else tuple(args.shapes.split(","))
    small, large = (3000, 23000) if args.quick else (5000, 45000)
    sizes = (
        [(args.objects, args.max_requests_per_second)]
        if args.objects
        else [(1_000_000, 2000.0), (10_000_000, 10_000.0), (100_000_000, 10_000.0)]
    )
    chosen: Setting | None = None
    for shape in shapes:
        rates = measure_rates(shape, small=small, large=large, budget=args.budget, round_seconds=args.round_seconds)
        show_rates(rates)
        if chosen is None:
            chosen, ratios = choose(rates)
            shown = ", ".join(f"{x:.3f}" for x in ratios[chosen])
            print(f"chosen defaults: {describe(chosen)} (ratios {shown}); shipped: {describe(shipped())}")
        for n, rps in sizes:
            show(
                predict(
                    rates, shipped(), objects=n, cloud=Cloud(requests_per_second=rps), storage_class=args.storage_class
                ),
                label=f"{shape} at {rps:,.0f} requests/s",
            )


if __name__ == "__main__":
    main()
