"""How RAM authorizes each action the project's roles use: the resource form each service documents.

One table, action -> resource form -> source. `ALL_RESOURCES` marks an action documented without
resource-level authorization ("All Resources" in its API reference): RAM checks it against `*`, so a
statement naming ARNs grants nothing for it and only `"Resource": "*"` does. The policies in
`infra/policies.py` are built from this table, and `ramcheck.Authorizer` evaluates requests with it.

An action missing here is denied by the evaluator: its resource form is unknown, and guessing
resource-level authorization would pass locally what the cloud may refuse.

A request naming a `versionId` is authorized as an action of its own (`VERSIONED`, `request_action`):
OSS's action table gives "GetObject (versionId specified in the request)" as `oss:GetObjectVersion` and
"RestoreObject (versionId specified in the request)" as `oss:RestoreObjectVersion`, so a role granted only
the plain actions is refused every versioned request.
"""

from __future__ import annotations

from dataclasses import dataclass

ALL_RESOURCES = "*"

_FNF_API = "https://www.alibabacloud.com/help/en/serverless-workflow/latest/api-fnf-2019-03-15-"
_FNF_ROLE = "https://www.alibabacloud.com/help/en/serverless-workflow/latest/executive-role-1"
_OSS_RAM = "https://www.alibabacloud.com/help/en/oss/user-guide/ram-policy-overview"
_SLS_LOGSTORE = "https://www.alibabacloud.com/help/doc-detail/29018.html"
# ossutil's `unrestore` (CleanRestoredObject over a prefix, versions included) needs both
# oss:CleanRestoredObject and oss:CleanRestoredObjectVersion; the RAM overview's table predates the API.
_OSS_UNRESTORE = "https://help.aliyun.com/zh/oss/developer-reference/unrestore"
# The copies a run makes (convertTo, copyTo), each API page's "Permissions" table:
# - CopyObject: oss:GetObject on the source (oss:GetObjectVersion naming a versionId), oss:PutObject on the
#   copy; copying tags, oss:GetObjectTagging on the source (oss:GetObjectVersionTagging naming a versionId)
#   and oss:PutObjectTagging on the copy.
# - InitiateMultipartUpload: oss:PutObject; with x-oss-tagging, oss:PutObjectTagging.
# - UploadPartCopy: oss:GetObject (oss:GetObjectVersion) on the source, oss:PutObject on the copy.
# - AbortMultipartUpload: oss:AbortMultipartUpload (on the object of the upload: it is a DELETE of it).
# - ListMultipartUploads: oss:ListMultipartUploads (GET /?uploads: a request of the bucket).
# - ListParts: oss:ListParts (GET /ObjectName?uploadId=...: the object of the upload).
_OSS_COPY = "https://www.alibabacloud.com/help/en/oss/developer-reference/copyobject"
_OSS_INITIATE = "https://help.aliyun.com/en/oss/developer-reference/initiatemultipartupload"
_OSS_PUT_TAGGING = "https://help.aliyun.com/en/oss/developer-reference/putobjecttagging"
_OSS_DELETE_TAGGING = "https://www.alibabacloud.com/help/doc-detail/114879.html"
_OSS_ABORT = "https://help.aliyun.com/en/oss/developer-reference/abortmultipartupload"
_OSS_LIST_UPLOADS = "https://www.alibabacloud.com/help/doc-detail/31997.html"
_OSS_LIST_PARTS = "https://help.aliyun.com/en/oss/developer-reference/listparts"

OSS_BUCKET = "acs:oss:*:{account}:{bucket}"
OSS_OBJECT = "acs:oss:*:{account}:{bucket}/{key}"


@dataclass(frozen=True)
class ActionSpec:
    action: str
    resource: str  # the ARN form RAM checks, or ALL_RESOURCES
    source: str  # the documentation page that states it

    @property
    def resource_level(self) -> bool:
        return self.resource != ALL_RESOURCES


_SPECS = (
    # FC 2.0. CloudFlow's execution-role guide ("Create execution roles") scopes fc:InvokeFunction to
    # acs:fc:::services/<service>/functions/<function>; a qualified call names `<service>.<qualifier>`.
    # (The generated "RAM authorization" table of FC's InvokeFunction API page shows "All Resource";
    # the guide written for exactly this use, a flow role invoking named functions, is followed here.)
    ActionSpec(
        "fc:InvokeFunction",
        "acs:fc:{region}:{account}:services/{service}[.{qualifier}]/functions/{function}",
        _FNF_ROLE,
    ),
    # FnF API 2019-03-15: both list the resource type "All Resources".
    ActionSpec("fnf:StartExecution", ALL_RESOURCES, _FNF_API + "startexecution"),
    ActionSpec("fnf:DescribeExecution", ALL_RESOURCES, _FNF_API + "describeexecution"),
    # OSS: bucket-level actions name the bucket, object-level ones the object; HeadObject and
    # GetObjectMeta are authorized as oss:GetObject, ListObjectsV2 as oss:ListObjects.
    ActionSpec("oss:ListObjects", OSS_BUCKET, _OSS_RAM),
    ActionSpec("oss:GetBucketArchiveDirectRead", OSS_BUCKET, _OSS_RAM),
    ActionSpec("oss:ListObjectVersions", OSS_BUCKET, _OSS_RAM),
    ActionSpec("oss:GetObject", OSS_OBJECT, _OSS_RAM),
    ActionSpec("oss:PutObject", OSS_OBJECT, _OSS_RAM),
    ActionSpec("oss:RestoreObject", OSS_OBJECT, _OSS_RAM),
    # RAM names OSS actions after their APIs (the overview's rule); CleanRestoredObject acts on one object.
    ActionSpec("oss:CleanRestoredObject", OSS_OBJECT, _OSS_RAM),
    # The same calls naming a versionId (see VERSIONED). HeadObject and GetObjectMeta are authorized as
    # GetObject, so with a versionId as oss:GetObjectVersion (the table groups them under GetObject).
    ActionSpec("oss:GetObjectVersion", OSS_OBJECT, _OSS_RAM),
    ActionSpec("oss:RestoreObjectVersion", OSS_OBJECT, _OSS_RAM),
    ActionSpec("oss:CleanRestoredObjectVersion", OSS_OBJECT, _OSS_UNRESTORE),
    # A copy that carries its source's tags reads them from the source and writes them with the copy: CopyObject
    # keeps them by default (x-oss-tagging-directive COPY), a multipart copy reads them (GetObjectTagging) and
    # hands them to InitiateMultipartUpload as x-oss-tagging. Object actions, named after their APIs.
    ActionSpec("oss:GetObjectTagging", OSS_OBJECT, _OSS_COPY),
    ActionSpec("oss:GetObjectVersionTagging", OSS_OBJECT, _OSS_COPY),
    ActionSpec("oss:PutObjectTagging", OSS_OBJECT, _OSS_INITIATE),
    # By version: DeleteObjectTagging's page names oss:DeleteObjectVersionTagging; PutObjectTagging's takes a
    # versionId too, and the stricter reading gives it its versioned action as well (the emulator does).
    ActionSpec("oss:PutObjectVersionTagging", OSS_OBJECT, _OSS_PUT_TAGGING),
    ActionSpec("oss:DeleteObjectTagging", OSS_OBJECT, _OSS_DELETE_TAGGING),
    ActionSpec("oss:DeleteObjectVersionTagging", OSS_OBJECT, _OSS_DELETE_TAGGING),
    # A multipart copy that outlasted its invocation is resumed: the bucket's unfinished uploads of the key
    # (ListMultipartUploads names the bucket), then the parts that upload holds (ListParts, like
    # AbortMultipartUpload, names the object the upload was to write).
    ActionSpec("oss:ListMultipartUploads", OSS_BUCKET, _OSS_LIST_UPLOADS),
    ActionSpec("oss:ListParts", OSS_OBJECT, _OSS_LIST_PARTS),
    ActionSpec("oss:AbortMultipartUpload", OSS_OBJECT, _OSS_ABORT),
    # SLS: logstore actions name acs:log:{#regionId}:{#accountId}:project/{#ProjectName}/logstore/{#LogstoreName}.
    ActionSpec(
        "log:PostLogStoreLogs", "acs:log:{region}:{account}:project/{project}/logstore/{logstore}", _SLS_LOGSTORE
    ),
)

ACTIONS: dict[str, ActionSpec] = {spec.action: spec for spec in _SPECS}

# The action RAM checks when the request names a versionId, per plain action ("RAM Policy overview",
# object-level actions: "... (versionId specified in the request)"; CleanRestoredObject: _OSS_UNRESTORE).
VERSIONED: dict[str, str] = {
    "oss:GetObject": "oss:GetObjectVersion",
    "oss:RestoreObject": "oss:RestoreObjectVersion",
    "oss:CleanRestoredObject": "oss:CleanRestoredObjectVersion",
    "oss:DeleteObject": "oss:DeleteObjectVersion",
    # CopyObject's table: "oss:GetObjectVersionTagging: If you specify the tags of a specific version of the
    # source object through versionId" (_OSS_COPY). The tagging APIs by version likewise (the RAM overview's
    # object-level actions); the emulator authorizes them so (`ossemu.access.VERSIONED_RAM_ACTIONS`).
    "oss:GetObjectTagging": "oss:GetObjectVersionTagging",
    "oss:PutObjectTagging": "oss:PutObjectVersionTagging",
    "oss:DeleteObjectTagging": "oss:DeleteObjectVersionTagging",
}


def spec_of(action: str) -> ActionSpec | None:
    return ACTIONS.get(action)


def request_action(action: str, *, version_id: bool) -> str:
    """The action RAM checks for a request of `action`: its versioned action when the request names a
    versionId (an action without one is checked as itself)."""
    return VERSIONED.get(action, action) if version_id else action
