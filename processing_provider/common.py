"""What the plugin's Processing algorithms share: identity, icon, errors, output layers.

Algorithms import the core lazily (in ``processAlgorithm``): QGIS builds every
algorithm of every provider at start-up, and the plugin must cost it nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from qgis import core as qgis_core
from qgis.core import (
    QgsFeatureSink,
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingContext,
    QgsProcessingFeedback,
    QgsProcessingLayerPostProcessorInterface,
    QgsProcessingUtils,
    QgsRasterLayer,
    QgsVectorLayer,
    QgsWkbTypes,
)
from qgis.PyQt.QtGui import QIcon

from ..core.errors import GridJobsError
from ..ui.adapters.qgis_objects import current_project, present
from ..ui.i18n import translate

if TYPE_CHECKING:
    from qgis.core import Qgis, QgsMapLayer

PLUGIN_DIR = Path(__file__).resolve().parent.parent
ICON_PATH = str(PLUGIN_DIR / "icon.svg")
HELP_URL = "https://github.com/openeo-grid-jobs/openeo-grid-jobs#processing-algorithms"
T = TypeVar("T")
#: what an algorithm raises to fail with a message; a SIP-made exception, which the stubs
#: (qgis-stubs 0.5.0) lack: the algorithms import it from here
QgsProcessingException: type[Exception] = qgis_core.QgsProcessingException  # type: ignore[attr-defined]
#: polygon layers as an input or output type, by the name QGIS 3.22 has; later QGIS keeps
#: it as an alias of Qgis.ProcessingSourceType.VectorPolygon, the only name the stubs know
POLYGONS: Qgis.ProcessingSourceType = QgsProcessing.SourceType.TypeVectorPolygon  # type: ignore[attr-defined]


class GridJobsAlgorithm(QgsProcessingAlgorithm):
    """Base of the plugin's algorithms: names, help, icon, a fresh copy per run.

    A subclass sets :attr:`NAME` (the id after ``openeogridjobs:``, never to change:
    models and scripts call it), :attr:`DISPLAY_NAME`, :attr:`DESCRIPTION` (one
    line, in the Toolbox's tooltip) and :attr:`HELP` (beside the dialog: what it
    does and every parameter), each in English marked
    ``QT_TRANSLATE_NOOP("<its class name>", "...")``; they are shown through
    :meth:`tr`, QGIS's convention: the class name is the translation context, as
    pylupdate makes it for a ``self.tr("...")`` in the class.
    """

    NAME = ""
    DISPLAY_NAME = ""
    DESCRIPTION = ""
    HELP = ""
    #: shown in the Processing Toolbox's search and in the algorithm's help
    TAGS: tuple[str, ...] = ("openeo", "grid", "tiles", "batch jobs")

    def tr(self, text: str) -> str:
        """``text`` in the user's language, in the context of the algorithm's class."""
        return translate(type(self).__name__, text)

    def name(self) -> str:
        return self.NAME

    def displayName(self) -> str:  # noqa: N802 (QGIS API)
        return self.tr(self.DISPLAY_NAME)

    def shortDescription(self) -> str:  # noqa: N802 (QGIS API)
        return self.tr(self.DESCRIPTION)

    def shortHelpString(self) -> str:  # noqa: N802 (QGIS API)
        return self.tr(self.HELP)

    def createInstance(self) -> QgsProcessingAlgorithm:  # noqa: N802 (QGIS API)
        return type(self)()

    def icon(self) -> QIcon:
        return QIcon(ICON_PATH)

    def helpUrl(self) -> str:  # noqa: N802 (QGIS API)
        return HELP_URL

    def tags(self) -> list[str]:
        return list(self.TAGS)


def count_text(counts: dict[str, int]) -> str:
    """Tiles per status on one line, e.g. ``finished 4 · running 2``."""
    return " · ".join(f"{status} {n}" for status, n in sorted(counts.items()))


def reported(call: Callable[[], T]) -> T:
    """Call ``call``; a core error (its message written for the user) becomes the
    QgsProcessingException that Processing shows in the log, the model or on stderr."""
    try:
        return call()
    except GridJobsError as exc:
        raise QgsProcessingException(str(exc)) from exc


def given_or_silent(feedback: QgsProcessingFeedback | None) -> QgsProcessingFeedback:
    """``feedback``, or one that goes nowhere: QGIS's API lets a caller run an algorithm
    without feedback (``algorithm.run(parameters, context, None)``), as QGIS's own
    algorithms allow, and the algorithm then reports to no one rather than failing."""
    return feedback if feedback is not None else QgsProcessingFeedback()


def copy_to_sink(
    algorithm: QgsProcessingAlgorithm,
    parameters: dict[str, Any],
    name: str,
    layer: QgsVectorLayer,
    context: QgsProcessingContext,
) -> str:
    """Write the features of the memory ``layer`` (fields, CRS and all) to the sink
    parameter ``name``; returns its destination id. The copy runs in C++."""
    sink, dest_id = algorithm.parameterAsSink(
        parameters, name, context, layer.fields(), QgsWkbTypes.Type.Polygon, layer.crs()
    )
    if sink is None:
        raise QgsProcessingException(algorithm.invalidSinkError(parameters, name))
    if not sink.addFeatures(layer.getFeatures(), QgsFeatureSink.Flag.FastInsert):
        raise QgsProcessingException(
            translate("GridJobsAlgorithm", "Could not write the tiles: {error}").format(
                error=sink.lastError()
            )
        )
    return dest_id


def style_on_load(context: QgsProcessingContext, dest_id: str, name: str | None = None) -> None:
    """When QGIS adds the output ``dest_id`` to the project, style it by job status
    and give the lon/lat fields their aliases, as the dock's own grid layers."""
    if context.willLoadLayerOnCompletion(dest_id):
        details = context.layerToLoadOnCompletionDetails(dest_id)
        details.setPostProcessor(StylePostProcessor.create(status_style, name))


def load_mosaic_on_completion(context: QgsProcessingContext, path: str, name: str) -> None:
    """Have QGIS add the run's NDVI mosaic to the project when the algorithm is done (in
    the desktop; ``processing.run`` and ``qgis_process`` load nothing), styled as the
    dock styles it."""
    details = QgsProcessingContext.LayerDetails(
        name, context.project(), "MOSAIC", QgsProcessingUtils.LayerHint.Raster
    )
    context.addLayerToLoadOnCompletion(path, details)
    context.layerToLoadOnCompletionDetails(path).setPostProcessor(
        StylePostProcessor.create(ndvi_style)
    )


def status_style(layer: QgsMapLayer) -> None:
    """A grid layer by job status, with the aliases of its lon/lat fields."""
    from ..ui.adapters.grid_layer import field_aliases
    from ..ui.adapters.status_style import apply_status_style

    if isinstance(layer, QgsVectorLayer) and layer.fields().indexOf("status") >= 0:
        for field_name, alias in field_aliases().items():
            index = layer.fields().indexOf(field_name)
            if index >= 0:
                layer.setFieldAlias(index, alias)
        apply_status_style(layer, current_project())


def ndvi_style(layer: QgsMapLayer) -> None:
    """The dock's NDVI colours (red → green over a fixed −1…1)."""
    from ..ui.adapters.results import ndvi_renderer

    if isinstance(layer, QgsRasterLayer) and layer.isValid():
        layer.setRenderer(ndvi_renderer(layer))
        layer.triggerRepaint()


class StylePostProcessor(QgsProcessingLayerPostProcessorInterface):
    """Runs on the main thread once an output layer is in the project: ``style`` it
    (and rename it to ``name`` when given).

    Processing keeps only a reference: each instance is held in :attr:`_alive`
    until used, as QGIS's own Python algorithms do.
    """

    _alive: list[StylePostProcessor] = []  # noqa: RUF012 (the class's own registry)

    def __init__(self, style: Callable[[QgsMapLayer], None], name: str | None) -> None:
        super().__init__()
        self.style = style
        self.name = name

    @classmethod
    def create(
        cls, style: Callable[[QgsMapLayer], None], name: str | None = None
    ) -> StylePostProcessor:
        instance = cls(style, name)
        cls._alive.append(instance)
        return instance

    def postProcessLayer(  # noqa: N802 (QGIS API)
        self,
        layer: QgsMapLayer | None,
        context: QgsProcessingContext | None,
        feedback: QgsProcessingFeedback | None,
    ) -> None:
        # QGIS calls this only with the layer it loaded; the stubs type every pointer Optional
        layer = present(layer, "output layer to style")
        if self.name:
            layer.setName(self.name)
        self.style(layer)
        if self in self._alive:
            self._alive.remove(self)
