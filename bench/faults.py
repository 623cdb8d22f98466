"""A run against an OSS that fails some requests with 503 ServiceUnavailable: is it slowed down more than
the failures themselves cost, and is anything asked for twice?

Seeds N Archive objects (default 3,000) in an emulator (restores taking `--restore-latency` seconds,
default 1) and runs `oss-restore run --poll-interval 1` against it twice: without faults, then with
`--fault-rate` (default 0.05) of all requests answered 503 ServiceUnavailable (no QPS limit). For each:

    seconds                      the command's wall time, start to exit (its final listing included)
    exit                         the command's exit code (0: every object readable)
    restore_requests_per_object  RestoreObject requests sent (failed attempts included) / N
    restore_extended             RestoreObject answered 200 (a restore already done, asked again)
    restore_rebilled             restores billed again (a restore asked for after the last one expired)
    readable                     objects readable after the run, out of N

then `ratio`: the faulty run's seconds over the fault-free run's.

    python bench/faults.py [--objects 3000] [--fault-rate 0.05] [--restore-latency 1]

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

from ossemu import Emulator, Faults, RestoreLatency  # noqa: E402

AK, SK = "bench-ak", "bench-secret"
BUCKET = "bench-faults"


def run_case(name: str, *, objects: int, latency: float, fault_rate: float) -> float:
    with (
        Emulator(credentials={AK: SK}, latency=RestoreLatency.uniform(latency)) as emu,
        tempfile.TemporaryDirectory() as tmp,
    ):
        emu.create_bucket(BUCKET)
        emu.seed(BUCKET, counts={"Archive": objects}, prefix="data/")
        if fault_rate:
            emu.set_faults(Faults(rate=fault_rate, kinds=("503",)))
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
            "1",
            "--quiet",
            "--report",
            str(Path(tmp) / "report.jsonl"),
        ]
        started = time.perf_counter()
        done = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True)
        seconds = time.perf_counter() - started
        stats = emu.stats.snapshot()
        emu.set_faults(Faults())
        readable = sum(emu.restore_state(BUCKET, f"data/{i:08d}") == "restored" for i in range(objects))
    if done.returncode != 0:
        print(f"{name}: stderr: {done.stderr[-2000:]}", file=sys.stderr)
    print(f"{name}: exit: {done.returncode}")
    print(f"{name}: seconds: {seconds:.1f}")
    print(f"{name}: restore_requests_per_object: {stats['attempt:RestoreObject'] / objects:.4f}")
    print(f"{name}: restore_extended: {stats['restore:extended']}")
    print(f"{name}: restore_rebilled: {stats['restore:rebilled']}")
    print(f"{name}: faults_503: {stats['fault:503']}")
    print(f"{name}: readable: {readable}/{objects}", flush=True)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=3000)
    parser.add_argument("--fault-rate", type=float, default=0.05)
    parser.add_argument("--restore-latency", type=float, default=1.0)
    args = parser.parse_args()
    clean = run_case("fault_free", objects=args.objects, latency=args.restore_latency, fault_rate=0.0)
    faulty = run_case(
        f"faults_{args.fault_rate:g}", objects=args.objects, latency=args.restore_latency, fault_rate=args.fault_rate
    )
    print(f"ratio: {faulty / clean:.2f}")


if __name__ == "__main__":
    main()
