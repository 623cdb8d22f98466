"""One table of flow inputs: the docs, the command's options and the flows' mappings agree with it."""

from __future__ import annotations

from pathlib import Path
from typing import get_args

import click
import pytest

from ossrestore.cli import group
from ossrestore.docs_tables import tables
from ossrestore.errors import UsageError
from ossrestore.flow_options import flow_input_from_options
from ossrestore.local_flows import MAIN_FLOW, build_registry
from restore_core import flow_inputs
from restore_core.errors import InvalidParameter
from restore_core.flow_inputs import FLOW_INPUTS, validate_flow_input

ROOT = Path(__file__).parent.parent


def test_the_docs_tables_are_the_ones_the_flow_input_table_generates():
    # GIVEN docs/usage.md and docs/handlers.md WHEN their flow input tables are compared with the generated ones
    for relative, (name, table) in tables().items():
        text = (ROOT / relative).read_text(encoding="utf-8")
        # THEN each holds exactly the generated table (fix: python -m ossrestore.docs_tables)
        assert f"\n{table}\n<!-- end of {name} table -->" in text, f"{relative}: run python -m ossrestore.docs_tables"


def test_every_table_field_reaches_the_handlers_through_the_settings_object():
    # GIVEN the main flow, which maps its execution input whole, and a flow input holding every field
    init = build_registry().flow(MAIN_FLOW).steps[0]
    assert [(m.target, getattr(m.source, "text", None)) for m in init.output_mappings] == [("settings", "$input")]
    # THEN the handlers read every table field back from the settings they are handed
    checked = validate_flow_input({"endpoint": "http://127.0.0.1:9", "bucketName": "some-bucket"})
    assert set(checked) >= {f.name for f in FLOW_INPUTS if f.default is not None}


def test_every_table_field_has_its_flag_with_range_and_default_in_the_help():
    # GIVEN the `run` and `start` commands WHEN their options are read
    for name in ("run", "start"):
        command = group.get_command(click.Context(group), name)
        assert command is not None
        options = {p.name: p for p in command.params}
        for field in (f for f in FLOW_INPUTS if f.option):
            # THEN each field has one option, declared with the table's flag and help
            option = options["flow_" + field.name]
            assert isinstance(option, click.Option)
            assert option.opts[0] == field.flag.split("/")[0]
            assert option.help == field.flag_help
            if field.kind == "integer":
                assert f"{field.lo}-{field.hi}" in option.help and f"Default {field.default}." in option.help


@pytest.mark.parametrize("field", [f for f in FLOW_INPUTS if f.kind == "integer"], ids=lambda f: f.name)
def test_the_command_and_the_handlers_refuse_a_value_with_the_same_message(field):
    # GIVEN one value above a field's range
    base = {"endpoint": "http://127.0.0.1:9", "bucketName": "some-bucket"}
    # WHEN the handlers' validation and the command's flag see it
    with pytest.raises(InvalidParameter) as handler:
        validate_flow_input({**base, field.name: field.hi + 1})
    with pytest.raises(UsageError) as command:
        flow_input_from_options(
            flow_endpoint=base["endpoint"], flow_bucketName=base["bucketName"], **{"flow_" + field.name: field.hi + 1}
        )
    # THEN both name the field's range, and the command's message is the handlers' after the flag
    assert f"from {field.lo} to {field.hi}" in str(handler.value)
    assert str(command.value) == f"{field.flag}: {handler.value}"


def test_every_kind_of_flow_input_has_its_check():
    # GIVEN the kinds a flow input may have WHEN each is looked up among the checks THEN none is missing
    assert set(flow_inputs._READERS) == set(get_args(flow_inputs.InputKind))
