"""Resource names and ARNs of one stack, derived from its configuration alone.

ARNs are built from names rather than read back from Terraform attributes: the names are fixed at
synth time, so the flow definitions hold literal ARNs that the local engine can map to handlers, and
the RAM policies can name exactly these resources. FC 2.0 ARNs have the form FDL v1 task steps use,
`acs:fc:{region}:{account}:services/{service}/functions/{function}`. Without a configured account the
flow definitions leave it empty (the service fills in the caller's account) and RAM policies use `*`
there, which still pins region, service and function names. Flows and executions need no ARN here:
the fnf actions the flows use have no resource-level authorization (see `infra.policies`).
"""

from __future__ import annotations

from dataclasses import dataclass

from infra.config import DeploymentConfig


@dataclass(frozen=True)
class CodeFunction:
    """One function of the code package: the one table that deployed stacks and local runs both use."""

    base: str  # FC function base name; a stack names it `<name_prefix>-<base>`
    module: str  # handler module at the code package's root (the zip root is `functions/`)
    placeholder: str  # the flows' `{{...}}` placeholder for its ARN

    @property
    def handler(self) -> str:
        return f"{self.module}.handler"


FUNCTIONS: dict[str, CodeFunction] = {
    f.base: f
    for f in (
        CodeFunction(base="listArchiveFiles", module="list_archive_files", placeholder="listArchiveFilesArn"),
        CodeFunction(base="restore", module="restore", placeholder="restoreArn"),
        CodeFunction(base="restoreStatus", module="restore_status", placeholder="restoreStatusArn"),
        CodeFunction(base="summarize", module="summarize", placeholder="summarizeArn"),
        CodeFunction(base="notify", module="notify", placeholder="notifyArn"),
    )
}
RESTORE_FLOW_PLACEHOLDER = "restoreFlowName"
# The main flow's own name, which its continue-as-new steps start again: known at synth time, so it is
# rendered into the definition rather than read from the execution's context (FDL v1's reference documents
# no `$context.flow.name`; see fdl.loader.CONTEXT_FIELDS).
MAIN_FLOW_PLACEHOLDER = "mainFlowName"
LOG_STORE = "functions"


@dataclass(frozen=True)
class StackNames:
    service: str
    functions: dict[str, str]
    main_flow: str
    restore_flow: str
    fc_role: str
    fc_policy: str
    flow_role: str
    flow_policy: str
    log_project: str
    log_store: str


def names_for(cfg: DeploymentConfig) -> StackNames:
    regional = cfg.regional_prefix
    return StackNames(
        service=f"{cfg.name_prefix}-service",
        functions={base: f"{cfg.name_prefix}-{base}" for base in FUNCTIONS},
        main_flow=f"{cfg.name_prefix}-main",
        restore_flow=f"{cfg.name_prefix}-restore",
        fc_role=f"{regional}-fc",
        fc_policy=f"{regional}-fc-policy",
        flow_role=f"{regional}-flow",
        flow_policy=f"{regional}-flow-policy",
        log_project=cfg.log_project,
        log_store=LOG_STORE,
    )


def function_arn(cfg: DeploymentConfig, service: str, function: str, *, for_policy: bool = False) -> str:
    return f"acs:fc:{cfg.region}:{_account(cfg, for_policy)}:services/{service}/functions/{function}"


def _account(cfg: DeploymentConfig, for_policy: bool) -> str:
    if cfg.account_id:
        return cfg.account_id
    return "*" if for_policy else ""
