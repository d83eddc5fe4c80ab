"""The dock's back-end list: which saved connections a run uses, and how many jobs on each.

Tick the back-ends of the next run (each row's number is its parallel-jobs
limit); Add / Edit / Remove manage the saved connections; Log in runs the
OpenID Connect device login; Test shows what the back-end says about itself.
"""

from __future__ import annotations

from qgis.core import Qgis
from qgis.PyQt.QtCore import Qt, pyqtSignal
from qgis.PyQt.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...core.definitions import LoginMethod
from ...core.errors import GridJobsError, LoginRequiredError
from ..adapters.auth_store import load_secrets
from ..adapters.background import BackgroundCall
from ..adapters.connections import (
    SavedConnection,
    delete_connection,
    load_connections,
    save_connection,
)
from ..adapters.network_proxy import qgis_proxy
from ..i18n import login_label, translate
from .connection_dialog import ConnectionDialog, format_info, probe
from .login_dialog import DeviceLoginDialog


class BackendsWidget(QWidget):
    #: a line for the message bar, and its level
    message = pyqtSignal(str, Qgis.MessageLevel)
    #: a dialog opened (non-modal to tests: they fill it in and press its buttons)
    dialog_opened = pyqtSignal(QDialog)
    #: a device login ended: connection name, success
    logged_in = pyqtSignal(str, bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.connections: list[SavedConnection] = []
        self.dialog: QDialog | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.table = QTableWidget(0, 2, self)
        self.table.setObjectName("backends")
        self.table.setHorizontalHeaderLabels(
            [
                translate("BackendsWidget", "Back-end (tick to use)"),
                translate("BackendsWidget", "Jobs"),
            ]
        )
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(
            1, QHeaderView.ResizeMode.ResizeToContents
        )
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setMaximumHeight(104)  # three connections in view; the Job tab fits 1000 px
        layout.addWidget(self.table)
        self.buttons = {}
        rows = (
            (
                (
                    "add",
                    translate("BackendsWidget", "Add…"),
                    translate("BackendsWidget", "Add an openEO back-end"),
                ),
                (
                    "edit",
                    translate("BackendsWidget", "Edit…"),
                    translate("BackendsWidget", "Edit the selected back-end"),
                ),
                (
                    "remove",
                    translate("BackendsWidget", "Remove"),
                    translate(
                        "BackendsWidget", "Forget the selected back-end and its stored login"
                    ),
                ),
            ),
            (
                (
                    "login",
                    translate("BackendsWidget", "Log in…"),
                    translate(
                        "BackendsWidget", "Log in to the selected back-end in a browser (OIDC)"
                    ),
                ),
                (
                    "test",
                    translate("BackendsWidget", "Test connection"),
                    translate("BackendsWidget", "Connect and show what the back-end offers"),
                ),
            ),
        )
        for buttons in rows:  # two short rows: the dock is narrow
            row = QHBoxLayout()
            for key, label, tip in buttons:
                button = QPushButton(label, self)
                button.setObjectName(key + "Backend")
                button.setToolTip(tip)
                row.addWidget(button)
                self.buttons[key] = button
            layout.addLayout(row)
        self.buttons["add"].clicked.connect(lambda: self.edit(None))
        self.buttons["edit"].clicked.connect(lambda: self.edit(self.current()))
        self.buttons["remove"].clicked.connect(self.remove_current)
        self.buttons["login"].clicked.connect(self.log_in_current)
        self.buttons["test"].clicked.connect(self.test_current)
        self.table.itemSelectionChanged.connect(self._update_enabled)
        self.table.itemChanged.connect(self._item_changed)
        self.reload()

    # --- the list ----------------------------------------------------------------------
    def reload(self, select: str | None = None) -> None:
        self.connections = load_connections()
        self.table.blockSignals(True)
        self.table.setRowCount(len(self.connections))
        for i, connection in enumerate(self.connections):
            c = connection.config
            item = QTableWidgetItem(c.name)
            item.setFlags(
                Qt.ItemFlag.ItemIsEnabled
                | Qt.ItemFlag.ItemIsSelectable
                | Qt.ItemFlag.ItemIsUserCheckable
            )
            item.setCheckState(
                Qt.CheckState.Checked if connection.enabled else Qt.CheckState.Unchecked
            )
            tls = "" if c.verify_tls else "\n" + translate("BackendsWidget", "TLS verification OFF")
            item.setToolTip(f"{c.url}\n{login_label(c.auth_method)}{tls}")
            self.table.setItem(i, 0, item)
            spin = QSpinBox(self.table)
            spin.setRange(1, 100)
            spin.setValue(c.parallel_jobs)
            spin.setToolTip(translate("BackendsWidget", "Batch jobs at once on this back-end"))
            spin.valueChanged.connect(lambda value, i=i: self._parallel_changed(i, value))
            self.table.setCellWidget(i, 1, spin)
        self.table.blockSignals(False)
        names = [c.name for c in self.connections]
        if select in names:
            self.table.selectRow(names.index(select))
        elif self.connections:
            self.table.selectRow(0)
        self._update_enabled()

    def current(self) -> SavedConnection | None:
        rows = self.table.selectionModel().selectedRows()
        return self.connections[rows[0].row()] if rows else None

    def enabled_connections(self) -> list[SavedConnection]:
        return [c for c in self.connections if c.enabled]

    def set_enabled(self, name: str, enabled: bool) -> None:
        for i, connection in enumerate(self.connections):
            if connection.name == name:
                self.table.item(i, 0).setCheckState(
                    Qt.CheckState.Checked if enabled else Qt.CheckState.Unchecked
                )

    def _item_changed(self, item: QTableWidgetItem) -> None:
        connection = self.connections[item.row()]
        connection.enabled = item.checkState() == Qt.CheckState.Checked
        save_connection(connection)

    def _parallel_changed(self, row: int, value: int) -> None:
        connection = self.connections[row]
        connection.config.parallel_jobs = value
        save_connection(connection)

    def _update_enabled(self) -> None:
        current = self.current()
        for key in ("edit", "remove", "test"):
            self.buttons[key].setEnabled(current is not None)
        self.buttons["login"].setEnabled(
            current is not None and current.config.auth_method == LoginMethod.OIDC_DEVICE
        )

    # --- actions -----------------------------------------------------------------------
    def edit(self, connection: SavedConnection | None) -> ConnectionDialog:
        dialog = ConnectionDialog(connection, self, taken_names={c.name for c in self.connections})
        dialog.accepted.connect(lambda: self.reload(_name_of(dialog.result_connection)))
        self._show(dialog)
        return dialog

    def remove_current(self) -> None:
        connection = self.current()
        if connection is not None:
            delete_connection(connection)
            self.reload()
            self.message.emit(
                translate("BackendsWidget", "Removed {name} and its stored login.").format(
                    name=connection.name
                ),
                Qgis.MessageLevel.Info,
            )

    def log_in_current(self) -> None:
        connection = self.current()
        if connection is not None:  # (the button is enabled only with a selection)
            self.log_in(connection)

    def log_in(self, connection: SavedConnection, reason: str = "") -> DeviceLoginDialog:
        dialog = DeviceLoginDialog(connection, reason, self)
        dialog.finished.connect(lambda result: self._login_finished(dialog, result))
        self._show(dialog)
        return dialog

    def _login_finished(self, dialog: DeviceLoginDialog, result: int) -> None:
        ok = result == QDialog.DialogCode.Accepted
        name = dialog.connection.name
        if ok:
            self.reload(name)
            self.message.emit(f"{name}: {format_info(dialog.info)}", Qgis.MessageLevel.Success)
        self.logged_in.emit(name, ok)

    def test_current(self) -> None:
        connection = self.current()
        if connection is None:
            return
        try:
            secrets = load_secrets(connection.config.auth_method, connection.authcfg)
        except GridJobsError as exc:
            self.message.emit(str(exc), Qgis.MessageLevel.Warning)
            return
        config = connection.config

        def tested(result) -> None:
            if isinstance(result, LoginRequiredError):
                self.log_in(connection, str(result))
            else:
                self.message.emit(
                    f"{connection.name}: {format_info(result)}", Qgis.MessageLevel.Success
                )

        failed = lambda text: self.message.emit(text, Qgis.MessageLevel.Warning)  # noqa: E731
        proxy = qgis_proxy()
        test = lambda: probe(config, secrets, proxy)  # noqa: E731
        BackgroundCall(test, tested, failed, self)  # owned by self until shutdown

    def _show(self, dialog: QDialog) -> None:
        self.dialog = dialog
        dialog.open()  # window-modal, and the event loop goes on (runs keep updating)
        self.dialog_opened.emit(dialog)

    def shutdown(self) -> None:
        """Let background calls end (cancelled logins stop within a couple of seconds)."""
        if isinstance(self.dialog, DeviceLoginDialog):
            self.dialog.cancelled.set()
        for call in self.findChildren(BackgroundCall):  # ours and our dialogs'
            call.thread.wait(5000)


def _name_of(connection: SavedConnection | None) -> str | None:
    """The name of the connection an accepted dialog saved (None: it saved none)."""
    return connection.name if connection is not None else None
