"""What the three FC handlers share: event → request → Bucket → plain function → JSON string."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol, TypeVar

import oss2

from restore_core import client, redaction, step_bytes, time_budget
from restore_core.errors import RestoreCoreError
from restore_core.inputs import Location, parse_event

_LOGGER = logging.getLogger("restore_core")
_LOGGER.addHandler(logging.NullHandler())


class _Located(Protocol):
    """A parsed request: each names the bucket it works on."""

    @property
    def where(self) -> Location: ...


R = TypeVar("R", bound=_Located)


def seconds_left(context: Any) -> float | None:
    """How long this invocation may still work before it must stop sending (`time_budget`); None when the
    context gives no timeout."""
    at = time_budget.stop_at(context)
    return None if at is None else max(1.0, at - time.monotonic())


def handle(
    event: Any,
    context: Any,
    *,
    parse: Callable[[Mapping[str, Any]], R],
    task: Callable[[oss2.Bucket, R, float | None], Mapping[str, object]],
) -> str:
    """Parse the event, build the bucket, run the task with the seconds the invocation has left (None:
    no timeout known), and answer its result as JSON."""
    # Every line logged from here on is redacted (oss2's DEBUG lines carry the token), in FC's log store
    # as in the command's output.
    redaction.install()
    try:
        request = parse(parse_event(event))
        where: Location = request.where
        credentials = client.resolve_credentials(context)
        redaction.remember(credentials.access_key_secret, credentials.security_token)
        bucket = client.make_bucket(
            endpoint=where.endpoint,
            bucket_name=where.bucket_name,
            region=where.region,
            credentials=credentials,
        )
        return step_bytes.dumps(task(bucket, request, seconds_left(context)))
    except RestoreCoreError:
        _LOGGER.exception("handler failed")
        raise
