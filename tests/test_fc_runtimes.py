"""The handlers under each FC runtime's own interpreter and SDKs (tests/fc_runtimes), against the emulator.

The emulator runs in this process; each runtime's handlers run in a worker process of that runtime's
Python with the packages the runtime ships, reaching the emulator over loopback HTTP.
"""

from __future__ import annotations

import json
import sys
import tomllib
from pathlib import Path
from types import SimpleNamespace

import fc_runtimes
from fc_runtimes import RUNTIMES, InProcess, RuntimeUnavailable, find_interpreter
from infra import config
from shard_calls import BUCKET, drive, report_lines, settings

EVENTS = Path(__file__).parent / "events"
REPORT = f"oss://{BUCKET}/reports/direct-read/"
CREDENTIALS = ["test-ak", "test-secret", ""]
CONTEXT = SimpleNamespace(
    credentials=SimpleNamespace(access_key_id="test-ak", access_key_secret="test-secret", security_token=None)
)
PYPROJECT = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text())
DIRECT_READ_MIN_OSS2 = (2, 18, 5)  # the first oss2 that signs bucketArchiveDirectRead itself


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(".")[:3])


def _call(runtime, emulator, module: str, event_file: str, **fields) -> dict:
    doc = json.loads((EVENTS / event_file).read_text())
    event = json.dumps({**doc, "endpoint": emulator.endpoint, "bucketName": BUCKET, **fields}).encode()
    return json.loads(runtime.invoke(module, event, CONTEXT))


def test_each_runtime_runs_its_own_interpreter_and_sdks(fc_runtime):
    # WHEN a runtime describes itself
    found = fc_runtime.request(op="describe")
    # THEN it is the interpreter and the SDK versions of its row (in this process: the project's pins),
    # and the listing takes the raw-XML path exactly where that oss2 drops RestoreInfo (before 2.17)
    if isinstance(fc_runtime, InProcess):
        expected = (
            "{}.{}".format(*sys.version_info[:2]),
            next(d for d in PYPROJECT["project"]["dependencies"] if d.startswith("oss2==")).split("==")[1],
        )
    else:
        expected = (fc_runtime.runtime.python, fc_runtime.runtime.oss2)
        assert found["requests"] == fc_runtime.runtime.requests
    assert (found["python"], found["oss2"]) == expected
    assert found["sdkParsesRestoreInfo"] is (_version(found["oss2"]) >= (2, 17))


def test_the_emulator_refuses_an_sdk_that_leaves_the_direct_read_subresource_unsigned(emulator, bucket, fc_runtime):
    # GIVEN a bucket with archive direct read
    bucket.put_bucket_archive_direct_read(True)
    # WHEN the runtime's oss2 asks with its own V1 signer alone (not the handlers')
    sdk = fc_runtime.request(op="describe")["oss2"]
    answer = fc_runtime.request(
        op="sdk_request",
        endpoint=emulator.endpoint,
        bucket=BUCKET,
        credentials=CREDENTIALS,
        params={"bucketArchiveDirectRead": ""},
    )
    # THEN, as OSS does, the emulator signs the sub-resource whether or not the SDK did: oss2 before
    # 2.18.5 (FC python3.10's 2.16.0) gets 403 SignatureDoesNotMatch, later ones the setting
    if _version(sdk) >= DIRECT_READ_MIN_OSS2:
        assert answer["status"] == 200 and "<Enabled>true</Enabled>" in answer["body"]
    else:
        assert answer == {"status": 403, "code": "SignatureDoesNotMatch"}


def test_a_direct_read_bucket_pays_only_for_the_colder_classes_on_every_runtime(emulator, bucket, fc_runtime):
    # GIVEN a bucket with archive direct read holding Archive, Cold Archive and Deep Cold Archive objects
    emulator.seed(BUCKET, counts={"Archive": 6, "ColdArchive": 3, "DeepColdArchive": 2}, prefix="data/")
    bucket.put_bucket_archive_direct_read(True)
    archive = [k for k in emulator.keys(BUCKET) if emulator.storage_class(BUCKET, k) == "Archive"]

    def finish_restores(_round: int) -> None:
        for key in emulator.keys(BUCKET):
            if emulator.restore_state(BUCKET, key) == "restoring":
                emulator.finish_restore(BUCKET, key)

    # WHEN the handlers run in the runtime as the flows call them: plan, rounds of shards, summarize
    run = drive(settings(emulator, prefix="data/", reportUrl=REPORT), runtime=fc_runtime, between=finish_restores)
    # THEN the Archive objects are skipped as read directly, not restored; the colder ones are restored
    assert emulator.stats.get("RestoreObject") == 5
    assert all(emulator.restore_state(BUCKET, k) != "restored" for k in archive)
    lines = {line["key"]: line for line in report_lines(bucket, REPORT)}
    assert {lines[k]["outcome"] for k in archive} == {"skipped"}
    assert all("(archive direct read)" in lines[k]["reason"] for k in archive)
    assert run.summary is not None and run.summary["verdict"] == "success"
    assert run.summary["byOutcome"] == {
        "restored": 5,
        "already_restored": 0,
        "in_progress": 0,
        "skipped": 6,
        "failed": 0,
    }
    assert run.summary["warnings"] == []


def test_every_runtime_a_stack_may_declare_has_a_row():
    # GIVEN the runtimes the stack configuration accepts (and those the handlers are declared to support)
    declarable = set(config.RUNTIMES) | set(getattr(config, "HANDLER_RUNTIMES", ()))
    # THEN each is tested here under its own interpreter and SDKs
    assert declarable <= set(RUNTIMES), f"add a row to tests/fc_runtimes for {sorted(declarable - set(RUNTIMES))}"


def test_every_runtime_row_names_its_pins_in_its_requirements_file():
    # GIVEN each row of the table WHEN its requirements file is read THEN it pins the row's SDKs exactly
    for runtime in RUNTIMES.values():
        lines = {line.split("#")[0].strip() for line in runtime.requirements.read_text().splitlines()}
        assert {f"oss2=={runtime.oss2}", f"requests=={runtime.requests}"} <= lines, runtime.name
        assert all("==" in line for line in lines if line), runtime.name


def test_an_interpreter_override_that_does_not_work_is_refused_not_replaced(monkeypatch, tmp_path):
    # GIVEN $PYTHON310 naming something that is not Python 3.10
    monkeypatch.setenv("PYTHON310", sys.executable if sys.version_info[:2] != (3, 10) else str(tmp_path / "none"))
    # WHEN the interpreter is looked for THEN the message names the override
    try:
        find_interpreter("3.10")
    except RuntimeUnavailable as e:
        assert "$PYTHON310=" in str(e) and "is not a working Python 3.10" in str(e)
    else:
        raise AssertionError("a wrong $PYTHON310 was accepted")
    assert fc_runtimes.RUNTIMES["python3.10"].env_override == "PYTHON310"
