"""What a run leaves behind: the mosaic, the STAC catalog, the summary, the problems.

``mosaic`` writes the VRT from ``mosaic_sources`` (each tile read once, with its
``band_stats``); ``stac_catalog`` describes the results; ``summary`` counts where a
run stands; ``problems`` groups failed tiles by reason.
"""
