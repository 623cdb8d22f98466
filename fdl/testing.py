"""Helpers for tests that run flows against fake functions registered under their real names."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from fdl.engine import Engine
from fdl.loader import load_flow
from fdl.model import Flow
from fdl.registry import Handler, Registry


def function_arn(function: str, *, service: str = "svc", region: str = "", account: str = "") -> str:
    return f"acs:fc:{region}:{account}:services/{service}/functions/{function}"


def json_handler(fn: Callable[[dict[str, Any]], Any]) -> Handler:
    """Adapt `fn(event_dict) -> dict` to an FC handler (JSON bytes in, JSON string out)."""

    def handler(event: bytes, context: Any) -> str:
        return json.dumps(fn(json.loads(event)))

    handler.__name__ = getattr(fn, "__name__", "handler")
    return handler


def engine_for(
    flows: Mapping[str, str | Path | Flow],
    functions: Mapping[str, Handler] | None = None,
    *,
    variables: Mapping[str, str] | None = None,
    **engine_options: Any,
) -> Engine:
    """An engine whose registry holds `flows` (YAML text, file or Flow) and `functions` (ARN or bare name → handler)."""
    registry = Registry()
    for name, flow in flows.items():
        registry.add_flow(
            name,
            flow
            if isinstance(flow, Flow)
            else load_flow(flow, name=None if isinstance(flow, Path) else f"{name}.yaml", variables=variables),
        )
    for name, handler in (functions or {}).items():
        registry.add_function(name if name.startswith("acs:") else function_arn(name), handler)
    return Engine(registry, **engine_options)
