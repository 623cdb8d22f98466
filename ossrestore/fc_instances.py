"""Function Compute instances for local runs: every handler call runs in a worker process.

FC runs concurrent invocations in separate instances, each a process with its own interpreter and its
own module state (the handlers' shared connection pool, for one). Run as threads of the command's own
process they would share one interpreter lock, and a local run would crawl on one core where the
cloud spreads the same work over many instances. The call crosses the boundary the way it crosses FC:
JSON bytes in, a response body out, and an unhandled exception comes back as its type name and
message (FC's `errorType` / `errorMessage`), raised here as an exception of that name.

Instances never outlive the command. Ctrl-C reaches the whole process group; instances ignore SIGINT
(from the moment they are forked: `ossrestore.instance_preload`), so only the command decides what
an interruption does. Each instance holds the read end of a pipe whose only write end is the
command's (its "lifeline"): when the command closes it, or dies even by SIGKILL, the read sees EOF and
the instance exits at once. Then the fork server (alive while any instance holds its descriptor) and
multiprocessing's resource tracker (alive while any process holds its pipe) see EOF and exit too.
"""

from __future__ import annotations

import contextlib
import importlib
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing.connection import Connection
from types import SimpleNamespace
from typing import Any

from ossrestore.paths import handler_module
from restore_core import stopping
from restore_core.deadline import TIME_SCALE_ENV
from restore_core.rate import CONCURRENT_INVOCATIONS_ENV

_error_types: dict[str, type[Exception]] = {}
HURRIED_SECONDS = 1.0


def _start_instance(lifeline: Connection, count: int, environment: dict[str, str]) -> None:
    # Spawned (not forked from the preloaded server) an instance learns to ignore Ctrl-C only here.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # SIGTERM from the command (an interruption): stop sending at once, keep the journal (restore_core.stopping).
    signal.signal(signal.SIGTERM, _stop_sending)
    # The function's environment variables, as FC sets them; an instance forked from a server started
    # earlier would otherwise see that server's environment, not the command's.
    os.environ.update(environment)
    # Unlike FC, where each of a foreach's invocations gets an instance, at most `count` run at once
    # here: the handlers split the request budget over that many (`restore_core.rate`).
    os.environ[CONCURRENT_INVOCATIONS_ENV] = str(count)
    threading.Thread(target=_exit_with_the_command, args=(lifeline,), name="lifeline", daemon=True).start()


def _stop_sending(_signum: int, _frame: Any) -> None:
    stopping.request()


def _function_environment() -> dict[str, str]:
    """The command's settings the handlers read from their environment (emulator runs only)."""
    return {name: os.environ[name] for name in (TIME_SCALE_ENV,) if name in os.environ}


def _exit_with_the_command(lifeline: Connection) -> None:
    """Block until the command closes its end of the lifeline (or dies), then end this instance."""
    with contextlib.suppress(EOFError, OSError):
        lifeline.recv_bytes()
    os._exit(0)  # a call in flight is abandoned, as FC abandons an instance whose caller went away


def _invoke(
    module_name: str,
    event: bytes,
    credentials: tuple[str, str, str] | None,
    request_id: str,
    function_name: str,
    ends_at: float | None = None,
) -> tuple[str, Any]:
    """Runs in the instance: the handler as FC's runtime calls it. `ends_at` (wall clock): when the
    caller's timeout for the call ends. Unlike FC, a call may wait here for a free instance, and the
    caller's timeout runs while it waits: the handler gets what is left as its `function.timeout`."""
    function = SimpleNamespace(name=function_name)
    if ends_at is not None:
        function.timeout = max(0.001, ends_at - time.time())
    context = SimpleNamespace(request_id=request_id, function=function)
    if credentials is not None:
        context.credentials = SimpleNamespace(
            access_key_id=credentials[0], access_key_secret=credentials[1], security_token=credentials[2]
        )
    try:
        return "ok", importlib.import_module(handler_module(module_name)).handler(event, context)
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
            multiprocessing.set_forkserver_preload(["ossrestore.instance_preload", "oss2", "ossrestore.fc_instances"])
        lifeline, self._lifeline = context.Pipe(duplex=False)  # instances read, only this process writes
        self._pool = ProcessPoolExecutor(
            max_workers=count,
            # never plain fork: the engine's threads may hold locks at the moment a fork would copy them.
            mp_context=context,
            initializer=_start_instance,
            initargs=(lifeline, count, _function_environment()),
        )
        self._in_flight: set[Future[Any]] = set()
        self._lock = threading.Lock()

    def handler(self, module_name: str) -> Callable[[bytes, Any], Any]:
        def call(event: bytes, context: Any) -> Any:
            creds = getattr(context, "credentials", None)
            secret = (creds.access_key_id, creds.access_key_secret, creds.security_token or "") if creds else None
            meta = getattr(context, "function", None)
            function = getattr(meta, "name", module_name)
            timeout = getattr(meta, "timeout", None)
            ends_at = time.time() + timeout if isinstance(timeout, (int, float)) and timeout > 0 else None
            future = self._pool.submit(
                _invoke, module_name, event, secret, getattr(context, "request_id", ""), function, ends_at
            )
            with self._lock:
                self._in_flight.add(future)
            future.add_done_callback(self._done)
            kind, payload = future.result()
            if kind == "error":
                raise error_named(payload[0])(payload[1])
            return payload

        return call

    def _done(self, future: Future[Any]) -> None:
        with self._lock:
            self._in_flight.discard(future)

    def _running(self) -> bool:
        with self._lock:
            return any(not f.done() for f in self._in_flight)

    def close(self, *, grace: float | None = None, hurry: threading.Event | None = None) -> None:
        """Stop the instances. grace=None: let every call submitted finish (a normal end). Otherwise
        (an interruption) calls not started are cancelled, those running are told to send nothing more
        (`restore_core.stopping`) and get `grace` seconds to journal what OSS answered them (at most
        HURRIED_SECONDS more once `hurry` is set), and then the instances exit whatever they are doing."""
        if self._lifeline.closed:
            return
        if grace is not None:
            self._tell_instances_to_stop()  # first: shutdown() forgets the processes
            self._pool.shutdown(wait=False, cancel_futures=True)
            hurry = hurry or threading.Event()
            deadline = time.monotonic() + grace
            # Polled, not concurrent.futures.wait: that never counts a future cancelled by shutdown() as done.
            while self._running() and time.monotonic() < deadline:
                if hurry.wait(0.05):
                    # A second Ctrl-C: still long enough for a stopped call to write its journal (a restore OSS
                    # accepted and nobody recorded would be paid for and missing from the partial report).
                    deadline = min(deadline, time.monotonic() + HURRIED_SECONDS)
                    hurry = threading.Event()
            self._lifeline.close()
        self._pool.shutdown(wait=True, cancel_futures=True)
        if not self._lifeline.closed:  # last: an interruption during the shutdown above can still close with grace
            self._lifeline.close()

    def _tell_instances_to_stop(self) -> None:
        """SIGTERM to each instance: the calls running send nothing more and return with what they learned."""
        # ProcessPoolExecutor names its processes only in this attribute (typeshed declares it).
        for process in list((self._pool._processes or {}).values()):
            if process.pid is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(process.pid, signal.SIGTERM)

    def __enter__(self) -> FunctionInstances:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
