"""The emulator's optional authorization hook: what the signer of a request may do, as RAM judges it.

`Emulator(authorize=...)` takes a callable `authorize(access_key_id, action, resource)` that returns
when the signer may make the request and raises `PermissionError` (naming the action and resource)
when it may not. After the signature is verified, each request is mapped to the RAM action OSS
authorizes it as (HeadObject and GetObjectMeta as oss:GetObject, ListObjectsV2 as oss:ListObjects) and
to its resource, `acs:oss:*:<account>:<bucket>` or `acs:oss:*:<account>:<bucket>/<key>` ("Grant access
to OSS by using RAM policies", https://www.alibabacloud.com/help/en/oss/user-guide/ram-policy-overview).
A request that names a `versionId` is its own action there ("GetObject (versionId specified in the
request)" is oss:GetObjectVersion, RestoreObject's oss:RestoreObjectVersion), and the hook is asked for
that action (`VERSIONED_RAM_ACTIONS`); CleanRestoredObject with a version is
oss:CleanRestoredObjectVersion (ossutil's `unrestore` page names both permissions).
The emulator has no accounts, so it leaves the account empty (`acs:oss:*::<bucket>/<key>`) for the hook
to fill in with the bucket owner's, as the engine's hook does for ARNs a flow names without one.
A denial is answered as OSS answers it: 403 `AccessDenied`, with the hook's message. Without a hook
(the default) nothing is checked.
"""

from __future__ import annotations

from collections.abc import Callable

from ossemu.errors import OssError

Authorize = Callable[[str, str, str], None]

# Operation (as routed and counted in stats) -> RAM action.
RAM_ACTIONS: dict[str, str] = {
    "ListBuckets": "oss:ListBuckets",
    "PutBucket": "oss:PutBucket",
    "DeleteBucket": "oss:DeleteBucket",
    "ListObjects": "oss:ListObjects",
    "ListObjectsV2": "oss:ListObjects",
    "ListObjectVersions": "oss:ListObjectVersions",
    "GetBucketArchiveDirectRead": "oss:GetBucketArchiveDirectRead",
    "PutBucketArchiveDirectRead": "oss:PutBucketArchiveDirectRead",
    "HeadObject": "oss:GetObject",
    "GetObjectMeta": "oss:GetObject",
    "GetObject": "oss:GetObject",
    "PutObject": "oss:PutObject",
    "CopyObject": "oss:PutObject",  # on the destination; its source is checked as GetObject
    "DeleteObject": "oss:DeleteObject",
    "RestoreObject": "oss:RestoreObject",
    "CleanRestoredObject": "oss:CleanRestoredObject",
    # Multipart: every step that writes the object is oss:PutObject (InitiateMultipartUpload, UploadPart,
    # UploadPartCopy and CompleteMultipartUpload pages, "Permissions"); UploadPartCopy's source is checked as
    # GetObject, like CopyObject's. The others are actions of their own ("RAM Policy",
    # https://www.alibabacloud.com/help/en/oss/user-guide/ram-policy-overview; AbortMultipartUpload,
    # https://help.aliyun.com/en/oss/developer-reference/abortmultipartupload).
    "InitiateMultipartUpload": "oss:PutObject",
    "UploadPart": "oss:PutObject",
    "UploadPartCopy": "oss:PutObject",
    "CompleteMultipartUpload": "oss:PutObject",
    "AbortMultipartUpload": "oss:AbortMultipartUpload",
    "ListParts": "oss:ListParts",
    "ListMultipartUploads": "oss:ListMultipartUploads",
    "GetObjectTagging": "oss:GetObjectTagging",
    "PutObjectTagging": "oss:PutObjectTagging",
    "DeleteObjectTagging": "oss:DeleteObjectTagging",
}
# Operation with a `versionId` parameter -> RAM action. HeadObject and GetObjectMeta are authorized as
# GetObject, so by version as GetObject by version.
VERSIONED_RAM_ACTIONS: dict[str, str] = {
    "HeadObject": "oss:GetObjectVersion",
    "GetObjectMeta": "oss:GetObjectVersion",
    "GetObject": "oss:GetObjectVersion",
    "DeleteObject": "oss:DeleteObjectVersion",
    "RestoreObject": "oss:RestoreObjectVersion",
    "CleanRestoredObject": "oss:CleanRestoredObjectVersion",
    "GetObjectTagging": "oss:GetObjectVersionTagging",
    "PutObjectTagging": "oss:PutObjectVersionTagging",
    "DeleteObjectTagging": "oss:DeleteObjectVersionTagging",
}


def resource_of(bucket: str, key: str) -> str:
    return f"acs:oss:*::{bucket or '*'}" + (f"/{key}" if key else "")


def action_of(operation: str, *, versioned: bool) -> str | None:
    """The RAM action of an operation; `versioned`: the request names a versionId."""
    return (
        VERSIONED_RAM_ACTIONS.get(operation)
        if versioned and operation in VERSIONED_RAM_ACTIONS
        else RAM_ACTIONS.get(operation)
    )


def check(
    hook: Authorize | None, access_key_id: str, operation: str, bucket: str, key: str, *, versioned: bool = False
) -> None:
    action = action_of(operation, versioned=versioned)
    if hook is None or action is None:  # an operation the emulator does not implement fails on its own
        return
    try:
        hook(access_key_id, action, resource_of(bucket, key))
    except PermissionError as e:
        raise OssError(403, "AccessDenied", f"You have no right to access this resource: {e}") from e
