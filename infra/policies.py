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

Only with `convert` or `copy_targets` (`infra/environments.yaml`); neither configured, nothing of this:

| action                                  | resource granted                           | source (ramcheck.catalog)            |
|-----------------------------------------|--------------------------------------------|--------------------------------------|
| oss:PutObject, oss:PutObjectTagging,    | with `convert`: the configured buckets'    | OSS API "Permissions" tables:        |
| oss:AbortMultipartUpload, oss:ListParts | objects; each copy target's bucket/prefix* | CopyObject, InitiateMultipartUpload, |
|                                         |                                            | AbortMultipartUpload, ListParts      |
| oss:ListMultipartUploads                | with `convert`: the configured buckets;    | ListMultipartUploads                 |
|                                         | each copy target's bucket                  |                                      |
| oss:GetObjectTagging and its versioned  | with either: the configured buckets'       | CopyObject "Permissions"             |
| oss:GetObjectVersionTagging             | objects (the copies' sources)              |                                      |
| oss:GetObject                           | each copy target's bucket/prefix*          | the RAM overview (HeadObject)        |
| oss:ListObjects                         | each copy target's bucket                  | same                                 |

A copy (`restore_core.copier`) is CopyObject below 1 GB: oss:PutObject on the copy, oss:GetObject (by version
oss:GetObjectVersion, already granted) on the source, and, since it keeps its source's tags, oss:GetObjectTagging
(by version oss:GetObjectVersionTagging) on a tagged source and oss:PutObjectTagging on its copy. From 1 GB a
multipart copy: HeadObject (oss:GetObject) and GetObjectTagging on the source; ListMultipartUploads of the copy's
bucket and ListParts of an upload found there (an earlier invocation's, resumed); InitiateMultipartUpload (with
the tags as x-oss-tagging: oss:PutObjectTagging), UploadPartCopy and CompleteMultipartUpload (oss:PutObject) on
the copy; AbortMultipartUpload when OSS refuses it for good. A copy to a target first looks there: ListObjects on
its bucket, HeadObject (oss:GetObject) on its objects. A conversion's copy is its source, so it needs no GetObject
beyond the restore's; the expiry guard's RestoreObject is the restore's too.

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
# Writing a copy (`convert`: onto the configured buckets' objects; `copy_targets`: below each target): CopyObject,
# the multipart copy's Initiate, UploadPartCopy and Complete are oss:PutObject; the source's tags go with the copy
# (oss:PutObjectTagging); a multipart copy refused for good is aborted, one that outlasted its invocation resumed
# (ListParts of its upload, found by ListMultipartUploads of the copy's bucket).
COPY_ACTIONS_ON_COPIES = ("oss:PutObject", "oss:PutObjectTagging", "oss:AbortMultipartUpload", "oss:ListParts")
COPY_ACTIONS_ON_COPY_BUCKETS = ("oss:ListMultipartUploads",)
# Reading a tagged source's tags (CopyObject keeps them; the multipart copy reads them with GetObjectTagging), by
# version too (a manifest's versionId).
COPY_ACTIONS_ON_SOURCES = ("oss:GetObjectTagging", VERSIONED["oss:GetObjectTagging"])
# A copy to a target first looks for what is there: HeadObject on the copies, ListObjects of the target bucket.
COPY_ACTIONS_ON_TARGETS = (*COPY_ACTIONS_ON_COPIES, "oss:GetObject")
COPY_ACTIONS_ON_TARGET_BUCKETS = ("oss:ListObjects", *COPY_ACTIONS_ON_COPY_BUCKETS)
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
    stack's own log store; and, only when configured, convert in place (`convert`) or copy to the configured
    targets (`copy_targets`)."""
    account = cfg.account_id or "*"
    objects = [f"acs:oss:*:{account}:{b}/*" for b in cfg.buckets]
    return _dump(
        [
            grant(FUNCTION_ACTIONS_ON_BUCKET, [f"acs:oss:*:{account}:{b}" for b in cfg.buckets]),
            grant(FUNCTION_ACTIONS_ON_OBJECTS, objects),
            grant(FUNCTION_ACTIONS_ON_REPORT, [f"acs:oss:*:{account}:{cfg.report_bucket}/{cfg.report_prefix}*"]),
            grant(FUNCTION_ACTIONS_ON_REPORT_BUCKET, [f"acs:oss:*:{account}:{cfg.report_bucket}"]),
            grant(
                FUNCTION_ACTIONS_ON_LOGS,
                [f"acs:log:{cfg.region}:{account}:project/{names.log_project}/logstore/{names.log_store}"],
            ),
            *copy_statements(cfg, account, objects),
        ]
    )


def copy_statements(cfg: DeploymentConfig, account: str, objects: list[str]) -> list[dict[str, Any]]:
    """What converting in place and copying to the configured targets add; nothing when neither is configured."""
    statements = []
    if cfg.convert:  # each object of the configured buckets is its own copy's source and target
        statements.append(grant((*COPY_ACTIONS_ON_COPIES, *COPY_ACTIONS_ON_SOURCES), objects))
        statements.append(grant(COPY_ACTIONS_ON_COPY_BUCKETS, [f"acs:oss:*:{account}:{b}" for b in cfg.buckets]))
    elif cfg.copy_targets:
        statements.append(grant(COPY_ACTIONS_ON_SOURCES, objects))
    if cfg.copy_targets:
        statements.append(
            grant(COPY_ACTIONS_ON_TARGETS, [f"acs:oss:*:{account}:{t.bucket}/{t.prefix}*" for t in cfg.copy_targets])
        )
        buckets = dict.fromkeys(t.bucket for t in cfg.copy_targets)  # in order, each once
        statements.append(grant(COPY_ACTIONS_ON_TARGET_BUCKETS, [f"acs:oss:*:{account}:{b}" for b in buckets]))
    return statements


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
