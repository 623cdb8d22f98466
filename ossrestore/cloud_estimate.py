"""`start --max-cost`: a cloud run's estimate from a dry-run execution of the same input, before the real one.

The dry run is the main flow with `dryRun` (listed, filtered, tallied, nothing requested), started under its own
name (`<name>-estimate`); it may continue as new, so the chain is followed (ListExecutions by the name's prefix)
to the execution whose output is `{"status": "dryRun", "summary": {"tally": ...}}`. That tally is priced as `run` prices its
own; an execution of the chain that fails for a reason the real run would refuse too (a deadline no tier makes,
a bad manifest) is reported as that flag's refusal, exit 2.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from ossrestore.errors import UsageError
from ossrestore.estimate import estimate_for
from ossrestore.executions import continuations, describe, failure, start_execution
from ossrestore.prices import PriceTable
from ossrestore.spend_guard import EstimateFailed
from restore_core.execution_names import valid_name
from restore_core.tally import Tally, read_tally

POLL_SECONDS = 5.0
# After an execution of the chain handed over, how many polls its successor may take to be listed.
MAX_POLLS_FOR_NEXT = 60
RUNNING = ("Starting", "Running")
# Errors of listArchiveFiles that the command refuses as bad input, by the flag to blame.
REFUSALS = {"DeadlineUnreachable": "--deadline", "InvalidManifest": "--manifest"}


def estimate_name(name: str) -> str:
    """The dry run's execution name: its chain (`<name>-estimate--<digest>`) never shares the real run's prefix."""
    return valid_name(f"{name[:100]}-estimate", max_length=110)


def cloud_estimate(
    client: Any,
    *,
    flow_name: str,
    execution_name: str,
    flow_input: dict[str, Any],
    prices: PriceTable,
    sleep: Callable[[float], None] = time.sleep,
    poll: float = POLL_SECONDS,
) -> dict[str, Any]:
    """Start the dry run, wait for its chain's last output, and price it (`ossrestore.estimate`'s plain form)."""
    start_execution(
        client,
        flow_name=flow_name,
        execution_name=execution_name,
        flow_input={**flow_input, "dryRun": True, "notifyUrl": ""},
    )
    output = _follow(client, flow_name=flow_name, first=execution_name, sleep=sleep, poll=poll)
    return estimate_for(flow_input, dry_run_tally(output), prices).as_dict()


def dry_run_tally(output: dict[str, Any]) -> Tally:
    """The tally a dry run's last execution ends with: its summary's (`restore_core.summary_task`)."""
    summary = output.get("summary")
    return read_tally(summary.get("tally") if isinstance(summary, dict) else None, "summary.tally")


def _follow(client: Any, *, flow_name: str, first: str, sleep: Callable[[float], None], poll: float) -> dict[str, Any]:
    current, seen, waited = first, set[str](), 0
    while True:
        status, output = describe(client, flow_name=flow_name, execution_name=current)
        if status in RUNNING:
            sleep(poll)
            continue
        if status != "Succeeded":
            error, cause = failure(client, flow_name=flow_name, execution_name=current)
            if error in REFUSALS:
                raise UsageError(
                    f"{REFUSALS[error]}: {cause} (the dry run for the estimate refused it; no run was started)"
                )
            raise EstimateFailed(
                f"the dry run for the estimate, execution {current}, ended {status}"
                f"{f': {error}: {cause}' if error else ''}; no run was started"
            )
        result = _json(output)
        if result.get("status") == "dryRun":
            return result
        seen.add(current)  # it continued as new: follow the chain to its newest execution
        newer = [
            link.name
            for link in continuations(client, flow_name=flow_name, execution_name=first)
            if link.name not in seen
        ]
        if newer:
            current, waited = newer[-1], 0
            continue
        waited += 1
        if waited > MAX_POLLS_FOR_NEXT:
            raise EstimateFailed(
                f"the dry run for the estimate, execution {current}, handed over to no execution "
                "that could be found; no run was started"
            )
        sleep(poll)


def _json(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
