"""Developer tools (not shipped in the plugin zip): QGIS launcher, local openEO back-end."""
