"""`RestoreStack`: one (environment, region) of oss-restore. It only composes and wires components."""

from __future__ import annotations

from pathlib import Path

from cdktf import LocalBackend, OssBackend, TerraformOutput, TerraformStack
from constructs import Construct

from infra.components.functions import RestoreFunctions
from infra.components.logs import FunctionLogs
from infra.components.role import ServiceRole
from infra.components.workflows import RestoreWorkflows
from infra.config import DeploymentConfig, LocalStateBackend
from infra.flows import render_flows
from infra.naming import FUNCTIONS, function_arn, names_for
from infra.package import CodePackage
from infra.policies import flow_policy, function_policy
from infra.resources import AlicloudProvider


class RestoreStack(TerraformStack):
    def __init__(self, scope: Construct, *, config: DeploymentConfig, package: CodePackage, flows_dir: Path) -> None:
        super().__init__(scope, config.stack_id)
        cfg, names = config, names_for(config)
        self._backend(cfg)
        AlicloudProvider(self, "alicloud", region=cfg.region, account_id=cfg.account_id)

        logs = FunctionLogs(
            self,
            "logs",
            project_name=names.log_project,
            store_name=names.log_store,
            retention_days=cfg.log_retention_days,
        )
        fc_role = ServiceRole(
            self,
            "function-role",
            service="fc",
            role_name=names.fc_role,
            policy_name=names.fc_policy,
            policy_document=function_policy(cfg, names),
            description=f"oss-restore {cfg.env} functions: restore in the configured buckets",
        )
        functions = RestoreFunctions(
            self,
            "functions",
            service_name=names.service,
            package=package,
            runtime=cfg.runtime,
            functions={base: (names.functions[base], f.handler) for base, f in FUNCTIONS.items()},
            memory_mb=cfg.memory_mb,
            timeout_s=cfg.timeout_s,
            role_arn=fc_role.arn,
            log_project=logs.project_name,
            log_store=logs.store_name,
            depends_on=[fc_role.attachment, logs.store],
        )
        flow_role = ServiceRole(
            self,
            "flow-role",
            service="fnf",
            role_name=names.flow_role,
            policy_name=names.flow_policy,
            policy_document=flow_policy(cfg, names),
            description=f"oss-restore {cfg.env} flows: invoke its functions and flows",
        )
        flows = RestoreWorkflows(
            self,
            "flows",
            main_name=names.main_flow,
            restore_name=names.restore_flow,
            definitions=render_flows(cfg, names, flows_dir),
            role_arn=flow_role.arn,
            depends_on=[flow_role.attachment, *functions.functions.values()],
        )

        TerraformOutput(self, "main_flow_name", value=flows.main.get_string_attribute("name"))
        TerraformOutput(self, "restore_flow_name", value=flows.restore.get_string_attribute("name"))
        for base, name in names.functions.items():
            TerraformOutput(self, f"{base}_arn", value=function_arn(cfg, names.service, name))
        TerraformOutput(self, "function_role_arn", value=fc_role.arn)
        TerraformOutput(self, "flow_role_arn", value=flow_role.arn)

    def _backend(self, cfg: DeploymentConfig) -> None:
        # Always explicit: the default local backend would write an absolute path into the output.
        backend = cfg.backend
        if isinstance(backend, LocalStateBackend):
            LocalBackend(self, path=f"{cfg.stack_id}.tfstate")
            return
        OssBackend(
            self,
            bucket=backend.bucket,
            region=backend.region,
            prefix=backend.state_prefix(cfg.stack_id),
            key="terraform.tfstate",
            encrypt=True,
            tablestore_endpoint=backend.tablestore_endpoint,
            tablestore_table=backend.tablestore_table,
        )
