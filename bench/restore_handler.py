"""Throughput of the `restore` handler against the local OSS emulator (a script, not a test).

Seeds N Archive objects and plans the run with the listArchiveFiles handler as the main flow's first step
does (it splits the scope into shards, `--shards` of them). Then, round after round, it calls the restore
handler once on every shard still requesting (a request slice: list its range, request, journal, hand its
cursor back after `--round-seconds` or at the range's end) and hands the shards back to the planner, until
every shard's request cursor has reached its end. Only the restore handler's calls are timed. It prints:

    objects_per_second: X            objects requested per second of restore-handler time
    restore_requests_per_object: Y   RestoreObject requests the emulator received, retries of injected
                                     faults included / objects (≤ 1.01 without faults)

The emulator's clock stands still, so no restore finishes and the confirm phase (restoreStatus) is not
measured: a shard whose requests are done is handed back to the planner as it came.

    python bench/restore_handler.py [--objects 10000] [--workers 32] [--fault-rate 0.0] [--shards 1] [--round-seconds 30]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path[:0] = [str(Path(__file__).resolve().parent.parent)]

from ossemu import Emulator, Faults, ManualClock  # noqa: E402  (after the sys.path edit above)
from ossrestore_functions import list_archive_files, restore  # noqa: E402  (likewise)
from restore_core.counts import ALREADY_RESTORED, IN_PROGRESS, REQUESTED  # noqa: E402  (likewise)
from restore_core.flow_inputs import validate_flow_input  # noqa: E402  (likewise)

BUCKET = "bench-bucket"
EXECUTION = "bench-1"
# A slice that keeps failing is retried as the restore sub-flow's task retry does (maxAttempts 10).
ATTEMPTS = 10


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=10_000)
    parser.add_argument(
        "--workers", type=int, default=32, help="flow input workers: restore requests in flight per invocation"
    )
    parser.add_argument("--fault-rate", type=float, default=0.0, help="fraction of requests failing with 500/503/drop")
    # One shard by default: this process calls a round's shards one after another, so one invocation runs at a
    # time, and one shard gives it the whole of the unbudgeted start rate (N shards start at 1/N of it each).
    parser.add_argument("--shards", type=int, default=1, help="flow input maxConcurrentInvocations: shards per round")
    parser.add_argument("--round-seconds", type=int, default=30, help="flow input roundSeconds (5-600)")
    args = parser.parse_args()
    os.environ.update(ALIBABA_CLOUD_ACCESS_KEY_ID="bench-ak", ALIBABA_CLOUD_ACCESS_KEY_SECRET="bench-secret")
    with Emulator(credentials={"bench-ak": "bench-secret"}, clock=ManualClock()) as emu:
        emu.create_bucket(BUCKET)
        emu.seed(BUCKET, counts={"Archive": args.objects})
        flow_input = validate_flow_input(
            {
                "endpoint": emu.endpoint,
                "bucketName": BUCKET,
                "workers": args.workers,
                "days": 1,
                "maxConcurrentInvocations": args.shards,
                "roundSeconds": args.round_seconds,
            }
        )
        planned = plan({"settings": flow_input})  # untimed, and before the faults: the planner's probes
        settings = planned["settings"]
        shards = len(planned["restoring"])
        emu.set_faults(Faults(rate=args.fault_rate, seed=1))
        rounds = slices = restored = 0
        elapsed = 0.0
        while True:
            if planned["handOver"] == "true":
                # The execution's rounds are used up: the next one starts from {settings, state}, as the
                # main flow's continue-as-new hands them on.
                planned = plan({"settings": {"settings": settings, "state": planned["state"]}})
                continue
            if not planned["restoring"]:
                break  # every shard has requested its whole range
            started = time.perf_counter()
            results = [restore_slice(settings, planned["round"], shard) for shard in planned["restoring"]]
            elapsed += time.perf_counter() - started
            rounds += 1
            slices += len(results)
            restored += sum(r["c"].get(name, 0) for r in results for name in (REQUESTED, IN_PROGRESS, ALREADY_RESTORED))
            # Shards being confirmed go back as they came: the confirm scans are not what is measured here.
            untouched = [{"shard": shard, "c": {}} for shard in planned["confirming"]]
            planned = plan(
                {"settings": settings, "state": planned["state"], "restored": results, "confirmed": untouched}
            )
            shards = max(shards, len(planned["restoring"]) + len(planned["confirming"]))
        requests = emu.stats.get("attempt:RestoreObject")  # failed attempts (injected faults) included
    print(f"shards: {shards}")
    print(f"rounds: {rounds}")
    print(f"restore_calls: {slices}")
    print(f"restored_objects: {restored}")
    print(f"seconds: {elapsed:.2f}")
    print(f"objects_per_second: {args.objects / elapsed:.0f}")
    print(f"restore_requests_per_object: {requests / args.objects:.3f}")


def plan(event: dict[str, Any]) -> dict[str, Any]:
    answer: dict[str, Any] = json.loads(
        list_archive_files.handler(json.dumps({**event, "executionName": EXECUTION}).encode(), None)
    )
    return answer


def restore_slice(settings: dict[str, Any], terms: dict[str, Any], shard: dict[str, Any]) -> dict[str, Any]:
    """One shard's request slice, retried as the restore sub-flow's task retry would on a retryable error."""
    event = json.dumps({"settings": settings, "round": terms, "shard": shard}).encode()
    for _ in range(ATTEMPTS):
        try:
            answer: dict[str, Any] = json.loads(restore.handler(event, None))
            return answer
        except Exception as e:  # the handlers' errors say whether a retry may help (OSSUnavailable, ...)
            if not getattr(e, "retryable", False):
                raise
    raise SystemExit(f"a shard's slice kept failing after {ATTEMPTS} handler attempts")


if __name__ == "__main__":
    main()
