"""What OSS answered this run about each key, kept on disk so a run's memory does not grow with N.

A run of millions of objects would need about a kilobyte of memory per object to keep these answers
in a dict until the final listing; here they go to SQLite (standard library) as they arrive, and the
final listing reads them back a page at a time. The store is SQLite's private temporary database
(the empty file name: "In-Memory Databases" / "Temporary Databases", https://www.sqlite.org/inmemorydb.html):
pages beyond a small cache spill to a file in the temporary directory, which SQLite deletes when the
connection closes or the process ends. Nothing is made durable: a crash loses nothing a rerun needs,
since OSS holds the state.

Keys are compared by SQLite's BINARY collation (memcmp of UTF-8), which is the order OSS lists keys in
and the order of Python's `sorted` on str, so iteration is in listing order.
"""
from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any


def contact_key(key: str, version_id: str | None = None) -> str:
    """The store's key for an object, or for one version of it: the key, a NUL, the version ID. A NUL sorts
    before every other character, so a key's versions follow it in the store's order."""
    return key if version_id is None else f"{key}\x00{version_id}"


def split_contact_key(stored: str) -> tuple[str, str | None]:
    key, sep, version_id = stored.partition("\x00")
    return key, (version_id if sep else None)


def entry_contact_key(entry: Any) -> str:
    """contact_key of a group entry: a key, or [key, versionId]."""
    if isinstance(entry, list) and len(entry) == 2:
        return contact_key(str(entry[0]), str(entry[1]))
    return str(entry)


@dataclass(frozen=True)
class KeyContact:
    """The first useful answer OSS gave to a restore of this key in this run."""

    status: int
    code: str = ""
    at: float = 0.0
    tier: str = ""  # the tier this run's request carried ("": none, or not known)


# The rule for a key answered more than once (a retried invocation answers 409 for keys its first
# attempt requested): keep the first success, but let a later success replace an earlier failure,
# and a 202 replace a 409 (this run's request took effect after all).
_UPSERT = """
INSERT INTO contacts (key, status, code, at, tier) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (key) DO UPDATE SET status = excluded.status, code = excluded.code, at = excluded.at,
tier = CASE WHEN excluded.tier = '' THEN contacts.tier ELSE excluded.tier END
WHERE (contacts.status >= 300 AND excluded.status < 300) OR (contacts.status = 409 AND excluded.status = 202)
"""
# SQLite before 3.32 allows at most 999 parameters per statement.
_LOOKUP_CHUNK = 900


class ContactStore(Mapping[str, KeyContact]):
    """Key -> KeyContact on disk; thread-safe; iterates keys in listing order."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._db = sqlite3.connect("", check_same_thread=False, isolation_level=None)
        # Scratch data: no journal; a small page cache (in KiB) keeps memory flat, the rest spills to disk.
        self._db.execute("PRAGMA journal_mode = OFF")
        self._db.execute("PRAGMA temp_store = FILE")
        self._db.execute("PRAGMA cache_size = -2048")
        self._db.execute("CREATE TABLE contacts (key TEXT PRIMARY KEY, status INTEGER NOT NULL, code TEXT NOT NULL, "
                         "at REAL NOT NULL, tier TEXT NOT NULL DEFAULT '', seen INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID")

    def record(self, contacts: Iterable[tuple[str, KeyContact]]) -> None:
        rows = [(key, c.status, c.code, c.at, c.tier) for key, c in contacts]
        if rows:
            with self._lock:
                self._db.executemany(_UPSERT, rows)

    def lookup(self, keys: Sequence[str], *, mark_seen: bool = False) -> dict[str, KeyContact]:
        """The contacts of these keys (one page of a listing); `mark_seen` remembers they were listed,
        so that `unseen` names the keys the listing no longer holds."""
        found: dict[str, KeyContact] = {}
        with self._lock:
            for start in range(0, len(keys), _LOOKUP_CHUNK):
                chunk = keys[start:start + _LOOKUP_CHUNK]
                marks = ",".join("?" * len(chunk))
                for key, status, code, at, tier in self._db.execute(
                        f"SELECT key, status, code, at, tier FROM contacts WHERE key IN ({marks})", chunk):
                    found[key] = KeyContact(status, code, at, tier)
            if mark_seen and found:
                self._db.executemany("UPDATE contacts SET seen = 1 WHERE key = ?", ((k,) for k in found))
        return found

    def unseen(self) -> Iterator[tuple[str, KeyContact]]:
        """Keys not marked seen by `lookup`, in listing order."""
        return self._items("AND seen = 0")

    def items(self) -> Iterator[tuple[str, KeyContact]]:  # type: ignore[override]
        """Every key and its contact, in listing order, a batch at a time."""
        return self._items("")

    def _items(self, where: str) -> Iterator[tuple[str, KeyContact]]:
        after = ""  # OSS keys are at least one byte long: every key sorts after ""
        while True:
            # Paged by key, so that no cursor stays open while other threads write.
            with self._lock:
                rows = self._db.execute(
                    f"SELECT key, status, code, at, tier FROM contacts WHERE key > ? {where} ORDER BY key LIMIT 1000",
                    (after,)).fetchall()
            if not rows:
                return
            for key, status, code, at, tier in rows:
                yield key, KeyContact(status, code, at, tier)
            after = rows[-1][0]

    def __getitem__(self, key: str) -> KeyContact:
        with self._lock:
            row = self._db.execute("SELECT status, code, at, tier FROM contacts WHERE key = ?", (key,)).fetchone()
        if row is None:
            raise KeyError(key)
        return KeyContact(*row)

    def __iter__(self) -> Iterator[str]:
        return (key for key, _ in self.items())

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM contacts").fetchone()[0])

    def close(self) -> None:
        """Free the store (SQLite deletes its file); it cannot be used afterwards."""
        with self._lock:
            self._db.close()
