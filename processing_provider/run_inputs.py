"""What ``runjobs`` needs besides its parameters: the saved connection and its login,
and the units (the plugin's grid or any polygon layer), gathered as the dock and the
CLI gather them.

Secrets never pass through Processing parameters (they would land in the
Processing history, models and ``qgis_process`` command lines): a run names a
connection saved in the dock, whose login is in the QGIS authentication database.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from qgis.core import QgsFeatureSource

from ..core.errors import GridJobsError, LoginRequiredError
from ..ui.i18n import translate
from .common import QgsProcessingException

if TYPE_CHECKING:
    import geopandas as gpd

    from ..core.backends.backend import BackendConfig, Secrets

_log = logging.getLogger(__name__)


def saved_connection(name: str, parallel_jobs: int | None) -> tuple[BackendConfig, Secrets, Any]:
    """The saved connection ``name``: its settings (``parallel_jobs`` overrides the
    connection's), its login read now, and the connection itself (where a renewed
    refresh token is kept).

    Called on the main thread (the algorithm's ``prepareAlgorithm``): QGIS may ask
    for its master password there. The login is checked as the dock and the CLI check
    it (:func:`~..core.engine.logins.check_login`).
    """
    from ..ui.adapters.backends import connection_logins
    from ..ui.adapters.connections import load_connections

    connections = load_connections()
    if not name.strip():
        names = ", ".join(repr(c.name) for c in connections) or translate(
            "RunJobsAlgorithm", "none yet"
        )
        raise QgsProcessingException(
            translate("RunJobsAlgorithm", "Name the connection to run on (saved: {names}).").format(
                names=names
            )
        )
    match = [c for c in connections if c.name == name.strip()] or [
        c for c in connections if c.name.lower() == name.strip().lower()
    ]
    if not match:
        names = ", ".join(repr(c.name) for c in connections) or translate(
            "RunJobsAlgorithm", "none"
        )
        raise QgsProcessingException(
            translate(
                "RunJobsAlgorithm",
                "No saved connection is named {name} (saved: {names}). Add it in the plugin's "
                "dock (Jobs › Back-ends › Add…), with its login.",
            ).format(name=repr(name), names=names)
        )
    connection = match[0]
    try:
        (config,), secrets = connection_logins([connection])
    except LoginRequiredError as exc:
        raise QgsProcessingException(
            translate(
                "RunJobsAlgorithm",
                "{error} Log in in the plugin's dock first: an OpenID Connect login needs a "
                "browser once; runs then use the stored refresh token.",
            ).format(error=exc)
        ) from exc
    except GridJobsError as exc:
        raise QgsProcessingException(
            translate("RunJobsAlgorithm", "{error} (in the plugin's dock)").format(error=exc)
        ) from exc
    if parallel_jobs:
        config = replace(config, parallel_jobs=parallel_jobs)
    return config, secrets[config.name], connection


def keep_token(connection: Any, token: Any) -> None:
    """A refresh token the run renewed, saved for the next one (the auth manager)."""
    from ..ui.adapters.connections import keep_refresh_token

    try:
        keep_refresh_token(connection, token)
    except Exception:  # the run goes on; the next run may have to log in again
        _log.exception(
            translate("RunJobsAlgorithm", "Could not save the renewed login of %s"), connection.name
        )


def default_connection() -> str:
    """The first connection ticked in the dock, to fill in the run dialog ("" if none).

    Read only once the dock has offered its first-start defaults, so that building
    the algorithm (at every QGIS start) never writes settings.
    """
    from ..ui.adapters.connections import load_connections
    from ..ui.adapters.settings import CONNECTIONS_SEEDED

    try:
        if not CONNECTIONS_SEEDED.read():
            return ""
        return next((c.name for c in load_connections() if c.enabled), "")
    except Exception:  # a settings problem must not keep the algorithm from loading
        _log.exception(translate("RunJobsAlgorithm", "Could not read the saved connections"))
        return ""


def source_units(
    source: QgsFeatureSource, id_field: str, keep: Sequence[str] = ()
) -> gpd.GeoDataFrame:
    """Any polygon source's units, as the CLI's ``--units`` reads a file: ids from
    ``id_field`` (checked by :func:`~..core.grid.units.units_from_frame`), the features' own
    ``start_date``/``end_date``, and the fields ``keep`` bound to job parameters. The
    plugin's grid keeps its col and row (its tiles' quarters are named by them)."""
    import geopandas as gpd
    import shapely
    from qgis.core import QgsFeatureRequest

    from ..core.grid.units import DATE_COLUMNS, units_from_frame

    fields = source.fields()
    name = source.sourceName() or translate("RunJobsAlgorithm", "the units layer")
    if not source.sourceCrs().isValid():
        raise QgsProcessingException(
            translate("RunJobsAlgorithm", "{layer} has no valid CRS.").format(layer=name)
        )
    grid = id_field == "tile_id" and all(fields.indexOf(n) >= 0 for n in ("col", "row"))
    wanted = [id_field, *DATE_COLUMNS, *keep, *(("col", "row") if grid else ())]
    present = list(dict.fromkeys(n for n in wanted if fields.indexOf(n) >= 0))
    request = QgsFeatureRequest()
    request.setSubsetOfAttributes(present, fields)
    values: dict[str, list[Any]] = {n: [] for n in present}
    wkb = []
    for feature in source.getFeatures(request):
        for n in present:
            values[n].append(_plain(feature[n]))
        wkb.append(bytes(feature.geometry().asWkb()))
    authid = source.sourceCrs().authid()
    crs = authid if authid.upper().startswith("EPSG:") else source.sourceCrs().toWkt()
    frame = gpd.GeoDataFrame(values, geometry=shapely.from_wkb(wkb), crs=crs)
    units = units_from_frame(frame, id_field, source=name, keep=keep)
    if grid:
        units["col"], units["row"] = values["col"], values["row"]
    return units


def _plain(value: Any) -> Any:
    """A feature's attribute as Python has it (NULL as None, dates as ISO text)."""
    if value is None or (hasattr(value, "isNull") and value.isNull()):
        return None
    if hasattr(value, "toString") and hasattr(value, "isValid"):  # QDate, QDateTime
        return str(value.toString("yyyy-MM-dd"))
    return value
