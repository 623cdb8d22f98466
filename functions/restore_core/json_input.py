"""JSON from outside (handler events, the command's `--input` file), parsed within fixed bounds.

Python's parser recurses once per nesting level and converts every integer literal, so a few thousand
`[` raise RecursionError and a 5,000-digit number raises ValueError (the integer conversion limit), both
far from the field that caused them. Here the nesting depth is measured before parsing, and long integer
literals are kept as `OversizedNumber`, which no validator accepts, so the error names the field.
"""

from __future__ import annotations

import json
import re
from typing import Any

from restore_core.errors import InvalidParameter

# The deepest input any handler or flow takes is 4 levels (event > filesGroup > group > keys); CloudFlow
# documents no nesting limit, so the stricter reading: a fixed bound well above that, far below recursion.
MAX_DEPTH = 32
# Integer literals longer than this (sign included) are never converted; every integer field is far shorter.
MAX_INTEGER_LITERAL = 20

_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


class OversizedNumber:
    """An integer literal too long to convert; validators see a value that is neither int nor str."""

    def __init__(self, literal: str) -> None:
        self.digits = len(literal.lstrip("-"))

    def __repr__(self) -> str:
        return f"<a number of {self.digits} digits>"


def _integer(literal: str) -> int | OversizedNumber:
    return int(literal) if len(literal) <= MAX_INTEGER_LITERAL else OversizedNumber(literal)


def depth(text: str) -> int:
    """The deepest nesting of arrays and objects in text, brackets inside strings not counted."""
    level = deepest = 0
    for bracket in _BRACKET.finditer(_STRING.sub('""', text)):
        level += 1 if bracket.group() in "[{" else -1
        deepest = max(deepest, level)
    return deepest


def loads(data: str | bytes | bytearray, *, field: str) -> Any:
    """Parse data (UTF-8 when bytes); InvalidParameter naming field for anything but bounded JSON."""
    try:
        text = data.decode("utf-8") if isinstance(data, (bytes, bytearray)) else data
    except UnicodeDecodeError as e:
        raise InvalidParameter(field, "JSON in UTF-8", data, message=f"{field} is not UTF-8: {e}") from None
    if not isinstance(text, str):
        raise InvalidParameter(field, "JSON text", data)
    if depth(text) > MAX_DEPTH:
        raise InvalidParameter(
            field,
            f"JSON nested at most {MAX_DEPTH} levels deep",
            data,
            message=f"{field} is nested more than {MAX_DEPTH} levels deep",
        )
    try:
        return json.loads(text, parse_int=_integer)
    except ValueError as e:  # JSONDecodeError is a ValueError
        raise InvalidParameter(field, "a JSON document", data, message=f"{field} is not JSON: {e}") from None
