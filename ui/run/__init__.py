"""A run as the dock sees it: its engine started or attached, its events applied.

``inputs`` reads what a run is asked to do from the dock, with the back-ends of
``ui/adapters/backends`` (saved connections and their secrets); ``control`` is what the run
buttons do; ``viewer`` turns the engine's channel (``core/engine/channel``) into Qt
signals on the main thread; ``link`` applies them to the map
(``ui/adapters/layer_feed``), the counts and the bar. Beside the run going on:
``opener`` opens a run on the map from what ``ui/adapters/saved_run`` reads of its files,
``job_cancel`` cancels jobs, ``problems_controller`` is what the *Problems* tab does,
``messages`` and ``desktop_notify`` tell the user.
"""
