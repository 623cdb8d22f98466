"""A shard: one range of the run's scope, worked through by one invocation at a time.

The main flow carries the active shards (`state.shards`) from round to round; each round hands each
shard to one invocation (`restore` while its request cursor has not reached its end, `restoreStatus`
after), which moves its cursors and hands it back. The flow never carries keys: a shard is its bounds
and two cursors, each as short as the keys around it allow (`restore_core.keyspace`), stored relative
to the scope's common prefix (`base`), so the table's size does not grow with the keys' length.

A range is `(lo, hi]`: the keys after `lo` up to and including `hi` (None: to the end of the scope).
In JSON (the flow's state) a shard is a small object of one-letter fields:

| field | what |
|---|---|
| `i` | its id (`s0`, `s1`, ...): names its journal and report parts in the run store |
| `lo`, `hi` | its range; `hi` absent: to the end of the scope |
| `m` | request cursor: every object up to it has been looked at (and requested where it needed it); null: all |
| `s` | confirm cursor: every object up to it is settled and has its report line; null: all |
| `n` | request slices done (numbers its journal parts) |
| `p` | report parts written |
| `q` | confirm scans done |
| `j` | the last journal part the confirm scan has read through ("" for none) |
| `r` | a journal part the next request slice reads first: keys it answered past `m` (a slice cut short) |
| `d` | the earliest time (epoch seconds) the next confirm scan is worth making (0: at once) |
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Protocol

from restore_core import step_bytes
from restore_core.errors import InvalidParameter

_COUNTER_MAX = 10**9


@dataclass(frozen=True)
class Shard:
    id: str
    lo: str
    hi: str | None
    m: str
    s: str
    n: int = 0
    p: int = 0
    q: int = 0
    j: str = ""
    r: str = ""
    d: int = 0

    @classmethod
    def whole(cls, id: str, lo: str, hi: str | None) -> Shard:
        """A new shard over (lo, hi]: nothing requested, nothing confirmed."""
        return cls(id=id, lo=lo, hi=hi, m=lo, s=lo)

    def split_at(self, point: str, new_id: str) -> tuple[Shard, Shard]:
        """This shard up to `point` (its cursors and parts kept), and a new one after it; the point lies
        after the request cursor and before `hi` (`restore_core.splitting` finds it)."""
        return replace(self, hi=point), Shard.whole(new_id, point, self.hi)

    def to_json(self, codec: Codec) -> dict[str, Any]:
        out: dict[str, Any] = {
            "i": self.id,
            "lo": codec.compact(self.lo),
            "m": _cursor_json(self.m, codec),
            "s": _cursor_json(self.s, codec),
        }
        if self.hi is not None:
            out["hi"] = codec.compact(self.hi)
        for name in ("n", "p", "q", "d"):
            if getattr(self, name):
                out[name] = getattr(self, name)
        for name in ("j", "r"):
            if getattr(self, name):
                out[name] = getattr(self, name)
        return out

    @classmethod
    def from_json(cls, value: Any, field: str, codec: Codec) -> Shard:
        if not isinstance(value, Mapping):
            raise InvalidParameter(field, "a shard object {i, lo, m, s, ...}", value)
        hi = _optional(value, "hi", field)
        return cls(
            id=_text(value, "i", field, required=True),
            lo=codec.full(_text(value, "lo", field)),
            hi=None if hi is None else codec.full(hi),
            m=_cursor(value, "m", field, codec),
            s=_cursor(value, "s", field, codec),
            n=_count(value, "n", field),
            p=_count(value, "p", field),
            q=_count(value, "q", field),
            j=_text(value, "j", field),
            r=_text(value, "r", field),
            d=_count(value, "d", field, hi=2**40),
        )


# A cursor past every object of the scope (JSON null): the last shard has no `hi`, so "reached the end"
# needs a value no key can take. Above any key OSS allows (at most 1,023 bytes of UTF-8).
END = "\U0010ffff" * 256
START = ""  # before every object of the scope: the run's own start marker is where its listing begins


def _cursor_json(cursor: str, codec: Codec) -> str | None:
    return None if cursor == END else codec.compact(cursor)


def _cursor(value: Mapping[str, Any], name: str, field: str, codec: Codec) -> str:
    return END if value.get(name, "") is None else codec.full(_text(value, name, field))


class Codec(Protocol):
    """How a cursor is written in the flow's state: relative to what every key in scope starts with."""

    def compact(self, cursor: str) -> str: ...

    def full(self, text: str) -> str: ...


def size(shards: list[Shard], codec: Codec) -> int:
    """Bytes the shards take as JSON in the flow's state."""
    return step_bytes.size([s.to_json(codec) for s in shards])


def _text(value: Mapping[str, Any], name: str, field: str, *, required: bool = False) -> str:
    raw = value.get(name, None if required else "")
    if not isinstance(raw, str) or (required and not raw):
        raise InvalidParameter(f"{field}.{name}", "a string", raw)
    return raw


def _optional(value: Mapping[str, Any], name: str, field: str) -> str | None:
    return None if value.get(name) is None else _text(value, name, field)


def _count(value: Mapping[str, Any], name: str, field: str, *, hi: int = _COUNTER_MAX) -> int:
    raw = value.get(name, 0)
    if isinstance(raw, bool) or not isinstance(raw, int) or not 0 <= raw <= hi:
        raise InvalidParameter(f"{field}.{name}", f"an integer from 0 to {hi}", raw)
    return raw
