"""Executions of a deployed main flow through the Serverless Workflow API (fnf, 2019-03-15).

Credentials (the handlers' `Credentials`, read by `ossrestore.credentials`) are never logged or printed.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ossrestore.errors import CloudApiError

if TYPE_CHECKING:
    from restore_core.client import Credentials

HISTORY_PAGE = 100
HISTORY_MAX_PAGES = 50  # 5,000 events: the per-execution event limit


@dataclass(frozen=True)
class HistoryEvent:
    event_id: int
    step_name: str
    type: str
    time: str
    detail: str = ""  # EventDetail: JSON (an ExecutionFailed event's holds its error and cause)


@dataclass(frozen=True)
class ExecutionProgress:
    flow_name: str
    name: str
    status: str
    started_time: str
    stopped_time: str
    output: str
    events: tuple[HistoryEvent, ...]
    input: str = ""  # the execution's input: the flow input, or {settings, state} for one continued as new

    @property
    def steps_succeeded(self) -> int:
        return sum(1 for e in self.events if e.type == "StepSucceeded")

    @property
    def last_step(self) -> str:
        named = [e for e in self.events if e.step_name]
        return named[-1].step_name if named else ""


def fnf_client(*, region: str, credentials: Credentials, endpoint: str | None = None) -> Any:
    """An fnf SDK client; `endpoint` (`http://host:port` or a host) overrides the regional one."""
    from alibabacloud_fnf20190315.client import Client
    from alibabacloud_tea_openapi.utils_models import Config

    protocol = "https"
    if endpoint and "://" in endpoint:
        protocol, endpoint = endpoint.split("://", 1)
    config = Config(
        access_key_id=credentials.access_key_id,
        access_key_secret=credentials.access_key_secret,
        security_token=credentials.security_token,
        region_id=region,
        endpoint=endpoint,
        protocol=protocol,
        connect_timeout=5000,
        read_timeout=10000,
    )
    return Client(config)


def new_execution_name(bucket: str, now: datetime | None = None) -> str:
    """`<bucket>-<UTC time>-<random>`, made valid (a bucket may start with a digit), unique per start."""

    from restore_core.execution_names import valid_name

    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return valid_name(f"{bucket}-{stamp}-{secrets.token_hex(3)}")


def start_execution(client: Any, *, flow_name: str, execution_name: str, flow_input: dict[str, Any]) -> str:
    from alibabacloud_fnf20190315 import models

    request = models.StartExecutionRequest(
        flow_name=flow_name, execution_name=execution_name, input=json.dumps(flow_input, sort_keys=True)
    )
    body = _call("StartExecution", client.start_execution, request).body
    return str(body.name)


def execution_progress(client: Any, *, flow_name: str, execution_name: str) -> ExecutionProgress:
    from alibabacloud_fnf20190315 import models

    described = _call(
        "DescribeExecution",
        client.describe_execution,
        models.DescribeExecutionRequest(flow_name=flow_name, execution_name=execution_name),
    ).body
    events: list[HistoryEvent] = []
    token: str | None = None
    for _ in range(HISTORY_MAX_PAGES):
        request = models.GetExecutionHistoryRequest(
            flow_name=flow_name, execution_name=execution_name, limit=HISTORY_PAGE, next_token=token
        )
        page = _call("GetExecutionHistory", client.get_execution_history, request).body
        events += [
            HistoryEvent(int(e.event_id or 0), e.step_name or "", e.type or "", e.time or "", e.event_detail or "")
            for e in page.events or []
        ]
        token = page.next_token
        if not token:
            break
    return ExecutionProgress(
        flow_name=flow_name,
        name=str(described.name),
        status=str(described.status),
        started_time=described.started_time or "",
        stopped_time=described.stopped_time or "",
        output=described.output or "",
        events=tuple(events),
        input=described.input or "",
    )


def describe(client: Any, *, flow_name: str, execution_name: str) -> tuple[str, str]:
    """(status, output) of one execution: DescribeExecution alone, without its history."""
    from alibabacloud_fnf20190315 import models

    body = _call(
        "DescribeExecution",
        client.describe_execution,
        models.DescribeExecutionRequest(flow_name=flow_name, execution_name=execution_name),
    ).body
    return str(body.status or ""), str(body.output or "")


def failure(client: Any, *, flow_name: str, execution_name: str) -> tuple[str, str]:
    """(error, cause) of an execution that failed, from its history's ExecutionFailed event ("" when none)."""
    events = execution_progress(client, flow_name=flow_name, execution_name=execution_name).events
    for event in reversed(events):
        if event.type == "ExecutionFailed":
            try:
                detail = json.loads(event.detail or "{}")
            except ValueError:
                detail = {}
            if isinstance(detail, dict):
                return str(detail.get("error") or ""), str(detail.get("cause") or "")
    return "", ""


@dataclass(frozen=True)
class ChainLink:
    name: str
    status: str
    started_time: str


def continuations(client: Any, *, flow_name: str, execution_name: str) -> list[ChainLink]:
    """The executions a run continued as (continue-as-new), oldest first.

    Their names are the run's base name plus `--<digest>` (see functions/restore_core/execution_names),
    so one ListExecutions by name prefix finds them all.
    """
    from alibabacloud_fnf20190315 import models

    from restore_core.execution_names import base_name

    prefix, links, token = base_name(execution_name) + "--", [], None
    for _ in range(HISTORY_MAX_PAGES):
        request = models.ListExecutionsRequest(
            flow_name=flow_name, execution_name_prefix=prefix, limit=HISTORY_PAGE, next_token=token
        )
        page = _call("ListExecutions", client.list_executions, request).body
        links += [
            ChainLink(str(e.name), str(e.status), e.started_time or "")
            for e in page.executions or []
            if str(e.name) != execution_name
        ]
        token = page.next_token
        if not token:
            break
    return sorted(links, key=lambda link: link.started_time)


def _call(operation: str, method: Any, request: Any) -> Any:
    from Tea.exceptions import TeaException, UnretryableException

    try:
        return method(request)
    except UnretryableException as e:  # a subclass of TeaException: no answer from the service at all
        from restore_core.oss_errors import connection_failure

        raise CloudApiError(operation, "NetworkError", connection_failure(e)) from None
    except TeaException as e:
        raise CloudApiError(operation, str(e.code), str(e.message)) from None
