"""Log redaction: no secret, security token or signature in any log line, whichever logger or handler."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import oss2
import pytest

from conftest import SESSION
from ossemu import Emulator, ManualClock
from restore_core import redaction
from restore_core.redaction import MASK

STS_AK, STS_SECRET, STS_TOKEN = "STS.redact-ak", "redact-sts-secret-9f8e7d", "CAIS+redact/token=="


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """Everything logged at DEBUG, through a handler on the root logger and one on oss2's own logger."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter("%(name)s %(message)s"))
    root, own = logging.getLogger(), logging.getLogger("oss2.auth")
    level = root.level
    root.addHandler(handler)
    own.addHandler(handler)  # a handler the root logger never sees: redaction must not depend on it
    root.setLevel(logging.DEBUG)
    yield out
    root.removeHandler(handler)
    own.removeHandler(handler)
    root.setLevel(level)


@pytest.mark.parametrize(
    "line",
    [
        "Send request, headers: {'x-oss-security-token': 'T0K', 'Authorization': 'OSS STS.a:c2lnbmF0dXJl'}",
        "Make signature: string to be signed = GET\n\n\nWed\nx-oss-security-token:T0K\n/b/",
        "> authorization : acs STS.a:c2ln\n> x-acs-security-token : T0K",
        "GET /b/k?OSSAccessKeyId=a&Expires=1&Signature=c2ln%2B&security-token=T0K HTTP/1.1",
        "GET /?x-oss-signature=c2ln&x-oss-credential=a HTTP/1.1",
        "Action=StartExecution&SecurityToken=T0K&Signature=c2ln",
        "{'Code': 'SignatureDoesNotMatch', 'StringToSignBytes': '47 45 54 0a', 'SecurityToken': 'T0K'}",
        "<Error><SecurityToken>T0K</SecurityToken><StringToSignBytes>47 45</StringToSignBytes></Error>",
        # HEAD has no body: OSS sends the error document base64-encoded in a header (the StringToSign too)
        "headers: {'x-oss-err': 'PEVycm9yPjxTdHJpbmdUb1NpZ24+VDBLPC9TdHJpbmdUb1NpZ24+PC9FcnJvcj4=', 'Date': 'Wed'}",
        "Authorization: OSS4-HMAC-SHA256 Credential=a/20260101/cn-hangzhou/oss/aliyun_v4_request,Signature=c2ln",
    ],
)
def test_tokens_authorization_values_and_signatures_are_masked_wherever_they_are_printed(line):
    # GIVEN a line as oss2, the fnf SDK, urllib3 or an OSS error prints it WHEN redacted
    out = redaction.redact(line)
    # THEN no token, signature or signed-bytes dump survives, and redacting again changes nothing
    assert "T0K" not in out and "c2ln" not in out and "47 45" not in out and "PEVycm9y" not in out
    assert MASK in out and redaction.redact(out) == out


def test_remembered_secrets_are_masked_also_url_encoded():
    redaction.remember("s3cr/t+value=", None, "")
    out = redaction.redact("secret s3cr/t+value= and query x=s3cr%2Ft%2Bvalue%3D done")
    assert "s3cr" not in out and out.count(MASK) == 2


def test_ordinary_words_survive():
    line = "Make signature: string to be signed = GET; Init StsAuth: access_key_id: STS.a"
    assert redaction.redact(line) == line


def test_every_oss2_debug_line_of_an_sts_request_is_redacted(captured):
    # GIVEN redaction installed and STS credentials an emulator accepts
    redaction.install(STS_SECRET, STS_TOKEN)
    emu = Emulator(credentials={}, sts_tokens={STS_AK: (STS_SECRET, STS_TOKEN)}, clock=ManualClock())
    with emu:
        emu.create_bucket("redact-bucket")
        emu.put_object("redact-bucket", "k", b"x", storage_class="Archive")
        bucket = oss2.Bucket(
            oss2.StsAuth(STS_AK, STS_SECRET, STS_TOKEN), emu.endpoint, "redact-bucket", session=SESSION
        )
        # WHEN requests are signed and sent with DEBUG logging on, one of them failing
        bucket.list_objects()
        bucket.restore_object("k")
        with pytest.raises(oss2.exceptions.NotFound):
            bucket.head_object("missing")
        logging.getLogger("tests.redaction").error("context", exc_info=ValueError(f"token {STS_TOKEN}"))
    text = captured.getvalue()
    # THEN oss2 logged its signing and headers, with neither the secret nor the token
    assert "Make signature" in text and "x-oss-security-token" in text
    assert STS_TOKEN not in text and STS_SECRET not in text
    assert "ValueError: token " + MASK in text


def test_install_is_idempotent_and_keeps_an_earlier_record_factory():
    # GIVEN a record factory installed before (FC's runtime may have one)
    before = logging.getLogRecordFactory()
    calls = []

    def counting(*args, **kwargs):
        calls.append(1)
        return before(*args, **kwargs)

    logging.setLogRecordFactory(counting)
    try:
        redaction.install()
        redaction.install()
        # WHEN a record is made THEN it went through both, the earlier one once
        record = logging.getLogRecordFactory()("n", logging.INFO, "f", 1, "Signature=%s", ("abc",), None)
        assert record.getMessage() == "Signature=" + MASK and len(calls) == 1
    finally:
        logging.setLogRecordFactory(before)
