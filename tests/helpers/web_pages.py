"""Web servers on loopback that answer, but are not openEO back-ends."""

from __future__ import annotations

import contextlib
import http.server
import json
import threading
from collections.abc import Iterator
from typing import Callable

#: path → (HTTP status, content type, body)
Answer = Callable[[str], "tuple[int, str, bytes]"]


@contextlib.contextmanager
def serve(answer: Answer, tls_context=None) -> Iterator[str]:
    """Answer every GET with ``answer(path)``; the server's URL (HTTPS with ``tls_context``)."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            status, kind, body = answer(self.path)
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    scheme = "http"
    if tls_context is not None:
        server.socket = tls_context.wrap_socket(server.socket, server_side=True)
        scheme = "https"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"{scheme}://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def not_found_server(openeo_errors: bool = False) -> Iterator[str]:
    """404 for every path. The body is an HTML page, or with ``openeo_errors`` an
    openEO-style JSON error (``{"code", "message"}``), as a web server in front of
    some other API may answer."""
    if openeo_errors:
        body = json.dumps({"code": "NotFound", "message": "Resource not found"}).encode()
        page = (404, "application/json", body)
    else:
        page = (404, "text/html", b"<html><body><h1>404 Not Found</h1></body></html>")
    with serve(lambda _: page) as url:
        yield url
