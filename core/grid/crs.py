"""Coordinate reference systems for grids: the UTM zone of a place, a CRS from what a user
typed, and whether a point of a projection is on the Earth.

A grid is metric and in one CRS; these rules (which UTM zone, which names count,
what "metres" means, where a projection stops being valid) are about CRSs, not
about tiles, which is why they are apart from :mod:`.grid`. pyproj is imported
only when a CRS is made.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Union

from ..errors import GridError

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    import pyproj

UTM_LATITUDES = (-80.0, 84.0)
#: Tile corners whose lon/lat projects back further than this (metres) are not on
#: the Earth as the grid CRS sees it (its valid area ends before them). Sound points
#: come back within millimetres; nonsense is kilometres off.
ROUNDTRIP_TOLERANCE_M = 1.0
WGS84 = "EPSG:4326"

CrsLike = Union[str, int, "pyproj.CRS"]


def utm_crs_for(lon: float, lat: float) -> pyproj.CRS:
    """The WGS 84 / UTM zone CRS (north or south) that contains ``lon``, ``lat``."""
    import pyproj

    lo, hi = UTM_LATITUDES
    if not lo <= lat <= hi:
        raise GridError(
            f"Latitude {lat:.2f}° is outside the UTM range ({lo:g}° to {hi:g}°). "
            "Choose a polar projected grid CRS, e.g. EPSG:3413 (Arctic) or EPSG:3031 (Antarctic)."
        )
    return pyproj.CRS.from_epsg((32600 if lat >= 0 else 32700) + utm_zone_of(lon))


def utm_zone_of(lon: float) -> int:
    """The standard UTM zone number (1-60) of a longitude."""
    return min(60, int((lon + 180.0) // 6.0) + 1)


@lru_cache(maxsize=32)
def transformer(src: CrsLike, dst: CrsLike) -> pyproj.Transformer:
    """A cached transformer (making one costs milliseconds, a small grid's whole budget)."""
    import pyproj

    return pyproj.Transformer.from_crs(src, dst, always_xy=True)


def on_earth(
    x: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    lon: npt.NDArray[np.float64],
    lat: npt.NDArray[np.float64],
    crs: pyproj.CRS,
) -> npt.NDArray[np.bool_]:
    """Mask of the points ``x``, ``y`` of ``crs`` whose ``lon``, ``lat`` are real places.

    Beyond a projection's valid area the inverse gives infinities, or finite nonsense
    (a wrapped longitude, a transverse Mercator far from its meridian): projecting
    the lon/lat back must give the point again.
    """
    import numpy as np

    ok = np.isfinite(lon) & np.isfinite(lat) & (np.abs(lon) <= 180) & (np.abs(lat) <= 90)
    bx, by = transformer(WGS84, crs).transform(np.where(ok, lon, 0.0), np.where(ok, lat, 0.0))
    with np.errstate(invalid="ignore"):
        close = np.hypot(bx - x, by - y) <= ROUNDTRIP_TOLERANCE_M
    mask: npt.NDArray[np.bool_] = np.asarray(ok & close, dtype=bool)
    return mask


def parse_crs(value: CrsLike, what: str) -> pyproj.CRS:
    """The CRS ``value`` names, or a :class:`GridError` about the ``what`` (e.g. "grid CRS")."""
    import pyproj

    hint = "Give a code such as EPSG:4326, or the CRS's exact name."
    bare_name = isinstance(value, str) and _is_bare_name(value)
    try:
        crs = pyproj.CRS.from_user_input(value)
    except pyproj.exceptions.CRSError as exc:
        # PROJ 9.6 refuses a name it does not know; PROJ 9.1 guessed (below)
        raise GridError(f"Unknown {what} {value!r}: {hint if bare_name else exc}") from None
    # PROJ matches bare names loosely ("foo" gives Amersfoort): a name must be the CRS's own.
    if bare_name and _simple(crs.name) != _simple(str(value)):
        code = f" (EPSG:{crs.to_epsg()})" if crs.to_epsg() else ""
        raise GridError(
            f"Unknown {what} {value!r}: PROJ can only guess it means {crs.name}{code}. {hint}"
        )
    return crs


def _is_bare_name(text: str) -> bool:
    """Not a code (``EPSG:4326``, ``4326``, a URN), PROJ string, WKT or PROJJSON."""
    text = text.strip()
    return not (text.isdigit() or ":" in text or "[" in text or text.startswith(("+", "{")))


def _simple(name: str) -> str:
    return "".join(ch for ch in name.casefold() if ch.isalnum())


def require_metric(crs: pyproj.CRS) -> None:
    """Refuse a grid CRS that is not projected in metres (tile sizes are metres)."""
    if crs.is_geographic or not crs.is_projected:
        raise GridError(
            f"The grid CRS must be projected, in metres; {crs.name} is geographic "
            "(degrees). Leave it empty for the automatic UTM zone."
        )
    units = {a.unit_name for a in crs.axis_info[:2]}
    if not units <= {"metre", "meter", "m"}:
        raise GridError(f"The grid CRS must be in metres; {crs.name} uses {', '.join(units)}.")
