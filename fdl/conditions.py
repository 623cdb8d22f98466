"""Choice conditions: a tokenizer and a recursive-descent parser producing frozen AST nodes.

Grammar (FDL v1): `||` over `&&` over comparisons (`==`, `!=`, `<`, `<=`, `>`, `>=`) between
operands (`$.path` references into the step input, double- or single-quoted strings, numbers,
`true`, `false`, `null`), parentheses, and a bare `$.flag`. `!` is not part of FDL v1 and is refused.

Boolean versus string is undocumented in CloudFlow. With `boolean_compare="string"` (the engine's
default) a boolean and a string compare by string form, so `true == "true"` holds, as the flows of the public
sample `awesome-fnf/oss-restore` rely on; a bare `$.flag` is true for `true` and for `"true"`. With
`"strict"`, values compare as JSON values: `true == "true"` is false and a bare flag must be the
boolean `true`. Numbers never equal strings in either mode. Ordering (`<` ...) is defined for two
numbers or two strings only; anything else fails the step with `FnF.InvalidCondition`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from fdl.paths import PathExpr, PathSyntaxError, parse_path, walk

BOOLEAN_COMPARE_MODES = ("string", "strict")


class ConditionSyntaxError(ValueError):
    pass


class ConditionTypeError(ValueError):
    pass


@dataclass(frozen=True)
class Literal:
    value: Any


@dataclass(frozen=True)
class Ref:
    path: PathExpr


@dataclass(frozen=True)
class Compare:
    op: str
    left: Operand
    right: Operand


@dataclass(frozen=True)
class Truthy:
    operand: Operand


@dataclass(frozen=True)
class Logical:
    op: str  # "&&" or "||"
    left: Condition
    right: Condition


Operand = Literal | Ref
Condition = Compare | Truthy | Logical | Literal

_TOKEN = re.compile(
    r"""\s*(?:
    (?P<ref>\$(?:\.[A-Za-z0-9_\-]+|\[(?:\d+|\*)\])*)
  | (?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
  | (?P<num>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
  | (?P<word>[A-Za-z_]\w*)
  | (?P<op>==|!=|<=|>=|&&|\|\||[<>()!])
    )""",
    re.VERBOSE,
)
_COMPARISONS = ("==", "!=", "<", "<=", ">", ">=")
_WORDS = {"true": True, "false": False, "null": None}


def tokenize(text: str) -> list[tuple[str, str, int]]:
    tokens, pos = [], 0
    while pos < len(text):
        if text[pos:].isspace():
            break
        match = _TOKEN.match(text, pos)
        if match is None:
            raise ConditionSyntaxError(f"unexpected {text[pos:].strip()[:20]!r} at position {pos}")
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind), match.start(kind)))
        pos = match.end()
    return tokens


def parse_condition(text: str) -> Condition:
    if not isinstance(text, str) or not text.strip():
        raise ConditionSyntaxError("a condition must be a non-empty string")
    parser = _Parser(tokenize(text))
    node = parser.parse_or()
    if parser.pos < len(parser.tokens):
        raise ConditionSyntaxError(
            f"unexpected {parser.tokens[parser.pos][1]!r} at position {parser.tokens[parser.pos][2]}"
        )
    return node


class _Parser:
    def __init__(self, tokens: list[tuple[str, str, int]]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos][1] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, str, int]:
        if self.pos >= len(self.tokens):
            raise ConditionSyntaxError("condition ends too early")
        self.pos += 1
        return self.tokens[self.pos - 1]

    def parse_or(self) -> Condition:
        node = self.parse_and()
        while self.peek() == "||":
            self.take()
            node = Logical("||", node, self.parse_and())
        return node

    def parse_and(self) -> Condition:
        node = self.parse_comparison()
        while self.peek() == "&&":
            self.take()
            node = Logical("&&", node, self.parse_comparison())
        return node

    def parse_comparison(self) -> Condition:
        if self.peek() == "(":
            self.take()
            node = self.parse_or()
            if self.take()[1] != ")":
                raise ConditionSyntaxError("missing )")
            return node
        left = self.parse_operand()
        if self.peek() in _COMPARISONS:
            op = self.take()[1]
            return Compare(op, left, self.parse_operand())
        if isinstance(left, Literal) and not isinstance(left.value, bool):
            raise ConditionSyntaxError(f"{left.value!r} alone is not a condition")
        return Truthy(left) if isinstance(left, Ref) else left

    def parse_operand(self) -> Operand:
        kind, text, at = self.take()
        if kind == "ref":
            try:
                return Ref(parse_path(text))
            except PathSyntaxError as e:
                raise ConditionSyntaxError(str(e)) from e
        if kind == "str":
            return Literal(re.sub(r"\\(.)", r"\1", text[1:-1]))
        if kind == "num":
            return Literal(float(text) if any(c in text for c in ".eE") else int(text))
        if kind == "word" and text in _WORDS:
            return Literal(_WORDS[text])
        if text == "!":
            raise ConditionSyntaxError(
                f"'!' at position {at}: negation is not part of FDL v1; use != or swap the branches"
            )
        raise ConditionSyntaxError(f"expected a $.path, string, number or boolean at position {at}, got {text!r}")


def evaluate(node: Condition, data: Any, *, boolean_compare: str = "string") -> bool:
    if isinstance(node, Logical):
        left = evaluate(node.left, data, boolean_compare=boolean_compare)
        if node.op == "&&":
            return left and evaluate(node.right, data, boolean_compare=boolean_compare)
        return left or evaluate(node.right, data, boolean_compare=boolean_compare)
    if isinstance(node, Truthy):
        value = _value(node.operand, data)
        return value is True or (boolean_compare == "string" and value == "true")
    if isinstance(node, Literal):
        return node.value is True
    left, right = _value(node.left, data), _value(node.right, data)
    if node.op in ("==", "!="):
        return _equal(left, right, boolean_compare) == (node.op == "==")
    return _order(node.op, left, right)


def _value(operand: Operand, data: Any) -> Any:
    return operand.value if isinstance(operand, Literal) else walk(data, operand.path.segments)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _equal(left: Any, right: Any, mode: str) -> bool:
    if isinstance(left, bool) or isinstance(right, bool):
        if isinstance(left, bool) and isinstance(right, bool):
            return left is right
        if mode == "string" and (isinstance(left, str) or isinstance(right, str)):
            return _string_form(left) == _string_form(right)
        return False
    if _is_number(left) and _is_number(right):
        return bool(left == right)
    return type(left) is type(right) and bool(left == right)


def _string_form(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _order(op: str, left: Any, right: Any) -> bool:
    comparable = (_is_number(left) and _is_number(right)) or (isinstance(left, str) and isinstance(right, str))
    if not comparable:
        raise ConditionTypeError(
            f"cannot apply {op} to {left!r} and {right!r}: ordering is defined for two numbers or two strings"
        )
    return bool({"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[op])
