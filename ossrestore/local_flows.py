"""The project's flows and handlers wired into the embedded FDL engine, as FC and CloudFlow wire them.

The YAML in `flows/` is rendered with local ARNs and flow names (the same placeholders, from the same table
`infra.naming.FUNCTIONS`, that infra/ fills with a stack's real ARNs and names) and each ARN is bound to the
real handler module from `functions/`.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from typing import Any

import fdl
from infra.naming import FUNCTIONS, MAIN_FLOW_PLACEHOLDER, RESTORE_FLOW_PLACEHOLDER
from ossrestore.fc_instances import FunctionInstances
from ossrestore.paths import flow_file, handler_module

MAIN_FLOW = "oss-restore-main"
RESTORE_FLOW = "oss-restore-restore"
_SERVICE = "oss-restore"
_ACCOUNT = "000000000000"


Observer = Callable[[str, dict[str, Any], dict[str, Any]], None]


def function_arn(function_name: str, *, region: str = "local") -> str:
    return f"acs:fc:{region}:{_ACCOUNT}:services/{_SERVICE}/functions/{function_name}"


def local_variables() -> dict[str, str]:
    variables = {f.placeholder: function_arn(f.base) for f in FUNCTIONS.values()}
    variables[RESTORE_FLOW_PLACEHOLDER] = RESTORE_FLOW
    variables[MAIN_FLOW_PLACEHOLDER] = MAIN_FLOW
    return variables


def load_handler(module_name: str) -> Callable[[Any, Any], str]:
    handler: Callable[[Any, Any], str] = importlib.import_module(handler_module(module_name)).handler
    return handler


def _observed(function_name: str, handler: Callable[[Any, Any], str], observer: Observer) -> Callable[[Any, Any], str]:
    """Call the real handler, then show its event and result to the observer (progress, report)."""

    def call(event: Any, context: Any) -> str:
        body = handler(event, context)
        observer(function_name, json.loads(event), body if isinstance(body, dict) else json.loads(body))
        return body

    return call


def build_registry(
    *,
    observer: Observer | None = None,
    variables: dict[str, str] | None = None,
    instances: FunctionInstances | None = None,
) -> fdl.Registry:
    """Register the flows of `flows/` and the handlers of `functions/` under the ARNs the YAML names.

    With `instances` each call runs in a worker process, as FC runs it in an instance; without, in
    this process.
    """
    variables = variables or local_variables()
    registry = fdl.Registry()
    for f in FUNCTIONS.values():
        handler = instances.handler(f.module) if instances else load_handler(f.module)
        if observer is not None:
            handler = _observed(f.base, handler, observer)
        registry.add_function(variables[f.placeholder], handler)
    main = variables[MAIN_FLOW_PLACEHOLDER]
    registry.add_flow(main, fdl.load_flow(flow_file("main.yaml"), name=main, variables=variables))
    registry.add_flow(
        variables[RESTORE_FLOW_PLACEHOLDER],
        fdl.load_flow(flow_file("restore.yaml"), name=variables[RESTORE_FLOW_PLACEHOLDER], variables=variables),
    )
    return registry
