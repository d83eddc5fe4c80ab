"""core.grid: the tile grid, without QGIS."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from openeo_grid_jobs.core.errors import GridError, TooManyTilesError
from openeo_grid_jobs.core.grid.crs import utm_crs_for
from openeo_grid_jobs.core.grid.grid import build_grid


def test_seed_antwerp_tile():
    """The seed notebook's first tile: EPSG:32631, 5 km, origin 595000/5660000."""
    grid = build_grid((595000, 5660000, 600000, 5665000), "EPSG:32631", 5000)
    assert grid.epsg == 32631
    assert len(grid.tiles) == 1
    tile = grid.tiles.iloc[0]
    assert tile.geometry.bounds == (595000, 5660000, 600000, 5665000)
    assert (tile.col, tile.row) == (119, 1132)
    assert tile.tile_id == "31N_119_1132"
    assert (tile.west, tile.south) == pytest.approx((4.3563, 51.0828), abs=1e-4)


def test_antwerp_lonlat_extent_gets_utm_31n_snapped_grid():
    grid = build_grid((4.2, 51.1, 4.6, 51.35), "EPSG:4326", 5000)
    assert grid.epsg == 32631
    assert grid.zone_label == "31N"
    xs = shapely.get_coordinates(grid.tiles.geometry.values)
    assert (xs % 5000 == 0).all()
    assert grid.warnings == []


def test_seed_typo_is_caught_before_building():
    """np.arange(5660000, 56730000, ...) in the seed: a northing beyond the Earth."""
    with pytest.raises(GridError, match="typo"):
        build_grid((595000, 5660000, 600000, 56730000), "EPSG:32631", 5000)


def test_tile_count_guard_names_the_count():
    with pytest.raises(TooManyTilesError) as info:
        build_grid((3.0, 50.0, 6.0, 52.0), "EPSG:4326", 100)
    assert info.value.count > 10_000
    assert f"{info.value.count:,}" in str(info.value)
    assert "raise the limit" in str(info.value)


def test_tile_count_guard_exact_for_rectangles_in_grid_crs():
    with pytest.raises(TooManyTilesError) as info:
        build_grid((0, 0, 1_000_000, 1_000_000), "EPSG:32631", 1000, max_tiles=500_000)
    assert info.value.count == 1_000_000
    assert not info.value.at_least


def test_limit_can_be_raised():
    grid = build_grid((0, 0, 101_000, 100_000), "EPSG:32631", 1000, max_tiles=20_000)
    assert len(grid.tiles) == 101 * 100


@pytest.mark.parametrize(
    ("tile_size", "message"),
    [
        (0, "greater than 0"),
        (-5, "greater than 0"),
        (float("nan"), "finite"),
        (float("inf"), "finite"),
        ("abc", "number"),
        (None, "number"),
        (True, "number"),
    ],
)
def test_bad_tile_size(tile_size, message):
    with pytest.raises(GridError, match=message):
        build_grid((4.2, 51.1, 4.6, 51.35), "EPSG:4326", tile_size)


@pytest.mark.parametrize(
    ("tile_size", "grid_crs"),
    [
        (1e9, None),  # UTM: corners at infinity
        (2e7, None),
        (1e12, None),
        (1e300, None),  # overflows inside GEOS too
        (1e9, "EPSG:3035"),
        (1e8, "EPSG:3857"),  # finite nonsense: the longitude wraps around
    ],
)
def test_tiles_beyond_the_crs_valid_area_are_refused(tile_size, grid_crs):
    with pytest.raises(GridError, match="beyond the valid area") as info:
        build_grid((4.2, 51.1, 4.6, 51.35), "EPSG:4326", tile_size, grid_crs=grid_crs)
    assert "smaller tile size" in str(info.value)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("tile_size", "grid_crs"),
    [(1e6, None), (3e6, None), (1e6, "EPSG:3035"), (1e7, "EPSG:3857"), (5e5, "EPSG:3413")],
)
def test_large_tiles_inside_the_valid_area_have_lonlat_on_earth(tile_size, grid_crs):
    tiles = build_grid((4.2, 51.1, 4.6, 51.35), "EPSG:4326", tile_size, grid_crs=grid_crs).tiles
    lonlat = tiles[["west", "south", "east", "north"]].to_numpy()
    assert np.isfinite(lonlat).all()
    assert (np.abs(lonlat[:, [0, 2]]) <= 180).all()
    assert (np.abs(lonlat[:, [1, 3]]) <= 90).all()


@pytest.mark.parametrize("aoi", [(4.2, 51.1, 4.6, 51.35), [shapely.Point(4.4, 51.2)]])
def test_absurdly_small_tile_size_is_refused(aoi):
    with pytest.raises(GridError, match="too small"):
        build_grid(aoi, "EPSG:4326", 1e-300)


@pytest.mark.parametrize(
    "name", ["WGS 84", "wgs84", "4326", "ETRS89", "urn:ogc:def:crs:EPSG::4258"]
)
def test_crs_names_and_codes(name):
    assert build_grid((4.2, 51.1, 4.6, 51.35), name, 5000).epsg == 32631


@pytest.mark.parametrize("name", ["foo", "etrs"])
def test_crs_name_proj_only_guesses_is_refused(name):
    """PROJ 9.1 matches names loosely ('foo' would silently be Amersfoort, EPSG:4289);
    PROJ 9.6 refuses them: either way the user is told to give a code or the exact name."""
    with pytest.raises(GridError, match=f"Unknown AOI CRS '{name}': .*Give a code such as EPSG"):
        build_grid((4.2, 51.1, 4.6, 51.35), name, 5000)


def test_tile_larger_than_aoi_gives_one_tile():
    grid = build_grid((4.40, 51.20, 4.41, 51.21), "EPSG:4326", 100_000)
    assert len(grid.tiles) == 1


@pytest.mark.parametrize(
    ("extent", "message"),
    [
        ((4.4, 51.2, 4.4, 51.3), "empty"),
        ((4.4, 51.3, 4.5, 51.2), "empty"),
        ((4.4, float("nan"), 4.5, 51.2), "finite"),
        ((170.0, 0.0, -170.0, 1.0), "antimeridian"),
        ((-179.0, 0.0, 179.0, 1.0), "antimeridian"),
        ((10.0, 84.5, 11.0, 85.0), "UTM range"),
        ((10.0, -81.0, 11.0, -80.5), "UTM range"),
        ((4.2, 91.0, 4.6, 95.0), "outside the Earth"),
        ((400.0, 51.0, 401.0, 52.0), "outside the Earth"),
    ],
)
def test_bad_extents(extent, message):
    with pytest.raises(GridError, match=message):
        build_grid(extent, "EPSG:4326", 5000)


def test_empty_aoi_geometries():
    with pytest.raises(GridError, match="empty"):
        build_grid([], "EPSG:4326", 5000)


def test_geographic_grid_crs_is_refused():
    with pytest.raises(GridError, match="projected"):
        build_grid((4.2, 51.1, 4.6, 51.35), "EPSG:4326", 5000, grid_crs="EPSG:4326")


def test_unknown_crs():
    with pytest.raises(GridError, match="Unknown AOI CRS"):
        build_grid((4.2, 51.1, 4.6, 51.35), "EPSG:999999", 5000)


def test_user_grid_crs_laea_europe():
    grid = build_grid((4.2, 51.1, 4.6, 51.35), "EPSG:4326", 10_000, grid_crs="EPSG:3035")
    assert grid.epsg == 3035
    assert grid.tiles.tile_id.iloc[0].startswith("EPSG3035_")


def test_polar_grid_crs_beyond_utm():
    grid = build_grid((10.0, 84.5, 20.0, 85.0), "EPSG:4326", 10_000, grid_crs="EPSG:3413")
    assert len(grid.tiles) > 0


def test_southern_hemisphere_zone():
    assert utm_crs_for(-58.4, -34.6).to_epsg() == 32721  # Buenos Aires


def test_area_across_zones_uses_centre_zone_and_warns():
    grid = build_grid((5.5, 51.0, 6.5, 51.2), "EPSG:4326", 5000)
    assert grid.epsg == 32631 or grid.epsg == 32632
    assert len(grid.warnings) == 1
    assert "zones 31–32" in grid.warnings[0]
    covered = shapely.union_all(grid.tiles.to_crs(4326).geometry.values)
    assert covered.covers(shapely.box(5.5, 51.0, 6.5, 51.2))


def test_polygon_aoi_drops_tiles_outside():
    triangle = shapely.Polygon([(600000, 5660000), (650000, 5660000), (600000, 5710000)])
    grid = build_grid([triangle], "EPSG:32631", 5000)
    assert len(grid.tiles) < 100
    assert shapely.intersects(triangle, grid.tiles.geometry.values).all()
    assert shapely.union_all(grid.tiles.geometry.values).covers(triangle)


def test_tiles_touching_only_the_edge_are_dropped():
    grid = build_grid((595000, 5660000, 605000, 5665000), "EPSG:32631", 5000)
    assert sorted(grid.tiles.col) == [119, 120]
    assert set(grid.tiles.row) == {1132}


def test_large_lonlat_extent_is_covered_along_curved_edges():
    """A 4-corner reprojection would leave strips uncovered along curved edges."""
    extent = (0.5, 45.0, 5.5, 55.0)  # 5° x 10°, one UTM zone
    grid = build_grid(extent, "EPSG:4326", 20_000)
    covered = shapely.union_all(grid.tiles.to_crs(4326).geometry.values)
    assert covered.covers(shapely.box(*extent))


@st.composite
def aois(draw):
    lon = draw(st.floats(-177.0, 176.0))
    lat = draw(st.floats(-79.0, 83.0))
    width = draw(st.floats(0.001, 0.8))
    height = draw(st.floats(0.001, 0.8))
    size = draw(st.sampled_from([500, 1000, 2500, 5000, 10_000, 20_000]))
    return (lon, lat, min(lon + width, 179.9), min(lat + height, 83.9)), size


@settings(max_examples=60, deadline=None)
@given(aois())
def test_properties_coverage_no_overlap_snapping_stable_ids(case):
    extent, size = case
    grid = build_grid(extent, "EPSG:4326", size, max_tiles=1_000_000)
    tiles = grid.tiles.geometry.values
    # snapped: every corner is a multiple of the tile size, every tile a full square
    assert (shapely.get_coordinates(tiles) % size == 0).all()
    assert np.allclose(shapely.area(tiles), size * size)
    # no overlaps: unique (col, row), and total area equals the union's
    assert not grid.tiles[["col", "row"]].duplicated().any()
    union = shapely.union_all(tiles)
    assert math.isclose(union.area, len(tiles) * size * size, rel_tol=1e-9)
    # coverage: the AOI (reprojected with dense edges) lies inside the union of tiles
    aoi = shapely.segmentize(shapely.box(*extent), max(extent[2] - extent[0], 1e-3) / 50)
    aoi_utm = type(grid.tiles.geometry)([aoi], crs=4326).to_crs(grid.crs).iloc[0]
    assert union.buffer(1e-6).covers(aoi_utm)
    # every tile is needed
    assert shapely.intersects(aoi_utm, tiles).all()
    # ids are stable: same input, same ids; a larger extent keeps the ids it shares
    again = build_grid(extent, "EPSG:4326", size, max_tiles=1_000_000)
    assert list(again.tiles.tile_id) == list(grid.tiles.tile_id)
    assert grid.tiles.tile_id.is_unique
    if grid.warnings:  # spans zones: a larger extent may move the centre zone
        return
    west, south, east, north = extent
    larger = build_grid(
        (west - 0.01, south - 0.01, east, north), "EPSG:4326", size, max_tiles=1_000_000
    )
    if larger.epsg == grid.epsg:
        by_id = larger.tiles.set_index("tile_id").geometry
        assert set(grid.tiles.tile_id) <= set(by_id.index)
        assert shapely.equals(by_id.loc[grid.tiles.tile_id].values, tiles).all()
