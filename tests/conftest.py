"""Shared fixtures: a started OSS emulator on a free loopback port, and oss2 buckets bound to it; and the
command as tests run it (`invoke`, `run_command`).

    def test_x(emulator, bucket):          # bucket: oss2.Bucket for "test-bucket", V1-signed
        emulator.put_object("test-bucket", "k", b"", storage_class="Archive")
        bucket.restore_object("k")

Other buckets: `oss_bucket(emulator, "name")` (from ossemu.testing, re-exported here), after
`emulator.create_bucket("name")`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import oss2
import pytest
from click.testing import CliRunner, Result
from hypothesis import settings
from hypothesis.configuration import set_hypothesis_home_dir

import fc_runtimes
from ossemu import Emulator, ManualClock
from ossemu.testing import oss_bucket as _oss_bucket
from ossrestore.cli import group

ACCESS_KEY_ID = "test-ak"
ACCESS_KEY_SECRET = "test-secret"
BUCKET_NAME = "test-bucket"

# Property tests (test_properties_*): the same examples on every run, so CI is stable; no example
# database; no deadline (each example does real I/O). `pytest --hypothesis-profile explore` draws afresh,
# at least 2,000 examples per property.
set_hypothesis_home_dir(str(fc_runtimes.CACHE_DIR / "hypothesis"))  # never a .hypothesis/ in the checkout
settings.register_profile("ci", derandomize=True, database=None, deadline=None)
settings.register_profile("explore", deadline=None, max_examples=2000)
settings.load_profile("ci")

# One pool for every test: connections to a stopped emulator are simply discarded.
SESSION = oss2.Session(pool_size=64)


def oss_bucket(emulator: Emulator, name: str, **kwargs: object) -> oss2.Bucket:
    """oss2.Bucket(oss2.Auth("test-ak", "test-secret"), emulator.endpoint, name) on the shared session."""
    kwargs.setdefault("session", SESSION)
    return _oss_bucket(emulator, name, **kwargs)  # type: ignore[arg-type]  # oss2.Bucket's keywords, passed on


def invoke(*args: str) -> Result:
    """`oss-restore ARGS` in this process, as a user runs it (stderr kept apart from stdout)."""
    return CliRunner(mix_stderr=False).invoke(group, list(args))


def run_command(command: str, emu: Emulator, bucket: str, *args: str, poll: bool = True) -> Result:
    """`oss-restore COMMAND --endpoint EMU --bucket BUCKET [--poll-interval 1] --quiet ARGS`: a whole command
    against the emulator, confirm scans a second apart (`poll=False`: the command has no such flag)."""
    return invoke(
        command, "--endpoint", emu.endpoint, "--bucket", bucket, *(("--poll-interval", "1") if poll else ()),
        "--quiet", *args,
    )  # fmt: skip


def use_credentials(monkeypatch: pytest.MonkeyPatch, access_key_id: str, access_key_secret: str) -> None:
    """The command's credentials in the environment: a key without a security token."""
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", access_key_id)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", access_key_secret)
    monkeypatch.delenv("ALIBABA_CLOUD_SECURITY_TOKEN", raising=False)


@pytest.fixture(autouse=True)
def _no_instance_metadata(monkeypatch: pytest.MonkeyPatch) -> None:
    """The credential chain ends with the ECS instance's RAM role, read from the metadata server at
    100.100.100.200: the suite makes no network call, so a test that finds no other credentials stops there."""
    monkeypatch.setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def emulator(clock: ManualClock) -> Iterator[Emulator]:
    """A started emulator: credentials {"test-ak": "test-secret"}, a ManualClock, realistic latencies."""
    with Emulator(credentials={ACCESS_KEY_ID: ACCESS_KEY_SECRET}, clock=clock) as emu:
        yield emu


@pytest.fixture
def bucket(emulator: Emulator) -> oss2.Bucket:
    """oss2.Bucket for the (created) bucket "test-bucket" on `emulator`, V1-signed, shared session."""
    emulator.create_bucket(BUCKET_NAME)
    return oss_bucket(emulator, BUCKET_NAME)


@pytest.fixture(scope="session")
def fc_runtime_workers() -> Iterator[dict[str, fc_runtimes.RuntimeWorker | str]]:
    """One worker per FC runtime for the whole session, started on first use (or why it cannot be)."""
    workers: dict[str, fc_runtimes.RuntimeWorker | str] = {}
    yield workers
    for worker in workers.values():
        if isinstance(worker, fc_runtimes.RuntimeWorker):
            worker.close()


@pytest.fixture(params=["pinned", *fc_runtimes.RUNTIMES])
def fc_runtime(request: pytest.FixtureRequest, fc_runtime_workers: dict) -> object:
    """Where a handler test invokes the handlers: in this process with the pinned oss2, then in each FC
    runtime's own interpreter with the SDKs it ships (skipped, saying what is missing, where absent)."""
    if request.param == "pinned":
        return fc_runtimes.InProcess()
    if request.param not in fc_runtime_workers:
        try:
            fc_runtime_workers[request.param] = fc_runtimes.RuntimeWorker(fc_runtimes.RUNTIMES[request.param])
        except fc_runtimes.RuntimeUnavailable as e:
            fc_runtime_workers[request.param] = f"FC runtime {request.param}: {e}"
    worker = fc_runtime_workers[request.param]
    if isinstance(worker, str):
        if os.environ.get("CI"):  # CI's machine has every runtime's interpreter: a miss there is a failure
            pytest.fail(worker)
        pytest.skip(worker)
    return worker
