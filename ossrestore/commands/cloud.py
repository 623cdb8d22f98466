"""`oss-restore start` and `status`: executions of a deployed stack's main flow (fnf SDK)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ossrestore.credentials import profile_option, resolve_credentials
from ossrestore.errors import UsageError
from ossrestore.flow_options import flow_input_from_options, flow_input_options, read_input_file
from ossrestore.option_types import FilePath
from ossrestore.spend_guard import SpendGuard, guard_options, on_a_terminal

_ENDPOINT_HELP = "Serverless Workflow endpoint (http(s)://host[:port] or host). Default: the region's."


def _fnf_endpoint(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Checked like an OSS endpoint (scheme, host, port 1-65535) before any request is made."""

    from restore_core.errors import InvalidParameter
    from restore_core.params import endpoint

    try:
        return None if value is None else endpoint({"endpoint": value})
    except InvalidParameter as e:
        raise UsageError(f"{param.opts[0] if param.opts else '--fnf-endpoint'}: {e}") from None


@click.command()
@click.option("--env", "env", required=True, help="Environment from infra/environments.yaml.")
@click.option("--name", "execution_name", default=None, help="Execution name. Default: <bucket>-<UTC time>-<random>.")
@click.option(
    "--fnf-endpoint", envvar="OSS_RESTORE_FNF_ENDPOINT", default=None, callback=_fnf_endpoint, help=_ENDPOINT_HELP
)
@click.option(
    "--price-table",
    type=FilePath(path_type=Path),
    default=None,
    help="JSON price table for --max-cost's estimate. Default: the shipped table.",
)
@guard_options
@profile_option
@flow_input_options
def start(
    env: str,
    execution_name: str | None,
    fnf_endpoint: str | None,
    price_table: Path | None,
    max_cost: float | None,
    assume_yes: bool,
    profile: str | None,
    **options: Any,
) -> None:
    """Start the main flow of the (env, --region) stack on a bucket; print the execution name.

    With --max-cost, a dry-run execution of the same input (`<name>-estimate`) prices the run first; a run
    estimated above AMOUNT (or at an unknown cost) is refused (exit 2) and none is started."""
    from infra.naming import names_for
    from ossrestore.executions import fnf_client, new_execution_name, start_execution

    cfg = _stack(env, options.get("flow_region"))
    if not options.get("flow_endpoint") and not _input_has(options, "endpoint"):
        # The functions run in the stack's region, where the internal endpoint is free and closest.
        options["flow_endpoint"] = f"https://oss-{cfg.region}-internal.aliyuncs.com"
    flow_input = flow_input_from_options(**options)
    if flow_input["bucketName"] not in cfg.buckets:
        raise UsageError(
            f"--bucket: {flow_input['bucketName']!r} is not a bucket the {env} functions may restore; "
            f"allowed: {', '.join(cfg.buckets)}"
        )
    if flow_input.get("convertTo") and not cfg.convert:
        raise UsageError(
            f"--convert-to: the {env} functions may not convert objects in place (set convert: true for {env} "
            "in infra/environments.yaml and deploy)"
        )
    if flow_input.get("copyTo") and not cfg.may_copy_to(flow_input["copyTo"]):
        allowed = ", ".join(f"oss://{t.bucket}/{t.prefix}" for t in cfg.copy_targets) or "none"
        raise UsageError(
            f"--copy-to: {flow_input['copyTo']!r} is not under a copy target of the {env} functions; allowed: {allowed}"
        )
    manifest = flow_input.get("manifest") or ""
    if manifest and not manifest.startswith("oss://"):
        # The functions read the manifest from OSS; their first listing call checks every line of it.
        raise UsageError(f"--manifest: the cloud reads manifests from OSS: oss://BUCKET/KEY (got {manifest!r})")
    name = execution_name or new_execution_name(flow_input["bucketName"])
    _check_name(name)
    prices = _prices(price_table) if max_cost is not None else None  # a bad table is refused before any call
    credentials = resolve_credentials(profile=profile)
    client = _guard(lambda: fnf_client(region=cfg.region, credentials=credentials, endpoint=fnf_endpoint))
    given_report = bool(flow_input.get("reportUrl"))
    if prices is not None:
        from ossrestore.cloud_estimate import estimate_name

        # The dry run writes its own report (a folder of its own), never into the real run's.
        dry_input = (
            flow_input
            if given_report or not cfg.report_bucket
            else {**flow_input, "reportUrl": f"{cfg.report_url}{estimate_name(name)}/"}
        )
        _estimate_first(
            client,
            flow_name=names_for(cfg).main_flow,
            name=name,
            flow_input=dry_input,
            prices=prices,
            guard=SpendGuard(max_cost=max_cost, ask=not assume_yes and on_a_terminal()),
        )
    if not given_report and cfg.report_bucket:
        # Every cloud run writes its report and progress: one folder per run under the stack's report prefix.
        flow_input["reportUrl"] = f"{cfg.report_url}{name}/"
    started = _guard(
        lambda: start_execution(client, flow_name=names_for(cfg).main_flow, execution_name=name, flow_input=flow_input),
        endpoint=_where(client),
    )
    click.echo(started)


def _prices(path: Path | None) -> Any:
    from ossrestore.prices import load

    return load(path)


def _estimate_first(
    client: Any, *, flow_name: str, name: str, flow_input: dict[str, Any], prices: Any, guard: SpendGuard
) -> None:
    """The dry-run execution's estimate, on stderr (stdout holds only the execution name), then the guard."""
    from rich.console import Console

    from ossrestore.cloud_estimate import cloud_estimate, estimate_name
    from ossrestore.estimate import estimate_table

    estimate = _guard(
        lambda: cloud_estimate(
            client, flow_name=flow_name, execution_name=estimate_name(name), flow_input=flow_input, prices=prices
        ),
        endpoint=_where(client),
    )
    console = Console(stderr=True)
    for renderable in estimate_table(estimate):
        console.print(renderable)
    guard.check(estimate, dry_run=bool(flow_input.get("dryRun")))


WATCH_SECONDS = 10.0
_sleep = time.sleep


@click.command()
@click.argument("execution_name")
@click.option("--env", "env", required=True, help="Environment from infra/environments.yaml.")
@click.option("--region", required=True, help="Region of the stack that runs the execution.")
@click.option(
    "--fnf-endpoint", envvar="OSS_RESTORE_FNF_ENDPOINT", default=None, callback=_fnf_endpoint, help=_ENDPOINT_HELP
)
@click.option("--events", "show_events", is_flag=True, help="List every history event.")
@profile_option
@click.option(
    "--price-table",
    type=FilePath(path_type=Path),
    default=None,
    help="JSON price table for a dry run's estimate. Default: the shipped table.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document (status, chain, progress) instead.")
@click.option(
    "--endpoint",
    "oss_endpoint",
    default=None,
    callback=_fnf_endpoint,
    help="OSS endpoint to read the run's progress from. Default: the public endpoint of the one the run uses.",
)
@click.option(
    "--watch",
    is_flag=True,
    help=f"Show it again every {WATCH_SECONDS:.0f} s until the run has ended (Ctrl-C stops watching).",
)
def status(
    execution_name: str,
    env: str,
    region: str,
    fnf_endpoint: str | None,
    show_events: bool,
    profile: str | None,
    price_table: Path | None,
    as_json: bool,
    oss_endpoint: str | None,
    watch: bool,
) -> None:
    """Show an execution's status, the executions it continued as, and the run's progress (the counts its
    planner writes to the run's store every round: progress.json, with the pace so far), and a dry run's
    estimate."""
    from ossrestore.executions import fnf_client

    _check_name(execution_name, field="EXECUTION_NAME")
    cfg = _stack(env, region)
    credentials = resolve_credentials(profile=profile)
    client = _guard(lambda: fnf_client(region=cfg.region, credentials=credentials, endpoint=fnf_endpoint))
    show = dict(
        client=client,
        cfg=cfg,
        credentials=credentials,
        execution_name=execution_name,
        show_events=show_events,
        price_table=price_table,
        as_json=as_json,
        oss_endpoint=oss_endpoint,
    )
    # A watch asks DescribeExecution, GetExecutionHistory and ListExecutions once per refresh: far inside the
    # API's documented 5 requests a second.
    while _show_status(**show) and watch:
        _sleep(WATCH_SECONDS)
        click.echo()


def _show_status(
    *,
    client: Any,
    cfg: Any,
    credentials: Any,
    execution_name: str,
    show_events: bool,
    price_table: Path | None,
    as_json: bool,
    oss_endpoint: str | None,
) -> bool:
    """Print the status once; whether the run is still going."""
    from infra.naming import names_for
    from ossrestore.executions import continuations, execution_progress
    from ossrestore.run_progress import read_progress

    progress = _guard(
        lambda: execution_progress(client, flow_name=names_for(cfg).main_flow, execution_name=execution_name),
        endpoint=_where(client),
    )
    chain = _guard(
        lambda: continuations(client, flow_name=names_for(cfg).main_flow, execution_name=execution_name),
        endpoint=_where(client),
    )
    run = read_progress(progress.input, credentials=credentials, endpoint=oss_endpoint)
    if as_json:
        import json

        latest = chain[-1] if chain else None
        click.echo(
            json.dumps(
                {
                    "execution": progress.name,
                    "flow": progress.flow_name,
                    "status": progress.status,
                    "started": progress.started_time or None,
                    "stopped": progress.stopped_time or None,
                    "events": len(progress.events),
                    "stepsSucceeded": progress.steps_succeeded,
                    "lastStep": progress.last_step or None,
                    "output": progress.output or None,
                    "continuedAs": [link.name for link in chain],
                    "latest": {"name": latest.name, "status": latest.status} if latest else None,
                    "progress": run.as_json(),
                },
                ensure_ascii=False,
            )
        )
        return _going(progress.status, chain, run)
    click.echo(f"execution {progress.name} of {progress.flow_name}: {progress.status}")
    click.echo(f"started {progress.started_time or '-'}, stopped {progress.stopped_time or '-'}")
    click.echo(
        f"{len(progress.events)} events, {progress.steps_succeeded} steps succeeded, "
        f"last step {progress.last_step or '-'}"
    )
    if progress.output:
        click.echo(f"output {progress.output}")
        _print_dry_run_estimate(progress.output, price_table)
    if chain:
        click.echo(f"continued as new in {len(chain)} more execution(s); latest {chain[-1].name}: {chain[-1].status}")
    click.echo(run.line())
    for event in progress.events if show_events else ():
        click.echo(f"  {event.event_id:>5} {event.time} {event.type} {event.step_name}")
    return _going(progress.status, chain, run)


def _going(status: str, chain: Any, run: Any) -> bool:
    """The run goes on: its latest execution runs and its progress does not say it is done."""
    latest = chain[-1].status if chain else status
    return latest in ("Starting", "Running") and not (run.document or {}).get("done")


def _print_dry_run_estimate(output: str, price_table: Path | None) -> None:
    """The last execution of `start --dry-run` ends with its tally: price it as `run --dry-run` does."""
    import json

    from rich.console import Console

    from ossrestore.cloud_estimate import dry_run_tally
    from ossrestore.estimate import estimate_for, estimate_table
    from ossrestore.prices import load
    from restore_core.errors import InvalidParameter

    try:
        result = json.loads(output)
    except ValueError:
        return
    if not isinstance(result, dict) or result.get("status") != "dryRun":
        return
    try:
        settings = result.get("settings")
        est = estimate_for(settings if isinstance(settings, dict) else {}, dry_run_tally(result), load(price_table))
    except InvalidParameter as e:
        raise UsageError(f"the execution's output: {e}") from None
    for renderable in estimate_table(est.as_dict()):
        Console().print(renderable)


def _check_name(name: str, *, field: str = "--name") -> None:
    """CloudFlow refuses a name outside its rule (InvalidArgument): say so before calling it."""

    from restore_core.execution_names import NAME_RULE, is_valid_name

    if not is_valid_name(name):
        raise UsageError(f"{field}: {name!r} is not a valid execution name; allowed: {NAME_RULE}")


def _stack(env: str, region: str | None) -> Any:
    from infra.config import load_matrix, select
    from infra.errors import UnknownStackError

    if not region:
        raise UsageError("--region: required; the region of the stack to use (it also signs OSS requests)")
    matrix = _guard(load_matrix)
    try:
        return select(matrix, env=env, region=region)[0]
    except UnknownStackError as e:  # name the flag that chose it
        raise UsageError(f"--{'env' if e.kind == 'environment' else 'region'}: {e}") from None


def _where(client: Any) -> str:
    """The endpoint the fnf client calls (the SDK derives it from the region unless one is given)."""
    return str(getattr(client, "_endpoint", "") or "")


def _input_has(options: dict[str, Any], field: str) -> bool:
    path = options.get("input_file")
    if path is None:
        return False
    try:
        return field in read_input_file(path)
    except UsageError:
        return False  # flow_input_from_options reports the unreadable file


def _guard(call: Callable[[], Any], endpoint: str = "") -> Any:
    from infra.errors import InfraError
    from ossrestore.errors import CloudApiError

    try:
        return call()
    except CloudApiError as e:
        # No answer at all (a host that does not resolve, a refused connection): the endpoint is to blame.
        if e.code == "NetworkError":
            raise UsageError(
                f"cannot connect to {endpoint or 'the Serverless Workflow endpoint'}: {e.message} (--fnf-endpoint)"
            ) from None
        raise UsageError(str(e)) from None
    except InfraError as e:
        raise UsageError(str(e)) from None
