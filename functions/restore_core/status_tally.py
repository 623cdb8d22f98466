"""Counting what restoreStatus found, and the status that follows from the counts."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from restore_core import budget
from restore_core.restore_info import RestoreInfo
from restore_core.restore_need import Need, verdict
from restore_core.restorer import KeyOutcome, Kind, Target


@dataclass
class Tally:
    scan: bool  # a scan counts only archive objects: the others were never part of the job
    direct_read: bool = False  # the bucket reads Archive objects without a restore
    readable: int = 0
    restoring: int = 0
    requested_again: int = 0
    requested_keys: list[dict[str, Any]] = field(default_factory=list)
    failures: list[dict[str, str]] = field(default_factory=list)
    frozen: list[Target] = field(default_factory=list)
    reached_end: bool = False

    def add(self, target: Target, found: tuple[str, RestoreInfo] | None) -> bool:
        """Count one object (None: it does not exist); True when it is settled as readable."""
        if found is None:
            self.failures.append({"key": target.key, "reason": "NoSuchKey"})
            return False
        storage_class, info = found
        need = verdict(storage_class, info, direct_read=self.direct_read).need
        if need is Need.NOT_ARCHIVED:
            # Standard or IA (moved out of the archive classes since listing) reads fine.
            self.readable += 0 if self.scan else 1
            return True
        if need in (Need.ALREADY_RESTORED, Need.DIRECT_READ):
            self.readable += 1
            return True
        if need is Need.IN_PROGRESS:
            self.restoring += 1  # waited for, never requested again
        else:
            self.frozen.append(Target(target.key, storage_class, target.version_id))
        return False

    def rerequested(self, target: Target, outcome: KeyOutcome) -> None:
        if outcome.kind in (Kind.REQUESTED, Kind.IN_PROGRESS):
            self.restoring += 1
            if outcome.kind is Kind.REQUESTED:
                self.requested_again += 1
                named = {"versionId": target.version_id} if target.version_id else {}
                self.requested_keys.append({"key": target.key, **named, "status": outcome.status})
        elif outcome.kind is Kind.ALREADY_RESTORED or outcome.code == "OperationNotSupported":
            self.readable += 1
        elif outcome.status == 404 and self.scan:
            pass  # deleted since the scan listed it: no longer part of the job
        else:
            self.failures.append({"key": target.key, "reason": outcome.code or f"HTTP{outcome.status}"})

    def status(self) -> str:
        if self.restoring:
            return "running"
        if self.failures or self.frozen:
            return "failed"
        return "running" if self.scan and not self.reached_end else "success"

    def output(self) -> dict[str, Any]:
        failures = self.failures + [{"key": t.key, "reason": "NotRestored"} for t in self.frozen]
        return {
            "status": self.status(), "readable": self.readable, "restoring": self.restoring,
            "failed": len(failures), "rerequested": self.requested_again, "failedKeys": budget.capped(failures),
            "rerequestedKeys": budget.capped(self.requested_keys),
        }
