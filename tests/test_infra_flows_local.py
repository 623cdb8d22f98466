"""The YAML we deploy is the YAML we test: each synthesized stack's flow definitions run on the local
engine, the stack's function ARNs bound to the real handlers, against the OSS emulator.

Every call is judged against the stack's own synthesized RAM policies (`ramcheck`): each FC invocation
and StartExecution a flow makes against the flow role's policy (the engine's `authorize` hook), each
OSS request the handlers make with the function role's STS credentials against the function role's
policy (the emulator's `authorize` hook). The test seeds and checks the bucket directly, not over HTTP.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import oss2
import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

import fdl
import ramcheck
from infra.app import synthesize
from infra.config import DeploymentConfig
from infra.flows import from_terraform_literal
from infra.naming import FUNCTIONS, names_for
from infra.policies import function_policy
from notice_receiver import receiver
from ossemu import Emulator, RestoreLatency
from ossrestore.flow_options import flow_input_from_options
from ossrestore.local_flows import load_handler
from restore_core import copier, report_parts, shard_results

pytestmark = pytest.mark.e2e  # whole commands and whole runs of the flows

# What FC hands the functions: the function role's STS credentials.
ROLE_AK, ROLE_SK, ROLE_TOKEN = "STS.stack-test-fc-role", "stack-test-fc-role-secret", "stack-test-fc-role-token"
# The test's own key, which seeds and checks buckets over HTTP (oss2); its requests are not judged.
SEED_AK, SEED_SK = "stack-test-seeder", "stack-test-seeder-secret"
# The caller's account, filled into ARNs that leave it empty, when the stack pins none.
ACCOUNT = "1234567890123456"
_FC_ARN = re.compile(r"acs:fc:[A-Za-z0-9-]*:[0-9*]*:services/[A-Za-z0-9_-]+/functions/[A-Za-z0-9_-]+")

Stack = tuple[DeploymentConfig, dict[str, Any]]
# Seeds a bucket for a run: (emulator, bucket) -> (the flow options that select the objects, the (key, version)
# the run should restore).
Seeder = Callable[[Emulator, str], tuple[dict[str, Any], list[tuple[str, str | None]]]]


@pytest.fixture(scope="module")
def stacks(tmp_path_factory: pytest.TempPathFactory) -> list[Stack]:
    outdir = tmp_path_factory.mktemp("cdktf.out")
    return [
        (cfg, json.loads((outdir / "stacks" / cfg.stack_id / "cdk.tf.json").read_text()))
        for cfg in synthesize(outdir=outdir)
    ]


@pytest.fixture(autouse=True)
def role_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """FC sets the role's STS credentials in the environment too (the python3.12 runtime's only source)."""
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", ROLE_AK)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", ROLE_SK)
    monkeypatch.setenv("ALIBABA_CLOUD_SECURITY_TOKEN", ROLE_TOKEN)


@dataclass
class Judged:
    """One role's authorizer, remembering what it allowed and what it denied."""

    authorizer: ramcheck.Authorizer
    allowed: list[tuple[str, str]] = field(default_factory=list)
    denied: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, action: str, resource: str) -> None:
        try:
            self.authorizer(action, resource)
        except ramcheck.AccessDenied as e:
            with self.lock:
                self.denied.append(str(e))
            raise
        with self.lock:
            self.allowed.append((action, self.authorizer.qualify(resource)))

    def actions(self) -> set[str]:
        return {action for action, _ in self.allowed}


@dataclass
class Run:
    results: list[fdl.ExecutionResult]
    flow_role: Judged
    function_role: Judged
    emulator: Emulator
    bucket_name: str
    summary: dict[str, Any] | None  # the run's summary.json, as the flows wrote it in the report location
    quota_stats: fdl.QuotaStats
    expected: list[tuple[str, str | None]]  # (key, version) the run should restore
    restored: list[tuple[str, str | None]]  # those of them restored when it ended


def _policies(
    cfg: DeploymentConfig,
    stack: dict[str, Any],
    *,
    without: str | None,
    policy_config: DeploymentConfig | None = None,
) -> tuple[Judged, Judged]:
    """The stack's own flow and function policies, as synthesized, optionally minus one action; with
    `policy_config`, the function policy the stack would have been synthesized with under that configuration."""
    names = names_for(cfg)
    documents = {p["policy_name"]: p["policy_document"] for p in stack["resource"]["alicloud_ram_policy"].values()}
    if policy_config is not None:
        documents[names.fc_policy] = function_policy(policy_config, names)

    def judged(policy_name: str) -> Judged:
        policy = ramcheck.Policy.parse(documents[policy_name])
        if without is not None:
            policy = policy.without(without)
        return Judged(ramcheck.Authorizer(policy, region=cfg.region, account=cfg.account_id or ACCOUNT))

    return judged(names.flow_policy), judged(names.fc_policy)


def _registry(cfg: DeploymentConfig, stack: dict[str, Any]) -> fdl.Registry:
    """Each handler registered under the ARN the synthesized definition names, each flow under its name."""
    names = names_for(cfg)
    handler_of = {names.functions[base]: load_handler(f.module) for base, f in FUNCTIONS.items()}
    registry = fdl.Registry()
    for flow in stack["resource"]["alicloud_fnf_flow"].values():
        definition = from_terraform_literal(flow["definition"])
        for arn in set(_FC_ARN.findall(definition)):
            registry.add_function(arn, handler_of[arn.rsplit("/", 1)[1]])
        registry.add_flow(flow["name"], fdl.load_flow(definition, name=flow["name"]))
    return registry


# Archive versions of a versioned bucket: (key, class) in upload order, so each key's last is its current
# version; the Standard one needs no restore.
VERSIONS = (
    ("v/a", "Archive"),
    ("v/a", "ColdArchive"),
    ("v/b", "DeepColdArchive"),
    ("v/c", "Standard"),
    ("v/c", "Archive"),
    ("v/d", "ColdArchive"),
    ("v/d", "ColdArchive"),
)


def _seed(emu: Emulator, bucket: str, scope: str) -> tuple[dict[str, Any], list[tuple[str, str | None]]]:
    """The bucket's objects for a run of `scope` ("prefix", "all-versions" or "manifest", whose CSV names
    every archive version by its ID); the flow options that select them, and the (key, version) expected
    restored."""
    if scope == "prefix":
        emu.seed(bucket, counts={"Archive": 6, "ColdArchive": 4, "DeepColdArchive": 3, "Standard": 5}, prefix="d/")
        return {}, [(key, None) for key in emu.keys(bucket) if emu.storage_class(bucket, key) != "Standard"]
    emu.set_versioning(bucket, "Enabled")
    archived = []
    for key, cls in VERSIONS:
        version = emu.put_object(bucket, key, b"x" * 64, storage_class=cls)
        if cls != "Standard":
            archived.append((key, version))
    if scope == "all-versions":
        return {"flow_allVersions": True}, archived
    lines = "".join(f"{bucket},{key},{version}\n" for key, version in archived)
    emu.put_object(bucket, "manifests/versions.csv", lines.encode())
    return {"flow_manifest": f"oss://{bucket}/manifests/versions.csv"}, archived


def _run(
    cfg: DeploymentConfig,
    stack: dict[str, Any],
    *,
    without: str | None = None,
    wait_per_batch: bool = True,
    then: tuple[str, ...] = (),
    notify_url: str = "",
    scope: str = "prefix",
    dry_run: bool = False,
    max_keys: int = 1000,
    seed: Seeder | None = None,
    flow: dict[str, Any] | None = None,
    policy_config: DeploymentConfig | None = None,
    buckets: tuple[str, ...] = (),
) -> Run:
    """The stack's main flow over a seeded bucket, one round per execution so that it must continue as new,
    its report written where the stack's functions may write; then, on the same bucket, one run per action
    in `then` (extend, clean).

    `seed` seeds the bucket instead of `_seed` (`scope`), `flow` adds flow inputs (convertTo, copyTo, ...),
    `policy_config` judges the functions by the policy of the stack configured so (see `_policies`), and the
    copy targets' buckets and `buckets` exist besides the stack's own."""
    flow_role, function_role = _policies(cfg, stack, without=without, policy_config=policy_config)
    bucket_name = cfg.buckets[0]
    # Besides the test's own seeding key, only the function role's STS key is known to the emulator: every
    # request of the run is the functions'.
    emu = Emulator(
        credentials={SEED_AK: SEED_SK},
        sts_tokens={ROLE_AK: (ROLE_SK, ROLE_TOKEN)},
        latency=RestoreLatency.uniform(0.2),
        authorize=lambda access_key_id, action, resource: (
            None if access_key_id == SEED_AK else function_role(action, resource)
        ),
    )
    with emu:
        for name in dict.fromkeys([bucket_name, cfg.report_bucket, *(t.bucket for t in cfg.copy_targets), *buckets]):
            emu.create_bucket(name)
        options, expected = seed(emu, bucket_name) if seed is not None else _seed(emu, bucket_name, scope)
        options = {**options, **{f"flow_{name}": value for name, value in (flow or {}).items()}}
        flow_input = flow_input_from_options(
            flow_endpoint=emu.endpoint,
            flow_bucketName=bucket_name,
            flow_pollInterval=1,
            flow_roundsPerExecution=1,
            flow_roundSeconds=5,
            flow_waitPerBatch=wait_per_batch,
            flow_notifyUrl=notify_url,
            flow_dryRun=dry_run,
            flow_maxKeys=max_keys,
            **options,
        )
        flow_input["reportUrl"] = f"{cfg.report_url}{cfg.env}-run/"
        # The account's quotas a cloud run meets: CloudFlow's, and FC's instances per region (fdl.quotas).
        engine = fdl.Engine(
            _registry(cfg, stack),
            credentials=fdl.Credentials(ROLE_AK, ROLE_SK, ROLE_TOKEN),
            authorize=flow_role,
            quotas=fdl.Quotas(),
        )
        engine.start_execution(names_for(cfg).main_flow, flow_input, name=f"{cfg.env}-run")
        results = engine.wait_all()
        for action in then:
            engine.start_execution(
                names_for(cfg).main_flow,
                {**flow_input, "action": action, "reportUrl": f"{cfg.report_url}{cfg.env}-{action}/"},
                name=f"{cfg.env}-{action}",
            )
            results += engine.wait_all()
        summary = emu.object_bytes(cfg.report_bucket, f"{cfg.report_prefix}{cfg.env}-run/summary.json")
        restored = [
            (key, version) for key, version in expected if emu.restore_state(bucket_name, key, version) == "restored"
        ]
        return Run(
            results,
            flow_role,
            function_role,
            emu,
            bucket_name,
            json.loads(summary) if summary is not None else None,
            engine.quota_stats,
            expected,
            restored,
        )


@pytest.mark.parametrize("wait_per_batch", [True, False], ids=["wait-per-batch", "pipelined"])
def test_every_stacks_flows_restore_a_bucket_within_its_own_ram_policies(
    stacks: list[Stack], wait_per_batch: bool
) -> None:
    for cfg, stack in stacks:
        names = names_for(cfg)
        # GIVEN the stack's synthesized policies judging every call
        # WHEN the stack's main flow runs to the end over a bucket with archive and standard objects (one page
        # per batch: with a completion notice to a loopback receiver; pipelined: without one)
        with receiver() as hook:
            run = _run(cfg, stack, wait_per_batch=wait_per_batch, notify_url=hook.url() if wait_per_batch else "")
        # THEN every execution succeeded, it called the restore flow and continued as new (one page per
        # batch: after two listing calls, then into the confirm phase; pipelined: into the confirm phase),
        # and every archive object is readable
        assert {r.status for r in run.results} == {"Succeeded"}, [(r.name, r.error, r.cause) for r in run.results]
        submitted = {e.step_name for r in run.results for e in r.events if e.type == "TaskSubmitted"}
        assert submitted == {"round", "continueAsNew"}
        states = {key: run.emulator.restore_state(run.bucket_name, key) for key in run.emulator.keys(run.bucket_name)}
        assert sorted(set(states.values())) == ["not-archived", "restored"], states
        assert list(states.values()).count("restored") == 13
        # AND under the account's quotas, FC's instances per region included, nothing was throttled
        assert (run.quota_stats.fc_throttled, run.quota_stats.starts_throttled) == (0, 0)
        assert 1 <= run.quota_stats.fc_peak_instances <= 50
        # AND nothing was denied, and the calls RAM judges were judged: the sync sub-flow call and the
        # continue-as-new both started executions under the flow role's policy
        assert run.flow_role.denied == [] and run.function_role.denied == []
        started = {
            resource.rsplit("/", 1)[1] for action, resource in run.flow_role.allowed if action == "fnf:StartExecution"
        }
        assert started == {names.restore_flow, names.main_flow}
        assert run.flow_role.actions() == {"fc:InvokeFunction", "fnf:StartExecution", "fnf:DescribeExecution"}
        assert run.function_role.actions() == {
            "oss:ListObjects",
            "oss:GetBucketArchiveDirectRead",
            "oss:RestoreObject",
            "oss:PutObject",
            "oss:GetObject",
        }
        # AND the report is where the stack's functions may write it, one line per object
        assert run.summary is not None and run.summary["report"]["lines"] == 18 and run.summary["verdict"] == "success"
        written = {resource for action, resource in run.function_role.allowed if action == "oss:PutObject"}
        assert written and all(
            r.split(":", 4)[4].startswith(f"{cfg.report_bucket}/{cfg.report_prefix}") for r in written
        )
        invoked = {resource for action, resource in run.flow_role.allowed if action == "fc:InvokeFunction"}
        notifying = {names.functions["notify"]} if wait_per_batch else set()
        assert invoked == {
            f"acs:fc:{cfg.region}:{cfg.account_id or ACCOUNT}:services/{names.service}/functions/{fn}"
            for fn in names.functions.values()
            if fn != names.functions["notify"] or fn in notifying
        }
        if not wait_per_batch:  # no notifyUrl: the notify step is skipped, nothing is posted
            assert hook.requests == []
            continue
        # AND the last step (the stack's notify function, invoked within the flow role's policy) posted the
        # summary exactly once, without the function role's credentials
        assert [r.method for r in hook.requests] == ["POST"]
        notice = json.loads(hook.requests[0].body)
        assert (notice["bucket"], notice["prefix"], notice["exitCode"]) == (run.bucket_name, "", 0)
        assert notice["counts"]["failed"] == 0 and notice["counts"]["restored"] == 13
        assert notice["report"]["url"] == f"{cfg.report_url}{cfg.env}-run/" and notice["report"]["lines"] == 18
        assert not any(secret in hook.requests[0].body.decode() for secret in (ROLE_AK, ROLE_SK, ROLE_TOKEN))


def test_counts_handed_back_by_reference_stay_within_each_stacks_ram_policies(
    stacks: list[Stack], monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN results whose counters never fit inline (as in a round of many shards)
    monkeypatch.setattr(shard_results, "ROUND_COUNTS_BYTES", 0)
    for cfg, stack in stacks:
        # WHEN the stack's flows run under its own policies
        run = _run(cfg, stack, wait_per_batch=False)
        # THEN every execution succeeded, the counts went by way of the stack's report prefix, and the report and
        # its summary still hold one line per object
        assert {r.status for r in run.results} == {"Succeeded"}, [(r.name, r.error, r.cause) for r in run.results]
        prefix = f"{cfg.report_bucket}/{cfg.report_prefix}{cfg.env}-run/"
        written = [r.split(":", 4)[4] for action, r in run.function_role.allowed if action == "oss:PutObject"]
        assert any(w.startswith(prefix + "counts/") for w in written)
        assert all(w.startswith(prefix) for w in written)
        assert run.summary is not None and run.summary["report"]["lines"] == 18
        assert run.summary["byOutcome"]["restored"] == 13 and run.summary["verdict"] == "success"


def test_a_dry_run_writes_its_report_a_part_at_a_time_within_each_stacks_ram_policies(
    stacks: list[Stack], monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN report parts of about 5 lines, listing pages of 2 keys (a dry run lists as fast as OSS answers: it
    # must not hold every line of its range)
    monkeypatch.setattr(report_parts, "PART_LINES", 5)
    for cfg, stack in stacks:
        # WHEN a dry run goes through the stack's flows under its own policies
        run = _run(cfg, stack, wait_per_batch=False, dry_run=True, max_keys=2)
        # THEN it succeeded, wrote only under the stack's report prefix, nothing was restored, and its report
        # holds one line per object in more parts than one
        assert {r.status for r in run.results} == {"Succeeded"}, [(r.name, r.error, r.cause) for r in run.results]
        prefix = f"{cfg.report_bucket}/{cfg.report_prefix}{cfg.env}-run/"
        written = [r.split(":", 4)[4] for action, r in run.function_role.allowed if action == "oss:PutObject"]
        assert all(w.startswith(prefix) for w in written)
        assert not run.restored and run.summary is not None and run.summary["verdict"] == "dryRun"
        assert run.summary["report"]["lines"] == 18 and run.summary["report"]["parts"] >= 3
        assert "oss:RestoreObject" not in {action for action, _ in run.function_role.allowed}


def test_extend_and_clean_run_through_the_same_flows_within_the_stacks_ram_policies(stacks: list[Stack]) -> None:
    # One stack: every stack's policy comes from the same function (the restore test above runs them all),
    # and each of these runs waits out a confirm poll.
    for cfg, stack in stacks[:1]:
        # GIVEN a restored bucket WHEN the stack's main flow runs with action extend, then clean
        run = _run(cfg, stack, wait_per_batch=False, then=("extend", "clean"))
        # THEN every execution succeeded within the stack's policies, and the Cold / Deep Cold objects
        # (4 + 3) are frozen again while the Archive ones (6) stay restored
        assert {r.status for r in run.results} == {"Succeeded"}, [(r.name, r.error, r.cause) for r in run.results]
        assert run.flow_role.denied == [] and run.function_role.denied == []
        assert {"oss:RestoreObject", "oss:CleanRestoredObject"} <= run.function_role.actions()
        states = [run.emulator.restore_state(run.bucket_name, key) for key in run.emulator.keys(run.bucket_name)]
        assert (states.count("restored"), states.count("frozen")) == (6, 7)


@pytest.mark.parametrize("scope", ["all-versions", "manifest"])
def test_every_stacks_role_restores_versions_by_id_within_its_own_ram_policies(stacks: list[Stack], scope: str) -> None:
    for cfg, stack in stacks:
        # GIVEN a versioned bucket whose archive versions (noncurrent ones too) are named by version ID, by a
        # version listing (--all-versions) or by a manifest's versionId column
        # WHEN the stack's main flow runs to the end under its own synthesized policies
        run = _run(cfg, stack, wait_per_batch=False, scope=scope)
        # THEN every execution succeeded and every archive version is readable, nothing denied
        assert {r.status for r in run.results} == {"Succeeded"}, [(r.name, r.error, r.cause) for r in run.results]
        assert run.restored == run.expected and all(version for _, version in run.expected)
        assert run.flow_role.denied == [] and run.function_role.denied == []
        # AND each versioned request was judged as OSS's versioned action, granted by the function role
        versioned = {"oss:RestoreObjectVersion"} | ({"oss:GetObjectVersion"} if scope == "manifest" else set())
        assert versioned <= run.function_role.actions()
        assert "oss:RestoreObject" not in run.function_role.actions()


@pytest.mark.parametrize("scope", ["all-versions", "manifest"])
def test_a_stack_without_restore_object_version_fails_its_versioned_run_naming_it(
    stacks: list[Stack], scope: str
) -> None:
    cfg, stack = stacks[-1]
    # GIVEN the stack's policies without oss:RestoreObjectVersion (oss:RestoreObject still granted)
    # WHEN its main flow restores versions by ID
    run = _run(cfg, stack, wait_per_batch=False, scope=scope, without="oss:RestoreObjectVersion")
    # THEN the function role denied exactly that action, and the run failed with OSS's refusal naming it
    denied = run.function_role.denied
    assert denied and all(d.startswith("oss:RestoreObjectVersion on ") for d in denied), denied
    failures = [f"{r.error}: {r.cause}" for r in run.results if r.status == "Failed"]
    failures += [str(run.summary["error"])] if run.summary is not None else []
    assert any(f.startswith("OSSAccessDenied: ") and "oss:RestoreObjectVersion" in f for f in failures), failures
    assert run.restored == []


# Each permission the run needs, removed from one stack (the index picks which, so that every stack
# loses one): the run fails and names the denied action. The flow role's denials are the task errors
# FnF reports; the function role's, the handlers' errors carrying OSS's 403 AccessDenied.
@pytest.mark.parametrize(
    "action, error, index",
    [
        ("fc:InvokeFunction", "FC.AccessDenied", 0),
        ("fnf:StartExecution", "fnf.AccessDenied", 1),
        ("fnf:DescribeExecution", "fnf.AccessDenied", 2),
        ("oss:ListObjects", "OSSAccessDenied", 0),
        ("oss:RestoreObject", "OSSAccessDenied", 1),
        ("oss:CleanRestoredObject", "OSSAccessDenied", 2),
        ("oss:PutObject", "OSSAccessDenied", 0),
    ],
)
def test_a_stack_missing_one_permission_fails_its_local_run_naming_the_action(
    stacks: list[Stack], action: str, error: str, index: int
) -> None:
    cfg, stack = stacks[index % len(stacks)]
    # GIVEN the stack's policies without `action`
    # WHEN its main flow runs (and, for the clean permission, a clean run after it)
    run = _run(cfg, stack, without=action, then=("clean",) if action == "oss:CleanRestoredObject" else ())
    # THEN the role denied that action, and the run failed with the documented error naming it
    denied = run.flow_role.denied + run.function_role.denied
    assert denied and all(d.startswith(f"{action} on ") for d in denied), denied
    # (a round that fails ends the run with a summary naming the error, where the summary can be written)
    failures = [f"{r.error}: {r.cause}" for r in run.results if r.status == "Failed"]
    if run.summary is not None:
        failures.append(str(run.summary["error"]))
    assert any(f.startswith(f"{error}: ") and action in f for f in failures), failures


# Objects a converting or copying run finds archived, put over HTTP as a client would: (key, class, Content-Type,
# tags as x-oss-tagging or ""). The Standard one is readable already: neither converted nor copied.
CONVERTIBLE = (
    ("c/a.csv", "Archive", "text/csv", ""),
    ("c/b.json", "ColdArchive", "application/json", "team=data&keep=yes"),
    ("c/c.png", "Archive", "image/png", "team=media"),
    ("c/d.txt", "ColdArchive", "text/plain; charset=utf-8", ""),
    ("c/e.bin", "Standard", "application/octet-stream", ""),
)


def _seeder(tagged: bool = True) -> Seeder:
    def seed(emu: Emulator, bucket: str) -> tuple[dict[str, Any], list[tuple[str, str | None]]]:
        client = _client(emu, bucket)
        for key, cls, content_type, tags in CONVERTIBLE:
            headers = {"x-oss-storage-class": cls, "Content-Type": content_type}
            if tags and tagged:
                headers["x-oss-tagging"] = tags
            client.put_object(key, f"{key} {cls}\n".encode() * 40, headers=headers)
        return {"flow_prefix": "c/"}, [(key, None) for key, cls, _, _ in CONVERTIBLE if cls != "Standard"]

    return seed


def _client(emu: Emulator, bucket: str) -> oss2.Bucket:
    return oss2.Bucket(oss2.Auth(SEED_AK, SEED_SK), emu.endpoint, bucket)


def _failures(run: Run) -> list[str]:
    failures = [f"{r.error}: {r.cause}" for r in run.results if r.status == "Failed"]
    return failures + ([str(run.summary["error"])] if run.summary is not None and run.summary.get("error") else [])


@pytest.mark.parametrize("size", ["copy-object", "multipart"])
def test_every_converting_stack_converts_in_place_within_its_own_ram_policies(
    stacks: list[Stack], monkeypatch: pytest.MonkeyPatch, size: str
) -> None:
    if size == "multipart":  # every object takes the multipart copy objects of 1 GB or more take
        monkeypatch.setattr(copier, "COPY_OBJECT_MAX_BYTES", 0)
    converting = [(cfg, stack) for cfg, stack in stacks if cfg.convert]
    assert converting  # the shipped matrix has one (test_infra_config)
    for cfg, stack in converting:
        # GIVEN Archive and Cold Archive objects put with a Content-Type, some with tags, and a Standard one
        # WHEN the stack's main flow restores them with convertTo Standard, under its own synthesized policies
        run = _run(cfg, stack, wait_per_batch=False, seed=_seeder(), flow={"convertTo": "Standard"})
        # THEN every execution succeeded, nothing was denied, and each archived object was converted
        assert {r.status for r in run.results} == {"Succeeded"}, [(r.name, r.error, r.cause) for r in run.results]
        assert run.flow_role.denied == [] and run.function_role.denied == []
        assert run.summary is not None and run.summary["verdict"] == "success"
        assert run.summary["byOutcome"]["converted"] == len(run.expected) == 4
        # AND every object is Standard, with its Content-Type and tags (read back over HTTP)
        with run.emulator:
            client = _client(run.emulator, run.bucket_name)
            for key, _, content_type, tags in CONVERTIBLE:
                head = client.head_object(key)
                assert (head.headers["x-oss-storage-class"], head.content_type) == ("Standard", content_type), key
                assert run.emulator.object_tags(run.bucket_name, key) == dict(
                    pair.split("=") for pair in tags.split("&") if pair
                )
        assert run.emulator.multipart_uploads(run.bucket_name) == []
        # AND the copies were written onto the archived objects themselves, their tags read and written with them
        written = {r.split(":", 4)[4] for action, r in run.function_role.allowed if action == "oss:PutObject"}
        archived = {f"{run.bucket_name}/{key}" for key, _ in run.expected}
        assert archived <= written
        assert all(w in archived or w.startswith(f"{cfg.report_bucket}/{cfg.report_prefix}") for w in written)
        tagged = {f"{run.bucket_name}/{key}" for key, _, _, tags in CONVERTIBLE if tags}
        for action in ("oss:GetObjectTagging", "oss:PutObjectTagging"):
            assert {r.split(":", 4)[4] for a, r in run.function_role.allowed if a == action} == tagged, action
        # AND a multipart copy first looked for an upload to resume, in the bucket it writes to
        listed_uploads = {r.split(":", 4)[4] for a, r in run.function_role.allowed if a == "oss:ListMultipartUploads"}
        assert listed_uploads == ({run.bucket_name} if size == "multipart" else set())


@pytest.mark.parametrize(
    ("case", "action", "tagged"),
    [
        ("not configured to convert", "oss:PutObject", False),
        ("without oss:GetObjectTagging", "oss:GetObjectTagging", True),
        ("without oss:PutObjectTagging", "oss:PutObjectTagging", True),
    ],
)
def test_a_stack_not_granted_the_conversion_fails_its_converting_run_naming_the_action(
    stacks: list[Stack], case: str, action: str, tagged: bool
) -> None:
    cfg, stack = next((cfg, stack) for cfg, stack in stacks if cfg.convert)
    # GIVEN the stack's function policy as synthesized without `convert` (the report prefix still writable), or
    # with it but without one of the tagging actions a copy of a tagged object needs
    if case == "not configured to convert":
        options: dict[str, Any] = {"policy_config": replace(cfg, convert=False, copy_targets=())}
    else:
        options = {"without": action}
    # WHEN its main flow restores archived objects with convertTo Standard
    run = _run(cfg, stack, wait_per_batch=False, seed=_seeder(tagged), flow={"convertTo": "Standard"}, **options)
    # THEN the function role denied exactly that action, on the objects of the bucket
    denied = run.function_role.denied
    assert denied and all(d.startswith(f"{action} on acs:oss:*:{ACCOUNT}:{run.bucket_name}/c/") for d in denied), denied
    # AND the run failed with OSS's refusal of the CopyObject, naming the action
    failures = _failures(run)
    assert any(f.startswith("OSSAccessDenied: CopyObject denied") and action in f for f in failures), failures
    # AND no object whose copy needs the action changed class (without a tagging action: the tagged ones)
    needs = [(key, cls) for key, cls, _, tags in CONVERTIBLE if not tagged or tags]
    assert [(key, run.emulator.storage_class(run.bucket_name, key)) for key, _ in needs] == needs


@pytest.mark.parametrize("size", ["copy-object", "multipart"])
def test_every_copying_stack_copies_to_its_configured_target_within_its_own_ram_policies(
    stacks: list[Stack], monkeypatch: pytest.MonkeyPatch, size: str
) -> None:
    if size == "multipart":
        monkeypatch.setattr(copier, "COPY_OBJECT_MAX_BYTES", 0)
    copying = [(cfg, stack) for cfg, stack in stacks if cfg.copy_targets]
    assert copying  # the shipped matrix has one (test_infra_config)
    for cfg, stack in copying:
        target = cfg.copy_targets[0]
        # GIVEN archived objects WHEN the stack's main flow restores them with copyTo its configured target, as IA
        run = _run(cfg, stack, wait_per_batch=False, seed=_seeder(), flow={"copyTo": target.url, "copyClass": "IA"})
        # THEN every execution succeeded, nothing was denied, and each archived object was copied
        assert {r.status for r in run.results} == {"Succeeded"}, [(r.name, r.error, r.cause) for r in run.results]
        assert run.flow_role.denied == [] and run.function_role.denied == []
        assert run.summary is not None and run.summary["byOutcome"]["copied"] == len(run.expected) == 4
        # AND each copy is at the target, re-rooted from the run's prefix, IA, with its source's Content-Type; the
        # sources stay where and as they were
        with run.emulator:
            copies = _client(run.emulator, target.bucket)
            for key, cls, content_type, _ in CONVERTIBLE:
                copy = target.prefix + key[len("c/") :]
                if cls == "Standard":
                    assert not copies.object_exists(copy), copy
                    continue
                head = copies.head_object(copy)
                assert (head.headers["x-oss-storage-class"], head.content_type) == ("IA", content_type), copy
                assert run.emulator.object_tags(target.bucket, copy) == run.emulator.object_tags(run.bucket_name, key)
                assert run.emulator.storage_class(run.bucket_name, key) == cls
        assert run.emulator.multipart_uploads(target.bucket) == []
        # AND the role wrote nothing outside the target's prefix and the report prefix
        written = {r.split(":", 4)[4] for action, r in run.function_role.allowed if action == "oss:PutObject"}
        assert all(
            w.startswith((f"{target.bucket}/{target.prefix}", f"{cfg.report_bucket}/{cfg.report_prefix}"))
            for w in written
        ), written
        assert (
            "oss:ListObjects",
            f"acs:oss:*:{cfg.account_id or ACCOUNT}:{target.bucket}",
        ) in run.function_role.allowed


@pytest.mark.parametrize(
    ("where", "action", "operation"),
    [("another bucket", "oss:ListObjects", "ListObjects"), ("another prefix", "oss:PutObject", "CopyObject")],
)
def test_a_copy_to_a_place_not_configured_fails_naming_the_action(
    stacks: list[Stack], where: str, action: str, operation: str
) -> None:
    cfg, stack = next((cfg, stack) for cfg, stack in stacks if cfg.copy_targets)
    # GIVEN a copyTo outside the stack's copy targets: a bucket not listed, or another prefix of a listed bucket
    outside = "oss://example-unlisted-copies/restored/" if where == "another bucket" else None
    if outside is None:
        outside = f"oss://{cfg.copy_targets[0].bucket}/not-{cfg.copy_targets[0].prefix}"
    assert not cfg.may_copy_to(outside)
    # WHEN the stack's main flow restores archived objects with it
    run = _run(
        cfg, stack, wait_per_batch=False, seed=_seeder(), flow={"copyTo": outside}, buckets=("example-unlisted-copies",)
    )
    # THEN the function role denied that action, there, and the run failed with OSS's refusal naming it
    denied = run.function_role.denied
    place = outside[len("oss://") :]
    place = place.split("/")[0] if action == "oss:ListObjects" else place
    assert denied and all(d.startswith(f"{action} on acs:oss:*:{ACCOUNT}:{place}") for d in denied), denied
    failures = _failures(run)
    assert any(f.startswith(f"OSSAccessDenied: {operation}") and action in f for f in failures), failures
    # AND nothing was copied anywhere
    assert run.emulator.keys("example-unlisted-copies") == []
    assert all(run.emulator.keys(t.bucket, t.prefix) == [] for t in cfg.copy_targets)
