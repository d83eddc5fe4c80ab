"""A seeded fault-injecting HTTP/1.1 reverse proxy on 127.0.0.1, in front of one loopback URL.

Puts the network between a client and the local openEO back-end on purpose: 5xx
answers, 429 with ``Retry-After``, connections reset before the request reaches the
back-end, answers lost after the back-end acted, slow requests, and outages. Every
decision comes from one ``random.Random(seed)`` drawn under a lock, so a seed
reproduces the sequence of decisions (for a given order of requests).

In-process (tests)::

    with FaultProxy(local_backend.url, Faults(lost_answer=0.5, methods={"POST"}), seed=1) as p:
        con = openeo.connect(p.url, retry=False)  # the client only ever sees the proxy
        ...
        p.set_faults(Faults())  # or POST /_proxy/faults on the proxy
        p.outage(5, methods={"POST"})  # POSTs get 503 for 5 s
        p.stats()  # or GET /_proxy/stats

From a shell (any venv; stdlib only)::

    python -m devtools.fault_proxy --upstream http://127.0.0.1:8080 --seed 3 --error-5xx 0.1

prints ``fault proxy ready at <url>`` and runs until SIGINT/SIGTERM.

Requests are forwarded with their method, path and query, headers (``Host`` rewritten,
hop-by-hop headers dropped) and body; answers come back with a ``Content-Length``.
The upstream's own URL in answers (``Location``, ``links``, asset ``href`` …) is
rewritten to the proxy's, so clients keep going through the proxy. Requests to
``/_local/…`` (the local back-end's test helpers) are never faulted; ``/_proxy/…``
is the proxy's own control API (never forwarded):

- ``GET /_proxy/stats``, ``POST /_proxy/reset_stats``;
- ``GET /_proxy/faults``, ``POST /_proxy/faults`` (JSON fields of :class:`Faults`,
  ``methods`` as a list; a ``seed`` field re-seeds);
- ``POST /_proxy/outage`` ``{"seconds": 5, "methods": ["POST"], "status": 503}``
  (``status: null`` resets connections), ``POST /_proxy/end_outage``;
- ``GET /_proxy/decisions``: the latest decisions, oldest first.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import http.client
import ipaddress
import json
import random
import re
import signal
import socket
import struct
import threading
import time
import traceback
import urllib.parse
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Callable

READY_PREFIX = "fault proxy ready at "

#: the fault kinds, as counted by :meth:`FaultProxy.stats`
FAULT_KINDS = ("error_5xx", "rate_429", "reset", "lost_answer", "delay", "outage")
#: other counters of :meth:`FaultProxy.stats`
COUNTERS = ("requests", "forwarded", *FAULT_KINDS, "upstream_error", "undelivered")

ERROR_STATUSES = (500, 502, 503)
LOCAL_HELPERS = "/_local/"
CONTROL = "/_proxy/"

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


def _is_loopback_host(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass
class Faults:
    """What goes wrong, per request. The fractions of ``error_5xx``, ``rate_429``,
    ``reset`` and ``lost_answer`` exclude each other (their sum is at most 1);
    ``delay`` is drawn independently and applies to requests that are forwarded."""

    #: fraction answered 500/502/503 (one of the three at random) without forwarding
    error_5xx: float = 0.0
    #: fraction answered 429 with ``Retry-After: <retry_after>`` without forwarding
    rate_429: float = 0.0
    #: seconds in ``Retry-After`` (sent as ``1``, ``0.5``…; HTTP itself only allows
    #: whole seconds, and urllib3's retry refuses fractions)
    retry_after: float = 1.0
    #: fraction whose connection is reset (RST) before anything is forwarded
    reset: float = 0.0
    #: fraction forwarded, answered by the upstream, then closed without an answer
    lost_answer: float = 0.0
    #: fraction held back uniform(0, ``max_delay``) seconds before being forwarded
    #: (forwarded even if the client has gone meanwhile)
    delay: float = 0.0
    max_delay: float = 2.0
    #: only requests with one of these methods are faulted (``None``: all)
    methods: set[str] | None = None
    #: only requests whose path (no query) matches this regex (``re.search``) are faulted;
    #: note that openEO clients call ``/openeo/1.2/jobs``, so e.g. ``r"/jobs$"``
    paths: str | None = None

    def __post_init__(self) -> None:
        for name in ("error_5xx", "rate_429", "reset", "lost_answer", "delay"):
            value = float(getattr(self, name))
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be a fraction from 0 to 1, not {value}")
            setattr(self, name, value)
        if self.error_5xx + self.rate_429 + self.reset + self.lost_answer > 1.0 + 1e-9:
            raise ValueError("error_5xx + rate_429 + reset + lost_answer must be at most 1")
        self.retry_after = float(self.retry_after)
        self.max_delay = float(self.max_delay)
        if self.retry_after < 0 or self.max_delay < 0:
            raise ValueError("retry_after and max_delay must not be negative")
        if self.methods is not None:
            if isinstance(self.methods, str):
                raise ValueError("methods must be a set of method names, not a string")
            self.methods = {str(m).upper() for m in self.methods}
        if self.paths is not None:
            re.compile(self.paths)  # fail early on a bad regex

    def applies_to(self, method: str, path: str) -> bool:
        if self.methods is not None and method.upper() not in self.methods:
            return False
        return self.paths is None or re.search(self.paths, path) is not None

    @classmethod
    def from_dict(cls, values: dict) -> Faults:
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = set(values) - names
        if unknown:
            raise ValueError(f"unknown fault fields: {sorted(unknown)}")
        return cls(**values)

    def as_dict(self) -> dict:
        values = dataclasses.asdict(self)
        if self.methods is not None:
            values["methods"] = sorted(self.methods)
        return values


@dataclass(frozen=True)
class Decision:
    """What happens to one request: ``fault`` is one of :data:`FAULT_KINDS` or ``None``
    (forwarded untouched); ``status`` the injected status (``None``: connection reset
    or forwarded); ``delay`` seconds held back before forwarding; ``retry_after`` the
    ``Retry-After`` seconds of a 429."""

    fault: str | None = None
    status: int | None = None
    delay: float = 0.0
    retry_after: float | None = None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    proxy: FaultProxy


class FaultProxy:
    """The proxy, serving from daemon threads as soon as it is made; a context manager."""

    def __init__(
        self,
        upstream: str,
        faults: Faults | None = None,
        seed: int = 0,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Callable[[], float] = time.monotonic,
        upstream_timeout: float = 120.0,
        keep_decisions: int = 10_000,
    ) -> None:
        parts = urllib.parse.urlsplit(upstream)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"upstream must be an http:// URL, not {upstream!r}")
        if not _is_loopback_host(parts.hostname):
            raise ValueError(f"upstream must be on loopback, not {parts.hostname!r}")
        if not _is_loopback_host(host):
            raise ValueError(f"the proxy only listens on loopback, not {host!r}")
        self.upstream_host = parts.hostname
        self.upstream_port = parts.port or 80
        self.upstream_netloc = parts.netloc
        self.upstream_prefix = parts.path.rstrip("/")
        self.upstream_origin = f"http://{parts.netloc}"
        self.upstream = self.upstream_origin + self.upstream_prefix
        self.upstream_timeout = upstream_timeout
        self.clock = clock

        self._lock = threading.Lock()
        self._rng = random.Random(seed)
        self._faults = faults if faults is not None else Faults()
        self._outage: tuple[float, set[str] | None, int | None] | None = None
        self._decisions: deque[dict] = deque(maxlen=keep_decisions)
        self._decision_count = 0
        self._stats = self._empty_stats()
        self._stopping = threading.Event()
        self._connections: set[socket.socket] = set()

        self._server = _Server((host, port), _Handler)
        self._server.proxy = self
        bound_host = f"[{host}]" if ":" in host else host
        self.origin = f"http://{bound_host}:{self._server.server_port}"
        self.url = self.origin + self.upstream_prefix
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fault-proxy",
            daemon=True,
        )
        self._thread.start()

    # --- configuration ----------------------------------------------------------------
    @property
    def faults(self) -> Faults:
        with self._lock:
            return self._faults

    def set_faults(self, faults: Faults, *, seed: int | None = None) -> None:
        """Replace the faults from now on (and re-seed the decisions if ``seed`` is given)."""
        with self._lock:
            self._faults = faults
            if seed is not None:
                self._rng = random.Random(seed)

    def outage(
        self, seconds: float, methods: Iterable[str] | None = None, status: int | None = 503
    ) -> None:
        """For ``seconds`` (of ``clock``), every request with one of ``methods`` (``None``:
        all) gets ``status`` without being forwarded, or with ``status=None`` is reset.
        ``/_local/`` requests still pass."""
        wanted = None if methods is None else {m.upper() for m in methods}
        with self._lock:
            self._outage = (self.clock() + seconds, wanted, status)

    def end_outage(self) -> None:
        with self._lock:
            self._outage = None

    # --- observation ------------------------------------------------------------------
    @staticmethod
    def _empty_stats() -> dict:
        return {**dict.fromkeys(COUNTERS, 0), "by_method": {}}

    def stats(self) -> dict:
        """Counts of :data:`COUNTERS` (``requests`` seen, ``forwarded`` to the upstream,
        each fault kind, ``upstream_error``: answered 502 because the upstream could not
        be reached, ``undelivered``: the client had gone), overall and ``by_method``."""
        with self._lock:
            return json.loads(json.dumps(self._stats))

    def reset_stats(self) -> None:
        with self._lock:
            self._stats = self._empty_stats()

    def decisions(self) -> list[dict]:
        """The latest decisions, oldest first: ``{"n", "method", "path", "fault",
        "status", "delay"}``, one per request that faults or an outage could apply to."""
        with self._lock:
            return list(self._decisions)

    def _count(self, method: str, key: str) -> None:
        with self._lock:
            self._stats[key] += 1
            per_method = self._stats["by_method"].setdefault(method, dict.fromkeys(COUNTERS, 0))
            per_method[key] += 1

    # --- decisions --------------------------------------------------------------------
    def decide(self, method: str, path: str) -> Decision:
        """The fate of a request (path without query). Draws from the seeded generator
        only for requests the faults apply to: always four numbers, so that changing
        fractions does not shift the decisions of later requests."""
        if path.startswith(LOCAL_HELPERS) or path.startswith(self.upstream_prefix + LOCAL_HELPERS):
            return Decision()
        with self._lock:
            decision = self._decide_locked(method.upper(), path)
            if decision is not None:
                self._decision_count += 1
                self._decisions.append(
                    {
                        "n": self._decision_count,
                        "method": method.upper(),
                        "path": path,
                        **dataclasses.asdict(decision),
                    }
                )
        return decision or Decision()

    def _decide_locked(self, method: str, path: str) -> Decision | None:
        if self._outage is not None:
            until, methods, status = self._outage
            if self.clock() >= until:
                self._outage = None
            elif methods is None or method in methods:
                return Decision("outage", status)
        faults = self._faults
        if not faults.applies_to(method, path):
            return None
        pick, delay_pick, delay_amount, status_pick = (self._rng.random() for _ in range(4))
        edge = 0.0
        for kind in ("reset", "error_5xx", "rate_429", "lost_answer"):
            edge += getattr(faults, kind)
            if pick < edge:
                break
        else:
            kind = None
        delay = round(delay_amount * faults.max_delay, 3) if delay_pick < faults.delay else 0.0
        if kind == "error_5xx":
            return Decision(kind, ERROR_STATUSES[int(status_pick * len(ERROR_STATUSES))])
        if kind == "rate_429":
            return Decision(kind, 429, retry_after=faults.retry_after)
        if kind == "reset":
            return Decision(kind)
        if kind == "lost_answer":
            return Decision(kind, delay=delay)
        return Decision("delay" if delay else None, delay=delay)

    # --- forwarding -------------------------------------------------------------------
    def rewrite(self, data: bytes) -> bytes:
        """The upstream's URLs in ``data`` pointed at the proxy instead."""
        return data.replace(self.upstream_origin.encode(), self.origin.encode())

    def forward(
        self, method: str, target: str, headers: list[tuple[str, str]], body: bytes
    ) -> tuple[int, str, list[tuple[str, str]], bytes]:
        """Send one request to the upstream; its status, reason, headers and whole body."""
        connection = http.client.HTTPConnection(
            self.upstream_host, self.upstream_port, timeout=self.upstream_timeout
        )
        try:
            connection.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
            connection.putheader("Host", self.upstream_netloc)
            connection.putheader("Accept-Encoding", "identity")  # bodies get rewritten
            for name, value in headers:
                connection.putheader(name, value)
            if body or method in ("POST", "PUT", "PATCH"):
                connection.putheader("Content-Length", str(len(body)))
            connection.endheaders(body or None)
            response = connection.getresponse()
            data = response.read()  # Content-Length, chunked or until close
            return response.status, response.reason, response.getheaders(), data
        finally:
            connection.close()

    # --- lifecycle --------------------------------------------------------------------
    def stop(self) -> None:
        """Stop serving: quick; requests held back by a delay are dropped."""
        if self._stopping.is_set():
            return
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        with self._lock:
            connections = list(self._connections)
        for sock in connections:  # wake handler threads waiting for a keep-alive request
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        self._thread.join(timeout=2)

    def __enter__(self) -> FaultProxy:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class _ClientGoneError(Exception):
    pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FaultProxy/1"
    timeout = 300  # an idle keep-alive connection is closed after this
    server: _Server

    @property
    def proxy(self) -> FaultProxy:
        return self.server.proxy

    def setup(self) -> None:
        super().setup()
        # headers and body go out in separate writes: no Nagle wait for the client's ACK
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.proxy._lock:
            self.proxy._connections.add(self.connection)

    def finish(self) -> None:
        with self.proxy._lock:
            self.proxy._connections.discard(self.connection)
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
            self.proxy._count(self.command, "undelivered")

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
        proxy._count(method, "requests")
        decision = proxy.decide(method, path)
        if decision.fault == "outage":
            proxy._count(method, "outage")
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
            proxy._count(method, "reset")
            self._reset()
            return
        if decision.fault == "error_5xx":
            proxy._count(method, "error_5xx")
            self._openeo_error(
                decision.status, "ServiceUnavailable", "injected server error (fault proxy)"
            )
            return
        if decision.fault == "rate_429":
            proxy._count(method, "rate_429")
            retry_after = f"{decision.retry_after:g}"
            self._openeo_error(
                429,
                "TooManyRequests",
                "injected rate limit (fault proxy)",
                [("Retry-After", retry_after)],
            )
            return
        if decision.delay:
            proxy._count(method, "delay")
            if proxy._stopping.wait(decision.delay):
                self._hang_up()
                return
        try:
            status, reason, headers, data = proxy.forward(
                method, forward_target, self._forward_headers(), body
            )
        except (OSError, http.client.HTTPException) as exc:
            proxy._count(method, "upstream_error")
            self._openeo_error(502, "BadGateway", f"upstream unreachable (fault proxy): {exc}")
            return
        proxy._count(method, "forwarded")
        if decision.fault == "lost_answer":
            proxy._count(method, "lost_answer")
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
        proxy = self.proxy
        try:
            payload = json.loads(body) if body else {}
            if self.command == "GET" and path == "/_proxy/stats":
                self._send_json(200, proxy.stats())
            elif self.command == "POST" and path == "/_proxy/reset_stats":
                proxy.reset_stats()
                self._send_json(200, proxy.stats())
            elif self.command == "GET" and path == "/_proxy/decisions":
                self._send_json(200, proxy.decisions())
            elif path == "/_proxy/faults" and self.command in ("GET", "POST"):
                if self.command == "POST":
                    payload = dict(payload)
                    seed = payload.pop("seed", None)
                    proxy.set_faults(Faults.from_dict(payload), seed=seed)
                self._send_json(200, proxy.faults.as_dict())
            elif self.command == "POST" and path == "/_proxy/outage":
                proxy.outage(
                    float(payload.get("seconds", 60)),
                    methods=payload.get("methods"),
                    status=payload.get("status", 503),
                )
                self._send_json(200, {"outage": True})
            elif self.command == "POST" and path == "/_proxy/end_outage":
                proxy.end_outage()
                self._send_json(200, {"outage": False})
            else:
                self._send_json(404, {"error": f"no {self.command} {path} on the fault proxy"})
        except (ValueError, TypeError, AttributeError, re.error) as exc:
            self._send_json(400, {"error": str(exc)})

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


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    defaults = Faults()
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--upstream", required=True, help="loopback URL, e.g. the local back-end's")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--port", type=int, default=0, help="0: any free port")
    for name in ("error_5xx", "rate_429", "reset", "lost_answer", "delay"):
        p.add_argument("--" + name.replace("_", "-"), type=float, default=getattr(defaults, name))
    p.add_argument("--retry-after", type=float, default=defaults.retry_after)
    p.add_argument("--max-delay", type=float, default=defaults.max_delay)
    p.add_argument("--methods", help="comma-separated, e.g. POST,DELETE (default: all)")
    p.add_argument("--paths", help="regex searched in the path, e.g. '/jobs$'")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    faults = Faults(
        error_5xx=args.error_5xx,
        rate_429=args.rate_429,
        retry_after=args.retry_after,
        reset=args.reset,
        lost_answer=args.lost_answer,
        delay=args.delay,
        max_delay=args.max_delay,
        methods=None if not args.methods else set(args.methods.split(",")),
        paths=args.paths,
    )
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    with FaultProxy(args.upstream, faults, seed=args.seed, port=args.port) as proxy:
        print(f"{READY_PREFIX}{proxy.url}", flush=True)
        while not done.wait(0.5):
            pass


if __name__ == "__main__":
    main()
