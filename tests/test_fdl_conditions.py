"""Choice conditions: every operator and operand form, and the boolean/string switch."""

from __future__ import annotations

import pytest

from fdl import parse_condition
from fdl.conditions import Compare, ConditionSyntaxError, ConditionTypeError, Literal, Logical, Ref, Truthy, evaluate

DATA = {
    "n": 5,
    "s": "abc",
    "flag": True,
    "off": False,
    "text_true": "true",
    "a": {"b": [10, 20]},
    "empty": "",
    "none": None,
}


def holds(text: str, mode: str = "string") -> bool:
    return evaluate(parse_condition(text), DATA, boolean_compare=mode)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$.n == 5", True),
        ("$.n != 5", False),
        ("$.n < 6", True),
        ("$.n <= 5", True),
        ("$.n > 5", False),
        ("$.n >= 5.0", True),
        ('$.s == "abc"', True),
        ("$.s == 'abc'", True),
        ('$.s < "abd"', True),
        ("$.a.b[1] == 20", True),
        ("$.a.b[0] < $.a.b[1]", True),
        ('$.empty != ""', False),
        ("$.n == -5", False),
        ("$.n > 1e0", True),
        ("$.none == null", True),
        ("$.missing == null", True),
    ],
)
def test_comparisons(text: str, expected: bool):
    assert holds(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$.flag && $.n == 5", True),
        ("$.off || $.n == 5", True),
        ("$.off && $.n == 5", False),
        ('$.flag && ($.n >= 100 || $.s == "abc")', True),
        ("($.off || $.off) || $.n < 0", False),
        ("$.n == 1 || $.n == 2 && $.flag", False),  # && binds tighter than ||
    ],
)
def test_logical_operators_and_parentheses(text: str, expected: bool):
    assert holds(text) is expected


def test_parser_builds_a_frozen_ast():
    node = parse_condition('$.has_more && ($.event_id >= 4000 || $.x == "y")')
    assert isinstance(node, Logical) and node.op == "&&"
    assert isinstance(node.left, Truthy) and isinstance(node.left.operand, Ref)
    assert isinstance(node.right, Logical) and isinstance(node.right.left, Compare)
    right = node.right.right
    assert isinstance(right, Compare) and right == Compare("==", right.left, Literal("y"))


def test_bare_flag_is_true_only_for_true():
    assert holds("$.flag") and not holds("$.off") and not holds("$.missing") and not holds("$.n")


def test_boolean_equals_string_form_in_string_mode():
    # GIVEN `flag` is the JSON boolean true, as the original listArchiveFiles returned `end`
    # THEN a flow's comparison with the string "true" holds in the default mode...
    assert holds('$.flag == "true"', "string") and holds('$.off == "false"', "string")
    assert holds("$.text_true", "string")
    # ...and never in strict mode
    assert not holds('$.flag == "true"', "strict") and holds('$.flag != "true"', "strict")
    assert not holds("$.text_true", "strict")


def test_numbers_never_equal_strings():
    assert not holds('$.n == "5"', "string") and not holds('$.n == "5"', "strict")


def test_ordering_across_types_is_a_type_error():
    with pytest.raises(ConditionTypeError, match="ordering is defined for two numbers or two strings"):
        holds('$.n < "6"')


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("!$.flag", "negation is not part of FDL v1"),
        ("$.n ==", "ends too early"),
        ("$.n = 5", "unexpected"),
        ("($.n == 5", "ends too early"),
        ("5", "alone is not a condition"),
        ("$.n == 5 5", "unexpected '5'"),
        ("", "non-empty"),
    ],
)
def test_syntax_errors(text: str, message: str):
    with pytest.raises(ConditionSyntaxError, match=message):
        parse_condition(text)
