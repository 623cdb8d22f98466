"""Typed L1 classes for the alicloud provider resources the stack uses (provider 1.289.0).

Hand-written instead of generated: six resources do not justify 2 MB of bindings, and each class
lists only the attributes we set. Attribute names are Terraform's snake_case; `None` values are left
out. jsii calls the protected `synthesizeAttributes` as `_synthesize_attributes`: a method without the
underscore would be ignored and the resource emitted empty, with no error,
which the schema test catches.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from cdktf import (
    ITerraformDependable,
    TerraformProvider,
    TerraformProviderGeneratorMetadata,
    TerraformResource,
)
from constructs import Construct

PROVIDER_SOURCE = "aliyun/alicloud"
PROVIDER_VERSION = "~> 1.289"
_META = TerraformProviderGeneratorMetadata(provider_name="alicloud", provider_version_constraint=PROVIDER_VERSION)


class AlicloudProvider(TerraformProvider):
    def __init__(self, scope: Construct, id_: str, *, region: str, account_id: str | None = None) -> None:
        super().__init__(
            scope,
            id_,
            terraform_resource_type="alicloud",
            terraform_generator_metadata=_META,
            terraform_provider_source=PROVIDER_SOURCE,
        )
        self._attrs = _present({"region": region, "account_id": account_id})

    def _synthesize_attributes(self) -> dict[str, Any]:
        return dict(self._attrs)


class _Resource(TerraformResource):
    TYPE: ClassVar[str]

    def __init__(
        self,
        scope: Construct,
        id_: str,
        attrs: dict[str, Any],
        depends_on: Sequence[ITerraformDependable] | None = None,
    ) -> None:
        super().__init__(
            scope,
            id_,
            terraform_resource_type=self.TYPE,
            terraform_generator_metadata=_META,
            depends_on=list(depends_on) if depends_on else None,
        )
        self._attrs = _present(attrs)

    def _synthesize_attributes(self) -> dict[str, Any]:
        return dict(self._attrs)


class RamRole(_Resource):
    TYPE = "alicloud_ram_role"

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        role_name: str,
        assume_role_policy_document: str,
        description: str,
        force: bool = True,
    ) -> None:
        super().__init__(
            scope,
            id_,
            {
                "role_name": role_name,
                "description": description,
                "force": force,
                "assume_role_policy_document": assume_role_policy_document,
            },
        )

    @property
    def arn(self) -> str:
        return self.get_string_attribute("arn")


class RamPolicy(_Resource):
    TYPE = "alicloud_ram_policy"

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        policy_name: str,
        policy_document: str,
        description: str,
        force: bool = True,
    ) -> None:
        super().__init__(
            scope,
            id_,
            {
                "policy_name": policy_name,
                "policy_document": policy_document,
                "description": description,
                "force": force,
                "rotate_strategy": "DeleteOldestNonDefaultVersionWhenLimitExceeded",
            },
        )


class RamRolePolicyAttachment(_Resource):
    TYPE = "alicloud_ram_role_policy_attachment"

    def __init__(self, scope: Construct, id_: str, *, role: RamRole, policy: RamPolicy) -> None:
        # References (not literal names) so Terraform attaches only after both exist.
        super().__init__(
            scope,
            id_,
            {
                "role_name": role.get_string_attribute("role_name"),
                "policy_name": policy.get_string_attribute("policy_name"),
                "policy_type": "Custom",
            },
        )


class LogProject(_Resource):
    TYPE = "alicloud_log_project"

    def __init__(self, scope: Construct, id_: str, *, project_name: str, description: str) -> None:
        super().__init__(scope, id_, {"project_name": project_name, "description": description})


class LogStore(_Resource):
    TYPE = "alicloud_log_store"

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        project: LogProject,
        logstore_name: str,
        retention_period: int,
        shard_count: int = 1,
    ) -> None:
        super().__init__(
            scope,
            id_,
            {
                "project_name": project.get_string_attribute("project_name"),
                "logstore_name": logstore_name,
                "retention_period": retention_period,
                "shard_count": shard_count,
            },
        )


class FcService(_Resource):
    """FC 2.0 service (deprecated since provider 1.272.0; kept for the FDL v1 ARN form, see docs/cloud.md's
    "Why FC 2.0 resources")."""

    TYPE = "alicloud_fc_service"

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        name: str,
        role_arn: str,
        description: str,
        log_project: str,
        log_store: str,
        depends_on: Sequence[ITerraformDependable] = (),
    ) -> None:
        super().__init__(
            scope,
            id_,
            {
                "name": name,
                "role": role_arn,
                "description": description,
                "internet_access": True,
                "log_config": [
                    {
                        "project": log_project,
                        "logstore": log_store,
                        "enable_request_metrics": True,
                        "enable_instance_metrics": False,
                    }
                ],
            },
            depends_on,
        )


class FcFunction(_Resource):
    TYPE = "alicloud_fc_function"

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        service: FcService,
        name: str,
        handler: str,
        runtime: str,
        filename: str,
        code_checksum: str,
        memory_size: int,
        timeout: int,
        description: str,
        environment_variables: dict[str, str] | None = None,
    ) -> None:
        super().__init__(
            scope,
            id_,
            {
                "service": service.get_string_attribute("name"),
                "name": name,
                "handler": handler,
                "runtime": runtime,
                "filename": filename,
                "code_checksum": code_checksum,
                "memory_size": memory_size,
                "timeout": timeout,
                "description": description,
                "instance_concurrency": 1,
                "environment_variables": environment_variables,
            },
        )


class FnfFlow(_Resource):
    TYPE = "alicloud_fnf_flow"

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        name: str,
        definition: str,
        description: str,
        role_arn: str,
        depends_on: Sequence[ITerraformDependable] = (),
    ) -> None:
        super().__init__(
            scope,
            id_,
            {"name": name, "type": "FDL", "definition": definition, "description": description, "role_arn": role_arn},
            depends_on,
        )


def _present(attrs: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in attrs.items() if v is not None}
