"""HTTP/1.1 keep-alive transport for `Service`: a threading server, one daemon thread per connection."""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from ossemu.formats import http_date
from ossemu.protocol import Request, Response
from ossemu.service import Service

_LOGGER = logging.getLogger(__name__)
_LOGGER.addHandler(logging.NullHandler())

_REASONS = {
    200: "OK",
    202: "Accepted",
    204: "No Content",
    206: "Partial Content",
    304: "Not Modified",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    411: "Length Required",
    412: "Precondition Failed",
    416: "Requested Range Not Satisfiable",
    500: "Internal Server Error",
    501: "Not Implemented",
    503: "Service Unavailable",
}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "AliyunOSS"
    # Headers and body go out in one write, and Nagle must not hold a small response back.
    disable_nagle_algorithm = True
    server: OssHTTPServer

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, add=False)

    def log_message(self, format: str, *args: object) -> None:  # `format`: the base class names it
        _LOGGER.debug("%s " + format, self.address_string(), *args)

    def handle_one_request(self) -> None:
        # A lean parser instead of the base class's email-based one: it is most of the per-request cost.
        line = self.rfile.readline(65537)
        if not line or len(line) > 65536:
            self.close_connection = True
            return
        parts = line.decode("latin-1").split()
        if len(parts) != 3 or not parts[2].startswith("HTTP/"):
            self.close_connection = True
            return
        self.command, self.path, version = parts
        headers: dict[str, str] = {}
        while True:
            raw = self.rfile.readline(65537)
            if raw in (b"\r\n", b"\n", b""):
                break
            name, _, value = raw.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        connection = headers.get("connection", "").lower()
        self.close_connection = connection == "close" or (version == "HTTP/1.0" and connection != "keep-alive")
        req = Request(self.command, self.path, headers, self._read_body(headers))
        resp = self.server.service.handle(req)
        if resp is None:
            self.close_connection = True
            return
        self._write(resp, head=self.command == "HEAD")

    def _read_body(self, headers: dict[str, str]) -> bytes:
        if headers.get("transfer-encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(headers.get("content-length") or 0)
        return self.rfile.read(length) if length else b""

    def _write(self, resp: Response, *, head: bool) -> None:
        h = resp.headers
        h.setdefault("Content-Length", str(len(resp.body)))
        h["Date"] = http_date(self.server.wall())
        h["Server"] = self.server_version
        h["Connection"] = "close" if self.close_connection else "keep-alive"
        lines = [f"HTTP/1.1 {resp.status} {_REASONS.get(resp.status, 'Unknown')}"]
        lines.extend(f"{k}: {v}" for k, v in h.items())
        data = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")
        if head:
            self.wfile.write(data)
        elif isinstance(resp.body, bytes):
            self.wfile.write(data + resp.body)
        else:  # an object's body: a chunk at a time, so a GB object never sits in memory whole
            self.wfile.write(data)
            for chunk in resp.body.chunks():
                self.wfile.write(chunk)


class OssHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, address: tuple[str, int], service: Service, wall: Callable[[], float] = time.time) -> None:
        self.service = service
        self.wall = wall
        self._connections: set[socket.socket] = set()
        self._conn_lock = threading.Lock()
        super().__init__(address, _Handler)

    def handle_error(self, request: object, client_address: object) -> None:
        # Clients that hang up mid-request are normal under fault injection; log, do not print.
        _LOGGER.debug("connection from %s ended with an error", client_address, exc_info=True)

    def track(self, conn: socket.socket, *, add: bool) -> None:
        with self._conn_lock:
            (self._connections.add if add else self._connections.discard)(conn)

    def close_connections(self) -> None:
        """End idle keep-alive connections so nothing is served after stop()."""
        with self._conn_lock:
            conns = list(self._connections)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
