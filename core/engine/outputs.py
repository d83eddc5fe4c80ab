"""What a run leaves in its results folder besides the tiles' results: the mosaic and catalog.

The NDVI mosaic (``mosaic.vrt``; with time windows one per window,
``mosaic_<start>_<end>.vrt``) follows the finished tiles during the run: a
rewrite at most every :data:`REWRITE_EVERY` seconds, reading only the tiles it has
not read before (:class:`~..results.mosaic_sources.SourceCache`);
the last tiles are written as soon as the run ends. The STAC catalog is written
once, at the end. Either failing is a warning: the run went as it went.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from ..definitions import TileStatus
from ..errors import GridJobsError
from ..results.mosaic import MOSAIC_NAME, finished_results, write_mosaic
from ..results.mosaic_sources import SourceCache
from ..results.problems import problems
from ..results.stac_catalog import write_catalog

if TYPE_CHECKING:
    import pandas as pd

_log = logging.getLogger(__name__)
#: seconds between two rewrites of the mosaic during a run
REWRITE_EVERY = 2.0


class MosaicWriter:
    """Keeps ``<output_dir>/mosaic.vrt`` in step with the finished tiles' results; in a
    run with time windows, one mosaic per window instead (:func:`mosaic_name`): tiles
    of two windows overlap, and one mosaic of both would show whichever came last.

    It writes on the thread that calls it (the run loop's): GDAL's netCDF driver has
    HDF5 print its internal diagnostics on any thread but the one that first used it,
    and a rewrite reads only the new tiles (a few milliseconds each), in the engine's
    process, where nobody waits for it.
    """

    def __init__(
        self,
        output_dir: Path,
        on_written: Callable[[Path], None],
        on_failed: Callable[[str], None],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.output_dir = output_dir
        self.path = output_dir / MOSAIC_NAME
        self.on_written = on_written
        self.on_failed = on_failed
        self.clock = clock
        #: results by window (None: a run without windows)
        self._results: dict[str | None, set[str]] = {}
        self._written: dict[str | None, set[str]] = {}
        self._cache = SourceCache()
        self._last = float("-inf")
        self._failed_once = False

    def add(self, result: str, window: str | None = None) -> None:
        self._results.setdefault(window, set()).add(result)

    def tick(self) -> None:
        """Rewrite when new results wait and the last rewrite is long enough ago."""
        if self._results == self._written or self.clock() - self._last < REWRITE_EVERY:
            return
        self._last = self.clock()
        self._write_changed()

    def finish(self) -> Path | None:
        """Write what is left; the mosaic (of the latest window), if any."""
        self._write_changed()
        written = self.mosaics()
        if None in written or not written:
            return written.get(None)
        return written[max(w for w in written if w is not None)]

    def mosaics(self) -> dict[str | None, Path]:
        """The mosaics written, by window (None: the run's one mosaic)."""
        paths = {w: self.output_dir / mosaic_name(w) for w in self._results}
        return {w: p for w, p in paths.items() if p.exists()}

    def _write_changed(self) -> None:
        for window, results in self._results.items():
            if results != self._written.get(window):
                self._write(window, sorted(results))

    def _write(self, window: str | None, results: list[str]) -> None:
        try:
            present = [r for r in results if Path(r).exists()]
            out = self.output_dir / mosaic_name(window)
            written = write_mosaic(present, out, cache=self._cache)
        except GridJobsError as exc:
            if not self._failed_once:
                self._failed_once = True
                self.on_failed(f"Results mosaic not written: {exc}")
            self._written[window] = set(results)  # tried: not again until a new tile comes
            return
        self._written[window] = set(results)
        if written is not None:
            self.on_written(written)


def mosaic_name(window: str | None) -> str:
    """``mosaic.vrt``, or a window's ``mosaic_<start>_<end>.vrt``."""
    return MOSAIC_NAME if window is None else f"{Path(MOSAIC_NAME).stem}_{window}.vrt"


def write_catalog_quietly(frame: pd.DataFrame, output_dir: Path) -> tuple[Path | None, str | None]:
    """The STAC catalog of the run's results: (its path, None), or (None, why not)."""
    linked = "result_url" in frame.columns and frame["result_url"].notna().any()
    if not finished_results(frame) and not linked:  # no result anywhere: nothing to catalog
        return None, None
    try:
        return write_catalog(frame, output_dir), None
    except GridJobsError as exc:
        return None, f"STAC catalog not written: {exc}"


def problem_dicts(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The failed tiles grouped by reason (:func:`~..results.problems.problems`), as JSON values."""
    return [
        {"reason": p.reason, "count": p.count, "statuses": p.statuses, "example": p.example}
        for p in problems(frame)
    ]


def failure_text(problems: list[dict[str, Any]]) -> str:
    """The failed tiles by reason (:func:`problem_dicts`), most frequent first, as lines."""
    total = sum(int(p["count"]) for p in problems)
    lines = [f"{total} tile(s) failed:"]
    lines += [f"  {p['count']} × {p['reason']}" for p in problems]
    return "\n".join(lines)


def missing_results(frame: Any) -> dict[str, Any]:
    """Finished tiles without a downloaded result (a folder that could not be written):
    how many, and the first one's reason."""
    if "result" not in frame.columns:
        return {"count": 0, "reason": None}
    missing = frame[(frame["status"] == TileStatus.FINISHED.value) & frame["result"].isna()]
    reasons = [str(m) for m in missing["message"] if m is not None and m == m and str(m)]
    return {"count": len(missing), "reason": reasons[0] if reasons else None}
