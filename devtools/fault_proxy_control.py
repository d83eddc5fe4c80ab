"""The fault proxy's own control API, under ``/_proxy/`` (never forwarded).

Lets a test or a shell change the faults of a running proxy and read what it did,
with plain HTTP (e.g. ``curl``), when it runs in another process:

- ``GET /_proxy/stats``, ``POST /_proxy/reset_stats``;
- ``GET /_proxy/faults``, ``POST /_proxy/faults`` (JSON fields of :class:`.faults.Faults`,
  ``methods`` as a list; a ``seed`` field re-seeds);
- ``POST /_proxy/outage`` ``{"seconds": 5, "methods": ["POST"], "status": 503}``
  (``status: null`` resets connections), ``POST /_proxy/end_outage``;
- ``GET /_proxy/decisions``: the latest decisions, oldest first.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

from devtools.faults import Faults

if TYPE_CHECKING:
    from devtools.fault_proxy import FaultProxy

#: the path prefix of the control API
CONTROL = "/_proxy/"


def control_answer(proxy: FaultProxy, method: str, path: str, body: bytes) -> tuple[int, object]:
    """Carry out one control request on ``proxy``: the status and JSON payload of its
    answer (400 with the reason when the body or its values are not understood)."""
    try:
        payload = json.loads(body) if body else {}
        if method == "GET" and path == "/_proxy/stats":
            return 200, proxy.stats()
        if method == "POST" and path == "/_proxy/reset_stats":
            proxy.reset_stats()
            return 200, proxy.stats()
        if method == "GET" and path == "/_proxy/decisions":
            return 200, proxy.decisions()
        if path == "/_proxy/faults" and method in ("GET", "POST"):
            if method == "POST":
                payload = dict(payload)
                seed = payload.pop("seed", None)
                proxy.set_faults(Faults.from_dict(payload), seed=seed)
            return 200, proxy.faults.as_dict()
        if method == "POST" and path == "/_proxy/outage":
            proxy.outage(
                float(payload.get("seconds", 60)),
                methods=payload.get("methods"),
                status=payload.get("status", 503),
            )
            return 200, {"outage": True}
        if method == "POST" and path == "/_proxy/end_outage":
            proxy.end_outage()
            return 200, {"outage": False}
        return 404, {"error": f"no {method} {path} on the fault proxy"}
    except (ValueError, TypeError, AttributeError, re.error) as exc:
        return 400, {"error": str(exc)}
