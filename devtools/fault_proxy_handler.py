"""The HTTP side of a :class:`.fault_proxy.FaultProxy`: the server and its request handler.

Each request is read whole, then either answered by an injected fault (the proxy's
:meth:`~.fault_proxy.FaultProxy.decide`) or forwarded with its method, path and
query, headers (``Host`` rewritten, hop-by-hop headers dropped) and body; answers come
back with a ``Content-Length``. The upstream's own URL in answers (``Location``,
``links``, asset ``href`` …) is rewritten to the proxy's, so clients keep going
through the proxy. ``/_proxy/…`` is the proxy's own control API
(:mod:`.fault_proxy_control`), never forwarded.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import struct
import traceback
import urllib.parse
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING

from devtools.fault_proxy_control import CONTROL, control_answer

if TYPE_CHECKING:
    from devtools.fault_proxy import FaultProxy

#: headers that belong to one connection, not to the request or answer (RFC 9110 7.6.1)
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)
TEXTUAL = ("json", "text/", "xml", "javascript", "html")


class ProxyServer(ThreadingHTTPServer):
    """One daemon thread per client connection (an idle keep-alive connection never
    holds up the process), and the proxy whose faults and counters they use."""

    daemon_threads = True
    allow_reuse_address = True
    proxy: FaultProxy


class _ClientGoneError(Exception):
    pass


class ProxyHandler(BaseHTTPRequestHandler):
    """One client connection's requests, each answered by an injected fault or by the
    upstream."""

    protocol_version = "HTTP/1.1"
    server_version = "FaultProxy/1"
    timeout = 300  # an idle keep-alive connection is closed after this
    server: ProxyServer

    @property
    def proxy(self) -> FaultProxy:
        return self.server.proxy

    def setup(self) -> None:
        super().setup()
        # headers and body go out in separate writes: no Nagle wait for the client's ACK
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.proxy.add_connection(self.connection)

    def finish(self) -> None:
        self.proxy.discard_connection(self.connection)
        with contextlib.suppress(OSError, ValueError):  # reset or hung up on purpose
            super().finish()

    def log_message(self, format: str, *args: object) -> None:
        pass  # no line per request

    # --- reading ----------------------------------------------------------------------
    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size_line = self.rfile.readline(65537)
                if not size_line:
                    raise _ClientGoneError
                size = int(size_line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                chunk = self.rfile.read(size)
                self.rfile.readline(65537)
                if len(chunk) < size:
                    raise _ClientGoneError
                chunks.append(chunk)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        if len(body) < length:
            raise _ClientGoneError
        return body

    def _forward_headers(self) -> list[tuple[str, str]]:
        named_in_connection = {
            token.strip().lower() for token in self.headers.get("Connection", "").split(",")
        }
        skip = HOP_BY_HOP | named_in_connection | {"host", "content-length", "accept-encoding"}
        skip |= {"expect"}  # the body goes along at once
        return [(k, v) for k, v in self.headers.items() if k.lower() not in skip]

    # --- writing ----------------------------------------------------------------------
    def _send(
        self,
        status: int,
        headers: list[tuple[str, str]],
        body: bytes,
        reason: str | None = None,
        upstream: bool = False,
    ) -> None:
        try:
            if upstream:
                self.send_response_only(status, reason)
            else:
                self.send_response(status, reason)
            for name, value in headers:
                self.send_header(name, value)
            no_body_allowed = status in (204, 304) or status < 200
            has_length = any(name.lower() == "content-length" for name, _ in headers)
            if not (no_body_allowed or has_length):
                self.send_header("Content-Length", str(len(body)))
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            if not (no_body_allowed or self.command == "HEAD"):
                self.wfile.write(body)
            self.wfile.flush()
        except OSError:
            self.close_connection = True
            self.proxy.count(self.command, "undelivered")

    def _send_json(
        self, status: int, payload: object, extra: Iterable[tuple[str, str]] = ()
    ) -> None:
        body = json.dumps(payload).encode()
        self._send(status, [("Content-Type", "application/json"), *extra], body)

    def _openeo_error(self, status: int, code: str, message: str, extra=()) -> None:
        self._send_json(status, {"code": code, "message": message}, extra)

    def _reset(self) -> None:
        """Close the client connection abruptly: RST where the platform allows."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.rfile.close()  # the makefile() reference would keep the socket open
        self.connection.close()

    def _hang_up(self) -> None:
        """Close the client connection without an answer (FIN)."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    # --- dispatch ---------------------------------------------------------------------
    def _handle(self) -> None:
        try:
            self._proxy_request()
        except Exception:  # a bug of the proxy, not an injected fault: say so
            traceback.print_exc()
            self.close_connection = True
            self._openeo_error(500, "FaultProxyBug", "the fault proxy itself failed")

    def _proxy_request(self) -> None:
        proxy = self.proxy
        try:
            body = self._read_body()
        except (_ClientGoneError, ValueError, OSError):
            self.close_connection = True
            return
        if self.path.startswith("/"):
            forward_target = self.path
        else:  # only ever the upstream: an absolute-form target keeps its path and query
            target = urllib.parse.urlsplit(self.path)
            forward_target = (target.path or "/") + (f"?{target.query}" if target.query else "")
        path = forward_target.split("?", 1)[0]
        if path.startswith(CONTROL):
            self._control(path, body)
            return
        method = self.command.upper()
        proxy.count(method, "requests")
        decision = proxy.decide(method, path)
        if decision.fault == "outage":
            proxy.count(method, "outage")
            if decision.status is None:
                self._reset()
            else:
                self._openeo_error(
                    decision.status,
                    "ServiceUnavailable" if decision.status >= 500 else "TooManyRequests",
                    "injected outage (fault proxy)",
                )
            return
        if decision.fault == "reset":
            proxy.count(method, "reset")
            self._reset()
            return
        if decision.fault == "error_5xx":
            proxy.count(method, "error_5xx")
            self._openeo_error(
                decision.status, "ServiceUnavailable", "injected server error (fault proxy)"
            )
            return
        if decision.fault == "rate_429":
            proxy.count(method, "rate_429")
            retry_after = f"{decision.retry_after:g}"
            self._openeo_error(
                429,
                "TooManyRequests",
                "injected rate limit (fault proxy)",
                [("Retry-After", retry_after)],
            )
            return
        if decision.delay:
            proxy.count(method, "delay")
            if proxy.stopping.wait(decision.delay):
                self._hang_up()
                return
        try:
            status, reason, headers, data = proxy.forward(
                method, forward_target, self._forward_headers(), body
            )
        except (OSError, http.client.HTTPException) as exc:
            proxy.count(method, "upstream_error")
            self._openeo_error(502, "BadGateway", f"upstream unreachable (fault proxy): {exc}")
            return
        proxy.count(method, "forwarded")
        if decision.fault == "lost_answer":
            proxy.count(method, "lost_answer")
            self._hang_up()
            return
        keep_length = self.command == "HEAD"  # the length of the body a GET would get
        headers = [
            (name, proxy.rewrite(value.encode("latin-1")).decode("latin-1"))
            for name, value in headers
            if name.lower() not in HOP_BY_HOP and (keep_length or name.lower() != "content-length")
        ]
        content_type = next((v for k, v in headers if k.lower() == "content-type"), "")
        if any(t in content_type.lower() for t in TEXTUAL):
            data = proxy.rewrite(data)
        self._send(status, headers, data, reason, upstream=True)

    def _control(self, path: str, body: bytes) -> None:
        self._send_json(*control_answer(self.proxy, self.command, path, body))

    def do_GET(self) -> None:
        self._handle()

    def do_HEAD(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def do_PATCH(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    def do_OPTIONS(self) -> None:
        self._handle()
