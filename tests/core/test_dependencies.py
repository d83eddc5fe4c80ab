"""The install command the message bar offers fits the Python QGIS runs on."""

from __future__ import annotations

import pytest
from openeo_grid_jobs.core.dependencies import PythonSite, install_command


def debian(version: tuple[int, ...], distribution: str = "debian") -> PythonSite:
    return PythonSite(
        platform="linux",
        prefix="/usr",
        python="/usr/bin/python3",
        externally_managed=True,
        distribution=distribution,
        version=version,
    )


def test_recent_debian_takes_the_geo_stack_from_apt_and_openeo_from_pip():
    command = install_command(["openeo", "geopandas", "pyproj"], debian((13,)))
    assert command == (
        "sudo apt install python3-geopandas python3-pyogrio python3-pyproj && "
        '"/usr/bin/python3" -m pip install --user --break-system-packages "openeo>=0.53,<0.54"'
    )


def test_ubuntu_24_04_has_recent_enough_packages_and_22_04_does_not():
    assert install_command(["shapely"], debian((24, 4), "ubuntu")) == (
        "sudo apt install python3-shapely"
    )
    older = install_command(["shapely"], debian((22, 4), "ubuntu"))
    assert older.startswith('"/usr/bin/python3" -m pip install')
    assert "--no-binary shapely,pyogrio" in older


def test_debian_12_builds_shapely_and_pyogrio_from_source_only_when_pip_installs_them():
    geo = install_command(["geopandas"], debian((12,)))
    assert geo == (
        '"/usr/bin/python3" -m pip install --user --break-system-packages '
        '--no-binary shapely,pyogrio "geopandas>=0.14,<1.1"'
    )
    assert "--no-binary" not in install_command(["openeo"], debian((12,)))


@pytest.mark.parametrize(
    ("site", "expected"),
    [
        (
            PythonSite("win32", r"C:\OSGeo4W\apps\Python312", r"C:\OSGeo4W\bin\python.exe", False),
            r'"C:\OSGeo4W\bin\python.exe" -m pip install --user "openeo>=0.53,<0.54"',
        ),
        (
            PythonSite(
                "darwin",
                "/Applications/QGIS-LTR.app/Contents/Frameworks",
                "/Applications/QGIS-LTR.app/Contents/MacOS/bin/python3",
                False,
            ),
            '"/Applications/QGIS-LTR.app/Contents/MacOS/bin/python3" -m pip install --user '
            '"openeo>=0.53,<0.54"',
        ),
        (
            PythonSite("linux", "/home/me/venv", "/home/me/venv/bin/python", False, True),
            '"/home/me/venv/bin/python" -m pip install "openeo>=0.53,<0.54"',
        ),
    ],
)
def test_windows_macos_and_virtualenvs_use_pip(site, expected):
    assert install_command(["openeo"], site) == expected


def test_this_machine_is_described_from_its_os_release():
    site = PythonSite.current()
    assert site.platform.startswith("linux")
    assert site.distribution == "debian"
    assert site.version[0] in (12, 13)
    # Debian 12's geopandas is too old; QGIS 3.40's Debian 13 root has recent ones
    # (the suite's venv on Debian 12 is not the distribution's Python either way)
    assert site.has_recent_packages == (site.version >= (13,) and site.prefix == "/usr")
