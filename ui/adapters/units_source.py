"""Units from any polygon layer as a run's area: the layer's features → core units → a unit layer.

The plugin's grid is one area a run can cover; a layer of fields, admin areas or
Sentinel-2 tiles is another. Its features are read here, on the main thread, checked
by :func:`~...core.grid.units.units_from_frame` (the ids the user picked must be unique and
not empty, since a job's title, its results folder and resume all hang on them), and
copied into a memory layer with the grid's fields, so that the rest of the dock (the
run request, the live statuses, export, the Problems tab) treats it as a grid. The
layer's other fields come along (:func:`carried_fields`): job parameters can be bound
to them (*Job › Parameters…*).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from qgis.core import QgsFeatureRequest, QgsField, QgsGeometry, QgsVectorLayer

from ...core.grid.schema import GRID_FIELDS
from ...core.grid.units import DATE_COLUMNS, UnitsError
from ...core.jobs.columns import ID_COLUMNS, RUN_COLUMNS
from ..i18n import translate
from .grid_layer import _filled_layer, grid_field, qgis_crs
from .qgis_objects import present

if TYPE_CHECKING:
    import geopandas as gpd

#: the unit layer's extra field: how many of a unit's time windows are finished ("8/12")
PROGRESS_FIELD = "windows"
#: names a unit layer or its job table use themselves: a field so named is not carried
#: from the source, nor offered for a job parameter (the run would overwrite it)
OWN_FIELDS = (
    frozenset({n for n, _ in GRID_FIELDS} | {PROGRESS_FIELD, "window", *DATE_COLUMNS, *ID_COLUMNS})
    | RUN_COLUMNS
)


def bindable_fields(layer: QgsVectorLayer | None) -> list[str]:
    """The fields of a run's layer that a job parameter can be bound to."""
    if layer is None:
        return []
    return [n for n in layer.fields().names() if n not in OWN_FIELDS]


def carried_fields(layer: QgsVectorLayer, id_field: str) -> list[QgsField]:
    """The source's fields its unit layer keeps (all but the id and the plugin's own
    names), numbers as they are, anything else as text (a job parameter gets JSON)."""
    return [
        QgsField(f) if f.isNumeric() else grid_field(f.name(), "str")
        for f in layer.fields().toList()  # (the stubs lack QgsFields' iteration)
        if f.name() not in OWN_FIELDS and f.name() != id_field
    ]


def layer_units(layer: QgsVectorLayer | None, id_field: str, selected: bool) -> gpd.GeoDataFrame:
    """The units of ``layer`` (its selected features only, with ``selected``), their ids
    from ``id_field``, with the values of its :func:`carried_fields`; raises
    :class:`UnitsError` naming empty or duplicate ids."""
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
    carried = {f.name(): f.isNumeric() for f in carried_fields(layer, id_field)}
    others: dict[str, list] = {c: [] for c in carried}
    wkb = []
    for feature in layer.getFeatures(request):
        value = feature[id_field] if feature.fieldNameIndex(id_field) >= 0 else None
        values.append(None if value is None or _is_null(value) else value)
        for column in dated:
            dates[column].append(_date(feature[column]))
        for column, numeric in carried.items():
            others[column].append(_carried(feature[column], numeric))
        wkb.append(bytes(feature.geometry().asWkb()) or None)
    crs = layer.crs()
    authid = crs.authid()
    frame = gpd.GeoDataFrame(
        {id_field: values, **dates},
        geometry=[shapely.from_wkb(g) if g else shapely.Polygon() for g in wkb],
        crs=(authid if authid.upper().startswith("EPSG:") else crs.toWkt()) or None,
    )
    from ...core.grid.units import units_from_frame

    units = units_from_frame(frame, id_field, source=layer.name())
    for column, column_values in others.items():  # in the features' order, as the units
        units[column] = column_values
    return units


def _carried(value: object, numeric: bool) -> object:
    """A carried field's value: a number as it is, anything else as text (a date as
    ``YYYY-MM-DD``), NULL as None."""
    if value is None or _is_null(value):
        return None
    if numeric:
        return value
    to_string = getattr(value, "toString", None)  # QDate, QDateTime, QTime
    return str(to_string(_time_format(value)) if to_string is not None else value)


def _time_format(value: object) -> str:
    from qgis.PyQt.QtCore import QDate, QDateTime

    if isinstance(value, QDateTime):
        return "yyyy-MM-ddTHH:mm:ss"
    return "yyyy-MM-dd" if isinstance(value, QDate) else "HH:mm:ss"


def _date(value: object) -> str | None:
    """A unit's own date (a Date, DateTime or text field) as ``YYYY-MM-DD``."""
    if value is None or _is_null(value):
        return None
    to_string = getattr(value, "toString", None)  # QDate, QDateTime
    return str(to_string("yyyy-MM-dd") if to_string is not None else value).strip()[:10] or None


def _is_null(value: object) -> bool:
    from qgis.PyQt.QtCore import QVariant

    return isinstance(value, QVariant) and value.isNull()


def create_units_layer(
    units: gpd.GeoDataFrame, name: str, carried: list[QgsField] | None = None
) -> QgsVectorLayer:
    """A memory layer of ``units`` with the grid's fields (no col/row), ``windows``, the
    units' own ``start_date``/``end_date`` when they have them, and the ``carried``
    fields of their source (:func:`carried_fields`)."""
    import shapely

    from ...core.jobs.parameters import plain

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
    carried = [f for f in carried or [] if f.name() in units.columns]
    provider = present(layer.dataProvider(), "layer's data provider")
    provider.addAttributes([grid_field(n, "str") for n in (PROGRESS_FIELD, *dated)] + carried)
    layer.updateFields()
    own = dated + [f.name() for f in carried]
    if own:  # the units' own dates (each unit's one time window), their source's fields
        indexes = [layer.fields().indexOf(c) for c in own]
        rows = {
            str(u): [plain(v) for v in r]  # numpy's numbers, NaN: Python's, None
            for u, r in zip(units["tile_id"], units[own].itertuples(index=False))
        }
        provider.changeAttributeValues(
            {f.id(): dict(zip(indexes, rows[str(f["tile_id"])])) for f in layer.getFeatures()}
        )
    return layer
