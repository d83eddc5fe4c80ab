"""The plugin's QGIS Processing provider: the grid, the run and the tracker as algorithms.

Not named ``processing``: the tests (and any script started from the repo root)
have the plugin folder on ``sys.path``, where a ``processing`` package here would
hide QGIS's own Processing framework.
"""
