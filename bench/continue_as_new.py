"""A long run through continue-as-new: every execution stays under CloudFlow's 5,000 events.

Seeds N Archive objects (default 50,000) and restores them with the real flows on the embedded engine. The
main flow hands its state on to a new execution of itself after `roundsPerExecution` rounds, and each round
is a restore sub-flow execution of its own; with the flows' defaults (300 rounds of 30 s) a local run never
gets there, so the run takes rounds of 5 s (the least `roundSeconds`) and 2 rounds per execution: it
continues as new several times. Prints the events of each execution (the main flow's chain and every
round), how many of each there were, the most events in one of each, and `max_events_per_execution: N`;
with `--cloudflow-quotas` also what the quotas cost (`quota_*`).
"""

from __future__ import annotations

import time

import fdl
from _common import DEMO_CREDENTIALS, flow_input, flow_parser, readable, seeded_emulator
from ossrestore.local_flows import MAIN_FLOW
from ossrestore.local_run import run_local


def main() -> None:
    parser = flow_parser(__doc__, objects=50_000, restore_latency=1.0)
    parser.add_argument("--rounds-per-execution", type=int, default=2, help="flow input roundsPerExecution (1-320)")
    parser.add_argument("--round-seconds", type=int, default=5, help="flow input roundSeconds (5-600)")
    # A budget makes the rounds a run takes independent of the machine's pace (0: none, as fast as it goes).
    parser.add_argument(
        "--max-requests-per-second",
        type=int,
        default=0,
        help="flow input maxRequestsPerSecond: the run's request budget (0: none)",
    )
    args = parser.parse_args()
    with seeded_emulator(counts={"Archive": args.objects}, latency=args.restore_latency) as endpoint:
        started = time.perf_counter()
        run = run_local(
            flow_input(
                endpoint,
                maxKeys=args.max_keys,
                pollInterval=1,
                roundsPerExecution=args.rounds_per_execution,
                roundSeconds=args.round_seconds,
                maxRequestsPerSecond=args.max_requests_per_second,
            ),
            credentials=DEMO_CREDENTIALS,
            show_progress=False,
            quotas=fdl.Quotas() if args.cloudflow_quotas else None,
        )
        elapsed = time.perf_counter() - started
    # run_local keeps no event histories, only each execution's count (event_count).
    mains = [r for r in run.executions if r.flow_name == MAIN_FLOW]
    rounds = [r for r in run.executions if r.flow_name != MAIN_FLOW]
    for r in run.executions:
        kind = "main" if r.flow_name == MAIN_FLOW else "round"
        print(f"execution {r.name} ({kind}): {r.event_count} events")
    print(
        f"objects: {args.objects}  readable: {readable(run)}  exit_code: {run.summary.exit_code}  seconds: {elapsed:.1f}"
    )
    print(f"executions: {len(mains)}")  # the main flow's chain: one more for each continue-as-new
    print(f"rounds: {len(rounds)}")
    print(f"max_main_events_per_execution: {max(r.event_count for r in mains)}")
    print(f"max_round_events_per_execution: {max((r.event_count for r in rounds), default=0)}")
    print(f"max_events_per_execution: {max(r.event_count for r in run.executions)}")
    if run.quota_stats is not None:
        stats = run.quota_stats
        print(
            f"quota_step_delays: {stats.step_delays}  quota_step_delay_seconds: {stats.step_delay_seconds:.1f}  "
            f"quota_starts_throttled: {stats.starts_throttled}  quota_fc_throttled: {stats.fc_throttled}  "
            f"quota_fc_peak_instances: {stats.fc_peak_instances}"
        )


if __name__ == "__main__":
    main()
