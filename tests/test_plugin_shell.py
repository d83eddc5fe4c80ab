"""The plugin shell: action in the Web toolbar and menu, dock toggling, clean unload."""

from __future__ import annotations

import sys

import pytest
from openeo_grid_jobs import classFactory
from openeo_grid_jobs.plugin import PLUGIN_NAME
from qgis.core import Qgis
from qgis.PyQt import sip
from qgis.PyQt.QtCore import QCoreApplication, QEvent


def flush_deletes() -> None:
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    QCoreApplication.processEvents()


@pytest.fixture
def plugin(desktop):
    plugin = classFactory(desktop.iface)
    plugin.initGui()
    yield plugin
    plugin.unload()


def test_initGui_adds_action_to_web_toolbar_and_web_menu(plugin, desktop):
    assert plugin.action in desktop.web_toolbar.actions()
    assert desktop.web_toolbar.widgetForAction(plugin.action).isVisible()
    menu = desktop.plugin_menu(PLUGIN_NAME)
    assert menu is not None
    assert plugin.action in menu.actions()
    assert plugin.action.text() == PLUGIN_NAME
    assert not plugin.action.icon().isNull()


def test_action_opens_and_closes_the_dock(plugin, desktop, qtbot):
    assert plugin.dock is None, "the dock is built lazily, on first use"
    plugin.action.trigger()
    assert plugin.dock is not None
    qtbot.waitUntil(plugin.dock.isVisible)
    assert plugin.dock in desktop.docks()
    plugin.action.trigger()
    qtbot.waitUntil(lambda: not plugin.dock.isVisible())


def test_dock_content_fits_its_width(plugin, desktop, auth_manager, qtbot):
    """Nothing is cut at the dock's default width (no horizontal scrolling there)."""
    from openeo_grid_jobs.plugin import DOCK_WIDTH
    from qgis.PyQt.QtWidgets import QScrollArea

    plugin.action.trigger()
    qtbot.waitUntil(plugin.dock.isVisible)
    tabs = plugin.dock.tabs
    for index in range(tabs.count()):
        page = tabs.widget(index)
        if isinstance(page, QScrollArea):  # a form: scrolls down on a short screen
            needed = page.widget().minimumSizeHint().width()
            needed += page.verticalScrollBar().sizeHint().width()
        else:  # a list that scrolls itself
            needed = page.minimumSizeHint().width()
        assert needed <= DOCK_WIDTH
    assert plugin.dock.jobs_panel.minimumSizeHint().width() <= DOCK_WIDTH


def test_dock_fits_a_laptop_screen_with_progress_always_in_view(plugin, qtbot):
    """At 1600×1000 (a dock about 780 px high under QGIS's bars) no tab needs scrolling,
    and the progress bar and counts are outside the tabs: in view during a run."""
    from qgis.PyQt.QtWidgets import QScrollArea

    plugin.action.trigger()
    qtbot.waitUntil(plugin.dock.isVisible)
    dock = plugin.dock
    panel = dock.jobs_panel
    status = panel.status
    for widget in (status.progress, status.counts_label, status.tracking_label, panel.buttons.run):
        parent = widget.parentWidget()
        while parent is not None and parent is not dock:
            assert not isinstance(parent, QScrollArea), f"{widget.objectName()} may scroll away"
            parent = parent.parentWidget()
    tab_bar = dock.tabs.tabBar().sizeHint().height()
    controls = panel.sizeHint().height()
    for index in range(dock.tabs.count()):
        page = dock.tabs.widget(index)
        page = page.widget() if isinstance(page, QScrollArea) else page
        height = page.sizeHint().height() + tab_bar + controls + 40  # title and margins
        assert height <= 780, f"tab {dock.tabs.tabText(index)!r} needs {height} px"


def test_closing_dock_unchecks_action(plugin, qtbot):
    plugin.action.trigger()
    qtbot.waitUntil(plugin.dock.isVisible)
    plugin.dock.close()
    qtbot.waitUntil(lambda: not plugin.action.isChecked())


def test_unload_twice_leaves_nothing_behind(desktop, qtbot):
    for _ in range(2):
        plugin = classFactory(desktop.iface)
        plugin.initGui()
        plugin.action.trigger()
        action, dock = plugin.action, plugin.dock
        qtbot.waitUntil(dock.isVisible)
        plugin.unload()
        flush_deletes()
        assert sip.isdeleted(action)
        assert sip.isdeleted(dock)
        assert desktop.web_toolbar.actions() == []
        assert desktop.plugin_menu(PLUGIN_NAME) is None
        assert desktop.docks() == []


def test_missing_dependency_shows_message_with_pip_command(desktop, monkeypatch):
    desktop.iface.messageBar().clearWidgets()
    # Hide geopandas from the import system, as if it were not installed.
    monkeypatch.setitem(sys.modules, "geopandas", None)
    plugin = classFactory(desktop.iface)
    plugin.initGui()
    try:
        bar = desktop.iface.messageBar()
        item = bar.currentItem()
        assert item is not None
        assert item.level() == Qgis.MessageLevel.Warning
        assert "geopandas" in item.text()
        assert "-m pip install" in item.text()
        assert '"geopandas>=' in item.text()
        assert "openeo" not in item.text().split("Missing Python packages:")[1].split(".")[0]
    finally:
        plugin.unload()


def test_no_message_when_dependencies_present(desktop):
    desktop.iface.messageBar().clearWidgets()
    plugin = classFactory(desktop.iface)
    plugin.initGui()
    try:
        assert desktop.iface.messageBar().currentItem() is None
    finally:
        plugin.unload()


def test_core_logs_appear_in_the_plugin_log_tab(plugin, qtbot):
    """What the core logs (a back-off after a failed call) reaches QGIS's Log Messages
    panel under the plugin's tab, and stops doing so once the plugin is unloaded."""
    from openeo_grid_jobs.core.run.failures import Failure, FailureKind
    from openeo_grid_jobs.core.run.scheduler import READ, RunPolicy, Scheduler
    from qgis.core import QgsApplication

    received = []

    def keep(message, tag, level):
        received.append((message, tag, level))

    log = QgsApplication.messageLog()
    log.messageReceived.connect(keep)
    try:
        scheduler = Scheduler({"Local": 2}, RunPolicy())
        scheduler.failed("Local", READ, Failure(FailureKind.TRANSIENT, "HTTP 503: busy"))
        plugin.unload()
        scheduler.failed("Local", READ, Failure(FailureKind.TRANSIENT, "HTTP 503: again"))
    finally:
        log.messageReceived.disconnect(keep)
    ours = [(m, level) for m, tag, level in received if tag == PLUGIN_NAME]
    assert len(ours) == 1  # not after unload
    message, level = ours[0]
    assert message.startswith("Reading on Local failed (HTTP 503: busy); trying again in ")
    assert level == Qgis.MessageLevel.Info
