"""Errors the handlers raise. FC reports the class name as the error type, and the flows catch and
retry on exactly these names, so the class names are part of the handler contract."""

from __future__ import annotations

import reprlib
from collections.abc import Iterable
from typing import Any, ClassVar


class RestoreCoreError(Exception):
    """Base of every error a handler raises on purpose."""

    retryable: ClassVar[bool] = False


class InvalidParameter(RestoreCoreError, ValueError):
    """Bad input: names the field, what it allows and what it got."""

    def __init__(self, field: str, allowed: str, value: Any, *, message: str | None = None) -> None:
        # A field path can hold a name from the input (`files.<class>`): keep the message printable.
        self.field = printable(field)
        self.allowed = allowed
        self.value = value
        super().__init__(printable(message or f"{self.field} must be {allowed} (got {_show(value)})"))


class RestoreIncomplete(RestoreCoreError):
    """Some keys still failed with transient errors after the handler's own retries."""

    retryable = True

    def __init__(self, failures: Iterable[tuple[str, str]], *, done: int = 0) -> None:
        self.failures = tuple(failures)
        self.done = done
        # The message becomes the flow's error cause: keep it short whatever the keys.
        shown = ", ".join(f"{_show(key)} ({code})" for key, code in self.failures[:5])
        more = f" and {len(self.failures) - 5} more" if len(self.failures) > 5 else ""
        super().__init__(f"{len(self.failures)} key(s) still failing after retries ({done} done): {shown}{more}")


class OSSUnavailable(RestoreCoreError):
    """OSS kept answering 5xx / 503 or the connection kept failing after retries."""

    retryable = True

    def __init__(self, operation: str, status: int, code: str, reason: str = "") -> None:
        self.operation = operation
        self.status = status
        self.code = code
        self.reason = reason  # no answer at all: why the connection failed ("connection refused")
        said = reason if status == -2 and reason else f"HTTP {status} {code or '(no code)'}"
        super().__init__(f"{operation} failed after retries: {said}")


class OSSAccessDenied(RestoreCoreError):
    """403 from OSS: the credentials, the role's policy or the clock are wrong; retrying will not help."""

    def __init__(self, operation: str, code: str, message: str = "") -> None:
        self.operation = operation
        self.code = code
        detail = f": {message}" if message else ""
        super().__init__(f"{operation} denied by OSS ({code or 'AccessDenied'}){detail}")


class OSSRequestRejected(RestoreCoreError):
    """A permanent OSS error other than 403 on a request the handler cannot do without (a listing)."""

    def __init__(self, operation: str, status: int, code: str, message: str = "") -> None:
        self.operation = operation
        self.status = status
        self.code = code
        detail = f": {message}" if message else ""
        super().__init__(f"{operation} rejected by OSS: HTTP {status} {code}{detail}")


def printable(text: str) -> str:
    """text with lone surrogates written as escapes, so it can be encoded, logged and returned as JSON."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


# Bounded in depth, width and length whatever the value: a deeply nested list, a megabyte string.
_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxstring, _REPR.maxother, _REPR.maxlist, _REPR.maxdict = 3, 80, 80, 6, 6


def _show(value: Any) -> str:
    if isinstance(value, int) and value.bit_length() > 10_000:  # repr() fails past 4,300 digits (~14,000 bits)
        return f"<an integer of {value.bit_length()} bits>"
    try:
        text = _REPR.repr(value)
    except (ValueError, RecursionError):  # an integer beyond Python's conversion limit inside a container
        text = f"<a {type(value).__name__}>"
    return text if len(text) <= 80 else text[:77] + "..."


class DeadlineUnreachable(InvalidParameter):
    """A class's fastest tier cannot make the deadline (and bestEffort is off): refused before its restores."""

    def __init__(self, deadline: str, storage_class: str, tier: str | None, seconds: float) -> None:
        self.storage_class = storage_class
        tier_text = f"its fastest tier, {tier}," if tier else "its restore"
        super().__init__(
            "deadline",
            f"a time {storage_class} can be restored by",
            deadline,
            message=f"deadline {deadline} cannot be met for {storage_class}: {tier_text} takes up to "
            f"{duration_text(seconds)} (OSS's documented time); bestEffort (--best-effort) restores as fast as possible anyway",
        )


def duration_text(seconds: float) -> str:
    """1 h, 90 min, 12.5 s: hours from an hour up, minutes from a minute up."""
    if seconds >= 3600:
        return f"{seconds / 3600:g} h"
    if seconds >= 60:
        return f"{seconds / 60:g} min"
    return f"{seconds:.3g} s"
