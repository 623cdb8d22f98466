"""A RAM role that one cloud service assumes, with one custom policy attached."""

from __future__ import annotations

from constructs import Construct

from infra.policies import trust_policy
from infra.resources import RamPolicy, RamRole, RamRolePolicyAttachment


class ServiceRole(Construct):
    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        service: str,
        role_name: str,
        policy_name: str,
        policy_document: str,
        description: str,
    ) -> None:
        super().__init__(scope, id_)
        self.role = RamRole(
            self,
            "role",
            role_name=role_name,
            description=description,
            assume_role_policy_document=trust_policy(service),
        )
        self.policy = RamPolicy(
            self, "policy", policy_name=policy_name, policy_document=policy_document, description=description
        )
        self.attachment = RamRolePolicyAttachment(self, "attachment", role=self.role, policy=self.policy)
        self.arn = self.role.arn
