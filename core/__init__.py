"""Pure Python, no qgis or Qt imports: grids, job tables, the run, its results.

Usable from a notebook, a script or the ``openeo-grid-jobs`` command. The top level
holds only what every part shares (``definitions``, ``errors``, ``dependencies``,
``logging_setup``); each folder below is one part. A job's status change travels
``backends/`` (HTTP) → ``run/`` (gateway, polling, the table) → ``engine/`` (events on
the channel) → the viewer in ``ui/run/``.
"""
