"""A run against a bucket that throttles: how close to the request budget does it get, and how often is it refused?

Seeds N Archive objects (default 20,000) in an emulator limited to `--qps-limit` requests per second
(default 500; past it the emulator answers 503 TotalQpsLimitExceeded, as OSS does), restores taking
`--restore-latency` seconds (default 5), and runs `oss-restore run --poll-interval 1` against it, once
with `--max-requests-per-second` equal to the limit and once without a budget. For each it prints:

    seconds                      the command's wall time, start to exit (its final listing included)
    floor_seconds                N / QPS + restore latency + poll interval: no run can be faster
    floor_ratio                  seconds / floor_seconds
    throttled_share              503 answers / every request the emulator received
    restore_requests_per_object  RestoreObject requests sent (throttled ones included) / N
    readable                     objects readable after the run, out of N

First it runs the same command against the same emulator without a QPS limit and prints its `seconds`
and `objects_per_second` (`unthrottled:`): the machine's own pace at that moment, to tell a slow
machine from a slow run (a shared or busy machine stretches every figure).

    python bench/throttled.py [--objects 20000] [--qps-limit 500] [--restore-latency 5] [--max-keys 1000]
                              [--group-size 10] [--workers 10] [--key-shape counting|random] [--key-bytes 60]
                              [--no-unthrottled] [--no-budgeted] [--no-unbudgeted]

The emulator runs in this process and the command in its own, so they do not share an interpreter lock.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

import oss2  # noqa: E402

from ossemu import Emulator, Faults, RestoreLatency  # noqa: E402

AK, SK = "bench-ak", "bench-secret"
BUCKET = "bench-throttled"
POLL = 1


def run_case(
    *,
    objects: int,
    qps: int | None,
    latency: float,
    max_keys: int,
    group_size: int,
    workers: int,
    budget: int | None,
    names: str,
    key_bytes: int,
) -> None:
    """qps None: no limit (the unthrottled reference)."""
    case = "unthrottled" if qps is None else f"budget_{budget}" if budget else "no_budget"
    with (
        Emulator(credentials={AK: SK}, latency=RestoreLatency.uniform(latency)) as emu,
        tempfile.TemporaryDirectory() as tmp,
    ):
        emu.create_bucket(BUCKET)
        emu.seed(BUCKET, counts={"Archive": objects}, prefix="data/", names=names, key_bytes=key_bytes)
        if qps is not None:
            emu.set_faults(Faults(qps_limit=qps))
        env = {**os.environ, "ALIBABA_CLOUD_ACCESS_KEY_ID": AK, "ALIBABA_CLOUD_ACCESS_KEY_SECRET": SK}
        cmd = [
            sys.executable,
            "-m",
            "ossrestore",
            "run",
            "--endpoint",
            emu.endpoint,
            "--bucket",
            BUCKET,
            "--poll-interval",
            str(POLL),
            "--max-keys",
            str(max_keys),
            "--group-size",
            str(group_size),
            "--workers",
            str(workers),
            "--quiet",
            "--report",
            str(Path(tmp) / "report.jsonl"),
        ]
        if budget:
            cmd += ["--max-requests-per-second", str(budget)]
        started = time.perf_counter()
        done = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True)
        seconds = time.perf_counter() - started
        stats = emu.stats.snapshot()
        emu.set_faults(Faults())
        bucket = oss2.Bucket(oss2.Auth(AK, SK), emu.endpoint, BUCKET)
        keys = [o.key for o in oss2.ObjectIterator(bucket, prefix="data/", max_keys=1000)]
        readable = sum(emu.restore_state(BUCKET, k) == "restored" for k in keys)
    if done.returncode != 0:
        print(f"{case}: exit {done.returncode}: {done.stderr[-2000:]}", file=sys.stderr)
    if qps is None:
        print(f"{case}: exit: {done.returncode}")
        print(f"{case}: seconds: {seconds:.1f}")
        print(f"{case}: objects_per_second: {objects / seconds:.0f}", flush=True)
        return
    floor = objects / qps + latency + POLL
    requests = sum(n for name, n in stats.items() if name.startswith("attempt:"))
    print(f"{case}: exit: {done.returncode}")
    print(f"{case}: seconds: {seconds:.1f}")
    print(f"{case}: floor_seconds: {floor:.1f}")
    print(f"{case}: floor_ratio: {seconds / floor:.3f}")
    print(f"{case}: throttled_share: {stats['throttled'] / max(1, requests):.4f}  ({stats['throttled']} of {requests})")
    print(f"{case}: restore_requests_per_object: {stats.get('attempt:RestoreObject', 0) / objects:.4f}")
    print(f"{case}: readable: {readable}/{objects}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=20000)
    parser.add_argument("--qps-limit", type=int, default=500)
    parser.add_argument("--restore-latency", type=float, default=5.0)
    parser.add_argument("--max-keys", type=int, default=1000)
    parser.add_argument("--group-size", type=int, default=10)
    parser.add_argument("--workers", type=int, default=10)
    parser.add_argument(
        "--key-shape",
        choices=("counting", "random"),
        default="counting",
        help="Keys that count up (data/00000000, ...) or random hex names (as hashed or UUID-named objects).",
    )
    parser.add_argument("--key-bytes", type=int, default=60, help="Length of a random key, data/ included.")
    parser.add_argument("--no-unthrottled", action="store_true", help="Skip the reference run without a QPS limit.")
    parser.add_argument("--no-budgeted", action="store_true", help="Skip the run with a budget.")
    parser.add_argument("--no-unbudgeted", action="store_true", help="Skip the run without a budget.")
    args = parser.parse_args()
    common = dict(
        objects=args.objects,
        latency=args.restore_latency,
        max_keys=args.max_keys,
        group_size=args.group_size,
        workers=args.workers,
        names=args.key_shape,
        key_bytes=args.key_bytes,
    )
    if not args.no_unthrottled:
        run_case(qps=None, budget=None, **common)
    if not args.no_budgeted:
        run_case(qps=args.qps_limit, budget=args.qps_limit, **common)
    if not args.no_unbudgeted:
        run_case(qps=args.qps_limit, budget=None, **common)


if __name__ == "__main__":
    main()
