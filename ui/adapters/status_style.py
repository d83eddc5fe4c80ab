"""Categorized renderer of a grid layer by job ``status``, with counts in the legend."""

from __future__ import annotations

from qgis.core import (
    Qgis,
    QgsCategorizedSymbolRenderer,
    QgsFeatureRequest,
    QgsFillSymbol,
    QgsLayerTreeLayer,
    QgsPalLayerSettings,
    QgsProject,
    QgsRendererCategory,
    QgsRuleBasedLabeling,
    QgsTextBufferSettings,
    QgsTextFormat,
    QgsUnitTypes,
    QgsVectorLayer,
)
from qgis.PyQt.QtGui import QColor, QFont

from ...core.definitions import FINAL_STATUSES, NOT_STARTED, TileStatus
from ..i18n import translate
from .qgis_objects import current_project, present

#: The seed notebook's colours, plus the job manager's other statuses.
STATUS_COLOURS: dict[str, str] = {
    TileStatus.NOT_STARTED.value: "lightgrey",
    TileStatus.CREATED.value: "gold",
    TileStatus.QUEUED_FOR_START.value: "khaki",
    TileStatus.QUEUED.value: "lightsteelblue",
    TileStatus.RUNNING.value: "navy",
    TileStatus.FINISHED.value: "lime",
    TileStatus.ERROR.value: "darkred",
    TileStatus.START_FAILED.value: "crimson",
    TileStatus.SKIPPED.value: "darkorange",
    TileStatus.CANCELED.value: "dimgray",
}
OTHER_COLOUR = "grey"  # the seed's colour for a missing status
#: the label of a running tile: its job's progress as the back-end reports it ("63 %");
#: no label on other tiles, nor on a running one whose back-end reports none
PROGRESS_LABEL = "to_string(round(\"progress\")) || ' %'"
#: the tiles labelled: a rule's filter is checked before anything else is done for a
#: feature, so a map of 10,000 tiles with a few running costs a few labels (a label
#: expression that is NULL for the others cost the label engine every tile)
PROGRESS_FILTER = f'"status" = \'{TileStatus.RUNNING.value}\' AND "progress" IS NOT NULL'
#: the narrowest a tile may be on the map (mm) for its progress label to be worth
#: placing: "100 %" in 9 pt bold is about 10 mm wide, and only labels that fit in their
#: tile are shown; zoomed out beyond that, QGIS would still evaluate and try to place a
#: label on every running tile (85 ms of a 10,000-tile map's 120) to show none of them
LABEL_MM = 8.0
#: tiles measured for the scale past which no label fits (the widest of them counts)
SIZE_SAMPLE = 1000


def status_symbol(colour: str) -> QgsFillSymbol:
    fill = QColor(colour)
    fill.setAlpha(170)  # see the map below the tiles
    symbol = QgsFillSymbol.createSimple(
        {
            "color": ",".join(str(v) for v in fill.getRgb()),
            "outline_color": "35,35,35,200",
            "outline_width": "0.2",
        }
    )
    return present(symbol, "fill symbol")


def status_renderer() -> QgsCategorizedSymbolRenderer:
    categories = [
        QgsRendererCategory(status, status_symbol(colour), status)
        for status, colour in STATUS_COLOURS.items()
    ]
    # Empty value: the catch-all for anything else (NULL, a status of a newer client).
    other = translate("StatusStyle", "other")
    categories.append(QgsRendererCategory("", status_symbol(OTHER_COLOUR), other))
    return QgsCategorizedSymbolRenderer("status", categories)


def apply_status_style(layer: QgsVectorLayer, project: QgsProject | None = None) -> None:
    """Style ``layer`` by status and show per-status counts in the layer tree."""
    layer.setRenderer(status_renderer())
    show_progress(layer)
    project = project or current_project()
    node = present(project.layerTreeRoot(), "layer tree").findLayer(layer.id())
    if isinstance(node, QgsLayerTreeLayer):
        node.setCustomProperty("showFeatureCount", True)
        node.setExpanded(True)  # the per-status counts are the point: show them
    layer.triggerRepaint()


def show_progress(layer: QgsVectorLayer) -> None:
    """Label running tiles with their job's progress ("63 %").

    White on the navy of ``running``, with a dark halo so it reads over any basemap;
    only where it fits inside its tile, so a zoomed-out map of thousands of tiles shows
    colours, not a carpet of numbers. A layer the user labelled otherwise keeps its
    labels.
    """
    labeling = layer.labeling()
    if layer.labelsEnabled() and labeling is not None and not is_progress_labeling(layer):
        return
    settings = QgsPalLayerSettings()
    settings.fieldName = PROGRESS_LABEL
    settings.isExpression = True
    settings.placement = QgsPalLayerSettings.Placement.OverPoint
    settings.fitInPolygonOnly = True
    text = QgsTextFormat()
    font = QFont()
    font.setBold(True)
    text.setFont(font)
    text.setSize(9)
    text.setColor(QColor("white"))
    halo = QgsTextBufferSettings()
    halo.setEnabled(True)
    halo.setSize(0.8)
    halo.setColor(QColor(20, 20, 60))
    text.setBuffer(halo)
    settings.setFormat(text)
    root = QgsRuleBasedLabeling.Rule(None)
    rule = QgsRuleBasedLabeling.Rule(settings)
    rule.setFilterExpression(PROGRESS_FILTER)
    rule.setMinimumScale(label_scale(layer))
    root.appendChild(rule)
    layer.setLabeling(QgsRuleBasedLabeling(root))
    layer.setLabelsEnabled(True)
    layer.triggerRepaint()


def label_scale(layer: QgsVectorLayer) -> float:
    """The most zoomed-out scale (its denominator) at which a progress label can fit in
    the layer's widest tile (of the first :data:`SIZE_SAMPLE`); 0 (no limit) for a layer
    without tiles or whose size cannot be told in metres."""
    request = QgsFeatureRequest().setNoAttributes().setLimit(SIZE_SAMPLE)
    widest = 0.0
    for feature in layer.getFeatures(request):
        box = feature.geometry().boundingBox()
        widest = max(widest, box.width(), box.height())
    metres = QgsUnitTypes.fromUnitToUnitFactor(layer.crs().mapUnits(), metre_unit())
    if widest <= 0 or metres <= 0:
        return 0.0
    return widest * metres * 1000.0 / LABEL_MM


def metre_unit() -> Qgis.DistanceUnit:
    """QGIS's metre: ``Qgis.DistanceUnit`` from 3.30 (QGIS 4 has only that one; the
    stubs, of QGIS 3.34, know only that one)."""
    if Qgis.versionInt() >= 33000:
        return Qgis.DistanceUnit.Meters
    return QgsUnitTypes.DistanceUnit.DistanceMeters  # type: ignore[attr-defined]


def is_progress_labeling(layer: QgsVectorLayer) -> bool:
    """Whether ``layer``'s labels are the progress labels of :func:`show_progress`."""
    labeling = layer.labeling()
    if not isinstance(labeling, QgsRuleBasedLabeling):
        return False
    rules = present(labeling.rootRule(), "root labeling rule").children()
    return (
        len(rules) == 1
        and rules[0].filterExpression() == PROGRESS_FILTER
        and (settings := rules[0].settings()) is not None
        and settings.fieldName == PROGRESS_LABEL
    )


def mark_last_known(layer: QgsVectorLayer, since: str | None) -> None:
    """Say in the legend that the statuses of unfinished tiles are as last seen.

    While no run tracks the layer, a tile shown ``running`` may have finished
    long ago; the label (``running — last known 14:02``) keeps the map honest.
    ``since=None`` (tracking again) restores the plain labels. Labels the user
    changed are left alone (ours are known in English and in the user's language:
    a project saved in another one).
    """
    renderer = layer.renderer()
    if not isinstance(renderer, QgsCategorizedSymbolRenderer):
        return
    last_known = translate("StatusStyle", "{status} — last known {time}")
    marks = {"{status} — last known {time}", last_known}
    for index, category in enumerate(renderer.categories()):
        status = str(category.value())
        if status not in STATUS_COLOURS or status in FINAL_STATUSES or status == NOT_STARTED:
            continue
        label = category.label()
        if label != status and not any(_marked(label, status, mark) for mark in marks):
            continue  # the user's own label
        renderer.updateCategoryLabel(
            index, status if since is None else last_known.format(status=status, time=since)
        )
    layer.emitStyleChanged()
    layer.triggerRepaint()


def _marked(label: str, status: str, mark: str) -> bool:
    """Whether ``label`` is ``mark`` for ``status`` at some time."""
    head, _, tail = mark.format(status=status, time="\0").partition("\0")
    return len(label) > len(head) + len(tail) and label.startswith(head) and label.endswith(tail)


def see_results_through(layer: QgsVectorLayer) -> None:
    """Finished tiles as outlines only, so the results mosaic below shows through.

    Called once a run's mosaic is on the map; other statuses keep their fill.
    """
    renderer = layer.renderer()
    if not isinstance(renderer, QgsCategorizedSymbolRenderer):
        return
    index = renderer.categoryIndexForValue(TileStatus.FINISHED.value)
    if index < 0:
        return
    symbol = QgsFillSymbol.createSimple(
        {
            "style": "no",
            "outline_color": QColor(STATUS_COLOURS[TileStatus.FINISHED.value]).name(),
            "outline_width": "0.5",
        }
    )
    renderer.updateCategorySymbol(index, symbol)
    layer.emitStyleChanged()
    layer.triggerRepaint()
