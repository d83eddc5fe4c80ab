"""The ``openeo-grid-jobs`` command: the core for servers and scripts, no QGIS.

``main`` parses and dispatches; ``grid`` writes a tile grid; ``run`` is the run
engine (``core/engine/host``) in the foreground, its flags checked in full by
``run_settings``. Core never imports this package.
"""
