"""OpenID Connect device login in a dialog: link, user code, copy, countdown, cancel.

The openeo client runs the flow in a background thread and hands the
verification URL and user code to its ``display=`` hook (see
:mod:`...core.backends.device_login`); they reach this dialog as a queued signal. The
refresh token that comes back is saved in the QGIS authentication database
before the dialog reports success.
"""

from __future__ import annotations

import threading
import time

from qgis.PyQt.QtCore import Qt, QTimer, QUrl
from qgis.PyQt.QtGui import QDesktopServices, QFont
from qgis.PyQt.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ...core.backends.backend import Secrets
from ...core.backends.device_login import DEVICE_LOGIN_TIMEOUT, DeviceCodePrompt, RefreshToken
from ..adapters.background import BackgroundCall, Relay
from ..adapters.connections import SavedConnection, keep_refresh_token
from ..adapters.network_proxy import qgis_proxy
from ..i18n import translate


class DeviceLoginDialog(QDialog):
    """Log in to ``connection`` in a browser; on success :attr:`info` is set and it accepts."""

    def __init__(
        self,
        connection: SavedConnection,
        reason: str = "",
        parent: QWidget | None = None,
        *,
        login_timeout: float = DEVICE_LOGIN_TIMEOUT,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("deviceLoginDialog")
        self.setWindowTitle(
            translate("DeviceLoginDialog", "Log in to {name}").format(name=connection.name)
        )
        self.connection = connection
        self.info = None
        self.login_timeout = login_timeout
        self.cancelled = threading.Event()
        self._deadline = 0.0

        layout = QVBoxLayout(self)
        self.reason = QLabel(reason, self)
        self.reason.setObjectName("reason")
        self.reason.setWordWrap(True)
        self.reason.setVisible(bool(reason))
        layout.addWidget(self.reason)
        self.instructions = QLabel(
            translate("DeviceLoginDialog", "Asking the login provider for a code…"), self
        )
        self.instructions.setObjectName("instructions")
        self.instructions.setWordWrap(True)
        self.instructions.setTextFormat(Qt.TextFormat.RichText)
        self.instructions.setOpenExternalLinks(True)
        self.instructions.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        layout.addWidget(self.instructions)
        self.code = QLabel("", self)
        self.code.setObjectName("userCode")
        font = QFont(self.code.font())
        font.setPointSizeF(font.pointSizeF() * 1.8)
        font.setBold(True)
        self.code.setFont(font)
        self.code.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.code.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.code)
        row = QHBoxLayout()
        self.open_button = QPushButton(translate("DeviceLoginDialog", "Open browser"), self)
        self.open_button.setObjectName("openBrowser")
        self.copy_button = QPushButton(translate("DeviceLoginDialog", "Copy code"), self)
        self.copy_button.setObjectName("copyCode")
        for button in (self.open_button, self.copy_button):
            button.setEnabled(False)
            row.addWidget(button)
        layout.addLayout(row)
        self.countdown = QLabel("", self)
        self.countdown.setObjectName("countdown")
        layout.addWidget(self.countdown)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

        self.prompt: DeviceCodePrompt | None = None
        self._prompt_relay = Relay(self._show_prompt, parent)
        self.open_button.clicked.connect(self._open_browser)
        self.copy_button.clicked.connect(self._copy)
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self._tick)
        self._proxy = qgis_proxy()  # here, on the main thread
        # the thread may outlive a cancelled dialog by a few seconds: the parent owns it
        self._call = BackgroundCall(self._login, self._done, self._failed, parent)

    # --- background -------------------------------------------------------------------
    def _login(self):
        from ...core.backends.probe import describe

        tokens: list[RefreshToken] = []
        con = self.connection.config.connect(
            Secrets(),  # a fresh login: an old refresh token is what failed
            on_device_code=self._prompt_relay,
            on_refresh_token=tokens.append,
            cancelled=self.cancelled,
            login_timeout=self.login_timeout,
            proxy=self._proxy,
        )
        return describe(con), tokens[-1] if tokens else None

    # --- main thread ------------------------------------------------------------------
    def _show_prompt(self, prompt: DeviceCodePrompt) -> None:
        self.prompt = prompt
        if prompt.url:
            self.instructions.setText(
                translate(
                    "DeviceLoginDialog",
                    'Open <a href="{url}">{url}</a> in a browser, check that it shows this code, '
                    "and log in. This dialog closes by itself.",
                ).format(url=prompt.url)
            )
        else:  # the client worded it differently: show its own words
            self.instructions.setText(prompt.text)
        self.code.setText(prompt.user_code or "")
        self.open_button.setEnabled(bool(prompt.url))
        self.copy_button.setEnabled(bool(prompt.user_code))
        self._deadline = time.monotonic() + self.login_timeout
        self._tick()
        self._timer.start()

    def _tick(self) -> None:
        left = max(0, int(self._deadline - time.monotonic()))
        self.countdown.setText(
            translate("DeviceLoginDialog", "Waiting for the login: {time} left").format(
                time=f"{left // 60}:{left % 60:02d}"
            )
        )

    def _open_browser(self) -> None:
        if self.prompt and self.prompt.url:
            QDesktopServices.openUrl(QUrl(self.prompt.url))

    def _copy(self) -> None:
        if self.prompt and self.prompt.user_code:
            QApplication.clipboard().setText(self.prompt.user_code)

    def _done(self, result) -> None:
        self.info, token = result
        self._timer.stop()
        if token is not None:
            keep_refresh_token(self.connection, token)
        if not self.cancelled.is_set():
            self.accept()

    def _failed(self, message: str) -> None:
        self._timer.stop()
        if self.cancelled.is_set():
            return
        self.instructions.setText(message)
        self.code.setText("")
        self.countdown.setText("")
        self.open_button.setEnabled(False)
        self.copy_button.setEnabled(False)

    def reject(self) -> None:
        """Cancel: the client's polling ends at its next tick (about a second)."""
        self.cancelled.set()
        self._timer.stop()
        super().reject()

    def is_busy(self) -> bool:
        return self._call.thread.isRunning()
