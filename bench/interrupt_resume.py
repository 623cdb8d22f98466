"""Interrupt `oss-restore run` and run it again, at a size where waste would show (a script, not a test).

For each way of stopping it (Ctrl-C at about 30% of the restores, Ctrl-C while confirming, SIGKILL of
the command at about 30%), against a fresh emulator seeded with N archive objects whose restores take
a while, it starts the command in a session of its own, stops it, checks which of its processes are
left, runs the same command again and prints:

    <case>: first_exit, stop_seconds (signal to exit), processes_left (after 5 s), rerun_exit,
            rerun_seconds, restore_requests_per_object (both runs), answered_409, billed_twice

    python bench/interrupt_resume.py [--objects 6000] [--latency 20]

The emulator runs in this process and the command in its own, so they do not share an interpreter lock.
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

from ossemu import Emulator, RestoreLatency  # noqa: E402  (after the sys.path edit above)

AK, SK = "bench-ak", "bench-secret"
BUCKET = "bench-interrupt"


def session_processes(session: int) -> int:
    """Live processes whose session id (field 6 of /proc/PID/stat) is `session`."""
    count = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        count += int(fields[3]) == session and fields[0] != "Z"
    return count


def run_case(case: str, *, objects: int, latency: float) -> None:
    with (
        Emulator(credentials={AK: SK}, latency=RestoreLatency.uniform(latency)) as emu,
        tempfile.TemporaryDirectory() as tmp,
    ):
        emu.create_bucket(BUCKET)
        emu.seed(
            BUCKET,
            counts={
                "Archive": objects // 2,
                "ColdArchive": objects // 4,
                "DeepColdArchive": objects - objects // 2 - objects // 4,
            },
            prefix="data/",
        )
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
            "2",
            "--quiet",
            "--report",
            str(Path(tmp) / "report.jsonl"),
        ]
        first = subprocess.Popen(
            cmd, env=env, cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        target = objects if case == "sigint_confirm" else 0.3 * objects
        while emu.stats.get("RestoreObject") < target and first.poll() is None:
            time.sleep(0.01)
        if case == "sigint_confirm":
            listings = emu.stats.get("ListObjects")
            while emu.stats.get("ListObjects") < listings + 2 and first.poll() is None:
                time.sleep(0.01)
        sent = time.monotonic()
        if case == "sigkill":
            os.kill(first.pid, signal.SIGKILL)
        else:
            os.killpg(first.pid, signal.SIGINT)
        _, err = first.communicate()
        stopped = time.monotonic() - sent
        time.sleep(5)
        left = session_processes(first.pid)
        requested_first = emu.stats.get("RestoreObject")
        started = time.monotonic()
        rerun = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True)
        rerun_seconds = time.monotonic() - started
        stats = emu.stats.snapshot()
    tracebacks = (err + rerun.stderr).count("Traceback")
    print(f"{case}: first_exit: {first.returncode}")
    print(f"{case}: restores_sent_before_stop: {requested_first}/{objects}")
    print(f"{case}: stop_seconds: {stopped:.2f}")
    print(f"{case}: processes_left: {left}")
    print(f"{case}: tracebacks: {tracebacks}")
    print(f"{case}: rerun_exit: {rerun.returncode}")
    print(f"{case}: rerun_seconds: {rerun_seconds:.1f}")
    print(f"{case}: restore_requests_per_object: {stats['RestoreObject'] / objects:.4f}")
    print(f"{case}: answered_409: {stats.get('RestoreObject:409', 0)}")
    print(f"{case}: billed_twice: {stats['restore:rebilled']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=6000)
    parser.add_argument("--latency", type=float, default=20.0, help="seconds until a restore completes")
    args = parser.parse_args()
    for case in ("sigint_30", "sigint_confirm", "sigkill"):
        run_case(case, objects=args.objects, latency=args.latency)


if __name__ == "__main__":
    main()
