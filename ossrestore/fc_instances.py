"""Function Compute instances for local runs: every handler call runs in a worker process.

FC runs concurrent invocations in separate instances, each a process with its own interpreter and its
own module state (the handlers' shared connection pool, for one). Run as threads of the command's own
process they would share one interpreter lock, and a local run would crawl on one core where the
cloud spreads the same work over many instances. The call crosses the boundary the way it crosses FC:
JSON bytes in, a response body out, and an unhandled exception comes back as its type name and
message (FC's `errorType` / `errorMessage`), raised here as an exception of that name.
"""
from __future__ import annotations

import importlib
import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from types import SimpleNamespace
from typing import Any, Callable

from ossrestore.paths import FUNCTIONS_DIR

_error_types: dict[str, type[Exception]] = {}


def _start_instance(functions_dir: str) -> None:
    if functions_dir not in sys.path:
        sys.path.insert(0, functions_dir)


def _invoke(
    module_name: str, event: bytes, credentials: tuple[str, str, str] | None, request_id: str, function_name: str
) -> tuple[str, Any]:
    """Runs in the instance: the handler as FC's runtime calls it."""
    context = SimpleNamespace(request_id=request_id, function=SimpleNamespace(name=function_name))
    if credentials is not None:
        context.credentials = SimpleNamespace(
            access_key_id=credentials[0], access_key_secret=credentials[1], security_token=credentials[2]
        )
    try:
        return "ok", importlib.import_module(module_name).handler(event, context)
    except Exception as e:  # FC reports any unhandled exception by its class name and message
        return "error", (type(e).__name__, str(e))


def error_named(name: str) -> type[Exception]:
    """An exception class named after FC's errorType, so the flow's retry and catch match it."""
    if name not in _error_types:
        _error_types[name] = type(name, (Exception,), {"__module__": "fc"})
    return _error_types[name]


class FunctionInstances:
    """A pool of worker processes standing in for FC instances, shared by the three functions."""

    def __init__(self, *, processes: int | None = None) -> None:
        # One per core (at most 8): each instance already overlaps its waits on OSS with its `workers` threads, and
        # more processes than cores only add switching (measured: 2 beat 4 and 6 on two cores).
        count = processes or max(2, min(8, os.cpu_count() or 1))
        # forkserver where the platform has it (forks from a clean, preloaded process), spawn elsewhere.
        forkserver = "forkserver" in multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("forkserver" if forkserver else "spawn")
        if forkserver:
            multiprocessing.set_forkserver_preload(["oss2", "ossrestore.fc_instances"])
        self._pool = ProcessPoolExecutor(
            max_workers=count,
            # never plain fork: the engine's threads may hold locks at the moment a fork would copy them.
            mp_context=context,
            initializer=_start_instance,
            initargs=(str(FUNCTIONS_DIR),),
        )

    def handler(self, module_name: str) -> Callable[[bytes, Any], Any]:
        def call(event: bytes, context: Any) -> Any:
            creds = getattr(context, "credentials", None)
            secret = (creds.access_key_id, creds.access_key_secret, creds.security_token or "") if creds else None
            function = getattr(getattr(context, "function", None), "name", module_name)
            kind, payload = self._pool.submit(
                _invoke, module_name, event, secret, getattr(context, "request_id", ""), function
            ).result()
            if kind == "error":
                raise error_named(payload[0])(payload[1])
            return payload

        return call

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> "FunctionInstances":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
