"""Everything that touches QGIS or Qt: widgets, QGIS adapters, the run as the dock sees it.

``i18n`` (the plugin's words in QGIS's language) is shared by all of it and by
Processing.
"""
