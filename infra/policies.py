"""RAM policy documents: least privilege, named resources only, no wildcard actions.

OSS has no separate RAM action for HeadObject: it is authorised as `oss:GetObject`, so that is the
action the status checks need. Everything else is exactly what the handlers and the flows call.
"""
from __future__ import annotations

import json
from typing import Any

from infra.config import DeploymentConfig
from infra.naming import StackNames, execution_arns, flow_arn, function_arn

# GetBucketArchiveDirectRead: the handlers skip Archive objects a bucket already serves without a restore.
FUNCTION_ACTIONS_ON_BUCKET = ("oss:ListObjects", "oss:GetBucketArchiveDirectRead")
FUNCTION_ACTIONS_ON_OBJECTS = ("oss:GetObject", "oss:RestoreObject")
FUNCTION_ACTIONS_ON_LOGS = ("log:PostLogStoreLogs",)
FLOW_ACTIONS_ON_FUNCTIONS = ("fc:InvokeFunction",)
FLOW_ACTIONS_ON_FLOWS = ("fnf:StartExecution", "fnf:DescribeExecution", "fnf:StopExecution")


def trust_policy(service: str) -> str:
    """Who may assume the role: only the named cloud service (`fc` or `fnf`)."""
    return _dump([{"Action": ["sts:AssumeRole"], "Effect": "Allow",
                   "Principal": {"Service": [f"{service}.aliyuncs.com"]}}])


def function_policy(cfg: DeploymentConfig, names: StackNames) -> str:
    """List, head and restore in the configured buckets; write to the stack's own log store."""
    account = cfg.account_id or "*"
    return _dump([
        _allow(FUNCTION_ACTIONS_ON_BUCKET, [f"acs:oss:*:{account}:{b}" for b in cfg.buckets]),
        _allow(FUNCTION_ACTIONS_ON_OBJECTS, [f"acs:oss:*:{account}:{b}/*" for b in cfg.buckets]),
        _allow(FUNCTION_ACTIONS_ON_LOGS,
               [f"acs:log:{cfg.region}:{account}:project/{names.log_project}/logstore/{names.log_store}"]),
    ])


def flow_policy(cfg: DeploymentConfig, names: StackNames) -> str:
    """Invoke the three functions; start, describe and stop executions of the two flows."""
    flows = (names.main_flow, names.restore_flow)
    return _dump([
        _allow(FLOW_ACTIONS_ON_FUNCTIONS,
               [function_arn(cfg, names.service, fn, for_policy=True) for fn in names.functions.values()]),
        _allow(FLOW_ACTIONS_ON_FLOWS,
               [arn for f in flows for arn in (flow_arn(cfg, f), execution_arns(cfg, f))]),
    ])


def _allow(actions: tuple[str, ...], resources: list[str]) -> dict[str, Any]:
    return {"Action": list(actions), "Effect": "Allow", "Resource": resources}


def _dump(statements: list[dict[str, Any]]) -> str:
    return json.dumps({"Statement": statements, "Version": "1"}, sort_keys=True, separators=(",", ":"))
