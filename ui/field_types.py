"""Attribute types for ``QgsField`` on every QGIS the plugin supports.

QGIS 3.38 added ``QgsField`` constructors taking a ``QMetaType.Type`` and deprecated
the ``QVariant.Type`` ones (QGIS 3.40 warns about them; Qt 6 has no ``QVariant.Type``).
QGIS 3.22 only has the ``QVariant.Type`` ones. Both enums share their values.
"""

from __future__ import annotations

from qgis.core import Qgis

if Qgis.QGIS_VERSION_INT >= 33800:
    from qgis.PyQt.QtCore import QMetaType

    STRING = QMetaType.Type.QString
    INT = QMetaType.Type.Int
    LONG_LONG = QMetaType.Type.LongLong
    DOUBLE = QMetaType.Type.Double
else:
    from qgis.PyQt.QtCore import QVariant

    STRING = QVariant.Type.String
    INT = QVariant.Type.Int
    LONG_LONG = QVariant.Type.LongLong
    DOUBLE = QVariant.Type.Double
