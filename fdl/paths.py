"""Data references of FDL v1: `$input.a.b`, `$local[*].x`, `$context.execution.name`, `$.x`, `$`.

CloudFlow does not document what a reference to a path that does not exist evaluates to. `walk`
yields null (None) for it, which conditions, waits and foreach collections then judge; mappings ask
`first_missing` first, and in the engine's strict mode (its default) a missing mapping source fails
the step (`fdl.errors.MappingSourceMissing`) instead of guessing.

`[*]` projects over a list; a second `[*]` later in the path flattens one level, so
`$local[*].parts[*]` is the list of every part of every element.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_ROOT = re.compile(r"\$(input|local|context)?")
_SEGMENT = re.compile(r"\.([^.\[\]]+)|\[(\d+|\*)\]")
ALL = "*"


class PathSyntaxError(ValueError):
    pass


@dataclass(frozen=True)
class PathExpr:
    """A parsed reference. `root` is "input", "local", "context" or "" for `$`."""

    root: str
    segments: tuple[str | int, ...]
    text: str


@dataclass(frozen=True)
class Constant:
    value: Any


def parse_path(text: str) -> PathExpr:
    root = _ROOT.match(text)
    if root is None:
        raise PathSyntaxError(f"{text!r} is not a reference: it must start with $")
    segments: list[str | int] = []
    pos = root.end()
    while pos < len(text):
        seg = _SEGMENT.match(text, pos)
        if seg is None:
            raise PathSyntaxError(f"{text!r}: cannot parse from position {pos} ({text[pos:]!r}); use .key, [0] or [*]")
        key, index = seg.groups()
        segments.append(key if key is not None else (ALL if index == ALL else int(index)))
        pos = seg.end()
    return PathExpr(root=root.group(1) or "", segments=tuple(segments), text=text)


def parse_source(value: Any) -> PathExpr | Constant:
    """A mapping source: a `$...` reference, or a constant (number, string, '', bare word)."""
    if isinstance(value, str) and value.startswith("$"):
        return parse_path(value)
    return Constant(value)


def walk(value: Any, segments: tuple[str | int, ...]) -> Any:
    if not segments:
        return value
    head, rest = segments[0], segments[1:]
    if head == ALL:
        if not isinstance(value, list):
            return None
        results = [walk(item, rest) for item in value]
        return _flatten(results) if ALL in rest else results
    if isinstance(head, int):
        return walk(value[head], rest) if isinstance(value, list) and head < len(value) else None
    return walk(value.get(head), rest) if isinstance(value, dict) else None


def first_missing(
    value: Any, segments: tuple[str | int, ...], done: tuple[str | int, ...] = ()
) -> tuple[str | int, ...] | None:
    """The shortest prefix of `segments` that names nothing in `value`, or None when the path exists.

    A key holding null exists. Through `[*]` the rest of the path must exist in every element.
    """
    if not segments:
        return None
    head, rest = segments[0], segments[1:]
    here = (*done, head)
    if head == ALL:
        if not isinstance(value, list):
            return here
        return next((m for m in (first_missing(item, rest, here) for item in value) if m is not None), None)
    present = (
        isinstance(value, list) and head < len(value)
        if isinstance(head, int)
        else isinstance(value, dict) and head in value
    )
    return first_missing(value[head], rest, here) if present else here


def path_text(root: str, segments: tuple[str | int, ...]) -> str:
    """`$input.a[0]` from its parts."""
    parts = "".join(f"[{s}]" if isinstance(s, int) or s == ALL else f".{s}" for s in segments)
    return f"${root}{parts}"


def _flatten(results: list[Any]) -> list[Any]:
    flat: list[Any] = []
    for item in results:
        if isinstance(item, list):
            flat.extend(item)
        elif item is not None:
            flat.append(item)
    return flat


def resolve(source: PathExpr | Constant, roots: dict[str, Any]) -> Any:
    """Evaluate a source against `roots` ("input", "local", "context", "" for `$`)."""
    if isinstance(source, Constant):
        return source.value
    return walk(roots.get(source.root), source.segments)
