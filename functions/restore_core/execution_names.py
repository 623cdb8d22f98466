"""Deterministic names for continue-as-new executions.

A hand-off retried (or a step run twice) computes the same name, so the second StartExecution fails
with ExecutionAlreadyExists instead of starting a duplicate chain.
"""
from __future__ import annotations

import hashlib
import re

MAX_LENGTH = 128  # Serverless Workflow execution names: 1-128 of [A-Za-z0-9_-]
_DIGEST = 16
_SUFFIX = re.compile(r"--[0-9a-f]{%d}$" % _DIGEST)
_INVALID = re.compile(r"[^A-Za-z0-9_-]")


def base_name(current: str) -> str:
    """The chain's name: the current name without a suffix this module added."""
    base = _INVALID.sub("-", _SUFFIX.sub("", current)) or "oss-restore"
    return base[: MAX_LENGTH - 2 - _DIGEST]


def next_name(current: str, phase: str, position: str) -> str:
    """The name of the execution that continues `current`'s chain in `phase` from `position`."""
    digest = hashlib.sha256(f"{phase}\n{position}".encode("utf-8", "surrogatepass")).hexdigest()[:_DIGEST]
    return f"{base_name(current)}--{digest}"
