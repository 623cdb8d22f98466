"""The handlers' inputs as frozen dataclasses, validated field by field.

Every task gets the run's `settings` whole (`restore_core.settings`); beside them the planner gets the
run's `state` and the last round's results, and a shard's invocation gets its `shard` and the round's
terms (`round`: the scope's `base`, how many invocations share the request budget, how long to work).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from restore_core import json_input, params, rate
from restore_core.errors import InvalidParameter
from restore_core.run_state import RunState, read_base, read_state
from restore_core.scope import Scope
from restore_core.settings import Settings, parse_settings
from restore_core.shard_results import ShardResult, shard_result
from restore_core.shards import Shard

MAX_ROUND_SECONDS = 900
_BIG = 10**12


def parse_event(event: Any) -> dict[str, Any]:
    """FC passes the event as JSON bytes; tests and the local engine may pass str or dict."""
    if isinstance(event, Mapping):
        return dict(event)
    if not isinstance(event, (str, bytes, bytearray)) and event is not None:
        raise InvalidParameter("event", "a JSON object", event)
    data = json_input.loads(event or b"{}", field="event")
    if not isinstance(data, dict):
        raise InvalidParameter("event", "a JSON object", data)
    return data


@dataclass(frozen=True)
class Location:
    endpoint: str
    bucket_name: str
    region: str | None
    prefix: str


def location_of(settings: Settings) -> Location:
    return Location(settings.endpoint, settings.bucket_name, settings.region, settings.prefix)


def _execution_name(raw: Mapping[str, Any]) -> str | None:
    """The calling execution's name (`$context.execution.name`), which names the next one."""
    return params.text(raw, "executionName", default="", max_bytes=128) or None


def settings_of(raw: Mapping[str, Any]) -> Settings:
    value = raw.get("settings")
    if not isinstance(value, Mapping):
        raise InvalidParameter("settings", "the run's settings object (the checked flow input)", value)
    try:
        return parse_settings(value)
    except InvalidParameter as e:
        raise InvalidParameter(f"settings.{e.field}", e.allowed, e.value, message=str(e)) from None


# --- listArchiveFiles: the planner -------------------------------------------------------------


@dataclass(frozen=True)
class PlanRequest:
    settings: Settings
    state: RunState | None  # None: the run's first call
    scope: Scope
    results: tuple[ShardResult, ...]
    execution_name: str | None
    first: bool = False  # the execution's first call (the flow's `plan` step): it answers with the settings

    @property
    def where(self) -> Location:
        return location_of(self.settings)


def plan_request(raw: Mapping[str, Any]) -> PlanRequest:
    """The first call gets the execution's input whole as `settings` (the flow input, or a continued
    execution's {settings, state}); each later call gets {settings, state, restored, confirmed}."""
    raw_settings = raw.get("settings")
    state_value = raw.get("state")
    if isinstance(raw_settings, Mapping) and isinstance(raw_settings.get("settings"), Mapping):
        # a continued execution's input, mapped whole by the flow's first step
        state_value = raw_settings.get("state")
        raw = {**raw, "settings": raw_settings["settings"]}
    settings = settings_of(raw)
    first = "restored" not in raw and "confirmed" not in raw
    if state_value is None:
        return PlanRequest(settings, None, settings.scope(), (), _execution_name(raw), first=True)
    scope = settings.scope(read_base(state_value))
    state = read_state(state_value, scope)
    results: list[ShardResult] = []
    for name in ("restored", "confirmed"):
        found = raw.get(name) or []
        if not isinstance(found, list):
            raise InvalidParameter(name, "a list of shard results", found)
        results += [shard_result(v, f"{name}[{i}]", scope) for i, v in enumerate(found)]
    return PlanRequest(settings, state, scope, tuple(results), _execution_name(raw), first=first)


# --- restore and restoreStatus: one shard for one round -------------------------------------------


@dataclass(frozen=True)
class ShardRequest:
    settings: Settings
    scope: Scope
    shard: Shard
    invocations: int  # invocations in the round, sharing the request budget
    seconds: float  # how long to work before handing the shard back

    @property
    def share(self) -> float:
        """Requests/s this invocation may send (0: no budget)."""
        return self.settings.max_requests_per_second / self.invocations

    @property
    def start(self) -> float:
        """Without a budget, the rate this invocation starts at before it learns the bucket's limit."""
        return rate.UNBUDGETED_START / self.invocations

    @property
    def where(self) -> Location:
        return location_of(self.settings)


def shard_request(raw: Mapping[str, Any]) -> ShardRequest:
    settings = settings_of(raw)
    terms = raw.get("round")
    if not isinstance(terms, Mapping):
        raise InvalidParameter("round", "the round's terms {base, invocations, seconds}", terms)
    with params.within("round"):
        scope = settings.scope(params.text(terms, "base", default=""))
        invocations = params.integer(terms, "invocations", default=1, lo=1, hi=1000)
        seconds = params.integer(terms, "seconds", default=settings.round_seconds, lo=1, hi=MAX_ROUND_SECONDS)
    return ShardRequest(settings, scope, Shard.from_json(raw.get("shard"), "shard", scope), invocations, seconds)


# --- summarize and notify -------------------------------------------------------------------------


@dataclass(frozen=True)
class SummaryRequest:
    settings: Settings
    state: RunState
    scope: Scope
    status: str  # "done", or "failed" when a round failed (`error`)
    error: str  # the error and its cause, as the flow caught them
    error_name: str  # the error's name alone (DeadlineUnreachable, OSSAccessDenied, ...)
    execution_name: str | None

    @property
    def where(self) -> Location:
        return location_of(self.settings)


def summary_request(raw: Mapping[str, Any]) -> SummaryRequest:
    settings = settings_of(raw)
    state_value = raw.get("state")
    scope = settings.scope(read_base(state_value))
    error = params.text(raw, "error", default="", max_bytes=256)
    cause = params.text(raw, "cause", default="", max_bytes=32 * 1024)
    text = f"{error}: {cause}" if error and cause else error
    return SummaryRequest(
        settings,
        read_state(state_value, scope),
        scope,
        "failed" if error else "done",
        text[:2000],
        error,
        _execution_name(raw),
    )


@dataclass(frozen=True)
class NotifyRequest:
    """The main flow's end, as the notify function receives it: where to post, and the run's summary."""

    url: str
    summary: Mapping[str, Any]
    execution_name: str | None
    format: str = "json"  # the webhook's message format (`notice_formats`)


def notify_request(raw: Mapping[str, Any]) -> NotifyRequest:
    settings = settings_of(raw)
    if not settings.notify_url:
        raise InvalidParameter("notifyUrl", "an http:// or https:// URL (the flow calls notify only with one)", "")
    summary = raw.get("summary")
    if not isinstance(summary, Mapping):
        raise InvalidParameter("summary", "the run's summary (what summarize returned)", summary)
    return NotifyRequest(settings.notify_url, summary, _execution_name(raw), settings.notify_format)
