"""qgis_process from the shell, in a throw-away QGIS profile: enable the plugin, list its
algorithms, make a grid, refuse bad input, run jobs with a login stored in QGIS.

On Debian 12 the ``qgis_process`` wrapper script adds ``--noversioncheck`` (from
``/etc/default/qgis``), which ``qgis_process`` refuses ("Command --noversioncheck
not known!"); ``qgis_process.bin``, the program itself, works. The profile is
chosen with ``QGIS_CUSTOM_CONFIG_PATH`` (qgis_process of QGIS 3.22 has no
``--profiles-path``).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from helpers.processing import BOUNDS, EXTENT
from openeo_grid_jobs.core.grid.grid import build_grid

from devtools.launch_qgis import local_backend_login, locale_settings, qgis_environment
from devtools.qgis_profile import PLUGIN_FOLDER_NAME, make_profile

QGIS_PROCESS = shutil.which("qgis_process.bin") or shutil.which("qgis_process")
ALGORITHMS = (
    "openeogridjobs:creategrid",
    "openeogridjobs:runjobs",
    "openeogridjobs:openjobdatabase",
)
pytestmark = pytest.mark.skipif(QGIS_PROCESS is None, reason="qgis_process is not installed")


@pytest.fixture(scope="module")
def profiles(tmp_path_factory) -> Path:
    """A profile with the plugin installed (linked) but not enabled, then enabled as a
    user would: ``qgis_process plugins enable openeo_grid_jobs``."""
    path = tmp_path_factory.mktemp("qgis_process") / "profiles"
    make_profile(path, {"PythonPlugins": {PLUGIN_FOLDER_NAME: "false"}})
    enabled = qgis_process(path, "plugins", "enable", PLUGIN_FOLDER_NAME)
    assert enabled.returncode == 0, enabled.stdout + enabled.stderr
    return path


def qgis_process(
    profiles: Path, *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {"QT_QPA_PLATFORM": "offscreen", "QGIS_CUSTOM_CONFIG_PATH": str(profiles)}
    return subprocess.run(
        [str(QGIS_PROCESS), *args],
        env=qgis_environment({**environment, **(env or {})}),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


def make_grid(profiles: Path, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """The issue's command: ``qgis_process run openeogridjobs:creategrid -- EXTENT=...``."""
    return qgis_process(
        profiles,
        "run",
        "openeogridjobs:creategrid",
        "--",
        f"EXTENT={EXTENT}",
        "TILE_SIZE=5000",
        *extra,
        f"OUTPUT={out.name}",
        cwd=out.parent,
    )


def test_enabled_plugin_lists_its_algorithms(profiles):
    plugins = qgis_process(profiles, "plugins")
    assert f"* {PLUGIN_FOLDER_NAME}" in plugins.stdout
    listed = qgis_process(profiles, "list")
    assert listed.returncode == 0, listed.stderr
    assert "openEO Grid Jobs" in listed.stdout
    for algorithm in ALGORITHMS:
        assert algorithm in listed.stdout
    helped = qgis_process(profiles, "help", "openeogridjobs:creategrid")
    assert "TILE_SIZE" in helped.stdout
    assert "UTM zone" in helped.stdout


def test_creategrid_writes_the_six_tiles(profiles, tmp_path):
    made = make_grid(profiles, tmp_path / "grid.gpkg")
    assert made.returncode == 0, made.stdout + made.stderr
    import geopandas as gpd

    grid = gpd.read_file(tmp_path / "grid.gpkg", engine="pyogrio")
    assert sorted(grid["tile_id"]) == sorted(build_grid(BOUNDS, "EPSG:32631", 5000).tile_ids)
    assert grid.crs.to_epsg() == 32631
    assert set(grid["status"]) == {"not_started"}


def test_bad_input_fails_with_the_cores_message(profiles, tmp_path):
    refused = make_grid(profiles, tmp_path / "grid.gpkg", "MAX_TILES=5")
    assert refused.returncode != 0
    assert (
        "6 tiles of 5000 m would be made, more than the limit of 5"
        in refused.stderr + refused.stdout
    )
    assert not (tmp_path / "grid.gpkg").exists()


def test_runjobs_headless_with_a_login_stored_in_qgis(profiles, tmp_path, local_backend):
    """A server-side run: the connection and its basic login saved in the profile (as the
    dock saves them), the master password from QGIS_AUTH_PASSWORD_FILE; no secret on the
    command line."""
    settings, env = local_backend_login(profiles, local_backend.url, parallel_jobs=3)
    settings.update(locale_settings("en_US"))  # the tests read English
    make_profile(profiles, settings)
    grid = tmp_path / "grid.gpkg"
    assert make_grid(profiles, grid).returncode == 0
    job_db = tmp_path / "jobs.csv"
    ran = qgis_process(
        profiles,
        "--json",
        "run",
        "openeogridjobs:runjobs",
        "--",
        f"GRID={grid}",
        "CONNECTION=Local back-end",
        "POLL_INTERVAL=0.3",
        f"JOB_DB={job_db}",
        env=env,
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    results = json.loads(ran.stdout[ran.stdout.index("{") :])["results"]
    assert (results["FINISHED"], results["NOT_FINAL"]) == (6, 0)
    assert results["JOB_DB"] == str(job_db)
    assert len([p for p in (tmp_path / "jobs_results").iterdir() if p.is_dir()]) == 6
    assert results["MOSAIC"] == str(tmp_path / "jobs_results" / "mosaic.vrt")
    assert "alice123" not in ran.stdout + ran.stderr
