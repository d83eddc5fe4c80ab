"""Everything that touches QGIS or Qt: dock, layers, renderer, worker threads."""
