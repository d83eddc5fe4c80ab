"""Pure-Python core of openEO Grid Jobs: no qgis or Qt imports here.

Usable from a notebook, a script or the ``openeo-grid-jobs`` command.
"""
