"""What each tile's openEO batch job computes: the job template.

Default: the seed notebook's job, NDVI of B04/B08 averaged over the dates
(``load_collection → ndvi → mean_time``), saved as NetCDF. Alternatives: a
user-supplied process graph (its ``load_collection`` gets the tile's extent and
the dates), or a user-defined process (UDP) called with ``spatial_extent`` and
``temporal_extent``.

The tile's extent is sent as a bbox in the grid's own CRS (``{"west", ...,
"crs": 32631}``), so results align with the grid; or, with ``extent="geojson"``, as
the unit's polygon in lon/lat (GeoJSON), for back-ends or processes that clip to the
polygon itself (a field, an admin area: see :mod:`..grid.units`).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..definitions import DEFAULT_BANDS, DEFAULT_COLLECTION, PLUGIN_NAME, OutputFormat
from ..grid.windows import parse_windows
from .parameters import (
    bound_columns,
    check_bindings,
    fill_parameters,
    graph_values,
    refuse_unbound,
    row_arguments,
    udp_parameters,
    unbound_required,
    unclaimed,
)
from .process_graphs import TemplateError as TemplateError
from .process_graphs import flat_graph, inject_extent
from .process_graphs import parse_job_options as parse_job_options
from .process_graphs import parse_process_document as parse_process_document
from .process_graphs import parse_process_graph as parse_process_graph

if TYPE_CHECKING:
    import openeo

    from ..grid.windows import TimeWindow

PROCESS_NDVI = "ndvi_mean"
PROCESS_GRAPH = "process_graph"
PROCESS_UDP = "udp"
PROCESSES = (PROCESS_NDVI, PROCESS_GRAPH, PROCESS_UDP)
OUTPUT_FORMATS = tuple(f.value for f in OutputFormat)
EXTENT_BBOX = "bbox"
EXTENT_GEOJSON = "geojson"
EXTENTS = (EXTENT_BBOX, EXTENT_GEOJSON)
#: The seed notebook's job options.
DEFAULT_JOB_OPTIONS: dict[str, str] = {
    "executor-memory": "2G",
    "executor-memoryOverhead": "2G",
    "python-memory": "500m",
}


@dataclass
class TileExtent:
    """One tile as the back-end should see it."""

    tile_id: str
    west: float
    south: float
    east: float
    north: float
    epsg: int | None = None  # None: ``geojson`` is used instead
    geojson: dict | None = None  # a seed-style tracker's lon/lat polygon
    #: the row's own dates (the seed notebook's ``start_date``/``end_date``), which win
    #: over the template's
    start: str | None = None
    end: str | None = None
    #: the row's polygon in lon/lat as GeoJSON text (its ``spatial_extent`` column),
    #: parsed only when a template sends polygons
    lonlat: str | None = None
    #: the row's values of the columns bound to parameters (:mod:`.parameters`)
    values: dict[str, Any] = field(default_factory=dict)

    def spatial_extent(self, as_geojson: bool = False) -> dict:
        """The bbox in the tile's CRS, or (``as_geojson``) its lon/lat polygon."""
        if as_geojson and self.geojson is None and self.lonlat:
            return dict(json.loads(self.lonlat))
        if self.epsg is None or as_geojson:
            if self.geojson is None:
                raise TemplateError(f"Tile {self.tile_id} has neither a CRS nor a GeoJSON extent.")
            return self.geojson
        return {
            "west": self.west,
            "south": self.south,
            "east": self.east,
            "north": self.north,
            "crs": self.epsg,
        }


@dataclass
class JobTemplate:
    start: str
    end: str
    collection: str = DEFAULT_COLLECTION
    bands: list[str] = field(default_factory=lambda: list(DEFAULT_BANDS))
    process: str = PROCESS_NDVI
    process_graph: dict | None = None
    udp_id: str | None = None
    udp_namespace: str | None = None
    out_format: str = OutputFormat.NETCDF.value
    job_options: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_JOB_OPTIONS))
    title: str = PLUGIN_NAME
    #: how a unit's extent is sent: its bbox in its CRS, or its polygon in lon/lat
    extent: str = EXTENT_BBOX
    #: time windows as ISO 8601 intervals (:mod:`..grid.windows`): one job per unit and
    #: window; empty: one window per unit (the template's dates, or the row's own)
    windows: list[str] = field(default_factory=list)
    #: per-job parameters of a UDP or graph: ``{name: {"column": FIELD} | {"value": v}}``
    parameters: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: the parameters a process graph file declares (its ``parameters`` list)
    process_parameters: list[dict[str, Any]] = field(default_factory=list)

    def validate(self) -> JobTemplate:
        """Check everything that can be checked without a back-end; return self."""
        start, end = _date(self.start, "start"), _date(self.end, "end")
        if end <= start:
            raise TemplateError(
                f"The end date {self.end} must be after the start date {self.start}."
            )
        if self.process not in PROCESSES:
            raise TemplateError(f"Unknown process {self.process!r}; choose one of {PROCESSES}.")
        if self.out_format not in OUTPUT_FORMATS:
            raise TemplateError(
                f"Unknown output format {self.out_format!r}; choose one of {OUTPUT_FORMATS}."
            )
        if self.extent not in EXTENTS:
            raise TemplateError(f"Unknown extent {self.extent!r}; choose one of {EXTENTS}.")
        self.time_windows()  # a bad one is refused, naming it
        if not isinstance(self.job_options, dict):
            raise TemplateError(
                'Job options must be a JSON object, e.g. {"executor-memory": "2G"}.'
            )
        check_bindings(self.parameters)
        if self.parameters and self.process == PROCESS_NDVI:
            raise TemplateError(
                "Parameters go with a user-defined process or a process graph file, not the "
                "NDVI mean."
            )
        if self.process == PROCESS_NDVI:
            if not self.collection.strip():
                raise TemplateError("Name the collection to load, e.g. SENTINEL2_L2A.")
            if len(self.bands) != 2 or not all(b.strip() for b in self.bands):
                raise TemplateError(
                    "NDVI needs exactly two bands, red then near-infrared (e.g. B04, B08)."
                )
        elif self.process == PROCESS_GRAPH:
            graph = flat_graph(self.process_graph)
            if not any(n.get("process_id") == "load_collection" for n in graph.values()):
                raise TemplateError(
                    "The process graph has no load_collection node to receive the tile's extent."
                )
            self._check_graph_parameters()
        elif not (self.udp_id or "").strip():
            raise TemplateError("Name the user-defined process (UDP) to call.")
        return self

    def _check_graph_parameters(self) -> None:
        """Bindings of a graph file name parameters it declares (when it declares any),
        and every required one is bound."""
        declared = [str(p["name"]) for p in self.process_parameters]
        unknown = [n for n in self.parameters if declared and n not in declared]
        if unknown:
            raise TemplateError(
                f"The process graph has no parameter {', '.join(map(repr, unknown))}; its "
                f"parameters: {', '.join(declared)}."
            )
        refuse_unbound(
            unbound_required(self.process_parameters, self.parameters), "The process graph"
        )

    def missing_parameters(self, connection: openeo.Connection) -> list[str]:
        """The UDP's required parameters that nothing binds, from its description on
        ``connection`` (none when it cannot be known: another namespace)."""
        if self.process != PROCESS_UDP or not self.udp_id:
            return []
        declared = udp_parameters(connection, self.udp_id, self.udp_namespace)
        return [] if declared is None else unbound_required(declared, self.parameters)

    def bound_columns(self) -> list[str]:
        """The units' fields whose values the jobs get (:mod:`.parameters`)."""
        return bound_columns(self.parameters)

    def time_windows(self) -> list[TimeWindow]:
        """The run's time windows (empty: one per unit)."""
        return parse_windows(self.windows) if self.windows else []

    def job_title(self, tile_id: str, run_tag: str, attempt: int = 1) -> str:
        """Unique per tile, run and attempt: a tile's job is found again by this title
        (a retried tile's new job must not be mistaken for its failed one)."""
        tag = run_tag if attempt <= 1 else f"{run_tag}.{attempt}"
        return f"{self.title} {tile_id} [{tag}]"

    def dates_for(self, tile: TileExtent) -> list[str]:
        """The tile's own dates when its row has them, else the template's."""
        return [tile.start or self.start, tile.end or self.end]

    def graph_for(self, connection: openeo.Connection, tile: TileExtent) -> dict:
        """The tile's flat process graph, ``save_result`` included."""
        extent = tile.spatial_extent(as_geojson=self.extent == EXTENT_GEOJSON)
        dates = self.dates_for(tile)
        if self.process == PROCESS_NDVI:
            cube = connection.load_collection(
                self.collection,
                spatial_extent=extent,
                temporal_extent=dates,
                bands=list(self.bands),
                fetch_metadata=False,
            )
            cube = cube.ndvi(red=self.bands[0], nir=self.bands[1]).mean_time()
            return cube.save_result(format=self.out_format).flat_graph()
        if self.process == PROCESS_UDP:
            if not self.udp_id:  # validate() requires a UDP name
                raise TemplateError("Name the user-defined process to run.")
            auto = {"spatial_extent": extent, "temporal_extent": dates}
            arguments = {
                **unclaimed(self.parameters, auto),
                **row_arguments(self.parameters, tile.values, auto),
            }
            cube = connection.datacube_from_process(
                self.udp_id, namespace=self.udp_namespace or None, **arguments
            )
            return cube.save_result(format=self.out_format).flat_graph()
        graph = inject_extent(flat_graph(self.process_graph), extent, dates, self.out_format)
        auto = {"spatial_extent": extent, "temporal_extent": dates}
        arguments = row_arguments(self.parameters, tile.values, auto)
        if not self.process_parameters:  # no declaration: fill what is bound
            return fill_parameters(graph, arguments)
        return fill_parameters(graph, graph_values(self.process_parameters, arguments, auto))

    def create_job(
        self, connection: openeo.Connection, tile: TileExtent, title: str
    ) -> openeo.BatchJob:
        """Create (not start) the tile's batch job on ``connection``.

        No validation request per job: a run validates its first tile once per
        back-end before it submits anything (see the runner's preflight).
        """
        return connection.create_job(
            self.graph_for(connection, tile),
            title=title,
            job_options=self.job_options,
            validate=False,
        )

    # --- persistence (settings, CLI) -------------------------------------------------
    def differences(self, other: JobTemplate) -> list[str]:
        """What ``other`` would compute differently, one phrase per setting, for the
        message that refuses to resume a run with changed settings."""
        mine, theirs = self.to_dict(), other.to_dict()
        return [
            f"{key.replace('_', ' ')}: {_show(mine.get(key))} in the run, "
            f"{_show(theirs.get(key))} now"
            for key in mine
            if key != "title" and mine.get(key) != theirs.get(key)
        ]

    def to_dict(self) -> dict[str, Any]:
        return {k: copy.deepcopy(v) for k, v in self.__dict__.items()}

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> JobTemplate:
        known = {k: v for k, v in values.items() if k in cls.__dataclass_fields__}
        return cls(**known)


def _show(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _date(value: str, what: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise TemplateError(f"The {what} date {value!r} is not a date like 2024-05-01.") from None
