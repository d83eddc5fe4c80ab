"""Which connection runs the rows of each back-end a notebook's tracker names.

A tracker written by the openeo client's ``MultiBackendJobManager`` names its
back-ends as the notebook did (``cdse``...). With one back-end ticked, its rows are
tracked there without asking; with several, this dialog asks, one row per name.
"""

from __future__ import annotations

from qgis.PyQt.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QWidget,
)

from ..i18n import translate


class BackendMapDialog(QDialog):
    def __init__(self, unknown: list[str], names: list[str], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(translate("BackendMapDialog", "Map back-ends of the job database"))
        form = QFormLayout(self)
        intro = QLabel(
            translate(
                "BackendMapDialog",
                "Rows of this job database name back-ends that are not among the ticked "
                "connections. Choose which connection tracks (and runs) each one's tiles.",
            ),
            self,
        )
        intro.setWordWrap(True)
        form.addRow(intro)
        self.choices: dict[str, QComboBox] = {}
        for name in unknown:
            combo = QComboBox(self)
            combo.setObjectName(f"map_{name}")
            combo.addItems(names)
            form.addRow(name, combo)
            self.choices[name] = combo
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def mapping(self) -> dict[str, str]:
        return {name: combo.currentText() for name, combo in self.choices.items()}
