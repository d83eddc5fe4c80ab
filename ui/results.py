"""Downloaded results of a run's finished tiles as raster layers."""

from __future__ import annotations

from pathlib import Path

from qgis.core import QgsProject, QgsRasterLayer, QgsVectorLayer


def add_results(grid: QgsVectorLayer) -> tuple[list[QgsRasterLayer], list[str]]:
    """Add every finished tile's downloaded file as a raster layer, in one group.

    Returns the layers added and a message for each file that could not be opened.
    """
    paths = [
        (str(f["tile_id"]), str(f["result"]))
        for f in grid.getFeatures()
        if f["status"] == "finished" and f["result"] and Path(str(f["result"])).is_file()
    ]
    if not paths:
        return [], []
    project = QgsProject.instance()
    group = project.layerTreeRoot().insertGroup(0, f"{grid.name()} results")
    layers, problems = [], []
    for tile_id, path in paths:
        raster = QgsRasterLayer(path, tile_id)
        if not raster.isValid():
            problems.append(f"Cannot open the result of tile {tile_id}: {path}")
            continue
        project.addMapLayer(raster, False)
        group.addLayer(raster)
        layers.append(raster)
    return layers, problems
