"""A long run through continue-as-new: every execution stays under CloudFlow's 5,000 events.

Seeds N Archive objects (default 50,000), restores them with maxKeys 100 on the embedded engine, prints
the events of each execution of the chain and ends with `max_events_per_execution: N`.
"""
from __future__ import annotations

import time

import fdl
from _common import DEMO_CREDENTIALS, flow_input, flow_parser, readable, seeded_emulator
from ossrestore.local_run import run_local


def main() -> None:
    parser = flow_parser(__doc__, objects=50_000, restore_latency=1.0)
    # One key per group: a listing call then takes one page, so 50,000 objects need 500 calls, more
    # than one execution may make (pagesPerExecution), and the run must continue as new.
    parser.add_argument("--group-size", type=int, default=1)
    args = parser.parse_args()
    with seeded_emulator(counts={"Archive": args.objects}, latency=args.restore_latency) as endpoint:
        started = time.perf_counter()
        run = run_local(
            flow_input(endpoint, maxKeys=args.max_keys, groupSize=args.group_size, pollInterval=1),
            credentials=DEMO_CREDENTIALS, show_progress=False, quotas=fdl.Quotas() if args.cloudflow_quotas else None,
        )
        elapsed = time.perf_counter() - started
    events = {r.name: r.event_count for r in run.executions}
    for name, count in events.items():
        print(f"execution {name}: {count} events")
    print(f"objects: {args.objects}  readable: {readable(run)}  exit_code: {run.summary.exit_code}  seconds: {elapsed:.1f}")
    print(f"executions: {len(events)}")
    print(f"max_events_per_execution: {max(events.values())}")
    if run.quota_stats is not None:
        stats = run.quota_stats
        print(f"quota_step_delays: {stats.step_delays}  quota_step_delay_seconds: {stats.step_delay_seconds:.1f}  "
              f"quota_starts_throttled: {stats.starts_throttled}  quota_fc_throttled: {stats.fc_throttled}  "
              f"quota_fc_peak_instances: {stats.fc_peak_instances}")


if __name__ == "__main__":
    main()
