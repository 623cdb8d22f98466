"""A flow step's bytes: handler outputs stay within the 32 KiB CloudFlow allows a step's input and output."""

from __future__ import annotations

import json
from typing import Any

KEY_LIST_BYTES = 4096
"""At most this many bytes of JSON per list of example keys (skippedKeys, failedKeys)."""


def size(value: Any) -> int:
    """Bytes of value as the handlers serialise it."""
    return len(dumps(value).encode("utf-8", "surrogatepass"))


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def capped(entries: list[dict[str, Any]], *, limit: int = KEY_LIST_BYTES) -> list[dict[str, Any]]:
    """The leading entries that fit in limit bytes; counts elsewhere say how many there were."""
    kept: list[dict[str, Any]] = []
    used = 2
    for entry in entries:
        used += size(entry) + 1
        if used > limit:
            break
        kept.append(entry)
    return kept
