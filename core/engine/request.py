"""What a run is asked to do: the one request the dock, Processing and the CLI all build.

A :class:`RunRequest` names the job database and says what to do with it (run,
refresh the statuses once, cancel jobs), with the settings for a new run (or
changes on resume), the grid's tiles, the back-ends' secrets and the engine's
policy. The run engine (:mod:`.engine`) carries it out, in the caller's process
(the CLI) or in a process of its own (the dock, Processing: :mod:`.launch`).

It crosses to that process as JSON over the child's standard input, a pipe:
secrets never go through a command line, an environment variable or a file.
:meth:`RunRequest.to_wire` is the only form that holds them; the job database and
the run settings beside it never do (:mod:`.config` refuses them).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

from ..backends.backend import BackendConfig, Secrets
from ..backends.proxy import ProxySettings
from ..definitions import StrEnum
from ..errors import RunError
from ..grid.units import DATE_COLUMNS
from ..jobs.parameters import plain
from ..run.scheduler import RunPolicy
from .config import RunConfig

if TYPE_CHECKING:
    import geopandas as gpd

#: tiles as the request carries them over the pipe (:func:`wire_tiles`): plain JSON values
WireTiles = dict[str, Any]


class RunAction(StrEnum):
    """What the engine does with the job database."""

    #: submit and track jobs until every tile is final (or Stop)
    RUN = "run"
    #: ask each back-end once for its jobs' statuses; launch nothing
    REFRESH = "refresh"
    #: cancel the jobs of some tiles (``RunRequest.cancel``), or of all
    CANCEL = "cancel"


@dataclass
class RunRequest:
    """One run's instructions. ``config`` None: the run's saved settings (resume)."""

    job_db: str
    action: RunAction = RunAction.RUN
    config: RunConfig | None = None
    #: the grid (tile_id, col, row, polygon) or any polygons' units (tile_id, polygon,
    #: their own start_date/end_date: :mod:`..grid.units`) for a new run, or to check a resumed
    #: one; the time windows travel in ``config.template.windows``. QGIS's process gives
    #: them as :data:`WireTiles` already, read without pandas (see :func:`wire_tiles`)
    tiles: gpd.GeoDataFrame | WireTiles | None = None
    #: each back-end's login, by back-end name; travels over the pipe only
    secrets: dict[str, Secrets] = field(default_factory=dict)
    retry_failed: bool = False
    #: failed tiles to replace by their four quarters before the run
    split: list[str] = field(default_factory=list)
    #: with CANCEL: these tiles' jobs (None: every unfinished job of the run)
    cancel: list[str] | None = None
    #: a notebook tracker's back-end names → the run's back-ends
    backend_map: dict[str, str] = field(default_factory=dict)
    #: RunPolicy fields that differ from the defaults (request_timeout, lookup_grace...)
    policy: dict[str, Any] = field(default_factory=dict)
    #: who started the run, for the lock and for "in use by ..." messages
    holder: str = "openeo-grid-jobs"
    #: seconds the engine waits for its first viewer before it starts (the dock and
    #: Processing attach right after the launch and must not miss an event)
    wait_for_viewer: float = 0.0
    #: the proxy set in QGIS, its password included (over the pipe only); None: the
    #: environment's, as requests does by default (the CLI)
    proxy: ProxySettings | None = None

    def run_policy(self, poll_interval: float) -> RunPolicy:
        known = {f.name for f in fields(RunPolicy)}
        unknown = set(self.policy) - known
        if unknown:
            raise RunError(f"Unknown run policy settings: {', '.join(sorted(unknown))}.")
        values = {"poll_interval": poll_interval, **self.policy}
        return RunPolicy(**values)

    # --- the wire: JSON over the engine's standard input ------------------------------
    def to_wire(self) -> bytes:
        """The request as one JSON document, secrets included (for the pipe only)."""
        data: dict[str, Any] = {
            "job_db": self.job_db,
            "action": str(self.action),
            "config": self.config.to_dict() if self.config is not None else None,
            "tiles": self._tiles_on_wire(),
            "secrets": {name: _secrets_dict(s) for name, s in self.secrets.items()},
            "retry_failed": self.retry_failed,
            "split": list(self.split),
            "cancel": self.cancel,
            "backend_map": dict(self.backend_map),
            "policy": dict(self.policy),
            "holder": self.holder,
            "wait_for_viewer": self.wait_for_viewer,
            "proxy": self.proxy.to_wire() if self.proxy is not None else None,
        }
        return json.dumps(data).encode("utf-8")

    def _tiles_on_wire(self) -> WireTiles | None:
        if self.tiles is None or isinstance(self.tiles, dict):
            return self.tiles
        return tiles_to_wire(self.tiles)

    @classmethod
    def from_wire(cls, raw: bytes) -> RunRequest:
        try:
            data = json.loads(raw.decode("utf-8"))
            return cls(
                job_db=str(data["job_db"]),
                action=RunAction(data.get("action", RunAction.RUN)),
                config=RunConfig.from_dict(data["config"]) if data.get("config") else None,
                tiles=tiles_from_wire(data["tiles"]) if data.get("tiles") else None,
                secrets={n: Secrets(**s) for n, s in (data.get("secrets") or {}).items()},
                retry_failed=bool(data.get("retry_failed")),
                split=[str(t) for t in data.get("split") or []],
                cancel=None if data.get("cancel") is None else [str(t) for t in data["cancel"]],
                backend_map={str(k): str(v) for k, v in (data.get("backend_map") or {}).items()},
                policy=dict(data.get("policy") or {}),
                holder=str(data.get("holder") or "openeo-grid-jobs"),
                wait_for_viewer=float(data.get("wait_for_viewer") or 0.0),
                proxy=ProxySettings.from_wire(data["proxy"]) if data.get("proxy") else None,
            )
        except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
            raise RunError(f"The run request cannot be read: {exc}") from None


def secrets_for(config: BackendConfig, secrets: Secrets) -> Secrets:
    """``secrets`` with the connection's user name filled in (basic login)."""
    if config.username and not secrets.username:
        return Secrets(
            username=config.username,
            password=secrets.password,
            refresh_token=secrets.refresh_token,
            client_id=secrets.client_id,
            client_secret=secrets.client_secret,
        )
    return secrets


def _secrets_dict(secrets: Secrets) -> dict[str, Any]:
    return {f.name: getattr(secrets, f.name) for f in fields(Secrets)}


def wire_tiles(
    crs: str | None,
    tile_ids: Sequence[Any],
    wkb: Sequence[bytes],
    columns: Mapping[str, Sequence[Any]],
    bound: Mapping[str, Sequence[Any]],
    source: str = "",
) -> WireTiles:
    """Tiles as plain JSON values: their CRS, ids, ``columns`` (``col``/``row``, the
    units' own ``start_date``/``end_date``), the fields ``bound`` to job parameters, the
    shapes as WKB in hex, and the ``source`` that names them in messages.

    Made from plain lists so that QGIS's process sends a layer's tiles without importing
    pandas, shapely or geopandas: those imports hold its interpreter's lock for a third
    of a second at Run, which the map would wait for. The engine makes its table of them
    (:func:`tiles_from_wire`) and checks the bound fields' values there."""
    wire: WireTiles = {
        "crs": crs,
        "tile_id": [str(t) for t in tile_ids],
        "wkb": [bytes(g).hex() for g in wkb],
    }
    for column in ("col", "row"):
        if column in columns:
            wire[column] = [None if v is None or v != v else int(v) for v in columns[column]]
    for column in DATE_COLUMNS:  # units' own time windows
        if column in columns:
            wire[column] = [None if v is None or v != v else str(v) for v in columns[column]]
    wire["fields"] = {str(c): [_wire_value(v) for v in values] for c, values in bound.items()}
    if source:
        wire["source"] = source
    return wire


def tiles_to_wire(tiles: gpd.GeoDataFrame) -> WireTiles:
    """A grid's (any polygons') table as :func:`wire_tiles` carries it."""
    import shapely

    crs = tiles.crs
    epsg = crs.to_epsg() if crs is not None else None
    grid = ("col", "row", *DATE_COLUMNS)
    known = {"tile_id", *grid, tiles.geometry.name}
    return wire_tiles(
        f"EPSG:{epsg}" if epsg else (crs.to_wkt() if crs is not None else None),
        list(tiles["tile_id"]),
        list(shapely.to_wkb(tiles.geometry.values)),
        {c: list(tiles[c]) for c in grid if c in tiles.columns},
        {c: list(tiles[c]) for c in tiles.columns if c not in known},
        str(tiles.attrs.get("source") or ""),
    )


def _wire_value(value: Any) -> Any:
    """A field's value as JSON carries it (text when JSON has no such type)."""
    value = plain(value)
    return value if isinstance(value, (str, int, float, bool, type(None))) else str(value)


def tiles_from_wire(wire: dict[str, Any]) -> gpd.GeoDataFrame:
    import geopandas as gpd
    import shapely

    columns: dict[str, Any] = {"tile_id": wire["tile_id"]}
    for column in ("col", "row", *DATE_COLUMNS):
        if column in wire:
            columns[column] = wire[column]
    columns.update(wire.get("fields") or {})
    shapes = shapely.from_wkb([bytes.fromhex(h) for h in wire["wkb"]])
    tiles = gpd.GeoDataFrame(columns, geometry=shapes, crs=wire.get("crs"))
    if wire.get("source"):
        tiles.attrs["source"] = str(wire["source"])  # the layer the messages name
    return tiles
