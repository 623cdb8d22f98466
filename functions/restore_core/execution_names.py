"""Execution names: the one place that makes a CloudFlow-valid name out of anything.

CloudFlow names ("Limits", https://www.alibabacloud.com/help/en/serverless-workflow/latest/limits) are
1-128 characters of [A-Za-z0-9_-] and start with a letter or `_`. Bucket names may start with a digit and
an execution started without a name gets a UUID (which may too), so every name the project generates goes
through `valid_name`: the command's start names (`ossrestore`, `ossrestore/executions.py`) and the continue-as-new
names below.

Continue-as-new names are deterministic: a hand-off retried (or a step run twice) computes the same name,
so the second StartExecution returns the running execution or fails with ExecutionAlreadyExists instead
of starting a duplicate chain.
"""

from __future__ import annotations

import hashlib
import re

MAX_LENGTH = 128
NAME_RULE = "1-128 characters of [A-Za-z0-9_-], the first a letter or _"
FALLBACK = "oss-restore"
_DIGEST = 16
_SUFFIX = re.compile(rf"--[0-9a-f]{{{_DIGEST}}}$")
_INVALID = re.compile(r"[^A-Za-z0-9_-]")
_VALID = re.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,127}")


def is_valid_name(name: object) -> bool:
    return isinstance(name, str) and _VALID.fullmatch(name) is not None


def valid_name(text: str, *, max_length: int = MAX_LENGTH) -> str:
    """`text` as a valid name: other characters become `-`, a `_` goes before a first character that
    may not start a name, and the result is cut to `max_length`. Deterministic, and a valid name of at
    most `max_length` characters comes back unchanged."""
    name = _INVALID.sub("-", text) or FALLBACK
    if not re.match(r"[A-Za-z_]", name):
        name = "_" + name
    return name[:max_length]


def base_name(current: str) -> str:
    """The chain's name: the current name without a suffix this module added, made valid."""
    return valid_name(_SUFFIX.sub("", current), max_length=MAX_LENGTH - 2 - _DIGEST)


def next_name(current: str, phase: str, position: str) -> str:
    """The name of the execution that continues `current`'s chain in `phase` from `position`."""
    digest = hashlib.sha256(f"{phase}\n{position}".encode("utf-8", "surrogatepass")).hexdigest()[:_DIGEST]
    return f"{base_name(current)}--{digest}"
