"""``openeo-grid-jobs grid`` writes the same grid as the plugin, and fails cleanly."""

from __future__ import annotations

import subprocess
from pathlib import Path

import geopandas as gpd
import pytest
from openeo_grid_jobs.core.grid import build_grid

COMMAND = str(Path(__file__).resolve().parent.parent / ".venv" / "bin" / "openeo-grid-jobs")
ANTWERP = ["4.2", "51.1", "4.6", "51.35"]


def grid_cli(*args, cwd=None):
    return subprocess.run([COMMAND, "grid", *args], capture_output=True, text=True, cwd=cwd)


@pytest.mark.parametrize("suffix", [".gpkg", ".shp", ".geojson"])
def test_writes_grid_in_each_format(tmp_path, suffix):
    out = tmp_path / f"grid{suffix}"
    result = grid_cli("--bbox", *ANTWERP, "--tile-size", "5000", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "42 tiles of 5000 m" in result.stdout
    frame = gpd.read_file(out)
    expected = build_grid(tuple(map(float, ANTWERP)), "EPSG:4326", 5000).tiles
    assert sorted(frame.tile_id) == sorted(expected.tile_id)
    assert set(frame.status) == {"not_started"}
    assert frame.crs.to_epsg() == (4326 if suffix == ".geojson" else 32631)


def test_aoi_file_and_grid_crs(tmp_path):
    aoi = tmp_path / "aoi.geojson"
    grid_cli("--bbox", *ANTWERP, "--tile-size", "20000", "--out", str(aoi))
    out = tmp_path / "grid.gpkg"
    result = grid_cli(
        "--aoi", str(aoi), "--tile-size", "10000", "--grid-crs", "EPSG:3035", "--out", str(out)
    )
    assert result.returncode == 0, result.stderr
    assert gpd.read_file(out).crs.to_epsg() == 3035


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            [
                "--bbox",
                "595000",
                "5660000",
                "600000",
                "56730000",
                "--crs",
                "EPSG:32631",
                "--tile-size",
                "5000",
            ],
            "typo",
        ),
        (["--bbox", *ANTWERP, "--tile-size", "10"], "more than the limit of 10,000"),
        (["--bbox", *ANTWERP, "--tile-size", "10", "--max-tiles", "5"], "limit of 5"),
        (["--bbox", *ANTWERP, "--tile-size", "0"], "greater than 0"),
        (["--bbox", *ANTWERP, "--tile-size", "nan"], "finite"),
        (["--bbox", *ANTWERP, "--tile-size", "5km"], "number"),
        (["--bbox", *ANTWERP, "--tile-size", "5000", "--grid-crs", "EPSG:4326"], "projected"),
        (["--aoi", "missing.gpkg", "--tile-size", "5000"], "does not exist"),
    ],
)
def test_bad_input_exit_2_one_line_no_traceback(tmp_path, args, message):
    result = grid_cli(*args, "--out", str(tmp_path / "grid.gpkg"), cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "grid.gpkg").exists()


def test_unknown_output_format(tmp_path):
    result = grid_cli("--bbox", *ANTWERP, "--tile-size", "5000", "--out", str(tmp_path / "g.csv"))
    assert result.returncode == 2
    assert "use .gpkg, .shp or .geojson" in result.stderr
