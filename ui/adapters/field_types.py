"""Attribute types for ``QgsField`` on every QGIS the plugin supports.

QGIS 3.38 added ``QgsField`` constructors taking a ``QMetaType.Type`` and deprecated
the ``QVariant.Type`` ones (QGIS 3.40 warns about them; Qt 6 has no ``QVariant.Type``,
and PyQGIS built on Qt 6 takes ``QMetaType.Type`` whatever its version). QGIS 3.22
only has the ``QVariant.Type`` ones. Both enums share their values.
"""

from __future__ import annotations

from qgis.core import Qgis
from qgis.PyQt.QtCore import QT_VERSION

# (QGIS_VERSION_INT, set when qgis.core loads, is missing from the stubs; tests/helpers/
# enum_scan.py reads this very condition)
if Qgis.QGIS_VERSION_INT >= 33800 or QT_VERSION >= 0x060000:  # type: ignore[attr-defined]
    from qgis.PyQt.QtCore import QMetaType

    STRING = QMetaType.Type.QString
    INT = QMetaType.Type.Int
    LONG_LONG = QMetaType.Type.LongLong
    DOUBLE = QMetaType.Type.Double
else:
    # QGIS < 3.38 on Qt 5 only (QGIS 3.22): the one place QVariant.Type is written.
    # The Qt 6 readiness scan allows it here and nowhere else (ALLOWANCES in
    # tests/helpers/enum_scan.py); no Qt 6 build evaluates this branch.
    from qgis.PyQt.QtCore import QVariant

    STRING = QVariant.Type.String
    INT = QVariant.Type.Int
    LONG_LONG = QVariant.Type.LongLong
    DOUBLE = QVariant.Type.Double
