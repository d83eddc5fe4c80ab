"""Apply job status updates to a grid layer: batched, on the main thread, one repaint."""

from __future__ import annotations

from collections.abc import Iterable

from qgis.core import QgsFeatureRequest, QgsVectorLayer

from ..core.runner import TileUpdate

#: TileUpdate attribute -> layer field (same names, by design of core.schema)
UPDATE_FIELDS = ("status", "job_id", "backend", "started", "running", "costs", "message", "result")


class GridLayerUpdater:
    """Writes :class:`TileUpdate` batches into the grid layer's job fields.

    Only attributes that changed are sent to the provider, and the layer is
    repainted once per batch, so a poll that moves thousands of tiles costs
    one provider call and one redraw.
    """

    def __init__(self, layer: QgsVectorLayer) -> None:
        self.layer = layer
        fields = layer.fields()
        self.field_index = {name: fields.indexOf(name) for name in UPDATE_FIELDS}
        missing = [n for n, i in self.field_index.items() if i < 0]
        if missing or fields.indexOf("tile_id") < 0:
            raise ValueError(f"Layer {layer.name()!r} is not a grid layer (missing {missing}).")
        request = QgsFeatureRequest().setFlags(QgsFeatureRequest.NoGeometry)
        request.setSubsetOfAttributes(["tile_id", *UPDATE_FIELDS], fields)
        self.fid_of: dict[str, int] = {}
        self.last: dict[int, tuple] = {}
        for feature in layer.getFeatures(request):
            self.fid_of[str(feature["tile_id"])] = feature.id()
            self.last[feature.id()] = tuple(_plain(feature[n]) for n in UPDATE_FIELDS)

    def apply(self, updates: Iterable[TileUpdate]) -> int:
        """Apply ``updates``; return how many features changed."""
        indexes = [self.field_index[n] for n in UPDATE_FIELDS]
        empty = (None,) * len(UPDATE_FIELDS)
        changes: dict[int, dict[int, object]] = {}
        for u in updates:
            fid = self.fid_of.get(u.tile_id)
            if fid is None:
                continue
            new = (
                u.status,
                u.job_id,
                u.backend,
                u.started,
                u.running,
                u.costs,
                u.message,
                u.result,
            )
            old = self.last.get(fid, empty)
            if new == old:
                continue
            changed = {k: v for k, v, b in zip(indexes, new, old) if v != b}
            if fid in changes:
                changes[fid].update(changed)
            else:
                changes[fid] = changed
            self.last[fid] = new
        if changes:
            self.layer.dataProvider().changeAttributeValues(changes)
            refresh_symbol_counts(self.layer)
            self.layer.triggerRepaint()
        return len(changes)

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for values in self.last.values():
            status = values[0] or "not_started"
            counts[status] = counts.get(status, 0) + 1
        return counts


def refresh_symbol_counts(layer: QgsVectorLayer) -> None:
    """Make the legend recount tiles per status after provider-level changes.

    QGIS 3.22 caches the per-symbol counts and only drops that cache when the
    renderer changes; setting a copy of the same renderer keeps the user's style.
    """
    renderer = layer.renderer()
    if renderer is not None:
        layer.setRenderer(renderer.clone())


def _plain(value: object) -> object:
    """QGIS NULL (a QVariant) as None, so it compares equal to an update's None."""
    if value is None or (hasattr(value, "isNull") and value.isNull()):
        return None
    return value
