"""Pipelined flow vs one batch at a time (`--wait-per-batch`, the way the awesome-fnf/oss-restore sample worked), on the same data.

Seeds N Archive objects in a fresh emulator for each mode, runs `oss-restore run`'s code path on the
embedded engine, and prints both wall times and `speedup: X` (per-batch time / pipelined time).
Defaults: 5,000 objects, maxKeys 100, restore latency 2 s, pollInterval 1 s.
"""
from __future__ import annotations

import time

import fdl
from _common import DEMO_CREDENTIALS, flow_input, flow_parser, readable, seeded_emulator
from ossrestore.local_run import run_local


def timed_run(*, objects: int, latency: float, wait_per_batch: bool, max_keys: int, poll: int, quotas: bool) -> float:
    with seeded_emulator(counts={"Archive": objects}, latency=latency) as endpoint:
        started = time.perf_counter()
        run = run_local(
            flow_input(endpoint, maxKeys=max_keys, pollInterval=poll, waitPerBatch=wait_per_batch),
            credentials=DEMO_CREDENTIALS, show_progress=False, quotas=fdl.Quotas() if quotas else None,
        )
        elapsed = time.perf_counter() - started
    if run.summary.exit_code != 0 or readable(run) != objects:
        raise SystemExit(f"run did not finish cleanly: {dict(run.summary.by_outcome)} {run.summary.flow_errors}")
    return elapsed


def main() -> None:
    parser = flow_parser(__doc__, objects=5000, restore_latency=2.0)
    parser.add_argument("--poll-interval", type=int, default=1)
    args = parser.parse_args()
    common = dict(objects=args.objects, latency=args.restore_latency, max_keys=args.max_keys, poll=args.poll_interval,
                  quotas=args.cloudflow_quotas)
    pipelined = timed_run(wait_per_batch=False, **common)
    print(f"pipelined_seconds: {pipelined:.1f}", flush=True)
    per_batch = timed_run(wait_per_batch=True, **common)
    print(f"per_batch_seconds: {per_batch:.1f}")
    print(f"speedup: {per_batch / pipelined:.1f}")


if __name__ == "__main__":
    main()
