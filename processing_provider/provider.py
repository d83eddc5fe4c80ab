"""The Processing provider ``openeogridjobs``: the plugin's algorithms in the Toolbox,
the Graphical Modeler, batch mode and ``qgis_process``, and an example model."""

from __future__ import annotations

from pathlib import Path

from qgis.core import (
    QgsApplication,
    QgsMessageLog,
    QgsProcessingModelAlgorithm,
    QgsProcessingProvider,
    QgsProcessingRegistry,
)
from qgis.PyQt.QtGui import QIcon

from ..core.definitions import PLUGIN_NAME
from ..ui.adapters.qgis_objects import present
from ..ui.i18n import translate
from .common import ICON_PATH
from .create_grid import CreateGridAlgorithm
from .open_job_database import OpenJobDatabaseAlgorithm
from .run_jobs import RunJobsAlgorithm

PROVIDER_ID = "openeogridjobs"
MODELS_DIR = Path(__file__).resolve().parent / "models"
EXAMPLE_MODEL = MODELS_DIR / "grid_and_run.model3"


class GridJobsProvider(QgsProcessingProvider):
    """The plugin's algorithms, and the example models that chain them.

    A model finds its child algorithms through the Processing registry, which
    only knows this provider's algorithms once the provider is in it: the models
    are read once more then, or they would lack their outputs.
    """

    def load(self) -> bool:
        present(QgsApplication.processingRegistry(), "Processing registry").providerAdded.connect(
            self._added
        )
        return bool(super().load())

    def _added(self, provider_id: str) -> None:
        if provider_id == self.id():
            present(
                QgsApplication.processingRegistry(), "Processing registry"
            ).providerAdded.disconnect(self._added)
            self.refreshAlgorithms()

    def id(self) -> str:
        return PROVIDER_ID

    def name(self) -> str:
        return PLUGIN_NAME

    def longName(self) -> str:  # noqa: N802 (QGIS API)
        return translate("GridJobsProvider", "openEO Grid Jobs: one openEO batch job per grid tile")

    def icon(self) -> QIcon:
        return QIcon(ICON_PATH)

    def svgIconPath(self) -> str:  # noqa: N802 (QGIS API)
        return ICON_PATH

    def loadAlgorithms(self) -> None:  # noqa: N802 (QGIS API)
        for algorithm in (CreateGridAlgorithm, RunJobsAlgorithm, OpenJobDatabaseAlgorithm):
            self.addAlgorithm(algorithm())
        for path in sorted(MODELS_DIR.glob("*.model3")):
            model = QgsProcessingModelAlgorithm()
            if model.fromFile(str(path)):
                self.addAlgorithm(model)  # in the Toolbox under "Example models"
            else:
                QgsMessageLog.logMessage(
                    translate("GridJobsProvider", "Could not read the model {path}").format(
                        path=path
                    ),
                    PLUGIN_NAME,
                )


def _registry() -> QgsProcessingRegistry:
    return present(QgsApplication.processingRegistry(), "Processing registry")
