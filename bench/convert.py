"""Restore and make permanent in one run: what does converting or copying add to a restore, and is anything
asked twice?

Seeds N archive objects (default 3,000, the three archive classes interleaved) in an emulator (restores taking
`--restore-latency` seconds, default 1) and runs `oss-restore run --poll-interval 1` against it, each case in a
fresh emulator:

    restore      the restore alone: the floor the others are measured against
    convert      --convert-to Standard
    copy         --copy-to oss://<another bucket>/out/, then the same run again (`rerun`)

    big          --convert-to Standard of one generated object of `--big-gib` GiB (default 3): a multipart copy

For each: seconds (the command's wall time), exit (0: every object readable), restore_requests_per_object
(RestoreObject attempts / N), copy_requests_per_object (CopyObject attempts / N), copy_refused (CopyObject
answered 403: a copy tried on an object not readable), done (objects Standard, or copies at the target, out of
N), and `ratio` (seconds over the restore's); for `big`: parts (UploadPartCopy answered 200), copy_requests
(the multipart calls sent), same_crc64 (the copy's CRC-64 equals the source's). With `--fault-rate`, that
share of every request is answered 503.

    python bench/convert.py [--objects 3000] [--restore-latency 1] [--fault-rate 0] [--big-gib 3]

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
BUCKET = "bench-convert"
TARGET = "bench-convert-target"


def command(emu: Emulator, report: Path, *args: str) -> tuple[int, float, str]:
    env = {**os.environ, "ALIBABA_CLOUD_ACCESS_KEY_ID": AK, "ALIBABA_CLOUD_ACCESS_KEY_SECRET": SK}
    cmd = [sys.executable, "-m", "ossrestore", "run", "--endpoint", emu.endpoint, "--bucket", BUCKET]
    cmd += ["--prefix", "data/", "--poll-interval", "1", "--quiet", "--report", str(report), *args]
    started = time.perf_counter()
    done = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True)
    return done.returncode, time.perf_counter() - started, done.stderr


def run_case(name: str, args: tuple[str, ...], *, objects: int, latency: float, fault_rate: float) -> float:
    per_class = {"Archive": objects // 3, "ColdArchive": objects // 3}
    per_class["DeepColdArchive"] = objects - sum(per_class.values())
    with (
        Emulator(credentials={AK: SK}, latency=RestoreLatency.uniform(latency)) as emu,
        tempfile.TemporaryDirectory() as tmp,
    ):
        emu.create_bucket(BUCKET)
        emu.create_bucket(TARGET)
        emu.seed(BUCKET, counts=per_class, prefix="data/")
        if fault_rate:
            emu.set_faults(Faults(rate=fault_rate, kinds=("503",)))
        runs = [("", command(emu, Path(tmp) / "report.jsonl", *args))]
        if name == "copy":
            first = emu.stats.get("attempt:CopyObject")
            runs.append(("rerun_", command(emu, Path(tmp) / "again.jsonl", *args)))
        stats = emu.stats.snapshot()
        emu.set_faults(Faults())
        keys = emu.keys(BUCKET, "data/")
        if name == "convert":
            done = sum(emu.storage_class(BUCKET, k) == "Standard" for k in keys)
        elif name == "copy":
            done = len(emu.keys(TARGET, "out/"))
        else:
            done = sum(emu.restore_state(BUCKET, k) == "restored" for k in keys)
    for label, (code, seconds, stderr) in runs:
        if code != 0:
            print(f"{name}: {label}stderr: {stderr[-2000:]}", file=sys.stderr)
        print(f"{name}: {label}exit: {code}")
        print(f"{name}: {label}seconds: {seconds:.1f}")
    print(f"{name}: restore_requests_per_object: {stats.get('attempt:RestoreObject', 0) / objects:.4f}")
    if name == "copy":
        print(f"{name}: copy_requests_per_object: {first / objects:.4f}")
        print(f"{name}: rerun_copy_requests: {stats.get('attempt:CopyObject', 0) - first}")
    else:
        print(f"{name}: copy_requests_per_object: {stats.get('attempt:CopyObject', 0) / objects:.4f}")
    print(f"{name}: copy_refused: {stats.get('CopyObject:403', 0)}")
    print(f"{name}: done: {done}/{objects}", flush=True)
    return runs[0][1][1]


def big_case(*, gib: float, latency: float, fault_rate: float) -> None:
    size = int(gib * 1024**3)
    with (
        Emulator(credentials={AK: SK}, latency=RestoreLatency.uniform(latency)) as emu,
        tempfile.TemporaryDirectory() as tmp,
    ):
        emu.create_bucket(BUCKET)
        emu.put_generated(BUCKET, "data/big.bin", size, storage_class="ColdArchive", metadata={"team": "ml"})
        crc = emu.object_crc64(BUCKET, "data/big.bin")
        if fault_rate:
            emu.set_faults(Faults(rate=fault_rate, kinds=("503",)))
        code, seconds, stderr = command(emu, Path(tmp) / "report.jsonl", "--convert-to", "Standard")
        stats = emu.stats.snapshot()
        emu.set_faults(Faults())
        same = (
            emu.object_crc64(BUCKET, "data/big.bin") == crc and emu.storage_class(BUCKET, "data/big.bin") == "Standard"
        )
    if code != 0:
        print(f"big: stderr: {stderr[-2000:]}", file=sys.stderr)
    sent = sum(
        stats.get(f"attempt:{op}", 0) for op in ("InitiateMultipartUpload", "UploadPartCopy", "CompleteMultipartUpload")
    )
    print(f"big: exit: {code}")
    print(f"big: bytes: {size}")
    print(f"big: seconds: {seconds:.1f}")
    print(f"big: parts: {stats.get('UploadPartCopy:200', 0)}")
    print(f"big: copy_requests: {sent}")
    print(f"big: same_crc64: {same}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--objects", type=int, default=3000)
    parser.add_argument("--restore-latency", type=float, default=1.0)
    parser.add_argument("--fault-rate", type=float, default=0.0)
    parser.add_argument("--big-gib", type=float, default=3.0)
    args = parser.parse_args()
    common = {"objects": args.objects, "latency": args.restore_latency, "fault_rate": args.fault_rate}
    floor = run_case("restore", (), **common)
    for name, flags in (
        ("convert", ("--convert-to", "Standard")),
        ("copy", ("--copy-to", f"oss://{TARGET}/out/", "--copy-class", "IA")),
    ):
        seconds = run_case(name, flags, **common)
        print(f"{name}: ratio: {seconds / floor:.2f}", flush=True)
    big_case(gib=args.big_gib, latency=args.restore_latency, fault_rate=args.fault_rate)


if __name__ == "__main__":
    main()
