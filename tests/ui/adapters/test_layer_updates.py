"""GridLayerUpdater: job updates written into the grid layer, the user's style kept."""

from __future__ import annotations

from dataclasses import fields

import pytest
from openeo_grid_jobs.core.grid.schema import JOB_FIELDS
from openeo_grid_jobs.core.run.runner import TileUpdate
from openeo_grid_jobs.ui.adapters.layer_updates import UPDATE_FIELDS, GridLayerUpdater
from qgis.core import QgsCategorizedSymbolRenderer, QgsProject
from qgis.PyQt.QtGui import QColor


def tile_ids(layer) -> list[str]:
    return [f["tile_id"] for f in layer.getFeatures()]


def update(tile_id: str, **values) -> TileUpdate:
    """A TileUpdate of ``tile_id``: every job field None unless given."""
    blank = {f.name: None for f in fields(TileUpdate) if f.name not in ("index", "tile_id")}
    return TileUpdate(index=0, tile_id=tile_id, **{**blank, **values})


def test_every_job_field_of_the_schema_is_written(grid_layer):
    """The updater reads each job field by name: a new one needs no change here."""
    assert tuple(name for name, _ in JOB_FIELDS) == UPDATE_FIELDS
    sample = {"str": "text of {}", "float": 12.5}
    values = {
        name: sample[kind].format(name) if kind == "str" else sample[kind]
        for name, kind in JOB_FIELDS
    }
    values["status"] = "finished"
    first = tile_ids(grid_layer)[0]
    assert GridLayerUpdater(grid_layer).apply([update(first, **values)]) == 1
    feature = next(f for f in grid_layer.getFeatures() if f["tile_id"] == first)
    assert {name: feature[name] for name in UPDATE_FIELDS} == values


def test_only_changed_tiles_are_written(grid_layer):
    ids = tile_ids(grid_layer)
    updater = GridLayerUpdater(grid_layer)
    assert updater.apply([update(t, status="queued", job_id=f"j-{t}") for t in ids]) == len(ids)
    again = [update(t, status="queued", job_id=f"j-{t}") for t in ids]
    assert updater.apply(again) == 0
    assert updater.apply([update(ids[0], status="running", job_id=f"j-{ids[0]}")]) == 1
    assert updater.apply([update("no-such-tile", status="error")]) == 0
    assert updater.counts() == {"running": 1, "queued": len(ids) - 1}


def test_the_users_renderer_is_kept(grid_layer):
    """Labels and colours the user (or the dock) set survive status updates.

    (QGIS 3.22 recounts the legend only for a new renderer, so the updater sets an
    identical copy: the old renderer object is gone, ``layer.renderer()`` is the one.)
    """
    renderer = grid_layer.renderer()
    index = renderer.categoryIndexForValue("running")
    renderer.updateCategoryLabel(index, "running — last known 14:02")
    categories = renderer.categories()  # copies: keep them while using their symbols
    symbol = categories[index].symbol().clone()
    symbol.setColor(QColor("orange"))
    renderer.updateCategorySymbol(index, symbol)
    values = [c.value() for c in renderer.categories()]
    updater = GridLayerUpdater(grid_layer)
    updater.apply([update(t, status="running") for t in tile_ids(grid_layer)[:2]])
    kept = grid_layer.renderer()
    assert isinstance(kept, QgsCategorizedSymbolRenderer)
    categories = kept.categories()
    category = categories[kept.categoryIndexForValue("running")]
    assert category.label() == "running — last known 14:02"
    assert category.symbol().color().name() == QColor("orange").name()
    assert [c.value() for c in kept.categories()] == values


@pytest.mark.parametrize(("change", "recounts"), [("status", 1), ("message", 0)])
def test_the_legend_recounts_only_when_a_status_changed(grid_layer, change, recounts):
    ids = tile_ids(grid_layer)
    updater = GridLayerUpdater(grid_layer)
    updater.apply([update(t, status="running") for t in ids])
    renderer_changes: list = []
    grid_layer.rendererChanged.connect(lambda: renderer_changes.append(1))
    new = {"status": "finished"} if change == "status" else {"message": "still running"}
    assert updater.apply([update(t, **{"status": "running", **new}) for t in ids]) == len(ids)
    assert len(renderer_changes) == recounts


def test_the_feed_reads_the_layer_off_the_main_thread_and_holds_batches_meanwhile(
    grid_layer, qtbot, monkeypatch
):
    """A run's first batches may come before the layer's index is read: none is lost,
    and they are applied in the order they came."""
    from openeo_grid_jobs.ui.adapters import layer_feed
    from qgis.core import QgsApplication
    from qgis.PyQt.QtCore import QThread

    read_in = []
    read_index = layer_feed.read_index

    def reading(*args):
        read_in.append(QThread.currentThread())
        return read_index(*args)

    monkeypatch.setattr(layer_feed, "read_index", reading)
    applied = []
    feed = layer_feed.LayerFeed(applied.append)
    feed.follow(grid_layer)
    feed.prepare()
    first, second = tile_ids(grid_layer)[:2]
    feed.add([update(first, status="queued"), update(second, status="queued")])
    feed.add([update(first, status="running")])
    ended = []  # what a run's end sees: the statuses of every batch before it
    feed.then(lambda: ended.append(sorted(f["status"] for f in grid_layer.getFeatures())))
    # nothing applied yet: the index arrives through the event loop
    assert feed.updater is None
    assert ended == []
    assert {f["status"] for f in grid_layer.getFeatures()} == {"not_started"}
    qtbot.waitUntil(lambda: len(applied) == 2, timeout=5000)
    assert read_in
    assert QgsApplication.instance().thread() not in read_in
    statuses = {f["tile_id"]: f["status"] for f in grid_layer.getFeatures()}
    assert (statuses[first], statuses[second]) == ("running", "queued")
    assert ended == [["not_started"] * 4 + ["queued", "running"]]
    feed.add([update(second, status="finished")])  # from now on, at once
    assert len(applied) == 3
    assert feed.updater.counts() == {"running": 1, "finished": 1, "not_started": 4}


def test_a_big_batch_goes_to_the_layer_in_slices_one_per_turn_and_in_order(
    grid_layer, qtbot, monkeypatch
):
    """A 10,000-tile run's first event would hold the map for all of it at once: the
    feed applies SLICE updates per turn of the event loop, the batches behind wait, and
    the map is redrawn once all are on the layer."""
    from openeo_grid_jobs.ui.adapters import layer_feed

    monkeypatch.setattr(layer_feed, "SLICE", 2)
    applied = []
    feed = layer_feed.LayerFeed(applied.append)
    feed.follow(grid_layer)
    ids = tile_ids(grid_layer)
    repaints, recounts = [], []
    grid_layer.repaintRequested.connect(lambda *_: repaints.append(1))
    grid_layer.rendererChanged.connect(lambda: recounts.append(1))
    big = [update(t, status="queued") for t in ids[:5]]
    feed.add(big)
    feed.add([update(ids[0], status="running")])  # behind the big one: after it
    statuses = lambda: [f["status"] for f in grid_layer.getFeatures()]  # noqa: E731
    assert statuses() == ["queued", "queued", *["not_started"] * 4]  # the first slice only
    assert applied == []
    ended = []
    feed.then(lambda: ended.append(statuses()))
    assert ended == []
    qtbot.waitUntil(lambda: len(applied) == 2, timeout=5000)
    assert ended == [["running", *["queued"] * 4, "not_started"]]
    assert applied[0] is big  # each batch said once, when all of it is on the layer
    assert statuses() == ["running", *["queued"] * 4, "not_started"]
    # the map redrawn and the legend recounted once, after the last slice
    assert (len(repaints), len(recounts)) == (1, 1)
    feed.add([update(ids[5], status="finished")])  # nothing waiting: at once
    assert statuses()[5] == "finished"
    assert len(applied) == 3
    feed.then(lambda: ended.append("at once"))
    assert ended[-1] == "at once"


def test_statuses_a_locked_geopackage_refuses_are_written_once_it_takes_them_again(
    grid_layer, tmp_path, qtbot, monkeypatch
):
    """A run's grid saved as a GeoPackage that another program holds locked (a second
    QGIS, a database browser): the write fails. The statuses are kept and written when
    the file can be written again, even with no batch after it (a run's last). The
    user is told once, and the batches meanwhile are kept without trying the file
    again (each try waits for the lock: QGIS would stall at every batch)."""
    import sqlite3

    from openeo_grid_jobs.ui.adapters import layer_feed
    from openeo_grid_jobs.ui.adapters.project_runs import open_snapshot, write_snapshot

    monkeypatch.setattr(layer_feed, "RETRY_MS", 50)
    layer = open_snapshot(write_snapshot(grid_layer, tmp_path / "run.jobs.gpkg"))
    QgsProject.instance().addMapLayer(layer)  # as a run's grid is (the project owns it)
    applied, refusals = [], []
    feed = layer_feed.LayerFeed(applied.append)
    feed.refused.connect(refusals.append)
    feed.follow(layer)
    ids = tile_ids(layer)
    statuses = lambda: [f["status"] for f in layer.getFeatures()]  # noqa: E731
    lock = sqlite3.connect(tmp_path / "run.jobs.gpkg", isolation_level=None)
    lock.execute("BEGIN EXCLUSIVE")  # as another program's write transaction holds it
    try:
        feed.add([update(t, status="finished", ended="2026-12-07T10:00:00Z") for t in ids])
        tries = []  # the provider asked again (a spy: the write itself still happens)
        write = feed.updater._write
        monkeypatch.setattr(feed.updater, "_write", lambda *a: tries.append(1) or write(*a))
        feed.add([update(ids[0], status="error", ended="2026-12-07T10:00:00Z")])  # kept
        assert set(statuses()) == {"not_started"}
        assert len(refusals) == 1
        assert refusals[0]  # the provider's words
        assert feed.updater.unwritten  # both batches, for the next try
        assert not tries
    finally:
        lock.execute("COMMIT")
        lock.close()
    qtbot.waitUntil(lambda: set(statuses()) == {"error", "finished"}, timeout=5000)
    assert statuses().count("error") == 1
    assert all(f["ended"] == "2026-12-07T10:00:00Z" for f in layer.getFeatures())
    assert feed.updater.unwritten == {}
    assert len(refusals) == 1
    assert tries


def test_every_status_has_a_colour_and_the_status_follows_the_tile_fields():
    """What the style and the grid's fill rely on (written out here, not as asserts in
    the plugin's modules, which the plugin repository's scan refuses)."""
    from openeo_grid_jobs.core.definitions import STATUSES
    from openeo_grid_jobs.ui.adapters.grid_layer import GRID_FIELDS, TILE_FIELDS
    from openeo_grid_jobs.ui.adapters.status_style import STATUS_COLOURS

    assert set(STATUS_COLOURS) == set(STATUSES)
    assert GRID_FIELDS[len(TILE_FIELDS)][0] == "status"
