"""``openeo-grid-jobs grid``: write a tile grid to a vector file."""

from __future__ import annotations

import argparse
from pathlib import Path

from .errors import GridJobsError
from .grid import DEFAULT_MAX_TILES


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "grid",
        help="build a tile grid over an extent or AOI file",
        description="Build a metric tile grid (automatic UTM zone unless --grid-crs) and write "
        "it, in the grid CRS, to --out (.gpkg, .shp or .geojson).",
    )
    area = p.add_mutually_exclusive_group(required=True)
    area.add_argument("--bbox", nargs=4, type=float, metavar=("W", "S", "E", "N"))
    area.add_argument("--aoi", help="vector file with the area of interest (polygons)")
    p.add_argument("--crs", default="EPSG:4326", help="CRS of --bbox (default EPSG:4326)")
    p.add_argument("--tile-size", required=True, type=_tile_size, help="tile edge in metres")
    p.add_argument("--grid-crs", help="projected CRS in metres (default: automatic UTM zone)")
    p.add_argument("--max-tiles", type=int, default=DEFAULT_MAX_TILES)
    p.add_argument("--out", required=True, help="output file: .gpkg, .shp or .geojson")
    p.set_defaults(handler=run)


def _tile_size(text: str) -> float:
    from .grid import validate_tile_size

    try:
        return validate_tile_size(text)
    except GridJobsError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def run(args: argparse.Namespace) -> int:
    from .grid import build_grid
    from .grid_io import driver_for, read_aoi, write_grid

    driver_for(Path(args.out))  # an unknown extension fails before any work
    if args.aoi:
        aoi, crs = read_aoi(args.aoi)
    else:
        aoi, crs = tuple(args.bbox), args.crs
    grid = build_grid(aoi, crs, args.tile_size, grid_crs=args.grid_crs, max_tiles=args.max_tiles)
    for warning in grid.warnings:
        print(f"warning: {warning}")
    path = write_grid(grid, args.out)
    print(f"{grid.summary()} written to {path}")
    return 0
