"""The OpenID Connect device login's two hooks into the openeo client, and what they hand on.

The client runs the device-code flow itself. It shows its instructions through a
``display=`` callable (:class:`DeviceDisplay` passes the URL and user code on as
a :class:`DeviceCodePrompt`, and ends the wait on Cancel), and it keeps refresh
tokens in a store (:func:`token_store` hands each one to a callback as a
:class:`RefreshToken`, never to the client's token file). These pieces follow the
client's interfaces (its instruction text, its store class), not the back-end's
API, which is why they are apart from :mod:`.backend`; the GUI's login dialog uses
the prompt and token types too.
"""

from __future__ import annotations

import re
import threading
from typing import Callable, NamedTuple
from urllib.parse import urlparse

from ..errors import LoginCancelledError

#: how long the device-code flow waits for the user to log in in the browser
DEVICE_LOGIN_TIMEOUT = 300.0


class DeviceCodePrompt(NamedTuple):
    """What the user must do in a browser to finish an OpenID Connect device login."""

    text: str
    url: str | None
    user_code: str | None


class RefreshToken(NamedTuple):
    issuer: str
    client_id: str
    refresh_token: str


_INSTRUCTIONS = re.compile(r"Visit (?P<url>\S+?)(?: and enter user code '(?P<code>[^']+)')? to")


def parse_device_instructions(text: str) -> DeviceCodePrompt:
    """URL and user code out of the client's instructions (pinned by a test on the client)."""
    match = _INSTRUCTIONS.search(text)
    if not match:
        return DeviceCodePrompt(text, None, None)
    url = match["url"]
    code = match["code"] or dict(
        p.split("=", 1) for p in urlparse(url).query.split("&") if "=" in p
    ).get("user_code")
    return DeviceCodePrompt(text, url, code)


class DeviceDisplay:
    """The client's ``display=`` hook: instructions go to the GUI; Cancel ends the wait.

    The client calls it with its instructions once, then with a progress line about
    once a second while it polls; raising from it is how a cancelled login stops
    the client's polling loop.
    """

    def __init__(self, on_device_code, cancelled: threading.Event | None) -> None:
        self.on_device_code = on_device_code
        self.cancelled = cancelled
        self.shown = False

    def __call__(self, text: str = "", end: str = "\n") -> None:
        if self.cancelled is not None and self.cancelled.is_set():
            raise LoginCancelledError("The login was cancelled.")
        if not self.shown and text.startswith("Visit "):
            self.shown = True
            self.on_device_code(parse_device_instructions(text))


def token_store(callback: Callable[[RefreshToken], None] | None):
    """A client refresh-token store that hands tokens to ``callback``, never to a file."""
    from openeo.rest.auth.config import RefreshTokenStore

    class HandOverTokenStore(RefreshTokenStore):
        def get_refresh_token(self, issuer: str, client_id: str) -> None:
            return None

        def set_refresh_token(self, issuer: str, client_id: str, refresh_token: str) -> None:
            if callback is not None:
                callback(RefreshToken(issuer, client_id, refresh_token))

    return HandOverTokenStore()
