"""Pipelined flow vs one batch at a time (`--wait-per-batch`, the way the awesome-fnf/oss-restore sample worked), on the same data.

Seeds N Archive objects in a fresh emulator for each mode, runs `oss-restore run`'s code path (the real
flows on the embedded engine) and prints both wall times, the rounds each took, and `speedup: X`
(per-batch time / pipelined time).

A batch is what a shard requests in one round (`roundSeconds`). Pipelined, a shard requests its whole range
round after round and is confirmed afterwards; with waitPerBatch it waits, after each round's requests, until
they are readable before it requests more. The two differ only when a shard needs several rounds to request
its range, so the runs hold a request budget (`--max-requests-per-second`) and short rounds: at the defaults
(5,000 objects, 200 requests/s, rounds of 5 s) the requests take about five rounds.
Defaults: 5,000 objects, restore latency 2 s, pollInterval 1 s, roundSeconds 5, 200 requests/s; `--max-keys`
is passed on as the flow input maxKeys (the keys of each listing page the shards read).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import fdl
from _common import DEMO_CREDENTIALS, flow_input, flow_parser, readable, seeded_emulator
from ossrestore.local_flows import RESTORE_FLOW
from ossrestore.local_run import run_local


@dataclass(frozen=True)
class Timed:
    seconds: float
    rounds: int  # restore sub-flow executions: one per round


def timed_run(
    *,
    objects: int,
    latency: float,
    wait_per_batch: bool,
    max_keys: int,
    poll: int,
    round_seconds: int,
    budget: int,
    quotas: bool,
) -> Timed:
    with seeded_emulator(counts={"Archive": objects}, latency=latency) as endpoint:
        started = time.perf_counter()
        run = run_local(
            flow_input(
                endpoint,
                maxKeys=max_keys,
                pollInterval=poll,
                waitPerBatch=wait_per_batch,
                roundSeconds=round_seconds,
                maxRequestsPerSecond=budget,
            ),
            credentials=DEMO_CREDENTIALS,
            show_progress=False,
            quotas=fdl.Quotas() if quotas else None,
        )
        elapsed = time.perf_counter() - started
    if run.summary.exit_code != 0 or readable(run) != objects:
        raise SystemExit(f"run did not finish cleanly: {dict(run.summary.by_outcome)} {run.summary.flow_errors}")
    return Timed(elapsed, sum(1 for r in run.executions if r.flow_name == RESTORE_FLOW))


def main() -> None:
    parser = flow_parser(__doc__, objects=5000, restore_latency=2.0)
    parser.add_argument("--poll-interval", type=int, default=1)
    parser.add_argument("--round-seconds", type=int, default=5, help="flow input roundSeconds (5-600)")
    parser.add_argument(
        "--max-requests-per-second",
        type=int,
        default=200,
        help="flow input maxRequestsPerSecond: the run's request budget (0: none)",
    )
    args = parser.parse_args()
    common = dict(
        objects=args.objects,
        latency=args.restore_latency,
        max_keys=args.max_keys,
        poll=args.poll_interval,
        round_seconds=args.round_seconds,
        budget=args.max_requests_per_second,
        quotas=args.cloudflow_quotas,
    )
    pipelined = timed_run(wait_per_batch=False, **common)
    print(f"pipelined_seconds: {pipelined.seconds:.1f}", flush=True)
    print(f"pipelined_rounds: {pipelined.rounds}", flush=True)
    per_batch = timed_run(wait_per_batch=True, **common)
    print(f"per_batch_seconds: {per_batch.seconds:.1f}")
    print(f"per_batch_rounds: {per_batch.rounds}")
    print(f"speedup: {per_batch.seconds / pipelined.seconds:.1f}")


if __name__ == "__main__":
    main()
