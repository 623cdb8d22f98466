"""Keep credentials out of every log line: the access key secret, the STS security token, signatures.

One log record factory, installed for the whole process, rewrites each record as it is created (its
message with the arguments put in, its traceback and its stack text), so every logger, handler and
formatter downstream sees only the redacted text, at every level: the project's own lines, oss2's DEBUG
lines (`Make signature: string to be signed = ... x-oss-security-token:<token>`, request headers with
`Authorization`), the fnf SDK's (`darabonba-core` and `alibabacloud-tea` attach stream handlers of
their own, which a filter on the root logger's handlers would never see) and urllib3's URLs. A record
is only created when its level is enabled, so the rewriting costs nothing for lines nobody logs.

Two nets: the values themselves (the secret and the token the process was given, also URL-encoded, as
they appear in query strings), and what surrounds a credential or a signature wherever it is printed
(`Authorization: ...`, `x-oss-security-token: ...`, `SecurityToken=...`, `Signature=...`,
`x-oss-signature=...`, and the `StringToSignBytes` and `x-oss-err` forms of an OSS
SignatureDoesNotMatch error).
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import quote

MASK = "<redacted>"  # "<" ends every pattern's value, so redacting twice changes nothing
# Names of the variables credentials come from (FC's runtime, the command, Terraform's provider, ossutil 2.0).
SECRET_VARIABLES = (
    "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
    "ALIBABA_CLOUD_SECURITY_TOKEN",
    "ALICLOUD_SECRET_KEY",
    "ALICLOUD_SECURITY_TOKEN",
    "OSS_ACCESS_KEY_SECRET",
    "OSS_SESSION_TOKEN",
)
# Shorter values would mask ordinary words in every line; real secrets and tokens are 30+ characters.
_MIN_SECRET_LENGTH = 4

# What stands between a name and its value: `name: v`, `name=v`, `'name': 'v'`, `"name":"v"`, `<name>v`.
_SEP = r"""(?:['"]?\s*[:=]\s*['"]?|>)"""
_PATTERNS = (
    # Header values run to the end of the quoted string or the line: `OSS ak:sig`, `OSS4-HMAC-SHA256 ...`.
    re.compile(r"""(\bauthorization""" + _SEP + r""")[^'"\s<][^'"\r\n<]*""", re.IGNORECASE),
    re.compile(
        r"""((?:(?:x-(?:oss|acs)-)?security[-_]?token|access[-_]?key[-_]?secret)""" + _SEP + r""")[^'"\s&,;<>)}\]]+""",
        re.IGNORECASE,
    ),
    # An OSS SignatureDoesNotMatch error spells out the string it signed, token included, in hex; a HEAD
    # answer carries the whole error document base64-encoded in `x-oss-err`.
    re.compile(r"""(stringtosignbytes""" + _SEP + r""")[0-9a-f]{2}(?: [0-9a-f]{2})*""", re.IGNORECASE),
    re.compile(r"""(x-oss-err""" + _SEP + r""")[A-Za-z0-9+/=]+""", re.IGNORECASE),
    # Only `=`: oss2's "Make signature: string to be signed" must keep its words.
    re.compile(r"""((?:x-oss-)?signature['"]?\s*=\s*['"]?)[^'"\s&,;<>)}\]]+""", re.IGNORECASE),
)

_lock = threading.Lock()
_known: tuple[str, ...] = ()


def remember(*values: str | None) -> None:
    """Add secret values (an access key secret, a security token) to mask wherever they appear."""
    global _known
    fresh = {form for v in values if v and len(v) >= _MIN_SECRET_LENGTH for form in (v, quote(v, safe=""))}
    if fresh <= set(_known):  # a warm instance sees the same credentials call after call
        return
    with _lock:
        # Longest first, so a value that contains another is masked whole.
        _known = tuple(sorted(set(_known) | fresh, key=len, reverse=True))


def redact(text: str) -> str:
    """text without the remembered secrets, security tokens, Authorization values and signatures."""
    for value in _known:
        if value in text:
            text = text.replace(value, MASK)
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + MASK, text)
    return text


_TRACEBACKS = logging.Formatter()


def redact_record(record: logging.LogRecord) -> None:
    """Put the redacted, fully formatted text in the record (message, traceback and stack)."""
    try:
        message = record.getMessage()
    except Exception:  # a bad format string: logging reports it when the record is emitted
        return
    record.msg, record.args = redact(message), ()
    if record.exc_info and not record.exc_text:
        # Formatters use exc_text when it is set, so the traceback is formatted (and redacted) once, here.
        record.exc_text = redact(_TRACEBACKS.formatException(record.exc_info))
    elif record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)


def _redacting(inner: Callable[..., logging.LogRecord]) -> Callable[..., logging.LogRecord]:
    def make_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = inner(*args, **kwargs)
        redact_record(record)
        return record

    make_record.redacts = True  # type: ignore[attr-defined]  # a marker on the function object
    return make_record


def install(*values: str | None, environ: Any = os.environ, names: Iterable[str] = SECRET_VARIABLES) -> None:
    """Redact every log record this process creates from now on; remember values and the secrets
    found in the environment. Idempotent; keeps any record factory installed before (FC's runtime may
    have one)."""
    remember(*values, *(environ.get(name) for name in names))
    with _lock:
        current = logging.getLogRecordFactory()
        if not getattr(current, "redacts", False):
            logging.setLogRecordFactory(_redacting(current))
