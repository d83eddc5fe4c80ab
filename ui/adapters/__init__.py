"""QGIS as the plugin uses it: layers, styles, settings, the auth store, threads.

A status change from ``ui/run/link`` goes into the grid layer through
``layer_feed`` and ``layer_updates`` (batched, one repaint), styled by
``status_style``.
"""
