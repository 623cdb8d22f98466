"""Checks a synthesized stack (`cdk.tf.json`) against the alicloud provider schema.

The schema JSON (Terraform's `providers schema -json` form, provider 1.289.0, copied into
`infra/schema/`) gives resource types, attributes, blocks, required-ness and value types. It carries no
enumerations or ranges, so those that matter are tabled below from the provider's resource
documentation (alicloud_fc_function, alicloud_fnf_flow, ...) and FC's runtime list. A problem is returned as "<resource path>: <what>".
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SCHEMA_PATH = Path(__file__).resolve().parent / "schema" / "alicloud-provider-schema.json"
PROVIDER_ADDRESS = "registry.terraform.io/aliyun/alicloud"
_META_KEYS = {"//", "depends_on", "provider", "lifecycle", "count", "for_each", "connection", "provisioner"}

_FC_RUNTIMES = {
    "python2.7",
    "python3",
    "python3.9",
    "python3.10",
    "python3.12",
    "nodejs12",
    "nodejs14",
    "nodejs16",
    "nodejs18",
    "nodejs20",
    "java8",
    "java11",
    "php7.2",
    "dotnetcore3.1",
    "go1",
    "custom",
    "custom.debian10",
    "custom.debian11",
    "custom.debian12",
    "custom-container",
}
# FC 2.0's Python runtimes stop at python3.10; python3.12 is FC 3.0 only (infra/config.py cites both pages).
_FC2_RUNTIMES = _FC_RUNTIMES - {"python3.12"}
ENUMS: dict[tuple[str, str], set[Any]] = {
    ("alicloud_fc_function", "runtime"): _FC2_RUNTIMES,
    ("alicloud_fcv3_function", "runtime"): _FC_RUNTIMES,
    ("alicloud_fcv3_function", "log_config.log_begin_rule"): {"None", "DefaultRegex"},
    ("alicloud_fnf_flow", "type"): {"FDL", "DEFAULT"},
    ("alicloud_ram_role_policy_attachment", "policy_type"): {"System", "Custom"},
    ("alicloud_ram_policy", "rotate_strategy"): {"None", "DeleteOldestNonDefaultVersionWhenLimitExceeded"},
    ("alicloud_oss_bucket", "storage_class"): {"Standard", "IA", "Archive", "ColdArchive", "DeepColdArchive"},
    ("alicloud_oss_bucket", "redundancy_type"): {"LRS", "ZRS"},
    ("alicloud_oss_bucket_object", "acl"): {"private", "public-read", "public-read-write"},
    ("provider", "protocol"): {"HTTP", "HTTPS"},
}
RANGES: dict[tuple[str, str], tuple[int, int]] = {
    ("alicloud_fc_function", "memory_size"): (128, 32768),
    ("alicloud_fc_function", "timeout"): (1, 86400),
    ("alicloud_fc_function", "instance_concurrency"): (1, 200),
    ("alicloud_fcv3_function", "memory_size"): (64, 32768),
    ("alicloud_fcv3_function", "timeout"): (0, 86400),
    ("alicloud_log_store", "retention_period"): (1, 3650),
    ("alicloud_log_store", "max_split_shard_count"): (0, 256),
    ("alicloud_ram_role", "max_session_duration"): (3600, 43200),
}


def load_schema(path: Path = SCHEMA_PATH) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))["provider_schemas"][PROVIDER_ADDRESS]
    return schema


def check_stack(stack: dict[str, Any], schema: dict[str, Any]) -> list[str]:
    """Every way `stack` would be refused by the provider that the schema and tables can tell."""
    problems = _check_terraform_block(stack.get("terraform", {}))
    for config in stack.get("provider", {}).get("alicloud", []):
        problems += _check_block("provider", "provider.alicloud", config, schema["provider"]["block"])
    for rtype, instances in stack.get("resource", {}).items():
        rschema = schema["resource_schemas"].get(rtype)
        if rschema is None:
            problems.append(f"{rtype}: not a resource type of the provider")
            continue
        for name, body in instances.items():
            attrs = {k: v for k, v in body.items() if k not in _META_KEYS}
            problems += _check_block(rtype, f"{rtype}.{name}", attrs, rschema["block"])
    return problems


def _check_terraform_block(block: dict[str, Any]) -> list[str]:
    source = block.get("required_providers", {}).get("alicloud", {}).get("source")
    problems = [] if source == "aliyun/alicloud" else [f"terraform.required_providers.alicloud.source is {source!r}"]
    if not block.get("backend"):
        problems.append("terraform.backend: none declared (the default local backend writes an absolute path)")
    return problems


def _check_block(rtype: str, where: str, value: dict[str, Any], block: dict[str, Any], prefix: str = "") -> list[str]:
    problems: list[str] = []
    attributes, blocks = block.get("attributes", {}), block.get("block_types", {})
    for key, item in value.items():
        path, field = f"{where}.{key}", f"{prefix}{key}"
        if key in attributes:
            problems += _check_attribute(rtype, path, field, item, attributes[key])
        elif key in blocks:
            problems += _check_nested(rtype, path, field, item, blocks[key])
        else:
            problems.append(f"{path}: unknown attribute or block")
    for key, spec in attributes.items():
        if spec.get("required") and key not in value:
            problems.append(f"{where}.{key}: required attribute missing")
    for key, spec in blocks.items():
        if spec.get("min_items", 0) > 0 and key not in value:
            problems.append(f"{where}.{key}: required block missing")
    return problems


def _check_attribute(rtype: str, path: str, field: str, item: Any, spec: dict[str, Any]) -> list[str]:
    if spec.get("computed") and not (spec.get("optional") or spec.get("required")):
        return [f"{path}: computed only, cannot be set"]
    if not _has_type(item, spec["type"]):
        return [f"{path}: {item!r} is not of type {spec['type']}"]
    if _is_reference(item):
        return []
    allowed = ENUMS.get((rtype, field))
    if allowed is not None and item not in allowed:
        return [f"{path}: {item!r} is not one of {sorted(allowed)}"]
    low, high = RANGES.get((rtype, field), (None, None))
    if low is not None and high is not None and not low <= item <= high:
        return [f"{path}: {item!r} is outside {low}..{high}"]
    return []


def _check_nested(rtype: str, path: str, field: str, item: Any, spec: dict[str, Any]) -> list[str]:
    if spec["nesting_mode"] == "single":
        items = [item] if isinstance(item, dict) else None
    else:
        items = [item] if isinstance(item, dict) else item if isinstance(item, list) else None
    if items is None or not all(isinstance(i, dict) for i in items):
        return [f"{path}: a block must be an object or a list of objects"]
    count, low, high = len(items), spec.get("min_items", 0), spec.get("max_items")
    problems = (
        []
        if count >= low and (not high or count <= high)
        else [f"{path}: {count} blocks, allowed {low}..{high or 'any'}"]
    )
    for i, sub in enumerate(items):
        problems += _check_block(rtype, f"{path}[{i}]", sub, spec["block"], prefix=f"{field}.")
    return problems


def _has_type(value: Any, ty: Any) -> bool:
    if _is_reference(value):
        return True
    if ty == "string":
        return isinstance(value, str)
    if ty == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if ty == "bool":
        return isinstance(value, bool)
    kind, inner = ty
    if kind == "map":
        return isinstance(value, dict) and all(_has_type(v, inner) for v in value.values())
    if kind in ("list", "set"):
        return isinstance(value, list) and all(_has_type(v, inner) for v in value)
    if kind == "object":
        return isinstance(value, dict) and all(k in inner and _has_type(v, inner[k]) for k, v in value.items())
    return False


def _is_reference(value: Any) -> bool:
    """A whole-value Terraform expression: its type is only known at plan time."""
    return isinstance(value, str) and value.startswith("${") and value.endswith("}")
