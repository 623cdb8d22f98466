"""Memory and time at scale: `oss-restore run` over N Archive objects, for several N.

For each size the emulator runs in a process of its own (seeded with N Archive objects), and the
command runs as users run it: `python -m ossrestore run ... --report FILE --quiet`, a subprocess with
its worker processes (the stand-ins for FC instances). A sampler reads VmHWM (the kernel's peak
resident set) from /proc/<pid>/status of the command and of every process under it, every 0.2 s.

Prints per size: `seconds_N:`, `rss_mb_N:` (the command's own peak, in MiB), `worker_rss_mb_N:` (the largest
worker's peak), `restore_requests_per_object_N:`, `report_lines_N:`, `readable_N:`; and with two sizes
or more, `rss_ratio:` (largest size's command peak / smallest size's) and `worker_rss_ratio:`;
`restore_requests_per_object:` is the largest over all sizes. Exits 1 when a run does not end with
exit code 0 and every object readable.
Defaults: 50,000 and 500,000 objects, restore latency 1 s, pollInterval 1 s, keys that count up;
`--key-shape random [--key-bytes 60]` seeds random hex names instead (hashed or UUID-named objects).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path

from _common import BUCKET, DEMO_CREDENTIALS

PREFIX = "data/"


def _serve_emulator(conn: Connection, objects: int, latency: float, names: str, key_bytes: int) -> None:
    """In the emulator's own process: seed, serve, and on request send the request counters and stop."""
    from ossemu import Emulator, RestoreLatency

    creds = DEMO_CREDENTIALS
    with Emulator(
        credentials={creds.access_key_id: creds.access_key_secret}, latency=RestoreLatency.uniform(latency)
    ) as emu:
        emu.create_bucket(BUCKET)
        emu.seed(BUCKET, counts={"Archive": objects}, prefix=PREFIX, names=names, key_bytes=key_bytes)
        conn.send(emu.endpoint)
        conn.recv()
        conn.send(emu.stats.snapshot())


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        # the command name (in parentheses) may hold spaces: the parent pid is the 2nd field after it
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def _vm_hwm_kib(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


@dataclass
class PeakSampler:
    """The peak resident set of a process and of every process under it, sampled until stopped."""

    pid: int
    peaks_kib: dict[int, int] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        while not self._stop.is_set():
            pending = [self.pid]
            while pending:
                pid = pending.pop()
                hwm = _vm_hwm_kib(pid)
                if hwm is not None:
                    self.peaks_kib[pid] = max(hwm, self.peaks_kib.get(pid, 0))
                pending.extend(_children(pid))
            self._stop.wait(0.2)

    def stop(self) -> None:
        self._stop.set()

    def command_mb(self) -> float:
        return self.peaks_kib.get(self.pid, 0) / 1024

    def worker_mb(self) -> float:
        return max((kib for pid, kib in self.peaks_kib.items() if pid != self.pid), default=0) / 1024


@dataclass(frozen=True)
class Figures:
    objects: int
    seconds: float
    exit_code: int
    command_mb: float
    worker_mb: float
    workers: int
    restore_requests: int
    report_lines: int
    readable: int


def _count_report(path: Path) -> tuple[int, int]:
    lines = readable = 0
    with path.open(encoding="utf-8") as f:
        for line in f:
            lines += 1
            readable += json.loads(line)["outcome"] in ("restored", "already_restored")
    return lines, readable


def measure(
    objects: int, *, latency: float, flags: list[str], workdir: Path, names: str = "counting", key_bytes: int = 60
) -> Figures:
    ctx = multiprocessing.get_context("spawn")
    conn, child_conn = ctx.Pipe()
    emulator = ctx.Process(target=_serve_emulator, args=(child_conn, objects, latency, names, key_bytes), daemon=True)
    emulator.start()
    try:
        endpoint = conn.recv()
        report = workdir / f"report-{objects}.jsonl"
        env = {
            **os.environ,
            "ALIBABA_CLOUD_ACCESS_KEY_ID": DEMO_CREDENTIALS.access_key_id,
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET": DEMO_CREDENTIALS.access_key_secret,
        }
        command = [
            sys.executable,
            "-m",
            "ossrestore",
            "run",
            "--endpoint",
            endpoint,
            "--bucket",
            BUCKET,
            "--prefix",
            PREFIX,
            "--report",
            str(report),
            "--quiet",
            *flags,
        ]
        with (workdir / f"output-{objects}.txt").open("w") as output:
            started = time.perf_counter()
            proc = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
            sampler = PeakSampler(proc.pid)
            thread = threading.Thread(target=sampler.run, daemon=True)
            thread.start()
            exit_code = proc.wait()
            seconds = time.perf_counter() - started
            sampler.stop()
            thread.join()
        conn.send("stop")
        stats = conn.recv()
    finally:
        emulator.join(timeout=60)
        if emulator.is_alive():
            emulator.terminate()
    if exit_code != 0:
        sys.stderr.write((workdir / f"output-{objects}.txt").read_text()[-4000:])
    lines, readable = _count_report(report) if report.exists() else (0, 0)
    report.unlink(missing_ok=True)
    return Figures(
        objects,
        seconds,
        exit_code,
        sampler.command_mb(),
        sampler.worker_mb(),
        len(sampler.peaks_kib) - 1,
        stats["RestoreObject"],
        lines,
        readable,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--objects", type=int, nargs="+", default=[50_000, 500_000])
    parser.add_argument("--restore-latency", type=float, default=1.0)
    parser.add_argument("--poll-interval", type=int, default=1)
    parser.add_argument("--max-keys", type=int, help="Passed to `oss-restore run` (its default when not given).")
    parser.add_argument("--group-size", type=int, help="Passed to `oss-restore run`.")
    parser.add_argument(
        "--key-shape",
        choices=("counting", "random"),
        default="counting",
        help="Keys that count up (data/00000000, ...) or random hex names (as hashed or UUID-named objects).",
    )
    parser.add_argument("--key-bytes", type=int, default=60, help="Length of a random key, data/ included.")
    parser.add_argument("--workers", type=int, help="Passed to `oss-restore run`.")
    args = parser.parse_args()
    flags = ["--poll-interval", str(args.poll_interval)]
    for name in ("max_keys", "group_size", "workers"):
        if getattr(args, name) is not None:
            flags += [f"--{name.replace('_', '-')}", str(getattr(args, name))]
    results = []
    with tempfile.TemporaryDirectory(prefix="scale-bench-") as workdir:
        for objects in sorted(args.objects):
            f = measure(
                objects,
                latency=args.restore_latency,
                flags=flags,
                workdir=Path(workdir),
                names=args.key_shape,
                key_bytes=args.key_bytes,
            )
            results.append(f)
            n = f.objects
            print(f"seconds_{n}: {f.seconds:.1f}", flush=True)
            print(f"exit_code_{n}: {f.exit_code}")
            print(f"rss_mb_{n}: {f.command_mb:.1f}")
            print(f"worker_rss_mb_{n}: {f.worker_mb:.1f}  (worker processes: {f.workers})")
            print(f"restore_requests_per_object_{n}: {f.restore_requests / n:.4f}")
            print(f"report_lines_{n}: {f.report_lines}")
            print(f"readable_{n}: {f.readable}", flush=True)
    if len(results) > 1:
        small, large = results[0], results[-1]
        print(f"rss_ratio: {large.command_mb / small.command_mb:.2f}")
        print(f"worker_rss_ratio: {large.worker_mb / small.worker_mb:.2f}")
    print(f"restore_requests_per_object: {max(f.restore_requests / f.objects for f in results):.4f}")
    if any(f.exit_code != 0 or f.readable != f.objects or f.report_lines != f.objects for f in results):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
