"""Errors of the emulator.

`OssError` is an answer the emulated service gives (it becomes an OSS error response); the others are
mistakes in how the emulator itself is configured or driven from Python.
"""

from __future__ import annotations


class EmulatorError(Exception):
    """Base of every error raised by `ossemu`."""


class ConfigError(EmulatorError, ValueError):
    """A setting passed to the emulator is out of range; the message names the field and what is allowed."""

    def __init__(self, field: str, value: object, allowed: str) -> None:
        self.field = field
        self.value = value
        self.allowed = allowed
        super().__init__(f"{field}: {value!r} is not allowed; expected {allowed}")


class NoSuchBucketError(EmulatorError, KeyError):
    """A Python-side call named a bucket that was never created."""

    def __init__(self, bucket: str) -> None:
        self.bucket = bucket
        super().__init__(f"bucket {bucket!r} does not exist; create it with Emulator.create_bucket first")

    def __str__(self) -> str:
        return str(self.args[0])


class NoSuchKeyError(EmulatorError, KeyError):
    """A Python-side call named an object that does not exist."""

    def __init__(self, bucket: str, key: str) -> None:
        self.bucket = bucket
        self.key = key
        super().__init__(f"object {key!r} does not exist in bucket {bucket!r}")

    def __str__(self) -> str:
        return str(self.args[0])


class OssError(EmulatorError):
    """An OSS error response: HTTP status, OSS code, message, and the optional EC and extra elements."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        ec: str = "",
        extra: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.status = status
        self.code = code
        self.message = message
        self.ec = ec
        self.extra = extra or {}
        self.headers = headers or {}
        super().__init__(f"{status} {code}: {message}")
