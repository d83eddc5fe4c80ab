"""A counting forward HTTP proxy on 127.0.0.1: what a company proxy is to the plugin.

Clients are configured to use it (QGIS's Settings → Options → Network, or
``HTTP_PROXY``) and send it absolute-URI requests (``GET http://host:port/path``),
which it forwards to that host, or ``CONNECT host:port`` (https), which it tunnels.
It counts every request per target host and path, so a test can tell that every
request a client made passed through it (compare with what the server served), and
it can ask for a login (``Proxy-Authorization: Basic``, 407 otherwise), like a
company proxy with user names.

In-process (tests)::

    with ForwardProxy(username="alice", password="s3cret") as proxy:
        ...  # clients use proxy.host, proxy.port
        proxy.count(host="127.0.0.1:8080")  # requests forwarded to that host
        proxy.records()  # every request: method, host, path, status, authorized

From a shell (stdlib only)::

    python -m devtools.forward_proxy --port 3128 [--username U --password P]

prints ``forward proxy ready at <url>`` and runs until SIGINT/SIGTERM, with one line
per request on stderr.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import contextlib
import http.client
import select
import signal
import socket
import sys
import threading
import urllib.parse
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

READY_PREFIX = "forward proxy ready at "
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
CHUNK = 64 * 1024


@dataclass(frozen=True)
class Record:
    """One request the proxy received."""

    method: str
    #: the target, ``host:port``
    host: str
    #: the target's path (no query); empty for CONNECT
    path: str
    #: what the proxy answered (the target's status, 407, 502...)
    status: int
    #: it carried the proxy login asked for (True when none is asked)
    authorized: bool


class ForwardProxy:
    """Start with ``with`` (or :meth:`start`); :attr:`url` is where clients send requests."""

    def __init__(
        self,
        *,
        port: int = 0,
        username: str | None = None,
        password: str | None = None,
        upstream_timeout: float = 120.0,
        verbose: bool = False,
    ) -> None:
        self.username = username
        self.password = password
        self.upstream_timeout = upstream_timeout
        self.verbose = verbose
        self._lock = threading.Lock()
        self._records: list[Record] = []
        self._server = _Server(("127.0.0.1", port), _Handler)
        self._server.proxy = self
        self.host, self.port = self._server.server_address[:2]
        self.url = f"http://{self.host}:{self.port}"
        self._thread: threading.Thread | None = None

    # --- life --------------------------------------------------------------------------
    def start(self) -> ForwardProxy:
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="forward-proxy", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(5)

    def __enter__(self) -> ForwardProxy:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # --- what passed ---------------------------------------------------------------------
    def records(self) -> list[Record]:
        with self._lock:
            return list(self._records)

    def reset(self) -> None:
        with self._lock:
            self._records.clear()

    def count(
        self, *, host: str | None = None, path_prefix: str = "", method: str | None = None
    ) -> int:
        """Requests received for ``host`` (``host:port``; None: any), whose path starts
        with ``path_prefix``, of ``method`` (None: any)."""
        return sum(
            1
            for r in self.records()
            if (host is None or r.host == host)
            and r.path.startswith(path_prefix)
            and (method is None or r.method == method)
        )

    def per_target(self) -> Counter[tuple[str, str]]:
        """Requests per (host, path)."""
        return Counter((r.host, r.path) for r in self.records())

    def authorized(self, header: str | None) -> bool:
        if self.username is None:
            return True
        if not header or not header.lower().startswith("basic "):
            return False
        try:
            given = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return False
        return given == f"{self.username}:{self.password or ''}"

    def _record(self, record: Record) -> None:
        with self._lock:
            self._records.append(record)
        if self.verbose:
            print(
                f"{record.method} {record.host}{record.path} -> {record.status}",
                file=sys.stderr,
                flush=True,
            )


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    proxy: ForwardProxy


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ForwardProxy/1"
    timeout = 300  # an idle keep-alive connection is closed after this
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        pass

    # --- plain http: an absolute URI --------------------------------------------------
    def _forward(self) -> None:
        proxy = self.server.proxy
        target = urllib.parse.urlsplit(self.path)
        body = self._body()
        if target.scheme != "http" or not target.hostname:
            self._answer(400, b"This is a forward proxy: send absolute http:// URIs.\n")
            proxy._record(Record(self.command, "", self.path, 400, False))
            return
        host = f"{target.hostname}:{target.port or 80}"
        ok = proxy.authorized(self.headers.get("Proxy-Authorization"))
        if not ok:
            self._ask_login()
            proxy._record(Record(self.command, host, target.path, 407, False))
            return
        path = target.path or "/"
        if target.query:
            path += "?" + target.query
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        upstream = http.client.HTTPConnection(
            target.hostname, target.port or 80, timeout=proxy.upstream_timeout
        )
        try:
            upstream.request(self.command, path, body=body, headers=headers)
            answer = upstream.getresponse()
        except OSError as exc:
            upstream.close()
            self._answer(502, f"Cannot reach {host}: {exc}\n".encode())
            proxy._record(Record(self.command, host, target.path, 502, True))
            return
        # recorded before the answer goes back: a client that has its answer finds its
        # record (recorded after, a test on a busy machine looked before it was there)
        proxy._record(Record(self.command, host, target.path, answer.status, True))
        try:
            self._relay(answer)
        finally:
            upstream.close()

    def _body(self) -> bytes | None:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            parts = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else None

    def _relay(self, answer: http.client.HTTPResponse) -> None:
        self.send_response_only(answer.status, answer.reason)
        for key, value in answer.getheaders():
            if key.lower() not in HOP_BY_HOP and key.lower() != "content-length":
                self.send_header(key, value)
        length = answer.getheader("Content-Length")
        no_body = self.command == "HEAD" or answer.status in (204, 304) or answer.status < 200
        if no_body:  # the upstream's length says what a GET would bring (ranged downloads)
            if length is not None:
                self.send_header("Content-Length", length)
            self.end_headers()
            return
        if length is None:  # chunked or until close: read it all, send it with a length
            data = answer.read()
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        self.send_header("Content-Length", length)
        self.end_headers()
        left = int(length)
        while left > 0:
            chunk = answer.read(min(CHUNK, left))
            if not chunk:
                self.close_connection = True  # the upstream cut it short: so do we
                return
            self.wfile.write(chunk)
            left -= len(chunk)

    def _answer(self, status: int, text: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response_only(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(text)))
        self.end_headers()
        self.wfile.write(text)

    def _ask_login(self) -> None:
        self._answer(
            407,
            b"Proxy login required.\n",
            {"Proxy-Authenticate": 'Basic realm="forward proxy"'},
        )

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _forward  # noqa: N815

    # --- https: a tunnel -----------------------------------------------------------------
    def do_CONNECT(self) -> None:
        proxy = self.server.proxy
        host, _, port = self.path.rpartition(":")
        target = f"{host}:{port}"
        if not proxy.authorized(self.headers.get("Proxy-Authorization")):
            self._ask_login()
            proxy._record(Record("CONNECT", target, "", 407, False))
            return
        try:
            far = socket.create_connection((host.strip("[]"), int(port)), timeout=10)
        except (OSError, ValueError) as exc:
            self._answer(502, f"Cannot reach {target}: {exc}\n".encode())
            proxy._record(Record("CONNECT", target, "", 502, True))
            return
        proxy._record(Record("CONNECT", target, "", 200, True))
        self.send_response_only(200, "Connection established")
        self.end_headers()
        self.wfile.flush()
        self.close_connection = True
        near = self.connection
        with far:
            far.settimeout(None)
            pair = {near: far, far: near}
            while True:
                readable, _, broken = select.select(list(pair), [], list(pair), 300)
                if broken or not readable:
                    return
                for sock in readable:
                    try:
                        data = sock.recv(CHUNK)
                    except OSError:
                        return
                    if not data:
                        return
                    pair[sock].sendall(data)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--username")
    parser.add_argument("--password")
    args = parser.parse_args(argv)
    proxy = ForwardProxy(
        port=args.port, username=args.username, password=args.password, verbose=True
    )
    done = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: done.set())
    with proxy:
        print(READY_PREFIX + proxy.url, flush=True)
        done.wait()
    return 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
