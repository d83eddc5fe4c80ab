"""The help of ``runjobs``: what each parameter means, shown beside its dialog.

Apart from :mod:`.run_parameters` (which defines the parameters) to keep both short;
translated in the ``RunJobsAlgorithm`` context like the rest of the algorithm.
"""

from __future__ import annotations

from qgis.PyQt.QtCore import QT_TRANSLATE_NOOP

RUN_HELP = QT_TRANSLATE_NOOP(
    "RunJobsAlgorithm",
    """Submits one openEO batch job per unit (a grid's tile, or a polygon of any \
layer) and time window to a back-end, at most <i>Jobs at once</i> at a time, and \
tracks them until every tile is final \
(finished, error, canceled...). Each finished tile's result is downloaded. \
The same run engine as the plugin's dock and the openeo-grid-jobs command.

<b>Cancel stops tracking</b>: the jobs keep running on the back-end. Run again \
with the same job database to resume: jobs already made are tracked, never \
submitted twice, and missing results are downloaded. A resumed run must use the \
same job settings (dates, bands, process...); other settings are refused with \
what differs.

<b>Units</b>: the polygons to run, one job each: a grid from Create tile grid or \
the dock, or any polygon layer (fields, admin areas, a native:creategrid grid). \
Needed to start a run; optional to resume (if given, it must hold the run's units). \
Features with start_date and end_date fields run over their own dates.
<b>Unit id field</b>: the field that names each unit (unique, not empty); tile_id, \
the plugin grid's, when empty. It names the unit's job and results folder.
<b>Connection</b>: the name of a back-end connection saved in the dock (Jobs › \
Back-ends). Its login comes from the QGIS authentication database, never from \
a parameter; a browser (OpenID Connect) login must have been done in the dock once.
<b>Collection</b>, <b>Bands (red, NIR)</b>: for the NDVI mean, e.g. SENTINEL2_L2A \
and B04,B08.
<b>Start date</b>, <b>End date</b> (exclusive): the dates of every job.
<b>Time windows</b>: instead of the dates, one job per unit and window, as the \
CLI's --windows: a step over a period, 2024-01-01/2025-01-01/P1M (P10D, P1W, P3M, \
P1Y, or season: the meteorological seasons DJF, MAM, JJA, SON from 1 Dec, 1 Mar, \
1 Jun, 1 Sep, clipped to the period), or ranges apart by spaces or semicolons, \
2024-03-01/2024-06-01; 2024-09-01/2024-11-01. Half-open: a window's end is the next \
one's start.
<b>Area sent</b>: each unit's bounding box (in the layer's CRS), or its own polygon \
(GeoJSON, lon/lat) for processes that clip to it (fields, admin areas), as the \
CLI's --extent.
<b>Process graph file</b>: a process graph JSON to run instead of the NDVI mean; \
its load_collection gets each tile's extent and the dates.
<b>User-defined process</b>, <b>UDP namespace</b>: a UDP to call instead, with \
spatial_extent and temporal_extent.
<b>Process parameters</b>: a JSON object binding the UDP's (or the process graph \
file's declared) parameters for each job: "column:FIELD" gives each job its unit's \
value of that field, "row:extent" and "row:dates" the unit's extent and the \
window's dates (for a process that names them otherwise), anything else is a \
constant, e.g. {"threshold": "column:thr", "max_cloud": 30}. spatial_extent and \
temporal_extent are the unit's extent and dates unless bound; a required \
parameter bound to nothing is refused, by name, before any job is submitted.
<b>Output format</b>: of each job's result (NetCDF or GTiff).
<b>Job options</b>: JSON object passed to every job, e.g. {"executor-memory": "2G"}.
<b>Jobs at once</b>: empty for the connection's own setting.
<b>Poll interval</b>: seconds between status checks.
<b>Retry failed tiles</b>: resubmit tiles that ended error, start_failed or skipped.
<b>Job database</b>: .csv or .parquet, the openeo client's job-manager format \
(a notebook's MultiBackendJobManager tracker is continued too). An existing \
one is resumed.
<b>Results folder</b>: where each tile's result goes (a folder per tile). \
Empty: &lt;job database name&gt;_results beside the job database, as in the dock.
<b>Download results</b>: off: the results stay on the back-end and the catalog \
in the results folder points at their URLs; run again with it on to fetch them.
<b>Max. waiting</b>, <b>Max. running</b> (hours, empty: no limit): a job still \
created or queued that long after its start, or running longer, is canceled and \
its tile fails with the reason; Retry failed tiles takes it.

Outputs: the job database, the results folder, the NDVI mosaic of the finished \
tiles (mosaic.vrt, added to the map) and a STAC catalog (catalog.json) in it, and \
the tiles per status.""",
)
