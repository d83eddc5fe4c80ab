"""openEO Grid Jobs: a QGIS plugin that runs one openEO batch job per grid tile.

QGIS calls :func:`classFactory`; nothing else is imported at load time so that
QGIS start-up stays fast (heavy packages are imported when first used).
The package also works without QGIS: ``openeo_grid_jobs.core`` is plain Python.
"""


def classFactory(iface):  # noqa: N802 (name fixed by QGIS)
    """Create the plugin instance for QGIS."""
    from .core import pyproj_threads
    from .plugin import OpenEOGridJobsPlugin

    pyproj_threads.install()  # before any QGIS task of ours uses pyproj

    return OpenEOGridJobsPlugin(iface)
