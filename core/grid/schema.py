"""Attribute fields of a grid: the tile itself, and the job fields a run fills in.

Names are at most 10 characters so that a Shapefile export keeps them as they
are (dBASE limit); the job fields map to openEO job-database columns
(``id`` → ``job_id``, ``backend_name`` → ``backend``, ``start_time`` → ``started``,
``end_time`` → ``ended``, ``duration_s`` → ``duration`` in seconds, ...). The job's
``usage`` texts (``cpu``, ``memory``: ``"120 cpu-seconds"``) become numbers a map can
use: ``cpu_h`` (CPU hours), ``mem_gbh`` (memory GB-hours).
"""

from __future__ import annotations

from typing import Literal

FieldType = Literal["str", "int", "float"]

TILE_FIELDS: tuple[tuple[str, FieldType], ...] = (
    ("tile_id", "str"),
    ("col", "int"),
    ("row", "int"),
    ("west", "float"),
    ("south", "float"),
    ("east", "float"),
    ("north", "float"),
)
JOB_FIELDS: tuple[tuple[str, FieldType], ...] = (
    ("status", "str"),
    ("job_id", "str"),
    ("backend", "str"),
    ("started", "str"),
    ("running", "str"),
    ("ended", "str"),
    ("duration", "float"),
    ("costs", "float"),
    ("progress", "float"),
    ("cpu_h", "float"),
    ("mem_gbh", "float"),
    ("message", "str"),
    ("result", "str"),
)
GRID_FIELDS = TILE_FIELDS + JOB_FIELDS
