"""A seeded fault-injecting HTTP/1.1 reverse proxy on 127.0.0.1, in front of one loopback URL.

Puts the network between a client and the local openEO back-end on purpose: 5xx
answers, 429 with ``Retry-After``, connections reset before the request reaches the
back-end, answers lost after the back-end acted, slow requests, and outages. Every
decision comes from one ``random.Random(seed)`` drawn under a lock
(:meth:`.faults.Faults.draw`), so a seed reproduces the sequence of decisions (for a
given order of requests).

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

Requests are forwarded as they came, the upstream's URLs in answers pointed at the
proxy (:mod:`.fault_proxy_handler`). Requests to ``/_local/…`` (the local
back-end's test helpers) are never faulted; ``/_proxy/…`` is the proxy's own control
API (:mod:`.fault_proxy_control`, never forwarded).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import http.client
import ipaddress
import json
import random
import signal
import socket
import threading
import time
import urllib.parse
from collections import deque
from collections.abc import Iterable
from types import TracebackType
from typing import Callable

from devtools.fault_proxy_handler import ProxyHandler, ProxyServer
from devtools.faults import FAULT_KINDS, Decision, Faults

READY_PREFIX = "fault proxy ready at "

#: the counters of :meth:`FaultProxy.stats`
COUNTERS = ("requests", "forwarded", *FAULT_KINDS, "upstream_error", "undelivered")

LOCAL_HELPERS = "/_local/"


def _is_loopback_host(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


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
        self.stopping = threading.Event()
        self._connections: set[socket.socket] = set()

        self._server = ProxyServer((host, port), ProxyHandler)
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

    def count(self, method: str, key: str) -> None:
        """Add one to counter ``key``, overall and for ``method``."""
        with self._lock:
            self._stats[key] += 1
            per_method = self._stats["by_method"].setdefault(method, dict.fromkeys(COUNTERS, 0))
            per_method[key] += 1

    # --- connections ------------------------------------------------------------------
    def add_connection(self, sock: socket.socket) -> None:
        """Track a client connection, so that :meth:`stop` can wake its handler thread."""
        with self._lock:
            self._connections.add(sock)

    def discard_connection(self, sock: socket.socket) -> None:
        with self._lock:
            self._connections.discard(sock)

    # --- decisions --------------------------------------------------------------------
    def decide(self, method: str, path: str) -> Decision:
        """The fate of a request (path without query). Draws from the seeded generator
        only for requests the faults apply to (:meth:`.faults.Faults.draw`)."""
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
        return faults.draw(self._rng)

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
        if self.stopping.is_set():
            return
        self.stopping.set()
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
