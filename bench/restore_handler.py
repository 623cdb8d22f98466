"""Throughput of the `restore` handler against the local OSS emulator (a script, not a test).

Seeds N Archive objects, lists them with the listArchiveFiles handler as the main flow would, then
restores every group with the restore handler, and prints:

    objects_per_second: X            objects restored per second of restore-handler time
    restore_requests_per_object: Y   RestoreObject requests the emulator received, retries of injected
                                     faults included / objects (≤ 1.01 without faults)

    python bench/restore_handler.py [--objects 10000] [--workers 32] [--fault-rate 0.0]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent.parent)]

from ossemu import Emulator, Faults, ManualClock  # noqa: E402  (after the sys.path edit above)
from ossrestore_functions import list_archive_files, restore  # noqa: E402  (likewise)

BUCKET = "bench-bucket"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=32)
    parser.add_argument("--fault-rate", type=float, default=0.0, help="fraction of requests failing with 500/503/drop")
    args = parser.parse_args()
    os.environ.update(ALIBABA_CLOUD_ACCESS_KEY_ID="bench-ak", ALIBABA_CLOUD_ACCESS_KEY_SECRET="bench-secret")
    with Emulator(credentials={"bench-ak": "bench-secret"}, clock=ManualClock()) as emu:
        emu.create_bucket(BUCKET)
        emu.seed(BUCKET, counts={"Archive": args.objects})
        base: dict[str, object] = {"endpoint": emu.endpoint, "bucketName": BUCKET}
        groups = list_groups(base)
        emu.set_faults(Faults(rate=args.fault_rate, seed=1))
        started = time.perf_counter()
        restored = sum(restore_group(base, group, args.workers) for group in groups)
        elapsed = time.perf_counter() - started
        requests = emu.stats.get("attempt:RestoreObject")  # failed attempts (injected faults) included
    print(f"groups: {len(groups)}")
    print(f"restored_objects: {restored}")
    print(f"seconds: {elapsed:.2f}")
    print(f"objects_per_second: {args.objects / elapsed:.0f}")
    print(f"restore_requests_per_object: {requests / args.objects:.3f}")


def list_groups(base: dict[str, object]) -> list[dict[str, str]]:
    groups, marker = [], ""
    while True:
        event = {**base, "marker": marker, "maxKeys": 1000, "groupSize": 1000}
        out = json.loads(list_archive_files.handler(json.dumps(event).encode(), None))
        groups += out["filesGroup"]
        if out["end"] == "true":
            return groups
        marker = out["marker"]


def restore_group(base: dict[str, object], group: dict[str, str], workers: int) -> int:
    event = {**base, "files": group, "workers": workers, "days": 1}
    for _ in range(10):  # as the restore flow's retry on RestoreIncomplete would
        try:
            out = json.loads(restore.handler(json.dumps(event).encode(), None))
            return int(out["requested"] + out["inProgress"] + out["alreadyRestored"])
        except Exception as e:  # only RestoreIncomplete is expected here
            if type(e).__name__ != "RestoreIncomplete":
                raise
    raise SystemExit("a group kept failing after 10 handler attempts")


if __name__ == "__main__":
    main()
