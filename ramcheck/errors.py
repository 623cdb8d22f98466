"""Errors of the local RAM evaluator. Everything it raises derives from `RamCheckError`."""

from __future__ import annotations


class RamCheckError(Exception):
    """Base class of every error `ramcheck` raises."""


class PolicyError(RamCheckError, ValueError):
    """A policy document is not one RAM would accept, or uses an element this evaluator cannot judge."""

    def __init__(self, where: str, message: str) -> None:
        self.where = where
        super().__init__(f"{where}: {message}")


class AccessDenied(RamCheckError, PermissionError):
    """A request the policy does not allow; the message names the action, the resource and why.

    A `PermissionError`, so the engine's and the emulator's hooks can catch it without importing
    this package.
    """

    def __init__(self, action: str, resource: str, reason: str) -> None:
        self.action = action
        self.resource = resource
        self.reason = reason
        super().__init__(f"{action} on {resource} is denied: {reason}")
