"""What a run may have to ask the user before it can go on: a login, a back-end mapping.

The worker stops and says what it lacks; once the user has answered (logged in,
mapped a notebook's back-ends to connections), the run starts again by itself
with what it was started with, so no second click on Run is needed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from qgis.core import Qgis
from qgis.PyQt.QtCore import QObject, pyqtSignal
from qgis.PyQt.QtWidgets import QWidget

from ..i18n import translate
from .backends_widget import BackendsWidget

if TYPE_CHECKING:
    from .backend_map_dialog import BackendMapDialog


class RunPrompts(QObject):
    """Asks for a login or a mapping; ``answered`` carries the run's arguments to start it again."""

    #: the user answered: start the run again with these keyword arguments
    answered = pyqtSignal(dict)

    def __init__(
        self,
        backends: BackendsWidget,
        say: Callable[[str, Qgis.MessageLevel], None],
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self.backends = backends
        self.say = say
        self.window = parent
        self.map_dialog: BackendMapDialog | None = None
        self._after_login: tuple[str, dict] | None = None
        backends.logged_in.connect(self._logged_in)

    def ask_mapping(self, unknown: list, names: list, run_kwargs: dict) -> None:
        """A notebook's tracker names back-ends the run lacks: ask which connection runs
        each; the run starts by itself once the user has said."""
        from .backend_map_dialog import BackendMapDialog

        dialog = self.map_dialog = BackendMapDialog(unknown, names, self.window)
        dialog.accepted.connect(
            lambda: self.answered.emit({**run_kwargs, "backend_map": dialog.mapping()})
        )
        dialog.rejected.connect(
            lambda: self.say(
                translate("RunPrompts", "Run not started: the back-ends were not mapped."),
                Qgis.MessageLevel.Info,
            )
        )
        dialog.open()

    def ask_login(self, name: str, reason: str, run_kwargs: dict) -> None:
        """Open the device login; when it succeeds, the run starts (again) by itself."""
        connection = next((c for c in self.backends.connections if c.name == name), None)
        if connection is None:
            self.say(reason, Qgis.MessageLevel.Warning)
            return
        self._after_login = (name, run_kwargs)
        self.backends.log_in(connection, reason)

    def _logged_in(self, name: str, ok: bool) -> None:
        pending, self._after_login = self._after_login, None
        if ok and pending is not None and pending[0] == name:
            self.answered.emit(pending[1])
