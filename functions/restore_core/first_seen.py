"""Where each entry of a manifest was first seen, so an entry named twice is requested (and reported) once.

The table lives in a SQLite file in the temporary directory (FC instances have /tmp), not in memory: a
reader that goes through a whole manifest of millions of lines keeps memory flat. Each entry is kept as
a 16-byte digest of its key and version with the position it was first seen at, so reading the same
position again (a page retried) still finds it first, while a later position of the same entry does not.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import tempfile
from collections.abc import Sequence

Position = int  # an entry's place in the manifest: file index and line number, as one ordered number
_LINE_BITS = 40


def position(file: int, line: int) -> Position:
    return (file << _LINE_BITS) | line


def digest(key: str, version_id: str | None) -> bytes:
    """The entry's identity: its key and its version (None: the current one)."""
    text = key if version_id is None else f"{key}\0{version_id}"
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


class FirstSeen:
    """Entries (digest, position) in the order a reader meets them; `firsts` says which come first."""

    _BATCH = 500  # SQLite's limit on parameters per statement is far above this

    def __init__(self) -> None:
        self._db: sqlite3.Connection | None = None
        self._path = ""

    def firsts(self, entries: Sequence[tuple[bytes, Position]]) -> list[bool]:
        """For each entry: is its position the first at which its digest was seen (by this or an earlier call)?"""
        out: list[bool] = []
        for start in range(0, len(entries), self._BATCH):
            out += self._batch(entries[start : start + self._BATCH])
        return out

    def _batch(self, entries: Sequence[tuple[bytes, Position]]) -> list[bool]:
        db = self._open()
        wanted = list(dict.fromkeys(d for d, _ in entries))
        known: dict[bytes, Position] = (
            dict(db.execute(f"SELECT d, pos FROM seen WHERE d IN ({','.join('?' * len(wanted))})", wanted).fetchall())
            if wanted
            else {}
        )
        new: dict[bytes, Position] = {}
        out = []
        for d, pos in entries:
            first = known.get(d, new.get(d))
            if first is None or pos < first:
                new[d] = first = pos
            out.append(first == pos)
        with db:
            db.executemany("INSERT OR REPLACE INTO seen (d, pos) VALUES (?, ?)", new.items())
        return out

    def _open(self) -> sqlite3.Connection:
        if self._db is None:
            handle, self._path = tempfile.mkstemp(prefix="oss-restore-seen-", suffix=".sqlite")
            os.close(handle)
            self._db = sqlite3.connect(self._path, check_same_thread=False)
            # A scratch table: nothing to recover after a crash, so no journal and no syncing.
            self._db.execute("PRAGMA journal_mode = OFF")
            self._db.execute("PRAGMA synchronous = OFF")
            self._db.execute("PRAGMA cache_size = -4096")  # KiB: the page cache stays small
            self._db.execute("CREATE TABLE seen (d BLOB PRIMARY KEY, pos INTEGER NOT NULL) WITHOUT ROWID")
        return self._db

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
            os.unlink(self._path)

    def __del__(self) -> None:
        with contextlib.suppress(OSError):
            self.close()
