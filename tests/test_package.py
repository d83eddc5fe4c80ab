"""The release zip: what QGIS's "Install from ZIP" gets."""

from __future__ import annotations

import configparser
import subprocess
import sys
import zipfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

REQUIRED_METADATA = {
    "name",
    "qgisMinimumVersion",
    "description",
    "about",
    "version",
    "author",
    "email",
    "repository",
    "tracker",
    "homepage",
    "tags",
    "category",
    "icon",
    "experimental",
}


def test_package_command_builds_installable_zip(tmp_path):
    out = subprocess.run(
        [sys.executable, str(REPO_ROOT / "scripts" / "package.py"), "--out", str(tmp_path)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    zip_path = Path(out)
    assert zip_path.parent == tmp_path
    with zipfile.ZipFile(zip_path) as zf:
        names = zf.namelist()
        assert zf.testzip() is None
        metadata = zf.read("openeo_grid_jobs/metadata.txt").decode()

    assert all(n.startswith("openeo_grid_jobs/") for n in names)
    for needed in (
        "__init__.py",
        "plugin.py",
        "metadata.txt",
        "icon.svg",
        "LICENSE",
        "core/__init__.py",
        "ui/__init__.py",
        "ui/widgets/dock.py",
    ):
        assert f"openeo_grid_jobs/{needed}" in names
    for forbidden in (
        "tests/",
        "devtools/",
        "scripts/",
        "benchmarks/",
        ".venv",
        ".ci/",
        "__pycache__",
        ".git",
        "pyproject.toml",
        "requirements/",
    ):
        assert not any(forbidden in n for n in names), forbidden

    meta = configparser.ConfigParser()
    meta.optionxform = str  # QGIS reads metadata keys case-sensitively
    meta.read_string(metadata)
    general = meta["general"]
    assert set(general) >= REQUIRED_METADATA
    assert general["qgisMinimumVersion"] == "3.22"
    assert "supportsQt6" not in general  # only once the suite runs on a Qt 6 QGIS
    # the versions the about text calls tested are the ones this suite runs on
    from qgis.core import Qgis

    running = ".".join(Qgis.QGIS_VERSION.split(".")[:2])
    assert "Tested on QGIS 3.22 and 3.44 LTR (Linux)" in general["about"]
    assert running in ("3.22", "3.40", "3.44")
    assert general["qgisMaximumVersion"] == "4.99"  # listed for QGIS 4
    assert general["category"] == "Web"
    assert f"openeo_grid_jobs/{general['icon']}" in names
    assert zip_path.name == f"openeo_grid_jobs-{general['version']}.zip"


def test_zip_installs_and_loads_as_plugin(tmp_path):
    """Unzipped into a plugins folder, QGIS's own loader finds and starts it."""
    out = subprocess.run(
        [sys.executable, str(REPO_ROOT / "scripts" / "package.py"), "--out", str(tmp_path)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    plugins = tmp_path / "plugins"
    with zipfile.ZipFile(out) as zf:
        zf.extractall(plugins)
    code = (
        "import sys\n"
        "from qgis.core import QgsApplication\n"
        "app = QgsApplication([], True); app.initQgis()\n"
        "import qgis.utils\n"
        f"qgis.utils.plugin_paths = [{str(plugins)!r}]\n"
        f"sys.path.insert(0, {str(plugins)!r})\n"
        "qgis.utils.updateAvailablePlugins()\n"
        "assert 'openeo_grid_jobs' in qgis.utils.available_plugins, qgis.utils.available_plugins\n"
        "assert qgis.utils.loadPlugin('openeo_grid_jobs')\n"
        "mod = sys.modules['openeo_grid_jobs']\n"
        f"assert mod.__file__.startswith({str(plugins)!r}), mod.__file__\n"
        "print('loaded from', mod.__file__)\n"
    )
    # A clean environment: only the zip's copy of the plugin is importable.
    result = subprocess.run(
        ["/usr/bin/python3", "-c", code],
        capture_output=True,
        text=True,
        env={"QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path)},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "loaded from" in result.stdout
