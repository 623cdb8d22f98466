"""What the flow benchmarks share: an emulator in its own process, seeded, and a flow input for it.

The emulator runs as `oss-restore emulator` in a separate process, as OSS is a separate service: in
the benchmark's own process its request handling would compete with the client for one interpreter
lock and the figures would measure the emulator as much as the flows.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ossrestore.flow_options import flow_input_from_options
from restore_core.client import Credentials

DEMO_CREDENTIALS = Credentials("bench-access-key", "bench-access-secret")
BUCKET = "bench-archive"


@contextmanager
def seeded_emulator(*, counts: dict[str, int], latency: float) -> Iterator[str]:
    """Start a seeded emulator process; yield its endpoint."""
    seed = ",".join(f"{cls}={n}" for cls, n in counts.items())
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ossrestore",
            "emulator",
            "--port",
            "0",
            "--bucket",
            BUCKET,
            "--seed",
            seed,
            "--seed-prefix",
            "data/",
            "--restore-latency",
            str(latency),
            "--access-key-id",
            DEMO_CREDENTIALS.access_key_id,
            "--access-key-secret",
            DEMO_CREDENTIALS.access_key_secret,
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        endpoint = None
        for line in proc.stdout:
            found = re.search(r"listening on (\S+)", line)
            if found:
                endpoint = found.group(1)
            if line.startswith("Press Ctrl-C"):
                break
        if endpoint is None:
            raise SystemExit(f"emulator did not start (exit code {proc.wait()})")
        yield endpoint
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def flow_input(endpoint: str, **fields: Any) -> dict[str, Any]:
    return flow_input_from_options(
        flow_endpoint=endpoint, flow_bucketName=BUCKET, **{f"flow_{k}": v for k, v in fields.items()}
    )


def flow_parser(description: str | None, *, objects: int, restore_latency: float) -> argparse.ArgumentParser:
    """The options every flow benchmark takes."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--objects", type=int, default=objects)
    parser.add_argument("--max-keys", type=int, default=100)
    parser.add_argument("--restore-latency", type=float, default=restore_latency)
    parser.add_argument(
        "--cloudflow-quotas",
        action="store_true",
        help="Enforce the account quotas a cloud run meets: CloudFlow's (step and StartExecution rates, "
        "running executions) and FC's instances per region (fdl.Quotas).",
    )
    return parser


def readable(run: Any) -> int:
    """Objects a run's final listing found readable."""
    return int(run.summary.by_outcome["restored"] + run.summary.by_outcome["already_restored"])
