"""Tile grids, units and time windows: the area a run covers, before any job exists.

A grid is made here (``grid``, ``crs``, ``aoi``), read from and written to files
(``grid_io``), or taken from any polygons (``units``); ``windows`` turns date ranges
into one row per unit and window. No status passes through here.
"""
