"""The job table: one row per tile, its template, its parameters, its lock.

``database`` reads and writes the table (openEO's job-manager CSV/Parquet),
``template`` and ``parameters`` say what each row's job computes, ``rows`` is a row as
the rest of the plugin sees it. A status the run writes into a row (``run/state``)
reaches viewers as ``rows`` in the engine's events (``engine/events``).
"""
