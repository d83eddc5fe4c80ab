"""``openeo-grid-jobs grid``: write a tile grid to a vector file."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..core.errors import GridJobsError
from ..core.grid.grid import DEFAULT_MAX_TILES, build_grid, validate_tile_size
from ..core.grid.grid_io import GridFileError, driver_for, files_of, read_aoi, same_file, write_grid


def add_parser(sub: argparse._SubParsersAction[Any]) -> None:
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
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="replace --out if it exists (never the --aoi input)",
    )
    p.set_defaults(handler=run)


def _tile_size(text: str) -> float:
    try:
        return validate_tile_size(text)
    except GridJobsError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def check_out(out: Path, *, aoi: Path | None, overwrite: bool) -> None:
    """Refuse, before any work, an ``--out`` that cannot or must not be written."""
    driver_for(out)  # an unknown extension
    if out.is_dir():
        raise GridFileError(f"--out {out} is a folder; give a file name (.gpkg, .shp, .geojson).")
    if not out.parent.is_dir():
        raise GridFileError(f"The folder of --out {out} does not exist; create it first.")
    targets = files_of(out)
    if aoi is not None:
        sources = files_of(aoi)
        for target in targets:
            if any(same_file(target, source) for source in sources):
                raise GridFileError(
                    f"--out {out} would overwrite the --aoi input {aoi}"
                    f"{'' if target.name == out.name else f' ({target.name})'}; "
                    "write the grid to another file."
                )
    if overwrite:
        return
    for target in targets:
        if target.exists() or target.is_symlink():
            part = "" if target == out else f" (part of the Shapefile {out.name})"
            raise GridFileError(f"{target} already exists{part}; pass --overwrite to replace it.")


def run(args: argparse.Namespace) -> int:
    out = Path(args.out)
    aoi: Any
    check_out(out, aoi=Path(args.aoi) if args.aoi else None, overwrite=args.overwrite)
    if args.aoi:
        aoi, crs = read_aoi(args.aoi)
    else:
        aoi, crs = tuple(args.bbox), args.crs
    grid = build_grid(aoi, crs, args.tile_size, grid_crs=args.grid_crs, max_tiles=args.max_tiles)
    for warning in grid.warnings:
        print(f"warning: {warning}")
    path = write_grid(grid, out)
    print(f"{grid.summary()} written to {path}")
    return 0
