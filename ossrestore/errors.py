"""Errors of the command. Each becomes a one-line message and exit code 2 at the edge."""

from __future__ import annotations


class OssRestoreError(Exception):
    """Base of every error the command reports without a traceback."""

    exit_code = 2
    label = "error"  # the one line reads "<label>: <message>"


class UsageError(OssRestoreError):
    """The user asked for something that cannot be done as asked (bad flag, missing tool or credentials)."""


class TerraformError(UsageError):
    """Terraform is missing, or one of its commands failed."""


class CredentialsError(UsageError):
    """No Alibaba Cloud credentials were found in the environment."""


class CloudApiError(UsageError):
    """A Serverless Workflow API call failed; carries the service's error code."""

    def __init__(self, operation: str, code: str, message: str) -> None:
        super().__init__(f"{operation} failed: {code}: {message}")
        self.operation = operation
        self.code = code
        self.message = message
