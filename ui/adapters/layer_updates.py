"""Apply job status updates to a grid layer: batched, on the main thread, one repaint."""

from __future__ import annotations

from collections.abc import Iterable
from operator import attrgetter
from typing import NamedTuple

from qgis.core import (
    QgsAbstractFeatureSource,
    QgsFeatureRequest,
    QgsFeatureSource,
    QgsFields,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QVariant

from ...core.definitions import TileStatus
from ...core.grid.schema import JOB_FIELDS
from ...core.run.runner import TileUpdate
from .qgis_objects import present

#: TileUpdate attribute -> layer field: the job fields of core.grid.schema, which
#: TileUpdate names alike (a new job field is added there, once).
UPDATE_FIELDS = tuple(name for name, _ in JOB_FIELDS)
STATUS = UPDATE_FIELDS.index("status")
#: an update's values in UPDATE_FIELDS order, read in one C call
_update_values = attrgetter(*UPDATE_FIELDS)


class GridLayerUpdater:
    """Writes :class:`TileUpdate` batches into the grid layer's job fields.

    Only attributes that changed are sent to the provider, the legend is told to
    recount only when a status changed, and the layer is repainted once per batch,
    so a poll that moves thousands of tiles costs one provider call and one redraw.
    The updater runs on the main thread, between the run's own Python threads: its
    per-tile work is kept to a few C-level operations.
    """

    def __init__(self, layer: QgsVectorLayer, index: LayerIndex | None = None) -> None:
        """``index``: the layer's :func:`read_index`, read beforehand (off the main
        thread); without it the layer is read here."""
        self.layer = layer
        fields = layer.fields()
        self.field_index = {name: fields.indexOf(name) for name in UPDATE_FIELDS}
        self._indexes = tuple(self.field_index[n] for n in UPDATE_FIELDS)
        self.fid_of, self.last = index if index is not None else read_index(layer, fields)
        #: changes applied without a redraw (:meth:`apply`'s ``redraw``): whether any
        #: was made, and whether one changed a status (the legend's counts)
        self._unshown = self._unshown_status = False
        #: values the layer's provider refused (feature id -> UPDATE_FIELDS values): a
        #: GeoPackage another program holds locked, a read-only file. They go with the
        #: next :meth:`apply`, so the layer catches up rather than stays behind
        self.unwritten: dict[int, tuple] = {}
        #: why the last write was refused (the provider's words); empty once one works
        self.refusal = ""

    def apply(self, updates: Iterable[TileUpdate], redraw: bool = True) -> int:
        """Apply ``updates``; return how many features changed. ``redraw=False`` leaves
        the legend's recount and the repaint to the next call that redraws (a batch
        applied in slices redraws once, after its last one). Values the provider
        refused earlier go first; an update of the same tile replaces them."""
        self.keep(updates)
        wanted, self.unwritten = self.unwritten, {}
        return self._write(wanted, redraw)

    def keep(self, updates: Iterable[TileUpdate]) -> None:
        """Hold ``updates`` for the next write, without asking the provider: while it
        refuses writes, each refused write can hold QGIS for seconds (a locked
        GeoPackage's wait)."""
        fid_of, unwritten = self.fid_of, self.unwritten
        for update in updates:
            fid = fid_of.get(update.tile_id)
            if fid is not None:
                unwritten[fid] = _update_values(update)

    def _write(self, wanted: dict[int, tuple], redraw: bool) -> int:
        last, indexes = self.last, self._indexes
        empty = (None,) * len(UPDATE_FIELDS)
        changes: dict[int, dict[int, object]] = {}
        status_changed = False
        for fid, new in wanted.items():
            old = last.get(fid, empty)
            if new == old:
                continue
            status_changed = status_changed or new[STATUS] != old[STATUS]
            changes[fid] = {i: v for i, v, b in zip(indexes, new, old) if v != b}
        if changes:
            provider = present(self.layer.dataProvider(), "layer's data provider")
            if not provider.changeAttributeValues(changes):
                # nothing of it is on the layer: kept for the next write
                self.unwritten = {fid: wanted[fid] for fid in changes}
                self.refusal = "; ".join(provider.errors()[-1:]) or "refused"
                provider.clearErrors()
                return 0
            for fid in changes:
                last[fid] = wanted[fid]
        self.refusal = ""
        self._unshown = self._unshown or bool(changes)
        self._unshown_status = self._unshown_status or status_changed
        if redraw and self._unshown:
            if self._unshown_status:
                refresh_symbol_counts(self.layer)
            self.layer.triggerRepaint()
            self._unshown = self._unshown_status = False
        return len(changes)

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for values in self.last.values():
            status = values[STATUS] or TileStatus.NOT_STARTED.value
            counts[status] = counts.get(status, 0) + 1
        return counts


class LayerIndex(NamedTuple):
    """What the updater knows of a grid layer: each tile's feature id, and its job
    field values (UPDATE_FIELDS order) as last written."""

    fid_of: dict[str, int]
    last: dict[int, tuple]


def read_index(
    source: QgsFeatureSource | QgsAbstractFeatureSource, fields: QgsFields
) -> LayerIndex:
    """The :class:`LayerIndex` of a grid layer (``source``: the layer, or, from another
    thread, a ``QgsVectorLayerFeatureSource`` of it taken on the main thread).

    Reading every tile is one ``attributes()`` call per feature, by index (reading
    each field by name is slower still), in proportion to the tiles, which is why a
    run reads it in the background. Raises ValueError for a layer that is not a
    grid layer.
    """
    indexes = [fields.indexOf(name) for name in UPDATE_FIELDS]
    tile = fields.indexOf("tile_id")
    missing = [n for n, i in zip(UPDATE_FIELDS, indexes) if i < 0]
    if missing or tile < 0:
        raise ValueError(f"Not a grid layer (missing {missing or ['tile_id']}).")
    request = QgsFeatureRequest().setFlags(QgsFeatureRequest.Flag.NoGeometry)
    request.setSubsetOfAttributes([tile, *indexes])
    index = LayerIndex({}, {})
    for feature in source.getFeatures(request):
        values, fid = feature.attributes(), feature.id()
        index.fid_of[str(values[tile])] = fid
        index.last[fid] = tuple([_plain(values[i]) for i in indexes])
    return index


def refresh_symbol_counts(layer: QgsVectorLayer) -> None:
    """Make the legend recount tiles per status after provider-level changes.

    QGIS 3.22 caches the per-symbol counts and only drops that cache when the
    renderer changes (a data change, reload or extent update does not); setting a
    copy of the same renderer keeps the user's style, labels included. The count
    itself runs in a QGIS background task.
    """
    renderer = layer.renderer()
    if renderer is not None:
        layer.setRenderer(renderer.clone())


def _plain(value: object) -> object:
    """QGIS NULL (a null QVariant) as None, so it compares equal to an update's None."""
    return None if isinstance(value, QVariant) and value.isNull() else value
