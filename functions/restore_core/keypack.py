"""Keys in listing order, front-coded into one string, so that a listing call hands on several times more keys.

A listing call's output is held to a few KiB (a flow step's input + output + local within 32 KiB), and
keys listed in order share long prefixes: `logs/2024/000123` follows `logs/2024/000122`. Each key is
written as how many characters to drop from the end of the key before it, how many to append, then
those characters. When at most 7 are dropped and 1 to 8 appended (keys that count up), one character
of `_SHORT` says both, so such a key costs 2 or 3 bytes whatever its length; otherwise `_LONG` is
followed by the two numbers, each in base 32 with one character per digit (every digit but the last
from `_MORE`, the last from `_LAST`: 0-31 take one character, up to 1,023, the longest key, two). All
these alphabets are printable ASCII that JSON writes as is.
"""
from __future__ import annotations

from collections.abc import Iterable

from restore_core.errors import InvalidParameter

_SHORT = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_"  # drop * 8 + (append - 1)
_LONG = "."
_LAST = "0123456789ABCDEFGHIJKLMNOPQRSTUV"
_MORE = "WXYZabcdefghijklmnopqrstuvwxyz-_"
_DIGIT = {c: (i, False) for i, c in enumerate(_LAST)} | {c: (i, True) for i, c in enumerate(_MORE)}
_ALLOWED = "keys packed by listArchiveFiles (front-coded, see restore_core/keypack.py)"


def _number(n: int) -> str:
    digits = [_LAST[n % 32]]
    n //= 32
    while n:
        digits.append(_MORE[n % 32])
        n //= 32
    return "".join(reversed(digits))


def entry(previous: str, key: str) -> str:
    """`key` as it follows `previous` ("" for the first key)."""
    shared = 0
    for a, b in zip(previous, key, strict=False):
        if a != b:
            break
        shared += 1
    drop, suffix = len(previous) - shared, key[shared:]
    if drop < 8 and 1 <= len(suffix) <= 8:
        return _SHORT[drop * 8 + len(suffix) - 1] + suffix
    return _LONG + _number(drop) + _number(len(suffix)) + suffix


def pack(keys: Iterable[str]) -> str:
    previous, parts = "", []
    for key in keys:
        parts.append(entry(previous, key))
        previous = key
    return "".join(parts)


def unpack(packed: str, field: str) -> list[str]:
    """The keys `pack` wrote; a string it cannot have written is refused, naming `field`."""
    keys: list[str] = []
    previous, at = "", 0

    def number() -> int:
        nonlocal at
        n, digits = 0, 0
        while at < len(packed) and digits < 2:
            value, more = _DIGIT.get(packed[at], (-1, False))
            if value < 0:
                break
            n, at, digits = n * 32 + value, at + 1, digits + 1
            if not more:
                return n
        raise InvalidParameter(field, _ALLOWED, f"a malformed number at character {at}")

    while at < len(packed):
        start = at
        token = packed[at]
        at += 1
        if token == _LONG:
            drop, length = number(), number()
        elif token in _SHORT:
            drop, length = divmod(_SHORT.index(token), 8)
            length += 1
        else:
            raise InvalidParameter(field, _ALLOWED, f"an unknown character at {start}")
        if drop > len(previous) or at + length > len(packed) or (drop == len(previous) and length == 0):
            raise InvalidParameter(field, _ALLOWED, f"an entry that does not fit at character {start}")
        previous = previous[:len(previous) - drop] + packed[at:at + length]
        at += length
        keys.append(previous)
    return keys
