"""A fake OpenID Connect provider on 127.0.0.1, served by the tests themselves.

This is the one stand-in of the suite: a real OIDC provider (Keycloak, EGI
Check-in, CDSE) cannot run here. It speaks just enough of the protocol for the
openeo client and openeo-driver: discovery, the device authorization grant
(with PKCE), refresh tokens, client credentials and ``/userinfo`` (which the
local back-end calls to check every access token). The human step, approving
the user code in a browser, is :meth:`FakeOidcProvider.approve`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

DEVICE_CLIENT = "grid-jobs-device"
SERVICE_CLIENT = "grid-jobs-service"
SERVICE_SECRET = "s3rvice-Secret-42"
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


@dataclass
class _DeviceCode:
    user_code: str
    client_id: str
    scope: str
    challenge: str | None
    state: str = "pending"  # pending, approved, denied
    sub: str = ""


@dataclass
class FakeOidcProvider:
    """Issuer at :attr:`issuer`; tokens live ``access_ttl`` seconds."""

    access_ttl: float = 300.0
    rotate_refresh_tokens: bool = False
    issued_secrets: list[str] = field(default_factory=list)
    grants: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._devices: dict[str, _DeviceCode] = {}
        self._access: dict[str, tuple[str, float]] = {}
        self._refresh: dict[str, tuple[str, str]] = {}  # token -> (sub, client_id)
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                provider._get(self)

            def do_POST(self) -> None:
                provider._post(self)

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.issuer = f"http://127.0.0.1:{self._server.server_port}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    # --- the human in the browser, and the provider's admin -------------------------------
    def approve(self, user_code: str, sub: str = "eve") -> None:
        self._set_device_state(user_code, "approved", sub)

    def deny(self, user_code: str) -> None:
        self._set_device_state(user_code, "denied", "")

    def pending_user_codes(self) -> list[str]:
        with self._lock:
            return [d.user_code for d in self._devices.values() if d.state == "pending"]

    def revoke_refresh_tokens(self) -> None:
        with self._lock:
            self._refresh.clear()

    def expire_access_tokens(self) -> None:
        with self._lock:
            self._access = {t: (sub, 0.0) for t, (sub, _) in self._access.items()}

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _set_device_state(self, user_code: str, state: str, sub: str) -> None:
        with self._lock:
            for device in self._devices.values():
                if device.user_code == user_code:
                    device.state, device.sub = state, sub
                    return
        raise KeyError(f"no pending login with user code {user_code!r}")

    # --- HTTP --------------------------------------------------------------------------------
    def _get(self, request: BaseHTTPRequestHandler) -> None:
        path = urlparse(request.path).path
        if path == "/.well-known/openid-configuration":
            self._json(request, 200, self._discovery())
        elif path == "/userinfo":
            token = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
            with self._lock:
                sub, expires = self._access.get(token, ("", 0.0))
            if sub and time.time() < expires:
                self._json(request, 200, {"sub": sub, "name": sub.title()})
            else:
                self._json(request, 401, {"error": "invalid_token"})
        elif path == "/device":  # the page a user would open in a browser
            self._json(request, 200, {"message": "enter your code"})
        else:
            self._json(request, 404, {"error": "not_found"})

    def _post(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length", 0))
        form = {k: v[0] for k, v in parse_qs(request.rfile.read(length).decode()).items()}
        path = urlparse(request.path).path
        if path == "/device_authorization":
            self._json(request, *self._device_authorization(form))
        elif path == "/token":
            self._json(request, *self._token(form))
        else:
            self._json(request, 404, {"error": "not_found"})

    def _discovery(self) -> dict:
        return {
            "issuer": self.issuer,
            "token_endpoint": f"{self.issuer}/token",
            "device_authorization_endpoint": f"{self.issuer}/device_authorization",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "authorization_endpoint": f"{self.issuer}/authorize",
            "grant_types_supported": [DEVICE_GRANT, "refresh_token", "client_credentials"],
            "scopes_supported": ["openid", "offline_access"],
            "code_challenge_methods_supported": ["S256"],
        }

    def _device_authorization(self, form: dict) -> tuple[int, dict]:
        if form.get("client_id") != DEVICE_CLIENT:
            return 401, {"error": "invalid_client"}
        device_code = secrets.token_urlsafe(16)
        user_code = "-".join(secrets.token_hex(2).upper() for _ in range(2))
        with self._lock:
            self._devices[device_code] = _DeviceCode(
                user_code, DEVICE_CLIENT, form.get("scope", ""), form.get("code_challenge")
            )
        return 200, {
            "device_code": device_code,
            "user_code": user_code,
            "verification_uri": f"{self.issuer}/device",
            "verification_uri_complete": f"{self.issuer}/device?user_code={user_code}",
            "expires_in": 600,
            "interval": 1,
        }

    def _token(self, form: dict) -> tuple[int, dict]:
        grant = form.get("grant_type", "")
        with self._lock:
            self.grants.append(grant)
        if grant == DEVICE_GRANT:
            return self._device_token(form)
        if grant == "refresh_token":
            with self._lock:
                owner = self._refresh.get(form.get("refresh_token", ""))
                if owner and self.rotate_refresh_tokens:
                    del self._refresh[form["refresh_token"]]
            if not owner or owner[1] != form.get("client_id"):
                return 400, {"error": "invalid_grant", "error_description": "Token is not active"}
            return 200, self._issue(owner[0], owner[1], refresh=self.rotate_refresh_tokens)
        if grant == "client_credentials":
            given = (form.get("client_id"), form.get("client_secret"))
            if given != (SERVICE_CLIENT, SERVICE_SECRET):
                return 401, {"error": "unauthorized_client", "error_description": "Bad credentials"}
            return 200, self._issue(f"service-{SERVICE_CLIENT}", SERVICE_CLIENT, refresh=False)
        return 400, {"error": "unsupported_grant_type"}

    def _device_token(self, form: dict) -> tuple[int, dict]:
        with self._lock:
            device = self._devices.get(form.get("device_code", ""))
        if device is None or device.client_id != form.get("client_id"):
            return 400, {"error": "invalid_grant"}
        if device.challenge:
            verifier = form.get("code_verifier", "").encode()
            digest = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=")
            if digest.decode() != device.challenge:
                return 400, {"error": "invalid_grant", "error_description": "PKCE mismatch"}
        if device.state == "pending":
            return 400, {"error": "authorization_pending"}
        if device.state == "denied":
            return 400, {"error": "access_denied"}
        with self._lock:
            del self._devices[form["device_code"]]
        return 200, self._issue(device.sub, device.client_id, "offline_access" in device.scope)

    def _issue(self, sub: str, client_id: str, refresh: bool) -> dict:
        access = "AT-" + secrets.token_urlsafe(24)
        answer = {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": int(self.access_ttl),
            "id_token": _unsigned_jwt({"sub": sub, "iss": self.issuer, "aud": client_id}),
        }
        with self._lock:
            self._access[access] = (sub, time.time() + self.access_ttl)
            self.issued_secrets.append(access)
            if refresh:
                token = "RT-" + secrets.token_urlsafe(24)
                self._refresh[token] = (sub, client_id)
                self.issued_secrets.append(token)
                answer["refresh_token"] = token
        return answer

    @staticmethod
    def _json(request: BaseHTTPRequestHandler, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(data)))
        request.end_headers()
        request.wfile.write(data)


def _unsigned_jwt(claims: dict) -> str:
    def part(obj: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


def approve_when_shown(provider: FakeOidcProvider, sub: str = "eve"):
    """The user: reads the code in the dialog and approves it in the browser."""
    import threading

    prompts: list = []

    def on_device_code(prompt) -> None:
        prompts.append(prompt)
        threading.Timer(0.3, provider.approve, (prompt.user_code, sub)).start()

    return on_device_code, prompts
