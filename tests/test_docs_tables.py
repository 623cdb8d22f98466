"""One table of flow inputs: the docs, the command's options and the flows' mappings agree with it."""
from __future__ import annotations

from pathlib import Path

import click
import pytest

import fdl
from fdl.paths import PathExpr
from ossrestore.cli import group
from ossrestore.docs_tables import tables
from ossrestore.errors import UsageError
from ossrestore.flow_options import flow_input_from_options
from ossrestore.local_flows import MAIN_FLOW, build_registry
from restore_core.errors import InvalidParameter
from restore_core.flow_inputs import EXECUTION_DEFAULTS, FLOW_INPUTS, validate_flow_input

ROOT = Path(__file__).parent.parent


def test_the_docs_tables_are_the_ones_the_flow_input_table_generates():
    # GIVEN the README and docs/handlers.md WHEN their flow input tables are compared with the generated ones
    for relative, (name, table) in tables().items():
        text = (ROOT / relative).read_text(encoding="utf-8")
        # THEN each holds exactly the generated table (fix: python -m ossrestore.docs_tables)
        assert f"\n{table}\n<!-- end of {name} table -->" in text, f"{relative}: run python -m ossrestore.docs_tables"


def mapped_input_keys(flow: fdl.Flow) -> set[str]:
    init = flow.steps[0]
    return {str(m.source.segments[0]) for m in init.output_mappings
            if isinstance(m.source, PathExpr) and m.source.root == "input"}


def test_every_table_field_is_mapped_by_the_main_flow_and_every_mapped_key_is_declared():
    # GIVEN the keys the main flow maps from its execution input
    mapped = mapped_input_keys(build_registry().flow(MAIN_FLOW))
    declared = {f.name for f in FLOW_INPUTS}
    # THEN each table field reaches the flow, and each mapped key is a table field or a key the command fills in
    assert declared <= mapped, declared - mapped
    assert mapped <= declared | set(EXECUTION_DEFAULTS), mapped - declared - set(EXECUTION_DEFAULTS)


def test_every_table_field_has_its_flag_with_range_and_default_in_the_help():
    # GIVEN the `run` and `start` commands WHEN their options are read
    for name in ("run", "start"):
        command = group.get_command(click.Context(group), name)
        assert command is not None
        options = {p.name: p for p in command.params}
        for field in FLOW_INPUTS:
            # THEN each field has one option, declared with the table's flag and help
            option = options["flow_" + field.name]
            assert isinstance(option, click.Option)
            assert option.opts[0] == field.flag.split("/")[0]
            assert option.help == field.flag_help
            if field.kind == "integer":
                assert f"{field.lo}-{field.hi}" in option.help and f"Default {field.default}." in option.help


def test_the_readme_names_every_key_the_command_fills_in():
    # GIVEN the keys the command adds to every execution input WHEN the README's paragraph about them is read
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    paragraph = readme[readme.index("The command also fills in the keys"):].split("\n\n")[0]
    # THEN it names each of them
    for key in EXECUTION_DEFAULTS:
        assert f"`{key}`" in paragraph, key


@pytest.mark.parametrize("field", [f for f in FLOW_INPUTS if f.kind == "integer"], ids=lambda f: f.name)
def test_the_command_and_the_handlers_refuse_a_value_with_the_same_message(field):
    # GIVEN one value above a field's range
    base = {"endpoint": "http://127.0.0.1:9", "bucketName": "some-bucket"}
    # WHEN the handlers' validation and the command's flag see it
    with pytest.raises(InvalidParameter) as handler:
        validate_flow_input({**base, field.name: field.hi + 1})
    with pytest.raises(UsageError) as command:
        flow_input_from_options(flow_endpoint=base["endpoint"], flow_bucketName=base["bucketName"],
                                **{"flow_" + field.name: field.hi + 1})
    # THEN both name the field's range, and the command's message is the handlers' after the flag
    assert f"from {field.lo} to {field.hi}" in str(handler.value)
    assert str(command.value) == f"{field.flag}: {handler.value}"
