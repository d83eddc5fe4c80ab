"""A run with time windows as a time series: one mosaic layer per window, in one group.

The engine writes one mosaic per window (``mosaic_<start>_<end>.vrt``: tiles of two
windows overlap, so one mosaic of both would show whichever came last). Each becomes a
raster layer whose temporal properties hold its window (a fixed range, end excluded
as openEO's ``temporal_extent``), so QGIS's Temporal Controller plays the series: at
any moment of the animation only the window it falls in is drawn.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from qgis.core import (
    Qgis,
    QgsDateTimeRange,
    QgsInterval,
    QgsLayerTreeGroup,
    QgsProject,
    QgsRasterLayer,
    QgsRasterLayerTemporalProperties,
    QgsTemporalNavigationObject,
    QgsUnitTypes,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QDate, QDateTime, QTime

from ..i18n import translate
from .qgis_objects import MissingQgisObjectError, current_project, present

#: on a window's mosaic layer: the run's layer id, and the window's label
SERIES_PROPERTY = "openeo_grid_jobs/series_of"
WINDOW_PROPERTY = "openeo_grid_jobs/window"
_NAME = re.compile(r"^mosaic_(\d{4}-\d{2}-\d{2})_(\d{4}-\d{2}-\d{2})\.vrt$")


def window_of(vrt: Path) -> tuple[dt.date, dt.date] | None:
    """The window a mosaic was written for (its file name), None for a run's one mosaic."""
    match = _NAME.match(Path(vrt).name)
    if match is None:
        return None
    return dt.date.fromisoformat(match.group(1)), dt.date.fromisoformat(match.group(2))


def window_range(start: dt.date, end: dt.date) -> QgsDateTimeRange:
    """``[start, end)`` as QGIS's temporal range: up to the last millisecond before
    ``end``, both ends in, since QGIS 3.22 compares ranges with their ends included
    whatever they say (an end-exclusive February would still touch March)."""

    def moment(day: dt.date) -> QDateTime:
        return QDateTime(QDate(day.year, day.month, day.day), QTime(0, 0))

    return QgsDateTimeRange(moment(start), moment(end).addMSecs(-1), True, True)


def show_window_mosaic(grid: QgsVectorLayer, vrt: Path) -> QgsRasterLayer | None:
    """Show (or refresh) the mosaic of one window of ``grid``'s run in the run's series
    group; None if it is not a window's mosaic or cannot be read."""
    from .results import ndvi_renderer
    from .status_style import see_results_through

    window = window_of(vrt)
    if window is None:
        return None
    label = f"{window[0].isoformat()}_{window[1].isoformat()}"
    project = current_project()
    for layer in series_of(project, grid):
        if layer.customProperty(WINDOW_PROPERTY) == label:
            provider = present(layer.dataProvider(), "mosaic's data provider")
            provider.reloadData()
            layer.setExtent(provider.extent())
            layer.triggerRepaint()
            return layer
    name = translate("Results", "{grid} — NDVI {start} – {end}").format(
        grid=grid.name(), start=window[0].isoformat(), end=window[1].isoformat()
    )
    layer = QgsRasterLayer(str(vrt), name)
    if not layer.isValid():
        return None
    layer.setCustomProperty(SERIES_PROPERTY, grid.id())
    layer.setCustomProperty(WINDOW_PROPERTY, label)
    layer.setRenderer(ndvi_renderer(layer))
    temporal = layer.temporalProperties()
    if not isinstance(temporal, QgsRasterLayerTemporalProperties):  # a raster layer's are
        raise MissingQgisObjectError("QGIS returned no raster temporal properties")
    temporal.setMode(Qgis.RasterTemporalMode.FixedTemporalRange)
    temporal.setFixedTemporalRange(window_range(*window))
    temporal.setIsActive(True)
    project.addMapLayer(layer, False)
    group = _series_group(project, grid)
    later = [
        present(n.layer(), "layer of a window's node").customProperty(WINDOW_PROPERTY) > label
        for n in group.findLayers()
    ]
    group.insertLayer(sum(later), layer)  # the latest window on top, as the mosaics stack
    _cover_in_time(project, window)
    play_by_window(project, grid)
    see_results_through(grid)
    return layer


def show_run_mosaics(grid: QgsVectorLayer, results: Path) -> None:
    """Show what a run left in its results folder: its mosaic, or each window's."""
    from .results import show_mosaic

    mosaic = results / "mosaic.vrt"
    if mosaic.exists():
        show_mosaic(grid, mosaic)
    for window_mosaic in sorted(results.glob("mosaic_*.vrt")):
        show_window_mosaic(grid, window_mosaic)


def series_of(project: QgsProject, grid: QgsVectorLayer) -> list[QgsRasterLayer]:
    """The window mosaics of ``grid``'s run on the map."""
    return [
        layer
        for layer in project.mapLayers().values()
        if isinstance(layer, QgsRasterLayer) and layer.customProperty(SERIES_PROPERTY) == grid.id()
    ]


def _series_group(project: QgsProject, grid: QgsVectorLayer) -> QgsLayerTreeGroup:
    from .results import _below

    root = present(project.layerTreeRoot(), "layer tree")
    name = translate("Results", "{grid} — NDVI by window").format(grid=grid.name())
    group = root.findGroup(name)
    if group is None:
        group = present(root.insertGroup(_below(project, grid), name), "series group")
    return group


def _cover_in_time(project: QgsProject, window: tuple[dt.date, dt.date]) -> None:
    """Widen the project's time range to the window: the Temporal Controller's extent."""
    settings = present(project.timeSettings(), "project time settings")
    known = settings.temporalRange()
    wanted = window_range(*window)
    begin, end = wanted.begin(), wanted.end()
    # (PyQt5-stubs 5.15.6 lack QDateTime's comparisons, which PyQt has)
    if known.begin().isValid() and known.begin() < begin:  # type: ignore[operator]
        begin = known.begin()
    if known.end().isValid() and known.end() > end:  # type: ignore[operator]
        end = known.end()
    settings.setTemporalRange(QgsDateTimeRange(begin, end))


def _irregular_step() -> Qgis.TemporalUnit:
    """QGIS's "irregular step" time unit (the frames are given ranges)."""
    if Qgis.versionInt() >= 33000:
        return Qgis.TemporalUnit.IrregularStep
    # QGIS < 3.30's name; the stubs (QGIS 3.34) know only Qgis.TemporalUnit's
    return QgsUnitTypes.TemporalUnit.TemporalIrregularStep  # type: ignore[attr-defined]


def play_by_window(project: QgsProject, grid: QgsVectorLayer) -> None:
    """Make the Temporal Controller step through ``grid``'s windows, one frame each.

    Its frames are the windows themselves (QGIS's "irregular step" over the windows'
    ranges) rather than a fixed step of a month or N days: a run's windows may be a list
    of any ranges, and a step of a month on QGIS 3.22 counts a month as 30 days (a
    fourth, empty frame after three months) and draws at a frame's end the next window
    too (it compares ranges with their ends included). The project keeps the step, the
    map canvas's controller (QGIS's Temporal Controller panel) gets the windows as its
    frames and their span as its range."""
    from qgis.utils import iface

    found = (window_of(Path(m.source())) for m in series_of(project, grid))
    windows = [window_range(*window) for window in sorted(w for w in found if w is not None)]
    if not windows:
        return
    settings = present(project.timeSettings(), "project time settings")
    settings.setTimeStepUnit(_irregular_step())
    settings.setTimeStep(1)
    canvas = iface.mapCanvas() if iface is not None else None
    controller = canvas.temporalController() if canvas is not None else None
    if not isinstance(controller, QgsTemporalNavigationObject):
        return  # no Temporal Controller panel (QGIS without its desktop)
    controller.setAvailableTemporalRanges(windows)
    controller.setTemporalExtents(QgsDateTimeRange(windows[0].begin(), windows[-1].end()))
    controller.setFrameDuration(QgsInterval(1, _irregular_step()))
