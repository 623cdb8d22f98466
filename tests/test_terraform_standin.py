"""The stand-in provider's own rules, without Terraform: what it plans, applies and refuses."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tf.types import Unknown

from infra.package import fc_crc64
from terraform_standin.lifecycle import Account, apply, forbidden_computed, plan, read
from terraform_standin.schema import provider_schema, schema_response

ACCOUNT = Account(region="cn-hangzhou", account_id="1234567890123456")


def _empty(type_name: str, **values: Any) -> dict[str, Any]:
    """A proposed state as Terraform sends it for a new resource: every attribute and block, null unless set."""
    block = provider_schema().block(type_name)
    return {**{name: None for name in (*block["attributes"], *block.get("block_types", {}))}, **values}


def test_schema_messages_keep_nesting_modes_and_object_types() -> None:
    # GIVEN the schema file WHEN served as plugin-protocol messages
    fc_service = {b.type_name: b for b in schema_response().resource_schemas["alicloud_fc_service"].block.block_types}
    store = {a.name: a for a in schema_response().resource_schemas["alicloud_log_store"].block.attributes}
    # THEN list blocks stay lists with their item limits, and object types stay JSON type expressions
    assert (fc_service["log_config"].nesting, fc_service["log_config"].max_items) == (2, 1)  # LIST, MaxItems 1
    assert store["shards"].type.startswith(b'["list", ["object", {')


def test_plan_leaves_unset_computed_unknown_and_omitted_block_lists_empty() -> None:
    # GIVEN a new FC service that sets only its name
    planned = plan(provider_schema().block("alicloud_fc_service"), _empty("alicloud_fc_service", name="svc"))
    # THEN what the provider computes is unknown, optional values stay null, omitted blocks are empty lists
    assert planned["service_id"] is Unknown and planned["id"] is Unknown
    assert planned["name"] == "svc" and planned["description"] is None
    assert planned["log_config"] == [] and planned["vpc_config"] == []


def test_apply_fills_ids_and_arns_deterministically_and_read_reports_fcs_checksum(tmp_path: Path) -> None:
    # GIVEN a planned FC 2.0 function whose package exists in the working directory
    (tmp_path / "code.zip").write_bytes(b"package bytes")
    block = provider_schema().block("alicloud_fc_function")
    planned = plan(
        block,
        _empty(
            "alicloud_fc_function",
            service="svc",
            name="fn",
            handler="h.handler",
            runtime="python3.10",
            filename="code.zip",
            code_checksum="not-a-crc",
        ),
    )
    # WHEN it is applied twice
    first, reported = apply("alicloud_fc_function", block, planned, account=ACCOUNT, workdir=tmp_path)
    second, _ = apply("alicloud_fc_function", block, planned, account=ACCOUNT, workdir=tmp_path)
    # THEN both give the same state, with the provider's id and FC 2.0 ARN forms
    assert first == second
    assert first["id"] == "svc:fn"
    assert first["function_arn"] == "acs:fc:cn-hangzhou:1234567890123456:services/svc.LATEST/functions/fn"
    # AND a read reports FC's CRC-64 of the package, not the configured checksum
    assert read("alicloud_fc_function", first, reported)["code_checksum"] == fc_crc64(b"package bytes")


def test_a_purely_computed_attribute_is_refused_also_inside_blocks() -> None:
    # GIVEN a service configuration that sets vpc_config.vpc_id and service_id, both computed only
    config = _empty(
        "alicloud_fc_service",
        name="svc",
        service_id="x",
        vpc_config=[{"security_group_id": "sg", "vswitch_ids": ["vsw"], "vpc_id": "vpc"}],
    )
    # WHEN validated THEN both are named; an optional+computed one (name) is accepted
    assert sorted(forbidden_computed(provider_schema().block("alicloud_fc_service"), config)) == [
        "service_id",
        "vpc_config.vpc_id",
    ]
