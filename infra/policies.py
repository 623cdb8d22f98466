"""RAM policy documents: least privilege, no wildcard actions.

Every action is granted in the form its service documents, taken from `ramcheck.catalog` (the one
table of action -> resource form -> documentation page):

| action                          | resource granted                    | source (ramcheck.catalog)                      |
|---------------------------------|-------------------------------------|------------------------------------------------|
| fc:InvokeFunction               | the stack's five functions          | CloudFlow "Create execution roles"             |
| fnf:StartExecution              | `*`: API lists "All Resources"      | FnF API 2019-03-15 StartExecution              |
| fnf:DescribeExecution           | `*`: API lists "All Resources"      | FnF API 2019-03-15 DescribeExecution           |
| oss:ListObjects                 | the configured buckets              | OSS "Grant access to OSS by using RAM policies" |
| oss:GetBucketArchiveDirectRead  | the configured buckets              | same                                           |
| oss:ListObjectVersions          | the configured buckets              | same                                           |
| oss:GetObject, oss:RestoreObject, oss:CleanRestoredObject | the objects of those buckets | same   |
| and their versioned actions (ramcheck.catalog.VERSIONED) | the objects of those buckets | same     |
| oss:PutObject, oss:GetObject    | the report prefix's objects         | same                                           |
| oss:ListObjects                 | the report bucket                   | same                                           |
| log:PostLogStoreLogs            | the stack's own log store           | SLS API reference, logstore resources          |

The two fnf actions: https://www.alibabacloud.com/help/en/serverless-workflow/latest/api-fnf-2019-03-15-startexecution
and .../api-fnf-2019-03-15-describeexecution ("RAM authorization": resource type "All Resources").
An action without resource-level authorization granted on named ARNs grants nothing in the cloud, so
`grant` takes the resource form from the catalog and never lets one be scoped (or a scoped one be `*`).
OSS has no separate RAM action for HeadObject: it is authorised as `oss:GetObject`, so that is the
action the status checks need. A request naming a `versionId` (`--all-versions`, a manifest's version
column) is authorised as the versioned action (oss:GetObjectVersion, oss:RestoreObjectVersion,
oss:CleanRestoredObjectVersion), so each object action is granted with its versioned one. Everything else is
exactly what the handlers and the flows call.
"""

from __future__ import annotations

import json
from typing import Any

from infra.config import DeploymentConfig
from infra.naming import StackNames, function_arn
from ramcheck.catalog import ACTIONS, ALL_RESOURCES, VERSIONED

# GetBucketArchiveDirectRead: the handlers skip Archive objects a bucket already serves without a restore.
# ListObjectVersions: an allVersions run lists every version. (A manifest is read with GetObject.)
FUNCTION_ACTIONS_ON_BUCKET = ("oss:ListObjects", "oss:GetBucketArchiveDirectRead", "oss:ListObjectVersions")
# RestoreObject also extends restored objects (`extend`); CleanRestoredObject ends a restored Cold or
# Deep Cold copy (`clean`). Each beside the action a request of it naming a versionId is authorised as:
# HeadObject by version (a manifest's versionId, the confirm scan) is oss:GetObjectVersion, RestoreObject and
# CleanRestoredObject by version (`--all-versions`, a manifest's versionId) their *Version actions.
FUNCTION_ACTIONS_ON_OBJECTS = tuple(
    a for plain in ("oss:GetObject", "oss:RestoreObject", "oss:CleanRestoredObject") for a in (plain, VERSIONED[plain])
)
# The run's store (`restore_core.run_store`): the report, its journal and progress, under the configured
# report prefix only; ListObjects on the report bucket reads the store's own names back.
FUNCTION_ACTIONS_ON_REPORT = ("oss:PutObject", "oss:GetObject")
FUNCTION_ACTIONS_ON_REPORT_BUCKET = ("oss:ListObjects",)
FUNCTION_ACTIONS_ON_LOGS = ("log:PostLogStoreLogs",)
FLOW_ACTIONS_ON_FUNCTIONS = ("fc:InvokeFunction",)
# StartExecution: the sync call of the restore flow and every continue-as-new. DescribeExecution: the
# sync call waits for the child's result, and CloudFlow does not document which permissions that wait
# needs ("Integrate with Serverless Workflow", help.aliyun.com/document_detail/149829), so the stricter
# reading grants it and the local engine checks it. StopExecution is never called by the flows.
FLOW_ACTIONS_ON_EXECUTIONS = ("fnf:StartExecution", "fnf:DescribeExecution")


class PolicyFormError(ValueError):
    """A statement would grant actions in a resource form their service does not document."""


def trust_policy(service: str) -> str:
    """Who may assume the role: only the named cloud service (`fc` or `fnf`)."""
    return _dump(
        [{"Action": ["sts:AssumeRole"], "Effect": "Allow", "Principal": {"Service": [f"{service}.aliyuncs.com"]}}]
    )


def function_policy(cfg: DeploymentConfig, names: StackNames) -> str:
    """List, head and restore in the configured buckets; write the report under its prefix; write to the
    stack's own log store."""
    account = cfg.account_id or "*"
    return _dump(
        [
            grant(FUNCTION_ACTIONS_ON_BUCKET, [f"acs:oss:*:{account}:{b}" for b in cfg.buckets]),
            grant(FUNCTION_ACTIONS_ON_OBJECTS, [f"acs:oss:*:{account}:{b}/*" for b in cfg.buckets]),
            grant(FUNCTION_ACTIONS_ON_REPORT, [f"acs:oss:*:{account}:{cfg.report_bucket}/{cfg.report_prefix}*"]),
            grant(FUNCTION_ACTIONS_ON_REPORT_BUCKET, [f"acs:oss:*:{account}:{cfg.report_bucket}"]),
            grant(
                FUNCTION_ACTIONS_ON_LOGS,
                [f"acs:log:{cfg.region}:{account}:project/{names.log_project}/logstore/{names.log_store}"],
            ),
        ]
    )


def flow_policy(cfg: DeploymentConfig, names: StackNames) -> str:
    """Invoke the stack's functions; start executions (of the two flows, but RAM cannot scope that)."""
    return _dump(
        [
            grant(
                FLOW_ACTIONS_ON_FUNCTIONS,
                [function_arn(cfg, names.service, fn, for_policy=True) for fn in names.functions.values()],
            ),
            grant(FLOW_ACTIONS_ON_EXECUTIONS, None),
        ]
    )


def grant(actions: tuple[str, ...], named: list[str] | None) -> dict[str, Any]:
    """One Allow statement: `named` resources for actions with resource-level authorization, `*` (and
    `named` None) for actions documented without it."""
    levels = {ACTIONS[a].resource_level for a in actions}
    if len(levels) != 1:
        raise PolicyFormError(f"{', '.join(actions)}: mixes actions with and without resource-level authorization")
    if levels == {True} and not named:
        raise PolicyFormError(f"{', '.join(actions)}: resource-level actions need named resources")
    if levels == {False} and named is not None:
        raise PolicyFormError(f'{", ".join(actions)}: no resource-level authorization; only Resource "*" grants it')
    return {"Action": list(actions), "Effect": "Allow", "Resource": named if named else [ALL_RESOURCES]}


def _dump(statements: list[dict[str, Any]]) -> str:
    return json.dumps({"Statement": statements, "Version": "1"}, sort_keys=True, separators=(",", ":"))
