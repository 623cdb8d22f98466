"""The authorization hooks of the engine and the emulator: what they ask, and how a denial fails the
call as the cloud fails it. (Every stack's flows judged by its own policies: test_infra_flows_local.)"""

from __future__ import annotations

import json
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import oss2
import pytest

import fdl
from fdl.testing import engine_for, json_handler
from ossemu import Emulator

HEAD = "version: v1\ntype: flow\n"
CHILD = (
    HEAD
    + """
steps:
  - {type: task, name: double, resourceArn: "acs:fc:::services/svc/functions/double"}
"""
)
PARENT = (
    HEAD
    + """
steps:
  - type: task
    name: callChild
    resourceArn: acs:fnf:::flow/child
    pattern: sync
    serviceParams: {Input: $.payload, ExecutionName: $.childName}
  - type: task
    name: again
    action: fnf:StartExecution
    inputMappings: [{target: flowName, source: parent}]
    serviceParams: {FlowName: $.flowName, ExecutionName: next, Input: {}}
"""
)


class Hook:
    """Records every question; refuses the actions in `deny` as a RAM authorizer would."""

    def __init__(self, *deny: str) -> None:
        self.deny = set(deny)
        self.asked: list[tuple[str, ...]] = []

    def __call__(self, *request: str) -> None:
        self.asked.append(request)
        if request[-2] in self.deny:
            raise PermissionError(f"{request[-2]} on {request[-1]} is denied: test says no")


def _engine(hook: Hook, calls: list[dict[str, Any]]) -> fdl.Engine:
    def double(event: dict[str, Any]) -> dict[str, Any]:
        calls.append(event)
        return {"n": event.get("n", 0) * 2}

    return engine_for(
        {"parent": PARENT, "child": CHILD}, {"double": json_handler(double)}, clock=fdl.VirtualClock(), authorize=hook
    )


def test_the_engine_asks_before_each_invocation_and_execution_start() -> None:
    # GIVEN a hook that allows everything
    hook, calls = Hook(), list[dict[str, Any]]()
    # WHEN a flow calls a child flow synchronously, whose task invokes a function, then starts itself again
    result = _engine(hook, calls).run("parent", {"payload": {"n": 2}, "childName": "kid"})
    # THEN the run succeeds, and the hook was asked for each call, with the ARNs as the flows name them
    assert result.status == "Succeeded"
    assert set(hook.asked) == {
        ("fnf:StartExecution", "acs:fnf:::flow/child"),
        ("fnf:DescribeExecution", "acs:fnf:::flow/child/execution/kid"),
        ("fc:InvokeFunction", "acs:fc:::services/svc/functions/double"),
        ("fnf:StartExecution", "acs:fnf:::flow/parent"),
    }
    assert hook.asked.index(("fnf:StartExecution", "acs:fnf:::flow/child")) < hook.asked.index(
        ("fnf:DescribeExecution", "acs:fnf:::flow/child/execution/kid")
    )


@pytest.mark.parametrize(
    "action, error, child_started, invoked",
    [
        ("fnf:StartExecution", "fnf.AccessDenied", False, False),
        ("fnf:DescribeExecution", "fnf.AccessDenied", True, True),
        ("fc:InvokeFunction", "FC.AccessDenied", True, False),  # fails the child, and so the sync parent
    ],
)
def test_a_denied_call_fails_the_task_with_the_services_error(
    action: str, error: str, child_started: bool, invoked: bool
) -> None:
    # GIVEN a hook refusing one action
    hook, calls = Hook(action), list[dict[str, Any]]()
    engine = _engine(hook, calls)
    # WHEN the flow runs
    result = engine.run("parent", {"payload": {"n": 2}, "childName": "kid"})
    child = [r for r in engine.wait_all() if r.flow_name == "child"]
    # THEN it fails with the service's error for a permission failure, the hook's message as cause
    assert (result.status, result.error) == ("Failed", error)
    assert result.cause is not None
    assert result.cause.startswith(f"{action} on ") and result.cause.endswith("is denied: test says no")
    # AND nothing the refused call would have done happened
    assert bool(child) is child_started
    assert bool(calls) is invoked


@pytest.fixture
def guarded() -> Iterator[tuple[Emulator, Hook]]:
    hook = Hook("oss:RestoreObject", "oss:GetObject")
    with Emulator(credentials={"ak": "sk"}, authorize=hook) as emu:
        emu.create_bucket("ram-b")
        emu.put_object("ram-b", "cold/k", b"x", storage_class="Archive")
        yield emu, hook


def test_the_emulator_maps_each_request_to_its_ram_action_and_resource(guarded: tuple[Emulator, Hook]) -> None:
    emu, hook = guarded
    bucket = oss2.Bucket(oss2.Auth("ak", "sk"), emu.endpoint, "ram-b")
    # WHEN the signer lists (v1 and v2) and reads the archive direct read setting
    bucket.list_objects(prefix="cold/")
    bucket.list_objects_v2(prefix="cold/")
    bucket._do("GET", "ram-b", "", params={"bucketArchiveDirectRead": ""})
    # THEN the hook was asked with the signer, OSS's RAM action and the resource without account
    assert hook.asked == [
        ("ak", "oss:ListObjects", "acs:oss:*::ram-b"),
        ("ak", "oss:ListObjects", "acs:oss:*::ram-b"),
        ("ak", "oss:GetBucketArchiveDirectRead", "acs:oss:*::ram-b"),
    ]


def test_a_request_naming_a_version_is_asked_as_its_versioned_action() -> None:
    # GIVEN a versioned bucket with an archive version and a hook refusing only the versioned restore
    hook = Hook("oss:RestoreObjectVersion")
    with Emulator(credentials={"ak": "sk"}, authorize=hook) as emu:
        emu.create_bucket("ram-v")
        emu.set_versioning("ram-v", "Enabled")
        version = emu.put_object("ram-v", "cold/k", b"x", storage_class="Archive")
        bucket = oss2.Bucket(oss2.Auth("ak", "sk"), emu.endpoint, "ram-v")
        # WHEN the signer HEADs and restores that version, and restores the current one
        bucket.head_object("cold/k", params={"versionId": version})
        with pytest.raises(oss2.exceptions.AccessDenied) as refused:
            bucket.restore_object("cold/k", params={"versionId": version})
        bucket.restore_object("cold/k")
    # THEN the versioned requests were asked as OSS's versioned actions, the plain one as the plain action
    assert hook.asked == [
        ("ak", "oss:GetObjectVersion", "acs:oss:*::ram-v/cold/k"),
        ("ak", "oss:RestoreObjectVersion", "acs:oss:*::ram-v/cold/k"),
        ("ak", "oss:RestoreObject", "acs:oss:*::ram-v/cold/k"),
    ]
    assert "oss:RestoreObjectVersion on acs:oss:*::ram-v/cold/k is denied" in refused.value.message


def test_the_emulator_and_the_evaluator_agree_on_every_versioned_action() -> None:
    # The emulator knows nothing of ramcheck: its own table must say what ramcheck's catalog says.
    import ramcheck
    from ossemu import access

    for operation, versioned in access.VERSIONED_RAM_ACTIONS.items():
        assert ramcheck.request_action(access.RAM_ACTIONS[operation], version_id=True) == versioned, operation
    assert set(ramcheck.VERSIONED.values()) == set(access.VERSIONED_RAM_ACTIONS.values())


def test_the_emulator_answers_a_denied_request_403_access_denied(guarded: tuple[Emulator, Hook]) -> None:
    emu, _hook = guarded
    bucket = oss2.Bucket(oss2.Auth("ak", "sk"), emu.endpoint, "ram-b")
    # WHEN the signer restores, HEADs and GETs an object its (test) policy does not allow
    with pytest.raises(oss2.exceptions.AccessDenied) as restore:
        bucket.restore_object("cold/k")
    with pytest.raises(oss2.exceptions.AccessDenied) as head:
        bucket.head_object("cold/k")
    # THEN OSS's 403 AccessDenied, naming the action and the resource, in the XML body (or x-oss-err for HEAD)
    assert (restore.value.status, restore.value.code) == (403, "AccessDenied")
    assert "oss:RestoreObject on acs:oss:*::ram-b/cold/k is denied" in restore.value.message
    assert (head.value.status, head.value.code) == (403, "AccessDenied")
    assert "oss:GetObject on acs:oss:*::ram-b/cold/k" in head.value.message
    # AND the refused requests changed nothing
    assert emu.restore_state("ram-b", "cold/k") == "frozen"
    assert emu.stats.get("RestoreObject:403") == 1


def test_a_restore_the_role_may_not_make_stops_the_group_naming_the_action(guarded: tuple[Emulator, Hook]) -> None:
    # GIVEN a role whose policy lacks oss:RestoreObject, and a group of archive objects
    emu, _hook = guarded
    for key in ("cold/a", "cold/b", "cold/c"):
        emu.put_object("ram-b", key, b"x", storage_class="Archive")
    from ossrestore_functions import restore  # the handler module of the function code package

    event = {
        "settings": {"endpoint": emu.endpoint, "bucketName": "ram-b", "prefix": "cold/", "workers": 1},
        "round": {"base": "cold/", "invocations": 1, "seconds": 20},
        "shard": {"i": "s0", "lo": "", "m": "", "s": ""},
    }
    context = SimpleNamespace(
        credentials=SimpleNamespace(access_key_id="ak", access_key_secret="sk", security_token=None)
    )
    # WHEN the restore handler runs
    # THEN it fails at the first refusal, with OSS's message naming the action, as no other key can succeed
    with pytest.raises(Exception) as refused:
        restore.handler(json.dumps(event).encode(), context)
    assert type(refused.value).__name__ == "OSSAccessDenied"
    assert "oss:RestoreObject on acs:oss:*::ram-b/cold/a is denied" in str(refused.value)
    assert emu.stats.get("RestoreObject:403") == 1
