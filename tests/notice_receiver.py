"""A loopback HTTP receiver for completion notices: records every request, answers as scripted."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    port: int
    answers: list[int] = field(default_factory=list)  # statuses answered in turn; 200 once they run out
    bodies: list[bytes] = field(default_factory=list)  # bodies answered in turn; b"ok" once they run out
    requests: list[Received] = field(default_factory=list)

    def url(self, path: str = "/hook", *, userinfo: str = "") -> str:
        at = f"{userinfo}@" if userinfo else ""
        return f"http://{at}127.0.0.1:{self.port}{path}"


@contextmanager
def receiver(answers: list[int] | None = None, bodies: list[bytes] | None = None) -> Iterator[Receiver]:
    state = Receiver(port=0, answers=list(answers or []), bodies=list(bodies or []))
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def _record(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            with lock:
                state.requests.append(Received(self.command, self.path, dict(self.headers.items()), body))
                status = state.answers.pop(0) if state.answers else 200
                answer = state.bodies.pop(0) if state.bodies else b"ok"
            self.send_response(status)
            if 300 <= status < 400:
                self.send_header("Location", f"http://127.0.0.1:{state.port}/elsewhere")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        do_POST = do_GET = _record

        def log_message(self, format: str, *args: object) -> None:  # the base class names it format
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
