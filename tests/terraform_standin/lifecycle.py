"""What the stand-in provider does with values, free of the plugin protocol: validate, plan, apply, read.

Values are Terraform's, decoded from msgpack: objects as dicts, lists and sets as lists, `Unknown` for
values not known yet. Every function here is deterministic, so two runs of a stack give the same state.
"""

from __future__ import annotations

import copy
import hashlib
import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tf.types import Unknown

from infra.package import fc_crc64
from terraform_standin.schema import block_objects

# Where the real provider needs the account (ARNs) and the configuration does not pin one, it asks STS
# GetCallerIdentity; the stand-in answers with this account.
DEFAULT_ACCOUNT = "1234567890123456"
# Timestamps the stand-in reports for created resources: fixed, so a second apply changes nothing.
CREATED_AT = "2026-01-01T00:00:00Z"
_NAMESPACE = uuid.UUID("6f1c1e0a-5d0e-4e43-9d2f-0c3b6a2b8a11")

# Deprecated arguments the provider still sets from their replacements on read (`name` of a log project from `project_name`, ...).
_ALIASES: dict[str, dict[str, str]] = {
    "alicloud_log_project": {"name": "project_name"},
    "alicloud_log_store": {"project": "project_name", "name": "logstore_name"},
    "alicloud_ram_role": {"name": "role_name", "document": "assume_role_policy_document"},
    "alicloud_ram_policy": {"name": "policy_name", "document": "policy_document"},
}


@dataclass(frozen=True)
class Account:
    region: str
    account_id: str


def forbidden_computed(block: dict[str, Any], config: dict[str, Any] | None) -> list[str]:
    """Paths of purely computed attributes the configuration sets.

    Terraform core accepts such a value; SDK providers refuse it at validation ("this field cannot be
    set"), so the stand-in refuses it too.
    """
    found = []
    for path, schema, obj in block_objects(block, config):
        for name, attr in schema.get("attributes", {}).items():
            if (
                attr.get("computed")
                and not attr.get("optional")
                and not attr.get("required")
                and obj.get(name) is not None
            ):
                found.append(".".join((*path, name)))
    return found


def plan(block: dict[str, Any], proposed: dict[str, Any]) -> dict[str, Any]:
    """The planned state: the proposed one with unset computed attributes unknown and omitted block lists empty.

    Terraform rejects a plan that leaves an omitted list or set of nested blocks null ("attribute
    representing a set of nested blocks must be empty to indicate no blocks, not null").
    """
    planned = copy.deepcopy(proposed)
    _plan_object(block, planned)
    return planned


def _plan_object(block: dict[str, Any], obj: dict[str, Any]) -> None:
    for name, attr in block.get("attributes", {}).items():
        if attr.get("computed") and obj.get(name) is None:
            obj[name] = Unknown
    for name, nested in block.get("block_types", {}).items():
        mode, value = nested["nesting_mode"], obj.get(name)
        if mode in ("list", "set"):
            obj[name] = value = [] if value is None else value
            elements = value if isinstance(value, list) else []
        elif mode == "map":
            obj[name] = value = {} if value is None else value
            elements = list(value.values()) if isinstance(value, dict) else []
        else:
            elements = [value]
        for element in elements:
            if isinstance(element, dict):
                _plan_object(nested["block"], element)


def apply(
    type_name: str, block: dict[str, Any], planned: dict[str, Any], *, account: Account, workdir: Path
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The new state (every unknown filled deterministically) and what the cloud itself would report on read."""
    state = copy.deepcopy(planned)
    for alias, current in _ALIASES.get(type_name, {}).items():
        if state.get(alias) is Unknown and isinstance(state.get(current), str):
            state[alias] = state[current]
        if state.get(current) is Unknown and isinstance(state.get(alias), str):
            state[current] = state[alias]
    seed = f"{type_name}:{json.dumps(_known(state), sort_keys=True)}"
    for attr, value in _identity(type_name, state, account, seed).items():
        if state.get(attr) is Unknown:
            state[attr] = value
    for _, schema, obj in block_objects(block, state):
        for name, attr in schema.get("attributes", {}).items():
            if obj.get(name) is Unknown:
                obj[name] = _filler(attr["type"], f"{seed}:{name}")
    return state, _reported(type_name, state, workdir)


def read(type_name: str, state: dict[str, Any], reported: dict[str, Any]) -> dict[str, Any]:
    """The stored state, with the values the cloud reports itself in place of the configured ones."""
    return {**state, **{k: v for k, v in reported.items() if k in state}}


def _reported(type_name: str, state: dict[str, Any], workdir: Path) -> dict[str, Any]:
    # FC stores the CRC-64 of the code it received and the provider reads that back into `code_checksum`
    # (the provider documents `code_checksum` as that CRC-64): any other value in the configuration is a perpetual diff.
    if type_name == "alicloud_fc_function" and isinstance(state.get("filename"), str):
        return {"code_checksum": fc_crc64((workdir / state["filename"]).read_bytes())}
    return {}


def _identity(type_name: str, s: dict[str, Any], account: Account, seed: str) -> dict[str, Any]:
    """Ids and ARNs in the provider's formats (resource_alicloud_*.go: SetId and the ARN attributes)."""
    region, acct = account.region, account.account_id
    name = s.get("name") if isinstance(s.get("name"), str) else _short(seed, "tf-")
    if type_name == "alicloud_fc_service":
        return {"name": name, "id": name, "service_id": _uuid(seed), "last_modified": CREATED_AT, "version": "1"}
    if type_name == "alicloud_fc_function":
        service = s["service"]
        return {
            "name": name,
            "id": f"{service}:{name}",
            "function_id": _uuid(seed),
            "last_modified": CREATED_AT,
            "function_arn": f"acs:fc:{region}:{acct}:services/{service}.LATEST/functions/{name}",
        }
    if type_name == "alicloud_fcv3_function":
        fname = s.get("function_name") if isinstance(s.get("function_name"), str) else _short(seed, "tf-")
        return {
            "function_name": fname,
            "id": fname,
            "function_id": _uuid(seed),
            "function_arn": f"acs:fc:{region}:{acct}:functions/{fname}",
        }
    if type_name == "alicloud_fnf_flow":
        return {"id": s["name"], "flow_id": _uuid(seed), "last_modified_time": CREATED_AT}
    if type_name == "alicloud_log_project":
        return {"id": s["project_name"], "status": "Normal", "create_time": CREATED_AT}
    if type_name == "alicloud_log_store":
        return {"id": f"{s['project_name']}:{s['logstore_name']}"}
    if type_name == "alicloud_ram_role":
        return {
            "id": s["role_name"],
            "arn": f"acs:ram::{acct}:role/{s['role_name'].lower()}",
            "role_id": str(int(hashlib.sha256(seed.encode()).hexdigest(), 16))[:17],
            "create_time": CREATED_AT,
        }
    if type_name == "alicloud_ram_policy":
        return {
            "id": s["policy_name"],
            "type": "Custom",
            "default_version": "v1",
            "version_id": "v1",
            "attachment_count": 1,
            "create_time": CREATED_AT,
        }
    if type_name == "alicloud_ram_role_policy_attachment":
        return {"id": f"role:{s['policy_name']}:{s['policy_type']}:{s['role_name']}"}
    return {"id": _short(seed, "")}


def _filler(type_expr: Any, seed: str) -> Any:
    if type_expr == "string":
        return _short(seed, "")
    if type_expr == "number":
        return 0
    if type_expr == "bool":
        return False
    if isinstance(type_expr, list) and type_expr[0] in ("list", "set"):
        return []
    if isinstance(type_expr, list) and type_expr[0] == "map":
        return {}
    return None


def _known(value: Any) -> Any:
    if value is Unknown:
        return None
    if isinstance(value, dict):
        return {k: _known(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_known(v) for v in value]
    return value


def _uuid(seed: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, seed))


def _short(seed: str, prefix: str) -> str:
    return prefix + hashlib.sha256(seed.encode()).hexdigest()[:16]
