"""The two Serverless Workflow flows, with their definitions taken from `flows/`."""

from __future__ import annotations

from cdktf import ITerraformDependable
from constructs import Construct

from infra.flows import FlowDefinitions, terraform_literal
from infra.resources import FnfFlow


class RestoreWorkflows(Construct):
    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        main_name: str,
        restore_name: str,
        definitions: FlowDefinitions,
        role_arn: str,
        depends_on: list[ITerraformDependable],
    ) -> None:
        super().__init__(scope, id_)
        # The definitions name functions by ARN string, not by reference, so order them explicitly.
        self.restore = FnfFlow(
            self,
            "restore",
            name=restore_name,
            definition=terraform_literal(definitions.restore),
            description="oss-restore: restore one page of archive objects",
            role_arn=role_arn,
            depends_on=depends_on,
        )
        self.main = FnfFlow(
            self,
            "main",
            name=main_name,
            definition=terraform_literal(definitions.main),
            description="oss-restore: restore every archive object under a prefix",
            role_arn=role_arn,
            depends_on=[*depends_on, self.restore],
        )
