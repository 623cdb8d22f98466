"""Handler calls in worker processes, as FC runs them in instances: bytes in, body out, errors by name."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from ossemu import Emulator, RestoreLatency
from ossrestore.fc_instances import FunctionInstances

pytestmark = pytest.mark.e2e  # whole commands and whole runs of the flows

AK, SK = "inst-ak", "inst-secret"


def context(ak: str = AK, sk: str = SK) -> SimpleNamespace:
    creds = SimpleNamespace(access_key_id=ak, access_key_secret=sk, security_token="")
    return SimpleNamespace(credentials=creds, request_id="req-1", function=SimpleNamespace(name="restore"))


@pytest.fixture(scope="module")
def instances():
    with FunctionInstances(processes=2) as pool:
        yield pool


def test_a_handler_runs_in_an_instance_with_the_callers_credentials(instances):
    # GIVEN an emulator that knows only these credentials, and an archive object
    with Emulator(credentials={AK: SK}, latency=RestoreLatency.immediate()) as emu:
        emu.create_bucket("inst-bucket")
        emu.put_object("inst-bucket", "a", b"x", storage_class="Archive")
        event = json.dumps(
            {
                "settings": {"endpoint": emu.endpoint, "bucketName": "inst-bucket"},
                "round": {"invocations": 1, "seconds": 5},
                "shard": {"i": "s0", "lo": "", "m": "", "s": ""},
            }
        ).encode()
        # WHEN the restore handler is called through an instance
        body = instances.handler("restore")(event, context())
        # THEN the body is the handler's JSON and OSS saw the request, signed with the context's credentials
        assert json.loads(body)["c"]["requested"] == 1
        assert emu.restore_state("inst-bucket", "a") in ("restoring", "restored")


def test_an_unhandled_exception_comes_back_named_after_its_type(instances):
    event = json.dumps({"settings": {"endpoint": "http://127.0.0.1:9", "bucketName": "Bad_Name"}}).encode()
    with pytest.raises(Exception) as caught:
        instances.handler("restore")(event, context())
    # FC reports errorType and errorMessage; the flow's retry and catch match on the type name
    assert type(caught.value).__name__ == "InvalidParameter"
    assert "bucketName" in str(caught.value)
