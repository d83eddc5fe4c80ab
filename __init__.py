"""openEO Grid Jobs: a QGIS plugin that runs one openEO batch job per grid tile.

QGIS calls :func:`classFactory`; nothing else is imported at load time so that
QGIS start-up stays fast (heavy packages are imported when first used).
The package also works without QGIS: ``openeo_grid_jobs.core`` is plain Python.

Every import of the plugin, whichever module it starts from (the dock, Processing,
the tests), first makes pyproj safe on QGIS's pooled task threads; that imports
no pyproj (see ``core/grid/pyproj_threads.py``).
"""

from .core.grid import pyproj_threads

pyproj_threads.install()


def classFactory(iface):  # noqa: N802 (name fixed by QGIS)
    """Create the plugin instance for QGIS."""
    from .plugin import OpenEOGridJobsPlugin

    return OpenEOGridJobsPlugin(iface)
