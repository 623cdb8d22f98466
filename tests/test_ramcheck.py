"""The local RAM evaluator: RAM's matching rules, Deny over Allow, and the resource form each action is
authorized against."""

from __future__ import annotations

from typing import Any

import pytest

import ramcheck

REGION, ACCOUNT = "cn-hangzhou", "1234567890123456"
FN = f"acs:fc:{REGION}:{ACCOUNT}:services/svc/functions/fn"


def _policy(*statements: dict[str, Any]) -> ramcheck.Policy:
    return ramcheck.Policy.parse({"Version": "1", "Statement": list(statements)})


def _allow(action: str | list[str], resource: str | list[str]) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource}


def _authorizer(*statements: dict[str, Any]) -> ramcheck.Authorizer:
    return ramcheck.Authorizer(_policy(*statements), region=REGION, account=ACCOUNT)


@pytest.mark.parametrize(
    "pattern, value, matches",
    [
        ("fnf:Start*", "fnf:StartExecution", True),
        ("fnf:*Execution", "fnf:DescribeExecution", True),
        ("fnf:Start*", "fnf:Start", True),  # * matches zero characters
        ("oss:Get?bject", "oss:GetObject", True),
        ("oss:GetObjec?", "oss:GetObject", True),
        ("oss:GetObject?", "oss:GetObject", False),  # ? matches exactly one character
        ("acs:oss:*:*:b/*", "acs:oss:*:1:b/a/deep/key", True),  # * crosses / and :
        ("acs:oss:*:*:b/*", "acs:oss:*:1:bb/k", False),
        ("oss:Get.bject", "oss:GetObject", False),  # regex characters are literal
        ("fnf:startexecution", "fnf:StartExecution", False),  # case-sensitive: the stricter reading
        ("acs:oss:*:*:Bucket/*", "acs:oss:*:1:bucket/k", False),
    ],
)
def test_wildcards_and_case(pattern: str, value: str, matches: bool) -> None:
    assert ramcheck.wildcard_match(pattern, value) is matches


def test_an_allow_grants_only_its_actions_and_resources() -> None:
    # GIVEN a policy allowing one function
    authorize = _authorizer(_allow("fc:InvokeFunction", FN))
    # THEN that call is allowed, another function or another action is not
    authorize("fc:InvokeFunction", FN)
    assert not authorize.allows("fc:InvokeFunction", FN + "2")
    with pytest.raises(
        ramcheck.AccessDenied, match=r"^fc:InvokeFunction on .*/functions/other is denied: no statement allows it$"
    ):
        authorize("fc:InvokeFunction", FN.replace("/fn", "/other"))


@pytest.mark.parametrize("order", ["deny first", "deny last"])
def test_deny_wins_over_allow_wherever_it_stands(order: str) -> None:
    allow = _allow(["oss:GetObject", "oss:RestoreObject"], "acs:oss:*:*:b/*")
    deny = {"Effect": "Deny", "Action": "oss:RestoreObject", "Resource": "acs:oss:*:*:b/secret/*"}
    statements = [deny, allow] if order == "deny first" else [allow, deny]
    authorize = _authorizer(*statements)
    # THEN the denied prefix is refused, naming the statement; the rest is allowed
    with pytest.raises(ramcheck.AccessDenied, match=rf"statement {statements.index(deny)} of the policy denies it"):
        authorize("oss:RestoreObject", f"acs:oss:*:{ACCOUNT}:b/secret/k")
    authorize("oss:RestoreObject", f"acs:oss:*:{ACCOUNT}:b/open/k")
    authorize("oss:GetObject", f"acs:oss:*:{ACCOUNT}:b/secret/k")


def test_an_action_without_resource_level_authorization_is_granted_only_by_resource_star() -> None:
    flow = "acs:fnf:::flow/main"
    # GIVEN StartExecution granted on the flow's ARN, on an ARN pattern, and on "*"
    scoped = _authorizer(_allow("fnf:StartExecution", [f"acs:fnf:{REGION}:{ACCOUNT}:flow/main", "acs:fnf:*:*:flow/*"]))
    star = _authorizer(_allow("fnf:StartExecution", "*"))
    # THEN only "*" grants it, and the denial says why and where that is documented
    with pytest.raises(ramcheck.AccessDenied) as denied:
        scoped("fnf:StartExecution", flow)
    assert str(denied.value).startswith(f"fnf:StartExecution on acs:fnf:{REGION}:{ACCOUNT}:flow/main is denied: ")
    assert "no resource-level authorization" in str(denied.value)
    assert "api-fnf-2019-03-15-startexecution" in str(denied.value)
    star("fnf:StartExecution", flow)


def test_arns_without_region_or_account_are_the_callers() -> None:
    authorize = _authorizer(_allow("fc:InvokeFunction", FN))
    # WHEN the flow names the function without account (as flow definitions do) THEN it is the role's account
    authorize("fc:InvokeFunction", f"acs:fc:{REGION}::services/svc/functions/fn")
    assert authorize.qualify("acs:oss:*::b/k") == f"acs:oss:*:{ACCOUNT}:b/k"
    # AND another account named explicitly is not
    assert not authorize.allows("fc:InvokeFunction", f"acs:fc:{REGION}:999999:services/svc/functions/fn")


def test_a_qualified_call_is_a_different_resource() -> None:
    authorize = _authorizer(_allow("fc:InvokeFunction", FN))
    assert not authorize.allows("fc:InvokeFunction", f"acs:fc:{REGION}:{ACCOUNT}:services/svc.prod/functions/fn")
    assert _authorizer(_allow("fc:InvokeFunction", f"acs:fc:{REGION}:{ACCOUNT}:services/svc.*/functions/fn")).allows(
        "fc:InvokeFunction", f"acs:fc:{REGION}:{ACCOUNT}:services/svc.prod/functions/fn"
    )


def test_a_resource_not_of_the_documented_form_is_refused_even_by_a_star_grant() -> None:
    authorize = _authorizer(_allow("oss:GetObject", "*"), _allow("fc:InvokeFunction", "*"))
    with pytest.raises(
        ramcheck.AccessDenied, match=r"a resource of the form acs:oss:\*:\{account\}:\{bucket\}/\{key\}"
    ):
        authorize("oss:GetObject", f"acs:oss:*:{ACCOUNT}:bucket-only")
    with pytest.raises(ramcheck.AccessDenied, match=r"functions/{function}"):
        authorize("fc:InvokeFunction", f"acs:fc:{REGION}:{ACCOUNT}:functions/fn")  # the FC 3.0 form


def test_an_action_the_catalog_does_not_know_is_denied() -> None:
    authorize = _authorizer({"Effect": "Allow", "Action": "*", "Resource": "*"})
    with pytest.raises(
        ramcheck.AccessDenied, match=r"oss:DeleteObject on .* is denied: how RAM authorizes this action is not in"
    ):
        authorize("oss:DeleteObject", "acs:oss:*::b/k")


def test_a_request_naming_a_version_id_is_checked_as_the_versioned_action() -> None:
    # GIVEN a role granted the plain object actions only
    authorize = _authorizer(
        _allow(["oss:GetObject", "oss:RestoreObject", "oss:CleanRestoredObject"], "acs:oss:*:*:b/*")
    )
    for plain, versioned in (
        ("oss:GetObject", "oss:GetObjectVersion"),
        ("oss:RestoreObject", "oss:RestoreObjectVersion"),
        ("oss:CleanRestoredObject", "oss:CleanRestoredObjectVersion"),
    ):
        # WHEN the same call names a versionId
        action = ramcheck.request_action(plain, version_id=True)
        # THEN RAM checks the versioned action, which the plain grant does not cover; without a version, the plain one
        assert action == versioned and ramcheck.request_action(plain, version_id=False) == plain
        authorize(plain, "acs:oss:*::b/k")
        with pytest.raises(
            ramcheck.AccessDenied, match=rf"{versioned} on acs:oss:\*:{ACCOUNT}:b/k is denied: no statement"
        ):
            authorize(action, "acs:oss:*::b/k")
    # AND an action with no versioned form is checked as itself
    assert ramcheck.request_action("oss:ListObjects", version_id=True) == "oss:ListObjects"


# The copies a run makes (convertTo, copyTo): each action with the page whose "Permissions" table names it.
COPY_ACTIONS = {
    "oss:PutObjectTagging": "/oss/developer-reference/initiatemultipartupload",  # Initiate with x-oss-tagging
    "oss:AbortMultipartUpload": "/oss/developer-reference/abortmultipartupload",
    "oss:ListParts": "/oss/developer-reference/listparts",  # resuming a multipart copy
    "oss:GetObjectTagging": "/oss/developer-reference/copyobject",  # CopyObject copying tags
    "oss:GetObjectVersionTagging": "/oss/developer-reference/copyobject",  # ... of a source named with a versionId
}


@pytest.mark.parametrize("action", sorted(COPY_ACTIONS))
def test_the_copy_actions_are_object_actions_with_their_pages(action: str) -> None:
    # GIVEN the catalog entry of an action a copy needs
    spec = ramcheck.spec_of(action)
    # THEN it is authorized on the object, with the API page that documents it
    assert spec is not None and spec.resource == "acs:oss:*:{account}:{bucket}/{key}", spec
    assert spec.source.endswith(COPY_ACTIONS[action]), spec.source
    # AND a grant on the bucket's objects allows it on an object, never on the bucket
    authorize = _authorizer(_allow(action, "acs:oss:*:*:b/*"))
    authorize(action, "acs:oss:*::b/dir/k")
    assert not authorize.allows(action, "acs:oss:*::b")
    assert not authorize.allows(action, "acs:oss:*::other/k")


def test_listing_a_buckets_unfinished_uploads_is_a_bucket_action() -> None:
    # GIVEN the catalog entry of ListMultipartUploads (GET /?uploads, which a resumed multipart copy sends)
    spec = ramcheck.spec_of("oss:ListMultipartUploads")
    # THEN it is authorized on the bucket, with its API page
    assert spec is not None and spec.resource == "acs:oss:*:{account}:{bucket}", spec
    assert spec.source == "https://www.alibabacloud.com/help/doc-detail/31997.html"
    authorize = _authorizer(_allow("oss:ListMultipartUploads", "acs:oss:*:*:b"))
    authorize("oss:ListMultipartUploads", "acs:oss:*::b")
    assert not authorize.allows("oss:ListMultipartUploads", "acs:oss:*::b/k")  # not of the documented form
    assert not authorize.allows("oss:ListMultipartUploads", "acs:oss:*::other")


def test_reading_a_versions_tags_is_its_own_action() -> None:
    # GIVEN a role granted oss:GetObjectTagging only
    authorize = _authorizer(_allow("oss:GetObjectTagging", "acs:oss:*:*:b/*"))
    # WHEN a copy reads the tags of a source named with a versionId THEN RAM checks oss:GetObjectVersionTagging
    action = ramcheck.request_action("oss:GetObjectTagging", version_id=True)
    assert action == "oss:GetObjectVersionTagging" == ramcheck.VERSIONED["oss:GetObjectTagging"]
    authorize("oss:GetObjectTagging", "acs:oss:*::b/k")
    with pytest.raises(ramcheck.AccessDenied, match=r"^oss:GetObjectVersionTagging on .* no statement allows it$"):
        authorize(action, "acs:oss:*::b/k")
    # AND so is tagging a version (the copy's own tags name no version), while an abort has no versioned form
    assert ramcheck.request_action("oss:PutObjectTagging", version_id=True) == "oss:PutObjectVersionTagging"
    for plain in ("oss:AbortMultipartUpload", "oss:ListParts", "oss:PutObject"):
        assert ramcheck.request_action(plain, version_id=True) == plain


def test_without_removes_one_action_and_drops_emptied_statements() -> None:
    policy = _policy(_allow(["fnf:StartExecution", "fnf:DescribeExecution"], "*"), _allow("fc:InvokeFunction", FN))
    assert policy.without("fnf:StartExecution").statements == (
        ramcheck.Statement(ramcheck.Effect.ALLOW, ("fnf:DescribeExecution",), ("*",)),
        ramcheck.Statement(ramcheck.Effect.ALLOW, ("fc:InvokeFunction",), (FN,)),
    )
    assert len(policy.without("fc:InvokeFunction").statements) == 1


@pytest.mark.parametrize(
    "document, where",
    [
        ('{"Statement": []', "policy: not JSON"),
        ({"Version": "2", "Statement": [_allow("a:b", "*")]}, "Version"),
        ({"Version": "1", "Statement": []}, "Statement"),
        ({"Version": "1", "Statement": [{"Effect": "allow", "Action": "a:b", "Resource": "*"}]}, "Statement[0].Effect"),
        ({"Version": "1", "Statement": [{"Effect": "Allow", "Action": [], "Resource": "*"}]}, "Statement[0].Action"),
        (
            {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "InvokeFunction", "Resource": "*"}]},
            "Statement[0].Action",
        ),
        ({"Version": "1", "Statement": [{"Effect": "Allow", "Action": "a:b"}]}, "Statement[0].Resource"),
        (
            {
                "Version": "1",
                "Statement": [{**_allow("a:b", "*"), "Condition": {"IpAddress": {"acs:SourceIp": "10.0.0.0/8"}}}],
            },
            "Statement[0]: Condition: not evaluated locally",
        ),
    ],
)
def test_a_policy_ram_would_reject_or_that_cannot_be_judged_locally_is_refused(document: Any, where: str) -> None:
    with pytest.raises(ramcheck.PolicyError) as refused:
        ramcheck.Policy.parse(document)
    assert str(refused.value).startswith(where)
