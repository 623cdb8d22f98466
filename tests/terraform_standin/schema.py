"""The provider schema JSON as plugin-protocol messages, and a walker over values by block schema.

The messages are built directly from the JSON: `tf`'s own type helpers lack an Object type and a List
nesting mode for blocks, both of which the alicloud schema uses.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from tf.gen import tfplugin_pb2 as pb

from infra.schema_check import load_schema

_NESTING = {
    "single": pb.Schema.NestedBlock.SINGLE,
    "list": pb.Schema.NestedBlock.LIST,
    "set": pb.Schema.NestedBlock.SET,
    "map": pb.Schema.NestedBlock.MAP,
    "group": pb.Schema.NestedBlock.GROUP,
}


@dataclass(frozen=True)
class ProviderSchema:
    provider: dict[str, Any]
    resources: dict[str, dict[str, Any]]

    def block(self, type_name: str) -> dict[str, Any]:
        return self.resources[type_name]["block"]


@cache
def provider_schema() -> ProviderSchema:
    raw = load_schema()
    return ProviderSchema(
        provider=raw["provider"]["block"], resources={name: body for name, body in raw["resource_schemas"].items()}
    )


def schema_response() -> pb.GetProviderSchema.Response:
    schema = provider_schema()
    return pb.GetProviderSchema.Response(
        provider=pb.Schema(version=0, block=_block(schema.provider)),
        provider_meta=pb.Schema(version=0, block=pb.Schema.Block()),
        resource_schemas={
            name: pb.Schema(version=body.get("version", 0), block=_block(body["block"]))
            for name, body in schema.resources.items()
        },
    )


def _block(block: dict[str, Any]) -> pb.Schema.Block:
    return pb.Schema.Block(
        attributes=[_attribute(name, attr) for name, attr in sorted(block.get("attributes", {}).items())],
        block_types=[_nested(name, nested) for name, nested in sorted(block.get("block_types", {}).items())],
        description=block.get("description", ""),
    )


def _attribute(name: str, attr: dict[str, Any]) -> pb.Schema.Attribute:
    return pb.Schema.Attribute(
        name=name,
        type=json.dumps(attr["type"]).encode(),
        description=attr.get("description", ""),
        required=attr.get("required", False),
        optional=attr.get("optional", False),
        computed=attr.get("computed", False),
        sensitive=attr.get("sensitive", False),
    )


def _nested(name: str, nested: dict[str, Any]) -> pb.Schema.NestedBlock:
    return pb.Schema.NestedBlock(
        type_name=name,
        block=_block(nested["block"]),
        nesting=_NESTING[nested["nesting_mode"]],
        min_items=nested.get("min_items", 0),
        max_items=nested.get("max_items", 0),
    )


def block_objects(
    block: dict[str, Any], value: dict[str, Any] | None, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], dict[str, Any], dict[str, Any]]]:
    """Every object of `value` (the block itself, then its nested blocks' elements) with its schema and path."""
    if value is None:
        return
    yield path, block, value
    for name, nested in block.get("block_types", {}).items():
        inner = value.get(name)
        elements = (
            [inner]
            if nested["nesting_mode"] in ("single", "group")
            else (list(inner.values()) if isinstance(inner, dict) else inner or [])
        )
        for element in elements:
            if isinstance(element, dict):
                yield from block_objects(nested["block"], element, (*path, name))
