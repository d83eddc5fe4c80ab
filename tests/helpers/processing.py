"""Processing in tests: the plugin's provider registered, algorithms run as a script runs them.

``processing`` is QGIS's own Processing framework, importable once pytest-qgis's
``qgis_processing`` fixture has put QGIS's Python plugins on ``sys.path``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from qgis.core import QgsApplication, QgsProcessingException, QgsProcessingFeedback

#: 3 x 2 tiles of 5 km over Antwerp (the seed notebook's UTM 31N boxes)
EXTENT = "595000,610000,5660000,5670000 [EPSG:32631]"
BOUNDS = (595000, 5660000, 610000, 5670000)
DATES = ("2024-05-01", "2024-08-01")


@contextmanager
def registered_provider() -> Iterator[Any]:
    from openeo_grid_jobs.processing_provider.provider import GridJobsProvider

    registry = QgsApplication.processingRegistry()
    provider = GridJobsProvider()
    assert registry.addProvider(provider)
    try:
        yield provider
    finally:
        registry.removeProvider(provider)


def run(
    name: str,
    parameters: dict[str, Any],
    feedback: QgsProcessingFeedback | None = None,
    context: Any = None,
):
    """``processing.run`` of one of the plugin's algorithms (or a model, by full id)."""
    import processing

    algorithm = name if ":" in name else f"openeogridjobs:{name}"
    feedback = feedback or RecordingFeedback()
    try:
        return processing.run(algorithm, parameters, feedback=feedback, context=context)
    except QgsProcessingException as exc:
        errors = [e for e in getattr(feedback, "errors", []) if e != str(exc)]
        if not errors:
            raise
        # what prepareAlgorithm reported, which Processing leaves out of its exception
        raise QgsProcessingException(f"{exc} {' '.join(errors)}") from exc


def run_parameters(grid: Any, job_db: Any, connection: str = "Local", **extra: Any) -> dict:
    """A run of the NDVI mean over the seed's summer, polling fast."""
    return {
        "GRID": grid,
        "CONNECTION": connection,
        "START_DATE": DATES[0],
        "END_DATE": DATES[1],
        "POLL_INTERVAL": 0.3,
        "JOB_DB": str(job_db),
        **extra,
    }


class RecordingFeedback(QgsProcessingFeedback):
    """Keeps what an algorithm says; ``cancel_when(info)``: press Cancel on that message."""

    def __init__(self, cancel_when: Callable[[str], bool] | None = None) -> None:
        super().__init__()
        self.infos: list[str] = []
        self.warnings: list[str] = []
        self.errors: list[str] = []
        self.progress_values: list[float] = []
        self.cancel_when = cancel_when
        self.progressChanged.connect(self.progress_values.append)

    def pushInfo(self, info: str) -> None:
        self.infos.append(info)
        super().pushInfo(info)
        if self.cancel_when is not None and self.cancel_when(info):
            self.cancel()

    def pushWarning(self, warning: str) -> None:
        self.warnings.append(warning)
        super().pushWarning(warning)

    def reportError(self, error: str, fatalError: bool = False) -> None:  # noqa: N803
        self.errors.append(error)
        super().reportError(error, fatalError)


def tiles_of(layer) -> dict[str, tuple]:
    """tile_id → (attributes, geometry as WKT) of a grid layer."""
    return {
        f["tile_id"]: (tuple(f.attributes()), f.geometry().asWkt(3)) for f in layer.getFeatures()
    }
