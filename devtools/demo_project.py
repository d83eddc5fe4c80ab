"""Write the demo project: QGIS's bundled world map as base map, viewed over Antwerp.

Antwerp is the seed notebook's area. There is no internet for web tiles, so the
base map is the world_map.gpkg that ships with QGIS.
"""

from __future__ import annotations

import sys
from pathlib import Path

WORLD_MAP = Path("/usr/share/qgis/resources/data/world_map.gpkg")
ANTWERP_LONLAT = (4.2, 51.1, 4.6, 51.35)


def write_demo_project(path: Path) -> Path:
    from qgis.core import (
        QgsCoordinateReferenceSystem,
        QgsCoordinateTransform,
        QgsFillSymbol,
        QgsProject,
        QgsRectangle,
        QgsReferencedRectangle,
        QgsVectorLayer,
    )

    project = QgsProject()
    mercator = QgsCoordinateReferenceSystem("EPSG:3857")
    project.setCrs(mercator)
    for name, fill, outline in (
        ("countries", "246,244,236,255", "120,120,120,255"),
        ("states_provinces", "0,0,0,0", "170,170,170,255"),
    ):
        layer = QgsVectorLayer(f"{WORLD_MAP}|layername={name}", name, "ogr")
        if not layer.isValid():
            continue
        layer.renderer().setSymbol(
            QgsFillSymbol.createSimple({"color": fill, "outline_color": outline})
        )
        project.addMapLayer(layer)
    to_mercator = QgsCoordinateTransform(
        QgsCoordinateReferenceSystem("EPSG:4326"), mercator, project
    )
    extent = to_mercator.transformBoundingBox(QgsRectangle(*ANTWERP_LONLAT))
    project.viewSettings().setDefaultViewExtent(QgsReferencedRectangle(extent, mercator))
    path.parent.mkdir(parents=True, exist_ok=True)
    project.write(str(path))
    return path


if __name__ == "__main__":
    from qgis.core import QgsApplication

    app = QgsApplication([], False)
    app.initQgis()
    print(write_demo_project(Path(sys.argv[1])))
