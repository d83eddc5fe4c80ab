"""QGIS as the plugin uses it: layers, styles, settings, the auth store, threads.

A status change from ``ui/run/link`` goes into the grid layer through
``layer_feed`` and ``layer_updates`` (batched, one repaint), styled by
``status_style``. ``backends`` (saved connections as a run's back-ends, their
secrets from the auth store) and ``saved_run`` (a run as its files say it is) serve the
dock's run (``ui/run/``) and Processing alike: Processing imports nothing of ``ui/run/``
or ``ui/widgets/``.
"""
