"""Every synthesized stack, checked against the provider schema and for least privilege."""

from __future__ import annotations

import json
import os
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

import fdl
import ramcheck
from fdl.paths import Constant
from infra.app import synthesize
from infra.config import CopyTarget, DeploymentConfig
from infra.flows import from_terraform_literal
from infra.naming import names_for
from infra.package import fc_crc64
from infra.policies import PolicyFormError, function_policy, grant
from infra.schema_check import check_stack, load_schema

REPO_ROOT = Path(__file__).resolve().parent.parent
ACCOUNT = "1234567890123456"


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[DeploymentConfig, dict[str, Any], Path]]:
    outdir = tmp_path_factory.mktemp("cdktf.out")
    matrix = synthesize(outdir=outdir)
    stacks = {}
    for cfg in matrix:
        stack_dir = outdir / "stacks" / cfg.stack_id
        stacks[cfg.stack_id] = (cfg, json.loads((stack_dir / "cdk.tf.json").read_text()), stack_dir)
    return stacks


def _resources(stack: dict[str, Any], rtype: str) -> list[dict[str, Any]]:
    return list(stack["resource"].get(rtype, {}).values())


def test_every_stack_of_the_matrix_is_synthesized(synthesized: dict[str, Any]) -> None:
    assert {"oss-restore-dev-cn-hangzhou", "oss-restore-prod-cn-hangzhou", "oss-restore-prod-cn-shanghai"} <= set(
        synthesized
    )


def test_every_stack_passes_the_provider_schema(synthesized: dict[str, Any]) -> None:
    schema = load_schema()
    for stack_id, (_, stack, _) in synthesized.items():
        assert check_stack(stack, schema) == [], stack_id


def test_provider_region_backend_and_outputs(synthesized: dict[str, Any]) -> None:
    for cfg, stack, _ in synthesized.values():
        assert stack["provider"]["alicloud"] == [{"region": cfg.region}]
        backend = stack["terraform"]["backend"]
        if cfg.backend.__class__.__name__ == "LocalStateBackend":
            # relative: the default local backend would write this machine's absolute path
            assert backend == {"local": {"path": f"{cfg.stack_id}.tfstate"}}
        else:
            assert backend["oss"]["bucket"] == cfg.backend.bucket
            assert backend["oss"]["prefix"] == f"{cfg.backend.prefix}/{cfg.stack_id}"
        assert set(stack["output"]) == {
            "main_flow_name",
            "restore_flow_name",
            "listArchiveFiles_arn",
            "restore_arn",
            "restoreStatus_arn",
            "summarize_arn",
            "notify_arn",
            "function_role_arn",
            "flow_role_arn",
        }
        # nothing of the machine that synthesized it: not the checkout's path, not the home directory
        text = json.dumps(stack)
        assert str(REPO_ROOT) not in text and str(Path.home()) not in text


def test_functions_use_one_package_whose_checksum_matches_its_bytes(synthesized: dict[str, Any]) -> None:
    for cfg, stack, stack_dir in synthesized.values():
        functions = _resources(stack, "alicloud_fc_function")
        assert sorted(f["handler"] for f in functions) == [
            "list_archive_files.handler",
            "notify.handler",
            "restore.handler",
            "restore_status.handler",
            "summarize.handler",
        ]
        assert {f["runtime"] for f in functions} == {cfg.runtime}
        assert {(f["memory_size"], f["timeout"]) for f in functions} == {(cfg.memory_mb, cfg.timeout_s)}
        assert len({f["filename"] for f in functions}) == 1
        package = (stack_dir / functions[0]["filename"]).read_bytes()
        assert {f["code_checksum"] for f in functions} == {fc_crc64(package)}


def _oss_workspaces(lister: dict[str, Any], objects: list[str]) -> list[str]:
    """The workspaces Terraform's oss backend configured as `lister` lists in a bucket holding `objects`.

    internal/backend/remote-state/oss/backend_state.go, `Workspaces`: list under `<prefix>/`, skip
    `<prefix>/<key>` (the default workspace), and every other object's first path segment is a workspace.
    """
    prefix, key = lister["prefix"], lister["key"]
    return sorted(
        {
            o[len(prefix) + 1 :].split("/")[0]
            for o in objects
            if o.startswith(prefix + "/") and o != f"{prefix}/{key}" and o[len(prefix) + 1 :]
        }
    )


def test_each_stack_state_is_no_workspace_of_another_stack(synthesized: dict[str, Any]) -> None:
    # GIVEN the oss backend blocks of all stacks, and every stack's state written to its bucket, in the
    # default workspace and in a workspace "staging"
    backends = [
        stack["terraform"]["backend"]["oss"]
        for _, stack, _ in synthesized.values()
        if "oss" in stack["terraform"]["backend"]
    ]
    assert len(backends) >= 2
    objects: dict[str, list[str]] = {}
    for b in backends:
        objects.setdefault(b["bucket"], []).extend([f"{b['prefix']}/{b['key']}", f"{b['prefix']}/staging/{b['key']}"])
    for b in backends:
        # WHEN Terraform lists the workspaces of one stack
        listed = _oss_workspaces(b, objects[b["bucket"]])
        # THEN it sees only its own "staging", never another stack's state
        assert listed == ["staging"], (b["prefix"], listed)
    assert len({(b["bucket"], b["prefix"]) for b in backends}) == len(backends)


def _policy(stack: dict[str, Any], name: str) -> dict[str, Any]:
    (policy,) = [p for p in _resources(stack, "alicloud_ram_policy") if p["policy_name"] == name]
    return json.loads(policy["policy_document"])


# Actions whose API reference lists the resource type "All Resources" (no resource-level authorization):
# only these may be granted on Resource "*". Pinned here, apart from ramcheck.catalog, so that a wrong
# catalog entry cannot silently widen a grant.
DOCUMENTED_WITHOUT_RESOURCE_LEVEL = {
    "fnf:StartExecution": "https://www.alibabacloud.com/help/en/serverless-workflow/latest/api-fnf-2019-03-15-startexecution",
    "fnf:DescribeExecution": "https://www.alibabacloud.com/help/en/serverless-workflow/latest/api-fnf-2019-03-15-describeexecution",
}


def test_no_policy_grants_a_wildcard_action_or_an_unscoped_resource_level_action(synthesized: dict[str, Any]) -> None:
    for _, stack, _ in synthesized.values():
        for role in _resources(stack, "alicloud_ram_role"):
            for statement in json.loads(role["assume_role_policy_document"])["Statement"]:
                assert statement["Action"] == ["sts:AssumeRole"], statement
        for policy in _resources(stack, "alicloud_ram_policy"):
            for statement in json.loads(policy["policy_document"])["Statement"]:
                assert statement["Effect"] == "Allow"
                assert not any(c in action for action in statement["Action"] for c in "*?"), statement
                if "*" in statement["Resource"]:
                    # THEN Resource "*" appears alone, and only for actions documented without resource-level authorization
                    assert statement["Resource"] == ["*"], statement
                    assert set(statement["Action"]) <= set(DOCUMENTED_WITHOUT_RESOURCE_LEVEL), statement
                else:
                    # THEN such an action is never scoped to ARNs: that would grant nothing in the cloud
                    assert not set(statement["Action"]) & set(DOCUMENTED_WITHOUT_RESOURCE_LEVEL), statement
                    assert all(r.startswith("acs:") and not r.startswith("acs:*") for r in statement["Resource"]), (
                        statement
                    )


def test_the_catalog_agrees_with_the_documented_list() -> None:
    unscoped = {a: s.source for a, s in ramcheck.ACTIONS.items() if not s.resource_level}
    assert unscoped == DOCUMENTED_WITHOUT_RESOURCE_LEVEL


def _copy_grants(cfg: DeploymentConfig) -> dict[tuple[str, ...], list[str]]:
    """What `convert` and `copy_targets` add to the function role, written out: nothing when neither is set."""
    objects = [f"acs:oss:*:*:{b}/*" for b in cfg.buckets]
    write = ("oss:PutObject", "oss:PutObjectTagging", "oss:AbortMultipartUpload", "oss:ListParts")
    tags = ("oss:GetObjectTagging", "oss:GetObjectVersionTagging")
    grants: dict[tuple[str, ...], list[str]] = {}
    if cfg.convert:
        grants[(*write, *tags)] = objects
        grants[("oss:ListMultipartUploads",)] = [f"acs:oss:*:*:{b}" for b in cfg.buckets]
    elif cfg.copy_targets:
        grants[tags] = objects
    if cfg.copy_targets:
        grants[(*write, "oss:GetObject")] = [f"acs:oss:*:*:{t.bucket}/{t.prefix}*" for t in cfg.copy_targets]
        grants[("oss:ListObjects", "oss:ListMultipartUploads")] = sorted(
            {f"acs:oss:*:*:{t.bucket}" for t in cfg.copy_targets}
        )
    return grants


def test_function_role_is_scoped_to_the_configured_buckets_and_own_logs(synthesized: dict[str, Any]) -> None:
    for cfg, stack, _ in synthesized.values():
        names = names_for(cfg)
        statements = _policy(stack, names.fc_policy)["Statement"]
        grants = {tuple(s["Action"]): s["Resource"] for s in statements[:5]}
        assert grants == {
            ("oss:ListObjects", "oss:GetBucketArchiveDirectRead", "oss:ListObjectVersions"): [
                f"acs:oss:*:*:{b}" for b in cfg.buckets
            ],
            (
                "oss:GetObject",
                "oss:GetObjectVersion",
                "oss:RestoreObject",
                "oss:RestoreObjectVersion",
                "oss:CleanRestoredObject",
                "oss:CleanRestoredObjectVersion",
            ): [f"acs:oss:*:*:{b}/*" for b in cfg.buckets],
            ("oss:PutObject", "oss:GetObject"): [f"acs:oss:*:*:{cfg.report_bucket}/{cfg.report_prefix}*"],
            ("oss:ListObjects",): [f"acs:oss:*:*:{cfg.report_bucket}"],
            ("log:PostLogStoreLogs",): [f"acs:log:{cfg.region}:*:project/{names.log_project}/logstore/functions"],
        }
        # AND after those, exactly what converting and copying need, only where configured
        added = {tuple(s["Action"]): sorted(s["Resource"]) for s in statements[5:]}
        assert len(added) == len(statements[5:]) and added == {
            actions: sorted(resources) for actions, resources in _copy_grants(cfg).items()
        }


def test_the_shipped_matrix_has_a_converting_stack_and_a_copying_one(synthesized: dict[str, Any]) -> None:
    # (so that the checks above and the local runs in test_infra_flows_local.py cover both grants)
    configs = [cfg for cfg, _, _ in synthesized.values()]
    assert any(c.convert for c in configs) and any(c.copy_targets for c in configs)


TARGETS = (CopyTarget("copies-1", "restored/"), CopyTarget("copies-1", "again/"), CopyTarget("copies-2"))


@pytest.mark.parametrize(
    ("convert", "targets"),
    [(False, ()), (True, ()), (False, TARGETS), (True, TARGETS[:1])],
    ids=["neither", "convert", "copy-targets", "both"],
)
def test_the_function_role_may_convert_and_copy_exactly_where_configured(
    synthesized: dict[str, Any], convert: bool, targets: tuple[CopyTarget, ...]
) -> None:
    base_cfg, _, _ = synthesized["oss-restore-prod-cn-hangzhou"]
    plain = replace(base_cfg, convert=False, copy_targets=())
    cfg = replace(plain, convert=convert, copy_targets=targets, account_id=ACCOUNT)
    names = names_for(cfg)
    # GIVEN the function policy of a stack configured with or without `convert` and `copy_targets`
    document = json.loads(function_policy(cfg, names))
    # THEN its first statements are those of the same stack configured with neither, and the rest exactly the
    # copy grants (none for neither)
    base = json.loads(function_policy(replace(plain, account_id=ACCOUNT), names))["Statement"]
    assert document["Statement"][: len(base)] == base
    added = {tuple(s["Action"]): sorted(s["Resource"]) for s in document["Statement"][len(base) :]}
    expected = {
        actions: sorted(r.replace(":*:*:", f":*:{ACCOUNT}:") for r in resources)
        for actions, resources in _copy_grants(cfg).items()
    }
    assert added == expected
    assert bool(added) == (convert or bool(targets))
    # AND judged as RAM would: a copy is written in place only with `convert`, below a target only when listed
    authorize = ramcheck.Authorizer(ramcheck.Policy.parse(document), region=cfg.region, account=ACCOUNT)
    source = f"acs:oss:*::{cfg.buckets[0]}/data/k"
    write = ("oss:PutObject", "oss:PutObjectTagging", "oss:AbortMultipartUpload", "oss:ListParts")
    for action in write:
        assert authorize.allows(action, source) is convert, action
    assert authorize.allows("oss:ListMultipartUploads", f"acs:oss:*::{cfg.buckets[0]}") is convert
    for action in ("oss:GetObjectTagging", "oss:GetObjectVersionTagging"):
        assert authorize.allows(action, source) is (convert or bool(targets)), action
    for target in TARGETS:
        listed = target in targets
        for action in (*write, "oss:GetObject"):
            assert authorize.allows(action, f"acs:oss:*::{target.bucket}/{target.prefix}k") is listed, (target, action)
        for action in ("oss:ListObjects", "oss:ListMultipartUploads"):
            assert authorize.allows(action, f"acs:oss:*::{target.bucket}") is any(
                t.bucket == target.bucket for t in targets
            ), (target, action)
    # AND never outside a target's prefix
    assert not authorize.allows("oss:PutObject", "acs:oss:*::copies-1/elsewhere/k")


def test_flow_role_may_invoke_only_its_functions_and_start_executions_in_the_form_the_api_honours(
    synthesized: dict[str, Any],
) -> None:
    for cfg, stack, _ in synthesized.values():
        names = names_for(cfg)
        grants = {tuple(s["Action"]): s["Resource"] for s in _policy(stack, names.flow_policy)["Statement"]}
        service = f"acs:fc:{cfg.region}:*:services/{names.service}/functions/"
        assert grants == {
            ("fc:InvokeFunction",): [
                service + names.functions[f]
                for f in ("listArchiveFiles", "restore", "restoreStatus", "summarize", "notify")
            ],
            ("fnf:StartExecution", "fnf:DescribeExecution"): ["*"],
        }


def test_a_grant_in_a_form_the_service_does_not_document_is_refused() -> None:
    # WHEN StartExecution is scoped to a flow ARN, or InvokeFunction granted on "*", or the two mixed
    # THEN synthesis refuses each, naming the actions
    with pytest.raises(PolicyFormError, match="fnf:StartExecution: no resource-level authorization"):
        grant(("fnf:StartExecution",), ["acs:fnf:cn-hangzhou:*:flow/x"])
    with pytest.raises(PolicyFormError, match="fc:InvokeFunction: resource-level actions need named resources"):
        grant(("fc:InvokeFunction",), None)
    with pytest.raises(PolicyFormError, match="mixes actions"):
        grant(("fc:InvokeFunction", "fnf:StartExecution"), ["acs:fc:cn-hangzhou:*:services/s/functions/f"])


def test_roles_trust_only_their_service_and_names_do_not_collide_across_regions(synthesized: dict[str, Any]) -> None:
    role_names: list[str] = []
    for _, stack, _ in synthesized.values():
        for role in _resources(stack, "alicloud_ram_role"):
            (statement,) = json.loads(role["assume_role_policy_document"])["Statement"]
            assert statement["Principal"]["Service"] in (["fc.aliyuncs.com"], ["fnf.aliyuncs.com"])
            role_names.append(role["role_name"])
    # RAM roles are account-wide: two regions of one environment must not fight over one role.
    assert len(role_names) == len(set(role_names))


def test_flow_definitions_name_this_stacks_functions_and_subflow(synthesized: dict[str, Any]) -> None:
    for cfg, stack, _ in synthesized.values():
        names = names_for(cfg)
        flows = {f["name"]: from_terraform_literal(f["definition"]) for f in _resources(stack, "alicloud_fnf_flow")}
        assert set(flows) == {names.main_flow, names.restore_flow}
        assert all(f["type"] == "FDL" for f in _resources(stack, "alicloud_fnf_flow"))
        assert not re.search(r"\{\{\s*\w+\s*\}\}", "".join(flows.values()))
        assert f"acs:fnf:::flow/{names.restore_flow}" in flows[names.main_flow]
        assert f"services/{names.service}/functions/{names.functions['restore']}" in flows[names.restore_flow]


def test_continue_as_new_starts_the_stacks_own_main_flow_by_name_not_by_context(synthesized: dict[str, Any]) -> None:
    for cfg, stack, _ in synthesized.values():
        names = names_for(cfg)
        definitions = {
            f["name"]: from_terraform_literal(f["definition"]) for f in _resources(stack, "alicloud_fnf_flow")
        }
        main = fdl.load_flow(definitions[names.main_flow], name=names.main_flow)
        # GIVEN the stack's main flow WHEN its StartExecution steps are read
        starts = [s for s in main.steps if isinstance(s, fdl.TaskStep) and s.action == "fnf:StartExecution"]
        # THEN each names the stack's main flow as a constant rendered at synth time
        assert {s.name for s in starts} == {"continueAsNew"}
        for step in starts:
            flow_name = next(m.source for m in step.input_mappings if m.target == "flowName")
            assert flow_name == Constant(names.main_flow), step.name
        # AND no definition reads a $context field the FDL v1 reference does not document
        used = set(re.findall(r"\$context\.[\w.]+", "".join(definitions.values())))
        assert used == {"$context.execution.name"}


def test_checker_reports_what_the_provider_would_refuse() -> None:
    # GIVEN a stack with an unknown attribute, a missing required one, a bad enum and a bad type
    stack = {
        "terraform": {"required_providers": {"alicloud": {"source": "aliyun/alicloud"}}, "backend": {"local": {}}},
        "resource": {
            "alicloud_fnf_flow": {"f": {"name": "x", "definition": "d", "type": "YAML", "bogus": 1}},
            "alicloud_fc_function": {
                "g": {"service": "s", "handler": "h", "runtime": "python3.10", "memory_size": "big"}
            },
            "alicloud_fc_service": {"s": {"log_config": [{"project": "p"}, {"project": "q", "logstore": "l"}]}},
            "alicloud_nope": {"n": {}},
        },
    }
    # WHEN checked
    problems = check_stack(stack, load_schema())
    # THEN each is named
    assert "alicloud_fnf_flow.f.bogus: unknown attribute or block" in problems
    assert "alicloud_fnf_flow.f.description: required attribute missing" in problems
    assert any(p.startswith("alicloud_fnf_flow.f.type: 'YAML' is not one of") for p in problems)
    assert any(p.startswith("alicloud_fc_function.g.memory_size: 'big' is not of type number") for p in problems)
    assert "alicloud_fc_service.s.log_config: 2 blocks, allowed 0..1" in problems
    assert "alicloud_fc_service.s.log_config[0].logstore: required attribute missing" in problems
    assert "alicloud_nope: not a resource type of the provider" in problems


def test_checker_refuses_a_runtime_fc_2_offers_not() -> None:
    # GIVEN an FC 2.0 function on python3.12, a runtime only FC 3.0 offers
    stack = {
        "terraform": {"required_providers": {"alicloud": {"source": "aliyun/alicloud"}}, "backend": {"local": {}}},
        "resource": {
            "alicloud_fc_function": {"g": {"service": "s", "handler": "h", "runtime": "python3.12"}},
            "alicloud_fcv3_function": {"h": {"handler": "h", "runtime": "python3.12"}},
        },
    }
    # WHEN checked THEN the FC 2.0 function is refused and the FC 3.0 one is not
    problems = check_stack(stack, load_schema())
    assert any(p.startswith("alicloud_fc_function.g.runtime: 'python3.12' is not one of") for p in problems)
    assert not any(p.startswith("alicloud_fcv3_function.h.runtime") for p in problems)


def test_log_projects_are_named_per_account_within_log_service_rules(synthesized: dict[str, Any]) -> None:
    for cfg, stack, _ in synthesized.values():
        # GIVEN a synthesized stack WHEN its log project is read
        (project,) = _resources(stack, "alicloud_log_project")
        name = project["project_name"]
        # THEN the name ends with the configured suffix (or account id) and follows SLS's name rules
        assert name == f"{cfg.name_prefix}-{cfg.region}-logs-{cfg.log_project_suffix or cfg.account_id}"
        assert re.fullmatch(r"[a-z0-9][a-z0-9-]{1,61}[a-z0-9]", name), name
