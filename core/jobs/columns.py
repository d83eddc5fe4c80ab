"""The job table's columns: openEO's job-manager format, and this plugin's own.

Columns of the openeo client's ``MultiBackendJobManager`` (``id``,
``backend_name``, ``status``, ``start_time``, ``running_start_time``,
``costs``, usage columns) so that a tracker made by a notebook opens here and
vice versa. Our extra columns: the tile (``tile_id``, ``col``, ``row``, ``crs``,
``geometry`` as WKT in the grid CRS) and the seed notebook's ``spatial_extent``
(GeoJSON, lon/lat), ``start_date``, ``end_date``; plus ``message``, ``result``,
``run_tag``, ``intent_at``, ``attempt``, ``end_time`` (UTC, when the tile became
final), ``duration_s`` (seconds from ``start_time`` to ``end_time``, see
:func:`~.rows.final_times`) and ``progress`` (the job's, 0-100, as last reported). A
job table without some of them (older, or a notebook's) gets them empty when read
(:func:`~.table.normalize`).

``start_time`` is when the back-end accepted the job's start: empty for a tile whose
job never started (``start_failed``, ``skipped``). ``duration_s`` is not named
``duration``: the openeo client fills a ``duration`` column of its own with the
back-end's usage figure (text such as ``"3 seconds"``), which is kept as it is.
"""

from __future__ import annotations

from typing import Any

from ..definitions import NOT_STARTED

#: The openeo client's job-manager columns (``MultiBackendJobManager._column_requirements``).
MANAGER_COLUMNS: dict[str, Any] = {
    "id": None,
    "backend_name": None,
    "status": NOT_STARTED,
    "start_time": None,
    "running_start_time": None,
    "costs": float("nan"),
}
#: ``intent_at``: when a job-creating request for the row was about to be sent (UTC); set
#: before the request, cleared once its job id is known or it is sure no job was made
EXTRA_COLUMNS: dict[str, Any] = {
    "message": None,
    "result": None,
    "run_tag": None,
    "intent_at": None,
    #: how many times the tile was (re)submitted; part of its job's title
    "attempt": 1,
    "end_time": None,
    "duration_s": float("nan"),
    #: the job's ``progress`` (0-100) as its back-end last reported it (the openeo client
    #: keeps no such column)
    "progress": float("nan"),
    #: a finished job's result files on the back-end (JSON: href, name, type), asked for
    #: by a run that does not download them
    "result_url": None,
}
#: the columns a run writes in every row (the job manager's, this plugin's, the tile's):
#: a job's usage key or a field bound to a job parameter must never take one of these names
RUN_COLUMNS = frozenset(MANAGER_COLUMNS).union(
    EXTRA_COLUMNS, ("col", "row", "crs", "geometry", "spatial_extent")
)
#: text columns that pandas must not turn into floats when they are all empty
TEXT_COLUMNS = (
    "id",
    "backend_name",
    "start_time",
    "running_start_time",
    "message",
    "result",
    "intent_at",
    "end_time",
    "result_url",
)
#: the columns that name a row (a unit's id may look like a number)
ID_COLUMNS = ("tile_id", "unit_id")
