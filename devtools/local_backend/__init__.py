"""A real openEO API on 127.0.0.1 for tests and the demo.

``server.py`` runs inside ``.venv-backend`` (openeo-driver's dummy back-end,
subclassed so that jobs progress and produce files); ``launcher.py`` starts and
stops it from any Python without importing openeo-driver.
"""
