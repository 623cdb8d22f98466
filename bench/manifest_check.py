"""How long the whole-manifest check takes before a run's first request, and how much memory it needs.

Writes a CSV manifest of `bucket,key` lines (URL-encoded keys of about 40 bytes, as an inventory's are) of
160,000 lines and one of 100 MB (about 2.1 million lines), then checks each in a process of its own,
exactly as `oss-restore run --manifest FILE` does before anything is requested (`manifest_source.validate`:
every line parsed, every key decoded and checked). For each it prints:

    lines_N / megabytes_N   the manifest's size
    seconds_N               the check, start to end
    rss_mb_N                the checking process's peak resident set (its interpreter and imports included)

then `rss_ratio`, the largest manifest's peak over the smallest's: flat memory keeps it near 1.

    python bench/manifest_check.py [--lines 160000] [--megabytes 100]
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUCKET = "bench-manifest"

_CHECK = """
import sys, time
import oss2
from restore_core import manifest_source
bucket = oss2.Bucket(oss2.Auth("unused", "unused"), "http://127.0.0.1:9", sys.argv[2])  # a local file: no request
started = time.perf_counter()
count = manifest_source.validate(manifest_source.Manifest(bucket, sys.argv[1], chunk_bytes=manifest_source.SCAN_CHUNK_BYTES))
print(count, time.perf_counter() - started)
"""


def write_manifest(path: Path, *, lines: int | None = None, size: int | None = None) -> int:
    """A CSV of `lines` lines, or of at least `size` bytes; returns its line count."""
    written = count = 0
    with path.open("w", encoding="utf-8") as out:
        while (lines is None or count < lines) and (size is None or written < size):
            line = f"{BUCKET},logs/2024/{count:012d}-%E6%97%A5%E5%BF%97.gz\n"
            out.write(line)
            written += len(line)
            count += 1
    return count


def check(path: Path, name: str) -> float:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "functions"), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen([sys.executable, "-c", _CHECK, str(path), BUCKET], stdout=subprocess.PIPE, text=True, env=env)
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
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        small, large = Path(tmp) / "lines.csv", Path(tmp) / "large.csv"
        write_manifest(small, lines=args.lines)
        write_manifest(large, size=args.megabytes * 1_000_000)
        first = check(small, f"{args.lines}")
        last = check(large, f"{args.megabytes}mb")
    print(f"rss_ratio: {last / first:.2f}")


if __name__ == "__main__":
    main()
