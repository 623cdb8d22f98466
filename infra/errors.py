"""Errors of the infrastructure package. Each names what was wrong and what is allowed."""

from __future__ import annotations


class InfraError(Exception):
    """Base of every error raised by `infra`."""


class DeploymentConfigError(InfraError):
    """A value in the deployment configuration is missing or out of range."""

    def __init__(self, source: str, field: str, message: str) -> None:
        super().__init__(f"{source}: {field}: {message}")
        self.source = source
        self.field = field


class UnknownStackError(InfraError):
    """An environment or region was asked for that the configuration does not declare."""

    def __init__(self, kind: str, value: str, allowed: list[str], where: str = "") -> None:
        super().__init__(f"unknown {kind} {value!r}{where}; the configuration declares: {', '.join(allowed) or 'none'}")
        self.kind = kind
        self.value = value
