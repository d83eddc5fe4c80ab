"""QGIS's objects that a running QGIS always has, typed as present.

The QGIS stubs type every pointer a QGIS call returns as ``Optional``: SIP cannot
tell which ones may be null. The project instance, the interface's message bar and
canvas, a valid layer's data provider, a group just inserted into the layer tree are
never null while QGIS runs; if one is, QGIS is not in the state the plugin relies
on, and going on would only end in an ``AttributeError`` on ``None`` far from the
cause. :func:`present` fails at once instead, naming what is missing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from qgis.core import QgsProject

if TYPE_CHECKING:  # annotations only: Processing uses this module without the GUI
    from qgis.gui import QgisInterface, QgsMessageBar

T = TypeVar("T")


class MissingQgisObjectError(RuntimeError):
    """QGIS returned no object where a running QGIS always has one."""


def present(value: T | None, what: str) -> T:
    """``value``, or :class:`MissingQgisObjectError` naming ``what`` when QGIS gave None."""
    if value is None:
        raise MissingQgisObjectError(f"QGIS returned no {what}")
    return value


def current_project() -> QgsProject:
    """The current project (``QgsProject.instance()``, never None in QGIS)."""
    return present(QgsProject.instance(), "project instance")


def message_bar(iface: QgisInterface) -> QgsMessageBar:
    """QGIS's message bar (``iface.messageBar()``, never None in the desktop)."""
    return present(iface.messageBar(), "message bar")
