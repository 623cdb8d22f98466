"""FC handler `notify.handler`: the main flow's last step posts the run's summary (the completion notice)."""

from __future__ import annotations

import json
from typing import Any

from restore_core import client, notify, redaction
from restore_core.inputs import notify_request, parse_event


def _credential_values(context: Any) -> list[str]:
    """Every credential value this invocation could know (the context's and the environment's)."""
    values: list[str] = []
    for found in (getattr(context, "credentials", None), client.env_credentials()):
        values += [
            str(getattr(found, name, "") or "") for name in ("access_key_id", "access_key_secret", "security_token")
        ]
    return [v for v in values if v]


def handler(event: Any, context: Any) -> str:
    redaction.install()
    request = notify_request(parse_event(event))
    hidden = _credential_values(context)
    redaction.remember(*hidden)
    summary = notify.flow_summary(request.summary, execution_name=request.execution_name)
    delivery = notify.post(request.url, notify.body_of(summary, hide=hidden, fmt=request.format), fmt=request.format)
    # A notice that could not be delivered does not change the run's verdict: the flow goes on either way.
    return json.dumps({**delivery.as_dict(), "host": notify.host_of(request.url)})
