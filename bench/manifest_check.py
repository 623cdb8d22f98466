"""How long the whole-manifest check takes before a run's first request, and how much memory it needs.

Writes a CSV manifest of `bucket,key` lines (URL-encoded keys of about 40 bytes, as an inventory's are) of
160,000 lines and one of 100 MB (about 2.1 million lines), then checks each in a process of its own,
exactly as `oss-restore run --manifest FILE` does before anything is requested (`manifest_source.validate`:
every line parsed, every key decoded and checked). For each it prints:

    lines_N / megabytes_N   the manifest's size
    seconds_N               the check, start to end
    rss_mb_N                the checking process's peak resident set (its interpreter and imports included)

then `rss_ratio`, the largest manifest's peak over the smallest's: flat memory keeps it near 1. Last, with
an emulator holding the 160,000 Archive objects the first manifest names, it starts `oss-restore run
--manifest` on it and prints `seconds_to_first_restore_N`: from the command's start to the first
RestoreObject the emulator receives (the check, the first listing call's own check and HEADs included),
then stops the run.

    python bench/manifest_check.py [--lines 160000] [--megabytes 100] [--no-run]
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

from ossemu import Emulator  # noqa: E402

BUCKET = "bench-manifest"
AK, SK = "bench-ak", "bench-secret"

_CHECK = """
import sys, time
import oss2
from restore_core import manifest_source
bucket = oss2.Bucket(oss2.Auth("unused", "unused"), "http://127.0.0.1:9", sys.argv[2])  # a local file: no request
started = time.perf_counter()
count = manifest_source.validate(manifest_source.Manifest(bucket, sys.argv[1], chunk_bytes=manifest_source.SCAN_CHUNK_BYTES))
print(count, time.perf_counter() - started)
"""


def write_manifest(path: Path, *, lines: int | None = None, size: int | None = None, seeded: bool = False) -> int:
    """A CSV of `lines` lines, or of at least `size` bytes; returns its line count. `seeded`: the keys the
    emulator's seeding gives (`data/00000000`, ...) instead."""
    written = count = 0
    with path.open("w", encoding="utf-8") as out:
        while (lines is None or count < lines) and (size is None or written < size):
            key = f"data/{count:08d}" if seeded else f"logs/2024/{count:012d}-%E6%97%A5%E5%BF%97.gz"
            line = f"{BUCKET},{key}\n"
            out.write(line)
            written += len(line)
            count += 1
    return count


def first_restore(path: Path, lines: int) -> None:
    """Seconds from `oss-restore run --manifest` starting to the first RestoreObject reaching OSS."""
    with Emulator(credentials={AK: SK}) as emu:
        emu.create_bucket(BUCKET)
        emu.seed(BUCKET, counts={"Archive": lines}, prefix="data/")
        env = {**os.environ, "ALIBABA_CLOUD_ACCESS_KEY_ID": AK, "ALIBABA_CLOUD_ACCESS_KEY_SECRET": SK}
        started = time.perf_counter()
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "ossrestore",
                "run",
                "--endpoint",
                emu.endpoint,
                "--bucket",
                BUCKET,
                "--manifest",
                str(path),
                "--quiet",
            ],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        while emu.stats.get("RestoreObject") == 0 and proc.poll() is None:
            time.sleep(0.01)
        seconds = time.perf_counter() - started
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
        if emu.stats.get("RestoreObject") == 0:
            raise SystemExit(f"the run ended before its first restore: {err[-2000:]}")
    print(f"seconds_to_first_restore_{lines}: {seconds:.1f}", flush=True)


def check(path: Path, name: str) -> float:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "functions"), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen(
        [sys.executable, "-c", _CHECK, str(path), BUCKET], stdout=subprocess.PIPE, text=True, env=env
    )
    assert proc.stdout is not None
    output = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise SystemExit(f"the check of {name} failed (status {status})")
    entries, seconds = output.split()
    rss_mb = usage.ru_maxrss / 1024  # KiB on Linux
    print(f"lines_{name}: {int(entries)}")
    print(f"megabytes_{name}: {path.stat().st_size / 1e6:.1f}")
    print(f"seconds_{name}: {float(seconds):.1f}")
    print(f"rss_mb_{name}: {rss_mb:.1f}", flush=True)
    return rss_mb


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=160_000)
    parser.add_argument("--megabytes", type=int, default=100)
    parser.add_argument("--no-run", action="store_true", help="Skip the run to the first restore.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        small, large = Path(tmp) / "lines.csv", Path(tmp) / "large.csv"
        write_manifest(small, lines=args.lines)
        write_manifest(large, size=args.megabytes * 1_000_000)
        first = check(small, f"{args.lines}")
        last = check(large, f"{args.megabytes}mb")
        print(f"rss_ratio: {last / first:.2f}", flush=True)
        if not args.no_run:
            seeded = Path(tmp) / "seeded.csv"
            write_manifest(seeded, lines=args.lines, seeded=True)
            first_restore(seeded, args.lines)


if __name__ == "__main__":
    main()
