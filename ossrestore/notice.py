"""`run --notify URL`: the run's summary as the completion notice, sent once by the command.

Locally the command sends the notice itself, after the verdict (the flows' summary and the exit code),
and runs the flows with `notifyUrl` empty, so that the main flow's own notify step (the cloud's way)
stays off and exactly one POST leaves. The body is the same summary `--summary-json` writes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rich.console import Console

from ossrestore.errors import UsageError
from ossrestore.report import RunSummary
from restore_core import notify
from restore_core.client import Credentials

NOTIFY_FIELD = "notifyUrl"
FORMAT_FIELD = "notifyFormat"


def engine_input(flow_input: dict[str, Any]) -> dict[str, Any]:
    """The flow input the local engine runs: the notice is the command's to send (see the module doc)."""
    return {**flow_input, NOTIFY_FIELD: ""}


def summary_document(
    summary: RunSummary,
    *,
    flow_input: dict[str, Any],
    exit_code: int,
    finished_at: str,
    report: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The run's summary as JSON: what the notice posts and `--summary-json` writes; `report`: where the
    flows wrote the report when it went to OSS (its URL, lines and parts)."""
    counts = {outcome: summary.by_outcome[outcome] for outcome in summary.outcomes}
    estimate = getattr(summary, "estimate", None)
    document: dict[str, Any] = {
        "bucket": flow_input["bucketName"],
        "prefix": flow_input.get("prefix") or "",
        "counts": counts,
        "objects": sum(counts.values()),
        "exitCode": exit_code,
        "allReadable": exit_code == 0,
        "cost": notify.cost_fields(estimate),
        "warnings": list(summary.warnings),
        "flowErrors": list(summary.flow_errors),
        "finishedAt": finished_at,
        "source": "oss-restore run",
    }
    if estimate is not None:
        document["estimate"] = estimate
    if report is not None and str(report.get("url", "")).startswith("oss://"):
        document["report"] = report
    return document


def interrupted_document(
    *, flow_input: dict[str, Any], exit_code: int, message: str, finished_at: str
) -> dict[str, Any]:
    """The notice of a run stopped by a signal: no verdict, so no counts; the message says what was done."""
    return {
        "bucket": flow_input["bucketName"],
        "prefix": flow_input.get("prefix") or "",
        "counts": None,
        "exitCode": exit_code,
        "allReadable": False,
        "interrupted": message,
        "cost": notify.cost_fields(None),
        "finishedAt": finished_at,
        "source": "oss-restore run",
    }


def _hidden(credentials: Credentials) -> tuple[str, ...]:
    # The access key id is not a secret to OSS, but it names the account's key: it has no place in a notice.
    return (credentials.access_key_id, credentials.access_key_secret, credentials.security_token or "")


def body(document: dict[str, Any], *, credentials: Credentials, fmt: str = "json") -> bytes:
    return notify.body_of(document, hide=_hidden(credentials), fmt=fmt)


def send(
    url: str, document: dict[str, Any], *, credentials: Credentials, console: Console, fmt: str = "json"
) -> notify.Delivery:
    """POST the summary once (retried as `notify.NOTIFY_RETRY` says), in the webhook's format (`notifyFormat`),
    and say in one line how it went."""
    delivery = notify.post(url, body(document, credentials=credentials, fmt=fmt), fmt=fmt)
    where = notify.host_of(url)
    tries = f"{delivery.attempts} attempt{'s' if delivery.attempts != 1 else ''}"
    if delivery.delivered:
        console.print(f"notice sent to {where} (HTTP {delivery.status}, {tries})", highlight=False)
    else:
        console.print(
            f"[yellow]warning[/yellow] notice to {where} not delivered after {tries}: {delivery.error}", highlight=False
        )
    return delivery


def load_summary(path: Path) -> dict[str, Any]:
    """A summary `--summary-json` wrote, for `oss-restore report --summary`."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"--summary: no such file: {path}") from None
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise UsageError(f"--summary: cannot read {path}: {e}") from None
    if not isinstance(data, dict):
        raise UsageError(f"--summary: {path} must hold a JSON object (the summary `run --summary-json` writes)")
    return data
