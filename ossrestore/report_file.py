"""The file a run's report goes to: locked for the run, written beside its path, renamed into place whole.

    with report_file(path, keep_on=(Interrupted,)) as target:  # None when path is None; exit 2 at once
        run(report=target.stream)                             # if another run holds the path
    # renamed into place when the block ends normally or with one of keep_on; otherwise left as it was

- **Lock.** The run holds an exclusive `flock` on the report path (created empty when it does not exist)
  from before its first request to its end, so a second run naming the same path stops at once, exit 2,
  and cannot interleave its lines with the first's.
- **Temporary file, then rename.** Lines go to a temporary file in the same directory; `commit` flushes
  it to disk and renames it over the path (atomic within a file system), so the path holds either the
  previous report or the whole new one, never a mix. A run that ends without `commit` (refused input found
  late, a crash) leaves the path as it was. The command commits the partial report of an interrupted run too.
- **Writability, before anything is requested.** One byte is written, flushed and synced to the temporary
  file and taken back; a path that is not a regular file (`/dev/full`, a directory, a pipe: no file can be
  renamed over it) is refused. A write that fails later (a disk filling up) is `ReportUnwritable`, exit 2.
"""

from __future__ import annotations

import contextlib
import fcntl
import io
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from ossrestore.errors import UsageError


class ReportUnwritable(UsageError):
    """The report's file cannot be written: the run stops rather than pay for restores nobody will see."""


class _Stream(io.TextIOWrapper):
    """The report's text stream: a failed write is ReportUnwritable (exit 2), not a traceback."""

    flag = "--report"

    def write(self, text: str) -> int:
        try:
            return super().write(text)
        except OSError as e:
            raise ReportUnwritable(f"{self.flag}: cannot write the report: {e.strerror or e}") from None

    def flush(self) -> None:
        try:
            super().flush()
        except OSError as e:
            raise ReportUnwritable(f"{self.flag}: cannot write the report: {e.strerror or e}") from None


class ReportTarget:
    """A locked report path and the temporary file its lines go to until `commit`."""

    def __init__(self, path: Path, *, flag: str) -> None:
        self.path, self.flag = path, flag
        self._lock_fd: int | None = None
        self._created = False
        self._temp: Path | None = None
        self._raw: BinaryIO | None = None
        self.stream: _Stream | None = None

    def open(self) -> None:
        self._lock()
        self._create_temp()
        self._probe()

    def _fail(self, why: str) -> UsageError:
        return UsageError(f"{self.flag}: cannot write {str(self.path)!r}: {why}")

    def _lock(self) -> None:
        try:
            existing = self.path.stat()
        except FileNotFoundError:
            existing = None
        except OSError as e:
            raise self._fail(e.strerror or str(e)) from None
        if existing is not None and not stat.S_ISREG(existing.st_mode):
            raise self._fail("not a regular file (the report is written beside it and renamed into place)")
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as e:
            raise self._fail(e.strerror or str(e)) from None
        self._lock_fd, self._created = fd, existing is None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock_fd, self._created = None, False
            os.close(fd)
            raise UsageError(
                f"{self.flag}: {str(self.path)!r} is the report of another run still under way "
                f"(it holds the file's lock); wait for it to end or name another file"
            ) from None

    def _create_temp(self) -> None:
        try:
            handle, name = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
        except OSError as e:
            raise self._fail(e.strerror or str(e)) from None
        self._temp = Path(name)
        self._raw = raw = os.fdopen(handle, "w+b")
        self.stream = _Stream(raw, encoding="utf-8", newline="\n", write_through=False)
        self.stream.flag = self.flag

    def _probe(self) -> None:
        """Write, flush and sync one byte, then take it back: a full disk is found before any request."""
        raw = self._raw
        assert raw is not None
        try:
            raw.write(b"\n")
            raw.flush()
            os.fsync(raw.fileno())
            raw.seek(0)
            raw.truncate()
        except OSError as e:
            raise self._fail(e.strerror or str(e)) from None

    def commit(self) -> None:
        """Flush the lines to disk and rename the temporary file over the path."""
        if self.stream is None or self._temp is None:
            return
        self.stream.flush()
        try:
            os.fsync(self.stream.fileno())
            assert self._lock_fd is not None  # the mode of the file it replaces (new: as the lock created it)
            os.chmod(self._temp, stat.S_IMODE(os.fstat(self._lock_fd).st_mode))
            os.replace(self._temp, self.path)
        except OSError as e:
            raise ReportUnwritable(f"{self.flag}: cannot write {str(self.path)!r}: {e.strerror or e}") from None
        self._temp, self._created = None, False
        self.stream.close()
        self.stream = None

    def close(self) -> None:
        """Release the path; a report not committed is removed (and so is the empty file the lock created)."""
        if self.stream is not None:
            with contextlib.suppress(OSError, ReportUnwritable):
                self.stream.close()
            self.stream = None
        if self._temp is not None:
            with contextlib.suppress(OSError):
                self._temp.unlink()
            self._temp = None
        if self._lock_fd is not None:
            if self._created:
                with contextlib.suppress(OSError):
                    if os.fstat(self._lock_fd).st_size == 0 and os.path.samestat(
                        os.fstat(self._lock_fd), self.path.stat()
                    ):
                        self.path.unlink()
            os.close(self._lock_fd)  # releases the lock
            self._lock_fd = None


@contextlib.contextmanager
def report_file(
    path: Path | None,
    *,
    flag: str = "--report",
    keep_on: tuple[type[BaseException], ...] = (),
) -> Iterator[ReportTarget | None]:
    """The locked, probed report target for `path` (None: no report), committed when the block ends
    normally or with one of `keep_on` (an interruption: its partial report), discarded otherwise; released
    however it ends."""
    if path is None:
        yield None
        return
    target = ReportTarget(path, flag=flag)
    try:
        target.open()
        try:
            yield target
        except keep_on:
            target.commit()
            raise
        target.commit()
    finally:
        target.close()
