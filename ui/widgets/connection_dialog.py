"""Add or edit a back-end connection; test it; log in.

Secrets typed here go straight to the QGIS authentication database; the
saved connection keeps only the auth-config id. Editing a connection never
shows a stored password: the field stays empty unless the user types a new one.
"""

from __future__ import annotations

from collections.abc import Collection

from qgis.gui import QgsPasswordLineEdit
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from ...core.backends.backend import BackendConfig, Secrets
from ...core.backends.proxy import ProxySettings
from ...core.definitions import DEFAULT_PARALLEL_JOBS, LoginMethod
from ...core.errors import GridJobsError, LoginRequiredError
from ..adapters.auth_store import load_secrets, remove_secrets, save_secrets
from ..adapters.background import BackgroundCall
from ..adapters.connections import SavedConnection, save_connection
from ..adapters.network_proxy import qgis_proxy
from ..i18n import login_label, translate


class MessageLabel(QLabel):
    """A message shown in full: word-wrapped, selectable (to copy a URL or an error),
    and as tall as its text needs at its width. A form layout does not grow a dialog
    for a wrapped label by itself: a long message was clipped to one line."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("", parent)
        self.setWordWrap(True)
        self.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )

    def setText(self, text: str) -> None:  # noqa: N802 - Qt's name
        super().setText(text)
        self._fit()

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        needed = self.heightForWidth(self.width()) if self.text() else 0
        if needed >= 0 and needed != self.minimumHeight():
            self.setMinimumHeight(needed)


class ConnectionDialog(QDialog):
    """Edit ``connection`` (or a new one); :meth:`saved` gives the result after OK."""

    def __init__(
        self,
        connection: SavedConnection | None = None,
        parent: QWidget | None = None,
        *,
        taken_names: Collection[str] = frozenset(),
    ) -> None:
        super().__init__(parent)
        self.setObjectName("connectionDialog")
        self.setWindowTitle(
            translate("ConnectionDialog", "openEO back-end")
            if connection is None
            else connection.name
        )
        self.original = connection
        self.taken_names = set(taken_names) - ({connection.name} if connection else set())
        # threads may outlive the dialog (closed mid-test): the long-lived parent owns them
        self._keeper = parent or self
        form = QFormLayout(self)

        self.name = QLineEdit(self)
        self.name.setObjectName("name")
        form.addRow(translate("ConnectionDialog", "Name"), self.name)
        self.url = QLineEdit(self)
        self.url.setObjectName("url")
        self.url.setPlaceholderText("https://openeo.dataspace.copernicus.eu")
        form.addRow(translate("ConnectionDialog", "URL"), self.url)
        self.method = QComboBox(self)
        self.method.setObjectName("authMethod")
        for method in LoginMethod:
            self.method.addItem(login_label(method), method.value)
        form.addRow(translate("ConnectionDialog", "Login"), self.method)
        self.username = QLineEdit(self)
        self.username.setObjectName("username")
        form.addRow(translate("ConnectionDialog", "User name"), self.username)
        self.password = QgsPasswordLineEdit(self)
        self.password.setObjectName("password")
        form.addRow(translate("ConnectionDialog", "Password"), self.password)
        self.provider = QComboBox(self)
        self.provider.setObjectName("provider")
        self.provider.setEditable(True)
        self.provider.setToolTip(
            translate(
                "ConnectionDialog", "The back-end's OpenID Connect provider (empty: its default)"
            )
        )
        form.addRow(translate("ConnectionDialog", "Provider"), self.provider)
        self.client_id = QLineEdit(self)
        self.client_id.setObjectName("clientId")
        form.addRow(translate("ConnectionDialog", "Client id"), self.client_id)
        self.client_secret = QgsPasswordLineEdit(self)
        self.client_secret.setObjectName("clientSecret")
        form.addRow(translate("ConnectionDialog", "Client secret"), self.client_secret)
        self.parallel_jobs = QSpinBox(self)
        self.parallel_jobs.setObjectName("parallelJobs")
        self.parallel_jobs.setRange(1, 100)
        self.parallel_jobs.setValue(DEFAULT_PARALLEL_JOBS)
        self.parallel_jobs.setToolTip(
            translate("ConnectionDialog", "Batch jobs at once on this back-end")
        )
        form.addRow(translate("ConnectionDialog", "Parallel jobs"), self.parallel_jobs)
        self.queued_jobs = QSpinBox(self)
        self.queued_jobs.setObjectName("queuedJobs")
        self.queued_jobs.setRange(0, 1000)
        self.queued_jobs.setSpecialValueText(translate("ConnectionDialog", "no cap"))
        self.queued_jobs.setToolTip(
            translate(
                "ConnectionDialog",
                "Most jobs waiting in this back-end's queue at once, for back-ends that "
                "refuse more (a refusal only slows launching)",
            )
        )
        form.addRow(translate("ConnectionDialog", "Queued jobs at most"), self.queued_jobs)
        self.verify_tls = QCheckBox(translate("ConnectionDialog", "Verify TLS certificates"), self)
        self.verify_tls.setObjectName("verifyTls")
        self.verify_tls.setChecked(True)
        form.addRow(self.verify_tls)
        self.tls_warning = QLabel(
            translate(
                "ConnectionDialog",
                "TLS verification is OFF: only for your own test server with a self-signed "
                "certificate. Anyone on the network could read your login.",
            ),
            self,
        )
        self.tls_warning.setObjectName("tlsWarning")
        self.tls_warning.setWordWrap(True)
        self.tls_warning.setStyleSheet("color: #c0392b; font-weight: bold")
        form.addRow(self.tls_warning)
        self.test_button = QPushButton(translate("ConnectionDialog", "Test connection"), self)
        self.test_button.setObjectName("testConnection")
        form.addRow(self.test_button)
        self.status = MessageLabel(self)
        self.status.setObjectName("status")
        form.addRow(self.status)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self._form = form

        if connection is not None:
            self._load(connection)
        self.method.currentIndexChanged.connect(self._update_visible)
        self.verify_tls.toggled.connect(self._update_visible)
        self.url.editingFinished.connect(self._fetch_providers)
        self.test_button.clicked.connect(self.test_connection)
        self._update_visible()
        self.result_connection: SavedConnection | None = None

    # --- form --------------------------------------------------------------------------
    def _load(self, connection: SavedConnection) -> None:
        c = connection.config
        self.name.setText(c.name)
        self.url.setText(c.url)
        self.method.setCurrentIndex(max(0, self.method.findData(LoginMethod(c.auth_method).value)))
        self.parallel_jobs.setValue(c.parallel_jobs)
        self.queued_jobs.setValue(c.queued_jobs)
        self.verify_tls.setChecked(c.verify_tls)
        if c.provider_id:
            self.provider.addItem(c.provider_id, c.provider_id)
        self.client_id.setText(c.client_id or "")
        if connection.authcfg and LoginMethod(c.auth_method).needs_stored_secret:
            try:
                secrets = load_secrets(c.auth_method, connection.authcfg)
            except GridJobsError as exc:
                self.status.setText(str(exc))
            else:
                self.username.setText(secrets.username or "")
                if c.auth_method == LoginMethod.OIDC_CLIENT_CREDENTIALS:
                    self.client_id.setText(secrets.client_id or "")
                stored = translate(
                    "ConnectionDialog",
                    "stored in the QGIS authentication database; type to change",
                )
                self.password.setPlaceholderText(stored)
                self.client_secret.setPlaceholderText(stored)

    def _update_visible(self) -> None:
        method = self.method.currentData()
        shown = {
            self.username: method == LoginMethod.BASIC,
            self.password: method == LoginMethod.BASIC,
            self.provider: LoginMethod(method).uses_oidc,
            self.client_id: LoginMethod(method).uses_oidc,
            self.client_secret: method == LoginMethod.OIDC_CLIENT_CREDENTIALS,
        }
        for widget, visible in shown.items():
            widget.setVisible(visible)
            self._form.labelForField(widget).setVisible(visible)
        self.client_id.setPlaceholderText(
            translate("ConnectionDialog", "the back-end's default client")
            if method == LoginMethod.OIDC_DEVICE
            else ""
        )
        self.tls_warning.setVisible(not self.verify_tls.isChecked())

    def config(self) -> BackendConfig:
        """The form as a back-end config; a typed error says what is wrong."""
        name = self.name.text().strip()
        url = self.url.text().strip()
        if not url:
            raise GridJobsError(translate("ConnectionDialog", "Enter the back-end's URL."))
        config = BackendConfig(
            url=url,
            name=name,
            auth_method=self.method.currentData(),
            parallel_jobs=self.parallel_jobs.value(),
            queued_jobs=self.queued_jobs.value(),
            provider_id=self.provider.currentText().strip() or None,
            client_id=(self.client_id.text().strip() or None)
            if self.method.currentData() == LoginMethod.OIDC_DEVICE
            else None,
            verify_tls=self.verify_tls.isChecked(),
        )
        if config.name in self.taken_names:
            raise GridJobsError(
                translate("ConnectionDialog", "There is already a connection named {name}.").format(
                    name=repr(config.name)
                )
            )
        return config

    def typed_secrets(self, config: BackendConfig) -> Secrets | None:
        """Secrets typed in this dialog, or None to keep the stored ones."""
        method = config.auth_method
        if method == LoginMethod.BASIC:
            username, password = self.username.text().strip(), self.password.text()
            stored = self.original.authcfg if self.original is not None else ""
            if not password and stored and self._same_username(stored, username):
                return None
            if not username or not password:
                raise GridJobsError(
                    translate("ConnectionDialog", "Enter the user name and the password.")
                )
            return Secrets(username=username, password=password)
        if method == LoginMethod.OIDC_CLIENT_CREDENTIALS:
            client_id, secret = self.client_id.text().strip(), self.client_secret.text()
            if not secret and self.original is not None and self.original.authcfg:
                return None
            if not client_id or not secret:
                raise GridJobsError(
                    translate(
                        "ConnectionDialog", "Enter the service account's client id and secret."
                    )
                )
            return Secrets(client_id=client_id, client_secret=secret)
        return None

    def _same_username(self, authcfg: str, username: str) -> bool:
        try:
            return load_secrets(LoginMethod.BASIC, authcfg).username == username
        except GridJobsError:
            return False

    def secrets_for_test(self, config: BackendConfig) -> Secrets:
        typed = self.typed_secrets(config)
        if typed is not None:
            return typed
        original = self.original
        if original is not None and original.config.auth_method == config.auth_method:
            return load_secrets(config.auth_method, original.authcfg)
        return Secrets()

    # --- actions -----------------------------------------------------------------------
    def accept(self) -> None:
        try:
            config = self.config()
            typed = self.typed_secrets(config)
        except GridJobsError as exc:
            self.status.setText(str(exc))
            return
        authcfg = self.original.authcfg if self.original else ""
        if self.original and self.original.config.auth_method != config.auth_method:
            authcfg = ""  # another kind of login: its secrets start anew
        try:
            if typed is not None:
                authcfg = save_secrets(config.name, config.auth_method, typed, authcfg)
            elif config.auth_method == LoginMethod.NONE:
                authcfg = ""
        except GridJobsError as exc:
            self.status.setText(str(exc))
            return
        enabled = self.original.enabled if self.original else True
        self.result_connection = SavedConnection(config, authcfg, enabled)
        save_connection(self.result_connection, self.original.name if self.original else None)
        if self.original and self.original.authcfg and self.original.authcfg != authcfg:
            remove_secrets(self.original.authcfg)  # the old kind of login is not kept
        super().accept()

    def test_connection(self) -> None:
        """Connect in the background and show title, API version, collection, user."""
        try:
            config = self.config()
            secrets = self.secrets_for_test(config)
        except GridJobsError as exc:
            self.status.setText(str(exc))
            return
        self.status.setText(
            translate("ConnectionDialog", "Connecting to {url}…").format(url=config.url)
        )
        self.test_button.setEnabled(False)

        proxy = qgis_proxy()
        test = lambda: probe(config, secrets, proxy)  # noqa: E731
        BackgroundCall(test, self._tested, self._test_failed, self._keeper)

    def _tested(self, result) -> None:
        self.test_button.setEnabled(True)
        if isinstance(result, LoginRequiredError):
            self.status.setText(
                translate(
                    "ConnectionDialog", "{error} Save the connection, then use Log in in the dock."
                ).format(error=result)
            )
            return
        self.status.setText(format_info(result))

    def _test_failed(self, message: str) -> None:
        self.test_button.setEnabled(True)
        self.status.setText(message)

    def _fetch_providers(self) -> None:
        if not LoginMethod(self.method.currentData()).uses_oidc:
            return
        try:
            config = BackendConfig(url=self.url.text().strip(), auth_method=LoginMethod.NONE)
        except GridJobsError:
            return

        proxy = qgis_proxy()
        fetch = lambda: config.oidc_providers(timeout=15, proxy=proxy)  # noqa: E731
        BackgroundCall(fetch, self._fill_providers, lambda _: None, self._keeper)

    def _fill_providers(self, providers: list) -> None:
        current = self.provider.currentText()
        self.provider.clear()
        for provider_id, title in providers:
            self.provider.addItem(provider_id, provider_id)
            self.provider.setItemData(self.provider.count() - 1, title)
        if current:
            self.provider.setCurrentText(current)


def probe(config: BackendConfig, secrets: Secrets, proxy: ProxySettings):
    """Connect and describe the back-end, for "Test connection" (in a background thread),
    through QGIS's proxy (read before, on the main thread).

    A missing or expired OpenID Connect login comes back as the error itself, not
    as a failure: the caller answers it with the login dialog.
    """
    from ...core.backends.probe import describe

    try:
        return describe(config.connect(secrets, timeout=30, proxy=proxy))
    except LoginRequiredError as exc:
        return exc


def format_info(info) -> str:
    """One line a user reads after "Test connection"."""
    collection = (
        translate("ConnectionDialog", "SENTINEL2_L2A available")
        if info.has_collection
        else translate("ConnectionDialog", "no SENTINEL2_L2A")
    )
    who = (
        translate("ConnectionDialog", "logged in as {user}").format(user=info.user)
        if info.user
        else translate("ConnectionDialog", "not logged in")
    )
    return f"✔ {info.title} · openEO API {info.api_version} · {collection} · {who}"
