"""The completion notice: `run --notify URL` posts the summary once, retried as data, with no credential in it.

A loopback HTTP server receives the notice; the run is real (flows on the engine, oss2 over HTTP to the
emulator)."""

from __future__ import annotations

import json
import socket

import pytest

from conftest import invoke, use_credentials
from notice_receiver import receiver
from ossemu import Emulator, RestoreLatency
from restore_core import notify, redaction
from restore_core.retry import RetryPolicy

AK, SK = "LTAInotice-test-key-id", "notice-test-secret-0123456789"
BUCKET = "notice-bucket"
QUICK = RetryPolicy(max_attempts=4, initial_interval=0.0, maximum_interval=0.0)


@pytest.fixture
def emu(monkeypatch):
    use_credentials(monkeypatch, AK, SK)
    with Emulator(credentials={AK: SK}, latency=RestoreLatency.uniform(0.2)) as emu:
        emu.create_bucket(BUCKET)
        yield emu


@pytest.mark.e2e
def test_run_with_notify_posts_the_summary_exactly_once_and_no_secret(emu, tmp_path):
    # GIVEN 30 archive and 5 standard objects, and a receiver whose URL carries user info
    emu.seed(BUCKET, counts={"Archive": 20, "ColdArchive": 10, "Standard": 5}, prefix="n/")
    summary_path, report = tmp_path / "summary.json", tmp_path / "report.jsonl"
    with receiver() as hook:
        # WHEN the prefix is restored with --notify
        result = invoke(
            "run",
            "--endpoint",
            emu.endpoint,
            "--bucket",
            BUCKET,
            "--prefix",
            "n/",
            "--poll-interval",
            "1",
            "--notify",
            hook.url(userinfo="team:hook-password"),
            "--summary-json",
            str(summary_path),
            "--report",
            str(report),
            "--quiet",
        )
    # THEN the run exits 0 and the receiver got exactly one POST
    assert result.exit_code == 0, result.output + result.stderr
    assert [(r.method, r.path) for r in hook.requests] == [("POST", "/hook")]
    sent = hook.requests[0]
    body = json.loads(sent.body)
    # AND it holds the summary: bucket, prefix, counts by outcome, cost (not estimated here), exit code
    assert body["bucket"] == BUCKET and body["prefix"] == "n/"
    assert body["counts"] == {"restored": 30, "already_restored": 0, "in_progress": 0, "skipped": 5, "failed": 0}
    assert body["exitCode"] == 0 and body["allReadable"] is True
    assert set(body["cost"]) >= {"estimated", "actual"}
    # AND no credential: neither the access key id nor its secret nor the URL's password is in the body;
    # the URL's user info went as the request's Basic authorization only
    text = sent.body.decode("utf-8")
    for secret in (AK, SK, "hook-password", "team:"):
        assert secret not in text
    assert sent.headers["Authorization"].startswith("Basic ")
    assert sent.headers["Content-Type"].startswith("application/json")
    # AND the command says where it went without the password, and --summary-json holds the same body
    assert "notice sent to http://127.0.0.1" in result.stderr and "hook-password" not in result.stderr
    assert json.loads(summary_path.read_text(encoding="utf-8")) == body
    # AND each restored object's report line says when the run first saw it readable: after its request,
    # by the final listing at the latest (ISO 8601 strings of one format compare in time order)
    rows = [json.loads(line) for line in report.read_text(encoding="utf-8").splitlines()]
    restored = [r for r in rows if r["outcome"] == "restored"]
    assert len(restored) == 30
    assert all(r["requestedAt"] <= r["readableAt"] <= r["checkedAt"] for r in restored), restored[:3]
    assert all(r["readableAt"] is None for r in rows if r["outcome"] != "restored")


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/x",
        "http://",
        "example.com/hook",
        "http://exa mple.com/",
        "https://host:70000/x",
        "http://user:secret-pw@/x",
    ],
)
def test_a_bad_notify_url_is_refused_with_exit_2_naming_the_flag_and_not_echoing_it(url):
    # WHEN run is given a URL that is not http(s) with a host
    result = invoke("run", "--endpoint", "http://127.0.0.1:9", "--bucket", "some-bucket", "--notify", url)
    # THEN exit 2, the message names --notify and the allowed form, and never repeats the value
    assert result.exit_code == 2, result.output + result.stderr
    assert "--notify" in result.stderr and "http:// or https:// URL" in result.stderr
    assert "secret-pw" not in result.stderr and "Traceback" not in result.stderr


def test_a_notice_is_retried_on_5xx_and_429_until_delivered():
    with receiver(answers=[503, 500, 429]) as hook:
        # WHEN the receiver fails three times, then takes it
        delivery = notify.post(hook.url(), b"{}", policy=QUICK)
    # THEN it was delivered on the fourth attempt, one request per attempt
    assert delivery == notify.Delivery(delivered=True, attempts=4, status=200)
    assert len(hook.requests) == 4


def test_a_notice_gives_up_after_the_policys_attempts_on_connection_errors():
    # GIVEN a loopback port nobody listens on
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # WHEN the notice is sent there
    delivery = notify.post(f"http://127.0.0.1:{port}/hook", b"{}", policy=QUICK)
    # THEN every attempt of the policy was made, none answered
    assert (delivery.delivered, delivery.attempts, delivery.status) == (False, 4, None)
    assert delivery.error.startswith("no answer")


@pytest.mark.parametrize("status", [400, 404, 302])
def test_a_refusal_or_a_redirect_ends_the_notice_at_once(status):
    with receiver(answers=[status]) as hook:
        delivery = notify.post(hook.url(), b"{}", policy=QUICK)
    # THEN one request only: not retried, and a redirect is not followed
    assert (delivery.delivered, delivery.attempts, delivery.status) == (False, 1, status)
    assert [r.path for r in hook.requests] == ["/hook"]


def test_the_body_masks_secrets_signatures_and_named_values_wherever_they_are():
    # GIVEN a summary whose warnings quote a signed URL, a token header and the secret itself
    redaction.remember("body-test-secret-value")
    summary = {
        "warnings": [
            "GET https://b.oss/k?OSSAccessKeyId=LTAIbody&Signature=abc%2Fdef&Expires=1",
            "x-oss-security-token: tok123",
            "secret body-test-secret-value here",
        ],
        "LTAIbody": 1,
    }
    # WHEN it becomes a notice body, the access key id named to hide
    text = notify.body_of(summary, hide=("LTAIbody",)).decode("utf-8")
    # THEN none of them is left, keys included
    for secret in ("abc%2Fdef", "tok123", "body-test-secret-value", "LTAIbody"):
        assert secret not in text
    assert json.loads(text)["warnings"][2] == "secret <redacted> here"


def test_cost_fields_read_an_estimate_and_say_not_estimated_without_one():
    assert notify.cost_fields(None) == {"estimated": "not estimated", "actual": "not estimated"}
    assert notify.cost_fields({"total": {"cost": 1.5}, "actual": {"cost": 1.25}, "currency": "USD"}) == {
        "estimated": 1.5,
        "actual": 1.25,
        "currency": "USD",
    }
    # no price table for the region makes the total null: that is not an estimate either
    assert notify.cost_fields({"total": {"cost": None}, "currency": None}) == {
        "estimated": "not estimated",
        "actual": "not estimated",
    }
    # a class the table has no price for is named beside the total of the priced ones
    assert notify.cost_fields({"total": {"cost": 2.0, "unpriced": ["DeepColdArchive"]}, "currency": "CNY"}) == {
        "estimated": 2.0,
        "actual": "not estimated",
        "currency": "CNY",
        "unpriced": ["DeepColdArchive"],
    }


# --- chat webhooks' formats (restore_core/notice_formats.py) ----------------------------------------------------


def documented_shape(fmt: str, body: dict) -> str:
    """The message's text, after checking the body has the shape the webhook's documentation gives."""
    if fmt == "dingtalk":  # custom robot: msgtype markdown, with title and text
        assert set(body) == {"msgtype", "markdown"} and body["msgtype"] == "markdown"
        assert set(body["markdown"]) == {"title", "text"}
        return body["markdown"]["title"] + "\n" + body["markdown"]["text"]
    if fmt == "feishu":  # custom bot: msg_type post, content.post.<locale>.title / content (rows of tags)
        assert set(body) == {"msg_type", "content"} and body["msg_type"] == "post"
        post = body["content"]["post"]["en_us"]
        assert all(cell["tag"] == "text" for row in post["content"] for cell in row)
        return post["title"] + "\n" + "\n".join(cell["text"] for row in post["content"] for cell in row)
    # slack incoming webhook: text (the notification's fallback) and blocks
    assert set(body) == {"text", "blocks"}
    assert [b["type"] for b in body["blocks"]] == ["header", "section"]
    assert body["blocks"][0]["text"]["type"] == "plain_text" and body["blocks"][1]["text"]["type"] == "mrkdwn"
    return body["text"] + "\n" + body["blocks"][0]["text"]["text"] + "\n" + body["blocks"][1]["text"]["text"]


@pytest.mark.e2e
@pytest.mark.parametrize("fmt", ["dingtalk", "feishu", "slack"])
def test_run_posts_the_notice_in_the_chat_webhooks_documented_format(emu, tmp_path, fmt):
    emu.seed(BUCKET, counts={"Archive": 4, "Standard": 1}, prefix="c/")
    with receiver() as hook:
        result = invoke(
            "run",
            "--endpoint",
            emu.endpoint,
            "--bucket",
            BUCKET,
            "--prefix",
            "c/",
            "--poll-interval",
            "1",
            "--notify",
            hook.url(),
            "--notify-format",
            fmt,
            "--summary-json",
            str(tmp_path / "s.json"),
            "--quiet",
        )
    assert result.exit_code == 0, result.output + result.stderr
    (sent,) = hook.requests
    text = documented_shape(fmt, json.loads(sent.body))
    # THEN it says the verdict, where, and the counts; never a credential
    assert "oss-restore: all readable: notice-bucket/c/" in text and "restored 4" in text and "skipped 1" in text
    assert AK not in sent.body.decode() and SK not in sent.body.decode()
    # AND --summary-json stays the JSON summary
    assert json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))["counts"]["restored"] == 4


@pytest.mark.parametrize(
    ("fmt", "answer"),
    [
        ("dingtalk", b'{"errcode": 310000, "errmsg": "keywords not in content"}'),
        ("feishu", b'{"code": 19024, "msg": "Key Words Not Found", "data": {}}'),
    ],
)
def test_a_chat_webhook_refusing_in_a_200_answer_is_not_delivered_nor_retried(fmt, answer):
    with receiver(bodies=[answer]) as hook:
        delivery = notify.post(
            hook.url(), notify.body_of({"bucket": "b", "allReadable": True}, fmt=fmt), policy=QUICK, fmt=fmt
        )
    assert (delivery.delivered, delivery.attempts, delivery.status) == (False, 1, 200)
    assert delivery.error.startswith("refused: ") and len(hook.requests) == 1
    with receiver(bodies=[b'{"errcode": 0, "errmsg": "ok"}', b'{"code": 0, "msg": "success"}']) as hook:
        assert notify.post(hook.url(), b"{}", policy=QUICK, fmt="dingtalk").delivered
        assert notify.post(hook.url(), b"{}", policy=QUICK, fmt="feishu").delivered


def test_markdown_and_mrkdwn_show_a_prefix_as_written():
    summary = {
        "bucket": "b",
        "prefix": "a_*[x]<y>&/",
        "allReadable": False,
        "counts": {"failed": 2},
        "warnings": ["w"] * 7,
    }
    ding = json.loads(notify.body_of(summary, fmt="dingtalk"))["markdown"]["text"]
    assert r"a\_\*\[x\]" in ding
    slack = json.loads(notify.body_of(summary, fmt="slack"))
    assert "a_*[x]<y>&/" in slack["blocks"][0]["text"]["text"]  # plain_text: as written
    assert "... and 2 more warnings" in slack["blocks"][1]["text"]["text"]


@pytest.mark.e2e
def test_the_main_flows_notify_step_passes_the_format_to_the_notify_function():
    # GIVEN the real flows on the engine with a notice URL and format (the cloud's way: the flow's last step)
    from ossrestore.flow_options import flow_input_from_options
    from ossrestore.local_run import run_local
    from restore_core.client import Credentials

    with Emulator(credentials={AK: SK}, latency=RestoreLatency.uniform(0.2)) as emu, receiver() as hook:
        emu.create_bucket(BUCKET)
        emu.seed(BUCKET, counts={"Archive": 3}, prefix="f/")
        flow_input = flow_input_from_options(
            flow_endpoint=emu.endpoint,
            flow_bucketName=BUCKET,
            flow_pollInterval=1,
            flow_notifyUrl=hook.url(),
            flow_notifyFormat="slack",
        )
        run = run_local(flow_input, credentials=Credentials(AK, SK), show_progress=False)
    # THEN the notify function posted a Slack message of the flow's counts
    assert run.summary.exit_code == 0
    (sent,) = hook.requests
    body = json.loads(sent.body)
    text = documented_shape("slack", body)
    assert "oss-restore: all readable: notice-bucket/" in text and "restored 3" in text and "execution " in text
