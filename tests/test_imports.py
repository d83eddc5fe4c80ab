"""Import hygiene, run for real: core imports without QGIS, heavy packages load lazily.

The static rules (what each layer may import, no circles) are in ``test_import_rules.py``.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from helpers.sources import HEAVY

REPO_ROOT = Path(__file__).resolve().parent.parent


def test_core_imports_in_plain_python_without_qgis_nor_heavy_packages():
    """Every core and CLI module, imported, loads no QGIS and no heavy package: those are
    imported inside the functions that use them (``test_import_rules.py``)."""
    modules = [
        "openeo_grid_jobs." + ".".join(p.relative_to(REPO_ROOT).with_suffix("").parts)
        for folder in ("core", "cli")
        for p in sorted((REPO_ROOT / folder).rglob("*.py"))
        if p.stem not in ("__init__", "__main__")
    ]
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "leaked = sorted(m for m in sys.modules if m.split('.')[0] in ('qgis', 'PyQt5'))\n"
        "assert not leaked, leaked\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules}"
        f" & {set(HEAVY)!r})\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_plugin_load_does_not_import_heavy_packages():
    """classFactory + initGui must not pull in openeo/geopandas/pandas (QGIS start-up)."""
    code = (
        "import sys\n"
        "from qgis.core import QgsApplication\n"
        "app = QgsApplication([], False)\n"
        "before = set(sys.modules)\n"
        "import openeo_grid_jobs, openeo_grid_jobs.plugin\n"
        "heavy = sorted({m.split('.')[0] for m in set(sys.modules) - before}"
        f" & {set(HEAVY)!r})\n"
        "print(heavy)\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run(
        [sys.executable, "-c", code],
        check=True,
        env={"QT_QPA_PLATFORM": "offscreen", "HOME": "/tmp"},
    )


def test_a_layers_tiles_go_to_the_run_without_heavy_packages_in_qgis():
    """Run reads the layer's tiles into the request in QGIS's process without pandas,
    shapely or geopandas (their first import holds QGIS's interpreter lock for a third of
    a second, which the map waits for); the engine's table made of them keeps every tile,
    its shape, CRS, own dates and bound field."""
    import json

    import shapely
    from openeo_grid_jobs.core.engine.request import tiles_from_wire

    fields = "field=tile_id:string&field=col:integer&field=row:integer"
    fields += "&field=start_date:string&field=threshold:double"
    code = textwrap.dedent(
        f"""
        import json, sys
        from qgis.core import QgsApplication, QgsFeature, QgsGeometry, QgsVectorLayer
        app = QgsApplication([], False)
        app.initQgis()
        before = set(sys.modules)
        from openeo_grid_jobs.ui.adapters.layer_tiles import LayerTiles
        layer = QgsVectorLayer("Polygon?crs=EPSG:32631&{fields}", "fields", "memory")
        units = [("F-01", "2024-01-01", 0.2), ("F-02", None, 7.0)]
        for i, (tile_id, start, value) in enumerate(units):
            feature = QgsFeature(layer.fields())
            feature.setAttributes([tile_id, None, None, start, value])
            square = f"POLYGON(({{i}} 0, {{i + 1}} 0, {{i + 1}} 1, {{i}} 1, {{i}} 0))"
            feature.setGeometry(QgsGeometry.fromWkt(square))
            layer.dataProvider().addFeature(feature)
        wire = LayerTiles.of(layer, ["threshold", "absent"]).wire()
        heavy = sorted({{m.split(".")[0] for m in set(sys.modules) - before}} & {set(HEAVY)!r})
        assert not heavy, heavy
        print(json.dumps(wire))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        check=True,
        capture_output=True,
        text=True,
        env={"QT_QPA_PLATFORM": "offscreen", "HOME": "/tmp"},
    )
    wire = json.loads(done.stdout.strip().splitlines()[-1])
    tiles = tiles_from_wire(wire)
    assert list(tiles["tile_id"]) == ["F-01", "F-02"]
    assert "col" not in tiles.columns  # units: no grid cells
    assert list(tiles["start_date"]) == ["2024-01-01", None]
    assert list(tiles["threshold"]) == [0.2, 7.0]
    assert tiles.crs.to_epsg() == 32631
    assert tiles.geometry.iloc[1].equals(shapely.box(1, 0, 2, 1))
    assert tiles.attrs["source"] == "fields"  # the layer the engine's messages name
