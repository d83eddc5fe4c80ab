"""Units from any polygon layer as a run's area: the layer's features → core units → a unit layer.

The plugin's grid is one area a run can cover; a layer of fields, admin areas or
Sentinel-2 tiles is another. Its features are read here, on the main thread, checked
by :func:`~..core.units.units_from_frame` (the ids the user picked must be unique and
not empty, since a job's title, its results folder and resume all hang on them), and
copied into a memory layer with the grid's fields, so that the rest of the dock (the
run request, the live statuses, export, the Problems tab) treats it as a grid.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from qgis.core import QgsFeatureRequest, QgsGeometry, QgsVectorLayer

from ..core.units import DATE_COLUMNS, UnitsError
from .grid_layer import _filled_layer, grid_field, qgis_crs
from .i18n import translate

if TYPE_CHECKING:
    import geopandas as gpd

#: the unit layer's extra field: how many of a unit's time windows are finished ("8/12")
PROGRESS_FIELD = "windows"


def layer_units(layer: QgsVectorLayer | None, id_field: str, selected: bool) -> gpd.GeoDataFrame:
    """The units of ``layer`` (its selected features only, with ``selected``), their ids
    from ``id_field``; raises :class:`UnitsError` naming empty or duplicate ids."""
    import geopandas as gpd
    import shapely

    if layer is None or not layer.isValid():
        raise UnitsError(translate("UnitsSource", "Choose a polygon layer for the units."))
    if not id_field:
        raise UnitsError(translate("UnitsSource", "Choose the field that holds the unit ids."))
    if selected and not layer.selectedFeatureCount():
        raise UnitsError(
            translate("UnitsSource", "No feature of {layer} is selected.").format(
                layer=layer.name()
            )
        )
    request = QgsFeatureRequest()
    if selected:
        request.setFilterFids(layer.selectedFeatureIds())
    dated = [c for c in DATE_COLUMNS if layer.fields().indexOf(c) >= 0]
    values: list = []
    dates: dict[str, list] = {c: [] for c in dated}
    wkb = []
    for feature in layer.getFeatures(request):
        value = feature[id_field] if feature.fieldNameIndex(id_field) >= 0 else None
        values.append(None if value is None or _is_null(value) else value)
        for column in dated:
            dates[column].append(_date(feature[column]))
        wkb.append(bytes(feature.geometry().asWkb()) or None)
    crs = layer.crs()
    authid = crs.authid()
    frame = gpd.GeoDataFrame(
        {id_field: values, **dates},
        geometry=[shapely.from_wkb(g) if g else shapely.Polygon() for g in wkb],
        crs=(authid if authid.upper().startswith("EPSG:") else crs.toWkt()) or None,
    )
    from ..core.units import units_from_frame

    return units_from_frame(frame, id_field, source=layer.name())


def _date(value: object) -> str | None:
    """A unit's own date (a Date, DateTime or text field) as ``YYYY-MM-DD``."""
    if value is None or _is_null(value):
        return None
    to_string = getattr(value, "toString", None)  # QDate, QDateTime
    return str(to_string("yyyy-MM-dd") if to_string is not None else value).strip()[:10] or None


def _is_null(value: object) -> bool:
    from qgis.PyQt.QtCore import QVariant

    return isinstance(value, QVariant) and value.isNull()


def create_units_layer(units: gpd.GeoDataFrame, name: str) -> QgsVectorLayer:
    """A memory layer of ``units`` with the grid's fields (no col/row), ``windows``, and
    the units' own ``start_date``/``end_date`` when they have them."""
    import shapely

    lonlat = units.geometry.to_crs("EPSG:4326").bounds
    count = len(units)
    columns = [
        [str(u) for u in units["tile_id"]],
        [None] * count,
        [None] * count,
        *(lonlat[side].tolist() for side in ("minx", "miny", "maxx", "maxy")),
    ]
    wkb = shapely.to_wkb(units.geometry.values).tolist()

    def geometries(start: int, stop: int) -> list[QgsGeometry]:
        shapes = []
        for blob in wkb[start:stop]:
            geometry = QgsGeometry()
            geometry.fromWkb(blob)
            shapes.append(geometry)
        return shapes

    layer = _filled_layer(name, qgis_crs(units.crs), columns, geometries, False, None)
    dated = [c for c in DATE_COLUMNS if c in units.columns]
    provider = layer.dataProvider()
    provider.addAttributes([grid_field(n, "str") for n in (PROGRESS_FIELD, *dated)])
    layer.updateFields()
    if dated:  # the units' own dates: each unit's one time window
        indexes = [layer.fields().indexOf(c) for c in dated]
        rows = {str(u): r for u, r in zip(units["tile_id"], units[dated].itertuples(index=False))}
        provider.changeAttributeValues(
            {f.id(): dict(zip(indexes, rows[str(f["tile_id"])])) for f in layer.getFeatures()}
        )
    return layer
