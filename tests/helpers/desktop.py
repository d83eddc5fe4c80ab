"""Real Qt widgets behind pytest-qgis's stub QgisInterface.

QGIS's own QgisApp cannot run inside pytest; this gives the plugin a real
QMainWindow whose Web toolbar, Web menu and dock area behave like QGIS's for
the calls the plugin makes. The real desktop is covered by test_desktop_smoke.
"""

from __future__ import annotations

from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtWidgets import QAction, QDockWidget, QMainWindow, QMenu, QToolBar


class StubDesktop:
    def __init__(self, iface) -> None:
        self.iface = iface
        self.window = QMainWindow()
        self.web_toolbar = QToolBar("Web", self.window)
        self.window.addToolBar(self.web_toolbar)
        self.web_menu = self.window.menuBar().addMenu("&Web")
        self._saved = {}
        patch = {
            "mainWindow": lambda: self.window,
            "addWebToolBarIcon": self.web_toolbar.addAction,
            "removeWebToolBarIcon": self.web_toolbar.removeAction,
            "addPluginToWebMenu": self._add_to_web_menu,
            "removePluginWebMenu": self._remove_from_web_menu,
            "addDockWidget": self._add_dock,
            "removeDockWidget": self.window.removeDockWidget,
            "webMenu": lambda: self.web_menu,
        }
        for name, func in patch.items():
            self._saved[name] = iface.__dict__.get(name)
            setattr(iface, name, func)
        self.window.show()

    # QGIS puts each plugin's Web entries in a sub-menu named after the plugin.
    def _add_to_web_menu(self, name: str, action: QAction) -> None:
        menu = self.plugin_menu(name)
        if menu is None:
            menu = self.web_menu.addMenu(name)
        menu.addAction(action)

    def _remove_from_web_menu(self, name: str, action: QAction) -> None:
        menu = self.plugin_menu(name)
        if menu is None:
            return
        menu.removeAction(action)
        if not menu.actions():
            self.web_menu.removeAction(menu.menuAction())
            menu.deleteLater()

    def _add_dock(self, area: Qt.DockWidgetArea, dock: QDockWidget) -> None:
        self.window.addDockWidget(area, dock)

    def plugin_menu(self, name: str) -> QMenu | None:
        for action in self.web_menu.actions():
            if action.menu() is not None and action.text() == name:
                return action.menu()
        return None

    def docks(self) -> list[QDockWidget]:
        return [d for d in self.window.findChildren(QDockWidget) if self.window.dockWidgetArea(d)]

    def close(self) -> None:
        for name, func in self._saved.items():
            if func is None:
                self.iface.__dict__.pop(name, None)
            else:
                setattr(self.iface, name, func)
        self.window.close()
        self.window.deleteLater()
