"""The completion notice: `run --notify URL` posts the summary once, retried as data, with no credential in it.

A loopback HTTP server receives the notice; the run is real (flows on the engine, oss2 over HTTP to the
emulator)."""
from __future__ import annotations

import json
import socket

import pytest
from click.testing import CliRunner

from conftest import use_credentials
from notice_receiver import receiver
from ossemu import Emulator, RestoreLatency
from ossrestore.cli import group
from restore_core import notify, redaction
from restore_core.retry import RetryPolicy

AK, SK = "LTAInotice-test-key-id", "notice-test-secret-0123456789"
BUCKET = "notice-bucket"
QUICK = RetryPolicy(max_attempts=4, initial_interval=0.0, maximum_interval=0.0)


def invoke(*args: str):
    return CliRunner(mix_stderr=False).invoke(group, list(args))


@pytest.fixture
def emu(monkeypatch):
    use_credentials(monkeypatch, AK, SK)
    with Emulator(credentials={AK: SK}, latency=RestoreLatency.uniform(0.2)) as emu:
        emu.create_bucket(BUCKET)
        yield emu


def test_run_with_notify_posts_the_summary_exactly_once_and_no_secret(emu, tmp_path):
    # GIVEN 30 archive and 5 standard objects, and a receiver whose URL carries user info
    emu.seed(BUCKET, counts={"Archive": 20, "ColdArchive": 10, "Standard": 5}, prefix="n/")
    summary_path, report = tmp_path / "summary.json", tmp_path / "report.jsonl"
    with receiver() as hook:
        # WHEN the prefix is restored with --notify
        result = invoke("run", "--endpoint", emu.endpoint, "--bucket", BUCKET, "--prefix", "n/", "--poll-interval", "1",
                        "--notify", hook.url(userinfo="team:hook-password"), "--summary-json", str(summary_path),
                        "--report", str(report), "--quiet")
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


@pytest.mark.parametrize("url", ["ftp://example.com/x", "http://", "example.com/hook", "http://exa mple.com/",
                                 "https://host:70000/x", "http://user:secret-pw@/x"])
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
        "warnings": ["GET https://b.oss/k?OSSAccessKeyId=LTAIbody&Signature=abc%2Fdef&Expires=1",
                     "x-oss-security-token: tok123", "secret body-test-secret-value here"],
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
        "estimated": 1.5, "actual": 1.25, "currency": "USD"}
    # no price table for the region makes the total null: that is not an estimate either
    assert notify.cost_fields({"total": {"cost": None}, "currency": None}) == {
        "estimated": "not estimated", "actual": "not estimated"}
    # a class the table has no price for is named beside the total of the priced ones
    assert notify.cost_fields({"total": {"cost": 2.0, "unpriced": ["DeepColdArchive"]}, "currency": "CNY"}) == {
        "estimated": 2.0, "actual": "not estimated", "currency": "CNY", "unpriced": ["DeepColdArchive"]}
