"""The plugin in the user's language: strings, translation files, and QGIS's locale.

Every user-visible string is in the ``.ts`` template (read from the code as Python
reads it), the German translation is complete and compiled, and a QGIS set to
German (``locale/overrideFlag`` + ``locale/userLocale``, as *Settings › Options ›
General* writes them) gets a German dock, German messages and German Processing
algorithms, on the desktop and in ``qgis_process``; English again after switching
back.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile

import pytest
from helpers.i18n import REPO_ROOT, code_messages, placeholders, ts_messages
from qgis.core import Qgis, QgsApplication, QgsCoordinateReferenceSystem, QgsRectangle, QgsSettings
from qgis.PyQt.QtCore import QCoreApplication, Qt, QTranslator

I18N = REPO_ROOT / "i18n"
TEMPLATE = I18N / "openeo_grid_jobs.ts"
GERMAN = I18N / "openeo_grid_jobs_de.ts"
GERMAN_QM = I18N / "openeo_grid_jobs_de.qm"
LOCALE_KEYS = ("locale/overrideFlag", "locale/userLocale")
ANTWERP = (4.3, 51.15, 4.5, 51.3)
QGIS_PROCESS = shutil.which("qgis_process.bin") or shutil.which("qgis_process")


# --- the strings and the files ------------------------------------------------------------
def test_every_string_of_the_code_is_in_the_template():
    """pylupdate found exactly the strings Python sees (``scripts/translations.py
    update`` was run after the last change of a user-visible string)."""
    found = code_messages()
    assert found.formatted == [], "an f-string is never translated: use .format() after"
    _, template = ts_messages(TEMPLATE)
    in_template = {(m.context, m.source): m.numerus for m in template}
    assert sorted(set(found.messages) - set(in_template)) == [], "run translations.py update"
    assert sorted(set(in_template) - set(found.messages)) == [], "run translations.py update"
    assert in_template == found.messages  # a count (%n) where the code passes one
    assert all(m.kind == "unfinished" and m.translations == [""] for m in template)
    assert len(in_template) > 250


@pytest.mark.skipif(shutil.which("pylupdate5") is None, reason="pylupdate5 (pyqt5-dev-tools)")
def test_regenerating_the_ts_files_changes_nothing():
    checked = subprocess.run(
        [sys.executable, str(REPO_ROOT / "scripts" / "translations.py"), "check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_german_translation_is_complete():
    language, german = ts_messages(GERMAN)
    assert language == "de"
    _, template = ts_messages(TEMPLATE)
    # the same messages; their order in the file is pylupdate's (Qt reads them by key)
    assert sorted((m.context, m.source) for m in german) == sorted(
        (m.context, m.source) for m in template
    )
    for message in german:
        where = f"{message.context}: {message.source[:60]!r}"
        assert message.kind == "", f"{message.kind}: {where}"  # unfinished, obsolete, vanished
        assert all(t.strip() for t in message.translations), where
        assert len(message.translations) == (2 if message.numerus else 1), where
        for translation in message.translations:
            assert translation != message.source or len(translation) < 20, f"English? {where}"
            assert placeholders(translation) == placeholders(message.source), where


def test_compiled_translation_is_its_source():
    """The shipped .qm says what the .ts says (``translations.py compile`` was run).

    Read as the plugin reads it: the translator installed, ``translate()`` (PyQt's
    ``QTranslator.translate`` takes ASCII source texts only)."""
    from openeo_grid_jobs.ui.i18n import translate

    _, german = ts_messages(GERMAN)
    translator = QTranslator()
    assert translator.load(str(GERMAN_QM))
    QCoreApplication.installTranslator(translator)
    try:
        for message in german:
            if message.numerus:
                for n, form in ((1, message.translations[0]), (3, message.translations[1])):
                    got = translate(message.context, message.source, None, n)
                    assert got == form.replace("%n", str(n)), message.source
            else:
                got = translate(message.context, message.source)
                assert got == message.translations[0], message.source
    finally:
        QCoreApplication.removeTranslator(translator)
    assert translate("GridJobsDock", "Problems") == "Problems"


def test_release_zip_ships_the_compiled_translations(tmp_path):
    out = subprocess.run(
        [sys.executable, str(REPO_ROOT / "scripts" / "package.py"), "--out", str(tmp_path)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
        assert zf.read("openeo_grid_jobs/i18n/openeo_grid_jobs_de.qm") == GERMAN_QM.read_bytes()
    assert not [n for n in names if n.endswith(".ts")]  # the sources stay in the repo


def test_translation_file_follows_the_locale():
    from openeo_grid_jobs.ui.i18n import translation_file

    for locale in ("de", "de_DE", "de_AT", "de-CH"):
        assert translation_file(locale) == GERMAN_QM
    for locale in ("en", "en_US", "C", "", "fr", "xx_YY"):
        assert translation_file(locale) is None


# --- QGIS's locale --------------------------------------------------------------------------
@pytest.fixture
def qgis_locale():
    """Set QGIS's user interface language as its Options dialog does; restored after."""
    settings = QgsSettings()
    saved = {key: settings.value(key) for key in LOCALE_KEYS}

    def set_locale(language: str) -> None:
        settings.setValue("locale/overrideFlag", True)
        settings.setValue("locale/userLocale", language)
        assert QgsApplication.locale() == language

    yield set_locale
    for key, value in saved.items():
        if value is None:
            settings.remove(key)
        else:
            settings.setValue(key, value)


@pytest.fixture
def loaded(desktop, auth_manager, qgis_new_project):
    """Plugins loaded as QGIS loads them (classFactory, initProcessing, initGui); each
    unloaded at the end, whatever happened."""
    from openeo_grid_jobs import classFactory

    plugins = []

    def load():
        plugin = classFactory(desktop.iface)
        plugins.append(plugin)
        plugin.initProcessing()
        plugin.initGui()
        return plugin

    yield load
    for plugin in plugins:
        if plugin.action is not None or plugin.provider is not None:
            plugin.unload()


def open_dock(plugin, qtbot):
    plugin.action.trigger()
    qtbot.waitUntil(plugin.dock.isVisible)
    return plugin.dock


def tab_texts(dock) -> list[str]:
    return [dock.tabs.tabText(i) for i in range(dock.tabs.count())]


def create_grid(dock, desktop, qgis_canvas, qtbot) -> str:
    """Create grid over Antwerp from the map, as a user would: the bar's message."""
    qgis_canvas.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:4326"))
    qgis_canvas.setExtent(QgsRectangle(*ANTWERP))
    desktop.iface.messageBar().clear_messages()
    with qtbot.waitSignal(dock.grid_panel.grid_created, timeout=30_000):
        qtbot.mouseClick(dock.grid_panel.create_button, Qt.MouseButton.LeftButton)
    (message,) = desktop.iface.messageBar().get_messages(Qgis.MessageLevel.Success)
    return message


def algorithm(algorithm_id: str):
    found = QgsApplication.processingRegistry().algorithmById(algorithm_id)
    assert found is not None
    return found


def test_german_qgis_gets_a_german_plugin_and_english_again(
    qgis_locale, loaded, desktop, qgis_canvas, qtbot
):
    qgis_locale("de")
    plugin = loaded()
    assert plugin.translator is not None
    dock = open_dock(plugin, qtbot)
    panel = dock.jobs_panel
    assert tab_texts(dock) == ["Gitter", "Job", "Lauf", "Probleme"]
    assert panel.buttons.run.text() == "Ausführen"
    assert panel.buttons.stop.text() == "Anhalten"
    assert panel.buttons.cancel.toolTip().startswith("Die Backend-Jobs der gewählten Kacheln")
    assert dock.grid_panel.create_button.text() == "Gitter erstellen"
    assert panel.run_page.results_button.text() == "Ergebnisse laden"
    assert panel.problems_page.summary.text() == "Keine Probleme."
    message = create_grid(dock, desktop, qgis_canvas, qtbot)
    assert "Kacheln zu 5000 m" in message, message
    layer = dock.grid_panel.grid_layer
    assert layer.name().startswith("Gitter 5000 m")
    assert layer.attributeAlias(layer.fields().indexOf("west")) == "West (Länge °, WGS 84)"
    assert panel.status.progress.format() == "%v / %m Kacheln erledigt"

    grid = algorithm("openeogridjobs:creategrid")
    assert grid.displayName() == "Kachelgitter erstellen"
    assert grid.shortHelpString().startswith("Erstellt ein quadratisches Kachelgitter")
    assert grid.parameterDefinition("TILE_SIZE").description() == "Kachelgröße (m)"
    run = algorithm("openeogridjobs:runjobs")
    assert run.displayName() == "Einen openEO-Batch-Job je Kachel ausführen"
    assert run.parameterDefinition("JOB_DB").description() == "Job-Datenbank"
    assert "<b>Abbrechen beendet die Verfolgung</b>" in run.shortHelpString()

    plugin.unload()
    assert plugin.translator is None
    qgis_locale("en")
    plugin = loaded()
    assert plugin.translator is None  # English is the source: nothing to load
    dock = open_dock(plugin, qtbot)
    assert tab_texts(dock) == ["Grid", "Job", "Run", "Problems"]
    assert dock.jobs_panel.buttons.run.text() == "Run"
    assert dock.grid_panel.create_button.text() == "Create grid"
    assert "tiles of 5000 m" in create_grid(dock, desktop, qgis_canvas, qtbot)
    assert algorithm("openeogridjobs:creategrid").displayName() == "Create tile grid"
    assert algorithm("openeogridjobs:creategrid").shortHelpString().startswith("Builds a square")


def test_processing_alone_is_translated(qgis_locale):
    """``qgis_process`` calls initProcessing only, with no iface: the translation comes
    with it, and goes with unload."""
    from openeo_grid_jobs import classFactory

    qgis_locale("de")
    plugin = classFactory(None)
    plugin.initProcessing()
    try:
        assert plugin.translator is not None
        opened = algorithm("openeogridjobs:openjobdatabase")
        assert opened.displayName() == "Job-Datenbank öffnen"
        assert opened.parameterDefinition("INPUT").description() == "Job-Datenbank"
    finally:
        plugin.unload()
    from openeo_grid_jobs.ui.i18n import translate

    assert translate("GridJobsDock", "Problems") == "Problems"  # the translator is gone


@pytest.mark.skipif(QGIS_PROCESS is None, reason="qgis_process is not installed")
def test_qgis_process_speaks_the_profiles_language(tmp_path):
    from devtools.launch_qgis import qgis_environment
    from devtools.qgis_profile import make_profile

    profiles = tmp_path / "profiles"
    make_profile(profiles, {"locale": {"overrideFlag": "true", "userLocale": "de"}})
    helped = subprocess.run(
        [str(QGIS_PROCESS), "help", "openeogridjobs:creategrid"],
        env=qgis_environment(
            {"QT_QPA_PLATFORM": "offscreen", "QGIS_CUSTOM_CONFIG_PATH": str(profiles)}
        ),
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert helped.returncode == 0, helped.stdout + helped.stderr
    assert "Kachelgitter erstellen" in helped.stdout
    assert "Kachelgröße (m)" in helped.stdout
