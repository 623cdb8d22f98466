"""Key strings in listing order: the shortest cursor between two keys, a point in the middle of a range,
and how far into a range a cursor is.

OSS lists keys in UTF-8 byte order, which is the code-point order Python compares `str` in (keys are
valid UTF-8, so no surrogates). A cursor is a ListObjects marker ("strictly after"). The flows carry
cursors, not keys (`restore_core.shards`), so a cursor is made as short as the keys around it allow:
between `a` (the last key done) and `b` (the next), the shortest string `c` with `a <= c < b` lists `b`
and nothing before it, and for keys that differ early it is a few characters whatever their length.
"""

from __future__ import annotations

_SURROGATES = range(0xD800, 0xE000)
_TOP = 0x110000  # one past the largest code point
_ASCII_TOP = 0x80
# How many characters after the common prefix `position` reads: enough to place a cursor among 10^12
# evenly spread keys, and cheap.
_DIGITS = 6


def common_prefix_length(a: str, b: str) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


def _valid(code: int) -> int:
    """The code point itself, or the first one after the surrogates (not allowed in keys)."""
    return 0xE000 if code in _SURROGATES else code


def _after(code: int) -> int | None:
    """The next valid code point, or None past the last."""
    nxt = _valid(code + 1)
    return nxt if nxt < _TOP else None


def separator(a: str, b: str) -> str:
    """The shortest string `c` with `a <= c < b` (`a < b`): listing after `c` skips `a` and reads `b`."""
    if not a < b:
        raise ValueError(f"separator needs a < b, got {a!r} and {b!r}")
    i = common_prefix_length(a, b)
    if i == len(a) or len(a) == i + 1:
        return a  # a is a prefix of b, or ends where they differ: nothing shorter is >= a
    up = _after(ord(a[i]))
    if up is not None and up < ord(b[i]):
        return a[:i] + chr(up)
    if len(b) > i + 1:
        return b[: i + 1]  # a proper prefix of b: below b, above a
    # b ends one character above a's at i: the cursor needs a's next character too.
    nxt = a[i + 1]
    if len(a) == i + 2:
        return a
    up = _after(ord(nxt))
    return a[: i + 1] + chr(up) if up is not None else a


def _between(x: int, y: int) -> int:
    """A valid code point strictly between x and y (y - x >= 2), in the middle of the names' alphabet:
    when x is ASCII the middle of what is left of ASCII (most keys), else of the code points."""
    if x < _ASCII_TOP - 1 and y > _ASCII_TOP:
        y = _ASCII_TOP
    c = (x + y) // 2
    if c in _SURROGATES:
        c = 0xE000 if y > 0xE000 else 0xD7FF
    return c


def _above(tail: list[int]) -> str:
    """A short string above `tail`, in the middle of the space above it."""
    if not tail:
        return chr(_between(-1, _TOP))
    first = tail[0]
    top = _ASCII_TOP if first < _ASCII_TOP else _TOP
    if top - first >= 2:
        return chr(_between(first, top))
    if first < _ASCII_TOP:
        return chr(_between(first, _TOP))
    return chr(first) + _above(tail[1:])


def midpoint(lo: str, hi: str | None, *, floor: str = "") -> str | None:
    """A string `p` with `lo < p < hi` in the middle of the key space between them, as short as that
    allows; hi None: no upper bound but the end of the strings that start with `floor`. None when no
    string lies between (hi is lo followed by one NUL)."""
    lo_c = [ord(c) for c in lo]
    hi_c = [ord(c) for c in floor] + [_TOP] if hi is None else [ord(c) for c in hi]
    if not lo_c < hi_c:
        raise ValueError(f"midpoint needs lo < hi, got {lo!r} and {hi!r}")
    i = 0
    while i < len(lo_c) and lo_c[i] == hi_c[i]:
        i += 1
    x = lo_c[i] if i < len(lo_c) else -1
    y = hi_c[i]
    if y - x >= 2:
        return lo[:i] + chr(_between(x, y))
    if x < 0:  # lo ends where hi has a NUL: lo + NUL is between them unless it is hi
        below = lo + "\x00"
        return below if hi is None or below < hi else None
    return lo[: i + 1] + _above(lo_c[i + 1 :])


def position(cursor: str, lo: str, hi: str | None, *, floor: str = "") -> float:
    """How far `cursor` is into the key space from `lo` (0.0) to `hi` (1.0; None: the end of the strings
    starting with `floor`), read from the first characters after their common prefix: an estimate for
    spreading work, never exact."""
    i = common_prefix_length(lo, hi) if hi is not None else len(floor)
    chars = [ord(c) for s in (lo, cursor, hi or "") for c in s[i : i + _DIGITS]]
    base = _ASCII_TOP if all(c < _ASCII_TOP for c in chars) else _TOP

    def value(s: str) -> float:
        total, scale = 0.0, 1.0
        for c in s[i : i + _DIGITS]:
            scale /= base
            total += min(ord(c), base - 1) * scale
        return total

    low = value(lo)
    high = 1.0 if hi is None else value(hi)
    if high <= low:
        return 0.0
    return min(1.0, max(0.0, (value(cursor) - low) / (high - low)))
