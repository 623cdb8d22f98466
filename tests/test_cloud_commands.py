"""`oss-restore start/status` through the real fnf SDK, against a loopback server that answers as the
Serverless Workflow API (2019-03-15) documents and records every request it gets."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from click.testing import CliRunner

from ossrestore.commands.cloud import start, status
from ossrestore.errors import UsageError
from ossrestore.local_flows import MAIN_FLOW
from restore_core.params import parse_iso_time

SECRET = "loopback-secret-never-printed"
# CloudFlow's naming rule, as its "Limits" page states it (written out here, not imported from the code
# under test): https://www.alibabacloud.com/help/en/serverless-workflow/latest/limits
CLOUDFLOW_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,127}")


class FakeFnf:
    """Requests seen, and canned answers keyed by Action."""

    def __init__(self) -> None:
        self.requests: list[dict[str, str]] = []
        self.history = [
            {
                "StepName": "init",
                "Type": "StepStarted",
                "EventId": 1,
                "ScheduleEventId": 0,
                "Time": "2026-01-01T00:00:00Z",
                "EventDetail": "{}",
            },
            {
                "StepName": "init",
                "Type": "StepSucceeded",
                "EventId": 2,
                "ScheduleEventId": 1,
                "Time": "2026-01-01T00:00:01Z",
                "EventDetail": "{}",
            },
            {
                "StepName": "listArchiveFiles",
                "Type": "TaskScheduled",
                "EventId": 3,
                "ScheduleEventId": 0,
                "Time": "2026-01-01T00:00:02Z",
                "EventDetail": "{}",
            },
        ]
        self.fail_start: tuple[int, str] | None = None
        self.output = ""  # DescribeExecution's Output
        self.input = ""  # DescribeExecution's Input (else the request's)
        # Dry runs (an Input with dryRun): the chain of outputs its executions end with (all but the last
        # continue as new under `<name>--<16 hex>`), or the error and cause it fails with.
        self.dry_outputs: list[str] = []
        self.dry_failure: tuple[str, str] | None = None
        self.executions: dict[str, dict[str, str]] = {}  # dry-run executions: name -> Status, Output, Detail

    def answer(self, params: dict[str, str]) -> tuple[int, dict[str, Any]]:
        self.requests.append(params)
        action = params.get("Action")
        execution = {
            "Name": params.get("ExecutionName"),
            "FlowName": params.get("FlowName"),
            "Status": "Running",
            "StartedTime": "2026-01-01T00:00:00Z",
            "StoppedTime": "",
            "Input": self.input or params.get("Input", "{}"),
            "Output": self.output,
            "FlowDefinition": "version: v1",
            "RequestId": "req-1",
        }
        if action == "StartExecution":
            name = params.get("ExecutionName")
            if name is not None and not CLOUDFLOW_NAME.fullmatch(name):
                return 400, {
                    "Code": "InvalidArgument",
                    "Message": f"execution name {name!r} is invalid",
                    "RequestId": "req-bad",
                }
            if self.fail_start:
                code, name = self.fail_start
                return code, {"Code": name, "Message": f"{name} for test", "RequestId": "req-err"}
            if json.loads(params.get("Input") or "{}").get("dryRun"):
                self._dry_chain(str(name))
            return 200, execution
        if action == "DescribeExecution" and params.get("ExecutionName") in self.executions:
            return 200, {**execution, **self.executions[str(params["ExecutionName"])]}
        if action == "DescribeExecution":
            return 200, execution
        if action == "GetExecutionHistory" and params.get("ExecutionName") in self.executions:
            detail = self.executions[str(params["ExecutionName"])].get("Detail", "")
            events = (
                [
                    {
                        "StepName": "",
                        "Type": "ExecutionFailed",
                        "EventId": 9,
                        "ScheduleEventId": 0,
                        "Time": "2026-01-01T00:00:09Z",
                        "EventDetail": detail,
                    }
                ]
                if detail
                else []
            )
            return 200, {"Events": events, "RequestId": "req-5"}
        if action == "ListExecutions" and any(
            n.startswith(params.get("ExecutionNamePrefix", "-")) for n in self.executions
        ):
            names = [n for n in self.executions if n.startswith(params["ExecutionNamePrefix"])]
            return 200, {
                "Executions": [
                    {"Name": n, "Status": self.executions[n]["Status"], "StartedTime": f"2026-01-01T00:00:{i:02d}Z"}
                    for i, n in enumerate(names)
                ],
                "RequestId": "req-6",
            }
        if action == "GetExecutionHistory":
            # Two pages, the second asked for with NextToken, as the API pages history.
            if params.get("NextToken") == "page2":
                return 200, {"Events": self.history[2:], "RequestId": "req-3"}
            return 200, {"Events": self.history[:2], "NextToken": "page2", "RequestId": "req-2"}
        if action == "ListExecutions":
            names = [
                params.get("ExecutionNamePrefix", "") + suffix for suffix in ("0123456789abcdef", "fedcba9876543210")
            ]
            return 200, {
                "Executions": [
                    {"Name": n, "Status": s, "StartedTime": t}
                    for n, s, t in zip(
                        names, ("Succeeded", "Running"), ("2026-01-01T01:00:00Z", "2026-01-01T02:00:00Z")
                    )
                ],
                "RequestId": "req-4",
            }
        return 404, {"Code": "InvalidAction.NotFound", "Message": action or "", "RequestId": "req-x"}

    def _dry_chain(self, name: str) -> None:
        """The executions a dry run started as `name` goes through, ended at once as scripted."""
        if self.dry_failure:
            error, cause = self.dry_failure
            self.executions[name] = {
                "Status": "Failed",
                "Output": "",
                "Detail": json.dumps({"error": error, "cause": cause}),
            }
            return
        names = [name] + [f"{name}--{i:016x}" for i in range(1, len(self.dry_outputs))]
        for execution, output in zip(names, self.dry_outputs):
            self.executions[execution] = {"Status": "Succeeded", "Output": output}


@pytest.fixture()
def fnf(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeFnf]:
    fake = FakeFnf()

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else ""
            params = dict(parse_qsl(urlsplit(self.path).query)) | dict(parse_qsl(body))
            params["_method"] = self.command
            code, answer = fake.answer(params)
            data = json.dumps(answer).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json;charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _serve

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    monkeypatch.setenv("OSS_RESTORE_FNF_ENDPOINT", f"http://127.0.0.1:{server.server_address[1]}")
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "loopback-key")
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", SECRET)
    monkeypatch.delenv("ALIBABA_CLOUD_SECURITY_TOKEN", raising=False)
    yield fake
    server.shutdown()
    server.server_close()


def test_start_sends_the_validated_input_to_the_stacks_main_flow(fnf: FakeFnf) -> None:
    # GIVEN a deployed prod stack in cn-shanghai WHEN a run is started on a configured bucket
    result = CliRunner().invoke(
        start,
        [
            "--env",
            "prod",
            "--region",
            "cn-shanghai",
            "--bucket",
            "example-archive-prod",
            "--prefix",
            "logs/",
            "--days",
            "3",
            "--name",
            "run-1",
        ],
    )
    # THEN one StartExecution of that stack's main flow carries the validated input, and the name is printed
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "run-1"
    (request,) = fnf.requests
    assert (request["_method"], request["Action"], request["Version"]) == ("POST", "StartExecution", "2019-03-15")
    assert (request["FlowName"], request["ExecutionName"], request["AccessKeyId"]) == (
        "ossr-prod-main",
        "run-1",
        "loopback-key",
    )
    flow_input = json.loads(request["Input"])
    assert flow_input["bucketName"] == "example-archive-prod" and flow_input["prefix"] == "logs/"
    assert flow_input["region"] == "cn-shanghai" and flow_input["days"] == 3
    assert flow_input["endpoint"] == "https://oss-cn-shanghai-internal.aliyuncs.com"
    assert flow_input["maxKeys"] == 1000 and flow_input["marker"] == ""
    # AND, with no --report, the run writes its report and progress in a folder of its own under the stack's prefix
    assert flow_input["reportUrl"] == "oss://example-restore-reports/prod/reports/run-1/"
    assert SECRET not in json.dumps(fnf.requests) and SECRET not in result.output


def test_start_passes_the_completion_notice_url_to_the_main_flow(fnf: FakeFnf) -> None:
    # WHEN a cloud run is started with --notify
    url = "https://hooks.example.com/oss-restore?channel=ops"
    result = CliRunner().invoke(
        start,
        [
            "--env",
            "prod",
            "--region",
            "cn-shanghai",
            "--bucket",
            "example-archive-prod",
            "--notify",
            url,
            "--name",
            "run-n",
        ],
    )
    # THEN the main flow's input carries it as notifyUrl, for its last step
    assert result.exit_code == 0, result.output
    (request,) = fnf.requests
    assert json.loads(request["Input"])["notifyUrl"] == url


def test_start_generates_a_valid_unique_execution_name(fnf: FakeFnf) -> None:
    args = ["--env", "dev", "--region", "cn-hangzhou", "--bucket", "example-archive-dev"]
    names = [CliRunner().invoke(start, args).output.strip() for _ in range(2)]
    assert names[0] != names[1]
    assert all(n.startswith("example-archive-dev-") and len(n) <= 128 for n in names)
    assert [r["ExecutionName"] for r in fnf.requests] == names


def test_start_on_a_bucket_starting_with_a_digit_sends_a_valid_name(
    fnf: FakeFnf, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # GIVEN an environment whose functions may restore "2024-archive" (a bucket name may start with a digit)
    import yaml

    from infra import config

    matrix = yaml.safe_load(config.DEFAULT_CONFIG_PATH.read_text(encoding="utf-8"))
    matrix["environments"]["dev"]["buckets"] = ["2024-archive"]
    (tmp_path / "environments.yaml").write_text(yaml.safe_dump(matrix), encoding="utf-8")
    real_load = config.load_matrix
    monkeypatch.setattr(config, "load_matrix", lambda path=tmp_path / "environments.yaml": real_load(path))
    # WHEN a run is started on it without --name
    result = CliRunner().invoke(start, ["--env", "dev", "--region", "cn-hangzhou", "--bucket", "2024-archive"])
    # THEN the name sent (and accepted: the fake answers 400 InvalidArgument otherwise) is valid and names the bucket
    assert result.exit_code == 0, result.output
    (request,) = fnf.requests
    assert CLOUDFLOW_NAME.fullmatch(request["ExecutionName"]), request["ExecutionName"]
    assert "2024-archive-" in request["ExecutionName"] and result.output.strip() == request["ExecutionName"]


@pytest.mark.parametrize("name", ["2024-run", "run.1", "-run", "x" * 129, "运行"])
def test_start_refuses_an_invalid_name_before_calling_the_api(fnf: FakeFnf, name: str) -> None:
    result = CliRunner().invoke(
        start, ["--env", "dev", "--region", "cn-hangzhou", "--bucket", "example-archive-dev", "--name", name]
    )
    assert isinstance(result.exception, UsageError) and result.exception.exit_code == 2, result.output
    assert str(result.exception).startswith("--name: ") and "first a letter or _" in str(result.exception)
    assert fnf.requests == []


def test_the_fake_service_rejects_an_invalid_name_as_cloudflow_does(fnf: FakeFnf) -> None:
    # GIVEN a start request whose name CloudFlow would refuse, sent straight through the SDK
    import os

    from ossrestore.errors import CloudApiError
    from ossrestore.executions import fnf_client, start_execution
    from restore_core.client import Credentials

    client = fnf_client(
        region="cn-hangzhou",
        credentials=Credentials("loopback-key", SECRET),
        endpoint=os.environ["OSS_RESTORE_FNF_ENDPOINT"],
    )
    # WHEN it is sent THEN the service answers InvalidArgument
    with pytest.raises(CloudApiError, match="InvalidArgument"):
        start_execution(client, flow_name="ossr-dev-main", execution_name="2024-archive-x", flow_input={})


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--bucket", "someone-elses-bucket"],
            "--bucket: 'someone-elses-bucket' is not a bucket the dev functions may restore",
        ),
        (["--bucket", "example-archive-dev", "--max-keys", "5000"], "--max-keys"),
        (
            ["--bucket", "example-archive-dev", "--region", "eu-central-1"],
            "unknown region 'eu-central-1' for environment 'dev'",
        ),
        (
            ["--bucket", "example-archive-dev", "--manifest", "list.csv"],
            "--manifest: the cloud reads manifests from OSS",
        ),
        (
            ["--bucket", "example-archive-dev", "--manifest", "oss://example-archive-dev/m.csv", "--prefix", "p/"],
            "--manifest: manifest must be used without prefix",
        ),
        (
            ["--bucket", "example-archive-dev", "--notify", "ftp://hooks.example.com/x"],
            "--notify: notifyUrl must be an http://",
        ),
        (
            ["--bucket", "example-archive-dev", "--copy-to", "oss://somewhere-else/out/"],
            "--copy-to: 'oss://somewhere-else/out/' is not under a copy target of the dev functions; allowed: none",
        ),
    ],
)
def test_start_refuses_bad_input_before_calling_the_api(fnf: FakeFnf, args: list[str], message: str) -> None:
    base = ["--env", "dev"] + ([] if "--region" in args else ["--region", "cn-hangzhou"])
    result = CliRunner().invoke(start, [*base, *args])
    assert isinstance(result.exception, UsageError), result.output
    assert message in str(result.exception)
    assert fnf.requests == []


def test_start_refuses_a_conversion_the_stacks_role_may_not_make(fnf: FakeFnf) -> None:
    # GIVEN the prod stacks, configured to copy to one target but not to convert in place
    # WHEN a conversion is started there
    args = ["--env", "prod", "--region", "cn-hangzhou", "--bucket", "example-archive-prod", "--convert-to", "IA"]
    result = CliRunner().invoke(start, args)
    # THEN it is refused before any call, naming the flag and the setting that would allow it
    assert isinstance(result.exception, UsageError), result.output
    assert "--convert-to: the prod functions may not convert objects in place" in str(result.exception)
    assert fnf.requests == []


def test_start_reports_the_services_error_code(fnf: FakeFnf) -> None:
    fnf.fail_start = (409, "ExecutionAlreadyExists")
    result = CliRunner().invoke(
        start, ["--env", "dev", "--region", "cn-hangzhou", "--bucket", "example-archive-dev", "--name", "again"]
    )
    assert isinstance(result.exception, UsageError)
    assert str(result.exception).startswith("StartExecution failed: ExecutionAlreadyExists")


def test_start_without_credentials_is_a_clear_error(fnf: FakeFnf, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET")
    result = CliRunner().invoke(start, ["--env", "dev", "--region", "cn-hangzhou", "--bucket", "example-archive-dev"])
    assert isinstance(result.exception, UsageError)
    assert "ALIBABA_CLOUD_ACCESS_KEY_SECRET" in str(result.exception)
    assert fnf.requests == []


def test_start_signs_with_the_profile_named(fnf: FakeFnf, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # GIVEN no credential variable and an aliyun CLI profile in HOME
    monkeypatch.delenv("ALIBABA_CLOUD_ACCESS_KEY_ID")
    monkeypatch.delenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET")
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".aliyun").mkdir()
    (tmp_path / ".aliyun" / "config.json").write_text(
        json.dumps(
            {
                "current": "x",
                "profiles": [
                    {
                        "name": "ops",
                        "mode": "StsToken",
                        "access_key_id": "STS.ops",
                        "access_key_secret": SECRET,
                        "sts_token": "ops-token-never-printed",
                    }
                ],
            }
        )
    )
    # WHEN a cloud run is started with --profile
    result = CliRunner().invoke(
        start,
        [
            "--env",
            "dev",
            "--region",
            "cn-hangzhou",
            "--bucket",
            "example-archive-dev",
            "--profile",
            "ops",
            "--name",
            "run-p",
        ],
    )
    # THEN StartExecution is signed with the profile's key and token
    assert result.exit_code == 0, result.output
    (request,) = fnf.requests
    assert (request["AccessKeyId"], request["SecurityToken"]) == ("STS.ops", "ops-token-never-printed")
    assert SECRET not in result.output and "ops-token-never-printed" not in result.output


def test_status_shows_progress_from_the_whole_history(fnf: FakeFnf) -> None:
    # GIVEN an execution whose history spans two pages WHEN its status is asked for
    result = CliRunner().invoke(status, ["run-1", "--env", "prod", "--region", "cn-hangzhou", "--events"])
    # THEN it reads DescribeExecution and both history pages, and summarises them
    assert result.exit_code == 0, result.output
    assert [(r["Action"], r.get("NextToken")) for r in fnf.requests] == [
        ("DescribeExecution", None),
        ("GetExecutionHistory", None),
        ("GetExecutionHistory", "page2"),
        ("ListExecutions", None),
    ]
    assert all(r["FlowName"] == "ossr-prod-main" for r in fnf.requests)
    assert all(r["ExecutionName"] == "run-1" for r in fnf.requests[:3])
    # AND it follows the run through the executions it continued as (names: the run's name + "--<digest>")
    assert fnf.requests[3]["ExecutionNamePrefix"] == "run-1--"
    assert "continued as new in 2 more execution(s); latest run-1--fedcba9876543210: Running" in result.output
    assert "execution run-1 of ossr-prod-main: Running" in result.output
    assert "3 events, 1 steps succeeded, last step listArchiveFiles" in result.output
    assert "TaskScheduled listArchiveFiles" in result.output


def test_status_prices_a_dry_runs_tally(fnf: FakeFnf, tmp_path) -> None:
    # GIVEN the output a dry run's last execution ends with, produced by the real flows on the engine
    from ossemu import Emulator
    from ossrestore.flow_options import flow_input_from_options
    from ossrestore.local_run import run_local
    from restore_core.client import Credentials

    with Emulator(credentials={"dry-ak": "dry-sk"}) as emu:
        emu.create_bucket("dry-bucket")
        emu.seed("dry-bucket", counts={"ColdArchive": 7, "Archive": 3}, size=2048)
        run = run_local(
            flow_input_from_options(
                flow_endpoint=emu.endpoint,
                flow_bucketName="dry-bucket",
                flow_dryRun=True,
                flow_tier="Bulk",
                flow_days=2,
            ),
            credentials=Credentials("dry-ak", "dry-sk"),
            show_progress=False,
        )
        assert emu.stats.get("RestoreObject") == 0
    fnf.output = json.dumps([r.output for r in run.executions if r.flow_name == MAIN_FLOW][-1])
    # WHEN its status is asked for
    result = CliRunner().invoke(status, ["run-1", "--env", "prod", "--region", "cn-hangzhou"])
    # THEN the estimate is printed per class, with the tier and days the run asked for
    assert result.exit_code == 0, result.output
    assert "estimate (before any restore; cost in CNY)" in result.output
    cold = next(line for line in result.output.splitlines() if line.strip().startswith("ColdArchive"))
    assert cold.split()[1:3] == ["7", "14.0"] and "Bulk/2d" in cold
    # AND a bad price table is refused naming the flag
    bad = tmp_path / "prices.json"
    bad.write_text("[]", encoding="utf-8")
    result = CliRunner().invoke(
        status, ["run-1", "--env", "prod", "--region", "cn-hangzhou", "--price-table", str(bad)]
    )
    assert result.exit_code != 0 and "--price-table" in (result.output + str(result.exception))


def test_start_sends_a_relative_deadline_as_absolute_utc_and_the_action(fnf: FakeFnf) -> None:
    # GIVEN a deadline 36 hours from now and the extend action WHEN a cloud run is started
    before = time.time()
    result = CliRunner().invoke(
        start,
        [
            "--env",
            "prod",
            "--region",
            "cn-shanghai",
            "--bucket",
            "example-archive-prod",
            "--deadline",
            "36h",
            "--best-effort",
            "--action",
            "extend",
            "--name",
            "run-d",
        ],
    )
    # THEN the flow input carries the deadline as an absolute UTC time (the handlers know no "now" of the
    # command), with bestEffort and the action
    assert result.exit_code == 0, result.output
    (request,) = fnf.requests
    flow_input = json.loads(request["Input"])
    assert flow_input["deadline"].endswith("Z")
    assert before + 36 * 3600 - 1 <= parse_iso_time(flow_input["deadline"]) <= time.time() + 36 * 3600 + 1
    assert (flow_input["bestEffort"], flow_input["action"]) == (True, "extend")


def test_an_fnf_endpoint_nobody_answers_on_says_cannot_connect(fnf: FakeFnf, monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = CliRunner().invoke(
        start,
        [
            "--env",
            "dev",
            "--region",
            "cn-hangzhou",
            "--bucket",
            "example-archive-dev",
            "--fnf-endpoint",
            f"http://127.0.0.1:{port}",
        ],
    )
    assert isinstance(result.exception, UsageError), result.output
    assert f"cannot connect to 127.0.0.1:{port}: connection refused" in str(result.exception)


def dry_run_output(counts: dict[str, int] | None = None, **flow: Any) -> str:
    """The output a dry run's last execution ends with, made by the real flows on the engine: by default 7 Cold
    Archive and 3 Archive objects of 2 KiB."""
    from ossemu import Emulator
    from ossrestore.flow_options import flow_input_from_options
    from ossrestore.local_run import run_local
    from restore_core.client import Credentials

    with Emulator(credentials={"dry-ak": "dry-sk"}) as emu:
        emu.create_bucket("dry-bucket")
        emu.seed("dry-bucket", counts=counts or {"ColdArchive": 7, "Archive": 3}, size=2048)
        run = run_local(
            flow_input_from_options(
                flow_endpoint=emu.endpoint,
                flow_bucketName="dry-bucket",
                flow_dryRun=True,
                **{f"flow_{k}": v for k, v in flow.items()},
            ),
            credentials=Credentials("dry-ak", "dry-sk"),
            show_progress=False,
        )
    return json.dumps([r.output for r in run.executions if r.flow_name == MAIN_FLOW][-1])


@pytest.fixture()
def dear_prices(tmp_path: Path) -> Path:
    """The shipped price table with a Cold Archive request at 1 CNY: 7 requests cost 7.00 and a little."""
    from importlib import resources

    table = json.loads(resources.files("ossrestore").joinpath("data/prices.json").read_text(encoding="utf-8"))
    table["regions"]["cn-mainland"]["classes"]["ColdArchive"]["tiers"]["Standard"]["requestsPer10000"]["value"] = 10000
    path = tmp_path / "prices.json"
    path.write_text(json.dumps(table), encoding="utf-8")
    return path


START = ["--env", "prod", "--region", "cn-shanghai", "--bucket", "example-archive-prod", "--name", "run-c"]


def test_start_with_max_cost_below_the_estimate_refuses_after_a_dry_run_and_starts_nothing(fnf, dear_prices):
    # GIVEN a stack whose dry run of this input finds 7 Cold Archive objects (7 CNY of requests at these prices)
    fnf.dry_outputs = [dry_run_output()]
    # WHEN a run is started with a ceiling below that
    result = CliRunner().invoke(start, [*START, "--max-cost", "5", "--price-table", str(dear_prices)])
    # THEN exit 2, naming the estimate; the only execution started is the dry run, under its own name
    assert isinstance(result.exception, UsageError) and result.exception.exit_code == 2, result.output
    assert "--max-cost: the estimate is 7.00 CNY, above the 5.00 CNY allowed" in str(result.exception)
    starts = [r for r in fnf.requests if r["Action"] == "StartExecution"]
    assert [r["ExecutionName"] for r in starts] == ["run-c-estimate"]
    dry_input = json.loads(starts[0]["Input"])
    assert dry_input["dryRun"] is True and dry_input["notifyUrl"] == ""
    assert dry_input["reportUrl"] == "oss://example-restore-reports/prod/reports/run-c-estimate/"  # not the run's
    assert "estimate (before any restore; cost in CNY)" in result.output


def test_start_with_max_cost_above_the_estimate_starts_the_real_run_after_the_dry_run(fnf, dear_prices):
    # GIVEN a dry run that continues as new once before its result
    fnf.dry_outputs = [json.dumps({"status": "listing handed over"}), dry_run_output()]
    # WHEN started with a ceiling above the estimate
    result = CliRunner().invoke(
        start,
        [*START, "--max-cost", "10", "--price-table", str(dear_prices), "--notify", "https://hooks.example.com/x"],
    )
    # THEN the chain was followed to its result, and the real run started after it with the input as given
    assert result.exit_code == 0, result.output
    starts = [r for r in fnf.requests if r["Action"] == "StartExecution"]
    assert [r["ExecutionName"] for r in starts] == ["run-c-estimate", "run-c"]
    real = json.loads(starts[1]["Input"])
    assert real["dryRun"] is False and real["notifyUrl"] == "https://hooks.example.com/x"
    assert any(r["Action"] == "ListExecutions" and r["ExecutionNamePrefix"] == "run-c-estimate--" for r in fnf.requests)
    assert result.output.strip().splitlines()[-1] == "run-c"


def test_start_with_max_cost_and_an_unknown_price_refuses(fnf):
    # GIVEN Deep Cold Archive objects, which the shipped table has no price for
    fnf.dry_outputs = [dry_run_output({"DeepColdArchive": 2})]
    result = CliRunner().invoke(start, [*START, "--max-cost", "1000"])
    assert isinstance(result.exception, UsageError), result.output
    assert "--max-cost: the estimate's cost is unknown" in str(result.exception)
    assert [r["ExecutionName"] for r in fnf.requests if r["Action"] == "StartExecution"] == ["run-c-estimate"]


def test_start_with_max_cost_reports_a_dry_run_refusal_as_the_run_would_be_refused(fnf):
    # GIVEN a dry run the listing refuses: no tier of a listed class makes the deadline
    fnf.dry_failure = ("DeadlineUnreachable", "deadline 2026-01-01T00:00:00Z cannot be met for ColdArchive")
    result = CliRunner().invoke(start, [*START, "--max-cost", "10", "--deadline", "2h"])
    # THEN exit 2 naming the flag, and no real run
    assert isinstance(result.exception, UsageError) and result.exception.exit_code == 2, result.output
    assert str(result.exception).startswith("--deadline: deadline 2026-01-01T00:00:00Z cannot be met for ColdArchive")
    assert [r["ExecutionName"] for r in fnf.requests if r["Action"] == "StartExecution"] == ["run-c-estimate"]


@pytest.mark.e2e
def test_status_json_reports_the_runs_progress_from_the_store_its_input_names(fnf: FakeFnf, tmp_path) -> None:
    # GIVEN a run whose flows (the real ones, on the engine) wrote their progress to a store in OSS
    from ossemu import Emulator, RestoreLatency
    from ossrestore.flow_options import flow_input_from_options
    from ossrestore.local_run import run_local
    from restore_core.client import Credentials

    with Emulator(credentials={"loopback-key": SECRET}, latency=RestoreLatency.uniform(0.3)) as emu:
        emu.create_bucket("example-archive-prod")
        emu.seed("example-archive-prod", counts={"Archive": 40, "ColdArchive": 20, "Standard": 10}, size=100)
        flow_input = flow_input_from_options(
            flow_endpoint=emu.endpoint,
            flow_bucketName="example-archive-prod",
            flow_reportUrl="oss://example-archive-prod/reports/s1/",
            flow_pollInterval=1,
        )
        run = run_local(flow_input, credentials=Credentials("loopback-key", SECRET), show_progress=False)
        # AND the execution in the cloud was started with that input
        fnf.input = json.dumps(flow_input)
        # WHEN its status is asked for as JSON
        result = CliRunner().invoke(
            status, ["run-1", "--env", "prod", "--region", "cn-hangzhou", "--json", "--endpoint", emu.endpoint]
        )
    # THEN one JSON document holds the execution's status and the run's progress
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert (doc["execution"], doc["status"], doc["latest"]["status"]) == ("run-1", "Running", "Running")
    progress = doc["progress"]
    assert progress["url"] == "oss://example-archive-prod/reports/s1/" and progress["done"] is True

    # AND its counts add up to what the flows saw: every object listed, the archive ones requested and readable
    def counted(totals: dict) -> dict:  # the report lines' outcome.* counters, the command keeps apart
        return {k: v for k, v in totals.items() if not k.startswith("outcome.")}

    assert counted(progress["totals"]) == counted(run.totals.to_json())
    counts = progress["counts"]
    assert (counts["listed"], counts["requested"], counts["readable"], counts["skipped"]) == (70, 60, 60, 10)
    assert counts["restoring"] == 0 and counts["failed"] == 0
    # AND its pace: objects listed per second so far, and nothing left to list
    assert progress["objectsPerSecond"] > 0 and progress["secondsToList"] == 0


def test_status_says_why_there_is_no_progress_to_show(fnf: FakeFnf) -> None:
    # GIVEN an execution started without a report store WHEN its status is asked for
    fnf.input = json.dumps({"bucketName": "example-archive-prod", "endpoint": "https://oss-cn-hangzhou.aliyuncs.com"})
    result = CliRunner().invoke(status, ["run-1", "--env", "prod", "--region", "cn-hangzhou"])
    # THEN it says so in one line, and still shows the execution
    assert result.exit_code == 0, result.output
    assert "progress: the run writes no report (reportUrl is empty)" in result.output


def test_status_watch_refreshes_until_the_run_has_ended(fnf: FakeFnf, monkeypatch) -> None:
    # GIVEN a run whose latest execution runs for two refreshes and then has ended (ListExecutions names it)
    import ossrestore.commands.cloud as cloud

    fnf.input = json.dumps({"bucketName": "example-archive-prod"})
    waits: list[float] = []

    def wait(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 2:  # the chain's latest execution ends
            fnf.executions["run-1--0123456789abcdef"] = {"Status": "Succeeded", "Output": ""}

    monkeypatch.setattr(cloud, "_sleep", wait)
    # WHEN watched
    result = CliRunner().invoke(status, ["run-1", "--env", "prod", "--region", "cn-hangzhou", "--watch"])
    # THEN it showed the status three times, WATCH_SECONDS apart, and stopped once the run had ended
    assert result.exit_code == 0, result.output
    assert waits == [cloud.WATCH_SECONDS] * 2
    assert result.output.count("execution run-1 of ossr-prod-main") == 3
    assert "latest run-1--0123456789abcdef: Succeeded" in result.output


def test_status_names_the_endpoint_flag_that_is_malformed(fnf: FakeFnf) -> None:
    # WHEN the OSS endpoint to read progress from is malformed THEN exit 2 naming --endpoint, not --fnf-endpoint
    result = CliRunner(mix_stderr=False).invoke(
        status, ["run-1", "--env", "prod", "--region", "cn-hangzhou", "--endpoint", "ht!tp://x"]
    )
    assert isinstance(result.exception, UsageError) and result.exception.exit_code == 2
    assert str(result.exception).startswith("--endpoint: ") and "--fnf-endpoint" not in str(result.exception)
