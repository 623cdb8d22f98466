"""Flow definitions as deployed: the YAML in `flows/` with one stack's ARNs and names put in."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import fdl
from fdl.errors import TemplateError
from infra.config import DeploymentConfig
from infra.errors import InfraError
from infra.naming import FUNCTIONS, MAIN_FLOW_PLACEHOLDER, RESTORE_FLOW_PLACEHOLDER, StackNames, function_arn


@dataclass(frozen=True)
class FlowDefinitions:
    main: str
    restore: str


def flow_variables(cfg: DeploymentConfig, names: StackNames) -> dict[str, str]:
    """The values of the placeholders the flows use, for this stack."""
    variables = {
        f.placeholder: function_arn(cfg, names.service, names.functions[base]) for base, f in FUNCTIONS.items()
    }
    variables[RESTORE_FLOW_PLACEHOLDER] = names.restore_flow
    variables[MAIN_FLOW_PLACEHOLDER] = names.main_flow
    return variables


def render_flows(cfg: DeploymentConfig, names: StackNames, flows_dir: Path) -> FlowDefinitions:
    variables = flow_variables(cfg, names)
    return FlowDefinitions(
        main=render((flows_dir / "main.yaml").read_text(encoding="utf-8"), variables),
        restore=render((flows_dir / "restore.yaml").read_text(encoding="utf-8"), variables),
    )


def render(text: str, variables: dict[str, str]) -> str:
    """Fill `{{name}}` placeholders with the engine's own renderer, so deployed and local text match;
    a placeholder without a value is an error, never left in a deploy."""
    try:
        return fdl.render(text, variables)
    except TemplateError as e:
        raise InfraError(f"flow definition: {e}") from None


def terraform_literal(text: str) -> str:
    """Escape Terraform template sequences so the definition reaches FnF exactly as written."""
    return text.replace("${", "$${").replace("%{", "%%{")


def from_terraform_literal(text: str) -> str:
    """What Terraform sends for a string escaped with `terraform_literal`."""
    return text.replace("$${", "${").replace("%%{", "%{")
