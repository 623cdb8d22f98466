"""A run's result as the command sees it: the summary the flows wrote, and the report read back from the
run's store (`restore_core.run_store`) a part at a time.

The flows settle every object and write its line themselves (`restoreStatus`); the command only reads:
`summary.json` for the verdict and the counts, `manifest.json` for the parts in key order. After an
interruption there is no manifest: the partial report is what the shards settled, then what OSS
answered about the objects they had not settled yet (not checked by listing: `checkedAt` null).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from ossrestore.errors import OssRestoreError, UsageError
from restore_core import journal, report_lines
from restore_core.journal import Contact
from restore_core.report_lines import ReportLine
from restore_core.run_store import RunStore, get_json, unpack_lines
from restore_core.summary_task import MANIFEST, SUMMARY
from restore_core.tally import Tally, empty_tally, read_tally

OUTCOMES = report_lines.OUTCOMES["restore"]
iso = report_lines.iso


class VerificationFailed(OssRestoreError):
    """The run's report cannot be read: the verdict is unknown, which is not a success."""

    exit_code = 1


@dataclass
class RunSummary:
    by_outcome: Counter[str] = field(default_factory=Counter)
    by_class: Counter[tuple[str, str]] = field(default_factory=Counter)  # (storage class, outcome) -> objects
    estimate: dict[str, Any] | None = None  # ossrestore.estimate's plain form, documented there
    # What this run's accepted restore requests (202) asked for, per class: priced as the actual cost.
    requested: Tally = field(default_factory=empty_tally)
    outcomes: tuple[str, ...] = OUTCOMES  # the outcomes this kind of run reports (extend and clean: their own)
    flow_errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # what the handlers could not find out
    error_name: str = ""  # the error that ended the run early (DeadlineUnreachable, OSSAccessDenied, ...)
    dry_run: bool = False

    @property
    def all_readable(self) -> bool:
        return not self.flow_errors and self.by_outcome["in_progress"] == 0 and self.by_outcome["failed"] == 0

    @property
    def exit_code(self) -> int:
        """0 when every object in scope is readable; a dry run asks for nothing, so 0 unless the run failed."""
        if self.dry_run:
            return 1 if self.flow_errors else 0
        return 0 if self.all_readable else 1

    @classmethod
    def from_document(cls, document: Mapping[str, Any]) -> RunSummary:
        """The flows' `summary.json` (`restore_core.summary_task`)."""
        action = str(document.get("action") or "restore")
        copying = any(o in report_lines.COPY_OUTCOMES for o in document.get("byOutcome") or {})
        outcomes = report_lines.outcomes_for(
            action if action in report_lines.OUTCOMES else "restore",
            dry_run=bool(document.get("dryRun")),
            copying=copying,
        )
        summary = cls(
            outcomes=outcomes,
            warnings=list(document.get("warnings") or []),
            requested=read_tally(document.get("accepted")),
            error_name=str(document.get("errorName") or ""),
            dry_run=bool(document.get("dryRun")),
        )
        for cls_name, counts in (document.get("byClass") or {}).items():
            for outcome, n in counts.items():
                summary.by_class[(cls_name, outcome)] += int(n)
                summary.by_outcome[outcome] += int(n)
        if document.get("error"):
            summary.flow_errors.append(str(document["error"]))
        return summary


# --- the report file ---------------------------------------------------------------------------


def open_report(path: Path | None, *, flag: str = "--report") -> TextIO | None:
    """Open (create or truncate) the report before the run starts, so that a path that cannot be
    written fails at once with exit 2, not after every restore was paid for."""
    if path is None:
        return None
    try:
        return path.open("w", encoding="utf-8")
    except OSError as e:
        raise UsageError(f"{flag}: cannot write {str(path)!r}: {e.strerror or e}") from None


@contextmanager
def closing_report(out: TextIO | None) -> Iterator[TextIO | None]:
    """Close the report (if any) however the run ends, so whatever was written reaches the file."""
    try:
        yield out
    finally:
        if out is not None:
            out.close()


def write_row(out: TextIO | None, line: ReportLine) -> None:
    if out is not None:
        out.write(json.dumps(line.to_json(), ensure_ascii=False) + "\n")


# --- reading the store ---------------------------------------------------------------------------


def summary_document(store: RunStore) -> dict[str, Any] | None:
    found = get_json(store, SUMMARY)
    return found if isinstance(found, dict) else None


def report_lines_of(store: RunStore) -> Iterator[ReportLine]:
    """Every line of a finished run's report, in key order, a part at a time."""
    manifest = get_json(store, MANIFEST)
    if not isinstance(manifest, dict) or not isinstance(manifest.get("parts"), list):
        raise VerificationFailed(f"{store.url}: no report manifest (manifest.json): the run did not finish")
    for part in manifest["parts"]:
        yield from _part(store, str(part["name"]))


def _part(store: RunStore, name: str) -> Iterator[ReportLine]:
    data = store.get(name)
    if data is None:
        raise VerificationFailed(f"{store.url}: report part {name} is missing")
    for value in unpack_lines(data):
        yield ReportLine.from_json(value)


def partial_lines(store: RunStore) -> Iterator[ReportLine]:
    """After an interruption: each shard's settled lines, then a line for each object OSS answered about
    that the shard had not settled yet (as OSS answered then; `checkedAt` null: the rerun's report is the
    verdict). Shards with a record first, in key order; then the others."""
    records = [r for r in (get_json(store, n) for n in store.names("shards/")) if isinstance(r, dict)]
    recorded = {str(r.get("id")) for r in records}
    for record in sorted(records, key=lambda r: _position(str(r.get("lo") or ""))):
        last: tuple[str, str] | None = None
        for part in record.get("parts") or []:
            for line in _part(store, str(part[0])):
                last = (line.key, line.version_id or "")
                yield line
        yield from _unsettled(store, str(record.get("id")), after=last)
    for shard in sorted({n.split("/")[1] for n in store.names(journal.PREFIX) if n.count("/") >= 2} - recorded):
        yield from _unsettled(store, shard, after=None)


def _position(lo: str) -> tuple[Any, ...]:
    """A shard's start as it orders: a manifest's FILE:OFFSET:LINE by its numbers, a key by its text."""
    if not lo:
        return ()  # the scope's start: before every other
    parts = lo.split(":")
    if len(parts) == 3 and all(p.isdigit() for p in parts):
        return (int(parts[0]), int(parts[1]))
    return (lo,)


def _unsettled(store: RunStore, shard: str, *, after: tuple[str, str] | None) -> Iterator[ReportLine]:
    """The shard's journal after its last settled line, a part at a time (parts hold keys in listing order;
    its re-requests, few, override what the parts say)."""
    names = list(store.names(f"{journal.PREFIX}{shard}/"))
    again: dict[tuple[str, str], Contact] = {}
    for name in (n for n in names if n.rsplit("/", 1)[-1].startswith("r")):
        for contact in journal.read(store, name):
            again[contact.ident] = journal.better(again.get(contact.ident), contact)
    for name in (n for n in names if not n.rsplit("/", 1)[-1].startswith("r")):
        for contact in journal.read(store, name):
            if after is None or contact.ident > after:
                yield _answered(
                    journal.better(contact, again.pop(contact.ident)) if contact.ident in again else contact
                )
    for ident in sorted(again):
        if after is None or ident > after:
            yield _answered(again[ident])


def _answered(contact: Contact) -> ReportLine:
    if contact.status == 200:
        outcome, reason = "restored", "interrupted: readable when the restore was requested"
    elif contact.status in (202, 409):
        outcome, reason = "in_progress", "interrupted: restore requested or found running, not yet confirmed"
    elif contact.status == 404 or contact.code == "OperationNotSupported":
        outcome, reason = "skipped", "interrupted: the object changed or went away since it was listed"
    else:
        outcome, reason = "failed", f"interrupted: restore refused with HTTP {contact.status}"
    return ReportLine(
        key=contact.key,
        version_id=contact.version_id,
        storage_class=None,
        outcome=outcome,
        code=contact.code,
        reason=reason,
        requested_at=iso(contact.at),
        checked_at=None,
        expiry=None,
        tier=contact.tier or None,
        readable_at=iso(contact.at) if contact.status == 200 else None,
    )
