"""The journal: what OSS answered each restore request of a shard, kept in the run's store.

A request slice writes one part per listing page it sent requests for, in listing order, once the
page's answers are in; a confirm scan writes its re-requests as a part of their own. The confirm scan
reads the parts in order beside its own listing, so each report line says whether this run asked for
the restore (and when, at which tier, with what answer). A slice cut short mid-page names its last part
in the shard (`r`), and the next slice skips the keys that part already holds: a key that got an
answer is never sent again.

A contact is one JSON line: `k` key, `v` versionId (absent for the current version), `st` HTTP status,
`c` OSS code (absent when none), `t` when (epoch seconds), `ti` tier (absent when none), `p` a manifest
entry's position (manifests only: their entries are in the manifest's order, not the keys').
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from restore_core.run_store import RunStore, pack_lines, unpack_lines

PREFIX = "journal/"


@dataclass(frozen=True)
class Contact:
    """The first useful answer OSS gave this run about one object (see `better`)."""

    key: str
    version_id: str | None
    status: int
    code: str = ""
    at: float = 0.0
    tier: str = ""
    position: str = ""  # a manifest's cursor after the entry (manifests are not in key order); "" otherwise

    @property
    def ident(self) -> tuple[str, str]:
        return (self.key, self.version_id or "")

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"k": self.key, "st": self.status, "t": round(self.at, 3)}
        if self.version_id:
            out["v"] = self.version_id
        if self.code:
            out["c"] = self.code
        if self.tier:
            out["ti"] = self.tier
        if self.position:
            out["p"] = self.position
        return out

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> Contact:
        return cls(
            str(value["k"]),
            value.get("v") or None,
            int(value["st"]),
            str(value.get("c") or ""),
            float(value.get("t") or 0.0),
            str(value.get("ti") or ""),
            str(value.get("p") or ""),
        )


def better(old: Contact | None, new: Contact) -> Contact:
    """A key answered twice (a request retried): keep the first success, but let a success replace a
    failure and a 202 replace a 409 (this run's request took effect after all)."""
    if old is None:
        return new
    if (old.status >= 300 and new.status < 300) or (old.status == 409 and new.status == 202):
        return new
    return old


def part_name(shard: str, slice_number: int, page: int) -> str:
    return f"{PREFIX}{shard}/{slice_number:06d}-{page:04d}.jsonl.gz"


def rerequest_name(shard: str, scan: int) -> str:
    return f"{PREFIX}{shard}/r{scan:06d}.jsonl.gz"


def write(store: RunStore, name: str, contacts: Iterable[Contact]) -> None:
    store.put(name, pack_lines(c.to_json() for c in contacts))


def read(store: RunStore, name: str) -> list[Contact]:
    data = store.get(name)
    return [] if data is None else [Contact.from_json(v) for v in unpack_lines(data)]


class Reader:
    """A shard's contacts in listing order, from the part after `after` on, with its re-requests (which
    override what the parts say about the same key) beside them."""

    def __init__(self, store: RunStore, shard: str, *, after: str, position: Callable[[Contact], Any]) -> None:
        self._store, self._position, self._after = store, position, after
        names = list(store.names(f"{PREFIX}{shard}/", after=after))
        self._parts = deque(n for n in names if not n.rsplit("/", 1)[-1].startswith("r"))
        self._rerequests: dict[tuple[str, str], Contact] = {}
        for name in store.names(f"{PREFIX}{shard}/r"):
            for contact in read(store, name):
                self._rerequests[contact.ident] = better(self._rerequests.get(contact.ident), contact)
        self._buffer: deque[Contact] = deque()
        self._loaded: list[tuple[str, Any]] = []  # (part, position of its last contact), in order

    def _fill(self) -> bool:
        while not self._buffer and self._parts:
            name = self._parts.popleft()
            contacts = read(self._store, name)
            self._loaded.append((name, self._position(contacts[-1]) if contacts else None))
            self._buffer.extend(contacts)
        return bool(self._buffer)

    def upto(self, position: Any) -> Iterator[Contact]:
        """The contacts at or before `position` not yet taken, in order."""
        while self._fill() and self._position(self._buffer[0]) <= position:
            yield self._buffer.popleft()

    def rerequested(self, ident: tuple[str, str]) -> Contact | None:
        return self._rerequests.get(ident)

    def mark(self, frontier: Any) -> str:
        """Where the next scan resumes reading, when this one settled everything up to `frontier`: the last
        part read all of whose contacts lie at or before it."""
        mark = self._after
        for name, last in self._loaded:
            if last is not None and last > frontier:
                break
            mark = name
        return mark
