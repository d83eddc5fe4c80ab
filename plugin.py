"""The QGIS plugin shell: one action (toolbar + Web menu) that toggles the dock.

Kept thin on purpose: everything that does work lives in ``ui/`` (Qt/QGIS) and
``core/`` (plain Python). The dock is only built the first time it is opened,
so loading the plugin costs QGIS almost nothing at start-up.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from qgis.core import Qgis, QgsApplication
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtGui import QIcon
from qgis.PyQt.QtWidgets import QAction, QApplication, QMainWindow, QPushButton

from .core.definitions import PLUGIN_NAME
from .core.dependencies import install_command, missing_packages
from .ui.adapters.qgis_objects import present

if TYPE_CHECKING:
    from qgis.core import QgsProcessingProvider
    from qgis.gui import QgisInterface
    from qgis.PyQt.QtCore import QTranslator

    from .ui.widgets.close_prompt import ClosePrompt
    from .ui.widgets.dock import GridJobsDock

ICON_PATH = str(Path(__file__).resolve().parent / "icon.svg")
DOCK_WIDTH = 400


class OpenEOGridJobsPlugin:
    """Entry point created by :func:`classFactory`."""

    def __init__(self, iface: QgisInterface) -> None:
        self.iface = iface
        self.action: QAction | None = None
        self.dock: GridJobsDock | None = None
        self._log_route = None
        self.provider: QgsProcessingProvider | None = None
        self.close_prompt: ClosePrompt | None = None
        #: the plugin's words in QGIS's language (None: English, or not loaded yet)
        self.translator: QTranslator | None = None

    # --- QGIS plugin API ---------------------------------------------------------
    def initProcessing(self) -> None:  # noqa: N802 (name fixed by QGIS)
        """Add the Processing provider (Toolbox, models, batch, ``qgis_process``).

        ``qgis_process`` calls only this, without ``initGui`` and with no iface; so
        the translation of QGIS's language is installed here, before any algorithm
        says its name.
        """
        from .processing_provider.provider import GridJobsProvider
        from .ui.i18n import install_translator

        if self.translator is None:
            self.translator = install_translator()
        if self.provider is None:
            self.provider = GridJobsProvider()
            registry = present(QgsApplication.processingRegistry(), "Processing registry")
            registry.addProvider(self.provider)

    def initGui(self) -> None:  # noqa: N802 (name fixed by QGIS)
        from .ui.adapters.qgis_log import route_logs
        from .ui.i18n import translate
        from .ui.widgets.close_prompt import ClosePrompt

        self.initProcessing()

        # what the core logs (retries, failed downloads) in QGIS's Log Messages panel
        self._log_route = route_logs(__package__ or "openeo_grid_jobs")
        self.action = QAction(QIcon(ICON_PATH), PLUGIN_NAME, self.iface.mainWindow())
        self.action.setObjectName("openeoGridJobsAction")
        self.action.setToolTip(
            translate(
                "OpenEOGridJobsPlugin", "{plugin}: run one openEO batch job per grid tile"
            ).format(plugin=PLUGIN_NAME)
        )
        self.action.setCheckable(True)
        self.action.toggled.connect(self.set_dock_visible)
        self.iface.addWebToolBarIcon(self.action)
        self.iface.addPluginToWebMenu(PLUGIN_NAME, self.action)
        self.close_prompt = ClosePrompt(
            self.iface.mainWindow(), lambda: self.dock.jobs_panel if self.dock else None
        )
        self.warn_if_dependencies_missing()

    def unload(self) -> None:
        """Remove the plugin; a run going on goes on without it (unless the user, closing
        QGIS, asked to stop it: :mod:`.ui.widgets.close_prompt`)."""
        from .ui.adapters.qgis_log import unroute
        from .ui.i18n import remove_translator
        from .ui.widgets.close_prompt import STOP

        unroute(self._log_route)
        self._log_route = None
        if self.provider is not None:
            registry = present(QgsApplication.processingRegistry(), "Processing registry")
            registry.removeProvider(self.provider)
            self.provider = None
        choice = None
        if self.close_prompt is not None:
            choice = self.close_prompt.choice
            self.close_prompt.remove()
            self.close_prompt = None
        if self.dock is not None:
            self.dock.visibilityChanged.disconnect(self._sync_action)
            self.iface.removeDockWidget(self.dock)
            if choice == STOP:  # QGIS closes, and the user asked to stop the run
                self.dock.jobs_panel.stop_run()
            self.dock.shutdown()
            self.dock.deleteLater()
            self.dock = None
        if self.action is not None:
            self.action.toggled.disconnect(self.set_dock_visible)
            self.iface.removePluginWebMenu(PLUGIN_NAME, self.action)
            self.iface.removeWebToolBarIcon(self.action)
            self.action.deleteLater()
            self.action = None
        remove_translator(self.translator)
        self.translator = None

    # --- behaviour -------------------------------------------------------------
    def set_dock_visible(self, visible: bool) -> None:
        """Show or hide the dock, building it on first use."""
        if visible and self.dock is None:
            from .ui.widgets.dock import GridJobsDock

            self.dock = GridJobsDock(self.iface, parent=self.iface.mainWindow())
            self.dock.visibilityChanged.connect(self._sync_action)
            self.iface.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
            window = self.iface.mainWindow()
            if isinstance(window, QMainWindow):  # room for the form without scrolling sideways
                window.resizeDocks([self.dock], [DOCK_WIDTH], Qt.Orientation.Horizontal)
        if self.dock is not None:
            self.dock.setVisible(visible)

    def _sync_action(self, visible: bool) -> None:
        # Closing the dock with its own [x] must un-check the toolbar button.
        if self.action is not None and self.action.isChecked() != visible:
            self.action.setChecked(visible)

    def warn_if_dependencies_missing(self) -> list[str]:
        """Tell the user which packages are missing and how to install them."""
        from .ui.i18n import translate

        missing = missing_packages()
        if not missing:
            return missing
        command = install_command(missing)
        bar = present(self.iface.messageBar(), "message bar")
        item = bar.createMessage(
            PLUGIN_NAME,
            translate(
                "OpenEOGridJobsPlugin",
                "Missing Python packages: {packages}. Install them for QGIS's Python "
                "with: {command} — then restart QGIS.",
            ).format(packages=", ".join(missing), command=command),
        )
        copy = QPushButton(translate("OpenEOGridJobsPlugin", "Copy command"), item)
        copy.clicked.connect(lambda: QApplication.clipboard().setText(command))
        present(item.layout(), "message item layout").addWidget(copy)
        bar.pushWidget(item, Qgis.MessageLevel.Warning, 0)
        return missing
