"""The completion notice: one HTTP POST of a run's JSON summary, retried as data, never carrying credentials.

The same code sends it from the command (`oss-restore run --notify URL`) and from the `notify` function
the main flow calls last in the cloud. What is retried: a connection that fails or times out, and a 5xx
or 429 answer (the receiver did not take the notice); any other answer ends it, since sending the same
body again would be refused the same way. Redirects are not followed: a POST redirected would either
lose its body (301-303 turn into GET) or carry the summary to a host nobody named.

Credentials never travel: the body is built from counts and names only, every string in it passes
through `redaction.redact` (secrets the process knows, signatures, tokens, `Authorization` values),
values the caller names (the access key id) are masked too, and the notice URL's own user info, if
any, is sent as the `Authorization: Basic` header of that one request, never in the body or a message.
"""

from __future__ import annotations

import base64
import http.client
import json
import random
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from restore_core import notice_formats, redaction, retry

# A webhook receiver that is restarting gets about half a minute (1+2+4+8 s at most between 5 attempts).
NOTIFY_RETRY = retry.RetryPolicy(max_attempts=5, initial_interval=1.0, backoff_coefficient=2.0, maximum_interval=8.0)
TIMEOUT_SECONDS = 10.0
NOT_ESTIMATED = "not estimated"
_RETRY_STATUSES = frozenset({429})


@dataclass(frozen=True, kw_only=True)
class Delivery:
    """How the notice went: delivered (a 2xx answer), after how many attempts, the last status."""

    delivered: bool
    attempts: int
    status: int | None = None  # None: no HTTP answer (connection error, timeout)
    error: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"delivered": self.delivered, "attempts": self.attempts, "status": self.status, "error": self.error}


class _NotDelivered(Exception):
    def __init__(self, message: str, *, status: int | None, transient: bool) -> None:
        super().__init__(message)
        self.status, self.transient = status, transient


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # urllib then raises HTTPError with the 3xx answer


_OPENER = urllib.request.build_opener(_NoRedirects())


def host_of(url: str) -> str:
    """What a message may show of the notice URL: scheme, host and port (no user info, path or query)."""
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname or ''}{port}"


def cost_fields(estimate: Any) -> dict[str, Any]:
    """The estimated and actual cost of a run's estimate (the summary's plain dict: `total.cost`,
    `actual.cost`, `currency`), or "not estimated" for each part it lacks (a null cost included); `unpriced`
    names the classes the costs leave out (no price for them), when there are any."""
    total = estimate.get("total") if isinstance(estimate, Mapping) else None
    actual = estimate.get("actual") if isinstance(estimate, Mapping) else None
    estimated_cost = total.get("cost") if isinstance(total, Mapping) else None
    actual_cost = actual.get("cost") if isinstance(actual, Mapping) else None
    currency = estimate.get("currency") if isinstance(estimate, Mapping) else None
    fields: dict[str, Any] = {
        "estimated": NOT_ESTIMATED if estimated_cost is None else estimated_cost,
        "actual": NOT_ESTIMATED if actual_cost is None else actual_cost,
    }
    if currency:
        fields["currency"] = currency
    unpriced = total.get("unpriced") if isinstance(total, Mapping) else None
    if unpriced:
        fields["unpriced"] = list(unpriced)
    return fields


def clean(value: Any, *, hide: Iterable[str] = ()) -> Any:
    """value with every string (keys included) redacted and every `hide` value masked."""
    hidden = tuple(h for h in hide if h)

    def text(s: str) -> str:
        for h in hidden:
            s = s.replace(h, redaction.MASK)
        return redaction.redact(s)

    def walk(v: Any) -> Any:
        if isinstance(v, str):
            return text(v)
        if isinstance(v, Mapping):
            return {text(str(k)): walk(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [walk(x) for x in v]
        return v

    return walk(value)


def body_of(summary: Mapping[str, Any], *, hide: Iterable[str] = (), fmt: str = "json") -> bytes:
    """The notice's body: the summary, cleaned (see `clean`), in the webhook's message format
    (`notice_formats`), as UTF-8 JSON."""
    return json.dumps(
        notice_formats.message(clean(summary, hide=hide), fmt), ensure_ascii=False, sort_keys=True
    ).encode("utf-8")


def _request(url: str, body: bytes) -> urllib.request.Request:
    parts = urlsplit(url)
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "oss-restore-notify"}
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, netloc = netloc.rsplit("@", 1)
        user, _, password = userinfo.partition(":")
        token = base64.b64encode(f"{unquote(user)}:{unquote(password)}".encode()).decode("ascii")
        headers["Authorization"] = f"Basic {token}"
    target = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
    return urllib.request.Request(target, data=body, headers=headers, method="POST")


def _send_once(request: urllib.request.Request, timeout: float, fmt: str) -> int:
    try:
        with _OPENER.open(request, timeout=timeout) as answer:
            said = answer.read(
                65536
            )  # what it says (a chat webhook may refuse in it); read, the connection ends cleanly
            status = int(answer.status)
    except urllib.error.HTTPError as e:
        transient = e.code >= 500 or e.code in _RETRY_STATUSES
        raise _NotDelivered(f"HTTP {e.code}", status=e.code, transient=transient) from None
    except (urllib.error.URLError, OSError, http.client.HTTPException) as e:
        reason = getattr(e, "reason", None) or e
        raise _NotDelivered(
            f"no answer: {type(reason).__name__}: {redaction.redact(str(reason))}", status=None, transient=True
        ) from None
    # A chat webhook may answer 200 and say in the body that it refused the message: sent again, it would be
    # refused again.
    refused = notice_formats.refusal(fmt, said)
    if refused:
        raise _NotDelivered(redaction.redact(refused), status=status, transient=False)
    return status


def post(
    url: str,
    body: bytes,
    *,
    policy: retry.RetryPolicy = NOTIFY_RETRY,
    timeout: float = TIMEOUT_SECONDS,
    sleep: retry.Sleep = time.sleep,
    rand: Callable[[], float] = random.random,
    fmt: str = "json",
) -> Delivery:
    """POST body to url until an attempt is answered 2xx (and, for a chat webhook, not refused in its body),
    a non-retryable answer comes, or the policy's attempts are spent. Never raises for a failed delivery: the
    run's result does not depend on it."""
    request = _request(url, body)
    attempts = 0

    def attempt() -> int:
        nonlocal attempts
        attempts += 1
        return _send_once(request, timeout, fmt)

    try:
        status = retry.call(
            attempt,
            policy=policy,
            sleep=sleep,
            rand=rand,
            retryable=lambda e: isinstance(e, _NotDelivered) and e.transient,
        )
    except _NotDelivered as e:
        return Delivery(delivered=False, attempts=attempts, status=e.status, error=str(e))
    return Delivery(delivered=True, attempts=attempts, status=status)


def flow_summary(summary: Mapping[str, Any], *, execution_name: str | None) -> dict[str, Any]:
    """The cloud run's notice, from what `summarize` returned: counts by outcome, where the report is, the
    verdict. The same shape the command sends (`ossrestore.notice`)."""
    found, where = summary.get("byOutcome"), summary.get("report")
    counts: dict[str, Any] = dict(found) if isinstance(found, Mapping) else {}
    report = dict(where) if isinstance(where, Mapping) else None
    all_readable = bool(summary.get("allReadable"))
    return {
        "bucket": summary.get("bucket", ""),
        "prefix": summary.get("prefix", ""),
        "counts": counts,
        "objects": sum(int(v) for v in counts.values() if isinstance(v, int)),
        "status": summary.get("status"),
        "error": summary.get("error"),
        "exitCode": 0 if all_readable else 1,
        "allReadable": all_readable,
        "failures": summary.get("failures") or {},
        "report": report,
        "cost": cost_fields(summary.get("estimate")),
        "execution": execution_name or "",
        "source": "oss-restore main flow",
    }
