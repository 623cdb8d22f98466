"""What the flow benchmarks share: a seeded emulator and a validated flow input pointing at it."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

from ossemu import Emulator, RestoreLatency
from ossrestore.flow_options import flow_input_from_options
from ossrestore.local_run import Credentials

DEMO_CREDENTIALS = Credentials("bench-access-key", "bench-access-secret")
BUCKET = "bench-archive"


@contextmanager
def seeded_emulator(*, counts: dict[str, int], latency: float) -> Iterator[Emulator]:
    emu = Emulator(
        credentials={DEMO_CREDENTIALS.access_key_id: DEMO_CREDENTIALS.access_key_secret},
        latency=RestoreLatency.uniform(latency),
    )
    with emu:
        emu.create_bucket(BUCKET)
        emu.seed(BUCKET, counts=counts, prefix="data/")
        yield emu


def flow_input(emu: Emulator, **fields: Any) -> dict[str, Any]:
    return flow_input_from_options(flow_endpoint=emu.endpoint, flow_bucketName=BUCKET, **{f"flow_{k}": v for k, v in fields.items()})
