"""The credentials `run` and `start` sign with: the handlers' type, read from the same variables."""
from __future__ import annotations

import os
from collections.abc import Mapping

from ossrestore.errors import UsageError
from restore_core.client import Credentials, env_credentials


def credentials_from_env(env: Mapping[str, str] = os.environ) -> Credentials:
    """ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET (+ _SECURITY_TOKEN), or a UsageError (exit 2) naming them."""
    found = env_credentials(env)
    if found is None:
        raise UsageError(
            "credentials missing: set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET "
            "(and ALIBABA_CLOUD_SECURITY_TOKEN for STS credentials)"
        )
    return found
