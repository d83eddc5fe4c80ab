"""The job table: one row per tile, its template, its parameters, its lock.

``columns`` are the table's (openEO's job-manager format), ``table`` makes and
normalises it as a frame, ``database`` reads and writes it (CSV/Parquet),
``template`` and ``parameters`` say what each row's job computes, ``rows`` is a row as
the rest of the plugin sees it. A status the run writes into a row (``run/state``)
reaches viewers as ``rows`` in the engine's events (``engine/events``).
"""
